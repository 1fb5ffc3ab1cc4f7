/* cms/insn/move.c — data movement: mov, movzx/movsx, lea, the exchanges
 * (xchg xadd cmpxchg, cmpxchg8b), xlat, the sign extensions of EAX (cwde
 * cbw cdq cwd), setcc and cmovcc. */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* ---- mov ---------------------------------------------------------------- */

static enum x86_stop mov_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t v;
	TRY(rd(c, 1, &v) || wr(c, 0, v));
	return X86_OK;
}

static int mov_can_build(const struct x86_insn *in)
{
	const struct x86_operand *o0 = &in->o[0], *o1 = &in->o[1];
	return in->nops == 2 && x86_reg_or_mem(o0) && (x86_reg_or_mem(o1) || o1->kind == X86_OPK_IMM) &&
	       !(o0->kind == X86_OPK_MEM && o1->kind == X86_OPK_MEM);
}

static void mov_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	struct memref mr = {0};
	const struct x86_operand *d = opnd(c, 0);
	struct val v = ir_read_opnd(c, 1, &mr, 0);
	if (d->kind == X86_OPK_REG && d->size == 4 && v.reg == VREG_NONE) {
		ir_emit(c, OP_MOV, xreg(d->reg), VREG_NONE, VREG_NONE, v.imm, 1, 0);
		return;
	}
	ir_write_opnd(c, 0, ir_in_reg(c, v), &mr);
}

const struct x86_family x86_fam_mov = {"mov", mov_exec, mov_can_build, mov_build};

/* ---- movzx movsx ------------------------------------------------------------ */

static enum x86_stop movx_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t v;
	TRY(rd(c, 1, &v));
	if (op == X86_OP_MOVSX)
		v = sext(v, c->in->o[1].size);
	reg_set(c->r, c->in->o[0].reg, c->in->o[0].size, v);
	return X86_OK;
}

static int dst_reg(const struct x86_insn *in) { return in->o[0].kind == X86_OPK_REG; }

static void movx_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	int sign = op == X86_OP_MOVSX;
	const struct x86_operand *s = opnd(c, 1);
	unsigned dst = ir_result_reg(c, 0);
	if (s->kind == X86_OPK_MEM) {
		ir_address(c, &mr.base, &mr.disp);
		ir_emit(c, OP_LD, dst, mr.base, VREG_NONE, mr.disp, 0, mx_load(s->size, sign));
	} else {
		unsigned pos = (s->size == 1 && s->reg >= 4) ? 8 : 0;
		unsigned r = xreg(s->size == 1 && s->reg >= 4 ? s->reg - 4u : s->reg);
		ir_emit(c, sign ? OP_EXTS : OP_EXTU, dst, r, VREG_NONE, pos | (unsigned)s->size * 8 << 8, 0, 0);
	}
	ir_write_opnd(c, 0, dst, &mr);
}

const struct x86_family x86_fam_movx = {"movx", movx_exec, dst_reg, movx_build};

/* ---- lea ------------------------------------------------------------------- */

static enum x86_stop lea_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	reg_set(c->r, c->in->o[0].reg, c->in->o[0].size, mem_offset(c->r, c->in));
	return X86_OK;
}

static int lea_can_build(const struct x86_insn *in)
{
	return in->o[0].kind == X86_OPK_REG && in->o[1].kind == X86_OPK_MEM;
}

static void lea_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	struct memref mr = {0};
	unsigned base;
	uint32_t disp;
	ir_address(c, &base, &disp);
	unsigned dst = ir_result_reg(c, 0);
	ir_emit(c, OP_LEA, dst, base, R_ZERO, disp, 0, 0);
	ir_write_opnd(c, 0, dst, &mr);
}

const struct x86_family x86_fam_lea = {"lea", lea_exec, lea_can_build, lea_build};

/* ---- xchg xadd cmpxchg --------------------------------------------------------- */

