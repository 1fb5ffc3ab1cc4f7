/* cms/insn/arith.c — the arithmetic families: the ALU group (add or adc
 * sbb and sub xor cmp, test), shifts and rotates, and the unary operations
 * (inc dec not neg).  Every result and flag comes from the operation
 * ops.def names (xflags.h): the interpreter evaluates it with xf_eval, the
 * translator emits the chip's flag atom for it, so the two can only
 * disagree on operands, never on results or flags. */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* ---- ALU group ---------------------------------------------------------- */

static enum x86_stop alu_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t a, b, f;
	TRY(rd(c, 0, &a) || rd(c, 1, &b));
	enum xf_op x = (enum xf_op)x86_xf_op(op);
	uint32_t res = xf_eval(x, c->in->o[0].size, a, b, c->r[X86_EFLAGS], &f);
	if (x86_op_use(op, 0) & X86_USE_W)
		TRY(wr(c, 0, res));
	set_flags(c, f);
	return X86_OK;
}

static int alu_can_build(const struct x86_insn *in)
{
	return in->nops == 2 && x86_reg_or_mem(&in->o[0]);
}

/* op r/m, r/m/imm with x86 flags (ALU group and shifts); cmp and test
 * write only the flags. */
static void alu_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	int writes = (x86_op_use(op, 0) & X86_USE_W) != 0;
	unsigned size = opnd(c, 0)->size;
	struct val a = ir_read_opnd(c, 0, &mr, 0);
	struct val bv = ir_read_opnd(c, 1, &mr, 0);
	unsigned dst = writes ? ir_result_reg(c, 0) : R_ZERO;
	unsigned atom = ir_flag_atom(op);
	unsigned areg = ir_in_reg(c, a);
	if (bv.reg == VREG_NONE)
		ir_emit(c, atom, dst, areg, VREG_NONE, bv.imm, 1, wcode(size));
	else
		ir_emit(c, atom, dst, areg, bv.reg, 0, 0, wcode(size));
	if (writes)
		ir_write_opnd(c, 0, dst, &mr);
}

const struct x86_family x86_fam_alu = {"alu", alu_exec, alu_can_build, alu_build};

/* ---- shifts and rotates -------------------------------------------------- */

static enum x86_stop shift_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t a, n, f;
	TRY(rd(c, 0, &a) || rd(c, 1, &n));
	/* ROL/ROR by an immediate count > 1 (C0/C1): OF is undefined, and the
	 * host leaves it unchanged for a register operand (xf_eval_imm, which
	 * the chip's atoms use too) but computes it from the first one-bit
	 * step for a memory operand, as xf_eval does for every CL count
	 * (measured: rol -> bit31^bit30, ror -> bit0^bit31 of the original) */
	int imm = c->in->map == 0 && (c->in->opcode & 0xfe) == 0xc0 &&
		  c->in->o[0].kind == X86_OPK_REG;
	uint32_t res = (imm ? xf_eval_imm : xf_eval)((enum xf_op)x86_xf_op(op),
						       c->in->o[0].size, a, n,
						       c->r[X86_EFLAGS], &f);
	TRY(wr(c, 0, res));
	set_flags(c, f);
	return X86_OK;
}

static int shift_can_build(const struct x86_insn *in)
{
	switch (in->op) {
	case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
		return in->nops == 2 && x86_reg_or_mem(&in->o[0]);
	case X86_OP_ROL: case X86_OP_ROR:
		/* the chip's rotate atoms follow x86's register forms (an immediate
		 * count > 1 leaves OF alone, xf_eval_imm); the host CPU defines OF
		 * differently for memory operands, so those stay interpreted */
		return in->nops == 2 && in->o[0].kind == X86_OPK_REG;
	default:
		return 0;
	}
}

const struct x86_family x86_fam_shift = {"shift", shift_exec, shift_can_build, alu_build};
/* rotates through CF: interpreted (at 8 and 16 bits the count is taken
 * mod 9 and 17, which the chip's atoms do too, but flag liveness cannot
 * tell whether one writes anything) */
const struct x86_family x86_fam_rcshift = {"rcshift", shift_exec, NULL, NULL};

/* ---- inc dec not neg ------------------------------------------------------ */

static enum x86_stop unary_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t a, f = c->r[X86_EFLAGS], res;
	TRY(rd(c, 0, &a));
	if (op == X86_OP_NOT)
		res = ~a;
	else
		res = xf_eval((enum xf_op)x86_xf_op(op), c->in->o[0].size, a, 0, f, &f);
	TRY(wr(c, 0, res));
	set_flags(c, f);
	return X86_OK;
}

static int unary_can_build(const struct x86_insn *in)
{
	return in->nops == 1 && x86_reg_or_mem(&in->o[0]);
}

static void unary_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	unsigned size = opnd(c, 0)->size;
	unsigned a = ir_in_reg(c, ir_read_opnd(c, 0, &mr, 0));
	unsigned dst = ir_result_reg(c, 0);
	if (op == X86_OP_NOT)
		ir_emit(c, OP_XOR, dst, a, VREG_NONE, 0xffffffffu, 1, 0);  /* NOT: no flags */
	else
		ir_emit(c, ir_flag_atom(op), dst, a, VREG_NONE, 0, 0, wcode(size));
	ir_write_opnd(c, 0, dst, &mr);
}

const struct x86_family x86_fam_unary = {"unary", unary_exec, unary_can_build, unary_build};
