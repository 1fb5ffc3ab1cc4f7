/* tests/unit/region.c — the reoptimizer's pipeline (tr_optimize) on
 * hand-made x86: trace selection follows the profile and unrolls a loop,
 * an unbiased branch ends the region, nothing after a side exit becomes
 * visible before it, accesses from one root are disambiguated, a load
 * passing a store it may alias becomes ldp and the store stam @entry (and
 * neither without memory speculation), control speculation is what
 * lets a load move above a side exit, and a short branch over a few
 * instructions is if-converted when it is not biased enough, and loads of
 * what the region already loaded or stored are removed unless a store
 * between may have written them. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "cms/translate/translate.h"
#include "native-isa/x87.h"
#include "native-isa/xflags.h"
#include "tests/unit/testutil.h"

struct code {
	struct test_code x86;     /* first: the fetch's ctx */
	uint32_t hot, cold;       /* the profile: hot is entered 1000 times, cold `cold_count` */
	uint32_t cold_count;
	uint32_t more[2][2];      /* further (address, count) pairs */
};

static uint32_t count(void *ctx, uint32_t eip)
{
	const struct code *c = ctx;
	for (unsigned k = 0; k < 2; k++)
		if (c->more[k][1] && eip == c->more[k][0])
			return c->more[k][1];
	return eip == c->hot ? 1000 : eip == c->cold ? c->cold_count : 0;
}

static struct ir_machine machine(unsigned alias_entries, int control)
{
	struct ir_machine mc;
	test_machine(&mc, 4, 2, 1, 1, 1);
	mc.alias_entries = alias_entries;
	mc.control_speculation = control;
	return mc;
}

/* tr_optimize with if-conversion of branches over up to `ifc` instructions,
 * and cse.c when `cse` */
static int optimize_with(struct code *c, const struct ir_machine *mc, struct tr_result *r, unsigned ifc, int cse)
{
	struct x86_env env = {.ctx = &c->x86, .fetch = test_code_fetch};
	struct tr_hints h = {count, c, 0, NULL};
	struct tr_region_opts o = {.max_insns = 256, .max_stores = 32, .unroll = 4, .min_bias = 70,
				   .follow_calls = 1, .reorder_memory = mc->alias_entries > 0,
				   .control_speculation = mc->control_speculation, .if_convert_insns = ifc,
				   .if_convert_bias = 95, .cse = cse};
	memset(r, 0, sizeof *r);
	return tr_optimize(&env, c->x86.base, mc, &o, &h, r);
}

static int optimize_ifc(struct code *c, const struct ir_machine *mc, struct tr_result *r, unsigned ifc)
{
	return optimize_with(c, mc, r, ifc, 0);
}

static int optimize(struct code *c, const struct ir_machine *mc, struct tr_result *r)
{
	return optimize_ifc(c, mc, r, 0);
}

/* L: add eax, [ebx]; add ebx, 4; dec ecx; jne L; ret */
static const uint8_t loop[] = {0x03, 0x03, 0x83, 0xc3, 0x04, 0x49, 0x75, 0xf8, 0xc3};

static void test_loop_unrolled(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{loop, 0x1000, sizeof loop}, 0x1000, 0x1008, 1, {{0}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
	const struct ir_block *b = &r->block;
	CU_ASSERT(b->region);
	CU_ASSERT_EQUAL(b->ninsns, 16);       /* four copies of the body */
	CU_ASSERT_EQUAL(r->unrolled, 3);
	CU_ASSERT_EQUAL_FATAL(b->nsides, 3);  /* the first three loop exits */
	for (unsigned k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL(b->sides[k].target, 0x1008);
		CU_ASSERT_EQUAL(b->sides[k].ninsns, 4 * (k + 1));
	}
	/* the back edge ends it: an exit to its own entry */
	CU_ASSERT_EQUAL(b->end, END_COND);
	CU_ASSERT(b->target == 0x1000 || b->fall == 0x1000);
	/* add eax's flags are dead (add ebx overwrites them); add ebx's CF
	 * lives through dec to the exits (a ret: every flag live there) */
	unsigned flag_atoms = 0;
	for (unsigned i = 0; i < b->nops; i++)
		flag_atoms += !b->ops[i].dead && (isa_ops[b->ops[i].op].props & P_WFLAGS);
	CU_ASSERT_EQUAL(flag_atoms, 8);
	free(r);
}

static void test_unbiased_branch_ends(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{loop, 0x1000, sizeof loop}, 0x1000, 0x1008, 800, {{0}}};  /* 1000 : 800 is 56% */
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 4);
	CU_ASSERT_EQUAL(r->block.nsides, 0);
	free(r);
}

