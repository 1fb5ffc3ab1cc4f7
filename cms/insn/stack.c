/* cms/insn/stack.c — the stack: push pop, pusha popa, pushf popf, enter
 * leave.  The stack is always 32-bit (flat SS); operand-size 16 forms move
 * 2 bytes. */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* EFLAGS bits POPF may change at CPL 3 with IOPL 0: the status flags, DF,
 * NT, AC and ID.  IF and IOPL are silently kept (SDM vol. 2 "POPF");
 * TF is kept clear because cdvm does not single-step guests. */
#define POPF_MASK (XF_STATUS | XF_DF | 0x4000u | 0x40000u | 0x200000u)

/* ---- push pop --------------------------------------------------------------- */

static enum x86_stop push_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t v;
	TRY(rd(c, 0, &v));
	return push_val(c, c->in->osize, v);
}

/* push [esp + d] reads its operand with the old ESP, as the builder does */
static int push_can_build(const struct x86_insn *in)
{
	return in->osize == 4 && (x86_reg_or_mem(&in->o[0]) || in->o[0].kind == X86_OPK_IMM);
}

static void push_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	struct memref mr = {0};
	ir_push_value(c, ir_in_reg(c, ir_read_opnd(c, 0, &mr, 0)));
}

const struct x86_family x86_fam_push = {"push", push_exec, push_can_build, push_build};

static enum x86_stop pop_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	const struct x86_insn *in = c->in;
	unsigned size = in->osize;
	uint32_t v, sp = c->r[X86_ESP];
	TRY(load(c, sp, size, &v));
	if (in->o[0].kind == X86_OPK_MEM) {
		/* the address is computed with ESP already incremented */
		TRY(seg_store(c, c->off + (in->base == X86_ESP ? size : 0), size, v));
		c->r[X86_ESP] = sp + size;
	} else {
		c->r[X86_ESP] = sp + size;
		reg_set(c->r, in->o[0].reg, size, v);
	}
	return X86_OK;
}

static int pop_can_build(const struct x86_insn *in)
{
	return in->osize == 4 && in->o[0].kind == X86_OPK_REG && in->o[0].reg != X86_ESP;
}

static void pop_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	unsigned t = ir_temp(c);
	ir_emit(c, OP_LD, t, R_ESP, VREG_NONE, 0, 0, MX_32);
	ir_emit(c, OP_ADD, R_ESP, R_ESP, VREG_NONE, 4, 1, 0);
	ir_emit(c, OP_MOV, xreg(opnd(c, 0)->reg), VREG_NONE, t, 0, 0, 0);
}

const struct x86_family x86_fam_pop = {"pop", pop_exec, pop_can_build, pop_build};

/* ---- pusha popa ---------------------------------------------------------------- */

/* EAX ECX EDX EBX (original) ESP EBP ESI EDI, one store after the other.
 * The host faults at the first store that does not fit and keeps the ones
 * before it (registers unchanged); so do we. */
static enum x86_stop pusha_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	unsigned size = c->in->osize;
	uint32_t sp = c->r[X86_ESP];
	for (unsigned k = 0; k < 8; k++)
		TRY(store(c, sp - (k + 1) * size, size, reg_get(c->r, k, size)));
	c->r[X86_ESP] = sp - 8 * size;
	return X86_OK;
}

const struct x86_family x86_fam_pusha = {"pusha", pusha_exec, NULL, NULL};

static enum x86_stop popa_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	unsigned size = c->in->osize;
	uint32_t sp = c->r[X86_ESP], v[8];
	for (unsigned k = 0; k < 8; k++)
		TRY(load(c, sp + k * size, size, &v[7 - k]));
	for (unsigned k = 0; k < 8; k++)
		if (k != X86_ESP)
			reg_set(c->r, k, size, v[k]);
	c->r[X86_ESP] = sp + 8 * size;
	return X86_OK;
}

const struct x86_family x86_fam_popa = {"popa", popa_exec, NULL, NULL};

/* ---- pushf popf ----------------------------------------------------------------- */

/* the image has VM and RF clear (SDM vol. 2 "PUSHF") */
static enum x86_stop pushf_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	return push_val(c, c->in->osize, c->r[X86_EFLAGS] & 0x00fcffffu);
}

const struct x86_family x86_fam_pushf = {"pushf", pushf_exec, NULL, NULL};

static enum x86_stop popf_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	unsigned size = c->in->osize;
	uint32_t v, sp = c->r[X86_ESP];
	TRY(load(c, sp, size, &v));
	uint32_t m = size == 2 ? (POPF_MASK & 0xffff) : POPF_MASK;
	c->r[X86_EFLAGS] = (c->r[X86_EFLAGS] & ~m) | (v & m) | 2;
	c->r[X86_ESP] = sp + size;
	return X86_OK;
}

const struct x86_family x86_fam_popf = {"popf", popf_exec, NULL, NULL};

/* ---- enter leave ------------------------------------------------------------------ */

/* ENTER imm16, level (SDM vol. 2 "ENTER", 32-bit stack and operands):
 *
 *   push EBP; frame <- ESP
 *   for i = 1 .. level-1: EBP <- EBP - 4; push [EBP]   (from the ORIGINAL EBP)
 *   if level > 0: push frame
 *   EBP <- frame; ESP <- ESP - imm16
 *
 * The copies are read one after the other, interleaved with the pushes, so
 * a copy may read a value this ENTER just pushed (EBP close above ESP).
 * Memory is written as it goes, as on the host: a fault part-way keeps the
 * earlier pushes and leaves the registers unchanged.  Last, the host checks
 * that the final stack pointer can be written ("#PF if a write using the
 * final value of the stack pointer would cause a page fault"). */
static enum x86_stop enter_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t *r = c->r;
	unsigned level = c->in->imm2 & 31;
	uint32_t sp = r[X86_ESP], bp = r[X86_EBP], frame = sp - 4, v;

	TRY(store(c, sp - 4, 4, bp));
	sp -= 4;
	if (level > 0) {
		for (unsigned i = 1; i < level; i++) {
			bp -= 4;
			TRY(load(c, bp, 4, &v) || store(c, sp - 4, 4, v));
			sp -= 4;
		}
		TRY(store(c, sp - 4, 4, frame));
		sp -= 4;
	}
	uint32_t final = sp - (c->in->imm & 0xffff);
	if (final != sp)
		TRY(probe_store(c, final, 4));
	r[X86_EBP] = frame;
	r[X86_ESP] = final;
	return X86_OK;
}

const struct x86_family x86_fam_enter = {"enter", enter_exec, NULL, NULL};

static enum x86_stop leave_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	unsigned size = c->in->osize;
	uint32_t v, bp = c->r[X86_EBP];
	TRY(load(c, bp, size, &v));
	c->r[X86_ESP] = bp + size;
	reg_set(c->r, X86_EBP, size, v);
	return X86_OK;
}

static void leave_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	unsigned t = ir_temp(c);
	ir_emit(c, OP_LD, t, R_EBP, VREG_NONE, 0, 0, MX_32);
	ir_emit(c, OP_ADD, R_ESP, R_EBP, VREG_NONE, 4, 1, 0);
	ir_emit(c, OP_MOV, R_EBP, VREG_NONE, t, 0, 0, 0);
}

const struct x86_family x86_fam_leave = {"leave", leave_exec, x86_osize32, leave_build};
