/* cms/translate/cse.c — common subexpressions and redundant loads in a
 * region.
 *
 * A region is one straight path (its side exits only leave it), and after
 * renaming most values are temporaries written once, so one forward walk
 * finds what was computed before:
 *
 * - an operation without effects (no memory, flags, branch or divide)
 *   whose operands hold the same values as an earlier one's is the
 *   earlier one: its readers (and the side exits' stubs) read the earlier
 *   temporary instead.  Values are numbered: a temporary written once is
 *   its own value, and a fixed register (FLAGS included) gets a new value
 *   at each write, so `add t, eax, #4` twice is one add only while EAX is
 *   not written between them.
 * - a load from the address of an earlier load of the same size and kind,
 *   or of an earlier store of the same size, with no store between them
 *   that may write any of its bytes, reads what that load read or that
 *   store wrote: it is removed (a 32-bit store's value is the temporary
 *   it stored; a narrower one's is zero- or sign-extended by an ALU atom
 *   instead of the load).  Addresses are compared as memory.c does
 *   (root + constant): a store from another root may alias, and ends
 *   what was known of memory from other roots; one from the same root
 *   ends only what it overlaps.
 *
 * Both only make the region's code shorter: no value is computed that
 * the x86 program did not compute on the same path, and a load that is
 * removed could not fault where the one it reuses did not.  Hidden-memory
 * accesses (the entry counter) are firmware data and are left alone. */
#include "cms/translate/ir.h"

#include <stdlib.h>
#include <string.h>

enum { MEM_SLOTS = 64 };

/* What memory is known to hold: the value of an access at addr. */
struct known_mem {
	struct ir_sym addr;
	uint16_t val;        /* the temporary holding it (a load's result, a store's value) */
	uint8_t size, kind;  /* bytes; MX_* of the load (a store: its size's unsigned kind) */
	uint8_t store;
};

/* An operation as the value it computes from its operands' values. */
struct expr {
	uint32_t va, vb, vflags, imm;
	uint8_t op, x, use_imm;
	int rep;             /* the op that computed it (-1: empty slot) */
};

static int pure(const struct ir_op *o)
{
	unsigned props = isa_ops[o->op].props;
	if (props & (P_STORE | P_LOAD | P_WFLAGS | P_BRANCH | P_COMMIT | P_EXIT | P_DIV | P_FPU | P_REDX))
		return 0;
	return o->op != OP_RDCR && o->op != OP_WRCR && o->op != OP_NOP;
}

static uint32_t hash_expr(const struct expr *e)
{
	uint32_t h = e->op * 0x9e3779b1u ^ e->x * 0x85ebca6bu ^ e->use_imm;
	h = (h ^ e->va) * 0xc2b2ae35u;
	h = (h ^ e->vb) * 0x27d4eb2fu;
	h = (h ^ e->vflags) * 0x165667b1u;
	h = (h ^ e->imm) * 0x9e3779b1u;
	return h ^ h >> 15;
}

static int same_expr(const struct expr *a, const struct expr *b)
{
	return a->op == b->op && a->x == b->x && a->use_imm == b->use_imm && a->va == b->va && a->vb == b->vb &&
	       a->vflags == b->vflags && a->imm == b->imm;
}

struct cse {
	uint8_t *defs;       /* writes of each vreg (2: more than one) */
	uint32_t *vn;        /* each vreg's current value number */
	uint16_t *repl;      /* a removed op's temporary -> the one holding its value */
	uint32_t next_vn;
	struct expr *table;
	unsigned mask;
	struct known_mem mem[MEM_SLOTS];
	unsigned nmem, oldest;
};

/* A temporary written once: it holds one value wherever it is read. */
static int single(const struct cse *c, unsigned v)
{
	return v != VREG_NONE && v >= VREG_TEMP && c->defs[v] == 1;
}

static void substitute(const struct cse *c, uint16_t *v)
{
	if (*v != VREG_NONE && *v >= VREG_TEMP && c->repl[*v] != VREG_NONE)
		*v = c->repl[*v];
}

/* The op's value as an expression, looked up; NULL: no slot. */
static struct expr *lookup(struct cse *c, const struct ir_op *o, struct expr *key)
{
	*key = (struct expr){.op = o->op, .x = o->x, .use_imm = o->use_imm, .imm = o->imm, .rep = -1};
	key->va = o->a == VREG_NONE ? UINT32_MAX : c->vn[o->a];
	key->vb = o->use_imm || o->b == VREG_NONE ? UINT32_MAX : c->vn[o->b];
	key->vflags = (isa_ops[o->op].props & P_RFLAGS) ? c->vn[R_FLAGS] : UINT32_MAX;
	for (unsigned h = hash_expr(key) & c->mask, probes = 0; probes <= c->mask; h = (h + 1) & c->mask, probes++) {
		if (c->table[h].rep < 0 || same_expr(&c->table[h], key))
			return &c->table[h];
	}
	return NULL;
}

static void remember(struct cse *c, const struct known_mem *k)
{
	if (c->nmem < MEM_SLOTS) {
		c->mem[c->nmem++] = *k;
		return;
	}
	c->mem[c->oldest] = *k;
	c->oldest = (c->oldest + 1) % MEM_SLOTS;
}

