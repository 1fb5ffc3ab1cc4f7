/* hw-sim/fpu_atom.h — what an FPU atom does (hw-sim/fpu.c's room: the
 * chip's FPU), inlined into the pipeline's loop (hw-sim/atoms.h calls it
 * once per FPU atom): the host instruction of the atom (its plan,
 * chip_fpu_calibrate) runs on its operands in place through
 * x87_host_op, and the status word takes what it raised and the
 * condition codes it writes. */
#ifndef CDVM_HW_SIM_FPU_ATOM_H
#define CDVM_HW_SIM_FPU_ATOM_H
#include "hw-sim/chip_priv.h"
#include "native-isa/isa_priv.h"

/* Where a host instruction's operands come from: ST0 (a) and ST1 (b)
 * are zero unless named; the memory operand is an 8-byte word. */
enum fpu_form {
	FF_RAW,   /* fmv: no instruction, the words' bits as they are */
	FF_CVI,   /* memory: the atom's words (fld m32/m64, fild) */
	FF_CON,   /* no operand (fld1 ...) */
	FF_UN,    /* a: register ra (fsqrt ..., fcvo: memory is the result) */
	FF_BIN,   /* a, b: registers ra, rb */
	FF_MEM,   /* a: register ra; memory: the significand of register rb as it is */
};

CHIP_INLINE struct fpu_out fpu_fault(void)
{
	return (struct fpu_out){0, 0, true};
}

/* Where atom d's FPU result goes: staged until the bundle retires, or
 * (a single-pass bundle: in_place) its register at once, so that a later
 * atom's fldt reads what the door's fstpt stored (a load of another width
 * from it waits for the store: chip_fpu_retire's comment). */
CHIP_INLINE struct x87_reg *fpu_dst(struct chip *c, const struct datom *d, bool in_place)
{
	return in_place ? chip_freg(c, d->rd) : &c->fnew[d->rd];
}

CHIP_INLINE struct fpu_out chip_fpu_atom(struct chip *c, const struct datom *d, uint32_t a, uint32_t b, uint32_t flags,
					 bool in_place)
{
	struct x87_state *s = &c->fpu;
	struct fpu_out out = {0, flags, false};
	c->fpu_dirty = true;
	switch ((enum atom_op)d->op) {
	case OP_FSTK:
		s->sw = (uint16_t)((s->sw & ~X87_TOP_MASK) | (d->imm & 7u) << X87_TOP_SHIFT);
		if (d->imm & ISA_FSTK_CLEAR_C1)
			s->sw &= (uint16_t)~X87_C1;
		s->tags = (uint8_t)(d->imm >> ISA_FSTK_TAGS_SHIFT);
		return out;
	case OP_FCHK:
		if (x87_top(s) != (d->imm & 7u) || s->tags != (uint8_t)(d->imm >> ISA_FSTK_TAGS_SHIFT) ||
		    x87_pending(s))
			return fpu_fault();
		return out;
	case OP_FIP:
		s->fip = d->imm;
		s->fcs = 0x23;
		s->fop = X87_FOP_AT_FIP;
		return out;
	case OP_FDP:
		s->fdp = a;
		s->fds = (uint16_t)d->imm;
		return out;
	case OP_FCPY: {
		struct x87_reg *dst = fpu_dst(c, d, in_place);
		const struct x87_reg *src = chip_freg(c, d->ra);
		out.v = (uint32_t)src->mant;
		*dst = *src;
		return out;
	}
	case OP_FMOV: {
		struct x87_reg *dst = fpu_dst(c, d, in_place);
		/* fld st(0) copies the register's 80 bits as they are and
		 * raises nothing but a stack fault, which the translator never
		 * leaves to an atom (SDM vol. 2, FLD: #IA and #D do not occur
		 * for a double extended source); C1 = 0.  A copy, field by
		 * field (tests/unit/chip.c checks it against the host's) */
		const struct x87_reg *src = chip_freg(c, d->ra);
		out.v = (uint32_t)src->mant;
		dst->mant = src->mant;
		dst->se = src->se;
		s->sw &= (uint16_t)~X87_C1;
		return out;
	}
	default:
		break;
	}

	/* the host instruction's operands, in place: ST0 a, ST1 b, and the
	 * memory operand: the atom's words (fcvi), fcvo's result, or a memory
	 * form's operand, read where it is */
	static const struct x87_reg zero = {0, 0};
	const struct fpu_plan *p = &c->fpu_plan[d->op - OP_FADD][d->x & 15];
	const struct x87_reg *va = &zero, *vb = &zero;
	uint64_t word = 0;
	void *mem = &word;
	switch ((enum fpu_form)p->form) {
	case FF_RAW:
		/* the memory operand's bits, for a memory-form fop or fcmps: no
		 * conversion, nothing raised (the x87 instruction does both) */
		*fpu_dst(c, d, in_place) = (struct x87_reg){(uint64_t)b << 32 | a, 0};
		out.v = a;
		return out;
	case FF_CVI:
		word = (uint64_t)b << 32 | a;  /* ra's bytes then rb's, as in memory */
		break;
	case FF_CON:
		break;
	case FF_UN:
		va = chip_freg(c, d->ra);
		break;
	case FF_BIN:
		va = chip_freg(c, d->ra);
		vb = chip_freg(c, d->rb);
		break;
	case FF_MEM:
		va = chip_freg(c, d->ra);
		mem = &chip_freg(c, d->rb)->mant;
		break;
	}
	/* in: the flags the guest has set and masks (x87_host_op may report
	 * them again, which changes nothing below) */
	struct x87_op_io io = {0, s->cw, (uint16_t)(s->sw & s->cw & X87_EXC)};
	/* ST0 afterwards: the result, into its place (fstpt stores it there) */
	struct x87_reg st0;
	bool value = d->op != OP_FCVO && d->op != OP_FCMPI && d->op != OP_FUCMPI && d->op != OP_FCMPS &&
		     d->op != OP_FUCMPS;
	struct x87_reg *res = value ? fpu_dst(c, d, in_place) : &st0;
	struct fcvo_memo *m = &c->fcvo_memo;
	bool again = d->op == OP_FCVO && m->valid && m->stub == p->stub && m->cw == io.cw &&
		     m->have == io.sw && m->src.mant == va->mant && m->src.se == va->se;
	if (again) {
		/* the other word of the conversion just made: what the door
		 * would give, for it is a function of what the memo holds */
		word = m->word;
		io.sw = m->sw;
	} else {
		uint16_t have = io.sw, cw = io.cw;
		x87_host_op(p->stub, va, vb, mem, &io, res);
		if (d->op == OP_FCVO)
			*m = (struct fcvo_memo){*va, word, p->stub, cw, have, io.sw, true};
	}
	unsigned raised = io.sw & X87_EXC;
	if (raised & ~s->cw & X87_EXC)
		return fpu_fault();
	unsigned def = p->cdef;
	s->sw = (uint16_t)((s->sw & ~def) | (io.sw & def) | raised);
	switch ((enum atom_op)d->op) {
	case OP_FCVO: {
		/* the result's word the atom names: fst m64 and fistp m64 give
		 * two (kinds 1 and 2, 5 and 6), fist m16 the low half of one */
		uint32_t w = (uint32_t)(word >> ((0x44u >> d->x & 1) * 32));
		out.v = d->x == 3 ? w & 0xffffu : w;
		return out;
	}
	case OP_FCMPI:
	case OP_FUCMPI:
		out.flags = io.eflags;
		return out;
	case OP_FCMPS:
	case OP_FUCMPS:
		return out;
	default:
		out.v = (uint32_t)res->mant;
		return out;
	}
}

#endif
