/* tests/risu/gen.c — the risu case generator (see gen.h).
 *
 * Each family below emits the bytes of one instruction (sometimes preceded
 * by a "set-up" instruction that makes the interesting case likely: a small
 * ECX before rep, a zero-extended dividend before div, EAX = the memory
 * operand before cmpxchg ...).  Encodings follow the opcode map of the Intel
 * SDM vol. 2, appendix A; the operand letters in comments are the manual's
 * (Eb = r/m8, Gv = r16/32, Iz = imm16/32, ...).
 *
 * Register discipline: "pointer" registers hold addresses inside the scratch
 * page (ESP always; up to two of EBX EBP ESI EDI; ESI and EDI when the case
 * uses string instructions) and an optional "index" register holds a small
 * signed value.  Memory operands are built only from those, so they stay in
 * the page.  Other instructions do not write them, except now and then on
 * purpose, which "demotes" the register to an ordinary one. */
#include <string.h>

#include "cms/x86/x86.h"
#include "tests/risu/gen.h"

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

struct mop {
	int mem;          /* memory form; else register `reg` (mod = 3) */
	int reg;
	uint8_t mod, rm;  /* for the memory form */
	uint8_t tail[5];  /* SIB and displacement after the ModRM byte */
	unsigned ntail;
	uint8_t seg;      /* segment-override prefix byte, or 0 */
};

struct gen {
	uint64_t s;
	struct risu_seq *q;
	uint32_t families;
	uint32_t ptrs;    /* bit per register holding a scratch pointer (ESP always) */
	int index;        /* register holding a small value for SIB index, or -1 */
	int strings;      /* ESI/EDI point into the page for string instructions */
	int pending;      /* instruction whose branch displacement skips the next one, or -1 */
	int pending_rel32;
	int no_setup;     /* the next instruction may be skipped: emit one instruction only */
	int cur;          /* instruction being emitted */
};

static uint64_t next64(struct gen *g)
{
	/* splitmix64 (Steele, Lea, Flood 2014) */
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rnd(struct gen *g, unsigned n)
{
	return (unsigned)((next64(g) >> 32) % n);
}

static int chance(struct gen *g, unsigned num, unsigned den)
{
	return rnd(g, den) < num;
}

/* A value from the interesting corners as often as at random. */
static uint32_t rval(struct gen *g)
{
	static const uint32_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x80000001,
		0x55555555, 0xaaaaaaaa, 0x0f0f0f0f, 0xff00ff00, 31, 32, 33, 16, 8,
	};
	switch (rnd(g, 8)) {
	case 0: return rnd(g, 70);
	case 1: return (uint32_t)-(int32_t)rnd(g, 70);
	case 2: return edge[rnd(g, sizeof edge / sizeof edge[0])];
	case 3: return (uint32_t)(int32_t)(int8_t)next64(g);
	case 4: return (uint32_t)(int32_t)(int16_t)next64(g);
	case 5: return 1u << rnd(g, 32);
	default: return (uint32_t)next64(g);
	}
}

static uint32_t pinned(const struct gen *g)
{
	return g->ptrs | (1u << ESP) | (g->index >= 0 ? 1u << g->index : 0u);
}

/* May the instruction write physical register r?  Pointer/index registers
 * are written only rarely, and then stop being pointers. */
static int writable(struct gen *g, int r)
{
	if (r == ESP)
		return 0;
	if (!(pinned(g) >> r & 1))
		return 1;
	if (!chance(g, 1, 16))
		return 0;
	g->ptrs &= ~(1u << r);
	if (g->index == r)
		g->index = -1;
	if (r == ESI || r == EDI)
		g->strings = 0;
	return 1;
}

static int phys(int reg, unsigned size)
{
	return size == 1 ? (reg & 3) : reg;
}

/* A register operand encoding for `size`; dest: it is written. */
static int pick_reg(struct gen *g, unsigned size, int dest)
{
	for (int tries = 0; tries < 32; tries++) {
		int r = (int)rnd(g, 8);
		int p = phys(r, size);
		if (!dest)
			return r;
		if (p == ESP && size != 1)
			continue;
		if (writable(g, p))
			return r;
	}
	return -1;
}

/* Implicit destinations (e.g. EAX and EDX for mul) must all be writable. */
static int implicit_ok(struct gen *g, uint32_t mask)
{
	if ((mask & (1u << ESP)) || (mask & pinned(g)))
		return 0;
	return 1;
}

static uint8_t *code(struct gen *g)
{
	return g->q->c.code;
}

static void b(struct gen *g, unsigned x)
{
	if (g->q->c.code_len < RISU_CODE_MAX)
		code(g)[g->q->c.code_len++] = (uint8_t)x;
}

static void w16(struct gen *g, uint32_t x)
{
	b(g, x & 0xff);
	b(g, (x >> 8) & 0xff);
}

static void d32(struct gen *g, uint32_t x)
{
	w16(g, x & 0xffff);
	w16(g, x >> 16);
}

static void imm(struct gen *g, unsigned size, uint32_t v)
{
	if (size == 1)
		b(g, v & 0xff);
	else if (size == 2)
		w16(g, v);
	else
		d32(g, v);
}

static void begin(struct gen *g, unsigned family, int setup)
{
	struct risu_seq *q = g->q;
	if (q->ninsn >= RISU_MAX_INSN)
		return;
	g->cur = (int)q->ninsn;
	q->insn[q->ninsn] = (struct risu_insn){
		.off = (uint8_t)q->c.code_len, .family = (uint8_t)family, .setup = (uint8_t)setup};
}

static void end(struct gen *g)
{
	struct risu_seq *q = g->q;
	struct risu_insn *in = &q->insn[g->cur];
	in->len = (uint8_t)(q->c.code_len - in->off);
	in->target_end = (uint8_t)(in->off + in->len);
	q->ninsn++;
	if (g->pending >= 0 && g->pending != g->cur) {
		/* the pending branch skips exactly this instruction */
		struct risu_insn *br = &q->insn[g->pending];
		uint8_t *p = code(g) + br->off + br->len - (g->pending_rel32 ? 4 : 1);
		p[0] = in->len;
		br->target_end = (uint8_t)(in->off + in->len);
		g->pending = -1;
		g->no_setup = 0;
	}
}

static int room(const struct gen *g)
{
	return g->q->c.code_len + 48 <= RISU_CODE_MAX && g->q->ninsn + 4 <= RISU_MAX_INSN;
}

static unsigned pick_size(struct gen *g, int allow8)
{
	unsigned r = rnd(g, allow8 ? 3 : 2);
	return r == 0 ? 4 : r == 1 ? 2 : 1;
}

