/* cms/translate/rename.c — a region keeps the x86 registers in
 * temporaries.
 *
 * A block writes EAX..EDI in place: it commits only at its end, so that
 * is safe, but in a region every write of a fixed register would pin the
 * operation below every side exit before it (the exit's commit would make
 * the early value architectural).  So each write of an x86 register gets
 * a fresh temporary and later reads use it; a side exit records which
 * temporary holds each register there (its stub copies them back), and
 * the region's end copies the last ones into the fixed registers, where
 * coalescing usually computes them directly.  The operations that read
 * EDX implicitly (xdiv*) get it copied back first.  FLAGS stays in place:
 * flag atoms always merge into it (the scheduler orders them against the
 * side exits that need them). */
#include "cms/translate/ir.h"

#include <stdlib.h>
#include <string.h>

static int x86_reg(unsigned v) { return v >= R_EAX && v < R_EAX + IR_NX86; }

/* The renaming state of an if-converted branch between its two ends. */
struct ifc {
	uint16_t before[IR_NX86];   /* each x86 register's vreg at the branch */
	unsigned flags;             /* temporary holding FLAGS at the branch, or VREG_NONE */
};

static unsigned emit(struct ir_op *out, unsigned *n, unsigned op, unsigned dst, unsigned a, unsigned bb,
		     uint32_t imm, int use_imm, unsigned x, unsigned insn)
{
	out[*n] = (struct ir_op){.op = (uint8_t)op, .dst = (uint16_t)dst, .a = (uint16_t)a, .b = (uint16_t)bb,
				 .imm = imm, .use_imm = (uint8_t)use_imm, .x = (uint8_t)x, .insn = (uint16_t)insn};
	return (*n)++;
}

/* Where the body begins: remember the registers, and FLAGS when the body
 * writes flags (the selects at its end read the branch's condition). */
static void ifc_begin(struct ir_block *b, const struct ir_hammock *h, unsigned from, const uint16_t *cur,
		      struct ifc *s, struct ir_op *out, unsigned *n)
{
	memcpy(s->before, cur, sizeof s->before);
	s->flags = VREG_NONE;
	for (unsigned i = from; i < b->nops && b->ops[i].insn <= h->insn + h->body && s->flags == VREG_NONE; i++) {
		const struct ir_op *o = &b->ops[i];
		if ((isa_ops[o->op].props & P_WFLAGS) || o->dst == R_FLAGS) {
			s->flags = VREG_TEMP + b->ntemps++;
			emit(out, n, OP_MOV, s->flags, VREG_NONE, R_FLAGS, 0, 0, 0, h->insn);
		}
	}
}

/* Where the body ends (L): each x86 register the body wrote becomes `sel`
 * on the condition that skips it, between its value before and after the
 * body; FLAGS likewise when some flag is live at L (otherwise the
 * branch's flags are simply put back: the body's are dead); and the
 * instructions retired count the body out again when it was skipped. */
static void ifc_join(struct ir_block *b, const struct ir_hammock *h, uint16_t *cur, const struct ifc *s,
		     struct ir_op *out, unsigned *n)
{
	unsigned at = h->insn + h->body, body_flags = VREG_NONE;
	if (s->flags != VREG_NONE) {
		if (h->flags_live) {
			body_flags = VREG_TEMP + b->ntemps++;
			emit(out, n, OP_MOV, body_flags, VREG_NONE, R_FLAGS, 0, 0, 0, at);
		}
		emit(out, n, OP_MOV, R_FLAGS, VREG_NONE, s->flags, 0, 0, 0, at);
	}
	for (unsigned r = 0; r < IR_NX86; r++) {
		if (cur[r] == s->before[r])
			continue;
		unsigned t = VREG_TEMP + b->ntemps++;
		emit(out, n, OP_SEL, t, s->before[r], cur[r], 0, 0, h->cond, at);
		cur[r] = (uint16_t)t;
	}
	/* (on the branch's FLAGS: the body's may be selected next) */
	unsigned k = VREG_TEMP + b->ntemps++;
	emit(out, n, OP_SEL, k, R_ZERO, VREG_NONE, h->body, 1, h->cond ^ 1, at);
	emit(out, n, OP_SUB, R_RETIRED, R_RETIRED, k, 0, 0, 0, at);
	if (body_flags != VREG_NONE) {
		unsigned t = VREG_TEMP + b->ntemps++;
		emit(out, n, OP_SEL, t, s->flags, body_flags, 0, 0, h->cond, at);
		emit(out, n, OP_MOV, R_FLAGS, VREG_NONE, t, 0, 0, 0, at);
	}
}

/* The if-converted branches' ends before op `op` (b->nops: the last
 * ones): event 2h is hammock h's beginning, 2h + 1 its end. */
