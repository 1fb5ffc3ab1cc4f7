/* cms/guestmem.c — the guest's view of memory.
 *
 * Guest RAM is [0, guest limit) of physical memory, but a Linux process
 * only has its segments, heap and stack mapped: touching anything else is
 * SIGSEGV natively, so it must be here too.  The firmware keeps one byte
 * per guest page in a table in hidden memory (PM_MAPPED, PM_WRITE) and the
 * interpreter's memory callbacks check it, then time the access through the
 * chip's L1D.  Hidden memory lies above the guest limit and is never mapped
 * (DESIGN.md contract 5). */
#include "cms/cms_priv.h"

#include <string.h>

enum { PM_MAPPED = 1, PM_WRITE = 2 };

int gm_init(struct cms *m, char *err, size_t errlen)
{
	m->npages = chip_guest_limit(m->chip) >> GUEST_PAGE_SHIFT;
	m->pagemap = hregion_alloc(&m->hm.fwdata, m->npages, 64);
	if (!m->pagemap) {
		snprintf(err, errlen, "hidden memory too small for the guest page map (%u bytes)", m->npages);
		return -1;
	}
	memset(chip_mem(m->chip) + m->pagemap, 0, m->npages);
	return 0;
}

static inline uint8_t *pm(const struct cms *m)
{
	return chip_mem(m->chip) + m->pagemap;
}

void gm_map(struct cms *m, uint32_t lo, uint32_t hi, int writable)
{
	uint8_t *p = pm(m);
	for (uint32_t pg = lo >> GUEST_PAGE_SHIFT; pg < m->npages && (pg << GUEST_PAGE_SHIFT) < hi; pg++)
		p[pg] = (uint8_t)(PM_MAPPED | (writable ? PM_WRITE : 0) | (p[pg] & PM_WRITE));
}

void gm_unmap(struct cms *m, uint32_t lo, uint32_t hi)
{
	uint8_t *p = pm(m);
	for (uint32_t pg = lo >> GUEST_PAGE_SHIFT; pg < m->npages && (pg << GUEST_PAGE_SHIFT) < hi; pg++)
		p[pg] = 0;
}

int gm_range_mapped(const struct cms *m, uint32_t addr, uint32_t n, int write)
{
	if (!n)
		return 1;
	uint32_t last = addr + n - 1;
	if (last < addr)
		return 0;
	uint8_t need = (uint8_t)(PM_MAPPED | (write ? PM_WRITE : 0));
	const uint8_t *p = pm(m);
	for (uint32_t pg = addr >> GUEST_PAGE_SHIFT; pg <= last >> GUEST_PAGE_SHIFT; pg++)
		if (pg >= m->npages || (p[pg] & need) != need)
			return 0;
	return 1;
}

/* Returns the first address of [addr, addr+n) that is not accessible. */
static uint32_t first_bad(const struct cms *m, uint32_t addr, uint32_t n, int write)
{
	for (uint32_t i = 0; i < n; i++)
		if (!gm_range_mapped(m, addr + i, 1, write))
			return addr + i;
	return addr;
}

static int env_load(void *ctx, uint32_t addr, unsigned size, uint32_t *val)
{
	struct cms *m = ctx;
	if (!gm_range_mapped(m, addr, size, 0)) {
		m->last_fault_addr = first_bad(m, addr, size, 0);
		return -1;
	}
	const uint8_t *p = chip_mem(m->chip) + addr;
	uint32_t v = p[0];
	if (size >= 2)
		v |= (uint32_t)p[1] << 8;
	if (size == 4)
		v |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	*val = v;
	m->pending_mem += chip_dcache_access(m->chip, addr, size, false);
	return 0;
}

static int env_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	struct cms *m = ctx;
	if (!gm_range_mapped(m, addr, size, 1)) {
		m->last_fault_addr = first_bad(m, addr, size, 1);
		return -1;
	}
	uint8_t *p = chip_mem(m->chip) + addr;
	p[0] = (uint8_t)val;
	if (size >= 2)
		p[1] = (uint8_t)(val >> 8);
	if (size == 4) {
		p[2] = (uint8_t)(val >> 16);
		p[3] = (uint8_t)(val >> 24);
	}
	chip_mem_written(m->chip, addr, size);
	m->pending_mem += chip_dcache_access(m->chip, addr, size, true);
	return 0;
}

static unsigned env_fetch(void *ctx, uint32_t addr, uint8_t *buf, unsigned len)
{
	struct cms *m = ctx;
	unsigned n = 0;
	/* the interpreter reads x86 code as data, through the L1D */
	while (n < len && gm_range_mapped(m, addr + n, 1, 0))
		n++;
	if (n)
		memcpy(buf, chip_mem(m->chip) + addr, n);
	else
		m->last_fault_addr = addr;
	return n;
}

static uint64_t env_cycles(void *ctx)
{
	struct cms *m = ctx;
	return chip_cycles(m->chip);
}

void gm_install_env(struct cms *m)
{
	m->env = (struct x86_env){
		.r = m->xr,
		.ctx = m,
		.load = env_load,
		.store = env_store,
		.fetch = env_fetch,
		.cycles = env_cycles,
	};
}
