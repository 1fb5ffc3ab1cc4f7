/* cms/guestmem.c — the guest's view of memory.
 *
 * Guest RAM is [0, guest limit) of physical memory, but a Linux process
 * only has its segments, heap and stack mapped: touching anything else is
 * SIGSEGV natively, so it must be here too.  The firmware keeps one byte
 * per guest page in a table in hidden memory (PM_MAPPED, PM_WRITE, and
 * PM_CODE when decoded instructions are cached from the page) and the
 * interpreter's memory callbacks check it, then time the access through
 * the chip's L1D.  Hidden memory lies above the guest limit and is never
 * mapped (DESIGN.md contract 5).  A store into a PM_CODE page is reported
 * to the firmware through the callback given to gm_init (which drops the
 * page's decodes and translations, so self-modifying code runs the new
 * bytes); then the page is no longer PM_CODE.
 *
 * This file owns struct guestmem: the page table, the process layout
 * (heap break, stack) and the miss cycles of the guest accesses made for
 * the current instruction or system call.  Others reach it only through
 * the gm_* calls in cms_priv.h. */
#include "cms/cms_priv.h"

#include <stdlib.h>
#include <string.h>

struct guestmem {
	uint32_t pagemap;              /* physical address of the page table */
	uint8_t *pm;                   /* the same table, host view */
	uint8_t *mem;                  /* physical memory, host view */
	uint32_t npages;               /* guest RAM pages */
	uint32_t brk_start, brk_cur, brk_limit;
	uint32_t stack_lo;
	uint32_t last_fault_addr;
	gm_code_written_fn code_written;
	/* code-chunk bitmap (cms.smc_granularity), NULL when whole pages */
	uint8_t *smc;
	unsigned smc_shift;
};

static void drop_code_page(struct cms *m, uint32_t pg);

/* hidden-mem sizes the page map (one byte a page) for the configuration check */
_Static_assert((int)GUEST_PAGE_SHIFT == (int)HIDDEN_PAGE_SHIFT, "the page map's page is the guest page");

int gm_init(struct cms *m, gm_code_written_fn code_written, char *err, size_t errlen)
{
	struct guestmem *g = m->gm = calloc(1, sizeof *m->gm);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->code_written = code_written;
	g->npages = chip_guest_limit(m->chip) >> GUEST_PAGE_SHIFT;
	g->pagemap = hregion_alloc(&m->hm.fwdata, hidden_table_bytes(&m->cfg, HIDDEN_PAGEMAP), HIDDEN_TABLE_ALIGN);
	if (!g->pagemap) {
		snprintf(err, errlen, "hidden memory too small for the guest page map (%u bytes)", g->npages);
		return -1;
	}
	g->mem = chip_mem(m->chip);
	g->pm = g->mem + g->pagemap;
	memset(g->pm, 0, g->npages);
	/* the chip checks guest accesses of native code against the same table */
	if (chip_write_cr(m->chip, CR_PAGEMAP_PAGES, g->npages) < 0 || chip_write_cr(m->chip, CR_PAGEMAP, g->pagemap) < 0) {
		snprintf(err, errlen, "cannot install the guest page table");
		return -1;
	}
	return 0;
}

int gm_init_smc(struct cms *m, char *err, size_t errlen)
{
	struct guestmem *g = m->gm;
	uint32_t bytes = hidden_table_bytes(&m->cfg, HIDDEN_SMCMAP);
	if (!bytes)
		return 0;  /* whole pages: the chip traps any store to a protected page */
	uint32_t at = hregion_alloc(&m->hm.fwdata, bytes, HIDDEN_TABLE_ALIGN);
	if (!at) {
		snprintf(err, errlen, "hidden memory too small for the code-chunk bitmap (%u bytes)", bytes);
		return -1;
	}
	unsigned shift = 0;
	while ((1u << shift) < (uint32_t)m->cfg.smc_granularity)
		shift++;
	g->smc = g->mem + at;
	g->smc_shift = shift;
	memset(g->smc, 0, bytes);
	if (chip_write_cr(m->chip, CR_SMC_SHIFT, shift) < 0 || chip_write_cr(m->chip, CR_SMCMAP, at) < 0) {
		snprintf(err, errlen, "cannot install the code-chunk bitmap");
		return -1;
	}
	return 0;
}

