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
	IR_MAX_INSNS = 512,     /* a region's x86 instructions */
	IR_MAX_BLOCK_INSNS = 48, /* a block's (cms.max_block_insns) */
	IR_MAX_OPS = 6144,
	IR_MAX_SIDES = 60,      /* side exits of a region */
	IR_NX86 = 8,            /* EAX..EDI: the x86 registers a region keeps in temporaries */
	IR_MAX_PAIRS = 512,     /* (store, load) pairs a region may reorder speculatively */
	IR_MAX_HAMMOCKS = 32,   /* if-converted branches of a region */
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
	uint8_t side;       /* a region's side-exit branch: its index + 1 (0: none) */
	uint8_t alias;      /* stam: the first alias entry it checks */
	uint8_t spec;       /* load: may be hoisted above stores it may alias (a protected load) */
	uint8_t pin;        /* PIN_* (adaptive retranslation narrowed what may move) */
	uint8_t fd, fa, fb; /* FPU atoms: the FPU registers of their fd / fa / fb fields (fixed:
			     * the x87 stack is mapped at translation time, cms/insn/x87.c) */
	/* filled by the scheduler and allocator */
	int cycle;
	uint8_t pd, pa, pb; /* physical registers */
};

enum ir_end { END_DIRECT, END_COND, END_INDIRECT };

/* A region's side exit: a branch out of the trace (the direction the
 * profile did not follow, or a return whose address is not the one the
 * trace followed).  Its stub copies the x86 registers the region keeps in
 * temporaries (cur) into their fixed registers, counts the instructions
 * retired so far, sets EIP, commits and exits. */
/* The x87 stack where a region's side exit leaves (cms/insn/x87.c keeps
 * it at translation time): the stub puts it back as the region's end
 * does, the x87 registers in their FPU registers, the stack top and tags,
 * the instruction and data pointers. */
struct ir_x87_at {
	int st;                 /* top | tags << 8 there, or -1: the region takes no x87 code */
	int fstk;               /* the imm of the fstk that writes them there, or -1: the FPU state holds them */
	uint8_t phys[8];        /* the FPU register holding each x87 register (fxch renames) */
	int fip_insn;           /* the last non-control x87 instruction before it, or -1 */
	uint16_t fdp;           /* vreg: the offset of that one's memory operand, or VREG_NONE */
};

struct ir_side {
	int op;                 /* the branch op */
	uint32_t target;        /* x86 EIP it leaves to (eip_vreg == VREG_NONE) */
	uint16_t eip_vreg;      /* an indirect side exit: the vreg holding EIP */
	unsigned ninsns;        /* x86 instructions retired when it is taken */
	unsigned flags_live;    /* x86 status flags live at the target */
	uint16_t cur[IR_NX86];  /* vreg holding each x86 register there */
	struct ir_x87_at fp;
	/* what the profile promised (the reoptimizer checks it while it
	 * watches the region, cms/reopt.c) */
	uint32_t branch;        /* x86 EIP of the jcc or ret it leaves from */
	uint8_t way;            /* enum ir_side_way */
	uint8_t promise;        /* percent of the arrivals there the profile expected to leave */
};

/* Which way of its x86 instruction a side exit leaves: the jcc's taken or
 * not-taken successor, or a ret to another address than the trace's. */
enum ir_side_way { SIDE_WAY_TAKEN, SIDE_WAY_FALL, SIDE_WAY_RET };

/* The vregs a side exit's stub reads: k < IR_NX86 the x86 registers, then
 * EIP (indirect) and the x87 data pointer; VREG_NONE or a fixed register
 * where it reads no temporary. */
enum { IR_SIDE_VREGS = IR_NX86 + 2 };
static inline unsigned ir_side_vreg(const struct ir_side *sd, unsigned k)
{
	return k < IR_NX86 ? sd->cur[k] : k == IR_NX86 ? sd->eip_vreg : sd->fp.fdp;
}
/* The FPU copies (fd, fa) that put every x87 register back in its own FPU
 * register after the renamings phys[] records, in order, through a spare
 * FPU register (cms/insn/x87.c); returns how many. */
enum { X87_MAX_MOVES = 12 };
unsigned x87_restore_moves(const uint8_t phys[8], uint8_t moves[X87_MAX_MOVES][2]);

