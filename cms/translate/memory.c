/* cms/translate/memory.c — the scheduler's rules for memory (every
 * block) and for a region's speculation and side exits: memory
 * dependences, memory speculation with the alias hardware, and the order
 * the side exits need.
 *
 * Memory.  Every address is tracked symbolically as a root value plus a
 * constant (a register at the block's entry, or the result of an
 * operation; add/sub of an immediate and copies keep the root), so two
 * accesses from one root are compared exactly: disjoint ones need no
 * order, overlapping ones keep it (the store buffer forwards).  A load
 * and an earlier store of different roots may alias: in a basic block
 * the load stays after the store, a bundle later.  In a region, the first
 * core.alias_entries such loads of the region (in x86 order) may be
 * hoisted above those stores anyway: where the schedule does so, the load
 * becomes `ldp` with its entry (entries are numbered in x86 order) and
 * each store it passed `stam @n`, n the entry of the first such load after
 * the store, so the store checks exactly the loads that come after it and
 * a real overlap at run time is an alias fault that rolls the region back
 * (DESIGN.md contract 4; the firmware then retranslates without that
 * reordering, cms/reopt.c).  A protected load never shares a bundle with a
 * store it may alias: its entry is recorded when the bundle retires, too
 * late for a check in the same bundle.  Stores stay in order, and after
 * the loads before them.
 *
 * Side exits.  A side exit's stub commits, so at its branch everything
 * the x86 program did before it must have happened, and nothing of what
 * comes after may be visible: every effect before it (store, load that
 * may fault, flags, a fixed register, another branch) issues no later
 * than the branch, the values its stub copies are computed by then, and
 * after it come, a bundle later at least, every store, every write of a
 * fixed register, a divide, flag writes when the exit's target reads the
 * flags, and loads unless control speculation is on (a speculative load
 * that faults rolls the region back; the interpreter then finds out
 * whether the x86 program faults).  Everything else may move up across
 * it: the x86 registers live in temporaries (rename.c). */
#include "cms/translate/ir.h"

#include <stdlib.h>

struct maccess {
	unsigned k;          /* position in idx */
	struct ir_sym s;
	unsigned size, store;
};

/* An atom that changes the x87 state (its registers, status, control
 * word, stack, pointers; a read of a control register does not): the FPU
 * state is not renamed, so such an atom stays on its side of every side
 * exit. */
static int fpu_effect(const struct ir_op *o)
{
	return ir_x87_state(o) && o->op != OP_RDCR;
}

static int effectful(const struct ir_op *o)
{
	if ((isa_ops[o->op].props & (P_STORE | P_LOAD | P_WFLAGS | P_BRANCH | P_COMMIT | P_EXIT | P_DIV)) ||
	    fpu_effect(o))
		return 1;
	return o->dst != VREG_NONE && o->dst < VREG_TEMP && o->dst != R_ZERO;
}

void ir_sym_init(struct ir_sym *sym, unsigned nregs)
{
	for (unsigned r = 0; r < nregs; r++)
		sym[r] = (struct ir_sym){r, VREG_NONE, 0, 0};
}

void ir_sym_def(struct ir_sym *sym, const struct ir_op *o, unsigned i)
{
	if (o->dst == VREG_NONE || o->dst == R_ZERO)
		return;
	struct ir_sym d = {0x10000u + i, VREG_NONE, 0, 0};
	const struct ir_sym *a = &sym[o->a == VREG_NONE ? R_ZERO : o->a];
	const struct ir_sym *x = o->op == OP_LEA ? &sym[o->b] : NULL;
	if (o->op == OP_ADD && o->use_imm)
		d = (struct ir_sym){a->root, a->iroot, a->scale, a->off + o->imm};
	else if (o->op == OP_SUB && o->use_imm)
		d = (struct ir_sym){a->root, a->iroot, a->scale, a->off - o->imm};
	else if (o->op == OP_MOV && !o->use_imm && o->b != VREG_NONE)
		d = sym[o->b];
	else if (x && o->b == R_ZERO)
		d = (struct ir_sym){a->root, a->iroot, a->scale, a->off + o->imm};
	else if (x && a->iroot == VREG_NONE && x->iroot == VREG_NONE)
		d = (struct ir_sym){a->root, x->root, o->x, a->off + (x->off << o->x) + o->imm};
	sym[o->dst] = d;
}

