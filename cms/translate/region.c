/* cms/translate/region.c — region selection for the reoptimizer: a trace
 * along the profile's hot path.
 *
 * From a hot entry the trace follows control transfers instead of
 * stopping at them: a direct jump to its target, a direct call into the
 * callee (its return address is remembered, so the callee's `ret` is
 * followed back to it behind a guard), and a conditional branch in the
 * direction whose successor the profile entered more often, when that
 * direction has at least cms.opt.min_bias percent of the two.  The other
 * direction becomes a side exit, with the share of arrivals the profile
 * expects it to take (its promise).  Where the firmware has watched a
 * branch or a return in a region (cms/reopt.c), what it saw there takes
 * the place of the profile's guess.  A forward branch over a few
 * instructions that is less biased than cms.opt.if_convert_bias (a
 * hammock, `jcc L; body; L:`) is if-converted instead: the trace goes
 * through the body to L, and rename.c merges the two ways with `sel`.  A
 * path that comes back to the entry is
 * a loop: its body is copied cms.opt.unroll times (when the copies fit)
 * and the region ends with the back edge, which chaining turns into a
 * branch to the region itself.  The trace stops at an instruction the
 * translator does not take, an indirect jump, a return it did not see the
 * call of, a branch that is not biased enough, a join with code already
 * in the trace, the store-buffer limit (every store of the region waits
 * for its final commit) and cms.opt.max_region_insns.  x87 code is
 * followed as select.c follows it in a block, the stack top and tags
 * known at each instruction; the trace stops before one the translator
 * cannot place on the stack it has, after fldcw, and at a back edge that
 * would enter the region with another stack.
 *
 * Instructions are selected as in select.c (one decode, the same
 * ir_supported), so a region holds nothing a block could not. */
#include "cms/translate/translate.h"

enum { CALL_DEPTH = 8 };

static uint32_t count_of(const struct tr_hints *h, uint32_t eip) { return h ? h->count(h->ctx, eip) : 0; }

/* The two ways of the jcc or ret at eip as the firmware saw them while it
 * watched regions (tr_hints.seen), over what the profile suggests. */
static int seen_ways(const struct tr_hints *h, uint32_t eip, uint64_t *way, uint64_t *other)
{
	uint64_t a, b;
	if (h && h->seen && h->seen(h->ctx, eip, &a, &b) && a + b) {
		*way = a;
		*other = b;
		return 1;
	}
	return 0;
}

/* percent of the two counts that the smaller one is */
static uint8_t minority(uint64_t a, uint64_t b) { return a + b ? (uint8_t)(100 * (a < b ? a : b) / (a + b)) : 0; }

/* `jcc L; body; L:` with a body the region may compute whichever way the
 * branch goes: at most o->if_convert_insns instructions, none a control
 * transfer, a store, a divide or anything else that traps, x87 or
 * shld/shrd; loads only under control speculation and not one the
 * firmware found faulting.  The body is decoded into b->insns after the
 * jcc at index i; its length, or 0. */
static unsigned hammock(struct ir_block *b, const struct x86_env *env, const struct tr_region_opts *o, unsigned i,
			uint32_t at, uint32_t join, unsigned room)
{
	unsigned n = 0;
	while (at < join) {
		uint8_t buf[X86_MAX_INSN_LEN];
		struct x86_insn *in = &b->insns[i + 1 + n];
		if (n >= o->if_convert_insns || n >= room)
			return 0;
		unsigned got = env->fetch(env->ctx, at, buf, sizeof buf);
		if (x86_decode(buf, got, in) <= 0 || !ir_supported(in) || tr_is_string(in) ||
		    (x86_op_flags((enum x86_op)in->op) & (OPF_BRANCH | OPF_TRAPS | OPF_FPU)) ||
		    x86_insn_stores(in) || in->op == X86_OP_DIV || in->op == X86_OP_IDIV || in->op == X86_OP_SHLD ||
		    in->op == X86_OP_SHRD)
			return 0;
		int loads = (x86_op_flags((enum x86_op)in->op) & (OPF_ESP | OPF_LEAVE)) != 0;
		for (unsigned k = 0; k < in->nops; k++)
			loads |= in->o[k].kind == X86_OPK_MEM && x86_op_use(in->op, k) != 0;
		if (loads && (!o->control_speculation || tr_listed(o->no_hoist, o->nno_hoist, at)))
			return 0;
		b->insn_eip[i + 1 + n++] = at;
		at += in->len;
	}
	return at == join ? n : 0;
}

static int in_trace(const struct ir_block *b, unsigned from, uint32_t eip)
{
	for (unsigned i = from; i < b->ninsns; i++)
		if (b->insn_eip[i] == eip)
			return 1;
	return 0;
}

