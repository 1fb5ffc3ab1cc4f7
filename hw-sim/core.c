/* hw-sim/core.c — the pipeline: fetch bundles through the L1I, decode them
 * (cached), check them against the enabled units, wait for operands
 * (scoreboard), execute every atom reading the registers as they were
 * before the bundle, then write results, buffer stores, commit and branch.
 * chip_run reads as fetch -> issue -> execute -> retire; what each atom
 * does is its body in hw-sim/atoms.h, named by its row of
 * native-isa/isa.def, and execute's dispatch is generated from that table.
 * The stages are always inlined into one loop: keep the address of a local
 * of that loop from escaping into a call that is not inlined (an escaped
 * result or bundle_exec would live in memory, costing host instructions on
 * every atom: make bench-chip measures it).
 *
 * Timing of one bundle, in order:
 *   fetch   : each new L1I line the bundle touches is accessed; a miss
 *             stalls for its cycles (stall_icache)
 *   operands: the bundle issues when every register it reads or writes is
 *             ready (stall_operand)
 *   issue   : 1 cycle; results become ready `latency` cycles later
 *   loads   : an L1D miss blocks the pipeline for its cycles (stall_dcache)
 *             and the value arrives l1d.latency cycles after that
 *   TLB     : with a page table (PAGEDIR), a guest load or store whose
 *             page misses the TLB blocks the pipeline for the walk
 *             (stall_tlb; hw-sim/tlb.c), and a load's value arrives after
 *             it as after an L1D miss
 *   branch  : a taken branch, jump or exit adds core.branch_penalty
 *             bubble cycles (stall_branch)
 * Faults are detected before anything of the bundle is written; the chip
 * then rolls back to the last commit and returns to the firmware. */
#include "hw-sim/chip_priv.h"
#include "hw-sim/cosim.h"
#include "hw-sim/fpu_atom.h"
#include "native-isa/isa_priv.h"
#include "native-isa/xflags_inline.h"

#include <string.h>

/* ---- decoded-bundle cache ------------------------------------------------------ */

static inline struct dbundle *dslot(struct chip *c, uint32_t pc)
{
	return &c->dcache[(pc / ISA_ATOM_BYTES) & (DCACHE_ENTRIES - 1)];
}

static void mark_code(struct chip *c, uint32_t lo, uint32_t hi)
{
	for (uint32_t p = lo >> PAGE_SHIFT; p <= (hi - 1) >> PAGE_SHIFT; p++)
		c->code_pages[p / 8] |= (uint8_t)(1u << (p % 8));
}

void chip_fold_bundle(struct chip *c, struct dbundle *b)
{
	uint64_t n = c->dexecs[b->slot];
	if (!n)
		return;
	for (unsigned k = 0; k < LAZY_COUNT; k++)
		c->cnt[LAZY_FIRST + k] += n * bundle_lazy(b, k);
	c->dexecs[b->slot] = 0;
}

static void invalidate_page(struct chip *c, uint32_t page)
{
	uint32_t lo = page << PAGE_SHIFT, hi = lo + (1u << PAGE_SHIFT);
	/* bundles starting in this page, and bundles of the page before that run into it */
	uint32_t from = lo >= ISA_MAX_BUNDLE * ISA_ATOM_BYTES ? lo - ISA_MAX_BUNDLE * ISA_ATOM_BYTES : 0;
	for (uint32_t a = from; a < hi; a += ISA_ATOM_BYTES) {
		struct dbundle *b = dslot(c, a);
		if (b->pc != DB_INVALID && b->pc < hi && b->pc + (uint32_t)b->n * ISA_ATOM_BYTES > lo) {
			chip_fold_bundle(c, b);
			b->pc = DB_INVALID;
		}
	}
}

void chip_invalidate_code(struct chip *c, uint32_t addr, uint32_t n)
{
	if (!n)
		return;
	uint32_t last = (addr + n - 1) >> PAGE_SHIFT;
	for (uint32_t p = addr >> PAGE_SHIFT; p <= last && p < (c->mem_size >> PAGE_SHIFT) + 1; p++) {
		if (c->code_pages[p / 8] >> (p % 8) & 1) {
			c->code_pages[p / 8] &= (uint8_t)~(1u << (p % 8));
			invalidate_page(c, p);
		}
	}
}

static uint64_t reg_bit(unsigned r) { return 1ull << r; }

/* The atom word at `at` as the L1I delivers it (injected flips and
 * defects included); a corruption the L1I's parity or the memory's ECC
 * sees is latched in the bundle, which then faults at issue. */
static uint64_t fetch_word(struct chip *c, uint32_t at, struct dbundle *b)
{
	uint64_t m = 0;
	for (unsigned half = 0; c->faults_armed && half < 2; half++) {
		uint32_t hm;
		unsigned hit = read_check(c, &c->l1i, at + 4 * half, 4, &hm);
		if (hit && !b->fetch_fault) {
			b->fetch_fault = (uint8_t)hit;
			b->fetch_fault_addr = at + 4 * half;
		}
		m |= (uint64_t)hm << (32 * half);
	}
	uint64_t w = 0;
	for (int k = 7; k >= 0; k--)
		w = w << 8 | c->mem[at + (unsigned)k];
	return w ^ m;
}

/* The decoded form of atom a: its fields, and from its row of isa.def its
 * unit, latency and what it writes back. */
