/* cms/translate/opt.c — copy/constant propagation and dead-code removal.
 *
 * A block commits only at its exits (build.c) and a fault inside it rolls
 * everything back to its start, so the x86 registers need to be right only
 * there: inside the block they are values like any other.
 *
 * fold: a temporary that holds a constant (`mov t, #k`) is replaced by the
 * immediate wherever an atom can take operand b as an immediate; a
 * register that copies another (`mov t, rX`, and x86's `mov ecx, ebx`) is
 * replaced by the original while neither is written.  dce: values nobody
 * reads before the exit are not computed (an x86 register written again
 * before any read included), unless the operation has another effect
 * (stores, loads that may fault, flags, branches, divides).  coalesce: a
 * temporary computed only to be copied into a fixed register is computed
 * there directly.  offsets (regions): a chain of constant adds (a run of
 * pushes, pointer increments) is computed from its root in one step, and
 * loads and stores take the constant as displacement, so the chain no
 * longer serializes them. */
#include "cms/translate/ir.h"
#include "native-isa/isa_priv.h"

#include <stdlib.h>
#include <string.h>

struct known {
	uint8_t kind;      /* 0 unknown, 1 constant, 2 copy of a fixed register */
	uint32_t value;    /* constant or register */
};

/* Fixed registers whose copies fold and dce track: not r0, not FLAGS
 * (flags.c's business). */
static int plain_fixed(unsigned r)
{
	return r != VREG_NONE && r < VREG_TEMP && r != R_ZERO && r != R_FLAGS;
}

void ir_pass_fold(struct ir_block *b)
{
	struct known *k = calloc(b->ntemps + 1, sizeof *k);
	uint16_t copy_of[VREG_TEMP];   /* fixed register -> the fixed register it copies */
	if (!k)
		return;
	for (unsigned r = 0; r < VREG_TEMP; r++)
		copy_of[r] = VREG_NONE;
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		unsigned fields = isa_fmt_fields(isa_ops[o->op].fmt);
		/* rewrite uses */
		if (o->a != VREG_NONE && o->a >= VREG_TEMP && k[o->a - VREG_TEMP].kind == 2)
			o->a = (uint16_t)k[o->a - VREG_TEMP].value;
		else if (plain_fixed(o->a) && copy_of[o->a] != VREG_NONE)
			o->a = copy_of[o->a];
		if (o->b != VREG_NONE && o->b >= VREG_TEMP && !o->use_imm && o->op != OP_LDP) {
			struct known *kb = &k[o->b - VREG_TEMP];
			if (kb->kind == 1 && (fields & FLD_B)) {
				o->use_imm = 1;
				o->imm = kb->value;
				o->b = VREG_NONE;
			} else if (kb->kind == 2) {
				o->b = (uint16_t)kb->value;
			}
		} else if (!o->use_imm && o->op != OP_LDP && plain_fixed(o->b) && copy_of[o->b] != VREG_NONE) {
			o->b = copy_of[o->b];
		}
		/* a write to a fixed register ends the copies of it */
		unsigned wr = o->dst;
		if (isa_ops[o->op].props & P_WFLAGS) {
			for (unsigned t = 0; t < b->ntemps; t++)
				if (k[t].kind == 2 && k[t].value == R_FLAGS)
					k[t].kind = 0;
		}
		if (wr != VREG_NONE && wr < VREG_TEMP) {
			for (unsigned t = 0; t < b->ntemps; t++)
				if (k[t].kind == 2 && k[t].value == wr)
					k[t].kind = 0;
			copy_of[wr] = VREG_NONE;
			for (unsigned r = 0; r < VREG_TEMP; r++)
				if (copy_of[r] == wr)
					copy_of[r] = VREG_NONE;
			if (o->op == OP_MOV && !o->use_imm && plain_fixed(wr) && plain_fixed(o->b) && o->b != wr)
				copy_of[wr] = o->b;
		}
		/* record what this op makes known */
		if (wr != VREG_NONE && wr >= VREG_TEMP) {
			struct known *kd = &k[wr - VREG_TEMP];
			kd->kind = 0;
			if (o->op == OP_MOV && o->use_imm) {
				kd->kind = 1;
				kd->value = o->imm;
			} else if (o->op == OP_MOV && o->b < VREG_TEMP && o->b != R_ZERO) {
				kd->kind = 2;
				kd->value = o->b;
			}
		}
	}
	free(k);
}

