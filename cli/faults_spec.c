/* cli/faults_spec.c — the campaign file: a sweep spec (read by
 * cli/sweep_spec.c, which hands this file the `faults:` section through
 * struct sweep_ext) plus that section, read as strictly: an unknown or
 * repeated key, a bad kind or target, a margin or confidence out of range,
 * or both `injections` and `margin` are errors naming FILE:LINE:COL.  The
 * runs of a campaign are the sweep's with repetitions = 1 + injections
 * (rep 0: the golden run). */
#include "cli/faults.h"
#include "cli/sweep_reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "configs/file.h"

struct section_reader {
	struct faults_section *f;
	const yaml_node_t *node;    /* the faults: mapping, once read */
	const yaml_node_t *margin;  /* for the checks across keys */
};

static int get_real(struct sweep_reader *R, const yaml_node_t *n, const char *what, double lo, double hi,
		    bool lo_open, double *v)
{
	if (sweep_rd_want(R, n, YAML_SCALAR_NODE, what, "a number"))
		return -1;
	char *end;
	const char *t = sweep_rd_text(n);
	*v = strtod(t, &end);
	if (!sweep_rd_plain(n) || !*t || *end || !isfinite(*v))
		return sweep_rd_fail(R, n->start_mark, "%s: expected a number, got '%s'", what, t);
	if (*v > hi || *v < lo || (lo_open && *v == lo))
		return sweep_rd_fail(R, n->start_mark, "%s: %g is out of range %s%g..%g%s", what, *v,
				     lo_open ? "(" : "", lo, hi, lo_open ? ", exclusive of the lower end)" : "");
	return 0;
}

/* A list of names, each one of names[0..n), at most once; returns the
 * indexes in idx. */
static int get_names(struct sweep_reader *R, const yaml_node_t *seq, const char *what, const char *const *names,
		     unsigned n, const char *expected, unsigned *idx, unsigned *count)
{
	if (sweep_rd_want(R, seq, YAML_SEQUENCE_NODE, what, "a list"))
		return -1;
	*count = 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *e = sweep_rd_node(R, *it);
		if (sweep_rd_want(R, e, YAML_SCALAR_NODE, what, "a list of names"))
			return -1;
		unsigned k = 0;
		while (k < n && strcmp(names[k], sweep_rd_text(e)))
			k++;
		if (k == n)
			return sweep_rd_fail(R, e->start_mark, "%s: unknown '%s' (expected %s)", what, sweep_rd_text(e),
					     expected);
		for (unsigned i = 0; i < *count; i++)
			if (idx[i] == k)
				return sweep_rd_fail(R, e->start_mark, "%s: '%s' listed twice", what, sweep_rd_text(e));
		idx[(*count)++] = k;
	}
	if (!*count)
		return sweep_rd_fail(R, seq->start_mark, "%s: the list is empty", what);
	return 0;
}

static const char *const target_names[] = {
#define FAULTS_TARGET_NAME(e, n) n,
	FAULT_TARGETS(FAULTS_TARGET_NAME)
#undef FAULTS_TARGET_NAME
};
static const char *const kind_names[] = {
#define FAULTS_KIND_NAME(e, n) n,
	FAULT_KINDS(FAULTS_KIND_NAME)
#undef FAULTS_KIND_NAME
};
static const char *const cache_names[] = {"l1i", "l1d", "l2"};

static bool cache_target(enum fault_target t)
{
	return t == FT_CACHE || t == FT_TAG || t == FT_WAY;
}