/* What the firmware saw of the loop's jne (0x1006) while it watched a
 * region: seen[0] taken, seen[1] not (both 0: nothing seen). */
static uint64_t seen_jne[2];

static int seen(void *ctx, uint32_t eip, uint64_t *taken, uint64_t *other)
{
	(void)ctx;
	if (eip != 0x1006 || !(seen_jne[0] | seen_jne[1]))
		return 0;
	*taken = seen_jne[0];
	*other = seen_jne[1];
	return 1;
}

/* The profile says the loop's back edge is taken 1000 : 1: every side
 * exit to 0x1008 is the jne's not-taken way, promised 0% of the arrivals.
 * What a watch saw replaces the profile: taken as often as not, the
 * region ends at the jne; almost never taken, the trace follows the
 * fall-through, and the side exit is the way back, promised 1%. */
static void test_seen_ways(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{loop, 0x1000, sizeof loop}, 0x1000, 0x1008, 1, {{0}}};
	struct x86_env env = {.ctx = &c.x86, .fetch = test_code_fetch};
	struct tr_hints h = {count, &c, 0, seen};
	struct ir_machine mc = machine(8, 1);
	struct tr_region_opts o = {.max_insns = 256, .max_stores = 32, .unroll = 4, .min_bias = 70};
	memset(r, 0, sizeof *r);
	seen_jne[0] = seen_jne[1] = 0;
	CU_ASSERT_EQUAL_FATAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), 0);
	CU_ASSERT_EQUAL_FATAL(r->block.nsides, 3);
	for (unsigned k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL(r->block.sides[k].branch, 0x1006);
		CU_ASSERT_EQUAL(r->block.sides[k].way, SIDE_WAY_FALL);
		CU_ASSERT_EQUAL(r->block.sides[k].promise, 0);
	}
	seen_jne[0] = 500, seen_jne[1] = 500;
	CU_ASSERT_EQUAL_FATAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 4);
	CU_ASSERT_EQUAL(r->block.nsides, 0);
	seen_jne[0] = 10, seen_jne[1] = 990;
	CU_ASSERT_EQUAL_FATAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 5);   /* the body, then the ret */
	CU_ASSERT_EQUAL_FATAL(r->block.nsides, 1);
	CU_ASSERT_EQUAL(r->block.sides[0].target, 0x1000);
	CU_ASSERT_EQUAL(r->block.sides[0].way, SIDE_WAY_TAKEN);
	CU_ASSERT_EQUAL(r->block.sides[0].promise, 1);
	free(r);
}

/* Nothing after a side exit is visible before it: every store and every
 * write of a fixed register that comes after a side exit's branch in x86
 * order issues in a later bundle. */