static void decode_fields(const struct chip *c, const struct atom *a, struct datom *d)
{
	const struct isa_op_info *oi = &isa_ops[a->op];
	unsigned f = isa_fmt_fields(oi->fmt);
	d->op = a->op;
	d->rd = a->rd;
	d->ra = a->ra;
	d->rb = a->rb;
	d->x = a->x;
	d->use_imm = a->use_imm;
	d->imm = a->imm;
	d->unit = (uint8_t)oi->unit;
	d->props = oi->props;
	d->lat = (uint8_t)(c->lat[oi->lat] > 255 ? 255 : c->lat[oi->lat]);
	if (a->op == OP_LDP)
		d->wb = WB_LDP;
	else if (a->op == OP_WRCR)
		d->wb = WB_WRCR;
	else if (oi->fmt == F_STAM)
		d->wb = WB_NONE;   /* rd is the first alias entry it checks */
	else if (f & FLD_FD)
		d->wb = WB_FP;     /* rd is an FPU register */
	else if (oi->props & P_WFLAGS)
		d->wb = WB_REG_FLAGS;  /* fcmpi: FLAGS only (rd 0) */
	else if ((f & FLD_RD) && a->rd != R_ZERO && !(oi->props & P_LOAD))
		d->wb = WB_REG;
	else if (f & FLD_RD)
		d->wb = WB_OTHER;
	else
		d->wb = WB_NONE;
	d->pend = d->lat > 1 && oi->fmt != F_STAM && !(f & FLD_FD) ? reg_bit(a->rd) : 0;
}

static void illegal(struct dbundle *b, const char *why)
{
	if (!b->illegal)
		b->illegal = why;
}

/* What atom a adds to its bundle: its unit, the registers it reads
 * (ra, rb unless it is an immediate or ldp's alias entry, the implicit
 * FLAGS / EDX) and writes, and the machine checks it may fail.  *hazard:
 * it reads what an earlier atom of the bundle writes, or a control
 * register (keep the two-pass order). */
static void add_atom(struct chip *c, struct dbundle *b, const struct atom *a, bool *hazard, unsigned *loads)
{
	const struct isa_op_info *oi = &isa_ops[a->op];
	unsigned f = isa_fmt_fields(oi->fmt);
	if (oi->unit < U_COUNT)
		b->class_count[oi->unit]++;
	b->nops += a->op == OP_NOP;
	uint64_t srcs = 0;
	if (f & FLD_RA)
		srcs |= reg_bit(a->ra);
	if (((f & FLD_RB) || ((f & FLD_B) && !a->use_imm)) && oi->fmt != F_LDP)
		srcs |= reg_bit(a->rb);
	if (oi->props & P_RFLAGS)
		srcs |= reg_bit(R_FLAGS);
	if (oi->props & P_REDX)
		srcs |= reg_bit(R_EDX);
	if (oi->fmt == F_LDP && a->rb >= c->alias_entries)
		illegal(b, "protected load names an alias entry the chip does not have");
	if ((srcs & b->dst_mask & ~reg_bit(R_ZERO)) || a->op == OP_WRCR || a->op == OP_RDCR)
		*hazard = true;
	b->src_mask |= srcs;
	b->rf_reads += (uint8_t)__builtin_popcountll(srcs & ~reg_bit(R_ZERO));
	if (f & (FLD_FD | FLD_FA | FLD_FB)) {
		uint16_t fs = (uint16_t)(((f & FLD_FA) ? 1u << a->ra : 0) | ((f & FLD_FB) ? 1u << a->rb : 0));
		uint16_t fd = (uint16_t)((f & FLD_FD) ? 1u << a->rd : 0);
		if (fd & b->fdst_mask)
			illegal(b, "two atoms write the same FPU register");
		if (fs & b->fdst_mask)
			*hazard = true;   /* single pass writes FPU results in place too */
		b->fsrc_mask |= fs;
		b->fdst_mask |= fd;
		b->rf_reads += (uint8_t)__builtin_popcount(fs);
		b->rf_writes += (uint8_t)__builtin_popcount(fd);
	}
	/* a store's page walk after a load would come too late for the
	 * load's result in one pass (it lands with the walks so far) */
	if ((oi->props & P_STORE) && *loads)
		*hazard = true;
	*loads += (oi->props & P_LOAD) != 0;
	b->stores += (oi->props & P_STORE) != 0;
	b->ldps += a->op == OP_LDP;
	b->commits |= a->op == OP_COMMIT;
	uint64_t dst = 0;
	if ((f & FLD_RD) && a->rd != R_ZERO && oi->fmt != F_STAM)
		dst |= reg_bit(a->rd);
	if (oi->props & P_WFLAGS)
		dst |= reg_bit(R_FLAGS);
	if (dst & b->dst_mask)
		illegal(b, "two atoms write the same register");
	b->dst_mask |= dst;
	b->rf_writes += (uint8_t)__builtin_popcountll(dst);
	if (oi->fmt == F_RDCR || oi->fmt == F_WRCR) {
		uint32_t v;
		bool ok = oi->fmt == F_WRCR ? isa_cr_writable(a->imm) : chip_read_cr(c, a->imm, &v) == 0;
		if (!ok)
			illegal(b, "unknown or read-only control register");
	}
}

