/* native-isa/xflags_inline.h — the x86 ALU results and EFLAGS of
 * xflags.h as inline functions, for the two hot loops that evaluate them
 * per operation (the chip's flag atoms, hw-sim/core.c, and xflags.c's own
 * public functions, which the interpreter calls).  One description: this
 * file is it; xflags.c only wraps it.
 *
 * The defined behaviour follows the Intel SDM vol. 2 instruction pages and
 * vol. 1 appendix A (EFLAGS cross-reference).  Where the SDM says a flag is
 * "undefined", we reproduce what current Intel cores (and, where they agree,
 * AMD cores) actually do; every such choice is listed in docs/x86-subset.md
 * ("Undefined flags") and checked against the host CPU by
 * tests/unit/xflags.c. */
#ifndef CDVM_NATIVE_ISA_XFLAGS_INLINE_H
#define CDVM_NATIVE_ISA_XFLAGS_INLINE_H

#include "native-isa/xflags.h"

/* PF is set when the low byte of the result has an even number of ones. */
static inline uint32_t xfi_parity(uint32_t r)
{
	uint32_t x = r & 0xff;
	x ^= x >> 4;
	return ((0x6996u >> (x & 0xf)) & 1) ? 0 : XF_PF;
}

/* SF, ZF and PF of a result of `bits` bits. */
static inline uint32_t xfi_szp(uint32_t r, unsigned bits)
{
	uint32_t f = xfi_parity(r);
	if (r == 0)
		f |= XF_ZF;
	if ((r >> (bits - 1)) & 1)
		f |= XF_SF;
	return f;
}

static inline uint32_t xfi_mask(unsigned bits)
{
	return bits == 32 ? 0xffffffffu : ((1u << bits) - 1);
}

static inline uint32_t xfi_sext(uint32_t v, unsigned bits)
{
	if (bits == 32)
		return v;
	uint32_t m = 1u << (bits - 1);
	return ((v & xfi_mask(bits)) ^ m) - m;
}

/* Flags of an addition r = a + b (+ carry) where `carry_out` has already been
 * computed; OF: the operands have the same sign and the result differs. */
static inline uint32_t xfi_add_flags(uint32_t a, uint32_t b, uint32_t r, unsigned bits,
			  int carry_out)
{
	uint32_t f = xfi_szp(r, bits);
	if (carry_out)
		f |= XF_CF;
	if ((a ^ b ^ r) & 0x10)
		f |= XF_AF;
	if ((((a ^ r) & (b ^ r)) >> (bits - 1)) & 1)
		f |= XF_OF;
	return f;
}

/* Flags of a subtraction r = a - b (- borrow). */
static inline uint32_t xfi_sub_flags(uint32_t a, uint32_t b, uint32_t r, unsigned bits,
			  int borrow)
{
	uint32_t f = xfi_szp(r, bits);
	if (borrow)
		f |= XF_CF;
	if ((a ^ b ^ r) & 0x10)
		f |= XF_AF;
	if ((((a ^ b) & (a ^ r)) >> (bits - 1)) & 1)
		f |= XF_OF;
	return f;
}

/* Shifts (SDM vol. 2 "SAL/SAR/SHL/SHR").  Defined: CF = last bit shifted
 * out, OF for a count of 1, SF ZF PF from the result.  Host behaviour for
 * the undefined parts (Intel Core and later):
 *   - OF for counts > 1 is computed as for the first single-bit step, from
 *     the original operand (SHL: MSB(a) ^ MSB-1(a), SHR: MSB(a), SAR: 0);
 *   - AF is cleared;
 *   - for SHL/SHR of 8/16-bit operands by counts >= width, CF is the bit
 *     that the count-1 intermediate step leaves at the edge, i.e. the value
 *     computed as if the operand were wide enough (0 once everything is out). */
