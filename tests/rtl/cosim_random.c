/* tests/rtl/cosim_random.c — the constrained-random lockstep test of the RTL
 * core (docs/rtl.md): random legal bundle streams, built from the ISA table
 * (native-isa/isa.def through isa_ops, isa_fmt_fields, isa_x_valid), run by
 * hw-sim with the RTL in lockstep (hw-sim/rtl/cosim.c), so that every atom,
 * operand format, x value and operand pattern is compared between the two.
 *
 *   build/cosim/default/cosim-random [-c chip.yaml] [-n BUNDLES] [-s SEED] [-v]
 *   build/cosim/wide8/cosim-random -c configs/wide8.yaml     (make cosim-random COSIM_CONFIG=...)
 *
 * The seed is printed first (CDVM_SEED or -s replays it; a run is a pure
 * function of seed and configuration, and -n only cuts it, so a difference
 * found at bundle N replays with the same seed and any -n >= N).  A
 * difference prints the lockstep's report and the program it happened in,
 * and ends the process with status 3; bad arguments exit 2; a clean run
 * prints one summary line and exits 0.
 *
 * Programs.  Each is 1..64 random bundles, then the tail: a `wrcr UNITS_*`
 * bundle for every unit mask the program may have changed (back to all
 * units) and an `exit`.  It is written into the translation cache, random
 * values go into some registers, the chip runs it (bounded: a program can
 * only go forward, the budget is a second guard) and the next one follows
 * on the state the last left (after a fault: the rolled-back state).
 * Every bundle obeys hw-sim/core.c's machine checks: at most
 * core.issue_width atoms, at most the enabled units of each class (the
 * masks are read from the chip before each program and followed through
 * the program's own wrcr; the least any path may see is what counts), no
 * two writers of a register (FLAGS included: flag atoms, fcmpi, fucmpi) or
 * of an FPU register, at most one FPU-state atom (P_FPU), ldp's alias entry
 * below core.alias_entries, readable / writable control registers.
 *
 * What the table cannot tell comes from here: the data windows (r20 points
 * 8 bytes into 80 bytes of guest memory that straddle a page boundary, r22
 * into a window of the firmware data region of hidden memory for MX_HIDDEN
 * accesses), the alias entries, branch targets (always a later bundle of
 * the same program), which control registers are safe to write (SCRATCH0/1
 * and the unit masks; never PAGEDIR, TLB_FLUSH, SMC*, WAYS_*, SIG_CTRL,
 * DEPTH_CTRL, FPU_CW/SW), and a few two-bundle patterns whose second atom
 * needs the first's value: `mov r21, #label` before `jr r21`, `mov r24,
 * #mask` before `wrcr UNITS_x, r24` (no branch lands on the second bundle),
 * EDX (r3) set up before xdiv*, INT_MIN before divs/rems by -1.  Some
 * programs carry a deliberate fault: a load or store far outside memory, a
 * divide by zero, a store storm without commits (store-buffer overflow), a
 * jump to a misaligned or absent address, or an illegal bundle; memory
 * faults on pages (absent, read-only, store-protected) and accesses split
 * over two frames come from a page table the test installs in hidden memory
 * for some stretches of programs (the firmware's part: PAGEDIR is written
 * between runs, never by a program).  FPU atoms use the temporaries f8..f15
 * only, the x87 control word stays at its default (every exception masked):
 * their values come from hw-sim in the lockstep, their timing is compared.
 *
 * Two differences this test found were hw-sim's, both fixed in
 * hw-sim/core.c: a rolled-back single-pass bundle left the ready times of
 * the atoms it had landed (the next program in the same cycle waited on
 * them), and wrcr read its source at write-back, after the earlier slots
 * of a two-pass bundle had written theirs.  The generator makes both
 * cases: programs follow a fault in the same cycle half of the time, and
 * a bundle may write r24 beside the `wrcr UNITS_x, r24` that reads it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "configs/config.h"
#include "hidden-mem/hidden.h"
#include "hw-sim/chip.h"
#include "hw-sim/rtl/cosim_run.h"
#include "native-isa/isa.h"
#include "native-isa/isa_priv.h"
#include "native-isa/x87.h"

enum {
	BODY_MAX = 64,                        /* random bundles of a program */
	MAX_BUNDLES = BODY_MAX + U_COUNT + 1, /* and its tail: mask restores, exit */
	CODE_SLOTS = 4,                       /* programs rotate through these */
	SLOT_BYTES = MAX_BUNDLES * ISA_MAX_BUNDLE * ISA_ATOM_BYTES,
	RUN_BUDGET = 1000000,                 /* cycles: far above any forward-only program */
	WIN_LO = -8, WIN_SPAN = 80,           /* window offsets [-8, 72) from r20 / r22 */
	WIN_PAGE_OFF = 32,                    /* where r20's window crosses a page */
};

/* Registers with a role: never a destination of a random atom. */
enum { R_BASE = 20, R_JR = 21, R_HBASE = 22, R_ONES = 23, R_MASK = 24 };

/* r20: 32 bytes below a page boundary.  With the test's page table the two
 * pages map to frames that do not follow each other (split accesses), the
 * page after them is read-only and the page before is store-protected. */
#define GUEST_WIN 0x00200fe0u
#define WIN_VPN (GUEST_WIN >> ISA_PAGE_SHIFT)
static const uint32_t page_frame[4] = {0x390, 0x380, 0x3a1, 0x3a2};  /* vpn WIN_VPN - 1 .. + 2 */
static const uint32_t page_flags[4] = {
	ISA_PTE_PRESENT | ISA_PTE_WRITE | ISA_PTE_PROTECT, ISA_PTE_PRESENT | ISA_PTE_WRITE,
	ISA_PTE_PRESENT | ISA_PTE_WRITE, ISA_PTE_PRESENT};

/* Destinations a program draws its small register pool from (the roles
 * above left out); r0 is a destination now and then. */
static const uint8_t dst_candidates[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
					 17, 18, 19, 25, 26, 27, 28, 29, 30, 31, 40, 47, 55, 63};

/* What an atom's immediate still needs when the program is laid out. */
enum fixup { FX_NONE, FX_BRANCH, FX_ADDR, FX_ABS };

struct gatom {
	struct atom a;
	uint8_t fix;         /* enum fixup */
	bool raw;            /* `word` is a deliberately undecodable atom */
	uint16_t min_target; /* FX_BRANCH, FX_ADDR: the first bundle it may go to */
	uint32_t addend;     /* FX_ADDR: added to the target's address; FX_ABS: the address */
	uint64_t word;
};

struct gbundle {
	struct gatom at[ISA_MAX_BUNDLE];
	unsigned n;
	bool no_target;  /* its atoms rely on the bundle before: no branch lands here */
	uint32_t pc;
};

/* What a bundle holds so far, as hw-sim/core.c add_atom counts it. */
struct bstate {
	unsigned cls[U_COUNT + 1];
	uint64_t dst;
	uint16_t fdst;
	bool fpu;
};

/* Deliberate faults, one per program at most. */
enum request { RQ_NONE, RQ_FAR, RQ_PAGE, RQ_DIV0, RQ_STORM, RQ_ILLEGAL, RQ_JUMP, RQ_COUNT };
enum illegal_kind { IK_WIDTH, IK_DUP, IK_FLAGS, IK_FDUP, IK_UNITS, IK_ALIAS, IK_CR, IK_UNDECODABLE, IK_COUNT };

