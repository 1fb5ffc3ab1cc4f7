/* cms/translate/build.c — x86 -> IR.
 *
 * Each x86 instruction the translator takes becomes a few native-level
 * operations on the fixed x86 registers and temporaries, built by its
 * family (cms/insn/ files, beside the interpreter handler of the same
 * instruction; ops.def names the family).  This file holds the loop over
 * the block, the block's ending (retired count, EIP, commit, exit) and the
 * operand conventions the builders share (build.h).  --verify checks every
 * translation against the interpreter at run time.
 *
 * Instructions not taken end the block before them; the dispatcher
 * interprets them (string instructions, system calls, ...).  shld/shrd
 * are built without their flags: translate.c keeps them out of regions
 * that read those flags (ir_shiftd_flags_read). */
#include "cms/translate/build.h"
#include "native-isa/xflags.h"

#include <string.h>

int ir_emit(struct bctx *c, unsigned op, unsigned dst, unsigned a, unsigned bb, uint32_t imm, int use_imm,
		unsigned x)
{
	struct ir_block *b = c->b;
	if (b->nops >= IR_MAX_OPS) {
		b->failed = 1;
		return -1;
	}
	struct ir_op *o = &b->ops[b->nops];
	memset(o, 0, sizeof *o);
	o->op = (uint8_t)op;
	o->dst = (uint16_t)dst;
	o->a = (uint16_t)a;
	o->b = (uint16_t)bb;
	o->imm = imm;
	o->use_imm = (uint8_t)use_imm;
	o->x = (uint8_t)x;
	o->insn = (uint16_t)c->insn;
	return (int)b->nops++;
}

unsigned ir_temp(struct bctx *c)
{
	return VREG_TEMP + c->b->ntemps++;
}

/* ---- addresses ------------------------------------------------------------ */

/* Computes the effective address of the memory operand as (base vreg, disp). */
void ir_address(struct bctx *c, unsigned *base, uint32_t *disp)
{
	const struct x86_insn *in = c->in;
	unsigned seg = in->seg == X86_SEG_FS ? R_FSBASE : in->seg == X86_SEG_GS ? R_GSBASE : R_ZERO;
	unsigned b = in->base != X86_NOREG ? xreg(in->base) : R_ZERO;
	if (in->index != X86_NOREG) {
		unsigned t = ir_temp(c);
		ir_emit(c, OP_LEA, t, b, xreg(in->index), in->disp, 0, in->scale);
		b = t;
		*disp = 0;
	} else {
		*disp = in->disp;
	}
	if (seg != R_ZERO) {
		unsigned t = ir_temp(c);
		if (b == R_ZERO) {
			ir_emit(c, OP_ADD, t, seg, VREG_NONE, *disp, 1, 0);
			*disp = 0;
		} else {
			ir_emit(c, OP_ADD, t, b, seg, 0, 0, 0);
		}
		b = t;
	}
	*base = b;
}

static unsigned mx_store(unsigned size) { return size == 1 ? MX_U8 : size == 2 ? MX_U16 : MX_32; }

/* ---- operand values ---------------------------------------------------------- */

/* The value of operand i (memory: loaded once, address remembered). */
struct val ir_read_opnd(struct bctx *c, unsigned i, struct memref *mr, int sign)
{
	const struct x86_operand *o = opnd(c, i);
	struct val v = {VREG_NONE, 0};
	switch (o->kind) {
	case X86_OPK_REG:
		if (o->size == 1 && o->reg >= 4) {
			v.reg = ir_temp(c);
			ir_emit(c, sign ? OP_EXTS : OP_EXTU, v.reg, xreg(o->reg - 4), VREG_NONE, 8 | 8 << 8, 0, 0);
		} else {
			v.reg = xreg(o->reg);
		}
		return v;
	case X86_OPK_IMM:
		v.imm = c->in->imm;
		return v;
	case X86_OPK_MEM:
		if (!mr->valid) {
			ir_address(c, &mr->base, &mr->disp);
			mr->valid = 1;
		}
		v.reg = ir_temp(c);
		ir_emit(c, OP_LD, v.reg, mr->base, VREG_NONE, mr->disp, 0, mx_load(o->size, sign));
		return v;
	default:
		c->b->failed = 1;
		return v;
	}
}

/* A value in a register (materializes immediates). */
unsigned ir_in_reg(struct bctx *c, struct val v)
{
	if (v.reg != VREG_NONE)
		return v.reg;
	unsigned t = ir_temp(c);
	ir_emit(c, OP_MOV, t, VREG_NONE, VREG_NONE, v.imm, 1, 0);
	return t;
}

