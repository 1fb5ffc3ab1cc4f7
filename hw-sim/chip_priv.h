/* hw-sim/chip_priv.h — the chip's insides, shared by chip.c (construction,
 * memory, control registers, faults, reports) and core.c (the pipeline). */
#ifndef CDVM_HW_SIM_CHIP_PRIV_H
#define CDVM_HW_SIM_CHIP_PRIV_H

#include "hw-sim/cache.h"
#include "hw-sim/chip.h"
#include "hw-sim/energy.h"
#include "hw-sim/fault.h"
#include "hw-sim/tlb.h"
#include "native-isa/x87.h"

enum { PAGE_SHIFT = 12 };

/* The pipeline's helpers (hw-sim/core.c, hw-sim/atoms.h): small pieces of
 * one hot loop, always inlined into it. */
#define CHIP_INLINE static inline __attribute__((always_inline))

/* Decoded-bundle cache: a host-side speed device, not part of the modelled
 * hardware (the L1I is).  Direct-mapped by bundle address. */
enum { DCACHE_ENTRIES = 8192 };

/* What an atom writes back after the bundle has read all its sources.
 * WB_REG is the common case (a register other than r0, no FLAGS, not a
 * load), handled by the fast path. */
enum wb_kind { WB_NONE, WB_REG, WB_OTHER, WB_REG_FLAGS, WB_LDP, WB_WRCR, WB_FP };

struct datom {
	uint8_t op, rd, ra, rb, x, use_imm, unit;
	uint8_t lat;         /* result latency in cycles (loads: l1d latency) */
	uint8_t wb;          /* enum wb_kind */
	uint32_t imm;
	uint32_t props;
	uint64_t pend;       /* WB_REG: the destination's pending bit when its latency exceeds a cycle */
};

struct dbundle {
	uint32_t pc;         /* bundle address; DB_INVALID when empty */
	uint32_t next_pc;    /* fall-through address */
	uint8_t n;           /* atoms */
	uint8_t nops;
	uint8_t stores;      /* store atoms */
	uint8_t ldps;        /* protected loads (their alias entries are recorded first) */
	bool commits;        /* holds a commit (which reads every shadowed register) */
	bool single_pass;    /* results may be written as they are computed */
	uint8_t class_count[U_COUNT];
	uint8_t rf_reads, rf_writes;  /* register operands of its atoms (energy) */
	uint16_t slot;       /* its index in the decoded-bundle cache */
	uint32_t first_line, last_line;  /* L1I lines the bundle occupies */
	const char *illegal; /* static reason, or NULL */
	uint8_t fetch_fault; /* 1 + the fault point whose check a fetched word failed, or 0 */
	uint32_t fetch_fault_addr;
	uint64_t src_mask;   /* registers read (incl. FLAGS when implied) */
	uint64_t dst_mask;   /* registers written */
	uint16_t fsrc_mask, fdst_mask;  /* FPU registers read and written */
	struct datom a[ISA_MAX_BUNDLE];
};
#define DB_INVALID 0xffffffffu

/* The counters kept per decoded bundle (chip_fold_bundle), consecutive
 * in counters.def: atoms_alu..atoms_br, rf_reads, rf_writes. */
enum { LAZY_FIRST = CNT_atoms_alu, LAZY_COUNT = CNT_rf_writes - CNT_atoms_alu + 1 };
_Static_assert(LAZY_COUNT == U_COUNT + 2 && CNT_rf_reads == CNT_atoms_alu + U_COUNT,
	       "counters.def: atoms_* in unit order, then rf_reads, rf_writes");
static inline bool counter_is_lazy(unsigned id)
{
	return id >= LAZY_FIRST && id < LAZY_FIRST + LAZY_COUNT;
}
/* What one retirement of b adds to lazy counter k (0..LAZY_COUNT-1). */
static inline unsigned bundle_lazy(const struct dbundle *b, unsigned k)
{
	return k < U_COUNT ? b->class_count[k] : k == U_COUNT ? b->rf_reads : b->rf_writes;
}
/* The lazy counters as of now: folded plus the decoded bundles' retirements
 * (one pass over the decoded-bundle cache). */
