/* cms/translate/flags.c — x86 flag liveness.
 *
 * Walking the block backwards with the set of live status flags (at the
 * exit: what liveout.c found the successors may read), a flag-setting atom
 * whose flags are all dead becomes its plain ALU form (addf -> add), or
 * disappears when its only result was the flags (cmp/test).  Partial
 * writers keep what they do not write live: inc/dec leave CF, rotates
 * define CF (and OF only for a count of 1: by an immediate > 1 the chip,
 * like the host, keeps OF), and a shift whose count may be zero defines
 * nothing for sure.  Narrow right shifts and rotates keep their flag form:
 * the plain atoms work on 32 bits and would pull in upper bits. */
#include "cms/translate/ir.h"
#include "native-isa/xflags.h"

/* the flags of condition cc: those its jcc row reads (ops.def) */
unsigned ir_cond_flags(unsigned cc)
{
	return x86_op(X86_OP_JO + (cc & 15))->fread;
}

/* Flags certainly written by a flag atom. */
static unsigned written(const struct ir_op *o)
{
	unsigned count = o->use_imm ? (o->imm & 31) : 0;
	switch (o->op) {
	case OP_ADDF: case OP_ADCF: case OP_SUBF: case OP_SBBF: case OP_ANDF: case OP_ORF:
	case OP_XORF: case OP_NEGF: case OP_MULF: case OP_IMULF:
		return XF_STATUS;
	case OP_INCF: case OP_DECF:
		return XF_STATUS & ~XF_CF;
	case OP_SHLF: case OP_SHRF: case OP_SARF:
		return count ? XF_STATUS : 0;
	case OP_ROLF: case OP_RORF:
		/* an immediate count > 1 keeps OF (the C0/C1 form, isa.def) */
		return count == 1 ? (XF_CF | XF_OF) : count ? XF_CF : 0;
	case OP_RCLF: case OP_RCRF:
		/* at 8 and 16 bits the count is taken mod 9 and 17: a non-zero
		 * count may still write nothing */
		return 0;
	default:
		return 0;
	}
}

/* Flags read as inputs (not merely kept). */
static unsigned read_flags(const struct ir_op *o)
{
	switch (o->op) {
	case OP_ADCF: case OP_SBBF: case OP_RCLF: case OP_RCRF:
		return XF_CF;
	case OP_SEL: case OP_SETC: case OP_BC:
		return ir_cond_flags(o->x);
	default:
		return 0;
	}
}

/* The plain atom computing the same low `width` bits, or OP_COUNT. */
static unsigned plain(const struct ir_op *o)
{
	int narrow = o->x != 0;
	switch (o->op) {
	case OP_ADDF: return OP_ADD;
	case OP_SUBF: return OP_SUB;
	case OP_ANDF: return OP_AND;
	case OP_ORF: return OP_OR;
	case OP_XORF: return OP_XOR;
	case OP_SHLF: return OP_SHL;
	case OP_IMULF: return OP_MUL;
	case OP_SHRF: return narrow ? OP_COUNT : OP_SHR;
	case OP_SARF: return narrow ? OP_COUNT : OP_SAR;
	case OP_ROLF: return narrow ? OP_COUNT : OP_ROL;
	case OP_RORF: return narrow ? OP_COUNT : OP_ROR;
	case OP_INCF: case OP_DECF: case OP_NEGF: return OP_ADD;  /* rewritten below */
	default: return OP_COUNT;
	}
}

void ir_pass_flags(struct ir_block *b, unsigned live_out)
{
	unsigned live = live_out;
	for (int i = (int)b->nops - 1; i >= 0; i--) {
		struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		const struct isa_op_info *oi = &isa_ops[o->op];
		if (ir_op_side(b, o))
			live |= ir_op_side(b, o)->flags_live;   /* a region's side exit */
		if (oi->props & P_WFLAGS) {
			unsigned w = written(o);
			unsigned r = read_flags(o);
			unsigned p = plain(o);
			if (!(w & live) && !r && p != OP_COUNT && w) {
				if (o->dst == R_ZERO) {
					o->dead = 1;      /* cmp / test whose flags nobody reads */
					continue;
				}
				if (o->op == OP_INCF || o->op == OP_DECF) {
					o->op = o->op == OP_INCF ? OP_ADD : OP_SUB;
					o->use_imm = 1;
					o->imm = 1;
					o->b = VREG_NONE;
				} else if (o->op == OP_NEGF) {
					o->op = OP_SUB;   /* 0 - a */
					o->b = o->a;
					o->a = R_ZERO;
				} else {
					o->op = (uint8_t)p;
				}
				o->x = 0;
				continue;
			}
			live = (live & ~w) | r;
		} else if (o->op == OP_MOV && o->dst == R_FLAGS) {
			live = 0;           /* FLAGS put back whole (an if-converted branch, rename.c) */
		} else if (o->op == OP_MOV && !o->use_imm && o->b == R_FLAGS) {
			live = XF_STATUS;   /* FLAGS kept whole */
		} else {
			live |= read_flags(o);
		}
	}
}
