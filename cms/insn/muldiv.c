/* cms/insn/muldiv.c — multiplies and divides.  MUL and the three IMUL
 * forms take their flags from xflags (XF_MUL, XF_IMUL); DIV and IDIV raise
 * #DE on a zero divisor and on a quotient that does not fit (SDM vol. 2
 * "DIV", "IDIV").  In translated code a divide fault of the chip rolls the
 * block back and the interpreter raises the precise #DE. */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* ---- mul imul ---------------------------------------------------------- */

static enum x86_stop mul_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t *r = c->r;
	unsigned size = c->in->o[0].size;
	uint32_t a, b, f;
	enum xf_op x = (enum xf_op)x86_xf_op(op);

	if (c->in->nops >= 2) { /* IMUL Gv,Ev / IMUL Gv,Ev,I */
		unsigned k = c->in->nops == 3 ? 1 : 0;
		TRY(rd(c, k, &a) || rd(c, k + 1, &b));
		uint32_t res = xf_eval(x, size, a, b, r[X86_EFLAGS], &f);
		reg_set(r, c->in->o[0].reg, size, res);
		set_flags(c, f);
		return X86_OK;
	}
	TRY(rd(c, 0, &b));
	a = reg_get(r, X86_EAX, size);
	uint64_t p;
	if (x == XF_MUL)
		p = (uint64_t)a * b;
	else
		p = (uint64_t)((int64_t)(int32_t)sext(a, size) * (int32_t)sext(b, size));
	xf_eval(x, size, a, b, r[X86_EFLAGS], &f);
	if (size == 1) {
		reg_set(r, X86_EAX, 2, (uint32_t)p);
	} else {
		reg_set(r, X86_EAX, size, (uint32_t)p);
		reg_set(r, X86_EDX, size, (uint32_t)(p >> (size * 8)));
	}
	set_flags(c, f);
	return X86_OK;
}

static int mul_can_build(const struct x86_insn *in)
{
	const struct x86_operand *o0 = &in->o[0];
	if (in->op == X86_OP_IMUL && in->nops >= 2)
		return o0->kind == X86_OPK_REG;
	return in->nops == 1 && o0->size == 4 && x86_reg_or_mem(o0);
}

/* imul r, r/m [, imm] */
static void imul23(struct bctx *c)
{
	struct memref mr = {0};
	unsigned size = opnd(c, 0)->size;
	struct val a = ir_read_opnd(c, c->in->nops == 3 ? 1 : 0, &mr, 0);
	struct val bv = ir_read_opnd(c, c->in->nops == 3 ? 2 : 1, &mr, 0);
	unsigned dst = ir_result_reg(c, 0);
	unsigned areg = ir_in_reg(c, a);
	if (bv.reg == VREG_NONE)
		ir_emit(c, ir_flag_atom(X86_OP_IMUL), dst, areg, VREG_NONE, bv.imm, 1, wcode(size));
	else
		ir_emit(c, ir_flag_atom(X86_OP_IMUL), dst, areg, bv.reg, 0, 0, wcode(size));
	ir_write_opnd(c, 0, dst, &mr);
}

/* mul/imul r/m32: EDX:EAX = EAX * src, CF = OF = high half significant */
static void mul_build(struct bctx *c, enum x86_op op)
{
	if (op == X86_OP_IMUL && c->in->nops >= 2) {
		imul23(c);
		return;
	}
	struct memref mr = {0};
	int sign = op == X86_OP_IMUL;
	unsigned src = ir_in_reg(c, ir_read_opnd(c, 0, &mr, 0));
	unsigned hi = ir_temp(c);
	ir_emit(c, sign ? OP_MULHS : OP_MULHU, hi, R_EAX, src, 0, 0, 0);
	ir_emit(c, ir_flag_atom(op), R_EAX, R_EAX, src, 0, 0, 0);
	ir_emit(c, OP_MOV, R_EDX, VREG_NONE, hi, 0, 0, 0);
}

const struct x86_family x86_fam_mul = {"mul", mul_exec, mul_can_build, mul_build};

/* ---- div idiv ----------------------------------------------------------- */

