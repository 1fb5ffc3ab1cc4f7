/* configs/config_load.c — the strict YAML reader for configurations.
 *
 * It walks libyaml's event stream (not a document tree) so that every error,
 * syntax errors included, can name the dotted key being read.  A mapping key
 * is joined to its parent's path with '.', so "core: {units: {alu: 2}}",
 * "core: {units.alu: 2}" and "core.units.alu: 2" all set the same key.
 * Keys that are neither a schema key nor a section of one are errors, as are
 * sequences, aliases, tags, quoted numbers, a key set twice and more than
 * one document.  Values are applied to a copy; *c changes only on success. */
#include "configs/config_priv.h"
#include "configs/file.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Longest dotted key we track; longer keys cannot be schema keys. */
#define PATH_MAX_LEN 200

struct loader {
	yaml_parser_t parser;
	const char *name;
	struct cdvm_config cfg;          /* working copy */
	yaml_mark_t set_at[CFG_NKEYS];   /* where each key was set ... */
	bool is_set[CFG_NKEYS];          /* ... if it was */
	char path[PATH_MAX_LEN + 1];     /* key being read, for syntax errors */
	struct config_error *err;
	const char *text;                /* the whole input */
	size_t text_len;
};

/* Line and column (0-based, columns in characters as libyaml counts them)
 * of byte offset off of the input. */
static yaml_mark_t mark_of_offset(const struct loader *L, size_t off)
{
	yaml_mark_t m = {off, 0, 0};
	for (size_t i = 0; i < off && i < L->text_len; i++) {
		unsigned char b = (unsigned char)L->text[i];
		if (b == '\n') {
			m.line++;
			m.column = 0;
		} else if ((b & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

/* "name:line:col: " + message; libyaml marks are 0-based. */
static int fail_at(struct loader *L, yaml_mark_t m, const char *key, const char *what)
{
	if (key)
		snprintf(L->err->msg, sizeof L->err->msg, "%s:%zu:%zu: key '%s': %s", L->name,
			 m.line + 1, m.column + 1, key, what);
	else
		snprintf(L->err->msg, sizeof L->err->msg, "%s:%zu:%zu: %s", L->name, m.line + 1,
			 m.column + 1, what);
	return -1;
}

static int next_event(struct loader *L, yaml_event_t *ev)
{
	if (yaml_parser_parse(&L->parser, ev))
		return 0;
	yaml_parser_t *p = &L->parser;
	char what[320];
	yaml_mark_t where = p->problem_mark;
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		where = mark_of_offset(L, p->problem_offset);
		if (p->problem_value != -1)
			snprintf(what, sizeof what, "malformed YAML: %s (#%x at byte offset %zu)",
				 p->problem ? p->problem : "read error", (unsigned)p->problem_value,
				 p->problem_offset);
		else
			snprintf(what, sizeof what, "malformed YAML: %s (at byte offset %zu)",
				 p->problem ? p->problem : "read error", p->problem_offset);
	} else if (p->error == YAML_MEMORY_ERROR) {
		snprintf(what, sizeof what, "out of memory while parsing YAML");
	} else if (p->context) {
		snprintf(what, sizeof what, "malformed YAML: %s (%s at line %zu, column %zu)",
			 p->problem ? p->problem : "syntax error", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	} else {
		snprintf(what, sizeof what, "malformed YAML: %s",
			 p->problem ? p->problem : "syntax error");
	}
	if (L->path[0]) {
		size_t len = strlen(what);
		snprintf(what + len, sizeof what - len, ", after key '%s'", L->path);
	}
	return fail_at(L, where, NULL, what);
}

static const char *event_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return "a scalar";
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias";
	default:
		return "no value";
	}
}

static const char *type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_T_INT:
		return "an integer";
	case CFG_T_REAL:
		return "a number";
	case CFG_T_BOOL:
		return "true or false";
	default:
		return "a string";
	}
}

/* Tags (!!int, !foo) would let a file override the schema's types. */
static bool has_tag(const yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT)
		return ev->data.scalar.tag != NULL;
	if (ev->type == YAML_MAPPING_START_EVENT)
		return ev->data.mapping_start.tag != NULL;
	if (ev->type == YAML_SEQUENCE_START_EVENT)
		return ev->data.sequence_start.tag != NULL;
	return false;
}

