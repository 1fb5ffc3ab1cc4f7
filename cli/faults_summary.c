/* cli/faults_summary.c — what a campaign found, rebuilt from its rows
 * (so a resumed campaign and faults-merge make the same summary).
 *
 * The faulty runs are grouped by point, mode, target and kind (and once
 * more per point and mode over every target: target "all"); each group
 * gets the count and the share of every outcome with its 95 % Wilson score
 * interval, the mean slowdown against the golden runs, and the mean
 * detection latency and recovery cycles where there are any.  Failed and
 * skipped rows are counted apart, never as outcomes.
 *   DIR/summary.csv   one line per group (docs/faults.md lists the columns)
 *   DIR/summary.txt   the same for people
 *   DIR/plot-outcomes.{dat,gp,png}   with --plot: outcome shares per group, stacked
 *   DIR/plot-recovery.{dat,gp,png}   with --plot: recovery_cycles of detected_recovered runs */
#include "cli/faults.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN 4200
#define Z95 1.96

struct group {
	size_t point, mode;
	char target[16], kind[16];
	unsigned n, failed, count[FO_COUNT];
	double slowdown, latency, recovery;   /* sums */
	unsigned nlatency, nrecovery;
};

struct summary {
	struct group *g;
	size_t n, cap;
	double *recovery;                     /* recovery_cycles of detected_recovered runs */
	size_t nrec, caprec;
	unsigned golden, skipped, failed;
};

static struct group *group_get(struct summary *S, size_t point, size_t mode, const char *target, const char *kind)
{
	for (size_t i = 0; i < S->n; i++)
		if (S->g[i].point == point && S->g[i].mode == mode && !strcmp(S->g[i].target, target) &&
		    !strcmp(S->g[i].kind, kind))
			return &S->g[i];
	if (S->n == S->cap) {
		size_t cap = S->cap ? 2 * S->cap : 32;
		struct group *ng = realloc(S->g, cap * sizeof *ng);
		if (!ng)
			return NULL;
		S->g = ng;
		S->cap = cap;
	}
	struct group *g = &S->g[S->n++];
	*g = (struct group){.point = point, .mode = mode};
	snprintf(g->target, sizeof g->target, "%s", target);
	snprintf(g->kind, sizeof g->kind, "%s", kind);
	return g;
}

static bool num(const struct sweep_kv *kv, const char *key, double *v)
{
	const char *t = sweep_kv_get(kv, key);
	char *end;
	if (!t || !*t || !strcmp(t, "null"))
		return false;
	*v = strtod(t, &end);
	return !*end && isfinite(*v);
}

static int add_row(struct summary *S, const struct sweep_spec *s, const struct sweep_kv *kv)
{
	const char *st = sweep_kv_get(kv, "status"), *out = sweep_kv_get(kv, "outcome");
	const char *mode = sweep_kv_get(kv, "mode"), *target = sweep_kv_get(kv, "target");
	const char *kind = sweep_kv_get(kv, "kind");
	double point;
	if (!st || !num(kv, "point", &point) || !mode)
		return 0;
	if (out && !strcmp(out, "golden")) {
		S->golden++;
		return 0;
	}
	if (!strcmp(st, "skipped")) {
		S->skipped++;
		return 0;
	}
	size_t mi = 0;
	while (mi < s->nmodes && strcmp(s->modes[mi], mode))
		mi++;
	if (!target || !kind || !strcmp(target, "null"))
		target = kind = "?";
	unsigned o = FO_COUNT;
	if (out)
		for (o = 0; o < FO_COUNT && strcmp(faults_outcome_name(o), out); o++)
			;
	bool failed = strcmp(st, "ok") || o == FO_COUNT;
	S->failed += failed;
	double v;
	for (int pass = 0; pass < 2; pass++) {
		struct group *g = pass ? group_get(S, (size_t)point, mi, "all", "all")
				       : group_get(S, (size_t)point, mi, target, kind);
		if (!g)
			return -1;
		if (failed) {
			g->failed++;
			continue;
		}
		g->n++;
		g->count[o]++;
		if (num(kv, "slowdown", &v))
			g->slowdown += v;
		if (num(kv, "detection_latency", &v)) {
			g->latency += v;
			g->nlatency++;
		}
		if (o == FO_RECOVERED && num(kv, "recovery_cycles", &v)) {
			g->recovery += v;
			g->nrecovery++;
		}
	}
	if (!failed && o == FO_RECOVERED && num(kv, "recovery_cycles", &v)) {
		if (S->nrec == S->caprec) {
			size_t cap = S->caprec ? 2 * S->caprec : 256;
			double *nr = realloc(S->recovery, cap * sizeof *nr);
			if (!nr)
				return -1;
			S->recovery = nr;
			S->caprec = cap;
		}
		S->recovery[S->nrec++] = v;
	}
	return 0;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	if (x->mode != y->mode)
		return x->mode < y->mode ? -1 : 1;
	bool xa = !strcmp(x->target, "all"), ya = !strcmp(y->target, "all");
	if (xa != ya)
		return xa ? 1 : -1;
	int c = strcmp(x->target, y->target);
	return c ? c : strcmp(x->kind, y->kind);
}

