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
	c->enabled = ways;
	size_t n = (size_t)c->sets * ways;
	c->shadow = calloc(n, sizeof *c->shadow);
	c->nshadow = calloc(c->sets, 1);
	c->tag = calloc(n, sizeof *c->tag);
	c->state = calloc(n, sizeof *c->state);
	c->stamp = calloc(n, sizeof *c->stamp);
	c->mru = calloc(c->sets, 1);
	if (!c->tag || !c->state || !c->stamp || !c->mru || !c->shadow || !c->nshadow) {
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
	free(c->shadow);
	free(c->nshadow);
	c->shadow = NULL;
	c->nshadow = NULL;
	c->mru = NULL;
	c->tag = NULL;
	c->state = NULL;
	c->stamp = NULL;
}


static uint32_t defect_mask(const struct cache *c, int idx, uint32_t addr, unsigned size);

/* A word of a dirty line leaves with the bits in mask wrong. */
static void write_back_word(struct cache *c, uint32_t addr, uint32_t mask)
{
	if (c->ecc && __builtin_popcount(mask) == 1) {
		if (c->corrected)
			(*c->corrected)++;
		return;
	}
	if (c->parity) {
		if (!c->wb_error)
			c->wb_error_addr = addr;
		c->wb_error = true;
		return;
	}
	if (c->backing && addr + 4 <= c->backing_size)
		for (unsigned b = 0; b < 4; b++)
			c->backing[addr + b] ^= (uint8_t)(mask >> (8 * b));
}

/* A line leaves the cache: its injected flips vanish when it is clean
 * (memory still holds the good copy); a dirty line is written back through
 * its check: ECC corrects a single bad bit of a word, parity reports the
 * line (its data is lost: wb_error, for the firmware), and without either
 * the corruption reaches memory. */
static void drop_line_faults(struct cache *c, uint32_t line_addr, bool dirty)
{
	uint32_t lo = line_addr << c->line_shift, hi = lo + (1u << c->line_shift);
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++) {
		struct cache_fault *f = &c->faults[i];
		if (!f->valid || f->addr < lo || f->addr >= hi)
			continue;
		if (dirty)
			write_back_word(c, f->addr, f->mask);
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
	if (dirty && c->ndefects)
		for (uint32_t o = 0; o < (1u << c->line_shift); o += 4) {
			uint32_t a = (line_addr << c->line_shift) + o, m = defect_mask(c, (int)idx, a, 4);
			if (m)
				write_back_word(c, a, m);
		}
	if (c->nfaults)
		drop_line_faults(c, line_addr, dirty);
	if (dirty) {
		(*c->cnt.writebacks)++;
		if (c->next)
			cache_access(c->next, line_addr << c->line_shift, true);
	}
	c->state[idx] = 0;
}

/* A line filled from a next level whose copy is corrupted brings the
 * corruption along (its detector sees it here). */
static void inherit_faults(struct cache *c, uint32_t line_addr)
{
	uint32_t a = line_addr << c->line_shift;
	int way = cache_way_of(c->next, a);
	for (uint32_t o = 0; o < (1u << c->line_shift); o += 4) {
		uint32_t m = cache_read_mask(c->next, a + o, 4);
		for (unsigned b = 0; m && b < 32; b++)
			if (m >> b & 1)
				cache_inject(c, a + o, b);
		for (unsigned i = 0; m && i < CACHE_MAX_FAULTS; i++)
			if (c->faults[i].valid && c->faults[i].addr == a + o)
				c->faults[i].next_way = (int8_t)way;
	}
}

int cache_fault_origin(const struct cache *c, uint32_t addr)
{
	for (unsigned i = 0; i < CACHE_MAX_FAULTS; i++)
		if (c->faults[i].valid && c->faults[i].addr == (addr & ~3u))
			return c->faults[i].next_way;
	return -1;
}

/* ---- the stack-distance monitor --------------------------------------- */

/* A hit at physical line i: its depth among the set's valid lines. */
static void count_hit_depth(struct cache *c, size_t base, size_t i)
{
	uint32_t age = c->clock - c->stamp[i];
	unsigned d = 1;
	for (unsigned w = 0; w < c->ways; w++)
		if ((c->state[base + w] & CL_VALID) && c->clock - c->stamp[base + w] < age)
			d++;
	if (d >= 2)
		c->depth[d - 1]++;
}