static int pick_ptr(struct gen *g)
{
	int cand[8], n = 0;
	for (int r = 0; r < 8; r++)
		if ((g->ptrs | (1u << ESP)) >> r & 1)
			cand[n++] = r;
	return cand[rnd(g, (unsigned)n)];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A displacement for a pointer-based address: mostly inside the page,
 * 1 in 64 far enough out to fault. */
static uint32_t disp_for(struct gen *g, unsigned mod)
{
	if (mod == 1)
		return (uint32_t)(int32_t)(int8_t)next64(g);
	if (chance(g, 1, 64))
		return chance(g, 1, 2) ? 0x1000u - rnd(g, 8) : (uint32_t)-(int32_t)(0x1000 + rnd(g, 8));
	return (uint32_t)((int32_t)rnd(g, 0x600) - 0x300);
}

/* A memory operand of `size` bytes that stays in the scratch page. */
static void make_mem(struct gen *g, struct mop *m, unsigned size)
{
	memset(m, 0, sizeof *m);
	m->mem = 1;
	if (chance(g, 1, 5)) {
		/* [disp32] */
		uint32_t off = rnd(g, RISU_MEM_SIZE - size + 1);
		if (chance(g, 1, 64))
			off = RISU_MEM_SIZE - rnd(g, size); /* past or straddling the end */
		m->mod = 0;
		m->rm = 5;
		put32(m->tail, RISU_MEM_ADDR + off);
		m->ntail = 4;
		if (chance(g, 1, 4)) {
			/* fs:[off] / gs:[off - 0x800]: the runner's FS and GS bases */
			int gs = chance(g, 1, 2);
			m->seg = gs ? 0x65 : 0x64;
			put32(m->tail, (gs ? RISU_MEM_ADDR - RISU_GS_BASE : 0u) + off);
		}
		return;
	}
	int base = pick_ptr(g);
	unsigned mod = rnd(g, 3);
	int use_index = g->index >= 0 && chance(g, 1, 2);
	int sib = use_index || base == ESP || chance(g, 1, 6);
	uint32_t disp;
	if (!sib) {
		if (base == EBP && mod == 0)
			mod = 1;
		m->mod = (uint8_t)mod;
		m->rm = (uint8_t)base;
	} else {
		unsigned scale = rnd(g, 4);
		unsigned idx = use_index ? (unsigned)g->index : 4u;
		unsigned sbase = (unsigned)base;
		if (base == EBP && mod == 0) {
			if (chance(g, 1, 2))
				mod = 1;
			else
				sbase = 5; /* no base: [index*scale + disp32] */
		}
		m->mod = (uint8_t)mod;
		m->rm = 4;
		m->tail[m->ntail++] = (uint8_t)(scale << 6 | idx << 3 | sbase);
		if (mod == 0 && sbase == 5) {
			put32(m->tail + m->ntail, RISU_MEM_ADDR + 0x700 + rnd(g, 0x200));
			m->ntail += 4;
			goto seg;
		}
	}
	disp = disp_for(g, mod);
	if (mod == 1)
		m->tail[m->ntail++] = (uint8_t)disp;
	else if (mod == 2) {
		put32(m->tail + m->ntail, disp);
		m->ntail += 4;
	}
seg:
	if (chance(g, 1, 16)) {
		static const uint8_t segs[] = {0x26, 0x36, 0x3e};
		m->seg = segs[rnd(g, 3)];
	}
}

/* An r/m operand: memory with probability 1/2 (or never/always). */
static int make_rm(struct gen *g, struct mop *m, unsigned size, int dest, int memp)
{
	int mem = memp < 0 ? chance(g, 1, 2) : memp;
	if (mem) {
		make_mem(g, m, size);
		return 1;
	}
	memset(m, 0, sizeof *m);
	m->reg = pick_reg(g, size, dest);
	return m->reg >= 0;
}

static void emit_modrm(struct gen *g, const struct mop *m, unsigned regfield)
{
	if (!m->mem) {
		b(g, 0xc0u | (regfield & 7) << 3 | (unsigned)m->reg);
		return;
	}
	b(g, (unsigned)m->mod << 6 | (regfield & 7) << 3 | m->rm);
	for (unsigned i = 0; i < m->ntail; i++)
		b(g, m->tail[i]);
}

/* Prefixes in a random order: operand size, segment, lock. */
static void prefixes(struct gen *g, unsigned size, const struct mop *m, int lock)
{
	uint8_t p[3];
	unsigned n = 0;
	if (size == 2)
		p[n++] = 0x66;
	if (m && m->mem && m->seg)
		p[n++] = m->seg;
	if (lock)
		p[n++] = 0xf0;
	for (unsigned i = n; i > 1; i--) {
		unsigned j = rnd(g, i);
		uint8_t t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		b(g, p[i]);
}

/* One ModRM instruction of `family`: its prefixes, the opcode (0x0fXX:
 * 0F map), then ModRM/SIB/displacement with `reg` in the reg field. */
static int rm_insn(struct gen *g, unsigned family, unsigned size, const struct mop *m, int lock, unsigned op,
		   unsigned reg)
{
	begin(g, family, 0);
	prefixes(g, size, m, lock);
	if (op > 0xff)
		b(g, op >> 8);
	b(g, op & 0xff);
	emit_modrm(g, m, reg);
	end(g);
	return 1;
}

/* lock on a memory destination now and then; on a register 1 in 256 (#UD). */
static int want_lock(struct gen *g, const struct mop *m)
{
	return m->mem ? chance(g, 1, 6) : chance(g, 1, 256);
}

/* ---- set-up helpers (each one instruction) ------------------------------ */

static void setup_mov_imm(struct gen *g, int reg, unsigned size, uint32_t v)
{
	begin(g, RF_mov, 1);
	prefixes(g, size, NULL, 0);
	b(g, (size == 1 ? 0xb0u : 0xb8u) + (unsigned)reg);
	imm(g, size, v);
	end(g);
}

/* mov Ev, Iz / mov Eb, Ib into the memory operand m (flags untouched). */
static void setup_store_imm(struct gen *g, const struct mop *m, unsigned size, uint32_t v)
{
	begin(g, RF_mov, 1);
	prefixes(g, size, m, 0);
	b(g, size == 1 ? 0xc6 : 0xc7);
	emit_modrm(g, m, 0);
	imm(g, size, v);
	end(g);
}

/* ---- the families ------------------------------------------------------- */

static int gen_alu(struct gen *g)
{
	unsigned op = rnd(g, 8), size = pick_size(g, 1), dir = rnd(g, 2);
	int writes = op != 7;
	struct mop m;
	if (!make_rm(g, &m, size, writes && dir == 0, -1))
		return 0;
	int reg = pick_reg(g, size, writes && dir == 1);
	if (reg < 0)
		return 0;
	return rm_insn(g, RF_alu, size, &m, dir == 0 && writes && want_lock(g, &m), op * 8 + dir * 2 + (size > 1),
		       (unsigned)reg);
}

static int gen_alu_imm(struct gen *g)
{
	unsigned op = rnd(g, 8), size = pick_size(g, 1), form = rnd(g, 8);
	int writes = op != 7;
	struct mop m;
	if (form == 0) { /* AL/eAX, Ib/Iz */
		if (writes && !implicit_ok(g, 1u << EAX))
			return 0;
		begin(g, RF_alu_imm, 0);
		prefixes(g, size, NULL, 0);
		b(g, op * 8 + 4 + (size > 1));
		imm(g, size, rval(g));
		end(g);
		return 1;
	}
	if (!make_rm(g, &m, size, writes, -1))
		return 0;
	begin(g, RF_alu_imm, 0);
	prefixes(g, size, &m, writes && want_lock(g, &m));
	if (size == 1) {
		b(g, form == 1 ? 0x82 : 0x80); /* 82 = 80 in 32-bit mode (SDM vol. 2 A.3, table A-2) */
		emit_modrm(g, &m, op);
		b(g, rval(g));
	} else if (form < 5) {
		b(g, 0x83);
		emit_modrm(g, &m, op);
		b(g, rval(g));
	} else {
		b(g, 0x81);
		emit_modrm(g, &m, op);
		imm(g, size, rval(g));
	}
	end(g);
	return 1;
}

static int gen_test(struct gen *g)
{
	unsigned size = pick_size(g, 1), form = rnd(g, 3);
	struct mop m;
	if (form == 0) {
		begin(g, RF_test, 0);
		prefixes(g, size, NULL, 0);
		b(g, size == 1 ? 0xa8 : 0xa9);
		imm(g, size, rval(g));
		end(g);
		return 1;
	}
	if (!make_rm(g, &m, size, 0, -1))
		return 0;
	begin(g, RF_test, 0);
	prefixes(g, size, &m, 0);
	if (form == 1) {
		b(g, size == 1 ? 0x84 : 0x85);
		emit_modrm(g, &m, rnd(g, 8));
	} else {
		b(g, size == 1 ? 0xf6 : 0xf7);
		emit_modrm(g, &m, 0);
		imm(g, size, rval(g));
	}
	end(g);
	return 1;
}

static int gen_mov(struct gen *g)
{
	unsigned size = pick_size(g, 1), form = rnd(g, 5);
	struct mop m;
	int reg;
	switch (form) {
	case 0: /* 88/89 Ev,Gv   8A/8B Gv,Ev */
	case 1:
		if (!make_rm(g, &m, size, form == 0, -1))
			return 0;
		if ((reg = pick_reg(g, size, form == 1)) < 0)
			return 0;
		begin(g, RF_mov, 0);
		prefixes(g, size, &m, 0);
		b(g, (size == 1 ? 0x88u : 0x89u) + form * 2);
		emit_modrm(g, &m, (unsigned)reg);
		break;
	case 2: /* B0+r Ib, B8+r Iv */
		if ((reg = pick_reg(g, size, 1)) < 0)
			return 0;
		begin(g, RF_mov, 0);
		prefixes(g, size, NULL, 0);
		b(g, (size == 1 ? 0xb0u : 0xb8u) + (unsigned)reg);
		imm(g, size, rval(g));
		break;
	case 3: /* C6/C7 /0 */
		if (!make_rm(g, &m, size, 1, -1))
			return 0;
		begin(g, RF_mov, 0);
		prefixes(g, size, &m, 0);
		b(g, size == 1 ? 0xc6 : 0xc7);
		emit_modrm(g, &m, 0);
		imm(g, size, rval(g));
		break;
	default: { /* A0-A3: AL/eAX <-> moffs */
		unsigned store = rnd(g, 2);
		if (!store && !implicit_ok(g, 1u << EAX))
			return 0;
		begin(g, RF_mov, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0xa0 + store * 2 + (size > 1));
		d32(g, RISU_MEM_ADDR + rnd(g, RISU_MEM_SIZE - 3));
		break;
	}
	}
	end(g);
	return 1;
}

static int gen_incdec(struct gen *g)
{
	unsigned size = pick_size(g, 1), dec = rnd(g, 2);
	struct mop m;
	if (size > 1 && chance(g, 1, 3)) { /* 40+r / 48+r */
		int reg = pick_reg(g, size, 1);
		if (reg < 0)
			return 0;
		begin(g, RF_incdec, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x40 + dec * 8 + (unsigned)reg);
		end(g);
		return 1;
	}
	if (!make_rm(g, &m, size, 1, -1))
		return 0;
	return rm_insn(g, RF_incdec, size, &m, want_lock(g, &m), size == 1 ? 0xfe : 0xff, dec);
}

static int gen_negnot(struct gen *g)
{
	unsigned size = pick_size(g, 1);
	struct mop m;
	if (!make_rm(g, &m, size, 1, -1))
		return 0;
	int lock = want_lock(g, &m);  /* before the next draw: argument order is unspecified */
	return rm_insn(g, RF_negnot, size, &m, lock, size == 1 ? 0xf6 : 0xf7, 2 + rnd(g, 2));
}

static unsigned shift_count(struct gen *g)
{
	return chance(g, 1, 4) ? rnd(g, 256) : rnd(g, 34);
}

static int gen_shift(struct gen *g)
{
	static const unsigned ops[] = {0, 1, 2, 3, 4, 5, 7}; /* /6 is an undocumented alias */
	unsigned size = pick_size(g, 1), op = ops[rnd(g, 7)], form = rnd(g, 3);
	struct mop m;
	if (!make_rm(g, &m, size, 1, -1))
		return 0;
	if (form == 1 && !g->no_setup && implicit_ok(g, 1u << ECX) && chance(g, 1, 3))
		setup_mov_imm(g, ECX, 1, shift_count(g));
	begin(g, RF_shift, 0);
	prefixes(g, size, &m, 0);
	if (form == 0) {
		b(g, size == 1 ? 0xd0 : 0xd1);
		emit_modrm(g, &m, op);
	} else if (form == 1) {
		b(g, size == 1 ? 0xd2 : 0xd3);
		emit_modrm(g, &m, op);
	} else {
		b(g, size == 1 ? 0xc0 : 0xc1);
		emit_modrm(g, &m, op);
		b(g, shift_count(g));
	}
	end(g);
	return 1;
}

static int gen_shxd(struct gen *g)
{
	unsigned size = pick_size(g, 0), right = rnd(g, 2), bycl = rnd(g, 2);
	struct mop m;
	if (!make_rm(g, &m, size, 1, -1))
		return 0;
	int reg = pick_reg(g, size, 0);
	if (bycl && !g->no_setup && implicit_ok(g, 1u << ECX) && chance(g, 1, 3))
		setup_mov_imm(g, ECX, 1, shift_count(g));
	begin(g, RF_shxd, 0);
	prefixes(g, size, &m, 0);
	b(g, 0x0f);
	b(g, 0xa4 + right * 8 + bycl);
	emit_modrm(g, &m, (unsigned)reg);
	if (!bycl)
		b(g, shift_count(g));
	end(g);
	return 1;
}

static int gen_muldiv(struct gen *g)
{
	unsigned size = pick_size(g, 1), op = 4 + rnd(g, 4);
	uint32_t implicit = size == 1 ? 1u << EAX : (1u << EAX) | (1u << EDX);
	struct mop m;
	if (!implicit_ok(g, implicit))
		return 0;
	if (op >= 6 && !g->no_setup && chance(g, 3, 4)) {
		/* make the quotient fit: zero- or sign-extend the dividend */
		int sign = op == 7;
		begin(g, RF_conv, 1);
		if (size == 1) {
			if (sign) {
				b(g, 0x66);
				b(g, 0x98); /* cbw */
			} else {
				b(g, 0xb4); /* mov ah, 0 */
				b(g, 0);
			}
		} else {
			prefixes(g, size, NULL, 0);
			if (sign) {
				b(g, 0x99); /* cwd / cdq */
			} else {
				b(g, 0x31); /* xor edx, edx */
				b(g, 0xd2);
			}
		}
		end(g);
	}
	if (!make_rm(g, &m, size, 0, -1))
		return 0;
	return rm_insn(g, RF_muldiv, size, &m, 0, size == 1 ? 0xf6 : 0xf7, op);
}

static int gen_imul(struct gen *g)
{
	unsigned size = pick_size(g, 0), form = rnd(g, 3);
	struct mop m;
	if (!make_rm(g, &m, size, 0, -1))
		return 0;
	int reg = pick_reg(g, size, 1);
	if (reg < 0)
		return 0;
	begin(g, RF_imul, 0);
	prefixes(g, size, &m, 0);
	if (form == 0) {
		b(g, 0x0f);
		b(g, 0xaf);
		emit_modrm(g, &m, (unsigned)reg);
	} else if (form == 1) {
		b(g, 0x69);
		emit_modrm(g, &m, (unsigned)reg);
		imm(g, size, rval(g));
	} else {
		b(g, 0x6b);
		emit_modrm(g, &m, (unsigned)reg);
		b(g, rval(g));
	}
	end(g);
	return 1;
}

static int gen_bt(struct gen *g)
{
	unsigned size = pick_size(g, 0), op = rnd(g, 4), immform = rnd(g, 2);
	int writes = op != 0;
	struct mop m;
	if (!make_rm(g, &m, size, writes, -1))
		return 0;
	int reg = -1;
	if (!immform) {
		reg = pick_reg(g, size, 0);
		if (m.mem) {
			/* register bit offsets address a bit string (SDM vol. 2 "BT"):
			 * keep the offset small so the access stays in the page */
			if (g->no_setup || (reg = pick_reg(g, 4, 1)) < 0)
				return 0;
			setup_mov_imm(g, reg, size, (uint32_t)((int32_t)rnd(g, 200) - 80));
			/* the set-up may not have overwritten a base: pick_reg(dest) guarantees it */
		}
	}
	begin(g, RF_bt, 0);
	prefixes(g, size, &m, writes && want_lock(g, &m));
	b(g, 0x0f);
	if (immform) {
		b(g, 0xba);
		emit_modrm(g, &m, 4 + op);
		b(g, chance(g, 1, 2) ? rnd(g, 256) : rnd(g, 33));
	} else {
		b(g, 0xa3 + op * 8);
		emit_modrm(g, &m, (unsigned)reg);
	}
	end(g);
	return 1;
}

static int gen_bsf(struct gen *g)
{
	unsigned size = pick_size(g, 0), rev = rnd(g, 2);
	struct mop m;
	if (!make_rm(g, &m, size, 0, -1))
		return 0;
	int reg = pick_reg(g, size, 1);
	if (reg < 0)
		return 0;
	if (!g->no_setup && chance(g, 1, 4)) {
		/* a zero source: ZF=1, the destination is left alone on the
		 * host (SDM says undefined); mov keeps the flags intact */
		if (m.mem)
			setup_store_imm(g, &m, size, 0);
		else if (writable(g, m.reg))
			setup_mov_imm(g, m.reg, size, 0);
	}
	begin(g, RF_bsf, 0);
	if (chance(g, 1, 3))
		b(g, 0xf3); /* tzcnt / lzcnt (BMI1, ABM): F3 may come before or after 66 */
	prefixes(g, size, &m, 0);
	b(g, 0x0f);
	b(g, 0xbc + rev);
	emit_modrm(g, &m, (unsigned)reg);
	end(g);
	return 1;
}

static int gen_setcc(struct gen *g)
{
	struct mop m;
	if (!make_rm(g, &m, 1, 1, -1))
		return 0;
	begin(g, RF_setcc, 0);
	prefixes(g, 1, &m, 0);
	b(g, 0x0f);
	b(g, 0x90 + rnd(g, 16));
	/* the reg field is ignored (SDM vol. 2 "SETcc"): mostly 0 */
	emit_modrm(g, &m, chance(g, 1, 8) ? rnd(g, 8) : 0);
	end(g);
	return 1;
}

static int gen_cmov(struct gen *g)
{
	unsigned size = pick_size(g, 0);
	struct mop m;
	if (!make_rm(g, &m, size, 0, -1))
		return 0;
	int reg = pick_reg(g, size, 1);
	if (reg < 0)
		return 0;
	return rm_insn(g, RF_cmov, size, &m, 0, 0x0f00 | (0x40 + rnd(g, 16)), (unsigned)reg);
}

static int gen_flagop(struct gen *g)
{
	static const uint8_t ops[] = {0xf8, 0xf9, 0xf5, 0xfc, 0xfd, 0x9f, 0x9e, 0x9e};
	uint8_t op = ops[rnd(g, sizeof ops)];
	if (op == 0x9f && !implicit_ok(g, 1u << EAX))
		return 0;
	begin(g, RF_flagop, 0);
	b(g, op);
	end(g);
	return 1;
}

static int gen_xchg(struct gen *g)
{
	unsigned size = pick_size(g, 1);
	struct mop m;
	if (size > 1 && chance(g, 1, 3)) { /* 90+r: xchg eAX, r */
		int reg = pick_reg(g, size, 1);
		if (reg < 0 || !implicit_ok(g, 1u << EAX))
			return 0;
		begin(g, RF_xchg, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x90 + (unsigned)reg);
		end(g);
		return 1;
	}
	if (!make_rm(g, &m, size, 1, -1))
		return 0;
	int reg = pick_reg(g, size, 1);
	if (reg < 0)
		return 0;
	return rm_insn(g, RF_xchg, size, &m, m.mem && chance(g, 1, 6), size == 1 ? 0x86 : 0x87, (unsigned)reg);
}

static int gen_xadd(struct gen *g)
{
	unsigned size = pick_size(g, 1);
	struct mop m;
	if (!make_rm(g, &m, size, 1, -1))
		return 0;
	int reg = pick_reg(g, size, 1);
	if (reg < 0)
		return 0;
	return rm_insn(g, RF_xadd, size, &m, want_lock(g, &m), 0x0f00 | (size == 1 ? 0xc0 : 0xc1), (unsigned)reg);
}

static int gen_cmpxchg(struct gen *g)
{
	unsigned size = pick_size(g, 1);
	struct mop m;
	if (!implicit_ok(g, 1u << EAX) || !make_rm(g, &m, size, 1, -1))
		return 0;
	int reg = pick_reg(g, size, 0);
	if (!g->no_setup && chance(g, 1, 2)) {
		/* accumulator = destination, so the exchange happens */
		begin(g, RF_mov, 1);
		prefixes(g, size, &m, 0);
		b(g, size == 1 ? 0x8a : 0x8b);
		emit_modrm(g, &m, 0);
		end(g);
	}
	return rm_insn(g, RF_cmpxchg, size, &m, want_lock(g, &m), 0x0f00 | (size == 1 ? 0xb0 : 0xb1), (unsigned)reg);
}

static int gen_cmpxchg8b(struct gen *g)
{
	struct mop m;
	if (!implicit_ok(g, (1u << EAX) | (1u << EDX)))
		return 0;
	make_mem(g, &m, 8);
	if (chance(g, 1, 128))
		m.mem = 0, m.reg = (int)rnd(g, 8); /* register form: #UD */
	unsigned times = g->no_setup ? 1 : 1 + rnd(g, 2); /* twice: the 2nd compares equal */
	int lock = m.mem && chance(g, 1, 3);
	for (unsigned i = 0; i < times; i++) {
		begin(g, RF_cmpxchg8b, 0);
		prefixes(g, 4, &m, lock);
		b(g, 0x0f);
		b(g, 0xc7);
		emit_modrm(g, &m, 1);
		end(g);
	}
	return 1;
}

static int gen_conv(struct gen *g)
{
	unsigned size = pick_size(g, 0), wide = rnd(g, 2);
	if (!implicit_ok(g, wide ? (1u << EAX) | (1u << EDX) : 1u << EAX))
		return 0;
	begin(g, RF_conv, 0);
	prefixes(g, size, NULL, 0);
	b(g, 0x98 + wide);
	end(g);
	return 1;
}

static int gen_movx(struct gen *g)
{
	unsigned sign = rnd(g, 2), word = rnd(g, 2);
	unsigned dsize = chance(g, 1, 5) ? 2 : 4;
	struct mop m;
	if (!make_rm(g, &m, word ? 2 : 1, 0, -1))
		return 0;
	int reg = pick_reg(g, dsize, 1);
	if (reg < 0)
		return 0;
	return rm_insn(g, RF_movx, dsize, &m, 0, 0x0f00 | (0xb6 + sign * 8 + word), (unsigned)reg);
}

static int gen_lea(struct gen *g)
{
	unsigned size = pick_size(g, 0);
	int reg = pick_reg(g, size, 1);
	if (reg < 0)
		return 0;
	begin(g, RF_lea, 0);
	prefixes(g, size, NULL, 0);
	b(g, 0x8d);
	if (chance(g, 1, 128)) {
		b(g, 0xc0 | (unsigned)reg << 3 | rnd(g, 8)); /* register operand: #UD */
	} else {
		/* no access happens: any base/index/displacement will do */
		unsigned mod = rnd(g, 3), rm = rnd(g, 8);
		b(g, mod << 6 | (unsigned)reg << 3 | rm);
		if (rm == 4)
			b(g, rnd(g, 256));
		int tail = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		if (mod == 0 && (rm == 5 || (rm == 4 && (code(g)[g->q->c.code_len - 1] & 7) == 5)))
			tail = 4;
		for (int i = 0; i < tail; i++)
			b(g, (unsigned)next64(g));
	}
	end(g);
	return 1;
}

static int gen_bswap(struct gen *g)
{
	int reg = pick_reg(g, 4, 1);
	if (reg < 0)
		return 0;
	begin(g, RF_bswap, 0);
	b(g, 0x0f);
	b(g, 0xc8 + (unsigned)reg);
	end(g);
	return 1;
}

static int gen_string(struct gen *g)
{
	static const uint8_t ops[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae}; /* movs cmps stos lods scas */
	unsigned size = pick_size(g, 1);
	uint8_t op = ops[rnd(g, 5)];
	if (!g->strings || !implicit_ok(g, 1u << ECX) || (op == 0xac && !implicit_ok(g, 1u << EAX)))
		return 0;
	unsigned rep = rnd(g, 3); /* 0 none, 1 F3, 2 F2 (repne: cmps/scas only) */
	if (rep == 2 && op != 0xa6 && op != 0xae)
		rep = 1;
	if (!g->no_setup && chance(g, 1, 4)) {
		begin(g, RF_flagop, 1);
		b(g, 0xfc + rnd(g, 2)); /* cld / std */
		end(g);
	}
	if (rep && !g->no_setup && chance(g, 7, 8))
		setup_mov_imm(g, ECX, 4, rnd(g, 10));
	begin(g, RF_string, 0);
	if (rep)
		b(g, rep == 1 ? 0xf3 : 0xf2);
	if (size == 2)
		b(g, 0x66);
	if (op != 0xaa && op != 0xae && chance(g, 1, 12)) /* source segment override */
		b(g, (uint8_t[]){0x26, 0x36, 0x3e, 0x2e}[rnd(g, 4)]);
	b(g, op + (size > 1));
	end(g);
	return 1;
}

static uint32_t popf_value(struct gen *g)
{
	/* status flags and DF, sometimes bits user mode cannot change or that
	 * read as fixed (IF, IOPL, NT, reserved 3/5/15, ID) — never TF/AC */
	static const uint32_t extra[] = {0x200, 0x3000, 0x4000, 0x8, 0x20, 0x8000, 0x200000};
	uint32_t v = (uint32_t)next64(g) & RISU_FLAGS_MASK;
	if (chance(g, 1, 4))
		v |= extra[rnd(g, sizeof extra / sizeof extra[0])];
	return v;
}

static int gen_pushpop(struct gen *g)
{
	unsigned size = chance(g, 1, 5) ? 2 : 4;
	struct mop m;
	int reg;
	switch (rnd(g, 12)) {
	case 0: /* push r */
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x50 + rnd(g, 8));
		break;
	case 1: /* pop r */
		if ((reg = pick_reg(g, size, 1)) < 0)
			return 0;
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x58 + (unsigned)reg);
		break;
	case 2: /* push Iz / Ib */
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		if (chance(g, 1, 2)) {
			b(g, 0x68);
			imm(g, size, rval(g));
		} else {
			b(g, 0x6a);
			b(g, rval(g));
		}
		break;
	case 3: /* push Ev */
		if (!make_rm(g, &m, size, 0, -1))
			return 0;
		begin(g, RF_pushpop, 0);
		prefixes(g, size, &m, 0);
		b(g, 0xff);
		emit_modrm(g, &m, 6);
		break;
	case 4: /* pop Ev (an ESP-based address uses the incremented ESP) */
		if (!make_rm(g, &m, size, 1, -1))
			return 0;
		begin(g, RF_pushpop, 0);
		prefixes(g, size, &m, 0);
		b(g, 0x8f);
		emit_modrm(g, &m, 0);
		break;
	case 5: /* pushf */
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x9c);
		break;
	case 6: /* push imm; popf */
		if (g->no_setup)
			return 0;
		begin(g, RF_pushpop, 1);
		prefixes(g, size, NULL, 0);
		b(g, 0x68);
		imm(g, size, popf_value(g));
		end(g);
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x9d);
		break;
	case 7: /* pusha */
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x60);
		break;
	case 8: /* popa: every register but ESP comes from the stack */
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x61);
		g->ptrs = 0;
		g->index = -1;
		g->strings = 0;
		break;
	case 9: { /* enter Iw, Ib; nesting reads frame pointers through EBP.
		   * 32-bit only: cdvm has no 16-bit ENTER (opcodes.def ND) */
		size = 4;
		unsigned level = (g->ptrs >> EBP & 1) && chance(g, 1, 2) ? 1 + rnd(g, 3) : 0;
		if (g->index == EBP)
			g->index = -1;
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0xc8);
		w16(g, rnd(g, 40));
		b(g, chance(g, 1, 32) ? rnd(g, 256) & 0x21 : level); /* level is taken mod 32 */
		g->ptrs |= 1u << EBP; /* EBP now holds the new frame pointer */
		break;
	}
	case 10: /* leave: ESP = EBP; pop EBP */
		if (!(g->ptrs >> EBP & 1))
			return 0;
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0xc9);
		g->ptrs &= ~(1u << EBP);
		break;
	default: /* push ESP / pop to memory through ESP */
		begin(g, RF_pushpop, 0);
		prefixes(g, size, NULL, 0);
		b(g, 0x54);
		break;
	}
	end(g);
	return 1;
}