static void test_side_exits_ordered(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{loop, 0x1000, sizeof loop}, 0x1000, 0x1008, 1, {{0}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
	const struct ir_block *b = &r->block;
	for (unsigned k = 0; k < b->nsides; k++) {
		const struct ir_op *br = &b->ops[b->sides[k].op];
		for (unsigned i = (unsigned)b->sides[k].op + 1; i < b->nops; i++) {
			const struct ir_op *o = &b->ops[i];
			int fixed = o->dst != VREG_NONE && o->dst < VREG_TEMP && o->dst != R_ZERO;
			if (!o->dead && (fixed || (isa_ops[o->op].props & P_STORE)))
				CU_ASSERT(o->cycle > br->cycle);
		}
		/* its stub copies what the region keeps in temporaries */
		CU_ASSERT(b->sides[k].cur[R_EBX - R_EAX] >= VREG_TEMP);
	}
	free(r);
}

/* mov [esi], eax; mov edx, [edi]; mov [esi+4], edx; mov ecx, [esi+8]; ret */
static const uint8_t mem[] = {0x89, 0x06, 0x8b, 0x17, 0x89, 0x56, 0x04, 0x8b, 0x4e, 0x08, 0xc3};

static unsigned count_op(const struct ir_block *b, unsigned op)
{
	unsigned n = 0;
	for (unsigned i = 0; i < b->nops; i++)
		n += !b->ops[i].dead && b->ops[i].op == op;
	return n;
}

static void test_memory_speculation(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{mem, 0x2000, sizeof mem}, 0, 0, 0, {{0}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
	const struct ir_block *b = &r->block;   /* (re-pointed below: same result struct) */
	/* [edi] may alias [esi]: hoisted above it, protected and checked
	 * (and so is ret's load of [esp], hoisted above [esi+4]) */
	CU_ASSERT(count_op(b, OP_LDP) >= 1);
	int ldp = -1, stam = -1, ld = -1;
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead || !(isa_ops[o->op].props & (P_LOAD | P_STORE)))
			continue;
		if (o->insn == 1)
			ldp = o->op == OP_LDP ? (int)i : -2;
		if (o->insn == 0)
			stam = o->op == OP_STAM ? (int)i : -2;
		if (o->insn == 3)
			ld = o->op == OP_LD ? (int)i : -2;
	}
	CU_ASSERT_FATAL(ldp >= 0 && stam >= 0 && ld >= 0);
	CU_ASSERT(stam < ldp);                                       /* the store comes first in x86 order */
	CU_ASSERT(b->ops[ldp].cycle < b->ops[stam].cycle);           /* ... and the load first in time */
	CU_ASSERT_EQUAL(b->ops[stam].alias, b->ops[ldp].b);          /* it checks the load's entry */
	/* without memory speculation (two memory units): the [edi] load
	 * waits for the store; [esi+8] and [esi] are disjoint, so that one
	 * needs no order and no protection */
	struct ir_machine no = machine(0, 1);
	no.units[U_MEM] = 2;
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &no, r), 0);
	b = &r->block;
	CU_ASSERT_EQUAL(count_op(b, OP_LDP), 0);
	CU_ASSERT_EQUAL(count_op(b, OP_STAM), 0);
	int st = -1, may = -1, disjoint = -1;
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead || !(isa_ops[o->op].props & (P_LOAD | P_STORE)))
			continue;
		st = o->insn == 0 ? (int)i : st;
		may = o->insn == 1 ? (int)i : may;
		disjoint = o->insn == 3 ? (int)i : disjoint;
	}
	CU_ASSERT_FATAL(st >= 0 && may >= 0 && disjoint >= 0);
	CU_ASSERT(b->ops[may].cycle > b->ops[st].cycle);
	CU_ASSERT(b->ops[disjoint].cycle <= b->ops[st].cycle);
	free(r);
}

/* test eax, eax; je out; mov edx, [eax]; add edx, edx; ret; out: ret */
static const uint8_t guard[] = {0x85, 0xc0, 0x74, 0x05, 0x8b, 0x10, 0x01, 0xd2, 0xc3, 0xc3};

static void test_control_speculation(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{guard, 0x3000, sizeof guard}, 0x3004, 0x3009, 1, {{0}}};
	for (int spec = 0; spec < 2; spec++) {
		struct ir_machine mc = machine(8, spec);
		CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
		const struct ir_block *b = &r->block;
		CU_ASSERT_EQUAL_FATAL(b->nsides, 1);
		const struct ir_op *br = &b->ops[b->sides[0].op];
		int load = -1;
		for (unsigned i = 0; i < b->nops; i++)
			if (!b->ops[i].dead && (isa_ops[b->ops[i].op].props & P_LOAD) && !(b->ops[i].x & MX_HIDDEN))
				load = load < 0 ? (int)i : load;
		CU_ASSERT_FATAL(load >= 0);
		if (spec) {
			CU_ASSERT(b->ops[load].cycle <= br->cycle);   /* above the null test */
		} else {
			CU_ASSERT(b->ops[load].cycle > br->cycle);
		}
	}
	free(r);
}

/* push eax; push ebx; push ecx; mov eax, [esp + 8]; ret */
static const uint8_t pushes[] = {0x50, 0x53, 0x51, 0x8b, 0x44, 0x24, 0x08, 0xc3};

