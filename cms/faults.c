/* cms/faults.c — the firmware's answer to hardware faults: retry,
 * diagnosis by built-in self-test, isolation, and the end of a run that
 * cannot go on (owns struct fault_fw, m->ff).
 *
 * A detector caught a fault in native code and the chip rolled back to the
 * last commit (DESIGN.md contract 4).  The recover policy calls
 * policy_hw_fault, which reads the fault syndrome (struct chip_exit):
 *   unit      the translation runs again (a transient does not come back);
 *             the same unit class caught more than faults.recovery.retries
 *             times within faults.recovery.window cycles is diagnosed: the
 *             self-test runs each enabled unit of the class alone (unit
 *             masks) on known vectors, and a unit that fails is masked off;
 *             translations are flushed and hot code is retranslated for the
 *             reduced machine.  No unit left: the run ends (unrecoverable).
 *   register  the same, with the register self-test (r16..r63): a faulty
 *             temporary is excluded by the register allocator; a faulty
 *             x86-state register cannot be replaced (unrecoverable).
 *   cache     the line is scrubbed (dropped from the caches and refetched)
 *             when clean; dirty data is lost (unrecoverable); a way caught
 *             too often is disabled with the way-enable mask.
 *   memory    ECC found a word it cannot correct: the data is lost
 *             (unrecoverable).
 * When diagnosis finds nothing to isolate, the block is interpreted (the
 * firmware's own execution is modelled fault-free, docs/faults.md), so a
 * run always moves on.
 *
 * The self-test is native code, assembled at boot into firmware data
 * (hidden memory) from the text below, one program per unit class and one
 * for the registers; the chip runs it as it runs translations, so its
 * cycles are simulated; results go to a scratch area the firmware then
 * compares with the known answers (each compare charged
 * cms.cost.fault_recover / 16).  faults.bist_interval runs every test
 * periodically, finding permanent faults no detector saw. */
#include "cms/cms_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/translate/ir.h"
#include "native-isa/isa.h"

enum { BIST_SCRATCH_WORDS = 128, BIST_PAT_WORD = 112 /* the pattern table: words 112.. */, FP_CLASSES = U_COUNT + 3 /* + registers, caches, memory */ };
/* The watchdog of a self-test run: far more cycles than a healthy one
 * takes (a few hundred), so only a test the fault sent astray meets it. */
enum { BIST_BUDGET = 20000 };

struct bist_prog {
	uint32_t code, bytes;              /* hidden-memory address and size */
	unsigned nresults;
	uint32_t expect[BIST_SCRATCH_WORDS];
	uint8_t reg_of[BIST_SCRATCH_WORDS]; /* the register result k was stored from */
};

struct fault_fw {
	bool stop;                         /* a firmware read met an unrecoverable fault */
	char stop_text[200];
	struct bist_prog unit[U_COUNT], regs;
	uint32_t scratch;                  /* BIST_SCRATCH_WORDS words of results */
	unsigned strikes[FP_CLASSES];
	uint64_t first_strike[FP_CLASSES];
	unsigned way_strikes[3][32];
	unsigned blind[U_COUNT];           /* diagnoses that found nothing, in a row */
	bool degraded[U_COUNT];            /* the class runs on a unit known faulty (last_unit keep) */
	uint32_t trial_off[U_COUNT];       /* the unit masked off on trial */
	uint64_t bad_regs;                 /* temporaries the allocator must not use */
	uint64_t tests_bad_regs;           /* bad_regs when the programs were assembled */
	unsigned ptr;                      /* the programs' scratch pointer register */
	uint64_t next_bist;
};

/* The registers the register self-test covers and the firmware can do
 * without: r13, r14 (shadowed, unused) and the temporaries; not the x86
 * state (r1..r12) nor R_RETIRED (r15, the retired-instruction count). */
static bool spare_reg(unsigned r)
{
	return r > R_GSBASE && r != R_RETIRED && r < ISA_NREGS;
}

/* ---- the self-test programs --------------------------------------------------
 * One atom per bundle everywhere: a program runs on any machine with one
 * unit of each class left (the units of other classes set up operands). */

/* Patterns that put every bit at 0 and at 1 in the results. */
static const uint32_t pat[] = {0x55555555u, 0xaaaaaaaau, 0x0f0f0f0fu, 0xf0f0f0f0u, 0x00000000u, 0xffffffffu};
enum { NPAT = sizeof pat / sizeof *pat };

static void add(char *src, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *src, size_t n, const char *fmt, ...)
{
	size_t len = strlen(src);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(src + len, n - len, fmt, ap);
	va_end(ap);
}

/* The temporaries a program uses: the scratch pointer and nine working
 * registers, chosen among those the register self-test has not excluded
 * (the programs are assembled again when that changes). */