/* A branch that skips the next instruction (or falls through when last). */
static int gen_branch(struct gen *g)
{
	unsigned form = rnd(g, 10);
	int rel32 = 0;
	uint32_t here;
	if (form >= 7 && g->no_setup)
		return 0;
	switch (form) {
	case 0: /* jcc rel8 */
	case 1:
		begin(g, RF_branch, 0);
		b(g, 0x70 + rnd(g, 16));
		b(g, 0);
		break;
	case 2: /* jcc rel32 */
		begin(g, RF_branch, 0);
		b(g, 0x0f);
		b(g, 0x80 + rnd(g, 16));
		d32(g, 0);
		rel32 = 1;
		break;
	case 3: /* jmp rel8 / rel32 */
		begin(g, RF_branch, 0);
		rel32 = (int)rnd(g, 2);
		b(g, rel32 ? 0xe9 : 0xeb);
		if (rel32)
			d32(g, 0);
		else
			b(g, 0);
		break;
	case 4: /* jecxz */
		begin(g, RF_branch, 0);
		b(g, 0xe3);
		b(g, 0);
		break;
	case 5: /* loop / loope / loopne */
		if (!implicit_ok(g, 1u << ECX))
			return 0;
		begin(g, RF_branch, 0);
		b(g, 0xe0 + rnd(g, 3));
		b(g, 0);
		break;
	case 6: /* call rel32: pushes the address of the skipped instruction */
		begin(g, RF_branch, 0);
		b(g, 0xe8);
		d32(g, 0);
		rel32 = 1;
		break;
	case 7: { /* push target; ret [Iw] — a jump to the next instruction */
		unsigned imm16 = chance(g, 1, 3) ? 2 * rnd(g, 8) : 0;
		unsigned retlen = imm16 ? 3 : 1;
		here = RISU_CODE_ADDR + g->q->c.code_len;
		begin(g, RF_branch, 1);
		b(g, 0x68);
		d32(g, here + 5 + retlen);
		end(g);
		begin(g, RF_branch, 0);
		if (imm16) {
			b(g, 0xc2);
			w16(g, imm16);
		} else {
			b(g, 0xc3);
		}
		end(g);
		return 1;
	}
	default: { /* indirect jmp/call through a register or memory */
		unsigned call = rnd(g, 2);
		struct mop m;
		int reg = -1;
		if (chance(g, 1, 2)) {
			make_mem(g, &m, 4);
		} else {
			if ((reg = pick_reg(g, 4, 1)) < 0)
				return 0;
			memset(&m, 0, sizeof m);
			m.reg = reg;
		}
		/* set-up length: mov r, imm32 = 5; mov [m], imm32 = prefix+2+tail+4 */
		unsigned setup_len = m.mem ? (m.seg ? 1u : 0u) + 2 + m.ntail + 4 : 5;
		unsigned jlen = (m.mem ? (m.seg ? 1u : 0u) + 2 + m.ntail : 2);
		uint32_t target = RISU_CODE_ADDR + g->q->c.code_len + setup_len + jlen;
		if (m.mem) {
			setup_store_imm(g, &m, 4, target);
		} else {
			begin(g, RF_branch, 1);
			b(g, 0xb8 + (unsigned)reg);
			d32(g, target);
			end(g);
		}
		begin(g, RF_branch, 0);
		prefixes(g, 4, &m, 0);
		b(g, 0xff);
		emit_modrm(g, &m, call ? 2 : 4);
		end(g);
		return 1;
	}
	}
	end(g);
	g->pending = g->cur;
	g->pending_rel32 = rel32;
	g->no_setup = 1;
	return 1;
}

