/* cms/insn/system.c — the flag instructions (lahf sahf clc stc cmc cld
 * std), the no-ops (nop pause endbr32), cpuid and rdtsc, hlt, and what
 * cdvm does not execute (ud2 and every op decoded only for its length:
 * #UD, or #GP for privileged instructions, which x86_step decides). */
#include "cms/insn/interp.h"
#include "cms/translate/build.h"

/* ---- lahf sahf clc stc cmc cld std --------------------------------------------- */

static enum x86_stop flagop_exec(struct x86_ctx *c, enum x86_op op)
{
	uint32_t *r = c->r;
	const uint32_t ah_flags = XF_SF | XF_ZF | XF_AF | XF_PF | XF_CF;
	switch (op) {
	case X86_OP_LAHF: reg_set(r, 4 /* AH */, 1, (r[X86_EFLAGS] & ah_flags) | 2); break;
	case X86_OP_SAHF: r[X86_EFLAGS] = (r[X86_EFLAGS] & ~ah_flags) | (reg_get(r, 4, 1) & ah_flags); break;
	case X86_OP_CLC: r[X86_EFLAGS] &= ~XF_CF; break;
	case X86_OP_STC: r[X86_EFLAGS] |= XF_CF; break;
	case X86_OP_CMC: r[X86_EFLAGS] ^= XF_CF; break;
	case X86_OP_CLD: r[X86_EFLAGS] &= ~XF_DF; break;
	default: r[X86_EFLAGS] |= XF_DF; break;  /* STD */
	}
	return X86_OK;
}

const struct x86_family x86_fam_flagop = {"flagop", flagop_exec, NULL, NULL};

/* ---- nop pause endbr32 ------------------------------------------------------------ */

static enum x86_stop nop_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)c;
	(void)op;
	return X86_OK;
}

static int nop_can_build(const struct x86_insn *in)
{
	(void)in;
	return 1;
}

static void nop_build(struct bctx *c, enum x86_op op)
{
	(void)c;
	(void)op;
}

const struct x86_family x86_fam_nop = {"nop", nop_exec, nop_can_build, nop_build};
/* pause endbr32: interpreted */
const struct x86_family x86_fam_hint = {"hint", nop_exec, NULL, NULL};

/* ---- cpuid ---------------------------------------------------------------------- */

void x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)subleaf;
	out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf == 0) {
		out[0] = 1;                /* highest basic leaf */
		out[1] = 0x6d766463;       /* "cdvm" */
		out[3] = 0x4d564443;       /* "CDVM" */
		out[2] = 0x6d766463;       /* "cdvm" */
	} else if (leaf == 1) {
		out[0] = 0x00000611;       /* family 6, model 1, stepping 1 */
		out[3] = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15); /* FPU TSC CX8 CMOV */
	}
}

static enum x86_stop cpuid_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint32_t *r = c->r, o[4];
	x86_cpuid(r[X86_EAX], r[X86_ECX], o);
	r[X86_EAX] = o[0];
	r[X86_EBX] = o[1];
	r[X86_ECX] = o[2];
	r[X86_EDX] = o[3];
	return X86_OK;
}

const struct x86_family x86_fam_cpuid = {"cpuid", cpuid_exec, NULL, NULL};

/* ---- rdtsc: the simulated cycle count ------------------------------------------- */

static enum x86_stop rdtsc_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)op;
	uint64_t t = c->env->cycles ? c->env->cycles(c->env->ctx) : 0;
	c->r[X86_EAX] = (uint32_t)t;
	c->r[X86_EDX] = (uint32_t)(t >> 32);
	return X86_OK;
}

const struct x86_family x86_fam_rdtsc = {"rdtsc", rdtsc_exec, NULL, NULL};

/* ---- hlt, ud2 and what cdvm does not execute ------------------------------------ */

static enum x86_stop hlt_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)c;
	(void)op;
	return X86_HLT;
}

const struct x86_family x86_fam_hlt = {"hlt", hlt_exec, NULL, NULL};

static enum x86_stop ud_exec(struct x86_ctx *c, enum x86_op op)
{
	(void)c;
	(void)op;
	return X86_FAULT_UD;
}

const struct x86_family x86_fam_ud = {"ud", ud_exec, NULL, NULL};