int ir_select_region(struct ir_block *b, const struct x86_env *env, uint32_t eip, const struct tr_region_opts *o,
		     const struct tr_hints *h)
{
	unsigned max = o->max_insns < IR_MAX_INSNS ? o->max_insns : IR_MAX_INSNS;
	uint32_t calls[CALL_DEPTH];
	unsigned depth = 0, stores = 0, sides = 0, passes = 0, body = 0, copy = 0;
	uint32_t at = eip;
	/* the x87 stack along the trace, from the state the firmware sees
	 * (fchk checks it at the region's entry), as select.c does */
	const int fp0 = x87_select_entry(env);
	int fp = fp0, fp_end = 0;
	b->region = 1;
	b->fp_entry = -1;
	b->eip = eip;
	b->ninsns = 0;
	b->nhammocks = 0;
	while (b->ninsns < max) {
		uint8_t buf[X86_MAX_INSN_LEN];
		unsigned n = env->fetch(env->ctx, at, buf, sizeof buf);
		unsigned i = b->ninsns;
		struct x86_insn *in = &b->insns[i];
		if (x86_decode(buf, n, in) <= 0 || !ir_supported(in) || tr_is_string(in))
			break;
		int fpu = (x86_op_flags((enum x86_op)in->op) & OPF_FPU) != 0;
		if (fpu && (fp < 0 || !x87_select_step(in, &fp, &fp_end)))
			break;
		unsigned st = x86_insn_stores(in);
		if (stores + st > o->max_stores)
			break;
		stores += st;
		if (fpu && b->fp_entry < 0)
			b->fp_entry = fp0;
		b->insn_eip[b->ninsns++] = at;
		b->follow[i] = FOLLOW_NONE;
		uint32_t next = at + in->len;
		at = next;
		if (fp_end)
			break;   /* fldcw: what it unmasks is checked at the next entry */
		if (!(x86_op_flags((enum x86_op)in->op) & OPF_BRANCH))
			continue;
		/* a control transfer: where the trace goes on, if anywhere */
		uint32_t dest;
		enum ir_follow f = FOLLOW_TAKEN;
		int side = 0;
		int rel = in->nops && in->o[0].kind == X86_OPK_REL;
		if (in->op >= X86_OP_JO && in->op <= X86_OP_JO + 15) {
			uint32_t taken = next + in->imm;
			uint64_t ct = count_of(h, taken), cf = count_of(h, next);
			seen_ways(h, b->insn_eip[i], &ct, &cf);
			uint64_t most = ct > cf ? ct : cf;
			unsigned hb = b->nhammocks < IR_MAX_HAMMOCKS && taken > next && taken != eip &&
						!in_trace(b, copy, taken) &&
						100 * most < (uint64_t)o->if_convert_bias * (ct + cf)
					? hammock(b, env, o, i, next, taken, max - b->ninsns)
					: 0;
			if (hb) {
				/* if-converted: the trace goes on through the body to L */
				struct ir_hammock *hm = &b->hammocks[b->nhammocks++];
				*hm = (struct ir_hammock){.insn = i, .body = hb, .cond = in->op - X86_OP_JO, .join = taken};
				hm->flags_live = ir_flags_live_at(env, taken, &hm->live_end);
				b->follow[i] = FOLLOW_IFCONV;
				for (unsigned k = 1; k <= hb; k++)
					b->follow[i + k] = FOLLOW_NONE;
				b->ninsns += hb;
				at = taken;
				continue;
			}
			if (ct + cf == 0 || 100 * most < (uint64_t)o->min_bias * (ct + cf))
				break;
			dest = ct >= cf ? taken : next;
			f = ct >= cf ? FOLLOW_TAKEN : FOLLOW_FALL;
			b->promise[i] = minority(ct, cf);
			side = 1;
		} else if (in->op == X86_OP_JMP && rel) {
			dest = next + in->imm;
		} else if (in->op == X86_OP_CALL && rel && o->follow_calls && depth < CALL_DEPTH) {
			dest = next + in->imm;
			calls[depth++] = next;
		} else if (in->op == X86_OP_RET && depth > 0) {
			uint64_t away = 0, back = 1;
			seen_ways(h, b->insn_eip[i], &away, &back);
			if (100 * back < (uint64_t)o->min_bias * (away + back))
				break;   /* watched: it returns elsewhere too often */
			b->promise[i] = minority(away, back);
			dest = calls[--depth];
			b->ret_expect[i] = dest;
			side = 1;
		} else {
			break;
		}
		if (sides + side > IR_MAX_SIDES)
			break;
		if (dest == eip && fp != fp0)
			break;   /* a loop that moves the x87 stack: its next entry would fail fchk */
		if (dest == eip) {
			/* the back edge: another copy of the body if it fits */
			if (!body)
				body = b->ninsns;
			if (++passes >= (o->unroll ? o->unroll : 1) || b->ninsns + body > max)
				break;
			copy = b->ninsns;   /* the next copy of the body starts here */
		} else if (in_trace(b, copy, dest)) {
			break;  /* a join with this copy of the trace (an inner loop): leave to it */
		}
		b->follow[i] = (uint8_t)f;
		sides += (unsigned)side;
		at = dest;
	}
	b->end_eip = at;
	return (int)b->ninsns;
}