static int gen_misc(struct gen *g)
{
	switch (rnd(g, 4)) {
	case 0: /* nop, pause */
		begin(g, RF_misc, 0);
		if (chance(g, 1, 2))
			b(g, 0xf3);
		b(g, 0x90);
		break;
	case 1: { /* nopl Ev (0F 1F /0): no memory access */
		struct mop m;
		make_rm(g, &m, 4, 0, -1);
		begin(g, RF_misc, 0);
		prefixes(g, chance(g, 1, 3) ? 2 : 4, &m, 0);
		b(g, 0x0f);
		b(g, 0x1f);
		emit_modrm(g, &m, 0);
		break;
	}
	case 2: /* xlat: AL = [EBX + AL] */
		if (!(g->ptrs >> EBX & 1) || !implicit_ok(g, 1u << EAX))
			return 0;
		begin(g, RF_misc, 0);
		if (chance(g, 1, 8))
			b(g, 0x3e);
		b(g, 0xd7);
		break;
	default: { /* redundant prefixes on a simple ALU op */
		int reg = pick_reg(g, 4, 1);
		if (reg < 0)
			return 0;
		begin(g, RF_misc, 0);
		static const uint8_t junk[] = {0x26, 0x2e, 0x36, 0x3e, 0xf2, 0xf3};
		unsigned n = 1 + rnd(g, 3);
		for (unsigned i = 0; i < n; i++)
			b(g, junk[rnd(g, sizeof junk)]);
		b(g, 0x01 + 2 * rnd(g, 2) + 8 * rnd(g, 8)); /* op Ev,Gv or Gv,Ev */
		b(g, 0xc0 | rnd(g, 8) << 3 | (unsigned)reg);
		break;
	}
	}
	end(g);
	return 1;
}

