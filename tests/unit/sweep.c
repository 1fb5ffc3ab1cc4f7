/* tests/unit/sweep.c — `cdvm sweep` without running anything: the spec
 * reader's errors (each with file:line:col), point enumeration order for
 * product and zip, run numbering and ids, the shard partition, CSV and
 * JSON rows, metrics derived from a stats JSON, and the resume rules of a
 * results folder (partial last line, rows in only one file), and that
 * cms/stats.def, a real run's --stats-json and the columns agree.
 *
 * cli/ is not part of libcdvm.a, so the sweep's library-like files are
 * compiled into this suite directly. */
#include "cli/sweep_plan.c"
#include "cli/sweep_results.c"
#include "cli/sweep_spec.c"

#include <CUnit/CUnit.h>
#include "tests/unit/testutil.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* printable even when NULL */
#define S(p) ((p) ? (p) : "(null)")

/* Every spec below needs a workload whose program exists. */
#define WL "workloads:\n  - program: /bin/sh\n"

static struct sweep_spec *parse_ok(int line, const char *yaml)
{
	struct sweep_spec *s = NULL;
	char err[SWEEP_ERR_MAX] = "";
	int r = sweep_spec_parse(&s, yaml, strlen(yaml), "t.yaml", err, sizeof err);
	CHECK_AT(r == 0 && s, line, "spec should parse: %s", err);
	return r ? NULL : s;
}

/* The spec must fail with every NULL-terminated needle in the message. */
static void expect_error(int line, const char *yaml, ...)
{
	struct sweep_spec *s = NULL;
	char err[SWEEP_ERR_MAX] = "";
	int r = sweep_spec_parse(&s, yaml, strlen(yaml), "t.yaml", err, sizeof err);
	CHECK_AT(r == -1 && !s, line, "spec should fail:\n%s", yaml);
	va_list ap;
	va_start(ap, yaml);
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL)
		CHECK_AT(strstr(err, needle) != NULL, line, "message '%s' lacks '%s'", err, needle);
	va_end(ap);
	CHECK_AT(strchr(err, '\n') == NULL, line, "message is not one line: %s", err);
	sweep_spec_free(s);
}
#define SPEC_ERR(yaml, ...) expect_error(__LINE__, yaml, __VA_ARGS__, (const char *)NULL)

static void test_parse_full(void)
{
	struct sweep_spec *s = parse_ok(__LINE__,
		"name: demo\n"
		"set:\n"
		"  cms.translate_threshold: 20\n"
		"  core:\n"
		"    units.alu: 3\n"
		"axes:\n"
		"  core.issue_width: {from: 2, to: 8, step: 3}\n"
		"  cache.l1d.size_kb: {from: 8, to: 100, times: 2}\n"
		"  faults.detect.unit: [false, true]\n"
		"  cache.l2.latency: [0x10, 20]\n"
		"combine: product\n"
		"skip_invalid: true\n"
		"workloads:\n"
		"  - name: a\n"
		"    program: /bin/sh\n"
		"    args: [x, \"y z\", 3]\n"
		"  - program: build/guests/O2/sieve.elf\n"
		"modes: [interp, translate]\n"
		"repetitions: 3\n"
		"plot: [cycles, l1d_miss_rate, l2_hits]\n");
	if (!s)
		return;
	CHECK(!strcmp(s->name, "demo"), "name %s", s->name);
	CHECK(s->nset == 2 && !strcmp(s->set_keys[1], "core.units.alu") && !strcmp(s->set_values[1], "3"),
	      "nested set: %zu", s->nset);
	CHECK(s->naxes == 4, "axes %zu", s->naxes);
	/* step range stops before passing `to`; geometric likewise */
	CHECK(s->axes[0].nvalues == 3 && !strcmp(s->axes[0].values[2], "8"), "step range %zu", s->axes[0].nvalues);
	CHECK(s->axes[1].nvalues == 4 && !strcmp(s->axes[1].values[3], "64") && s->axes[1].geometric,
	      "geometric range %zu", s->axes[1].nvalues);
	CHECK(s->axes[2].type == SWEEP_KEY_BOOL && s->axes[2].nvalues == 2, "bool axis");
	CHECK(!strcmp(s->axes[3].values[0], "16"), "hex value normalized: %s", s->axes[3].values[0]);
	CHECK(!s->zip && s->skip_invalid, "combine/skip_invalid");
	CHECK(s->nworkloads == 2 && s->workloads[0].nargs == 3 && !strcmp(s->workloads[0].args[1], "y z"),
	      "workloads");
	CHECK(!strcmp(s->workloads[1].name, "sieve"), "default workload name %s", s->workloads[1].name);
	CHECK(s->nmodes == 2 && s->repetitions == 3 && s->nplot == 3, "modes/reps/plot");
	CHECK(sweep_point_count(s) == 3 * 4 * 2 * 2, "points %zu", sweep_point_count(s));
	sweep_spec_free(s);

	/* defaults */
	s = parse_ok(__LINE__, WL);
	if (!s)
		return;
	CHECK(s->naxes == 0 && sweep_point_count(s) == 1, "no axes: one point");
	CHECK(s->nmodes == 1 && !strcmp(s->modes[0], "interp") && s->repetitions == 1, "default modes/reps");
	CHECK(s->nplot == 2 && !strcmp(s->plot_metrics[0], "cycles") && !strcmp(s->plot_metrics[1], "x86_ipc"),
	      "default plot metrics");
	CHECK(!strcmp(s->name, "t"), "name from the file name: %s", s->name);
	sweep_spec_free(s);
}

