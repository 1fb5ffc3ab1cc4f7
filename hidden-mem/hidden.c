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

int hidden_boot(struct hidden_mem *hm, struct chip *chip, char *err, size_t errlen)
{
	const struct cdvm_config *cfg = chip_config(chip);
	memset(hm, 0, sizeof *hm);
	hm->chip = chip;
	hm->base = chip_guest_limit(chip);
	hm->size = chip_mem_size(chip) - hm->base;
	uint64_t tc = (uint64_t)cfg->tcache_kb * 1024;
	if (tc >= hm->size) {
		snprintf(err, errlen, "cms.tcache_kb (%lld KiB) does not fit in hidden memory (%u KiB)",
			 (long long)cfg->tcache_kb, hm->size / 1024);
		return -1;
	}
	region_init(&hm->tcache, "translation cache", hm->base, (uint32_t)tc);
	region_init(&hm->fwdata, "firmware data", hm->base + (uint32_t)tc, hm->size - (uint32_t)tc);
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
