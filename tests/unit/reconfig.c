/* tests/unit/reconfig.c — cache reconfiguration and the energy model.
 *
 * The policies' decisions on synthetic samples of the stack-distance
 * monitor (interval: grow at once to what the interval needed, shrink
 * after the hold, a shrink undone doubles the hold, never below min_ways
 * or above the ways recovery left; phase: size a new phase at once,
 * reapply a recurring one's sizes; static: its ways at boot), the monitor
 * itself against a small cache, and real runs: the phases guest's L1D
 * shrinks in its compute phase and grows back for the others; `off` with
 * a timeline is cycle for cycle the run without.  The energy model: the
 * components add up to the total, leakage is exactly ways x cycles x its
 * coefficient while ways are switched, and the cache figures follow the
 * stated SRAM rule.  Guests
 * come from build/guests (make guests). */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "cms/policy/policy.h"
#include "configs/config.h"
#include "hw-sim/cache.h"
#include "hw-sim/chip.h"
#include "hw-sim/energy.h"
#include "tests/unit/testutil.h"

static const struct reconfig_policy *table(const char *name)
{
	for (size_t i = 0; reconfig_policies[i]; i++)
		if (!strcmp(reconfig_policies[i]->name, name))
			return reconfig_policies[i];
	return NULL;
}

/* A firmware to decide with (its charges go to its chip; nothing runs). */
static struct cms *firmware(const char *const *sets)
{
	struct cdvm_config cfg;
	struct config_error e;
	char err[256];
	config_default(&cfg);
	for (; sets && *sets; sets++)
		CHECK(config_set(&cfg, *sets, &e) == 0, "%s", e.msg);
	struct cms *m;
	if (cms_create(&cfg, CMS_MODE_TRANSLATE, &m, err, sizeof err) < 0) {
		CHECK(0, "cms_create: %s", err);
		return NULL;
	}
	return m;
}

/* One interval of 100,000 cycles in which `n` L1D accesses found their
 * line at LRU depth `d` (a miss costs 12 cycles); nothing else. */
static struct reconfig_sample l1d_interval(unsigned d, uint64_t n)
{
	struct reconfig_sample s;
	memset(&s, 0, sizeof s);
	s.cycles = 100000;
	s.ways[0] = 4;
	s.ways[1] = s.ways[2] = 8;
	if (d >= 2)
		s.depth[1][d - 1] = n;
	s.accesses[1] = 10000;
	s.miss_cycles[0] = s.miss_cycles[1] = 12;
	s.miss_cycles[2] = 120;
	return s;
}

/* bound 4 permille of 100,000 cycles: 400 cycles of extra misses, 33 at
 * 12 cycles each. */
static void test_interval_steps(void)
{
	const char *sets[] = {"cms.reconfig.policy=interval", "cms.reconfig.bound_permille=4", NULL};
	struct cms *m = firmware(sets);
	if (!m)
		return;
	const struct reconfig_policy *p = table("interval");
	void *st = calloc(1, p->state_size);
	struct reconfig_ways w = {{4, 8, 8}, {4, 8, 8}};
	/* expected L1D ways after each interval, and what it saw (S: the
	 * interval after a change, not judged) */
	static const struct {
		unsigned d;
		uint64_t n;
		unsigned ways;
	} seq[] = {
		{0, 0, 8},     /* needs 1: once */
		{0, 0, 1},     /* twice (the hold): shrink */
		{8, 999, 1},   /* S */
		{5, 100, 5},   /* 100 at depth 5: 1200 cycles with fewer than 5: grow; undone at once: hold 4 */
		{0, 0, 5},     /* S */
		{0, 0, 5},
		{0, 0, 5},
		{0, 0, 5},
		{0, 0, 1},     /* four in a row */
		{0, 0, 1},     /* S */
		{3, 30, 1},    /* 30 extra misses with 1 or 2 ways: 360 cycles, within the bound */
		{3, 34, 3},    /* 34: 408 cycles: 3 ways */
	};
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		struct reconfig_sample s = l1d_interval(seq[i].d, seq[i].n);
		const char *what = p->decide(m, st, &s, &w);
		CHECK(w.n[1] == seq[i].ways, "interval %zu: L1D %u ways, expected %u (%s)", i, w.n[1], seq[i].ways, what);
	}
	/* the idle L1I and L2 need one way */
	CHECK(w.n[0] == 1 && w.n[2] == 1, "idle caches at %u and %u ways", w.n[0], w.n[2]);
	free(st);
	cms_destroy(m);
}

