/* cli/sweep_spec.c — the strict reader for sweep specs (docs/sweep.md).
 *
 * The spec is loaded as a libyaml document tree, then checked top-down.
 * Like the configuration reader (configs/config_load.c) it refuses what it
 * does not understand: an unknown or repeated key, a value of the wrong
 * type, a range that is empty or does not end, an axis or `set:` key that
 * is not a configuration key, an axis value out of the key's range.  Every
 * error names FILE:LINE:COL.  Nothing outside the spec is opened here;
 * configuration files and programs are checked by sweep_plan_build. */
#include "cli/sweep.h"
#include "cli/sweep_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cms/cms.h"
#include "configs/file.h"


int sweep_rd_fail(struct sweep_reader *R, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sweep_rd_fail(struct sweep_reader *R, yaml_mark_t m, const char *fmt, ...)
{
	int len = snprintf(R->err, R->errlen, "%s:%zu:%zu: ", R->name, m.line + 1, m.column + 1);
	if (len < 0 || (size_t)len >= R->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(R->err + len, R->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return -1;
}

struct sweep_loc sweep_rd_loc(const yaml_node_t *n)
{
	struct sweep_loc l = {(unsigned)n->start_mark.line + 1, (unsigned)n->start_mark.column + 1};
	return l;
}

yaml_node_t *sweep_rd_node(struct sweep_reader *R, int id)
{
	return yaml_document_get_node(&R->doc, id);
}

const char *sweep_rd_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

const char *sweep_rd_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool sweep_rd_plain(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static char *dup_str(struct sweep_reader *R, const char *s)
{
	char *d = strdup(s);
	if (!d)
		snprintf(R->err, R->errlen, "%s: out of memory", R->name);
	return d;
}

/* Appends v to a malloc'd array of strings. */
static int push_str(struct sweep_reader *R, char ***arr, size_t *n, const char *v)
{
	char **a = realloc(*arr, (*n + 1) * sizeof **arr);
	if (!a) {
		snprintf(R->err, R->errlen, "%s: out of memory", R->name);
		return -1;
	}
	*arr = a;
	a[*n] = dup_str(R, v);
	if (!a[*n])
		return -1;
	(*n)++;
	return 0;
}

int sweep_rd_want(struct sweep_reader *R, const yaml_node_t *n, yaml_node_type_t t, const char *what,
		const char *expected)
{
	if (n->type == t)
		return 0;
	return sweep_rd_fail(R, n->start_mark, "%s: expected %s, got %s", what, expected, sweep_rd_kind(n));
}

static int parse_int_text(const char *s, long long *v)
{
	if (!*s)
		return -1;
	errno = 0;
	char *end;
	*v = strtoll(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

int sweep_rd_int(struct sweep_reader *R, const yaml_node_t *n, const char *what, long long min,
		   long long max, long long *v)
{
	if (sweep_rd_want(R, n, YAML_SCALAR_NODE, what, "an integer"))
		return -1;
	if (!sweep_rd_plain(n) || parse_int_text(sweep_rd_text(n), v))
		return sweep_rd_fail(R, n->start_mark, "%s: expected an integer, got '%s'", what, sweep_rd_text(n));
	if (*v < min || *v > max)
		return sweep_rd_fail(R, n->start_mark, "%s: %lld is out of range %lld..%lld", what, *v, min, max);
	return 0;
}

int sweep_rd_bool(struct sweep_reader *R, const yaml_node_t *n, const char *what, bool *v)
{
	if (sweep_rd_want(R, n, YAML_SCALAR_NODE, what, "true or false"))
		return -1;
	if (sweep_rd_plain(n) && !strcmp(sweep_rd_text(n), "true"))
		*v = true;
	else if (sweep_rd_plain(n) && !strcmp(sweep_rd_text(n), "false"))
		*v = false;
	else
		return sweep_rd_fail(R, n->start_mark, "%s: expected true or false, got '%s'", what, sweep_rd_text(n));
	return 0;
}

int sweep_rd_str(struct sweep_reader *R, const yaml_node_t *n, const char *what, char **v)
{
	if (sweep_rd_want(R, n, YAML_SCALAR_NODE, what, "a string"))
		return -1;
	if (sweep_rd_plain(n) && n->data.scalar.length == 0)
		return sweep_rd_fail(R, n->start_mark, "%s: missing value", what);
	if (strlen(sweep_rd_text(n)) != n->data.scalar.length)
		return sweep_rd_fail(R, n->start_mark, "%s: NUL character in value", what);
	free(*v);
	*v = dup_str(R, sweep_rd_text(n));
	return *v ? 0 : -1;
}

/* Every key of a mapping must be a scalar, once. */
int sweep_rd_keys(struct sweep_reader *R, const yaml_node_t *map, const char *what)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key);
		if (k->type != YAML_SCALAR_NODE)
			return sweep_rd_fail(R, k->start_mark, "%s: a key must be a name, got %s", what, sweep_rd_kind(k));
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = sweep_rd_node(R, q->key);
			if (k2->type == YAML_SCALAR_NODE && !strcmp(sweep_rd_text(k2), sweep_rd_text(k)))
				return sweep_rd_fail(R, k->start_mark, "%s: key '%s' given twice (first at line %zu)",
					       what, sweep_rd_text(k), k2->start_mark.line + 1);
		}
	}
	return 0;
}

/* ---- configuration keys ------------------------------------------------ */

static bool config_key_exists(const char *key)
{
	for (size_t i = 0; i < config_key_count(); i++)
		if (!strcmp(config_key_name(i), key))
			return true;
	return false;
}

/* True when key is a proper prefix section of some configuration key. */
static bool config_section_exists(const char *key)
{
	size_t len = strlen(key);
	for (size_t i = 0; i < config_key_count(); i++) {
		const char *k = config_key_name(i);
		if (!strncmp(k, key, len) && k[len] == '.')
			return true;
	}
	return false;
}


static const char *suggest_key(const char *key)
{
	const char *best = NULL;
	size_t bestd = 4;
	for (size_t i = 0; i < config_key_count(); i++) {
		size_t d = config_edit_distance(key, config_key_name(i));
		if (d < bestd) {
			bestd = d;
			best = config_key_name(i);
		}
	}
	return best;
}

static int unknown_key(struct sweep_reader *R, const yaml_node_t *n, const char *what, const char *key)
{
	const char *hint = suggest_key(key);
	return sweep_rd_fail(R, n->start_mark, "%s: '%s' is not a configuration key%s%s%s (see docs/config.md)",
		       what, key, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
}

/* The schema's type of a configuration key (an enum key's names are
 * strings). */
static enum sweep_key_type key_type(const char *key)
{
	static const enum sweep_key_type of[] = {
		[CFG_T_INT] = SWEEP_KEY_INT, [CFG_T_REAL] = SWEEP_KEY_REAL,
		[CFG_T_BOOL] = SWEEP_KEY_BOOL, [CFG_T_STR] = SWEEP_KEY_STR,
	};
	for (size_t i = 0; i < config_key_count(); i++)
		if (!strcmp(config_key_name(i), key))
			return of[config_key_type(i)];
	return SWEEP_KEY_STR;
}

/* The extension's axis key, or NULL. */
static const struct sweep_ext_axis *ext_axis(const struct sweep_reader *R, const char *key)
{
	for (size_t i = 0; R->ext && i < R->ext->naxes; i++)
		if (!strcmp(R->ext->axes[i].key, key))
			return &R->ext->axes[i];
	return NULL;
}

/* Whether val is a value of key: config_set accepts it, or it is an
 * integer in an extension axis's range.  c (may be NULL) is a default
 * configuration to set it in.  0, or -1 with msg. */
static int value_error(const struct sweep_reader *R, const char *key, const char *val, struct cdvm_config *c,
		       char *msg, size_t n)
{
	const struct sweep_ext_axis *xa = ext_axis(R, key);
	if (xa) {
		long long v;
		if (parse_int_text(val, &v))
			snprintf(msg, n, "expected an integer, got '%s'", val);
		else if (v < xa->min || v > xa->max)
			snprintf(msg, n, "%lld is out of range %lld..%lld", v, xa->min, xa->max);
		else
			return 0;
		return -1;
	}
	struct cdvm_config def;
	if (!c) {
		config_default(&def);
		c = &def;
	}
	size_t need = strlen(key) + strlen(val) + 2;
	char *a = malloc(need);
	if (!a) {
		snprintf(msg, n, "out of memory");
		return -1;
	}
	snprintf(a, need, "%s=%s", key, val);
	struct config_error e;
	int rc = config_set(c, a, &e);
	free(a);
	if (rc)
		sweep_msgf(msg, n, "%s", e.msg);
	return rc;
}

/* A value of an axis (checked) as the configuration prints it, or an
 * extension's integer in decimal, so that 0x10 and 16, or 1.0 and 1, are
 * one value and the results hold plain numbers.  True when out holds it. */
static bool canonical_value(const struct sweep_reader *R, const struct sweep_axis *ax, const char *val,
			    char *out, size_t n)
{
	if (ax->extra) {
		long long v;
		if (parse_int_text(val, &v))
			return false;
		snprintf(out, n, "%lld", v);
		return true;
	}
	struct cdvm_config c;
	char msg[SWEEP_ERR_MAX];
	config_default(&c);
	return !value_error(R, ax->key, val, &c, msg, sizeof msg) && !config_get(&c, ax->key, out, n);
}

/* A scalar value for key: right YAML form for the key's type, and accepted
 * by config_set (range).  Ranges do not depend on other keys, so checking
 * against the default is enough; cross-key rules are checked per point. */
static int check_value(struct sweep_reader *R, const yaml_node_t *n, const char *what, const char *key,
		       enum sweep_key_type t)
{
	if (sweep_rd_want(R, n, YAML_SCALAR_NODE, what, "a scalar value"))
		return -1;
	if (t != SWEEP_KEY_STR && !sweep_rd_plain(n))
		return sweep_rd_fail(R, n->start_mark, "%s: expected %s, got the quoted string \"%s\"", what,
			       t == SWEEP_KEY_INT ? "an integer" : t == SWEEP_KEY_REAL ? "a number" : "true or false",
			       sweep_rd_text(n));
	if (t == SWEEP_KEY_STR && sweep_rd_plain(n) && n->data.scalar.length == 0)
		return sweep_rd_fail(R, n->start_mark, "%s: missing value (write \"\" for an empty string)", what);
	char msg[SWEEP_ERR_MAX];
	if (value_error(R, key, sweep_rd_text(n), NULL, msg, sizeof msg))
		return sweep_rd_fail(R, n->start_mark, "%s: %s", what, msg);
	return 0;
}

/* ---- sections ------------------------------------------------------------ */

static int read_set(struct sweep_reader *R, const yaml_node_t *map, const char *prefix)
{
	if (sweep_rd_want(R, map, YAML_MAPPING_NODE, prefix[0] ? prefix : "set", "a mapping of configuration keys"))
		return -1;
	if (sweep_rd_keys(R, map, "set"))
		return -1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key), *v = sweep_rd_node(R, p->value);
		char key[200];
		int len = snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", sweep_rd_text(k));
		if (len < 0 || (size_t)len >= sizeof key)
			return sweep_rd_fail(R, k->start_mark, "set: key too long");
		if (config_key_exists(key)) {
			for (size_t i = 0; i < R->s->nset; i++)
				if (!strcmp(R->s->set_keys[i], key))
					return sweep_rd_fail(R, k->start_mark, "set: key '%s' given twice", key);
			char what[240];
			snprintf(what, sizeof what, "set: key '%s'", key);
			if (check_value(R, v, what, key, key_type(key)))
				return -1;
			size_t nk = R->s->nset, nv = R->s->nset;
			if (push_str(R, &R->s->set_keys, &nk, key))
				return -1;
			if (push_str(R, &R->s->set_values, &nv, sweep_rd_text(v))) {
				free(R->s->set_keys[nk - 1]);
				return -1;
			}
			R->s->nset++;
		} else if (config_section_exists(key)) {
			if (read_set(R, v, key))
				return -1;
		} else {
			return unknown_key(R, k, "set", key);
		}
	}
	return 0;
}

/* {from, to, step} or {from, to, times}: the values, both ends included
 * when reached. */
static int read_range(struct sweep_reader *R, struct sweep_axis *ax, const yaml_node_t *map)
{
	char what[240];
	snprintf(what, sizeof what, "axis '%s'", ax->key);
	if (ax->config_files)
		return sweep_rd_fail(R, map->start_mark, "%s: expected a list of files, got a range", what);
	if (ax->type != SWEEP_KEY_INT)
		return sweep_rd_fail(R, map->start_mark, "%s: a range needs an integer key; list the values", what);
	if (sweep_rd_keys(R, map, what))
		return -1;
	const yaml_node_t *from = NULL, *to = NULL, *step = NULL, *times = NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key), *v = sweep_rd_node(R, p->value);
		if (!strcmp(sweep_rd_text(k), "from"))
			from = v;
		else if (!strcmp(sweep_rd_text(k), "to"))
			to = v;
		else if (!strcmp(sweep_rd_text(k), "step"))
			step = v;
		else if (!strcmp(sweep_rd_text(k), "times"))
			times = v;
		else
			return sweep_rd_fail(R, k->start_mark, "%s: unknown range key '%s' (expected from, to, and step or times)",
				       what, sweep_rd_text(k));
	}
	if (!from || !to)
		return sweep_rd_fail(R, map->start_mark, "%s: a range needs from and to", what);
	if (!step == !times)
		return sweep_rd_fail(R, map->start_mark, "%s: a range needs exactly one of step and times", what);
	long long f, t, by;
	char w2[260];
	snprintf(w2, sizeof w2, "%s: from", what);
	if (sweep_rd_int(R, from, w2, LLONG_MIN / 4, LLONG_MAX / 4, &f))
		return -1;
	snprintf(w2, sizeof w2, "%s: to", what);
	if (sweep_rd_int(R, to, w2, LLONG_MIN / 4, LLONG_MAX / 4, &t))
		return -1;
	if (step) {
		snprintf(w2, sizeof w2, "%s: step", what);
		if (sweep_rd_int(R, step, w2, LLONG_MIN / 4, LLONG_MAX / 4, &by))
			return -1;
		if (by == 0 || (t > f && by < 0) || (t < f && by > 0))
			return sweep_rd_fail(R, step->start_mark, "%s: step %lld never goes from %lld to %lld", what, by, f, t);
	} else {
		snprintf(w2, sizeof w2, "%s: times", what);
		if (sweep_rd_int(R, times, w2, 2, 1 << 20, &by))
			return -1;
		if (f <= 0 || t < f)
			return sweep_rd_fail(R, map->start_mark,
				       "%s: a geometric range needs 0 < from <= to (got from %lld, to %lld)", what, f, t);
		ax->geometric = true;
	}
	/* How many values, counted before any is made: a typo must not cost a
	 * long wait for the error (|from|, |to| <= LLONG_MAX / 4, so t - f
	 * does not overflow; a geometric range has at most 62 values). */
	unsigned long long count = 1;
	if (step)
		count = (unsigned long long)((t - f) / by) + 1;
	else
		for (long long v = f; v <= t / by; v *= by)
			count++;
	if (count > SWEEP_MAX_VALUES)
		return sweep_rd_fail(R, map->start_mark, "%s: %llu values, more than %d", what, count, SWEEP_MAX_VALUES);
	ax->values = calloc((size_t)count, sizeof *ax->values);
	if (!ax->values)
		return sweep_rd_fail(R, map->start_mark, "out of memory");
	struct cdvm_config c;
	config_default(&c);
	for (long long v = f;; v = step ? v + by : v * by) {
		char buf[32], msg[SWEEP_ERR_MAX];
		snprintf(buf, sizeof buf, "%lld", v);
		/* every value must be in the key's range */
		if (value_error(R, ax->key, buf, &c, msg, sizeof msg))
			return sweep_rd_fail(R, map->start_mark, "%s: range value %s: %s", what, buf, msg);
		if (!(ax->values[ax->nvalues] = dup_str(R, buf)))
			return -1;
		if (++ax->nvalues == count)
			return 0; /* before v + by or v * by could pass to */
	}
}

