/* hw-sim/cache.c — set-associative cache model (see cache.h). */
#include "hw-sim/cache.h"

#include <stdlib.h>
#include <string.h>

static unsigned log2u(uint32_t v)
{
	unsigned n = 0;
	while ((1u << n) < v)
		n++;
	return n;
}

int cache_init(struct cache *c, const char *name, uint32_t size_bytes, unsigned ways, unsigned line,
	       unsigned latency, struct cache *next, unsigned mem_latency, struct cache_counters cnt)
{
	memset(c, 0, sizeof *c);
	c->name = name;
	c->ways = ways;
	c->line_shift = log2u(line);
	c->sets = size_bytes / (ways * line);
	if (c->sets == 0)
		c->sets = 1;
	c->set_mask = c->sets - 1;
	c->latency = latency;
	c->mem_latency = mem_latency;
	c->next = next;
	c->cnt = cnt;
	c->way_mask = ways >= 32 ? 0xffffffffu : (1u << ways) - 1;
	size_t n = (size_t)c->sets * ways;
	c->tag = calloc(n, sizeof *c->tag);
	c->state = calloc(n, sizeof *c->state);
	c->stamp = calloc(n, sizeof *c->stamp);
	c->mru = calloc(c->sets, 1);
	if (!c->tag || !c->state || !c->stamp || !c->mru) {
		cache_free(c);
		return -1;
	}
	return 0;
}

void cache_free(struct cache *c)
{
	free(c->tag);
	free(c->state);
	free(c->stamp);
	free(c->mru);
	c->mru = NULL;
	c->tag = NULL;
	c->state = NULL;
	c->stamp = NULL;
}


/* A line leaves the cache: its injected flips reach memory if it was dirty,
 * and vanish otherwise (memory still holds the good copy). */
static void drop_line_faults(struct cache *c, uint32_t line_addr, bool dirty)
{
	uint32_t lo = line_addr << c->line_shift, hi = lo + (1u << c->line_shift);
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++) {
		struct cache_fault *f = &c->faults[i];
		if (!f->valid || f->addr < lo || f->addr >= hi)
			continue;
		if (dirty && c->backing && f->addr + 4 <= c->backing_size) {
			for (unsigned b = 0; b < 4; b++)
				c->backing[f->addr + b] ^= (uint8_t)(f->mask >> (8 * b));
		}
		f->valid = false;
		c->nfaults--;
	}
}

static void evict(struct cache *c, size_t idx)
{
	if (!(c->state[idx] & CL_VALID))
		return;
	uint32_t line_addr = c->tag[idx];
	bool dirty = c->state[idx] & CL_DIRTY;
	if (c->nfaults)
		drop_line_faults(c, line_addr, dirty);
	if (dirty) {
		(*c->cnt.writebacks)++;
		if (c->next)
			cache_access(c->next, line_addr << c->line_shift, true);
	}
	c->state[idx] = 0;
}

unsigned cache_access(struct cache *c, uint32_t addr, bool write)
{
	uint32_t line_addr = addr >> c->line_shift;
	size_t base = (size_t)(line_addr & c->set_mask) * c->ways;
	for (unsigned w = 0; w < c->ways; w++) {
		size_t i = base + w;
		if ((c->state[i] & CL_VALID) && c->tag[i] == line_addr) {
			c->stamp[i] = ++c->clock;
			if (write)
				c->state[i] |= CL_DIRTY;
			c->mru[line_addr & c->set_mask] = (uint8_t)w;
			(*c->cnt.hits)++;
			return 0;
		}
	}
	(*c->cnt.misses)++;
	unsigned extra = c->next ? c->next->latency + cache_access(c->next, addr, false) : c->mem_latency;
	if (!c->way_mask) {
		/* cache switched off: the access goes straight to the next level */
		if (write && c->next)
			cache_access(c->next, addr, true);
		return extra;
	}
	/* victim: an enabled invalid way, else the least recently used enabled way */
	size_t victim = SIZE_MAX;
	uint32_t oldest = 0;
	for (unsigned w = 0; w < c->ways; w++) {
		if (!(c->way_mask >> w & 1))
			continue;
		size_t i = base + w;
		if (!(c->state[i] & CL_VALID)) {
			victim = i;
			break;
		}
		uint32_t age = c->clock - c->stamp[i];
		if (victim == SIZE_MAX || age > oldest) {
			victim = i;
			oldest = age;
		}
	}
	if (c->state[victim] & CL_VALID) {
		(*c->cnt.evictions)++;
		evict(c, victim);
	}
	c->tag[victim] = line_addr;
	c->state[victim] = CL_VALID | (write ? CL_DIRTY : 0);
	c->stamp[victim] = ++c->clock;
	c->mru[line_addr & c->set_mask] = (uint8_t)(victim - base);
	return extra;
}

bool cache_probe(const struct cache *c, uint32_t addr)
{
	uint32_t line_addr = addr >> c->line_shift;
	size_t base = (size_t)(line_addr & c->set_mask) * c->ways;
	for (unsigned w = 0; w < c->ways; w++)
		if ((c->state[base + w] & CL_VALID) && c->tag[base + w] == line_addr)
			return true;
	return false;
}

void cache_set_way_mask(struct cache *c, uint32_t mask)
{
	uint32_t all = c->ways >= 32 ? 0xffffffffu : (1u << c->ways) - 1;
	mask &= all;
	uint32_t off = c->way_mask & ~mask;
	for (unsigned s = 0; s < c->sets && off; s++)
		for (unsigned w = 0; w < c->ways; w++)
			if (off >> w & 1)
				evict(c, (size_t)s * c->ways + w);
	c->way_mask = mask;
}

void cache_flush(struct cache *c)
{
	for (size_t i = 0; i < (size_t)c->sets * c->ways; i++)
		evict(c, i);
}

int cache_inject(struct cache *c, uint32_t addr, unsigned bit)
{
	addr &= ~3u;
	if (!cache_probe(c, addr) || bit > 31)
		return -1;
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++) {
		struct cache_fault *f = &c->faults[i];
		if (f->valid && f->addr == addr) {
			f->mask ^= 1u << bit;
			return 0;
		}
	}
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++) {
		struct cache_fault *f = &c->faults[i];
		if (!f->valid) {
			f->addr = addr;
			f->mask = 1u << bit;
			f->valid = true;
			c->nfaults++;
			return 0;
		}
	}
	return -1;
}

uint32_t cache_fault_mask(const struct cache *c, uint32_t addr, unsigned size)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++) {
		const struct cache_fault *f = &c->faults[i];
		if (!f->valid)
			continue;
		for (unsigned b = 0; b < size; b++) {
			uint32_t a = addr + b;
			if (a >= f->addr && a < f->addr + 4)
				m |= ((f->mask >> (8 * (a - f->addr))) & 0xffu) << (8 * b);
		}
	}
	return m;
}

void cache_fault_clear(struct cache *c, uint32_t addr, unsigned size)
{
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++) {
		struct cache_fault *f = &c->faults[i];
		if (!f->valid)
			continue;
		for (unsigned b = 0; b < size; b++) {
			uint32_t a = addr + b;
			if (a >= f->addr && a < f->addr + 4)
				f->mask &= ~(0xffu << (8 * (a - f->addr)));
		}
		if (!f->mask) {
			f->valid = false;
			c->nfaults--;
		}
	}
}