void chip_lazy_counters(const struct chip *c, uint64_t out[LAZY_COUNT]);
/* Add the retirements of decoded bundle b to the counters (before the
 * slot is decoded again or invalidated). */
void chip_fold_bundle(struct chip *c, struct dbundle *b);



/* A buffered store: guest-physical (or hidden) address; size 1..4 (a
 * store split over two frames becomes two entries). */
struct sb_entry {
	uint32_t addr;
	uint32_t val;
	uint8_t size;
};

struct alias_entry {
	uint32_t lo, hi;     /* [lo, hi) */
};

/* A fault on one unit's results (hw-sim/fault.h kinds): a flip changes the
 * next result, stuck-at and intermittent faults every result (an
 * intermittent one in its active windows). */
struct unit_fault {
	bool armed;
	uint8_t kind, cls, index;
	uint32_t mask;
	uint64_t at, period, len;
};

/* An FPU atom's host instruction (hw-sim/fpu.c): its stub
 * (native-isa/x87.h, x87_stub), the condition codes it writes (measured,
 * x87_cc_defined) and where its operands come from (enum fpu_form). */
struct fpu_plan {
	uint16_t stub, cdef;
	uint8_t form;
};

/* The last fcvo's conversion (hw-sim/fpu_atom.h): an m64 result comes
 * out as two atoms, its low and its high word, of one host instruction
 * on the same register; the second takes the word from here instead of
 * running it again.  The key is everything the door's answer depends on:
 * the stub, the value, the control word and the flags the guest had set
 * and masked. */
struct fcvo_memo {
	struct x87_reg src;
	uint64_t word;
	uint16_t stub, cw, have, sw;
	bool valid;
};

enum { MAX_UNIT_FAULTS = 16, MAX_MEM_POISON = 16, MAX_SCHEDULED = 32, MAX_MEM_STUCK = 16 };

struct chip {
	struct cdvm_config cfg;
	uint32_t r[ISA_NREGS];
	uint32_t shadow[ISA_NSHADOW];
	/* the x87 state (the FPU's registers), shadowed like r1..r15; only
	 * copied by a commit or a rollback when written since the last one */
	struct x87_state fpu, fpu_shadow;
	bool fpu_dirty;
	struct x87_reg ftmp[ISA_NFREGS - ISA_NFSHADOW];  /* f8..f15 */
	uint64_t fready[ISA_NFREGS];     /* cycle at which each FPU register's value is available */
	/* FPU results of the bundle executing, written at its retirement
	 * (hw-sim/fpu.c): register i's new value when bit i of fnew_mask is set.
	 * A single-pass bundle writes them in place instead (fpu_atom.h) */
	struct x87_reg fnew[ISA_NFREGS];
	uint16_t fnew_mask;
	/* how each FPU atom that runs a host instruction (fadd..fcon), by its
	 * x field, runs it: chip_fpu_calibrate */
	struct fpu_plan fpu_plan[OP_FMV - OP_FADD + 1][16];
	struct fcvo_memo fcvo_memo;
	uint64_t ready[ISA_NREGS];       /* cycle at which each register's value is available */

	uint8_t *mem;
	uint32_t mem_size, guest_limit;

	struct cache l1i, l1d, l2;
	uint32_t fetch_line;             /* line address held in the fetch buffer, or ~0 */

	uint64_t cnt[CNT_COUNT];

	unsigned lat[L_COUNT];
	unsigned units[U_COUNT];         /* configured */
	uint32_t unit_mask[U_COUNT];     /* enabled (control registers) */
	unsigned units_enabled[U_COUNT]; /* popcount of unit_mask */
	uint64_t pending;                /* registers whose ready time may lie in the future */
	uint16_t fpending;               /* FPU registers whose ready time may lie in the future */
	unsigned issue_width, branch_penalty, alias_entries;

