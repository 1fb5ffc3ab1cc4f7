/* tests/unit/faults.c — `cdvm faults` without running anything: the
 * campaign reader's errors (file:line:col), Leveugle et al.'s sample
 * sizes (384 and 9604 for a large population), Wilson score intervals
 * against values computed by hand, the fault population of a chip, and
 * that a run's faults depend on (seed, workload, injection) alone.
 *
 * cli/ is not in libcdvm.a: the campaign's files are compiled in here; the
 * sweep's come from tests/unit/sweep.c (which includes them). */
#include "cli/faults_sample.c"
#include "cli/faults_spec.c"

#include <CUnit/CUnit.h>
#include "tests/unit/testutil.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define WLF "workloads:\n  - program: /bin/sh\n"

static struct faults_campaign *campaign_ok(int line, const char *yaml)
{
	struct faults_campaign *fc = NULL;
	char err[SWEEP_ERR_MAX] = "";
	int r = faults_campaign_parse(&fc, yaml, strlen(yaml), "c.yaml", err, sizeof err);
	CHECK_AT(r == 0 && fc, line, "campaign should parse: %s", err);
	return r ? NULL : fc;
}

static void campaign_error(int line, const char *yaml, const char *needle)
{
	struct faults_campaign *fc = NULL;
	char err[SWEEP_ERR_MAX] = "";
	int r = faults_campaign_parse(&fc, yaml, strlen(yaml), "c.yaml", err, sizeof err);
	CHECK_AT(r == -1 && !fc, line, "campaign should fail:\n%s", yaml);
	CHECK_AT(strstr(err, needle) != NULL, line, "message '%s' lacks '%s'", err, needle);
	faults_campaign_free(fc);
}
#define CAMPAIGN_ERR(yaml, needle) campaign_error(__LINE__, yaml, needle)

static void test_reader(void)
{
	struct faults_campaign *fc = campaign_ok(__LINE__, WLF
		"axes:\n  faults.per_run: [1, 4]\n  faults.detect.unit: [false, true]\n"
		"faults:\n  seed: 9\n  margin: 0.05\n  when: boot\n  hang_factor: 3\n"
		"  models:\n    - {target: way, caches: [l2], kinds: [stuck, stuck0], weight: 0.5}\n"
		"    - {target: mem}\n");
	if (fc) {
		CHECK(fc->f.seed == 9 && fc->f.boot && fc->f.hang_factor == 3, "section fields");
		CHECK(fc->f.injections == 384 && fc->f.confidence == 0.95, "margin 0.05 -> %u", fc->f.injections);
		CHECK(fc->spec->repetitions == 385, "repetitions %u = golden + 384", fc->spec->repetitions);
		CHECK(fc->f.nmodels == 2 && fc->f.models[0].target == FT_WAY && fc->f.models[0].caches[2] &&
		      !fc->f.models[0].caches[1] && fc->f.models[0].nkinds == 2 && fc->f.models[0].weight == 0.5,
		      "model 0");
		CHECK(fc->f.models[1].nkinds == 1 && fc->f.models[1].kinds[0] == FK_FLIP && fc->f.models[1].weight == 1,
		      "model defaults");
		CHECK(fc->spec->naxes == 2 && fc->spec->axes[0].extra && !fc->spec->axes[1].extra, "extra axis");
	}
	faults_campaign_free(fc);
	CAMPAIGN_ERR(WLF "faults:\n  injections: 3\n  modles: []\n", "c.yaml:5:3: faults: unknown key 'modles'");
	CAMPAIGN_ERR(WLF "faults:\n  injections: 3\n  models:\n    - {target: reg, kinds: [zap]}\n",
		     "c.yaml:6:29: faults: model kinds: unknown 'zap'");
	CAMPAIGN_ERR(WLF "faults:\n  margin: 0\n  models:\n    - {target: reg}\n", "c.yaml:4:11: faults: margin: 0 is out of range");
	CAMPAIGN_ERR(WLF "faults:\n  margin: 0.01\n  injections: 5\n  models:\n    - {target: reg}\n",
		     "c.yaml:5:3: faults: give injections or margin");
	CAMPAIGN_ERR(WLF "faults:\n  injections: 5\n  confidence: 0.95\n  models:\n    - {target: reg}\n",
		     "c.yaml:5:3: faults: confidence goes with margin");
	CAMPAIGN_ERR(WLF "faults:\n  injections: 5\n", "c.yaml:4:3: faults: missing models");
	CAMPAIGN_ERR(WLF "faults:\n  injections: 5\n  when: later\n  models:\n    - {target: reg}\n",
		     "c.yaml:5:9: faults: when: expected uniform or boot");
	CAMPAIGN_ERR(WLF "faults:\n  injections: 5\n  models:\n    - {kinds: [flip]}\n", "c.yaml:6:7: faults: model: missing target");
	CAMPAIGN_ERR(WLF "plot: [cycles]\nfaults:\n  injections: 5\n  models:\n    - {target: reg}\n",
		     "c.yaml:3:1: plot: not in a campaign");
	CAMPAIGN_ERR(WLF "faults:\n  injections: 5\n  models:\n    - {target: reg}\nfaults: 1\n",
		     "key 'faults' given twice");
	CAMPAIGN_ERR("axes:\n  faults.per_run: {from: 1, to: 40, step: 1}\n" WLF "faults:\n  injections: 5\n"
		     "  models:\n    - {target: reg}\n", "range value 33: 33 is out of range 1..32");
	/* a sweep does not know the campaign's axis */
	struct sweep_spec *s = NULL;
	char err[SWEEP_ERR_MAX] = "";
	const char *y = "axes:\n  faults.per_run: [1]\n" WLF;
	CHECK(sweep_spec_parse(&s, y, strlen(y), "s.yaml", err, sizeof err) && strstr(err, "not a configuration key"),
	      "sweep with faults.per_run: %s", err);
	sweep_spec_free(s);
}