static int read_axis(struct sweep_reader *R, const yaml_node_t *k, const yaml_node_t *v)
{
	struct sweep_spec *s = R->s;
	struct sweep_axis *a = realloc(s->axes, (s->naxes + 1) * sizeof *a);
	if (!a)
		return sweep_rd_fail(R, k->start_mark, "out of memory");
	s->axes = a;
	struct sweep_axis *ax = &a[s->naxes++];
	memset(ax, 0, sizeof *ax);
	ax->loc = sweep_rd_loc(k);
	ax->key = dup_str(R, sweep_rd_text(k));
	if (!ax->key)
		return -1;
	ax->config_files = !strcmp(ax->key, SWEEP_CONFIG_FILES);
	ax->extra = ext_axis(R, ax->key) != NULL;
	if (ax->extra) {
		ax->type = SWEEP_KEY_INT;
	} else if (!ax->config_files) {
		if (!config_key_exists(ax->key))
			return unknown_key(R, k, "axes", ax->key);
		for (size_t i = 0; i < s->nset; i++)
			if (!strcmp(s->set_keys[i], ax->key))
				return sweep_rd_fail(R, k->start_mark, "axis '%s' is also in set:; keep it in one place",
					       ax->key);
		ax->type = key_type(ax->key);
	} else {
		ax->type = SWEEP_KEY_STR;
	}
	char what[240];
	snprintf(what, sizeof what, "axis '%s'", ax->key);
	if (v->type == YAML_MAPPING_NODE)
		return read_range(R, ax, v);
	if (v->type != YAML_SEQUENCE_NODE)
		return sweep_rd_fail(R, v->start_mark, "%s: expected a list of values or a range {from, to, step|times}, got %s",
			       what, sweep_rd_kind(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = sweep_rd_node(R, *it);
		if (ax->config_files) {
			char *f = NULL;
			if (sweep_rd_str(R, e, "config_files", &f))
				return -1;
			int rc = push_str(R, &ax->values, &ax->nvalues, f);
			free(f);
			if (rc)
				return -1;
		} else {
			if (check_value(R, e, what, ax->key, ax->type))
				return -1;
			char canon[CONFIG_STR_MAX + 32];
			const char *val = sweep_rd_text(e);
			if (canonical_value(R, ax, val, canon, sizeof canon))
				val = canon;
			if (push_str(R, &ax->values, &ax->nvalues, val))
				return -1;
		}
		for (size_t j = 0; j + 1 < ax->nvalues; j++)
			if (!strcmp(ax->values[j], ax->values[ax->nvalues - 1]))
				return sweep_rd_fail(R, e->start_mark, "%s: value '%s' listed twice", what, sweep_rd_text(e));
	}
	if (!ax->nvalues)
		return sweep_rd_fail(R, v->start_mark, "%s: no values", what);
	return 0;
}

static int read_axes(struct sweep_reader *R, const yaml_node_t *map)
{
	if (sweep_rd_want(R, map, YAML_MAPPING_NODE, "axes", "a mapping of configuration keys to values"))
		return -1;
	if (sweep_rd_keys(R, map, "axes"))
		return -1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
		if (read_axis(R, sweep_rd_node(R, p->key), sweep_rd_node(R, p->value)))
			return -1;
	return 0;
}

static bool name_ok(const char *n)
{
	if (!*n)
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
		      *n == '_' || *n == '-' || *n == '.' || *n == '+'))
			return false;
	return true;
}