struct ir_sym ir_sym_addr(const struct ir_sym *sym, const struct ir_op *o)
{
	struct ir_sym s = sym[o->a == VREG_NONE ? R_ZERO : o->a];
	s.off += o->imm;
	return s;
}

int ir_sym_same_root(const struct ir_sym *a, const struct ir_sym *b)
{
	return a->root == b->root && a->iroot == b->iroot && (a->iroot == VREG_NONE || a->scale == b->scale);
}

int ir_sym_overlap(const struct ir_sym *a, unsigned asize, const struct ir_sym *b, unsigned bsize)
{
	/* modulo 2^32, as the chip's addresses */
	return (uint32_t)(b->off - a->off) < asize || (uint32_t)(a->off - b->off) < bsize;
}

unsigned ir_mx_bytes(unsigned x)
{
	unsigned k = x & MX_KIND_MASK;
	return k == MX_32 ? 4 : (k == MX_U16 || k == MX_S16) ? 2 : 1;
}

/* memory: disambiguation, speculation candidates, edges */
static int memory_edges(struct ir_block *b, const struct ir_machine *mc, const unsigned *idx, unsigned n,
			struct ir_edge **e, unsigned *ne, unsigned *cap)
{
	unsigned nregs = VREG_TEMP + b->ntemps;
	struct ir_sym *sym = malloc(nregs * sizeof *sym);
	struct maccess *ma = malloc((n + 1) * sizeof *ma);
	int rc = -1;
	if (!sym || !ma)
		goto out;
	ir_sym_init(sym, nregs);
	unsigned nm = 0;
	for (unsigned k = 0; k < n; k++) {
		struct ir_op *o = &b->ops[idx[k]];
		unsigned props = isa_ops[o->op].props;
		o->spec = 0;
		if ((props & (P_LOAD | P_STORE)) && !(o->x & MX_HIDDEN))
			ma[nm++] = (struct maccess){k, ir_sym_addr(sym, o), ir_mx_bytes(o->x), (props & P_STORE) != 0};
		ir_sym_def(sym, o, idx[k]);
	}
	/* the loads that may pass stores they may alias: the first ones (a
	 * region's; a block's keep their order) */
	unsigned entries = 0, max_entries = b->region ? mc->alias_entries : 0;
	for (unsigned q = 0; q < nm && entries < max_entries; q++) {
		if (ma[q].store)
			continue;
		struct ir_op *l = &b->ops[idx[ma[q].k]];
		int may = 0;
		for (unsigned p = 0; p < q && !may; p++)
			may = ma[p].store && !ir_sym_same_root(&ma[p].s, &ma[q].s) && !(b->ops[idx[ma[p].k]].pin & PIN_NO_PASS);
		if (may) {
			l->spec = 1;
			l->alias = (uint8_t)entries++;
		}
	}
	b->npairs = 0;
	int last_store = -1;
	for (unsigned q = 0; q < nm; q++) {
		unsigned to = idx[ma[q].k];
		for (unsigned p = 0; p < q; p++) {
			unsigned from = idx[ma[p].k];
			int same = ir_sym_same_root(&ma[p].s, &ma[q].s);
			if (same && !ir_sym_overlap(&ma[p].s, ma[p].size, &ma[q].s, ma[q].size))
				continue;
			if (ma[q].store) {
				/* after the earlier loads (it may share their bundle) */
				if (!ma[p].store && ir_add_edge(e, ne, cap, from, to, 0) < 0)
					goto out;
				continue;
			}
			if (!ma[p].store)
				continue;
			if (!same && b->ops[to].spec && !(b->ops[from].pin & PIN_NO_PASS) && b->npairs < IR_MAX_PAIRS) {
				b->pairs[b->npairs][0] = (uint16_t)from;
				b->pairs[b->npairs++][1] = (uint16_t)to;
				continue;
			}
			if (ir_add_edge(e, ne, cap, from, to, 1) < 0)
				goto out;
		}
		if (ma[q].store) {
			if (last_store >= 0 && ir_add_edge(e, ne, cap, (unsigned)last_store, to, 1) < 0)
				goto out;
			last_store = (int)to;
		}
	}
	rc = 0;
out:
	free(sym);
	free(ma);
	return rc;
}

