/* cli/sweep_results.c — what a sweep writes and reads back.
 *
 * A result row has a fixed set of columns for a given spec: the run's
 * coordinates (index, id, point, workload, mode, rep, one column per
 * axis), its outcome (status, error, exit and native status, whether stdout
 * matched the native run, host wall time), then every metric of
 * `cdvm run --stats-json` (cms/report.c): derived ones (cpi, cycle shares
 * by activity, cache miss rates), every firmware statistic of
 * cms/stats.def and every chip counter.  Rows go to results.csv and
 * results.jsonl, one line each, so a line is the unit of atomicity: resume
 * and merge read only complete lines present in both files.  All JSON,
 * read and written, goes through libjansson. */
#include "cli/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cms/cms.h"
#include "cms/stats.h"
#include "hw-sim/chip.h"
#include "hw-sim/energy.h"

/* ---- columns ------------------------------------------------------------- */

static const struct sweep_col head_cols[] = {
	{"index", SWEEP_COL_INT}, {"id", SWEEP_COL_STR}, {"point", SWEEP_COL_INT},
	{"workload", SWEEP_COL_STR}, {"mode", SWEEP_COL_STR}, {"rep", SWEEP_COL_INT},
};

static const struct sweep_col outcome_cols[] = {
	{"status", SWEEP_COL_STR}, {"error", SWEEP_COL_STR}, {"exit_status", SWEEP_COL_INT},
	{"native_status", SWEEP_COL_INT}, {"output_matches_native", SWEEP_COL_BOOL},
	{"wall_seconds", SWEEP_COL_FLOAT}, {"end", SWEEP_COL_STR},
};

/* Metrics the sweep adds to the firmware statistics (cms/stats.def) and
 * the chip's counters: column, JSON path (NULL: derived here). */
struct metric_def {
	const char *name, *json;
	enum sweep_col_type type;
};