struct prog {
	struct gbundle b[MAX_BUNDLES];
	unsigned nb, body;          /* bundles; body: 0..body-1 random, body is the last target */
	uint32_t base;
	unsigned cap[U_COUNT];      /* units of each class a bundle may use */
	uint32_t start_mask[U_COUNT];
	bool restore[U_COUNT];
	uint32_t fpu_expect;        /* fchk's immediate when the x87 state is as expected */
	uint8_t pool[24];
	unsigned npool, nfpool;
	uint8_t fpool[8];
	struct gatom queued;        /* a pattern's second atom, for the next bundle */
	bool has_queued, queued_no_target;
	enum request req;
	unsigned req_bundle;
	bool may_fault_jump;        /* a deliberate jump may end in an illegal bundle or a fetch fault */
	unsigned cum[OP_COUNT], wsum;
	uint64_t words[MAX_BUNDLES * ISA_MAX_BUNDLE];
	unsigned nwords;
};

enum { N_EXITS = 0
#define COUNT_EXIT(n, text) + 1
	CHIP_EXITS(COUNT_EXIT)
#undef COUNT_EXIT
};

struct gen {
	uint64_t rng[4];
	uint64_t seed;
	struct cdvm_config cfg;
	struct chip *chip;
	struct hidden_mem hm;
	unsigned width, units[U_COUNT], sb_cap, alias_entries;
	uint32_t guest_limit, mem_size;
	uint32_t code[CODE_SLOTS], hwin, pagedir;
	bool paging, verbose, running;
	uint8_t xs[OP_COUNT][16], nxs[OP_COUNT];
	unsigned rd_fixed[64], nrd_fixed, rd_cnt[256], nrd_cnt, rd_other[256], nrd_other;
	unsigned bad_rd[8], nbad_rd, bad_wr[8], nbad_wr;
	bool readable[0x400];
	const char *chip_file;
	bool cov[OP_COUNT][16];
	uint64_t programs, outcome[N_EXITS], requests[RQ_COUNT];
	struct prog p;
};

/* ---- random numbers: xoshiro256**, seeded by splitmix64 -------------------------- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct gen *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		g->rng[i] = splitmix(&seed);
}

static uint64_t rotl64(uint64_t v, int k) { return v << k | v >> (64 - k); }

static uint64_t rnd64(struct gen *g)
{
	uint64_t *s = g->rng;
	uint64_t r = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return r;
}

static unsigned rnd(struct gen *g, unsigned n) { return n ? (unsigned)(rnd64(g) % n) : 0; }
static bool chance(struct gen *g, unsigned num, unsigned den) { return rnd(g, den) < num; }

/* Operand values and immediates: corners, small numbers, powers of two, noise. */
static const uint32_t corners[] = {
	0,          1,          2,          3,          7,          8,          15,         16,
	17,         31,         32,         33,         63,         64,         0x7f,       0x80,
	0xff,       0x100,      0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff, 0x80000000,
	0x80000001, 0xfffffffe, 0xffffffff, 0xffffff80, 0xffff8000, 0xffffff7f, 0xaaaaaaaa, 0x55555555};

static uint32_t rand_value(struct gen *g)
{
	switch (rnd(g, 8)) {
	case 0: case 1: case 2: return corners[rnd(g, sizeof corners / sizeof *corners)];
	case 3: return rnd(g, 40);
	case 4: return 0u - rnd(g, 40);
	case 5: return (1u << rnd(g, 32)) + (uint32_t)rnd(g, 3) - 1;
	default: return (uint32_t)rnd64(g);
	}
}

/* ---- what the table says ------------------------------------------------------------ */

static unsigned op_fields(unsigned op) { return isa_fmt_fields(isa_ops[op].fmt); }
static unsigned all_ones(unsigned n) { return n >= 32 ? ~0u : (1u << n) - 1; }

/* Registers the atom writes, as hw-sim/core.c add_atom counts them. */
static uint64_t atom_dst(const struct atom *a)
{
	const struct isa_op_info *oi = &isa_ops[a->op];
	uint64_t d = 0;
	if ((isa_fmt_fields(oi->fmt) & FLD_RD) && a->rd != R_ZERO && oi->fmt != F_STAM)
		d |= 1ull << a->rd;
	if (oi->props & P_WFLAGS)
		d |= 1ull << R_FLAGS;
	return d;
}

static uint16_t atom_fdst(const struct atom *a)
{
	return (op_fields(a->op) & FLD_FD) ? (uint16_t)(1u << a->rd) : 0;
}

/* The x values of every row (formats without x: 0 alone). */
static void table_init(struct gen *g)
{
	for (unsigned op = 0; op < OP_COUNT; op++) {
		g->nxs[op] = 0;
		for (unsigned x = 0; x < 16; x++)
			if ((op_fields(op) & FLD_X) ? isa_x_valid(op, x) : x == 0)
				g->xs[op][g->nxs[op]++] = (uint8_t)x;
	}
}

static unsigned coverage_total(const struct gen *g)
{
	unsigned n = 0;
	for (unsigned op = 0; op < OP_COUNT; op++)
		n += g->nxs[op];
	return n;
}

static unsigned coverage_seen(const struct gen *g)
{
	unsigned n = 0;
	for (unsigned op = 0; op < OP_COUNT; op++)
		for (unsigned k = 0; k < g->nxs[op]; k++)
			n += g->cov[op][g->xs[op][k]];
	return n;
}

/* The control registers a program may read, from the chip itself, and a
 * few it may not read or write (for illegal bundles). */
static void cr_init(struct gen *g)
{
	for (unsigned num = 0; num < 0x400; num++) {
		uint32_t v;
		if (chip_read_cr(g->chip, num, &v) != 0)
			continue;
		g->readable[num] = true;
		if (num < ISA_CR_CNT_BASE && g->nrd_fixed < 64)
			g->rd_fixed[g->nrd_fixed++] = num;
		else if (num < ISA_CR_SIG_BASE && g->nrd_cnt < 256)
			g->rd_cnt[g->nrd_cnt++] = num;
		else if (g->nrd_other < 256)
			g->rd_other[g->nrd_other++] = num;
	}
	static const unsigned cand[] = {0x005, 0x00b, 0x0ff, 0x1ff, 0x3ff, 0x1234, 0xffff, CR_GUEST_LIMIT,
					CR_ISSUE_WIDTH, ISA_CR_CNT_BASE};
	for (size_t i = 0; i < sizeof cand / sizeof *cand; i++) {
		uint32_t v;
		if (chip_read_cr(g->chip, cand[i], &v) != 0 && g->nbad_rd < 8)
			g->bad_rd[g->nbad_rd++] = cand[i];
		if (!isa_cr_writable(cand[i]) && g->nbad_wr < 8)
			g->bad_wr[g->nbad_wr++] = cand[i];
	}
}

static unsigned pick_rdcr(struct gen *g)
{
	unsigned k = rnd(g, 10);
	if (k < 4 && g->nrd_fixed)
		return g->rd_fixed[rnd(g, g->nrd_fixed)];
	if (k < 9 && g->nrd_cnt)
		return g->rd_cnt[rnd(g, g->nrd_cnt)];
	if (g->nrd_other)
		return g->rd_other[rnd(g, g->nrd_other)];
	return CR_SCRATCH0;
}

/* ---- operands --------------------------------------------------------------------------- */

static int pick_dst(struct gen *g, const struct bstate *bs)
{
	const struct prog *p = &g->p;
	if (chance(g, 1, 40))
		return R_ZERO;
	for (int t = 0; t < 8; t++) {
		unsigned r = p->pool[rnd(g, p->npool)];
		if (!(bs->dst >> r & 1))
			return (int)r;
	}
	return -1;
}

static unsigned pick_src(struct gen *g)
{
	static const uint8_t extra[] = {R_ZERO, R_BASE, R_HBASE, R_ONES, R_MASK, R_JR};
	if (chance(g, 1, 8))
		return extra[rnd(g, sizeof extra)];
	return g->p.pool[rnd(g, g->p.npool)];
}

static unsigned pick_freg(struct gen *g) { return g->p.fpool[rnd(g, g->p.nfpool)]; }

