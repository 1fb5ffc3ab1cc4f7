/* cms/insn/segment.c — the segment registers: `mov Sreg, r/m16`,
 * `mov r/m, Sreg`, push and pop of FS and GS, and cdvm's model of the
 * descriptor table a selector names (x86_seg_check, shared with the TLS
 * system calls in cms/tls.c).  Always interpreted: the family has no IR
 * builder, so a translated block ends before a segment load and the
 * selectors (struct x86_segs, firmware state the env points to) are never
 * needed by translated code; it reads only the bases, in X86_FSBASE and
 * X86_GSBASE.
 *
 * The GDT is the one Linux x86-64 gives a 32-bit task, measured on the
 * host (mov of every selector 0..0x83 into each segment register, in a
 * child process): the null selector loads into DS ES FS GS; __USER_DS
 * (entry 5, 0x28..0x2b) into all of them (SS only with RPL 3); a TLS
 * entry 12..14 that set_thread_area filled into DS ES FS GS, any RPL; the
 * kernel's entries, the TSS, entries 7..11, 16 and up and every LDT
 * selector are #GP.  cdvm models the bases of FS and GS only, so it
 * accepts what it can run exactly: a TLS entry or a null selector in FS
 * or GS, __USER_DS everywhere; the loads the host accepts but cdvm does
 * not model (a code segment, entry 15 or a TLS entry in DS ES SS, null in
 * DS ES) are #GP too (docs/x86-subset.md, "Segment registers").  Segment
 * limits and read-only TLS entries are not checked. */
#include "cms/insn/interp.h"

#include <string.h>

enum { SEL_USER_DS = 0x2b, SEL_USER32_CS = 0x23, GDT_USER_DS = 5 };

void x86_segs_init(struct x86_segs *s)
{
	memset(s, 0, sizeof *s);
	s->sel[X86_SEG_ES] = s->sel[X86_SEG_SS] = s->sel[X86_SEG_DS] = SEL_USER_DS;
	s->sel[X86_SEG_CS] = SEL_USER32_CS;
	for (unsigned i = 0; i < X86_TLS_SLOTS; i++)
		s->tls[i].flags = X86_TLS_EMPTY;
}

int x86_seg_check(const struct x86_segs *s, unsigned seg, uint32_t sel, uint32_t *base)
{
	unsigned index = (sel & 0xffff) >> 3, ti = (sel >> 2) & 1, rpl = sel & 3;
	*base = 0;
	if (seg == X86_SEG_CS || seg > X86_SEG_GS || ti)
		return -1;
	if (index == GDT_USER_DS)
		return seg == X86_SEG_SS && rpl != 3 ? -1 : 0;
	if (seg != X86_SEG_FS && seg != X86_SEG_GS)
		return -1;
	if (index == 0)
		return 0;  /* the null selector: base 0 */
	if (index < X86_TLS_FIRST || index >= X86_TLS_FIRST + X86_TLS_SLOTS)
		return -1;
	const struct x86_tls_slot *t = &s->tls[index - X86_TLS_FIRST];
	if (t->flags & X86_UD_NOT_PRESENT)   /* an empty slot */
		return -1;
	*base = t->base;
	return 0;
}

/* Load segment register `seg` with `sel` (its base too): #GP when the
 * selector is refused, #UD for CS. */
static enum x86_stop seg_write(struct x86_ctx *c, unsigned seg, uint32_t sel)
{
	uint32_t base;
	if (seg == X86_SEG_CS)
		return X86_FAULT_UD;
	if (x86_seg_check(c->env->segs, seg, sel, &base))
		return X86_FAULT_GP;
	c->env->segs->sel[seg] = (uint16_t)sel;
	if (seg == X86_SEG_FS)
		c->r[X86_FSBASE] = base;
	else if (seg == X86_SEG_GS)
		c->r[X86_GSBASE] = base;
	return X86_OK;
}

static enum x86_stop sreg_exec(struct x86_ctx *c, enum x86_op op)
{
	const struct x86_insn *in = c->in;
	struct x86_segs *s = c->env->segs;
	uint32_t v;
	if (!s)
		return X86_FAULT_UD;
	unsigned seg = in->o[0].kind == X86_OPK_SREG ? in->o[0].reg : in->o[1].reg;
	switch (op) {
	case X86_OP_MOVSEG:
		if (in->o[0].kind != X86_OPK_SREG)   /* mov r/m, Sreg: a register zero-extended, memory a word */
			return wr(c, 0, s->sel[seg]) ? X86_FAULT_MEM : X86_OK;
		if (seg == X86_SEG_CS)
			return X86_FAULT_UD;
		TRY(rd(c, 1, &v));
		return seg_write(c, seg, v & 0xffff);
	case X86_OP_PUSHSEG:
		/* a 32-bit push stores the selector zero-extended (this host, an
		 * AMD CPU; recent Intel CPUs store only its low word) */
		return push_val(c, in->osize, s->sel[seg]);
	default: {  /* POPSEG */
		uint32_t sp = c->r[X86_ESP];
		TRY(load(c, sp, in->osize, &v));
		enum x86_stop st = seg_write(c, seg, v & 0xffff);
		if (st == X86_OK)
			c->r[X86_ESP] = sp + in->osize;
		return st;
	}
	}
}

const struct x86_family x86_fam_sreg = {"sreg", sreg_exec, NULL, NULL};