/* The flags are undefined; the host leaves them unchanged, and so do we. */
static enum x86_stop div_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t *r = c->r;
	unsigned size = c->in->o[0].size, bits = size * 8;
	uint32_t d;
	TRY(rd(c, 0, &d));
	if (d == 0)
		return X86_FAULT_DE;
	uint64_t n = size == 1 ? (r[X86_EAX] & 0xffff)
		   : ((uint64_t)reg_get(r, X86_EDX, size) << bits) | reg_get(r, X86_EAX, size);
	uint32_t q, rem;
	if (op == X86_OP_DIV) {
		uint64_t qq = n / d;
		if (qq > size_mask(size))
			return X86_FAULT_DE;
		q = (uint32_t)qq;
		rem = (uint32_t)(n % d);
	} else {
		/* sign-extend the 2*bits-wide dividend */
		int64_t sn = bits == 32 ? (int64_t)n
				       : (int64_t)(n << (64 - 2 * bits)) >> (64 - 2 * bits);
		int64_t sd = (int32_t)sext(d, size);
		if (sd == -1 && sn == INT64_MIN)
			return X86_FAULT_DE;
		int64_t qq = sn / sd;
		int64_t lim = (int64_t)1 << (bits - 1);
		if (qq >= lim || qq < -lim)
			return X86_FAULT_DE;
		q = (uint32_t)qq;
		rem = (uint32_t)(sn % sd);
	}
	if (size == 1) {
		reg_set(r, X86_EAX, 2, (q & 0xff) | (rem & 0xff) << 8);
	} else {
		reg_set(r, X86_EAX, size, q);
		reg_set(r, X86_EDX, size, rem);
	}
	return X86_OK;
}

static int div_can_build(const struct x86_insn *in)
{
	return in->nops == 1 && x86_reg_or_mem(&in->o[0]);
}

/* div/idiv r/m8 and r/m16: AX / src -> AL, AH; DX:AX / src -> AX, DX.
 * The chip divides 32 bits: a zero divisor faults there; a quotient too
 * wide for the operand is made to fault by dividing by the range check
 * (0 when it fails).  Either way the block rolls back and the interpreter
 * raises #DE at the instruction. */
static void div_narrow(struct bctx *c, int sign)
{
	struct memref mr = {0};
	unsigned size = opnd(c, 0)->size, bits = 8 * size;
	unsigned src = ir_in_reg(c, ir_read_opnd(c, 0, &mr, sign));
	unsigned d = ir_temp(c), n = ir_temp(c), q = ir_temp(c), rm = ir_temp(c), ok = ir_temp(c);
	ir_emit(c, sign ? OP_EXTS : OP_EXTU, d, src, VREG_NONE, 0 | bits << 8, 0, 0);
	if (size == 2)
		ir_emit(c, OP_DEP, n, R_EAX, R_EDX, 16 | 16 << 8, 0, 0);   /* DX:AX */
	else
		ir_emit(c, sign ? OP_EXTS : OP_EXTU, n, R_EAX, VREG_NONE, 0 | 16 << 8, 0, 0);
	ir_emit(c, sign ? OP_DIVS : OP_DIVU, q, n, d, 0, 0, 0);
	ir_emit(c, sign ? OP_REMS : OP_REMU, rm, n, d, 0, 0, 0);
	unsigned chk = q;
	if (sign) {
		chk = ir_temp(c);
		ir_emit(c, OP_ADD, chk, q, VREG_NONE, 1u << (bits - 1), 1, 0);
	}
	ir_emit(c, OP_SLTU, ok, chk, VREG_NONE, 1u << bits, 1, 0);
	ir_emit(c, OP_DIVU, R_ZERO, ok, ok, 0, 0, 0);
	if (size == 2) {
		ir_emit(c, OP_DEP, R_EAX, R_EAX, q, 0 | 16 << 8, 0, 0);
		ir_emit(c, OP_DEP, R_EDX, R_EDX, rm, 0 | 16 << 8, 0, 0);
	} else {
		ir_emit(c, OP_DEP, R_EAX, R_EAX, q, 0 | 8 << 8, 0, 0);
		ir_emit(c, OP_DEP, R_EAX, R_EAX, rm, 8 | 8 << 8, 0, 0);
	}
}

/* EDX:EAX / src; a zero divisor or an oversized quotient is the chip's
 * divide fault: rollback, and the interpreter raises #DE */
static void div_build(struct bctx *c, enum x86_op op)
{
	int sign = op == X86_OP_IDIV;
	if (c->in->o[0].size != 4) {
		div_narrow(c, sign);
		return;
	}
	struct memref mr = {0};
	unsigned src = ir_in_reg(c, ir_read_opnd(c, 0, &mr, 0));
	unsigned q = ir_temp(c), rm = ir_temp(c);
	ir_emit(c, sign ? OP_XDIVS : OP_XDIVU, q, R_EAX, src, 0, 0, 0);
	ir_emit(c, sign ? OP_XREMS : OP_XREMU, rm, R_EAX, src, 0, 0, 0);
	ir_emit(c, OP_MOV, R_EAX, VREG_NONE, q, 0, 0, 0);
	ir_emit(c, OP_MOV, R_EDX, VREG_NONE, rm, 0, 0, 0);
}

const struct x86_family x86_fam_div = {"div", div_exec, div_can_build, div_build};
