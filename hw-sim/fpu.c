/* hw-sim/fpu.c — the floating-point unit: what its atoms (native-isa/isa.def,
 * FPU group) do to the FPU registers and the x87 status word.
 *
 * The arithmetic is the host's x87 (native-isa/x87.h, x87_host_op): each
 * atom names the x87 instruction whose computation it is, and runs it on
 * its operand values under the guest's precision and rounding control with
 * every exception masked.  The masked response is what the guest gets when
 * its control word masks everything the operation raised; otherwise the
 * atom is an FPU fault and the firmware interprets (the x87 reports an
 * unmasked exception at the next waiting instruction, with results the
 * masked response does not give).  The status word: the raised flags are
 * ORed in; of C0..C3, the bits the host's instruction writes (measured
 * once when the chip is built, x87_cc_defined) take its values and the
 * others are kept.
 *
 * Timing and ordering are core.c's: FPU results land when the bundle
 * retires (atoms of a bundle read the registers before any writes), the
 * status and control words change as each atom executes (the translator
 * keeps P_FPU atoms in program order, at most one per bundle). */
#include "hw-sim/chip_priv.h"
#include "native-isa/isa_priv.h"

#include <string.h>

/* The x87 instruction (escape byte, ModRM) whose computation each FPU atom
 * is: operand a is ST0, b is ST1, a memory operand is the atom's word(s). */
static const uint8_t fop_insn[][2] = {
	[OP_FADD - OP_FADD] = {0xd8, 0xc1},  /* fadd st, st(1) */
	[OP_FSUB - OP_FADD] = {0xd8, 0xe1},  /* fsub st, st(1) */
	[OP_FMUL - OP_FADD] = {0xd8, 0xc9},  /* fmul st, st(1) */
	[OP_FDIV - OP_FADD] = {0xd8, 0xf1},  /* fdiv st, st(1) */
	[OP_FSQRT - OP_FADD] = {0xd9, 0xfa}, /* fsqrt */
	[OP_FMOV - OP_FADD] = {0xd9, 0xc0},  /* fld st(0) */
	[OP_FCHS - OP_FADD] = {0xd9, 0xe0},  /* fchs */
	[OP_FABS - OP_FADD] = {0xd9, 0xe1},  /* fabs */
	[OP_FCMPI - OP_FADD] = {0xdb, 0xf1}, /* fcomi st, st(1) */
	[OP_FUCMPI - OP_FADD] = {0xdb, 0xe9},/* fucomi st, st(1) */
	[OP_FCMPS - OP_FADD] = {0xd8, 0xd1}, /* fcom st(1) */
	[OP_FUCMPS - OP_FADD] = {0xdd, 0xe1},/* fucom st(1) */
};
static const uint8_t fcvi_insn[4][2] = {
	{0xd9, 0x00}, /* fld m32fp */  {0xdd, 0x00}, /* fld m64fp */
	{0xdb, 0x00}, /* fild m32int */ {0xdf, 0x28}, /* fild m64int */
};
static const uint8_t fcvo_insn[7][2] = {
	{0xd9, 0x10}, /* fst m32fp */  {0xdd, 0x10}, {0xdd, 0x10}, /* fst m64fp */
	{0xdf, 0x10}, /* fist m16int */ {0xdb, 0x10}, /* fist m32int */
	{0xdf, 0x38}, {0xdf, 0x38},    /* fistp m64int */
};
static const uint8_t fcon_modrm[7] = {0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee};

/* ModRM.reg of the x87 memory forms (d8 /r m32fp, dc /r m64fp), by atom:
 * fadd 0, fmul 1, fcom 2, fsub 4, fsubr 5, fdiv 6, fdivr 7 (the reversed
 * ones for ISA_FMEM_REV). */
static unsigned mem_reg(const struct datom *d)
{
	unsigned rev = (d->x & ISA_FMEM_REV) != 0;
	switch ((enum atom_op)d->op) {
	case OP_FADD: return 0;
	case OP_FMUL: return 1;
	case OP_FCMPS: return 2;
	case OP_FSUB: return 4 + rev;
	default: return 6 + rev;  /* OP_FDIV */
	}
}