/* The value of leaf key k, whose key node started at key_mark. */
static int read_leaf(struct loader *L, int k, yaml_mark_t key_mark)
{
	const char *key = cfg_keys[k].path;
	yaml_event_t ev;
	char why[320];
	if (next_event(L, &ev))
		return -1;
	int rc = 0;
	if (L->is_set[k]) {
		snprintf(why, sizeof why, "duplicate key (first set at line %zu, column %zu)",
			 L->set_at[k].line + 1, L->set_at[k].column + 1);
		rc = fail_at(L, key_mark, key, why);
	} else if (has_tag(&ev)) {
		rc = fail_at(L, ev.start_mark, key, "YAML tags are not supported");
	} else if (ev.type != YAML_SCALAR_EVENT) {
		snprintf(why, sizeof why, "expected %s, got %s", type_name(cfg_keys[k].type),
			 event_kind(&ev));
		rc = fail_at(L, ev.start_mark, key, why);
	} else if (cfg_keys[k].type == CFG_T_STR && ev.data.scalar.length == 0 &&
		   ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		/* "name:" is YAML's null, not a string; be explicit. */
		rc = fail_at(L, ev.start_mark, key, "missing value (write \"\" for an empty string)");
	} else {
		bool quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (cfg_parse_value(&L->cfg, k, (const char *)ev.data.scalar.value,
				    ev.data.scalar.length, quoted, why, sizeof why))
			rc = fail_at(L, ev.start_mark, key, why);
		L->is_set[k] = true;
		L->set_at[k] = key_mark;
	}
	yaml_event_delete(&ev);
	return rc;
}

struct seen_key {
	char *text;
	size_t len;
	yaml_mark_t mark;
};

static int read_mapping(struct loader *L, const char *prefix, int depth);

/* One key: value pair of a mapping whose path is prefix. */
static int read_pair(struct loader *L, const char *prefix, int depth, const yaml_event_t *kev)
{
	const char *text = (const char *)kev->data.scalar.value;
	size_t len = kev->data.scalar.length;
	size_t plen = strlen(prefix);
	char full[PATH_MAX_LEN + 1];
	if (plen + 1 + len > PATH_MAX_LEN || memchr(text, '\0', len)) {
		char shown[64];
		cfg_quote_for_msg(text, len, shown, sizeof shown);
		snprintf(full, sizeof full, "%s%s%s", prefix, plen ? "." : "", shown);
		return fail_at(L, kev->start_mark, full, "unknown key");
	}
	if (plen)
		snprintf(full, sizeof full, "%s.%.*s", prefix, (int)len, text);
	else
		snprintf(full, sizeof full, "%.*s", (int)len, text);
	snprintf(L->path, sizeof L->path, "%s", full);
	size_t flen = strlen(full);

	int k = cfg_find(full, flen);
	if (k >= 0)
		return read_leaf(L, k, kev->start_mark);
	if (!cfg_is_section(full, flen)) {
		const char *hint = cfg_suggest(full);
		char why[320];
		snprintf(why, sizeof why, "unknown key%s%s%s", hint ? " (did you mean '" : "",
			 hint ? hint : "", hint ? "'?)" : "");
		return fail_at(L, kev->start_mark, full, why);
	}
	/* A section: its value must be a mapping of its keys. */
	yaml_event_t ev;
	if (next_event(L, &ev))
		return -1;
	int rc;
	if (has_tag(&ev)) {
		rc = fail_at(L, ev.start_mark, full, "YAML tags are not supported");
	} else if (ev.type != YAML_MAPPING_START_EVENT) {
		char why[320];
		snprintf(why, sizeof why, "is a section: expected a mapping of its keys, got %s",
			 event_kind(&ev));
		rc = fail_at(L, ev.start_mark, full, why);
	} else {
		rc = read_mapping(L, full, depth + 1);
	}
	yaml_event_delete(&ev);
	return rc;
}