static int read_workload(struct sweep_reader *R, const yaml_node_t *m)
{
	struct sweep_spec *s = R->s;
	if (sweep_rd_want(R, m, YAML_MAPPING_NODE, "workloads", "a mapping {name, program, args}"))
		return -1;
	if (sweep_rd_keys(R, m, "workload"))
		return -1;
	struct sweep_workload *a = realloc(s->workloads, (s->nworkloads + 1) * sizeof *a);
	if (!a)
		return sweep_rd_fail(R, m->start_mark, "out of memory");
	s->workloads = a;
	struct sweep_workload *w = &a[s->nworkloads++];
	memset(w, 0, sizeof *w);
	w->loc = sweep_rd_loc(m);
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key), *v = sweep_rd_node(R, p->value);
		if (!strcmp(sweep_rd_text(k), "name")) {
			if (sweep_rd_str(R, v, "workload name", &w->name))
				return -1;
			if (!name_ok(w->name))
				return sweep_rd_fail(R, v->start_mark,
					       "workload name '%s': use letters, digits and _ - . + only", w->name);
		} else if (!strcmp(sweep_rd_text(k), "program")) {
			if (sweep_rd_str(R, v, "workload program", &w->program))
				return -1;
			w->program_loc = sweep_rd_loc(v);
		} else if (!strcmp(sweep_rd_text(k), "args")) {
			if (sweep_rd_want(R, v, YAML_SEQUENCE_NODE, "workload args", "a list"))
				return -1;
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
				yaml_node_t *e = sweep_rd_node(R, *it);
				if (sweep_rd_want(R, e, YAML_SCALAR_NODE, "workload args", "a list of scalars") ||
				    push_str(R, &w->args, &w->nargs, sweep_rd_text(e)))
					return -1;
			}
		} else {
			return sweep_rd_fail(R, k->start_mark, "workload: unknown key '%s' (expected name, program, args)",
				       sweep_rd_text(k));
		}
	}
	if (!w->program)
		return sweep_rd_fail(R, m->start_mark, "workload: missing program");
	if (!w->name) {
		/* default name: the program's base name without .elf */
		const char *b = strrchr(w->program, '/');
		b = b ? b + 1 : w->program;
		w->name = dup_str(R, b);
		if (!w->name)
			return -1;
		size_t l = strlen(w->name);
		if (l > 4 && !strcmp(w->name + l - 4, ".elf"))
			w->name[l - 4] = '\0';
		if (!name_ok(w->name))
			return sweep_rd_fail(R, m->start_mark, "workload: give it a name: (letters, digits, _ - . +)");
	}
	for (size_t i = 0; i + 1 < s->nworkloads; i++)
		if (!strcmp(s->workloads[i].name, w->name))
			return sweep_rd_fail(R, m->start_mark, "workload name '%s' used twice", w->name);
	return 0;
}

