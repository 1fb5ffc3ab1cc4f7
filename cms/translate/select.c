/* cms/translate/select.c — region selection: which x86 instructions a
 * translation covers.
 *
 * A region is a basic block: it starts at a hot block entry and runs to
 * the first control transfer (included), or stops before the first
 * instruction the translator does not take (that one is interpreted), or
 * at the instruction / store limits.  The store limit keeps every
 * translation within the chip's gated store buffer, which holds all of a
 * translation's stores until the commit at its exit.  Later work (the
 * reoptimizer) grows regions into traces across branches. */
#include "cms/translate/ir.h"

int ir_select(struct ir_block *b, const struct x86_env *env, uint32_t eip, unsigned max_insns,
	      unsigned max_stores)
{
	b->eip = eip;
	b->ninsns = 0;
	b->region = 0;
	b->nsides = 0;
	unsigned stores = 0;
	uint32_t at = eip;
	const int fp0 = x87_select_entry(env);
	int fp = fp0, fp_end = 0;
	b->fp_entry = -1;
	if (max_insns > IR_MAX_BLOCK_INSNS)
		max_insns = IR_MAX_BLOCK_INSNS;
	while (b->ninsns < max_insns) {
		uint8_t buf[X86_MAX_INSN_LEN];
		unsigned n = env->fetch(env->ctx, at, buf, sizeof buf);
		struct x86_insn *in = &b->insns[b->ninsns];
		if (x86_decode(buf, n, in) <= 0 || !ir_supported(in))
			break;  /* (string instructions are translated alone: string.c) */
		int fpu = (x86_op_flags((enum x86_op)in->op) & OPF_FPU) != 0;
		if (fpu && (fp < 0 || !x87_select_step(in, &fp, &fp_end)))
			break;
		unsigned st = x86_insn_stores(in);
		if (stores + st > max_stores)
			break;
		stores += st;
		if (fpu && b->fp_entry < 0)
			b->fp_entry = fp0;
		b->insn_eip[b->ninsns++] = at;
		at += in->len;
		if ((x86_op_flags((enum x86_op)in->op) & OPF_BRANCH) || fp_end)
			break;
	}
	b->end_eip = at;
	return (int)b->ninsns;
}