/* Does the operation do anything besides writing its destination? */
static int has_effect(const struct ir_op *o)
{
	const struct isa_op_info *oi = &isa_ops[o->op];
	if (oi->props & (P_STORE | P_LOAD | P_WFLAGS | P_BRANCH | P_COMMIT | P_EXIT | P_DIV | P_FPU))  /* a divide may fault */
		return 1;
	return o->dst == VREG_NONE || !(o->dst >= VREG_TEMP || plain_fixed(o->dst));
}

void ir_pass_dce(struct ir_block *b)
{
	uint8_t *live = calloc(b->ntemps + 1, 1);
	if (!live)
		return;
	uint64_t live_fixed = ~0ull;   /* every x86 register is live at the exits */
	for (int i = (int)b->nops - 1; i >= 0; i--) {
		struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		int dst_live = o->dst == VREG_NONE ? 0 : o->dst >= VREG_TEMP ? live[o->dst - VREG_TEMP]
									     : (int)(live_fixed >> o->dst & 1);
		/* (a region's FLAGS put back where an if-converted body left
		 * them alone becomes `mov r9, r9`, fold's copy of r9) */
		if ((!has_effect(o) && !dst_live) ||
		    (b->region && o->op == OP_MOV && !o->use_imm && o->dst == o->b && o->dst != VREG_NONE)) {
			o->dead = 1;
			continue;
		}
		const struct ir_side *sd = ir_op_side(b, o);
		if (sd) {
			/* a region's side exit: its stub reads the x86 registers */
			live_fixed = ~0ull;
			for (unsigned r = 0; r < IR_SIDE_VREGS; r++) {
				unsigned v = ir_side_vreg(sd, r);
				if (v >= VREG_TEMP && v != VREG_NONE)
					live[v - VREG_TEMP] = 1;
			}
		}
		if (plain_fixed(o->dst))
			live_fixed &= ~(1ull << o->dst);
		unsigned rd[4], nr = ir_reads(o, rd);
		for (unsigned k = 0; k < nr; k++) {
			if (rd[k] >= VREG_TEMP)
				live[rd[k] - VREG_TEMP] = 1;
			else
				live_fixed |= 1ull << rd[k];
		}
	}
	free(live);
}

static int op_touches(const struct ir_op *o, unsigned reg)
{
	unsigned rd[4], wr[2];
	unsigned nr = ir_reads(o, rd), nw = ir_writes(o, wr);
	for (unsigned k = 0; k < nr; k++)
		if (rd[k] == reg)
			return 1;
	for (unsigned k = 0; k < nw; k++)
		if (wr[k] == reg)
			return 1;
	return 0;
}

/* `t <- op ...; ...; rX <- mov t` where the mov is t's only reader becomes
 * `rX <- op ...` when no operation between reads or writes rX and none is
 * a branch, commit or exit.  Writing rX earlier is then invisible: the
 * block commits only at its exits (build.c), so a fault in between rolls
 * rX back with everything else.  It saves the atom and the copy's cycle
 * after every load into an x86 register. */