static int read_model(struct sweep_reader *R, struct faults_model *m, const yaml_node_t *map)
{
	if (sweep_rd_want(R, map, YAML_MAPPING_NODE, "faults: models", "a mapping {target, kinds, caches, weight}") ||
	    sweep_rd_keys(R, map, "faults: model"))
		return -1;
	const yaml_node_t *target = NULL, *caches = NULL, *regs = NULL;
	m->kinds[0] = FK_FLIP;
	m->nkinds = 1;
	m->weight = 1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key), *v = sweep_rd_node(R, p->value);
		const char *key = sweep_rd_text(k);
		unsigned idx[FK_COUNT > 3 ? FK_COUNT : 3], n;
		if (!strcmp(key, "target")) {
			if (sweep_rd_want(R, v, YAML_SCALAR_NODE, "faults: model target", "a target name"))
				return -1;
			unsigned t = 0;
			while (t < FT_COUNT && strcmp(target_names[t], sweep_rd_text(v)))
				t++;
			if (t == FT_COUNT)
				return sweep_rd_fail(R, v->start_mark, "faults: model target: unknown '%s' (expected "
						     "unit, reg, shadow, cache, tag, way, sb or mem)", sweep_rd_text(v));
			m->target = (enum fault_target)t;
			target = v;
		} else if (!strcmp(key, "kinds")) {
			if (get_names(R, v, "faults: model kinds", kind_names, FK_COUNT,
				      "flip, stuck, stuck0 or intermittent", idx, &n))
				return -1;
			for (unsigned i = 0; i < n; i++)
				m->kinds[i] = (enum fault_kind)idx[i];
			m->nkinds = n;
		} else if (!strcmp(key, "caches")) {
			if (get_names(R, v, "faults: model caches", cache_names, 3, "l1i, l1d or l2", idx, &n))
				return -1;
			for (unsigned i = 0; i < n; i++)
				m->caches[idx[i]] = true;
			caches = v;
		} else if (!strcmp(key, "weight")) {
			if (get_real(R, v, "faults: model weight", 0, 1e9, true, &m->weight))
				return -1;
		} else if (!strcmp(key, "registers")) {
			if (sweep_rd_want(R, v, YAML_SCALAR_NODE, "faults: model registers", "all or temporaries"))
				return -1;
			if (strcmp(sweep_rd_text(v), "all") && strcmp(sweep_rd_text(v), "temporaries"))
				return sweep_rd_fail(R, v->start_mark, "faults: model registers: '%s' (expected all or "
						     "temporaries)", sweep_rd_text(v));
			m->temporaries = !strcmp(sweep_rd_text(v), "temporaries");
			regs = v;
		} else {
			return sweep_rd_fail(R, k->start_mark, "faults: model: unknown key '%s' (expected target, kinds, "
					     "caches, registers, weight)", key);
		}
	}
	if (!target)
		return sweep_rd_fail(R, map->start_mark, "faults: model: missing target");
	if (regs && m->target != FT_REG)
		return sweep_rd_fail(R, regs->start_mark, "faults: model: registers: only for the target reg (this one "
				     "is %s)", target_names[m->target]);
	if (caches && !cache_target(m->target))
		return sweep_rd_fail(R, caches->start_mark, "faults: model: caches: only for the targets cache, tag "
				     "and way (this one is %s)", target_names[m->target]);
	if (cache_target(m->target) && !caches)
		m->caches[0] = m->caches[1] = m->caches[2] = true;
	return 0;
}

static int read_models(struct sweep_reader *R, struct faults_section *f, const yaml_node_t *seq)
{
	if (sweep_rd_want(R, seq, YAML_SEQUENCE_NODE, "faults: models", "a list of {target, kinds, caches, weight}"))
		return -1;
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (!n)
		return sweep_rd_fail(R, seq->start_mark, "faults: models: the list is empty");
	f->models = calloc(n, sizeof *f->models);
	if (!f->models)
		return sweep_rd_fail(R, seq->start_mark, "out of memory");
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
		if (read_model(R, &f->models[f->nmodels++], sweep_rd_node(R, *it)))
			return -1;
	return 0;
}

