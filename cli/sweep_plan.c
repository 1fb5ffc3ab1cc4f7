/* cli/sweep_plan.c — from a checked spec to the list of runs.
 *
 * Points are the combinations of axis values: with `combine: product` the
 * first axis varies slowest (nested loops in spec order); with `zip` point p
 * takes value p of every axis.  Each point's configuration is built exactly
 * as `cdvm run` will build it in the child process — default, then base,
 * then the config_files value, then set:, then the axis values — and
 * validated before anything runs.  Runs (result rows) are point x workload
 * x mode x repetition, numbered point-major; a run's id hashes what the run
 * computes, so it stays the same across resumes, shards and hosts. */
#include "cli/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t sweep_point_count(const struct sweep_spec *s)
{
	if (!s->naxes)
		return 1;
	if (s->zip)
		return s->axes[0].nvalues;
	size_t n = 1;
	for (size_t i = 0; i < s->naxes; i++) {
		size_t v = s->axes[i].nvalues;
		n = (v && n > SIZE_MAX / v) ? SIZE_MAX : n * v;
	}
	return n;
}

void sweep_point_values(const struct sweep_spec *s, size_t p, size_t *value_idx)
{
	if (s->zip) {
		for (size_t i = 0; i < s->naxes; i++)
			value_idx[i] = p;
		return;
	}
	for (size_t i = s->naxes; i-- > 0;) {
		value_idx[i] = p % s->axes[i].nvalues;
		p /= s->axes[i].nvalues;
	}
}

/* FNV-1a, 64 bit: small, stable across hosts and builds. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1); /* the NUL separates fields */
}

#define FNV_BASIS 0xcbf29ce484222325ull

static uint64_t config_hash(const struct cdvm_config *c)
{
	uint64_t h = FNV_BASIS;
	char v[CONFIG_STR_MAX + 32];
	for (size_t i = 0; i < config_key_count(); i++) {
		const char *k = config_key_name(i);
		if (config_get(c, k, v, sizeof v))
			v[0] = '\0';
		h = fnv_str(h, k);
		h = fnv_str(h, v);
	}
	return h;
}

static void errf(char *err, size_t errlen, const struct sweep_spec *s, struct sweep_loc l, const char *msg)
{
	if (l.line)
		sweep_msgf(err, errlen, "%s:%u:%u: %s", s->path, l.line, l.col, msg);
	else
		sweep_msgf(err, errlen, "%s: %s", s->path, msg);
}

static int apply(struct cdvm_config *c, const char *key, const char *val, struct config_error *e)
{
	size_t n = strlen(key) + strlen(val) + 2;
	char *a = malloc(n);
	if (!a) {
		snprintf(e->msg, sizeof e->msg, "out of memory");
		return -1;
	}
	snprintf(a, n, "%s=%s", key, val);
	int rc = config_set(c, a, e);
	free(a);
	return rc;
}

/* Configurations of the config_files axis values (or NULL when there is no
 * such axis): base, then that file. */
static struct cdvm_config *load_files(const struct sweep_spec *s, const struct cdvm_config *base,
				      size_t *axis, char *err, size_t errlen)
{
	*axis = SIZE_MAX;
	for (size_t i = 0; i < s->naxes; i++)
		if (s->axes[i].config_files)
			*axis = i;
	if (*axis == SIZE_MAX)
		return NULL;
	const struct sweep_axis *ax = &s->axes[*axis];
	struct cdvm_config *c = calloc(ax->nvalues, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < ax->nvalues; i++) {
		struct config_error e;
		c[i] = *base;
		if (config_load_file(&c[i], ax->values[i], &e)) {
			char m[SWEEP_ERR_MAX];
			sweep_msgf(m, sizeof m, "config_files: %s", e.msg);
			errf(err, errlen, s, ax->loc, m);
			free(c);
			return NULL;
		}
	}
	return c;
}