/* Write `src` (low `size` bytes meaningful) to operand i. */
void ir_write_opnd(struct bctx *c, unsigned i, unsigned src, struct memref *mr)
{
	const struct x86_operand *o = opnd(c, i);
	if (o->kind == X86_OPK_MEM) {
		if (!mr->valid) {
			ir_address(c, &mr->base, &mr->disp);
			mr->valid = 1;
		}
		ir_emit(c, OP_ST, VREG_NONE, mr->base, src, mr->disp, 0, mx_store(o->size));
		c->b->nstores++;
		return;
	}
	if (o->kind != X86_OPK_REG) {
		c->b->failed = 1;
		return;
	}
	if (o->size == 4) {
		if (src != xreg(o->reg))
			ir_emit(c, OP_MOV, xreg(o->reg), VREG_NONE, src, 0, 0, 0);
	} else if (o->size == 2) {
		ir_emit(c, OP_DEP, xreg(o->reg), xreg(o->reg), src, 0 | 16 << 8, 0, 0);
	} else if (o->reg < 4) {
		ir_emit(c, OP_DEP, xreg(o->reg), xreg(o->reg), src, 0 | 8 << 8, 0, 0);
	} else {
		ir_emit(c, OP_DEP, xreg(o->reg - 4), xreg(o->reg - 4), src, 8 | 8 << 8, 0, 0);
	}
}

/* Destination register for a result that will be written to operand i:
 * the fixed register itself when it is a full 32-bit register. */
unsigned ir_result_reg(struct bctx *c, unsigned i)
{
	const struct x86_operand *o = opnd(c, i);
	if (o->kind == X86_OPK_REG && o->size == 4)
		return xreg(o->reg);
	return ir_temp(c);
}

/* The chip's flag atom for an x86 operation: the interpreter computes it
 * with the same xflags operation (ops.def's column), the chip through the
 * atom (ISA_FLAG_ATOMS). */
unsigned ir_flag_atom(unsigned op)
{
	return isa_xf_atom(x86_xf_op((enum x86_op)op));
}

void ir_push_value(struct bctx *c, unsigned reg)
{
	ir_emit(c, OP_ST, VREG_NONE, R_ESP, reg, (uint32_t)-4, 0, MX_32);
	c->b->nstores++;
	ir_emit(c, OP_SUB, R_ESP, R_ESP, VREG_NONE, 4, 1, 0);
}

/* ---- which instructions the translator takes --------------------------------- */

static int is_string_or_sys(const struct x86_insn *in)
{
	for (unsigned i = 0; i < in->nops; i++)
		if (in->o[i].kind == X86_OPK_STRSRC || in->o[i].kind == X86_OPK_STRDST || in->o[i].kind == X86_OPK_SREG)
			return 1;
	return 0;
}

int ir_supported(const struct x86_insn *in)
{
	if (is_string_or_sys(in) || (in->prefixes & (X86_PFX_LOCK | X86_PFX_ADDRSIZE)) || in->rep)
		return 0;
	const struct x86_family *f = x86_family_of(in->op);
	return f->can_build && f->can_build(in);
}

/* A region's control transfer inside it (region.c followed it): a
 * conditional branch becomes a side exit to the direction not followed, a
 * followed return a guard that leaves through an indirect side exit when
 * the address on the stack is not the one the trace assumed; a direct
 * jump or call simply goes on (the call's push stays). */
static void continue_region(struct bctx *c, unsigned i)
{
	struct ir_block *b = c->b;
	enum ir_end end = b->end;
	b->end = END_DIRECT;
	if (end == END_DIRECT && b->branch_op < 0)
		return;
	if (b->follow[i] == FOLLOW_IFCONV) {
		/* no branch: rename.c selects between the body's values and
		 * the ones before it on the branch's condition */
		if (end != END_COND || b->branch_op != (int)b->nops - 1) {
			b->failed = 1;
			return;
		}
		b->nops--;
		b->branch_op = -1;
		return;
	}
	if (b->nsides == IR_MAX_SIDES) {
		b->failed = 1;
		return;
	}
	struct ir_side *sd = &b->sides[b->nsides];
	sd->ninsns = i + 1;
	sd->eip_vreg = VREG_NONE;
	sd->branch = b->insn_eip[i];
	sd->promise = b->promise[i];
	sd->way = end != END_COND ? SIDE_WAY_RET : b->follow[i] == FOLLOW_TAKEN ? SIDE_WAY_FALL : SIDE_WAY_TAKEN;
	x87_note_side(c, &sd->fp);
	if (end == END_COND) {
		if (b->follow[i] == FOLLOW_TAKEN)
			ir_invert_branch(b);   /* leave where the trace does not go */
		sd->target = b->target;
		sd->op = b->branch_op;
		b->branch_op = -1;
	} else {
		/* ret: the builder's last op set EIP from the loaded address */
		struct ir_op *o = &b->ops[b->nops - 1];
		if (end != END_INDIRECT || o->dst != R_EIP || o->use_imm) {
			b->failed = 1;
			return;
		}
		unsigned addr = o->b, g = ir_temp(c);
		o->op = OP_SNE;
		o->dst = (uint16_t)g;
		o->a = (uint16_t)addr;
		o->b = VREG_NONE;
		o->use_imm = 1;
		o->imm = b->ret_expect[i];
		sd->eip_vreg = (uint16_t)addr;
		sd->target = 0;
		sd->op = ir_emit(c, OP_BNZ, VREG_NONE, g, VREG_NONE, 0, 0, 0);
		if (sd->op < 0)
			return;
	}
	b->ops[sd->op].side = (uint8_t)(b->nsides + 1);
	b->nsides++;
}