/* A miss: the line among the set's shadow tags would have hit. */
static void count_shadow_hit(struct cache *c, uint32_t set, uint32_t line_addr)
{
	uint32_t *sh = c->shadow + (size_t)set * c->ways;
	unsigned n = c->nshadow[set];
	for (unsigned k = 0; k < n; k++)
		if (sh[k] == line_addr) {
			c->depth[c->enabled + k] += c->monitor;
			memmove(sh + k, sh + k + 1, (n - k - 1) * sizeof *sh);
			c->nshadow[set] = (uint8_t)(n - 1);
			return;
		}
}

/* A line left the enabled ways: the most recent of the shadow tags. */
static void push_shadow(struct cache *c, uint32_t set, uint32_t line_addr)
{
	unsigned cap = c->ways - c->enabled, n = c->nshadow[set];
	if (!cap)
		return;
	uint32_t *sh = c->shadow + (size_t)set * c->ways;
	if (n == cap)
		n--;
	memmove(sh + 1, sh, n * sizeof *sh);
	sh[0] = line_addr;
	c->nshadow[set] = (uint8_t)(n + 1);
}

unsigned cache_access(struct cache *c, uint32_t addr, bool write)
{
	uint32_t line_addr = addr >> c->line_shift;
	size_t base = (size_t)(line_addr & c->set_mask) * c->ways;
	for (unsigned w = 0; w < c->ways; w++) {
		size_t i = base + w;
		if ((c->state[i] & CL_VALID) && c->tag[i] == line_addr) {
			if (c->monitor && w != c->mru[line_addr & c->set_mask])
				count_hit_depth(c, base, i);
			c->stamp[i] = ++c->clock;
			if (write)
				c->state[i] |= CL_DIRTY;
			c->mru[line_addr & c->set_mask] = (uint8_t)w;
			(*c->cnt.hits)++;
			return 0;
		}
	}
	(*c->cnt.misses)++;
	if (c->nshadow[line_addr & c->set_mask])
		count_shadow_hit(c, line_addr & c->set_mask, line_addr);
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
		push_shadow(c, line_addr & c->set_mask, c->tag[victim]);
		evict(c, victim);
	}
	c->tag[victim] = line_addr;
	c->state[victim] = CL_VALID | (write ? CL_DIRTY : 0);
	c->stamp[victim] = ++c->clock;
	c->mru[line_addr & c->set_mask] = (uint8_t)(victim - base);
	if (c->next && cache_has_faults(c->next))
		inherit_faults(c, line_addr);
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
	unsigned now = (unsigned)__builtin_popcount(mask);
	for (unsigned s = 0; s < c->sets; s++) {
		size_t base = (size_t)s * c->ways;
		uint32_t *sh = c->shadow + base;
		/* the lines of the ways switched off become the newest shadow
		 * tags (most recent first), the old ones go behind them; more
		 * ways on: fewer shadow tags */
		uint32_t moved[32];
		unsigned nm = 0;
		for (unsigned w = 0; off && w < c->ways; w++) {
			size_t i = base + w;
			if (!(off >> w & 1) || !(c->state[i] & CL_VALID))
				continue;
			unsigned k = nm++;
			while (k && c->clock - c->stamp[base + moved[k - 1]] > c->clock - c->stamp[i]) {
				moved[k] = moved[k - 1];
				k--;
			}
			moved[k] = w;
		}
		unsigned cap = c->ways - now, keep = c->nshadow[s];
		if (nm > cap)
			nm = cap;
		if (keep > cap - nm)
			keep = cap - nm;
		memmove(sh + nm, sh, keep * sizeof *sh);
		for (unsigned k = 0; k < nm; k++)
			sh[k] = c->tag[base + moved[k]];
		c->nshadow[s] = (uint8_t)(nm + keep);
		for (unsigned w = 0; off && w < c->ways; w++)
			if (off >> w & 1)
				evict(c, base + w);
	}
	c->way_mask = mask;
	c->enabled = now;
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
			f->next_way = -1;
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

/* ---- faults: flips by line, tags, defects, scrubbing -------------------------- */

