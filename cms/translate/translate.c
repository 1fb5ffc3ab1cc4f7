/* cms/translate/translate.c — the translation pipeline, in order:
 *
 *   select   which x86 instructions (a basic block)        select.c
 *   build    x86 -> IR                                     build.c
 *   liveout  flags the successors may read                 liveout.c
 *   flags    drop x86 flags nobody reads                   flags.c
 *   fold     constants and copies into their uses          opt.c
 *   dce      drop values nobody reads                      opt.c
 *   coalesce compute a copied temporary in its x86 register opt.c
 *   schedule list scheduling onto the configured machine  sched.c
 *   regalloc physical registers for temporaries            regalloc.c
 *   emit     bundles and exit stubs                        emit.c
 *
 * (A string instruction is translated alone into a native loop: string.c.)
 *
 * When a block needs more temporaries or IR room than there is, it is
 * retried with half the instructions. */
#include "cms/translate/translate.h"
#include "native-isa/isa_priv.h"
#include "native-isa/xflags.h"

#include <string.h>

/* Live IR operations (the cost model) and the speculation the schedule used. */
static void count_ops(struct tr_result *out)
{
	const struct ir_block *b = &out->block;
	out->ir_ops = out->spec_loads = out->spec_stores = 0;
	out->unrolled = 0;
	for (unsigned i = 0; i < b->nops; i++) {
		out->ir_ops += !b->ops[i].dead;
		out->spec_loads += !b->ops[i].dead && b->ops[i].op == OP_LDP;
		out->spec_stores += !b->ops[i].dead && b->ops[i].op == OP_STAM;
	}
}

int tr_translate(const struct x86_env *env, uint32_t eip, const struct ir_machine *mc, unsigned max_insns,
		 unsigned max_stores, const struct tr_hints *hints, struct tr_result *out)
{
	struct ir_block *b = &out->block;
	{
		uint8_t buf[X86_MAX_INSN_LEN];
		struct x86_insn in;
		unsigned n = env->fetch(env->ctx, eip, buf, sizeof buf);
		if (x86_decode(buf, n, &in) > 0 && tr_is_string(&in))
			return tr_translate_string(&in, eip, mc, out);
	}
	/* a region that does not fit is retried at half the length; one with
	 * a shld/shrd whose flags are read ends before it (interpreted) */
	for (unsigned limit = max_insns; limit >= 1;) {
		if (ir_select(b, env, eip, limit, max_stores) <= 0)
			return -1;
		if (ir_build(b) < 0) {
			limit /= 2;
			continue;
		}
		if (hints && b->end == END_COND &&
		    hints->count(hints->ctx, b->target) > hints->count(hints->ctx, b->fall))
			ir_invert_branch(b);
		out->ndeps = 0;
		out->flags_live_out = hints ? ir_flags_live_out(env, b, out->deps, &out->ndeps) : XF_STATUS;
		b->flags_live_end = out->flags_live_out;
		int cut = ir_shiftd_flags_read(b, out->flags_live_out);
		if (cut >= 0) {
			limit = (unsigned)cut;
			continue;
		}
		if (hints && hints->count_entries && ir_add_counter(b) < 0) {
			limit /= 2;
			continue;
		}
		ir_pass_flags(b, out->flags_live_out);
		ir_pass_fold(b);
		ir_pass_dce(b);
		ir_pass_coalesce(b);
		if (ir_schedule(b, mc) < 0 || ir_regalloc(b, mc) < 0 || tr_emit(b, mc, &out->code) < 0) {
			limit /= 2;
			continue;
		}
		count_ops(out);
		return 0;
	}
	return -1;
}

/* Mark the operations adaptive retranslation pinned (x86 EIPs in o). */
static void pin_ops(struct ir_block *b, const struct tr_region_opts *o)
{
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *op = &b->ops[i];
		uint32_t at = b->insn_eip[op->insn];
		unsigned props = isa_ops[op->op].props;
		op->pin = 0;
		if ((props & P_STORE) && tr_listed(o->no_pass, o->nno_pass, at))
			op->pin |= PIN_NO_PASS;
		if ((props & P_LOAD) && tr_listed(o->no_hoist, o->nno_hoist, at))
			op->pin |= PIN_NO_HOIST;
	}
}