static void test_parse_errors(void)
{
	/* unknown keys, at every level */
	SPEC_ERR(WL "foo: 1\n", "t.yaml:3:1:", "unknown key 'foo'");
	SPEC_ERR("axes:\n  core.issue_widht: [1, 2]\n" WL, "t.yaml:2:3:", "not a configuration key",
		 "did you mean 'core.issue_width'");
	SPEC_ERR("set:\n  core.bogus: 1\n" WL, "t.yaml:2:3:", "'core.bogus' is not a configuration key");
	SPEC_ERR("workloads:\n  - program: /bin/sh\n    argv: [1]\n", "t.yaml:3:5:", "unknown key 'argv'");
	SPEC_ERR("axes:\n  core.issue_width: {from: 1, to: 4, by: 1}\n" WL, "t.yaml:2:38:", "unknown range key 'by'");
	/* bad ranges */
	SPEC_ERR("axes:\n  core.issue_width: {from: 4, to: 1, step: 1}\n" WL, "t.yaml:2:44:", "never goes from 4 to 1");
	SPEC_ERR("axes:\n  core.issue_width: {from: 1, to: 4, step: 0}\n" WL, "t.yaml:2:", "step 0");
	SPEC_ERR("axes:\n  core.issue_width: {from: 1, to: 4, times: 1}\n" WL, "t.yaml:2:45:", "out of range 2..");
	SPEC_ERR("axes:\n  core.issue_width: {from: 0, to: 4, times: 2}\n" WL, "t.yaml:2:21:", "0 < from <= to");
	SPEC_ERR("axes:\n  core.issue_width: {from: 1, to: 4}\n" WL, "t.yaml:2:21:", "exactly one of step and times");
	SPEC_ERR("axes:\n  core.issue_width: {from: 1, to: 4, step: 1, times: 2}\n" WL, "exactly one of step and times");
	SPEC_ERR("axes:\n  core.issue_width: {to: 4, step: 1}\n" WL, "needs from and to");
	SPEC_ERR("axes:\n  core.issue_width: {from: 1, to: 32, step: 1}\n" WL, "t.yaml:2:21:", "range value 17");
	SPEC_ERR("axes:\n  faults.detect.unit: {from: 0, to: 1, step: 1}\n" WL, "needs an integer key");
	/* counted, not built: 185,333 values (and 2^60 of them) fail at once */
	SPEC_ERR("axes:\n  memory.hidden_mb: {from: 1, to: 555997, step: 3}\n" WL, "t.yaml:2:21:",
		 "185333 values, more than 100000");
	SPEC_ERR("axes:\n  sim.max_cycles: {from: 0, to: 1152921504606846976, step: 1}\n" WL,
		 "1152921504606846977 values");
	SPEC_ERR("axes:\n  memory.hidden_mb: {from: 1000, to: 1030, step: 10}\n" WL, "range value 1030");
	SPEC_ERR("axes:\n  core.issue_width: {from: a, to: 4, step: 1}\n" WL, "t.yaml:2:28:", "expected an integer");
	/* values */
	SPEC_ERR("axes:\n  core.issue_width: [1, 99]\n" WL, "t.yaml:2:25:", "out of range");
	SPEC_ERR("axes:\n  core.issue_width: [1, \"2\"]\n" WL, "t.yaml:2:25:", "quoted string");
	SPEC_ERR("axes:\n  core.issue_width: [1, 2, 0x1]\n" WL, "t.yaml:2:28:", "listed twice");
	SPEC_ERR("axes:\n  core.issue_width: []\n" WL, "t.yaml:2:21:", "no values");
	SPEC_ERR("axes:\n  core.issue_width: 4\n" WL, "t.yaml:2:21:", "expected a list of values or a range");
	SPEC_ERR("axes:\n  faults.detect.unit: [yes]\n" WL, "t.yaml:2:24:", "faults.detect.unit");
	SPEC_ERR("set:\n  core.issue_width: 4\naxes:\n  core.issue_width: [4, 8]\n" WL, "t.yaml:4:3:",
		 "also in set");
	SPEC_ERR("axes:\n  core.issue_width: [1]\n  core.issue_width: [2]\n" WL, "t.yaml:3:3:", "given twice");
	SPEC_ERR("axes:\n  config_files: {from: 1, to: 2, step: 1}\n" WL, "expected a list of files");
	/* workloads */
	SPEC_ERR("axes:\n  core.issue_width: [1, 2]\n", "t.yaml:1:1:", "missing workloads");
	SPEC_ERR("workloads: []\n", "t.yaml:1:12:", "the list is empty");
	SPEC_ERR("workloads:\n  - name: a\n", "t.yaml:2:5:", "missing program");
	SPEC_ERR("workloads:\n  - {name: a, program: /bin/sh}\n  - {name: a, program: /bin/ls}\n", "t.yaml:3:5:",
		 "'a' used twice");
	SPEC_ERR("workloads:\n  - {name: 'a b', program: /bin/sh}\n", "t.yaml:2:12:", "letters, digits");
	SPEC_ERR("workloads:\n  - program: /bin/sh\n    args: x\n", "t.yaml:3:11:", "expected a list");
	/* zip needs equal lengths */
	SPEC_ERR("combine: zip\naxes:\n  core.issue_width: [1, 2]\n  cache.l1d.size_kb: [8, 16, 32]\n" WL,
		 "t.yaml:1:10:", "zip needs axes of equal length", "has 2 values", "has 3");
	SPEC_ERR("combine: cross\n" WL, "t.yaml:1:10:", "product or zip");
	/* the rest */
	SPEC_ERR("modes: [interp, fast]\n" WL, "t.yaml:1:17:", "unknown 'fast'");
	SPEC_ERR("modes: [interp, interp]\n" WL, "listed twice");
	SPEC_ERR("repetitions: 0\n" WL, "t.yaml:1:14:", "out of range 1..");
	SPEC_ERR("repetitions: many\n" WL, "expected an integer");
	SPEC_ERR("skip_invalid: yes\n" WL, "t.yaml:1:15:", "true or false");
	SPEC_ERR("plot: [cycles, bogus]\n" WL, "t.yaml:1:16:", "unknown 'bogus'");
	SPEC_ERR("axes: [\n", "t.yaml:", "malformed YAML");
	SPEC_ERR(WL "---\nname: x\n", "t.yaml:4:1:", "more than one YAML document");
	SPEC_ERR("- a\n- b\n", "t.yaml:1:1:", "expected a mapping");
	SPEC_ERR("", "t.yaml:1:1:", "empty spec");
}