struct bist_regs {
	unsigned ptr, t[9];
};

static int pick_regs(uint64_t bad, struct bist_regs *R)
{
	unsigned n = 0;
	R->ptr = 0;
	for (unsigned r = ISA_NREGS - 1; r >= R_FIRST_TEMP && !R->ptr; r--)
		if (!(bad >> r & 1))
			R->ptr = r;
	for (unsigned r = R_FIRST_TEMP; r < ISA_NREGS && n < 9; r++)
		if (!(bad >> r & 1) && r != R->ptr)
			R->t[n++] = r;
	return n == 9 ? 0 : -1;
}

/* Result k of a program goes to scratch word k (st.hid through the
 * pointer), committed at once: a store buffer of one entry will do. */
static void put(char *src, size_t n, const struct bist_regs *R, struct bist_prog *p, unsigned reg, uint32_t want)
{
	add(src, n, "st.32.hid r%u, [r%u + %u] | commit\n", reg, R->ptr, 4 * p->nresults);
	p->reg_of[p->nresults] = (uint8_t)reg;
	p->expect[p->nresults++] = want;
}

/* ALU: moves, add, sub, and, or, xor, shifts on the patterns. */
static void gen_alu(char *s, size_t n, const struct bist_regs *R, struct bist_prog *p)
{
	const unsigned *t = R->t;
	for (unsigned i = 0; i + 1 < NPAT; i += 2) {
		uint32_t a = pat[i], b = pat[i + 1];
		add(s, n, "mov r%u, #0x%08x\nmov r%u, #0x%08x\n", t[0], a, t[1], b);
		add(s, n, "add r%u, r%u, r%u\nsub r%u, r%u, r%u\nand r%u, r%u, r%u\nor r%u, r%u, r%u\n", t[2], t[0], t[1],
		    t[3], t[0], t[1], t[4], t[0], t[1], t[5], t[0], t[1]);
		add(s, n, "xor r%u, r%u, r%u\nshl r%u, r%u, #1\nshr r%u, r%u, #3\n", t[6], t[0], t[1], t[7], t[0], t[8],
		    t[1]);
		const uint32_t want[9] = {a, b, a + b, a - b, a & b, a | b, a ^ b, a << 1, b >> 3};
		for (unsigned k = 0; k < 9; k++)
			put(s, n, R, p, t[k], want[k]);
	}
}

static void gen_mul(char *s, size_t n, const struct bist_regs *R, struct bist_prog *p)
{
	/* products 0xffffffff, 0, 0x55555555, 0xaaaaaaaa and a scrambled one */
	static const uint32_t f[][2] = {{0x55555555u, 3}, {0, 0x12345678u}, {0x00010001u, 0x5555u},
					{0x00020002u, 0x5555u}, {0x12345679u, 0x9e3779b9u}};
	for (unsigned i = 0; i < sizeof f / sizeof *f; i++) {
		add(s, n, "mov r%u, #0x%08x\nmov r%u, #0x%08x\nmul r%u, r%u, r%u\n", R->t[0], f[i][0], R->t[1], f[i][1],
		    R->t[2], R->t[0], R->t[1]);
		put(s, n, R, p, R->t[2], f[i][0] * f[i][1]);
	}
}

/* FPU: integers converted in, added and multiplied (exactly: no flag is
 * raised), converted out; f8..f11 are FPU temporaries and the x87 status
 * word (whose C1 the conversions clear) is saved and put back. */
static void gen_fpu(char *s, size_t n, const struct bist_regs *R, struct bist_prog *p)
{
	static const int32_t f[][2] = {{0x15555555, 0x2aaaaaaa}, {-0x12345678, 0x0fedcba9}, {12345, -6789}, {46340, 46340}};
	const unsigned *t = R->t;
	add(s, n, "rdcr r%u, FPU_SW\n", t[5]);
	for (unsigned i = 0; i < sizeof f / sizeof *f; i++) {
		add(s, n, "mov r%u, #0x%08x\nmov r%u, #0x%08x\nfcvi.i f8, r%u, r0\nfcvi.i f9, r%u, r0\n", t[0],
		    (uint32_t)f[i][0], t[1], (uint32_t)f[i][1], t[0], t[1]);
		add(s, n, "fadd f10, f8, f9\nfcvo.i r%u, f10\n", t[2]);
		put(s, n, R, p, t[2], (uint32_t)(f[i][0] + f[i][1]));
		if (i >= 2) {
			add(s, n, "fmul f11, f8, f9\nfcvo.i r%u, f11\n", t[3]);
			put(s, n, R, p, t[3], (uint32_t)(f[i][0] * f[i][1]));
		}
	}
	add(s, n, "wrcr FPU_SW, r%u\n", t[5]);
}