enum {
	PIN_NO_PASS = 1,    /* a store no load may be hoisted above */
	PIN_NO_HOIST = 2,   /* a load that stays below the side exits before it */
	SIDE_HOT = 255,     /* ir_op.side of the entry counter's branch to the hot exit */
};

/* The side exit an op branches to, or NULL. */
struct ir_block;
static inline const struct ir_side *ir_op_side(const struct ir_block *b, const struct ir_op *o);

/* How a region continues after one of its control transfers (select). */
enum ir_follow { FOLLOW_NONE, FOLLOW_TAKEN, FOLLOW_FALL, FOLLOW_IFCONV };

/* A short forward branch over a few instructions (`jcc L; body; L:`)
 * that a region if-converts: the body is computed whichever way the
 * branch goes and `sel` on the branch's condition picks each register it
 * wrote (rename.c).  Its flags are merged the same way when they are live
 * at L, and the instructions retired are counted back when the branch
 * skips the body. */
struct ir_hammock {
	unsigned insn;          /* the jcc's index in the trace; its body follows it */
	unsigned body;          /* instructions of the body */
	unsigned cond;          /* x86 condition under which the jcc skips the body */
	unsigned flags_live;    /* x86 status flags live at L */
	uint32_t join;          /* L */
	uint32_t live_end;      /* [L, live_end): the bytes flags_live was read from */
};
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
	/* the x87 stack top and tags when the block is entered (from the
	 * state the translator saw; fchk checks them at run time), or
	 * fp_entry < 0: no x87 instruction is taken */
	int fp_entry;                    /* top | tags << 8 */

	/* a region (cms/translate/region.c): a trace across control transfers */
	int region;
	uint8_t follow[IR_MAX_INSNS];    /* enum ir_follow of each control transfer inside it */
	uint32_t ret_expect[IR_MAX_INSNS]; /* a followed ret: the return address the trace assumed */
	uint8_t promise[IR_MAX_INSNS];   /* a followed jcc or ret: percent of arrivals expected to leave */
	struct ir_side sides[IR_MAX_SIDES];
	unsigned nsides;
	unsigned flags_live_end;         /* flags live where the region ends (set by the caller) */
	struct ir_hammock hammocks[IR_MAX_HAMMOCKS];
	unsigned nhammocks;
	uint16_t pairs[IR_MAX_PAIRS][2]; /* (store, load) the scheduler may reorder (memory.c) */
	unsigned npairs;
};

static inline const struct ir_side *ir_op_side(const struct ir_block *b, const struct ir_op *o)
{
	return o->side && o->side != SIDE_HOT ? &b->sides[o->side - 1] : NULL;
}

/* The passes, in pipeline order (translate.c). */
int ir_select(struct ir_block *b, const struct x86_env *env, uint32_t eip, unsigned max_insns,
	      unsigned max_stores);
/* Can build.c translate this instruction? (select.c stops before one it cannot) */
int ir_supported(const struct x86_insn *in);
/* The x87 stack through a block at translation time (cms/insn/x87.c):
 * may instruction `in` be translated with the stack top and tags *st
 * (top | tags << 8)?  If so *st becomes the state after it; *end: the
 * block must end after it (fldcw: what it unmasks is checked at the next
 * block's entry). */
int x87_select_step(const struct x86_insn *in, int *st, int *end);
/* The stack top and tags (top | tags << 8) the translator sees at a
 * translation's entry, or -1 when it sees no x87 state (env->fpu NULL). */
int x87_select_entry(const struct x86_env *env);
int ir_build(struct ir_block *b);
/* ir_build in two steps, for a region: its instructions (rename comes
 * between), then the ending. */
int ir_build_insns(struct ir_block *b);
int ir_build_end(struct ir_block *b);
/* A region from a hot entry along the profile (region.c). */
struct tr_region_opts;
struct tr_hints;
int ir_select_region(struct ir_block *b, const struct x86_env *env, uint32_t eip, const struct tr_region_opts *o,
		     const struct tr_hints *h);
/* A region's x86 registers into temporaries (rename.c): 0, or -1 when the
 * IR is full. */
int ir_pass_rename(struct ir_block *b);
/* The entry counter of a translation (build.c): count down the word at
 * the hidden-memory address the caller patches in; at zero, branch to the
 * hot exit. */