static const struct metric_def metric_cols[] = {
	{"guest_instructions", "guest_instructions", SWEEP_COL_INT},
	{"cycles", "cycles", SWEEP_COL_INT},
	{"x86_ipc", "x86_ipc", SWEEP_COL_FLOAT},
	{"cpi", NULL, SWEEP_COL_FLOAT},
	{"cycles_translated_code", "cycles_by_activity.translated_code", SWEEP_COL_INT},
	{"share_interpreter", NULL, SWEEP_COL_FLOAT},
	{"share_translator", NULL, SWEEP_COL_FLOAT},
	{"share_translated_code", NULL, SWEEP_COL_FLOAT},
	{"share_dispatch", NULL, SWEEP_COL_FLOAT},
	{"share_syscalls", NULL, SWEEP_COL_FLOAT},
	{"l1i_miss_rate", NULL, SWEEP_COL_FLOAT},
	{"l1d_miss_rate", NULL, SWEEP_COL_FLOAT},
	{"l2_miss_rate", NULL, SWEEP_COL_FLOAT},
	{"energy_nj", "energy.total_nj", SWEEP_COL_FLOAT},
	{"cache_energy_nj", "energy.cache_nj", SWEEP_COL_FLOAT},
	{"power_mw", "energy.average_power_mw", SWEEP_COL_FLOAT},
	{"energy_per_insn_pj", "energy.per_x86_instruction_pj", SWEEP_COL_FLOAT},
	{"edp_j_s", "energy.edp_j_s", SWEEP_COL_FLOAT},
	{"ed2p_j_s2", "energy.ed2p_j_s2", SWEEP_COL_FLOAT},
	{"l1i_ways_average", "energy.average_ways.l1i", SWEEP_COL_FLOAT},
	{"l1d_ways_average", "energy.average_ways.l1d", SWEEP_COL_FLOAT},
	{"l2_ways_average", "energy.average_ways.l2", SWEEP_COL_FLOAT},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

bool sweep_metric_known(const char *name)
{
	if (!strcmp(name, "wall_seconds"))
		return true;
	struct sweep_spec none = {0};
	struct sweep_columns c;
	if (sweep_columns_build(&c, &none))
		return false;
	int i = sweep_column_find(&c, name);
	bool known = i >= 0 && (size_t)i >= c.first_metric;
	sweep_columns_free(&c);
	return known;
}

static int add_col(struct sweep_columns *c, const char *name, enum sweep_col_type t)
{
	char **n = realloc(c->names, (c->n + 1) * sizeof *n);
	if (!n)
		return -1;
	c->names = n;
	enum sweep_col_type *ty = realloc(c->types, (c->n + 1) * sizeof *ty);
	if (!ty)
		return -1;
	c->types = ty;
	c->names[c->n] = strdup(name);
	if (!c->names[c->n])
		return -1;
	c->types[c->n++] = t;
	return 0;
}

static int add_new_col(struct sweep_columns *c, const char *name)
{
	return sweep_column_find(c, name) >= 0 ? 0 : add_col(c, name, SWEEP_COL_INT);
}

int sweep_columns_build(struct sweep_columns *c, const struct sweep_spec *s)
{
	return sweep_columns_build_ext(c, s, NULL, 0);
}

int sweep_columns_build_ext(struct sweep_columns *c, const struct sweep_spec *s, const struct sweep_col *extra,
			    size_t nextra)
{
	memset(c, 0, sizeof *c);
	int rc = 0;
	for (size_t i = 0; i < NELEM(head_cols) && !rc; i++)
		rc = add_col(c, head_cols[i].name, head_cols[i].type);
	c->first_axis = c->n;
	c->naxes = s->naxes;
	for (size_t i = 0; i < s->naxes && !rc; i++) {
		const struct sweep_axis *a = &s->axes[i];
		rc = add_col(c, a->key, a->type == SWEEP_KEY_INT ? SWEEP_COL_INT :
			     a->type == SWEEP_KEY_REAL ? SWEEP_COL_FLOAT :
			     a->type == SWEEP_KEY_BOOL ? SWEEP_COL_BOOL : SWEEP_COL_STR);
	}
	for (size_t i = 0; i < NELEM(outcome_cols) && !rc; i++)
		rc = add_col(c, outcome_cols[i].name, outcome_cols[i].type);
	for (size_t i = 0; i < nextra && !rc; i++)
		rc = add_col(c, extra[i].name, extra[i].type);
	c->first_metric = c->n;
	for (size_t i = 0; i < NELEM(metric_cols) && !rc; i++)
		rc = add_col(c, metric_cols[i].name, metric_cols[i].type);
	/* every firmware statistic, then every chip counter under its own
	 * name; a name that is already a column ("cycles") is not doubled */
	for (unsigned i = 0; i < CMS_STAT_ROWS && !rc; i++) {
		const struct cms_stat_desc *d = cms_stat_desc(i);
		char col[CMS_STAT_NAME_MAX], e[CMS_STAT_NAME_MAX];
		if (!d->len || d->sweep == CMS_SWEEP_SUM)
			rc = add_new_col(c, d->len ? d->column : cms_stat_column(d, NULL, col));
		else
			for (unsigned k = 0; k < d->len && !rc; k++)
				rc = add_new_col(c, cms_stat_column(d, cms_stat_elem(d, k, e), col));
	}
	for (int i = 0; i < CNT_COUNT && !rc; i++)
		rc = add_new_col(c, chip_counter_name((enum counter_id)i));
	for (unsigned p = 0; p < EP_COUNT && !rc; p++) {
		char col[64];
		snprintf(col, sizeof col, "energy_%s_nj", energy_part_names[p]);
		rc = add_col(c, col, SWEEP_COL_FLOAT);
	}
	if (rc)
		sweep_columns_free(c);
	return rc;
}

void sweep_columns_free(struct sweep_columns *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->types);
	memset(c, 0, sizeof *c);
}

int sweep_column_find(const struct sweep_columns *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return (int)i;
	return -1;
}

/* ---- JSON (libjansson), flattened ------------------------------------------- */

