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

/* One stub: list[0..k) then commit and exit (no commit: the hot exit,
 * which leaves before anything commits); returns its first byte offset
 * or -1. */
static int stub_atoms(struct tr_code *out, const struct ir_machine *mc, struct atom *list, unsigned k, int commit,
		      uint32_t *exit_atom_off)
{
	int start = (int)(out->n * ISA_ATOM_BYTES);
	if (commit)
		list[k++] = (struct atom){.op = OP_COMMIT};
	list[k++] = (struct atom){.op = OP_EXIT};
	/* in order, as many per bundle as the width and the enabled units
	 * take; fpu-unit atoms one per bundle (a side exit's copies of the x87
	 * registers go through a spare register, each reading the one before) */
	unsigned in_bundle = 0, used[U_COUNT] = {0};
	for (unsigned i = 0; i < k; i++) {
		unsigned u = isa_ops[list[i].op].unit;
		if (in_bundle == mc->issue_width ||
		    (u < U_COUNT && used[u] >= (u == U_FPU ? 1 : mc->units[u]))) {
			end_bundle(out);
			in_bundle = 0;
			for (unsigned c = 0; c < U_COUNT; c++)
				used[c] = 0;
		}
		if (u < U_COUNT)
			used[u]++;
		if (list[i].op == OP_EXIT)
			*exit_atom_off = (uint32_t)(out->n * ISA_ATOM_BYTES);
		if (put(out, &list[i]) < 0)
			return -1;
		in_bundle++;
	}
	end_bundle(out);
	return start;
}

static int stub(struct tr_code *out, const struct ir_machine *mc, int set_eip, uint32_t eip, uint32_t *exit_atom_off)
{
	struct atom list[3];
	unsigned k = 0;
	if (set_eip)
		list[k++] = (struct atom){.op = OP_MOV, .rd = R_EIP, .use_imm = 1, .imm = eip};
	return stub_atoms(out, mc, list, k, 1, exit_atom_off);
}

/* The physical register of a temporary, from its defining op, or -1. */
static int phys_of(const struct ir_block *b, unsigned v)
{
	for (unsigned i = 0; i < b->nops; i++)
		if (!b->ops[i].dead && b->ops[i].dst == v)
			return b->ops[i].pd;
	return -1;
}

/* A region's side exit: the x86 registers it keeps in temporaries, the
 * x87 stack as the x86 program has it there (as x87_build_end leaves it
 * at the region's end), the instructions retired so far, EIP; then
 * commit and exit. */
static int side_stub(struct tr_code *out, const struct ir_machine *mc, const struct ir_block *b, const struct ir_side *sd,
		     uint32_t *exit_atom_off)
{
	struct atom list[IR_NX86 + X87_MAX_MOVES + 8];
	unsigned k = 0;
	for (unsigned r = 0; r < IR_NX86; r++) {
		if (sd->cur[r] == R_EAX + r)
			continue;
		int phys = phys_of(b, sd->cur[r]);
		if (phys < 0)
			return -1;
		list[k++] = (struct atom){.op = OP_MOV, .rd = (uint8_t)(R_EAX + r), .rb = (uint8_t)phys};
	}
	const struct ir_x87_at *fp = &sd->fp;
	if (fp->st >= 0) {
		uint8_t moves[X87_MAX_MOVES][2];
		for (unsigned m = 0, n = x87_restore_moves(fp->phys, moves); m < n; m++)
			list[k++] = (struct atom){.op = OP_FCPY, .rd = moves[m][0], .ra = moves[m][1]};
		if (fp->fstk >= 0)
			list[k++] = (struct atom){.op = OP_FSTK, .imm = (uint32_t)fp->fstk};
		if (fp->fip_insn >= 0)
			list[k++] = (struct atom){.op = OP_FIP, .imm = b->insn_eip[fp->fip_insn]};
		if (fp->fdp != VREG_NONE) {
			int phys = phys_of(b, fp->fdp);
			if (phys < 0)
				return -1;
			list[k++] = (struct atom){.op = OP_FDP, .ra = (uint8_t)phys, .imm = 0x2b};
		}
	}
	list[k++] = (struct atom){.op = OP_ADD, .rd = R_RETIRED, .ra = R_RETIRED, .use_imm = 1, .imm = sd->ninsns};
	if (sd->eip_vreg != VREG_NONE) {
		int phys = phys_of(b, sd->eip_vreg);
		if (phys < 0)
			return -1;
		list[k++] = (struct atom){.op = OP_MOV, .rd = R_EIP, .rb = (uint8_t)phys};
	} else {
		list[k++] = (struct atom){.op = OP_MOV, .rd = R_EIP, .use_imm = 1, .imm = sd->target};
	}
	return stub_atoms(out, mc, list, k, 1, exit_atom_off);
}