static int load(struct summary *S, const struct sweep_spec *s, const char *dir, char *err, size_t errlen)
{
	struct sweep_results res;
	if (sweep_results_load(dir, false, &res, NULL, err, errlen))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < res.n && !rc; i++) {
		struct sweep_kv kv;
		char e[200];
		if (sweep_json_flatten(res.rows[i].json, strlen(res.rows[i].json), &kv, e, sizeof e)) {
			sweep_msgf(err, errlen, "%s/results.jsonl: row %zu: %s", dir, res.rows[i].index, e);
			rc = -1;
			break;
		}
		if (add_row(S, s, &kv)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
		sweep_kv_free(&kv);
	}
	sweep_results_free(&res);
	if (!rc && S->n)
		qsort(S->g, S->n, sizeof *S->g, cmp_group);
	return rc;
}

/* share, lower and upper end of the 95 % Wilson interval */
static void interval(unsigned k, unsigned n, double *p, double *lo, double *hi)
{
	double c, h;
	faults_wilson(k, n, Z95, &c, &h);
	*p = n ? (double)k / n : 0;
	*lo = n ? fmax(0, c - h) : 0;
	*hi = n ? fmin(1, c + h) : 0;
}

static void csv_put(FILE *f, const char *v)
{
	char field[512];
	sweep_csv_field(v, field, sizeof field);
	fprintf(f, ",%s", field);
}

static int write_csv(const struct summary *S, const struct sweep_plan *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		sweep_msgf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "point");
	for (size_t a = 0; a < p->spec->naxes; a++)
		csv_put(f, p->spec->axes[a].key);
	fprintf(f, ",mode,target,kind,runs,failed");
	for (unsigned o = 0; o < FO_COUNT; o++) {
		const char *n = faults_outcome_name(o);
		fprintf(f, ",%s,%s_share,%s_lo,%s_hi", n, n, n, n);
	}
	fprintf(f, ",mean_slowdown,mean_detection_latency,mean_recovery_cycles\n");
	for (size_t i = 0; i < S->n; i++) {
		const struct group *g = &S->g[i];
		fprintf(f, "%zu", g->point);
		for (size_t a = 0; a < p->spec->naxes; a++)
			csv_put(f, p->spec->axes[a].values[p->points[g->point].value_idx[a]]);
		fprintf(f, ",%s,%s,%s,%u,%u", p->spec->modes[g->mode], g->target, g->kind, g->n, g->failed);
		for (unsigned o = 0; o < FO_COUNT; o++) {
			double s, lo, hi;
			interval(g->count[o], g->n, &s, &lo, &hi);
			fprintf(f, ",%u,%.6f,%.6f,%.6f", g->count[o], s, lo, hi);
		}
		if (g->n)
			fprintf(f, ",%.6f", g->slowdown / g->n);
		else
			fputc(',', f);
		if (g->nlatency)
			fprintf(f, ",%.1f", g->latency / g->nlatency);
		else
			fputc(',', f);
		if (g->nrecovery)
			fprintf(f, ",%.1f", g->recovery / g->nrecovery);
		else
			fputc(',', f);
		fputc('\n', f);
	}
	if (fclose(f)) {
		sweep_msgf(err, errlen, "%s: write error", path);
		return -1;
	}
	return 0;
}