	struct sb_entry *sb;
	unsigned sb_n, sb_cap;
	uint32_t sb_lo, sb_hi;           /* address range covered by buffered stores */

	struct alias_entry alias[64];
	uint64_t alias_valid;            /* bit i: entry i holds a protected range */

	/* energy: coefficients, and the ways and units that were on when */
	struct energy_coeffs ek;
	struct energy_meter way_meter[3];   /* L1I, L1D, L2: accesses and cycles x ways on */
	struct energy_meter shadow_meter[3];  /* misses x ways off (their shadow tags are read) */
	struct energy_meter unit_meter[U_COUNT];
	/* working-set signature (core.signature_bits): a bit per hashed L1I line */
	uint32_t *sig;
	unsigned sig_words;
	bool sig_on;                       /* recording (control register SIG_CTRL) */

	struct dbundle *dcache;
	/* retirements of each decoded bundle not yet in the counters of its
	 * atoms by unit class and register traffic (folded when the bundle
	 * leaves the decoded-bundle cache; chip_counter adds the rest) */
	uint64_t *dexecs;
	uint8_t *code_pages;             /* 1 bit per page: decoded bundles come from it */

	uint32_t scratch[2];
	uint32_t pagedir;                 /* guest page directory (control register PAGEDIR), or 0 */
	struct tlb tlb;
	unsigned walk_bundle;             /* page-walk cycles of the bundle executing (core.c) */
	uint32_t smcmap, smc_shift;       /* code-chunk bitmap of protected pages (control registers) */
	chip_store_hook store_hook;
	void *store_hook_ctx;

	/* fault injection */
	bool faults_armed;               /* fast check: any unit fault or poison active */
	struct unit_fault unit_faults[MAX_UNIT_FAULTS];
	uint64_t reg_poison;             /* registers holding an injected flip (register parity) */
	uint32_t mem_poison[MAX_MEM_POISON];  /* word addresses holding an injected flip (ECC) */
	uint32_t mem_poison_mask[MAX_MEM_POISON];  /* ... and the bits flipped (single-bit: correctable) */
	unsigned n_mem_poison;
	uint32_t shadow_poison;          /* shadow copies holding an injected flip */
	/* stuck memory cells: memory holds what was written, a read sees the
	 * bits in set as 1 and those in clr as 0 (mem_stuck_check) */
	struct mem_stuck { uint32_t addr, set, clr; } mem_stuck[MAX_MEM_STUCK];
	unsigned n_mem_stuck;
	bool sb_poison;                  /* a buffered store holds an injected flip (store-buffer parity) */
	uint32_t walk_fault_addr;        /* the table word a walk's detector caught last */
	/* stuck register cells (permanent and intermittent faults): after every
	 * write the bits in set read 1 and those in clr read 0 */
	uint64_t reg_stuck;              /* working registers with stuck cells */
	uint32_t reg_set[ISA_NREGS], reg_clr[ISA_NREGS];
	uint32_t shadow_stuck;
	uint32_t shadow_set[ISA_NSHADOW], shadow_clr[ISA_NSHADOW];
	/* the fault schedule: faults waiting for their cycle (chip_fault.c) */
	struct fault_spec sched[MAX_SCHEDULED];
	uint64_t sched_next[MAX_SCHEDULED];  /* the cycle of each one's next event */
	bool sched_off[MAX_SCHEDULED];   /* an intermittent storage fault's next event ends a window */
	unsigned nsched;
	uint64_t next_fault;             /* earliest cycle in sched, UINT64_MAX when none */
	uint64_t fault_events;           /* faults that struck (sched entries fired) */
	uint64_t first_fault_cycle;      /* cycle the first one struck (0: none yet) */
};