/* MEM: the patterns loaded from the firmware's table, stored, loaded
 * back, through the one enabled unit; no other class takes part (the
 * firmware sets the pointer), so a test of the MEM units does not depend
 * on the ALUs being sound. */
static void gen_mem(char *s, size_t n, const struct bist_regs *R, struct bist_prog *p)
{
	for (unsigned i = 0; i < NPAT; i++) {
		add(s, n, "ld.32.hid r%u, [r%u + %u]\nst.32.hid r%u, [r%u + %u]\ncommit\nld.32.hid r%u, [r%u + %u]\n", R->t[0],
		    R->ptr, 4 * (BIST_PAT_WORD + i), R->t[0], R->ptr, 4 * (BIST_SCRATCH_WORDS - 1), R->t[1], R->ptr,
		    4 * (BIST_SCRATCH_WORDS - 1));
		put(s, n, R, p, R->t[0], pat[i]);
		put(s, n, R, p, R->t[1], pat[i]);
	}
}

/* BR: a chain of taken branches over bundles that must not run (they
 * set t1), each landing on its marker; a wrong target runs a skipped
 * bundle, misses a marker, loops (the watchdog ends it) or runs into what
 * is not a bundle.  Targets at every alignment put each low address bit at
 * 0 and at 1. */
static void gen_br(char *s, size_t n, const struct bist_regs *R, struct bist_prog *p)
{
	for (unsigned i = 0; i < 16; i++) {
		add(s, n, "mov r%u, #0\nbr t%u\n", R->t[1], i);
		for (unsigned k = 0; k < 1 + i % 5; k++)
			add(s, n, "mov r%u, #%u\n", R->t[1], k + 1);
		add(s, n, "t%u: mov r%u, #%u\n", i, R->t[0], i + 1);
		put(s, n, R, p, R->t[0], i + 1);
		put(s, n, R, p, R->t[1], 0);
	}
}

/* Registers: every temporary but the pointer holds two patterns, loaded
 * from the firmware's table (MEM units only); so do r13 and r14, shadowed
 * but holding nothing (spare_reg). */
static void gen_regs(char *s, size_t n, const struct bist_regs *R, struct bist_prog *p)
{
	for (unsigned k = 0; k < 2; k++)
		for (unsigned r = R_GSBASE + 1; r < ISA_NREGS; r++) {
			if (r == R->ptr || !spare_reg(r))
				continue;
			add(s, n, "ld.32.hid r%u, [r%u + %u]\n", r, R->ptr, 4 * (BIST_PAT_WORD + k));
			if (p->nresults < BIST_PAT_WORD)
				put(s, n, R, p, r, pat[k]);
		}
}

static int assemble_into(struct cms *m, struct bist_prog *p, const char *src, const char *name, char *err,
			 size_t errlen)
{
	struct isa_program prog;
	struct isa_error e;
	if (isa_assemble(src, name, &prog, &e)) {
		snprintf(err, errlen, "firmware self-test %s: %.200s", name, e.msg);
		return -1;
	}
	uint32_t bytes = (uint32_t)(prog.n * sizeof *prog.words);
	p->code = hregion_alloc(&m->hm.fwdata, bytes, 64);
	p->bytes = bytes;
	int rc = 0;
	if (!p->code) {
		snprintf(err, errlen, "firmware self-test %s: no room in firmware data (%u bytes)", name, bytes);
		rc = -1;
	} else {
		uint8_t *buf = malloc(bytes);
		for (size_t i = 0; buf && i < prog.n; i++)
			for (unsigned b = 0; b < 8; b++)
				buf[8 * i + b] = (uint8_t)(prog.words[i] >> (8 * b));
		rc = buf ? chip_mem_write(m->chip, p->code, buf, bytes) : -1;
		free(buf);
	}
	isa_program_free(&prog);
	return rc;
}

/* The self-test programs are loaded into firmware data the first time
 * they are needed (a run without faults keeps its memory layout), and
 * again with other registers once the register self-test excluded some. */