static int build_point(struct sweep_plan *p, size_t i, const struct cdvm_config *base,
		       const struct cdvm_config *files, size_t files_axis, char *err, size_t errlen)
{
	const struct sweep_spec *s = p->spec;
	struct sweep_point *pt = &p->points[i];
	pt->value_idx = calloc(s->naxes ? s->naxes : 1, sizeof *pt->value_idx);
	if (!pt->value_idx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sweep_point_values(s, i, pt->value_idx);
	pt->cfg = files ? files[pt->value_idx[files_axis]] : *base;
	struct config_error e;
	for (size_t k = 0; k < s->nset; k++)
		if (apply(&pt->cfg, s->set_keys[k], s->set_values[k], &e)) {
			errf(err, errlen, s, (struct sweep_loc){0, 0}, e.msg);
			return -1;
		}
	for (size_t a = 0; a < s->naxes; a++) {
		const struct sweep_axis *ax = &s->axes[a];
		if (ax->config_files || ax->extra)
			continue;
		if (apply(&pt->cfg, ax->key, ax->values[pt->value_idx[a]], &e)) {
			errf(err, errlen, s, ax->loc, e.msg);
			return -1;
		}
	}
	/* extra axes are not configuration, but they make points differ */
	pt->hash = config_hash(&pt->cfg);
	for (size_t a = 0; a < s->naxes; a++)
		if (s->axes[a].extra) {
			pt->hash = fnv_str(pt->hash, s->axes[a].key);
			pt->hash = fnv_str(pt->hash, s->axes[a].values[pt->value_idx[a]]);
		}
	if (config_validate(&pt->cfg, &e)) {
		char label[512], m[SWEEP_ERR_MAX];
		sweep_point_label(p, i, label, sizeof label);
		if (!s->skip_invalid) {
			sweep_msgf(m, sizeof m, "point %zu (%s) is not a valid configuration: %s "
				 "(add skip_invalid: true to record such points as skipped)", i, label, e.msg);
			errf(err, errlen, s, s->naxes ? s->axes[0].loc : (struct sweep_loc){0, 0}, m);
			return -1;
		}
		pt->invalid = true;
		pt->reason = strdup(e.msg);
		if (!pt->reason) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

struct hash_ix {
	uint64_t h;
	size_t i;
};

static int cmp_hash_ix(const void *a, const void *b)
{
	const struct hash_ix *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static bool same_extra(const struct sweep_plan *p, size_t a, size_t b)
{
	for (size_t i = 0; i < p->spec->naxes; i++)
		if (p->spec->axes[i].extra && p->points[a].value_idx[i] != p->points[b].value_idx[i])
			return false;
	return true;
}

static int check_duplicates(const struct sweep_plan *p, char *err, size_t errlen)
{
	struct hash_ix *h = malloc(p->npoints * sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->npoints; i++)
		h[i] = (struct hash_ix){p->points[i].hash, i};
	qsort(h, p->npoints, sizeof *h, cmp_hash_ix);
	int rc = 0;
	for (size_t i = 1; i < p->npoints && !rc; i++) {
		if (h[i].h != h[i - 1].h)
			continue;
		size_t a = h[i - 1].i, b = h[i].i;
		if (!config_equal(&p->points[a].cfg, &p->points[b].cfg) || !same_extra(p, a, b))
			continue; /* a true 64-bit collision: harmless here */
		char la[256], lb[256], m[SWEEP_ERR_MAX];
		sweep_point_label(p, a, la, sizeof la);
		sweep_point_label(p, b, lb, sizeof lb);
		sweep_msgf(m, sizeof m, "points %zu (%s) and %zu (%s) have the same configuration", a, la, b, lb);
		errf(err, errlen, p->spec, p->spec->naxes ? p->spec->axes[0].loc : (struct sweep_loc){0, 0}, m);
		rc = -1;
	}
	free(h);
	return rc;
}

int sweep_plan_build(struct sweep_plan **out, const struct sweep_spec *s, char *err, size_t errlen)
{
	*out = NULL;
	for (size_t w = 0; w < s->nworkloads; w++) {
		const struct sweep_workload *wl = &s->workloads[w];
		if (access(wl->program, R_OK | X_OK)) {
			char m[SWEEP_ERR_MAX];
			sweep_msgf(m, sizeof m, "workload '%s': program '%s': %s", wl->name, wl->program,
				 strerror(errno));
			errf(err, errlen, s, wl->program_loc, m);
			return -1;
		}
	}
	struct cdvm_config base;
	config_default(&base);
	if (s->base) {
		struct config_error e;
		if (config_load_file(&base, s->base, &e)) {
			char m[SWEEP_ERR_MAX];
			sweep_msgf(m, sizeof m, "base: %s", e.msg);
			errf(err, errlen, s, s->base_loc, m);
			return -1;
		}
	}
	size_t files_axis;
	struct cdvm_config *files = load_files(s, &base, &files_axis, err, errlen);
	if (!files && files_axis != SIZE_MAX)
		return -1;
	struct sweep_plan *p = calloc(1, sizeof *p);
	if (!p) {
		free(files);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->spec = s;
	p->npoints = sweep_point_count(s);
	p->nruns = p->npoints * s->nworkloads * s->nmodes * s->repetitions;
	p->points = calloc(p->npoints, sizeof *p->points);
	int rc = p->points ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; i < p->npoints && !rc; i++)
		rc = build_point(p, i, &base, files, files_axis, err, errlen);
	if (!rc)
		rc = check_duplicates(p, err, errlen);
	free(files);
	if (rc) {
		sweep_plan_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void sweep_plan_free(struct sweep_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->points && i < p->npoints; i++) {
		free(p->points[i].value_idx);
		free(p->points[i].reason);
	}
	free(p->points);
	free(p);
}

void sweep_run_of(const struct sweep_plan *p, size_t index, struct sweep_run *r)
{
	const struct sweep_spec *s = p->spec;
	r->index = index;
	r->rep = (unsigned)(index % s->repetitions);
	index /= s->repetitions;
	r->mode = index % s->nmodes;
	index /= s->nmodes;
	r->workload = index % s->nworkloads;
	r->point = index / s->nworkloads;
}

void sweep_run_id(const struct sweep_plan *p, size_t index, char id[17])
{
	const struct sweep_spec *s = p->spec;
	struct sweep_run r;
	sweep_run_of(p, index, &r);
	const struct sweep_workload *w = &s->workloads[r.workload];
	uint64_t h = FNV_BASIS;
	uint64_t ph = p->points[r.point].hash;
	h = fnv(h, &ph, sizeof ph);
	h = fnv_str(h, w->name);
	h = fnv_str(h, w->program);
	for (size_t i = 0; i < w->nargs; i++)
		h = fnv_str(h, w->args[i]);
	h = fnv_str(h, "");
	h = fnv_str(h, s->modes[r.mode]);
	h = fnv(h, &r.rep, sizeof r.rep);
	snprintf(id, 17, "%016llx", (unsigned long long)h);
}

void sweep_point_label(const struct sweep_plan *p, size_t point, char *buf, size_t n)
{
	const struct sweep_spec *s = p->spec;
	size_t len = 0;
	buf[0] = '\0';
	if (!s->naxes) {
		snprintf(buf, n, "(no axes)");
		return;
	}
	for (size_t a = 0; a < s->naxes && len < n; a++) {
		int k = snprintf(buf + len, n - len, "%s%s=%s", a ? " " : "", s->axes[a].key,
				 s->axes[a].values[p->points[point].value_idx[a]]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
}

const char **sweep_point_args(const struct sweep_plan *p, size_t point, size_t *n)
{
	const struct sweep_spec *s = p->spec;
	const struct sweep_point *pt = &p->points[point];
	/* one allocation: the pointer array, then "key=value" strings */
	size_t nargs = 0, bytes = 0;
	if (s->base)
		nargs += 2;
	for (size_t k = 0; k < s->nset; k++) {
		nargs += 2;
		bytes += strlen(s->set_keys[k]) + strlen(s->set_values[k]) + 2;
	}
	for (size_t a = 0; a < s->naxes; a++) {
		if (s->axes[a].extra)
			continue;
		nargs += 2;
		if (!s->axes[a].config_files)
			bytes += strlen(s->axes[a].key) + strlen(s->axes[a].values[pt->value_idx[a]]) + 2;
	}
	const char **v = malloc((nargs + 1) * sizeof *v + bytes);
	if (!v)
		return NULL;
	char *str = (char *)(v + nargs + 1);
	size_t i = 0;
	if (s->base) {
		v[i++] = "-c";
		v[i++] = s->base;
	}
	for (size_t a = 0; a < s->naxes; a++)
		if (s->axes[a].config_files) {
			v[i++] = "-c";
			v[i++] = s->axes[a].values[pt->value_idx[a]];
		}
	for (size_t k = 0; k < s->nset; k++) {
		v[i++] = "--set";
		v[i++] = str;
		str += sprintf(str, "%s=%s", s->set_keys[k], s->set_values[k]) + 1;
	}
	for (size_t a = 0; a < s->naxes; a++) {
		if (s->axes[a].config_files || s->axes[a].extra)
			continue;
		v[i++] = "--set";
		v[i++] = str;
		str += sprintf(str, "%s=%s", s->axes[a].key, s->axes[a].values[pt->value_idx[a]]) + 1;
	}
	v[i] = NULL;
	*n = i;
	return v;
}

int sweep_shard_parse(const char *t, unsigned *i, unsigned *n, char *err, size_t errlen)
{
	unsigned long a = 0, b = 0;
	const char *c = t;
	int da = 0, db = 0;
	for (; *c >= '0' && *c <= '9' && da < 8; c++, da++)
		a = a * 10 + (unsigned long)(*c - '0');
	if (*c == '/')
		for (c++; *c >= '0' && *c <= '9' && db < 8; c++, db++)
			b = b * 10 + (unsigned long)(*c - '0');
	if (!da || !db || *c || t[da] != '/') {
		snprintf(err, errlen, "--shard %s: expected I/N, e.g. 0/4", t);
		return -1;
	}
	if (b == 0 || a >= b) {
		snprintf(err, errlen, "--shard %s: need N >= 1 and 0 <= I < N (shards are numbered from 0)", t);
		return -1;
	}
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}
