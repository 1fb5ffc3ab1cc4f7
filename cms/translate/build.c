/* cms/translate/build.c — x86 -> IR.
 *
 * Each supported x86 instruction becomes a few native-level operations on
 * the fixed x86 registers and temporaries.  What an arithmetic instruction
 * computes is described once: x86_xf_op() (cms/x86) names the xflags
 * operation, which the interpreter evaluates with xf_eval and the chip with
 * the flag atom ISA_FLAG_ATOMS pairs with it, so the two can only disagree
 * on operands, never on results or flags; the decoder is shared too.
 * --verify checks the rest against the interpreter at run time.
 *
 * Operand conventions: a 32-bit register operand is its fixed vreg; 8- and
 * 16-bit results are merged into their register with `dep`; AH..BH are
 * read with `extu` and written with `dep` at bit 8.  Flag atoms ignore
 * operand bits above their width, so narrow sources need no extension.
 * Memory operands become `ld`/`st` at [base + disp] or at an address
 * computed by `lea`; FS/GS overrides add the segment base register.
 *
 * Instructions not handled here end the block before them; the dispatcher
 * interprets them (string instructions, system calls, ...).  shld/shrd
 * are built without their flags: translate.c keeps them out of regions
 * that read those flags (ir_shiftd_flags_read). */
#include "cms/translate/ir.h"
#include "native-isa/xflags.h"

#include <string.h>

struct bctx {
	struct ir_block *b;
	unsigned insn;          /* current instruction index */
	const struct x86_insn *in;
};