static int pick_fdst(struct gen *g, const struct bstate *bs)
{
	for (int t = 0; t < 8; t++) {
		unsigned f = pick_freg(g);
		if (!(bs->fdst >> f & 1))
			return (int)f;
	}
	return -1;
}

/* A bit field (extu, exts, dep): the ends more often than the middle. */
static uint32_t pick_bitfield(struct gen *g)
{
	unsigned pos, len;
	switch (rnd(g, 4)) {
	case 0: pos = 0; len = chance(g, 1, 2) ? 32 : 8u << rnd(g, 2); break;
	case 1: pos = 8u * rnd(g, 4); len = 8; break;
	default: pos = rnd(g, 32); len = 1 + rnd(g, 32 - pos); break;
	}
	uint32_t imm = pos | len << 8;
	return isa_bitfield_valid(imm) ? imm : 8u << 8;
}

/* An offset into a data window: often around r20's page boundary, so that
 * loads meet buffered stores, protected loads meet stores under alarm and
 * accesses split over the two pages. */
static uint32_t win_offset(struct gen *g)
{
	if (chance(g, 1, 2))
		return (uint32_t)(WIN_PAGE_OFF - 8) + rnd(g, 16);
	return (uint32_t)(WIN_LO + (int)rnd(g, WIN_SPAN));
}

static uint32_t divisor_imm(struct gen *g)
{
	switch (rnd(g, 40)) {
	case 0: return 0;
	case 1: case 2: return 0xffffffff;
	default: return rand_value(g);
	}
}

/* fstk / fchk immediate: a stack top and tags (fstk: and maybe "clear C1"). */
static uint32_t fpu_stack_imm(struct gen *g)
{
	return rnd(g, 8) | rnd(g, 256) << ISA_FSTK_TAGS_SHIFT | (chance(g, 1, 2) ? ISA_FSTK_CLEAR_C1 : 0);
}

/* ---- one atom ------------------------------------------------------------------------------ */

/* Fields of an atom of row `op` for bundle bi, legal beside what bs holds:
 * the format's fields (isa_fmt_fields) with random operands, then what the
 * table cannot tell.  false when it does not fit (no free destination). */
static bool gen_atom(struct gen *g, const struct bstate *bs, unsigned bi, unsigned op, struct gatom *ga)
{
	struct prog *p = &g->p;
	const struct isa_op_info *oi = &isa_ops[op];
	const unsigned f = isa_fmt_fields(oi->fmt);
	struct atom *a = &ga->a;
	memset(ga, 0, sizeof *ga);
	a->op = (uint8_t)op;
	if (f & FLD_X)
		a->x = g->xs[op][rnd(g, g->nxs[op])];
	if ((f & FLD_RD) && oi->fmt != F_STAM) {
		int r = pick_dst(g, bs);
		if (r < 0)
			return false;
		a->rd = (uint8_t)r;
	}
	if (f & FLD_FD) {
		int r = pick_fdst(g, bs);
		if (r < 0)
			return false;
		a->rd = (uint8_t)r;
	}
	if (f & FLD_RA)
		a->ra = (uint8_t)pick_src(g);
	if (f & FLD_FA)
		a->ra = (uint8_t)pick_freg(g);
	if (f & FLD_RB)
		a->rb = (uint8_t)pick_src(g);
	if (f & FLD_FB)
		a->rb = (uint8_t)pick_freg(g);
	if (f & FLD_B) {
		a->use_imm = chance(g, (oi->props & P_DIV) ? 2 : 1, 3);
		if (a->use_imm)
			a->imm = (oi->props & P_DIV) ? divisor_imm(g) : rand_value(g);
		else
			a->rb = (uint8_t)pick_src(g);
	}
	if (f & FLD_IMM)
		a->imm = rand_value(g);

	switch (oi->fmt) {
	case F_BF: case F_DEP:
		a->imm = pick_bitfield(g);
		break;
	case F_LD: case F_ST: case F_LDP: case F_STAM:
		if ((a->x & MX_HIDDEN) && chance(g, 1, 2))
			a->x &= (uint8_t)~MX_HIDDEN;  /* guest accesses are the ones that forward and alias most */
		/* hidden accesses only through r22: anything else could reach the code or the page table */
		a->ra = (a->x & MX_HIDDEN) ? R_HBASE : chance(g, 1, 80) ? (uint8_t)pick_src(g) : R_BASE;
		a->imm = a->ra == R_BASE || a->ra == R_HBASE ? win_offset(g) : rnd(g, 64);
		if (oi->fmt == F_LDP) {
			if (!g->alias_entries)
				return false;
			a->rb = (uint8_t)rnd(g, g->alias_entries);
		}
		if (oi->fmt == F_STAM)  /* the first alias entry it checks */
			a->rd = (uint8_t)(chance(g, 1, 8) ? rnd(g, 64) : rnd(g, g->alias_entries + 1));
		break;
	case F_J: case F_BC: case F_JR: case F_JAL:
		ga->fix = FX_BRANCH;
		ga->min_target = (uint16_t)(bi + 1);
		a->imm = 0;
		break;
	case F_R1:
		return false;  /* jr: only after the mov of its target (pattern_jr) */
	case F_RDCR:
		a->imm = pick_rdcr(g);
		break;
	case F_WRCR:
		a->imm = CR_SCRATCH0 + rnd(g, 2);  /* the unit masks: pattern_mask */
		break;
	case F_IMM:  /* fchk: mostly the x87 stack as it is; fstk: a new one; fip: any address */
		if (op == OP_FCHK)
			a->imm = chance(g, 4, 5) ? p->fpu_expect : fpu_stack_imm(g) & 0xffff;
		else if (op == OP_FSTK)
			p->fpu_expect = (a->imm = fpu_stack_imm(g)) & 0xffff;
		break;
	case F_RI:
		a->imm = rnd(g, 0x10000);
		break;
	default:
		break;
	}
	if (atom_dst(a) & bs->dst)
		return false;
	return true;
}

/* May an atom of row op join the bundle?  allow: which kinds this bundle takes. */
enum { AL_BRANCH = 1, AL_EXIT = 2, AL_PATTERN = 4, AL_WRCR = 8 };

static bool fits(const struct gen *g, const struct bstate *bs, unsigned op, unsigned allow)
{
	const struct isa_op_info *oi = &isa_ops[op];
	if (oi->unit < U_COUNT && bs->cls[oi->unit] >= g->p.cap[oi->unit])
		return false;
	if ((oi->props & P_FPU) && bs->fpu)
		return false;
	if ((oi->props & P_WFLAGS) && (bs->dst >> R_FLAGS & 1))
		return false;
	if ((oi->props & P_EXIT) && !(allow & AL_EXIT))
		return false;
	if ((oi->props & P_BRANCH) && !(oi->props & P_EXIT) && !(allow & AL_BRANCH))
		return false;
	if (oi->fmt == F_WRCR && !(allow & AL_WRCR))
		return false;
	if ((oi->props & P_COMMIT) && g->p.req == RQ_STORM)
		return false;
	return true;
}

static void add_to(struct bstate *bs, struct gbundle *b, const struct gatom *ga)
{
	const struct isa_op_info *oi = &isa_ops[ga->a.op];
	bs->cls[oi->unit < U_COUNT ? oi->unit : U_COUNT]++;
	bs->dst |= atom_dst(&ga->a);
	bs->fdst |= atom_fdst(&ga->a);
	bs->fpu |= (oi->props & P_FPU) != 0;
	b->at[b->n++] = *ga;
}

/* Does bundle b keep every rule at the unit counts cap (hw-sim/core.c's
 * machine checks, and one FPU-state atom at most)?  The generator's
 * self-check, apart from the way it builds bundles. */
