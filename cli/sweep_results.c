/* cli/sweep_results.c — what a sweep writes and reads back.
 *
 * A result row has a fixed set of columns for a given spec: the run's
 * coordinates (index, id, point, workload, mode, rep, one column per
 * axis), its outcome (status, error, exit and native status, whether stdout
 * matched the native run, host wall time), then every metric of
 * `cdvm run --stats-json` (cms/report.c) flattened, plus derived ones (cpi,
 * cycle shares by activity, cache miss rates).  Rows go to results.csv and
 * results.jsonl, one line each, so a line is the unit of atomicity: resume
 * and merge read only complete lines present in both files. */
#include "cli/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw-sim/chip.h"

/* ---- columns ------------------------------------------------------------- */

struct col_def {
	const char *name;
	enum sweep_col_type type;
};

static const struct col_def head_cols[] = {
	{"index", SWEEP_COL_INT}, {"id", SWEEP_COL_STR}, {"point", SWEEP_COL_INT},
	{"workload", SWEEP_COL_STR}, {"mode", SWEEP_COL_STR}, {"rep", SWEEP_COL_INT},
};

static const struct col_def outcome_cols[] = {
	{"status", SWEEP_COL_STR}, {"error", SWEEP_COL_STR}, {"exit_status", SWEEP_COL_INT},
	{"native_status", SWEEP_COL_INT}, {"output_matches_native", SWEEP_COL_BOOL},
	{"wall_seconds", SWEEP_COL_FLOAT}, {"end", SWEEP_COL_STR},
};

/* Metrics taken from the stats JSON: column, JSON path. */
struct metric_def {
	const char *name, *json;
	enum sweep_col_type type;
};