static int emit(struct bctx *c, unsigned op, unsigned dst, unsigned a, unsigned bb, uint32_t imm, int use_imm,
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

static unsigned temp(struct bctx *c)
{
	return VREG_TEMP + c->b->ntemps++;
}

static unsigned xreg(unsigned r) { return R_EAX + r; }

/* width code of flag atoms: 0 = 32, 1 = 8, 2 = 16 */
static unsigned wcode(unsigned size) { return size == 1 ? 1 : size == 2 ? 2 : 0; }

static const struct x86_operand *opnd(struct bctx *c, unsigned i) { return &c->in->o[i]; }

/* ---- addresses ------------------------------------------------------------ */

/* Computes the effective address of the memory operand as (base vreg, disp). */
static void address(struct bctx *c, unsigned *base, uint32_t *disp)
{
	const struct x86_insn *in = c->in;
	unsigned seg = in->seg == X86_SEG_FS ? R_FSBASE : in->seg == X86_SEG_GS ? R_GSBASE : R_ZERO;
	unsigned b = in->base != X86_NOREG ? xreg(in->base) : R_ZERO;
	if (in->index != X86_NOREG) {
		unsigned t = temp(c);
		emit(c, OP_LEA, t, b, xreg(in->index), in->disp, 0, in->scale);
		b = t;
		*disp = 0;
	} else {
		*disp = in->disp;
	}
	if (seg != R_ZERO) {
		unsigned t = temp(c);
		if (b == R_ZERO) {
			emit(c, OP_ADD, t, seg, VREG_NONE, *disp, 1, 0);
			*disp = 0;
		} else {
			emit(c, OP_ADD, t, b, seg, 0, 0, 0);
		}
		b = t;
	}
	*base = b;
}

static unsigned mx_load(unsigned size, int sign)
{
	return size == 1 ? (sign ? MX_S8 : MX_U8) : size == 2 ? (sign ? MX_S16 : MX_U16) : MX_32;
}

static unsigned mx_store(unsigned size) { return size == 1 ? MX_U8 : size == 2 ? MX_U16 : MX_32; }

/* ---- operand values ---------------------------------------------------------- */

struct val {
	unsigned reg;      /* vreg holding it, or VREG_NONE for an immediate */
	uint32_t imm;
};

/* The value of operand i (memory: loaded once, address remembered). */
struct memref {
	int valid;
	unsigned base;
	uint32_t disp;
};

static struct val read_opnd(struct bctx *c, unsigned i, struct memref *mr, int sign)
{
	const struct x86_operand *o = opnd(c, i);
	struct val v = {VREG_NONE, 0};
	switch (o->kind) {
	case X86_OPK_REG:
		if (o->size == 1 && o->reg >= 4) {
			v.reg = temp(c);
			emit(c, sign ? OP_EXTS : OP_EXTU, v.reg, xreg(o->reg - 4), VREG_NONE, 8 | 8 << 8, 0, 0);
		} else {
			v.reg = xreg(o->reg);
		}
		return v;
	case X86_OPK_IMM:
		v.imm = c->in->imm;
		return v;
	case X86_OPK_MEM:
		if (!mr->valid) {
			address(c, &mr->base, &mr->disp);
			mr->valid = 1;
		}
		v.reg = temp(c);
		emit(c, OP_LD, v.reg, mr->base, VREG_NONE, mr->disp, 0, mx_load(o->size, sign));
		return v;
	default:
		c->b->failed = 1;
		return v;
	}
}

/* A value in a register (materializes immediates). */
static unsigned in_reg(struct bctx *c, struct val v)
{
	if (v.reg != VREG_NONE)
		return v.reg;
	unsigned t = temp(c);
	emit(c, OP_MOV, t, VREG_NONE, VREG_NONE, v.imm, 1, 0);
	return t;
}

/* Write `src` (low `size` bytes meaningful) to operand i. */
static void write_opnd(struct bctx *c, unsigned i, unsigned src, struct memref *mr)
{
	const struct x86_operand *o = opnd(c, i);
	if (o->kind == X86_OPK_MEM) {
		if (!mr->valid) {
			address(c, &mr->base, &mr->disp);
			mr->valid = 1;
		}
		emit(c, OP_ST, VREG_NONE, mr->base, src, mr->disp, 0, mx_store(o->size));
		c->b->nstores++;
		return;
	}
	if (o->kind != X86_OPK_REG) {
		c->b->failed = 1;
		return;
	}
	if (o->size == 4) {
		if (src != xreg(o->reg))
			emit(c, OP_MOV, xreg(o->reg), VREG_NONE, src, 0, 0, 0);
	} else if (o->size == 2) {
		emit(c, OP_DEP, xreg(o->reg), xreg(o->reg), src, 0 | 16 << 8, 0, 0);
	} else if (o->reg < 4) {
		emit(c, OP_DEP, xreg(o->reg), xreg(o->reg), src, 0 | 8 << 8, 0, 0);
	} else {
		emit(c, OP_DEP, xreg(o->reg - 4), xreg(o->reg - 4), src, 8 | 8 << 8, 0, 0);
	}
}

/* Destination register for a result that will be written to operand i:
 * the fixed register itself when it is a full 32-bit register. */
static unsigned result_reg(struct bctx *c, unsigned i)
{
	const struct x86_operand *o = opnd(c, i);
	if (o->kind == X86_OPK_REG && o->size == 4)
		return xreg(o->reg);
	return temp(c);
}

/* ---- instruction families ------------------------------------------------------ */

/* The chip's flag atom for an x86 operation: the interpreter computes it
 * with the same xflags operation (x86_xf_op), the chip through the atom
 * (ISA_FLAG_ATOMS). */
static unsigned flag_atom(unsigned xop)
{
	return isa_xf_atom(x86_xf_op((enum x86_op)xop));
}

/* op r/m, r/m/imm with x86 flags (ALU group and shifts). */
static void alu2(struct bctx *c, int writes)
{
	struct memref mr = {0};
	unsigned size = opnd(c, 0)->size;
	struct val a = read_opnd(c, 0, &mr, 0);
	struct val bv = read_opnd(c, 1, &mr, 0);
	unsigned dst = writes ? result_reg(c, 0) : R_ZERO;
	unsigned atom = flag_atom(c->in->op);
	unsigned areg = in_reg(c, a);
	if (bv.reg == VREG_NONE)
		emit(c, atom, dst, areg, VREG_NONE, bv.imm, 1, wcode(size));
	else
		emit(c, atom, dst, areg, bv.reg, 0, 0, wcode(size));
	if (writes)
		write_opnd(c, 0, dst, &mr);
}

static void unary(struct bctx *c)
{
	struct memref mr = {0};
	unsigned size = opnd(c, 0)->size;
	unsigned a = in_reg(c, read_opnd(c, 0, &mr, 0));
	unsigned dst = result_reg(c, 0);
	if (c->in->op == X86_OP_NOT)
		emit(c, OP_XOR, dst, a, VREG_NONE, 0xffffffffu, 1, 0);  /* NOT: no flags */
	else
		emit(c, flag_atom(c->in->op), dst, a, VREG_NONE, 0, 0, wcode(size));
	write_opnd(c, 0, dst, &mr);
}

static void mov(struct bctx *c)
{
	struct memref mr = {0};
	const struct x86_operand *d = opnd(c, 0);
	struct val v = read_opnd(c, 1, &mr, 0);
	if (d->kind == X86_OPK_REG && d->size == 4 && v.reg == VREG_NONE) {
		emit(c, OP_MOV, xreg(d->reg), VREG_NONE, VREG_NONE, v.imm, 1, 0);
		return;
	}
	write_opnd(c, 0, in_reg(c, v), &mr);
}

static void movx(struct bctx *c, int sign)
{
	struct memref mr = {0};
	const struct x86_operand *s = opnd(c, 1);
	unsigned dst = result_reg(c, 0);
	if (s->kind == X86_OPK_MEM) {
		address(c, &mr.base, &mr.disp);
		emit(c, OP_LD, dst, mr.base, VREG_NONE, mr.disp, 0, mx_load(s->size, sign));
	} else {
		unsigned pos = (s->size == 1 && s->reg >= 4) ? 8 : 0;
		unsigned r = xreg(s->size == 1 && s->reg >= 4 ? s->reg - 4u : s->reg);
		emit(c, sign ? OP_EXTS : OP_EXTU, dst, r, VREG_NONE, pos | (unsigned)s->size * 8 << 8, 0, 0);
	}
	write_opnd(c, 0, dst, &mr);
}

static void lea(struct bctx *c)
{
	struct memref mr = {0};
	unsigned base;
	uint32_t disp;
	address(c, &base, &disp);
	unsigned dst = result_reg(c, 0);
	emit(c, OP_LEA, dst, base, R_ZERO, disp, 0, 0);
	write_opnd(c, 0, dst, &mr);
}

static void push_value(struct bctx *c, unsigned reg)
{
	emit(c, OP_ST, VREG_NONE, R_ESP, reg, (uint32_t)-4, 0, MX_32);
	c->b->nstores++;
	emit(c, OP_SUB, R_ESP, R_ESP, VREG_NONE, 4, 1, 0);
}

static void push(struct bctx *c)
{
	struct memref mr = {0};
	push_value(c, in_reg(c, read_opnd(c, 0, &mr, 0)));
}

static void pop(struct bctx *c)
{
	unsigned t = temp(c);
	emit(c, OP_LD, t, R_ESP, VREG_NONE, 0, 0, MX_32);
	emit(c, OP_ADD, R_ESP, R_ESP, VREG_NONE, 4, 1, 0);
	emit(c, OP_MOV, xreg(opnd(c, 0)->reg), VREG_NONE, t, 0, 0, 0);
}

static void imul23(struct bctx *c)
{
	struct memref mr = {0};
	unsigned size = opnd(c, 0)->size;
	struct val a = read_opnd(c, c->in->nops == 3 ? 1 : 0, &mr, 0);
	struct val bv = read_opnd(c, c->in->nops == 3 ? 2 : 1, &mr, 0);
	unsigned dst = result_reg(c, 0);
	unsigned areg = in_reg(c, a);
	if (bv.reg == VREG_NONE)
		emit(c, flag_atom(X86_OP_IMUL), dst, areg, VREG_NONE, bv.imm, 1, wcode(size));
	else
		emit(c, flag_atom(X86_OP_IMUL), dst, areg, bv.reg, 0, 0, wcode(size));
	write_opnd(c, 0, dst, &mr);
}

/* mul/imul r/m32: EDX:EAX = EAX * src, CF = OF = high half significant */
static void mul1(struct bctx *c, int sign)
{
	struct memref mr = {0};
	unsigned src = in_reg(c, read_opnd(c, 0, &mr, 0));
	unsigned hi = temp(c);
	emit(c, sign ? OP_MULHS : OP_MULHU, hi, R_EAX, src, 0, 0, 0);
	emit(c, flag_atom(sign ? X86_OP_IMUL : X86_OP_MUL), R_EAX, R_EAX, src, 0, 0, 0);
	emit(c, OP_MOV, R_EDX, VREG_NONE, hi, 0, 0, 0);
}

/* shld/shrd r32, r32, imm8/CL, the value only.  With c = count & 31,
 * shrd is (d >> c) | ((s << 1) << (31 - c)) and shld the mirror: the
 * chip's shifts take their count mod 32, and splitting the second shift
 * makes c = 0 give d unchanged, as x86 does. */
static void shiftd(struct bctx *c)
{
	unsigned d = xreg(opnd(c, 0)->reg), s = xreg(opnd(c, 1)->reg);
	int left = c->in->op == X86_OP_SHLD;
	unsigned near = left ? OP_SHL : OP_SHR, far = left ? OP_SHR : OP_SHL;
	unsigned t1 = temp(c), t2 = temp(c);
	if (opnd(c, 2)->kind == X86_OPK_IMM) {
		unsigned n = c->in->imm & 31;
		if (!n)
			return;
		emit(c, near, t1, d, VREG_NONE, n, 1, 0);
		emit(c, far, t2, s, VREG_NONE, 32 - n, 1, 0);
	} else {
		unsigned inv = temp(c), s1 = temp(c);
		emit(c, OP_XOR, inv, R_ECX, VREG_NONE, 31, 1, 0);   /* 31 - c, mod 32 */
		emit(c, far, s1, s, VREG_NONE, 1, 1, 0);
		emit(c, far, t2, s1, inv, 0, 0, 0);
		emit(c, near, t1, d, R_ECX, 0, 0, 0);
	}
	emit(c, OP_OR, d, t1, t2, 0, 0, 0);
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
	unsigned src = in_reg(c, read_opnd(c, 0, &mr, sign));
	unsigned d = temp(c), n = temp(c), q = temp(c), rm = temp(c), ok = temp(c);
	emit(c, sign ? OP_EXTS : OP_EXTU, d, src, VREG_NONE, 0 | bits << 8, 0, 0);
	if (size == 2)
		emit(c, OP_DEP, n, R_EAX, R_EDX, 16 | 16 << 8, 0, 0);   /* DX:AX */
	else
		emit(c, sign ? OP_EXTS : OP_EXTU, n, R_EAX, VREG_NONE, 0 | 16 << 8, 0, 0);
	emit(c, sign ? OP_DIVS : OP_DIVU, q, n, d, 0, 0, 0);
	emit(c, sign ? OP_REMS : OP_REMU, rm, n, d, 0, 0, 0);
	unsigned chk = q;
	if (sign) {
		chk = temp(c);
		emit(c, OP_ADD, chk, q, VREG_NONE, 1u << (bits - 1), 1, 0);
	}
	emit(c, OP_SLTU, ok, chk, VREG_NONE, 1u << bits, 1, 0);
	emit(c, OP_DIVU, R_ZERO, ok, ok, 0, 0, 0);
	if (size == 2) {
		emit(c, OP_DEP, R_EAX, R_EAX, q, 0 | 16 << 8, 0, 0);
		emit(c, OP_DEP, R_EDX, R_EDX, rm, 0 | 16 << 8, 0, 0);
	} else {
		emit(c, OP_DEP, R_EAX, R_EAX, q, 0 | 8 << 8, 0, 0);
		emit(c, OP_DEP, R_EAX, R_EAX, rm, 8 | 8 << 8, 0, 0);
	}
}

static unsigned cc_of(unsigned op, unsigned first) { return op - first; }

/* ---- which instructions the translator takes --------------------------------- */

static int reg_or_mem(const struct x86_operand *o)
{
	return o->kind == X86_OPK_REG || o->kind == X86_OPK_MEM;
}

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
	unsigned op = in->op;
	const struct x86_operand *o0 = &in->o[0], *o1 = &in->o[1];
	switch (op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB: case X86_OP_AND:
	case X86_OP_SUB: case X86_OP_XOR: case X86_OP_CMP: case X86_OP_TEST:
		return in->nops == 2 && reg_or_mem(o0);
	case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
		return in->nops == 2 && reg_or_mem(o0);
	case X86_OP_ROL: case X86_OP_ROR:
		/* the chip's rotate atoms follow x86's register forms (an immediate
		 * count > 1 leaves OF alone, xf_eval_imm); the host CPU defines OF
		 * differently for memory operands, so those stay interpreted */
		return in->nops == 2 && o0->kind == X86_OPK_REG;
	case X86_OP_INC: case X86_OP_DEC: case X86_OP_NEG: case X86_OP_NOT:
		return in->nops == 1 && reg_or_mem(o0);
	case X86_OP_MOV:
		return in->nops == 2 && reg_or_mem(o0) && (reg_or_mem(o1) || o1->kind == X86_OPK_IMM) &&
		       !(o0->kind == X86_OPK_MEM && o1->kind == X86_OPK_MEM);
	case X86_OP_MOVZX: case X86_OP_MOVSX:
		return o0->kind == X86_OPK_REG;
	case X86_OP_LEA:
		return o0->kind == X86_OPK_REG && o1->kind == X86_OPK_MEM;
	case X86_OP_PUSH:
		/* push [esp + d] reads its operand with the old ESP, as build does */
		return in->osize == 4 && (reg_or_mem(o0) || o0->kind == X86_OPK_IMM);
	case X86_OP_POP:
		return in->osize == 4 && o0->kind == X86_OPK_REG && o0->reg != X86_ESP;
	case X86_OP_IMUL:
		return (in->nops >= 2 && o0->kind == X86_OPK_REG) || (in->nops == 1 && o0->size == 4 && reg_or_mem(o0));
	case X86_OP_NOP:
		return 1;
	case X86_OP_CDQ: case X86_OP_CWDE: case X86_OP_LEAVE: case X86_OP_BSWAP:
		return in->osize == 4;
	case X86_OP_CWD: case X86_OP_CBW:
		return in->osize == 2;
	case X86_OP_MUL:
		return in->nops == 1 && o0->size == 4 && reg_or_mem(o0);
	case X86_OP_DIV: case X86_OP_IDIV:
		return in->nops == 1 && reg_or_mem(o0);
	case X86_OP_SHLD: case X86_OP_SHRD:
		return in->nops == 3 && o0->kind == X86_OPK_REG && o0->size == 4 && o1->kind == X86_OPK_REG &&
		       (in->o[2].kind == X86_OPK_IMM || in->o[2].kind == X86_OPK_REG);
	case X86_OP_XCHG:
		return o0->kind == X86_OPK_REG && o1->kind == X86_OPK_REG && o0->size == 4;
	case X86_OP_BSF: case X86_OP_BSR:
		return o0->kind == X86_OPK_REG && o0->size == 4 && reg_or_mem(o1);
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		/* register bit base only: a memory base with a register offset
		 * addresses a bit string (interpreted) */
		return o0->kind == X86_OPK_REG && o0->size == 4 && in->nops == 2;
	case X86_OP_JMP: case X86_OP_CALL:
		return in->osize == 4 && (o0->kind == X86_OPK_REL || reg_or_mem(o0));
	case X86_OP_RET:
		return in->osize == 4;
	default:
		if (op >= X86_OP_JO && op <= X86_OP_JG)
			return in->osize == 4;
		if (op >= X86_OP_SETO && op <= X86_OP_SETG)
			return reg_or_mem(o0);
		if (op >= X86_OP_CMOVO && op <= X86_OP_CMOVG)
			return o0->size == 4;
		return 0;
	}
}

