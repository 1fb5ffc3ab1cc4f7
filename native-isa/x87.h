/* native-isa/x87.h — the x87 floating-point state, and its arithmetic:
 * the host's own x87 behind one fenced door.
 *
 * The host CPU is cdvm's oracle (DESIGN.md contract 6), and a software
 * 80-bit implementation would have to reproduce it bit for bit, down to
 * the host's own fsin and fpatan.  So every x87 operation, in the
 * firmware's interpreter (cms/insn/x87.c) and in the chip's FPU atoms,
 * runs on the host x87 through x87_host_exec: the state is loaded into the
 * host FPU (frstor), one instruction from a fixed table of encodings runs
 * on it, and the state comes back (fnsave, which never waits, so an
 * unmasked exception the instruction raised stays recorded in the status
 * word instead of trapping cdvm).  The host's own control word is saved
 * and restored around it; nothing else of the host is touched.  Only
 * encodings the caller has decoded as valid x87 instructions may be
 * passed, and never a waiting instruction while the state has an unmasked
 * exception pending (x87_pending): that is the guest's #MF.
 *
 *   struct x87_state s;  x87_init(&s);               // as after fninit
 *   uint8_t m[4] = {0, 0, 0xc0, 0x3f};               // 1.5f
 *   x87_host_exec(&s, 0xd9, 0x00, m, &eflags, &ax);  // fld dword ptr [m]
 */
#ifndef CDVM_NATIVE_ISA_X87_H
#define CDVM_NATIVE_ISA_X87_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { X87_ENV_BYTES = 28, X87_STATE_BYTES = 108 };  /* fnstenv's and fnsave's images */

/* One 80-bit register: 64-bit significand (explicit integer bit 63) and
 * sign (bit 15) + 15-bit biased exponent. */
struct x87_reg {
	uint64_t mant;
	uint16_t se;
};

/* Status word (SDM vol. 1, 8.1.3) and control word (8.1.5) bits. */
enum {
	X87_IE = 1u << 0, X87_DE = 1u << 1, X87_ZE = 1u << 2, X87_OE = 1u << 3,
	X87_UE = 1u << 4, X87_PE = 1u << 5, X87_SF = 1u << 6, X87_ES = 1u << 7,
	X87_C0 = 1u << 8, X87_C1 = 1u << 9, X87_C2 = 1u << 10, X87_C3 = 1u << 14,
	X87_TOP_SHIFT = 11, X87_TOP_MASK = 7u << 11,
	X87_EXC = 0x3f,           /* the six exception flags (and masks) */
	X87_CW_INIT = 0x037f,     /* after fninit: all masked, 64-bit precision, nearest */
	X87_CC = X87_C0 | X87_C1 | X87_C2 | X87_C3,
	X87_FOP_AT_FIP = 0xffff,  /* fop: the opcode of the instruction at fip (set by native code) */
};

/* The x87 state the guest sees (fnsave exposes all of it). */
struct x87_state {
	struct x87_reg r[8];   /* physical registers R0..R7: ST(i) is R[(TOP + i) & 7] */
	uint16_t cw, sw;       /* control word; status word, TOP in bits 13..11 */
	uint8_t tags;          /* bit i: R[i] holds a value (tag not "empty") */
	uint16_t fop;          /* last non-control instruction: opcode bits 10..0 */
	uint16_t fcs, fds;     /* its code segment and its memory operand's segment */
	uint32_t fip, fdp;     /* its offset and its memory operand's offset */
};

/* The state after fninit. */
void x87_init(struct x87_state *s);

static inline unsigned x87_top(const struct x87_state *s)
{
	return (s->sw >> X87_TOP_SHIFT) & 7u;
}

/* An exception is pending: the next waiting instruction raises #MF. */
static inline bool x87_pending(const struct x87_state *s)
{
	return (s->sw & X87_ES) != 0;
}

/* Same state, field by field (registers compared whole, empty or not). */
bool x87_state_equal(const struct x87_state *a, const struct x87_state *b);

/* The full tag word (2 bits per physical register: 0 valid, 1 zero,
 * 2 special, 3 empty) fnstenv stores, computed from the contents. */
uint16_t x87_tag_word(const struct x87_state *s);

/* Run the x87 instruction `esc modrm` (esc 0xd8..0xdf) on the host x87
 * with state s.  A memory form (modrm < 0xc0; the r/m and base fields are
 * ignored) reads and/or writes its operand at mem, which must hold the
 * operand's bytes as in guest memory (up to 108); a register form ignores
 * mem.  *eflags: the x86 EFLAGS, whose status flags fcmov reads and fcomi
 * writes (other bits are kept).  *ax: what fnstsw ax stores (untouched by
 * every other instruction).  The pointers (fip, fdp, fop, fcs, fds) are
 * the caller's: this leaves them alone. */
void x87_host_exec(struct x87_state *s, uint8_t esc, uint8_t modrm, void *mem,
		   uint32_t *eflags, uint16_t *ax);

/* Which condition codes (X87_C0..C3 bits) the host's instruction `esc
 * modrm` writes, on ordinary operands (1.5 and 2 in ST0 and ST1, zeros in
 * memory): the others it keeps.  Measured by running it twice. */
uint16_t x87_cc_defined(uint8_t esc, uint8_t modrm);

/* The stub of x87_host_exec's table for `esc modrm`: for x87_host_op. */
static inline unsigned x87_stub(uint8_t esc, uint8_t modrm)
{
	return modrm >= 0xc0 ? (unsigned)(esc - 0xd8) * 64 + (modrm & 63u)
			     : 512 + (unsigned)(esc - 0xd8) * 8 + ((modrm >> 3) & 7u);
}

/* The chip's FPU atoms' door: one operation on values, not on a state.
 * a and b are pushed on an empty x87 stack (ST0 = a, ST1 = b), stub runs
 * under io->cw with every exception masked (the masked responses: the
 * caller faults when io->sw raised an exception its guest control word
 * unmasks; io->cw comes back with the masks set), and ST0 afterwards comes
 * back in *st0 (its 10 bytes).  mem: the memory operand of a memory form,
 * as for x87_host_exec (8 bytes at most).  io->sw in: the exception
 * flags the guest already has set and masks (the door may leave these set
 * in the host's x87 and report them again); out: the status word after
 * the stub (exception flags raised or already in io->sw, condition codes,
 * a TOP of no meaning);
 * io->eflags: only out, the host's RFLAGS after the stub, whose status
 * flags fcomi and fucomi write (all six; no stub of an atom reads them:
 * fcmov goes through x87_host_exec).  An assembly routine (x87.c), called
 * once per FPU atom: it reads a and b where they are.  Between calls the
 * host's x87 registers are empty and its control word the host's own. */
struct x87_op_io {
	uint32_t eflags;
	uint16_t cw, sw;
};
_Static_assert(offsetof(struct x87_reg, se) == 8 && sizeof(struct x87_reg) >= 10,
	       "struct x87_reg is the 10-byte layout fldt and fstpt use");
_Static_assert(offsetof(struct x87_op_io, cw) == 4 && offsetof(struct x87_op_io, sw) == 6,
	       "x87_host_op's assembly addresses io's fields by these offsets");
void x87_host_op(unsigned stub, const struct x87_reg *a, const struct x87_reg *b, void *mem,
		 struct x87_op_io *io, struct x87_reg *st0);
#endif