static int gen_bcd(struct gen *g)
{
	static const uint8_t ops[] = {0x27, 0x2f, 0x37, 0x3f, 0xd4, 0xd5};
	uint8_t op = ops[rnd(g, sizeof ops)];
	if (!implicit_ok(g, 1u << EAX))
		return 0;
	begin(g, RF_bcd, 0);
	b(g, op);
	if (op >= 0xd4) /* aam/aad: base 10 usually; aam 0 is #DE */
		b(g, chance(g, 1, 2) ? 10 : chance(g, 1, 16) ? 0 : rnd(g, 256));
	end(g);
	return 1;
}

/* Instructions that fault (or trap) in user mode: the firmware must raise
 * the same signal at the same EIP as the CPU. */
static int gen_fault(struct gen *g)
{
	begin(g, RF_fault, 0);
	switch (rnd(g, 8)) {
	case 0: b(g, 0xf4); break;                       /* hlt: #GP */
	case 1: b(g, 0xfa + rnd(g, 2)); break;           /* cli / sti: #GP at IOPL 0 */
	case 2: {                                        /* int n: #GP (gate DPL 0), */
		static const uint8_t v[] = {3, 4, 0x81, 0x2e, 0xff, 0x0d, 0x00, 0x06};
		b(g, 0xcd);                              /* but int 3 / int 4 trap */
		b(g, v[rnd(g, sizeof v)]);
		break;
	}
	case 3: b(g, 0xe4 + rnd(g, 4)); b(g, rnd(g, 256)); break; /* in/out imm8: #GP */
	case 4: b(g, 0xec + rnd(g, 4)); break;           /* in/out dx: #GP */
	case 5: b(g, 0x0f); b(g, 0x0b); break;           /* ud2: #UD */
	case 6: b(g, 0xce); break;                       /* into: #OF trap when OF=1 */
	default: b(g, 0xcc); break;                      /* int3: #BP trap (SIGTRAP) */
	}
	end(g);
	return 1;
}

