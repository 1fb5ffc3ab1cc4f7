/* hw-sim/tlb.c — the TLB (hw-sim/tlb.h) and the chip's page walk.
 *
 * When control register PAGEDIR is not 0, every guest access of native
 * code is virtual (native-isa/isa.h: the two-level table, i386's format).
 * A TLB miss walks the table in hardware: the directory entry at PAGEDIR
 * + 4 * (va >> 22), then the table entry at (PDE & ~0xfff) + 4 * ((va >>
 * 12) & 1023), each read as a load through the L1D, costing the L1D
 * latency plus its miss cycles.  What it reads is validated (DESIGN.md
 * contract 5): a directory entry must point at a table inside hidden
 * memory, a table entry at a frame of guest RAM; anything else is a
 * detected fault, never a guest mapping of hidden memory.  Only present
 * entries are filled into the TLB.
 *
 * The TLB is not kept coherent with the table, as on i386: after changing
 * a present entry the firmware writes TLB_FLUSH; until then the old entry
 * translates. */
#include "hw-sim/tlb.h"
#include "hw-sim/chip_priv.h"

#include <stdlib.h>

int tlb_init(struct tlb *t, unsigned entries, unsigned ways)
{
	*t = (struct tlb){0};
	if (!ways || entries % ways || (entries / ways) & (entries / ways - 1))
		return -1;
	t->ways = ways;
	t->sets = entries / ways;
	t->set_mask = t->sets - 1;
	t->vpn = malloc(entries * sizeof *t->vpn);
	t->pte = calloc(entries, sizeof *t->pte);
	t->stamp = calloc(entries, sizeof *t->stamp);
	t->mru = calloc(t->sets, 1);
	if (!t->vpn || !t->pte || !t->stamp || !t->mru) {
		tlb_free(t);
		return -1;
	}
	tlb_flush_all(t);
	return 0;
}

void tlb_free(struct tlb *t)
{
	free(t->vpn);
	free(t->pte);
	free(t->stamp);
	free(t->mru);
	*t = (struct tlb){0};
}

bool tlb_lookup(struct tlb *t, uint32_t vpn, uint32_t *pte)
{
	uint32_t set = vpn & t->set_mask;
	size_t base = (size_t)set * t->ways;
	for (unsigned w = 0; w < t->ways; w++) {
		if (t->vpn[base + w] == vpn) {
			t->stamp[base + w] = ++t->clock;
			t->mru[set] = (uint8_t)w;
			*pte = t->pte[base + w];
			return true;
		}
	}
	return false;
}

void tlb_fill(struct tlb *t, uint32_t vpn, uint32_t pte)
{
	uint32_t set = vpn & t->set_mask;
	size_t base = (size_t)set * t->ways, victim = base;
	for (unsigned w = 0; w < t->ways; w++) {
		size_t i = base + w;
		if (t->vpn[i] == TLB_NO_PAGE) {
			victim = i;
			break;
		}
		if (t->stamp[i] < t->stamp[victim])
			victim = i;
	}
	t->vpn[victim] = vpn;
	t->pte[victim] = pte;
	t->stamp[victim] = ++t->clock;
	t->mru[set] = (uint8_t)(victim - base);
}

void tlb_flush_all(struct tlb *t)
{
	for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
		t->vpn[i] = TLB_NO_PAGE;
}

void tlb_flush_page(struct tlb *t, uint32_t vpn)
{
	size_t base = (size_t)(vpn & t->set_mask) * t->ways;
	for (unsigned w = 0; w < t->ways; w++)
		if (t->vpn[base + w] == vpn)
			t->vpn[base + w] = TLB_NO_PAGE;
}

/* ---- the walk ------------------------------------------------------------------ */

/* One entry of the table, read as a 32-bit load through the L1D (its
 * latency and miss cycles join r->walk), as the L1D delivers it: with
 * injected flips, caught by the detectors a load has. */
