/* cms/x86/ops.c — the op table (ops.def) as data, with the questions
 * several consumers ask of it answered once: which flags an instruction
 * certainly writes, how many stores it makes. */
#include "cms/insn/insn.h"
#include "native-isa/xflags.h"

#define XF_NOXF (-1)
#define X86_OP_ROW(id, n, cost, fam, fl, xf, use, fr, fw, fu, ir, iw, ia, lat, st) \
	[X86_OP_##id] = {n, X86_COST_##cost, X86_FAM_##fam, XF_##xf, use, fl, fr, fw, fu, ir, iw, ia, X86_##lat, st},
#define X86_L_ALU X86_LAT_ALU
#define X86_L_MUL X86_LAT_MUL
#define X86_L_DIV X86_LAT_DIV
const struct x86_op_info x86_ops[X86_OP_COUNT] = {
	X86_OPS(X86_OP_ROW)
};
#undef X86_OP_ROW

#define X86_FAM_PTR(f) &x86_fam_##f,
const struct x86_family *const x86_families[X86_FAM_COUNT] = {
	X86_FAMILIES(X86_FAM_PTR)
};
#undef X86_FAM_PTR

const char *x86_op_name(enum x86_op op)
{
	return (unsigned)op < X86_OP_COUNT ? x86_ops[op].name : "?";
}

enum x86_cost_class x86_op_cost(enum x86_op op)
{
	return (unsigned)op < X86_OP_COUNT ? (enum x86_cost_class)x86_ops[op].cost : X86_COST_COMPLEX;
}

const char *x86_cost_name(enum x86_cost_class c)
{
	static const char *const names[X86_COST_COUNT] = {
		[X86_COST_ALU] = "alu",       [X86_COST_MEM] = "mem",         [X86_COST_BRANCH] = "branch",
		[X86_COST_MULDIV] = "muldiv", [X86_COST_STRING] = "string",   [X86_COST_COMPLEX] = "complex",
		[X86_COST_SYSCALL] = "syscall", [X86_COST_FP] = "fp",         [X86_COST_FPTRANS] = "fp_trans",
	};
	return (unsigned)c < X86_COST_COUNT ? names[c] : "?";
}

unsigned x86_op_flags(enum x86_op op)
{
	return (unsigned)op < X86_OP_COUNT ? x86_ops[op].props : OPF_UNSUP;
}

unsigned x86_flags_written_ecx(const struct x86_insn *in, int64_t ecx)
{
	const struct x86_op_info *r = x86_op(in->op);
	if (r->props & OPF_COUNT) {
		/* the count operand is the last one: an immediate, or CL */
		const struct x86_operand *c = &in->o[in->nops ? in->nops - 1 : 0];
		int64_t n = in->nops < 2 ? -1 : c->kind == X86_OPK_IMM ? (int64_t)in->imm : ecx;
		if (n < 0 || (n & 31) == 0)
			return 0;
	}
	if ((r->props & OPF_REP0) && in->rep && ecx <= 0)   /* unknown, or 0 */
		return 0;
	return (r->fwrite | ((r->props & OPF_UKEEP) ? 0 : r->fundef)) & (XF_STATUS | XF_DF);
}

unsigned x86_flags_written(const struct x86_insn *in)
{
	return x86_flags_written_ecx(in, -1) & XF_STATUS;
}

unsigned x86_insn_stores(const struct x86_insn *in)
{
	const struct x86_op_info *r = x86_op(in->op);
	unsigned n = r->stores;
	if (in->nops && in->o[0].kind == X86_OPK_MEM && (x86_op_use(in->op, 0) & X86_USE_W))
		n++;
	return n;
}

/* ops.def spells EFLAGS bits without including xflags.h */
_Static_assert(O_CF == XF_CF && O_PF == XF_PF && O_AF == XF_AF && O_ZF == XF_ZF && O_SF == XF_SF &&
		       O_OF == XF_OF && O_DF == XF_DF && O_ST == XF_STATUS,
	       "ops.def flag bits");
_Static_assert(O_EAX == 1u << X86_EAX && O_EDI == 1u << X86_EDI, "ops.def register bits");
