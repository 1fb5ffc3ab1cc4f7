/* cms/insn/control.c — control transfer: jcc, jmp and call, ret, the loop
 * instructions and jecxz, and the software interrupts (int, int3, into).
 * The builders end the block: a direct target becomes a chainable exit, an
 * indirect one sets EIP and leaves through the native lookup routine. */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* ---- jcc ----------------------------------------------------------------- */

static enum x86_stop jcc_exec(struct x86_ctx *c, enum x86_op op)
{
	if (xf_cond(op - X86_OP_JO, c->r[X86_EFLAGS]))
		c->next_eip = branch_target(c);
	return X86_OK;
}

static void jcc_build(struct bctx *c, enum x86_op op)
{
	struct ir_block *b = c->b;
	b->end = END_COND;
	b->cond = op - X86_OP_JO;
	b->target = c->next + c->in->imm;
	b->fall = c->next;
	/* the branch itself is placed by the scheduler after everything */
	b->branch_op = ir_emit(c, OP_BC, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0, b->cond);
}

const struct x86_family x86_fam_jcc = {"jcc", jcc_exec, x86_osize32, jcc_build};

/* ---- jmp call ----------------------------------------------------------------- */

static enum x86_stop jmp_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t t;
	if (c->in->o[0].kind == X86_OPK_REL) {
		t = branch_target(c);
	} else {
		TRY(rd(c, 0, &t));
	}
	if (op == X86_OP_CALL && push_val(c, c->in->osize, c->next_eip) != X86_OK)
		return X86_FAULT_MEM;
	c->next_eip = t;
	return X86_OK;
}

static int jmp_can_build(const struct x86_insn *in)
{
	return in->osize == 4 && (in->o[0].kind == X86_OPK_REL || x86_reg_or_mem(&in->o[0]));
}

static void jmp_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	struct ir_block *b = c->b;
	int rel = c->in->o[0].kind == X86_OPK_REL;
	unsigned tgt = VREG_NONE;
	if (!rel)
		tgt = ir_in_reg(c, ir_read_opnd(c, 0, &mr, 0));  /* read before ESP moves */
	if (op == X86_OP_CALL && tgt == R_ESP) {
		/* `call *%esp` jumps where ESP pointed before the push */
		unsigned t = ir_temp(c);
		ir_emit(c, OP_MOV, t, VREG_NONE, tgt, 0, 0, 0);
		tgt = t;
	}
	if (op == X86_OP_CALL) {
		unsigned ret = ir_temp(c);
		ir_emit(c, OP_MOV, ret, VREG_NONE, VREG_NONE, c->next, 1, 0);
		ir_push_value(c, ret);
	}
	if (rel) {
		b->end = END_DIRECT;
		b->target = c->next + c->in->imm;
	} else {
		ir_emit(c, OP_MOV, R_EIP, VREG_NONE, tgt, 0, 0, 0);
		b->end = END_INDIRECT;
	}
}

const struct x86_family x86_fam_jmp = {"jmp", jmp_exec, jmp_can_build, jmp_build};

/* ---- ret -------------------------------------------------------------------- */

static enum x86_stop ret_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	unsigned size = c->in->osize;
	uint32_t t, sp = c->r[X86_ESP];
	TRY(load(c, sp, size, &t));
	c->r[X86_ESP] = sp + size + (c->in->nops ? (c->in->imm & 0xffff) : 0);
	c->next_eip = t;
	return X86_OK;
}

static void ret_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	unsigned t = ir_temp(c);
	ir_emit(c, OP_LD, t, R_ESP, VREG_NONE, 0, 0, MX_32);
	ir_emit(c, OP_ADD, R_ESP, R_ESP, VREG_NONE, 4 + (c->in->nops ? c->in->imm : 0), 1, 0);
	ir_emit(c, OP_MOV, R_EIP, VREG_NONE, t, 0, 0, 0);
	c->b->end = END_INDIRECT;
}

const struct x86_family x86_fam_ret = {"ret", ret_exec, x86_osize32, ret_build};

/* ---- loop loope loopne jecxz --------------------------------------------------- */

static enum x86_stop loop_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t *r = c->r;
	int take;
	if (op == X86_OP_JECXZ) {
		take = r[X86_ECX] == 0;
	} else {
		r[X86_ECX]--;
		take = r[X86_ECX] != 0;
		if (op == X86_OP_LOOPE)
			take = take && (r[X86_EFLAGS] & XF_ZF);
		else if (op == X86_OP_LOOPNE)
			take = take && !(r[X86_EFLAGS] & XF_ZF);
	}
	if (take)
		c->next_eip = branch_target(c);
	return X86_OK;
}

const struct x86_family x86_fam_loop = {"loop", loop_exec, NULL, NULL};

/* ---- int int3 into ------------------------------------------------------------- */

static enum x86_stop int_exec(struct x86_ctx *c, enum x86_op op)
{
	unsigned vec = c->in->imm & 0xff;
	switch (op) {
	case X86_OP_INT:
		/* Linux's IDT lets user mode reach only vectors 3, 4 and 0x80
		 * (gate DPL 3); any other `int n` is #GP (SDM vol. 3 6.12.1.1) */
		if (vec == 0x80)
			return X86_SYSCALL;
		if (vec == 3 || vec == 4) {
			c->trap = vec;
			return X86_TRAP;
		}
		return X86_FAULT_GP;
	case X86_OP_INT3:
		c->trap = 3;  /* #BP is a trap: EIP after the instruction */
		return X86_TRAP;
	default:  /* INTO */
		if (!(c->r[X86_EFLAGS] & XF_OF))
			return X86_OK;
		c->trap = 4;  /* #OF, a trap too */
		return X86_TRAP;
	}
}

const struct x86_family x86_fam_int = {"int", int_exec, NULL, NULL};