static struct sweep_plan *plan_ok(int line, struct sweep_spec *s)
{
	struct sweep_plan *p = NULL;
	char err[SWEEP_ERR_MAX] = "";
	int r = sweep_plan_build(&p, s, err, sizeof err);
	CHECK_AT(r == 0 && p, line, "plan should build: %s", err);
	return r ? NULL : p;
}

static void expect_plan_error(int line, const char *yaml, const char *n1, const char *n2)
{
	struct sweep_spec *s = parse_ok(line, yaml);
	if (!s)
		return;
	struct sweep_plan *p = NULL;
	char err[SWEEP_ERR_MAX] = "";
	int r = sweep_plan_build(&p, s, err, sizeof err);
	CHECK_AT(r == -1 && !p, line, "plan should fail: %s", yaml);
	CHECK_AT(strstr(err, n1) && strstr(err, n2), line, "message '%s' lacks '%s' or '%s'", err, n1, n2);
	sweep_spec_free(s);
}

static void test_invalid_points(void)
{
	/* an L1D line larger than the L2 line breaks a cross-key rule */
	expect_plan_error(__LINE__, "axes:\n  cache.l1d.line: [32, 128]\n" WL, "t.yaml:2:3: point 1 (cache.l1d.line=128)",
			  "cache.l2.line");
	expect_plan_error(__LINE__, "workloads:\n  - program: /nonexistent/prog.elf\n", "t.yaml:2:14:",
			  "No such file");
	expect_plan_error(__LINE__, "base: /nonexistent.yaml\n" WL, "t.yaml:1:7: base:", "cannot open");
	expect_plan_error(__LINE__, "axes:\n  config_files: [/nonexistent.yaml]\n" WL, "config_files:", "cannot open");
	/* two points with one configuration */
	expect_plan_error(__LINE__, "axes:\n  config_files: [configs/wide8.yaml, configs/default.yaml]\n"
			  "  core.issue_width: [8]\n  name: [same]\n  core.units.alu: [2]\n  core.units.mem: [1]\n"
			  "  core.units.mul: [1]\n  core.units.br: [1]\n  cache.l1i.size_kb: [32]\n"
			  "  cache.l1d.size_kb: [32]\n  cache.l2.size_kb: [256]\n  cache.l2.ways: [8]\n"
			  "  cache.l1i.ways: [4]\n  memory.latency: [120]\n  memory.hidden_mb: [16]\n"
			  "  cms.tcache_kb: [4096]\n  core.units.fpu: [1]\n" WL,
			  "points 0", "have the same configuration");

	struct sweep_spec *s = parse_ok(__LINE__, "skip_invalid: true\naxes:\n  cache.l1d.line: [32, 128]\n"
				       "  core.issue_width: [2, 4]\n" WL);
	if (!s)
		return;
	struct sweep_plan *p = plan_ok(__LINE__, s);
	if (p) {
		CHECK(p->npoints == 4 && p->nruns == 4, "points %zu runs %zu", p->npoints, p->nruns);
		CHECK(!p->points[0].invalid && !p->points[1].invalid, "valid points");
		CHECK(p->points[2].invalid && p->points[3].invalid && strstr(p->points[2].reason, "cache.l2.line"),
		      "invalid points are marked with the reason");
		CHECK(p->points[1].cfg.issue_width == 4 && p->points[1].cfg.l1d_line == 32, "point 1 config");
	}
	sweep_plan_free(p);
	sweep_spec_free(s);
}