static int read_section(struct sweep_reader *R, struct section_reader *S, const yaml_node_t *map)
{
	struct faults_section *f = S->f;
	if (sweep_rd_want(R, map, YAML_MAPPING_NODE, "faults", "a mapping (seed, injections, models, ...)") ||
	    sweep_rd_keys(R, map, "faults"))
		return -1;
	const yaml_node_t *inj = NULL, *conf = NULL, *models = NULL;
	f->hang_factor = 5;
	f->per_run = 1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = sweep_rd_node(R, p->key), *v = sweep_rd_node(R, p->value);
		const char *key = sweep_rd_text(k);
		long long n;
		if (!strcmp(key, "seed")) {
			if (sweep_rd_int(R, v, "faults: seed", 0, INT64_MAX, &n))
				return -1;
			f->seed = (uint64_t)n;
		} else if (!strcmp(key, "injections")) {
			if (sweep_rd_int(R, v, "faults: injections", 1, FAULTS_MAX_INJECTIONS, &n))
				return -1;
			f->injections = (unsigned)n;
			inj = k;
		} else if (!strcmp(key, "margin")) {
			if (get_real(R, v, "faults: margin", 0, 0.5, true, &f->margin))
				return -1;
			S->margin = k;
		} else if (!strcmp(key, "confidence")) {
			if (get_real(R, v, "faults: confidence", 0, 1, true, &f->confidence))
				return -1;
			if (!faults_z(f->confidence))
				return sweep_rd_fail(R, v->start_mark, "faults: confidence: expected 0.90, 0.95 or 0.99, "
						     "got %s", sweep_rd_text(v));
			conf = k;
		} else if (!strcmp(key, "hang_factor")) {
			if (sweep_rd_int(R, v, "faults: hang_factor", 2, 1000000, &n))
				return -1;
			f->hang_factor = (unsigned)n;
		} else if (!strcmp(key, "per_run")) {
			if (sweep_rd_int(R, v, "faults: per_run", 1, FAULTS_MAX_PER_RUN, &n))
				return -1;
			f->per_run = (unsigned)n;
		} else if (!strcmp(key, "when")) {
			if (sweep_rd_want(R, v, YAML_SCALAR_NODE, "faults: when", "uniform or boot"))
				return -1;
			if (!strcmp(sweep_rd_text(v), "boot"))
				f->boot = true;
			else if (strcmp(sweep_rd_text(v), "uniform"))
				return sweep_rd_fail(R, v->start_mark, "faults: when: expected uniform or boot, got '%s'",
						     sweep_rd_text(v));
		} else if (!strcmp(key, "models")) {
			if (read_models(R, f, v))
				return -1;
			models = v;
		} else {
			return sweep_rd_fail(R, k->start_mark,
					     "faults: unknown key '%s' (expected seed, injections, margin, confidence, "
					     "hang_factor, per_run, when, models)", key);
		}
	}
	if (inj && S->margin) {
		const yaml_node_t *later = inj->start_mark.index > S->margin->start_mark.index ? inj : S->margin;
		return sweep_rd_fail(R, later->start_mark, "faults: give injections or margin (with confidence), "
				     "not both");
	}
	if (!inj && !S->margin)
		return sweep_rd_fail(R, map->start_mark, "faults: missing injections (or margin and confidence)");
	if (conf && !S->margin)
		return sweep_rd_fail(R, conf->start_mark, "faults: confidence goes with margin");
	if (!models)
		return sweep_rd_fail(R, map->start_mark, "faults: missing models (a list of {target, kinds})");
	if (S->margin) {
		if (!conf)
			f->confidence = 0.95;
		f->injections = faults_sample_size(f->margin, f->confidence, 0);
		if (f->injections > FAULTS_MAX_INJECTIONS)
			return sweep_rd_fail(R, S->margin->start_mark, "faults: margin %g asks for %u injections, "
					     "more than %d", f->margin, f->injections, FAULTS_MAX_INJECTIONS);
	}
	S->node = map;
	return 0;
}

static int ext_read(void *ctx, struct sweep_reader *R, const void *key, const void *value)
{
	struct section_reader *S = ctx;
	const yaml_node_t *k = key;
	const char *name = sweep_rd_text(k);
	if (!strcmp(name, "faults"))
		return read_section(R, S, value);
	if (!strcmp(name, "repetitions") || !strcmp(name, "plot"))
		return sweep_rd_fail(R, k->start_mark, "%s: not in a campaign (%s)", name,
				     name[0] == 'r' ? "its runs are the golden run and the injections"
						    : "--plot draws the outcomes");
	return 1;
}

static int ext_finish(void *ctx, struct sweep_reader *R, struct sweep_spec *s, const void *root)
{
	struct section_reader *S = ctx;
	if (!S->node)
		return sweep_rd_fail(R, ((const yaml_node_t *)root)->start_mark,
				     "missing faults: (seed, injections or margin, models; docs/faults.md)");
	s->repetitions = 1 + S->f->injections;
	return 0;
}

static const struct sweep_ext_axis ext_axes[] = {{FAULTS_PER_RUN_AXIS, 1, FAULTS_MAX_PER_RUN}};

int faults_campaign_parse(struct faults_campaign **out, const char *text, size_t len, const char *name, char *err,
			  size_t errlen)
{
	*out = NULL;
	struct faults_campaign *fc = calloc(1, sizeof *fc);
	if (!fc) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	struct section_reader S = {.f = &fc->f};
	struct sweep_ext ext = {
		.top_keys = "name, base, set, axes, combine, skip_invalid, workloads, modes, faults",
		.read = ext_read, .finish = ext_finish, .axes = ext_axes, .naxes = 1, .ctx = &S,
	};
	if (sweep_spec_parse_ext(&fc->spec, text, len, name, &ext, err, errlen)) {
		faults_campaign_free(fc);
		return -1;
	}
	*out = fc;
	return 0;
}

int faults_campaign_load(struct faults_campaign **out, const char *path, char *err, size_t errlen)
{
	size_t len;
	*out = NULL;
	char *t = file_read(path, FILE_TEXT_MAX, &len, err, errlen);
	if (!t)
		return -1;
	int rc = faults_campaign_parse(out, t, len, path, err, errlen);
	free(t);
	return rc;
}

void faults_campaign_free(struct faults_campaign *fc)
{
	if (!fc)
		return;
	sweep_spec_free(fc->spec);
	free(fc->f.models);
	free(fc);
}
