/* tests/risu/gen.h — the risu case generator: short straight-line x86
 * sequences of the supported subset with random operands, encoded by hand
 * (no assembler), plus random registers, flags and scratch memory.
 *
 *   struct risu_seq s;
 *   risu_gen_case(seed_for_this_case, RISU_FAMILIES_DEFAULT, 8, &s);
 *   ... s.c is the struct risu_case for the runner and for cdvm ...
 *
 * Memory operands always address the scratch page through "pointer"
 * registers (initialised into the page and not overwritten by the other
 * instructions), ESP, or absolute addresses, so a sequence only faults when
 * the generator means it to (divide errors, the odd out-of-page access). */
#ifndef CDVM_TESTS_RISU_GEN_H
#define CDVM_TESTS_RISU_GEN_H

#include <stdint.h>

#include "tests/risu/risu_proto.h"

#define RISU_MAX_INSN 16u /* generated instructions incl. set-up ones */

#define RISU_FAMILY_LIST(X) \
	X(alu)      /* add or adc sbb and sub xor cmp: r/m,r and r,r/m */ \
	X(alu_imm)  /* the same with immediates (80 81 83, AL/eAX forms) */ \
	X(test)     \
	X(mov)      /* 88-8B, B0-BF, C6/C7, A0-A3 */ \
	X(incdec)   \
	X(negnot)   \
	X(shift)    /* rol ror rcl rcr shl shr sar by 1, imm8, CL */ \
	X(shxd)     /* shld shrd by imm8 and CL */ \
	X(muldiv)   /* F6/F7 mul imul div idiv */ \
	X(imul)     /* 0F AF, 69, 6B */ \
	X(bt)       /* bt bts btr btc, register and immediate offsets */ \
	X(bsf)      /* bsf bsr, including zero sources */ \
	X(setcc)    \
	X(cmov)     \
	X(flagop)   /* clc stc cmc cld std lahf sahf */ \
	X(xchg)     \
	X(xadd)     \
	X(cmpxchg)  \
	X(conv)     /* cbw cwde cwd cdq */ \
	X(movx)     /* movzx movsx */ \
	X(lea)      \
	X(bswap)    \
	X(string)   /* movs cmps stos lods scas, rep/repe/repne, both DF */ \
	X(pushpop)  /* push pop pushf popf pusha popa enter leave */ \
	X(branch)   /* jcc jmp call jecxz loop* skipping the next instruction, ret, jmp/call r/m */ \
	X(misc)     /* nop xlat, redundant prefixes */ \
	X(bcd)      /* daa das aaa aas aam aad */ \
	X(cmpxchg8b) \
	X(fault)    /* hlt cli sti int n in out ud2 into int3 */ \
	X(x87)      /* every x87 form cdvm decodes (D8-DF by ModRM), fwait */

enum risu_family {
#define RISU_FAM_ENUM(n) RF_##n,
	RISU_FAMILY_LIST(RISU_FAM_ENUM)
#undef RISU_FAM_ENUM
	RF_COUNT
};

#define RISU_FAMILIES_ALL ((1u << RF_COUNT) - 1u)

struct risu_insn {
	uint8_t off, len;    /* where in code[] */
	uint8_t family;      /* enum risu_family */
	uint8_t setup;       /* emitted to set up the next instruction */
	uint8_t target_end;  /* branch: offset of its target (else off+len) */
};

struct risu_seq {
	struct risu_case c;
	unsigned ninsn;
	struct risu_insn insn[RISU_MAX_INSN];
};

/* Generate one case from its own seed, drawing instructions only from the
 * families in `families` (a bit mask of enum risu_family). */
void risu_gen_case(uint64_t seed, uint32_t families, unsigned max_insns, struct risu_seq *out);

/* Family name ("alu", ...), or NULL for an unknown value. */
const char *risu_family_name(unsigned f);

/* Parse a comma-separated family list ("alu,shift"); 0 on error. */
uint32_t risu_parse_families(const char *list);

/* Truncate a sequence to its first k instructions; returns 0 when a branch
 * among them targets beyond the cut (the prefix would run off the end). */
int risu_seq_prefix(const struct risu_seq *in, unsigned k, struct risu_seq *out);

#endif
