/* cms/dataflow.c — the dataflow limit of a guest's dynamic trace: which
 * registers, flags and memory bytes each x86 instruction reads and writes
 * (the op table, cms/x86/ops.def, refined here by operand form), and the
 * critical-path computation over the trace.  The model is described in cms/dataflow.h.
 *
 * Register and flag effects follow the Intel SDM vol. 2 instruction pages
 * ("Flags Affected", implicit operands such as EDX:EAX for MUL/DIV, ESI/EDI
 * /ECX for the string instructions, ESP for PUSH/POP/CALL/RET). */
#include "cms/dataflow.h"
#include "native-isa/xflags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what an instruction reads and writes: the op table (ops.def) ---- */

/* Use of an explicit operand o[k]. */
enum { U_R = X86_USE_R, U_W = X86_USE_W, U_RW = X86_USE_R | X86_USE_W };

/* EFLAGS bits as the four flag resources (SF ZF AF PF are one). */
static uint32_t flag_res(unsigned f)
{
	uint32_t m = 0;
	if (f & XF_CF)
		m |= DF_BIT(DF_CF);
	if (f & XF_OF)
		m |= DF_BIT(DF_OF);
	if (f & (XF_SF | XF_ZF | XF_AF | XF_PF))
		m |= DF_BIT(DF_ZSPA);
	if (f & XF_DF)
		m |= DF_BIT(DF_DF);
	return m;
}

/* Resource of register operand `o` (AL/AH/AX are EAX). */
static unsigned reg_res(const struct x86_operand *o)
{
	return (o->size == 1 && o->reg >= 4) ? (unsigned)(o->reg - 4) : (unsigned)(o->reg & 7);
}

static uint32_t mem_regs(const struct x86_insn *in)
{
	uint32_t m = 0;
	if (in->base != X86_NOREG)
		m |= DF_BIT(in->base & 7);
	if (in->index != X86_NOREG)
		m |= DF_BIT(in->index & 7);
	return m;
}

static void conservative(struct dataflow_uses *u)
{
	memset(u, 0, sizeof *u);
	u->reads = DF_ALL;
	u->writes = DF_ALL;
	u->addr = DF_GPRS;
	u->lat = DF_LAT_ALU;
}

/* Count operand of a shift or rotate: zero means no flag is written. */
static int shift_count_zero(const struct x86_insn *in, const uint32_t *regs)
{
	if (in->nops < 2)
		return 0;
	const struct x86_operand *c = &in->o[in->nops - 1];
	if (c->kind == X86_OPK_IMM)
		return (in->imm & 31) == 0;
	if (c->kind == X86_OPK_REG && regs)
		return (regs[X86_ECX] & 31) == 0;
	return 0;
}