static int read_workloads(struct sweep_reader *R, const yaml_node_t *seq)
{
	if (sweep_rd_want(R, seq, YAML_SEQUENCE_NODE, "workloads", "a list of {name, program, args}"))
		return -1;
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
		if (read_workload(R, sweep_rd_node(R, *it)))
			return -1;
	if (!R->s->nworkloads)
		return sweep_rd_fail(R, seq->start_mark, "workloads: the list is empty");
	return 0;
}

/* A list of distinct names, each passing ok(). */
static int read_name_list(struct sweep_reader *R, const yaml_node_t *seq, const char *what, char ***out,
			  size_t *n, bool (*ok)(const char *), const char *expected)
{
	if (sweep_rd_want(R, seq, YAML_SEQUENCE_NODE, what, "a list"))
		return -1;
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *e = sweep_rd_node(R, *it);
		if (sweep_rd_want(R, e, YAML_SCALAR_NODE, what, "a list of names"))
			return -1;
		if (!ok(sweep_rd_text(e)))
			return sweep_rd_fail(R, e->start_mark, "%s: unknown '%s' (expected %s)", what, sweep_rd_text(e), expected);
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*out)[i], sweep_rd_text(e)))
				return sweep_rd_fail(R, e->start_mark, "%s: '%s' listed twice", what, sweep_rd_text(e));
		if (push_str(R, out, n, sweep_rd_text(e)))
			return -1;
	}
	if (!*n)
		return sweep_rd_fail(R, seq->start_mark, "%s: the list is empty", what);
	return 0;
}