/* ---- x87 ---------------------------------------------------------------- */

static void put_bytes(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An 80-bit register value (10 bytes: significand, then sign+exponent)
 * from one of the operand classes the x87 tells apart (SDM vol. 1, 8.2.2
 * and 8.2.3): zeros, denormals, pseudo-denormals, normals (near 1, near
 * the ends of the range, small integers), infinities, quiet and signalling
 * NaNs, the indefinite, and the unsupported encodings (unnormals,
 * pseudo-NaNs, pseudo-infinities). */
static void x87_value(struct gen *g, uint8_t *p)
{
	const uint64_t j = 1ull << 63;
	uint64_t m = next64(g);
	unsigned e, sign = rnd(g, 2) << 15;
	switch (rnd(g, 14)) {
	case 0: m = 0; e = 0; break;                                  /* zero */
	case 1: m = (m >> rnd(g, 63)) & ~j; m = m ? m : 1; e = 0; break; /* denormal */
	case 2: m |= j; e = 0; break;                                 /* pseudo-denormal */
	case 3: m = j; e = 0x7fff; break;                             /* infinity */
	case 4: m |= 3ull << 62; e = 0x7fff; break;                   /* quiet NaN */
	case 5: m = (m & ((1ull << 62) - 1)) | 1 | j; e = 0x7fff; break; /* signalling NaN */
	case 6: m = 3ull << 62; e = 0x7fff; sign = 1u << 15; break;   /* indefinite */
	case 7: m &= ~j; e = rnd(g, 0x8000); break;                   /* unsupported */
	case 8: {                                                     /* a small integer */
		unsigned v = 1 + rnd(g, 70), k = 31;
		while (!(v >> k))
			k--;
		m = (uint64_t)v << (63 - k);
		e = 0x3fff + k;
		break;
	}
	case 9: m |= j; e = 1 + rnd(g, 64); break;                     /* tiny normal */
	case 10: m |= j; e = 0x7ffe - rnd(g, 64); break;               /* huge normal */
	case 11: m = (m | j) & ~0x7ffull; e = 0x3fff + rnd(g, 129) - 64; break; /* a double's */
	default: m |= j; e = 0x3fff + rnd(g, 129) - 64; break;         /* near 1 */
	}
	put_bytes(p, m, 8);
	put_bytes(p + 8, sign | e, 2);
}

/* A control word: mostly every exception masked, any precision (the
 * reserved one too, rarely) and rounding. */
static uint16_t x87_cw(struct gen *g)
{
	static const unsigned pc[] = {3, 2, 0, 3, 2, 0, 1};
	unsigned masks = chance(g, 7, 8) ? 0x3fu : rnd(g, 64);
	unsigned cw = masks | 0x40u | pc[rnd(g, sizeof pc / sizeof pc[0])] << 8 | rnd(g, 4) << 10;
	if (chance(g, 1, 16))
		cw |= rnd(g, 16) << 12 | (rnd(g, 2) << 6); /* reserved and infinity-control bits */
	return (uint16_t)cw;
}

/* The x87 state a case starts with: a control word as above, any stack
 * top, condition codes and occasionally sticky exception flags (pending
 * when unmasked), registers valid or empty holding values of every class,
 * and arbitrary pointers. */
static void x87_state(struct gen *g, uint8_t *img)
{
	unsigned cw = x87_cw(g);
	unsigned sw = rnd(g, 8) << 11 | (rnd(g, 16) & 0x7u) << 8 | (rnd(g, 2) << 14);
	if (chance(g, 1, 8)) {
		sw |= rnd(g, 128);                     /* flags and SF */
		if (sw & ~cw & 0x3f)
			sw |= 0x80u | 0x8000u;         /* ES and B as the FPU keeps them */
	}
	unsigned tw = 0;
	for (unsigned i = 0; i < 8; i++)
		tw |= (chance(g, 1, 3) ? 3u : 0u) << (2 * i);
	memset(img, 0, RISU_FPU_BYTES);
	put_bytes(img + 0, 0xffff0000u | cw, 4);
	put_bytes(img + 4, 0xffff0000u | sw, 4);
	put_bytes(img + 8, 0xffff0000u | tw, 4);
	put_bytes(img + 12, next64(g), 4);                       /* FIP */
	put_bytes(img + 16, 0x23u | (uint32_t)rnd(g, 0x800) << 16, 4); /* FCS, FOP */
	put_bytes(img + 20, next64(g), 4);                       /* FDP */
	put_bytes(img + 24, 0xffff002bu, 4);                     /* FDS */
	for (unsigned i = 0; i < 8; i++)
		x87_value(g, img + 28 + 10 * i);
}

/* The scratch word at `off` as the case's image will hold it: the seeded
 * fill, then the pokes so far (risu_fill_mem, one word of it). */
static uint32_t scratch_word(const struct risu_case *c, uint32_t off)
{
	uint32_t x = risu_mem_first(c);
	for (uint32_t i = 0; i <= off; i += 4)
		x = risu_mem_next(x);
	for (uint32_t k = 0; k < c->npoke && k < RISU_MAX_POKE; k++)
		if ((c->poke[k].off & (RISU_MEM_SIZE - 4u)) == off)
			x = c->poke[k].val;
	return x;
}

/* Bytes [off, off + n) of the scratch page set to p, through pokes of the
 * words they cover (nothing if the pokes run out or it leaves the page). */
static void poke_bytes(struct gen *g, uint32_t off, const uint8_t *p, unsigned n)
{
	struct risu_case *c = &g->q->c;
	if (off > RISU_MEM_SIZE - n)
		return;
	uint32_t first = off & ~3u, last = (off + n - 1) & ~3u;
	if (c->npoke + (last - first) / 4 + 1 > RISU_MAX_POKE)
		return;
	for (uint32_t w = first; w <= last; w += 4) {
		uint32_t v = scratch_word(c, w);
		for (unsigned i = 0; i < 4; i++)
			if (w + i >= off && w + i < off + n)
				v = (v & ~(0xffu << (8 * i))) | (uint32_t)p[w + i - off] << (8 * i);
		c->poke[c->npoke++] = (struct risu_poke){w, v};
	}
}

/* Where memory operand m points, from the registers the case starts
 * with (pointer and index registers keep their values; ESP may have
 * moved, and then the value lands elsewhere: harmless).  ~0 if unknown. */
static uint32_t mop_offset(const struct gen *g, const struct mop *m)
{
	const uint32_t *r = g->q->c.regs;
	uint32_t a, disp = 0;
	unsigned n = 0;
	if (m->mod == 0 && m->rm == 5) {
		a = 0;
		disp = get32(m->tail);
		n = 4;
	} else if (m->rm == 4) {
		uint8_t sib = m->tail[n++];
		unsigned base = sib & 7, idx = sib >> 3 & 7;
		a = idx == 4 ? 0 : r[idx] << (sib >> 6);
		if (base == 5 && m->mod == 0) {
			disp = get32(m->tail + 1);
		} else {
			a += r[base];
		}
	} else {
		a = r[m->rm];
	}
	if (m->mod == 1)
		disp = (uint32_t)(int32_t)(int8_t)m->tail[n];
	else if (m->mod == 2)
		disp = get32(m->tail + n);
	a += disp;
	if (m->seg == 0x64)
		a += RISU_FS_BASE;
	else if (m->seg == 0x65)
		a += RISU_GS_BASE;
	return a - RISU_MEM_ADDR < RISU_MEM_SIZE ? a - RISU_MEM_ADDR : ~0u;
}

/* An interesting operand of n bytes for escape esc, ModRM.reg reg: binary
 * floating point of the instruction's format, integers, BCD, a control
 * word, an environment's control and status words. */
static unsigned x87_operand(struct gen *g, unsigned esc, unsigned reg, unsigned n, uint8_t *p)
{
	uint8_t v[10];
	x87_value(g, v);
	uint64_t mant, se = (uint64_t)v[8] | (uint64_t)v[9] << 8;
	memcpy(&mant, v, 8);
	uint64_t sign = se >> 15, e = se & 0x7fff;
	int fp = esc == 0xd8 || esc == 0xdc || ((esc == 0xd9 || esc == 0xdd) && reg == 0) ||
		 (esc == 0xdb && reg == 5);
	if ((esc == 0xd9 && reg == 5) || n == 28 || n == 108) {
		uint8_t env[8];
		put_bytes(env, 0xffff0000u | x87_cw(g), 4);
		put_bytes(env + 4, 0xffff0000u | (rnd(g, 8) << 11) | (chance(g, 1, 4) ? rnd(g, 256) : 0), 4);
		unsigned k = n == 2 ? 2 : 8;
		memcpy(p, env, k);
		return k;
	}
	if (fp && n == 10) {
		memcpy(p, v, 10);
		return 10;
	}
	if (fp) {
		/* the value rounded to the format by truncation, specials kept */
		unsigned ebits = n == 4 ? 8 : 11, fbits = n == 4 ? 23 : 52;
		uint64_t emax = (1ull << ebits) - 1, bias = emax >> 1, out;
		uint64_t frac = (mant << 1) >> (64 - fbits);
		if (e == 0x7fff)
			out = emax << fbits | (frac ? frac : (mant << 1 ? 1 : 0));
		else if (e == 0 || rnd(g, 4) == 0)
			out = rnd(g, 2) ? (next64(g) & ((1ull << fbits) - 1)) : 0; /* denormal or zero */
		else if (e + bias <= 0x3fff || e + bias - 0x3fff >= emax)
			out = (e > 0x3fff ? emax - 1 - rnd(g, 2) : 1 + rnd(g, 2)) << fbits | frac;
		else
			out = (e + bias - 0x3fff) << fbits | frac;
		out |= sign << (ebits + fbits);
		put_bytes(p, out, n);
		return n;
	}
	if (esc == 0xdf && (reg == 4 || reg == 6)) {
		/* packed BCD: 18 digits and a sign byte, now and then a bad digit */
		for (unsigned i = 0; i < 9; i++)
			p[i] = (uint8_t)(rnd(g, 10) << 4 | rnd(g, 10));
		if (chance(g, 1, 8))
			p[rnd(g, 9)] = (uint8_t)rnd(g, 256);
		p[9] = chance(g, 1, 2) ? 0x80 : chance(g, 1, 8) ? (uint8_t)rnd(g, 256) : 0;
		return 10;
	}
	uint64_t iv = (uint64_t)(int64_t)(int32_t)rval(g);
	if (n == 8 && chance(g, 1, 2))
		iv = chance(g, 1, 2) ? 1ull << 63 : (uint64_t)next64(g) >> rnd(g, 64);
	put_bytes(p, iv, n);
	return n;
}

/* The x87 forms cdvm decodes (escape, ModRM or ModRM.reg of a memory
 * form), found once by asking cdvm's decoder: the aliases the SDM leaves
 * undocumented, which the host runs and cdvm does not (docs/x86-subset.md),
 * and FISTTP (SSE3) are never generated. */
struct x87_form {
	uint8_t esc, modrm, mem;
	uint8_t size;     /* memory operand bytes */
	uint8_t reads;    /* the memory operand is read */
	uint8_t writes_ax;
};
static struct x87_form x87_forms[8 * 8 + 8 * 64];
static unsigned x87_nmem, x87_nforms;

static void x87_forms_init(void)
{
	if (x87_nforms)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned esc = 0xd8; esc <= 0xdf; esc++)
			for (unsigned k = 0; k < (pass ? 64u : 8u); k++) {
				uint8_t bytes[2] = {(uint8_t)esc, (uint8_t)(pass ? 0xc0 + k : k << 3)};
				struct x86_insn in;
				if (x86_decode(bytes, 2, &in) != 2 || !(x86_op_flags((enum x86_op)in.op) & OPF_FPU))
					continue;
				struct x87_form *f = &x87_forms[x87_nforms++];
				*f = (struct x87_form){.esc = bytes[0], .modrm = bytes[1], .mem = (uint8_t)!pass};
				if (!pass) {
					f->size = (uint8_t)in.o[0].size;
					f->reads = (x86_op_use(in.op, 0) & X86_USE_R) != 0;
					x87_nmem++;
				}
				f->writes_ax = esc == 0xdf && bytes[1] == 0xe0;
			}
}