/* The x87 instruction of atom d. */
static void insn_of(const struct datom *d, uint8_t *esc, uint8_t *modrm)
{
	const uint8_t *p;
	static const uint8_t fcon[2] = {0xd9, 0xe8};
	if ((isa_ops[d->op].fmt == F_FOP || isa_ops[d->op].fmt == F_FCMP) && d->x) {
		*esc = (d->x & ISA_FMEM_FORMAT) == ISA_FMEM_M64 ? 0xdc : 0xd8;
		*modrm = (uint8_t)(mem_reg(d) << 3);
		return;
	}
	switch ((enum atom_op)d->op) {
	case OP_FCVI: p = fcvi_insn[d->x & 3]; break;
	case OP_FCVO: p = fcvo_insn[d->x < 7 ? d->x : 0]; break;
	case OP_FCON: p = fcon; break;
	default: p = fop_insn[d->op - OP_FADD]; break;
	}
	*esc = p[0];
	*modrm = d->op == OP_FCON ? fcon_modrm[d->x < 7 ? d->x : 0] : p[1];
}

void chip_fpu_calibrate(struct chip *c)
{
	for (unsigned op = OP_FADD; op <= OP_FCON; op++)
		for (unsigned x = 0; x < 7; x++) {
			/* every kind the atom's x field takes (a format without one: 0) */
			if (x && !((isa_fmt_fields(isa_ops[op].fmt) & FLD_X) && isa_x_valid(op, x)))
				continue;
			if (op == OP_FCVI && x == ISA_FCVI_RAW)
				continue;  /* no x87 instruction: the bits as they are */
			struct datom d = {.op = (uint8_t)op, .x = (uint8_t)x};
			uint8_t esc, modrm;
			insn_of(&d, &esc, &modrm);
			c->fpu_cdef[op - OP_FADD][x] = x87_cc_defined(esc, modrm);
			c->fpu_stub[op - OP_FADD][x] = (uint16_t)x87_stub(esc, modrm);
		}
}

static struct fpu_out fpu_fault(void)
{
	return (struct fpu_out){0, 0, true};
}

struct fpu_out chip_fpu_atom(struct chip *c, const struct datom *d, uint32_t a, uint32_t b, uint32_t flags)
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
	case OP_FCPY:
		c->fnew[d->rd] = *chip_freg(c, d->ra);
		out.v = (uint32_t)c->fnew[d->rd].mant;
		return out;
	default:
		break;
	}

	struct x87_reg va = {0, 0}, vb = {0, 0};
	uint8_t mem[8];
	memset(mem, 0, sizeof mem);
	if (d->op == OP_FCVI && d->x == ISA_FCVI_RAW) {
		/* the memory operand's bits, for a memory-form fop or fcmps: no
		 * conversion, nothing raised (the x87 instruction does both) */
		c->fnew[d->rd] = (struct x87_reg){(uint64_t)b << 32 | a, 0};
		out.v = a;
		return out;
	}
	if (d->op == OP_FCVI) {
		memcpy(mem, &a, 4);
		memcpy(mem + 4, &b, 4);
	} else if (d->op == OP_FCVO) {
		va = *chip_freg(c, d->ra);
	} else if (d->op != OP_FCON) {
		va = *chip_freg(c, d->ra);
		if ((isa_ops[d->op].fmt == F_FOP || isa_ops[d->op].fmt == F_FCMP) && d->x)
			memcpy(mem, &chip_freg(c, d->rb)->mant, 8);  /* the memory form's operand */
		else if (isa_ops[d->op].fmt == F_FOP || isa_ops[d->op].fmt == F_FCMP)
			vb = *chip_freg(c, d->rb);
	}
	unsigned kind = d->x < 7 ? d->x : 0;
	struct x87_op_io io = {flags, s->cw, 0};
	x87_host_op(c->fpu_stub[d->op - OP_FADD][kind], &va, &vb, mem, &io);
	unsigned raised = io.sw & X87_EXC;
	if (raised & ~s->cw & X87_EXC)
		return fpu_fault();
	unsigned def = c->fpu_cdef[d->op - OP_FADD][kind];
	s->sw = (uint16_t)((s->sw & ~def) | (io.sw & def) | raised);
	switch ((enum atom_op)d->op) {
	case OP_FCVO: {
		static const uint8_t word[7] = {0, 0, 1, 0, 0, 0, 1};
		uint32_t w;
		memcpy(&w, mem + 4 * word[d->x < 7 ? d->x : 0], 4);
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
		c->fnew[d->rd] = va;
		out.v = (uint32_t)va.mant;
		return out;
	}
}

void chip_fpu_retire(struct chip *c)
{
	for (unsigned m = c->fnew_mask; m; m &= m - 1) {
		unsigned f = (unsigned)__builtin_ctz(m);
		*chip_freg(c, f) = c->fnew[f];
	}
	c->fnew_mask = 0;
	c->fpu_dirty = true;
}