static int kv_add(struct sweep_kv *kv, const char *k, const char *v, bool is_str)
{
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? 2 * kv->cap : 64;
		char **nk = realloc(kv->keys, cap * sizeof *nk);
		if (!nk)
			return -1;
		kv->keys = nk;
		char **nv = realloc(kv->vals, cap * sizeof *nv);
		if (!nv)
			return -1;
		kv->vals = nv;
		bool *ns = realloc(kv->is_str, cap * sizeof *ns);
		if (!ns)
			return -1;
		kv->is_str = ns;
		kv->cap = cap;
	}
	kv->keys[kv->n] = strdup(k);
	kv->vals[kv->n] = strdup(v);
	if (!kv->keys[kv->n] || !kv->vals[kv->n]) {
		free(kv->keys[kv->n]);
		free(kv->vals[kv->n]);
		return -1;
	}
	kv->is_str[kv->n++] = is_str;
	return 0;
}

/* A real as text that reads back to the same value (CMS_JSON_REAL_DIGITS). */
static void real_text(double v, char *b, size_t n)
{
	snprintf(b, n, "%.*g", (int)CMS_JSON_REAL_DIGITS, v);
}

static int flatten(const json_t *v, const char *path, struct sweep_kv *kv)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *m;
		int rc = *path ? kv_add(kv, path, "{}", false) : 0;
		json_object_foreach((json_t *)v, k, m) {
			size_t len = strlen(path) + strlen(k) + 2;
			char *full = malloc(len);
			if (!full)
				return -1;
			snprintf(full, len, "%s%s%s", path, *path ? "." : "", k);
			rc = rc ? rc : flatten(m, full, kv);
			free(full);
		}
		return rc;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) {
			size_t len = strlen(path) + 24;
			char *full = malloc(len);
			if (!full)
				return -1;
			snprintf(full, len, "%s.%zu", path, i);
			int rc = flatten(m, full, kv);
			free(full);
			if (rc)
				return rc;
		}
		return 0;
	}
	case JSON_STRING: return kv_add(kv, path, json_string_value(v), true);
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return kv_add(kv, path, num, false);
	case JSON_REAL:
		real_text(json_real_value(v), num, sizeof num);
		return kv_add(kv, path, num, false);
	case JSON_TRUE: return kv_add(kv, path, "true", false);
	case JSON_FALSE: return kv_add(kv, path, "false", false);
	case JSON_NULL: return kv_add(kv, path, "null", false);
	}
	return -1;
}

int sweep_json_flatten(const char *text, size_t len, struct sweep_kv *kv, char *err, size_t errlen)
{
	memset(kv, 0, sizeof *kv);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "JSON: %s at byte %d", je.text, je.position);
		return -1;
	}
	int rc = -1;
	if (!json_is_object(root))
		snprintf(err, errlen, "JSON: expected an object");
	else if (flatten(root, "", kv))
		snprintf(err, errlen, "JSON: out of memory");
	else
		rc = 0;
	json_decref(root);
	return rc;
}

const char *sweep_kv_get(const struct sweep_kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->keys[i], key))
			return kv->vals[i];
	return NULL;
}

void sweep_kv_free(struct sweep_kv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->keys[i]);
		free(kv->vals[i]);
	}
	free(kv->keys);
	free(kv->vals);
	free(kv->is_str);
	memset(kv, 0, sizeof *kv);
}

/* ---- rows ---------------------------------------------------------------- */

int sweep_row_init(struct sweep_row *r, const struct sweep_columns *c)
{
	r->n = c->n;
	r->vals = calloc(c->n, sizeof *r->vals);
	return r->vals ? 0 : -1;
}

static int row_set_ix(struct sweep_row *r, size_t i, const char *val)
{
	free(r->vals[i]);
	r->vals[i] = NULL;
	if (!val)
		return 0;
	r->vals[i] = strdup(val);
	return r->vals[i] ? 0 : -1;
}

