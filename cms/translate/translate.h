/* cms/translate/translate.h — the translator's interface to the rest of
 * the firmware: one x86 block in, native code (with its exits) out. */
#ifndef CDVM_CMS_TRANSLATE_TRANSLATE_H
#define CDVM_CMS_TRANSLATE_TRANSLATE_H

#include <stdio.h>

#include "cms/translate/ir.h"

enum {
	TR_MAX_WORDS = 16384,
	TR_MAX_EXITS = 64,                 /* exits of one translation (a region's side exits included) */
	TR_EXIT_HOT = TR_MAX_EXITS - 1,    /* exit index of the entry counter's "hot" exit */
	TR_MAX_DEPS = IR_MAX_SIDES + IR_MAX_HAMMOCKS + 2,
};

enum tr_exit_kind { TR_EXIT_DIRECT, TR_EXIT_INDIRECT };

/* Exit code of a translation that cannot go on here (a string instruction
 * with DF set): the dispatcher interprets the instruction. */
enum { TR_BAIL = 0x7ffffffe };

struct tr_exit {
	enum tr_exit_kind kind;
	uint32_t target;      /* DIRECT: the next x86 EIP */
	uint32_t stub;        /* byte offset of the stub's first atom */
	uint32_t exit_atom;   /* byte offset of the stub's exit atom (patched by chaining) */
	uint32_t exit_bundle; /* byte offset of the bundle holding it (branch offsets count from there) */
	unsigned flags_live;  /* x86 status flags correct when it is taken */
	int side;             /* a region's side exit (its index), or -1 */
	uint32_t branch;      /* a side exit: its jcc or ret, which way (enum ir_side_way), */
	uint8_t way, promise; /* and the percent of arrivals the profile promised it */
};

struct tr_code {
	uint64_t words[TR_MAX_WORDS];
	unsigned n;           /* atoms */
	unsigned nbundles;    /* body bundles */
	struct tr_exit exits[TR_MAX_EXITS];
	unsigned nexits;
	/* the entry counter (tr_hints.count_entries): word indices of its
	 * load and store, whose displacement is the counter's hidden-memory
	 * address (patched by the caller), and of its `exit` (-1: none) */
	int counter_ld, counter_st, hot_exit;
	uint16_t atom_insn[TR_MAX_WORDS]; /* the x86 instruction (block index) of each body atom */
};

struct tr_result {
	struct ir_block block;
	struct tr_code code;
	unsigned ir_ops;      /* live IR operations after the passes (cost model) */
	unsigned flags_live_out;  /* x86 status flags the translation leaves correct at its exits */
	uint32_t deps[TR_MAX_DEPS][2];  /* successor bytes the flag liveness relied on */
	unsigned ndeps;
	unsigned spec_loads;  /* a region's loads hoisted above stores they may alias (ldp) */
	unsigned spec_stores; /* its stores checked against them (stam) */
	unsigned unrolled;    /* loop-body copies beyond the first */
	unsigned cse_removed; /* a region's operations cse.c found computed or loaded before */
};

/* What the firmware knows beyond the block's own code.  With hints, the
 * successors' first instructions are read through env for flag liveness
 * across the exits, and a conditional ending falls through to whichever
 * successor the profile has entered more often (a taken exit costs one
 * more taken branch).  count returns a block's profile count. */
struct tr_hints {
	uint32_t (*count)(void *ctx, uint32_t eip);
	void *ctx;
	/* give the translation an entry counter: every entry counts it down
	 * and the one that reaches zero leaves through the hot exit, before
	 * anything commits (the reoptimizer's trigger) */
	int count_entries;
	/* what the firmware saw of the jcc or ret at eip while it watched the
	 * regions it is in (NULL, or 0 returned: nothing): how often it went
	 * its taken way (a ret: to another address than the one a region
	 * assumed) and how often the other */
	int (*seen)(void *ctx, uint32_t eip, uint64_t *taken, uint64_t *other);
};

/* What a region may be (cms.opt.*; the reoptimizer's adaptive
 * retranslation narrows it for one region). */
struct tr_region_opts {
	unsigned max_insns;        /* x86 instructions */
	unsigned min_insns;        /* fewer is no region (the block it would replace holds this many) */
	unsigned max_stores;       /* the store buffer: every store waits for the commit at its end */
	unsigned unroll;           /* copies of a loop body whose back edge closes the region */
	unsigned min_bias;         /* percent: follow a conditional branch only this biased */
	int follow_calls;          /* follow direct calls into the callee, and its return */
	const uint32_t *no_pass;   /* x86 stores no load may be hoisted above */
	unsigned nno_pass;
	const uint32_t *no_hoist;  /* x86 loads that stay below the side exits before them */
	unsigned nno_hoist;
	int reorder_memory;        /* loads may pass stores they may alias (protected) */
	int control_speculation;   /* loads may move above side exits */
	unsigned if_convert_insns; /* if-convert a forward branch over at most this many instructions (0: never) */
	unsigned if_convert_bias;  /* percent: ... when the branch sends less than this share of entries one way */
	int cse;                   /* remove common subexpressions and redundant loads (cse.c) */
};

/* Is eip in the list (tr_region_opts.no_pass / no_hoist)? */
static inline int tr_listed(const uint32_t *l, unsigned n, uint32_t eip)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i] == eip)
			return 1;
	return 0;
}

/* The whole pipeline: select -> build -> flags -> fold -> dce -> coalesce
 * -> schedule -> regalloc -> emit.  hints may be NULL (the block alone).
 * Returns 0, or -1 when nothing at eip can be translated (the caller
 * interprets it). */
int tr_translate(const struct x86_env *env, uint32_t eip, const struct ir_machine *mc, unsigned max_insns,
		 unsigned max_stores, const struct tr_hints *hints, struct tr_result *out);

/* The reoptimizer's pipeline (region.c's trace, then the translation
 * passes plus rename, side exits and memory speculation): 0, or -1. */
int tr_optimize(const struct x86_env *env, uint32_t eip, const struct ir_machine *mc,
		const struct tr_region_opts *o, const struct tr_hints *hints, struct tr_result *out);

int tr_emit(const struct ir_block *b, const struct ir_machine *mc, struct tr_code *out);

/* String instructions (string.c): translated alone, as a native loop. */
int tr_is_string(const struct x86_insn *in);
int tr_translate_string(const struct x86_insn *in, uint32_t eip, const struct ir_machine *mc, struct tr_result *out);

/* Side-by-side listing of a translation for --dump-translations. */
void tr_dump(const struct tr_result *r, uint32_t native_addr, FILE *out);

#endif