static int side_edges(struct ir_block *b, const struct ir_machine *mc, const unsigned *idx, unsigned n,
		      struct ir_edge **e, unsigned *ne, unsigned *cap)
{
	int *lastdef = malloc((VREG_TEMP + b->ntemps) * sizeof *lastdef);
	if (!lastdef)
		return -1;
	for (unsigned r = 0; r < VREG_TEMP + b->ntemps; r++)
		lastdef[r] = -1;
	int prev = -1, flag_side = -1, rc = -1;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = idx[k];
		const struct ir_op *o = &b->ops[i];
		unsigned props = isa_ops[o->op].props;
		if (prev >= 0) {
			unsigned from = idx[prev];
			int fixed = o->dst != VREG_NONE && o->dst < VREG_TEMP && o->dst != R_ZERO;
			int pinned = (props & (P_STORE | P_DIV | P_COMMIT | P_EXIT)) || fixed || fpu_effect(o) ||
				     ((props & P_LOAD) && (!mc->control_speculation || (o->pin & PIN_NO_HOIST)));
			if ((pinned && ir_add_edge(e, ne, cap, from, i, 1) < 0) ||
			    ((props & P_BRANCH) && ir_add_edge(e, ne, cap, from, i, 0) < 0))
				goto out;
			if ((props & P_WFLAGS) && flag_side >= 0 && ir_add_edge(e, ne, cap, idx[flag_side], i, 1) < 0)
				goto out;
		}
		const struct ir_side *sd = ir_op_side(b, o);
		if (sd) {
			for (unsigned q = prev < 0 ? 0 : (unsigned)prev + 1; q < k; q++)
				if (effectful(&b->ops[idx[q]]) && ir_add_edge(e, ne, cap, idx[q], i, 0) < 0)
					goto out;
			for (unsigned r = 0; r < IR_SIDE_VREGS; r++) {
				unsigned v = ir_side_vreg(sd, r);
				if (v != VREG_NONE && v >= VREG_TEMP && lastdef[v] >= 0 &&
				    ir_add_edge(e, ne, cap, (unsigned)lastdef[v], i, 0) < 0)
					goto out;
			}
			prev = (int)k;
			if (sd->flags_live)
				flag_side = (int)k;
		}
		if (o->dst != VREG_NONE)
			lastdef[o->dst] = (int)i;
	}
	rc = 0;
out:
	free(lastdef);
	return rc;
}

int ir_order_edges(struct ir_block *b, const struct ir_machine *mc, const unsigned *idx, unsigned n,
		   struct ir_edge **e, unsigned *ne, unsigned *cap)
{
	if (memory_edges(b, mc, idx, n, e, ne, cap) < 0)
		return -1;
	return b->region ? side_edges(b, mc, idx, n, e, ne, cap) : 0;
}

int ir_region_conflict(const struct ir_block *b, unsigned op, int cycle)
{
	const struct ir_op *o = &b->ops[op];
	if (!o->spec && !(isa_ops[o->op].props & P_STORE))
		return 0;
	for (unsigned p = 0; p < b->npairs; p++) {
		unsigned other = b->pairs[p][0] == op ? b->pairs[p][1] : b->pairs[p][1] == op ? b->pairs[p][0] : op;
		if (other != op && b->ops[other].cycle == cycle)
			return 1;
	}
	return 0;
}

int ir_region_alias(struct ir_block *b)
{
	/* which stores a protected load really passed */
	for (unsigned p = 0; p < b->npairs; p++) {
		struct ir_op *s = &b->ops[b->pairs[p][0]], *l = &b->ops[b->pairs[p][1]];
		if (s->cycle > l->cycle)
			l->spec = 2;   /* passed a store */
	}
	for (unsigned p = 0; p < b->npairs; p++) {
		unsigned si = b->pairs[p][0];
		struct ir_op *s = &b->ops[si];
		if (s->op == OP_STAM || s->cycle <= b->ops[b->pairs[p][1]].cycle)
			continue;
		/* checks the entries of the candidate loads after it */
		int first = -1;
		for (unsigned i = si + 1; i < b->nops && first < 0; i++)
			if (!b->ops[i].dead && b->ops[i].spec)
				first = b->ops[i].alias;
		if (first < 0)
			return -1;  /* cannot happen: the pair's load is after the store */
		s->op = OP_STAM;
		s->alias = (uint8_t)first;
	}
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *o = &b->ops[i];
		if (o->dead || !o->spec)
			continue;
		if (o->spec == 2) {
			o->op = OP_LDP;
			o->b = o->alias;
		}
		o->spec = 0;
	}
	return 0;
}