/* Decode the bundle at pc into b.  Returns -1 if pc is outside memory. */
static int decode_bundle(struct chip *c, uint32_t pc, struct dbundle *b)
{
	chip_fold_bundle(c, b);
	memset(b, 0, offsetof(struct dbundle, a));
	b->pc = DB_INVALID;
	b->slot = (uint16_t)(b - c->dcache);
	if (pc & (ISA_ATOM_BYTES - 1))
		illegal(b, "bundle address not atom-aligned");
	unsigned n = 0, loads = 0;
	bool hazard = false;
	for (;;) {
		uint32_t at = pc + n * ISA_ATOM_BYTES;
		if (at < pc || at > c->mem_size - ISA_ATOM_BYTES) {
			if (n == 0)
				return -1;
			illegal(b, "bundle runs past the end of memory");
			break;
		}
		uint64_t w = fetch_word(c, at, b);
		struct atom a;
		struct datom *d = &b->a[n++];
		if (isa_decode(w, &a) < 0) {
			illegal(b, "undecodable atom");
			d->op = OP_NOP;
			d->unit = U_NONE;
			a.stop = (w >> 7) & 1;
		} else {
			decode_fields(c, &a, d);
			add_atom(c, b, &a, &hazard, &loads);
		}
		if (a.stop)
			break;
		if (n == ISA_MAX_BUNDLE) {
			illegal(b, "no stop bit within 16 atoms");
			break;
		}
	}
	b->src_mask &= ~reg_bit(R_ZERO);
	if (b->fetch_fault)
		illegal(b, "a fetched word failed its check");
	/* machine checks against the enabled units (a mask change drops every
	 * decoded bundle: set_unit_mask) */
	if (n > c->issue_width)
		illegal(b, "more atoms than core.issue_width");
	for (int u = 0; u < U_COUNT; u++)
		if (b->class_count[u] > c->units_enabled[u])
			illegal(b, "more atoms of a unit class than enabled units");
	/* one pass is the two-pass result when no atom reads an earlier atom's
	 * result and at most one load's miss time (and no later store's walk)
	 * is in play */
	b->single_pass = !hazard && loads <= 1;
	b->n = (uint8_t)n;
	b->pc = pc;
	b->next_pc = pc + n * ISA_ATOM_BYTES;
	b->first_line = pc >> c->l1i.line_shift;
	b->last_line = (b->next_pc - 1) >> c->l1i.line_shift;
	mark_code(c, pc, b->next_pc);
	return 0;
}

/* ---- memory access of loads and stores --------------------------------------- */

static const uint8_t mx_size[8] = {4, 1, 1, 2, 2, 0, 0, 0};