/* An access of [addr, addr+size) through the L1D: every line it touches is
 * looked up; a store also overwrites injected flips in L1D and L2.
 * Returns the miss cycles (0 on hits). */
CHIP_INLINE unsigned l1d_access(struct chip *c, uint32_t addr, unsigned size, bool write)
{
	unsigned line = cache_line_size(&c->l1d);
	unsigned extra = cache_access_fast(&c->l1d, addr, write);
	if ((addr & (line - 1)) + size > line)
		extra += cache_access_fast(&c->l1d, addr + size - 1, write);
	if (write) {
		if (c->l1d.nfaults)
			cache_fault_clear(&c->l1d, addr, size);
		if (c->l2.nfaults)
			cache_fault_clear(&c->l2, addr, size);
	}
	return extra;
}

/* The page walk (hw-sim/tlb.c).  After a miss on the TLB set's MRU way,
 * mmu_translate gives va's PTE from another way or from a walk (filling
 * the TLB), with the walk's cycles; status MMU_ABSENT is a page fault, the
 * others a corrupted or unreadable entry caught by the chip (detail and
 * fault point: mmu_bad_detail).  Returned in two host registers. */
enum mmu_status { MMU_OK, MMU_ABSENT, MMU_BAD_PDE, MMU_BAD_PTE, MMU_ECC, MMU_PARITY };
struct mmu_result {
	uint32_t pte, walk, status;
};
struct mmu_result mmu_translate(struct chip *c, uint32_t va);
const char *mmu_bad_detail(uint32_t status, enum chip_fault_point *point);
/* Control registers PAGEDIR (-1: not 0 nor a page of hidden memory) and TLB_FLUSH. */
int chip_set_pagedir(struct chip *c, uint32_t val);
void chip_tlb_flush(struct chip *c, uint32_t val);

void chip_update_faults_armed(struct chip *c);
/* What a read of [addr, addr+n) from cache k delivers wrong: the XOR mask
 * of its flips and defects, after ECC (faults.cache_ecc) corrected a
 * single bad bit (counted).  Only call when cache_has_faults(k). */
static inline uint32_t cache_check(struct chip *c, const struct cache *k, uint32_t addr, unsigned n)
{
	uint32_t m = cache_read_mask(k, addr, n);
	if (m && c->cfg.cache_ecc && !(m & (m - 1))) {
		c->cnt[CNT_faults_corrected]++;
		return 0;
	}
	return m;
}

/* What stuck memory cells make a read of [pa, pa+n) (n <= 4) deliver
 * wrong: the XOR mask against what memory holds, after ECC (faults.ecc
 * corrects one bad bit of a word, counted); *caught when
 * faults.detect.memory sees the rest.  Only call when c->n_mem_stuck. */
static inline uint32_t mem_stuck_check(struct chip *c, uint32_t pa, unsigned n, bool *caught)
{
	uint32_t m = 0;
	*caught = false;
	for (unsigned i = 0; i < c->n_mem_stuck; i++) {
		const struct mem_stuck *s = &c->mem_stuck[i];
		if (s->addr >= pa + n || s->addr + 4 <= pa)
			continue;
		uint32_t w = (uint32_t)c->mem[s->addr] | (uint32_t)c->mem[s->addr + 1] << 8 |
			     (uint32_t)c->mem[s->addr + 2] << 16 | (uint32_t)c->mem[s->addr + 3] << 24;
		uint32_t diff = ((w | s->set) & ~s->clr) ^ w;
		if (!diff)
			continue;
		if (c->cfg.fault_ecc && !(diff & (diff - 1))) {
			c->cnt[CNT_faults_corrected]++;
			continue;
		}
		if (c->cfg.detect_memory) {
			*caught = true;
			continue;
		}
		for (unsigned b = 0; b < 4; b++) {
			uint32_t a = s->addr + b;
			if (a >= pa && a < pa + n)
				m |= ((diff >> (8 * b)) & 0xffu) << (8 * (a - pa));
		}
	}
	return m;
}