static void test_sample_sizes(void)
{
	/* Leveugle et al., DATE 2009, table 1, for a large population */
	CHECK(faults_sample_size(0.05, 0.95, 0) == 384, "95%%/5%%: %u", faults_sample_size(0.05, 0.95, 0));
	CHECK(faults_sample_size(0.01, 0.95, 0) == 9604, "95%%/1%%: %u", faults_sample_size(0.01, 0.95, 0));
	CHECK(faults_sample_size(0.01, 0.95, 1e12) == 9604, "N = 1e12: %u", faults_sample_size(0.01, 0.95, 1e12));
	CHECK(faults_sample_size(0.05, 0.99, 0) == 664, "99%%/5%%: %u", faults_sample_size(0.05, 0.99, 0));
	CHECK(faults_sample_size(0.05, 0.90, 0) == 271, "90%%/5%%: %u", faults_sample_size(0.05, 0.90, 0));
	/* a small population needs fewer: N = 1000 at 95 %/5 % -> 277.7 */
	CHECK(faults_sample_size(0.05, 0.95, 1000) == 278, "N = 1000: %u", faults_sample_size(0.05, 0.95, 1000));
	CHECK(faults_sample_size(0.05, 0.95, 100) == 80, "N = 100: %u", faults_sample_size(0.05, 0.95, 100));
	CHECK(faults_sample_size(0.05, 0.80, 0) == 0 && faults_z(0.8) == 0, "unknown confidence");
}

static void test_wilson(void)
{
	double c, h;
	/* 0 of 10 at z = 1.96: [0, 0.2775] */
	faults_wilson(0, 10, 1.96, &c, &h);
	CHECK(fabs(c - h) < 1e-12 && fabs(c + h - 0.277534) < 1e-5, "0/10: %g +- %g", c, h);
	/* 8 of 10: [0.4902, 0.9433] */
	faults_wilson(8, 10, 1.96, &c, &h);
	CHECK(fabs(c - h - 0.490162) < 1e-5 && fabs(c + h - 0.943318) < 1e-5, "8/10: [%g, %g]", c - h, c + h);
	/* 50 of 100: centered on 0.5, half-width 0.0962 */
	faults_wilson(50, 100, 1.96, &c, &h);
	CHECK(fabs(c - 0.5) < 1e-12 && fabs(h - 0.096170) < 1e-5, "50/100: %g +- %g", c, h);
	faults_wilson(0, 0, 1.96, &c, &h);
	CHECK(c == 0 && h == 0, "no runs");
}