static const struct metric_def metric_cols[] = {
	{"guest_instructions", "guest_instructions", SWEEP_COL_INT},
	{"rep_iterations", "rep_iterations", SWEEP_COL_INT},
	{"block_entries", "block_entries", SWEEP_COL_INT},
	{"cycles", "cycles", SWEEP_COL_INT},
	{"x86_ipc", "x86_ipc", SWEEP_COL_FLOAT},
	{"cpi", NULL, SWEEP_COL_FLOAT},
	{"cycles_interpreter", "cycles_by_activity.interpreter", SWEEP_COL_INT},
	{"cycles_translator", "cycles_by_activity.translator", SWEEP_COL_INT},
	{"cycles_translated_code", "cycles_by_activity.translated_code", SWEEP_COL_INT},
	{"cycles_dispatch", "cycles_by_activity.dispatch", SWEEP_COL_INT},
	{"cycles_syscalls", "cycles_by_activity.syscalls", SWEEP_COL_INT},
	{"share_interpreter", NULL, SWEEP_COL_FLOAT},
	{"share_translator", NULL, SWEEP_COL_FLOAT},
	{"share_translated_code", NULL, SWEEP_COL_FLOAT},
	{"share_dispatch", NULL, SWEEP_COL_FLOAT},
	{"share_syscalls", NULL, SWEEP_COL_FLOAT},
	{"profile_blocks", "profile.blocks", SWEEP_COL_INT},
	{"profile_hot", "profile.hot", SWEEP_COL_INT},
	{"profile_full", "profile.full", SWEEP_COL_INT},
	{"syscalls", NULL, SWEEP_COL_INT},
	{"enosys", "enosys", SWEEP_COL_INT},
	{"l1i_miss_rate", NULL, SWEEP_COL_FLOAT},
	{"l1d_miss_rate", NULL, SWEEP_COL_FLOAT},
	{"l2_miss_rate", NULL, SWEEP_COL_FLOAT},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool fixed_name(const char *name)
{
	for (size_t i = 0; i < NELEM(head_cols); i++)
		if (!strcmp(head_cols[i].name, name))
			return true;
	for (size_t i = 0; i < NELEM(outcome_cols); i++)
		if (!strcmp(outcome_cols[i].name, name))
			return true;
	for (size_t i = 0; i < NELEM(metric_cols); i++)
		if (!strcmp(metric_cols[i].name, name))
			return true;
	return false;
}

bool sweep_metric_known(const char *name)
{
	if (!strcmp(name, "wall_seconds"))
		return true;
	for (size_t i = 0; i < NELEM(metric_cols); i++)
		if (!strcmp(metric_cols[i].name, name))
			return true;
	for (int i = 0; i < CNT_COUNT; i++)
		if (!strcmp(chip_counter_name((enum counter_id)i), name))
			return true;
	return false;
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

int sweep_columns_build(struct sweep_columns *c, const struct sweep_spec *s)
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
			     a->type == SWEEP_KEY_BOOL ? SWEEP_COL_BOOL : SWEEP_COL_STR);
	}
	for (size_t i = 0; i < NELEM(outcome_cols) && !rc; i++)
		rc = add_col(c, outcome_cols[i].name, outcome_cols[i].type);
	c->first_metric = c->n;
	for (size_t i = 0; i < NELEM(metric_cols) && !rc; i++)
		rc = add_col(c, metric_cols[i].name, metric_cols[i].type);
	/* every chip counter under its own name; "cycles" is already there */
	for (int i = 0; i < CNT_COUNT && !rc; i++) {
		const char *n = chip_counter_name((enum counter_id)i);
		if (!fixed_name(n))
			rc = add_col(c, n, SWEEP_COL_INT);
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

/* ---- JSON (just enough for the stats JSON and our own rows) ------------- */

struct jp {
	const char *begin, *s, *end;
	struct sweep_kv *kv;
	char *err;
	size_t errlen;
	int depth;
};

static int jfail(struct jp *J, const char *what)
{
	snprintf(J->err, J->errlen, "JSON: %s at byte %td", what, J->s - J->begin);
	return -1;
}

static void jws(struct jp *J)
{
	while (J->s < J->end && (*J->s == ' ' || *J->s == '\t' || *J->s == '\n' || *J->s == '\r'))
		J->s++;
}

static int kv_add(struct sweep_kv *kv, const char *k, const char *v, size_t vlen, bool is_str)
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
	kv->vals[kv->n] = malloc(vlen + 1);
	if (!kv->keys[kv->n] || !kv->vals[kv->n]) {
		free(kv->keys[kv->n]);
		free(kv->vals[kv->n]);
		return -1;
	}
	memcpy(kv->vals[kv->n], v, vlen);
	kv->vals[kv->n][vlen] = '\0';
	kv->is_str[kv->n++] = is_str;
	return 0;
}

static void put_utf8(char **o, unsigned cp)
{
	char *p = *o;
	if (cp < 0x80) {
		*p++ = (char)cp;
	} else if (cp < 0x800) {
		*p++ = (char)(0xc0 | (cp >> 6));
		*p++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*p++ = (char)(0xe0 | (cp >> 12));
		*p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*p++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = p;
}

/* A string at J->s (after the quote is checked); malloc'd, unescaped. */
static char *jstring(struct jp *J, size_t *len)
{
	J->s++;
	const char *start = J->s;
	while (J->s < J->end && *J->s != '"') {
		if (*J->s == '\\')
			J->s++;
		J->s++;
	}
	if (J->s >= J->end) {
		jfail(J, "unterminated string");
		return NULL;
	}
	char *out = malloc((size_t)(J->s - start) + 1), *o = out;
	if (!out) {
		jfail(J, "out of memory");
		return NULL;
	}
	for (const char *p = start; p < J->s; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned cp = 0;
			int k = 0;
			for (; k < 4 && p + 1 < J->s; k++) {
				char h = *++p;
				cp = cp * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' :
							 h >= 'a' && h <= 'f' ? h - 'a' + 10 :
							 h >= 'A' && h <= 'F' ? h - 'A' + 10 : 0);
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = '?'; /* surrogate halves: not worth pairing here */
			if (k == 4)
				put_utf8(&o, cp);
			break;
		}
		default: *o++ = *p; break;
		}
	}
	*o = '\0';
	*len = (size_t)(o - out);
	J->s++;
	return out;
}