/* min_ways and the ways recovery left (max) bound every choice. */
static void test_interval_bounds(void)
{
	const char *sets[] = {"cms.reconfig.policy=interval", "cms.reconfig.min_ways=3", NULL};
	struct cms *m = firmware(sets);
	if (!m)
		return;
	const struct reconfig_policy *p = table("interval");
	void *st = calloc(1, p->state_size);
	struct reconfig_ways w = {{4, 7, 8}, {4, 7, 8}};
	for (int i = 0; i < 4; i++) {
		struct reconfig_sample s = l1d_interval(0, 0);
		p->decide(m, st, &s, &w);
		CU_ASSERT(w.n[1] >= 3 && w.n[1] <= 7);
	}
	CU_ASSERT_EQUAL(w.n[1], 3);
	struct reconfig_sample deep = l1d_interval(8, 1000);
	p->decide(m, st, &deep, &w);
	CU_ASSERT_EQUAL(w.n[1], 7);   /* all 7 ways left; the eighth cannot help */
	free(st);
	cms_destroy(m);
}

/* Signature A (bits 0..199) and B (bits 600..799) of 1024. */
static void signature(uint32_t *sig, unsigned from)
{
	memset(sig, 0, 128);
	for (unsigned b = from; b < from + 200; b++)
		sig[b / 32] |= 1u << (b % 32);
}

static void test_phase_recurs(void)
{
	const char *sets[] = {"cms.reconfig.policy=phase", NULL};
	struct cms *m = firmware(sets);
	if (!m)
		return;
	const struct reconfig_policy *p = table("phase");
	void *st = calloc(1, p->state_size);
	struct reconfig_ways w = {{8, 8, 8}, {8, 8, 8}};
	p->start(m, st, &w);
	uint32_t a[32], b[32];
	signature(a, 0);
	signature(b, 600);
	/* A: compute-like (needs 1 L1D way), B: deep reuse (needs 8).  A's
	 * first interval has nothing before it: a transition, sized as
	 * `interval` sizes (it waits); the second makes it phase 0, sized
	 * at once by what it needed */
	struct reconfig_sample sa = l1d_interval(0, 0), sb = l1d_interval(8, 1000);
	sa.sig = a;
	sb.sig = b;
	sa.sig_words = sb.sig_words = 32;
	p->decide(m, st, &sa, &w);
	CU_ASSERT_EQUAL(p->phase(st), -1);
	CU_ASSERT_EQUAL(w.n[1], 8);
	for (int i = 0; i < 4; i++) {
		p->decide(m, st, &sa, &w);
		CU_ASSERT_EQUAL(p->phase(st), 0);
	}
	unsigned a_ways = w.n[1];
	CHECK(a_ways == 1, "phase A at %u L1D ways", a_ways);
	/* B: a transition grows the L1D at once, then a new phase */
	const char *what = p->decide(m, st, &sb, &w);
	CHECK(p->phase(st) == -1 && w.n[1] == 8, "B: phase %d, %u ways (%s)", p->phase(st), w.n[1], what);
	what = p->decide(m, st, &sb, &w);
	CHECK(p->phase(st) == 1 && w.n[1] == 8, "B: phase %d, %u ways (%s)", p->phase(st), w.n[1], what);
	for (int i = 0; i < 3; i++)
		p->decide(m, st, &sb, &w);
	/* A again: a transition, then its sizes come back at once */
	p->decide(m, st, &sa, &w);
	what = p->decide(m, st, &sa, &w);
	CHECK(p->phase(st) == 0 && w.n[1] == a_ways, "A again: phase %d, %u ways (%s)", p->phase(st), w.n[1], what);
	CHECK(strstr(what, "phase 0 recurs") != NULL, "decision: %s", what);
	free(st);
	cms_destroy(m);
}