static bool bundle_ok(const struct gen *g, const struct gbundle *b, const unsigned cap[U_COUNT])
{
	unsigned cls[U_COUNT + 1] = {0}, fpu = 0;
	uint64_t dst = 0;
	uint16_t fdst = 0;
	if (b->n == 0 || b->n > g->width)
		return false;
	for (unsigned k = 0; k < b->n; k++) {
		const struct gatom *ga = &b->at[k];
		if (ga->raw)
			return false;
		const struct isa_op_info *oi = &isa_ops[ga->a.op];
		uint64_t d = atom_dst(&ga->a);
		uint16_t fd = atom_fdst(&ga->a);
		if ((d & dst) || (fd & fdst))
			return false;
		dst |= d;
		fdst |= fd;
		cls[oi->unit < U_COUNT ? oi->unit : U_COUNT]++;
		fpu += (oi->props & P_FPU) != 0;
		if (oi->fmt == F_LDP && ga->a.rb >= g->alias_entries)
			return false;
		if (oi->fmt == F_WRCR && !isa_cr_writable(ga->a.imm))
			return false;
		if (oi->fmt == F_RDCR && (ga->a.imm >= 0x400 || !g->readable[ga->a.imm]))
			return false;
	}
	for (unsigned u = 0; u < U_COUNT; u++)
		if (cls[u] > cap[u])
			return false;
	return fpu <= 1;
}

static void check_bundle(const struct gen *g, const struct gbundle *b, const unsigned cap[U_COUNT], unsigned bi)
{
	if (bundle_ok(g, b, cap))
		return;
	fprintf(stderr, "cosim-random: generator bug: bundle %u of program %" PRIu64 " breaks a rule:", bi, g->programs);
	for (unsigned k = 0; k < b->n; k++) {
		char text[96];
		isa_format(&b->at[k].a, text, sizeof text);
		fprintf(stderr, "%s %s", k ? " |" : "", b->at[k].raw ? "(raw)" : text);
	}
	fprintf(stderr, "\n");
	exit(1);
}

/* ---- two-bundle patterns: the first atom here, the second queued for the next bundle ---- */

static struct gatom mov_imm(unsigned rd, uint32_t imm)
{
	struct gatom ga = {.a = {.op = OP_MOV, .rd = (uint8_t)rd, .use_imm = 1, .imm = imm}};
	return ga;
}

static void queue(struct prog *p, const struct gatom *second, bool no_target)
{
	p->queued = *second;
	p->has_queued = true;
	p->queued_no_target = no_target;
}

/* mov r21, #label ; jr r21: the label a later bundle (now and then a
 * misaligned one, an address outside memory or zeroed guest RAM). */
static bool pattern_jr(struct gen *g, struct bstate *bs, struct gbundle *b, unsigned bi, bool deliberate)
{
	struct prog *p = &g->p;
	if (!fits(g, bs, OP_MOV, 0))
		return false;
	struct gatom first = mov_imm(R_JR, 0), second = {.a = {.op = OP_JR, .ra = R_JR}};
	first.fix = FX_ADDR;
	first.min_target = (uint16_t)(bi + 2);
	if (deliberate) {
		static const uint32_t far[] = {0xfffffff8u, 0x02000000u};
		p->may_fault_jump = true;
		if (chance(g, 1, 2)) {
			first.addend = 4;  /* misaligned: an illegal bundle */
		} else {
			first.fix = FX_ABS;
			first.addend = far[rnd(g, 2)];
		}
	}
	add_to(bs, b, &first);
	queue(p, &second, true);
	return true;
}

/* mov r24, #mask ; wrcr UNITS_x, r24.  A branch unit always stays on.
 * The mov may sit beside the last pattern's wrcr: that wrcr writes the
 * value r24 held before the bundle (every atom reads its sources first). */
static bool pattern_mask(struct gen *g, struct bstate *bs, struct gbundle *b)
{
	struct prog *p = &g->p;
	if (!fits(g, bs, OP_MOV, 0))
		return false;
	unsigned u = rnd(g, U_COUNT), n = g->units[u] < 16 ? g->units[u] : 16;
	uint32_t m = rnd(g, 1u << n);
	if (u == U_BR && !(m & all_ones(n)))
		m |= 1u << rnd(g, n);
	if (chance(g, 1, 4) && n < 32)
		m |= (uint32_t)rnd64(g) << n;  /* bits beyond the configured units mean nothing */
	struct gatom first = mov_imm(R_MASK, m), second = {.a = {.op = OP_WRCR, .ra = R_MASK, .imm = CR_UNITS_ALU + u}};
	add_to(bs, b, &first);
	queue(p, &second, true);
	/* from here on a bundle may see either mask */
	unsigned eff = (unsigned)__builtin_popcount(m & all_ones(g->units[u]));
	if (eff < p->cap[u])
		p->cap[u] = eff;
	p->restore[u] = true;
	return true;
}

/* EDX for an x86 divide: mostly what a compiler puts there (xor edx, edx
 * before div; cdq before idiv), now and then a small or any value. */
static bool pattern_edx(struct gen *g, struct bstate *bs, struct gbundle *b, unsigned bi, unsigned op)
{
	struct prog *p = &g->p;
	struct bstate fresh = {.dst = 0};
	struct gatom second;
	if (!fits(g, bs, OP_MOV, 0) || (bs->dst >> R_EDX & 1) || !gen_atom(g, &fresh, bi + 1, op, &second))
		return false;
	bool is_signed = op == OP_XDIVS || op == OP_XREMS;
	struct gatom first = mov_imm(R_EDX, chance(g, 3, 4) ? 0 : chance(g, 1, 2) ? rnd(g, 4) : rand_value(g));
	if (is_signed ? chance(g, 3, 4) : chance(g, 1, 8))
		first.a = (struct atom){.op = OP_SAR, .rd = R_EDX, .ra = second.a.ra, .use_imm = 1, .imm = 31};
	add_to(bs, b, &first);
	queue(p, &second, chance(g, 3, 4));  /* mostly no branch in between */
	return true;
}

/* INT_MIN / -1: a divide fault. */
static bool pattern_intmin(struct gen *g, struct bstate *bs, struct gbundle *b, unsigned bi, unsigned op)
{
	struct prog *p = &g->p;
	struct bstate fresh = {.dst = 0};
	struct gatom second;
	int r = pick_dst(g, bs);
	if (r <= 0 || !fits(g, bs, OP_MOV, 0) || !gen_atom(g, &fresh, bi + 1, op, &second))
		return false;
	struct gatom first = mov_imm((unsigned)r, 0x80000000u);
	second.a.ra = (uint8_t)r;
	second.a.use_imm = chance(g, 1, 2);
	second.a.imm = second.a.use_imm ? 0xffffffffu : 0;
	second.a.rb = second.a.use_imm ? 0 : R_ONES;
	add_to(bs, b, &first);
	queue(p, &second, false);
	return true;
}

/* A pattern chosen when the random pick is op; false: op goes in as drawn. */
static bool try_pattern(struct gen *g, struct bstate *bs, struct gbundle *b, unsigned bi, unsigned op)
{
	const struct isa_op_info *oi = &isa_ops[op];
	if (g->p.has_queued || bi + 1 >= g->p.body)
		return false;
	if (oi->fmt == F_R1)
		return pattern_jr(g, bs, b, bi, false);
	if (oi->fmt == F_WRCR && chance(g, 1, 3))
		return pattern_mask(g, bs, b);
	if ((oi->props & P_REDX) && chance(g, 5, 6))
		return pattern_edx(g, bs, b, bi, op);
	if ((op == OP_DIVS || op == OP_REMS) && chance(g, 1, 6))
		return pattern_intmin(g, bs, b, bi, op);
	return false;
}

/* ---- deliberate faults ------------------------------------------------------------------ */