static bool mode_ok(const char *m)
{
	enum cms_mode mode;
	return cms_mode_parse(m, &mode) == 0;
}

static size_t mul_sat(size_t a, size_t b)
{
	return (b && a > SIZE_MAX / b) ? SIZE_MAX : a * b;
}

static int read_top(struct sweep_reader *R, const yaml_node_t *root)
{
	struct sweep_spec *s = R->s;
	if (sweep_rd_want(R, root, YAML_MAPPING_NODE, "spec", "a mapping at the top level"))
		return -1;
	if (sweep_rd_keys(R, root, "spec"))
		return -1;
	const yaml_node_t *axes = NULL, *axes_key = NULL, *workloads = NULL, *combine = NULL;
	/* set: first, so that an axis can be checked against it */
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
		if (!strcmp(sweep_rd_text(sweep_rd_node(R, p->key)), "set") && read_set(R, sweep_rd_node(R, p->value), ""))
			return -1;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key), *v = sweep_rd_node(R, p->value);
		const char *key = sweep_rd_text(k);
		long long n;
		int mine = R->ext && R->ext->read ? R->ext->read(R->ext->ctx, R, k, v) : 1;
		if (mine < 0)
			return -1;
		if (mine == 0)
			continue;
		if (!strcmp(key, "set")) {
			continue;
		} else if (!strcmp(key, "name")) {
			if (sweep_rd_str(R, v, "name", &s->name))
				return -1;
		} else if (!strcmp(key, "base")) {
			if (sweep_rd_str(R, v, "base", &s->base))
				return -1;
			s->base_loc = sweep_rd_loc(v);
		} else if (!strcmp(key, "axes")) {
			axes = v;
			axes_key = k;
		} else if (!strcmp(key, "combine")) {
			if (sweep_rd_want(R, v, YAML_SCALAR_NODE, "combine", "product or zip"))
				return -1;
			if (!strcmp(sweep_rd_text(v), "zip"))
				s->zip = true;
			else if (strcmp(sweep_rd_text(v), "product"))
				return sweep_rd_fail(R, v->start_mark, "combine: expected product or zip, got '%s'", sweep_rd_text(v));
			combine = v;
		} else if (!strcmp(key, "skip_invalid")) {
			if (sweep_rd_bool(R, v, "skip_invalid", &s->skip_invalid))
				return -1;
		} else if (!strcmp(key, "workloads")) {
			workloads = v;
			if (read_workloads(R, v))
				return -1;
		} else if (!strcmp(key, "modes")) {
			if (read_name_list(R, v, "modes", &s->modes, &s->nmodes, mode_ok,
					   "interp, translate or optimize"))
				return -1;
		} else if (!strcmp(key, "repetitions")) {
			if (sweep_rd_int(R, v, "repetitions", 1, 1000, &n))
				return -1;
			s->repetitions = (unsigned)n;
		} else if (!strcmp(key, "plot")) {
			if (read_name_list(R, v, "plot", &s->plot_metrics, &s->nplot, sweep_metric_known,
					   "a numeric result column: cycles, x86_ipc, l1d_miss_rate, ... (docs/sweep.md)"))
				return -1;
		} else {
			return sweep_rd_fail(R, k->start_mark, "unknown key '%s' (expected %s)", key,
					     R->ext && R->ext->top_keys ? R->ext->top_keys :
					     "name, base, set, axes, combine, skip_invalid, workloads, modes, repetitions, plot");
		}
	}
	if (axes && read_axes(R, axes))
		return -1;
	if (!workloads)
		return sweep_rd_fail(R, root->start_mark, "missing workloads: (a list of {name, program, args})");
	if (s->zip) {
		for (size_t i = 1; i < s->naxes; i++)
			if (s->axes[i].nvalues != s->axes[0].nvalues)
				return sweep_rd_fail(R, combine ? combine->start_mark : axes_key->start_mark,
					       "combine: zip needs axes of equal length: '%s' has %zu values, '%s' has %zu",
					       s->axes[0].key, s->axes[0].nvalues, s->axes[i].key, s->axes[i].nvalues);
	}
	if (!s->nmodes && push_str(R, &s->modes, &s->nmodes, "interp"))
		return -1;
	if (!s->repetitions)
		s->repetitions = 1;
	if (!s->nplot && (push_str(R, &s->plot_metrics, &s->nplot, "cycles") ||
			  push_str(R, &s->plot_metrics, &s->nplot, "x86_ipc")))
		return -1;
	if (R->ext && R->ext->finish && R->ext->finish(R->ext->ctx, R, s, root))
		return -1;
	size_t runs = mul_sat(mul_sat(mul_sat(sweep_point_count(s), s->nworkloads), s->nmodes), s->repetitions);
	if (runs > SWEEP_MAX_RUNS)
		return sweep_rd_fail(R, root->start_mark, "the spec makes more than %d runs", SWEEP_MAX_RUNS);
	return 0;
}