int sweep_row_set(struct sweep_row *r, const struct sweep_columns *c, const char *col, const char *val)
{
	int i = sweep_column_find(c, col);
	if (i < 0)
		return -1;
	return row_set_ix(r, (size_t)i, val);
}

void sweep_row_free(struct sweep_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->vals[i]);
	free(r->vals);
	r->vals = NULL;
	r->n = 0;
}

static bool u64_of(const struct sweep_kv *kv, const char *key, uint64_t *v)
{
	const char *t = sweep_kv_get(kv, key);
	if (!t || !*t || *t == '-')
		return false;
	char *end;
	errno = 0;
	*v = strtoull(t, &end, 10);
	return !errno && !*end;
}

/* num / den as text, or empty when den is 0. */
static int set_ratio(struct sweep_row *r, const struct sweep_columns *c, const char *col, uint64_t num,
		     uint64_t den)
{
	if (!den)
		return sweep_row_set(r, c, col, NULL);
	char b[40];
	snprintf(b, sizeof b, "%.9g", (double)num / (double)den);
	return sweep_row_set(r, c, col, b);
}

/* Sets a column unless an earlier metric of the same name has (metric_cols,
 * then the firmware statistics, then the counters: the order of the
 * columns). */
static int set_once(struct sweep_row *r, const struct sweep_columns *c, bool *done, const char *col,
		    const char *val)
{
	int i = sweep_column_find(c, col);
	if (i < 0 || done[i])
		return 0;
	done[i] = true;
	return row_set_ix(r, (size_t)i, val);
}

/* The columns of cms/stats.def's rows from the stats JSON. */
static int firmware_metrics(struct sweep_row *r, const struct sweep_columns *c, bool *done,
			    const struct sweep_kv *st)
{
	int rc = 0;
	for (unsigned i = 0; i < CMS_STAT_ROWS; i++) {
		const struct cms_stat_desc *d = cms_stat_desc(i);
		char col[CMS_STAT_NAME_MAX], e[CMS_STAT_NAME_MAX], key[2 * CMS_STAT_NAME_MAX + 2];
		if (!d->len) {
			rc |= set_once(r, c, done, cms_stat_column(d, NULL, col), sweep_kv_get(st, d->key));
			continue;
		}
		/* an element left out of a sparse array's object is 0 */
		const char *zero = !d->dense && sweep_kv_get(st, d->key) ? "0" : NULL;
		uint64_t sum = 0, a;
		for (unsigned k = 0; k < d->len; k++) {
			snprintf(key, sizeof key, "%s.%s", d->key, cms_stat_elem(d, k, e));
			const char *v = sweep_kv_get(st, key);
			if (d->sweep == CMS_SWEEP_EACH)
				rc |= set_once(r, c, done, cms_stat_column(d, e, col), v ? v : zero);
			else if (v && u64_of(st, key, &a))
				sum += a;
		}
		if (d->sweep == CMS_SWEEP_SUM && (sweep_kv_get(st, d->key) || sweep_kv_get(st, "cycles"))) {
			snprintf(e, sizeof e, "%" PRIu64, sum);
			rc |= set_once(r, c, done, d->column, e);
		}
	}
	return rc;
}

/* cpi, the shares of the cycles by activity, the cache miss rates. */
static int derived_metrics(struct sweep_row *r, const struct sweep_columns *c, const struct sweep_kv *st)
{
	int rc = 0;
	uint64_t cyc = 0, insns = 0, a, b;
	bool have_cyc = u64_of(st, "cycles", &cyc);
	if (u64_of(st, "guest_instructions", &insns) && have_cyc)
		rc |= set_ratio(r, c, "cpi", cyc, insns);
	static const char *const acts[] = {"interpreter", "translator", "translated_code", "dispatch", "syscalls"};
	for (size_t i = 0; i < NELEM(acts); i++) {
		char key[64], col[64];
		snprintf(key, sizeof key, "cycles_by_activity.%s", acts[i]);
		snprintf(col, sizeof col, "share_%s", acts[i]);
		if (have_cyc && u64_of(st, key, &a))
			rc |= set_ratio(r, c, col, a, cyc);
	}
	static const char *const caches[] = {"l1i", "l1d", "l2"};
	for (size_t i = 0; i < NELEM(caches); i++) {
		char hk[64], mk[64], col[64];
		snprintf(hk, sizeof hk, "counters.%s_hits", caches[i]);
		snprintf(mk, sizeof mk, "counters.%s_misses", caches[i]);
		snprintf(col, sizeof col, "%s_miss_rate", caches[i]);
		if (u64_of(st, hk, &a) && u64_of(st, mk, &b))
			rc |= set_ratio(r, c, col, b, a + b);
	}
	return rc;
}