static int write_txt(const struct summary *S, const struct faults_campaign *fc, const struct sweep_plan *p,
		     const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		sweep_msgf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	unsigned faulty = 0;
	for (size_t i = 0; i < S->n; i++)
		if (!strcmp(S->g[i].target, "all"))
			faulty += S->g[i].n;
	fprintf(f, "campaign %s (seed %llu): %u classified runs, %u failed, %u skipped, %u golden\n"
		"shares with 95%% Wilson score intervals; failed runs are not outcomes (see results.csv)\n",
		p->spec->name, (unsigned long long)fc->f.seed, faulty, S->failed, S->skipped, S->golden);
	for (size_t i = 0; i < S->n; i++) {
		const struct group *g = &S->g[i];
		if (!i || g->point != S->g[i - 1].point || g->mode != S->g[i - 1].mode) {
			char label[1024] = "";
			if (p->spec->naxes)
				sweep_point_label(p, g->point, label, sizeof label);
			fprintf(f, "\n== point %zu%s%s%s, mode %s\n", g->point, label[0] ? " (" : "", label,
				label[0] ? ")" : "", p->spec->modes[g->mode]);
		}
		fprintf(f, "%s %s: %u runs", g->target, g->kind, g->n);
		if (g->failed)
			fprintf(f, " (+%u failed)", g->failed);
		if (g->n)
			fprintf(f, ", mean slowdown %.4f", g->slowdown / g->n);
		if (g->nlatency)
			fprintf(f, ", mean detection latency %.0f cycles", g->latency / g->nlatency);
		if (g->nrecovery)
			fprintf(f, ", mean recovery %.0f cycles", g->recovery / g->nrecovery);
		fputc('\n', f);
		for (unsigned o = 0; o < FO_COUNT && g->n; o++) {
			double s, lo, hi;
			interval(g->count[o], g->n, &s, &lo, &hi);
			fprintf(f, "  %-24s %7u  %6.2f%%  [%6.2f%%, %6.2f%%]\n", faults_outcome_name(o), g->count[o],
				100 * s, 100 * lo, 100 * hi);
		}
	}
	if (fclose(f)) {
		sweep_msgf(err, errlen, "%s: write error", path);
		return -1;
	}
	return 0;
}

/* ---- plots ------------------------------------------------------------------ */