static int gen_x87(struct gen *g)
{
	x87_forms_init();
	if (chance(g, 1, 12)) {
		begin(g, RF_x87, 0);
		b(g, 0x9b);  /* fwait: #MF when an unmasked exception is pending */
		end(g);
		return 1;
	}
	const struct x87_form *f = chance(g, 2, 5) ? &x87_forms[rnd(g, x87_nmem)]
						   : &x87_forms[x87_nmem + rnd(g, x87_nforms - x87_nmem)];
	if (f->writes_ax && !implicit_ok(g, 1u << EAX))
		return 0;
	struct mop m;
	if (f->mem) {
		make_mem(g, &m, f->size);
		if (m.seg == 0x65 && m.mod == 0 && m.rm == 5) {
			/* gs:[disp32] below GS's base: an offset that wraps past 4 GiB
			 * within one access, where cores differ (#GP before or after
			 * storing part of it, or no fault) */
			uint32_t d = get32(m.tail);
			if (d + f->size < d)
				return 0;
		}
		uint32_t off = mop_offset(g, &m);
		if (f->reads && off != ~0u) {
			uint8_t val[10];
			unsigned n = x87_operand(g, f->esc, f->modrm >> 3 & 7, f->size, val);
			poke_bytes(g, off, val, n);
		}
		begin(g, RF_x87, 0);
		prefixes(g, 4, &m, 0);
		b(g, f->esc);
		emit_modrm(g, &m, f->modrm >> 3 & 7);
	} else {
		begin(g, RF_x87, 0);
		b(g, f->esc);
		b(g, f->modrm);
	}
	end(g);
	return 1;
}