/* The offsets pass: a run of pushes stores at ESP - 4, - 8, - 12 from ESP
 * itself (no chain of subtractions between them), and the load of
 * [esp + 8] after them reads ESP - 4: the first push's slot, which the
 * disambiguation sees (same root, same offset), so it stays after that
 * store and needs no protection. */
static void test_offsets_from_root(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{pushes, 0x4000, sizeof pushes}, 0, 0, 0, {{0}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
	const struct ir_block *b = &r->block;
	unsigned stores = 0;
	int first = -1, load = -1;
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		if (isa_ops[o->op].props & P_STORE) {
			CU_ASSERT_EQUAL(o->a, R_ESP);
			CU_ASSERT_EQUAL(o->imm, (uint32_t)-4 * (stores + 1));
			first = stores++ == 0 ? (int)i : first;
		}
		if ((isa_ops[o->op].props & P_LOAD) && o->insn == 3)
			load = (int)i;
	}
	CU_ASSERT_EQUAL(stores, 3);
	CU_ASSERT_FATAL(first >= 0 && load >= 0);
	CU_ASSERT_EQUAL(b->ops[load].a, R_ESP);
	CU_ASSERT_EQUAL(b->ops[load].imm, (uint32_t)-4);
	CU_ASSERT_EQUAL(b->ops[load].op, OP_LD);
	CU_ASSERT(b->ops[load].cycle > b->ops[first].cycle);
	free(r);
}

/* L: mov edx, [ebx]; cmp edx, eax; jle S; mov eax, edx; S: add ebx, 4; dec ecx; jne L; ret
 * (a running maximum) */
static const uint8_t maxloop[] = {0x8b, 0x13, 0x39, 0xc2, 0x7e, 0x02, 0x89, 0xd0,
				  0x83, 0xc3, 0x04, 0x49, 0x75, 0xf2, 0xc3};

static unsigned count_writes(const struct ir_block *b, unsigned reg)
{
	unsigned n = 0;
	for (unsigned i = 0; i < b->nops; i++)
		n += !b->ops[i].dead && b->ops[i].dst == reg;
	return n;
}

/* jle over one mov, taken half the time: without if-conversion the region
 * ends at it; with it, the loop is unrolled through four copies of the
 * branch, each a sel of EAX and a correction of the retired count (the
 * skipped mov is not retired), and only the loop's own exits are side
 * exits.  The mov writes no flags, so FLAGS is neither saved nor merged.
 * A branch biased beyond cms.opt.if_convert_bias is followed instead. */