int cache_line_of(const struct cache *c, uint32_t addr)
{
	uint32_t line_addr = addr >> c->line_shift;
	size_t base = (size_t)(line_addr & c->set_mask) * c->ways;
	for (unsigned w = 0; w < c->ways; w++)
		if ((c->state[base + w] & CL_VALID) && c->tag[base + w] == line_addr)
			return (int)(base + w);
	return -1;
}

static unsigned log2_sets(const struct cache *c)
{
	unsigned n = 0;
	while ((1u << n) < c->sets)
		n++;
	return n;
}

unsigned cache_tag_bits(const struct cache *c) { return 32 - c->line_shift - log2_sets(c); }

/* The defects' XOR mask over [addr, addr+size) of resident line idx:
 * a stuck bit differs from what memory holds when memory has the other
 * value. */
static uint32_t defect_mask(const struct cache *c, int idx, uint32_t addr, unsigned size)
{
	uint32_t m = 0;
	uint32_t base = c->tag[idx] << c->line_shift;
	for (unsigned i = 0; i < CACHE_MAX_DEFECTS; i++) {
		const struct cache_defect *d = &c->defects[i];
		if (!d->valid || (d->whole_way ? (unsigned)idx % c->ways != d->where : (unsigned)idx != d->where))
			continue;
		uint32_t byte = base + 4 * d->word + d->bit / 8;
		if (byte < addr || byte >= addr + size || !c->backing || byte >= c->backing_size)
			continue;
		unsigned b = d->bit % 8;
		bool one = c->backing[byte] >> b & 1;
		if (one == d->stuck0)
			m |= 1u << (8 * (byte - addr) + b);
	}
	return m;
}

uint32_t cache_read_mask(const struct cache *c, uint32_t addr, unsigned size)
{
	int idx = cache_line_of(c, addr);
	if (idx < 0)
		return 0;
	uint32_t m = c->nfaults ? cache_fault_mask(c, addr, size) : 0;
	return c->ndefects ? m ^ defect_mask(c, idx, addr, size) : m;
}

int cache_inject_line(struct cache *c, unsigned idx, unsigned word, unsigned bit)
{
	if (idx >= c->sets * c->ways || word >= (1u << c->line_shift) / 4 || bit > 31)
		return -1;
	if (!(c->state[idx] & CL_VALID))
		return 1;
	return cache_inject(c, (c->tag[idx] << c->line_shift) + 4 * word, bit);
}

int cache_inject_tag(struct cache *c, unsigned idx, unsigned bit)
{
	if (idx >= c->sets * c->ways || bit >= cache_tag_bits(c))
		return -1;
	if (!(c->state[idx] & CL_VALID))
		return 1;
	uint32_t old = c->tag[idx], now = old ^ (1u << (log2_sets(c) + bit));
	uint32_t a = old << c->line_shift, b = now << c->line_shift, line = 1u << c->line_shift;
	/* the line keeps its data: at b it reads what a holds */
	if (c->nfaults)
		drop_line_faults(c, old, false);
	c->tag[idx] = now;
	if (!c->backing || a > c->backing_size - line || b > c->backing_size - line)
		return 0;
	for (uint32_t o = 0; o < line; o += 4) {
		uint32_t x = 0;
		for (unsigned k = 0; k < 4; k++)
			x |= (uint32_t)(c->backing[a + o + k] ^ c->backing[b + o + k]) << (8 * k);
		for (unsigned bitn = 0; x && bitn < 32; bitn++)
			if (x >> bitn & 1 && cache_inject(c, b + o, bitn) < 0)
				return 0;   /* the overlay is full: the rest reads right */
	}
	return 0;
}

int cache_add_defect(struct cache *c, const struct cache_defect *d)
{
	for (unsigned i = 0; i < CACHE_MAX_DEFECTS; i++)
		if (!c->defects[i].valid) {
			c->defects[i] = *d;
			c->defects[i].valid = true;
			c->ndefects++;
			return 0;
		}
	return -1;
}

int cache_drop(struct cache *c, uint32_t addr)
{
	int idx = cache_line_of(c, addr);
	if (idx < 0)
		return 0;
	bool dirty = c->state[idx] & CL_DIRTY;
	if (c->nfaults)
		drop_line_faults(c, c->tag[idx], false);
	c->state[idx] = 0;
	return dirty ? -1 : 0;
}
