/* cli/sweep_plot.c — `cdvm sweep --plot`: one PNG per axis and metric.
 *
 * For axis A and metric M, DIR/plot-A-M.dat holds one line per value of A:
 * the x position (the value itself for an integer axis, else its ordinal),
 * the value as a label, then one column per workload (per workload/mode
 * when the spec has several modes) with the mean of M over every ok row
 * that has this value of A — that is, averaged over the other axes and
 * the repetitions (a "main effect" plot; "?" where no row is ok).
 * DIR/plot-A-M.gp is the gnuplot script that draws DIR/plot-A-M.png from
 * it, so a plot can be restyled and redrawn by hand. */
#include "cli/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH_LEN 4200

const char *sweep_plot_unavailable(void)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	char dir[PATH_LEN];
	while (*path) {
		size_t n = strcspn(path, ":");
		sweep_msgf(dir, sizeof dir, "%.*s/gnuplot", (int)n, path);
		if (n && access(dir, X_OK) == 0)
			return NULL;
		path += n + (path[n] == ':');
	}
	return "--plot needs gnuplot, which is not on PATH (Debian: apt-get install gnuplot-nox; "
	       "scripts/bootstrap bench installs it)";
}

struct rowdata {
	struct sweep_kv kv;
};

/* Loads the ok rows' JSON objects. */
static int load_rows(const char *dir, struct rowdata **out, size_t *n, char *err, size_t errlen)
{
	struct sweep_results res;
	*out = NULL;
	*n = 0;
	if (sweep_results_load(dir, false, &res, NULL, err, errlen))
		return -1;
	struct rowdata *rows = calloc(res.n ? res.n : 1, sizeof *rows);
	if (!rows) {
		sweep_results_free(&res);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < res.n; i++) {
		struct sweep_kv kv;
		char e[200];
		if (sweep_json_flatten(res.rows[i].json, strlen(res.rows[i].json), &kv, e, sizeof e)) {
			sweep_msgf(err, errlen, "%s/results.jsonl: row %zu: %s", dir, res.rows[i].index, e);
			for (size_t j = 0; j < k; j++)
				sweep_kv_free(&rows[j].kv);
			free(rows);
			sweep_results_free(&res);
			return -1;
		}
		const char *st = sweep_kv_get(&kv, "status");
		if (st && !strcmp(st, "ok"))
			rows[k++].kv = kv;
		else
			sweep_kv_free(&kv);
	}
	sweep_results_free(&res);
	*out = rows;
	*n = k;
	return 0;
}

void sweep_gp_label(void *file, const char *s)
{
	FILE *f = file;
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || *s == '\\' ? '\'' : *s, f);
	fputc('"', f);
}

int sweep_gnuplot(const char *dir, const char *script, char *err, size_t errlen)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (chdir(dir))
			_exit(127);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "gnuplot: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		sweep_msgf(err, errlen, "gnuplot failed on %s/%s (status %d)", dir, script,
			   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	return 0;
}