int dataflow_uses(const struct x86_insn *in, const uint32_t *regs, struct dataflow_uses *u)
{
	if (!in || in->op >= X86_OP_COUNT) {
		conservative(u);
		return -1;
	}
	enum x86_op op = (enum x86_op)in->op;
	const struct x86_op_info *row = x86_op(op);
	/* instructions that raise an exception (or that cdvm does not run) */
	if (row->props & (OPF_UNSUP | OPF_TRAPS)) {
		conservative(u);
		return -1;
	}
	uint8_t use[3] = {(uint8_t)x86_op_use(op, 0), (uint8_t)x86_op_use(op, 1), (uint8_t)x86_op_use(op, 2)};
	memset(u, 0, sizeof *u);
	u->known = 1;
	u->lat = row->lat;
	u->move = (row->props & OPF_MOVE) != 0;
	/* a flag the operation may write (undefined ones too) is ready when it completes */
	u->reads = row->iread | flag_res(row->fread);
	u->writes = row->iwrite | flag_res(row->fwrite | row->fundef);
	u->addr = row->iaddr;
	if (row->props & OPF_ESP)
		u->esp = DF_ESP_ADJUST;
	if (row->props & OPF_LEAVE)
		u->esp = DF_ESP_LEAVE;
	if (row->props & (OPF_STR1 | OPF_STR2)) {
		u->string = (row->props & OPF_STR2) ? 2 : 1;
		if (in->rep) {
			u->reads |= DF_BIT(DF_ECX);
			u->writes |= DF_BIT(DF_ECX);
		}
	}

	/* the one-operand MUL/IMUL/DIV/IDIV forms; IMUL r, r/m [, imm] */
	if (op == X86_OP_IMUL && in->nops >= 2) {
		use[0] = in->nops == 2 ? U_RW : U_W;
		use[1] = U_R;
		u->reads = 0;
		u->writes = DF_ARITH;
	} else if ((op == X86_OP_MUL || op == X86_OP_IMUL || op == X86_OP_DIV || op == X86_OP_IDIV) &&
		   in->nops >= 1 && in->o[0].size == 1) {
		/* byte forms: AX = AL * src, AL:AH = AX / src; EDX untouched */
		u->reads &= ~(uint32_t)DF_BIT(DF_EDX);
		u->writes &= ~(uint32_t)DF_BIT(DF_EDX);
	}

	/* explicit operands */
	for (unsigned k = 0; k < in->nops && k < 3; k++) {
		const struct x86_operand *o = &in->o[k];
		unsigned use_k = use[k];
		if (o->kind == X86_OPK_REG) {
			uint32_t b = DF_BIT(reg_res(o));
			if (use_k & U_R)
				u->reads |= b;
			if (use_k & U_W) {
				u->writes |= b;
				if (o->size < 4) /* partial write merges into the register */
					u->reads |= b;
			}
		} else if (o->kind == X86_OPK_MEM) {
			if (op == X86_OP_LEA)
				u->reads |= mem_regs(in);
			else if (op != X86_OP_NOP)
				u->addr |= mem_regs(in);
		}
	}
	/* 16-bit implicit results merge too (cwd writes DX, lods stores AL/AX) */
	if (in->osize == 2 && (op == X86_OP_CBW || op == X86_OP_CWD || op == X86_OP_MUL || op == X86_OP_IMUL ||
			       op == X86_OP_DIV || op == X86_OP_IDIV) && !(op == X86_OP_IMUL && in->nops >= 2))
		u->reads |= u->writes & DF_GPRS;

	/* xor r,r / sub r,r: the result is 0 whatever r held; sbb r,r is -CF */
	if (in->nops == 2 && in->o[0].kind == X86_OPK_REG && in->o[1].kind == X86_OPK_REG &&
	    in->o[0].size == 4 && in->o[0].reg == in->o[1].reg) {
		if (row->props & OPF_ZERO)
			u->reads = 0;
		else if (op == X86_OP_SBB)
			u->reads = DF_BIT(DF_CF);
	}
	if ((row->props & OPF_COUNT) && shift_count_zero(in, regs)) {
		/* a zero count changes nothing: no flags written or needed */
		u->writes &= ~(uint32_t)DF_FLAGS;
		u->reads &= ~(uint32_t)DF_FLAGS;
	}
	return 0;
}

/* ---- memory readiness: a hash map of 4-byte words --------------------- */

struct word {
	uint32_t key;   /* (addr >> 2) + 1; 0: empty */
	uint64_t t[4];  /* completion time of the last store to each byte (0: never) */
};

struct memmap {
	struct word *w;
	size_t cap, n; /* cap: power of two */
};

static size_t hash_key(uint32_t k, size_t cap)
{
	uint32_t h = k * 0x9e3779b1u;
	return (size_t)(h ^ (h >> 15)) & (cap - 1);
}

static const struct word *mm_find(const struct memmap *mm, uint32_t key)
{
	for (size_t i = hash_key(key, mm->cap);; i = (i + 1) & (mm->cap - 1)) {
		if (mm->w[i].key == key)
			return &mm->w[i];
		if (mm->w[i].key == 0)
			return NULL;
	}
}

static int mm_grow(struct memmap *mm)
{
	size_t ncap = mm->cap * 2;
	struct word *nw = calloc(ncap, sizeof *nw);
	if (!nw)
		return -1;
	for (size_t i = 0; i < mm->cap; i++) {
		if (!mm->w[i].key)
			continue;
		size_t j = hash_key(mm->w[i].key, ncap);
		while (nw[j].key)
			j = (j + 1) & (ncap - 1);
		nw[j] = mm->w[i];
	}
	free(mm->w);
	mm->w = nw;
	mm->cap = ncap;
	return 0;
}

/* The word for key, inserted if absent; NULL when out of memory. */
static struct word *mm_get(struct memmap *mm, uint32_t key)
{
	if ((mm->n + 1) * 2 > mm->cap && mm_grow(mm) < 0)
		return NULL;
	size_t i = hash_key(key, mm->cap);
	while (mm->w[i].key && mm->w[i].key != key)
		i = (i + 1) & (mm->cap - 1);
	if (!mm->w[i].key) {
		mm->w[i].key = key;
		mm->n++;
	}
	return &mm->w[i];
}

/* ---- the analysis ----------------------------------------------------- */

struct store_ev {
	uint32_t addr;
	uint32_t size;
};

struct dataflow {
	struct dataflow_lat lat;
	uint64_t ready[DF_NRES]; /* when each resource's latest value is available */
	struct memmap mm;
	struct dataflow_result res;
	int oom;

