/* cms/guestmem.c — the guest's memory: the page table, the frames of guest
 * RAM, the guest accesses of the interpreter and the system calls, and the
 * protection of translated code.
 *
 * Guest addresses are virtual.  The firmware keeps the guest's page table
 * in hidden memory, two levels as the chip walks it (native-isa/isa.h):
 * a directory allocated at boot and page tables allocated from the
 * firmware data area as addresses get mapped.  Each present entry maps a
 * virtual page onto one frame of guest RAM, never a frame of the carve-out
 * (DESIGN.md contract 5), and no frame is ever mapped twice, so virtual
 * and physical addresses of one byte are interchangeable wherever the
 * chip compares them (the alias table).  Frame 0 is never handed out: an
 * entry that is not 0 holds a frame, present or not (PROT_NONE keeps the
 * data of a page that is not accessible).
 *
 * The interpreter's accesses go through the chip's TLB
 * (chip_tlb_translate: hits, misses and walks counted and timed as native
 * code's) and then its L1D; a page the table does not hold is handed to
 * the address space (cms/aspace.c), which gives it a frame when a mapping
 * covers it (demand paging, the stack growing) or says SIGSEGV.
 *
 * Code protection: a page decoded instructions or translations come from
 * is PM_CODE in its entry; PM_PROTECT makes the chip trap native stores
 * into it where the code-chunk bitmap (cms.smc_granularity, indexed by
 * guest-physical address) marks translated bytes.  A store into a marked
 * chunk (or any store into the page, without a bitmap) is reported through
 * the callback given to gm_init, which drops the page's decodes and
 * translations; then the page is no longer PM_CODE.
 *
 * The firmware trusts nothing it reads back from the table (DESIGN.md
 * contract 5): it keeps its own record of every directory and table entry
 * it wrote (host-side bookkeeping, as hregion's free lists), and an entry
 * read back that differs (a flip in hidden memory) is put right from the
 * record, the chip's TLB told, and counted (faults.table_corruptions).  So
 * a frame outside guest RAM, a table that is not one, lost rights or a
 * frame taken from another page never reach the firmware's accesses, its
 * frame list or the code-chunk bitmap.  The chip's walk checks what it
 * can without the record (hw-sim/tlb.c: tables in hidden memory, frames in
 * guest RAM) and faults; the firmware's fault handling then finds the
 * entry, puts it right and runs the access again (aspace_fault).
 *
 * This file owns struct guestmem; others reach it only through the gm_*
 * calls in cms_priv.h. */
#include "cms/cms_priv.h"

#include <stdlib.h>
#include <string.h>

struct guestmem {
	uint8_t *mem;                  /* physical memory, host view */
	uint32_t pagedir;              /* physical address of the page directory */
	uint32_t *pd;                  /* the same, host view */
	/* what the firmware wrote, to check what it reads back: each directory
	 * entry, and each page table's entries (NULL: no table) */
	uint32_t pd_rec[1u << ISA_PT_SHIFT];
	uint32_t *pt_rec[1u << ISA_PT_SHIFT];
	uint32_t nframes;              /* frames of guest RAM */
	uint32_t *free_frames;         /* stack of free frame numbers (host bookkeeping, as hregion's lists) */
	uint32_t nfree;
	gm_code_written_fn code_written;
	/* code-chunk bitmap (cms.smc_granularity), NULL when whole pages */
	uint8_t *smc;
	unsigned smc_shift;
};

enum { PT_ENTRIES = 1u << ISA_PT_SHIFT, FRAME_MASK = ~(uint32_t)ISA_PTE_FLAGS };

static void drop_code_page(struct cms *m, uint32_t pg);

_Static_assert((int)GUEST_PAGE_SHIFT == (int)ISA_PAGE_SHIFT, "the guest page is the chip's page");
_Static_assert((int)GUEST_PAGE_SHIFT == (int)HIDDEN_PAGE_SHIFT, "page tables are hidden pages");