int sweep_spec_parse(struct sweep_spec **out, const char *txt, size_t len, const char *name,
		     char *err, size_t errlen)
{
	return sweep_spec_parse_ext(out, txt, len, name, NULL, err, errlen);
}

int sweep_spec_parse_ext(struct sweep_spec **out, const char *txt, size_t len, const char *name,
			 const struct sweep_ext *ext, char *err, size_t errlen)
{
	struct sweep_reader R = {.name = name ? name : "<spec>", .err = err, .errlen = errlen, .ext = ext};
	*out = NULL;
	struct sweep_spec *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", R.name);
		return -1;
	}
	R.s = s;
	s->path = strdup(R.name);
	s->text = malloc(len + 1);
	if (!s->path || !s->text) {
		sweep_spec_free(s);
		snprintf(err, errlen, "%s: out of memory", R.name);
		return -1;
	}
	memcpy(s->text, txt, len);
	s->text[len] = '\0';
	s->text_len = len;

	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		sweep_spec_free(s);
		snprintf(err, errlen, "%s: cannot initialise the YAML parser", R.name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)txt, len);
	int rc = -1;
	if (!yaml_parser_load(&parser, &R.doc)) {
		yaml_mark_t m = parser.problem_mark;
		if (parser.error == YAML_READER_ERROR) {
			m.line = 0;
			m.column = parser.problem_offset;
			for (size_t i = 0; i < parser.problem_offset && i < len; i++)
				if (txt[i] == '\n') {
					m.line++;
					m.column = parser.problem_offset - i - 1;
				}
		}
		sweep_rd_fail(&R, m, "malformed YAML: %s%s%s", parser.problem ? parser.problem : "syntax error",
			parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		sweep_spec_free(s);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&R.doc);
	if (!root) {
		yaml_mark_t m = {0, 0, 0};
		sweep_rd_fail(&R, m, "empty spec (it needs at least workloads:)");
	} else if (!read_top(&R, root)) {
		yaml_document_t extra;
		if (!yaml_parser_load(&parser, &extra)) {
			sweep_rd_fail(&R, parser.problem_mark, "malformed YAML after the spec: %s",
				parser.problem ? parser.problem : "syntax error");
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);
			if (r2)
				sweep_rd_fail(&R, r2->start_mark, "more than one YAML document; a spec is one mapping");
			else
				rc = 0;
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&R.doc);
	yaml_parser_delete(&parser);
	if (rc == 0 && !s->name) {
		const char *b = strrchr(R.name, '/');
		b = b ? b + 1 : R.name;
		s->name = strdup(b);
		if (!s->name) {
			snprintf(err, errlen, "%s: out of memory", R.name);
			rc = -1;
		} else {
			char *dot = strrchr(s->name, '.');
			if (dot && dot != s->name)
				*dot = '\0';
		}
	}
	if (rc) {
		sweep_spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int sweep_spec_load(struct sweep_spec **out, const char *path, char *err, size_t errlen)
{
	size_t len;
	*out = NULL;
	char *t = file_read(path, FILE_TEXT_MAX, &len, err, errlen);
	if (!t)
		return -1;
	int rc = sweep_spec_parse(out, t, len, path, err, errlen);
	free(t);
	return rc;
}

const struct sweep_axis *sweep_spec_axis(const struct sweep_spec *s, const char *key, size_t *index)
{
	for (size_t i = 0; i < s->naxes; i++)
		if (!strcmp(s->axes[i].key, key)) {
			if (index)
				*index = i;
			return &s->axes[i];
		}
	return NULL;
}

static void free_strs(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

void sweep_spec_free(struct sweep_spec *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->text);
	free(s->name);
	free(s->base);
	free_strs(s->set_keys, s->nset);
	free_strs(s->set_values, s->nset);
	for (size_t i = 0; i < s->naxes; i++) {
		free(s->axes[i].key);
		free_strs(s->axes[i].values, s->axes[i].nvalues);
	}
	free(s->axes);
	for (size_t i = 0; i < s->nworkloads; i++) {
		free(s->workloads[i].name);
		free(s->workloads[i].program);
		free_strs(s->workloads[i].args, s->workloads[i].nargs);
	}
	free(s->workloads);
	free_strs(s->modes, s->nmodes);
	free_strs(s->plot_metrics, s->nplot);
	free(s);
}
