/* cli/cmd_faults.c — the commands `cdvm faults` and `cdvm faults-merge`.
 *
 *   cdvm faults configs/faults/small.yaml -j 2 -o out/small --plot
 *   cdvm faults large.yaml --shard 3/8 -o out.3        (one of 8 hosts)
 *   cdvm faults-merge out/all out.0 ... out.7
 *
 * A campaign is a sweep (cli/sweep_run.c runs it) whose hooks make rep 0
 * of every point x workload x mode its golden run and rep j its j-th
 * injection: goldens first (stage 0: their cycles set the injection times
 * and the hang limit, and each must match the native run), then the
 * faulty runs (stage 1), each `cdvm run --set sim.max_cycles=H --inject
 * SPEC...`, classified against the golden run.  Every shard runs every
 * golden run, so shards merge into what one campaign makes.  The format
 * and the outcomes are in docs/faults.md. */
#include "cli/cli.h"
#include "cli/faults.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_opt faults_opts[] = {
	SWEEP_CLI_OPTS("results folder (default: faults-NAME); rerunning resumes",
		       "then draw DIR/plot-outcomes.png and plot-recovery.png with gnuplot"),
	{0},
};

static const struct cli_cmd faults_cmd = {
	"faults", "CAMPAIGN.yaml",
	"Runs a fault-injection campaign (docs/faults.md): per point x workload x mode a golden\n"
	"run, then its injections, each a `cdvm run --inject SPEC` classified against the golden\n"
	"run; rows in DIR/results.csv and results.jsonl, outcomes in DIR/summary.csv and .txt.\n"
	"Exit status: 0 every run ok, 1 some failed (or a golden run differs from the native\n"
	"run), 2 bad campaign or usage.\n",
	faults_opts, false,
};

static const struct cli_opt merge_opts[] = {{0}};
static const struct cli_cmd merge_cmd = {
	"faults-merge", "OUTDIR DIR...",
	"Merges the results folders of shards of one campaign (as `cdvm sweep-merge`) and\n"
	"rebuilds OUTDIR/summary.csv and summary.txt.  Exit status 1 when runs are still missing.\n",
	merge_opts, true,
};

/* ---- the hooks ------------------------------------------------------------- */

struct golden {
	bool done, ok;
	uint64_t cycles;
	unsigned n;              /* injections of this group (sample size) */
};

struct campaign {
	const struct faults_campaign *fc;
	const struct sweep_plan *p;
	struct golden *golden;   /* per group: point x workload x mode */
	struct faults_chip *chips; /* per point */
	size_t per_run_axis;     /* SIZE_MAX: faults.per_run is not an axis */
	bool plot;
	char skip_msg[200];
};

static const struct sweep_col extra_cols[] = {
	{"outcome", SWEEP_COL_STR}, {"target", SWEEP_COL_STR}, {"kind", SWEEP_COL_STR},
	{"bit", SWEEP_COL_STR}, {"at", SWEEP_COL_STR}, {"inject", SWEEP_COL_STR},
	{"golden_cycles", SWEEP_COL_INT}, {"detection_latency", SWEEP_COL_INT}, {"recovery_cycles", SWEEP_COL_INT}, {"slowdown", SWEEP_COL_FLOAT},
};

static size_t group_of(const struct campaign *C, size_t index, unsigned *rep)
{
	unsigned reps = C->p->spec->repetitions;
	if (rep)
		*rep = (unsigned)(index % reps);
	return index / reps;
}

static unsigned per_run(const struct campaign *C, size_t point)
{
	if (C->per_run_axis == SIZE_MAX)
		return C->fc->f.per_run;
	const struct sweep_axis *ax = &C->p->spec->axes[C->per_run_axis];
	return (unsigned)strtoul(ax->values[C->p->points[point].value_idx[C->per_run_axis]], NULL, 10);
}

/* The faults of run index (rep >= 1) with its golden cycles. */
static int run_faults(const struct campaign *C, size_t index, struct fault_spec *f, unsigned *k, char *msg,
		      size_t msglen)
{
	struct sweep_run r;
	sweep_run_of(C->p, index, &r);
	const struct golden *g = &C->golden[group_of(C, index, NULL)];
	*k = per_run(C, r.point);
	for (unsigned i = 0; i < *k; i++)
		if (faults_draw(&C->fc->f, &C->chips[r.point], g->cycles, r.workload, r.rep, i, &f[i], msg, msglen))
			return -1;
	return 0;
}