int gm_init(struct cms *m, gm_code_written_fn code_written, char *err, size_t errlen)
{
	struct guestmem *g = m->gm = calloc(1, sizeof *m->gm);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->code_written = code_written;
	g->nframes = chip_guest_limit(m->chip) >> GUEST_PAGE_SHIFT;
	g->free_frames = malloc((g->nframes ? g->nframes : 1) * sizeof *g->free_frames);
	g->pagedir = hregion_alloc(&m->hm.fwdata, hidden_table_bytes(&m->cfg, HIDDEN_PAGEDIR),
				   hidden_table_align(HIDDEN_PAGEDIR));
	if (!g->free_frames || !g->pagedir) {
		snprintf(err, errlen, "hidden memory too small for the guest page directory");
		return -1;
	}
	/* frames are handed out from the bottom of guest RAM up; frame 0 never */
	for (uint32_t f = g->nframes; f-- > 1;)
		g->free_frames[g->nfree++] = f;
	g->mem = chip_mem(m->chip);
	g->pd = (uint32_t *)(void *)(g->mem + g->pagedir);
	memset(g->pd, 0, GUEST_PAGE);
	/* the chip translates guest accesses of native code through the same table */
	if (chip_write_cr(m->chip, CR_PAGEDIR, g->pagedir) < 0) {
		snprintf(err, errlen, "cannot install the guest page directory");
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
	uint32_t at = hregion_alloc(&m->hm.fwdata, bytes, hidden_table_align(HIDDEN_SMCMAP));
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

void gm_free(struct cms *m)
{
	if (m->gm) {
		free(m->gm->free_frames);
		for (unsigned d = 0; d < PT_ENTRIES; d++)
			free(m->gm->pt_rec[d]);
	}
	free(m->gm);
	m->gm = NULL;
}

/* ---- the page table ---------------------------------------------------------- */

/* A table word read back differs from the record: write the record
 * again (fresh ECC) and count it; the caller tells the TLB. */
static void repair(struct cms *m, uint32_t *word, uint32_t rec)
{
	*word = rec;
	chip_mem_written(m->chip, (uint32_t)((uint8_t *)word - m->gm->mem), 4);
	m->st.table_corruptions++;
}

/* The entry of virtual page pg, host view, checked against the record:
 * NULL when its page table does not exist (and `create` is 0, or hidden
 * memory has no room for one). */
static uint32_t *pte_of(struct cms *m, uint32_t pg, int create)
{
	struct guestmem *g = m->gm;
	uint32_t d = pg >> ISA_PT_SHIFT, i = pg & (PT_ENTRIES - 1);
	if (__builtin_expect(g->pd[d] != g->pd_rec[d], 0)) {
		/* the chip may have walked the wrong table: it forgets all */
		repair(m, &g->pd[d], g->pd_rec[d]);
		chip_write_cr(m->chip, CR_TLB_FLUSH, 1);
		cms_charge(m, ACT_MEMORY, (uint64_t)m->cfg.cost_cr_access);
	}
	if (!g->pt_rec[d]) {
		if (!create)
			return NULL;
		uint32_t t = hregion_alloc(&m->hm.fwdata, GUEST_PAGE, GUEST_PAGE);
		uint32_t *rec = t ? calloc(PT_ENTRIES, sizeof *rec) : NULL;
		if (!rec) {
			if (t)
				hregion_free(&m->hm.fwdata, t, GUEST_PAGE);
			return NULL;
		}
		memset(g->mem + t, 0, GUEST_PAGE);
		g->pt_rec[d] = rec;
		g->pd[d] = g->pd_rec[d] = t | ISA_PTE_PRESENT;
		m->st.page_tables++;
	}
	uint32_t *pte = (uint32_t *)(void *)(g->mem + (g->pd_rec[d] & FRAME_MASK)) + i;
	if (__builtin_expect(*pte != g->pt_rec[d][i], 0)) {
		repair(m, pte, g->pt_rec[d][i]);
		chip_write_cr(m->chip, CR_TLB_FLUSH, pg << GUEST_PAGE_SHIFT);
		cms_charge(m, ACT_MEMORY, (uint64_t)m->cfg.cost_cr_access);
	}
	return pte;
}

/* Write the entry of page pg (from pte_of) and its record. */
static void pte_store(struct cms *m, uint32_t *pte, uint32_t pg, uint32_t v)
{
	*pte = v;
	m->gm->pt_rec[pg >> ISA_PT_SHIFT][pg & (PT_ENTRIES - 1)] = v;
}

uint32_t gm_pte(struct cms *m, uint32_t pg)
{
	const uint32_t *p = pte_of(m, pg & (GM_PAGES - 1), 0);
	return p ? *p : 0;
}

/* The chip may hold the old entry of page pg in its TLB: drop it (a
 * control-register write, charged). */
static void tlb_drop(struct cms *m, uint32_t pg)
{
	chip_write_cr(m->chip, CR_TLB_FLUSH, pg << GUEST_PAGE_SHIFT);
	cms_charge(m, ACT_MEMORY, (uint64_t)m->cfg.cost_cr_access);
}

/* Replace the entry of page pg (its table exists); the TLB forgets the old one. */
static void pte_set(struct cms *m, uint32_t *pte, uint32_t pg, uint32_t v)
{
	uint32_t old = *pte;
	pte_store(m, pte, pg, v);
	if (old & ISA_PTE_PRESENT)
		tlb_drop(m, pg);
}

uint32_t gm_pte_bits(unsigned prot)
{
	uint32_t b = 0;
	if (prot & (GM_R | GM_W | GM_X))
		b |= ISA_PTE_PRESENT;   /* on x86 a writable or executable page is readable */
	if (prot & GM_W)
		b |= ISA_PTE_WRITE;
	if (prot & GM_X)
		b |= ISA_PTE_EXEC;
	return b;
}

int gm_populate(struct cms *m, uint32_t pg, unsigned prot)
{
	struct guestmem *g = m->gm;
	uint32_t *pte = pte_of(m, pg, 1);
	if (!pte)
		return -2;
	if (!g->nfree)
		return -1;
	if (*pte)
		return 0;
	uint32_t f = g->free_frames[--g->nfree];
	uint32_t used = g->nframes - 1 - g->nfree;
	if (used > m->st.guest_frames_peak)
		m->st.guest_frames_peak = used;
	/* a fresh page reads as zero */
	memset(g->mem + ((size_t)f << GUEST_PAGE_SHIFT), 0, GUEST_PAGE);
	chip_mem_written(m->chip, f << GUEST_PAGE_SHIFT, GUEST_PAGE);
	pte_store(m, pte, pg, f << GUEST_PAGE_SHIFT | gm_pte_bits(prot));
	return 0;
}

uint32_t gm_frames_free(const struct cms *m) { return m->gm->nfree; }

/* The next entry that holds a frame in [*a, hi), skipping pages without
 * a page table: its host view, with *a at its page; NULL at the end. */
static uint32_t *next_held(struct cms *m, uint64_t *a, uint64_t hi)
{
	const uint64_t table_span = (uint64_t)PT_ENTRIES << GUEST_PAGE_SHIFT;
	while (*a < hi) {
		uint32_t *pte = pte_of(m, (uint32_t)(*a >> GUEST_PAGE_SHIFT), 0);
		if (pte && *pte)
			return pte;
		*a = pte ? *a + GUEST_PAGE : (*a & ~(table_span - 1)) + table_span;
	}
	return NULL;
}

void gm_unmap(struct cms *m, uint32_t lo, uint32_t hi)
{
	struct guestmem *g = m->gm;
	uint32_t *pte;
	for (uint64_t a = lo & ~(GUEST_PAGE - 1); (pte = next_held(m, &a, hi)); a += GUEST_PAGE) {
		uint32_t pg = (uint32_t)(a >> GUEST_PAGE_SHIFT);
		if (*pte & PM_CODE)
			drop_code_page(m, pg);
		g->free_frames[g->nfree++] = *pte >> GUEST_PAGE_SHIFT;
		pte_set(m, pte, pg, 0);
	}
}

void gm_protect(struct cms *m, uint32_t lo, uint32_t hi, unsigned prot)
{
	uint32_t *pte;
	for (uint64_t a = lo & ~(GUEST_PAGE - 1); (pte = next_held(m, &a, hi)); a += GUEST_PAGE) {
		uint32_t pg = (uint32_t)(a >> GUEST_PAGE_SHIFT);
		/* a code page that stops being executable loses its decodes and translations */
		if ((*pte & PM_CODE) && !(prot & GM_X))
			drop_code_page(m, pg);
		uint32_t v = (*pte & (FRAME_MASK | PM_CODE | PM_PROTECT)) | gm_pte_bits(prot);
		if (v != *pte)
			pte_set(m, pte, pg, v);
	}
}

int gm_move(struct cms *m, uint32_t from, uint32_t to, uint32_t n)
{
	/* every destination table first, so a failure moves nothing */
	for (uint64_t off = 0; off < n; off += GUEST_PAGE)
		if (!pte_of(m, (uint32_t)((to + off) >> GUEST_PAGE_SHIFT), 1))
			return -1;
	uint32_t *s;
	for (uint64_t a = from; (s = next_held(m, &a, (uint64_t)from + n)); a += GUEST_PAGE) {
		uint32_t spg = (uint32_t)(a >> GUEST_PAGE_SHIFT), dpg = (uint32_t)((a - from + to) >> GUEST_PAGE_SHIFT);
		if (*s & PM_CODE)
			drop_code_page(m, spg);
		uint32_t v = *s;
		pte_set(m, s, spg, 0);
		pte_store(m, pte_of(m, dpg, 0), dpg, v);
	}
	return 0;
}

/* ---- code protection -------------------------------------------------------- */

/* The chunks of the guest-physical range [lo, hi): set them, or is any set? */
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

static void chunks_clear_frame(struct guestmem *g, uint32_t frame_pa)
{
	for (uint32_t k = frame_pa >> g->smc_shift; k < (frame_pa + GUEST_PAGE) >> g->smc_shift; k++)
		g->smc[k >> 3] &= (uint8_t)~(1u << (k & 7));
}

void gm_code_written(struct cms *m, uint32_t pg)
{
	if (pg < GM_PAGES && (gm_pte(m, pg) & PM_CODE))
		drop_code_page(m, pg);
}

static void drop_code_page(struct cms *m, uint32_t pg)
{
	m->gm->code_written(m, pg);
	uint32_t *pte = pte_of(m, pg, 0);
	if (!pte)
		return;
	if (m->gm->smc)
		chunks_clear_frame(m->gm, *pte & FRAME_MASK);
	pte_set(m, pte, pg, *pte & ~(uint32_t)(PM_CODE | PM_PROTECT));
}

void gm_mark_code(struct cms *m, uint32_t addr, uint32_t n)
{
	struct guestmem *g = m->gm;
	if (!n)
		return;
	uint64_t end = (uint64_t)addr + n;
	for (uint64_t a = addr; a < end;) {
		uint32_t pg = (uint32_t)(a >> GUEST_PAGE_SHIFT);
		uint64_t next = (uint64_t)(pg + 1) << GUEST_PAGE_SHIFT;
		uint32_t *pte = pte_of(m, pg, 0);
		if (pte && (*pte & ISA_PTE_PRESENT)) {
			if ((*pte & (PM_CODE | PM_PROTECT)) != (PM_CODE | PM_PROTECT))
				pte_set(m, pte, pg, *pte | PM_CODE | PM_PROTECT);
			if (g->smc) {
				uint32_t f = *pte & FRAME_MASK, off = (uint32_t)a & (GUEST_PAGE - 1);
				uint32_t len = (uint32_t)((end < next ? end : next) - a);
				chunks_set(g, f + off, f + off + len);
			}
		}
		a = next;
	}
}

/* A store of [pa, pa + n) (one page) into virtual page pg, whose entry is
 * pte: code, or data beside code? */
static void code_store(struct cms *m, uint32_t pg, uint32_t pte, uint32_t pa, uint32_t n)
{
	if (!(pte & PM_CODE))
		return;
	if (!m->gm->smc || chunks_hit(m->gm, pa, pa + n))
		drop_code_page(m, pg);
	else
		m->st.smc_data_stores++;
}

void gm_written(struct cms *m, uint32_t addr, uint32_t n)
{
	uint64_t end = (uint64_t)addr + n;
	for (uint64_t a = addr; a < end;) {
		uint32_t pg = (uint32_t)(a >> GUEST_PAGE_SHIFT);
		uint64_t next = (uint64_t)(pg + 1) << GUEST_PAGE_SHIFT;
		uint32_t len = (uint32_t)((end < next ? end : next) - a);
		uint32_t pte = gm_pte(m, pg);
		if (pte) {
			uint32_t pa = (pte & FRAME_MASK) | ((uint32_t)a & (GUEST_PAGE - 1));
			code_store(m, pg, pte, pa, len);
			chip_mem_written(m->chip, pa, len);
		}
		a = next;
	}
}

/* ---- firmware accesses (system calls, the loader) ------------------------- */

int gm_resolve(struct cms *m, uint32_t va, unsigned need, uint32_t *pa)
{
	uint32_t pg = va >> GUEST_PAGE_SHIFT, want = need ? gm_pte_bits(need) : 0;
	uint32_t pte = gm_pte(m, pg);
	if (!pte || (pte & want) != want) {
		if (aspace_fault(m, va, need) < 0)
			return -1;
		pte = gm_pte(m, pg);
		if (!pte || (pte & want) != want)
			return -1;
	}
	*pa = (pte & FRAME_MASK) | (va & (GUEST_PAGE - 1));
	return 0;
}

/* Copy between a host buffer and [addr, addr+n) page by page (buf NULL:
 * only reach the pages); need 0: the firmware's own access (the loader),
 * whatever the protection.  Returns the bytes moved: all of them, or up
 * to the first page that cannot be reached.  Stores are reported
 * (gm_written). */
static uint32_t copy(struct cms *m, uint32_t addr, void *buf, uint32_t n, unsigned need, int out)
{
	uint32_t done = 0, pa;
	while (done < n) {
		uint32_t a = addr + done;
		if (a < addr || gm_resolve(m, a, need, &pa) < 0)
			break;
		uint32_t step = GUEST_PAGE - (a & (GUEST_PAGE - 1));
		if (step > n - done)
			step = n - done;
		if (buf && out) {
			memcpy(m->gm->mem + pa, (uint8_t *)buf + done, step);
			gm_written(m, a, step);
		} else if (buf) {
			memcpy((uint8_t *)buf + done, m->gm->mem + pa, step);
			if (__builtin_expect(m->faulty, 0))
				faults_fw_read(m, pa, step, (uint8_t *)buf + done);
		}
		done += step;
	}
	return done;
}

uint32_t gm_accessible(struct cms *m, uint32_t addr, uint32_t n, unsigned need)
{
	return copy(m, addr, NULL, n, need, 0);
}

uint32_t gm_copy_in(struct cms *m, void *dst, uint32_t addr, uint32_t n, unsigned need)
{
	return copy(m, addr, dst, n, need, 0);
}

uint32_t gm_copy_out(struct cms *m, uint32_t addr, const void *src, uint32_t n, unsigned need)
{
	return copy(m, addr, (void *)(uintptr_t)src, n, need, 1);
}

int gm_peek(struct cms *m, uint32_t va, uint32_t *pa)
{
	uint32_t pte = gm_pte(m, va >> GUEST_PAGE_SHIFT);
	if (!(pte & ISA_PTE_PRESENT))
		return -1;
	*pa = (pte & FRAME_MASK) | (va & (GUEST_PAGE - 1));
	return 0;
}

/* ---- the interpreter's accesses -------------------------------------------- */

/* va's page through the chip's TLB, its walk time added to the current
 * instruction's; a page the table does not give goes to the address
 * space (demand paging), then the TLB again.  The entry's flags, or -1. */
static inline int xlate(struct cms *m, uint32_t va, unsigned need, uint32_t *pa)
{
	unsigned cyc = 0;
	int fl = chip_tlb_translate(m->chip, va, (need & GM_W) != 0, pa, &cyc);
	if (__builtin_expect(fl == -2, 0)) {
		/* a detector caught a table word: put right from the record */
		uint32_t word = chip_walk_fault_addr(m->chip);
		faults_walk_detected(m, word);
		gm_pte(m, va >> GUEST_PAGE_SHIFT);
		fl = chip_tlb_translate(m->chip, va, (need & GM_W) != 0, pa, &cyc);
		if (fl == -2)   /* still: a stuck cell the rewrite cannot mend */
			faults_fw_read(m, word, 4, NULL);
	}
	if (__builtin_expect(fl < 0 || ((need & GM_X) && !(fl & ISA_PTE_EXEC)), 0)) {
		if (aspace_fault(m, va, need) < 0)
			return -1;
		fl = chip_tlb_translate(m->chip, va, (need & GM_W) != 0, pa, &cyc);
		if (fl < 0 || ((need & GM_X) && !(fl & ISA_PTE_EXEC)))
			return -1;
	}
	m->gm_miss_cycles += cyc;
	return fl;
}

void gm_time_access(struct cms *m, uint32_t addr, unsigned size, int write)
{
	uint32_t pa;
	if (xlate(m, addr, write ? GM_W : GM_R, &pa) >= 0)
		m->gm_miss_cycles += chip_dcache_access(m->chip, pa, size, write != 0);
}

/* An access that crosses a page: byte by byte.  0, or -1 with *bad the
 * first address that faults. */
static int load_split(struct cms *m, uint32_t addr, unsigned size, uint32_t *val)
{
	uint32_t v = 0, pa;
	for (unsigned k = 0; k < size; k++) {
		if (xlate(m, addr + k, GM_R, &pa) < 0)
			return -1;
		uint8_t b = m->gm->mem[pa];
		if (__builtin_expect(m->faulty, 0))
			faults_fw_read(m, pa, 1, &b);
		v |= (uint32_t)b << (8 * k);
		m->gm_miss_cycles += chip_dcache_access(m->chip, pa, 1, false);
	}
	*val = v;
	return 0;
}

static int env_load(void *ctx, uint32_t addr, unsigned size, uint32_t *val)
{
	struct cms *m = ctx;
	uint32_t pa;
	if (__builtin_expect((addr & (GUEST_PAGE - 1)) + size > GUEST_PAGE, 0)) {
		if (load_split(m, addr, size, val) < 0)
			return -1;
	} else {
		if (xlate(m, addr, GM_R, &pa) < 0)
			return -1;
		const uint8_t *p = m->gm->mem + pa;
		uint8_t got[4];
		if (__builtin_expect(m->faulty, 0)) {
			memcpy(got, p, size);
			faults_fw_read(m, pa, size, got);
			p = got;
		}
		uint32_t v = p[0];
		if (size >= 2)
			v |= (uint32_t)p[1] << 8;
		if (size == 4)
			v |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		*val = v;
		m->gm_miss_cycles += chip_dcache_access(m->chip, pa, size, false);
	}
	if (m->trace.mem)
		m->trace.mem(m->trace.ctx, addr, size, 0);
	return 0;
}

static int env_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	struct cms *m = ctx;
	uint32_t pa[4];
	int fl[4];
	unsigned split = (addr & (GUEST_PAGE - 1)) + size > GUEST_PAGE;
	/* every byte's page first: a store that faults writes nothing */
	for (unsigned k = 0; k < (split ? size : 1); k++)
		if ((fl[k] = xlate(m, addr + k, GM_W, &pa[k])) < 0)
			return -1;
	for (unsigned k = 0; k < (split ? size : 1); k++) {
		unsigned n = split ? 1 : size;
		uint8_t *p = m->gm->mem + pa[k];
		for (unsigned i = 0; i < n; i++)
			p[i] = (uint8_t)(val >> (8 * (k + i)));
		code_store(m, (addr + k) >> GUEST_PAGE_SHIFT, (uint32_t)fl[k], pa[k], n);
		chip_mem_written(m->chip, pa[k], n);
		m->gm_miss_cycles += chip_dcache_access(m->chip, pa[k], n, true);
	}
	if (m->trace.mem)
		m->trace.mem(m->trace.ctx, addr, size, 1);
	return 0;
}

/* x86 code bytes, from executable pages only: the firmware reads its own
 * page table (the interpreter's fetch is timed, TLB included, a line at
 * a time by gm_time_access; the translator's reading is its cost). */
static unsigned env_fetch(void *ctx, uint32_t addr, uint8_t *buf, unsigned len)
{
	return gm_copy_in(ctx, buf, addr, len, GM_X);
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
		.fpu = chip_fpu(m->chip),
	};
}
