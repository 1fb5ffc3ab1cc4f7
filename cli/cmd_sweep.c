/* cli/cmd_sweep.c — the commands `cdvm sweep` and `cdvm sweep-merge`.
 *
 *   cdvm sweep configs/sweeps/issue-l1d.yaml -j 2 -o out/issue-l1d --plot
 *   cdvm sweep spec.yaml --shard 3/8 -o out.3          (one of 8 hosts)
 *   cdvm sweep-merge out/all out.0 out.1 ... out.7
 *
 * The spec format, the outputs and the resume/shard rules are in
 * docs/sweep.md; the work is done by cli/sweep_*.c. */
#include "cli/cli.h"
#include "cli/sweep.h"
#include "configs/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_opt sweep_opts[] = {
	SWEEP_CLI_OPTS("results folder (default: sweep-SPECNAME); rerunning resumes",
		       "then draw DIR/plot-AXIS-METRIC.png with gnuplot"),
	{0},
};

static const struct cli_cmd sweep_cmd = {
	"sweep", "SPEC.yaml",
	"Runs every point x workload x mode x repetition of the spec (docs/sweep.md), each as its\n"
	"own `cdvm run` process, and appends one row per run to DIR/results.csv and results.jsonl.\n"
	"Runs whose id is already in DIR are skipped; shard folders merge with `cdvm sweep-merge`.\n"
	"Exit status: 0 every run ok, 1 some runs failed (see the error column), 2 bad spec or usage.\n",
	sweep_opts, false,
};

static const struct cli_opt merge_opts[] = {{0}};
static const struct cli_cmd merge_cmd = {
	"sweep-merge", "OUTDIR DIR...",
	"Merges the results of shards (or of several sweeps) of one spec: the DIR/spec.yaml copies\n"
	"must be identical; rows are united by id, sorted by run index, and written to\n"
	"OUTDIR/results.csv and results.jsonl.  Exit status 1 when runs are still missing.\n",
	merge_opts, true,
};

/* sweep-merge has no options of its own; its operands follow them */
static int merge_operand(void *ctx, int id, const char *v)
{
	(void)ctx;
	(void)id;
	(void)v;
	return -1;
}

static int number_arg(const struct cli_cmd *cmd, const char *opt, const char *v, double min, double max,
		      double *out)
{
	char *end;
	errno = 0;
	double d = v ? strtod(v, &end) : 0;
	if (!v || errno || end == v || *end || !(d >= min && d <= max)) {
		cli_error(cmd, "%s %s: expected a number from %g to %g", opt, v ? v : "(missing)", min, max);
		return -1;
	}
	*out = d;
	return 0;
}

int sweep_cli_option(void *ctx, int id, const char *v)
{
	struct sweep_cli *w = ctx;
	char err[SWEEP_ERR_MAX];
	double d;
	switch (id) {
	case SWEEP_OPT_JOBS:
		if (number_arg(w->cmd, "-j", v, 1, 4096, &d))
			return -1;
		w->o.jobs = (unsigned)d;
		return 0;
	case SWEEP_OPT_OUTDIR: w->outdir = v; return 0;
	case SWEEP_OPT_SHARD:
		if (sweep_shard_parse(v, &w->o.shard_i, &w->o.shard_n, err, sizeof err))
			return cli_error(w->cmd, "%s", err);
		return 0;
	case SWEEP_OPT_TIMEOUT: return number_arg(w->cmd, "--timeout", v, 0.001, 1e7, &w->o.timeout);
	case SWEEP_OPT_PLOT: w->o.plot = true; return 0;
	case SWEEP_OPT_DRY: w->dry = true; return 0;
	case CLI_ID_OPERAND:
		if (w->spec_path)
			return cli_usage_error(w->cmd, "unexpected argument '%s'", v);
		w->spec_path = v;
		return 0;
	}
	return -1;
}

int sweep_cli_parse(const struct cli_cmd *cmd, const char *prefix, int argc, char **argv, struct sweep_cli *w)
{
	*w = (struct sweep_cli){.o = {.shard_n = 1, .timeout = 600}, .cmd = cmd};
	struct cli_args a;
	int r = cli_parse(cmd, argc, argv, sweep_cli_option, w, &a);
	cli_args_free(&a);
	if (r == 0 && !w->spec_path)
		r = cli_usage_error(cmd, "no spec file");
	if (r)
		return r;
	if (!w->o.jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		w->o.jobs = n > 0 ? (unsigned)n : 1;
	}
	if (!w->outdir) {
		/* PREFIX-NAME for NAME.yaml */
		const char *b = strrchr(w->spec_path, '/');
		b = b ? b + 1 : w->spec_path;
		size_t len = strlen(b);
		const char *dot = strrchr(b, '.');
		if (dot && dot != b)
			len = (size_t)(dot - b);
		snprintf(w->defdir, sizeof w->defdir, "%s-%.*s", prefix, (int)len, b);
		w->outdir = w->defdir;
	}
	if (strlen(w->outdir) > 3000)
		return cli_error(cmd, "-o %s: path too long", w->outdir);
	w->o.outdir = w->outdir;
	w->o.progress = isatty(2);
	return 0;
}

