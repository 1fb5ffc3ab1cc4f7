/* hidden-mem/hidden.c — carve-out, region allocators, guest accessors. */
#include "hidden-mem/hidden.h"

#include <stdlib.h>
#include <string.h>

/* Free block: [addr, addr + size).  The bookkeeping lives on the host; it
 * models the firmware's allocator tables without spending guest-visible or
 * hidden bytes on them. */
struct hblock {
	uint32_t addr, size;
	struct hblock *next;
};

static void region_init(struct hregion *r, const char *name, uint32_t base, uint32_t size)
{
	memset(r, 0, sizeof *r);
	r->name = name;
	r->base = base;
	r->size = size;
	hregion_reset(r);
}

static void free_list_clear(struct hregion *r)
{
	while (r->free_list) {
		struct hblock *n = r->free_list->next;
		free(r->free_list);
		r->free_list = n;
	}
}

void hregion_reset(struct hregion *r)
{
	free_list_clear(r);
	r->free_list = malloc(sizeof *r->free_list);
	if (r->free_list)
		*r->free_list = (struct hblock){r->base, r->size, NULL};
	r->in_use = 0;
}

static const struct {
	const char *name, *key;   /* key: the configuration key it grows with */
} tables[HIDDEN_NTABLES] = {
	[HIDDEN_PAGEDIR] = {"guest page directory", NULL},
	[HIDDEN_PROFILE] = {"profile table", "cms.profile_entries"},
	[HIDDEN_XMAP] = {"translation map", NULL},
	[HIDDEN_SMCMAP] = {"code-chunk bitmap", "cms.smc_granularity"},
};

uint32_t hidden_table_bytes(const struct cdvm_config *c, enum hidden_table t)
{
	switch (t) {
	case HIDDEN_PAGEDIR:
		return 1u << HIDDEN_PAGE_SHIFT;
	case HIDDEN_PROFILE:
		return (uint32_t)c->profile_entries * HIDDEN_PROFILE_ENTRY_BYTES;
	case HIDDEN_XMAP:
		return HIDDEN_XMAP_ENTRIES * HIDDEN_XMAP_ENTRY_BYTES;
	case HIDDEN_SMCMAP:
		if (c->smc_granularity >= (1 << HIDDEN_PAGE_SHIFT) || c->smc_granularity <= 0)
			return 0;
		/* a byte more than the bits need: the chip's bound check */
		return (uint32_t)((((uint64_t)c->guest_mb << 20) / (uint64_t)c->smc_granularity) / 8 + 1);
	case HIDDEN_NTABLES:
		break;
	}
	return 0;
}