static uint32_t walk_read(struct chip *c, uint32_t addr, struct mmu_result *r)
{
	uint32_t fm = 0;
	if (c->faults_armed) {
		unsigned hit = read_check(c, &c->l1d, addr, 4, &fm);
		if (hit && r->status == MMU_OK) {
			r->status = hit == 1 + FP_CACHE ? MMU_PARITY : MMU_ECC;
			c->walk_fault_addr = addr;
		}
	}
	const uint8_t *m = c->mem + addr;
	uint32_t v = ((uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24) ^ fm;
	r->walk += c->l1d.latency + l1d_access(c, addr, 4, false);
	return v;
}

/* Walk the table for va's page: r->pte, or r->status says why not. */
static void walk(struct chip *c, uint32_t va, struct mmu_result *r)
{
	uint32_t vpn = va >> ISA_PAGE_SHIFT;
	uint32_t pde = walk_read(c, c->pagedir + 4 * (vpn >> ISA_PT_SHIFT), r);
	uint32_t table = pde & ~(uint32_t)ISA_PTE_FLAGS;
	if (r->status != MMU_OK)
		return;
	if (!(pde & ISA_PTE_PRESENT)) {
		r->status = MMU_ABSENT;
		return;
	}
	if (table < c->guest_limit || table > c->mem_size - (1u << ISA_PAGE_SHIFT)) {
		r->status = MMU_BAD_PDE;
		return;
	}
	uint32_t pte = walk_read(c, table + 4 * (vpn & ((1u << ISA_PT_SHIFT) - 1)), r);
	if (r->status != MMU_OK)
		return;
	if (!(pte & ISA_PTE_PRESENT))
		r->status = MMU_ABSENT;
	else if ((pte & ~(uint32_t)ISA_PTE_FLAGS) >= c->guest_limit)
		r->status = MMU_BAD_PTE;
	else
		r->pte = pte;
}

/* The PTE of va's page after a miss on the MRU way: another way of the
 * set, or a walk that fills the TLB.  Counts hits, misses, walk cycles. */
struct mmu_result mmu_translate(struct chip *c, uint32_t va)
{
	struct mmu_result r = {0, 0, MMU_OK};
	uint32_t vpn = va >> ISA_PAGE_SHIFT;
	if (tlb_lookup(&c->tlb, vpn, &r.pte)) {
		c->cnt[CNT_tlb_hits]++;
		return r;
	}
	c->cnt[CNT_tlb_misses]++;
	walk(c, va, &r);
	if (r.status == MMU_OK)
		tlb_fill(&c->tlb, vpn, r.pte);
	c->cnt[CNT_tlb_walk_cycles] += r.walk;
	return r;
}

const char *mmu_bad_detail(uint32_t status, enum chip_fault_point *point)
{
	*point = status == MMU_PARITY ? FP_CACHE : FP_MEMORY;
	switch ((enum mmu_status)status) {
	case MMU_BAD_PDE: return "page-directory entry outside hidden memory";
	case MMU_BAD_PTE: return "page-table entry outside guest RAM";
	case MMU_ECC: return "memory ECC error in a page-table entry";
	case MMU_PARITY: return "L1D parity error in a page-table entry";
	default: return "page walk";
	}
}

int chip_tlb_translate(struct chip *c, uint32_t va, bool write, uint32_t *pa, unsigned *cycles)
{
	uint32_t pte;
	if (!c->pagedir) {
		if (va >= c->guest_limit)
			return -1;
		*pa = va;
		return ISA_PTE_PRESENT | ISA_PTE_WRITE | ISA_PTE_EXEC;
	}
	if (tlb_hit_mru(&c->tlb, va >> ISA_PAGE_SHIFT, &pte)) {
		c->cnt[CNT_tlb_hits]++;
	} else {
		struct mmu_result r = mmu_translate(c, va);
		*cycles += r.walk;
		if (r.status == MMU_ECC || r.status == MMU_PARITY)
			return -2;
		if (r.status != MMU_OK)
			return -1;
		pte = r.pte;
	}
	if (write && !(pte & ISA_PTE_WRITE))
		return -1;
	*pa = (pte & ~(uint32_t)ISA_PTE_FLAGS) | (va & ISA_PTE_FLAGS);
	return (int)(pte & ISA_PTE_FLAGS);
}

int chip_set_pagedir(struct chip *c, uint32_t val)
{
	if (val && ((val & ISA_PTE_FLAGS) || val < c->guest_limit || val > c->mem_size - (1u << ISA_PAGE_SHIFT)))
		return -1;
	c->pagedir = val;
	tlb_flush_all(&c->tlb);
	return 0;
}

void chip_tlb_flush(struct chip *c, uint32_t val)
{
	if (val & 1)
		tlb_flush_all(&c->tlb);
	else
		tlb_flush_page(&c->tlb, val >> ISA_PAGE_SHIFT);
}
