/* cms/translate/sched.c — list scheduling onto the configured machine.
 *
 * Dependences between the IR operations of a block:
 *   read after write   the reader issues `latency(writer)` cycles later
 *   write after read   the writer may share the reader's bundle (atoms of a
 *                      bundle read before any of them writes)
 *   write after write  `latency(first)` cycles later (the chip interlocks on
 *                      pending writes, so closer placement would only stall)
 *   memory             accesses of one address root (memory.c) that do not
 *                      overlap need no order; the others keep it against
 *                      stores (a load after a store goes to a later bundle;
 *                      a store may share a bundle with an earlier load), but
 *                      a region's loads may pass stores under the alias
 *                      hardware (memory.c)
 *   the block's branch, commit and exit come last (they may share the last
 *                      bundle; commit then applies to that bundle's results).
 *   FPU                the FPU registers (fd/fa/fb) make edges as above;
 *                      the atoms of the fpu unit move freely between the
 *                      other x87-state atoms, which keep their order
 *                      against all (fpu_edges: the x87 status word's C1
 *                      and condition codes belong to the last writer).
 * Then cycle by cycle, the ready operations with the longest path to the
 * end of the block go first, as long as the bundle has a free slot
 * (core.issue_width) and an enabled unit of their class.  A 2-wide and an
 * 8-wide chip therefore get different code from the same x86. */
#include "cms/translate/ir.h"
#include "native-isa/isa_priv.h"

#include <stdlib.h>
#include <string.h>

struct sched {
	struct ir_edge *e;
	unsigned ne, cap;
};

int ir_add_edge(struct ir_edge **e, unsigned *ne, unsigned *cap, unsigned from, unsigned to, unsigned dist)
{
	if (*ne == *cap) {
		unsigned c = *cap ? 2 * *cap : 1024;
		struct ir_edge *n = realloc(*e, c * sizeof *n);
		if (!n)
			return -1;
		*e = n;
		*cap = c;
	}
	(*e)[(*ne)++] = (struct ir_edge){(uint16_t)from, (uint16_t)to, (uint16_t)dist};
	return 0;
}

static int add_edge(struct sched *s, unsigned from, unsigned to, unsigned dist)
{
	return ir_add_edge(&s->e, &s->ne, &s->cap, from, to, dist);
}

static unsigned lat_of(const struct ir_op *o, const struct ir_machine *mc)
{
	unsigned l = mc->lat[isa_ops[o->op].lat];
	return l ? l : 1;
}

unsigned ir_reads(const struct ir_op *o, unsigned out[4])
{
	unsigned n = 0;
	if (o->a != VREG_NONE && o->a != R_ZERO)
		out[n++] = o->a;
	if (o->b != VREG_NONE && !o->use_imm && o->op != OP_LDP && o->b != R_ZERO)
		out[n++] = o->b;
	if (isa_ops[o->op].props & P_RFLAGS)
		out[n++] = R_FLAGS;
	if (isa_ops[o->op].props & P_REDX)
		out[n++] = R_EDX;
	return n;
}

unsigned ir_writes(const struct ir_op *o, unsigned out[2])
{
	unsigned n = 0;
	if (o->dst != VREG_NONE && o->dst != R_ZERO)
		out[n++] = o->dst;
	if (isa_ops[o->op].props & P_WFLAGS)
		out[n++] = R_FLAGS;
	return n;
}


/* The x87 state's order.  The status word changes as each FPU atom
 * executes (hw-sim/fpu.c): the exception flags it raises are ORed in, in
 * whatever order, but the condition codes are the last writer's.  The
 * arithmetic, conversion and move atoms write C1 and keep C0 C2 C3 (the
 * SDM defines C1 for each of their instructions; tests/unit/chip.c checks
 * on the host that they keep the others); what a compare writes differs
 * between x87 implementations (fucomi keeps C1 on some, clears it on
 * others), so compares keep their order against every atom that writes
 * the status word.  So: the other x87-state atoms (fchk, fstk, fip, fdp,
 * the accesses of the control and status words) keep their order against
 * every x87-state atom, one a bundle, and compares against every one that
 * writes the status word; fcpy and fmv, register moves that touch no
 * status, are ordered by their registers alone (and a region's side
 * exits: memory.c).
 * Between those, and between a region's side exits (whose stubs commit
 * the status word as it is), the
 * atoms of the fpu unit move freely, but the last one that writes C1
 * issues after the others, a bundle later at least.  An exception the
 * guest unmasks is a fault that rolls the translation back whichever atom
 * raises it.  (The FPU registers make their edges with the other
 * registers: op_regs.) */
