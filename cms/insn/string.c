/* cms/insn/string.c — the string instructions (movs cmps stos lods scas,
 * byte, word and dword, with and without REP): the interpreter's handler,
 * iteration by iteration, and their translation.
 *
 * Translation: `rep movs`/`rep stos` (and their single forms) are loops,
 * which the straight-line IR does not express, so the family has no IR
 * builder; they are translated on their own (tr_translate asks
 * tr_is_string first), as a block of one instruction, into a native
 * loop.  Every iteration is
 * an x86 instruction boundary (Intel SDM vol. 2, REP): the loop commits
 * after each one with EIP still at the instruction, so a fault or a store
 * into protected code rolls back to a state the interpreter can resume
 * from exactly, and the store buffer never holds more than one iteration.
 * The direction flag is checked at run time: with DF set the translation
 * leaves for the dispatcher (TR_BAIL), which interprets the instruction.
 *
 *         extu t, flags, #10, #1 ; bnz t, bail        (DF = 1)
 *   loop: bz ecx, done                                (rep only)
 *         ld t, [esi] | add esi, esi, #k              (movs)
 *         st t, [edi] | add edi, edi, #k
 *         sub ecx, ecx, #1 | commit | br loop
 *   done: add r15, r15, #1 ; mov eip, #next | commit | exit  (chainable)
 *   bail: exit #TR_BAIL
 * On machines narrower than three atoms every atom gets its own bundle. */
#include "cms/insn/interp.h"
#include "cms/translate/translate.h"

#include <stdio.h>
#include <string.h>

/* ---- interpretation ---------------------------------------------------- */

/* One iteration; updates ESI/EDI only when it completed. */
static enum x86_stop string_iter(struct x86_ctx *c, enum x86_op base, unsigned size)
{
	uint32_t *r = c->r;
	uint32_t d = (r[X86_EFLAGS] & XF_DF) ? (uint32_t)-size : size;
	uint32_t dst = r[X86_EDI];
	uint32_t v, w, f;

	switch (base) {
	case X86_OP_MOVSB:
		TRY(seg_load(c, r[X86_ESI], size, &v) || store(c, dst, size, v));
		r[X86_ESI] += d;
		r[X86_EDI] += d;
		break;
	case X86_OP_STOSB:
		TRY(store(c, dst, size, reg_get(r, X86_EAX, size)));
		r[X86_EDI] += d;
		break;
	case X86_OP_LODSB:
		TRY(seg_load(c, r[X86_ESI], size, &v));
		reg_set(r, X86_EAX, size, v);
		r[X86_ESI] += d;
		break;
	case X86_OP_CMPSB:
		TRY(seg_load(c, r[X86_ESI], size, &v) || load(c, dst, size, &w));
		xf_eval(XF_SUB, size, v, w, r[X86_EFLAGS], &f);
		r[X86_EFLAGS] = f;
		r[X86_ESI] += d;
		r[X86_EDI] += d;
		break;
	default: /* SCASB */
		TRY(load(c, dst, size, &w));
		xf_eval(XF_SUB, size, reg_get(r, X86_EAX, size), w, r[X86_EFLAGS], &f);
		r[X86_EFLAGS] = f;
		r[X86_EDI] += d;
		break;
	}
	return X86_OK;
}

static enum x86_stop string_exec(struct x86_ctx *c, enum x86_op op)
{
	/* ops.def: each family is B, D, W in a row */
	unsigned k = (unsigned)(op - X86_OP_MOVSB) % 3;
	enum x86_op base = (enum x86_op)(op - k);
	unsigned size = k == 0 ? 1 : k == 1 ? 4 : 2;
	uint32_t *r = c->r;

	if (!c->in->rep) {
		c->info->iterations = 1;
		return string_iter(c, base, size);
	}
	int cond = base == X86_OP_CMPSB || base == X86_OP_SCASB;
	unsigned n = 0;
	uint32_t flags_before = r[X86_EFLAGS];
	while (r[X86_ECX] != 0) {
		enum x86_stop s = string_iter(c, base, size);
		if (s != X86_OK) {
			/* The host reports a fault after k completed iterations
			 * with ECX/ESI/EDI advanced by k but the status flags of
			 * BEFORE the instruction (measured on REPE/REPNE CMPS and
			 * SCAS, all sizes): the flags of the completed comparisons
			 * are not made visible at the interruption. */
			r[X86_EFLAGS] = flags_before;
			c->info->iterations = n;
			return s;
		}
		r[X86_ECX]--;
		n++;
		if (cond && (!(r[X86_EFLAGS] & XF_ZF) != (c->in->rep == X86_PFX_REPNE)))
			break;
	}
	c->info->iterations = n;
	return X86_OK;
}

const struct x86_family x86_fam_string = {"string", string_exec, NULL, NULL};