static inline uint32_t xfi_shift(enum xf_op op, unsigned bits, uint32_t a, unsigned c,
			 uint32_t flags, uint32_t *flags_out)
{
	uint32_t m = xfi_mask(bits);
	uint64_t wa = a & m;
	uint32_t r, cf;
	uint32_t f;

	if (c == 0) {
		*flags_out = flags;
		return a & m;
	}
	switch (op) {
	case XF_SHL: {
		uint64_t t = c <= 32 ? wa << (c - 1) : 0;
		cf = (uint32_t)(t >> (bits - 1)) & 1;
		r = (uint32_t)(t << 1) & m;
		f = xfi_szp(r, bits);
		if (((wa ^ (wa << 1)) >> (bits - 1)) & 1)
			f |= XF_OF;
		break;
	}
	case XF_SHR: {
		uint64_t t = wa >> (c - 1);
		cf = (uint32_t)t & 1;
		r = (uint32_t)(t >> 1) & m;
		f = xfi_szp(r, bits);
		if ((wa >> (bits - 1)) & 1)
			f |= XF_OF;
		break;
	}
	default: { /* XF_SAR */
		int64_t sa = (int32_t)xfi_sext(a, bits);
		unsigned k = c - 1 > 62 ? 62 : c - 1;
		int64_t t = sa >> k;
		cf = (uint32_t)t & 1;
		r = (uint32_t)(t >> 1) & m;
		f = xfi_szp(r, bits);
		break;
	}
	}
	if (cf)
		f |= XF_CF;
	*flags_out = (flags & ~XF_STATUS) | f;
	return r;
}

/* Rotates (SDM vol. 2 "RCL/RCR/ROL/ROR").  Only CF and OF change; a
 * masked count of 0 changes nothing.  ROL/ROR rotate by count mod width but
 * still set CF when the masked count is a non-zero multiple of the width.
 * OF for counts > 1 is undefined; the host (Intel) computes it as for the
 * first single-bit step, from the original operand:
 *   ROL, RCL: MSB(a) ^ MSB-1(a)   ROR: MSB(a) ^ LSB(a)   RCR: MSB(a) ^ CF_in
 * (for a count of 1 these equal the SDM's definitions). */
static inline uint32_t xfi_rotate(enum xf_op op, unsigned bits, uint32_t a, unsigned c,
			  uint32_t flags, uint32_t *flags_out)
{
	uint32_t m = xfi_mask(bits);
	uint32_t r, cf, of;
	uint32_t msb_shift = bits - 1;

	a &= m;
	/* RCL/RCR of 8/16-bit operands by a multiple of width+1 rotate by 0:
	 * the host then leaves every flag alone, as for a count of 0. */
	*flags_out = flags;
	if (c == 0)
		return a;
	switch (op) {
	case XF_ROL: {
		unsigned k = c % bits;
		r = k ? ((a << k) | (a >> (bits - k))) & m : a;
		cf = r & 1;
		of = ((a >> msb_shift) ^ (a >> (msb_shift - 1))) & 1;
		break;
	}
	case XF_ROR: {
		unsigned k = c % bits;
		r = k ? ((a >> k) | (a << (bits - k))) & m : a;
		cf = (r >> msb_shift) & 1;
		of = (a ^ (a >> msb_shift)) & 1;
		break;
	}
	case XF_RCL: {
		/* Rotate the (bits+1)-bit quantity CF:a left. */
		unsigned k = c % (bits + 1);
		uint64_t v = ((uint64_t)((flags & XF_CF) ? 1 : 0) << bits) | a;
		uint64_t mm = ((uint64_t)1 << (bits + 1)) - 1;
		if (k == 0)
			return a;
		v = ((v << k) | (v >> (bits + 1 - k))) & mm;
		r = (uint32_t)v & m;
		cf = (uint32_t)(v >> bits) & 1;
		of = ((a >> msb_shift) ^ (a >> (msb_shift - 1))) & 1;
		break;
	}
	default: { /* XF_RCR */
		unsigned k = c % (bits + 1);
		uint64_t v = ((uint64_t)((flags & XF_CF) ? 1 : 0) << bits) | a;
		uint64_t mm = ((uint64_t)1 << (bits + 1)) - 1;
		if (k == 0)
			return a;
		v = ((v >> k) | (v << (bits + 1 - k))) & mm;
		r = (uint32_t)v & m;
		cf = (uint32_t)(v >> bits) & 1;
		of = ((a >> msb_shift) & 1) ^ ((flags & XF_CF) ? 1 : 0);
		break;
	}
	}
	uint32_t f = flags & ~(XF_CF | XF_OF);
	if (cf)
		f |= XF_CF;
	if (of)
		f |= XF_OF;
	*flags_out = f;
	return r;
}

/* MUL/IMUL (SDM vol. 2 "MUL", "IMUL"): CF = OF = the upper half is
 * significant.  SF ZF AF PF are undefined; the host sets SF and PF from
 * the low half of the product, clears ZF and AF (Intel Core and later). */