static unsigned pick_op_where(struct gen *g, unsigned props, int unit, unsigned fields)
{
	unsigned cand[OP_COUNT], n = 0;
	for (unsigned op = 0; op < OP_COUNT; op++) {
		const struct isa_op_info *oi = &isa_ops[op];
		if ((oi->props & props) == props && (unit < 0 || (int)oi->unit == unit) &&
		    (op_fields(op) & fields) == fields && oi->fmt != F_R1 && !(oi->props & P_EXIT))
			cand[n++] = op;
	}
	return n ? cand[rnd(g, n)] : OP_NOP;
}

/* A load or store far outside memory (or across its end), or on the test's
 * page table's read-only, store-protected or contiguous pages. */
static bool gen_far(struct gen *g, struct bstate *bs, unsigned bi, struct gatom *ga, bool pages)
{
	unsigned op = pick_op_where(g, chance(g, 1, 2) ? P_STORE : P_LOAD, U_MEM, 0);
	if (!fits(g, bs, op, 0) || !gen_atom(g, bs, bi, op, ga))
		return false;
	static const uint8_t size[8] = {4, 1, 1, 2, 2, 4, 4, 4};
	unsigned sz = size[ga->a.x & MX_KIND_MASK];
	if (pages) {
		/* the read-only page, the store-protected one, across into each of them */
		static const int32_t off[] = {0x1000, 0x1010, -0xff8, -0xfe0, 0x1020};
		ga->a.x &= (uint8_t)~MX_HIDDEN;
		ga->a.ra = R_BASE;
		ga->a.imm = (uint32_t)(off[rnd(g, 5)] - (int32_t)rnd(g, 4));
		return true;
	}
	ga->a.ra = R_ZERO;
	uint32_t lim = (ga->a.x & MX_HIDDEN) ? g->mem_size : g->guest_limit;
	switch (rnd(g, 4)) {
	case 0: ga->a.imm = lim - rnd(g, sz); break;                  /* across the end */
	case 1: ga->a.imm = 0xffffffffu - rnd(g, sz); break;         /* the top of the address space */
	case 2: ga->a.imm = lim + rnd(g, 0x10000); break;
	default: ga->a.imm = 0x80000000u + (uint32_t)rnd(g, 1u << 20) * 4; break;
	}
	if (ga->a.imm < lim && ga->a.imm + sz <= lim && ga->a.imm + sz > ga->a.imm)
		ga->a.imm = lim;  /* keep it outside */
	return true;
}

static bool gen_div0(struct gen *g, struct bstate *bs, unsigned bi, struct gatom *ga)
{
	unsigned op = pick_op_where(g, P_DIV, -1, 0);
	if (!fits(g, bs, op, 0) || !gen_atom(g, bs, bi, op, ga))
		return false;
	ga->a.use_imm = chance(g, 1, 2);
	ga->a.imm = 0;
	ga->a.rb = R_ZERO;
	return true;
}

/* An undecodable word (isa_decode refuses it), of several kinds. */
static uint64_t undecodable(struct gen *g)
{
	struct atom a = {.op = OP_ADD, .rd = 1, .ra = 2, .rb = 3};
	switch (rnd(g, 7)) {
	case 0: a.op = (uint8_t)(OP_COUNT + rnd(g, 128 - OP_COUNT)); return isa_encode(&a);
	case 1: return isa_encode(&a) | 1ull << 31;
	case 2: a = (struct atom){.op = OP_NOP, .rd = (uint8_t)(1 + rnd(g, 63))}; return isa_encode(&a);
	case 3: a = (struct atom){.op = OP_EXTU, .rd = 1, .ra = 2, .imm = rnd(g, 32)}; return isa_encode(&a);
	case 4: a = (struct atom){.op = OP_BR, .imm = 4}; return isa_encode(&a);
	case 5: a = (struct atom){.op = OP_FMOV, .rd = (uint8_t)(16 + rnd(g, 48)), .ra = 9}; return isa_encode(&a);
	default: a = (struct atom){.op = OP_LD, .rd = 1, .ra = R_BASE, .x = 5}; return isa_encode(&a);
	}
}

/* Bundle bi made illegal on purpose (it also holds random legal atoms). */
static void gen_illegal(struct gen *g, struct bstate *bs, struct gbundle *b, unsigned bi)
{
	struct prog *p = &g->p;
	struct gatom ga;
	unsigned kind = rnd(g, IK_COUNT);
	if (kind == IK_WIDTH && g->width >= ISA_MAX_BUNDLE)
		kind = IK_DUP;
	if (kind == IK_ALIAS && g->alias_entries >= 64)
		kind = IK_CR;
	switch ((enum illegal_kind)kind) {
	case IK_WIDTH:
		while (b->n <= g->width && b->n < ISA_MAX_BUNDLE)
			add_to(bs, b, &(struct gatom){.a = {.op = OP_NOP}});
		break;
	case IK_DUP: {
		int r = pick_dst(g, bs);
		struct gatom m1 = mov_imm(r <= 0 ? 1u : (unsigned)r, 1), m2 = m1;
		m2.a.imm = 2;
		add_to(bs, b, &m1);
		add_to(bs, b, &m2);
		break;
	}
	case IK_FLAGS:
		for (int k = 0; k < 2; k++) {
			struct bstate fresh = {.dst = 0};
			if (gen_atom(g, &fresh, bi, pick_op_where(g, P_WFLAGS, -1, 0), &ga))
				add_to(bs, b, &ga);
		}
		break;
	case IK_FDUP: {
		unsigned fd = pick_freg(g);
		for (int k = 0; k < 2; k++) {
			struct bstate fresh = {.dst = 0};
			if (gen_atom(g, &fresh, bi, pick_op_where(g, 0, U_FPU, FLD_FD), &ga)) {
				ga.a.rd = (uint8_t)fd;
				add_to(bs, b, &ga);
			}
		}
		if (b->n < 2)
			add_to(bs, b, &(struct gatom){.raw = true, .word = undecodable(g)});
		break;
	}
	case IK_UNITS: {
		unsigned u = rnd(g, U_COUNT);
		for (int t = 0; t < 64 && bs->cls[u] <= p->cap[u] && b->n < ISA_MAX_BUNDLE; t++) {
			struct bstate fresh = {.dst = 0};
			if (gen_atom(g, &fresh, bi, pick_op_where(g, 0, (int)u, 0), &ga))
				add_to(bs, b, &ga);
		}
		break;
	}
	case IK_ALIAS:
		ga = (struct gatom){.a = {.op = OP_LDP, .rd = 1, .ra = R_BASE, .imm = win_offset(g)}};
		ga.a.rb = (uint8_t)(g->alias_entries + rnd(g, 64 - g->alias_entries));
		add_to(bs, b, &ga);
		break;
	case IK_CR:
		if (chance(g, 1, 2) && g->nbad_rd)
			ga = (struct gatom){.a = {.op = OP_RDCR, .rd = 1, .imm = g->bad_rd[rnd(g, g->nbad_rd)]}};
		else
			ga = (struct gatom){.a = {.op = OP_WRCR, .ra = 1, .imm = g->bad_wr[rnd(g, g->nbad_wr)]}};
		add_to(bs, b, &ga);
		break;
	case IK_UNDECODABLE:
	case IK_COUNT:
		add_to(bs, b, &(struct gatom){.raw = true, .word = undecodable(g)});
		break;
	}
}

/* ---- bundles and programs ---------------------------------------------------------------- */

/* Per program: every row's weight from its properties, scaled by a factor
 * of its unit class (some programs lean on memory, others on flags ...). */