/* ---- translation into a native loop --------------------------------------- */

int tr_is_string(const struct x86_insn *in)
{
	unsigned op = in->op;
	if (op != X86_OP_MOVSB && op != X86_OP_MOVSD && op != X86_OP_STOSB && op != X86_OP_STOSD)
		return 0;
	if (in->prefixes & (X86_PFX_LOCK | X86_PFX_ADDRSIZE | X86_PFX_OPSIZE))
		return 0;
	if (in->rep == X86_PFX_REPNE)
		return 0;
	return in->seg == X86_SEG_NONE || in->seg == X86_SEG_DS;
}

int tr_translate_string(const struct x86_insn *in, uint32_t eip, const struct ir_machine *mc, struct tr_result *out)
{
	int movs = in->op == X86_OP_MOVSB || in->op == X86_OP_MOVSD;
	unsigned k = (in->op == X86_OP_MOVSB || in->op == X86_OP_STOSB) ? 1 : 4;
	const char *ld = k == 1 ? "ld.u8" : "ld.32", *st = k == 1 ? "st.8" : "st.32";
	/* bundle separator: '|' where the machine can take it, a new line otherwise */
	const char *sep = mc->issue_width >= 3 && mc->units[U_ALU] >= 1 && mc->units[U_MEM] >= 1 ? " | " : "\n";
	char src[2048];
	unsigned t[2];   /* r16, r17 unless the register self-test excluded them */
	if (ir_pick_temps(mc, 2, t) < 0)
		return -1;
	int n = snprintf(src, sizeof src,
			 "        extu r%u, r9, #10, #1\n"
			 "        bnz r%u, bail\n", t[0], t[0]);
	if (in->rep)
		n += snprintf(src + n, sizeof src - (size_t)n, "loop:   bz r2, done\n");
	else
		n += snprintf(src + n, sizeof src - (size_t)n, "loop:\n");
	if (movs)
		n += snprintf(src + n, sizeof src - (size_t)n, "        %s r%u, [r7]%sadd r7, r7, #%u\n"
				"        %s r%u, [r8]%sadd r8, r8, #%u\n", ld, t[1], sep, k, st, t[1], sep, k);
	else
		n += snprintf(src + n, sizeof src - (size_t)n, "        %s r1, [r8]%sadd r8, r8, #%u\n", st, sep, k);
	if (in->rep)
		n += snprintf(src + n, sizeof src - (size_t)n, "        sub r2, r2, #1%scommit%sbr loop\n", sep, sep);
	n += snprintf(src + n, sizeof src - (size_t)n,
		      "done:   add r15, r15, #1\n"
		      "        mov r10, #%u%scommit%sexit #0\n"
		      "bail:   exit #%u\n", eip + in->len, sep, sep, TR_BAIL);
	struct isa_program p;
	struct isa_error err;
	if (n >= (int)sizeof src || isa_assemble(src, "string", &p, &err) < 0)
		return -1;
	if (p.n > TR_MAX_WORDS) {
		isa_program_free(&p);
		return -1;
	}
	struct tr_code *c = &out->code;
	memcpy(c->words, p.words, p.n * sizeof *p.words);
	c->n = (unsigned)p.n;
	c->nbundles = (unsigned)p.nbundles;
	/* the done stub is the last bundle before bail: find its exit atom */
	c->nexits = 1;
	c->exits[0].kind = TR_EXIT_DIRECT;
	c->exits[0].target = eip + in->len;
	c->exits[0].exit_atom = (uint32_t)(p.n - 2) * ISA_ATOM_BYTES;
	c->exits[0].stub = (uint32_t)isa_bundle_start(c->words, p.n - 2) * ISA_ATOM_BYTES;
	c->exits[0].exit_bundle = c->exits[0].stub;
	c->exits[0].flags_live = XF_STATUS;
	c->exits[0].side = -1;
	c->counter_ld = c->counter_st = c->hot_exit = -1;
	memset(c->atom_insn, 0, c->n * sizeof *c->atom_insn);
	isa_program_free(&p);

	struct ir_block *b = &out->block;
	b->eip = eip;
	b->end_eip = eip + in->len;
	b->ninsns = 1;
	b->insns[0] = *in;
	b->insn_eip[0] = eip;
	b->nops = 0;
	b->ntemps = 0;
	b->end = END_DIRECT;
	b->target = b->end_eip;
	b->branch_op = -1;
	b->region = 0;
	b->fp_entry = -1;
	b->nsides = 0;
	out->ir_ops = c->n;
	out->spec_loads = out->spec_stores = out->unrolled = 0;
	out->flags_live_out = XF_STATUS;  /* string moves change no flag: every flag stays correct */
	out->ndeps = 0;
	return 0;
}