static bool in_shard(void *ctx, size_t index, unsigned i, unsigned n)
{
	unsigned rep;
	group_of(ctx, index, &rep);
	return rep == 0 || sweep_shard_has(index, i, n);
}

static unsigned stage(void *ctx, size_t index)
{
	unsigned rep;
	group_of(ctx, index, &rep);
	return rep ? 1 : 0;
}

static uint64_t kv_u64(const struct sweep_kv *kv, const char *key)
{
	const char *v = sweep_kv_get(kv, key);
	return v ? strtoull(v, NULL, 10) : 0;
}

static void on_row(void *ctx, size_t index, const struct sweep_kv *row)
{
	struct campaign *C = ctx;
	unsigned rep;
	struct golden *g = &C->golden[group_of(C, index, &rep)];
	const char *st = sweep_kv_get(row, "status");
	if (rep || !st || !strcmp(st, "skipped"))
		return;
	g->done = true;
	g->ok = !strcmp(st, "ok");
	g->cycles = kv_u64(row, "cycles");
}

/* After the golden runs: each must match the native run; then the sample
 * size of each group from its fault population. */
static int goldens_done(void *ctx, unsigned st)
{
	struct campaign *C = ctx;
	const struct faults_section *f = &C->fc->f;
	if (st)
		return 0;
	size_t ngroups = C->p->nruns / C->p->spec->repetitions, bad = 0;
	for (size_t gi = 0; gi < ngroups; gi++) {
		struct golden *g = &C->golden[gi];
		struct sweep_run r;
		sweep_run_of(C->p, gi * C->p->spec->repetitions, &r);
		if (C->p->points[r.point].invalid)
			continue;
		if (!g->done || !g->ok) {
			if (!bad++)
				fprintf(stderr, "cdvm faults: golden run %zu (point %zu, workload %s, mode %s) %s; a "
					"campaign needs fault-free runs that match the native runs: see its error column\n",
					gi * C->p->spec->repetitions, r.point, C->p->spec->workloads[r.workload].name,
					C->p->spec->modes[r.mode], g->done ? "does not match the native run" : "did not run");
			continue;
		}
		g->n = f->injections;
		if (f->margin > 0)
			g->n = faults_sample_size(f->margin, f->confidence,
						  faults_population(f, &C->chips[r.point], g->cycles));
	}
	if (bad) {
		fprintf(stderr, "cdvm faults: %zu golden runs failed; no faults injected\n", bad);
		return 1;
	}
	return 0;
}

static const char *skip(void *ctx, size_t index)
{
	struct campaign *C = ctx;
	unsigned rep;
	const struct golden *g = &C->golden[group_of(C, index, &rep)];
	if (!rep || rep <= g->n)
		return NULL;
	snprintf(C->skip_msg, sizeof C->skip_msg, "not needed: this point's fault population asks for %u "
		 "injections (margin %g at %g)", g->n, C->fc->f.margin, C->fc->f.confidence);
	return C->skip_msg;
}

/* --set sim.max_cycles=H --inject SPEC... in one allocation. */
static char **run_args(void *ctx, size_t index)
{
	struct campaign *C = ctx;
	unsigned rep, k;
	const struct golden *g = &C->golden[group_of(C, index, &rep)];
	struct fault_spec f[FAULTS_MAX_PER_RUN];
	char msg[200];
	if (!rep) {
		char **none = calloc(1, sizeof *none);
		return none;
	}
	if (run_faults(C, index, f, &k, msg, sizeof msg))
		k = 0; /* judged as failed below: no target */
	size_t nargs = 2 + 2 * k, bytes = 64;
	char spec[256];
	for (unsigned i = 0; i < k; i++)
		bytes += fault_spec_format(&f[i], spec, sizeof spec) + 1;
	char **v = malloc((nargs + 1) * sizeof *v + bytes);
	if (!v)
		return NULL;
	char *s = (char *)(v + nargs + 1), *end = s + bytes;
	size_t a = 0;
	v[a++] = "--set";
	v[a++] = s;
	s += snprintf(s, (size_t)(end - s), "sim.max_cycles=%" PRIu64, g->cycles * C->fc->f.hang_factor) + 1;
	for (unsigned i = 0; i < k; i++) {
		v[a++] = "--inject";
		v[a++] = s;
		s += fault_spec_format(&f[i], s, (size_t)(end - s)) + 1;
	}
	v[a] = NULL;
	return v;
}