static int load_tests(struct cms *m, char *err, size_t errlen)
{
	struct fault_fw *f = m->ff;
	if (f->scratch && f->tests_bad_regs == f->bad_regs)
		return 0;
	struct bist_regs R;
	if (pick_regs(f->bad_regs, &R) < 0) {
		snprintf(err, errlen, "firmware self-test: too few healthy temporary registers left");
		return -1;
	}
	if (!f->scratch)
		f->scratch = hregion_alloc(&m->hm.fwdata, 4 * BIST_SCRATCH_WORDS, 64);
	if (!f->scratch) {
		snprintf(err, errlen, "firmware self-test: no room in firmware data");
		return -1;
	}
	static void (*const gen[U_COUNT + 1])(char *, size_t, const struct bist_regs *, struct bist_prog *) = {
		[U_ALU] = gen_alu, [U_MEM] = gen_mem, [U_MUL] = gen_mul, [U_BR] = gen_br, [U_FPU] = gen_fpu,
		[U_COUNT] = gen_regs};
	enum { SRC = 32768 };
	char *src = malloc(SRC);
	int rc = src ? 0 : -1;
	for (unsigned u = 0; !rc && u <= U_COUNT; u++) {
		struct bist_prog *p = u < U_COUNT ? &f->unit[u] : &f->regs;
		if (p->code)
			hregion_free(&m->hm.fwdata, p->code, p->bytes);
		memset(p, 0, sizeof *p);
		src[0] = '\0';
		gen[u](src, SRC, &R, p);
		add(src, SRC, "commit\nexit #0\n");
		rc = assemble_into(m, p, src, u < U_COUNT ? isa_unit_name((enum unit_class)u) : "registers", err, errlen);
	}
	free(src);
	f->tests_bad_regs = f->bad_regs;
	f->ptr = R.ptr;
	return rc;
}

int faults_init(struct cms *m, char *err, size_t errlen)
{
	struct fault_fw *f = calloc(1, sizeof *f);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->ff = f;
	f->next_bist = m->cfg.bist_interval ? (uint64_t)m->cfg.bist_interval : UINT64_MAX;
	return 0;
}

/* The programs, or the end of the run when they cannot be loaded. */
static int need_tests(struct cms *m, struct cms_result *res)
{
	char err[300];
	if (load_tests(m, err, sizeof err) == 0)
		return 0;
	res->end = CMS_END_INTERNAL;
	res->status = 2;
	snprintf(res->text, sizeof res->text, "%.200s", err);
	return 1;
}

void faults_free(struct cms *m)
{
	free(m->ff);
	m->ff = NULL;
}

uint64_t faults_bad_regs(const struct cms *m) { return m->ff ? m->ff->bad_regs : 0; }

/* ---- running a test ------------------------------------------------------------ */

/* The enabled units of class u (its unit-enable mask). */
static uint32_t units_of(struct cms *m, unsigned u)
{
	uint32_t mask = 0;
	chip_read_cr(m->chip, CR_UNITS_ALU + u, &mask);
	return mask;
}

/* What one run of a program gave: whether it ran to its exit, how many
 * results were wrong, and a digest of them (runs on different units
 * compare by it). */
struct test_run {
	bool ran;
	unsigned wrong;
	uint64_t digest;
};

/* A clean start for a program: the scratch area cleared, the pattern
 * table written, the pointer set, everything committed. */
static void start_test(struct cms *m)
{
	struct fault_fw *f = m->ff;
	uint32_t init[BIST_SCRATCH_WORDS] = {0};
	for (unsigned i = 0; i < NPAT; i++)
		init[BIST_PAT_WORD + i] = pat[i];
	chip_mem_write(m->chip, f->scratch, init, sizeof init);
	chip_set_reg(m->chip, f->ptr, f->scratch);
	chip_commit(m->chip);
}

/* Run program p on the chip under the watchdog and, when it ran to its
 * exit, read its results into got (the compares charged).  true when it
 * ran; *ex says how it ended. */
static bool run_program(struct cms *m, const struct bist_prog *p, uint32_t *got, struct chip_exit *ex)
{
	start_test(m);
	chip_run_bounded(m->chip, p->code, ex, BIST_BUDGET);
	if (ex->reason != CHIP_EXIT_FIRMWARE || ex->code != 0)
		return false;
	chip_mem_read(m->chip, m->ff->scratch, got, 4 * BIST_SCRATCH_WORDS);
	cms_charge(m, ACT_RECOVER, (uint64_t)m->cfg.cost_fault_recover / 16 * p->nresults);
	return true;
}

/* Run program p and compare its results with the known answers. */
static struct test_run run_test(struct cms *m, const struct bist_prog *p)
{
	struct chip_exit ex;
	struct test_run t = {0};
	uint32_t saved[ISA_NSHADOW], got[BIST_SCRATCH_WORDS];
	for (unsigned r = 0; r < ISA_NSHADOW; r++)
		saved[r] = chip_shadow(m->chip, r);
	t.ran = run_program(m, p, got, &ex);
	if (!t.ran) {
		t.wrong = p->nresults ? p->nresults : 1;
		t.digest = 0x9e3779b97f4a7c15ull ^ ex.reason;
	} else {
		t.digest = 1469598103934665603ull;
		for (unsigned k = 0; k < p->nresults; k++) {
			t.wrong += got[k] != p->expect[k];
			t.digest = (t.digest ^ got[k]) * 1099511628211ull;
		}
	}
	/* the x86 state the test found (it only uses temporaries, but a
	 * faulty unit may write anywhere) */
	for (unsigned r = 1; r < ISA_NSHADOW; r++)
		chip_set_reg(m->chip, r, saved[r]);
	return t;
}