typedef int (*gen_fn)(struct gen *);

static const gen_fn generators[RF_COUNT] = {
#define RISU_FAM_FN(n) gen_##n,
	RISU_FAMILY_LIST(RISU_FAM_FN)
#undef RISU_FAM_FN
};

static const char *const family_names[RF_COUNT] = {
#define RISU_FAM_NAME(n) #n,
	RISU_FAMILY_LIST(RISU_FAM_NAME)
#undef RISU_FAM_NAME
};

const char *risu_family_name(unsigned f)
{
	return f < RF_COUNT ? family_names[f] : NULL;
}

uint32_t risu_parse_families(const char *list)
{
	uint32_t mask = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned f;
		for (f = 0; f < RF_COUNT; f++)
			if (strlen(family_names[f]) == n && !strncmp(p, family_names[f], n))
				break;
		if (f == RF_COUNT)
			return 0;
		mask |= 1u << f;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

static uint32_t page_ptr(struct gen *g)
{
	return RISU_MEM_ADDR + 0x500 + (rnd(g, 0x600) & ~3u);
}

void risu_gen_case(uint64_t seed, uint32_t families, unsigned max_insns, struct risu_seq *out)
{
	static const int ptr_cand[] = {EBX, EBP, ESI, EDI};
	static const int idx_cand[] = {ECX, EDX, EBX, EBP, ESI, EDI};
	struct gen g = {.s = seed, .q = out, .families = families, .index = -1, .pending = -1};
	struct risu_case *c = &out->c;

	memset(out, 0, sizeof *out);
	c->magic = RISU_MAGIC_CASE;
	for (int r = 0; r < 8; r++)
		c->regs[r] = rval(&g);
	c->eflags = (uint32_t)next64(&g) & RISU_FLAGS_MASK;
	c->mem_seed = (uint32_t)next64(&g);
	if (families >> RF_x87 & 1)
		x87_state(&g, c->fpu);
	else
		risu_fpu_init(c->fpu);

	unsigned nptr = rnd(&g, 3);
	for (unsigned i = 0; i < nptr; i++)
		g.ptrs |= 1u << ptr_cand[rnd(&g, 4)];
	if ((families >> RF_string & 1) && chance(&g, 1, 2)) {
		g.strings = 1;
		g.ptrs |= (1u << ESI) | (1u << EDI);
	}
	if (chance(&g, 1, 2)) {
		int r = idx_cand[rnd(&g, 6)];
		if (!(g.ptrs >> r & 1) && !(g.strings && r == ECX)) {
			g.index = r;
			c->regs[r] = (uint32_t)((int32_t)rnd(&g, 65) - 32);
		}
	}
	for (int r = 0; r < 8; r++)
		if (g.ptrs >> r & 1)
			c->regs[r] = page_ptr(&g);
	c->regs[ESP] = RISU_MEM_ADDR + 0x600 + (rnd(&g, 0x400) & ~3u);
	if (chance(&g, 1, 16))
		c->regs[ESP] += rnd(&g, 4); /* a misaligned stack works natively */

	/* edge values near the places memory operands look at */
	c->npoke = rnd(&g, RISU_MAX_POKE + 1);
	for (unsigned i = 0; i < c->npoke; i++) {
		uint32_t at = c->regs[pick_ptr(&g)] - RISU_MEM_ADDR;
		c->poke[i].off = (at + rnd(&g, 0x200) - 0x100) & (RISU_MEM_SIZE - 4);
		c->poke[i].val = rval(&g);
	}

	unsigned fam[RF_COUNT], nfam = 0;
	for (unsigned f = 0; f < RF_COUNT; f++)
		if (families >> f & 1)
			fam[nfam++] = f;
	if (!nfam)
		return;
	unsigned n = 1 + rnd(&g, max_insns ? max_insns : 1);
	for (unsigned k = 0; k < n && room(&g); k++) {
		for (int tries = 0; tries < 50; tries++) {
			/* a family that gives up has emitted nothing (families
			 * decide before their first byte); undo its choices */
			struct gen saved = g;
			if (generators[fam[rnd(&g, nfam)]](&g))
				break;
			uint64_t s = g.s;
			g = saved;
			g.s = s;
		}
	}
	if (g.pending >= 0)
		g.pending = -1; /* last instruction: displacement 0 falls through */
}

int risu_seq_prefix(const struct risu_seq *in, unsigned k, struct risu_seq *out)
{
	*out = *in;
	if (k >= in->ninsn)
		return 1;
	unsigned end_off = in->insn[k].off;
	for (unsigned i = 0; i < k; i++)
		if (in->insn[i].target_end > end_off)
			return 0;
	out->ninsn = k;
	out->c.code_len = end_off;
	memset(out->c.code + end_off, 0, RISU_CODE_MAX - end_off);
	return 1;
}