static void test_enumeration(void)
{
	struct sweep_spec *s = parse_ok(__LINE__,
		"axes:\n  core.issue_width: [1, 2, 4]\n  cache.l1d.size_kb: [8, 16]\n"
		"workloads:\n  - {name: a, program: /bin/sh}\n  - {name: b, program: /bin/sh}\n"
		"modes: [interp, translate]\nrepetitions: 2\n");
	if (!s)
		return;
	/* product: the first axis varies slowest */
	static const size_t want[6][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}};
	size_t v[2];
	CHECK(sweep_point_count(s) == 6, "count");
	for (size_t i = 0; i < 6; i++) {
		sweep_point_values(s, i, v);
		CHECK(v[0] == want[i][0] && v[1] == want[i][1], "point %zu = (%zu, %zu)", i, v[0], v[1]);
	}
	struct sweep_plan *p = plan_ok(__LINE__, s);
	if (p) {
		CHECK(p->nruns == 6 * 2 * 2 * 2, "runs %zu", p->nruns);
		/* runs: point-major, then workload, mode, repetition */
		struct sweep_run r;
		sweep_run_of(p, 0, &r);
		CHECK(r.point == 0 && r.workload == 0 && r.mode == 0 && r.rep == 0, "run 0");
		sweep_run_of(p, 1, &r);
		CHECK(r.point == 0 && r.workload == 0 && r.mode == 0 && r.rep == 1, "run 1");
		sweep_run_of(p, 2, &r);
		CHECK(r.point == 0 && r.workload == 0 && r.mode == 1 && r.rep == 0, "run 2");
		sweep_run_of(p, 4, &r);
		CHECK(r.point == 0 && r.workload == 1 && r.mode == 0 && r.rep == 0, "run 4");
		sweep_run_of(p, 8 * 3 + 5, &r);
		CHECK(r.point == 3 && r.workload == 1 && r.mode == 0 && r.rep == 1, "run 29");
		CHECK(p->points[3].cfg.issue_width == 2 && p->points[3].cfg.l1d_kb == 16, "point 3 config");
		char label[128];
		sweep_point_label(p, 3, label, sizeof label);
		CHECK(!strcmp(label, "core.issue_width=2 cache.l1d.size_kb=16"), "label %s", label);
		/* every run id is distinct, and stable */
		char (*ids)[17] = calloc(p->nruns, sizeof *ids);
		for (size_t i = 0; ids && i < p->nruns; i++) {
			sweep_run_id(p, i, ids[i]);
			CHECK(strlen(ids[i]) == 16, "id length");
			for (size_t j = 0; j < i; j++)
				CHECK(strcmp(ids[i], ids[j]), "runs %zu and %zu share id %s", i, j, ids[i]);
		}
		struct sweep_plan *p2 = plan_ok(__LINE__, s);
		for (size_t i = 0; p2 && ids && i < p->nruns; i++) {
			char id[17];
			sweep_run_id(p2, i, id);
			CHECK(!strcmp(id, ids[i]), "id of run %zu changed between plans", i);
		}
		sweep_plan_free(p2);
		free(ids);
	}
	sweep_plan_free(p);
	sweep_spec_free(s);

	/* zip: value i of every axis */
	s = parse_ok(__LINE__, "combine: zip\naxes:\n  core.issue_width: [1, 2, 4]\n"
		     "  cache.l1d.size_kb: {from: 8, to: 32, times: 2}\n" WL);
	if (!s)
		return;
	CHECK(sweep_point_count(s) == 3, "zip count");
	sweep_point_values(s, 2, v);
	CHECK(v[0] == 2 && v[1] == 2, "zip point 2");
	sweep_spec_free(s);
}

static void test_ids_follow_config(void)
{
	/* the id hashes the effective configuration: a different base value
	 * (set:) gives other ids, the same spec text the same ones */
	const char *a = "set:\n  memory.latency: 100\naxes:\n  core.issue_width: [2]\n" WL;
	const char *b = "set:\n  memory.latency: 101\naxes:\n  core.issue_width: [2]\n" WL;
	struct sweep_spec *sa = parse_ok(__LINE__, a), *sb = parse_ok(__LINE__, b);
	struct sweep_plan *pa = sa ? plan_ok(__LINE__, sa) : NULL, *pb = sb ? plan_ok(__LINE__, sb) : NULL;
	if (pa && pb) {
		char ia[17], ib[17];
		sweep_run_id(pa, 0, ia);
		sweep_run_id(pb, 0, ib);
		CHECK(strcmp(ia, ib), "ids equal for different configurations: %s", ia);
	}
	sweep_plan_free(pa);
	sweep_plan_free(pb);
	sweep_spec_free(sa);
	sweep_spec_free(sb);
}

static void test_point_args(void)
{
	struct sweep_spec *s = parse_ok(__LINE__, "base: configs/default.yaml\nset:\n  memory.latency: 90\n"
				       "axes:\n  core.issue_width: [2, 3]\n  config_files: [configs/wide8.yaml]\n" WL);
	struct sweep_plan *p = s ? plan_ok(__LINE__, s) : NULL;
	if (p) {
		size_t n;
		const char **v = sweep_point_args(p, 1, &n);
		static const char *const want[] = {"-c", "configs/default.yaml", "-c", "configs/wide8.yaml", "--set",
						   "memory.latency=90", "--set", "core.issue_width=3"};
		CHECK(v && n == 8, "args %zu", n);
		for (size_t i = 0; v && i < 8 && i < n; i++)
			CHECK(!strcmp(v[i], want[i]), "arg %zu: %s, want %s", i, v[i], want[i]);
		CHECK(v && v[n] == NULL, "NULL-terminated");
		free(v);
		/* the plan built the same configuration the child will */
		CHECK(p->points[1].cfg.issue_width == 3 && p->points[1].cfg.mem_lat == 90 && p->points[1].cfg.l1i_kb == 128,
		      "point config: width %lld latency %lld l1i %lld", (long long)p->points[1].cfg.issue_width,
		      (long long)p->points[1].cfg.mem_lat, (long long)p->points[1].cfg.l1i_kb);
	}
	sweep_plan_free(p);
	sweep_spec_free(s);
}

/* An axis over a real key holds its values as the configuration prints
 * them, builds points holding the doubles and passes them to `cdvm run`;
 * its result column is a float one.  An enum key's axis takes names,
 * quoted or not. */