/* Each enabled unit of class u alone on the class's program.  A unit is
 * faulty when it gets wrong answers while another unit gets them right;
 * when none gets them right (a fault elsewhere spoils the test for all:
 * an ALU that sets up the operands, a register), the units that disagree
 * with the others are faulty, and when they all agree the test is
 * *inconclusive*.  Returns the faulty units' mask. */
static uint32_t self_test(struct cms *m, enum unit_class u, bool *inconclusive)
{
	uint32_t bad = 0, right = 0;
	char err[300];
	*inconclusive = false;
	if ((unsigned)u >= U_COUNT || load_tests(m, err, sizeof err))
		return 0;
	uint32_t mask = units_of(m, u);
	m->st.fault_selftests++;
	uint64_t t0 = chip_cycles(m->chip);
	struct test_run run[32];
	for (unsigned i = 0; i < 32; i++) {
		if (!(mask >> i & 1))
			continue;
		chip_write_cr(m->chip, CR_UNITS_ALU + u, 1u << i);
		run[i] = run_test(m, &m->ff->unit[u]);
		if (!run[i].wrong)
			right |= 1u << i;
	}
	chip_write_cr(m->chip, CR_UNITS_ALU + u, mask);
	m->st.fault_selftest_cycles += chip_cycles(m->chip) - t0;
	if (right)
		return mask & ~right;
	/* nobody right: the most common digest among the runs that ended */
	unsigned best = 0, best_n = 0;
	for (unsigned i = 0; i < 32; i++) {
		unsigned n = 0;
		for (unsigned j = 0; (mask >> i & 1) && run[i].ran && j < 32; j++)
			n += (mask >> j & 1) && run[j].ran && run[j].digest == run[i].digest;
		if (n > best_n) {
			best_n = n;
			best = i;
		}
	}
	for (unsigned i = 0; i < 32; i++)
		if ((mask >> i & 1) && (!run[i].ran || run[i].digest != run[best].digest))
			bad |= 1u << i;
	if (best_n < 2 || !bad) {
		*inconclusive = true;
		return 0;
	}
	return bad;
}

uint32_t policy_self_test(struct cms *m, enum unit_class u)
{
	bool inconclusive;
	uint32_t bad = self_test(m, u, &inconclusive);
	if (inconclusive)
		return units_of(m, u);
	return bad;
}

static int test_registers(struct cms *m);
static bool keep_last(const struct cms *m);

/* Mask off the units of class u in bad (counted); translations flush. */
static void isolate_units(struct cms *m, enum unit_class u, uint32_t bad)
{
	uint32_t mask = units_of(m, u);
	m->st.fault_isolated_units += (uint64_t)__builtin_popcount(mask & bad);
	policy_write_units(m, u, mask & ~bad);
}

/* The self-test of unit class u; masks off every unit that fails.
 * Returns how many did, or -1 when none is left. */
static int test_class(struct cms *m, enum unit_class u)
{
	bool inconclusive;
	uint32_t bad = self_test(m, u, &inconclusive), mask = units_of(m, u);
	if (inconclusive) {
		/* the fault spoils the test for every unit: test the other
		 * classes and the registers its program relies on first */
		for (unsigned c = 0; c < U_COUNT; c++) {
			bool inc2;
			if (c == (unsigned)u)
				continue;
			uint32_t other = units_of(m, c), b = self_test(m, (enum unit_class)c, &inc2);
			if (!inc2 && b && (other & ~b))
				isolate_units(m, (enum unit_class)c, b);
		}
		test_registers(m);
		bad = self_test(m, u, &inconclusive);
		if (inconclusive)
			bad = mask;   /* every unit wrong the same way, with the rest sound: all faulty */
	}
	if (!bad)
		return 0;
	if (!(mask & ~bad) && keep_last(m)) {
		/* degraded: the first faulty unit stays, its wrong results are
		 * caught one by one (policy_hw_fault interprets their blocks) */
		uint32_t last = bad & -bad;
		m->ff->degraded[u] = true;
		if (bad & ~last)
			isolate_units(m, u, bad & ~last);
		return __builtin_popcount(bad);
	}
	isolate_units(m, u, bad);   /* flushes the translations */
	return (mask & ~bad) ? __builtin_popcount(bad) : -1;
}

