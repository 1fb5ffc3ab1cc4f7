/* cms/insn/insn.h — the instruction families: where an x86 operation's
 * meanings live.  Every row of cms/x86/ops.def names its family; a family
 * is one `struct x86_family` holding, side by side, the interpreter
 * handler (what the instruction does to the x86 state) and the IR builder
 * (what native operations the translator makes of it), so the two
 * descriptions sit in one file and are reached from the table, not from
 * two switches.  Families of one kind share a file:
 *
 *   arith.c    alu shift rcshift unary  add..cmp test, rol..sar, rcl rcr, inc dec not neg
 *   muldiv.c   mul div                  mul imul, div idiv
 *   bits.c     shiftd bt bitscan tzcnt bswap
 *                                       shld shrd, bt*, bsf bsr, tzcnt lzcnt, bswap
 *   move.c     mov movx lea xchg xadd cmpxchg8b xlat convert setcc cmovcc
 *   stack.c    push pop pusha popa pushf popf enter leave
 *   control.c  jcc jmp ret loop int
 *   string.c   string                   movs cmps stos lods scas (+ the native loop)
 *   system.c   flagop nop hint cpuid rdtsc hlt ud
 *   segment.c  sreg                     mov to/from Sreg, push/pop fs gs
 *   x87.c      x87                      every x87 instruction, fwait
 *
 * A family whose can_build is NULL is never translated; one that has it
 * takes at least some forms of every op it holds (docs/x86-subset.md says
 * which ops), so ops the translator never takes get a family of their own
 * even when they share the handler.
 *
 * Adding an x86 instruction: its row in ops.def (and its encodings in
 * opcodes.def), its family's handler and builder here, and a test; see
 * docs/hacking.md. */
#ifndef CDVM_CMS_INSN_INSN_H
#define CDVM_CMS_INSN_INSN_H

#include "cms/x86/x86.h"

#define X86_FAMILIES(F) \
	F(alu) F(shift) F(rcshift) F(unary) F(mul) F(div) F(shiftd) F(bt) F(bitscan) F(tzcnt) F(bswap) \
	F(mov) F(movx) F(lea) F(xchg) F(xadd) F(cmpxchg8b) F(xlat) F(convert) F(setcc) F(cmovcc) \
	F(push) F(pop) F(pusha) F(popa) F(pushf) F(popf) F(enter) F(leave) \
	F(jcc) F(jmp) F(ret) F(loop) F(int) F(string) \
	F(flagop) F(nop) F(hint) F(cpuid) F(rdtsc) F(hlt) F(ud) F(sreg) F(x87)

enum x86_family_id {
#define X86_FAM_ENUM(f) X86_FAM_##f,
	X86_FAMILIES(X86_FAM_ENUM)
#undef X86_FAM_ENUM
	X86_FAM_COUNT
};

struct x86_ctx;   /* cms/insn/interp.h */
struct bctx;      /* cms/translate/build.h */

struct x86_family {
	const char *name;
	/* Interpret `op`: the registers and memory of c, precise on a fault. */
	enum x86_stop (*exec)(struct x86_ctx *c, enum x86_op op);
	/* Can the translator take this form (prefixes, operand kinds and
	 * sizes)?  NULL: the family is always interpreted. */
	int (*can_build)(const struct x86_insn *in);
	/* The IR of the instruction (called only when can_build said yes). */
	void (*build)(struct bctx *c, enum x86_op op);
};

#define X86_FAM_DECL(f) extern const struct x86_family x86_fam_##f;
X86_FAMILIES(X86_FAM_DECL)
#undef X86_FAM_DECL

extern const struct x86_family *const x86_families[X86_FAM_COUNT];

static inline const struct x86_family *x86_family_of(unsigned op)
{
	return x86_families[x86_op(op)->family];
}

/* An operand the translator can read or write as a value. */
static inline int x86_reg_or_mem(const struct x86_operand *o)
{
	return o->kind == X86_OPK_REG || o->kind == X86_OPK_MEM;
}

/* can_build for forms the translator takes at 32 bits only */
static inline int x86_osize32(const struct x86_insn *in) { return in->osize == 4; }

#endif
