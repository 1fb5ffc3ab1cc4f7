/* cms/translate/translate.h — the translator's interface to the rest of
 * the firmware: one x86 block in, native code (with its exits) out. */
#ifndef CDVM_CMS_TRANSLATE_TRANSLATE_H
#define CDVM_CMS_TRANSLATE_TRANSLATE_H

#include <stdio.h>

#include "cms/translate/ir.h"

enum { TR_MAX_WORDS = 2048, TR_MAX_EXITS = 2 };

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
};

struct tr_code {
	uint64_t words[TR_MAX_WORDS];
	unsigned n;           /* atoms */
	unsigned nbundles;    /* body bundles */
	struct tr_exit exits[TR_MAX_EXITS];
	unsigned nexits;
};

struct tr_result {
	struct ir_block block;
	struct tr_code code;
	unsigned ir_ops;      /* live IR operations after the passes (cost model) */
	unsigned flags_live_out;  /* x86 status flags the translation leaves correct at its exits */
	uint32_t deps[2][2];  /* successor bytes the flag liveness relied on */
	unsigned ndeps;
};

/* What the firmware knows beyond the block's own code.  With hints, the
 * successors' first instructions are read through env for flag liveness
 * across the exits, and a conditional ending falls through to whichever
 * successor the profile has entered more often (a taken exit costs one
 * more taken branch).  count returns a block's profile count. */
struct tr_hints {
	uint32_t (*count)(void *ctx, uint32_t eip);
	void *ctx;
};

/* The whole pipeline: select -> build -> flags -> fold -> dce -> coalesce
 * -> schedule -> regalloc -> emit.  hints may be NULL (the block alone).
 * Returns 0, or -1 when nothing at eip can be translated (the caller
 * interprets it). */
int tr_translate(const struct x86_env *env, uint32_t eip, const struct ir_machine *mc, unsigned max_insns,
		 unsigned max_stores, const struct tr_hints *hints, struct tr_result *out);

int tr_emit(const struct ir_block *b, unsigned width, struct tr_code *out);

/* String instructions (string.c): translated alone, as a native loop. */
int tr_is_string(const struct x86_insn *in);
int tr_translate_string(const struct x86_insn *in, uint32_t eip, const struct ir_machine *mc, struct tr_result *out);

/* Side-by-side listing of a translation for --dump-translations. */
void tr_dump(const struct tr_result *r, uint32_t native_addr, FILE *out);

#endif