uint32_t hidden_table_align(enum hidden_table t)
{
	return t == HIDDEN_PAGEDIR ? 1u << HIDDEN_PAGE_SHIFT : HIDDEN_TABLE_ALIGN;   /* the chip walks the directory by page */
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

int hidden_check_fit(const struct cdvm_config *c, char *err, size_t errlen)
{
	uint64_t hidden = (uint64_t)c->hidden_mb << 20, tc = (uint64_t)c->tcache_kb * 1024;
	if (tc >= hidden) {
		snprintf(err, errlen, "key 'cms.tcache_kb' (%lld KiB) does not fit in 'memory.hidden_mb' (%lld MiB)",
			 (long long)c->tcache_kb, (long long)c->hidden_mb);
		return -1;
	}
	/* first fit into the empty area, as the boot allocates them */
	uint64_t base = ((uint64_t)c->guest_mb << 20) + tc, at = base;
	for (int t = 0; t < HIDDEN_NTABLES; t++)
		at = align_up(at, hidden_table_align((enum hidden_table)t)) + hidden_table_bytes(c, (enum hidden_table)t);
	if (at - base <= hidden - tc)
		return 0;
	size_t len = (size_t)snprintf(err, errlen,
				      "keys 'memory.hidden_mb' (%lld MiB) - 'cms.tcache_kb' (%lld KiB) leave %llu KiB of "
				      "firmware data, too small for its fixed tables (%llu KiB):",
				      (long long)c->hidden_mb, (long long)c->tcache_kb,
				      (unsigned long long)((hidden - tc) >> 10), (unsigned long long)((at - base + 1023) >> 10));
	for (int t = 0; t < HIDDEN_NTABLES && len < errlen; t++) {
		uint32_t b = hidden_table_bytes(c, (enum hidden_table)t);
		len += (size_t)snprintf(err + len, errlen - len, "%s %s %u KiB", t ? "," : "", tables[t].name,
					(b + 1023) >> 10);
		if (tables[t].key && len < errlen)
			len += (size_t)snprintf(err + len, errlen - len, " (key '%s')", tables[t].key);
	}
	return -1;
}

int hidden_boot(struct hidden_mem *hm, struct chip *chip, char *err, size_t errlen)
{
	const struct cdvm_config *cfg = chip_config(chip);
	memset(hm, 0, sizeof *hm);
	hm->chip = chip;
	hm->base = chip_guest_limit(chip);
	hm->size = chip_mem_size(chip) - hm->base;
	if (hidden_check_fit(cfg, err, errlen) < 0)
		return -1;
	uint32_t tc = (uint32_t)cfg->tcache_kb * 1024;
	region_init(&hm->tcache, "translation cache", hm->base, tc);
	region_init(&hm->fwdata, "firmware data", hm->base + tc, hm->size - tc);
	if (!hm->tcache.free_list || !hm->fwdata.free_list) {
		snprintf(err, errlen, "out of memory booting hidden memory");
		hidden_shutdown(hm);
		return -1;
	}
	return 0;
}

void hidden_shutdown(struct hidden_mem *hm)
{
	free_list_clear(&hm->tcache);
	free_list_clear(&hm->fwdata);
}

uint32_t hregion_alloc(struct hregion *r, uint32_t n, uint32_t align)
{
	if (!n || !align || (align & (align - 1))) {
		r->failures++;
		return 0;
	}
	for (struct hblock **pp = &r->free_list; *pp; pp = &(*pp)->next) {
		struct hblock *b = *pp;
		uint32_t start = (b->addr + align - 1) & ~(align - 1);
		uint32_t pad = start - b->addr;
		if (pad > b->size || b->size - pad < n)
			continue;
		uint32_t tail = b->size - pad - n;
		if (pad && tail) {
			struct hblock *t = malloc(sizeof *t);
			if (!t)
				break;
			*t = (struct hblock){start + n, tail, b->next};
			b->size = pad;
			b->next = t;
		} else if (pad) {
			b->size = pad;
		} else if (tail) {
			b->addr = start + n;
			b->size = tail;
		} else {
			*pp = b->next;
			free(b);
		}
		r->in_use += n;
		if (r->in_use > r->peak)
			r->peak = r->in_use;
		r->allocs++;
		return start;
	}
	r->failures++;
	return 0;
}

void hregion_free(struct hregion *r, uint32_t addr, uint32_t n)
{
	if (!n || addr < r->base || addr + n > r->base + r->size)
		return;
	struct hblock **pp = &r->free_list;
	while (*pp && (*pp)->addr < addr)
		pp = &(*pp)->next;
	struct hblock *nb = malloc(sizeof *nb);
	if (!nb)
		return;  /* the bytes leak from the region; never a host crash */
	*nb = (struct hblock){addr, n, *pp};
	*pp = nb;
	/* merge with the following block, then with the previous one */
	if (nb->next && nb->addr + nb->size == nb->next->addr) {
		struct hblock *x = nb->next;
		nb->size += x->size;
		nb->next = x->next;
		free(x);
	}
	for (struct hblock *p = r->free_list; p && p != nb; p = p->next) {
		if (p->next == nb && p->addr + p->size == nb->addr) {
			p->size += nb->size;
			p->next = nb->next;
			free(nb);
			break;
		}
	}
	r->in_use -= n;
	r->frees++;
}

uint32_t hregion_largest_free(const struct hregion *r)
{
	uint32_t m = 0;
	for (const struct hblock *b = r->free_list; b; b = b->next)
		if (b->size > m)
			m = b->size;
	return m;
}

static void region_stats(const struct hregion *r, FILE *out)
{
	fprintf(out, "  %-18s base 0x%08x size %8u KiB  in use %8llu B  peak %8llu B  allocs %llu  frees %llu  failures %llu\n",
		r->name, r->base, r->size / 1024, (unsigned long long)r->in_use, (unsigned long long)r->peak,
		(unsigned long long)r->allocs, (unsigned long long)r->frees, (unsigned long long)r->failures);
}

void hidden_print_stats(const struct hidden_mem *hm, FILE *out)
{
	fprintf(out, "hidden memory: 0x%08x..0x%08x (%u KiB)\n", hm->base, hm->base + hm->size - 1, hm->size / 1024);
	region_stats(&hm->tcache, out);
	region_stats(&hm->fwdata, out);
}

int guest_range_ok(const struct chip *chip, uint32_t addr, uint32_t n)
{
	uint32_t lim = chip_guest_limit(chip);
	return addr <= lim && n <= lim - addr;
}

int guest_read(struct chip *chip, uint32_t addr, void *buf, uint32_t n)
{
	if (!guest_range_ok(chip, addr, n))
		return -1;
	return chip_mem_read(chip, addr, buf, n);
}

int guest_write(struct chip *chip, uint32_t addr, const void *buf, uint32_t n)
{
	if (!guest_range_ok(chip, addr, n))
		return -1;
	return chip_mem_write(chip, addr, buf, n);
}