/* The chunks of [lo, hi) (within guest RAM): set them, or is any set? */
static void chunks_set(struct guestmem *g, uint32_t lo, uint32_t hi)
{
	for (uint32_t k = lo >> g->smc_shift; k <= (hi - 1) >> g->smc_shift; k++)
		g->smc[k >> 3] |= (uint8_t)(1u << (k & 7));
}

static int chunks_hit(const struct guestmem *g, uint32_t lo, uint32_t hi)
{
	for (uint32_t k = lo >> g->smc_shift; k <= (hi - 1) >> g->smc_shift; k++)
		if (g->smc[k >> 3] & (1u << (k & 7)))
			return 1;
	return 0;
}

static void chunks_clear_page(struct guestmem *g, uint32_t pg)
{
	uint32_t lo = pg << GUEST_PAGE_SHIFT;
	for (uint32_t k = lo >> g->smc_shift; k < (lo + GUEST_PAGE) >> g->smc_shift; k++)
		g->smc[k >> 3] &= (uint8_t)~(1u << (k & 7));
}

void gm_free(struct cms *m)
{
	free(m->gm);
	m->gm = NULL;
}

/* Accessible without crossing into an unmapped page? (fast path) */
static inline int gm_ok(const struct guestmem *g, uint32_t addr, unsigned size, uint8_t need)
{
	uint32_t pg = addr >> GUEST_PAGE_SHIFT, pg2 = (addr + size - 1) >> GUEST_PAGE_SHIFT;
	if (pg2 >= g->npages || pg2 < pg || (g->pm[pg] & need) != need)
		return 0;
	return pg == pg2 || (g->pm[pg2] & need) == need;
}

void gm_map(struct cms *m, uint32_t lo, uint32_t hi, int writable)
{
	struct guestmem *g = m->gm;
	for (uint32_t pg = lo >> GUEST_PAGE_SHIFT; pg < g->npages && (pg << GUEST_PAGE_SHIFT) < hi; pg++)
		g->pm[pg] = (uint8_t)(PM_MAPPED | (writable ? PM_WRITE : 0) | (g->pm[pg] & (PM_WRITE | PM_CODE | PM_PROTECT)));
}

uint32_t gm_pages(const struct cms *m) { return m->gm->npages; }

void gm_code_written(struct cms *m, uint32_t pg)
{
	if (pg >= m->gm->npages || !(m->gm->pm[pg] & PM_CODE))
		return;
	drop_code_page(m, pg);
}

static void drop_code_page(struct cms *m, uint32_t pg)
{
	m->gm->code_written(m, pg);
	m->gm->pm[pg] &= (uint8_t)~(PM_CODE | PM_PROTECT);
	if (m->gm->smc)
		chunks_clear_page(m->gm, pg);
}

void gm_unmap(struct cms *m, uint32_t lo, uint32_t hi)
{
	struct guestmem *g = m->gm;
	for (uint32_t pg = lo >> GUEST_PAGE_SHIFT; pg < g->npages && (pg << GUEST_PAGE_SHIFT) < hi; pg++) {
		if (g->pm[pg] & PM_CODE)
			drop_code_page(m, pg);
		g->pm[pg] = 0;
	}
}

void gm_mark_code(struct cms *m, uint32_t addr, uint32_t n)
{
	struct guestmem *g = m->gm;
	uint32_t pg = addr >> GUEST_PAGE_SHIFT;
	for (; pg <= (addr + n - 1) >> GUEST_PAGE_SHIFT && pg < g->npages; pg++)
		g->pm[pg] |= PM_CODE | PM_PROTECT;
	if (g->smc && n) {
		uint32_t end = addr + n, lim = g->npages << GUEST_PAGE_SHIFT;
		if (addr < lim)
			chunks_set(g, addr, end <= lim && end > addr ? end : lim);
	}
}

void gm_written(struct cms *m, uint32_t addr, uint32_t n)
{
	if (!n)
		return;
	struct guestmem *g = m->gm;
	for (uint32_t pg = addr >> GUEST_PAGE_SHIFT; pg <= (addr + n - 1) >> GUEST_PAGE_SHIFT && pg < g->npages; pg++) {
		if (!(g->pm[pg] & PM_CODE))
			continue;
		/* the part of the store on this page: code, or data beside it? */
		uint32_t plo = pg << GUEST_PAGE_SHIFT, lo = addr > plo ? addr : plo;
		uint32_t hi = addr + n - 1 < plo + GUEST_PAGE - 1 ? addr + n : plo + GUEST_PAGE;
		if (!g->smc || chunks_hit(g, lo, hi))
			drop_code_page(m, pg);
		else
			m->st.smc_data_stores++;
	}
	chip_mem_written(m->chip, addr, n);
}

