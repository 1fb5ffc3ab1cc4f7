/* native-isa/xflags.c — x86-exact ALU results and EFLAGS (see xflags.h);
 * the semantics are in xflags_inline.h. */
#include "native-isa/xflags_inline.h"

/* Lower-case mnemonics, in XF_OPS order. */
static const char *const op_names_lc[] = {
	"add", "adc", "sub", "sbb", "and", "or", "xor", "inc", "dec", "neg",
	"shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "mul", "imul",
};
_Static_assert(sizeof op_names_lc / sizeof op_names_lc[0] == XF_OP_COUNT,
	       "op_names_lc must follow XF_OPS");

uint32_t xf_eval(enum xf_op op, unsigned width, uint32_t a, uint32_t b, uint32_t flags, uint32_t *flags_out)
{
	return xf_eval_inline(op, width, a, b, flags, flags_out);
}

uint32_t xf_eval_imm(enum xf_op op, unsigned width, uint32_t a, uint32_t b, uint32_t flags, uint32_t *flags_out)
{
	return xf_eval_imm_inline(op, width, a, b, flags, flags_out);
}

bool xf_cond(unsigned cc, uint32_t f)
{
	return xf_cond_inline(cc, f);
}

const char *xf_op_name(enum xf_op op)
{
	if ((unsigned)op >= XF_OP_COUNT)
		return "?";
	return op_names_lc[op];
}

const char *xf_cond_name(unsigned cc)
{
	static const char *const names[16] = {
		"o", "no", "b", "ae", "e", "ne", "be", "a",
		"s", "ns", "p", "np", "l", "ge", "le", "g",
	};
	return names[cc & 15];
}
