/* hw-sim/core.c — the pipeline: fetch bundles through the L1I, decode them
 * (cached), check them against the enabled units, wait for operands
 * (scoreboard), execute every atom reading the registers as they were
 * before the bundle, then write results, buffer stores, commit and branch.
 *
 * Timing of one bundle, in order:
 *   fetch   : each new L1I line the bundle touches is accessed; a miss
 *             stalls for its cycles (stall_icache)
 *   operands: the bundle issues when every register it reads or writes is
 *             ready (stall_operand)
 *   issue   : 1 cycle; results become ready `latency` cycles later
 *   loads   : an L1D miss blocks the pipeline for its cycles (stall_dcache)
 *             and the value arrives l1d.latency cycles after that
 *   branch  : a taken branch, jump or exit adds core.branch_penalty
 *             bubble cycles (stall_branch)
 * Faults are detected before anything of the bundle is written; the chip
 * then rolls back to the last commit and returns to the firmware. */
#include "hw-sim/chip_priv.h"
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

static void invalidate_page(struct chip *c, uint32_t page)
{
	uint32_t lo = page << PAGE_SHIFT, hi = lo + (1u << PAGE_SHIFT);
	/* bundles starting in this page, and bundles of the page before that run into it */
	uint32_t from = lo >= ISA_MAX_BUNDLE * ISA_ATOM_BYTES ? lo - ISA_MAX_BUNDLE * ISA_ATOM_BYTES : 0;
	for (uint32_t a = from; a < hi; a += ISA_ATOM_BYTES) {
		struct dbundle *b = dslot(c, a);
		if (b->pc != DB_INVALID && b->pc < hi && b->pc + (uint32_t)b->n * ISA_ATOM_BYTES > lo)
			b->pc = DB_INVALID;
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

/* Decode the bundle at pc into b.  Returns -1 if pc is outside memory. */
static int decode_bundle(struct chip *c, uint32_t pc, struct dbundle *b)
{
	memset(b, 0, offsetof(struct dbundle, a));
	b->pc = DB_INVALID;
	if (pc & (ISA_ATOM_BYTES - 1)) {
		b->illegal = "bundle address not atom-aligned";
	}
	unsigned n = 0, loads = 0;
	bool hazard = false;
	for (;;) {
		uint32_t at = pc + n * ISA_ATOM_BYTES;
		if (at < pc || at > c->mem_size - ISA_ATOM_BYTES) {
			if (n == 0)
				return -1;
			b->illegal = "bundle runs past the end of memory";
			break;
		}
		uint64_t w = 0;
		for (int k = 7; k >= 0; k--)
			w = w << 8 | c->mem[at + (unsigned)k];
		if (c->l1i.nfaults) {
			w ^= cache_fault_mask(&c->l1i, at, 4);
			w ^= (uint64_t)cache_fault_mask(&c->l1i, at + 4, 4) << 32;
		}
		struct atom a;
		struct datom *d = &b->a[n];
		n++;
		if (isa_decode(w, &a) < 0) {
			if (!b->illegal)
				b->illegal = "undecodable atom";
			d->op = OP_NOP;
			d->unit = U_NONE;
			a.stop = (w >> 7) & 1;
		} else {
			const struct isa_op_info *oi = &isa_ops[a.op];
			unsigned f = isa_fmt_fields(oi->fmt);
			d->op = a.op;
			d->rd = a.rd;
			d->ra = a.ra;
			d->rb = a.rb;
			d->x = a.x;
			d->use_imm = a.use_imm;
			d->imm = a.imm;
			d->unit = (uint8_t)oi->unit;
			d->props = oi->props;
			d->lat = (uint8_t)(c->lat[oi->lat] > 255 ? 255 : c->lat[oi->lat]);
			d->xf = (uint8_t)isa_atom_xf(a.op);
			if (a.op == OP_LDP)
				d->wb = WB_LDP;
			else if (a.op == OP_WRCR)
				d->wb = WB_WRCR;
			else if ((f & FLD_RD) && (oi->props & P_WFLAGS))
				d->wb = WB_REG_FLAGS;
			else if ((f & FLD_RD) && a.rd != R_ZERO && !(oi->props & P_LOAD))
				d->wb = WB_REG;
			else if (f & FLD_RD)
				d->wb = WB_OTHER;
			else
				d->wb = WB_NONE;
			d->pend = d->lat > 1 ? reg_bit(a.rd) : 0;
			if (oi->unit < U_COUNT)
				b->class_count[oi->unit]++;
			if (a.op == OP_NOP)
				b->nops++;
			/* registers read: ra, rb unless it is an immediate or ldp's alias
			 * entry, and the implicit FLAGS / EDX */
			uint64_t srcs = 0;
			if (f & FLD_RA)
				srcs |= reg_bit(a.ra);
			if (((f & FLD_RB) || ((f & FLD_B) && !a.use_imm)) && oi->fmt != F_LDP)
				srcs |= reg_bit(a.rb);
			if (oi->props & P_RFLAGS)
				srcs |= reg_bit(R_FLAGS);
			if (oi->props & P_REDX)
				srcs |= reg_bit(R_EDX);
			if (oi->fmt == F_LDP && a.rb >= c->alias_entries && !b->illegal)
				b->illegal = "protected load names an alias entry the chip does not have";
			if (srcs & b->dst_mask & ~reg_bit(R_ZERO))
				hazard = true;  /* reads a register an earlier atom of the bundle writes */
			b->src_mask |= srcs;
			if (a.op == OP_WRCR || a.op == OP_RDCR)
				hazard = true;  /* control registers: keep the two-pass order */
			loads += (oi->props & P_LOAD) != 0;
			uint64_t dst = 0;
			if ((f & FLD_RD) && a.rd != R_ZERO)
				dst |= reg_bit(a.rd);
			if (oi->props & P_WFLAGS)
				dst |= reg_bit(R_FLAGS);
			if ((dst & b->dst_mask) && !b->illegal)
				b->illegal = "two atoms write the same register";
			b->dst_mask |= dst;
			if (oi->fmt == F_RDCR || oi->fmt == F_WRCR) {
				uint32_t v;
				bool ok = oi->fmt == F_WRCR ? isa_cr_writable(a.imm) : chip_read_cr(c, a.imm, &v) == 0;
				if (!ok && !b->illegal)
					b->illegal = "unknown or read-only control register";
			}
		}
		if (a.stop)
			break;
		if (n == ISA_MAX_BUNDLE) {
			if (!b->illegal)
				b->illegal = "no stop bit within 16 atoms";
			break;
		}
	}
	b->src_mask &= ~reg_bit(R_ZERO);
	/* machine checks against the enabled units (a mask change drops every
	 * decoded bundle: set_unit_mask) */
	if (!b->illegal && n > c->issue_width)
		b->illegal = "more atoms than core.issue_width";
	for (int u = 0; u < U_COUNT && !b->illegal; u++)
		if (b->class_count[u] > c->units_enabled[u])
			b->illegal = "more atoms of a unit class than enabled units";
	/* one pass is the two-pass result when no atom reads an earlier atom's
	 * result and at most one load's miss time is in play */
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
static uint32_t load_value(struct chip *c, uint32_t addr, unsigned size)
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

/* Guest page table check (control register PAGEMAP): 0 = allowed,
 * 1 = not mapped / not writable, 2 = store to a protected page. */
static inline int guest_page_check(const struct chip *c, uint32_t addr, unsigned size, bool store)
{
	if (!c->pagemap)
		return 0;
	uint32_t p1 = addr >> ISA_PAGE_SHIFT, p2 = (addr + size - 1) >> ISA_PAGE_SHIFT;
	uint8_t need = (uint8_t)(ISA_PM_MAPPED | (store ? ISA_PM_WRITE : 0));
	for (uint32_t p = p1; p <= p2; p++) {
		if (p >= c->pagemap_pages)
			return 1;
		uint8_t b = c->mem[c->pagemap + p];
		if ((b & need) != need)
			return 1;
		if (store && (b & ISA_PM_PROTECT))
			return 2;
	}
	return 0;
}

/* May a load/store of kind x touch [addr, addr+size)?  CHIP_EXIT_FIRMWARE
 * means yes; otherwise the fault it raises (memory fault, or a store into a
 * protected page). */
static inline enum chip_exit_reason access_check(const struct chip *c, unsigned x, uint32_t addr, unsigned size, bool store)
{
	uint32_t lim = (x & MX_HIDDEN) ? c->mem_size : c->guest_limit;
	if (addr > lim || size > lim - addr)
		return CHIP_EXIT_MEMORY_FAULT;
	if (x & MX_HIDDEN)
		return CHIP_EXIT_FIRMWARE;
	switch (guest_page_check(c, addr, size, store)) {
	case 0: return CHIP_EXIT_FIRMWARE;
	case 2: return CHIP_EXIT_PROTECTION;
	default: return CHIP_EXIT_MEMORY_FAULT;
	}
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

struct pending_store { uint32_t addr, val; uint8_t size; };

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

/* An armed unit fault on the unit executing `slot`: XOR its result.
 * Returns false when detection hardware catches it. */
static bool apply_unit_fault(struct chip *c, const struct dbundle *b, unsigned slot, uint32_t *v)
{
	if (b->a[slot].unit >= U_COUNT)
		return true;
	unsigned idx = unit_index(c, b, slot);
	for (int i = 0; i < MAX_UNIT_FAULTS; i++) {
		struct unit_fault *f = &c->unit_faults[i];
		if (!f->armed || f->cls != b->a[slot].unit || f->index != idx)
			continue;
		*v ^= f->mask;
		c->cnt[CNT_faults_injected]++;
		if (!f->stuck)
			f->armed = false;
		chip_update_faults_armed(c);
		if (c->cfg.detect_unit)
			return false;
	}
	return true;
}

/* The hottest counters live in locals while native code runs and reach
 * c->cnt at every way out (and before a control-register read of them). */
struct hot_counters {
	uint64_t bundles, atoms, nops, stall_operand, stall_dcache, stall_branch, taken, stores;
};

static void flush_hot(struct chip *c, struct hot_counters *h, uint64_t now)
{
	c->cnt[CNT_bundles] += h->bundles;
	c->cnt[CNT_atoms] += h->atoms;
	c->cnt[CNT_nops] += h->nops;
	c->cnt[CNT_empty_slots] += h->bundles * c->issue_width - h->atoms;  /* the width is fixed */
	c->cnt[CNT_stall_operand] += h->stall_operand;
	c->cnt[CNT_stall_dcache] += h->stall_dcache;
	c->cnt[CNT_stall_branch] += h->stall_branch;
	c->cnt[CNT_taken_branches] += h->taken;
	c->cnt[CNT_stores] += h->stores;
	c->cnt[CNT_cycles] = now;
	memset(h, 0, sizeof *h);
}

/* The result of one atom reaches its register (and FLAGS), with the
 * cycle it becomes ready: issue cycle + latency (+ the bundle's cache-miss
 * time for loads). */
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
	case WB_WRCR:
		chip_write_cr(c, d->imm, r[d->ra]);
		return;
	case WB_LDP: {
		uint32_t addr = r[d->ra] + d->imm;
		c->alias[d->rb] = (struct alias_entry){addr, addr + mx_size[d->x & MX_KIND_MASK]};
		c->alias_valid |= 1ull << d->rb;
		break;
	}
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

void chip_run(struct chip *c, uint32_t pc, struct chip_exit *ex)
{
	uint64_t now = c->cnt[CNT_cycles];
	struct hot_counters hot = {0};
	const uint64_t limit = c->cfg.max_cycles ? (uint64_t)c->cfg.max_cycles : UINT64_MAX;
	uint32_t *r = c->r;
	uint32_t res[ISA_MAX_BUNDLE], newflags = 0;
	struct pending_store st[ISA_MAX_BUNDLE];
	const unsigned line_shift = c->l1i.line_shift;

	for (;;) {
		if (now >= limit) {
			memset(ex, 0, sizeof *ex);
			ex->reason = CHIP_EXIT_CYCLE_LIMIT;
			ex->pc = ex->next_pc = pc;
			break;
		}
		struct dbundle *b = dslot(c, pc);
		if (b->pc != pc && decode_bundle(c, pc, b) < 0) {
			memset(ex, 0, sizeof *ex);
			ex->reason = CHIP_EXIT_MEMORY_FAULT;
			ex->pc = ex->addr = pc;
			ex->detail = "instruction fetch outside physical memory";
			goto rollback;
		}

		/* fetch: the fetch buffer holds one L1I line */
		uint64_t t = now;
		if (b->first_line != c->fetch_line || b->last_line != c->fetch_line) {
			for (uint32_t line = b->first_line; line <= b->last_line; line++) {
				if (line != c->fetch_line) {
					unsigned extra = cache_access_fast(&c->l1i, line << line_shift, false);
					c->fetch_line = line;
					t += extra;
					c->cnt[CNT_stall_icache] += extra;
				}
			}
		}

		/* machine checks (decode_bundle found them) */
		if (b->illegal) {
			now = t;
			fault(ex, CHIP_EXIT_ILLEGAL_BUNDLE, b, 0);
			ex->detail = b->illegal;
			goto rollback;
		}

		/* scoreboard: wait for sources and pending writes of destinations */
		uint64_t wait = t;
		for (uint64_t m = (b->src_mask | b->dst_mask) & c->pending; m; m &= m - 1) {
			unsigned reg = (unsigned)__builtin_ctzll(m);
			uint64_t rdy = c->ready[reg];
			if (rdy > wait)
				wait = rdy;
			else if (rdy <= t)
				c->pending &= ~reg_bit(reg);  /* ready now: forget it */
		}
		hot.stall_operand += wait - t;
		t = wait;
		if (c->faults_armed && (c->reg_poison & b->src_mask)) {
			now = t;
			detected(c, ex, b, 0, 0, FP_REGISTER, "register parity error");
			goto rollback;
		}

		/* execute: read everything, decide everything, fault before any
		 * x86-visible write.  A bundle in which no atom reads what an
		 * earlier atom of it writes (the usual case) writes each result at
		 * once; the others keep the results until every atom has read. */
		const bool fast = b->single_pass && !c->faults_armed;
		uint32_t flags_in = r[R_FLAGS];
		unsigned nst = 0, dextra = 0;
		uint32_t target = b->next_pc;
		bool taken = false, do_exit = false, do_commit = false;
		uint32_t exit_code = 0;
		for (unsigned i = 0; i < b->n; i++) {
			const struct datom *d = &b->a[i];
			uint32_t av = r[d->ra];
			uint32_t bv = d->use_imm ? d->imm : r[d->rb];
			uint32_t v = 0;
			switch ((enum atom_op)d->op) {
			case OP_ADD: v = av + bv; break;
			case OP_SUB: v = av - bv; break;
			case OP_AND: v = av & bv; break;
			case OP_OR: v = av | bv; break;
			case OP_XOR: v = av ^ bv; break;
			case OP_SHL: v = av << (bv & 31); break;
			case OP_SHR: v = av >> (bv & 31); break;
			case OP_SAR: v = (uint32_t)((int32_t)av >> (bv & 31)); break;
			case OP_ROL: v = rotl32(av, bv); break;
			case OP_ROR: v = rotl32(av, 32 - (bv & 31)); break;
			case OP_SEQ: v = av == bv; break;
			case OP_SNE: v = av != bv; break;
			case OP_SLT: v = (int32_t)av < (int32_t)bv; break;
			case OP_SLTU: v = av < bv; break;
			case OP_MOV: v = bv; break;
			case OP_LEA: v = av + (r[d->rb] << d->x) + d->imm; break;
			case OP_EXTU: case OP_EXTS: {
				unsigned pos = d->imm & 0xff, len = (d->imm >> 8) & 0xff;
				v = len == 32 ? av : (av >> pos) & ((1u << len) - 1);
				if (d->op == OP_EXTS && len < 32 && (v >> (len - 1) & 1))
					v |= ~((1u << len) - 1);
				break;
			}
			case OP_DEP: {
				unsigned pos = d->imm & 0xff, len = (d->imm >> 8) & 0xff;
				uint32_t fm = (len == 32 ? 0xffffffffu : (1u << len) - 1) << pos;
				v = (av & ~fm) | ((r[d->rb] << pos) & fm);
				break;
			}
			case OP_BSWAP: v = __builtin_bswap32(av); break;
			case OP_CLZ: v = av ? (uint32_t)__builtin_clz(av) : 32; break;
			case OP_CTZ: v = av ? (uint32_t)__builtin_ctz(av) : 32; break;
			case OP_SEL: v = xf_cond_inline(d->x, flags_in) ? av : bv; break;
			case OP_SETC: v = xf_cond_inline(d->x, flags_in); break;
			case OP_ADDF: case OP_ADCF: case OP_SUBF: case OP_SBBF: case OP_ANDF: case OP_ORF:
			case OP_XORF: case OP_INCF: case OP_DECF: case OP_NEGF: case OP_SHLF: case OP_SHRF:
			case OP_SARF: case OP_ROLF: case OP_RORF: case OP_RCLF: case OP_RCRF: case OP_MULF:
			case OP_IMULF:
				/* an immediate count follows x86's immediate-form rules (C0/C1 rotates) */
				v = d->use_imm ? xf_eval_imm_inline((enum xf_op)d->xf, isa_width_bytes(d->x), av, bv,
								    flags_in, &newflags)
					       : xf_eval_inline((enum xf_op)d->xf, isa_width_bytes(d->x), av, bv,
								flags_in, &newflags);
				break;
			case OP_MUL: v = av * bv; break;
			case OP_MULHU: v = (uint32_t)(((uint64_t)av * bv) >> 32); break;
			case OP_MULHS: v = (uint32_t)((uint64_t)((int64_t)(int32_t)av * (int32_t)bv) >> 32); break;
			case OP_DIVU: case OP_REMU:
				if (!bv) {
					fault(ex, CHIP_EXIT_DIVIDE_FAULT, b, i);
					goto fault_out;
				}
				v = d->op == OP_DIVU ? av / bv : av % bv;
				break;
			case OP_DIVS: case OP_REMS:
				if (!bv || (av == 0x80000000u && bv == 0xffffffffu)) {
					fault(ex, CHIP_EXIT_DIVIDE_FAULT, b, i);
					goto fault_out;
				}
				v = d->op == OP_DIVS ? (uint32_t)((int32_t)av / (int32_t)bv)
						     : (uint32_t)((int32_t)av % (int32_t)bv);
				break;
			case OP_XDIVU: case OP_XREMU: case OP_XDIVS: case OP_XREMS: {
				/* x86 DIV/IDIV r/m32 on EDX:EAX (Intel SDM vol. 2) */
				uint64_t n = (uint64_t)r[R_EDX] << 32 | av;
				bool ok = bv != 0;
				if (ok && (d->op == OP_XDIVU || d->op == OP_XREMU)) {
					ok = n / bv <= 0xffffffffull;
					if (ok)
						v = d->op == OP_XDIVU ? (uint32_t)(n / bv) : (uint32_t)(n % bv);
				} else if (ok) {
					int64_t sn = (int64_t)n, sd = (int32_t)bv;
					ok = !(sd == -1 && sn == INT64_MIN);
					int64_t q = ok ? sn / sd : 0;
					ok = ok && q >= INT32_MIN && q <= INT32_MAX;
					if (ok)
						v = d->op == OP_XDIVS ? (uint32_t)q : (uint32_t)(sn % sd);
				}
				if (!ok) {
					fault(ex, CHIP_EXIT_DIVIDE_FAULT, b, i);
					goto fault_out;
				}
				break;
			}
			case OP_LD: case OP_LDP: {
				uint32_t addr = av + d->imm;
				unsigned size = mx_size[d->x & MX_KIND_MASK];
				enum chip_exit_reason why = access_check(c, d->x, addr, size, false);
				if (why != CHIP_EXIT_FIRMWARE) {
					fault(ex, why, b, i);
					ex->addr = addr;
					goto fault_out;
				}
				if (c->faults_armed && c->n_mem_poison && chip_mem_poisoned(c, addr, size)) {
					detected(c, ex, b, i, addr, FP_MEMORY, "memory ECC error");
					goto fault_out;
				}
				v = load_value(c, addr, size);
				if (c->l1d.nfaults && cache_probe(&c->l1d, addr)) {
					uint32_t fm = cache_fault_mask(&c->l1d, addr, size);
					if (fm && c->cfg.detect_cache) {
						detected(c, ex, b, i, addr, FP_CACHE, "L1D parity error");
						goto fault_out;
					}
					v ^= fm;
				}
				v = extend(v, d->x & MX_KIND_MASK);
				dextra += l1d_access(c, addr, size, false);
				c->cnt[CNT_loads]++;
				break;
			}
			case OP_ST: case OP_STAM: {
				uint32_t addr = av + d->imm;
				unsigned size = mx_size[d->x & MX_KIND_MASK];
				enum chip_exit_reason why = access_check(c, d->x, addr, size, true);
				if (why != CHIP_EXIT_FIRMWARE) {
					fault(ex, why, b, i);
					ex->addr = addr;
					goto fault_out;
				}
				if (d->op == OP_STAM) {
					for (uint64_t am = c->alias_valid; am; am &= am - 1) {
						const struct alias_entry *e = &c->alias[__builtin_ctzll(am)];
						if (addr < e->hi && addr + size > e->lo) {
							c->cnt[CNT_alias_faults]++;
							fault(ex, CHIP_EXIT_ALIAS_FAULT, b, i);
							ex->addr = addr;
							goto fault_out;
						}
					}
				}
				if (c->sb_n + nst == c->sb_cap) {
					fault(ex, CHIP_EXIT_SB_OVERFLOW, b, i);
					ex->addr = addr;
					goto fault_out;
				}
				v = r[d->rb];
				if (size < 4)
					v &= (1u << (8 * size)) - 1;
				st[nst++] = (struct pending_store){addr, v, (uint8_t)size};
				break;
			}
			case OP_BR:
				if (!taken) { taken = true; target = b->pc + d->imm; }
				break;
			case OP_BC:
				if (!taken && xf_cond_inline(d->x, flags_in)) { taken = true; target = b->pc + d->imm; }
				break;
			case OP_BZ:
				if (!taken && av == 0) { taken = true; target = b->pc + d->imm; }
				break;
			case OP_BNZ:
				if (!taken && av != 0) { taken = true; target = b->pc + d->imm; }
				break;
			case OP_JAL:
				v = b->next_pc;
				if (!taken) { taken = true; target = b->pc + d->imm; }
				break;
			case OP_JR:
				if (!taken) { taken = true; target = av; }
				break;
			case OP_EXIT:
				if (!taken) { taken = true; do_exit = true; exit_code = d->imm; }
				break;
			case OP_COMMIT: do_commit = true; break;
			case OP_RDCR:
				flush_hot(c, &hot, t);
				chip_read_cr(c, d->imm, &v);
				break;
			case OP_WRCR: case OP_NOP: case OP_COUNT: break;
			}
			if (c->faults_armed && !apply_unit_fault(c, b, i, (d->props & P_STORE) ? &st[nst - 1].val : &v)) {
				detected(c, ex, b, i, 0, FP_UNIT, "unit result check failed");
				goto fault_out;
			}
			if (!fast) {
				res[i] = v;
			} else if (d->wb == WB_REG) {
				/* the common cases inline (no poison to clear: faults
				 * are not armed) */
				r[d->rd] = v;
				c->ready[d->rd] = t + d->lat;
				c->pending |= d->pend;
			} else if (d->wb == WB_REG_FLAGS && d->lat == 1) {
				r[R_FLAGS] = newflags;
				c->ready[R_FLAGS] = t + 1;
				if (d->rd != R_ZERO) {
					r[d->rd] = v;
					c->ready[d->rd] = t + 1;
				}
			} else {
				write_back(c, d, v, newflags, t, dextra);
			}
		}

		/* issue */
		hot.bundles++;
		hot.atoms += b->n;
		hot.nops += b->nops;
		hot.stall_dcache += dextra;

		/* write back: every source has been read, so results can land in order */
		if (!fast)
			for (unsigned i = 0; i < b->n; i++)
				write_back(c, &b->a[i], res[i], newflags, t, dextra);
		if (nst) {
			for (unsigned i = 0; i < nst; i++) {
				c->sb[c->sb_n++] = (struct sb_entry){st[i].addr, st[i].val, st[i].size};
				if (st[i].addr < c->sb_lo)
					c->sb_lo = st[i].addr;
				if (st[i].addr + st[i].size > c->sb_hi)
					c->sb_hi = st[i].addr + st[i].size;
			}
			hot.stores += nst;
			if (c->sb_n > c->cnt[CNT_sb_high_water])
				c->cnt[CNT_sb_high_water] = c->sb_n;
		}
		if (do_commit) {
			c->cnt[CNT_commits]++;
			chip_commit(c);
		}
		now = t + 1 + dextra;
		if (taken) {
			now += c->branch_penalty;
			hot.stall_branch += c->branch_penalty;
			if (!do_exit)
				hot.taken++;
		}
		if (do_exit) {
			flush_hot(c, &hot, now);
			c->cnt[CNT_exits]++;
			memset(ex, 0, sizeof *ex);
			ex->reason = CHIP_EXIT_FIRMWARE;
			ex->pc = b->pc;
			ex->next_pc = b->next_pc;
			ex->code = exit_code;
			return;
		}
		pc = target;
		continue;

	fault_out:
		now = t;
		goto rollback;
	}
	flush_hot(c, &hot, now);
	return;

rollback:
	flush_hot(c, &hot, now);
	chip_count_rollback(c, rollback_cause(ex->reason));
	chip_do_rollback(c);
}