struct fpu_order {
	int fence;                     /* the last x87-state atom not of the fpu unit, or -1 */
	int compare;                   /* the last compare since, or -1 */
	unsigned *since;               /* fpu-unit atoms since the fence */
	unsigned nsince;
	unsigned after_compare;        /* since[] from here: after the last compare */
	unsigned seg;                  /* since[] from here: after the last compare or side exit */
};

static int is_compare(unsigned op)
{
	return op == OP_FCMPI || op == OP_FUCMPI || op == OP_FCMPS || op == OP_FUCMPS;
}

/* The segment ends: its last C1 writer after the others. */
static int fpu_close_segment(struct sched *s, const struct ir_block *b, struct fpu_order *f)
{
	int last_c1 = -1;
	for (unsigned k = f->seg; k < f->nsince; k++)
		if (b->ops[f->since[k]].op != OP_FCPY)
			last_c1 = (int)f->since[k];
	for (unsigned k = f->seg; k < f->nsince; k++) {
		unsigned i = f->since[k];
		if (b->ops[i].op != OP_FCPY && (int)i != last_c1 && add_edge(s, i, (unsigned)last_c1, 1))
			return -1;
	}
	f->seg = f->nsince;
	return 0;
}

static int fpu_edges(struct sched *s, const struct ir_block *b, const unsigned *idx, unsigned n)
{
	struct fpu_order f = {.fence = -1, .compare = -1};
	f.since = malloc((n ? n : 1) * sizeof *f.since);
	if (!f.since)
		return -1;
	int rc = -1;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = idx[k];
		const struct ir_op *o = &b->ops[i];
		if (!ir_x87_state(o) || o->op == OP_FCPY || o->op == OP_FMV) {
			if (b->region && ir_op_side(b, o) && fpu_close_segment(s, b, &f) < 0)
				goto out;
			continue;
		}
		if (f.fence >= 0 && add_edge(s, (unsigned)f.fence, i, 1))
			goto out;
		if (isa_ops[o->op].unit != U_FPU) {
			if (fpu_close_segment(s, b, &f) < 0)
				goto out;
			for (unsigned q = 0; q < f.nsince; q++)
				if (add_edge(s, f.since[q], i, 1))
					goto out;
			f.fence = (int)i;
			f.compare = -1;
			f.nsince = f.seg = f.after_compare = 0;
		} else if (is_compare(o->op)) {
			if (fpu_close_segment(s, b, &f) < 0)
				goto out;
			if (f.compare >= 0 && add_edge(s, (unsigned)f.compare, i, 1))
				goto out;
			for (unsigned q = f.after_compare; q < f.nsince; q++)
				if (b->ops[f.since[q]].op != OP_FCPY && add_edge(s, f.since[q], i, 1))
					goto out;
			f.compare = (int)i;
			f.since[f.nsince++] = i;
			f.seg = f.after_compare = f.nsince;
		} else {
			if (o->op != OP_FCPY && f.compare >= 0 && add_edge(s, (unsigned)f.compare, i, 1))
				goto out;
			f.since[f.nsince++] = i;
		}
	}
	rc = fpu_close_segment(s, b, &f);
out:
	free(f.since);
	return rc;
}

/* The registers an op reads and writes, for the register edges: its
 * vregs (ir_reads, ir_writes) and an FPU atom's FPU registers fd/fa/fb,
 * numbered from fbase. */