static int jvalue(struct jp *J, const char *path);

/* After a member or element: 1 at ',' (more follow), 0 at `close` (the
 * container ends), -1 (error recorded) otherwise. */
static int jnext(struct jp *J, char close)
{
	jws(J);
	if (J->s < J->end && *J->s == ',') {
		J->s++;
		return 1;
	}
	if (J->s < J->end && *J->s == close) {
		J->s++;
		return 0;
	}
	return close == '}' ? jfail(J, "expected ',' or '}'") : jfail(J, "expected ',' or ']'");
}

static int jobject(struct jp *J, const char *path)
{
	J->s++;
	jws(J);
	if (J->s < J->end && *J->s == '}') {
		J->s++;
		return 0;
	}
	for (;;) {
		jws(J);
		if (J->s >= J->end || *J->s != '"')
			return jfail(J, "expected a key");
		size_t klen;
		char *k = jstring(J, &klen);
		if (!k)
			return -1;
		size_t plen = strlen(path);
		char *full = malloc(plen + klen + 2);
		if (!full) {
			free(k);
			return jfail(J, "out of memory");
		}
		sprintf(full, "%s%s%s", path, plen ? "." : "", k);
		free(k);
		jws(J);
		int rc = (J->s < J->end && *J->s == ':') ? (J->s++, jvalue(J, full)) : jfail(J, "expected ':'");
		free(full);
		if (rc)
			return -1;
		int more = jnext(J, '}');
		if (more <= 0)
			return more;
	}
}

static int jarray(struct jp *J, const char *path)
{
	J->s++;
	jws(J);
	if (J->s < J->end && *J->s == ']') {
		J->s++;
		return 0;
	}
	for (size_t i = 0;; i++) {
		char *full = malloc(strlen(path) + 24);
		if (!full)
			return jfail(J, "out of memory");
		sprintf(full, "%s.%zu", path, i);
		int rc = jvalue(J, full);
		free(full);
		if (rc)
			return -1;
		int more = jnext(J, ']');
		if (more <= 0)
			return more;
	}
}

static int jvalue(struct jp *J, const char *path)
{
	jws(J);
	if (J->s >= J->end)
		return jfail(J, "unexpected end");
	if (++J->depth > 32)
		return jfail(J, "nested too deeply");
	int rc;
	char c = *J->s;
	if (c == '{') {
		rc = jobject(J, path);
	} else if (c == '[') {
		rc = jarray(J, path);
	} else if (c == '"') {
		size_t len;
		char *v = jstring(J, &len);
		rc = v ? kv_add(J->kv, path, v, len, true) : -1;
		free(v);
		if (v && rc)
			jfail(J, "out of memory");
	} else {
		const char *start = J->s;
		while (J->s < J->end && (strchr("+-.eE", *J->s) || (*J->s >= '0' && *J->s <= '9') ||
					 (*J->s >= 'a' && *J->s <= 'z')))
			J->s++;
		if (J->s == start)
			return jfail(J, "unexpected character");
		rc = kv_add(J->kv, path, start, (size_t)(J->s - start), false);
		if (rc)
			jfail(J, "out of memory");
	}
	J->depth--;
	return rc;
}