static inline uint32_t xfi_mul(enum xf_op op, unsigned bits, uint32_t a, uint32_t b,
		       uint32_t flags, uint32_t *flags_out)
{
	uint32_t m = xfi_mask(bits);
	uint32_t r;
	int wide;

	if (op == XF_MUL) {
		uint64_t p = (uint64_t)(a & m) * (b & m);
		r = (uint32_t)p & m;
		wide = (p >> bits) != 0;
	} else {
		int64_t p = (int64_t)(int32_t)xfi_sext(a, bits) *
			    (int32_t)xfi_sext(b, bits);
		r = (uint32_t)p & m;
		wide = p != (int32_t)xfi_sext(r, bits);
	}
	uint32_t f = xfi_parity(r);
	if ((r >> (bits - 1)) & 1)
		f |= XF_SF;
	if (wide)
		f |= XF_CF | XF_OF;
	*flags_out = (flags & ~XF_STATUS) | f;
	return r;
}

static inline uint32_t xf_eval_inline(enum xf_op op, unsigned width, uint32_t a, uint32_t b,
		 uint32_t flags, uint32_t *flags_out)
{
	unsigned bits = width * 8;
	uint32_t m = xfi_mask(bits);
	uint32_t cf_in = (flags & XF_CF) ? 1 : 0;
	uint32_t keep = flags & ~XF_STATUS;
	uint32_t r;

	a &= m;
	switch (op) {
	case XF_ADD:
		b &= m;
		r = (a + b) & m;
		*flags_out = keep | xfi_add_flags(a, b, r, bits,
					      ((uint64_t)a + b) >> bits != 0);
		return r;
	case XF_ADC:
		b &= m;
		r = (a + b + cf_in) & m;
		*flags_out = keep | xfi_add_flags(a, b, r, bits,
					      ((uint64_t)a + b + cf_in) >> bits != 0);
		return r;
	case XF_SUB:
		b &= m;
		r = (a - b) & m;
		*flags_out = keep | xfi_sub_flags(a, b, r, bits, a < b);
		return r;
	case XF_SBB:
		b &= m;
		r = (a - b - cf_in) & m;
		*flags_out = keep | xfi_sub_flags(a, b, r, bits,
					      (uint64_t)a < (uint64_t)b + cf_in);
		return r;
	case XF_AND:
	case XF_OR:
	case XF_XOR:
		/* CF = OF = 0; AF undefined: the host clears it. */
		r = op == XF_AND ? (a & b) : op == XF_OR ? (a | b) : (a ^ b);
		r &= m;
		*flags_out = keep | xfi_szp(r, bits);
		return r;
	case XF_INC:
		r = (a + 1) & m;
		*flags_out = (flags & ~(XF_STATUS & ~XF_CF)) |
			     (xfi_add_flags(a, 1, r, bits, 0) & ~XF_CF);
		return r;
	case XF_DEC:
		r = (a - 1) & m;
		*flags_out = (flags & ~(XF_STATUS & ~XF_CF)) |
			     (xfi_sub_flags(a, 1, r, bits, 0) & ~XF_CF);
		return r;
	case XF_NEG:
		r = (0 - a) & m;
		*flags_out = keep | xfi_sub_flags(0, a, r, bits, a != 0);
		return r;
	case XF_SHL:
	case XF_SHR:
	case XF_SAR:
		return xfi_shift(op, bits, a, b & 31, flags, flags_out);
	case XF_ROL:
	case XF_ROR:
	case XF_RCL:
	case XF_RCR:
		return xfi_rotate(op, bits, a, b & 31, flags, flags_out);
	case XF_MUL:
	case XF_IMUL:
		return xfi_mul(op, bits, a, b, flags, flags_out);
	default:
		*flags_out = flags;
		return a;
	}
}

static inline uint32_t xf_eval_imm_inline(enum xf_op op, unsigned width, uint32_t a, uint32_t b,
					    uint32_t flags, uint32_t *flags_out)
{
	uint32_t r = xf_eval_inline(op, width, a, b, flags, flags_out);
	if ((op == XF_ROL || op == XF_ROR) && (b & 31) > 1)
		*flags_out = (*flags_out & ~XF_OF) | (flags & XF_OF);
	return r;
}

static inline bool xf_cond_inline(unsigned cc, uint32_t f)
{
	bool r;
	switch ((cc >> 1) & 7) {
	case 0: r = f & XF_OF; break;
	case 1: r = f & XF_CF; break;
	case 2: r = f & XF_ZF; break;
	case 3: r = f & (XF_CF | XF_ZF); break;
	case 4: r = f & XF_SF; break;
	case 5: r = f & XF_PF; break;
	case 6: r = !(f & XF_SF) != !(f & XF_OF); break;
	default: r = (f & XF_ZF) || (!(f & XF_SF) != !(f & XF_OF)); break;
	}
	return (cc & 1) ? !r : r;
}

#endif