int sweep_row_metrics(struct sweep_row *r, const struct sweep_columns *c, const struct sweep_kv *st)
{
	bool *done = calloc(c->n ? c->n : 1, sizeof *done);
	if (!done)
		return -1;
	int rc = sweep_row_set(r, c, "end", sweep_kv_get(st, "end"));
	for (size_t i = 0; i < NELEM(metric_cols); i++)
		if (metric_cols[i].json)
			rc |= set_once(r, c, done, metric_cols[i].name, sweep_kv_get(st, metric_cols[i].json));
	rc |= firmware_metrics(r, c, done, st);
	for (int i = 0; i < CNT_COUNT; i++) {
		char key[96];
		const char *n = chip_counter_name((enum counter_id)i);
		snprintf(key, sizeof key, "counters.%s", n);
		rc |= set_once(r, c, done, n, sweep_kv_get(st, key));
	}
	for (unsigned p = 0; p < EP_COUNT; p++) {
		char key[96], col[64];
		snprintf(key, sizeof key, "energy.components.%s_nj", energy_part_names[p]);
		snprintf(col, sizeof col, "energy_%s_nj", energy_part_names[p]);
		rc |= set_once(r, c, done, col, sweep_kv_get(st, key));
	}
	rc |= derived_metrics(r, c, st);
	free(done);
	return rc ? -1 : 0;
}

/* ---- CSV and JSON lines ---------------------------------------------------- */

size_t sweep_csv_field(const char *s, char *out, size_t n)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	size_t len = 0;
#define PUT(ch) do { if (len + 1 < n) out[len] = (ch); len++; } while (0)
	if (quote)
		PUT('"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			PUT('"');
		PUT(*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	if (n)
		out[len < n ? len : n - 1] = '\0';
	return len;
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static char *buf_done(struct buf *b)
{
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	if (!b->p)
		buf_put(b, "", 0);
	return b->p;
}

static void csv_put(struct buf *b, const char *v)
{
	char *clean = strdup(v ? v : "");
	if (!clean) {
		b->oom = true;
		return;
	}
	for (char *p = clean; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	size_t need = sweep_csv_field(clean, NULL, 0) + 1;
	char *f = malloc(need);
	if (f) {
		sweep_csv_field(clean, f, need);
		buf_puts(b, f);
	} else {
		b->oom = true;
	}
	free(f);
	free(clean);
}

char *sweep_csv_header(const struct sweep_columns *c)
{
	struct buf b = {0};
	for (size_t i = 0; i < c->n; i++) {
		if (i)
			buf_puts(&b, ",");
		csv_put(&b, c->names[i]);
	}
	buf_puts(&b, "\n");
	return buf_done(&b);
}

char *sweep_row_csv(const struct sweep_row *r)
{
	struct buf b = {0};
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			buf_puts(&b, ",");
		csv_put(&b, r->vals[i]);
	}
	buf_puts(&b, "\n");
	return buf_done(&b);
}

/* A column's value as JSON: null when empty (except for text), a number
 * or boolean when it reads as one of its column's type, else a string. */
static json_t *json_value(const char *v, enum sweep_col_type t)
{
	if (!v || (!*v && t != SWEEP_COL_STR))
		return json_null();
	char *end;
	errno = 0;
	if (t == SWEEP_COL_INT || t == SWEEP_COL_FLOAT) {
		long long i = strtoll(v, &end, 10);
		if (!*end && end != v && !errno && *v != '+')
			return json_integer(i);
		double d = strtod(v, &end);
		if (!*end && end != v && *v != '+' && strspn(v, "-0123456789.eE+") == strlen(v))
			return json_real(d);
	}
	if (t == SWEEP_COL_BOOL && (!strcmp(v, "true") || !strcmp(v, "false")))
		return json_boolean(!strcmp(v, "true"));
	return cms_json_text(v);
}

char *sweep_row_json(const struct sweep_row *r, const struct sweep_columns *c)
{
	json_t *o = json_object();
	int rc = !o;
	for (size_t i = 0; i < r->n && !rc; i++)
		rc = json_object_set_new(o, c->names[i], json_value(r->vals[i], c->types[i]));
	char *text = rc ? NULL : json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(CMS_JSON_REAL_DIGITS));
	json_decref(o);
	if (!text)
		return NULL;
	/* one line with '\n' (json_dumps escapes control characters) */
	size_t n = strlen(text);
	char *line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	memcpy(line + n, "\n", 2);
	return line;
}

/* ---- files ----------------------------------------------------------------- */

void sweep_msgf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

char *sweep_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (!b) {
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
		if (n + 1 >= cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				continue;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(b);
			b = NULL;
			break;
		}
		if (got == 0) {
			b[n] = '\0';
			if (len)
				*len = n;
			break;
		}
		n += (size_t)got;
	}
	close(fd);
	return b;
}