static void test_population_and_draws(void)
{
	struct faults_campaign *fc = campaign_ok(__LINE__, WLF
		"faults:\n  seed: 5\n  injections: 50\n  models:\n    - {target: unit, kinds: [flip, stuck]}\n"
		"    - {target: reg}\n    - {target: cache, caches: [l1d]}\n    - {target: sb}\n");
	if (!fc)
		return;
	CAMPAIGN_ERR(WLF "faults:\n  injections: 5\n  models:\n    - {target: sb, weight: 0}\n", "weight: 0 is out of range");
	fc->f.nmodels = 3; /* without sb */
	struct cdvm_config cfg;
	config_default(&cfg);
	struct faults_chip chip;
	faults_chip_of(&cfg, &chip);
	/* default chip: 6 units; 63 registers; L1D 32 KiB of 32-byte lines */
	CHECK(chip.cache[FAULT_L1D].lines == 1024 && chip.cache[FAULT_L1D].words == 8, "l1d geometry");
	CHECK(chip.cache[FAULT_L1D].tag_bits == 32 - 5 - 7, "l1d tag bits %u", chip.cache[FAULT_L1D].tag_bits);
	double want = (6.0 * 32 * 2 + 63 * 32 + 1024 * 8 * 32) * 1000;
	CHECK(faults_population(&fc->f, &chip, 1000) == want, "population %g, want %g",
	      faults_population(&fc->f, &chip, 1000), want);
	/* the same (seed, workload, injection) always draws the same fault,
	 * another injection or workload another */
	struct fault_spec a, b;
	char msg[200], ta[256], tb[256];
	unsigned same = 0, seen[FT_COUNT] = {0};
	for (unsigned j = 1; j <= 200; j++) {
		CHECK(!faults_draw(&fc->f, &chip, 1000000, 1, j, 0, &a, msg, sizeof msg), "%s", msg);
		CHECK(!faults_draw(&fc->f, &chip, 1000000, 1, j, 0, &b, msg, sizeof msg), "%s", msg);
		fault_spec_format(&a, ta, sizeof ta);
		fault_spec_format(&b, tb, sizeof tb);
		CHECK(!strcmp(ta, tb), "draw %u twice: %s / %s", j, ta, tb);
		CHECK(a.at < 1000000 && a.bit < 32, "draw %u in range: %s", j, ta);
		CHECK(a.target != FT_UNIT || a.index < chip.units[a.cls], "unit in range: %s", ta);
		CHECK(a.target != FT_REG || (a.reg >= 1 && a.reg <= 63), "register in range: %s", ta);
		CHECK(a.target != FT_CACHE || (a.level == FAULT_L1D && a.line < 1024 && a.word < 8), "line: %s", ta);
		CHECK(a.target != FT_SB, "a model left out was drawn: %s", ta);
		seen[a.target]++;
		faults_draw(&fc->f, &chip, 1000000, 2, j, 0, &b, msg, sizeof msg);
		fault_spec_format(&b, tb, sizeof tb);
		same += !strcmp(ta, tb);
	}
	CHECK(same < 3, "%u of 200 draws equal across workloads", same);
	/* weights 1:1:1 over 200 draws: each model between 40 and 95 times */
	CHECK(seen[FT_UNIT] > 40 && seen[FT_REG] > 40 && seen[FT_CACHE] > 40 && seen[FT_UNIT] < 95,
	      "model shares %u %u %u", seen[FT_UNIT], seen[FT_REG], seen[FT_CACHE]);
	/* a chip without the target: no model left */
	fc->f.nmodels = 1;
	for (unsigned u = 0; u < U_COUNT; u++)
		chip.units[u] = 0;
	CHECK(faults_draw(&fc->f, &chip, 100, 0, 1, 0, &a, msg, sizeof msg) == -1 && strstr(msg, "no model"),
	      "no target: %s", msg);
	faults_campaign_free(fc);
}

void suite_faults(void)
{
	CU_pSuite s = CU_add_suite("faults", NULL, NULL);
	CU_add_test(s, "campaign: the faults: section and its errors", test_reader);
	CU_add_test(s, "sample sizes (Leveugle et al. 2009)", test_sample_sizes);
	CU_add_test(s, "Wilson score intervals", test_wilson);
	CU_add_test(s, "fault population and deterministic draws", test_population_and_draws);
}
