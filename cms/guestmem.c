/* cms/guestmem.c — the guest's view of memory.
 *
 * Guest RAM is [0, guest limit) of physical memory, but a Linux process
 * only has its segments, heap and stack mapped: touching anything else is
 * SIGSEGV natively, so it must be here too.  The firmware keeps one byte
 * per guest page in a table in hidden memory (PM_MAPPED, PM_WRITE, and
 * PM_CODE when decoded instructions are cached from the page) and the
 * interpreter's memory callbacks check it, then time the access through
 * the chip's L1D.  Hidden memory lies above the guest limit and is never
 * mapped (DESIGN.md contract 5).  A store into a PM_CODE page drops the
 * cached decodes of that page, so self-modifying code runs the new bytes. */
#include "cms/cms_priv.h"

#include <stdlib.h>
#include <string.h>

static void drop_code_page(struct cms *m, uint32_t pg);

/* hidden-mem sizes the page map (one byte a page) for the configuration check */
_Static_assert((int)GUEST_PAGE_SHIFT == (int)HIDDEN_PAGE_SHIFT, "the page map's page is the guest page");

int gm_init(struct cms *m, char *err, size_t errlen)
{
	m->npages = chip_guest_limit(m->chip) >> GUEST_PAGE_SHIFT;
	m->pagemap = hregion_alloc(&m->hm.fwdata, hidden_table_bytes(&m->cfg, HIDDEN_PAGEMAP), HIDDEN_TABLE_ALIGN);
	if (!m->pagemap) {
		snprintf(err, errlen, "hidden memory too small for the guest page map (%u bytes)", m->npages);
		return -1;
	}
	m->mem = chip_mem(m->chip);
	m->pm = m->mem + m->pagemap;
	memset(m->pm, 0, m->npages);
	/* the chip checks guest accesses of native code against the same table */
	if (chip_write_cr(m->chip, CR_PAGEMAP_PAGES, m->npages) < 0 || chip_write_cr(m->chip, CR_PAGEMAP, m->pagemap) < 0) {
		snprintf(err, errlen, "cannot install the guest page table");
		return -1;
	}
	m->insns = malloc(INSN_CACHE_ENTRIES * sizeof *m->insns);
	m->page_smc = calloc(m->npages, sizeof *m->page_smc);
	if (!m->insns || !m->page_smc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < INSN_CACHE_ENTRIES; i++)
		m->insns[i].eip = INSN_NONE;
	return 0;
}

void gm_map(struct cms *m, uint32_t lo, uint32_t hi, int writable)
{
	for (uint32_t pg = lo >> GUEST_PAGE_SHIFT; pg < m->npages && (pg << GUEST_PAGE_SHIFT) < hi; pg++)
		m->pm[pg] = (uint8_t)(PM_MAPPED | (writable ? PM_WRITE : 0) | (m->pm[pg] & (PM_WRITE | PM_CODE | PM_PROTECT)));
}

/* A page whose translations keep being overwritten (code and data mixed,
 * or a JIT) costs a translation each time: after cms.smc_page_limit losses
 * its blocks are only interpreted. */
int gm_page_unstable(const struct cms *m, uint32_t eip)
{
	uint32_t pg = eip >> GUEST_PAGE_SHIFT;
	return m->page_smc && pg < m->npages && m->page_smc[pg] >= m->cfg.smc_page_limit;
}

void gm_code_written(struct cms *m, uint32_t pg)
{
	if (pg >= m->npages || !(m->pm[pg] & PM_CODE))
		return;
	drop_code_page(m, pg);
}

static void drop_code_page(struct cms *m, uint32_t pg)
{
	if (m->nxl) {
		tc_invalidate_page(m, pg);
		if (m->page_smc && m->page_smc[pg] < UINT32_MAX)
			m->page_smc[pg]++;
	}
	/* every cached decode that starts in this page or runs into it */
	uint32_t lo = pg << GUEST_PAGE_SHIFT, hi = lo + GUEST_PAGE;
	for (unsigned i = 0; i < INSN_CACHE_ENTRIES; i++) {
		struct insn_slot *s = &m->insns[i];
		if (s->eip != INSN_NONE && s->eip < hi && s->eip + s->in.len > lo)
			s->eip = INSN_NONE;
	}
	m->pm[pg] &= (uint8_t)~(PM_CODE | PM_PROTECT);
	m->st.insn_cache_flushes++;
}

void gm_unmap(struct cms *m, uint32_t lo, uint32_t hi)
{
	for (uint32_t pg = lo >> GUEST_PAGE_SHIFT; pg < m->npages && (pg << GUEST_PAGE_SHIFT) < hi; pg++) {
		if (m->pm[pg] & PM_CODE)
			drop_code_page(m, pg);
		m->pm[pg] = 0;
	}
}

void gm_mark_code(struct cms *m, uint32_t addr, uint32_t n)
{
	for (uint32_t pg = addr >> GUEST_PAGE_SHIFT; pg <= (addr + n - 1) >> GUEST_PAGE_SHIFT && pg < m->npages; pg++)
		m->pm[pg] |= PM_CODE | PM_PROTECT;
}

void gm_written(struct cms *m, uint32_t addr, uint32_t n)
{
	if (!n)
		return;
	for (uint32_t pg = addr >> GUEST_PAGE_SHIFT; pg <= (addr + n - 1) >> GUEST_PAGE_SHIFT && pg < m->npages; pg++)
		if (m->pm[pg] & PM_CODE)
			drop_code_page(m, pg);
	chip_mem_written(m->chip, addr, n);
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
		if (pg >= m->npages || (m->pm[pg] & need) != need)
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
	if (!gm_ok(m, addr, size, PM_MAPPED)) {
		m->last_fault_addr = first_bad(m, addr, size, 0);
		return -1;
	}
	const uint8_t *p = m->mem + addr;
	uint32_t v = p[0];
	if (size >= 2)
		v |= (uint32_t)p[1] << 8;
	if (size == 4)
		v |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	*val = v;
	if (m->trace.mem)
		m->trace.mem(m->trace.ctx, addr, size, 0);
	m->pending_mem += chip_dcache_access(m->chip, addr, size, false);
	return 0;
}

static int env_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	struct cms *m = ctx;
	if (!gm_ok(m, addr, size, PM_MAPPED | PM_WRITE)) {
		m->last_fault_addr = first_bad(m, addr, size, 1);
		return -1;
	}
	uint8_t *p = m->mem + addr;
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
	m->pending_mem += chip_dcache_access(m->chip, addr, size, true);
	return 0;
}

static unsigned env_fetch(void *ctx, uint32_t addr, uint8_t *buf, unsigned len)
{
	struct cms *m = ctx;
	unsigned n = 0;
	if (gm_ok(m, addr, len, PM_MAPPED)) {
		n = len;
	} else {
		while (n < len && gm_range_mapped(m, addr + n, 1, 0))
			n++;
		if (!n)
			m->last_fault_addr = addr;
	}
	memcpy(buf, m->mem + addr, n);
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