/* The pairs of a mapping (its MAPPING-START already read) up to its end. */
static int read_mapping(struct loader *L, const char *prefix, int depth)
{
	struct seen_key *seen = NULL;
	size_t nseen = 0, cap = 0;
	int rc = 0;
	/* Sections nest only as deep as the schema's paths; this bound is a
	 * belt for the recursion, the schema check stops it much earlier. */
	if (depth > 16)
		return fail_at(L, L->parser.mark, prefix, "mapping nested too deeply");
	for (;;) {
		yaml_event_t kev;
		if (next_event(L, &kev)) {
			rc = -1;
			break;
		}
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		if (kev.type != YAML_SCALAR_EVENT || has_tag(&kev)) {
			char why[160];
			snprintf(why, sizeof why, "a mapping key must be a plain name, got %s%s",
				 event_kind(&kev), has_tag(&kev) ? " with a tag" : "");
			rc = fail_at(L, kev.start_mark, prefix[0] ? prefix : NULL, why);
			yaml_event_delete(&kev);
			break;
		}
		/* The same key twice in one mapping is invalid YAML even when it
		 * is a section whose keys differ. */
		const char *text = (const char *)kev.data.scalar.value;
		size_t len = kev.data.scalar.length;
		for (size_t i = 0; i < nseen && !rc; i++) {
			if (seen[i].len == len && !memcmp(seen[i].text, text, len)) {
				char key[PATH_MAX_LEN + 70], why[160];
				char shown[64];
				cfg_quote_for_msg(text, len, shown, sizeof shown);
				snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", shown);
				snprintf(why, sizeof why, "duplicate key (first at line %zu, column %zu)",
					 seen[i].mark.line + 1, seen[i].mark.column + 1);
				rc = fail_at(L, kev.start_mark, key, why);
			}
		}
		if (!rc && nseen == cap) {
			cap = cap ? 2 * cap : 8;
			struct seen_key *n = realloc(seen, cap * sizeof *seen);
			if (!n)
				rc = fail_at(L, kev.start_mark, NULL, "out of memory");
			else
				seen = n;
		}
		if (!rc) {
			seen[nseen].text = malloc(len + 1);
			if (!seen[nseen].text) {
				rc = fail_at(L, kev.start_mark, NULL, "out of memory");
			} else {
				memcpy(seen[nseen].text, text, len);
				seen[nseen].text[len] = '\0';
				seen[nseen].len = len;
				seen[nseen].mark = kev.start_mark;
				nseen++;
			}
		}
		if (!rc)
			rc = read_pair(L, prefix, depth, &kev);
		yaml_event_delete(&kev);
		if (rc)
			break;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i].text);
	free(seen);
	return rc;
}

/* stream-start [document-start (mapping | empty) document-end] stream-end */
static int read_stream(struct loader *L)
{
	yaml_event_t ev;
	if (next_event(L, &ev))
		return -1;
	yaml_event_delete(&ev); /* STREAM-START */
	if (next_event(L, &ev))
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) { /* nothing but comments */
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if (next_event(L, &ev))
		return -1;
	int rc = 0;
	if (has_tag(&ev)) {
		rc = fail_at(L, ev.start_mark, NULL, "YAML tags are not supported");
	} else if (ev.type == YAML_MAPPING_START_EVENT) {
		rc = read_mapping(L, "", 0);
	} else if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0 &&
		   ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		/* "---" alone: an empty document sets nothing. */
	} else {
		char why[160];
		snprintf(why, sizeof why, "the top level must be a mapping of keys, got %s",
			 event_kind(&ev));
		rc = fail_at(L, ev.start_mark, NULL, why);
	}
	yaml_event_delete(&ev);
	if (rc)
		return rc;
	L->path[0] = '\0';
	if (next_event(L, &ev)) /* DOCUMENT-END */
		return -1;
	yaml_event_delete(&ev);
	if (next_event(L, &ev))
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail_at(L, ev.start_mark, NULL,
			     "more than one YAML document; a configuration is one mapping");
	yaml_event_delete(&ev);
	return rc;
}

/* Shared by both entry points; the parser's input is already set. */
static int load(struct loader *L, struct cdvm_config *c)
{
	int rc = read_stream(L);
	if (!rc)
		*c = L->cfg;
	return rc;
}

static struct loader *loader_new(struct cdvm_config *c, const char *name,
				 struct config_error *err)
{
	struct loader *L = calloc(1, sizeof *L);
	if (!L) {
		snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
		return NULL;
	}
	if (!yaml_parser_initialize(&L->parser)) {
		snprintf(err->msg, sizeof err->msg, "%s: cannot initialise the YAML parser", name);
		free(L);
		return NULL;
	}
	L->name = name;
	L->cfg = *c;
	L->err = err;
	return L;
}

static void loader_free(struct loader *L)
{
	yaml_parser_delete(&L->parser);
	free(L);
}

static int load_buffer(struct cdvm_config *c, const char *text, size_t len, const char *name,
		       struct config_error *err)
{
	struct loader *L = loader_new(c, name, err);
	if (!L)
		return -1;
	L->text = text;
	L->text_len = len;
	yaml_parser_set_input_string(&L->parser, (const unsigned char *)text, len);
	int rc = load(L, c);
	loader_free(L);
	return rc;
}

int config_load_string(struct cdvm_config *c, const char *yaml, const char *name,
		       struct config_error *err)
{
	return load_buffer(c, yaml, strlen(yaml), name ? name : "<string>", err);
}

/* A whole file is read (capped at FILE_TEXT_MAX), so reader errors (bad
 * UTF-8) can be placed by line and column, which libyaml reports only as
 * an offset. */
int config_load_file(struct cdvm_config *c, const char *path, struct config_error *err)
{
	size_t len;
	char *buf = file_read(path, FILE_TEXT_MAX, &len, err->msg, sizeof err->msg);
	if (!buf)
		return -1;
	int rc = load_buffer(c, buf, len, path, err);
	free(buf);
	return rc;
}