/* faults.recovery.last_unit keep, with the units' checks to rely on. */
static bool keep_last(const struct cms *m)
{
	return !strcmp(m->cfg.fault_last_unit, "keep") && m->cfg.detect_unit;
}

/* Register r holds nothing from now on: temporaries are kept from the
 * allocator, and the value stays what its cells hold (its parity
 * consistent, so no check trips on it again). */
static void exclude_reg(struct cms *m, unsigned r)
{
	m->ff->bad_regs |= 1ull << r;
	m->st.fault_isolated_registers++;
	chip_reg_rewrite(m->chip, r);
}

/* The register self-test: a temporary that fails is excluded; returns the
 * number found.  A parity error the test itself trips names its register
 * (the syndrome); the test then runs again without it. */
static int test_registers(struct cms *m)
{
	struct fault_fw *f = m->ff;
	const struct bist_prog *p = &f->regs;
	m->st.fault_selftests++;
	uint64_t t0 = chip_cycles(m->chip);
	int found = 0;
	for (unsigned round = 0; round < 8; round++) {
		struct chip_exit ex;
		uint32_t got[BIST_SCRATCH_WORDS];
		if (run_program(m, p, got, &ex)) {
			uint64_t wrong = 0;
			for (unsigned k = 0; k < p->nresults; k++)
				if (got[k] != p->expect[k])
					wrong |= 1ull << p->reg_of[k];
			wrong &= ~f->bad_regs;
			/* a few registers, not a spoilt test (most of them wrong:
			 * a faulty MEM unit, say) */
			if (__builtin_popcountll(wrong) <= 4)
				for (unsigned r = 0; r < ISA_NREGS; r++)
					if (wrong >> r & 1) {
						exclude_reg(m, r);
						found++;
					}
			break;
		}
		if (ex.reason == CHIP_EXIT_FAULT_DETECTED && ex.fault_point == FP_REGISTER && spare_reg(ex.addr)) {
			if (!(f->bad_regs >> ex.addr & 1)) {
				exclude_reg(m, ex.addr);
				found++;
			}
			continue;
		}
		break;   /* the test could not run to its end: it names nothing more */
	}
	/* what the temporaries hold now is the test's (a parity error on a
	 * rewritten healthy cell does not come back) */
	for (unsigned r = R_GSBASE + 1; r < ISA_NREGS; r++) {
		if (!spare_reg(r))
			continue;
		if (f->bad_regs >> r & 1)
			chip_reg_rewrite(m->chip, r);
		else
			chip_set_reg(m->chip, r, 0);
	}
	m->st.fault_selftest_cycles += chip_cycles(m->chip) - t0;
	if (found)
		tc_flush(m);
	return found;
}

/* ---- the recovery ------------------------------------------------------------------ */