static void test_real_axis(void)
{
	SPEC_ERR("axes:\n  energy.vdd: [1, 1.0]\n" WL, "t.yaml:2:19:", "value '1.0' listed twice");
	SPEC_ERR("axes:\n  energy.vdd: [\"0.9\"]\n" WL, "t.yaml:2:16:", "expected a number, got the quoted string");
	SPEC_ERR("axes:\n  energy.vdd: [2.5]\n" WL, "t.yaml:2:16:", "value 2.5 out of range [0.3, 2]");
	SPEC_ERR("axes:\n  energy.vdd: [0x1]\n" WL, "t.yaml:2:16:", "expected a decimal number");
	SPEC_ERR("axes:\n  energy.vdd: {from: 1, to: 2, step: 1}\n" WL, "needs an integer key");
	SPEC_ERR("set:\n  energy.vdd: \"1\"\n" WL, "t.yaml:2:15:", "expected a number");

	struct sweep_spec *s = parse_ok(__LINE__, "set:\n  energy.core.alu_pj: 0.25\n"
				       "axes:\n  energy.vdd: [0.9, 1.0, 1.25e0, 2]\n  cms.policy.evict: [\"flush\", none]\n" WL);
	if (!s)
		return;
	const struct sweep_axis *vdd = &s->axes[0], *evict = &s->axes[1];
	CHECK(vdd->type == SWEEP_KEY_REAL && vdd->nvalues == 4, "real axis: type %d, %zu values", vdd->type,
	      vdd->nvalues);
	CHECK(vdd->nvalues == 4 && !strcmp(vdd->values[1], "1") && !strcmp(vdd->values[2], "1.25"),
	      "values as printed: %s %s", vdd->values[1], vdd->values[2]);
	CHECK(evict->type == SWEEP_KEY_STR && evict->nvalues == 2 && !strcmp(evict->values[0], "flush"),
	      "enum axis: type %d", evict->type);
	struct sweep_plan *p = plan_ok(__LINE__, s);
	if (p) {
		CHECK(p->npoints == 8, "points %zu", p->npoints);
		CHECK(p->points[0].cfg.energy_vdd == 0.9 && p->points[2].cfg.energy_vdd == 1 &&
		      p->points[4].cfg.energy_vdd == 1.25 && p->points[7].cfg.energy_vdd == 2, "vdd of the points");
		CHECK(p->points[5].cfg.energy_alu_pj == 0.25 && !strcmp(p->points[5].cfg.policy_evict, "none"),
		      "set: and the enum axis in point 5");
		size_t n;
		const char **v = sweep_point_args(p, 5, &n);
		static const char *const want[] = {"--set", "energy.core.alu_pj=0.25", "--set", "energy.vdd=1.25",
						   "--set", "cms.policy.evict=none"};
		CHECK(v && n == 6, "args %zu", n);
		for (size_t i = 0; v && i < 6 && i < n; i++)
			CHECK(!strcmp(v[i], want[i]), "arg %zu: %s, want %s", i, v[i], want[i]);
		free(v);
	}
	struct sweep_columns c;
	if (sweep_columns_build(&c, s) == 0) {
		int i = sweep_column_find(&c, "energy.vdd"), j = sweep_column_find(&c, "cms.policy.evict");
		CHECK(i >= 0 && c.types[i] == SWEEP_COL_FLOAT, "energy.vdd column type");
		CHECK(j >= 0 && c.types[j] == SWEEP_COL_STR, "cms.policy.evict column type");
		sweep_columns_free(&c);
	}
	sweep_plan_free(p);
	sweep_spec_free(s);
}

static void test_shards(void)
{
	unsigned i, n;
	char err[SWEEP_ERR_MAX];
	CHECK(!sweep_shard_parse("0/1", &i, &n, err, sizeof err) && i == 0 && n == 1, "0/1");
	CHECK(!sweep_shard_parse("7/8", &i, &n, err, sizeof err) && i == 7 && n == 8, "7/8");
	static const char *const bad[] = {"8/8", "1/0", "a/b", "1", "/3", "1/", "-1/3", "1/3x", "1/2/3", ""};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		CHECK(sweep_shard_parse(bad[k], &i, &n, err, sizeof err) == -1 && strstr(err, "--shard"),
		      "'%s' should be rejected", bad[k]);
	/* every run is in exactly one shard, and shards are balanced */
	for (unsigned sn = 1; sn <= 7; sn++) {
		size_t runs = 53, sizes[7] = {0};
		for (size_t r = 0; r < runs; r++) {
			unsigned in = 0;
			for (unsigned si = 0; si < sn; si++)
				if (sweep_shard_has(r, si, sn)) {
					in++;
					sizes[si]++;
				}
			CHECK(in == 1, "run %zu is in %u of %u shards", r, in, sn);
		}
		for (unsigned si = 0; si < sn; si++)
			CHECK(sizes[si] == runs / sn || sizes[si] == runs / sn + 1, "shard %u/%u has %zu runs", si, sn,
			      sizes[si]);
	}
}

