/* cms/x86/exec.c — the interpreter's entry points: x86_exec runs a
 * decoded instruction through its family's handler (ops.def names the
 * family; the handlers live in cms/insn/, next to the instruction's IR
 * builder), x86_step fetches and decodes first.  Shared operand access and
 * the rules for precise faults are in cms/insn/interp.h. */
#include "cms/insn/interp.h"

enum x86_stop x86_exec(struct x86_env *env, const struct x86_insn *in,
		       struct x86_step_info *info)
{
	uint32_t *r = env->r;
	struct x86_ctx c = {env, r, in, info, 0, 0, r[X86_EIP] + in->len, 0, 0};

	enum x86_op op = (enum x86_op)in->op;
	const struct x86_op_info *row = x86_op(op);
	info->cost = (enum x86_cost_class)row->cost;
	info->op = in->op;
	info->iterations = 0;
	info->len = in->len;
	info->trap = 0;
	info->ends_block = (row->props & OPF_BRANCH) != 0;
	c.off = mem_offset(r, in);
	c.addr = c.off + seg_base(r, in->seg);

	/* Registers are written only on success, so a fault can simply
	 * return; string instructions commit per iteration themselves. */
	enum x86_stop s = x86_families[row->family]->exec(&c, op);
	if (s == X86_FAULT_MEM && c.gp)
		s = X86_FAULT_GP;
	if (s == X86_OK || s == X86_SYSCALL || s == X86_TRAP)
		r[X86_EIP] = c.next_eip;
	if (s == X86_TRAP)
		info->trap = c.trap;
	return s;
}

enum x86_stop x86_step(struct x86_env *env, struct x86_step_info *info)
{
	uint8_t buf[X86_MAX_INSN_LEN];
	struct x86_insn in;
	uint32_t eip = env->r[X86_EIP];
	unsigned n = env->fetch(env->ctx, eip, buf, sizeof buf);
	int st = x86_decode(buf, n, &in);

	if (st > 0)
		return x86_exec(env, &in, info);
	info->cost = X86_COST_COMPLEX;
	info->op = X86_OP_COUNT;
	info->iterations = 0;
	info->trap = 0;
	info->ends_block = 1;
	info->len = in.len;
	if (st == X86_DECODE_TRUNC) {
		info->fault_addr = eip + n;
		return X86_FAULT_MEM;
	}
	/* privileged instructions and instructions longer than 15 bytes are
	 * #GP natively, everything else that cdvm rejects #UD */
	return in.op == X86_OP_PRIV || in.op == X86_OP_TOOLONG ? X86_FAULT_GP : X86_FAULT_UD;
}