/* A store of size bytes at addr: what it may overwrite is no longer known. */
static void store_kills(struct cse *c, const struct ir_sym *addr, unsigned size)
{
	unsigned n = 0;
	for (unsigned k = 0; k < c->nmem; k++) {
		const struct known_mem *m = &c->mem[k];
		if (ir_sym_same_root(&m->addr, addr) && !ir_sym_overlap(&m->addr, m->size, addr, size))
			c->mem[n++] = *m;
	}
	c->nmem = n;
	c->oldest = 0;
}

/* A load the region already knows the value of: removed, or (a narrow
 * store's value) an extension of it.  Returns 1 when it was. */
static int reuse_load(struct cse *c, struct ir_op *o, const struct ir_sym *addr)
{
	unsigned size = ir_mx_bytes(o->x), kind = o->x & MX_KIND_MASK;
	for (unsigned k = 0; k < c->nmem; k++) {
		const struct known_mem *m = &c->mem[k];
		if (!ir_sym_same_root(&m->addr, addr) || m->addr.off != addr->off || m->size != size)
			continue;
		if (!m->store && m->kind != kind)
			continue;
		if (!m->store || size == 4) {
			c->repl[o->dst] = m->val;
			o->dead = 1;
			return 1;
		}
		/* a byte or word stored: the load's kind extends it */
		o->op = (kind == MX_S8 || kind == MX_S16) ? OP_EXTS : OP_EXTU;
		o->a = m->val;
		o->b = VREG_NONE;
		o->use_imm = 0;
		o->imm = 0 | (8 * size) << 8;
		o->x = 0;
		return 1;
	}
	return 0;
}

unsigned ir_pass_cse(struct ir_block *b)
{
	unsigned nregs = VREG_TEMP + b->ntemps, removed = 0;
	unsigned cap = 16;
	while (cap < 2 * b->nops)
		cap *= 2;
	struct cse c = {.mask = cap - 1};
	struct ir_sym *sym = malloc(nregs * sizeof *sym);
	c.defs = calloc(nregs, 1);
	c.vn = malloc(nregs * sizeof *c.vn);
	c.repl = malloc(nregs * sizeof *c.repl);
	c.table = malloc(cap * sizeof *c.table);
	if (!sym || !c.defs || !c.vn || !c.repl || !c.table)
		goto out;
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		unsigned wr[2], nw = o->dead ? 0 : ir_writes(o, wr);
		for (unsigned k = 0; k < nw; k++)
			if (c.defs[wr[k]] < 2)
				c.defs[wr[k]]++;
	}
	for (unsigned v = 0; v < nregs; v++) {
		c.vn[v] = v;
		c.repl[v] = VREG_NONE;
	}
	c.next_vn = nregs;
	for (unsigned h = 0; h < cap; h++)
		c.table[h].rep = -1;
	ir_sym_init(sym, nregs);
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		substitute(&c, &o->a);
		if (!o->use_imm && o->op != OP_LDP)
			substitute(&c, &o->b);
		struct ir_side *sd = o->side && o->side != SIDE_HOT ? &b->sides[o->side - 1] : NULL;
		for (unsigned r = 0; sd && r < IR_NX86; r++)
			substitute(&c, &sd->cur[r]);
		if (sd) {
			substitute(&c, &sd->eip_vreg);
			substitute(&c, &sd->fp.fdp);
		}
		unsigned props = isa_ops[o->op].props;
		if (o->op == OP_LD && !(o->x & MX_HIDDEN) && single(&c, o->dst)) {
			struct ir_sym addr = ir_sym_addr(sym, o);
			if (reuse_load(&c, o, &addr)) {
				removed++;
				if (o->dead)
					continue;
			} else {
				remember(&c, &(struct known_mem){addr, o->dst, (uint8_t)ir_mx_bytes(o->x),
								 (uint8_t)(o->x & MX_KIND_MASK), 0});
			}
		} else if (o->op == OP_ST && !(o->x & MX_HIDDEN)) {
			struct ir_sym addr = ir_sym_addr(sym, o);
			unsigned size = ir_mx_bytes(o->x);
			store_kills(&c, &addr, size);
			if (single(&c, o->b))
				remember(&c, &(struct known_mem){addr, o->b, (uint8_t)size,
								 (uint8_t)(size == 4 ? MX_32 : size == 2 ? MX_U16 : MX_U8), 1});
		} else if ((props & P_STORE) && !(o->x & MX_HIDDEN)) {
			c.nmem = c.oldest = 0;   /* a store of another kind: nothing known of memory */
		} else if (pure(o) && single(&c, o->dst)) {
			struct expr key, *e = lookup(&c, o, &key);
			if (e && e->rep >= 0) {
				c.repl[o->dst] = b->ops[e->rep].dst;
				c.vn[o->dst] = c.vn[b->ops[e->rep].dst];
				o->dead = 1;
				removed++;
				continue;
			}
			if (e) {
				key.rep = (int)i;
				*e = key;
			}
		}
		unsigned wr[2], nw = ir_writes(o, wr);
		for (unsigned k = 0; k < nw; k++)
			c.vn[wr[k]] = c.next_vn++;
		ir_sym_def(sym, o, i);
	}
out:
	free(sym);
	free(c.defs);
	free(c.vn);
	free(c.repl);
	free(c.table);
	return removed;
}