static int unrecoverable(struct cms *m, struct cms_result *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The self-test passed, yet class u keeps failing its result checks: the
 * fault lies where the test's vectors do not reach (a branch target bit the
 * test's own addresses never change, say).  The first times the block is
 * interpreted (a transient that struck twice); then the firmware isolates
 * by trial: it masks off one unit after the other (counted as isolated
 * while it stays off) until the detections stop; with one unit, or every
 * unit tried, the run ends. */
static int blind_diagnosis(struct cms *m, enum unit_class u, struct cms_result *res)
{
	struct fault_fw *f = m->ff;
	if (++f->blind[u] <= (unsigned)m->cfg.fault_retries)
		return cms_recover_interpret(m, res);
	f->blind[u] = 0;
	uint32_t mask = units_of(m, u);
	if (f->trial_off[u]) {
		/* the last trial did not help: that unit comes back */
		mask |= f->trial_off[u];
		m->st.fault_isolated_units--;
	}
	/* the next enabled unit after the last one tried */
	unsigned next = f->trial_off[u] ? (unsigned)__builtin_ctz(f->trial_off[u]) + 1 : 0;
	f->trial_off[u] = 0;
	while (next < 32 && !(mask >> next & 1))
		next++;
	if (next >= 32 || __builtin_popcount(mask) < 2) {
		policy_write_units(m, u, mask);
		if (keep_last(m)) {
			f->degraded[u] = true;
			return cms_recover_interpret(m, res);
		}
		return unrecoverable(m, res, "a %s unit keeps failing its result check, its self-test finds nothing, "
				     "and isolating by trial found no unit to spare", isa_unit_name(u));
	}
	f->trial_off[u] = 1u << next;
	m->st.fault_isolated_units++;
	policy_write_units(m, u, mask & ~(1u << next));   /* flushes the translations */
	return 0;
}

static int unrecoverable(struct cms *m, struct cms_result *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int unrecoverable(struct cms *m, struct cms_result *res, const char *fmt, ...)
{
	res->end = CMS_END_UNRECOVERABLE;
	res->status = CMS_STATUS_UNRECOVERABLE;
	int n = snprintf(res->text, sizeof res->text, "unrecoverable hardware fault: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->text + n, sizeof res->text - (size_t)n, fmt, ap);
	va_end(ap);
	m->st.fault_unrecoverable++;
	return 1;
}

/* A detector caught a fault: counted, the first one's cycle kept. */
static void note_detection(struct cms *m)
{
	m->st.fault_detections++;
	if (!m->st.fault_first_detection)
		m->st.fault_first_detection = chip_cycles(m->chip);
}

/* One more detection of class k: true when it is over the retry budget. */
static bool strike(struct cms *m, unsigned k)
{
	struct fault_fw *f = m->ff;
	uint64_t now = chip_cycles(m->chip);
	if (!f->strikes[k] || now - f->first_strike[k] > (uint64_t)m->cfg.fault_window) {
		f->strikes[k] = 0;
		f->first_strike[k] = now;
	}
	if (++f->strikes[k] <= (unsigned)m->cfg.fault_retries)
		return false;
	f->strikes[k] = 0;
	return true;
}

int policy_hw_fault(struct cms *m, const struct chip_exit *ex, struct cms_result *res)
{
	struct fault_fw *f = m->ff;
	uint64_t t0 = chip_cycles(m->chip);
	note_detection(m);
	cms_charge(m, ACT_RECOVER, (uint64_t)m->cfg.cost_fault_recover);
	int over = 0;
	if (ex->walk) {
		/* a page-table word: the firmware keeps the table's record, so
		 * the interpreter's walk puts it right (guestmem.c) */
		chip_cache_scrub(m->chip, chip_walk_fault_addr(m->chip));
		m->st.fault_retries++;
		over = cms_recover_interpret(m, res);
		m->st.fault_recovery_cycles += chip_cycles(m->chip) - t0;
		return over ? over : cms_check_cycle_limit(m, res);
	}
	switch (ex->fault_point) {
	case FP_UNIT: {
		if (need_tests(m, res))
			return 1;
		enum unit_class u = ex->unit_class < U_COUNT ? (enum unit_class)ex->unit_class : U_ALU;
		if (f->degraded[u]) {
			/* the known faulty last unit got a result wrong: this code
			 * is interpreted from now on */
			int id = tc_find_native(m, ex->pc);
			if (id >= 0) {
				uint32_t eip = tc_get(m, id)->eip;
				tc_drop(m, id);
				tc_mark_untranslatable(m, eip);
			}
			m->st.fault_degraded_blocks++;
			over = cms_recover_interpret(m, res);
			break;
		}
		if (!strike(m, u)) {
			m->st.fault_retries++;
			break;
		}
		m->st.fault_diagnoses++;
		int r = test_class(m, u);
		if (r < 0)
			over = unrecoverable(m, res, "every %s unit failed its self-test: no %s unit left",
					     isa_unit_name(u), isa_unit_name(u));
		else if (r == 0)
			over = blind_diagnosis(m, u, res);
		else
			f->blind[u] = 0;
		break;
	}
	case FP_REGISTER:
		if (need_tests(m, res))
			return 1;
		if (!strike(m, U_COUNT)) {
			m->st.fault_retries++;
			break;
		}
		m->st.fault_diagnoses++;
		if (!spare_reg(ex->addr)) {
			/* caught again and again: permanent, and the x86 state (and
			 * the retired count) has no spare */
			over = unrecoverable(m, res, "register r%u (x86 state or the retired count) keeps failing its parity check",
					     ex->addr);
		} else if (test_registers(m) == 0 && !(f->bad_regs >> ex->addr & 1)) {
			/* the test could not confirm it, but the parity check keeps
			 * naming this register: it holds nothing from now on */
			exclude_reg(m, ex->addr);
			tc_flush(m);
		}
		break;
	case FP_CACHE: {
		unsigned lv = ex->level < 3 ? ex->level : 1;
		if (chip_cache_scrub(m->chip, ex->addr) < 0) {
			over = unrecoverable(m, res, "parity error in a dirty %s line (address 0x%08x): its data is lost",
					     lv == 0 ? "L1I" : lv == 1 ? "L1D" : "L2", ex->addr);
			break;
		}
		m->st.fault_scrubs++;
		unsigned w = ex->way % 32;
		if (++f->way_strikes[lv][w] > (unsigned)m->cfg.fault_retries) {
			/* the same way keeps failing: a defect, switch it off */
			if (policy_isolate_way(m, lv, w))
				m->st.fault_isolated_ways++;
			f->way_strikes[lv][w] = 0;
		}
		m->st.fault_retries++;
		break;
	}
	case FP_MEMORY: {
		/* what the firmware can make again (a stuck cell there comes
		 * back: then the run ends): translated code, and the translation
		 * map the lookup routine reads (a flush rewrites every entry);
		 * a page-table word the walk read is ex->walk's, above */
		uint32_t nmap, map = tc_map_base(m, &nmap);
		if ((ex->addr - m->hm.tcache.base < m->hm.tcache.size ||
		     ex->addr - map < nmap * HIDDEN_XMAP_ENTRY_BYTES) &&
		    !strike(m, U_COUNT + 2)) {
			tc_flush(m);
			m->st.fault_retries++;
			break;
		}
		over = unrecoverable(m, res, "uncorrectable memory error at physical address 0x%08x", ex->addr);
		break;
	}
	case FP_STORE_BUFFER:
		/* the rollback dropped the buffered stores: they are computed again */
		m->st.fault_retries++;
		if (strike(m, U_COUNT + 1))
			over = cms_recover_interpret(m, res);
		break;
	}
	m->st.fault_recovery_cycles += chip_cycles(m->chip) - t0;
	return over ? over : cms_check_cycle_limit(m, res);
}

/* ---- checks outside native code ------------------------------------------------------ */

void faults_fw_read(struct cms *m, uint32_t pa, uint32_t n, void *buf)
{
	struct fault_fw *f = m->ff;
	uint32_t where = 0;
	int hit = chip_fw_read(m->chip, pa, n, buf, &where);
	if (!hit)
		return;
	note_detection(m);
	if (hit == 1 + FP_CACHE && chip_cache_scrub(m->chip, where) == 0) {
		/* a clean line: the firmware reads memory again */
		m->st.fault_scrubs++;
		m->st.fault_retries++;
		if (buf)
			chip_mem_read(m->chip, pa, buf, n);
		return;
	}
	if (!f->stop)
		snprintf(f->stop_text, sizeof f->stop_text, "%s at physical address 0x%08x, read by the firmware",
			 hit == 1 + FP_CACHE ? "parity error in a dirty L1D line" : "uncorrectable memory error", where);
	f->stop = true;
}

void faults_walk_detected(struct cms *m, uint32_t word)
{
	note_detection(m);
	m->st.fault_retries++;
	chip_cache_scrub(m->chip, word);
}

int faults_stopped(struct cms *m, struct cms_result *res)
{
	if (!m->ff->stop)
		return 0;
	m->ff->stop = false;
	return unrecoverable(m, res, "%s", m->ff->stop_text);
}

int faults_check_x86(struct cms *m, struct cms_result *res)
{
	uint64_t bad = chip_reg_poison(m->chip) & (((1ull << ISA_NSHADOW) - 1) & ~1ull);
	if (!bad)
		return 0;
	uint64_t now = chip_cycles(m->chip);
	/* the firmware reads the x86 registers it shares with native code:
	 * their parity is checked there too.  Between blocks the shadows hold
	 * the same state (everything is committed), so a flipped working copy
	 * is restored from its shadow, unless that is corrupted too. */
	for (unsigned r = 1; r < ISA_NSHADOW; r++)
		if (bad >> r & 1) {
			note_detection(m);
			cms_charge(m, ACT_RECOVER, (uint64_t)m->cfg.cost_fault_recover);
			if (chip_restore_reg(m->chip, r) < 0)
				return unrecoverable(m, res, "parity error in x86 register r%u and in its shadow copy", r);
			m->st.fault_retries++;
			m->st.fault_recovery_cycles += chip_cycles(m->chip) - now;
		}
	return 0;
}

int faults_tick(struct cms *m, struct cms_result *res)
{
	struct fault_fw *f = m->ff;
	uint64_t now = chip_cycles(m->chip);
	if (faults_check_x86(m, res) || faults_stopped(m, res))
		return 1;
	uint32_t wb;
	if (chip_take_wb_error(m->chip, &wb)) {
		note_detection(m);
		return unrecoverable(m, res, "parity error in a dirty cache line written back (address 0x%08x): its data is lost",
				     wb);
	}
	if (now < f->next_bist)
		return 0;
	f->next_bist = now + (uint64_t)m->cfg.bist_interval;
	if (need_tests(m, res))
		return 1;
	uint64_t t0 = now;
	for (unsigned u = 0; u < U_COUNT; u++)
		if (test_class(m, (enum unit_class)u) < 0)
			return unrecoverable(m, res, "every %s unit failed the periodic self-test",
					     isa_unit_name((enum unit_class)u));
	test_registers(m);
	m->st.fault_recovery_cycles += chip_cycles(m->chip) - t0;
	return 0;
}