/* The reoptimizer's pipeline:
 *
 *   region   a trace along the hot path, side exits, loops,
 *            short forward branches to if-convert            region.c
 *   build    x86 -> IR; followed branches become side exits  build.c
 *   rename   x86 registers in temporaries across the region,
 *            sel where an if-converted branch's paths join   rename.c
 *   end      retired count, EIP, commit, exit               build.c
 *   liveout  flags at every exit                             liveout.c
 *   flags, fold                                             as for a block
 *   offsets  constant-offset chains from their roots         opt.c
 *   cse      common subexpressions, redundant loads          cse.c
 *   dce, coalesce                                           as for a block
 *   schedule the whole region, with memory speculation and the side
 *            exits' orderings                                sched.c, memory.c
 *   regalloc, emit (side-exit stubs copy the registers)      regalloc.c, emit.c
 *
 * A region that does not fit is retried at three quarters of its length;
 * one shorter than o->min_insns (the block it would replace: the trace
 * was cut before a shld/shrd whose flags may be read, which a block
 * takes) is not made. */
int tr_optimize(const struct x86_env *env, uint32_t eip, const struct ir_machine *mc,
		const struct tr_region_opts *o, const struct tr_hints *hints, struct tr_result *out)
{
	struct ir_block *b = &out->block;
	struct tr_region_opts ro = *o;
	while (ro.max_insns >= 1 && ro.max_insns >= o->min_insns) {
		if (ir_select_region(b, env, eip, &ro, hints) <= 0 || b->ninsns < o->min_insns)
			return -1;
		if (ir_build_insns(b) < 0 || ir_pass_rename(b) < 0 || ir_build_end(b) < 0) {
			ro.max_insns = b->ninsns * 3 / 4;
			continue;
		}
		out->ndeps = 0;
		out->flags_live_out = ir_flags_live_out(env, b, out->deps, &out->ndeps);
		b->flags_live_end = out->flags_live_out;
		for (unsigned k = 0; k < b->nsides; k++) {
			struct ir_side *sd = &b->sides[k];
			uint32_t end;
			if (sd->eip_vreg != VREG_NONE) {
				sd->flags_live = XF_STATUS;
				continue;
			}
			sd->flags_live = ir_flags_live_at(env, sd->target, &end);
			out->deps[out->ndeps][0] = sd->target;
			out->deps[out->ndeps++][1] = end;
		}
		for (unsigned k = 0; k < b->nhammocks; k++) {
			/* an if-converted branch: region.c read what follows it */
			out->deps[out->ndeps][0] = b->hammocks[k].join;
			out->deps[out->ndeps++][1] = b->hammocks[k].live_end;
		}
		/* shld/shrd are built without flags: a region (whose side exits
		 * may read them) ends before the first one */
		int cut = -1;
		for (unsigned i = 0; i < b->ninsns && cut < 0; i++)
			if (b->insns[i].op == X86_OP_SHLD || b->insns[i].op == X86_OP_SHRD)
				cut = (int)i;
		if (cut >= 0) {
			ro.max_insns = (unsigned)cut;
			continue;
		}
		pin_ops(b, &ro);
		ir_pass_flags(b, out->flags_live_out);
		ir_pass_fold(b);
		ir_pass_offsets(b);
		out->cse_removed = ro.cse ? ir_pass_cse(b) : 0;
		ir_pass_dce(b);
		ir_pass_coalesce(b);
		if (ir_schedule(b, mc) < 0 || ir_regalloc(b, mc) < 0 || tr_emit(b, mc, &out->code) < 0) {
			ro.max_insns = b->ninsns * 3 / 4;
			continue;
		}
		count_ops(out);
		out->unrolled = 0;
		for (unsigned i = 1; i < b->ninsns; i++)
			out->unrolled += b->insn_eip[i] == eip;
		return 0;
	}
	return -1;
}

static const char *vname(unsigned v, char *buf, size_t n)
{
	if (v == VREG_NONE)
		snprintf(buf, n, "-");
	else if (v >= VREG_TEMP)
		snprintf(buf, n, "t%u", v - VREG_TEMP);
	else
		snprintf(buf, n, "r%u", v);
	return buf;
}