static void test_csv(void)
{
	char b[128];
	CHECK(sweep_csv_field("plain", b, sizeof b) == 5 && !strcmp(b, "plain"), "plain: %s", b);
	sweep_csv_field("a,b", b, sizeof b);
	CHECK(!strcmp(b, "\"a,b\""), "comma: %s", b);
	sweep_csv_field("say \"hi\"", b, sizeof b);
	CHECK(!strcmp(b, "\"say \"\"hi\"\"\""), "quotes: %s", b);
	sweep_csv_field("two\nlines", b, sizeof b);
	CHECK(!strcmp(b, "\"two\nlines\""), "newline: %s", b);
	sweep_csv_field("", b, sizeof b);
	CHECK(!strcmp(b, ""), "empty");
	CHECK(sweep_csv_field("a\"b", NULL, 0) == 6, "length needed");
	char small[4];
	sweep_csv_field("a,bcdef", small, sizeof small);
	CHECK(strlen(small) == 3, "truncated and terminated");

	struct sweep_spec *s = parse_ok(__LINE__, "axes:\n  name: [\"x,y\", plain]\n" WL);
	if (!s)
		return;
	struct sweep_columns c;
	CHECK(!sweep_columns_build(&c, s), "columns");
	char *h = sweep_csv_header(&c);
	CHECK(h && !strncmp(h, "index,id,point,workload,mode,rep,name,status,error,", 51), "header %.60s", S(h));
	CHECK(h && h[strlen(h) - 1] == '\n' && strstr(h, ",l1d_miss_rate,") && strstr(h, ",l2_writebacks"),
	      "header has metrics and counters");
	CHECK(h && !strstr(h, ",cycles,cycles,") && strstr(h, ",cycles,"), "the cycles counter is not doubled");
	free(h);
	struct sweep_row r;
	CHECK(!sweep_row_init(&r, &c), "row");
	sweep_row_set(&r, &c, "index", "4");
	sweep_row_set(&r, &c, "name", "x,y");
	sweep_row_set(&r, &c, "error", "line one\nline \"two\"");
	sweep_row_set(&r, &c, "output_matches_native", "true");
	sweep_row_set(&r, &c, "exit_status", "0");
	CHECK(sweep_row_set(&r, &c, "no_such_column", "1") == -1, "unknown column");
	char *line = sweep_row_csv(&r);
	static const char want_csv[] = "4,,,,,,\"x,y\",,\"line one line \"\"two\"\"\",0,,true,";
	CHECK(line && !strncmp(line, want_csv, sizeof want_csv - 1), "csv row %.60s", S(line));
	CHECK(line && strchr(line, '\n') == line + strlen(line) - 1, "one line");
	free(line);
	char *js = sweep_row_json(&r, &c);
	CHECK(js && strstr(js, "{\"index\":4,\"id\":null,") == js, "json row %.60s", S(js));
	CHECK(js && strstr(js, "\"name\":\"x,y\"") && strstr(js, "\"error\":\"line one\\nline \\\"two\\\"\"") &&
	      strstr(js, "\"output_matches_native\":true") && strstr(js, "\"cycles\":null"), "json values: %s", S(js));
	/* the JSON line reads back */
	struct sweep_kv kv;
	char err[200];
	CHECK(js && !sweep_json_flatten(js, strlen(js), &kv, err, sizeof err), "json parses: %s", err);
	CHECK(kv.n == c.n && !strcmp(sweep_kv_get(&kv, "error"), "line one\nline \"two\""), "round trip");
	sweep_kv_free(&kv);
	free(js);
	sweep_row_free(&r);
	sweep_columns_free(&c);
	sweep_spec_free(s);
}

static void test_metrics(void)
{
	const char *stats =
		"{\n  \"program\": \"p\",\n  \"end\": \"exit\",\n  \"status\": 0,\n  \"text\": \"\",\n"
		"  \"guest_instructions\": 1000,\n  \"cycles\": 4000,\n  \"x86_ipc\": 0.250000,\n"
		"  \"cycles_by_activity\": {\"interpreter\": 3000, \"translator\": 0, \"translated_code\": 500, "
		"\"dispatch\": 400, \"syscalls\": 100},\n  \"profile\": {\"blocks\": 5, \"hot\": 2, \"full\": 0},\n"
		"  \"syscalls\": {\"4\": 3, \"252\": 1},\n  \"enosys\": 0,\n  \"interpreted_by_op\": {\"mov\": 7},\n"
		"  \"counters\": {\"cycles\": 4000, \"l1d_hits\": 90, \"l1d_misses\": 10, \"l1i_hits\": 0, "
		"\"l1i_misses\": 0, \"l2_hits\": 3, \"l2_misses\": 1}\n}\n";
	struct sweep_kv kv;
	char err[200];
	CHECK(!sweep_json_flatten(stats, strlen(stats), &kv, err, sizeof err), "stats parse: %s", err);
	CHECK(!strcmp(sweep_kv_get(&kv, "counters.l1d_hits"), "90") && !strcmp(sweep_kv_get(&kv, "text"), ""),
	      "flattened");
	struct sweep_spec *s = parse_ok(__LINE__, WL);
	struct sweep_columns c;
	struct sweep_row r;
	if (!s || sweep_columns_build(&c, s) || sweep_row_init(&r, &c)) {
		CHECK(0, "setup");
		sweep_kv_free(&kv);
		sweep_spec_free(s);
		return;
	}
	sweep_row_metrics(&r, &c, &kv);
	static const char *const want[][2] = {
		{"end", "exit"}, {"cycles", "4000"}, {"x86_ipc", "0.25"}, {"cpi", "4"},
		{"cycles_interpreter", "3000"}, {"share_interpreter", "0.75"}, {"share_translated_code", "0.125"},
		{"share_syscalls", "0.025"}, {"profile_hot", "2"}, {"syscalls", "4"}, {"l1d_miss_rate", "0.1"},
		{"l2_miss_rate", "0.25"}, {"l1d_hits", "90"}, {"profile_blocks", "5"},
		{"interpreted_op_mov", "7"}, {"interpreted_op_add", "0"},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int k = sweep_column_find(&c, want[i][0]);
		const char *got = k >= 0 ? r.vals[k] : NULL;
		CHECK(got && !strcmp(got, want[i][1]), "%s = %s, want %s", want[i][0], got ? got : "(none)", want[i][1]);
	}
	int k = sweep_column_find(&c, "l1i_miss_rate");
	CHECK(k >= 0 && r.vals[k] == NULL, "no L1I accesses: empty miss rate");
	k = sweep_column_find(&c, "l2_writebacks");
	CHECK(k >= 0 && r.vals[k] == NULL, "absent counter: empty");
	k = sweep_column_find(&c, "interpreted_alu");
	CHECK(k >= 0 && r.vals[k] == NULL, "absent dense array: empty, not 0");
	sweep_row_free(&r);
	sweep_columns_free(&c);
	sweep_spec_free(s);
	sweep_kv_free(&kv);
	static const char *const bad[] = {"", "[1]", "{\"a\": }", "{\"a\": 1", "{\"a\": \"x}", "{\"a\": 1} x",
					  "{\"a\": 1, \"a\": 2}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(sweep_json_flatten(bad[i], strlen(bad[i]), &kv, err, sizeof err) == -1, "bad JSON '%s'", bad[i]);
		sweep_kv_free(&kv);
	}
}

