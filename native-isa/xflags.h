/* native-isa/xflags.h — x86-exact integer arithmetic with EFLAGS.
 *
 * One definition of what an x86 ALU operation computes and how it changes
 * CF PF AF ZF SF OF, shared by the chip's flag-setting atoms (hw-sim) and by
 * the firmware's interpreter (cms/x86).  Pure functions, no dependencies.
 *
 *   uint32_t fl;
 *   uint32_t r = xf_eval(XF_ADD, 1, 0x7f, 0x01, eflags, &fl);  // r = 0x80, OF=1 SF=1 AF=1
 */
#ifndef CDVM_NATIVE_ISA_XFLAGS_H
#define CDVM_NATIVE_ISA_XFLAGS_H

#include <stdbool.h>
#include <stdint.h>

/* EFLAGS bits (Intel SDM vol. 1, 3.4.3) */
enum {
	XF_CF = 1u << 0,
	XF_PF = 1u << 2,
	XF_AF = 1u << 4,
	XF_ZF = 1u << 6,
	XF_SF = 1u << 7,
	XF_TF = 1u << 8,
	XF_IF = 1u << 9,
	XF_DF = 1u << 10,
	XF_OF = 1u << 11,
	XF_STATUS = XF_CF | XF_PF | XF_AF | XF_ZF | XF_SF | XF_OF,
};

/* Operations; every one takes a width of 1, 2 or 4 bytes. */
#define XF_OPS(X) \
	X(ADD) X(ADC) X(SUB) X(SBB) X(AND) X(OR) X(XOR) \
	X(INC) X(DEC) X(NEG) \
	X(SHL) X(SHR) X(SAR) X(ROL) X(ROR) X(RCL) X(RCR) \
	X(MUL) X(IMUL)

enum xf_op {
#define XF_ENUM(n) XF_##n,
	XF_OPS(XF_ENUM)
#undef XF_ENUM
	XF_OP_COUNT
};

/* Compute `a op b` at `width` bytes.  `b` is the count for shifts/rotates
 * (masked as x86 does), ignored for INC/DEC/NEG.  `flags` is the current
 * EFLAGS image: it supplies CF for ADC/SBB/RCL/RCR and every bit the
 * operation leaves unchanged.  Returns the result zero-extended to 32 bits
 * (for MUL/IMUL: the low `width` bytes of the product); the new EFLAGS image
 * goes to *flags_out. */
uint32_t xf_eval(enum xf_op op, unsigned width, uint32_t a, uint32_t b,
		 uint32_t flags, uint32_t *flags_out);

/* xf_eval for the shift/rotate forms with an immediate count (opcodes
 * C0/C1).  Identical to xf_eval except that Intel cores leave OF unchanged
 * for ROL/ROR by an immediate whose masked count is > 1 (the CL and 1
 * forms compute it); the interpreter and the translator both use this for
 * C0/C1 so they agree with the host. */
uint32_t xf_eval_imm(enum xf_op op, unsigned width, uint32_t a, uint32_t b,
		     uint32_t flags, uint32_t *flags_out);

/* x86 condition code tttn (0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, 6 BE, 7 A,
 * 8 S, 9 NS, 10 P, 11 NP, 12 L, 13 GE, 14 LE, 15 G) evaluated on EFLAGS. */
bool xf_cond(unsigned cc, uint32_t eflags);

/* Name of an operation ("add") and of a condition ("ne"), for tools. */
const char *xf_op_name(enum xf_op op);
const char *xf_cond_name(unsigned cc);

#endif
