/* cms/translate/build.h — what an IR builder works with: the block being
 * built and the shared operand conventions (build.c).  Private to the
 * instruction families (cms/insn/ files), whose builders use it.
 *
 * Operand conventions: a 32-bit register operand is its fixed vreg; 8- and
 * 16-bit results are merged into their register with `dep`; AH..BH are
 * read with `extu` and written with `dep` at bit 8.  Flag atoms ignore
 * operand bits above their width, so narrow sources need no extension.
 * Memory operands become `ld`/`st` at [base + disp] or at an address
 * computed by `lea`; FS/GS overrides add the segment base register. */
#ifndef CDVM_CMS_TRANSLATE_BUILD_H
#define CDVM_CMS_TRANSLATE_BUILD_H

#include "cms/insn/insn.h"
#include "cms/translate/ir.h"

/* The x87 stack as a block's builder sees it (cms/insn/x87.c): ST(i) is
 * x87 register R[(top + i) & 7], which FPU register phys[] holds, one of
 * f0..f14 (fxch and pushes rename; the block's end puts each back in
 * f0..f7). */
struct x87_track {
	int on;                 /* the block takes x87 instructions */
	int st;                 /* top | tags << 8 now (x87_select_step) */
	int written;            /* top | tags << 8 as the FPU state holds them */
	uint8_t phys[8];
	unsigned next_tmp;      /* where the search for a free FPU register goes on */
	uint16_t touched;       /* FPU registers an atom of the block read or wrote so far */
	int c1_clear;           /* an fxch cleared C1, and no atom wrote it since */
	int fip_insn;           /* the last non-control x87 instruction, or -1 */
	unsigned fdp;           /* vreg: offset of the last one's memory operand, or VREG_NONE */
};

struct bctx {
	struct ir_block *b;
	unsigned insn;          /* current instruction index */
	const struct x86_insn *in;
	uint32_t next;          /* EIP of the next instruction */
	struct x87_track fp;
};

/* The x87 parts of a block: the entry check, and the stack put back at
 * its end (cms/insn/x87.c). */
void x87_build_begin(struct bctx *c);
void x87_build_end(struct bctx *c);
/* The x87 stack where a region's side exit leaves (none: st -1). */
void x87_note_side(const struct bctx *c, struct ir_x87_at *at);

/* Append an operation; -1 (and b->failed) when the block is full. */
int ir_emit(struct bctx *c, unsigned op, unsigned dst, unsigned a, unsigned bb, uint32_t imm, int use_imm,
	    unsigned x);
unsigned ir_temp(struct bctx *c);

static inline unsigned xreg(unsigned r) { return R_EAX + r; }
/* width code of flag atoms: 0 = 32, 1 = 8, 2 = 16 */
static inline unsigned wcode(unsigned size) { return size == 1 ? 1 : size == 2 ? 2 : 0; }
static inline const struct x86_operand *opnd(const struct bctx *c, unsigned i) { return &c->in->o[i]; }
static inline unsigned mx_load(unsigned size, int sign)
{
	return size == 1 ? (sign ? MX_S8 : MX_U8) : size == 2 ? (sign ? MX_S16 : MX_U16) : MX_32;
}

/* The memory operand's address as (base vreg, disp). */
void ir_address(struct bctx *c, unsigned *base, uint32_t *disp);

struct val {
	unsigned reg;      /* vreg holding it, or VREG_NONE for an immediate */
	uint32_t imm;
};

/* The memory operand of an instruction: its address is computed once. */
struct memref {
	int valid;
	unsigned base;
	uint32_t disp;
};

/* The value of operand i (memory: loaded, sign- or zero-extended). */
struct val ir_read_opnd(struct bctx *c, unsigned i, struct memref *mr, int sign);
/* A value in a register (materializes immediates). */
unsigned ir_in_reg(struct bctx *c, struct val v);
/* Write `src` (low `size` bytes meaningful) to operand i. */
void ir_write_opnd(struct bctx *c, unsigned i, unsigned src, struct memref *mr);
/* Destination for a result that will be written to operand i: the fixed
 * register itself when it is a full 32-bit register. */
unsigned ir_result_reg(struct bctx *c, unsigned i);
/* The chip's flag atom computing op's result and flags (the interpreter
 * uses the same xflags operation: ops.def's column). */
unsigned ir_flag_atom(unsigned op);
/* push a 32-bit value */
void ir_push_value(struct bctx *c, unsigned reg);

#endif