static void test_if_converted(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{maxloop, 0x5000, sizeof maxloop}, 0x5000, 0x500e, 1, {{0x5006, 500}, {0x5008, 500}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize(&c, &mc, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 3);
	CU_ASSERT_EQUAL(r->block.nhammocks, 0);
	CU_ASSERT_EQUAL_FATAL(optimize_ifc(&c, &mc, r, 1), 0);
	const struct ir_block *b = &r->block;
	CU_ASSERT_EQUAL(b->ninsns, 28);
	CU_ASSERT_EQUAL(b->nhammocks, 4);
	CU_ASSERT_EQUAL(b->nsides, 3);
	CU_ASSERT_EQUAL(count_op(b, OP_SEL), 8);
	CU_ASSERT_EQUAL(count_writes(b, R_RETIRED), 5);
	CU_ASSERT_EQUAL(count_writes(b, R_FLAGS), 0);
	for (unsigned h = 0; h < b->nhammocks; h++) {
		CU_ASSERT_EQUAL(b->hammocks[h].insn, 7 * h + 2);
		CU_ASSERT_EQUAL(b->hammocks[h].body, 1);
		CU_ASSERT_EQUAL(b->hammocks[h].cond, 14);   /* le */
	}
	/* 960 : 40 is more biased than 95%: followed, a side exit */
	c.more[0][1] = 40;
	c.more[1][1] = 960;
	CU_ASSERT_EQUAL_FATAL(optimize_ifc(&c, &mc, r, 1), 0);
	CU_ASSERT_EQUAL(b->nhammocks, 0);
	CU_ASSERT_EQUAL(b->nsides, 7);
	/* a body longer than allowed is not converted */
	c.more[0][1] = c.more[1][1] = 500;
	CU_ASSERT_EQUAL_FATAL(optimize_ifc(&c, &mc, r, 0), 0);
	CU_ASSERT_EQUAL(b->nhammocks, 0);
	free(r);
}

/* L: mov edx, [ebx]; test edx, 1; jz S; add eax, edx; S: adc ecx, 0; add ebx, 4; dec esi; jne L; ret */
static const uint8_t carryloop[] = {0x8b, 0x13, 0xf7, 0xc2, 0x01, 0x00, 0x00, 0x00, 0x74, 0x02, 0x01, 0xd0,
				    0x83, 0xd1, 0x00, 0x83, 0xc3, 0x04, 0x4e, 0x75, 0xeb, 0xc3};

/* The body's add sets the CF that adc reads after the join: FLAGS is
 * saved before the body and merged with sel after it, so the add keeps its
 * flags. */
static void test_if_converted_flags(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{carryloop, 0x6000, sizeof carryloop}, 0x6000, 0x6015, 1, {{0x600a, 500}, {0x600c, 500}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize_ifc(&c, &mc, r, 2), 0);
	const struct ir_block *b = &r->block;
	CU_ASSERT_EQUAL_FATAL(b->nhammocks, 4);
	CU_ASSERT_EQUAL(b->hammocks[0].flags_live & XF_CF, XF_CF);
	unsigned body_addf = 0;
	for (unsigned i = 0; i < b->nops; i++)
		body_addf += !b->ops[i].dead && b->ops[i].op == OP_ADDF && b->ops[i].insn % 8 == 3;
	CU_ASSERT_EQUAL(body_addf, 4);                  /* the body's add keeps its flags */
	CU_ASSERT_EQUAL(count_writes(b, R_FLAGS), 8);   /* put back, then merged */
	CU_ASSERT_EQUAL(count_op(b, OP_SEL), 12);       /* EAX, FLAGS, the retired count */
	/* the retired count's sel reads the branch's FLAGS (put back from the
	 * copy made before the body), not the merged ones, which are the
	 * body's add's when the branch fell through */
	unsigned checked = 0;
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead || o->op != OP_SUB || o->dst != R_RETIRED)
			continue;
		int sel = -1, flags = -1;
		for (unsigned j = 0; j < i; j++)
			if (!b->ops[j].dead && b->ops[j].op == OP_SEL && b->ops[j].dst == o->b)
				sel = (int)j;
		CU_ASSERT_FATAL(sel >= 0);
		for (unsigned j = 0; j < (unsigned)sel; j++)
			if (!b->ops[j].dead && b->ops[j].dst == R_FLAGS)
				flags = (int)j;
		CU_ASSERT_FATAL(flags >= 0);
		CU_ASSERT_EQUAL(b->ops[flags].op, OP_MOV);
		int copy = -1;
		for (unsigned j = 0; j < (unsigned)flags; j++)
			if (!b->ops[j].dead && b->ops[j].dst == b->ops[flags].b)
				copy = (int)j;
		CU_ASSERT_FATAL(copy >= 0);
		CU_ASSERT(b->ops[copy].op == OP_MOV && b->ops[copy].b == R_FLAGS);
		checked++;
	}
	CU_ASSERT_EQUAL(checked, 4);
	free(r);
}

/* add eax, ebx; shld eax, ebx, 3; ret: a region stops before a shld
 * whose flags may be read (the ret's successor may read any), which a
 * block takes; one shorter than the block it would replace is not made */
static const uint8_t shldtail[] = {0x01, 0xd8, 0x0f, 0xa4, 0xd8, 0x03, 0xc3};

static void test_shorter_than_block(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{shldtail, 0x7000, sizeof shldtail}, 0, 0, 0, {{0}}};
	struct x86_env env = {.ctx = &c.x86, .fetch = test_code_fetch};
	struct tr_hints h = {count, &c, 0, NULL};
	struct ir_machine mc = machine(8, 1);
	struct tr_region_opts o = {.max_insns = 256, .max_stores = 32, .unroll = 4, .min_bias = 70};
	memset(r, 0, sizeof *r);
	CU_ASSERT_EQUAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 1);
	o.min_insns = 3;
	CU_ASSERT_EQUAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), -1);
	free(r);
}