int sweep_json_flatten(const char *text, size_t len, struct sweep_kv *kv, char *err, size_t errlen)
{
	struct jp J = {text, text, text + len, kv, err, errlen, 0};
	memset(kv, 0, sizeof *kv);
	jws(&J);
	if (J.s >= J.end || *J.s != '{')
		return jfail(&J, "expected an object");
	if (jvalue(&J, ""))
		return -1;
	jws(&J);
	if (J.s != J.end)
		return jfail(&J, "text after the object");
	return 0;
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

int sweep_row_metrics(struct sweep_row *r, const struct sweep_columns *c, const struct sweep_kv *st)
{
	int rc = sweep_row_set(r, c, "end", sweep_kv_get(st, "end"));
	for (size_t i = 0; i < NELEM(metric_cols); i++)
		if (metric_cols[i].json)
			rc |= sweep_row_set(r, c, metric_cols[i].name, sweep_kv_get(st, metric_cols[i].json));
	for (size_t i = c->first_metric; i < c->n; i++) {
		if (fixed_name(c->names[i]))
			continue;
		char key[96];
		snprintf(key, sizeof key, "counters.%s", c->names[i]);
		rc |= row_set_ix(r, i, sweep_kv_get(st, key));
	}
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
	uint64_t calls = 0;
	bool any_calls = false;
	for (size_t i = 0; i < st->n; i++)
		if (!strncmp(st->keys[i], "syscalls.", 9) && u64_of(st, st->keys[i], &a)) {
			calls += a;
			any_calls = true;
		}
	if (any_calls || sweep_kv_get(st, "cycles")) {
		char b2[32];
		snprintf(b2, sizeof b2, "%" PRIu64, calls);
		rc |= sweep_row_set(r, c, "syscalls", b2);
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

static void json_str(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char e[8];
		if (ch == '"' || ch == '\\') {
			e[0] = '\\';
			e[1] = (char)ch;
			buf_put(b, e, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(e, sizeof e, "\\u%04x", ch);
			buf_puts(b, e);
		} else {
			buf_put(b, (const char *)&ch, 1);
		}
	}
	buf_puts(b, "\"");
}

/* A JSON number: -?digits[.digits][e[+-]digits], no leading zeros rule
 * needed for what we write. */
static bool json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

char *sweep_row_json(const struct sweep_row *r, const struct sweep_columns *c)
{
	struct buf b = {0};
	buf_puts(&b, "{");
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			buf_puts(&b, ",");
		json_str(&b, c->names[i]);
		buf_puts(&b, ":");
		const char *v = r->vals[i];
		if (!v || (!*v && c->types[i] != SWEEP_COL_STR))
			buf_puts(&b, "null");
		else if ((c->types[i] == SWEEP_COL_INT || c->types[i] == SWEEP_COL_FLOAT) && json_number(v))
			buf_puts(&b, v);
		else if (c->types[i] == SWEEP_COL_BOOL && (!strcmp(v, "true") || !strcmp(v, "false")))
			buf_puts(&b, v);
		else
			json_str(&b, v);
	}
	buf_puts(&b, "}\n");
	return buf_done(&b);
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

/* ---- results directories ---------------------------------------------------- */

struct line_ref {
	size_t index, pos;
	char id[17];
	const char *line;
	size_t len;
	bool keep;
};

/* Index and id of a CSV row "INDEX,ID,..." or a JSON row
 * {"index":INDEX,"id":"ID",...}. */
static bool parse_key(const char *line, size_t len, bool json, struct line_ref *r)
{
	const char *p = line, *end = line + len;
	if (json) {
		static const char pre[] = "{\"index\":";
		if (len < sizeof pre || memcmp(p, pre, sizeof pre - 1))
			return false;
		p += sizeof pre - 1;
	}
	if (p >= end || *p < '0' || *p > '9')
		return false;
	size_t ix = 0;
	while (p < end && *p >= '0' && *p <= '9')
		ix = ix * 10 + (size_t)(*p++ - '0');
	if (json) {
		static const char mid[] = ",\"id\":\"";
		if ((size_t)(end - p) < sizeof mid || memcmp(p, mid, sizeof mid - 1))
			return false;
		p += sizeof mid - 1;
	} else {
		if (p >= end || *p++ != ',')
			return false;
	}
	if (end - p < 17)
		return false;
	for (int i = 0; i < 16; i++) {
		char ch = p[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
		r->id[i] = ch;
	}
	r->id[16] = '\0';
	if (p[16] != (json ? '"' : ','))
		return false;
	r->index = ix;
	return true;
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
			if (!parse_key(text + at, l, json, r)) {
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