/* Builds the IR of every selected instruction and the block's ending. */
int ir_build(struct ir_block *b)
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
	for (unsigned i = 0; i < b->ninsns && !b->failed; i++) {
		c.insn = i;
		c.in = &b->insns[i];
		const struct x86_insn *in = c.in;
		uint32_t next = b->insn_eip[i] + in->len;
		struct memref mr = {0};
		unsigned op = in->op;
		switch (op) {
		case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB: case X86_OP_AND:
		case X86_OP_SUB: case X86_OP_XOR: case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
		case X86_OP_ROL: case X86_OP_ROR:
			alu2(&c, 1);
			break;
		case X86_OP_CMP: case X86_OP_TEST:
			alu2(&c, 0);
			break;
		case X86_OP_INC: case X86_OP_DEC: case X86_OP_NEG: case X86_OP_NOT:
			unary(&c);
			break;
		case X86_OP_MOV:
			mov(&c);
			break;
		case X86_OP_MOVZX:
			movx(&c, 0);
			break;
		case X86_OP_MOVSX:
			movx(&c, 1);
			break;
		case X86_OP_LEA:
			lea(&c);
			break;
		case X86_OP_PUSH:
			push(&c);
			break;
		case X86_OP_POP:
			pop(&c);
			break;
		case X86_OP_IMUL:
			if (in->nops == 1)
				mul1(&c, 1);
			else
				imul23(&c);
			break;
		case X86_OP_MUL:
			mul1(&c, 0);
			break;
		case X86_OP_DIV: case X86_OP_IDIV: {
			/* EDX:EAX / src; a zero divisor or an oversized quotient is the
			 * chip's divide fault: rollback, and the interpreter raises #DE */
			if (in->o[0].size != 4) {
				div_narrow(&c, op == X86_OP_IDIV);
				break;
			}
			unsigned src = in_reg(&c, read_opnd(&c, 0, &mr, 0));
			unsigned q = temp(&c), rm = temp(&c);
			int sign = op == X86_OP_IDIV;
			emit(&c, sign ? OP_XDIVS : OP_XDIVU, q, R_EAX, src, 0, 0, 0);
			emit(&c, sign ? OP_XREMS : OP_XREMU, rm, R_EAX, src, 0, 0, 0);
			emit(&c, OP_MOV, R_EAX, VREG_NONE, q, 0, 0, 0);
			emit(&c, OP_MOV, R_EDX, VREG_NONE, rm, 0, 0, 0);
			break;
		}
		case X86_OP_SHLD: case X86_OP_SHRD:
			shiftd(&c);
			break;
		case X86_OP_CBW: case X86_OP_CWD: {
			/* AX = sext(AL); DX = 16 copies of AX's sign */
			unsigned t = temp(&c);
			int cbw = op == X86_OP_CBW;
			emit(&c, OP_EXTS, t, R_EAX, VREG_NONE, cbw ? (0 | 8 << 8) : (15 | 1 << 8), 0, 0);
			emit(&c, OP_DEP, cbw ? R_EAX : R_EDX, cbw ? R_EAX : R_EDX, t, 0 | 16 << 8, 0, 0);
			break;
		}
		case X86_OP_CDQ:
			emit(&c, OP_SAR, R_EDX, R_EAX, VREG_NONE, 31, 1, 0);
			break;
		case X86_OP_CWDE:
			emit(&c, OP_EXTS, R_EAX, R_EAX, VREG_NONE, 0 | 16 << 8, 0, 0);
			break;
		case X86_OP_BSWAP:
			emit(&c, OP_BSWAP, xreg(in->o[0].reg), xreg(in->o[0].reg), VREG_NONE, 0, 0, 0);
			break;
		case X86_OP_NOP:
			break;
		case X86_OP_LEAVE: {
			unsigned t = temp(&c);
			emit(&c, OP_LD, t, R_EBP, VREG_NONE, 0, 0, MX_32);
			emit(&c, OP_ADD, R_ESP, R_EBP, VREG_NONE, 4, 1, 0);
			emit(&c, OP_MOV, R_EBP, VREG_NONE, t, 0, 0, 0);
			break;
		}
		case X86_OP_BSF: case X86_OP_BSR: {
			/* The interpreter's (and this host's) rules: a zero source
			 * leaves the destination and sets ZF and PF; otherwise the
			 * destination is the bit index, PF its parity and the other
			 * status flags are clear.  `orf.8 r0, ix, #0` yields exactly
			 * that for a non-zero source except ZF, which is then set to
			 * (source == 0), and PF, which is forced for a zero source. */
			unsigned src = in_reg(&c, read_opnd(&c, 1, &mr, 0));
			unsigned ix = temp(&c), z = temp(&c), p = temp(&c), p2 = temp(&c);
			unsigned d = xreg(in->o[0].reg);
			if (op == X86_OP_BSF) {
				emit(&c, OP_CTZ, ix, src, VREG_NONE, 0, 0, 0);
			} else {
				unsigned lz = temp(&c);
				emit(&c, OP_CLZ, lz, src, VREG_NONE, 0, 0, 0);
				emit(&c, OP_XOR, ix, lz, VREG_NONE, 31, 1, 0);  /* 31 - clz for clz in 0..31 */
			}
			emit(&c, OP_SEQ, z, src, VREG_NONE, 0, 1, 0);
			emit(&c, OP_ORF, R_ZERO, ix, VREG_NONE, 0, 1, 1);
			emit(&c, OP_EXTU, p, R_FLAGS, VREG_NONE, 2 | 1 << 8, 0, 0);
			emit(&c, OP_OR, p2, p, z, 0, 0, 0);
			emit(&c, OP_DEP, R_FLAGS, R_FLAGS, p2, 2 | 1 << 8, 0, 0);
			emit(&c, OP_DEP, R_FLAGS, R_FLAGS, z, 6 | 1 << 8, 0, 0);
			emit(&c, OP_SEL, d, d, ix, 0, 0, 4);  /* ZF (zero source): keep */
			break;
		}
		case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC: {
			/* CF = the selected bit; every other flag is kept (what the
			 * interpreter does, matching the host) */
			unsigned base = xreg(in->o[0].reg), t = temp(&c);
			struct val off = read_opnd(&c, 1, &mr, 0);
			if (off.reg == VREG_NONE)
				emit(&c, OP_SHR, t, base, VREG_NONE, off.imm & 31, 1, 0);
			else
				emit(&c, OP_SHR, t, base, off.reg, 0, 0, 0);  /* shr takes the count mod 32 */
			if (op != X86_OP_BT) {
				unsigned one = temp(&c), m = temp(&c);
				emit(&c, OP_MOV, one, VREG_NONE, VREG_NONE, 1, 1, 0);
				if (off.reg == VREG_NONE)
					emit(&c, OP_MOV, m, VREG_NONE, VREG_NONE, 1u << (off.imm & 31), 1, 0);
				else
					emit(&c, OP_SHL, m, one, off.reg, 0, 0, 0);
				if (op == X86_OP_BTS) {
					emit(&c, OP_OR, base, base, m, 0, 0, 0);
				} else if (op == X86_OP_BTC) {
					emit(&c, OP_XOR, base, base, m, 0, 0, 0);
				} else {
					unsigned nm = temp(&c);
					emit(&c, OP_XOR, nm, m, VREG_NONE, 0xffffffffu, 1, 0);
					emit(&c, OP_AND, base, base, nm, 0, 0, 0);
				}
			}
			emit(&c, OP_DEP, R_FLAGS, R_FLAGS, t, 0 | 1 << 8, 0, 0);
			break;
		}
		case X86_OP_XCHG: {
			unsigned r0 = xreg(in->o[0].reg), r1 = xreg(in->o[1].reg);
			if (r0 != r1) {
				unsigned t = temp(&c);
				emit(&c, OP_MOV, t, VREG_NONE, r0, 0, 0, 0);
				emit(&c, OP_MOV, r0, VREG_NONE, r1, 0, 0, 0);
				emit(&c, OP_MOV, r1, VREG_NONE, t, 0, 0, 0);
			}
			break;
		}
		case X86_OP_JMP:
			if (in->o[0].kind == X86_OPK_REL) {
				b->end = END_DIRECT;
				b->target = next + in->imm;
			} else {
				unsigned t = in_reg(&c, read_opnd(&c, 0, &mr, 0));
				emit(&c, OP_MOV, R_EIP, VREG_NONE, t, 0, 0, 0);
				b->end = END_INDIRECT;
			}
			break;
		case X86_OP_CALL: {
			unsigned tgt = VREG_NONE;
			if (in->o[0].kind != X86_OPK_REL)
				tgt = in_reg(&c, read_opnd(&c, 0, &mr, 0));  /* read before ESP moves */
			unsigned ret = temp(&c);
			emit(&c, OP_MOV, ret, VREG_NONE, VREG_NONE, next, 1, 0);
			push_value(&c, ret);
			if (in->o[0].kind == X86_OPK_REL) {
				b->end = END_DIRECT;
				b->target = next + in->imm;
			} else {
				emit(&c, OP_MOV, R_EIP, VREG_NONE, tgt, 0, 0, 0);
				b->end = END_INDIRECT;
			}
			break;
		}
		case X86_OP_RET: {
			unsigned t = temp(&c);
			emit(&c, OP_LD, t, R_ESP, VREG_NONE, 0, 0, MX_32);
			emit(&c, OP_ADD, R_ESP, R_ESP, VREG_NONE, 4 + (in->nops ? in->imm : 0), 1, 0);
			emit(&c, OP_MOV, R_EIP, VREG_NONE, t, 0, 0, 0);
			b->end = END_INDIRECT;
			break;
		}
		default:
			if (op >= X86_OP_JO && op <= X86_OP_JG) {
				b->end = END_COND;
				b->cond = cc_of(op, X86_OP_JO);
				b->target = next + in->imm;
				b->fall = next;
				/* the branch itself is placed by the scheduler after everything */
				b->branch_op = emit(&c, OP_BC, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0, b->cond);
			} else if (op >= X86_OP_SETO && op <= X86_OP_SETG) {
				unsigned t = temp(&c);
				emit(&c, OP_SETC, t, VREG_NONE, VREG_NONE, 0, 0, cc_of(op, X86_OP_SETO));
				write_opnd(&c, 0, t, &mr);
			} else if (op >= X86_OP_CMOVO && op <= X86_OP_CMOVG) {
				/* the source is read (and may fault) whatever the condition */
				unsigned s = in_reg(&c, read_opnd(&c, 1, &mr, 0));
				unsigned d = xreg(in->o[0].reg);
				emit(&c, OP_SEL, d, s, d, 0, 0, cc_of(op, X86_OP_CMOVO));
			} else {
				b->failed = 1;
			}
			break;
		}
	}
	/* translated code counts the x86 instructions it retires */
	c.insn = b->ninsns ? b->ninsns - 1 : 0;
	emit(&c, OP_ADD, R_RETIRED, R_RETIRED, VREG_NONE, b->ninsns, 1, 0);
	/* an unconditional ending leaves from the block's last bundle: EIP is
	 * set like any register, then commit and exit (which chaining turns
	 * into a branch to the successor) come after everything else */
	if (b->end != END_COND) {
		if (b->end == END_DIRECT)
			emit(&c, OP_MOV, R_EIP, VREG_NONE, VREG_NONE, b->target, 1, 0);
		b->tail_ops[b->ntail++] = emit(&c, OP_COMMIT, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0, 0);
		b->tail_ops[b->ntail++] = emit(&c, OP_EXIT, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0, 0);
	}
	return b->failed ? -1 : 0;
}

void ir_invert_branch(struct ir_block *b)
{
	uint32_t t = b->target;
	b->cond ^= 1;   /* x86 conditions come in pairs: cc ^ 1 is the opposite */
	b->ops[b->branch_op].x = (uint8_t)b->cond;
	b->target = b->fall;
	b->fall = t;
}
