/* cms/x86/disasm.c — an Intel-syntax
 * disassembler for decoded instructions (diagnostics, translation dumps).
 * The text follows LLVM's Intel printer closely (mnemonics, "dword ptr",
 * "[ebx + 4*ecx + 8]") so the two can be compared by eye. */
#include <stdarg.h>
#include <string.h>

#include "cms/x86/x86.h"

/* Bounded append. */
struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->n ? o->n - o->len : 0;
	int k = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->len += (size_t)k;
}

static const char *reg_name(unsigned reg, unsigned size)
{
	static const char *const r8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
	static const char *const r16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
	static const char *const r32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
	reg &= 7;
	return size == 1 ? r8[reg] : size == 2 ? r16[reg] : r32[reg];
}

static const char *ptr_name(unsigned size)
{
	switch (size) {
	case 1: return "byte ptr ";
	case 2: return "word ptr ";
	case 4: return "dword ptr ";
	case 6: return "fword ptr ";
	case 8: return "qword ptr ";
	case 10: return "tbyte ptr ";
	default: return "";
	}
}

static const char *const seg_names[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

static void put_num(struct out *o, uint32_t v)
{
	if (v < 10)
		put(o, "%u", v);
	else
		put(o, "0x%x", v);
}

static void put_mem(struct out *o, const struct x86_insn *in, unsigned size, int lea)
{
	if (!lea)
		put(o, "%s", ptr_name(size));
	if (in->seg != X86_SEG_NONE && in->seg < 6)
		put(o, "%s:", seg_names[in->seg]);
	put(o, "[");
	int any = 0;
	if (in->base != X86_NOREG) {
		put(o, "%s", reg_name(in->base, 4));
		any = 1;
	}
	if (in->index != X86_NOREG) {
		if (in->scale)
			put(o, "%s%u*%s", any ? " + " : "", 1u << in->scale, reg_name(in->index, 4));
		else
			put(o, "%s%s", any ? " + " : "", reg_name(in->index, 4));
		any = 1;
	}
	if (!any) {
		put(o, "0x%x", in->disp);
	} else if (in->disp) {
		int32_t d = (int32_t)in->disp;
		if (d < 0) {
			put(o, " - ");
			put_num(o, (uint32_t)-(int64_t)d);
		} else {
			put(o, " + ");
			put_num(o, (uint32_t)d);
		}
	}
	put(o, "]");
}

int x86_disasm(const struct x86_insn *in, uint32_t eip, char *buf, size_t n)
{
	struct out o = {buf, n, 0};
	enum x86_op op = (enum x86_op)in->op;

	if (n)
		buf[0] = 0;
	if (in->prefixes & X86_PFX_LOCK)
		put(&o, "lock ");
	if (in->rep && op >= X86_OP_MOVSB && op <= X86_OP_SCASW) {
		int cond = (op >= X86_OP_CMPSB && op <= X86_OP_CMPSW) ||
			   (op >= X86_OP_SCASB && op <= X86_OP_SCASW);
		put(&o, "%s ", in->rep == X86_PFX_REPNE ? (cond ? "repne" : "rep")
						     : (cond ? "repe" : "rep"));
	}
	if (op == X86_OP_JECXZ && (in->prefixes & X86_PFX_ADDRSIZE))
		put(&o, "jcxz");
	else   /* the mnemonic without its qualifier ("mov sreg": ops.def) */
		put(&o, "%.*s", (int)strcspn(x86_op_name(op), " "), x86_op_name(op));
	int lea = op == X86_OP_LEA;
	unsigned nops = in->nops;
	if (in->map == 0 && (in->opcode & 0xfe) == 0xd0)
		nops = 1; /* shift by one: LLVM prints no count */
	for (unsigned k = 0; k < nops; k++) {
		const struct x86_operand *p = &in->o[k];
		put(&o, k ? ", " : "\t");
		switch (p->kind) {
		case X86_OPK_REG:
			put(&o, "%s", reg_name(p->reg, p->size));
			break;
		case X86_OPK_MEM:
			put_mem(&o, in, p->size, lea);
			break;
		case X86_OPK_IMM:
			if (k > 0 && in->o[0].kind == X86_OPK_IMM)
				put_num(&o, in->imm2);
			else if (p->size > 4) /* far pointer */
				put(&o, "0x%x:0x%x", in->imm2, in->imm);
			else
				put_num(&o, in->imm & (p->size == 4 ? 0xffffffffu : (1u << (p->size * 8)) - 1));
			break;
		case X86_OPK_REL: {
			uint32_t t = eip + in->len + in->imm;
			put(&o, "0x%x", in->osize == 2 ? t & 0xffff : t);
			break;
		}
		case X86_OPK_STRSRC:
			put(&o, "%s%s:[esi]", ptr_name(p->size),
			    in->seg != X86_SEG_NONE && in->seg < 6 ? seg_names[in->seg] : "ds");
			break;
		case X86_OPK_STRDST:
			put(&o, "%ses:[edi]", ptr_name(p->size));
			break;
		case X86_OPK_SREG:
			put(&o, "%s", p->reg < 6 ? seg_names[p->reg] : "?");
			break;
		case X86_OPK_ST:
			if (p->size)
				put(&o, "st(%u)", p->reg);
			else
				put(&o, "st");
			break;
		default:
			break;
		}
	}
	return (int)o.len;
}