	/* the instruction in flight (its memory accesses are still arriving) */
	int active;
	struct dataflow_uses u;
	uint64_t in_ready;   /* max ready of u.reads */
	uint64_t addr_ready; /* max ready of u.addr */
	uint64_t ld;         /* latest load data (0: no load yet) */
	unsigned nloads;
	struct store_ev *st; /* stores, applied when the instruction completes */
	size_t nst, capst;
	/* string instructions */
	uint64_t nev;        /* accesses so far */
	uint64_t it_ld;      /* data of the current iteration's loads */
	uint64_t str_done;   /* latest time produced by an iteration */
};

void dataflow_lat_from_config(const struct cdvm_config *cfg, struct dataflow_lat *lat)
{
	lat->alu = (uint32_t)cfg->lat_alu;
	lat->mul = (uint32_t)cfg->lat_mul;
	lat->div = (uint32_t)cfg->lat_div;
	lat->load = (uint32_t)cfg->l1d_lat;
	lat->forward = 1;
}

int dataflow_create(const struct dataflow_lat *lat, struct dataflow **out, char *err, size_t errlen)
{
	*out = NULL;
	struct dataflow *d = calloc(1, sizeof *d);
	if (d) {
		d->mm.cap = 1u << 16;
		d->mm.w = calloc(d->mm.cap, sizeof *d->mm.w);
	}
	if (!d || !d->mm.w) {
		free(d);
		snprintf(err, errlen, "dataflow: out of memory");
		return -1;
	}
	d->lat = *lat;
	*out = d;
	return 0;
}