int ir_add_counter(struct ir_block *b);
/* Flags live on entry to the code at eip; [eip, *end) is what was read. */
unsigned ir_flags_live_at(const struct x86_env *env, uint32_t eip, uint32_t *end);
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
/* Regions: constant-offset chains computed from their roots (opt.c). */
void ir_pass_offsets(struct ir_block *b);
/* The registers an operation reads (up to 4) / writes (up to 2), FLAGS
 * and implicit EDX included, r0 never; returns how many. */
unsigned ir_reads(const struct ir_op *o, unsigned out[4]);
unsigned ir_writes(const struct ir_op *o, unsigned out[2]);
/* An atom of the x87 state (P_FPU, or an access of the x87 control or
 * status word): the scheduler orders them (sched.c, fpu_edges), and those
 * that change it stay on their side of a region's side exits (memory.c). */
static inline int ir_x87_state(const struct ir_op *o)
{
	return (isa_ops[o->op].props & P_FPU) ||
	       ((o->op == OP_RDCR || o->op == OP_WRCR) && (o->imm == CR_FPU_CW || o->imm == CR_FPU_SW));
}

struct ir_machine {
	unsigned issue_width;
	unsigned units[U_COUNT];         /* enabled units per class */
	unsigned lat[L_COUNT];
	/* regions only (0 for blocks): speculation the scheduler may use */
	unsigned alias_entries;          /* protected loads it may hoist above stores they may alias */
	int control_speculation;         /* loads may move above side exits */
	uint64_t bad_regs;               /* temporaries found faulty: never allocated */
};
int ir_schedule(struct ir_block *b, const struct ir_machine *mc);
/* A dependence: `to` issues at least `dist` cycles after `from`. */
struct ir_edge {
	uint16_t from, to;
	uint16_t dist;
};
int ir_add_edge(struct ir_edge **e, unsigned *ne, unsigned *cap, unsigned from, unsigned to, unsigned dist);
/* The scheduler's memory and region rules (memory.c): memory dependences
 * with disambiguation (every block) and speculation (regions), and a
 * region's side exits' orderings; the bundle conflicts of speculated
 * pairs; then protected loads and stores under alarm where the schedule
 * reordered them (0, or -1). */
int ir_order_edges(struct ir_block *b, const struct ir_machine *mc, const unsigned *idx, unsigned n,
		   struct ir_edge **e, unsigned *ne, unsigned *cap);
int ir_region_conflict(const struct ir_block *b, unsigned op, int cycle);
int ir_region_alias(struct ir_block *b);
/* A value as root + (iroot << scale) + off (memory.c): roots are values
 * at the region's entry (the registers' numbers) or results of
 * operations (0x10000 + the op's index); iroot is VREG_NONE unless the
 * value is an address computed by `lea` from an index.  sym[] has one
 * entry per vreg, set by ir_sym_init and updated by ir_sym_def after each
 * op in x86 order; two accesses whose addresses have the same root are
 * compared exactly. */
struct ir_sym {
	uint32_t root, iroot;
	uint32_t scale, off;
};
void ir_sym_init(struct ir_sym *sym, unsigned nregs);
void ir_sym_def(struct ir_sym *sym, const struct ir_op *o, unsigned i);
struct ir_sym ir_sym_addr(const struct ir_sym *sym, const struct ir_op *o);
int ir_sym_same_root(const struct ir_sym *a, const struct ir_sym *b);
int ir_sym_overlap(const struct ir_sym *a, unsigned asize, const struct ir_sym *b, unsigned bsize);
/* Bytes a load or store of access kind x (MX_*) moves. */
unsigned ir_mx_bytes(unsigned x);
/* Regions: common subexpressions, loads of what an earlier load or store
 * of the region left at the same address (cse.c); returns the operations
 * removed. */
unsigned ir_pass_cse(struct ir_block *b);
int ir_regalloc(struct ir_block *b, const struct ir_machine *mc);
/* The n lowest temporaries mc->bad_regs does not exclude, for code the
 * firmware writes by hand (the lookup routine, string loops): 0, or -1
 * when fewer are left. */
int ir_pick_temps(const struct ir_machine *mc, unsigned n, unsigned *out);

/* Dump for --dump-translations. */
void ir_print(const struct ir_block *b, FILE *out);
/* Which x86 status flags an x86 condition reads (XF_* bits). */
unsigned ir_cond_flags(unsigned cc);

#endif