/* The fault columns: target, kind, bit, at and spec of each fault, ';'
 * between faults; target and kind are "mixed" when the faults differ. */
static void fault_columns(const struct fault_spec *f, unsigned k, struct sweep_row *row, const struct sweep_columns *c)
{
	char target[32], kind[32], bits[16 * FAULTS_MAX_PER_RUN], at[24 * FAULTS_MAX_PER_RUN];
	char inject[256 * FAULTS_MAX_PER_RUN];
	size_t nb = 0, na = 0, ni = 0;
	snprintf(target, sizeof target, "%s", k ? fault_target_name(f[0].target) : "");
	snprintf(kind, sizeof kind, "%s", k ? fault_kind_name(f[0].kind) : "");
	bits[0] = at[0] = inject[0] = '\0';
	for (unsigned i = 0; i < k; i++) {
		if (f[i].target != f[0].target)
			snprintf(target, sizeof target, "mixed");
		if (f[i].kind != f[0].kind)
			snprintf(kind, sizeof kind, "mixed");
		nb += (size_t)snprintf(bits + nb, sizeof bits - nb, "%s%u", i ? ";" : "", f[i].bit);
		na += (size_t)snprintf(at + na, sizeof at - na, "%s%" PRIu64, i ? ";" : "", f[i].at);
		if (i)
			inject[ni++] = ';';
		ni += fault_spec_format(&f[i], inject + ni, sizeof inject - ni);
	}
	sweep_row_set(row, c, "target", target);
	sweep_row_set(row, c, "kind", kind);
	sweep_row_set(row, c, "bit", bits);
	sweep_row_set(row, c, "at", at);
	sweep_row_set(row, c, "inject", inject);
}

static bool sanitizer_report(const char *t, char *line, size_t n)
{
	const char *hit = strstr(t, "ERROR: AddressSanitizer");
	if (!hit)
		hit = strstr(t, "runtime error:");
	if (!hit)
		hit = strstr(t, "ERROR: LeakSanitizer");
	if (!hit)
		return false;
	snprintf(line, n, "%.*s", (int)strcspn(hit, "\n"), hit);
	return true;
}

static void set_u64(struct sweep_row *row, const struct sweep_columns *c, const char *col, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%" PRIu64, v);
	sweep_row_set(row, c, col, b);
}

/* A faulty run against its golden run (docs/faults.md, "Outcomes"). */
static enum faults_outcome classify(const struct sweep_facts *fa, char *msg, size_t msglen)
{
	const struct sweep_kv *st = fa->stats;
	char line[300];
	const char *end = st ? sweep_kv_get(st, "end") : NULL, *status = st ? sweep_kv_get(st, "status") : NULL;
	if (fa->exec_errno || fa->timed_out || fa->signal)
		return FO_COUNT; /* the sweep's message stands */
	if (sanitizer_report(fa->stderr_text, line, sizeof line))
		snprintf(msg, msglen, "sanitizer report: %s", line);
	else if (!st)
		snprintf(msg, msglen, "no valid --stats-json output (exit status %d)%s%s", fa->exit_code,
			 fa->why[0] ? ": " : "", fa->why);
	else if (end && !strcmp(end, "internal"))
		snprintf(msg, msglen, "firmware error: %s", fa->why[0] ? fa->why : "no message");
	else if (!status || strtol(status, NULL, 10) != fa->exit_code)
		snprintf(msg, msglen, "exit status %d, but the statistics say %s%s%s", fa->exit_code,
			 status ? status : "none", fa->why[0] ? ": " : "", fa->why);
	else
		msg[0] = '\0';
	if (msg[0])
		return FO_COUNT;
	if (end && !strcmp(end, "unrecoverable"))
		return FO_UNRECOVERABLE;
	if (end && !strcmp(end, "cycle_limit"))
		return FO_HANG;
	bool same = fa->same_output && fa->exit_code == fa->native_status, detected = kv_u64(st, "faults.detected") > 0;
	return same ? (detected ? FO_RECOVERED : FO_MASKED) : (detected ? FO_CORRUPTED : FO_SDC);
}

