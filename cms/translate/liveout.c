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
 * writes; returns -1 for an instruction this table does not know. */
static int flag_effect(const struct x86_insn *in, unsigned *rd, unsigned *wr)
{
	unsigned op = in->op;
	*rd = 0;
	*wr = 0;
	switch (op) {
	case X86_OP_ADD: case X86_OP_SUB: case X86_OP_CMP: case X86_OP_AND: case X86_OP_OR:
	case X86_OP_XOR: case X86_OP_TEST: case X86_OP_NEG:
		*wr = XF_STATUS;
		return 0;
	case X86_OP_ADC: case X86_OP_SBB:
		*rd = XF_CF;
		*wr = XF_STATUS;
		return 0;
	case X86_OP_INC: case X86_OP_DEC:
		*wr = XF_STATUS & ~XF_CF;
		return 0;
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		*wr = XF_CF;
		return 0;
	case X86_OP_BSF: case X86_OP_BSR:
		*wr = XF_STATUS;  /* cdvm defines all six (docs/x86-subset.md) */
		return 0;
	case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
		if (in->o[1].kind == X86_OPK_IMM && (in->imm & 31))
			*wr = XF_STATUS;
		return 0;  /* by CL: maybe nothing */
	case X86_OP_SHLD: case X86_OP_SHRD:
		if (in->o[2].kind == X86_OPK_IMM && (in->imm & 31))
			*wr = XF_STATUS;
		return 0;
	case X86_OP_ROL: case X86_OP_ROR:
		if (in->o[1].kind == X86_OPK_IMM && (in->imm & 31))
			*wr = XF_CF | XF_OF;
		return 0;
	case X86_OP_MUL: case X86_OP_IMUL:
		*wr = XF_STATUS;  /* CF OF defined, the rest as the host (xflags) */
		return 0;
	case X86_OP_DIV: case X86_OP_IDIV: case X86_OP_CWD: case X86_OP_CBW:
		return 0;         /* divides leave the flags unchanged (cms/x86/exec.c) */
	case X86_OP_MOV: case X86_OP_MOVZX: case X86_OP_MOVSX: case X86_OP_LEA: case X86_OP_PUSH:
	case X86_OP_POP: case X86_OP_NOP: case X86_OP_NOT: case X86_OP_XCHG: case X86_OP_CDQ:
	case X86_OP_CWDE: case X86_OP_BSWAP: case X86_OP_LEAVE:
		return 0;
	default:
		if (op >= X86_OP_JO && op <= X86_OP_JG) {
			*rd = ir_cond_flags(op - X86_OP_JO);
			return 0;
		}
		if (op >= X86_OP_SETO && op <= X86_OP_SETG) {
			*rd = ir_cond_flags(op - X86_OP_SETO);
			return 0;
		}
		if (op >= X86_OP_CMOVO && op <= X86_OP_CMOVG) {
			*rd = ir_cond_flags(op - X86_OP_CMOVO);
			return 0;
		}
		return -1;
	}
}

/* Flags live on entry to the code at eip; [eip, *end) is what was read. */
static unsigned live_at(const struct x86_env *env, uint32_t eip, uint32_t *end)
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
	unsigned live = live_at(env, b->target, &end);
	deps[(*ndeps)][0] = b->target;
	deps[(*ndeps)++][1] = end;
	if (b->end == END_COND) {
		live |= live_at(env, b->fall, &end);
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