void ir_print(const struct ir_block *b, FILE *out)
{
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		char d[16], a[16], bb[16];
		fprintf(out, "  [%3d] %-7s x=%-2u %s <- %s, %s", o->cycle, isa_ops[o->op].mnemonic, o->x,
			vname(o->dst, d, sizeof d), vname(o->a, a, sizeof a),
			o->use_imm ? "imm" : vname(o->b, bb, sizeof bb));
		if (o->use_imm || (isa_fmt_fields(isa_ops[o->op].fmt) & FLD_IMM))
			fprintf(out, "  #0x%x", o->imm);
		fprintf(out, "   (x86 #%u)\n", o->insn);
	}
}

void tr_dump(const struct tr_result *r, uint32_t native_addr, FILE *out)
{
	const struct ir_block *b = &r->block;
	fprintf(out, "%s of x86 0x%08x..0x%08x (%u instructions) at native 0x%08x\n\n",
		b->region ? "region" : "translation", b->eip, b->end_eip, b->ninsns, native_addr);
	fprintf(out, "x86:\n");
	for (unsigned i = 0; i < b->ninsns; i++) {
		char text[128];
		x86_disasm(&b->insns[i], b->insn_eip[i], text, sizeof text);
		fprintf(out, "  #%-2u %08x  %s\n", i, b->insn_eip[i], text);
	}
	fprintf(out, "\nflags live at the exits: %s%s%s%s%s%s%s\n", r->flags_live_out & XF_CF ? " CF" : "",
		r->flags_live_out & XF_PF ? " PF" : "", r->flags_live_out & XF_AF ? " AF" : "",
		r->flags_live_out & XF_ZF ? " ZF" : "", r->flags_live_out & XF_SF ? " SF" : "",
		r->flags_live_out & XF_OF ? " OF" : "", r->flags_live_out ? "" : " none");
	fprintf(out, "\nIR after passes ([cycle] op x= dst <- a, b):\n");
	ir_print(b, out);
	fprintf(out, "\nnative (%u atoms, %u body bundles, %u exits):\n", r->code.n, r->code.nbundles, r->code.nexits);
	isa_disasm(out, r->code.words, r->code.n, native_addr);
	if (b->region) {
		fprintf(out, "\nside exits (%u; branch op, x86 instructions retired, target, x86 registers copied, x87 stack, the way out and what the profile promised it):\n",
			b->nsides);
		for (unsigned k = 0; k < b->nsides; k++) {
			const struct ir_side *sd = &b->sides[k];
			fprintf(out, "  side %u: op %d, %u retired, ", k, sd->op, sd->ninsns);
			if (sd->eip_vreg != VREG_NONE)
				fprintf(out, "indirect (a return to another address)");
			else
				fprintf(out, "to x86 0x%08x", sd->target);
			for (unsigned x = 0; x < IR_NX86; x++)
				if (sd->cur[x] != R_EAX + x)
					fprintf(out, " r%u<-t%u", R_EAX + x, sd->cur[x] - VREG_TEMP);
			if (sd->fp.st >= 0)
				fprintf(out, "; x87 top %d tags 0x%02x", sd->fp.st & 7, (unsigned)sd->fp.st >> 8 & 0xff);
			fprintf(out, "; %s of 0x%08x, promised %u%% of its arrivals\n",
				sd->way == SIDE_WAY_RET ? "return" : sd->way == SIDE_WAY_TAKEN ? "taken way" : "fall-through",
				sd->branch, sd->promise);
		}
		fprintf(out, "protected loads %u, stores under alarm %u, loop copies beyond the first %u\n\n",
			r->spec_loads, r->spec_stores, r->unrolled);
	}
	for (unsigned i = 0; i < r->code.nexits; i++) {
		const struct tr_exit *e = &r->code.exits[i];
		fprintf(out, "exit %u: %s%s", i, e->side >= 0 ? "side, " : "", e->kind == TR_EXIT_DIRECT ? "direct" : "indirect");
		if (e->kind == TR_EXIT_DIRECT)
			fprintf(out, " to x86 0x%08x", e->target);
		fprintf(out, ", stub at 0x%08x\n", native_addr + e->stub);
	}
}
