/* cms/translate/emit.c — encode the scheduled block as native bundles.
 *
 * Body bundles in cycle order (empty cycles are left out: the chip's
 * interlocks wait for operands by themselves).  A block with one way out
 * (a jump, a call, a return, a fall-through) has `commit | exit #id` in
 * its last bundle, scheduled with everything else (EIP was set in the
 * body).  A conditional ending puts `b.cc` in the last bundle and adds a
 * stub per way out:
 *
 *   mov r10, #next_eip | commit | exit #id      (fall-through, then taken)
 *
 * `commit` makes the block's x86 state and stores architectural; `exit`
 * returns to the dispatcher with the exit's id.  Chaining later rewrites a
 * direct exit atom into `br` to the successor's translation (tcache.c).
 * On a chip narrower than three atoms a stub takes more than one bundle,
 * in the same order. */
#include "cms/translate/translate.h"
#include "native-isa/isa_priv.h"

#include <string.h>

static int put(struct tr_code *out, const struct atom *a)
{
	if (out->n >= TR_MAX_WORDS)
		return -1;
	out->words[out->n++] = isa_encode(a);
	return 0;
}

static void end_bundle(struct tr_code *out)
{
	out->words[out->n - 1] |= 1ull << 7;  /* stop bit */
}

/* One stub; returns its first byte offset or -1. */
static int stub(struct tr_code *out, unsigned width, int set_eip, uint32_t eip, unsigned exit_slot,
		uint32_t *exit_atom_off)
{
	int start = (int)(out->n * ISA_ATOM_BYTES);
	struct atom list[3];
	unsigned k = 0;
	if (set_eip)
		list[k++] = (struct atom){.op = OP_MOV, .rd = R_EIP, .use_imm = 1, .imm = eip};
	list[k++] = (struct atom){.op = OP_COMMIT};
	list[k++] = (struct atom){.op = OP_EXIT, .imm = exit_slot};
	unsigned in_bundle = 0;
	for (unsigned i = 0; i < k; i++) {
		if (in_bundle == width) {
			end_bundle(out);
			in_bundle = 0;
		}
		if (list[i].op == OP_EXIT)
			*exit_atom_off = (uint32_t)(out->n * ISA_ATOM_BYTES);
		if (put(out, &list[i]) < 0)
			return -1;
		in_bundle++;
	}
	end_bundle(out);
	return start;
}

int tr_emit(const struct ir_block *b, unsigned width, struct tr_code *out)
{
	out->n = 0;
	out->nexits = 0;
	out->nbundles = 0;
	int maxc = -1;
	for (unsigned i = 0; i < b->nops; i++)
		if (!b->ops[i].dead && b->ops[i].cycle > maxc)
			maxc = b->ops[i].cycle;
	int branch_word = -1, exit_word = -1;
	for (int c = 0; c <= maxc; c++) {
		unsigned before = out->n;
		for (unsigned i = 0; i < b->nops; i++) {
			const struct ir_op *o = &b->ops[i];
			if (o->dead || o->cycle != c)
				continue;
			struct atom a = {.op = o->op, .rd = o->pd, .ra = o->pa, .rb = o->pb, .x = o->x,
					 .use_imm = o->use_imm, .imm = o->imm};
			/* fields the format does not use must be zero (canonical encoding) */
			unsigned f = isa_fmt_fields(isa_ops[o->op].fmt);
			if (!(f & FLD_RD))
				a.rd = 0;
			if (!(f & FLD_RA))
				a.ra = 0;
			if (!(f & (FLD_RB | FLD_B)) || a.use_imm)
				a.rb = 0;
			if ((int)i == b->branch_op)
				branch_word = (int)out->n;
			if (o->op == OP_EXIT)
				exit_word = (int)out->n;
			if (put(out, &a) < 0)
				return -1;
		}
		if (out->n > before) {
			end_bundle(out);
			out->nbundles++;
		}
	}
	if (b->end != END_COND) {
		/* the exit is in the last body bundle */
		if (exit_word < 0)
			return -1;
		struct tr_exit *e = &out->exits[out->nexits++];
		e->kind = b->end == END_INDIRECT ? TR_EXIT_INDIRECT : TR_EXIT_DIRECT;
		e->target = b->end == END_INDIRECT ? 0 : b->target;
		e->exit_atom = (uint32_t)exit_word * ISA_ATOM_BYTES;
		e->stub = (uint32_t)isa_bundle_start(out->words, (size_t)exit_word) * ISA_ATOM_BYTES;
	} else {
		struct tr_exit *e = &out->exits[out->nexits++];
		e->kind = TR_EXIT_DIRECT;
		e->target = b->fall;
		e->stub = (uint32_t)stub(out, width, 1, e->target, 0, &e->exit_atom);
		struct tr_exit *t = &out->exits[out->nexits++];
		t->kind = TR_EXIT_DIRECT;
		t->target = b->target;
		t->stub = (uint32_t)stub(out, width, 1, t->target, 0, &t->exit_atom);
		if (branch_word < 0)
			return -1;
		/* b.cc is relative to its own bundle */
		size_t bstart = isa_bundle_start(out->words, (size_t)branch_word);
		struct atom a;
		isa_decode(out->words[branch_word] & ~(1ull << 7), &a);
		a.imm = t->stub - (uint32_t)bstart * ISA_ATOM_BYTES;
		a.stop = (out->words[branch_word] >> 7) & 1;
		out->words[branch_word] = isa_encode(&a);
	}
	for (unsigned i = 0; i < out->nexits; i++) {
		struct tr_exit *e = &out->exits[i];
		if ((int)e->stub < 0)
			return -1;
		e->exit_bundle = (uint32_t)isa_bundle_start(out->words, e->exit_atom / ISA_ATOM_BYTES) * ISA_ATOM_BYTES;
	}
	return 0;
}