static unsigned base_weight(unsigned op)
{
	const struct isa_op_info *oi = &isa_ops[op];
	if (oi->props & P_EXIT)
		return 1;   /* an exit before the end: the rest is not run */
	if (oi->props & P_FPU)
		return 2;
	if (oi->props & P_COMMIT)
		return 8;
	if (oi->props & (P_LOAD | P_STORE))
		return 40;
	if (oi->fmt == F_R1)
		return 4;
	if (oi->props & P_BRANCH)
		return 6;
	if (oi->fmt == F_RDCR || oi->fmt == F_WRCR)
		return 4;
	if (oi->props & P_DIV)
		return 3;   /* a divide fault ends the program: not too often */
	if (oi->unit == U_NONE)
		return 3;
	return 10;
}

static void program_weights(struct gen *g)
{
	struct prog *p = &g->p;
	unsigned factor[U_COUNT + 1];
	for (unsigned u = 0; u <= U_COUNT; u++)
		factor[u] = chance(g, 1, 10) ? 0 : 1 + rnd(g, 4);
	p->wsum = 0;
	for (unsigned op = 0; op < OP_COUNT; op++) {
		const struct isa_op_info *oi = &isa_ops[op];
		unsigned w = base_weight(op) * factor[oi->unit < U_COUNT ? oi->unit : U_COUNT];
		if (p->req == RQ_STORM)  /* stores, and nothing that faults before the buffer is full */
			w = (oi->props & P_STORE) && !(oi->props & P_ALIAS) ? 300 : (oi->props & P_DIV) ? 0 : w;
		p->cum[op] = p->wsum += w;
	}
	if (!p->wsum)
		for (unsigned op = 0; op < OP_COUNT; op++)
			p->cum[op] = p->wsum += base_weight(op);
}

static unsigned pick_op(struct gen *g)
{
	const struct prog *p = &g->p;
	unsigned r = rnd(g, p->wsum), op = 0;
	while (p->cum[op] <= r)
		op++;
	return op;
}

/* Random atoms until the bundle holds `want` or nothing more fits. */
static void fill(struct gen *g, struct bstate *bs, struct gbundle *b, unsigned bi, unsigned want, unsigned allow)
{
	for (unsigned fails = 0; b->n < want && fails < 16;) {
		unsigned op = pick_op(g);
		struct gatom ga;
		if (!fits(g, bs, op, allow)) {
			fails++;
		} else if ((allow & AL_PATTERN) && try_pattern(g, bs, b, bi, op)) {
			allow &= ~(unsigned)AL_PATTERN;
		} else if ((isa_ops[op].props & P_REDX) && chance(g, 3, 4)) {
			fails++;  /* EDX as it happens to be: mostly a divide fault */
		} else if (gen_atom(g, bs, bi, op, &ga)) {
			add_to(bs, b, &ga);
		} else {
			fails++;
		}
	}
}

static void shuffle(struct gen *g, struct gbundle *b)
{
	for (unsigned i = b->n; i > 1; i--) {
		unsigned j = rnd(g, i);
		struct gatom t = b->at[i - 1];
		b->at[i - 1] = b->at[j];
		b->at[j] = t;
	}
}

static void gen_body_bundle(struct gen *g, unsigned bi)
{
	struct prog *p = &g->p;
	struct gbundle *b = &p->b[bi];
	struct bstate bs = {.dst = 0};
	struct gatom ga;
	unsigned cap[U_COUNT];
	memcpy(cap, p->cap, sizeof cap);  /* the units this bundle may meet (a wrcr here acts later) */
	memset(b, 0, sizeof *b);
	if (p->has_queued) {
		b->no_target = p->queued_no_target;
		if (fits(g, &bs, p->queued.a.op, AL_BRANCH | AL_WRCR))
			add_to(&bs, b, &p->queued);
		p->has_queued = false;
	}
	unsigned want = chance(g, 1, 2) ? g->width : 1 + rnd(g, g->width);
	if (bi == p->req_bundle) {
		g->requests[p->req]++;
		if (p->req == RQ_ILLEGAL) {
			fill(g, &bs, b, bi, rnd(g, g->width), AL_BRANCH | AL_EXIT);
			gen_illegal(g, &bs, b, bi);
			if (bundle_ok(g, b, cap)) {  /* what it drew happened to fit after all */
				if (b->n == ISA_MAX_BUNDLE)
					b->n--;
				add_to(&bs, b, &(struct gatom){.raw = true, .word = undecodable(g)});
			}
			shuffle(g, b);
			return;
		}
		if ((p->req == RQ_FAR || p->req == RQ_PAGE) && gen_far(g, &bs, bi, &ga, p->req == RQ_PAGE))
			add_to(&bs, b, &ga);
		if (p->req == RQ_DIV0 && gen_div0(g, &bs, bi, &ga))
			add_to(&bs, b, &ga);
		if (p->req == RQ_JUMP && !p->has_queued && bi + 1 < p->body)
			pattern_jr(g, &bs, b, bi, true);
	}
	fill(g, &bs, b, bi, want, AL_BRANCH | AL_EXIT | AL_PATTERN | AL_WRCR);
	if (!b->n)
		add_to(&bs, b, &(struct gatom){.a = {.op = OP_NOP}});
	shuffle(g, b);
	check_bundle(g, b, cap, bi);
}

/* The tail: every unit mask the program may have changed back to all
 * units (wrcr UNITS_x, r23), then the exit. */
static void gen_tail(struct gen *g)
{
	struct prog *p = &g->p;
	for (unsigned u = 0; u < U_COUNT; u++) {
		if (!p->restore[u] && p->start_mask[u] == all_ones(g->units[u]))
			continue;
		struct gbundle *b = &p->b[p->nb++];
		struct bstate bs = {.dst = 0};
		memset(b, 0, sizeof *b);
		add_to(&bs, b, &(struct gatom){.a = {.op = OP_WRCR, .ra = R_ONES, .imm = CR_UNITS_ALU + u}});
		fill(g, &bs, b, p->nb - 1, rnd(g, g->width + 1), 0);
		shuffle(g, b);
		check_bundle(g, b, p->cap, p->nb - 1);
	}
	struct gbundle *b = &p->b[p->nb++];
	struct bstate bs = {.dst = 0};
	memset(b, 0, sizeof *b);
	add_to(&bs, b, &(struct gatom){.a = {.op = OP_EXIT, .imm = rand_value(g)}});
	fill(g, &bs, b, p->nb - 1, rnd(g, g->width + 1), 0);
	shuffle(g, b);
	check_bundle(g, b, p->cap, p->nb - 1);
}

/* The bundle a branch of bundle bi goes to: mostly a near one, never one
 * that relies on the bundle before it, never past the body's end. */
static unsigned pick_target(struct gen *g, unsigned lo)
{
	const struct prog *p = &g->p;
	unsigned hi = p->body;
	if (lo > hi)
		lo = hi;
	unsigned t = chance(g, 3, 4) ? lo + rnd(g, hi - lo + 1 < 4 ? hi - lo + 1 : 4) : lo + rnd(g, hi - lo + 1);
	while (t < hi && p->b[t].no_target)
		t++;
	return t;
}

static void layout(struct gen *g)
{
	struct prog *p = &g->p;
	uint32_t pc = p->base;
	for (unsigned i = 0; i < p->nb; i++) {
		p->b[i].pc = pc;
		pc += p->b[i].n * ISA_ATOM_BYTES;
	}
	p->nwords = 0;
	for (unsigned i = 0; i < p->nb; i++) {
		struct gbundle *b = &p->b[i];
		for (unsigned k = 0; k < b->n; k++) {
			struct gatom *ga = &b->at[k];
			if (ga->fix == FX_BRANCH)
				ga->a.imm = p->b[pick_target(g, ga->min_target)].pc - b->pc;
			else if (ga->fix == FX_ADDR)
				ga->a.imm = p->b[pick_target(g, ga->min_target)].pc + ga->addend;
			else if (ga->fix == FX_ABS)
				ga->a.imm = ga->addend;
			ga->a.stop = k + 1 == b->n;
			uint64_t w = ga->raw ? ga->word | (uint64_t)ga->a.stop << 7 : isa_encode(&ga->a);
			struct atom back;
			if (ga->raw && isa_decode(w, &back) == 0) {
				fprintf(stderr, "cosim-random: generator bug: 0x%016" PRIx64 " decodes\n", w);
				exit(1);
			}
			if (!ga->raw) {
				if (isa_decode(w, &back) < 0) {
					char text[96];
					isa_format(&ga->a, text, sizeof text);
					fprintf(stderr, "cosim-random: generator bug: '%s' (0x%016" PRIx64 ") does not decode\n",
						text, w);
					exit(1);
				}
				g->cov[ga->a.op][ga->a.x & 15] = true;
			}
			p->words[p->nwords++] = w;
		}
	}
}