/* Fire the scheduled faults whose cycle has come (chip_fault.c); the
 * earliest pending cycle stays in c->next_fault. */
void chip_fault_fire(struct chip *c, uint64_t now);
/* Re-apply stuck register cells after writes (working registers; the
 * shadows at commit), poisoning what they change when parity is on. */
void chip_apply_reg_stuck(struct chip *c);
void chip_apply_shadow_stuck(struct chip *c);
void chip_invalidate_code(struct chip *c, uint32_t addr, uint32_t n);
bool chip_mem_poisoned(const struct chip *c, uint32_t addr, unsigned size);
void chip_mem_unpoison(struct chip *c, uint32_t addr, unsigned size);
bool chip_mem_correct(struct chip *c, uint32_t addr, unsigned size);

/* What a read of [pa, pa+n) (n <= 4) meets on its way through cache k
 * (the L1I or the L1D), every read path's detectors in one place: memory
 * ECC (faults.ecc first corrects a single flipped bit in memory), stuck
 * memory cells, the cache's flips and defects.  Returns 0 with *mask the
 * bits the read gets wrong (XOR it into what memory holds, read after
 * this call), or 1 + FP_MEMORY / 1 + FP_CACHE when a detector catches
 * the corruption.  Only call when c->faults_armed. */
static inline unsigned read_check(struct chip *c, const struct cache *k, uint32_t pa, unsigned n, uint32_t *mask)
{
	*mask = 0;
	if (c->n_mem_poison && chip_mem_poisoned(c, pa, n) && chip_mem_correct(c, pa, n) && c->cfg.detect_memory)
		return 1 + FP_MEMORY;
	if (c->n_mem_stuck) {
		bool caught;
		*mask = mem_stuck_check(c, pa, n, &caught);
		if (caught)
			return 1 + FP_MEMORY;
	}
	if (cache_has_faults(k)) {
		uint32_t m = cache_check(c, k, pa, n);
		if (m && c->cfg.detect_cache)
			return 1 + FP_CACHE;
		*mask ^= m;
	}
	return 0;
}

void chip_count_rollback(struct chip *c, enum counter_id cause);
void chip_do_rollback(struct chip *c);

/* ---- the FPU (hw-sim/fpu.c) ---- */
static inline struct x87_reg *chip_freg(struct chip *c, unsigned f)
{
	return f < ISA_NFSHADOW ? &c->fpu.r[f] : &c->ftmp[f - ISA_NFSHADOW];
}
/* What an FPU atom gives the pipeline: its 32-bit result (fcvo's word, or
 * the low word of an FPU result's significand, where unit faults strike),
 * FLAGS (fcmpi), or a fault. */
struct fpu_out {
	uint32_t v, flags;
	bool fault;
};
/* (An FPU atom itself is chip_fpu_atom, hw-sim/fpu_atom.h: its operands
 * a, b are ra and rb, flags FLAGS before the bundle; an FPU result goes
 * to c->fnew[d->rd].)  The bundle's FPU results reach their registers
 * (inline: once per bundle that has any, in the pipeline's loop). */
CHIP_INLINE void chip_fpu_retire(struct chip *c)
{
	for (unsigned m = c->fnew_mask; m; m &= m - 1) {
		unsigned f = (unsigned)__builtin_ctz(m);
		/* field by field: a load of another width than the stores
		 * that wrote it (the door's 10-byte fstpt, or 8 and 2 bytes)
		 * is not forwarded from them and waits */
		chip_freg(c, f)->mant = c->fnew[f].mant;
		chip_freg(c, f)->se = c->fnew[f].se;
	}
	c->fnew_mask = 0;
	c->fpu_dirty = true;
}
/* Fill c->fpu_plan (chip_create). */
void chip_fpu_calibrate(struct chip *c);

#endif