static void judge(void *ctx, const struct sweep_facts *fa, struct sweep_row *row, const struct sweep_columns *c,
		  char *msg, size_t msglen)
{
	struct campaign *C = ctx;
	unsigned rep, k;
	const struct golden *g = &C->golden[group_of(C, fa->index, &rep)];
	const struct sweep_kv *st = fa->stats;
	if (!rep) {
		/* the golden run: the sweep's judgement (it must match the native run) */
		sweep_row_set(row, c, "outcome", "golden");
		if (st)
			sweep_row_set(row, c, "golden_cycles", sweep_kv_get(st, "cycles"));
		if (st)
			sweep_row_set(row, c, "slowdown", "1");
		return;
	}
	struct fault_spec f[FAULTS_MAX_PER_RUN];
	if (run_faults(C, fa->index, f, &k, msg, msglen))
		return;
	fault_columns(f, k, row, c);
	set_u64(row, c, "golden_cycles", g->cycles);
	enum faults_outcome o = classify(fa, msg, msglen);
	if (o == FO_COUNT)
		return;
	sweep_row_set(row, c, "outcome", faults_outcome_name(o));
	set_u64(row, c, "recovery_cycles", kv_u64(st, "faults.recovery_cycles"));
	const char *fi = sweep_kv_get(st, "faults.first_injection_cycle");
	const char *fd = sweep_kv_get(st, "faults.first_detection_cycle");
	if (fi && fd && kv_u64(st, "faults.detected") > 0)
		set_u64(row, c, "detection_latency", kv_u64(st, "faults.first_detection_cycle") -
			kv_u64(st, "faults.first_injection_cycle"));
	char b[40];
	snprintf(b, sizeof b, "%.9g", g->cycles ? (double)kv_u64(st, "cycles") / (double)g->cycles : 0.0);
	sweep_row_set(row, c, "slowdown", b);
}

static int finish(void *ctx, const char *dir)
{
	struct campaign *C = ctx;
	char err[SWEEP_ERR_MAX];
	if (faults_summarize(C->fc, dir, C->plot, err, sizeof err)) {
		fprintf(stderr, "cdvm faults: %s\n", err);
		return -1;
	}
	fprintf(stderr, "cdvm faults: outcomes in %s/summary.txt and summary.csv\n", dir);
	return 0;
}

/* ---- the commands ------------------------------------------------------------ */

static int campaign_init(struct campaign *C, const struct faults_campaign *fc, const struct sweep_plan *p)
{
	*C = (struct campaign){.fc = fc, .p = p, .per_run_axis = SIZE_MAX};
	sweep_spec_axis(p->spec, FAULTS_PER_RUN_AXIS, &C->per_run_axis);
	C->golden = calloc(p->nruns / p->spec->repetitions + 1, sizeof *C->golden);
	C->chips = calloc(p->npoints, sizeof *C->chips);
	if (!C->golden || !C->chips)
		return -1;
	for (size_t i = 0; i < p->npoints; i++)
		faults_chip_of(&p->points[i].cfg, &C->chips[i]);
	return 0;
}

/* index id point workload mode rep axes, then golden or the injection
 * (`at` is drawn against the golden run's cycles: shown as at=?). */