static void dry_run(const struct sweep_plan *p, const struct sweep_opts *o)
{
	const struct sweep_spec *s = p->spec;
	for (size_t i = o->shard_i; i < p->nruns; i += o->shard_n) {
		struct sweep_run r;
		char id[17], label[1024];
		sweep_run_of(p, i, &r);
		sweep_run_id(p, i, id);
		sweep_point_label(p, r.point, label, sizeof label);
		printf("%zu %s %zu %s %s %u %s%s\n", i, id, r.point, s->workloads[r.workload].name, s->modes[r.mode],
		       r.rep, label, p->points[r.point].invalid ? " (invalid: skipped)" : "");
	}
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_cli w;
	char err[SWEEP_ERR_MAX];
	int r = sweep_cli_parse(&sweep_cmd, "sweep", argc, argv, &w);
	if (r)
		return r > 0 ? 0 : 2;
	struct sweep_spec *spec;
	struct sweep_plan *plan;
	if (sweep_spec_load(&spec, w.spec_path, err, sizeof err)) {
		fprintf(stderr, "cdvm sweep: %s\n", err);
		return 2;
	}
	if (sweep_plan_build(&plan, spec, err, sizeof err)) {
		fprintf(stderr, "cdvm sweep: %s\n", err);
		sweep_spec_free(spec);
		return 2;
	}
	int rc = 0;
	if (w.dry)
		dry_run(plan, &w.o);
	else
		rc = sweep_execute(plan, &w.o);
	sweep_plan_free(plan);
	sweep_spec_free(spec);
	return rc;
}

/* Moves the rows of b to the end of a. */
static int take_rows(struct sweep_results *a, struct sweep_results *b)
{
	if (a->n + b->n > a->cap) {
		size_t cap = a->n + b->n;
		struct sweep_stored *r = realloc(a->rows, (cap ? cap : 1) * sizeof *r);
		if (!r)
			return -1;
		a->rows = r;
		a->cap = cap;
	}
	memcpy(a->rows + a->n, b->rows, b->n * sizeof *b->rows);
	a->n += b->n;
	b->n = 0;
	return 0;
}

