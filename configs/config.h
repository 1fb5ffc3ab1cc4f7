/* configs/config.h — the chip and firmware configuration: one struct with
 * every tunable of cdvm, generated from configs/schema.def, plus a strict
 * YAML reader (libyaml), `--set key=value` assignments, cross-key checks and
 * printers for the effective YAML and for docs/config.md.
 *
 * Layering is always default -> file(s) -> --set -> validate:
 *
 *   struct cdvm_config cfg;
 *   struct config_error err;
 *   config_default(&cfg);
 *   if (config_load_file(&cfg, "configs/wide8.yaml", &err) ||
 *       config_set(&cfg, "core.issue_width=8", &err) ||
 *       config_validate(&cfg, &err))
 *           fprintf(stderr, "cdvm: %s\n", err.msg);
 *
 * Errors name the place: "configs/x.yaml:3:5: key 'core.issue_widht':
 * unknown key (did you mean 'core.issue_width'?)".  On error the config is
 * left exactly as it was before the call.  No global state; safe to use
 * several configs in one process. */
#ifndef CDVM_CONFIGS_CONFIG_H
#define CDVM_CONFIGS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest string value, including the terminating NUL. */
#define CONFIG_STR_MAX 64

struct cdvm_config {
#define CFG_INT(field, path, def, min, max, unit, doc) int64_t field;
#define CFG_REAL(field, path, def, min, max, unit, doc) double field;
#define CFG_BOOL(field, path, def, doc) bool field;
#define CFG_STR(field, path, def, doc) char field[CONFIG_STR_MAX];
#include "configs/schema.def"
#undef CFG_INT
#undef CFG_REAL
#undef CFG_BOOL
#undef CFG_STR
};

struct config_error {
	char msg[512];
};

/* The compiled-in default (every field from schema.def). */
void config_default(struct cdvm_config *c);

/* Apply a YAML file / string on top of *c.  Keys may be nested mappings
 * ("core: {units: {alu: 2}}") or dotted at any level ("core.units.alu: 2").
 * Unknown key, wrong type, out-of-range value, duplicate key and malformed
 * YAML are errors naming name:line:column and the dotted key.  `name` is used
 * in messages only (NULL: "<string>").  Return 0, or -1 with err filled and
 * *c unchanged. */
int config_load_file(struct cdvm_config *c, const char *path, struct config_error *err);
int config_load_string(struct cdvm_config *c, const char *yaml, const char *name,
		       struct config_error *err);

/* One "key=value" assignment (the --set option).  Integers: decimal or 0x
 * hex; reals: decimal (2.5, 1e-3); bools: true/false; strings: the raw
 * text after '='.  Errors start with "--set <assignment>: ". */
int config_set(struct cdvm_config *c, const char *assignment, struct config_error *err);

/* Range of every key and the cross-key rules (power-of-two lines and set
 * counts, L2 line >= L1 lines, >= 1 unit of each class, translation cache
 * <= half the hidden memory, guest + hidden memory <= 3584 MiB). */
int config_validate(const struct cdvm_config *c, struct config_error *err);

/* The configuration as nested YAML that config_load_string reads back to an
 * equal struct.  configs/default.yaml is this output for the default.
 * Return 0, or -1 on a write error. */
int config_write_yaml(const struct cdvm_config *c, FILE *out);

/* The configuration reference in Markdown (docs/config.md). */
int config_write_doc(FILE *out);

/* Value of one dotted key as text ("4", "0.9", "true", raw string), which
 * config_set reads back to the same value.  Return 0, or -1 for an unknown
 * key or a buffer that is too small (buf then holds ""). */
int config_get(const struct cdvm_config *c, const char *key, char *buf, size_t n);

/* The keys in schema order, for sweeps and tests, and the kind of value
 * each takes (an enum key's names are strings). */
enum cfg_type { CFG_T_INT, CFG_T_REAL, CFG_T_BOOL, CFG_T_STR };
size_t config_key_count(void);
const char *config_key_name(size_t i); /* NULL when i is out of range */
enum cfg_type config_key_type(size_t i); /* i must be in range */

/* True when every key of a equals that of b (reals exactly, with ==). */
bool config_equal(const struct cdvm_config *a, const struct cdvm_config *b);

/* Levenshtein distance between two keys (SIZE_MAX past 127 bytes), for
 * "did you mean" hints wherever keys are read. */
size_t config_edit_distance(const char *a, const char *b);

#endif
