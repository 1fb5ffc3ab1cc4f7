/* cms/insn/interp.h — what an interpreter handler works with: the
 * execution context of one instruction and the shared operand access
 * (register parts, memory through the segment, limit checks).  Private to
 * the instruction families (cms/insn/ files) and their dispatcher
 * (cms/x86/exec.c).
 *
 * Precise faults: handlers read every input (and load every memory operand)
 * first, then perform the one store the instruction makes, and only then
 * write registers.  No register change is visible after a fault, except the
 * completed iterations of a REP string instruction, which are instruction
 * boundaries natively too (SDM vol. 2 "REP/REPE/REPZ...").  PUSHA and ENTER
 * store one value after the other, as the host CPU does: a fault part-way
 * leaves the earlier stores in memory (registers unchanged), exactly as
 * natively. */
#ifndef CDVM_CMS_INSN_INTERP_H
#define CDVM_CMS_INSN_INTERP_H

#include "cms/insn/insn.h"
#include "native-isa/xflags.h"

/* Execution context of one instruction. */
struct x86_ctx {
	struct x86_env *env;
	uint32_t *r;
	const struct x86_insn *in;
	struct x86_step_info *info;
	uint32_t addr;       /* linear address of the memory operand, if any */
	uint32_t off;        /* its offset (addr minus the segment base) */
	uint32_t next_eip;
	unsigned trap;       /* X86_TRAP: the vector */
	int gp;              /* the X86_FAULT_MEM being returned is really #GP */
};

static inline uint32_t seg_base(const uint32_t *r, uint8_t seg)
{
	if (seg == X86_SEG_FS)
		return r[X86_FSBASE];
	if (seg == X86_SEG_GS)
		return r[X86_GSBASE];
	return 0;
}

/* Offset part of the memory operand (what LEA computes). */
static inline uint32_t mem_offset(const uint32_t *r, const struct x86_insn *in)
{
	uint32_t a = in->disp;
	if (in->base != X86_NOREG)
		a += r[in->base];
	if (in->index != X86_NOREG)
		a += r[in->index] << in->scale;
	return a;
}

static inline uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static inline uint32_t sext(uint32_t v, unsigned size)
{
	if (size == 1)
		return (uint32_t)(int32_t)(int8_t)v;
	if (size == 2)
		return (uint32_t)(int32_t)(int16_t)v;
	return v;
}

static inline uint32_t reg_get(const uint32_t *r, unsigned reg, unsigned size)
{
	if (size == 4)
		return r[reg];
	if (size == 2)
		return r[reg] & 0xffff;
	return reg < 4 ? r[reg] & 0xff : (r[reg - 4] >> 8) & 0xff;
}

static inline void reg_set(uint32_t *r, unsigned reg, unsigned size, uint32_t v)
{
	if (size == 4)
		r[reg] = v;
	else if (size == 2)
		r[reg] = (r[reg] & 0xffff0000u) | (v & 0xffff);
	else if (reg < 4)
		r[reg] = (r[reg] & 0xffffff00u) | (v & 0xff);
	else
		r[reg - 4] = (r[reg - 4] & 0xffff00ffu) | ((v & 0xff) << 8);
}

static inline int load(struct x86_ctx *c, uint32_t addr, unsigned size, uint32_t *v)
{
	if (c->env->load(c->env->ctx, addr, size, v)) {
		c->info->fault_addr = addr;
		return -1;
	}
	*v &= size_mask(size);
	return 0;
}

static inline int store(struct x86_ctx *c, uint32_t addr, unsigned size, uint32_t v)
{
	if (c->env->store(c->env->ctx, addr, size, v & size_mask(size))) {
		c->info->fault_addr = addr;
		return -1;
	}
	return 0;
}

/* Make sure a later store to addr cannot fault, without changing memory. */
static inline int probe_store(struct x86_ctx *c, uint32_t addr, unsigned size)
{
	uint32_t v;
	return load(c, addr, size, &v) || store(c, addr, size, v) ? -1 : 0;
}

/* Segment limit check of an access at offset `off` through a segment with
 * base `base`: the user segments are 4 GiB - 1 long, so an access whose
 * last byte lies past offset 0xffffffff is #GP (SDM vol. 3 5.3 "Limit
 * checking").  Measured on the host: only segments with a non-zero base
 * (FS/GS, e.g. `push dword gs:[0xfffffffe]`) report it; through a base-0
 * segment the linear address wraps into the top page, which is unmapped
 * (#PF there, what the memory callbacks report anyway).  Returns -1 and
 * marks the fault as #GP when the access is out of the limit. */
static inline int seg_limit(struct x86_ctx *c, uint32_t base, uint32_t off, unsigned size)
{
	if (base != 0 && off > 0xffffffffu - (size - 1)) {
		c->gp = 1;
		return -1;
	}
	return 0;
}

/* Load/store at offset `off` of the instruction's memory operand segment
 * (limit-checked, see seg_limit). */
static inline int seg_load(struct x86_ctx *c, uint32_t off, unsigned size, uint32_t *v)
{
	uint32_t base = seg_base(c->r, c->in->seg);
	return seg_limit(c, base, off, size) || load(c, base + off, size, v) ? -1 : 0;
}

static inline int seg_store(struct x86_ctx *c, uint32_t off, unsigned size, uint32_t v)
{
	uint32_t base = seg_base(c->r, c->in->seg);
	return seg_limit(c, base, off, size) || store(c, base + off, size, v) ? -1 : 0;
}

/* Read operand k (register, memory or immediate). */
static inline int rd(struct x86_ctx *c, unsigned k, uint32_t *v)
{
	const struct x86_operand *o = &c->in->o[k];
	switch (o->kind) {
	case X86_OPK_REG:
		*v = reg_get(c->r, o->reg, o->size);
		return 0;
	case X86_OPK_MEM:
		return seg_load(c, c->off, o->size, v);
	default:
		*v = c->in->imm & size_mask(o->size);
		return 0;
	}
}

/* Write operand k; a memory store may fault (and then changed nothing). */
static inline int wr(struct x86_ctx *c, unsigned k, uint32_t v)
{
	const struct x86_operand *o = &c->in->o[k];
	if (o->kind == X86_OPK_MEM)
		return seg_store(c, c->off, o->size, v);
	reg_set(c->r, o->reg, o->size, v);
	return 0;
}

static inline void set_flags(struct x86_ctx *c, uint32_t f)
{
	c->r[X86_EFLAGS] = f;
}

/* Return the memory fault when an access fails (it set info->fault_addr). */
#define TRY(x) do { if (x) return X86_FAULT_MEM; } while (0)

static inline enum x86_stop push_val(struct x86_ctx *c, unsigned size, uint32_t v)
{
	uint32_t sp = c->r[X86_ESP] - size;
	TRY(store(c, sp, size, v));
	c->r[X86_ESP] = sp;
	return X86_OK;
}

/* Target of a relative branch (16-bit operand size wraps to 64 KiB). */
static inline uint32_t branch_target(const struct x86_ctx *c)
{
	uint32_t t = c->next_eip + c->in->imm;
	return c->in->osize == 2 ? t & 0xffff : t;
}

#endif