/* "NAME: message" on stderr; returns -1. */
static int merge_say(const struct sweep_merge_hooks *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int merge_say(const struct sweep_merge_hooks *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", h->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/* Adds folder dir's rows to *all; its spec.yaml must equal the first
 * folder's (kept in *spec_text).  Returns 0 or -1 after the message. */
static int merge_one(const struct sweep_merge_hooks *h, const char *dir, const char *first, char **spec_text,
		     size_t *spec_len, struct sweep_results *all, size_t *total_in)
{
	char err[SWEEP_ERR_MAX], path[4200];
	size_t len;
	sweep_msgf(path, sizeof path, "%s/spec.yaml", dir);
	char *t = file_read(path, FILE_TEXT_MAX, &len, err, sizeof err);
	if (!t)
		return merge_say(h, "%s (not a results folder?)", err);
	if (!*spec_text) {
		*spec_text = t;
		*spec_len = len;
	} else {
		bool same = len == *spec_len && !memcmp(t, *spec_text, len);
		free(t);
		if (!same)
			return merge_say(h, "%s differs from %s/spec.yaml: these are not shards of one spec", path,
					   first);
	}
	struct sweep_results r;
	if (sweep_results_load(dir, false, &r, NULL, err, sizeof err))
		return merge_say(h, "%s", err);
	int rc = -1;
	if (!r.header)
		merge_say(h, "%s/results.csv: missing or empty", dir);
	else if (all->header && strcmp(all->header, r.header))
		merge_say(h, "%s/results.csv has other columns than %s/results.csv", dir, first);
	else
		rc = 0;
	if (rc == 0 && !all->header) {
		all->header = r.header;
		r.header = NULL;
	}
	if (rc == 0) {
		*total_in += r.n;
		if (take_rows(all, &r))
			rc = merge_say(h, "out of memory");
	}
	sweep_results_free(&r);
	return rc;
}

static size_t sweep_expected(const char *text, size_t len, const char *path)
{
	struct sweep_spec *spec;
	char err[SWEEP_ERR_MAX];
	size_t n = 0;
	if (!sweep_spec_parse(&spec, text, len, path, err, sizeof err)) {
		n = sweep_point_count(spec) * spec->nworkloads * spec->nmodes * spec->repetitions;
		sweep_spec_free(spec);
	}
	return n;
}

static int merge_dirs(const struct sweep_merge_hooks *h, int argc, char **argv);

int cmd_sweep_merge(int argc, char **argv)
{
	static const struct sweep_merge_hooks h = {"cdvm sweep-merge", sweep_expected, NULL};
	return sweep_merge_main(&merge_cmd, &h, argc, argv);
}

int sweep_merge_main(const struct cli_cmd *cmd, const struct sweep_merge_hooks *h, int argc, char **argv)
{
	struct cli_args a;
	int pr = cli_parse(cmd, argc, argv, merge_operand, NULL, &a);
	cli_args_free(&a);
	if (pr)
		return pr > 0 ? 0 : 2;
	/* argv[1] = OUTDIR, argv[2..] = the folders (after any option) */
	argv += a.next - 1;
	argc -= a.next - 1;
	if (argc < 3) {
		cli_usage_error(cmd, "need OUTDIR and at least one DIR");
		return 2;
	}
	return merge_dirs(h, argc, argv);
}

static int merge_dirs(const struct sweep_merge_hooks *h, int argc, char **argv)
{
	const char *out = argv[1];
	char err[SWEEP_ERR_MAX], path[4200];
	char *spec_text = NULL;
	size_t spec_len = 0, total_in = 0;
	struct sweep_results all = {0};
	int rc = 2, lock = -1;
	bool created = access(out, F_OK) != 0;
	if (sweep_mkdir_p(out)) {
		merge_say(h, "cannot create %s: %s", out, strerror(errno));
		goto out;
	}
	/* first: a sweep appending to OUT would lose the rows it writes while the
	 * merged files replace its own, and OUT may be one of the DIRs */
	lock = sweep_lock_dir(out, err, sizeof err);
	if (lock < 0) {
		merge_say(h, "%s", err);
		goto out;
	}
	for (int i = 2; i < argc; i++)
		if (merge_one(h, argv[i], argv[2], &spec_text, &spec_len, &all, &total_in))
			goto out;
	if (sweep_results_sort_dedupe(&all)) {
		merge_say(h, "out of memory");
		goto out;
	}
	size_t clashes = 0;
	for (size_t i = 1; i < all.n; i++)
		clashes += all.rows[i].index == all.rows[i - 1].index;
	if (clashes)
		merge_say(h, "warning: %zu runs have rows with different ids (were the "
			    "configuration files or programs different where the shards ran?)", clashes);
	sweep_msgf(path, sizeof path, "%s/spec.yaml", out);
	if (access(path, F_OK) == 0) {
		size_t len;
		char *t = file_read(path, FILE_TEXT_MAX, &len, err, sizeof err);
		bool same = t && len == spec_len && !memcmp(t, spec_text, len);
		free(t);
		if (!same) {
			merge_say(h, "%s holds another spec; merge into a new folder", out);
			goto out;
		}
	} else if (sweep_write_file_atomic(path, spec_text, spec_len, err, sizeof err)) {
		merge_say(h, "%s", err);
		goto out;
	}
	if (sweep_results_write(out, &all, err, sizeof err)) {
		merge_say(h, "%s", err);
		goto out;
	}
	/* how many runs the spec makes, to say whether shards are missing */
	size_t expect = h->expected(spec_text, spec_len, path);
	merge_say(h, "%zu rows (%zu duplicates dropped) from %d folders into %s/results.csv", all.n,
		    total_in - all.n, argc - 2, out);
	rc = 0;
	if (expect && all.n < expect) {
		merge_say(h, "%zu of the spec's %zu runs are missing", expect - all.n, expect);
		rc = 1;
	}
	if (h->finish && h->finish(out, spec_text, spec_len))
		rc = 2;
out:
	if (lock >= 0)
		close(lock);
	if (rc == 2 && created && lock >= 0 && !all.n) {
		/* nothing was merged: leave no empty folder behind */
		sweep_msgf(path, sizeof path, "%s/.lock", out);
		unlink(path);
		rmdir(out);
	}
	free(spec_text);
	sweep_results_free(&all);
	return rc;
}