static FILE *open_in(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[PATH_LEN];
	sweep_msgf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		sweep_msgf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

static int close_in(FILE *f, const char *dir, const char *name, char *err, size_t errlen)
{
	if (fclose(f)) {
		sweep_msgf(err, errlen, "%s/%s: write error", dir, name);
		return -1;
	}
	return 0;
}

static int plot_outcomes(const struct summary *S, const struct sweep_plan *p, const char *dir, char *err,
			 size_t errlen)
{
	FILE *f = open_in(dir, "plot-outcomes.dat", err, errlen);
	if (!f)
		return -1;
	bool several = p->npoints > 1 || p->spec->nmodes > 1;
	fprintf(f, "# outcome shares per target/kind; columns: x label");
	for (unsigned o = 0; o < FO_COUNT; o++)
		fprintf(f, " %s", faults_outcome_name(o));
	fputc('\n', f);
	size_t x = 0;
	for (size_t i = 0; i < S->n; i++) {
		const struct group *g = &S->g[i];
		if (!g->n)
			continue;
		char label[128];
		if (several)
			snprintf(label, sizeof label, "%s/%s p%zu %s", g->target, g->kind, g->point, p->spec->modes[g->mode]);
		else
			snprintf(label, sizeof label, "%s/%s", g->target, g->kind);
		fprintf(f, "%zu ", x++);
		sweep_gp_label(f, label);
		for (unsigned o = 0; o < FO_COUNT; o++)
			fprintf(f, " %.6f", (double)g->count[o] / g->n);
		fputc('\n', f);
	}
	if (close_in(f, dir, "plot-outcomes.dat", err, errlen) || !(f = open_in(dir, "plot-outcomes.gp", err, errlen)))
		return -1;
	fprintf(f, "# drawn by cdvm faults --plot; run `gnuplot plot-outcomes.gp` in this folder to redraw\n"
		"set terminal pngcairo size %zu,600 noenhanced\nset output 'plot-outcomes.png'\n"
		"set title ", 640 + 40 * x);
	char title[512];
	sweep_msgf(title, sizeof title, "%s: outcomes of the injections", p->spec->name);
	sweep_gp_label(f, title);
	fprintf(f, "\nset ylabel 'share of runs'\nset yrange [0:1]\nset style data histograms\n"
		"set style histogram rowstacked\nset style fill solid 0.8 border -1\nset boxwidth 0.7\n"
		"set key outside right top\nset xtics rotate by -35\nset grid y\n");
	if (!x)
		fprintf(f, "set label 'no classified runs' at graph 0.5, 0.5 center\nplot -1 notitle\n");
	else
		for (unsigned o = 0; o < FO_COUNT; o++)
			fprintf(f, "%s '%s' using %u%s title '%s'%s\n", o ? "    " : "plot", o ? "" : "plot-outcomes.dat",
				3 + o, o ? "" : ":xtic(2)", faults_outcome_name(o), o + 1 < FO_COUNT ? ", \\" : "");
	return close_in(f, dir, "plot-outcomes.gp", err, errlen) ? -1
		: sweep_gnuplot(dir, "plot-outcomes.gp", err, errlen);
}

static int plot_recovery(const struct summary *S, const struct sweep_plan *p, const char *dir, char *err,
			 size_t errlen)
{
	enum { BINS = 20 };
	double max = 0;
	for (size_t i = 0; i < S->nrec; i++)
		max = fmax(max, S->recovery[i]);
	double width = max > 0 ? max / BINS : 1;
	unsigned count[BINS + 1] = {0};
	for (size_t i = 0; i < S->nrec; i++)
		count[(size_t)fmin(BINS, floor(S->recovery[i] / width))]++;
	count[BINS - 1] += count[BINS]; /* the maximum belongs to the last bin */
	FILE *f = open_in(dir, "plot-recovery.dat", err, errlen);
	if (!f)
		return -1;
	fprintf(f, "# recovery_cycles of %zu detected_recovered runs: bin center, runs\n", S->nrec);
	for (unsigned b = 0; b < BINS && S->nrec; b++)
		fprintf(f, "%.3f %u\n", (b + 0.5) * width, count[b]);
	if (close_in(f, dir, "plot-recovery.dat", err, errlen) || !(f = open_in(dir, "plot-recovery.gp", err, errlen)))
		return -1;
	fprintf(f, "# drawn by cdvm faults --plot; run `gnuplot plot-recovery.gp` in this folder to redraw\n"
		"set terminal pngcairo size 800,500 noenhanced\nset output 'plot-recovery.png'\nset title ");
	char title[512];
	sweep_msgf(title, sizeof title, "%s: recovery cycles of %zu detected_recovered runs", p->spec->name, S->nrec);
	sweep_gp_label(f, title);
	fprintf(f, "\nset xlabel 'recovery cycles'\nset ylabel 'runs'\nset style fill solid 0.7 border -1\n"
		"set grid y\nset yrange [0:*]\n");
	if (S->nrec)
		fprintf(f, "set boxwidth %.6g\nplot 'plot-recovery.dat' using 1:2 with boxes notitle\n", width * 0.9);
	else
		fprintf(f, "set yrange [0:1]\nset label 'no detected_recovered runs' at graph 0.5, 0.5 center\n"
			"plot -1 notitle\n");
	return close_in(f, dir, "plot-recovery.gp", err, errlen) ? -1
		: sweep_gnuplot(dir, "plot-recovery.gp", err, errlen);
}

int faults_summarize(const struct faults_campaign *fc, const char *dir, bool plot, char *err, size_t errlen)
{
	/* the points' labels and axis values come from the plan (nothing runs) */
	struct sweep_plan *p;
	if (sweep_plan_build(&p, fc->spec, err, errlen))
		return -1;
	struct summary S = {0};
	char path[PATH_LEN];
	int rc = load(&S, fc->spec, dir, err, errlen);
	sweep_msgf(path, sizeof path, "%s/summary.csv", dir);
	if (!rc)
		rc = write_csv(&S, p, path, err, errlen);
	sweep_msgf(path, sizeof path, "%s/summary.txt", dir);
	if (!rc)
		rc = write_txt(&S, fc, p, path, err, errlen);
	if (!rc && plot)
		rc = plot_outcomes(&S, p, dir, err, errlen);
	if (!rc && plot)
		rc = plot_recovery(&S, p, dir, err, errlen);
	free(S.g);
	free(S.recovery);
	sweep_plan_free(p);
	return rc;
}