static enum x86_stop xchg_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t *r = c->r;
	const struct x86_insn *in = c->in;
	unsigned size = in->o[0].size;
	uint32_t a, b, f;
	TRY(rd(c, 0, &a) || rd(c, 1, &b));
	switch (op) {
	case X86_OP_XCHG:
		TRY(wr(c, 0, b));
		wr(c, 1, a);
		return X86_OK;
	case X86_OP_XADD: {
		/* SDM vol. 2 "XADD": TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP.
		 * The destination is written last, so `xadd ebp, ebp` (and
		 * `xadd dh, dh`) leaves the sum.  A memory destination is the
		 * only store and happens first (the source is a register). */
		uint32_t sum = xf_eval(XF_ADD, size, a, b, r[X86_EFLAGS], &f);
		if (in->o[0].kind == X86_OPK_MEM) {
			TRY(wr(c, 0, sum));
			wr(c, 1, a);
		} else {
			wr(c, 1, a);
			wr(c, 0, sum);
		}
		set_flags(c, f);
		return X86_OK;
	}
	default: { /* CMPXCHG: the destination is written either way */
		uint32_t acc = reg_get(r, X86_EAX, size);
		xf_eval(XF_SUB, size, acc, a, r[X86_EFLAGS], &f);
		int eq = acc == a;
		if (in->o[0].kind == X86_OPK_MEM)
			TRY(seg_store(c, c->off, size, eq ? b : a));
		else if (eq)
			reg_set(r, in->o[0].reg, size, b);
		if (!eq)
			reg_set(r, X86_EAX, size, a);
		set_flags(c, f);
		return X86_OK;
	}
	}
}

/* xchg r32, r32 only */
static int xchg_can_build(const struct x86_insn *in)
{
	return in->o[0].kind == X86_OPK_REG && in->o[1].kind == X86_OPK_REG && in->o[0].size == 4;
}

static void xchg_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	unsigned r0 = xreg(c->in->o[0].reg), r1 = xreg(c->in->o[1].reg);
	if (r0 == r1)
		return;
	unsigned t = ir_temp(c);
	ir_emit(c, OP_MOV, t, VREG_NONE, r0, 0, 0, 0);
	ir_emit(c, OP_MOV, r0, VREG_NONE, r1, 0, 0, 0);
	ir_emit(c, OP_MOV, r1, VREG_NONE, t, 0, 0, 0);
}

const struct x86_family x86_fam_xchg = {"xchg", xchg_exec, xchg_can_build, xchg_build};
/* xadd cmpxchg: interpreted */
const struct x86_family x86_fam_xadd = {"xadd", xchg_exec, NULL, NULL};

/* ---- cmpxchg8b -------------------------------------------------------------- */

static enum x86_stop cmpxchg8b_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t *r = c->r, lo, hi;
	TRY(seg_limit(c, seg_base(r, c->in->seg), c->off, 8) ||
	    load(c, c->addr, 4, &lo) || load(c, c->addr + 4, 4, &hi));
	int eq = lo == r[X86_EAX] && hi == r[X86_EDX];
	uint32_t nlo = eq ? r[X86_EBX] : lo, nhi = eq ? r[X86_ECX] : hi;
	/* The low dword's store is probed first, so the second store of the
	 * pair cannot fault after the first one happened. */
	TRY(probe_store(c, c->addr, 4) || store(c, c->addr + 4, 4, nhi) ||
	    store(c, c->addr, 4, nlo));
	if (!eq) {
		r[X86_EAX] = lo;
		r[X86_EDX] = hi;
	}
	r[X86_EFLAGS] = (r[X86_EFLAGS] & ~XF_ZF) | (eq ? XF_ZF : 0);
	return X86_OK;
}

const struct x86_family x86_fam_cmpxchg8b = {"cmpxchg8b", cmpxchg8b_exec, NULL, NULL};

/* ---- xlat ------------------------------------------------------------------ */

static enum x86_stop xlat_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t *r = c->r, v;
	TRY(seg_load(c, r[X86_EBX] + (r[X86_EAX] & 0xff), 1, &v));
	reg_set(r, X86_EAX, 1, v);
	return X86_OK;
}

