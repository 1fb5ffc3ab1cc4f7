/* cms/insn/bits.c — double shifts (shld shrd), bit tests (bt bts btr btc),
 * bit scans (bsf bsr tzcnt lzcnt) and bswap.  Their flags are not one
 * xflags operation, so each handler computes them as the host does
 * (undefined ones: docs/x86-subset.md), and each builder reproduces the
 * handler's rules with plain atoms. */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* ---- shld shrd ------------------------------------------------------------ */

/* SDM vol. 2: count masked to 5 bits, 0 changes nothing.  For 16-bit
 * operands with counts 17..31 the result is undefined; like the host we
 * shift the 48-bit pattern dest:src:dest. */
static enum x86_stop shiftd_exec(struct x86_ctx *c, enum x86_op op)
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

/* r32, r32, imm8/CL; the value only: translate.c keeps them out of regions
 * that read their flags (ir_shiftd_flags_read) */
static int shiftd_can_build(const struct x86_insn *in)
{
	return in->nops == 3 && in->o[0].kind == X86_OPK_REG && in->o[0].size == 4 &&
	       in->o[1].kind == X86_OPK_REG && (in->o[2].kind == X86_OPK_IMM || in->o[2].kind == X86_OPK_REG);
}

/* With c = count & 31, shrd is (d >> c) | ((s << 1) << (31 - c)) and shld
 * the mirror: the chip's shifts take their count mod 32, and splitting the
 * second shift makes c = 0 give d unchanged, as x86 does. */
static void shiftd_build(struct bctx *c, enum x86_op op)
{
	unsigned d = xreg(opnd(c, 0)->reg), s = xreg(opnd(c, 1)->reg);
	int left = op == X86_OP_SHLD;
	unsigned near = left ? OP_SHL : OP_SHR, far = left ? OP_SHR : OP_SHL;
	unsigned t1 = ir_temp(c), t2 = ir_temp(c);
	if (opnd(c, 2)->kind == X86_OPK_IMM) {
		unsigned n = c->in->imm & 31;
		if (!n)
			return;
		ir_emit(c, near, t1, d, VREG_NONE, n, 1, 0);
		ir_emit(c, far, t2, s, VREG_NONE, 32 - n, 1, 0);
	} else {
		unsigned inv = ir_temp(c), s1 = ir_temp(c);
		ir_emit(c, OP_XOR, inv, R_ECX, VREG_NONE, 31, 1, 0);   /* 31 - c, mod 32 */
		ir_emit(c, far, s1, s, VREG_NONE, 1, 1, 0);
		ir_emit(c, far, t2, s1, inv, 0, 0, 0);
		ir_emit(c, near, t1, d, R_ECX, 0, 0, 0);
	}
	ir_emit(c, OP_OR, d, t1, t2, 0, 0, 0);
}

const struct x86_family x86_fam_shiftd = {"shiftd", shiftd_exec, shiftd_can_build, shiftd_build};

/* ---- bt bts btr btc --------------------------------------------------------- */

/* A register bit offset with a memory operand addresses a bit string: the
 * offset is signed and selects the word/dword (SDM vol. 2 "BT").  CF = the
 * bit; OF SF AF PF are undefined and ZF is unchanged: the host leaves all
 * of them unchanged. */
static enum x86_stop bt_exec(struct x86_ctx *c, enum x86_op op)
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

/* register bit base only: a memory base with a register offset addresses
 * a bit string (interpreted) */
static int bt_can_build(const struct x86_insn *in)
{
	return in->o[0].kind == X86_OPK_REG && in->o[0].size == 4 && in->nops == 2;
}

/* CF = the selected bit; every other flag is kept (what the interpreter
 * does, matching the host) */