static int ifc_events(struct ir_block *b, unsigned op, unsigned *ev, uint16_t *cur, struct ifc *s,
		      struct ir_op *out, unsigned *n)
{
	unsigned insn = op < b->nops ? b->ops[op].insn : b->ninsns;
	while (*ev < 2 * b->nhammocks) {
		const struct ir_hammock *h = &b->hammocks[*ev / 2];
		if (insn < h->insn + 1 + (*ev % 2 ? h->body : 0))
			break;
		if (*n + 2 * IR_NX86 + 8 > IR_MAX_OPS)
			return -1;
		if (*ev % 2)
			ifc_join(b, h, cur, s, out, n);
		else
			ifc_begin(b, h, op, cur, s, out, n);
		++*ev;
	}
	return 0;
}

int ir_pass_rename(struct ir_block *b)
{
	uint16_t cur[IR_NX86];
	int *remap = malloc((b->nops + 1) * sizeof *remap);
	struct ir_op *out = malloc(IR_MAX_OPS * sizeof *out);
	if (!remap || !out) {
		free(remap);
		free(out);
		return -1;
	}
	for (unsigned r = 0; r < IR_NX86; r++)
		cur[r] = (uint16_t)(R_EAX + r);
	/* temporaries the builders write once (most): copies of them need no op */
	const unsigned nt0 = b->ntemps;   /* temporaries made here come after (each written once) */
	uint8_t *once = calloc(nt0 + 1, 1);
	if (!once) {
		free(remap);
		free(out);
		return -1;
	}
	for (unsigned i = 0; i < b->nops; i++) {
		unsigned d = b->ops[i].dst;
		if (d != VREG_NONE && d >= VREG_TEMP && once[d - VREG_TEMP] < 2)
			once[d - VREG_TEMP]++;
	}
	unsigned n = 0, ev = 0;
	struct ifc ifc;
	int rc = 0;
	for (unsigned i = 0; i < b->nops && rc == 0; i++) {
		struct ir_op o = b->ops[i];
		if (n + 2 + IR_NX86 > IR_MAX_OPS || ifc_events(b, i, &ev, cur, &ifc, out, &n) < 0) {
			rc = -1;
			break;
		}
		if ((isa_ops[o.op].props & P_REDX) && cur[R_EDX - R_EAX] != R_EDX) {
			out[n] = (struct ir_op){.op = OP_MOV, .dst = R_EDX, .a = VREG_NONE, .b = cur[R_EDX - R_EAX],
						.insn = o.insn};
			n++;
			cur[R_EDX - R_EAX] = R_EDX;
		}
		if (x86_reg(o.a))
			o.a = cur[o.a - R_EAX];
		if (o.b != VREG_NONE && !o.use_imm && x86_reg(o.b))
			o.b = cur[o.b - R_EAX];
		if (x86_reg(o.dst) && o.op == OP_MOV && !o.use_imm && o.b >= VREG_TEMP && o.b != VREG_NONE &&
		    !o.side && ((unsigned)o.b - VREG_TEMP >= nt0 || once[o.b - VREG_TEMP] == 1)) {
			/* a copy of a temporary: later reads use the temporary */
			cur[o.dst - R_EAX] = o.b;
			remap[i] = (int)n;   /* (no op of a side exit or branch is a mov) */
			continue;
		}
		if (x86_reg(o.dst)) {
			unsigned t = VREG_TEMP + b->ntemps++;
			cur[o.dst - R_EAX] = (uint16_t)t;
			o.dst = (uint16_t)t;
		}
		if (o.side && o.side != SIDE_HOT)
			memcpy(b->sides[o.side - 1].cur, cur, sizeof cur);
		remap[i] = (int)n;
		out[n++] = o;
	}
	/* the region's end: the fixed registers get their last values (before
	 * a final conditional branch, which stays the last op, so coalescing
	 * can compute them in place) */
	if (rc == 0 && ifc_events(b, b->nops, &ev, cur, &ifc, out, &n) < 0)
		rc = -1;
	struct ir_op last;
	int cond = rc == 0 && b->branch_op >= 0 && remap[b->branch_op] == (int)n - 1;
	if (cond)
		last = out[--n];
	for (unsigned r = 0; r < IR_NX86 && rc == 0; r++) {
		if (cur[r] == R_EAX + r)
			continue;
		out[n++] = (struct ir_op){.op = OP_MOV, .dst = (uint16_t)(R_EAX + r), .a = VREG_NONE, .b = cur[r],
					  .insn = (uint16_t)(b->ninsns ? b->ninsns - 1 : 0)};
	}
	if (cond) {
		remap[b->branch_op] = (int)n;
		out[n++] = last;
	}
	if (rc == 0) {
		for (unsigned k = 0; k < b->nsides; k++)
			b->sides[k].op = remap[b->sides[k].op];
		if (b->branch_op >= 0)
			b->branch_op = remap[b->branch_op];
		memcpy(b->ops, out, n * sizeof *out);
		b->nops = n;
	}
	free(once);
	free(remap);
	free(out);
	return rc;
}
