/* cms/x86/exec.c — what each x86 instruction does (the semantics).
 *
 * One small handler per instruction family on top of shared operand
 * fetch/write-back helpers; every flag-producing ALU operation goes through
 * xf_eval (native-isa/xflags.h), the same function the chip's flag atoms
 * use, so interpreter and translated code agree bit for bit.
 *
 * Precise faults: handlers read every input (and load every memory operand)
 * first, then perform the one store the instruction makes, and only then
 * write registers.  CMPXCHG8B probes its first store.  No register change
 * is visible after a fault, except the completed iterations of a REP string
 * instruction, which are instruction boundaries natively too (SDM vol. 2
 * "REP/REPE/REPZ...").  PUSHA and ENTER store one value after the other,
 * as the host CPU does: a fault part-way leaves the earlier stores in
 * memory (registers unchanged), exactly as natively.
 */
#include "cms/x86/x86.h"
#include "native-isa/xflags.h"

/* Execution context of one instruction. */
struct ctx {
	struct x86_env *env;
	uint32_t *r;
	const struct x86_insn *in;
	struct x86_step_info *info;
	uint32_t addr;       /* linear address of the memory operand, if any */
	uint32_t off;        /* its offset (addr minus the segment base) */
	uint32_t next_eip;
	unsigned trap;       /* X86_TRAP: the vector */
	int gp;              /* the X86_FAULT_MEM being returned is really #GP */
};

/* EFLAGS bits POPF may change at CPL 3 with IOPL 0: the status flags, DF,
 * NT, AC and ID.  IF and IOPL are silently kept (SDM vol. 2 "POPF");
 * TF is kept clear because cdvm does not single-step guests. */
#define POPF_MASK (XF_STATUS | XF_DF | 0x4000u | 0x40000u | 0x200000u)

static uint32_t seg_base(const uint32_t *r, uint8_t seg)
{
	if (seg == X86_SEG_FS)
		return r[X86_FSBASE];
	if (seg == X86_SEG_GS)
		return r[X86_GSBASE];
	return 0;
}