static void test_static_ways(void)
{
	const char *sets[] = {"cms.reconfig.policy=static", "cms.reconfig.static.l1d_ways=2",
			      "cms.reconfig.static.l2_ways=4", NULL};
	struct cms *m = firmware(sets);
	if (!m)
		return;
	uint32_t v[3];
	for (unsigned i = 0; i < 3; i++)
		chip_read_cr(cms_chip(m), CR_WAYS_L1I + i, &v[i]);
	CHECK(v[0] == 0xf && v[1] == 0x3 && v[2] == 0xf, "masks %x %x %x", v[0], v[1], v[2]);
	CU_ASSERT_PTR_NULL(table("static")->decide);
	cms_destroy(m);
	/* more ways than the cache has: a configuration error */
	struct cdvm_config cfg;
	struct config_error e;
	config_default(&cfg);
	CU_ASSERT_EQUAL(config_set(&cfg, "cms.reconfig.static.l1d_ways=9", &e), 0);
	CU_ASSERT_EQUAL(config_validate(&cfg, &e), -1);
	CHECK(strstr(e.msg, "cms.reconfig.static.l1d_ways") != NULL, "%s", e.msg);
}

/* The monitor on one set of 4 ways, against the LRU stack of a full-size
 * cache: A B C D A B leaves [B A D C]; with two ways off (C and D become
 * shadow tags, D the newer), D would hit at depth 3 and then C at 4. */
static void test_monitor(void)
{
	uint64_t hits = 0, misses = 0, ev = 0, wb = 0;
	struct cache c;
	CU_ASSERT_EQUAL_FATAL(cache_init(&c, "t", 4 * 32, 4, 32, 1, NULL, 100,
					 (struct cache_counters){&hits, &misses, &ev, &wb}), 0);
	c.monitor = true;
	const uint32_t A = 0x00, B = 0x20, C = 0x40, D = 0x60, E = 0x80;
	const uint32_t seq[] = {A, B, C, D, A, B};
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
		cache_access(&c, seq[i], false);
	CU_ASSERT_EQUAL(c.depth[3], 2);    /* A, then B, at depth 4 */
	cache_set_way_mask(&c, 0x3);
	CU_ASSERT_EQUAL(c.nshadow[0], 2);
	CU_ASSERT_EQUAL(cache_access(&c, D, false), 100);   /* a miss ... */
	CU_ASSERT_EQUAL(c.depth[2], 1);                     /* ... at depth 3 with every way on */
	cache_access(&c, C, false);
	CU_ASSERT_EQUAL(c.depth[3], 3);
	cache_access(&c, E, false);        /* new: no depth */
	uint64_t counted = 0;
	for (unsigned d = 0; d < 32; d++)
		counted += c.depth[d];
	CU_ASSERT_EQUAL(counted, 4);
	CU_ASSERT_EQUAL(misses, 4 + 3);
	cache_free(&c);
}

/* ---- runs ------------------------------------------------------------------ */

struct run {
	int ok;
	uint64_t cycles, reconfig_cycles;
	struct chip_energy e;
	char out[4096];
	char *timeline;
};