static unsigned guest_loads(const struct ir_block *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < b->nops; i++)
		n += !b->ops[i].dead && (b->ops[i].op == OP_LD || b->ops[i].op == OP_LDP) && !(b->ops[i].x & MX_HIDDEN);
	return n;
}

/* L: mov eax, [ebx+4]; add eax, [ebx+4]; mov [ebx+8], eax; add edx, [ebx+4];
 *    add edx, [ebx+8]; dec ecx; jne L; ret
 * Nothing writes [ebx+4] and the store to [ebx+8] is from the same root
 * and does not overlap it: across the four copies of the body, [ebx+4] is
 * loaded once, and [ebx+8] is what the store before it wrote. */
static const uint8_t reloads[] = {0x8b, 0x43, 0x04, 0x03, 0x43, 0x04, 0x89, 0x43, 0x08, 0x03, 0x53, 0x04,
				  0x03, 0x53, 0x08, 0x49, 0x75, 0xee, 0xc3};

static void test_cse_loads(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{reloads, 0x8000, sizeof reloads}, 0x8000, 0x8012, 1, {{0}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize_with(&c, &mc, r, 0, 0), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 28);
	CU_ASSERT_EQUAL(guest_loads(&r->block), 16);
	CU_ASSERT_EQUAL(r->cse_removed, 0);
	CU_ASSERT_EQUAL_FATAL(optimize_with(&c, &mc, r, 0, 1), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 28);
	CU_ASSERT_EQUAL(guest_loads(&r->block), 1);
	CU_ASSERT(r->cse_removed >= 15);
	CU_ASSERT_EQUAL(count_op(&r->block, OP_ST), 4);  /* every store stays */
	free(r);
}

/* L: mov eax, [ebx+4]; mov [ecx], eax; add eax, [ebx+4]; movzx edx, byte [ebx+1];
 *    mov [ebx+1], al; movzx esi, byte [ebx+1]; dec edi; jne L; ret
 * The store to [ecx] may write [ebx+4]: the second load stays.  The byte
 * stored to [ebx+1] overlaps what movzx loaded before it: the second movzx
 * takes the byte stored, zero-extended, instead of loading it. */
static const uint8_t aliasing[] = {0x8b, 0x43, 0x04, 0x89, 0x01, 0x03, 0x43, 0x04, 0x0f, 0xb6, 0x53, 0x01,
				   0x88, 0x43, 0x01, 0x0f, 0xb6, 0x73, 0x01, 0x4f, 0x75, 0xea, 0xc3};

static void test_cse_alias(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{aliasing, 0x9000, sizeof aliasing}, 0x9000, 0x9016, 1, {{0}}};
	struct ir_machine mc = machine(8, 1);
	CU_ASSERT_EQUAL_FATAL(optimize_with(&c, &mc, r, 0, 1), 0);
	const struct ir_block *b = &r->block;
	CU_ASSERT_EQUAL(b->ninsns, 32);
	/* the second [ebx+4] and the first movzx of every copy load; the
	 * first [ebx+4] only in the first copy (in the others only the byte
	 * store, which does not overlap it, came after the load before) */
	CU_ASSERT_EQUAL(guest_loads(b), 9);
	CU_ASSERT_EQUAL(count_op(b, OP_EXTU), 4);
	free(r);
}

/* L: fld qword [ebx]; fmul st0, st0; fstp qword [ebx]; add ebx, 8; dec ecx; jne L; ret
 * on an empty x87 stack: the loop is stack-neutral, so the region unrolls
 * it like integer code.  Every side exit's stub puts back the stack there
 * (empty, as at the entry), the instruction and data pointers of the
 * fstp before it; no FPU atom after a side exit in x86 order issues in
 * its branch's bundle or before (the FPU state is not renamed). */
static const uint8_t x87loop[] = {0xdd, 0x03, 0xd8, 0xc8, 0xdd, 0x1b, 0x83, 0xc3, 0x08, 0x49, 0x75, 0xf4, 0xc3};

