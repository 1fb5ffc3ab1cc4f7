/* cms/translate/ir.h — the translator's intermediate representation.
 *
 * A block of x86 instructions becomes a list of native-level operations
 * (one per future atom) on virtual registers.  Virtual registers below
 * VREG_TEMP are the chip's registers themselves: the x86 state lives in
 * fixed registers (DESIGN.md contract 3), so x86 EAX is vreg R_EAX, the
 * flags are R_FLAGS.  Temporaries start at VREG_TEMP and get a physical
 * register r16..r63 from the register allocator.  Every pass works on this
 * one structure; translate.c calls them in order. */
#ifndef CDVM_CMS_TRANSLATE_IR_H
#define CDVM_CMS_TRANSLATE_IR_H

#include <stdint.h>
#include <stdio.h>

#include "cms/x86/x86.h"
#include "native-isa/isa.h"

enum {
	IR_MAX_INSNS = 48,
	IR_MAX_OPS = 640,
	VREG_TEMP = 64,
	VREG_NONE = 0xffff,
	R_RETIRED = 15,     /* x86 instructions retired by translated code (shadowed) */
};

struct ir_op {
	uint8_t op;         /* enum atom_op */
	uint8_t x;          /* width / condition / access kind / scale, as the atom's field */
	uint8_t use_imm;    /* operand b is imm */
	uint8_t dead;       /* removed by a pass */
	uint16_t dst;       /* vreg written (VREG_NONE: none) */
	uint16_t a, b;      /* vregs read as ra / rb (VREG_NONE: none); ldp: b = alias entry */
	uint32_t imm;
	uint16_t insn;      /* the x86 instruction it implements */
	/* filled by the scheduler and allocator */
	int cycle;
	uint8_t pd, pa, pb; /* physical registers */
};

enum ir_end { END_DIRECT, END_COND, END_INDIRECT };

struct ir_block {
	uint32_t eip;                    /* first x86 instruction */
	uint32_t end_eip;                /* address after the last one */
	unsigned ninsns;
	struct x86_insn insns[IR_MAX_INSNS];
	uint32_t insn_eip[IR_MAX_INSNS];

	struct ir_op ops[IR_MAX_OPS];
	unsigned nops;
	unsigned ntemps;
	unsigned nstores;

	enum ir_end end;
	unsigned cond;                   /* END_COND: x86 condition of the taken branch */
	uint32_t target;                 /* END_DIRECT: next EIP; END_COND: taken EIP */
	uint32_t fall;                   /* END_COND: not-taken EIP */
	int branch_op;                   /* END_COND: index of the b.cc op, else -1 */
	int tail_ops[2];                 /* END_DIRECT/INDIRECT: the commit and exit ops, which */
	unsigned ntail;                  /* come after every other op (last bundle) */
	int failed;                      /* the builder ran out of room */
};

/* The passes, in pipeline order (translate.c). */
int ir_select(struct ir_block *b, const struct x86_env *env, uint32_t eip, unsigned max_insns,
	      unsigned max_stores);
/* Can build.c translate this instruction? (select.c stops before one it cannot) */
int ir_supported(const struct x86_insn *in);
int ir_build(struct ir_block *b);
/* END_COND: branch on the opposite condition, to the former fall-through. */
void ir_invert_branch(struct ir_block *b);
/* Flags live at the block's exits (all six when the successor is not
 * known); deps receives the successor byte ranges the answer relies on. */
unsigned ir_flags_live_out(const struct x86_env *env, const struct ir_block *b, uint32_t deps[2][2],
			   unsigned *ndeps);
void ir_pass_flags(struct ir_block *b, unsigned live_out);
/* The first shld/shrd of the block whose flags may be read after it (by
 * the block or, through live_out, its successors), or -1.  build.c gives
 * them no flags, so a region must end before such a one. */
int ir_shiftd_flags_read(const struct ir_block *b, unsigned live_out);
void ir_pass_fold(struct ir_block *b);
void ir_pass_dce(struct ir_block *b);
void ir_pass_coalesce(struct ir_block *b);
/* The registers an operation reads (up to 4) / writes (up to 2), FLAGS
 * and implicit EDX included, r0 never; returns how many. */
unsigned ir_reads(const struct ir_op *o, unsigned out[4]);
unsigned ir_writes(const struct ir_op *o, unsigned out[2]);

struct ir_machine {
	unsigned issue_width;
	unsigned units[U_COUNT];         /* enabled units per class */
	unsigned lat[L_COUNT];
};
int ir_schedule(struct ir_block *b, const struct ir_machine *mc);
int ir_regalloc(struct ir_block *b);

/* Dump for --dump-translations. */
void ir_print(const struct ir_block *b, FILE *out);
/* Which x86 status flags an x86 condition reads (XF_* bits). */
unsigned ir_cond_flags(unsigned cc);

#endif
