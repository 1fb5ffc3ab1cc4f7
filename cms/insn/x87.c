/* cms/insn/x87.c — the x87 floating-point instructions (family x87: every
 * row of ops.def from fadd to wait).
 *
 * What the firmware does around an x87 instruction is here; what the
 * instruction computes is the host's x87 (native-isa/x87.h), so results,
 * condition codes, exception flags, tags and the stack top agree with the
 * host bit for bit by construction.  Around it:
 *  - #MF: a waiting instruction (all but the fn* forms, O_FPNW) meets an
 *    unmasked exception pending (the ES bit) and stops, precise, before
 *    doing anything: Linux delivers SIGFPE there (SDM vol. 1, 8.6).
 *  - Memory operands are read first (a fault is precise), a written one is
 *    checked writable before anything changes and written after; a store
 *    an unmasked exception suppresses leaves the bytes as they were (the
 *    host writes nothing over the copy it was given).
 *  - The pointers fnstenv and fnsave expose: every non-control instruction
 *    (not O_FPCTL) records its address, CS and opcode (FIP, FCS, FOP), and
 *    one with a memory operand its offset and segment (FDP, FDS), as
 *    measured on the host; fninit and fnsave clear them, fldenv and frstor
 *    load them.  The environment's other fields come from the host (the
 *    full tag word it computes), with the reserved halves 0xffff as the
 *    host stores them in a 32-bit process.
 * The 16-bit environment layouts (66 prefix) are #UD in cdvm (x87.def). */
#include <string.h>

#include "cms/insn/interp.h"
#include "native-isa/x87.h"

enum { X87_MAX_OPERAND = X87_STATE_BYTES };

/* Bytes [off, off + n) of the instruction's memory segment. */
static int mem_read(struct x86_ctx *c, uint32_t off, unsigned n, uint8_t *buf)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;
		uint32_t v;
		if (seg_load(c, off + i, k, &v))
			return -1;
		memcpy(buf + i, &v, k);
		i += k;
	}
	return 0;
}

static int mem_write(struct x86_ctx *c, uint32_t off, unsigned n, const uint8_t *buf)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;
		uint32_t v = 0;
		memcpy(&v, buf + i, k);
		if (seg_store(c, off + i, k, v))
			return -1;
		i += k;
	}
	return 0;
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* The selector of segment `seg` as the guest sees it (Linux's flat user
 * segments when the firmware keeps no selectors). */
static uint16_t selector(const struct x86_ctx *c, unsigned seg)
{
	static const uint16_t flat[6] = {0x2b, 0x23, 0x2b, 0x2b, 0, 0};
	return c->env->segs ? c->env->segs->sel[seg] : flat[seg];
}

/* The segment a memory operand goes through: the override, else SS for
 * an EBP or ESP base, else DS. */
static unsigned mem_seg(const struct x86_insn *in)
{
	if (in->seg != X86_SEG_NONE)
		return in->seg;
	return in->base == X86_ESP || in->base == X86_EBP ? X86_SEG_SS : X86_SEG_DS;
}

/* fnstenv's and fnsave's first 28 bytes: the host's control, status and
 * tag words, the firmware's pointers (SDM vol. 1, figure 8-9). */
static void env_pointers(uint8_t *env, const struct x87_state *s)
{
	for (unsigned i = 0; i < 12; i += 4)
		put32(env + i, (get32(env + i) & 0xffffu) | 0xffff0000u);
	put32(env + 12, s->fip);
	put32(env + 16, s->fcs | (uint32_t)(s->fop & 0x7ffu) << 16);
	put32(env + 20, s->fdp);
	put32(env + 24, s->fds | 0xffff0000u);
}

static void load_pointers(struct x87_state *s, const uint8_t *env)
{
	s->fip = get32(env + 12);
	s->fcs = (uint16_t)get32(env + 16);
	s->fop = (uint16_t)((get32(env + 16) >> 16) & 0x7ffu);
	s->fdp = get32(env + 20);
	s->fds = (uint16_t)get32(env + 24);
}

static enum x86_stop x87_exec(struct x86_ctx *c, enum x86_op op)
{
	struct x87_state *fp = c->env->fpu;
	const struct x86_insn *in = c->in;
	unsigned props = x86_op_flags(op);
	if (!fp)
		return X86_FAULT_UD;
	if (!(props & OPF_FPNW) && x87_pending(fp))
		return X86_FAULT_MF;
	if (op == X86_OP_FWAIT)
		return X86_OK;

	/* the memory operand, if any, is o[0] (x87.def) */
	uint8_t buf[X87_MAX_OPERAND];
	unsigned n = 0;
	int writes = 0;
	if (in->nops && in->o[0].kind == X86_OPK_MEM) {
		n = in->o[0].size;
		writes = (x86_op_use(op, 0) & X86_USE_W) != 0;
		TRY(mem_read(c, c->off, n, buf));
		if (writes)
			TRY(mem_write(c, c->off, n, buf));   /* writable: nothing can fault later */
	}

	struct x87_state s = *fp;
	uint32_t fl = c->r[X86_EFLAGS];
	uint16_t ax = (uint16_t)c->r[X86_EAX];
	x87_host_exec(&s, in->opcode, in->modrm, buf, &fl, &ax);

	switch (op) {
	case X86_OP_FNSTENV:
	case X86_OP_FNSAVE:
		env_pointers(buf, fp);
		break;
	case X86_OP_FLDENV:
	case X86_OP_FRSTOR:
		load_pointers(&s, buf);
		break;
	default:
		break;
	}
	if (op == X86_OP_FNINIT || op == X86_OP_FNSAVE) {
		s.fip = s.fdp = 0;
		s.fop = s.fcs = s.fds = 0;
	} else if (!(props & OPF_FPCTL)) {
		s.fip = c->r[X86_EIP];
		s.fcs = selector(c, X86_SEG_CS);
		s.fop = (uint16_t)(((in->opcode & 7u) << 8) | in->modrm);
		if (n) {
			s.fdp = c->off;
			s.fds = selector(c, mem_seg(in));
		}
	}
	if (writes && mem_write(c, c->off, n, buf))
		return X86_FAULT_MEM;   /* cannot happen: checked above */
	*fp = s;
	c->r[X86_EFLAGS] = fl;
	if (op == X86_OP_FNSTSW_AX)
		reg_set(c->r, X86_EAX, 2, ax);
	return X86_OK;
}

const struct x86_family x86_fam_x87 = {"x87", x87_exec, NULL, NULL};