static void op_regs(const struct ir_op *o, unsigned fbase, unsigned rd[6], unsigned *nrd, unsigned wr[3],
		    unsigned *nwr)
{
	*nrd = ir_reads(o, rd);
	*nwr = ir_writes(o, wr);
	unsigned ff = isa_fmt_fields(isa_ops[o->op].fmt);
	if (ff & FLD_FA)
		rd[(*nrd)++] = fbase + o->fa;
	if (ff & FLD_FB)
		rd[(*nrd)++] = fbase + o->fb;
	if (ff & FLD_FD)
		wr[(*nwr)++] = fbase + o->fd;
}

int ir_schedule(struct ir_block *b, const struct ir_machine *mc)
{
	/* the vregs, then the FPU registers */
	unsigned nvregs = VREG_TEMP + b->ntemps, nregs = nvregs + ISA_NFREGS;
	int *last_w = malloc(nregs * sizeof *last_w);
	unsigned *idx = malloc(b->nops * sizeof *idx);
	struct sched s = {0};
	int rc = -1;
	unsigned *succ_first = NULL, *ready = NULL;
	struct ir_edge *succ = NULL;
	int *height = calloc(b->nops, sizeof *height);
	int *earliest = calloc(b->nops, sizeof *earliest);
	unsigned *npred = calloc(b->nops, sizeof *npred);
	/* readers of each register since its last write: kept as a small list per register */
	int *last_r = malloc(nregs * 8 * sizeof *last_r);
	uint8_t *nr = calloc(nregs, 1);
	if (!last_w || !idx || !height || !earliest || !npred || !last_r || !nr)
		goto out;
	for (unsigned r = 0; r < nregs; r++)
		last_w[r] = -1;
	unsigned n = 0;
	for (unsigned i = 0; i < b->nops; i++)
		if (!b->ops[i].dead)
			idx[n++] = i;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = idx[k];
		struct ir_op *o = &b->ops[i];
		unsigned rd[6], wr[3], nrd, nwr;
		op_regs(o, nvregs, rd, &nrd, wr, &nwr);
		for (unsigned j = 0; j < nrd; j++) {
			if (last_w[rd[j]] >= 0 &&
			    add_edge(&s, (unsigned)last_w[rd[j]], i, lat_of(&b->ops[last_w[rd[j]]], mc)))
				goto out;
		}
		for (unsigned j = 0; j < nwr; j++) {
			unsigned r = wr[j];
			if (last_w[r] >= 0 && add_edge(&s, (unsigned)last_w[r], i, lat_of(&b->ops[last_w[r]], mc)))
				goto out;
			for (unsigned q = 0; q < nr[r]; q++)
				if ((unsigned)last_r[r * 8 + q] != i && add_edge(&s, (unsigned)last_r[r * 8 + q], i, 0))
					goto out;
		}
		/* record reads after handling this op's own writes */
		for (unsigned j = 0; j < nwr; j++) {
			last_w[wr[j]] = (int)i;
			nr[wr[j]] = 0;
		}
		for (unsigned j = 0; j < nrd; j++) {
			unsigned r = rd[j];
			int mine = 0;
			for (unsigned q = 0; q < nwr; q++)
				mine |= wr[q] == r;
			if (mine)
				continue;
			if (nr[r] == 8) {
				/* too many readers to track: chain them through the oldest */
				if (add_edge(&s, (unsigned)last_r[r * 8 + 7], i, 0))
					goto out;
				last_r[r * 8 + 7] = (int)i;
			} else {
				last_r[r * 8 + nr[r]++] = (int)i;
			}
		}
	}
	if (fpu_edges(&s, b, idx, n) < 0)
		goto out;
	if (ir_order_edges(b, mc, idx, n, &s.e, &s.ne, &s.cap) < 0)
		goto out;
	if (b->branch_op >= 0) {
		for (unsigned k = 0; k < n; k++)
			if (idx[k] != (unsigned)b->branch_op && add_edge(&s, idx[k], (unsigned)b->branch_op, 0))
				goto out;
	}
	/* commit and exit: after every other op, commit no later than exit */
	for (unsigned t = 0; t < b->ntail; t++) {
		unsigned to = (unsigned)b->tail_ops[t];
		for (unsigned k = 0; k < n; k++) {
			int is_tail = 0;
			for (unsigned q = 0; q < b->ntail; q++)
				is_tail |= idx[k] == (unsigned)b->tail_ops[q];
			if ((!is_tail || (t > 0 && idx[k] == (unsigned)b->tail_ops[0])) && add_edge(&s, idx[k], to, 0))
				goto out;
		}
	}
	/* successor lists: edges grouped by the op they leave (counting sort) */
	succ_first = calloc(b->nops + 1, sizeof *succ_first);
	succ = malloc((s.ne ? s.ne : 1) * sizeof *succ);
	if (!succ_first || !succ)
		goto out;
	for (unsigned e = 0; e < s.ne; e++)
		succ_first[s.e[e].from + 1]++;
	for (unsigned i = 0; i < b->nops; i++)
		succ_first[i + 1] += succ_first[i];
	for (unsigned e = 0; e < s.ne; e++) {
		unsigned from = s.e[e].from;
		succ[succ_first[from] + npred[from]++] = s.e[e];  /* npred: a fill cursor here */
	}
	memset(npred, 0, b->nops * sizeof *npred);
	/* heights: longest latency path to the end (edges go forward in program order) */
	for (int k = (int)n - 1; k >= 0; k--) {
		unsigned i = idx[k];
		int h = (int)lat_of(&b->ops[i], mc);
		for (unsigned e = succ_first[i]; e < succ_first[i + 1]; e++) {
			int hh = succ[e].dist + height[succ[e].to];
			if (hh > h)
				h = hh;
		}
		height[i] = h;
	}
	for (unsigned e = 0; e < s.ne; e++)
		npred[s.e[e].to]++;

	/* cycle-by-cycle list scheduling over the ops whose predecessors are
	 * all placed (the ready list): the highest first, ties to the
	 * earliest op */
	unsigned done = 0, nready = 0;
	ready = malloc((n ? n : 1) * sizeof *ready);
	if (!ready)
		goto out;
	for (unsigned k = 0; k < n; k++) {
		b->ops[idx[k]].cycle = -1;
		if (!npred[idx[k]])
			ready[nready++] = idx[k];
	}
	for (int cycle = 0; done < n; cycle++) {
		if (cycle > 100000)
			goto out;  /* cannot happen with >= 1 unit of every class: a bug guard */
		unsigned used = 0, units[U_COUNT] = {0};
		for (;;) {
			int best = -1;
			unsigned at = 0;
			for (unsigned q = 0; q < nready; q++) {
				unsigned i = ready[q];
				struct ir_op *o = &b->ops[i];
				if (earliest[i] > cycle)
					continue;
				unsigned u = isa_ops[o->op].unit;
				if (u < U_COUNT && units[u] >= mc->units[u])
					continue;
				if (b->region && ir_region_conflict(b, i, cycle))
					continue;
				if (best < 0 || height[i] > height[best] || (height[i] == height[best] && (int)i < best)) {
					best = (int)i;
					at = q;
				}
			}
			if (best < 0 || used >= mc->issue_width)
				break;
			struct ir_op *o = &b->ops[best];
			o->cycle = cycle;
			ready[at] = ready[--nready];
			used++;
			unsigned u = isa_ops[o->op].unit;
			if (u < U_COUNT)
				units[u]++;
			done++;
			for (unsigned e = succ_first[best]; e < succ_first[best + 1]; e++) {
				unsigned t = succ[e].to;
				if (--npred[t] == 0)
					ready[nready++] = t;
				if (earliest[t] < cycle + (int)succ[e].dist)
					earliest[t] = cycle + (int)succ[e].dist;
			}
		}
	}
	rc = b->region ? ir_region_alias(b) : 0;
out:
	free(ready);
	free(succ_first);
	free(succ);
	free(s.e);
	free(last_w);
	free(idx);
	free(height);
	free(earliest);
	free(npred);
	free(last_r);
	free(nr);
	return rc;
}