/* Offset part of the memory operand (what LEA computes). */
static uint32_t mem_offset(const uint32_t *r, const struct x86_insn *in)
{
	uint32_t a = in->disp;
	if (in->base != X86_NOREG)
		a += r[in->base];
	if (in->index != X86_NOREG)
		a += r[in->index] << in->scale;
	return a;
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static uint32_t sext(uint32_t v, unsigned size)
{
	if (size == 1)
		return (uint32_t)(int32_t)(int8_t)v;
	if (size == 2)
		return (uint32_t)(int32_t)(int16_t)v;
	return v;
}

static uint32_t reg_get(const uint32_t *r, unsigned reg, unsigned size)
{
	if (size == 4)
		return r[reg];
	if (size == 2)
		return r[reg] & 0xffff;
	return reg < 4 ? r[reg] & 0xff : (r[reg - 4] >> 8) & 0xff;
}

static void reg_set(uint32_t *r, unsigned reg, unsigned size, uint32_t v)
{
	if (size == 4)
		r[reg] = v;
	else if (size == 2)
		r[reg] = (r[reg] & 0xffff0000u) | (v & 0xffff);
	else if (reg < 4)
		r[reg] = (r[reg] & 0xffffff00u) | (v & 0xff);
	else
		r[reg - 4] = (r[reg - 4] & 0xffff00ffu) | ((v & 0xff) << 8);
}

static int load(struct ctx *c, uint32_t addr, unsigned size, uint32_t *v)
{
	if (c->env->load(c->env->ctx, addr, size, v)) {
		c->info->fault_addr = addr;
		return -1;
	}
	*v &= size_mask(size);
	return 0;
}

static int store(struct ctx *c, uint32_t addr, unsigned size, uint32_t v)
{
	if (c->env->store(c->env->ctx, addr, size, v & size_mask(size))) {
		c->info->fault_addr = addr;
		return -1;
	}
	return 0;
}

/* Make sure a later store to addr cannot fault, without changing memory. */
static int probe_store(struct ctx *c, uint32_t addr, unsigned size)
{
	uint32_t v;
	return load(c, addr, size, &v) || store(c, addr, size, v) ? -1 : 0;
}

/* Segment limit check of an access at offset `off` through a segment with
 * base `base`: the user segments are 4 GiB - 1 long, so an access whose
 * last byte lies past offset 0xffffffff is #GP (SDM vol. 3 5.3 "Limit
 * checking").  Measured on the host: only segments with a non-zero base
 * (FS/GS, e.g. `push dword gs:[0xfffffffe]`) report it; through a base-0
 * segment the linear address wraps into the top page, which is unmapped
 * (#PF there, what the memory callbacks report anyway).  Returns -1 and
 * marks the fault as #GP when the access is out of the limit. */
static int seg_limit(struct ctx *c, uint32_t base, uint32_t off, unsigned size)
{
	if (base != 0 && off > 0xffffffffu - (size - 1)) {
		c->gp = 1;
		return -1;
	}
	return 0;
}

/* Load/store at offset `off` of the instruction's memory operand segment
 * (limit-checked, see seg_limit). */
static int seg_load(struct ctx *c, uint32_t off, unsigned size, uint32_t *v)
{
	uint32_t base = seg_base(c->r, c->in->seg);
	return seg_limit(c, base, off, size) || load(c, base + off, size, v) ? -1 : 0;
}

static int seg_store(struct ctx *c, uint32_t off, unsigned size, uint32_t v)
{
	uint32_t base = seg_base(c->r, c->in->seg);
	return seg_limit(c, base, off, size) || store(c, base + off, size, v) ? -1 : 0;
}

/* Read operand k (register, memory or immediate). */
static int rd(struct ctx *c, unsigned k, uint32_t *v)
{
	const struct x86_operand *o = &c->in->o[k];
	switch (o->kind) {
	case X86_OPK_REG:
		*v = reg_get(c->r, o->reg, o->size);
		return 0;
	case X86_OPK_MEM:
		return seg_load(c, c->off, o->size, v);
	default:
		*v = c->in->imm & size_mask(o->size);
		return 0;
	}
}

/* Write operand k; a memory store may fault (and then changed nothing). */
static int wr(struct ctx *c, unsigned k, uint32_t v)
{
	const struct x86_operand *o = &c->in->o[k];
	if (o->kind == X86_OPK_MEM)
		return seg_store(c, c->off, o->size, v);
	reg_set(c->r, o->reg, o->size, v);
	return 0;
}

static void set_flags(struct ctx *c, uint32_t f)
{
	c->r[X86_EFLAGS] = f;
}

#define FAULT_MEM X86_FAULT_MEM
#define TRY(x) do { if (x) return FAULT_MEM; } while (0)

static const enum xf_op alu_xf[8] = {
	XF_ADD, XF_OR, XF_ADC, XF_SBB, XF_AND, XF_SUB, XF_XOR, XF_SUB,
};
static const enum xf_op shift_xf[7] = {
	XF_ROL, XF_ROR, XF_RCL, XF_RCR, XF_SHL, XF_SHR, XF_SAR,
};

/* The x86-exact operation (native-isa/xflags.h) behind an instruction's
 * result and flags: the one description both the interpreter (below) and
 * the translator (cms/translate/build.c, through the chip's flag atoms)
 * use.  -1 for instructions not computed by one xflags operation. */
int x86_xf_op(enum x86_op op)
{
	if (op >= X86_OP_ADD && op <= X86_OP_CMP)
		return alu_xf[op - X86_OP_ADD];
	if (op >= X86_OP_ROL && op <= X86_OP_SAR)
		return shift_xf[op - X86_OP_ROL];
	switch (op) {
	case X86_OP_TEST: return XF_AND;
	case X86_OP_INC: return XF_INC;
	case X86_OP_DEC: return XF_DEC;
	case X86_OP_NEG: return XF_NEG;
	case X86_OP_MUL: return XF_MUL;
	case X86_OP_IMUL: return XF_IMUL;
	default: return -1;
	}
}

/* ADD OR ADC SBB AND SUB XOR CMP TEST */
static enum x86_stop op_alu(struct ctx *c, enum x86_op op)
{
	uint32_t a, b, f;
	TRY(rd(c, 0, &a) || rd(c, 1, &b));
	enum xf_op x = (enum xf_op)x86_xf_op(op);
	uint32_t res = xf_eval(x, c->in->o[0].size, a, b, c->r[X86_EFLAGS], &f);
	if (op != X86_OP_CMP && op != X86_OP_TEST)
		TRY(wr(c, 0, res));
	set_flags(c, f);
	return X86_OK;
}

/* ROL ROR RCL RCR SHL SHR SAR */
static enum x86_stop op_shift(struct ctx *c, enum x86_op op)
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

/* INC DEC NEG NOT */
static enum x86_stop op_unary(struct ctx *c, enum x86_op op)
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

/* MUL and the three IMUL forms. */
static enum x86_stop op_mul(struct ctx *c, enum x86_op op)
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

/* DIV IDIV: #DE on a zero divisor and on a quotient that does not fit
 * (SDM vol. 2 "DIV", "IDIV"), before anything changes.  The flags are
 * undefined; the host leaves them unchanged, and so do we. */
static enum x86_stop op_div(struct ctx *c, enum x86_op op)
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

/* SHLD SHRD (SDM vol. 2): count masked to 5 bits, 0 changes nothing.  For
 * 16-bit operands with counts 17..31 the result is undefined; like the
 * host we shift the 48-bit pattern dest:src:dest. */
static enum x86_stop op_shiftd(struct ctx *c, enum x86_op op)
{
	unsigned size = c->in->o[0].size, bits = size * 8;
	uint32_t a, b, n;
	TRY(rd(c, 0, &a) || rd(c, 1, &b) || rd(c, 2, &n));
	n &= 31;
	if (n == 0)
		return X86_OK;
	uint32_t res, cf, f = c->r[X86_EFLAGS] & ~XF_STATUS;
	if (bits == 32) {
		if (op == X86_OP_SHLD) {
			res = (a << n) | (b >> (32 - n));
			cf = (a >> (32 - n)) & 1;
		} else {
			res = (a >> n) | (b << (32 - n));
			cf = (a >> (n - 1)) & 1;
		}
	} else {
		/* the 48-bit pattern dest:src:dest, high to low */
		uint64_t v = ((uint64_t)a << 32) | ((uint64_t)b << 16) | a;
		if (op == X86_OP_SHLD) {
			res = (uint32_t)(v >> (32 - n)) & 0xffff;
			cf = (uint32_t)(v >> (48 - n)) & 1;
		} else {
			res = (uint32_t)(v >> n) & 0xffff;
			cf = (uint32_t)(v >> (n - 1)) & 1;
		}
	}
	/* SF ZF PF from the result, AF cleared; OF (undefined for counts > 1)
	 * as the host computes it: from the first single-bit step, i.e.
	 * SHLD: MSB(a) ^ MSB-1(a), SHRD: MSB(a) ^ LSB(b). */
	uint32_t szp;
	xf_eval(XF_OR, size, res, 0, 0, &szp);  /* SF ZF PF of res, rest 0 */
	f |= szp & XF_STATUS;
	if (cf)
		f |= XF_CF;
	uint32_t of = op == X86_OP_SHLD ? (a >> (bits - 1)) ^ (a >> (bits - 2))
				       : (a >> (bits - 1)) ^ b;
	if (of & 1)
		f |= XF_OF;
	TRY(wr(c, 0, res));
	set_flags(c, f);
	return X86_OK;
}

/* BT BTS BTR BTC.  A register bit offset with a memory operand addresses
 * a bit string: the offset is signed and selects the word/dword (SDM vol. 2
 * "BT").  CF = the bit; OF SF AF PF are undefined and ZF is unchanged: the
 * host leaves all of them unchanged. */
static enum x86_stop op_bt(struct ctx *c, enum x86_op op)
{
	const struct x86_insn *in = c->in;
	unsigned size = in->o[0].size, bits = size * 8;
	uint32_t off, v;
	TRY(rd(c, 1, &off));
	uint32_t moff = c->off;
	if (in->o[0].kind == X86_OPK_MEM && in->o[1].kind == X86_OPK_REG) {
		int32_t so = (int32_t)sext(off, size);
		moff += (uint32_t)((so >> (bits == 32 ? 5 : 4)) * (int32_t)size);
	}
	off &= bits - 1;
	if (in->o[0].kind == X86_OPK_MEM)
		TRY(seg_load(c, moff, size, &v));
	else
		v = reg_get(c->r, in->o[0].reg, size);
	uint32_t bit = 1u << off, nv = v;
	if (op == X86_OP_BTS)
		nv = v | bit;
	else if (op == X86_OP_BTR)
		nv = v & ~bit;
	else if (op == X86_OP_BTC)
		nv = v ^ bit;
	if (op != X86_OP_BT) {
		if (in->o[0].kind == X86_OPK_MEM)
			TRY(seg_store(c, moff, size, nv));
		else
			reg_set(c->r, in->o[0].reg, size, nv);
	}
	c->r[X86_EFLAGS] = (c->r[X86_EFLAGS] & ~XF_CF) | ((v & bit) ? XF_CF : 0);
	return X86_OK;
}

/* BSF BSR TZCNT LZCNT.  BSF/BSR with a zero source leave the destination
 * unchanged and set ZF (what Intel and AMD do).  Undefined flags: see
 * docs/x86-subset.md. */
static enum x86_stop op_bitscan(struct ctx *c, enum x86_op op)
{
	unsigned size = c->in->o[0].size, bits = size * 8;
	uint32_t s, f = c->r[X86_EFLAGS] & ~XF_STATUS;
	TRY(rd(c, 1, &s));
	unsigned i;
	if (op == X86_OP_BSF || op == X86_OP_BSR) {
		if (s == 0) {
			set_flags(c, f | XF_ZF | XF_PF);
			return X86_OK;
		}
		if (op == X86_OP_BSF)
			for (i = 0; !((s >> i) & 1); i++)
				;
		else
			for (i = bits - 1; !((s >> i) & 1); i--)
				;
		reg_set(c->r, c->in->o[0].reg, size, i);
		uint32_t pf;
		xf_eval(XF_OR, 1, i, 0, 0, &pf);   /* host: PF from the index */
		set_flags(c, f | (pf & XF_PF));
		return X86_OK;
	}
	if (op == X86_OP_TZCNT)
		for (i = 0; i < bits && !((s >> i) & 1); i++)
			;
	else
		for (i = 0; i < bits && !((s >> (bits - 1 - i)) & 1); i++)
			;
	reg_set(c->r, c->in->o[0].reg, size, i);
	set_flags(c, f | (s == 0 ? XF_CF : 0) | (i == 0 ? XF_ZF : 0));
	return X86_OK;
}

static enum x86_stop op_xchg_family(struct ctx *c, enum x86_op op)
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

static enum x86_stop op_cmpxchg8b(struct ctx *c)
{
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

/* ---- stack ---- */

static enum x86_stop push_val(struct ctx *c, unsigned size, uint32_t v)
{
	uint32_t sp = c->r[X86_ESP] - size;
	TRY(store(c, sp, size, v));
	c->r[X86_ESP] = sp;
	return X86_OK;
}

static enum x86_stop op_push(struct ctx *c)
{
	uint32_t v;
	TRY(rd(c, 0, &v));
	return push_val(c, c->in->osize, v);
}

static enum x86_stop op_pop(struct ctx *c)
{
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

/* PUSHA: EAX ECX EDX EBX (original) ESP EBP ESI EDI, one store after the
 * other.  The host faults at the first store that does not fit and keeps
 * the ones before it (registers unchanged); so do we. */
static enum x86_stop op_pusha(struct ctx *c)
{
	unsigned size = c->in->osize;
	uint32_t sp = c->r[X86_ESP];
	for (unsigned k = 0; k < 8; k++)
		TRY(store(c, sp - (k + 1) * size, size, reg_get(c->r, k, size)));
	c->r[X86_ESP] = sp - 8 * size;
	return X86_OK;
}

static enum x86_stop op_popa(struct ctx *c)
{
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

static enum x86_stop op_popf(struct ctx *c)
{
	unsigned size = c->in->osize;
	uint32_t v, sp = c->r[X86_ESP];
	TRY(load(c, sp, size, &v));
	uint32_t m = size == 2 ? (POPF_MASK & 0xffff) : POPF_MASK;
	c->r[X86_EFLAGS] = (c->r[X86_EFLAGS] & ~m) | (v & m) | 2;
	c->r[X86_ESP] = sp + size;
	return X86_OK;
}

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
static enum x86_stop op_enter(struct ctx *c)
{
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

static enum x86_stop op_leave(struct ctx *c)
{
	unsigned size = c->in->osize;
	uint32_t v, bp = c->r[X86_EBP];
	TRY(load(c, bp, size, &v));
	c->r[X86_ESP] = bp + size;
	reg_set(c->r, X86_EBP, size, v);
	return X86_OK;
}

/* ---- control transfer ---- */

static uint32_t branch_target(struct ctx *c)
{
	uint32_t t = c->next_eip + c->in->imm;
	return c->in->osize == 2 ? t & 0xffff : t;
}

static enum x86_stop op_jmp_call(struct ctx *c, enum x86_op op)
{
	uint32_t t;
	if (c->in->o[0].kind == X86_OPK_REL) {
		t = branch_target(c);
	} else {
		TRY(rd(c, 0, &t));
	}
	if (op == X86_OP_CALL && push_val(c, c->in->osize, c->next_eip) != X86_OK)
		return FAULT_MEM;
	c->next_eip = t;
	return X86_OK;
}

static enum x86_stop op_ret(struct ctx *c)
{
	unsigned size = c->in->osize;
	uint32_t t, sp = c->r[X86_ESP];
	TRY(load(c, sp, size, &t));
	c->r[X86_ESP] = sp + size + (c->in->nops ? (c->in->imm & 0xffff) : 0);
	c->next_eip = t;
	return X86_OK;
}

static enum x86_stop op_loop(struct ctx *c, enum x86_op op)
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

/* ---- string instructions ---- */

/* One iteration; updates ESI/EDI only when it completed. */
static enum x86_stop string_iter(struct ctx *c, enum x86_op base, unsigned size)
{
	uint32_t *r = c->r;
	uint32_t d = (r[X86_EFLAGS] & XF_DF) ? (uint32_t)-size : size;
	uint32_t dst = r[X86_EDI];
	uint32_t v, w, f;

	switch (base) {
	case X86_OP_MOVSB:
		TRY(seg_load(c, r[X86_ESI], size, &v) || store(c, dst, size, v));
		r[X86_ESI] += d;
		r[X86_EDI] += d;
		break;
	case X86_OP_STOSB:
		TRY(store(c, dst, size, reg_get(r, X86_EAX, size)));
		r[X86_EDI] += d;
		break;
	case X86_OP_LODSB:
		TRY(seg_load(c, r[X86_ESI], size, &v));
		reg_set(r, X86_EAX, size, v);
		r[X86_ESI] += d;
		break;
	case X86_OP_CMPSB:
		TRY(seg_load(c, r[X86_ESI], size, &v) || load(c, dst, size, &w));
		xf_eval(XF_SUB, size, v, w, r[X86_EFLAGS], &f);
		r[X86_EFLAGS] = f;
		r[X86_ESI] += d;
		r[X86_EDI] += d;
		break;
	default: /* SCASB */
		TRY(load(c, dst, size, &w));
		xf_eval(XF_SUB, size, reg_get(r, X86_EAX, size), w, r[X86_EFLAGS], &f);
		r[X86_EFLAGS] = f;
		r[X86_EDI] += d;
		break;
	}
	return X86_OK;
}

static enum x86_stop op_string(struct ctx *c, enum x86_op op)
{
	/* ops.def: each family is B, D, W in a row */
	unsigned k = (unsigned)(op - X86_OP_MOVSB) % 3;
	enum x86_op base = (enum x86_op)(op - k);
	unsigned size = k == 0 ? 1 : k == 1 ? 4 : 2;
	uint32_t *r = c->r;

	if (!c->in->rep) {
		c->info->iterations = 1;
		return string_iter(c, base, size);
	}
	int cond = base == X86_OP_CMPSB || base == X86_OP_SCASB;
	unsigned n = 0;
	uint32_t flags_before = r[X86_EFLAGS];
	while (r[X86_ECX] != 0) {
		enum x86_stop s = string_iter(c, base, size);
		if (s != X86_OK) {
			/* The host reports a fault after k completed iterations
			 * with ECX/ESI/EDI advanced by k but the status flags of
			 * BEFORE the instruction (measured on REPE/REPNE CMPS and
			 * SCAS, all sizes): the flags of the completed comparisons
			 * are not made visible at the interruption. */
			r[X86_EFLAGS] = flags_before;
			c->info->iterations = n;
			return s;
		}
		r[X86_ECX]--;
		n++;
		if (cond && (!(r[X86_EFLAGS] & XF_ZF) != (c->in->rep == X86_PFX_REPNE)))
			break;
	}
	c->info->iterations = n;
	return X86_OK;
}

/* ---- CPUID ---- */

void x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)subleaf;
	out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf == 0) {
		out[0] = 1;                /* highest basic leaf */
		out[1] = 0x6d766463;       /* "cdvm" */
		out[3] = 0x4d564443;       /* "CDVM" */
		out[2] = 0x6d766463;       /* "cdvm" */
	} else if (leaf == 1) {
		out[0] = 0x00000611;       /* family 6, model 1, stepping 1 */
		out[3] = (1u << 4) | (1u << 8) | (1u << 15); /* TSC CX8 CMOV */
	}
}

/* ---- dispatch ---- */

static enum x86_stop dispatch(struct ctx *c)
{
	const struct x86_insn *in = c->in;
	uint32_t *r = c->r;
	enum x86_op op = (enum x86_op)in->op;
	uint32_t v, f;

	switch (op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB:
	case X86_OP_AND: case X86_OP_SUB: case X86_OP_XOR: case X86_OP_CMP:
	case X86_OP_TEST:
		return op_alu(c, op);
	case X86_OP_ROL: case X86_OP_ROR: case X86_OP_RCL: case X86_OP_RCR:
	case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
		return op_shift(c, op);
	case X86_OP_INC: case X86_OP_DEC: case X86_OP_NOT: case X86_OP_NEG:
		return op_unary(c, op);
	case X86_OP_MUL: case X86_OP_IMUL:
		return op_mul(c, op);
	case X86_OP_DIV: case X86_OP_IDIV:
		return op_div(c, op);
	case X86_OP_SHLD: case X86_OP_SHRD:
		return op_shiftd(c, op);
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		return op_bt(c, op);
	case X86_OP_BSF: case X86_OP_BSR: case X86_OP_TZCNT: case X86_OP_LZCNT:
		return op_bitscan(c, op);
	case X86_OP_BSWAP:
		v = r[in->o[0].reg];
		if (in->osize == 2) { /* undefined; the host clears the low word */
			reg_set(r, in->o[0].reg, 2, 0);
			return X86_OK;
		}
		r[in->o[0].reg] = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
		return X86_OK;
	case X86_OP_MOV:
		TRY(rd(c, 1, &v) || wr(c, 0, v));
		return X86_OK;
	case X86_OP_MOVZX: case X86_OP_MOVSX:
		TRY(rd(c, 1, &v));
		if (op == X86_OP_MOVSX)
			v = sext(v, in->o[1].size);
		reg_set(r, in->o[0].reg, in->o[0].size, v);
		return X86_OK;
	case X86_OP_LEA:
		reg_set(r, in->o[0].reg, in->o[0].size, mem_offset(r, in));
		return X86_OK;
	case X86_OP_XCHG: case X86_OP_XADD: case X86_OP_CMPXCHG:
		return op_xchg_family(c, op);
	case X86_OP_CMPXCHG8B:
		return op_cmpxchg8b(c);
	case X86_OP_PUSH:
		return op_push(c);
	case X86_OP_POP:
		return op_pop(c);
	case X86_OP_PUSHAL: case X86_OP_PUSHAW:
		return op_pusha(c);
	case X86_OP_POPAL: case X86_OP_POPAW:
		return op_popa(c);
	case X86_OP_PUSHFD: case X86_OP_PUSHF:
		/* the image has VM and RF clear (SDM vol. 2 "PUSHF") */
		return push_val(c, in->osize, r[X86_EFLAGS] & 0x00fcffffu);
	case X86_OP_POPFD: case X86_OP_POPF:
		return op_popf(c);
	case X86_OP_CWDE:
		r[X86_EAX] = sext(r[X86_EAX], 2);
		return X86_OK;
	case X86_OP_CBW:
		reg_set(r, X86_EAX, 2, sext(r[X86_EAX], 1));
		return X86_OK;
	case X86_OP_CDQ:
		r[X86_EDX] = (r[X86_EAX] & 0x80000000u) ? 0xffffffffu : 0;
		return X86_OK;
	case X86_OP_CWD:
		reg_set(r, X86_EDX, 2, (r[X86_EAX] & 0x8000) ? 0xffff : 0);
		return X86_OK;
	case X86_OP_LAHF:
		reg_set(r, 4 /* AH */, 1, (r[X86_EFLAGS] & (XF_SF | XF_ZF | XF_AF | XF_PF | XF_CF)) | 2);
		return X86_OK;
	case X86_OP_SAHF: {
		uint32_t m = XF_SF | XF_ZF | XF_AF | XF_PF | XF_CF;
		r[X86_EFLAGS] = (r[X86_EFLAGS] & ~m) | (reg_get(r, 4, 1) & m);
		return X86_OK;
	}
	case X86_OP_CLC: r[X86_EFLAGS] &= ~XF_CF; return X86_OK;
	case X86_OP_STC: r[X86_EFLAGS] |= XF_CF; return X86_OK;
	case X86_OP_CMC: r[X86_EFLAGS] ^= XF_CF; return X86_OK;
	case X86_OP_CLD: r[X86_EFLAGS] &= ~XF_DF; return X86_OK;
	case X86_OP_STD: r[X86_EFLAGS] |= XF_DF; return X86_OK;
	case X86_OP_XLAT:
		TRY(seg_load(c, r[X86_EBX] + (r[X86_EAX] & 0xff), 1, &v));
		reg_set(r, X86_EAX, 1, v);
		return X86_OK;
	case X86_OP_MOVSB: case X86_OP_MOVSD: case X86_OP_MOVSW:
	case X86_OP_CMPSB: case X86_OP_CMPSD: case X86_OP_CMPSW:
	case X86_OP_STOSB: case X86_OP_STOSD: case X86_OP_STOSW:
	case X86_OP_LODSB: case X86_OP_LODSD: case X86_OP_LODSW:
	case X86_OP_SCASB: case X86_OP_SCASD: case X86_OP_SCASW:
		return op_string(c, op);
	case X86_OP_JMP: case X86_OP_CALL:
		return op_jmp_call(c, op);
	case X86_OP_RET:
		return op_ret(c);
	case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE: case X86_OP_JECXZ:
		return op_loop(c, op);
	case X86_OP_ENTER:
		return op_enter(c);
	case X86_OP_LEAVE:
		return op_leave(c);
	case X86_OP_INT:
		/* Linux's IDT lets user mode reach only vectors 3, 4 and 0x80
		 * (gate DPL 3); any other `int n` is #GP (SDM vol. 3 6.12.1.1) */
		if ((in->imm & 0xff) == 0x80)
			return X86_SYSCALL;
		if ((in->imm & 0xff) == 3 || (in->imm & 0xff) == 4) {
			c->trap = in->imm & 0xff;
			return X86_TRAP;
		}
		return X86_FAULT_GP;
	case X86_OP_INT3:
		c->trap = 3;  /* #BP is a trap: EIP after the instruction */
		return X86_TRAP;
	case X86_OP_INTO:
		if (!(r[X86_EFLAGS] & XF_OF))
			return X86_OK;
		c->trap = 4;  /* #OF, a trap too */
		return X86_TRAP;
	case X86_OP_NOP: case X86_OP_PAUSE: case X86_OP_ENDBR32:
		return X86_OK;
	case X86_OP_CPUID: {
		uint32_t o[4];
		x86_cpuid(r[X86_EAX], r[X86_ECX], o);
		r[X86_EAX] = o[0];
		r[X86_EBX] = o[1];
		r[X86_ECX] = o[2];
		r[X86_EDX] = o[3];
		return X86_OK;
	}
	case X86_OP_RDTSC: {
		uint64_t t = c->env->cycles ? c->env->cycles(c->env->ctx) : 0;
		r[X86_EAX] = (uint32_t)t;
		r[X86_EDX] = (uint32_t)(t >> 32);
		return X86_OK;
	}
	case X86_OP_HLT:
		return X86_HLT;
	default:
		if (op >= X86_OP_SETO && op <= X86_OP_SETG) {
			TRY(wr(c, 0, xf_cond(op - X86_OP_SETO, r[X86_EFLAGS])));
			return X86_OK;
		}
		if (op >= X86_OP_CMOVO && op <= X86_OP_CMOVG) {
			/* the source is read (and may fault) either way */
			TRY(rd(c, 1, &v));
			if (xf_cond(op - X86_OP_CMOVO, r[X86_EFLAGS]))
				reg_set(r, in->o[0].reg, in->o[0].size, v);
			return X86_OK;
		}
		if (op >= X86_OP_JO && op <= X86_OP_JG) {
			if (xf_cond(op - X86_OP_JO, r[X86_EFLAGS]))
				c->next_eip = branch_target(c);
			return X86_OK;
		}
		(void)f;
		return X86_FAULT_UD; /* UD2 and anything not executable */
	}
}

enum x86_stop x86_exec(struct x86_env *env, const struct x86_insn *in,
		       struct x86_step_info *info)
{
	uint32_t *r = env->r;
	struct ctx c = {env, r, in, info, 0, 0, r[X86_EIP] + in->len, 0, 0};

	info->cost = x86_op_cost((enum x86_op)in->op);
	info->op = in->op;
	info->iterations = 0;
	info->len = in->len;
	info->trap = 0;
	info->ends_block = (x86_op_flags((enum x86_op)in->op) & OPF_BRANCH) != 0;
	c.off = mem_offset(r, in);
	c.addr = c.off + seg_base(r, in->seg);

	/* Registers are written only on success, so a fault can simply
	 * return; string instructions commit per iteration themselves. */
	enum x86_stop s = dispatch(&c);
	if (s == X86_FAULT_MEM && c.gp)
		s = X86_FAULT_GP;
	if (s == X86_OK || s == X86_SYSCALL || s == X86_TRAP)
		r[X86_EIP] = c.next_eip;
	if (s == X86_TRAP)
		info->trap = c.trap;
	return s;
}

enum x86_stop x86_step(struct x86_env *env, struct x86_step_info *info)
{
	uint8_t buf[X86_MAX_INSN_LEN];
	struct x86_insn in;
	uint32_t eip = env->r[X86_EIP];
	unsigned n = env->fetch(env->ctx, eip, buf, sizeof buf);
	int st = x86_decode(buf, n, &in);

	if (st > 0)
		return x86_exec(env, &in, info);
	info->cost = X86_COST_COMPLEX;
	info->op = X86_OP_COUNT;
	info->iterations = 0;
	info->trap = 0;
	info->ends_block = 1;
	info->len = in.len;
	if (st == X86_DECODE_TRUNC) {
		info->fault_addr = eip + n;
		return X86_FAULT_MEM;
	}
	/* privileged instructions and instructions longer than 15 bytes are
	 * #GP natively, everything else that cdvm rejects #UD */
	return in.op == X86_OP_PRIV || in.op == X86_OP_TOOLONG ? X86_FAULT_GP : X86_FAULT_UD;
}