void ir_pass_coalesce(struct ir_block *b)
{
	if (!b->ntemps)
		return;
	int *def = malloc(b->ntemps * sizeof *def);
	unsigned *uses = calloc(b->ntemps, sizeof *uses);
	if (!def || !uses) {
		free(def);
		free(uses);
		return;
	}
	for (unsigned t = 0; t < b->ntemps; t++)
		def[t] = -1;
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		unsigned rd[4], nr = ir_reads(o, rd);
		for (unsigned k = 0; k < nr; k++)
			if (rd[k] >= VREG_TEMP)
				uses[rd[k] - VREG_TEMP]++;
		if (o->dst != VREG_NONE && o->dst >= VREG_TEMP)
			def[o->dst - VREG_TEMP] = def[o->dst - VREG_TEMP] < 0 ? (int)i : -2; /* -2: redefined */
	}
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *m = &b->ops[i];
		if (m->dead || m->op != OP_MOV || m->use_imm || m->dst == VREG_NONE || m->dst >= VREG_TEMP ||
		    m->dst == R_ZERO || m->dst == R_FLAGS || m->b == VREG_NONE || m->b < VREG_TEMP)
			continue;
		unsigned t = m->b - VREG_TEMP;
		if (uses[t] != 1 || def[t] < 0)
			continue;
		int ok = 1;
		for (unsigned j = (unsigned)def[t] + 1; j < i && ok; j++) {
			const struct ir_op *o = &b->ops[j];
			if (o->dead)
				continue;
			if ((isa_ops[o->op].props & (P_BRANCH | P_COMMIT | P_EXIT)) || op_touches(o, m->dst))
				ok = 0;
		}
		if (!ok)
			continue;
		b->ops[def[t]].dst = m->dst;
		m->dead = 1;
	}
	free(def);
	free(uses);
}

/* Regions: `t = add/sub a, #k` where a is itself root + constant becomes
 * `t = add root, #(k + c)`, and a load or store based on such a t uses
 * root with the displacement.  A root is a temporary (written once) or a
 * fixed register not yet written in the region. */
void ir_pass_offsets(struct ir_block *b)
{
	unsigned nregs = VREG_TEMP + b->ntemps;
	uint16_t *root = malloc(nregs * sizeof *root);
	uint32_t *off = malloc(nregs * sizeof *off);
	uint8_t *defs = calloc(nregs, 1);
	if (!root || !off || !defs)
		goto out;
	for (unsigned i = 0; i < b->nops; i++)
		if (!b->ops[i].dead && b->ops[i].dst != VREG_NONE && defs[b->ops[i].dst] < 2)
			defs[b->ops[i].dst]++;
	for (unsigned v = 0; v < nregs; v++) {
		root[v] = (uint16_t)v;
		off[v] = 0;
	}
	uint64_t written = 0;   /* fixed registers written so far */
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		unsigned props = isa_ops[o->op].props;
		int usable = o->a != VREG_NONE && o->a != R_ZERO &&
			     (o->a >= VREG_TEMP ? defs[o->a] == 1 : !(written >> o->a & 1)) && root[o->a] != o->a;
		if (usable) {
			unsigned r = root[o->a];
			int root_ok = r >= VREG_TEMP ? defs[r] == 1 : !(written >> r & 1);
			if (root_ok && (props & (P_LOAD | P_STORE)) && !(o->x & MX_HIDDEN)) {
				o->imm += off[o->a];
				o->a = (uint16_t)r;
			} else if (root_ok && (o->op == OP_ADD || o->op == OP_SUB) && o->use_imm) {
				uint32_t k = o->op == OP_ADD ? o->imm : (uint32_t)-o->imm;
				o->imm = k + off[o->a];
				o->op = OP_ADD;
				o->a = (uint16_t)r;
			}
		}
		if (o->dst != VREG_NONE && o->dst < VREG_TEMP)
			written |= 1ull << o->dst;
		if (props & P_WFLAGS)
			written |= 1ull << R_FLAGS;
		/* what this op makes known: dst = root + constant */
		if (o->dst != VREG_NONE && o->dst >= VREG_TEMP && defs[o->dst] == 1 && o->use_imm &&
		    (o->op == OP_ADD || o->op == OP_SUB) && o->a != VREG_NONE && o->a != R_ZERO) {
			root[o->dst] = o->a;
			off[o->dst] = o->op == OP_ADD ? o->imm : (uint32_t)-o->imm;
		}
	}
out:
	free(root);
	free(off);
	free(defs);
}
