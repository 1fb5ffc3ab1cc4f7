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
 * orders the atoms whose effects on them must come in x86 order, a
 * bundle apart: cms/translate/sched.c, fpu_edges).
 *
 * This file makes each atom's plan once, when the chip is built (its
 * host instruction, the condition codes that writes, where its operands
 * come from); executing an atom is chip_fpu_atom (hw-sim/fpu_atom.h),
 * inlined into the pipeline's loop: an FPU atom costs a few host
 * instructions around the one that computes it. */
#include "hw-sim/chip_priv.h"
#include "hw-sim/fpu_atom.h"
#include "native-isa/isa_priv.h"

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

static enum fpu_form form_of(unsigned op, unsigned x)
{
	enum atom_fmt fmt = isa_ops[op].fmt;
	if (op == OP_FMV)
		return FF_RAW;
	if (op == OP_FCVI)
		return FF_CVI;
	if (op == OP_FCON)
		return FF_CON;
	if (fmt == F_FOP || fmt == F_FCMP)
		return x ? FF_MEM : FF_BIN;
	return FF_UN;
}

void chip_fpu_calibrate(struct chip *c)
{
	for (unsigned op = OP_FADD; op <= OP_FMV; op++) {
		struct fpu_plan kinds[7] = {{0, 0, 0}};
		for (unsigned x = 0; x < 7; x++) {
			/* every kind the atom's x field takes (a format without one: 0) */
			if (x && !((isa_fmt_fields(isa_ops[op].fmt) & FLD_X) && isa_x_valid(op, x)))
				continue;
			if (op == OP_FMV)
				continue;  /* no x87 instruction: the bits as they are */
			struct datom d = {.op = (uint8_t)op, .x = (uint8_t)x};
			uint8_t esc, modrm;
			insn_of(&d, &esc, &modrm);
			kinds[x].cdef = x87_cc_defined(esc, modrm);
			kinds[x].stub = (uint16_t)x87_stub(esc, modrm);
		}
		/* an x beyond the kinds runs kind 0's instruction */
		for (unsigned x = 0; x < 16; x++) {
			struct fpu_plan *p = &c->fpu_plan[op - OP_FADD][x];
			*p = kinds[x < 7 ? x : 0];
			p->form = (uint8_t)form_of(op, x);
		}
	}
}