static int write_all(int fd, const char *d, size_t n)
{
	while (n) {
		ssize_t w = write(fd, d, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

static void fsync_dir_of(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int sweep_mkdir_p(const char *dir)
{
	char b[4096];
	snprintf(b, sizeof b, "%s", dir);
	for (char *s = b + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(b, 0777) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(b, 0777) && errno != EEXIST)
		return -1;
	return 0;
}

int sweep_write_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) || fsync(fd)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	fsync_dir_of(path);
	return 0;
}

int sweep_lock_dir(const char *dir, char *err, size_t errlen)
{
	char path[4200];
	sweep_msgf(path, sizeof path, "%s/.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	int e = errno;
	sweep_msgf(err, errlen, "%s: %s", path,
		   e == EWOULDBLOCK ? "another sweep or merge is using this folder (wait until it ends)" : strerror(e));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- results directories ---------------------------------------------------- */

struct line_ref {
	size_t index, pos;
	char id[17];
	const char *line;
	size_t len;
	bool keep;
	bool failed;     /* JSON rows: "status":"failed" */
};

static bool id_ok(const char *id, size_t n)
{
	if (n != 16)
		return false;
	for (size_t i = 0; i < 16; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

/* Index and id of a CSV row "INDEX,ID,...". */
static bool parse_csv_key(const char *line, size_t len, struct line_ref *r)
{
	const char *p = line, *end = line + len;
	if (p >= end || *p < '0' || *p > '9')
		return false;
	size_t ix = 0;
	while (p < end && *p >= '0' && *p <= '9')
		ix = ix * 10 + (size_t)(*p++ - '0');
	if (p >= end || *p++ != ',' || end - p < 17 || !id_ok(p, 16) || p[16] != ',')
		return false;
	memcpy(r->id, p, 16);
	r->id[16] = '\0';
	r->index = ix;
	return true;
}

/* Index, id and status of a JSON row {"index":INDEX,"id":"ID",...}. */
static bool parse_json_key(const char *line, size_t len, struct line_ref *r)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *ix = json_object_get(o, "index"), *id = json_object_get(o, "id");
	const char *st = json_string_value(json_object_get(o, "status"));
	bool ok = json_is_integer(ix) && json_integer_value(ix) >= 0 && json_is_string(id) &&
		  id_ok(json_string_value(id), json_string_length(id));
	if (ok) {
		r->index = (size_t)json_integer_value(ix);
		memcpy(r->id, json_string_value(id), 17);
		r->failed = st && !strcmp(st, "failed");
	}
	json_decref(o);
	return ok;
}

/* Splits text into complete lines; *partial when the last has no '\n'.
 * The CSV header (first line) is not a row. */
static int split_rows(const char *path, const char *text, size_t len, bool json, bool header,
		      struct line_ref **out, size_t *n, bool *partial, char *err, size_t errlen)
{
	size_t cap = 0, lineno = 0;
	*out = NULL;
	*n = 0;
	*partial = false;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		if (!nl) {
			*partial = true;
			break;
		}
		size_t l = (size_t)(nl - (text + at)) + 1;
		lineno++;
		if (!(header && lineno == 1)) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 256;
				struct line_ref *nr = realloc(*out, cap * sizeof *nr);
				if (!nr) {
					snprintf(err, errlen, "out of memory");
					return -1;
				}
				*out = nr;
			}
			struct line_ref *r = &(*out)[*n];
			memset(r, 0, sizeof *r);
			if (!(json ? parse_json_key(text + at, l, r) : parse_csv_key(text + at, l, r))) {
				snprintf(err, errlen, "%s:%zu: not a sweep result row", path, lineno);
				return -1;
			}
			r->line = text + at;
			r->len = l;
			r->pos = (*n)++;
		}
		at += l;
	}
	return 0;
}

static int cmp_id_pos(const void *a, const void *b)
{
	const struct line_ref *x = *(struct line_ref *const *)a, *y = *(struct line_ref *const *)b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static struct line_ref **sorted_by_id(struct line_ref *v, size_t n)
{
	struct line_ref **p = malloc((n ? n : 1) * sizeof *p);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	qsort(p, n, sizeof *p, cmp_id_pos);
	return p;
}

static char *dup_mem(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int push_stored(struct sweep_results *r, const struct line_ref *c, const struct line_ref *j)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		struct sweep_stored *nr = realloc(r->rows, cap * sizeof *nr);
		if (!nr)
			return -1;
		r->rows = nr;
		r->cap = cap;
	}
	struct sweep_stored *s = &r->rows[r->n];
	s->index = c->index;
	s->failed = j->failed;
	memcpy(s->id, c->id, sizeof s->id);
	s->csv = dup_mem(c->line, c->len);
	s->json = dup_mem(j->line, j->len);
	if (!s->csv || !s->json) {
		free(s->csv);
		free(s->json);
		return -1;
	}
	r->n++;
	return 0;
}

int sweep_results_load(const char *dir, bool repair, struct sweep_results *r, bool *repaired, char *err,
		       size_t errlen)
{
	char cpath[4200], jpath[4200];
	snprintf(cpath, sizeof cpath, "%s/results.csv", dir);
	snprintf(jpath, sizeof jpath, "%s/results.jsonl", dir);
	memset(r, 0, sizeof *r);
	if (repaired)
		*repaired = false;
	size_t clen = 0, jlen = 0;
	char *ctext = NULL, *jtext = NULL;
	struct line_ref *crows = NULL, *jrows = NULL;
	struct line_ref **cs = NULL, **js = NULL;
	size_t nc = 0, nj = 0;
	bool cpart = false, jpart = false, dropped = false;
	int rc = -1;
	if (access(cpath, F_OK) == 0 && !(ctext = sweep_read_file(cpath, &clen, err, errlen)))
		goto out;
	if (access(jpath, F_OK) == 0 && !(jtext = sweep_read_file(jpath, &jlen, err, errlen)))
		goto out;
	if (ctext) {
		const char *nl = memchr(ctext, '\n', clen);
		if (nl && !(r->header = dup_mem(ctext, (size_t)(nl - ctext) + 1))) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (split_rows(cpath, ctext ? ctext : "", clen, false, true, &crows, &nc, &cpart, err, errlen) ||
	    split_rows(jpath, jtext ? jtext : "", jlen, true, false, &jrows, &nj, &jpart, err, errlen))
		goto out;
	cs = sorted_by_id(crows, nc);
	js = sorted_by_id(jrows, nj);
	if (!cs || !js) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* keep the first row of each id that both files have */
	for (size_t i = 0, j = 0; i < nc && j < nj;) {
		int c = strcmp(cs[i]->id, js[j]->id);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			cs[i]->keep = js[j]->keep = true;
			const char *id = cs[i]->id;
			while (i < nc && !strcmp(cs[i]->id, id))
				i++;
			while (j < nj && !strcmp(js[j]->id, id))
				j++;
		}
	}
	for (size_t i = 0; i < nc; i++)
		dropped |= !crows[i].keep;
	for (size_t j = 0; j < nj; j++)
		dropped |= !jrows[j].keep;
	/* rows in CSV order, each with its JSON line */
	for (size_t i = 0; i < nc; i++) {
		if (!crows[i].keep)
			continue;
		/* js is sorted by (id, position): the first row of this id is the
		 * kept one */
		size_t lo = 0, hi = nj;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(js[mid]->id, crows[i].id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (push_stored(r, &crows[i], js[lo])) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (repair && (dropped || cpart || jpart)) {
		if (sweep_results_write(dir, r, err, errlen))
			goto out;
		if (repaired)
			*repaired = true;
	}
	rc = 0;
out:
	free(cs);
	free(js);
	free(crows);
	free(jrows);
	free(ctext);
	free(jtext);
	if (rc)
		sweep_results_free(r);
	return rc;
}

void sweep_results_free(struct sweep_results *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].csv);
		free(r->rows[i].json);
	}
	free(r->rows);
	free(r->header);
	memset(r, 0, sizeof *r);
}

static int cmp_stored(const void *a, const void *b)
{
	const struct sweep_stored *x = a, *y = b;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct stored_pos {
	struct sweep_stored s;
	size_t pos;
};

static int cmp_stored_pos(const void *a, const void *b)
{
	const struct stored_pos *x = a, *y = b;
	int c = cmp_stored(&x->s, &y->s);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int sweep_results_sort_dedupe(struct sweep_results *r)
{
	/* sorted by (index, id, original position): the first of equal rows
	 * stays first */
	struct stored_pos *t = malloc((r->n ? r->n : 1) * sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		t[i] = (struct stored_pos){r->rows[i], i};
	qsort(t, r->n, sizeof *t, cmp_stored_pos);
	for (size_t i = 0; i < r->n; i++)
		r->rows[i] = t[i].s;
	free(t);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		bool seen = false;
		/* equal ids have equal indexes, so duplicates are adjacent */
		if (k && !strcmp(r->rows[k - 1].id, r->rows[i].id))
			seen = true;
		if (seen) {
			free(r->rows[i].csv);
			free(r->rows[i].json);
		} else {
			r->rows[k++] = r->rows[i];
		}
	}
	r->n = k;
	return 0;
}

int sweep_results_write(const char *dir, const struct sweep_results *r, char *err, size_t errlen)
{
	struct buf c = {0}, j = {0};
	if (r->header)
		buf_puts(&c, r->header);
	for (size_t i = 0; i < r->n; i++) {
		buf_puts(&c, r->rows[i].csv);
		buf_puts(&j, r->rows[i].json);
	}
	char *ct = buf_done(&c), *jt = buf_done(&j);
	int rc = -1;
	if (!ct || !jt) {
		snprintf(err, errlen, "out of memory");
	} else {
		char cpath[4200], jpath[4200];
		snprintf(cpath, sizeof cpath, "%s/results.csv", dir);
		snprintf(jpath, sizeof jpath, "%s/results.jsonl", dir);
		rc = sweep_write_file_atomic(jpath, jt, strlen(jt), err, errlen);
		if (!rc)
			rc = sweep_write_file_atomic(cpath, ct, strlen(ct), err, errlen);
	}
	free(ct);
	free(jt);
	return rc;
}