static void write_text(const char *path, const char *t)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(t, f);
		fclose(f);
	}
}

#define ID(n) "000000000000000" #n

static void test_results_resume(void)
{
	char dir[] = "/tmp/cdvm-sweep-test-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	char cpath[128], jpath[128];
	snprintf(cpath, sizeof cpath, "%s/results.csv", dir);
	snprintf(jpath, sizeof jpath, "%s/results.jsonl", dir);
	/* row 2 only in the CSV, row 3 only in the JSON, a partial last line
	 * in each, a duplicate of row 0 in both */
	write_text(cpath, "index,id,x\n1," ID(1) ",a\n0," ID(0) ",b\n2," ID(2) ",c\n0," ID(0) ",dup\n5," ID(5) ",");
	write_text(jpath, "{\"index\":0,\"id\":\"" ID(0) "\",\"x\":\"b\"}\n{\"index\":1,\"id\":\"" ID(1)
		   "\",\"x\":\"a\",\"status\":\"failed\"}\n{\"index\":3,\"id\":\"" ID(3) "\"}\n{\"index\":0,\"id\":\"" ID(0) "\",\"x\":\"dup\"}\n{\"ind");
	struct sweep_results r;
	bool repaired;
	char err[SWEEP_ERR_MAX];
	CHECK(!sweep_results_load(dir, false, &r, &repaired, err, sizeof err), "load: %s", err);
	CHECK(r.n == 2 && !repaired, "rows %zu", r.n);
	CHECK(r.header && !strcmp(r.header, "index,id,x\n"), "header");
	CHECK(r.n == 2 && r.rows[0].index == 1 && !strcmp(r.rows[1].csv, "0," ID(0) ",b\n") &&
	      strstr(r.rows[1].json, "\"x\":\"b\""), "the first of duplicate rows is kept, in CSV order");
	CHECK(r.n == 2 && r.rows[0].failed && !r.rows[1].failed, "a failed row is seen as failed");
	sweep_results_free(&r);
	CHECK(!sweep_results_load(dir, true, &r, &repaired, err, sizeof err) && repaired, "repair: %s", err);
	sweep_results_free(&r);
	size_t len;
	char *t = sweep_read_file(cpath, &len, err, sizeof err);
	CHECK(t && !strcmp(t, "index,id,x\n1," ID(1) ",a\n0," ID(0) ",b\n"), "repaired CSV: %s", S(t));
	free(t);
	t = sweep_read_file(jpath, &len, err, sizeof err);
	CHECK(t && !strcmp(t, "{\"index\":1,\"id\":\"" ID(1) "\",\"x\":\"a\",\"status\":\"failed\"}\n{\"index\":0,\"id\":\"" ID(0)
		  "\",\"x\":\"b\"}\n"), "repaired JSON: %s", S(t));
	free(t);
	/* sorted into run order on request */
	CHECK(!sweep_results_load(dir, true, &r, &repaired, err, sizeof err) && !repaired, "clean load");
	CHECK(!sweep_results_sort_dedupe(&r) && r.n == 2 && r.rows[0].index == 0 && r.rows[1].index == 1, "sorted");
	sweep_results_free(&r);
	/* a line that is not a row is an error, not silently dropped */
	write_text(cpath, "index,id,x\nhello\n");
	CHECK(sweep_results_load(dir, true, &r, &repaired, err, sizeof err) == -1 && strstr(err, "results.csv:2"),
	      "garbage row: %s", err);
	unlink(cpath);
	unlink(jpath);
	rmdir(dir);
}