/* Point the branch at word w to the stub at byte offset `to`. */
static void patch_branch(struct tr_code *out, int w, uint32_t to)
{
	size_t bstart = isa_bundle_start(out->words, (size_t)w);
	struct atom a;
	isa_decode(out->words[w] & ~(1ull << 7), &a);
	a.imm = to - (uint32_t)bstart * ISA_ATOM_BYTES;   /* relative to its own bundle */
	a.stop = (out->words[w] >> 7) & 1;
	out->words[w] = isa_encode(&a);
}

int tr_emit(const struct ir_block *b, const struct ir_machine *mc, struct tr_code *out)
{
	out->n = 0;
	out->nexits = 0;
	out->nbundles = 0;
	out->counter_ld = out->counter_st = out->hot_exit = -1;
	int side_word[IR_MAX_SIDES], hot_word = -1;
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
			if (o->op == OP_STAM)
				a.rd = o->alias;
			if (f & FLD_FD)
				a.rd = o->fd;
			if (f & FLD_FA)
				a.ra = o->fa;
			if (f & FLD_FB)
				a.rb = o->fb;
			if ((int)i == b->branch_op)
				branch_word = (int)out->n;
			if (o->op == OP_EXIT)
				exit_word = (int)out->n;
			if (o->side == SIDE_HOT)
				hot_word = (int)out->n;
			else if (o->side)
				side_word[o->side - 1] = (int)out->n;
			if (o->x & MX_HIDDEN && (isa_ops[o->op].props & (P_LOAD | P_STORE)))
				*((isa_ops[o->op].props & P_LOAD) ? &out->counter_ld : &out->counter_st) = (int)out->n;
			if (out->n < TR_MAX_WORDS)
				out->atom_insn[out->n] = o->insn;
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
		e->stub = (uint32_t)stub(out, mc, 1, e->target, &e->exit_atom);
		struct tr_exit *t = &out->exits[out->nexits++];
		t->kind = TR_EXIT_DIRECT;
		t->target = b->target;
		t->stub = (uint32_t)stub(out, mc, 1, t->target, &t->exit_atom);
		if (branch_word < 0)
			return -1;
		patch_branch(out, branch_word, t->stub);
	}
	for (unsigned e = 0; e < out->nexits; e++) {
		out->exits[e].flags_live = b->flags_live_end;
		out->exits[e].side = -1;
	}
	/* a region's side exits, after its own */
	for (unsigned k = 0; k < b->nsides; k++) {
		const struct ir_side *sd = &b->sides[k];
		if (b->ops[sd->op].dead || out->nexits >= TR_EXIT_HOT)
			return -1;
		struct tr_exit *x = &out->exits[out->nexits++];
		x->kind = sd->eip_vreg != VREG_NONE ? TR_EXIT_INDIRECT : TR_EXIT_DIRECT;
		x->target = sd->target;
		x->flags_live = sd->flags_live;
		x->side = (int)k;
		x->branch = sd->branch;
		x->way = sd->way;
		x->promise = sd->promise;
		int at = side_stub(out, mc, b, sd, &x->exit_atom);
		if (at < 0)
			return -1;
		x->stub = (uint32_t)at;
		patch_branch(out, side_word[k], x->stub);
	}
	if (hot_word >= 0) {
		uint32_t atom_off;
		int at = stub_atoms(out, mc, (struct atom[2]){{0}}, 0, 0, &atom_off);
		if (at < 0)
			return -1;
		patch_branch(out, hot_word, (uint32_t)at);
		out->hot_exit = (int)(atom_off / ISA_ATOM_BYTES);
	}
	for (unsigned i = 0; i < out->nexits; i++) {
		struct tr_exit *e = &out->exits[i];
		if ((int)e->stub < 0)
			return -1;
		e->exit_bundle = (uint32_t)isa_bundle_start(out->words, e->exit_atom / ISA_ATOM_BYTES) * ISA_ATOM_BYTES;
	}
	return 0;
}