static void dry_run(struct campaign *C, const struct sweep_opts *o)
{
	const struct sweep_plan *p = C->p;
	const struct sweep_spec *s = p->spec;
	for (size_t i = 0; i < p->nruns; i++) {
		if (!in_shard(C, i, o->shard_i, o->shard_n))
			continue;
		struct sweep_run r;
		char id[17], label[1024], what[2048] = "golden", msg[200];
		sweep_run_of(p, i, &r);
		sweep_run_id(p, i, id);
		sweep_point_label(p, r.point, label, sizeof label);
		struct fault_spec f[FAULTS_MAX_PER_RUN];
		unsigned k;
		if (r.rep && !run_faults(C, i, f, &k, msg, sizeof msg)) {
			size_t n = 0;
			for (unsigned j = 0; j < k && n + 300 < sizeof what; j++) {
				if (j)
					what[n++] = ';';
				n += fault_spec_format(&f[j], what + n, sizeof what - n);
			}
		} else if (r.rep) {
			snprintf(what, sizeof what, "(%s)", msg);
		}
		printf("%zu %s %zu %s %s %u %s %s%s\n", i, id, r.point, s->workloads[r.workload].name, s->modes[r.mode],
		       r.rep, label, what, p->points[r.point].invalid ? " (invalid: skipped)" : "");
	}
	if (!C->fc->f.boot)
		printf("# when: uniform: at= is drawn in [0, golden cycles) once the golden runs are done; 0 here\n");
	if (C->fc->f.margin > 0)
		printf("# margin %g at %g: at most %u injections per point x workload x mode; the golden runs' "
		       "fault populations may ask for fewer\n", C->fc->f.margin, C->fc->f.confidence, C->fc->f.injections);
}

int cmd_faults(int argc, char **argv)
{
	struct sweep_cli w;
	char err[SWEEP_ERR_MAX];
	int r = sweep_cli_parse(&faults_cmd, "faults", argc, argv, &w);
	if (r)
		return r > 0 ? 0 : 2;
	if (w.o.plot && sweep_plot_unavailable()) {
		fprintf(stderr, "cdvm faults: %s\n", sweep_plot_unavailable());
		return 2;
	}
	struct faults_campaign *fc;
	struct sweep_plan *plan;
	if (faults_campaign_load(&fc, w.spec_path, err, sizeof err)) {
		fprintf(stderr, "cdvm faults: %s\n", err);
		return 2;
	}
	if (sweep_plan_build(&plan, fc->spec, err, sizeof err)) {
		fprintf(stderr, "cdvm faults: %s\n", err);
		faults_campaign_free(fc);
		return 2;
	}
	struct campaign C;
	int rc = 2;
	if (campaign_init(&C, fc, plan)) {
		fprintf(stderr, "cdvm faults: out of memory\n");
		goto out;
	}
	C.plot = w.o.plot;
	const struct sweep_hooks hooks = {
		.ctx = &C, .name = "cdvm faults", .cols = extra_cols, .ncols = sizeof extra_cols / sizeof extra_cols[0],
		.in_shard = in_shard, .nstages = 2, .stage = stage, .stage_done = goldens_done, .row = on_row,
		.skip = skip, .args = run_args, .judge = judge, .finish = finish,
	};
	w.o.hooks = &hooks;
	if (w.dry) {
		dry_run(&C, &w.o);
		rc = 0;
	} else {
		rc = sweep_execute(plan, &w.o);
	}
out:
	free(C.golden);
	free(C.chips);
	sweep_plan_free(plan);
	faults_campaign_free(fc);
	return rc;
}

static size_t campaign_runs(const char *text, size_t len, const char *path)
{
	struct faults_campaign *fc;
	char err[SWEEP_ERR_MAX];
	if (faults_campaign_parse(&fc, text, len, path, err, sizeof err))
		return 0;
	const struct sweep_spec *s = fc->spec;
	size_t n = sweep_point_count(s) * s->nworkloads * s->nmodes * s->repetitions;
	faults_campaign_free(fc);
	return n;
}

static int merged_summary(const char *out, const char *text, size_t len)
{
	struct faults_campaign *fc;
	char err[SWEEP_ERR_MAX];
	int rc = faults_campaign_parse(&fc, text, len, "spec.yaml", err, sizeof err);
	if (!rc)
		rc = faults_summarize(fc, out, false, err, sizeof err);
	if (rc)
		fprintf(stderr, "cdvm faults-merge: %s\n", err);
	faults_campaign_free(fc);
	return rc;
}

int cmd_faults_merge(int argc, char **argv)
{
	static const struct sweep_merge_hooks h = {"cdvm faults-merge", campaign_runs, merged_summary};
	return sweep_merge_main(&merge_cmd, &h, argc, argv);
}