/* One plot: axis a, metric m. */
static int plot_one(const struct sweep_plan *p, const char *dir, size_t a, const char *metric,
		    const struct rowdata *rows, size_t nrows, char *err, size_t errlen)
{
	const struct sweep_spec *s = p->spec;
	const struct sweep_axis *ax = &s->axes[a];
	size_t nser = s->nworkloads * s->nmodes, nval = ax->nvalues;
	double *sum = calloc(nser * nval, sizeof *sum);
	size_t *cnt = calloc(nser * nval, sizeof *cnt);
	if (!sum || !cnt) {
		free(sum);
		free(cnt);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t r = 0; r < nrows; r++) {
		const struct sweep_kv *kv = &rows[r].kv;
		const char *av = sweep_kv_get(kv, ax->key), *mv = sweep_kv_get(kv, metric);
		const char *wl = sweep_kv_get(kv, "workload"), *mo = sweep_kv_get(kv, "mode");
		if (!av || !mv || !wl || !mo || !strcmp(mv, "null"))
			continue;
		size_t vi = nval, wi = s->nworkloads, mi = s->nmodes;
		for (size_t i = 0; i < nval; i++)
			if (!strcmp(ax->values[i], av))
				vi = i;
		for (size_t i = 0; i < s->nworkloads; i++)
			if (!strcmp(s->workloads[i].name, wl))
				wi = i;
		for (size_t i = 0; i < s->nmodes; i++)
			if (!strcmp(s->modes[i], mo))
				mi = i;
		char *end;
		double v = strtod(mv, &end);
		if (vi == nval || wi == s->nworkloads || mi == s->nmodes || *end || !isfinite(v))
			continue;
		size_t k = vi * nser + wi * s->nmodes + mi;
		sum[k] += v;
		cnt[k]++;
	}
	char base[PATH_LEN], path[PATH_LEN + 8];
	sweep_msgf(base, sizeof base, "plot-%s-%s", ax->key, metric);
	sweep_msgf(path, sizeof path, "%s/%s.dat", dir, base);
	FILE *f = fopen(path, "w");
	int rc = -1;
	if (!f) {
		sweep_msgf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	bool numeric = ax->type == SWEEP_KEY_INT || ax->type == SWEEP_KEY_REAL;
	fprintf(f, "# %s: mean %s of ok runs, over the other axes and repetitions\n# x label", ax->key, metric);
	for (size_t w = 0; w < s->nworkloads; w++)
		for (size_t m = 0; m < s->nmodes; m++)
			fprintf(f, s->nmodes > 1 ? " %s/%s" : " %s", s->workloads[w].name, s->modes[m]);
	fputc('\n', f);
	for (size_t v = 0; v < nval; v++) {
		fprintf(f, "%s ", numeric ? ax->values[v] : "");
		if (!numeric)
			fprintf(f, "%zu ", v);
		sweep_gp_label(f, ax->values[v]);
		for (size_t k = 0; k < nser; k++) {
			size_t i = v * nser + k;
			if (cnt[i])
				fprintf(f, " %.10g", sum[i] / (double)cnt[i]);
			else
				fputs(" ?", f);
		}
		fputc('\n', f);
	}
	if (fclose(f)) {
		sweep_msgf(err, errlen, "%s: write error", path);
		goto out;
	}
	sweep_msgf(path, sizeof path, "%s/%s.gp", dir, base);
	f = fopen(path, "w");
	if (!f) {
		sweep_msgf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	fprintf(f, "# drawn by cdvm sweep --plot; run `gnuplot %s.gp` in this folder to redraw\n", base);
	fprintf(f, "set terminal pngcairo size 960,600 noenhanced\nset output '%s.png'\n", base);
	fprintf(f, "set title ");
	char title[512];
	sweep_msgf(title, sizeof title, "%s: %s against %s (mean over other axes)", s->name, metric, ax->key);
	sweep_gp_label(f, title);
	fprintf(f, "\nset xlabel ");
	sweep_gp_label(f, ax->key);
	fprintf(f, "\nset ylabel ");
	sweep_gp_label(f, metric);
	fprintf(f, "\nset grid\nset key outside right top\nset datafile missing '?'\n");
	if (numeric && ax->geometric)
		fprintf(f, "set logscale x 2\n");
	if (!numeric)
		fprintf(f, "set xrange [-0.5:%zu.5]\n", nval - 1);
	else if (nval == 1)
		fprintf(f, "set xrange [%s-1:%s+1]\n", ax->values[0], ax->values[0]);
	fprintf(f, "plot");
	for (size_t k = 0; k < nser; k++) {
		char t[256];
		if (s->nmodes > 1)
			sweep_msgf(t, sizeof t, "%s/%s", s->workloads[k / s->nmodes].name, s->modes[k % s->nmodes]);
		else
			sweep_msgf(t, sizeof t, "%s", s->workloads[k].name);
		fprintf(f, "%s '%s.dat' using 1:%zu%s with linespoints title ", k ? ", \\\n    " : " ", base, k + 3,
			numeric ? "" : ":xtic(2)");
		sweep_gp_label(f, t);
	}
	fputc('\n', f);
	if (fclose(f)) {
		sweep_msgf(err, errlen, "%s: write error", path);
		goto out;
	}
	sweep_msgf(path, sizeof path, "%s.gp", base);
	rc = sweep_gnuplot(dir, path, err, errlen);
out:
	free(sum);
	free(cnt);
	return rc;
}

int sweep_plot(const struct sweep_plan *p, const char *dir, char *err, size_t errlen)
{
	const char *why = sweep_plot_unavailable();
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	struct rowdata *rows;
	size_t n;
	if (load_rows(dir, &rows, &n, err, errlen))
		return -1;
	int rc = 0;
	for (size_t a = 0; a < p->spec->naxes && !rc; a++)
		for (size_t m = 0; m < p->spec->nplot && !rc; m++)
			rc = plot_one(p, dir, a, p->spec->plot_metrics[m], rows, n, err, errlen);
	for (size_t i = 0; i < n; i++)
		sweep_kv_free(&rows[i].kv);
	free(rows);
	return rc;
}