const struct x86_family x86_fam_xlat = {"xlat", xlat_exec, NULL, NULL};

/* ---- cwde cbw cdq cwd -------------------------------------------------------- */

static enum x86_stop convert_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t *r = c->r;
	switch (op) {
	case X86_OP_CWDE: r[X86_EAX] = sext(r[X86_EAX], 2); break;
	case X86_OP_CBW: reg_set(r, X86_EAX, 2, sext(r[X86_EAX], 1)); break;
	case X86_OP_CDQ: r[X86_EDX] = (r[X86_EAX] & 0x80000000u) ? 0xffffffffu : 0; break;
	default: reg_set(r, X86_EDX, 2, (r[X86_EAX] & 0x8000) ? 0xffff : 0); break;  /* CWD */
	}
	return X86_OK;
}

/* cwde and cdq are the 32-bit forms, cbw and cwd the 16-bit ones */
static int convert_can_build(const struct x86_insn *in)
{
	return in->osize == ((in->op == X86_OP_CWDE || in->op == X86_OP_CDQ) ? 4 : 2);
}

static void convert_build(struct bctx *c, enum x86_op op)
{
	switch (op) {
	case X86_OP_CDQ:
		ir_emit(c, OP_SAR, R_EDX, R_EAX, VREG_NONE, 31, 1, 0);
		break;
	case X86_OP_CWDE:
		ir_emit(c, OP_EXTS, R_EAX, R_EAX, VREG_NONE, 0 | 16 << 8, 0, 0);
		break;
	default: {
		/* AX = sext(AL); DX = 16 copies of AX's sign */
		unsigned t = ir_temp(c);
		int cbw = op == X86_OP_CBW;
		ir_emit(c, OP_EXTS, t, R_EAX, VREG_NONE, cbw ? (0 | 8 << 8) : (15 | 1 << 8), 0, 0);
		ir_emit(c, OP_DEP, cbw ? R_EAX : R_EDX, cbw ? R_EAX : R_EDX, t, 0 | 16 << 8, 0, 0);
		break;
	}
	}
}

const struct x86_family x86_fam_convert = {"convert", convert_exec, convert_can_build, convert_build};

/* ---- setcc cmovcc -------------------------------------------------------------- */

static enum x86_stop setcc_exec(struct x86_ctx *c, enum x86_op op)
{
	TRY(wr(c, 0, xf_cond(op - X86_OP_SETO, c->r[X86_EFLAGS])));
	return X86_OK;
}

static int setcc_can_build(const struct x86_insn *in) { return x86_reg_or_mem(&in->o[0]); }

static void setcc_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	unsigned t = ir_temp(c);
	ir_emit(c, OP_SETC, t, VREG_NONE, VREG_NONE, 0, 0, op - X86_OP_SETO);
	ir_write_opnd(c, 0, t, &mr);
}

const struct x86_family x86_fam_setcc = {"setcc", setcc_exec, setcc_can_build, setcc_build};

static enum x86_stop cmovcc_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t v;
	/* the source is read (and may fault) either way */
	TRY(rd(c, 1, &v));
	if (xf_cond(op - X86_OP_CMOVO, c->r[X86_EFLAGS]))
		reg_set(c->r, c->in->o[0].reg, c->in->o[0].size, v);
	return X86_OK;
}

static int cmovcc_can_build(const struct x86_insn *in) { return in->o[0].size == 4; }

static void cmovcc_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	/* the source is read (and may fault) whatever the condition */
	unsigned s = ir_in_reg(c, ir_read_opnd(c, 1, &mr, 0));
	unsigned d = xreg(c->in->o[0].reg);
	ir_emit(c, OP_SEL, d, s, d, 0, 0, op - X86_OP_CMOVO);
}

const struct x86_family x86_fam_cmovcc = {"cmovcc", cmovcc_exec, cmovcc_can_build, cmovcc_build};