static void test_x87_region(void)
{
	struct tr_result *r = malloc(sizeof *r);
	struct code c = {{x87loop, 0xa000, sizeof x87loop}, 0xa000, 0xa00c, 1, {{0}}};
	struct x87_state fpu;
	x87_init(&fpu);
	struct x86_env env = {.ctx = &c.x86, .fetch = test_code_fetch, .fpu = &fpu};
	struct tr_hints h = {count, &c, 0, NULL};
	struct ir_machine mc = machine(8, 1);
	mc.units[U_FPU] = 1;
	mc.lat[L_FADD] = 3;
	mc.lat[L_FMUL] = 5;
	struct tr_region_opts o = {.max_insns = 256, .max_stores = 32, .unroll = 4, .min_bias = 70,
				   .reorder_memory = 1, .control_speculation = 1, .cse = 1};
	memset(r, 0, sizeof *r);
	CU_ASSERT_EQUAL_FATAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), 0);
	const struct ir_block *b = &r->block;
	CU_ASSERT_EQUAL(b->ninsns, 24);
	CU_ASSERT_EQUAL(b->fp_entry, (int)(x87_top(&fpu) | (unsigned)fpu.tags << 8));
	CU_ASSERT_EQUAL_FATAL(b->nsides, 3);
	for (unsigned k = 0; k < b->nsides; k++) {
		const struct ir_side *sd = &b->sides[k];
		CU_ASSERT_EQUAL(sd->fp.st, b->fp_entry);
		CU_ASSERT_EQUAL(sd->fp.fip_insn, (int)(6 * k + 2));
		CU_ASSERT(sd->fp.fdp != VREG_NONE);
		const struct ir_op *br = &b->ops[sd->op];
		for (unsigned i = (unsigned)sd->op + 1; i < b->nops; i++)
			if (!b->ops[i].dead && (isa_ops[b->ops[i].op].props & P_FPU))
				CU_ASSERT(b->ops[i].cycle > br->cycle);
	}
	/* on a full stack the fld would overflow: interpreted, no region */
	fpu.tags = 0xff;
	CU_ASSERT_EQUAL(tr_optimize(&env, c.x86.base, &mc, &o, &h, r), -1);
	/* L: fld1; dec ecx; jne L: a loop that does not give the stack back
	 * ends the region at its back edge, not unrolled (entering it again
	 * with one more register in use would fail fchk) */
	static const uint8_t pushloop[] = {0xd9, 0xe8, 0x49, 0x75, 0xfb, 0xc3};
	struct code p = {{pushloop, 0xb000, sizeof pushloop}, 0xb000, 0xb005, 1, {{0}}};
	x87_init(&fpu);
	env.ctx = &p.x86;
	h.ctx = &p;
	CU_ASSERT_EQUAL_FATAL(tr_optimize(&env, p.x86.base, &mc, &o, &h, r), 0);
	CU_ASSERT_EQUAL(b->ninsns, 3);
	CU_ASSERT_EQUAL(r->unrolled, 0);
	free(r);
}

void suite_region(void)
{
	CU_pSuite s = CU_add_suite("region", NULL, NULL);
	CU_add_test(s, "a loop is followed around its back edge and unrolled", test_loop_unrolled);
	CU_add_test(s, "an unbiased branch ends the region", test_unbiased_branch_ends);
	CU_add_test(s, "what a watch saw of a branch replaces the profile", test_seen_ways);
	CU_add_test(s, "nothing after a side exit is visible before it", test_side_exits_ordered);
	CU_add_test(s, "a load passing a store it may alias is protected, the store checks it", test_memory_speculation);
	CU_add_test(s, "control speculation moves a load above a side exit", test_control_speculation);
	CU_add_test(s, "constant-offset chains start from their root", test_offsets_from_root);
	CU_add_test(s, "a short unbiased branch is if-converted", test_if_converted);
	CU_add_test(s, "an if-converted body's live flags are merged", test_if_converted_flags);
	CU_add_test(s, "a region shorter than the block it replaces is not made", test_shorter_than_block);
	CU_add_test(s, "a load of what the region loaded or stored there is removed", test_cse_loads);
	CU_add_test(s, "a store that may alias keeps the load after it", test_cse_alias);
	CU_add_test(s, "x87 code in a region: stack-neutral loops unrolled, side exits put the stack back", test_x87_region);
}
