/* cms/translate/liveout.c — which x86 flags are live when a block exits.
 *
 * When the successor of a block is known (a direct jump, a fall-through,
 * both arms of a conditional branch), its first instructions are decoded
 * and scanned: a status flag the successor overwrites before reading it
 * is dead at the exit, so the block need not compute it (flags.c).  The
 * scan stops at the successor's first control transfer, at anything it
 * does not know, or after a few instructions; everything not proven dead
 * stays live.  The translation depends on the bytes scanned: they are
 * recorded so that a store into them invalidates it (cms/tcache.c). */
#include "cms/translate/ir.h"
#include "native-isa/xflags.h"

enum { SCAN_MAX = 12 };

/* Status flags an x86 instruction reads (before writing) and certainly
 * writes, from the op table (ops.def); -1 for an instruction that may
 * raise an exception or that cdvm does not execute. */
static int flag_effect(const struct x86_insn *in, unsigned *rd, unsigned *wr)
{
	const struct x86_op_info *row = x86_op(in->op);
	if (row->props & (OPF_UNSUP | OPF_TRAPS))
		return -1;
	*rd = row->fread & XF_STATUS;
	*wr = x86_flags_written(in);
	return 0;
}

unsigned ir_flags_live_at(const struct x86_env *env, uint32_t eip, uint32_t *end)
{
	unsigned live = 0, defined = 0;
	uint32_t at = eip;
	for (unsigned n = 0; n < SCAN_MAX && defined != XF_STATUS; n++) {
		uint8_t buf[X86_MAX_INSN_LEN];
		struct x86_insn in;
		unsigned got = env->fetch(env->ctx, at, buf, sizeof buf);
		unsigned rd, wr;
		if (x86_decode(buf, got, &in) <= 0 || flag_effect(&in, &rd, &wr) < 0)
			break;
		at += in.len;
		live |= rd & ~defined;
		defined |= wr;
		if (x86_op_flags((enum x86_op)in.op) & OPF_BRANCH)
			break;
	}
	*end = at > eip ? at : eip + 1;
	return live | (XF_STATUS & ~defined);
}

unsigned ir_flags_live_out(const struct x86_env *env, const struct ir_block *b, uint32_t deps[2][2],
			   unsigned *ndeps)
{
	*ndeps = 0;
	if (b->end == END_INDIRECT)
		return XF_STATUS;
	uint32_t end;
	unsigned live = ir_flags_live_at(env, b->target, &end);
	deps[(*ndeps)][0] = b->target;
	deps[(*ndeps)++][1] = end;
	if (b->end == END_COND) {
		live |= ir_flags_live_at(env, b->fall, &end);
		deps[(*ndeps)][0] = b->fall;
		deps[(*ndeps)++][1] = end;
	}
	return live;
}

int ir_shiftd_flags_read(const struct ir_block *b, unsigned live_out)
{
	unsigned live = live_out;
	int first = -1;
	for (int i = (int)b->ninsns - 1; i >= 0; i--) {
		const struct x86_insn *in = &b->insns[i];
		unsigned rd, wr;
		if ((in->op == X86_OP_SHLD || in->op == X86_OP_SHRD) && (live & XF_STATUS))
			first = i;
		if (flag_effect(in, &rd, &wr) < 0)
			live = XF_STATUS;
		else
			live = (live & ~wr) | rd;
	}
	return first;
}