static struct run run_guest(const char *prog, enum cms_mode mode, const char *const *sets, bool timeline)
{
	struct run r;
	memset(&r, 0, sizeof r);
	FILE *out, *tl = timeline ? tmpfile() : NULL;
	struct cms *m = test_boot(prog, mode, sets, &out);
	if (!m) {
		if (tl)
			fclose(tl);
		return r;
	}
	cms_set_timeline(m, tl);
	struct cms_result res;
	cms_run(m, &res);
	r.ok = res.end == CMS_END_EXIT && res.status == 0;
	r.cycles = chip_cycles(cms_chip(m));
	chip_energy(cms_chip(m), &r.e);
	test_slurp(out, r.out, sizeof r.out);
	fclose(out);
	if (tl) {
		r.timeline = calloc(1, 1 << 22);
		test_slurp(tl, r.timeline, 1 << 22);
		fclose(tl);
	}
	cms_destroy(m);
	return r;
}

/* Column `name` of a CSV row, by the header's names. */
static double column(const char *header, const char *row, const char *name)
{
	int want = -1, i = 0;
	for (const char *h = header; *h && *h != '\n'; i++) {
		size_t n = strcspn(h, ",\n");
		if (n == strlen(name) && !strncmp(h, name, n))
			want = i;
		h += n + (h[n] == ',');
	}
	for (i = 0; want >= 0 && i < want; i++)
		row += strcspn(row, ",\n") + 1;
	return want < 0 ? NAN : atof(row);
}

/* The phases guest: in the compute phase the L1D shrinks, and for the
 * streaming phase it grows again; the output is the same as with every
 * way on, and so is every interval of `off` with a timeline. */