/* A real run's --stats-json, read back: NULL when the guest is not built. */
static char *run_stats_json(const char *prog, size_t *len)
{
	struct cdvm_config cfg;
	struct config_error cerr;
	config_default(&cfg);
	CHECK(!config_set(&cfg, "cms.translate_threshold=2", &cerr), "config");
	struct cms *m;
	char err[256];
	if (cms_create(&cfg, CMS_MODE_TRANSLATE, &m, err, sizeof err)) {
		CHECK(0, "cms_create: %s", err);
		return NULL;
	}
	char *argv[] = {(char *)prog, NULL}, *envp[] = {NULL};
	char *text = NULL;
	FILE *out = tmpfile(), *js = tmpfile();
	if (!out || !js || cms_load_elf(m, prog, 1, argv, envp, err, sizeof err)) {
		CHECK(0, "%s: %s (run make test)", prog, err);
	} else {
		cms_set_stdio(m, 0, fileno(out), 2);
		struct cms_result res;
		cms_run(m, &res);
		CHECK(!cms_write_stats_json(m, &res, js), "stats written");
		long n = ftell(js);
		text = n > 0 ? malloc((size_t)n + 1) : NULL;
		rewind(js);
		if (text && fread(text, 1, (size_t)n, js) == (size_t)n) {
			text[n] = '\0';
			*len = (size_t)n;
		} else {
			free(text);
			text = NULL;
		}
	}
	if (out)
		fclose(out);
	if (js)
		fclose(js);
	cms_destroy(m);
	return text;
}

/* The value of every row of cms/stats.def and every chip counter reaches
 * --stats-json under the row's key and a sweep column of the row's name. */
static void check_row(const struct cms_stat_desc *d, const struct sweep_kv *kv, const struct sweep_columns *c,
		      const struct sweep_row *r)
{
	char col[CMS_STAT_NAME_MAX], e[CMS_STAT_NAME_MAX], key[2 * CMS_STAT_NAME_MAX + 2];
	const char *v = sweep_kv_get(kv, d->key);
	CHECK(v != NULL, "--stats-json has %s", d->key);
	if (!d->len) {
		int k = sweep_column_find(c, cms_stat_column(d, NULL, col));
		CHECK(k >= (int)c->first_metric && v && r->vals[k] && !strcmp(r->vals[k], v), "column %s = %s, want %s",
		      col, k >= 0 && r->vals[k] ? r->vals[k] : "(none)", v ? v : "(none)");
		return;
	}
	CHECK(v && !strcmp(v, "{}"), "%s is an object", d->key);
	if (d->sweep == CMS_SWEEP_SUM) {
		int k = sweep_column_find(c, d->column);
		CHECK(k >= (int)c->first_metric && r->vals[k], "column %s holds the total", d->column);
		return;
	}
	for (unsigned i = 0; i < d->len; i++) {
		snprintf(key, sizeof key, "%s.%s", d->key, cms_stat_elem(d, i, e));
		const char *ev = sweep_kv_get(kv, key);
		CHECK(ev || !d->dense, "dense %s has %s", d->key, key);
		int k = sweep_column_find(c, cms_stat_column(d, e, col));
		CHECK(k >= (int)c->first_metric && r->vals[k] && !strcmp(r->vals[k], ev ? ev : "0"),
		      "column %s = %s, want %s", col, k >= 0 && r->vals[k] ? r->vals[k] : "(none)", ev ? ev : "0");
	}
}

static void test_stats_agree(void)
{
	size_t len = 0;
	char *text = run_stats_json("build/guests/O2/sieve.elf", &len);
	if (!text)
		return;
	struct sweep_kv kv;
	char err[200];
	struct sweep_spec *s = parse_ok(__LINE__, WL);
	struct sweep_columns c;
	struct sweep_row r;
	CHECK(!sweep_json_flatten(text, len, &kv, err, sizeof err), "stats parse: %s", err);
	if (!s || sweep_columns_build(&c, s) || sweep_row_init(&r, &c)) {
		CHECK(0, "setup");
	} else {
		CHECK(!sweep_row_metrics(&r, &c, &kv), "metrics");
		for (unsigned i = 0; i < CMS_STAT_ROWS; i++)
			check_row(cms_stat_desc(i), &kv, &c, &r);
		for (int i = 0; i < CNT_COUNT; i++) {
			char key[96];
			const char *n = chip_counter_name((enum counter_id)i);
			snprintf(key, sizeof key, "counters.%s", n);
			const char *v = sweep_kv_get(&kv, key);
			int k = sweep_column_find(&c, n);
			CHECK(v && k >= 0 && r.vals[k] && !strcmp(r.vals[k], v), "counter %s: column and JSON", n);
		}
		/* the run did translate, so the columns carry real values */
		int k = sweep_column_find(&c, "translations");
		CHECK(k >= 0 && r.vals[k] && strcmp(r.vals[k], "0"), "translations made");
		sweep_row_free(&r);
		sweep_columns_free(&c);
	}
	sweep_kv_free(&kv);
	sweep_spec_free(s);
	free(text);
}

void suite_sweep(void)
{
	CU_pSuite s = CU_add_suite("sweep", NULL, NULL);
	CU_add_test(s, "spec: a full spec and the defaults", test_parse_full);
	CU_add_test(s, "spec: errors name file:line:col", test_parse_errors);
	CU_add_test(s, "plan: invalid points, missing files", test_invalid_points);
	CU_add_test(s, "plan: enumeration order and run ids", test_enumeration);
	CU_add_test(s, "plan: ids follow the configuration", test_ids_follow_config);
	CU_add_test(s, "plan: cdvm run arguments of a point", test_point_args);
	CU_add_test(s, "plan: real and enum axes", test_real_axis);
	CU_add_test(s, "shards partition the runs", test_shards);
	CU_add_test(s, "results: CSV escaping and JSON rows", test_csv);
	CU_add_test(s, "results: metrics from --stats-json", test_metrics);
	CU_add_test(s, "results: resume repairs and dedupes", test_results_resume);
	CU_add_test(s, "stats.def, --stats-json and the sweep's columns agree", test_stats_agree);
}
