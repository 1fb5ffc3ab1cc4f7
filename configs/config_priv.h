/* configs/config_priv.h — what the files of configs/ share and nobody else
 * needs: the key table built from schema.def, key lookup, and the scalar
 * parser used by both the YAML reader and --set.  The table is const data,
 * not mutable state. */
#ifndef CDVM_CONFIGS_CONFIG_PRIV_H
#define CDVM_CONFIGS_CONFIG_PRIV_H

#include "configs/config.h"

/* One row of schema.def. */
struct cfg_key {
	const char *path;     /* dotted YAML path, e.g. "core.units.alu" */
	enum cfg_type type;
	size_t offset;        /* offsetof(struct cdvm_config, field) */
	int64_t def_int;      /* CFG_INT default (CFG_BOOL: 0/1) */
	const char *def_str;  /* CFG_STR default */
	int64_t min, max;     /* CFG_INT range */
	double def_real, min_real, max_real; /* CFG_REAL default and range */
	const char *unit;     /* CFG_INT and CFG_REAL unit, "" otherwise */
	const char *doc;      /* meaning */
	const char *names;    /* CFG_ENUM: the valid values, space-separated; NULL otherwise */
};

enum cfg_key_id {
#define CFG_INT(field, ...) CFG_K_##field,
#define CFG_REAL(field, ...) CFG_K_##field,
#define CFG_BOOL(field, ...) CFG_K_##field,
#define CFG_STR(field, ...) CFG_K_##field,
#include "configs/schema.def"
#undef CFG_INT
#undef CFG_REAL
#undef CFG_BOOL
#undef CFG_STR
	CFG_NKEYS
};

extern const struct cfg_key cfg_keys[CFG_NKEYS];

/* Index of the key whose path is exactly s[0..len), or -1. */
int cfg_find(const char *s, size_t len);
/* True when s[0..len) is a proper prefix of some key path ending at a dot
 * ("core", "core.units"): a section, whose value must be a mapping. */
bool cfg_is_section(const char *s, size_t len);
/* The key path closest to `key` in edit distance, or NULL if none is close. */
const char *cfg_suggest(const char *key);

/* Parse text[0..len) as the value of key k and store it in *c.  `quoted` is
 * true for YAML quoted/block scalars, which only string keys accept.  On
 * error return -1 and write the reason (no location, no key) to why. */
int cfg_parse_value(struct cdvm_config *c, int k, const char *text, size_t len,
		    bool quoted, char *why, size_t n);

/* True when s[0..len) is a valid value of key (always for non-enum keys). */
bool cfg_name_allowed(const struct cfg_key *key, const char *s, size_t len);
/* The valid names of an enum key, each between two `quote`s, comma-separated. */
void cfg_names_list(const struct cfg_key *key, char quote, char *out, size_t n);

/* Room for any integer or real value as text, with its NUL. */
#define CFG_NUM_TEXT_MAX 32
/* v with the fewest significant digits (15, 16 or 17) that read back to
 * exactly v: how config_get, the YAML printer, the reference and messages
 * show a real. */
void cfg_format_real(double v, char *out, size_t n);
/* The range of an integer or real key as text, its lower end in lo and its
 * upper end in hi (n bytes each). */
void cfg_bounds_text(const struct cfg_key *key, char *lo, char *hi, size_t n);

/* Quote s[0..len) for an error message: printable ASCII kept, the rest as
 * \xNN, cut at about 40 characters. */
void cfg_quote_for_msg(const char *s, size_t len, char *out, size_t n);

/* True when s[0..len) is well-formed UTF-8 (no overlongs or surrogates). */
bool cfg_utf8_valid(const char *s, size_t len);

#endif