static void test_phases_guest(void)
{
	const char *base[] = {"cms.reconfig.interval=20000", NULL};
	const char *interval[] = {"cms.reconfig.interval=20000", "cms.reconfig.policy=interval", NULL};
	struct run off = run_guest("phases", CMS_MODE_TRANSLATE, base, false);
	struct run offt = run_guest("phases", CMS_MODE_TRANSLATE, base, true);
	struct run iv = run_guest("phases", CMS_MODE_TRANSLATE, interval, true);
	CU_ASSERT(off.ok && offt.ok && iv.ok);
	CU_ASSERT_EQUAL(off.cycles, offt.cycles);   /* observing costs nothing */
	CU_ASSERT_STRING_EQUAL(off.out, iv.out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(iv.timeline);
	const char *header = iv.timeline, *row = strchr(header, '\n');
	unsigned rows = 0, shrunk = 0, regrown = 0, min_l1d = 99;
	double prev = 8;
	for (; row && row[1]; row = strchr(row, '\n')) {
		row++;
		rows++;
		double ways = column(header, row, "l1d_ways"), miss = column(header, row, "l1d_miss_rate");
		if (ways < min_l1d)
			min_l1d = (unsigned)ways;
		if (ways < prev && miss < 0.01)
			shrunk++;
		if (ways > prev && min_l1d < 8)
			regrown++;
		prev = ways;
	}
	CHECK(rows > 20, "%u timeline rows", rows);
	/* the chip's way-cycles meter against the timeline's own account:
	 * ways during each interval x its cycles (the firmware's cycles at a
	 * boundary after it switched ways are the only difference) */
	double integral = 0;
	for (row = strchr(header, '\n'); row && row[1]; row = strchr(row, '\n')) {
		row++;
		integral += column(header, row, "l1d_ways") * column(header, row, "interval_cycles");
	}
	CHECK(fabs(integral - (double)iv.e.way_cycles[1]) < 0.01 * integral,
	      "L1D way-cycles: meter %llu, timeline %.0f", (unsigned long long)iv.e.way_cycles[1], integral);
	CHECK(min_l1d <= 2 && shrunk > 0 && regrown > 0, "L1D: down to %u ways, %u shrinks, %u regrowths", min_l1d,
	      shrunk, regrown);
	CHECK(iv.e.cache_pj < off.e.cache_pj, "cache energy %.0f pJ against %.0f with every way on", iv.e.cache_pj,
	      off.e.cache_pj);
	free(offt.timeline);
	free(iv.timeline);
}

/* ---- energy ---------------------------------------------------------------- */

/* Components add up; leakage is ways x cycles x the coefficient, with the
 * ways switched by the interval policy during the run; the L1D's
 * coefficients follow the SRAM rule. */
static void test_energy_identity(void)
{
	const char *sets[] = {"cms.reconfig.interval=20000", "cms.reconfig.policy=interval", NULL};
	struct run r = run_guest("phases", CMS_MODE_TRANSLATE, sets, false);
	CU_ASSERT(r.ok);
	double sum = 0, st = 0;
	for (unsigned p = 0; p < EP_COUNT; p++) {
		sum += r.e.pj[p];
		if (energy_part_static[p])
			st += r.e.pj[p];
		CHECK(r.e.pj[p] >= 0, "%s negative", energy_part_names[p]);
	}
	CHECK(fabs(sum - r.e.total_pj) <= 1e-9 * r.e.total_pj, "sum %.3f total %.3f", sum, r.e.total_pj);
	CHECK(fabs(st - r.e.static_pj) <= 1e-9 * r.e.total_pj, "static %.3f", st);
	CHECK(r.e.way_cycles[1] < 8 * r.cycles && r.e.way_cycles[1] >= r.cycles, "L1D way-cycles %llu over %llu cycles",
	      (unsigned long long)r.e.way_cycles[1], (unsigned long long)r.cycles);
	struct cms *m = firmware(NULL);
	if (!m)
		return;
	const struct energy_coeffs *k = chip_energy_coeffs(cms_chip(m));
	/* data arrays leak while their way is on, tag arrays always */
	const unsigned ways[3] = {4, 8, 8};
	for (unsigned i = 0; i < 3; i++)
		CHECK(fabs(r.e.pj[EP_l1i_leakage + i] - (double)r.e.way_cycles[i] * k->cache[i].way_leak -
			   (double)r.cycles * ways[i] * k->cache[i].tag_leak) <= 1e-9 * r.e.pj[EP_l1i_leakage + i],
		      "cache %u leakage", i);
	/* the default L1D: 32 KiB in 8 ways of 4 KiB: 10 pJ x sqrt(4 / 8) a
	 * word, tags a quarter of that; 0.4 mW/KiB x 4 KiB at 1 GHz, tags a
	 * quarter */
	double w = 10.0 * sqrt(0.5);
	CHECK(fabs(k->cache[1].way_access - 1.25 * w) < 1e-9, "L1D way access %.6f pJ", k->cache[1].way_access);
	CHECK(fabs(k->cache[1].fill - 4 * w) < 1e-9, "L1D fill %.6f pJ", k->cache[1].fill);
	CHECK(fabs(k->cache[1].shadow_read - 0.25 * w) < 1e-9, "L1D shadow tag %.6f pJ", k->cache[1].shadow_read);
	CHECK(fabs(k->cache[1].way_leak - 0.4 * 4) < 1e-9, "L1D way leakage %.6f pJ/cycle", k->cache[1].way_leak);
	CHECK(fabs(k->cache[1].tag_leak - 0.4) < 1e-9, "L1D tag leakage %.6f pJ/cycle", k->cache[1].tag_leak);
	cms_destroy(m);
}

void suite_reconfig(void)
{
	CU_pSuite s = CU_add_suite("reconfig", NULL, NULL);
	CU_add_test(s, "interval: halve while good, back off after failures", test_interval_steps);
	CU_add_test(s, "interval: min_ways and the ways left bound the sizes", test_interval_bounds);
	CU_add_test(s, "phase: a new phase is tuned, a recurring one reapplied", test_phase_recurs);
	CU_add_test(s, "static: the configured ways at boot, checked against the cache", test_static_ways);
	CU_add_test(s, "stack-distance monitor: depths as a full-size LRU cache, shadow tags", test_monitor);
	CU_add_test(s, "phases guest: the L1D shrinks and regrows, same output", test_phases_guest);
	CU_add_test(s, "energy: components add up, leakage is ways x cycles", test_energy_identity);
}