static void bt_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	unsigned base = xreg(c->in->o[0].reg), t = ir_temp(c);
	struct val off = ir_read_opnd(c, 1, &mr, 0);
	if (off.reg == VREG_NONE)
		ir_emit(c, OP_SHR, t, base, VREG_NONE, off.imm & 31, 1, 0);
	else
		ir_emit(c, OP_SHR, t, base, off.reg, 0, 0, 0);  /* shr takes the count mod 32 */
	if (op != X86_OP_BT) {
		unsigned one = ir_temp(c), m = ir_temp(c);
		ir_emit(c, OP_MOV, one, VREG_NONE, VREG_NONE, 1, 1, 0);
		if (off.reg == VREG_NONE)
			ir_emit(c, OP_MOV, m, VREG_NONE, VREG_NONE, 1u << (off.imm & 31), 1, 0);
		else
			ir_emit(c, OP_SHL, m, one, off.reg, 0, 0, 0);
		if (op == X86_OP_BTS) {
			ir_emit(c, OP_OR, base, base, m, 0, 0, 0);
		} else if (op == X86_OP_BTC) {
			ir_emit(c, OP_XOR, base, base, m, 0, 0, 0);
		} else {
			unsigned nm = ir_temp(c);
			ir_emit(c, OP_XOR, nm, m, VREG_NONE, 0xffffffffu, 1, 0);
			ir_emit(c, OP_AND, base, base, nm, 0, 0, 0);
		}
	}
	ir_emit(c, OP_DEP, R_FLAGS, R_FLAGS, t, 0 | 1 << 8, 0, 0);
}

const struct x86_family x86_fam_bt = {"bt", bt_exec, bt_can_build, bt_build};

/* ---- bsf bsr tzcnt lzcnt ----------------------------------------------------- */

/* BSF/BSR with a zero source leave the destination unchanged and set ZF
 * (what Intel and AMD do).  Undefined flags: see docs/x86-subset.md. */
static enum x86_stop bitscan_exec(struct x86_ctx *c, enum x86_op op)
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

static int bitscan_can_build(const struct x86_insn *in)
{
	return in->o[0].kind == X86_OPK_REG && in->o[0].size == 4 && x86_reg_or_mem(&in->o[1]);
}

/* The interpreter's (and this host's) rules: a zero source leaves the
 * destination and sets ZF and PF; otherwise the destination is the bit
 * index, PF its parity and the other status flags are clear.  `orf.8 r0,
 * ix, #0` yields exactly that for a non-zero source except ZF, which is
 * then set to (source == 0), and PF, which is forced for a zero source. */
static void bitscan_build(struct bctx *c, enum x86_op op)
{
	struct memref mr = {0};
	unsigned src = ir_in_reg(c, ir_read_opnd(c, 1, &mr, 0));
	unsigned ix = ir_temp(c), z = ir_temp(c), p = ir_temp(c), p2 = ir_temp(c);
	unsigned d = xreg(c->in->o[0].reg);
	if (op == X86_OP_BSF) {
		ir_emit(c, OP_CTZ, ix, src, VREG_NONE, 0, 0, 0);
	} else {
		unsigned lz = ir_temp(c);
		ir_emit(c, OP_CLZ, lz, src, VREG_NONE, 0, 0, 0);
		ir_emit(c, OP_XOR, ix, lz, VREG_NONE, 31, 1, 0);  /* 31 - clz for clz in 0..31 */
	}
	ir_emit(c, OP_SEQ, z, src, VREG_NONE, 0, 1, 0);
	ir_emit(c, OP_ORF, R_ZERO, ix, VREG_NONE, 0, 1, 1);
	ir_emit(c, OP_EXTU, p, R_FLAGS, VREG_NONE, 2 | 1 << 8, 0, 0);
	ir_emit(c, OP_OR, p2, p, z, 0, 0, 0);
	ir_emit(c, OP_DEP, R_FLAGS, R_FLAGS, p2, 2 | 1 << 8, 0, 0);
	ir_emit(c, OP_DEP, R_FLAGS, R_FLAGS, z, 6 | 1 << 8, 0, 0);
	ir_emit(c, OP_SEL, d, d, ix, 0, 0, 4);  /* ZF (zero source): keep */
}

const struct x86_family x86_fam_bitscan = {"bitscan", bitscan_exec, bitscan_can_build, bitscan_build};
/* tzcnt lzcnt: interpreted */
const struct x86_family x86_fam_tzcnt = {"tzcnt", bitscan_exec, NULL, NULL};

/* ---- bswap ---------------------------------------------------------------- */

static enum x86_stop bswap_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t *r = c->r;
	unsigned reg = c->in->o[0].reg;
	uint32_t v = r[reg];
	if (c->in->osize == 2) { /* undefined; the host clears the low word */
		reg_set(r, reg, 2, 0);
		return X86_OK;
	}
	r[reg] = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
	return X86_OK;
}

static void bswap_build(struct bctx *c, enum x86_op op)
{
	(void)op;
	unsigned r = xreg(c->in->o[0].reg);
	ir_emit(c, OP_BSWAP, r, r, VREG_NONE, 0, 0, 0);
}

const struct x86_family x86_fam_bswap = {"bswap", bswap_exec, x86_osize32, bswap_build};