void dataflow_destroy(struct dataflow *d)
{
	if (!d)
		return;
	free(d->mm.w);
	free(d->st);
	free(d);
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static uint64_t ready_of(const struct dataflow *d, uint32_t mask)
{
	uint64_t t = 0;
	for (unsigned r = 0; r < DF_NRES; r++)
		if (mask & DF_BIT(r))
			t = max64(t, d->ready[r]);
	return t;
}

static uint32_t lat_cycles(const struct dataflow *d, unsigned cls)
{
	return cls == DF_LAT_MUL ? d->lat.mul : cls == DF_LAT_DIV ? d->lat.div : d->lat.alu;
}

/* When the data of a load at addr_ready is available. */
static uint64_t load_time(struct dataflow *d, uint32_t addr, unsigned size, uint64_t addr_ready)
{
	uint64_t from_cache = addr_ready + d->lat.load;
	uint64_t stored = 0;
	const struct word *w = NULL;
	for (unsigned b = 0; b < size; b++) {
		uint32_t a = addr + b;
		if (b == 0 || (a & 3) == 0)
			w = mm_find(&d->mm, (a >> 2) + 1);
		if (w)
			stored = max64(stored, w->t[a & 3]);
	}
	d->res.loads++;
	if (stored && stored + d->lat.forward > from_cache) {
		d->res.forwarded++;
		return stored + d->lat.forward;
	}
	return from_cache;
}

static void store_at(struct dataflow *d, uint32_t addr, unsigned size, uint64_t t)
{
	struct word *w = NULL;
	d->res.stores++;
	for (unsigned b = 0; b < size; b++) {
		uint32_t a = addr + b;
		if (b == 0 || (a & 3) == 0)
			w = mm_get(&d->mm, (a >> 2) + 1);
		if (!w) {
			d->oom = 1;
			return;
		}
		w->t[a & 3] = t;
	}
}

static void done_at(struct dataflow *d, uint64_t t)
{
	d->res.path = max64(d->res.path, t);
}

/* Close the instruction in flight: compute its completion, publish its
 * results and its stores. */
static void finish(struct dataflow *d)
{
	if (!d->active)
		return;
	d->active = 0;
	const struct dataflow_uses *u = &d->u;
	uint64_t esp_old = d->ready[DF_ESP];

	if (u->string) {
		/* iterations = accesses / accesses per iteration; the pointers
		 * (and ECX under REP) advance one ALU latency per iteration */
		uint64_t n = (d->nev + u->string - 1) / u->string;
		uint64_t done = max64(d->str_done, d->in_ready);
		if (n) {
			for (unsigned r = 0; r < 8; r++) {
				if (!(u->writes & DF_BIT(r)) || r == DF_EAX)
					continue;
				uint64_t start = r == DF_ECX ? d->ready[r] : max64(d->ready[r], d->ready[DF_DF]);
				d->ready[r] = start + n * d->lat.alu;
				done = max64(done, d->ready[r]);
			}
			if (u->writes & DF_BIT(DF_EAX)) /* lods: the last value loaded (AL, AX merge) */
				d->ready[DF_EAX] = (u->reads & DF_BIT(DF_EAX)) ? max64(d->ready[DF_EAX], d->it_ld)
									       : d->it_ld;
			for (unsigned r = DF_CF; r < DF_NRES; r++)
				if (u->writes & DF_BIT(r))
					d->ready[r] = d->str_done; /* cmps/scas: the last compare */
		}
		done_at(d, done);
		return;
	}

	uint64_t start = d->in_ready;
	if (d->nloads)
		start = max64(start, d->ld);
	if (d->nst)
		start = max64(start, d->addr_ready);
	uint64_t done = start + ((u->move && d->nloads) ? 0 : lat_cycles(d, u->lat));
	for (size_t i = 0; i < d->nst; i++)
		store_at(d, d->st[i].addr, d->st[i].size, done);
	d->nst = 0;
	if (u->esp == DF_ESP_ADJUST)
		d->ready[DF_ESP] = esp_old + d->lat.alu;
	else if (u->esp == DF_ESP_LEAVE)
		d->ready[DF_ESP] = d->ready[DF_EBP] + d->lat.alu; /* ESP = old EBP + 4 */
	for (unsigned r = 0; r < DF_NRES; r++)
		if (u->writes & DF_BIT(r))
			d->ready[r] = done;
	done_at(d, done);
}

void dataflow_insn(struct dataflow *d, const struct x86_insn *in, const uint32_t *regs)
{
	finish(d);
	if (dataflow_uses(in, regs, &d->u) < 0)
		d->res.unknown++;
	d->res.insns++;
	d->active = 1;
	d->in_ready = ready_of(d, d->u.reads);
	d->addr_ready = ready_of(d, d->u.addr);
	d->ld = 0;
	d->nloads = 0;
	d->nev = 0;
	d->it_ld = 0;
	d->str_done = 0;
}

/* One access of iteration nev / u.string of a string instruction. */
static void string_access(struct dataflow *d, uint32_t addr, unsigned size, int write)
{
	const struct dataflow_uses *u = &d->u;
	uint64_t it = d->nev / u->string;
	unsigned k = (unsigned)(d->nev % u->string);
	d->nev++;
	if (k == 0)
		d->it_ld = 0;
	/* the pointer registers of iteration `it` */
	uint64_t ptr = max64(d->addr_ready, d->ready[DF_DF]) + it * d->lat.alu;
	uint64_t t;
	if (write) {
		/* movs stores the data it just loaded; stos stores EAX */
		t = u->string == 2 ? max64(d->it_ld, ptr) : max64(d->in_ready, ptr) + d->lat.alu;
		store_at(d, addr, size, t);
	} else {
		d->it_ld = max64(d->it_ld, load_time(d, addr, size, ptr));
		t = d->it_ld;
		if (!u->move && k + 1 == u->string) /* cmps/scas: the compare */
			t = max64(d->it_ld, d->in_ready) + d->lat.alu;
	}
	d->str_done = max64(d->str_done, t);
	if (!u->move)
		d->str_done = t; /* flags come from the last compare */
	done_at(d, t);
}

void dataflow_mem(struct dataflow *d, uint32_t addr, unsigned size, int write)
{
	if (!d->active || size == 0)
		return;
	if (d->u.string) {
		string_access(d, addr, size, write);
		return;
	}
	if (!write) {
		d->ld = max64(d->ld, load_time(d, addr, size, d->addr_ready));
		d->nloads++;
		return;
	}
	if (d->nst == d->capst) {
		size_t ncap = d->capst ? d->capst * 2 : 16;
		struct store_ev *n = realloc(d->st, ncap * sizeof *n);
		if (!n) {
			d->oom = 1;
			return;
		}
		d->st = n;
		d->capst = ncap;
	}
	d->st[d->nst].addr = addr;
	d->st[d->nst].size = size;
	d->nst++;
}

int dataflow_result(struct dataflow *d, struct dataflow_result *r, char *err, size_t errlen)
{
	finish(d);
	*r = d->res;
	r->ipc = r->path ? (double)r->insns / (double)r->path : 0.0;
	if (d->oom) {
		snprintf(err, errlen, "dataflow: out of memory (the memory map has %zu words)", d->mm.n);
		return -1;
	}
	return 0;
}

static void trace_insn(void *ctx, uint32_t eip, const struct x86_insn *in, const uint32_t *regs)
{
	(void)eip;
	dataflow_insn(ctx, in, regs);
}

static void trace_mem(void *ctx, uint32_t addr, unsigned size, int write)
{
	dataflow_mem(ctx, addr, size, write);
}

void dataflow_trace_ops(struct dataflow *d, struct cms_trace_ops *ops)
{
	ops->ctx = d;
	ops->insn = trace_insn;
	ops->mem = trace_mem;
}