/* ---- the chip side ----------------------------------------------------------------------- */

static void fill_random(struct gen *g, uint32_t addr, uint32_t n)
{
	uint8_t buf[256];
	for (uint32_t i = 0; i < n && i < sizeof buf; i++)
		buf[i] = (uint8_t)rnd64(g);
	chip_mem_write(g->chip, addr, buf, n < sizeof buf ? n : (uint32_t)sizeof buf);
}

/* The windows' bytes: r20's in physical memory and in the frames the page
 * table maps it to, r22's in hidden memory. */
static void fill_windows(struct gen *g)
{
	fill_random(g, GUEST_WIN - 64, 192);
	fill_random(g, g->hwin - 64, 256);
	for (unsigned k = 0; k < 4; k++) {
		fill_random(g, page_frame[k] << ISA_PAGE_SHIFT, 96);
		fill_random(g, (page_frame[k] << ISA_PAGE_SHIFT) + 4096 - 96, 96);
	}
}

/* The page table (the firmware's part): a directory and one table in the
 * firmware data region; only the four pages around r20 are present. */
static int page_table_init(struct gen *g)
{
	uint32_t dir = hregion_alloc(&g->hm.fwdata, 4096, 4096), tab = hregion_alloc(&g->hm.fwdata, 4096, 4096);
	if (!dir || !tab)
		return -1;
	uint8_t zero[4096] = {0};
	chip_mem_write(g->chip, dir, zero, sizeof zero);
	chip_mem_write(g->chip, tab, zero, sizeof zero);
	uint32_t pde = tab | ISA_PTE_PRESENT;
	chip_mem_write(g->chip, dir + 4 * (GUEST_WIN >> 22), &pde, 4);
	for (unsigned k = 0; k < 4; k++) {
		uint32_t vpn = WIN_VPN - 1 + k, pte = page_frame[k] << ISA_PAGE_SHIFT | page_flags[k];
		chip_mem_write(g->chip, tab + 4 * (vpn & ((1u << ISA_PT_SHIFT) - 1)), &pte, 4);
	}
	g->pagedir = dir;
	return 0;
}

static void set_registers(struct gen *g)
{
	for (size_t i = 0; i < sizeof dst_candidates; i++)
		if (chance(g, 1, 4))
			chip_set_reg(g->chip, dst_candidates[i], rand_value(g));
	chip_set_reg(g->chip, R_BASE, GUEST_WIN);
	chip_set_reg(g->chip, R_HBASE, g->hwin);
	chip_set_reg(g->chip, R_ONES, 0xffffffffu);
	chip_set_reg(g->chip, R_JR, rand_value(g));
	chip_set_reg(g->chip, R_MASK, rand_value(g));
}

/* Before a program: the firmware's moves (page table on or off, a TLB
 * flush, fresh window bytes, some masks back on) and what the generator
 * must know of the chip (the unit masks, the x87 stack). */
static void prepare(struct gen *g)
{
	struct prog *p = &g->p;
	if (chance(g, 1, 32)) {
		g->paging = !g->paging;
		chip_write_cr(g->chip, CR_PAGEDIR, g->paging ? g->pagedir : 0);
	}
	if (g->paging && chance(g, 1, 16))
		chip_write_cr(g->chip, CR_TLB_FLUSH, chance(g, 1, 2) ? 1 : GUEST_WIN & ~1u);
	if (chance(g, 1, 256))
		fill_windows(g);
	for (unsigned u = 0; u < U_COUNT; u++) {
		uint32_t m = 0;
		chip_read_cr(g->chip, CR_UNITS_ALU + u, &m);
		if (m != all_ones(g->units[u]) && chance(g, 1, 2)) {
			chip_write_cr(g->chip, CR_UNITS_ALU + u, ~0u);
			chip_read_cr(g->chip, CR_UNITS_ALU + u, &m);
		}
		p->start_mask[u] = m;
		p->cap[u] = (unsigned)__builtin_popcount(m);
		p->restore[u] = false;
	}
	const struct x87_state *x = chip_fpu(g->chip);
	p->fpu_expect = x87_top(x) | (uint32_t)x->tags << ISA_FSTK_TAGS_SHIFT;
	set_registers(g);
}

static void gen_program(struct gen *g)
{
	struct prog *p = &g->p;
	p->base = g->code[g->programs % CODE_SLOTS];
	p->has_queued = p->may_fault_jump = false;
	p->req = RQ_NONE;
	if (chance(g, 1, 6))
		p->req = (enum request)(1 + rnd(g, RQ_COUNT - 1));
	p->body = p->req == RQ_STORM ? BODY_MAX : 1 + rnd(g, BODY_MAX);
	g->requests[p->req] += p->req == RQ_STORM;
	p->req_bundle = p->req == RQ_NONE || p->req == RQ_STORM ? ~0u : rnd(g, p->body);
	/* a small register pool, so that bundles depend on each other */
	p->npool = 4 + rnd(g, 12);
	for (unsigned i = 0; i < p->npool; i++)
		p->pool[i] = dst_candidates[chance(g, 3, 4) ? rnd(g, 15) : rnd(g, sizeof dst_candidates)];
	p->nfpool = 2 + rnd(g, 7);
	for (unsigned i = 0; i < p->nfpool; i++)
		p->fpool[i] = (uint8_t)(ISA_NFSHADOW + rnd(g, ISA_NFREGS - ISA_NFSHADOW));
	program_weights(g);
	p->nb = 0;
	for (unsigned i = 0; i < p->body; i++, p->nb++)
		gen_body_bundle(g, i);
	gen_tail(g);
	layout(g);
}

static void print_program(const struct gen *g, FILE *out)
{
	const struct prog *p = &g->p;
	fprintf(out, "program %" PRIu64 " (%u bundles at 0x%08x, paging %s)\n", g->programs, p->nb, p->base,
		g->paging ? "on" : "off");
	isa_disasm(out, p->words, p->nwords, p->base);
}

/* cosim.c ends the process from inside chip_run when the models differ:
 * this handler then names the program it was running.  The one static
 * here, because exit() is the only way out of there. */
static const struct gen *g_exit_report;
static void report_at_exit(void)
{
	const struct gen *g = g_exit_report;
	if (!g || !g->running)
		return;
	fprintf(stderr, "cosim-random: stopped in program %" PRIu64 " (replay: -s 0x%016" PRIx64 " -n %" PRIu64
		" -c %s)\n", g->programs, g->seed, cosim_bundles() + 1, g->chip_file);
	print_program(g, stderr);
}

/* Runs the program; false when its outcome shows the generator broke a
 * rule (an illegal bundle nobody asked for, a run out of budget). */