/* Builds the IR of every selected instruction (a region's control
 * transfers inside it become side exits or nothing). */
int ir_build_insns(struct ir_block *b)
{
	struct bctx c = {.b = b};
	b->nops = 0;
	b->ntemps = 0;
	b->nstores = 0;
	b->failed = 0;
	b->end = END_DIRECT;
	b->target = b->end_eip;
	b->branch_op = -1;
	b->ntail = 0;
	b->nsides = 0;
	if (b->fp_entry >= 0)
		x87_build_begin(&c);
	for (unsigned i = 0; i < b->ninsns && !b->failed; i++) {
		c.insn = i;
		c.in = &b->insns[i];
		c.next = b->insn_eip[i] + c.in->len;
		const struct x86_family *f = x86_family_of(c.in->op);
		if (f->build)
			f->build(&c, (enum x86_op)c.in->op);
		else
			b->failed = 1;
		if (b->region && i + 1 < b->ninsns && (x86_op_flags((enum x86_op)c.in->op) & OPF_BRANCH))
			continue_region(&c, i);
	}
	if (c.fp.on)
		x87_build_end(&c);
	if (b->end == END_DIRECT && b->branch_op < 0 && b->ninsns &&
	    !(x86_op_flags((enum x86_op)b->insns[b->ninsns - 1].op) & OPF_BRANCH))
		b->target = b->end_eip;
	return b->failed ? -1 : 0;
}

/* The ending: retired count, EIP, commit and exit. */
int ir_build_end(struct ir_block *b)
{
	struct bctx c = {.b = b};
	/* translated code counts the x86 instructions it retires */
	c.insn = b->ninsns ? b->ninsns - 1 : 0;
	ir_emit(&c, OP_ADD, R_RETIRED, R_RETIRED, VREG_NONE, b->ninsns, 1, 0);
	/* an unconditional ending leaves from the block's last bundle: EIP is
	 * set like any register, then commit and exit (which chaining turns
	 * into a branch to the successor) come after everything else */
	if (b->end != END_COND) {
		if (b->end == END_DIRECT)
			ir_emit(&c, OP_MOV, R_EIP, VREG_NONE, VREG_NONE, b->target, 1, 0);
		b->tail_ops[b->ntail++] = ir_emit(&c, OP_COMMIT, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0, 0);
		b->tail_ops[b->ntail++] = ir_emit(&c, OP_EXIT, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0, 0);
	}
	return b->failed ? -1 : 0;
}

int ir_add_counter(struct ir_block *b)
{
	struct bctx c = {.b = b, .insn = 0};
	unsigned t = ir_temp(&c), u = ir_temp(&c);
	ir_emit(&c, OP_LD, t, R_ZERO, VREG_NONE, 0, 0, MX_32 | MX_HIDDEN);
	ir_emit(&c, OP_SUB, u, t, VREG_NONE, 1, 1, 0);
	ir_emit(&c, OP_ST, VREG_NONE, R_ZERO, u, 0, 0, MX_32 | MX_HIDDEN);
	int br = ir_emit(&c, OP_BZ, VREG_NONE, u, VREG_NONE, 0, 0, 0);
	if (br < 0)
		return -1;
	b->ops[br].side = SIDE_HOT;
	return 0;
}

int ir_build(struct ir_block *b)
{
	return ir_build_insns(b) < 0 ? -1 : ir_build_end(b);
}

void ir_invert_branch(struct ir_block *b)
{
	uint32_t t = b->target;
	b->cond ^= 1;   /* x86 conditions come in pairs: cc ^ 1 is the opposite */
	b->ops[b->branch_op].x = (uint8_t)b->cond;
	b->target = b->fall;
	b->fall = t;
}
