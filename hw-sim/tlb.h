/* hw-sim/tlb.h — the chip's TLB: a set-associative cache of page-table
 * entries (virtual page number -> PTE: guest-physical frame | ISA_PTE_*
 * flags) with true LRU replacement, mmu.tlb.entries / mmu.tlb.ways.
 * Only present entries are filled; the walk that fills it on a miss and
 * the permission checks are the chip's (hw-sim/tlb.c, chip_priv.h).
 *
 *   struct tlb t;
 *   tlb_init(&t, 64, 4);
 *   uint32_t pte;
 *   if (tlb_hit_mru(&t, vpn, &pte) || tlb_lookup(&t, vpn, &pte)) ...  // hit
 *   else tlb_fill(&t, vpn, walked_pte);
 *
 * The hit path is on the chip's inner loop: tlb_hit_mru checks only the
 * set's most recently used way and changes nothing (re-touching the MRU
 * entry leaves the set's LRU order as it is, so skipping its stamp update
 * is exact); tlb_lookup searches the other ways and updates the order. */
#ifndef CDVM_HW_SIM_TLB_H
#define CDVM_HW_SIM_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No virtual page number (they have 20 bits) is ever this. */
#define TLB_NO_PAGE 0xffffffffu

struct tlb {
	unsigned sets, ways;
	uint32_t set_mask;
	uint32_t *vpn;       /* [sets * ways]: virtual page number, or TLB_NO_PAGE */
	uint32_t *pte;       /* [sets * ways]: the page-table entry */
	uint64_t *stamp;     /* [sets * ways]: LRU time stamps */
	uint8_t *mru;        /* [sets]: the way touched last */
	uint64_t clock;
};

/* entries / ways must be a power of two (the configuration checks).
 * Returns 0, or -1 (bad geometry or out of memory; nothing to free). */
int tlb_init(struct tlb *t, unsigned entries, unsigned ways);
void tlb_free(struct tlb *t);

/* A hit on the set's most recently used way: *pte, true. */
static inline bool tlb_hit_mru(const struct tlb *t, uint32_t vpn, uint32_t *pte)
{
	uint32_t set = vpn & t->set_mask;
	size_t i = (size_t)set * t->ways + t->mru[set];
	if (t->vpn[i] != vpn)
		return false;
	*pte = t->pte[i];
	return true;
}

/* Any way of the set: *pte, true, and the entry becomes the set's MRU. */
bool tlb_lookup(struct tlb *t, uint32_t vpn, uint32_t *pte);
/* Fill after a walk: an empty way of the set, else its LRU entry. */
void tlb_fill(struct tlb *t, uint32_t vpn, uint32_t pte);
void tlb_flush_all(struct tlb *t);
void tlb_flush_page(struct tlb *t, uint32_t vpn);

#endif