void gm_set_layout(struct cms *m, uint32_t brk_start, uint32_t stack_lo)
{
	struct guestmem *g = m->gm;
	g->brk_start = g->brk_cur = brk_start;
	g->stack_lo = stack_lo;
	/* leave a guard gap of unmapped pages between heap and stack */
	g->brk_limit = g->stack_lo - 16 * GUEST_PAGE;
}

uint32_t gm_stack_lo(const struct cms *m) { return m->gm->stack_lo; }

/* brk(0) and failures return the current break, as the Linux system call
 * (not the libc wrapper) does. */
uint32_t gm_brk(struct cms *m, uint32_t want)
{
	struct guestmem *g = m->gm;
	if (want < g->brk_start || want > g->brk_limit)
		return g->brk_cur;
	uint32_t old_top = (g->brk_cur + GUEST_PAGE - 1) & ~(GUEST_PAGE - 1);
	uint32_t new_top = (want + GUEST_PAGE - 1) & ~(GUEST_PAGE - 1);
	if (new_top > old_top) {
		/* fresh pages read as zero */
		uint8_t *mem = chip_mem(m->chip);
		for (uint32_t a = old_top; a < new_top; a++)
			mem[a] = 0;
		gm_written(m, old_top, new_top - old_top);
		gm_map(m, old_top, new_top, 1);
	} else if (new_top < old_top) {
		gm_unmap(m, new_top, old_top);
	}
	g->brk_cur = want;
	return want;
}

void gm_time_access(struct cms *m, uint32_t addr, unsigned size, int write)
{
	m->gm_miss_cycles += chip_dcache_access(m->chip, addr, size, write != 0);
}

int gm_range_mapped(const struct cms *m, uint32_t addr, uint32_t n, int write)
{
	if (!n)
		return 1;
	uint32_t last = addr + n - 1;
	if (last < addr)
		return 0;
	uint8_t need = (uint8_t)(PM_MAPPED | (write ? PM_WRITE : 0));
	for (uint32_t pg = addr >> GUEST_PAGE_SHIFT; pg <= last >> GUEST_PAGE_SHIFT; pg++)
		if (pg >= m->gm->npages || (m->gm->pm[pg] & need) != need)
			return 0;
	return 1;
}

/* The first address of [addr, addr+n) that is not accessible. */
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
	struct guestmem *g = m->gm;
	if (!gm_ok(g, addr, size, PM_MAPPED)) {
		g->last_fault_addr = first_bad(m, addr, size, 0);
		return -1;
	}
	const uint8_t *p = g->mem + addr;
	uint32_t v = p[0];
	if (size >= 2)
		v |= (uint32_t)p[1] << 8;
	if (size == 4)
		v |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	*val = v;
	if (m->trace.mem)
		m->trace.mem(m->trace.ctx, addr, size, 0);
	m->gm_miss_cycles += chip_dcache_access(m->chip, addr, size, false);
	return 0;
}

static int env_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	struct cms *m = ctx;
	struct guestmem *g = m->gm;
	if (!gm_ok(g, addr, size, PM_MAPPED | PM_WRITE)) {
		g->last_fault_addr = first_bad(m, addr, size, 1);
		return -1;
	}
	uint8_t *p = g->mem + addr;
	p[0] = (uint8_t)val;
	if (size >= 2)
		p[1] = (uint8_t)(val >> 8);
	if (size == 4) {
		p[2] = (uint8_t)(val >> 16);
		p[3] = (uint8_t)(val >> 24);
	}
	gm_written(m, addr, size);
	if (m->trace.mem)
		m->trace.mem(m->trace.ctx, addr, size, 1);
	m->gm_miss_cycles += chip_dcache_access(m->chip, addr, size, true);
	return 0;
}

static unsigned env_fetch(void *ctx, uint32_t addr, uint8_t *buf, unsigned len)
{
	struct cms *m = ctx;
	struct guestmem *g = m->gm;
	unsigned n = 0;
	if (gm_ok(g, addr, len, PM_MAPPED)) {
		n = len;
	} else {
		while (n < len && gm_range_mapped(m, addr + n, 1, 0))
			n++;
		if (!n)
			g->last_fault_addr = addr;
	}
	memcpy(buf, g->mem + addr, n);
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