static uint32_t mem_read_le(const uint8_t *m, unsigned size)
{
	switch (size) {
	case 1: return m[0];
	case 2: return (uint32_t)m[0] | (uint32_t)m[1] << 8;
	default: return (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24;
	}
}

/* Value of [addr, addr+size) as this core sees it: memory overlaid by the
 * store buffer, youngest store last. */
CHIP_INLINE uint32_t load_value(struct chip *c, uint32_t addr, unsigned size)
{
	uint32_t v = mem_read_le(c->mem + addr, size);
	if (c->sb_n && addr < c->sb_hi && addr + size > c->sb_lo) {
		/* youngest store first; stop once every byte has its producer */
		unsigned todo = (1u << size) - 1;
		for (unsigned i = c->sb_n; i-- > 0 && todo;) {
			const struct sb_entry *e = &c->sb[i];
			if (e->addr >= addr + size || e->addr + e->size <= addr)
				continue;
			for (unsigned k = 0; k < size; k++) {
				uint32_t a = addr + k;
				if ((todo >> k & 1) && a >= e->addr && a < e->addr + e->size) {
					uint32_t byte = (e->val >> (8 * (a - e->addr))) & 0xff;
					v = (v & ~(0xffu << (8 * k))) | byte << (8 * k);
					todo &= ~(1u << k);
				}
			}
		}
		c->cnt[CNT_sb_forwards] += todo != (1u << size) - 1;
	}
	return v;
}

/* Does a store to guest-physical [addr, addr+size), within one frame,
 * touch a chunk the code-chunk bitmap marks (control registers SMCMAP,
 * SMC_SHIFT)?  Without a bitmap the whole protected page counts as code. */
static inline bool smc_chunk_hit(const struct chip *c, uint32_t addr, unsigned size)
{
	if (!c->smcmap)
		return true;
	for (uint32_t k = addr >> c->smc_shift; k <= (addr + size - 1) >> c->smc_shift; k++)
		if (c->mem[c->smcmap + (k >> 3)] & (1u << (k & 7)))
			return true;
	return false;
}

static uint32_t extend(uint32_t v, unsigned kind)
{
	switch (kind) {
	case MX_S8: return (uint32_t)(int32_t)(int8_t)v;
	case MX_S16: return (uint32_t)(int32_t)(int16_t)v;
	default: return v;
	}
}

/* ---- execution ------------------------------------------------------------------ */

static inline uint32_t rotl32(uint32_t v, unsigned n) { n &= 31; return n ? v << n | v >> (32 - n) : v; }

static void fault(struct chip_exit *ex, enum chip_exit_reason r, const struct dbundle *b, unsigned slot)
{
	memset(ex, 0, sizeof *ex);
	ex->reason = r;
	ex->pc = b->pc;
	ex->slot = slot;
}

/* Detection hardware caught an injected fault at `point`. */
static void detected(struct chip *c, struct chip_exit *ex, const struct dbundle *b, unsigned slot, uint32_t addr,
		     enum chip_fault_point point, const char *what)
{
	c->cnt[CNT_faults_detected]++;
	fault(ex, CHIP_EXIT_FAULT_DETECTED, b, slot);
	ex->addr = addr;
	ex->detail = what;
	ex->fault_point = point;
	ex->unit_class = slot < ISA_MAX_BUNDLE && slot < b->n ? b->a[slot].unit : U_NONE;
}

/* A cache parity error on the word at physical pa, in cache `level`. */
static void detected_cache(struct chip *c, struct chip_exit *ex, const struct dbundle *b, unsigned slot, uint32_t pa,
			   unsigned level, const char *what)
{
	detected(c, ex, b, slot, pa, FP_CACHE, what);
	const struct cache *k = level == 0 ? &c->l1i : &c->l1d;
	int way = cache_way_of(k, pa), from = k->nfaults ? cache_fault_origin(k, pa) : -1;
	/* corruption the line brought from the L2 is the L2's (its parity
	 * travels with the data) */
	ex->level = from >= 0 ? 2 : level;
	ex->way = from >= 0 ? (unsigned)from : way < 0 ? 0 : (unsigned)way;
}

static enum counter_id rollback_cause(enum chip_exit_reason r)
{
	switch (r) {
	case CHIP_EXIT_MEMORY_FAULT: return CNT_rb_memory;
	case CHIP_EXIT_ALIAS_FAULT: return CNT_rb_alias;
	case CHIP_EXIT_SB_OVERFLOW: return CNT_rb_sb_overflow;
	case CHIP_EXIT_DIVIDE_FAULT: return CNT_rb_divide;
	case CHIP_EXIT_ILLEGAL_BUNDLE: return CNT_rb_illegal;
	case CHIP_EXIT_PROTECTION: return CNT_rb_protection;
	case CHIP_EXIT_FPU_FAULT: return CNT_rb_fpu;
	default: return CNT_rb_fault;
	}
}

/* Unit index of the atom in `slot` (the i-th enabled unit of its class). */
static unsigned unit_index(const struct chip *c, const struct dbundle *b, unsigned slot)
{
	unsigned cls = b->a[slot].unit, rank = 0;
	for (unsigned i = 0; i < slot; i++)
		rank += b->a[i].unit == cls;
	uint32_t m = c->unit_mask[cls];
	for (unsigned idx = 0; idx < 32; idx++)
		if (m >> idx & 1 && rank-- == 0)
			return idx;
	return 0;
}

/* The armed faults of the unit executing `slot` change its result *v
 * (at cycle now): a flip once, a stuck-at always, an intermittent one in
 * its windows.  Returns false when the unit's check (a residue code)
 * catches a change. */
static bool apply_unit_fault(struct chip *c, const struct dbundle *b, unsigned slot, uint32_t *v, uint64_t now)
{
	if (b->a[slot].unit >= U_COUNT)
		return true;
	unsigned idx = unit_index(c, b, slot);
	bool changed = false;
	for (int i = 0; i < MAX_UNIT_FAULTS; i++) {
		struct unit_fault *f = &c->unit_faults[i];
		if (!f->armed || f->cls != b->a[slot].unit || f->index != idx)
			continue;
		uint32_t was = *v;
		switch ((enum fault_kind)f->kind) {
		case FK_FLIP:
			*v ^= f->mask;
			f->armed = false;
			chip_update_faults_armed(c);
			break;
		case FK_STUCK0: *v &= ~f->mask; break;
		case FK_INTERMITTENT:
			if (now < f->at || (now - f->at) % f->period >= f->len)
				break;
			/* fall through */
		case FK_STUCK1: *v |= f->mask; break;
		default: break;
		}
		if (*v != was) {
			c->cnt[CNT_faults_injected]++;
			changed = true;
		}
	}
	return !(changed && c->cfg.detect_unit);
}

/* The hottest counters live in locals while native code runs and reach
 * c->cnt at every way out (and before a control-register read of them). */
struct hot_counters {
	uint64_t bundles, atoms, nops, stall_operand, stall_dcache, stall_tlb, stall_branch, taken, stores;
};


static void flush_hot(struct chip *c, struct hot_counters *h, uint64_t now)
{
	c->cnt[CNT_bundles] += h->bundles;
	c->cnt[CNT_atoms] += h->atoms;
	c->cnt[CNT_nops] += h->nops;
	c->cnt[CNT_empty_slots] += h->bundles * c->issue_width - h->atoms;  /* the width is fixed */
	c->cnt[CNT_stall_operand] += h->stall_operand;
	c->cnt[CNT_stall_dcache] += h->stall_dcache;
	c->cnt[CNT_stall_tlb] += h->stall_tlb;
	c->cnt[CNT_stall_branch] += h->stall_branch;
	c->cnt[CNT_taken_branches] += h->taken;
	c->cnt[CNT_stores] += h->stores;
	c->cnt[CNT_cycles] = now;
	memset(h, 0, sizeof *h);
}

/* A protected load's alias entry, from its address as the bundle read
 * its registers: recorded before any atom of the bundle writes one (an
 * earlier atom of a two-pass bundle may write the load's base). */
static inline void record_alias(struct chip *c, const struct datom *d)
{
	uint32_t addr = c->r[d->ra] + d->imm;
	c->alias[d->rb] = (struct alias_entry){addr, addr + mx_size[d->x & MX_KIND_MASK]};
	c->alias_valid |= 1ull << d->rb;
}

/* The result of one atom reaches its register (and FLAGS), with the
 * cycle it becomes ready: issue cycle + latency (+ the bundle's cache-miss
 * and page-walk time for loads: dextra). */
static inline void write_back(struct chip *c, const struct datom *d, uint32_t v, uint32_t newflags, uint64_t t,
			      unsigned dextra)
{
	uint32_t *r = c->r;
	uint64_t rdy;
	switch ((enum wb_kind)d->wb) {
	case WB_NONE:
		return;
	case WB_REG:
		r[d->rd] = v;
		c->ready[d->rd] = t + d->lat;
		c->pending |= d->pend;
		c->reg_poison &= ~reg_bit(d->rd);
		return;
	case WB_WRCR:   /* ra as the bundle read it (its body's result): an earlier atom may have landed since */
		chip_write_cr(c, d->imm, v);
		return;
	case WB_FP:   /* the value staged by the atom, its low word through the unit-fault path */
		c->fnew[d->rd].mant = (c->fnew[d->rd].mant & ~0xffffffffull) | v;
		c->fnew_mask |= (uint16_t)(1u << d->rd);
		c->fready[d->rd] = t + d->lat;
		c->fpending |= (uint16_t)(1u << d->rd);
		return;
	case WB_LDP:   /* its alias entry: record_alias, before any result of the bundle lands */
		break;
	case WB_REG_FLAGS:
		r[R_FLAGS] = newflags;
		c->ready[R_FLAGS] = t + d->lat;
		if (d->lat > 1)
			c->pending |= reg_bit(R_FLAGS);
		break;
	case WB_OTHER:
		break;
	}
	if (d->rd == R_ZERO)
		return;
	r[d->rd] = v;
	rdy = t + d->lat + ((d->props & P_LOAD) ? dextra : 0);
	c->ready[d->rd] = rdy;
	if (rdy > t + 1)
		c->pending |= reg_bit(d->rd);
	c->reg_poison &= ~reg_bit(d->rd);
}

/* ---- one bundle: fetch -> issue -> execute -> retire ----------------------------- */

/* A store of the bundle, at its guest-physical (or hidden) address; a
 * store split over two frames that are not contiguous is two, of sizes
 * 1..3. */
struct pending_store { uint32_t addr, val; uint8_t size; bool split_lo; /* the first of two */ };

/* A bundle between issue and retire: what its atoms (hw-sim/atoms.h) read
 * besides their operands, and what they decide.  One lives in chip_run's
 * frame; everything that takes it is inlined, so its fields stay in host
 * registers. */
struct bundle_exec {
	struct chip *c;
	const struct dbundle *bundle;
	struct chip_exit *ex;            /* filled by a faulting atom */
	struct hot_counters *hot;
	struct pending_store *st;        /* the bundle's stores, [2 * ISA_MAX_BUNDLE] */
	uint64_t t;                      /* issue cycle */
	uint32_t flags_in;               /* FLAGS before the bundle: what every atom reads */
	uint32_t newflags;               /* FLAGS from the bundle's flag atom */
	unsigned nst;                    /* pending stores so far */
	unsigned dextra;                 /* cycles the bundle's loads and stores stall it: L1D
					  * misses and page walks (those also in c->walk_bundle) */
	uint32_t target;                 /* where the bundle goes next */
	uint32_t exit_code;
	bool taken, do_exit, do_commit;
	bool taken_seen;                 /* faults armed: the taking atom has been checked */
	bool fast;                       /* single pass: results land as they are computed */
};

CHIP_INLINE bool atom_detected_cache(struct bundle_exec *e, const struct datom *d, uint32_t pa, const char *what)
{
	detected_cache(e->c, e->ex, e->bundle, (unsigned)(d - e->bundle->a), pa, 1, what);
	return false;
}

/* The atom d faults (its slot: its place in the bundle). */
CHIP_INLINE bool atom_fault(struct bundle_exec *e, const struct datom *d, enum chip_exit_reason r)
{
	fault(e->ex, r, e->bundle, (unsigned)(d - e->bundle->a));
	return false;
}

CHIP_INLINE bool atom_mem_fault(struct bundle_exec *e, const struct datom *d, enum chip_exit_reason r, uint32_t addr)
{
	fault(e->ex, r, e->bundle, (unsigned)(d - e->bundle->a));
	e->ex->addr = addr;
	return false;
}

CHIP_INLINE bool atom_detected(struct bundle_exec *e, const struct datom *d, uint32_t addr,
			       enum chip_fault_point point, const char *what)
{
	detected(e->c, e->ex, e->bundle, (unsigned)(d - e->bundle->a), addr, point, what);
	return false;
}

/* The first taken branch of a bundle decides where it goes. */
CHIP_INLINE void atom_take(struct bundle_exec *e, uint32_t target)
{
	if (!e->taken) {
		e->taken = true;
		e->target = target;
	}
}

/* The xflags operation of a flag atom (isa.h ISA_FLAG_ATOMS); a constant
 * in each case of the dispatch. */
CHIP_INLINE enum xf_op atom_xf_op(enum atom_op op)
{
	switch (op) {
#define ATOM_XF(atom, xf) case OP_##atom: return XF_##xf;
	ISA_FLAG_ATOMS(ATOM_XF)
#undef ATOM_XF
	default: return XF_OP_COUNT;
	}
}

#include "hw-sim/atoms.h"

/* fetch: the bundle at pc, decoded once (decoded-bundle cache), through the
 * L1I: the fetch buffer holds one line, and each new line the bundle
 * touches costs its miss cycles.  NULL, with *ex filled, when pc is
 * outside memory. */
CHIP_INLINE const struct dbundle *fetch(struct chip *c, uint32_t pc, uint64_t *t, struct chip_exit *ex)
{
	struct dbundle *b = dslot(c, pc);
	if (b->pc != pc && decode_bundle(c, pc, b) < 0) {
		memset(ex, 0, sizeof *ex);
		ex->reason = CHIP_EXIT_MEMORY_FAULT;
		ex->pc = ex->addr = pc;
		ex->detail = "instruction fetch outside physical memory";
		return NULL;
	}
	if (b->first_line != c->fetch_line || b->last_line != c->fetch_line) {
		for (uint32_t line = b->first_line; line <= b->last_line; line++) {
			if (line != c->fetch_line) {
				unsigned extra = cache_access_fast(&c->l1i, line << c->l1i.line_shift, false);
				c->fetch_line = line;
				if (c->sig_on) {  /* the working-set signature: a bit per hashed line */
					uint32_t h = isa_sig_bit(line, 32 * c->sig_words);
					c->sig[h / 32] |= 1u << (h % 32);
				}
				*t += extra;
				c->cnt[CNT_stall_icache] += extra;
			}
		}
	}
	/* with a faulty L1I the decoded copy is what the lines deliver now
	 * (they are resident: the lines were just accessed) */
	if (__builtin_expect(c->faults_armed, 0) && cache_has_faults(&c->l1i))
		decode_bundle(c, pc, b);
	return b;
}

/* With faults armed: the sources' parity, and at a commit the store
 * buffer's and every shadowed register's (a corrupted one must not become
 * the committed state; one the bundle rewrites does not count). */
static bool parity_checks(struct chip *c, const struct dbundle *b, struct chip_exit *ex)
{
	if (c->reg_poison & b->src_mask) {
		detected(c, ex, b, 0, (uint32_t)__builtin_ctzll(c->reg_poison & b->src_mask), FP_REGISTER,
			 "register parity error");
		return false;
	}
	if (!b->commits)
		return true;
	const uint64_t shadowed = ((1ull << ISA_NSHADOW) - 1) & ~reg_bit(R_ZERO);
	if (c->sb_poison) {
		detected(c, ex, b, 0, 0, FP_STORE_BUFFER, "store-buffer parity error at commit");
		return false;
	}
	if (c->reg_poison & shadowed & ~b->dst_mask) {
		detected(c, ex, b, 0, (uint32_t)__builtin_ctzll(c->reg_poison & shadowed & ~b->dst_mask), FP_REGISTER,
			 "register parity error at commit");
		return false;
	}
	return true;
}

static void fetch_detected(struct chip *c, const struct dbundle *b, struct chip_exit *ex)
{
	if (b->fetch_fault == 1 + FP_CACHE)
		detected_cache(c, ex, b, ISA_MAX_BUNDLE, b->fetch_fault_addr, 0, "L1I parity error");
	else
		detected(c, ex, b, ISA_MAX_BUNDLE, b->fetch_fault_addr, FP_MEMORY, "memory ECC error (instruction fetch)");
}

/* issue: the machine checks (decode_bundle found them), then the
 * scoreboard: the bundle waits until its sources and the pending writes of
 * its destinations are ready; a source holding an injected flip fails its
 * parity check.  false, with *ex filled, on a fault. */
CHIP_INLINE bool issue(struct chip *c, const struct dbundle *b, struct hot_counters *hot, uint64_t *t,
		       struct chip_exit *ex)
{
	if (b->illegal) {
		if (b->fetch_fault) {
			/* a corrupted fetch (decode_bundle marks it illegal too):
			 * the check wins */
			fetch_detected(c, b, ex);
			return false;
		}
		fault(ex, CHIP_EXIT_ILLEGAL_BUNDLE, b, 0);
		ex->detail = b->illegal;
		return false;
	}
	uint64_t wait = *t;
	for (uint64_t m = (b->src_mask | b->dst_mask) & c->pending; m; m &= m - 1) {
		unsigned reg = (unsigned)__builtin_ctzll(m);
		uint64_t rdy = c->ready[reg];
		if (rdy > wait)
			wait = rdy;
		else if (rdy <= *t)
			c->pending &= ~reg_bit(reg);  /* ready now: forget it */
	}
	for (unsigned m = (unsigned)(b->fsrc_mask | b->fdst_mask) & c->fpending; m; m &= m - 1) {
		unsigned f = (unsigned)__builtin_ctz(m);
		uint64_t rdy = c->fready[f];
		if (rdy > wait)
			wait = rdy;
		else if (rdy <= *t)
			c->fpending &= (uint16_t)~(1u << f);
	}
	hot->stall_operand += wait - *t;
	*t = wait;
	return !c->faults_armed || parity_checks(c, b, ex);
}

CHIP_INLINE void begin(struct bundle_exec *e, const struct dbundle *b, uint64_t t)
{
	e->bundle = b;
	e->t = t;
	e->flags_in = e->c->r[R_FLAGS];
	e->nst = e->dextra = 0;
	e->target = b->next_pc;
	e->exit_code = 0;
	e->taken = e->do_exit = e->do_commit = e->taken_seen = false;
}

/* A store split over two frames (pending stores lo, lo + 1): the flip
 * hits the whole value.  Takes no bundle_exec: see the file's header. */
static bool split_store_fault(struct chip *c, const struct dbundle *b, unsigned slot, struct pending_store *lo,
			      uint64_t now)
{
	struct pending_store *hi = lo + 1;
	uint32_t whole = lo->val | hi->val << (8 * lo->size);
	bool ok = apply_unit_fault(c, b, slot, &whole, now);
	lo->val = whole & ((1u << (8 * lo->size)) - 1);
	hi->val = (whole >> (8 * lo->size)) & (hi->size == 4 ? ~0u : (1u << (8 * hi->size)) - 1);
	return ok;
}

/* An armed unit fault flips the atom's result (a store's value); false,
 * with e->ex filled, when detection catches it.  v's address stays here:
 * an address that escaped would keep every result in memory. */
CHIP_INLINE bool unit_fault_check(struct bundle_exec *e, const struct datom *d, uint32_t *v)
{
	const struct dbundle *b = e->bundle;
	unsigned slot = (unsigned)(d - b->a);
	uint32_t val = *v;
	bool ok;
	if (d->unit == U_BR) {
		/* a branch unit's result is the target it computes (and jal's
		 * link), once this atom is the one that took */
		ok = true;
		if (e->taken && !e->taken_seen) {
			uint32_t target = e->target;  /* e's address stays here */
			e->taken_seen = true;
			ok = apply_unit_fault(e->c, b, slot, &target, e->t);
			e->target = target;
		}
	} else if ((d->props & P_STORE) && e->nst >= 2 && e->st[e->nst - 2].split_lo)
		ok = split_store_fault(e->c, b, slot, &e->st[e->nst - 2], e->t);
	else
		ok = apply_unit_fault(e->c, b, slot, (d->props & P_STORE) ? &e->st[e->nst - 1].val : &val, e->t);
	*v = val;
	return ok ? true : atom_detected(e, d, 0, FP_UNIT, "unit result check failed");
}

/* A single-pass bundle's result lands as soon as it is computed; the
 * common cases inline (no poison to clear: faults are not armed). */
CHIP_INLINE void land(struct bundle_exec *e, const struct datom *d, uint32_t v)
{
	struct chip *c = e->c;
	if (d->wb == WB_REG) {
		c->r[d->rd] = v;
		c->ready[d->rd] = e->t + d->lat;
		c->pending |= d->pend;
	} else if (d->wb == WB_REG_FLAGS && d->lat == 1) {
		c->r[R_FLAGS] = e->newflags;
		c->ready[R_FLAGS] = e->t + 1;
		if (d->rd != R_ZERO) {
			c->r[d->rd] = v;
			c->ready[d->rd] = e->t + 1;
		}
	} else if (d->wb == WB_FP) {
		/* the FPU atom wrote its register in place (chip_fpu_atom) */
		c->fready[d->rd] = e->t + d->lat;
		c->fpending |= (uint16_t)(1u << d->rd);
	} else {
		/* a single-pass bundle: no earlier atom wrote what this one read */
		if (d->wb == WB_LDP)
			record_alias(c, d);
		write_back(c, d, v, e->newflags, e->t, e->dextra);
	}
}

/* execute: every atom reads the registers as they were before the bundle,
 * decides, and faults before any x86-visible write.  A bundle in which no
 * atom reads what an earlier atom of it writes (`fast`: the usual case)
 * writes each result at once; the others keep them in res until retire.
 * The dispatch is generated from isa.def: each row's case runs its body. */
CHIP_INLINE bool execute(struct bundle_exec *e, bool fast, uint32_t *res)
{
	struct chip *c = e->c;
	const struct dbundle *b = e->bundle;
	const uint32_t *r = c->r;
	for (unsigned i = 0; i < b->n; i++) {
		const struct datom *d = &b->a[i];
		uint32_t av = r[d->ra];
		uint32_t bv = d->use_imm ? d->imm : r[d->rb];
		uint32_t v = 0;
		COSIM(cosim_cur.s[i].dextra_in = e->dextra);
		switch ((enum atom_op)d->op) {
#define ATOM(name, mn, fmt, unit, lat, props, body, doc) \
		case OP_##name: if (!atom_##body(e, d, OP_##name, av, bv, &v)) return false; break;
#include "native-isa/isa.def"
#undef ATOM
		case OP_COUNT: break;
		}
		/* the result as computed, before an injected unit fault changes it */
		COSIM(cosim_cur.s[i].v = v; cosim_cur.s[i].flags = e->newflags;
		      cosim_cur.s[i].extra = e->dextra - cosim_cur.s[i].dextra_in);
		if (c->faults_armed && !unit_fault_check(e, d, &v))
			return false;
		if (fast)
			land(e, d, v);
		else
			res[i] = v;
	}
	return true;
}

/* The bundle's stores join the gated store buffer (released by commit). */
CHIP_INLINE void buffer_stores(struct chip *c, const struct pending_store *st, unsigned nst, unsigned atoms,
				struct hot_counters *hot)
{
	for (unsigned i = 0; i < nst; i++) {
		c->sb[c->sb_n++] = (struct sb_entry){st[i].addr, st[i].val, st[i].size};
		if (st[i].addr < c->sb_lo)
			c->sb_lo = st[i].addr;
		if (st[i].addr + st[i].size > c->sb_hi)
			c->sb_hi = st[i].addr + st[i].size;
	}
	hot->stores += atoms;
	if (c->sb_n > c->cnt[CNT_sb_high_water])
		c->cnt[CNT_sb_high_water] = c->sb_n;
}

/* retire: the bundle is counted, results that waited for the whole bundle
 * land, stores are buffered, commit, and the cycle moves on (load misses,
 * taken-branch bubbles).  true, with *ex filled, when an exit atom leaves
 * native code. */
CHIP_INLINE bool retire(struct bundle_exec *e, bool fast, const uint32_t *res, uint64_t *now)
{
	struct chip *c = e->c;
	const struct dbundle *b = e->bundle;
	struct hot_counters *hot = e->hot;
	hot->bundles++;
	hot->atoms += b->n;
	hot->nops += b->nops;
	c->dexecs[b->slot]++;  /* its atoms by class and register traffic, folded later */
	if (c->walk_bundle) {  /* the walks' part of dextra is stall_tlb */
		hot->stall_tlb += c->walk_bundle;
		hot->stall_dcache -= c->walk_bundle;
		c->walk_bundle = 0;
	}
	hot->stall_dcache += e->dextra;
	if (!fast) {
		for (unsigned i = 0; b->ldps && i < b->n; i++)
			if (b->a[i].wb == WB_LDP)
				record_alias(c, &b->a[i]);
		for (unsigned i = 0; i < b->n; i++)
			write_back(c, &b->a[i], res[i], e->newflags, e->t, e->dextra);
		if (c->reg_stuck)
			chip_apply_reg_stuck(c);
	}
	if (c->fnew_mask)
		chip_fpu_retire(c);
	if (e->nst)
		buffer_stores(c, e->st, e->nst, b->stores, hot);
	if (e->do_commit) {
		COSIM(cosim_release(c));
		c->cnt[CNT_commits]++;
		chip_commit(c);
	}
	*now = e->t + 1 + e->dextra;
	if (e->taken) {
		*now += c->branch_penalty;
		hot->stall_branch += c->branch_penalty;
		if (!e->do_exit)
			hot->taken++;
	}
	if (!e->do_exit)
		return false;
	flush_hot(c, hot, *now);
	c->cnt[CNT_exits]++;
	memset(e->ex, 0, sizeof *e->ex);
	e->ex->reason = CHIP_EXIT_FIRMWARE;
	e->ex->pc = b->pc;
	e->ex->next_pc = b->next_pc;
	e->ex->code = e->exit_code;
	return true;
}

/* A single-pass bundle that faulted had landed the atoms before the
 * faulting one: their registers' ready times go back to the issue cycle t
 * (their own were no later: the bundle waited for its destinations), as
 * if nothing of the bundle had been written.  Found by the RTL lockstep: a
 * landed latency-1 result left its register due a cycle after the fault,
 * a longer one left it pending on a write that never happened. */
static void unland(struct chip *c, const struct dbundle *b, uint64_t t)
{
	for (uint64_t m = b->dst_mask & ~reg_bit(R_ZERO); m; m &= m - 1) {
		unsigned r = (unsigned)__builtin_ctzll(m);
		if (c->ready[r] > t)
			c->ready[r] = t;
		c->pending &= ~reg_bit(r);
	}
	for (unsigned m = b->fdst_mask; m; m &= m - 1) {
		unsigned f = (unsigned)__builtin_ctz(m);
		if (c->fready[f] > t)
			c->fready[f] = t;
	}
}

void chip_run(struct chip *c, uint32_t pc, struct chip_exit *ex)
{
	chip_run_bounded(c, pc, ex, UINT64_MAX);
}

void chip_run_bounded(struct chip *c, uint32_t pc, struct chip_exit *ex, uint64_t budget)
{
	uint64_t now = c->cnt[CNT_cycles];
	uint64_t limit = c->cfg.max_cycles ? (uint64_t)c->cfg.max_cycles : UINT64_MAX;
	if (budget < limit - now)
		limit = now + budget;
	struct hot_counters hot = {0};
	uint32_t res[ISA_MAX_BUNDLE];
	struct pending_store st[2 * ISA_MAX_BUNDLE];
	struct bundle_exec e = {.c = c, .ex = ex, .hot = &hot, .st = st};

	if (c->reg_stuck)
		chip_apply_reg_stuck(c);   /* the firmware wrote registers */
	COSIM(cosim_enter(c, pc));
	/* the loop stops at the cycle limit or at the next scheduled fault */
	uint64_t stop = limit < c->next_fault ? limit : c->next_fault;
	for (;;) {
		if (__builtin_expect(now >= stop, 0)) {
			if (now < limit) {
				chip_fault_fire(c, now);
				stop = limit < c->next_fault ? limit : c->next_fault;
				continue;
			}
			memset(ex, 0, sizeof *ex);
			ex->reason = CHIP_EXIT_CYCLE_LIMIT;
			ex->pc = ex->next_pc = pc;
			flush_hot(c, &hot, now);
			return;
		}
		uint64_t t = now;
		COSIM(memset(&cosim_cur.s, 0, sizeof cosim_cur.s); cosim_cur.pc = pc; cosim_cur.start = now);
		const struct dbundle *b = fetch(c, pc, &t, ex);
		COSIM(cosim_cur.fetched = cosim_cur.issued = t);
		if (!b || !issue(c, b, &hot, &t, ex)) {
			now = t;
			break;
		}
		COSIM(cosim_cur.issued = t);
		const bool fast = b->single_pass && !c->faults_armed;
		begin(&e, b, t);
		e.fast = fast;
		if (!execute(&e, fast, res)) {
			now = e.t;
			if (fast)
				unland(c, b, e.t);
			break;
		}
		if (retire(&e, fast, res, &now)) {
			COSIM(cosim_step(c, pc, ex, ex->next_pc, now));
			return;
		}
		COSIM(cosim_step(c, pc, NULL, e.target, now));
		pc = e.target;
	}
	/* a fault: nothing of the bundle was written (nor its time counted);
	 * back to the last commit */
	c->walk_bundle = 0;
	flush_hot(c, &hot, now);
	chip_count_rollback(c, rollback_cause(ex->reason));
	chip_do_rollback(c);
	COSIM(cosim_step(c, pc, ex, 0, now));
}