static bool run_program(struct gen *g)
{
	struct prog *p = &g->p;
	uint8_t bytes[SLOT_BYTES];
	for (unsigned i = 0; i < p->nwords; i++)
		for (unsigned k = 0; k < 8; k++)
			bytes[i * 8 + k] = (uint8_t)(p->words[i] >> (8 * k));
	chip_mem_write(g->chip, p->base, bytes, p->nwords * ISA_ATOM_BYTES);
	if (g->verbose)
		print_program(g, stdout);
	struct chip_exit ex;
	g->running = true;
	chip_run_bounded(g->chip, p->base, &ex, RUN_BUDGET);
	g->running = false;
	g->outcome[ex.reason]++;
	char d[256];
	chip_exit_describe(&ex, d, sizeof d);
	if (g->verbose)
		printf("  -> %s\n", d);
	bool asked = p->req == RQ_ILLEGAL || p->may_fault_jump;
	if ((ex.reason == CHIP_EXIT_ILLEGAL_BUNDLE && !asked) || ex.reason == CHIP_EXIT_CYCLE_LIMIT ||
	    ex.reason == CHIP_EXIT_FAULT_DETECTED) {
		fprintf(stderr, "cosim-random: generator bug: %s%s%s\n", d, ex.detail ? ": " : "", ex.detail ? ex.detail : "");
		print_program(g, stderr);
		return false;
	}
	g->programs++;
	/* the firmware's time between two programs: none half of the time,
	 * after a fault too (the ready times a rolled-back bundle leaves) */
	unsigned gap = chance(g, 1, 2) ? 0 : rnd(g, 24);
	if (gap)
		chip_charge(g->chip, gap);
	return true;
}

static int setup(struct gen *g)
{
	char err[1200];
	if (chip_create(&g->cfg, &g->chip, err, sizeof err) < 0 || hidden_boot(&g->hm, g->chip, err, sizeof err) < 0) {
		fprintf(stderr, "cosim-random: %s\n", err);
		return -1;
	}
	g->width = (unsigned)g->cfg.issue_width;
	unsigned lat[L_COUNT];
	chip_config_machine(&g->cfg, g->units, lat);
	g->sb_cap = (unsigned)g->cfg.store_buffer;
	g->alias_entries = (unsigned)g->cfg.alias_entries;
	g->guest_limit = chip_guest_limit(g->chip);
	g->mem_size = chip_mem_size(g->chip);
	for (unsigned s = 0; s < CODE_SLOTS; s++)
		if (!(g->code[s] = hregion_alloc(&g->hm.tcache, SLOT_BYTES, 64))) {
			fprintf(stderr, "cosim-random: the translation cache (cms.tcache_kb) is too small\n");
			return -1;
		}
	uint32_t hw = hregion_alloc(&g->hm.fwdata, 256, 64);
	if (!hw || page_table_init(g) < 0) {
		fprintf(stderr, "cosim-random: no room in the firmware data region\n");
		return -1;
	}
	g->hwin = hw + 64;
	if (GUEST_WIN + 0x2000 > g->guest_limit || (page_frame[3] + 1u) << ISA_PAGE_SHIFT > g->guest_limit) {
		fprintf(stderr, "cosim-random: memory.guest_mb is too small for the data window\n");
		return -1;
	}
	table_init(g);
	cr_init(g);
	fill_windows(g);
	if (cosim_open(&g->cfg, err, sizeof err) < 0) {
		fprintf(stderr, "cosim-random: %s\n", err);
		return -1;
	}
	return 0;
}

static void summary(const struct gen *g)
{
	static const enum counter_id cls_cnt[U_COUNT] = {CNT_atoms_alu, CNT_atoms_mem, CNT_atoms_mul, CNT_atoms_br,
							 CNT_atoms_fpu};
	uint64_t cls = 0;
	printf("cosim-random: %" PRIu64 " bundles in lockstep, %" PRIu64 " programs; atoms", cosim_bundles(), g->programs);
	for (unsigned u = 0; u < U_COUNT; u++) {
		uint64_t n = chip_counter(g->chip, cls_cnt[u]);
		cls += n;
		printf(" %s %" PRIu64, isa_unit_name((enum unit_class)u), n);
	}
	printf(" none %" PRIu64 "; exits %" PRIu64 "; faults", chip_counter(g->chip, CNT_atoms) - cls,
	       g->outcome[CHIP_EXIT_FIRMWARE]);
	static const enum chip_exit_reason kinds[] = {CHIP_EXIT_MEMORY_FAULT,   CHIP_EXIT_ALIAS_FAULT,
						      CHIP_EXIT_SB_OVERFLOW,    CHIP_EXIT_DIVIDE_FAULT,
						      CHIP_EXIT_ILLEGAL_BUNDLE, CHIP_EXIT_PROTECTION,
						      CHIP_EXIT_FPU_FAULT};
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
		printf("%s %s %" PRIu64, k ? "," : "", chip_exit_name(kinds[k]), g->outcome[kinds[k]]);
	printf("; commits %" PRIu64 "; loads forwarded %" PRIu64 ", page walks %" PRIu64 "; op.x pairs %u/%u\n",
	       chip_counter(g->chip, CNT_commits), chip_counter(g->chip, CNT_sb_forwards),
	       chip_counter(g->chip, CNT_tlb_misses), coverage_seen(g), coverage_total(g));
}

/* ---- command line ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: cosim-random [-c chip.yaml] [-n BUNDLES] [-s SEED] [-v]\n"
		   "  -c, --chip FILE     chip configuration (default configs/default.yaml); the binary's RTL\n"
		   "                      must have been verilated for its core (make cosim COSIM_CONFIG=FILE)\n"
		   "  -n, --bundles N     bundles to run in lockstep (default 200000)\n"
		   "  -s, --seed SEED     random seed (default: CDVM_SEED, else from the clock)\n"
		   "  -v, --verbose       print every program and its outcome\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -1;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int main(int argc, char **argv)
{
	struct gen *g = calloc(1, sizeof *g);
	const char *chip_file = "configs/default.yaml", *seed_text = getenv("CDVM_SEED");
	if (!g) {
		fprintf(stderr, "cosim-random: out of memory\n");
		return 2;
	}
	uint64_t nbundles = 200000;
	static const struct option longopts[] = {{"chip", required_argument, NULL, 'c'},
						 {"bundles", required_argument, NULL, 'n'},
						 {"seed", required_argument, NULL, 's'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	for (int c; (c = getopt_long(argc, argv, "c:n:s:vh", longopts, NULL)) != -1;) {
		switch (c) {
		case 'c': chip_file = optarg; break;
		case 'n':
			if (parse_u64(optarg, &nbundles) < 0 || nbundles == 0) {
				fprintf(stderr, "cosim-random: -n %s: expected a positive number of bundles\n", optarg);
				return 2;
			}
			break;
		case 's': seed_text = optarg; break;
		case 'v': g->verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cosim-random: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (seed_text && *seed_text) {
		if (parse_u64(seed_text, &g->seed) < 0) {
			fprintf(stderr, "cosim-random: seed '%s': expected a number (decimal or 0x hex)\n", seed_text);
			return 2;
		}
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		g->seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	printf("cosim-random: seed 0x%016" PRIx64 " (CDVM_SEED or -s to replay)\n", g->seed);
	fflush(stdout);

	struct config_error cerr;
	config_default(&g->cfg);
	if (config_load_file(&g->cfg, chip_file, &cerr) || config_validate(&g->cfg, &cerr)) {
		fprintf(stderr, "cosim-random: %s\n", cerr.msg);
		return 2;
	}
	rng_seed(g, g->seed);
	g->chip_file = chip_file;
	g_exit_report = g;
	atexit(report_at_exit);
	int status = 0;
	if (setup(g) < 0) {
		status = 2;
	} else {
		while (cosim_bundles() < nbundles && status == 0) {
			prepare(g);
			gen_program(g);
			if (!run_program(g))
				status = 1;
		}
		fflush(stdout);
		cosim_close(stderr);
		if (status == 0)
			summary(g);
	}
	hidden_shutdown(&g->hm);
	chip_destroy(g->chip);
	g_exit_report = NULL;
	free(g);
	return status;
}
