/* configs/config.c — the configuration struct's behaviour: the key table
 * generated from schema.def, the compiled-in default, strict scalar parsing
 * (shared by the YAML reader in config_load.c and by --set), cross-key
 * validation and the YAML printer.  The Markdown reference is in
 * config_doc.c. */
#include "configs/config_priv.h"
#include "hidden-mem/hidden.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct cfg_key cfg_keys[CFG_NKEYS] = {
#define CFG_INT(field, path, def, min, max, unit, doc) \
	{path, CFG_T_INT, offsetof(struct cdvm_config, field), (def), NULL, (min), (max), 0, 0, 0, unit, doc, NULL},
#define CFG_REAL(field, path, def, min, max, unit, doc) \
	{path, CFG_T_REAL, offsetof(struct cdvm_config, field), 0, NULL, 0, 0, (def), (min), (max), unit, doc, NULL},
#define CFG_BOOL(field, path, def, doc) \
	{path, CFG_T_BOOL, offsetof(struct cdvm_config, field), (def) ? 1 : 0, NULL, 0, 1, 0, 0, 0, "", doc, NULL},
#define CFG_STR(field, path, def, doc) \
	{path, CFG_T_STR, offsetof(struct cdvm_config, field), 0, def, 0, 0, 0, 0, 0, "", doc, NULL},
#define CFG_ENUM(field, path, def, names, doc) \
	{path, CFG_T_STR, offsetof(struct cdvm_config, field), 0, def, 0, 0, 0, 0, 0, "", doc, names},
#include "configs/schema.def"
#undef CFG_INT
#undef CFG_REAL
#undef CFG_BOOL
#undef CFG_STR
#undef CFG_ENUM
};

/* Every default must lie in its range and every string default fit its
 * field; checked at compile time.  A real default cannot be: comparing
 * floating constants is not an integer constant expression in C11 (clang
 * refuses it), so config_validate's range check on the default, run by a
 * unit test, stands in. */
#define CFG_INT(field, path, def, min, max, unit, doc) \
	_Static_assert((def) >= (min) && (def) <= (max), "default of " path " out of range");
#define CFG_REAL(field, path, def, min, max, unit, doc)
#define CFG_BOOL(field, path, def, doc)
#define CFG_STR(field, path, def, doc) \
	_Static_assert(sizeof(def) <= CONFIG_STR_MAX, "default of " path " too long");
#include "configs/schema.def"
#undef CFG_INT
#undef CFG_REAL
#undef CFG_BOOL
#undef CFG_STR

/* ---- field access ------------------------------------------------------ */

static int64_t *int_field(struct cdvm_config *c, int k)
{
	return (int64_t *)((char *)c + cfg_keys[k].offset);
}

static const int64_t *int_field_c(const struct cdvm_config *c, int k)
{
	return (const int64_t *)((const char *)c + cfg_keys[k].offset);
}

static double *real_field(struct cdvm_config *c, int k)
{
	return (double *)((char *)c + cfg_keys[k].offset);
}

static const double *real_field_c(const struct cdvm_config *c, int k)
{
	return (const double *)((const char *)c + cfg_keys[k].offset);
}

static bool *bool_field(struct cdvm_config *c, int k)
{
	return (bool *)((char *)c + cfg_keys[k].offset);
}

static const bool *bool_field_c(const struct cdvm_config *c, int k)
{
	return (const bool *)((const char *)c + cfg_keys[k].offset);
}

static char *str_field(struct cdvm_config *c, int k)
{
	return (char *)c + cfg_keys[k].offset;
}

static const char *str_field_c(const struct cdvm_config *c, int k)
{
	return (const char *)c + cfg_keys[k].offset;
}

void config_default(struct cdvm_config *c)
{
	/* memset first so padding is deterministic and strings NUL-filled. */
	memset(c, 0, sizeof *c);
	for (int k = 0; k < CFG_NKEYS; k++) {
		switch (cfg_keys[k].type) {
		case CFG_T_INT:
			*int_field(c, k) = cfg_keys[k].def_int;
			break;
		case CFG_T_REAL:
			*real_field(c, k) = cfg_keys[k].def_real;
			break;
		case CFG_T_BOOL:
			*bool_field(c, k) = cfg_keys[k].def_int != 0;
			break;
		case CFG_T_STR:
			strcpy(str_field(c, k), cfg_keys[k].def_str);
			break;
		}
	}
}

size_t config_key_count(void)
{
	return CFG_NKEYS;
}

const char *config_key_name(size_t i)
{
	return i < CFG_NKEYS ? cfg_keys[i].path : NULL;
}

enum cfg_type config_key_type(size_t i)
{
	return cfg_keys[i].type;
}

bool config_equal(const struct cdvm_config *a, const struct cdvm_config *b)
{
	for (int k = 0; k < CFG_NKEYS; k++) {
		switch (cfg_keys[k].type) {
		case CFG_T_INT:
			if (*int_field_c(a, k) != *int_field_c(b, k))
				return false;
			break;
		case CFG_T_REAL:
			if (*real_field_c(a, k) != *real_field_c(b, k))
				return false;
			break;
		case CFG_T_BOOL:
			if (*bool_field_c(a, k) != *bool_field_c(b, k))
				return false;
			break;
		case CFG_T_STR:
			if (strncmp(str_field_c(a, k), str_field_c(b, k), CONFIG_STR_MAX))
				return false;
			break;
		}
	}
	return true;
}

/* ---- key lookup -------------------------------------------------------- */

bool cfg_name_allowed(const struct cfg_key *key, const char *s, size_t len)
{
	if (!key->names)
		return true;
	for (const char *p = key->names; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && !memcmp(p, s, len))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

void cfg_names_list(const struct cfg_key *key, char quote, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (const char *p = key->names; p && *p && used + 1 < n;) {
		size_t w = strcspn(p, " ");
		int r = snprintf(out + used, n - used, "%s%c%.*s%c", used ? ", " : "", quote, (int)w, p, quote);
		if (r < 0)
			break;
		used += (size_t)r < n - used ? (size_t)r : n - used - 1;
		p += w;
		p += strspn(p, " ");
	}
}

int cfg_find(const char *s, size_t len)
{
	for (int k = 0; k < CFG_NKEYS; k++)
		if (strlen(cfg_keys[k].path) == len && !memcmp(cfg_keys[k].path, s, len))
			return k;
	return -1;
}

bool cfg_is_section(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (int k = 0; k < CFG_NKEYS; k++) {
		const char *p = cfg_keys[k].path;
		if (strlen(p) > len && !memcmp(p, s, len) && p[len] == '.')
			return true;
	}
	return false;
}

/* Levenshtein distance, capped: strings longer than 127 bytes count as far. */
size_t config_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 127 || lb > 127)
		return SIZE_MAX;
	size_t row[128];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *cfg_suggest(const char *key)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (int k = 0; k < CFG_NKEYS; k++) {
		size_t d = config_edit_distance(key, cfg_keys[k].path);
		if (d < best_d) {
			best_d = d;
			best = cfg_keys[k].path;
		}
	}
	/* Typos and a wrong section name, not unrelated words. */
	if (best_d == 0 || best_d > 3 || best_d * 3 > strlen(key))
		return NULL;
	return best;
}

/* ---- scalars ----------------------------------------------------------- */

void cfg_quote_for_msg(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (o + 8 >= n || o >= 40) {
			if (o + 4 < n) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (ch >= 0x20 && ch < 0x7f) {
			out[o++] = (char)ch;
		} else {
			snprintf(out + o, n - o, "\\x%02x", ch);
			o += 4;
		}
	}
	out[o] = '\0';
}

bool cfg_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char b = p[i];
		uint32_t cp;
		size_t n;
		if (b < 0x80) {
			i++;
			continue;
		} else if ((b & 0xe0) == 0xc0) {
			cp = b & 0x1f;
			n = 1;
		} else if ((b & 0xf0) == 0xe0) {
			cp = b & 0x0f;
			n = 2;
		} else if ((b & 0xf8) == 0xf0) {
			cp = b & 0x07;
			n = 3;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (size_t j = 1; j <= n; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
		if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Strict integer: optional '-', then decimal without leading zeros, or
 * 0x/0X hex.  Return 0, 1 for bad syntax, 2 for overflow of int64_t. */
static int parse_int(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < len && s[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= len)
		return 1;
	unsigned base = 10;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (s[i] == '0' && len - i > 1) {
		return 1; /* "010": octal in YAML 1.1, decimal elsewhere; refuse */
	}
	uint64_t v = 0;
	bool overflow = false;
	for (; i < len; i++) {
		unsigned d;
		char ch = s[i];
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return 1;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		else
			v = v * base + d;
	}
	if (overflow)
		return 2;
	/* |INT64_MIN| = INT64_MAX + 1 */
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return 2;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return 2;
		*out = (int64_t)v;
	}
	return 0;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Longest real accepted, in characters; 17 significant digits and an
 * exponent need 25. */
#define REAL_TEXT_MAX 127

/* Strict real: JSON's number syntax, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)?,
 * which YAML 1.2 reads as a number too and which has no hex, inf, nan,
 * leading '+' or octal-looking leading zeros.  Return 0, 1 for bad syntax,
 * 2 for a magnitude beyond double, 3 for more than REAL_TEXT_MAX
 * characters.  Digits beyond double's precision round to the nearest
 * double, and a value too small for one rounds to a subnormal or 0, as
 * strtod rounds them.  cdvm never calls setlocale, so strtod's decimal
 * point is '.'. */
static int parse_real(const char *s, size_t len, double *out)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && is_digit(s[i]))
		while (i < len && is_digit(s[i]))
			i++;
	else
		return 1;
	if (i < len && s[i] == '.') {
		size_t first = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == first)
			return 1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t first = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == first)
			return 1;
	}
	if (i != len)
		return 1;
	if (len > REAL_TEXT_MAX)
		return 3;
	char buf[REAL_TEXT_MAX + 1];
	memcpy(buf, s, len);
	buf[len] = '\0';
	double v = strtod(buf, NULL);
	if (isinf(v))
		return 2;
	*out = v;
	return 0;
}

/* 15 digits (DBL_DIG) first, so that a decimal of up to 15 digits, as
 * people write them, prints as written ("0.1", not 0.10000000000000001);
 * 17 (DBL_DECIMAL_DIG) always read back.  %g drops trailing zeros, so an
 * integral value prints as an integer ("10"), which parse_real reads. */
void cfg_format_real(double v, char *out, size_t n)
{
	for (int digits = DBL_DIG; digits <= DBL_DECIMAL_DIG; digits++) {
		snprintf(out, n, "%.*g", digits, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

void cfg_bounds_text(const struct cfg_key *key, char *lo, char *hi, size_t n)
{
	if (key->type == CFG_T_REAL) {
		cfg_format_real(key->min_real, lo, n);
		cfg_format_real(key->max_real, hi, n);
	} else {
		snprintf(lo, n, "%" PRId64, key->min);
		snprintf(hi, n, "%" PRId64, key->max);
	}
}

/* Whether iv (an integer key) or rv (a real key) lies in key's range; a
 * NaN compares false with both ends and so lies outside. */
static bool in_range(const struct cfg_key *key, int64_t iv, double rv)
{
	if (key->type == CFG_T_REAL)
		return rv >= key->min_real && rv <= key->max_real;
	return iv >= key->min && iv <= key->max;
}

/* An integer or real value: both refuse quotes and say their range. */
static int parse_number(struct cdvm_config *c, int k, const char *text, size_t len, bool quoted,
			const char *shown, char *why, size_t n)
{
	const struct cfg_key *key = &cfg_keys[k];
	bool real = key->type == CFG_T_REAL;
	const char *what = real ? "a number" : "an integer";
	char lo[CFG_NUM_TEXT_MAX], hi[CFG_NUM_TEXT_MAX];
	cfg_bounds_text(key, lo, hi, sizeof lo);
	if (quoted) {
		snprintf(why, n, "expected %s, got the quoted string '%s'", what, shown);
		return -1;
	}
	if (len == 0) {
		snprintf(why, n, "missing value (expected %s in [%s, %s])", what, lo, hi);
		return -1;
	}
	int64_t iv = 0;
	double rv = 0;
	int r = real ? parse_real(text, len, &rv) : parse_int(text, len, &iv);
	if (r == 1) {
		snprintf(why, n, "expected %s, got '%s'",
			 real ? "a decimal number (such as 10, 2.5 or 1e-3)" : "an integer (decimal or 0x hex)",
			 shown);
		return -1;
	}
	if (r == 3) {
		snprintf(why, n, "number of %zu characters is longer than the maximum %d", len,
			 REAL_TEXT_MAX);
		return -1;
	}
	if (r == 2 || !in_range(key, iv, rv)) {
		snprintf(why, n, "value %s out of range [%s, %s]", shown, lo, hi);
		return -1;
	}
	if (real)
		*real_field(c, k) = rv;
	else
		*int_field(c, k) = iv;
	return 0;
}

int cfg_parse_value(struct cdvm_config *c, int k, const char *text, size_t len,
		    bool quoted, char *why, size_t n)
{
	const struct cfg_key *key = &cfg_keys[k];
	char shown[64];
	cfg_quote_for_msg(text, len, shown, sizeof shown);

	switch (key->type) {
	case CFG_T_INT:
	case CFG_T_REAL:
		return parse_number(c, k, text, len, quoted, shown, why, n);
	case CFG_T_BOOL:
		if (!quoted && len == 4 && !memcmp(text, "true", 4)) {
			*bool_field(c, k) = true;
			return 0;
		}
		if (!quoted && len == 5 && !memcmp(text, "false", 5)) {
			*bool_field(c, k) = false;
			return 0;
		}
		if (len == 0 && !quoted)
			snprintf(why, n, "missing value (expected true or false)");
		else
			snprintf(why, n, "expected true or false, got %s'%s'",
				 quoted ? "the quoted string " : "", shown);
		return -1;
	case CFG_T_STR:
		if (memchr(text, '\0', len)) {
			snprintf(why, n, "string contains a NUL character");
			return -1;
		}
		if (len >= CONFIG_STR_MAX) {
			snprintf(why, n, "string of %zu bytes is longer than the maximum %d", len,
				 CONFIG_STR_MAX - 1);
			return -1;
		}
		if (!cfg_utf8_valid(text, len)) {
			snprintf(why, n, "string is not valid UTF-8");
			return -1;
		}
		if (!cfg_name_allowed(key, text, len)) {
			char names[256];
			cfg_names_list(key, '\'', names, sizeof names);
			snprintf(why, n, "unknown name '%s' (valid names: %s)", shown, names);
			return -1;
		}
		memset(str_field(c, k), 0, CONFIG_STR_MAX);
		memcpy(str_field(c, k), text, len);
		return 0;
	}
	snprintf(why, n, "internal error: bad key type");
	return -1;
}

/* ---- --set and get ----------------------------------------------------- */

int config_set(struct cdvm_config *c, const char *assignment, struct config_error *err)
{
	char shown[64], why[256];
	cfg_quote_for_msg(assignment, strlen(assignment), shown, sizeof shown);
	const char *eq = strchr(assignment, '=');
	if (!eq) {
		snprintf(err->msg, sizeof err->msg, "--set %s: expected key=value", shown);
		return -1;
	}
	size_t klen = (size_t)(eq - assignment);
	char key[64];
	cfg_quote_for_msg(assignment, klen, key, sizeof key);
	int k = cfg_find(assignment, klen);
	if (k < 0) {
		const char *hint = klen < sizeof key ? cfg_suggest(key) : NULL;
		if (klen == 0)
			snprintf(err->msg, sizeof err->msg, "--set %s: missing key before '='", shown);
		else if (cfg_is_section(assignment, klen))
			snprintf(err->msg, sizeof err->msg,
				 "--set %s: key '%s': is a section; set one of its keys, e.g. '%s.<key>'",
				 shown, key, key);
		else
			snprintf(err->msg, sizeof err->msg, "--set %s: key '%s': unknown key%s%s%s",
				 shown, key, hint ? " (did you mean '" : "", hint ? hint : "",
				 hint ? "'?)" : "");
		return -1;
	}
	struct cdvm_config tmp = *c;
	if (cfg_parse_value(&tmp, k, eq + 1, strlen(eq + 1), false, why, sizeof why)) {
		snprintf(err->msg, sizeof err->msg, "--set %s: key '%s': %s", shown, key, why);
		return -1;
	}
	*c = tmp;
	return 0;
}

/* The text of a number or bool key's value, as the YAML printer and
 * config_get show it (at most CFG_NUM_TEXT_MAX bytes with the NUL). */
static void scalar_text(const struct cdvm_config *c, int k, char *out, size_t n)
{
	switch (cfg_keys[k].type) {
	case CFG_T_INT:
		snprintf(out, n, "%" PRId64, *int_field_c(c, k));
		break;
	case CFG_T_REAL:
		cfg_format_real(*real_field_c(c, k), out, n);
		break;
	default:
		snprintf(out, n, "%s", *bool_field_c(c, k) ? "true" : "false");
		break;
	}
}

int config_get(const struct cdvm_config *c, const char *key, char *buf, size_t n)
{
	int k = cfg_find(key, strlen(key));
	int len;
	if (n)
		buf[0] = '\0';
	if (k < 0 || n == 0)
		return -1;
	if (cfg_keys[k].type == CFG_T_STR) {
		len = snprintf(buf, n, "%.*s", CONFIG_STR_MAX - 1, str_field_c(c, k));
	} else {
		char text[CFG_NUM_TEXT_MAX];
		scalar_text(c, k, text, sizeof text);
		len = snprintf(buf, n, "%s", text);
	}
	if (len < 0 || (size_t)len >= n) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* ---- cross-key validation ---------------------------------------------- */

static bool is_pow2(int64_t v)
{
	return v > 0 && (v & (v - 1)) == 0;
}

/* One cache level: power-of-two line, and size_kb*1024 split into
 * ways*line-byte sets must give a whole, power-of-two number of sets
 * (the set index is a bit field of the address). */
static int check_cache(const char *name, int64_t kb, int64_t ways, int64_t line,
		       struct config_error *err)
{
	if (!is_pow2(line)) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cache.%s.line': %" PRId64 " is not a power of two", name, line);
		return -1;
	}
	int64_t bytes = kb * 1024, set_bytes = ways * line;
	if (bytes % set_bytes || !is_pow2(bytes / set_bytes)) {
		snprintf(err->msg, sizeof err->msg,
			 "keys 'cache.%s.size_kb', 'cache.%s.ways', 'cache.%s.line': %" PRId64
			 " KiB / (%" PRId64 " ways * %" PRId64 " bytes) is not a power-of-two number of sets",
			 name, name, name, kb, ways, line);
		return -1;
	}
	return 0;
}

int config_validate(const struct cdvm_config *c, struct config_error *err)
{
	/* Ranges and string sanity again: a struct may have been filled by code
	 * rather than by the parser. */
	for (int k = 0; k < CFG_NKEYS; k++) {
		const struct cfg_key *key = &cfg_keys[k];
		if (key->type == CFG_T_INT || key->type == CFG_T_REAL) {
			int64_t iv = key->type == CFG_T_INT ? *int_field_c(c, k) : 0;
			double rv = key->type == CFG_T_REAL ? *real_field_c(c, k) : 0;
			if (!in_range(key, iv, rv)) {
				char v[CFG_NUM_TEXT_MAX], lo[CFG_NUM_TEXT_MAX], hi[CFG_NUM_TEXT_MAX];
				scalar_text(c, k, v, sizeof v);
				cfg_bounds_text(key, lo, hi, sizeof lo);
				snprintf(err->msg, sizeof err->msg, "key '%s': value %s out of range [%s, %s]",
					 key->path, v, lo, hi);
				return -1;
			}
		} else if (key->type == CFG_T_STR) {
			const char *s = str_field_c(c, k);
			size_t len = strnlen(s, CONFIG_STR_MAX);
			if (len == CONFIG_STR_MAX || !cfg_utf8_valid(s, len)) {
				snprintf(err->msg, sizeof err->msg,
					 "key '%s': string is not NUL-terminated UTF-8 of at most %d bytes",
					 key->path, CONFIG_STR_MAX - 1);
				return -1;
			}
			if (!cfg_name_allowed(key, s, len)) {
				char names[256];
				cfg_names_list(key, '\'', names, sizeof names);
				snprintf(err->msg, sizeof err->msg, "key '%s': unknown name (valid names: %s)",
					 key->path, names);
				return -1;
			}
		}
	}
	if (check_cache("l1i", c->l1i_kb, c->l1i_ways, c->l1i_line, err) ||
	    check_cache("l1d", c->l1d_kb, c->l1d_ways, c->l1d_line, err) ||
	    check_cache("l2", c->l2_kb, c->l2_ways, c->l2_line, err))
		return -1;
	/* The TLB's set index is a bit field of the virtual page number. */
	if (c->tlb_entries % c->tlb_ways || !is_pow2(c->tlb_entries / c->tlb_ways)) {
		snprintf(err->msg, sizeof err->msg,
			 "keys 'mmu.tlb.entries', 'mmu.tlb.ways': %" PRId64 " entries / %" PRId64
			 " ways is not a whole, power-of-two number of sets",
			 c->tlb_entries, c->tlb_ways);
		return -1;
	}
	/* An L2 line must hold a whole L1 line so a fill is one L2 access. */
	if (c->l2_line < c->l1i_line || c->l2_line < c->l1d_line) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cache.l2.line' (%" PRId64 ") must be >= 'cache.l1i.line' (%" PRId64
			 ") and 'cache.l1d.line' (%" PRId64 ")",
			 c->l2_line, c->l1i_line, c->l1d_line);
		return -1;
	}
	/* The translator needs at least one unit of every class. */
	const struct {
		const char *key;
		int64_t v;
	} units[] = {
		{"core.units.alu", c->units_alu},
		{"core.units.mem", c->units_mem},
		{"core.units.mul", c->units_mul},
		{"core.units.br", c->units_br},
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (units[i].v < 1) {
			snprintf(err->msg, sizeof err->msg,
				 "key '%s': the chip needs at least 1 unit of each class (alu, mem, mul, br), got %" PRId64,
				 units[i].key, units[i].v);
			return -1;
		}
	}
	if (c->issue_width < 1) {
		snprintf(err->msg, sizeof err->msg, "key 'core.issue_width': must be >= 1");
		return -1;
	}
	/* The other half of hidden memory holds firmware tables and profiles. */
	if (c->tcache_kb > c->hidden_mb * 1024 / 2) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cms.tcache_kb' (%" PRId64 ") must be <= 'memory.hidden_mb' * 1024 / 2 (%" PRId64
			 "): the other half of hidden memory holds firmware tables",
			 c->tcache_kb, c->hidden_mb * 1024 / 2);
		return -1;
	}
	if (c->smc_granularity & (c->smc_granularity - 1)) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cms.smc_granularity' (%" PRId64 ") must be a power of two", c->smc_granularity);
		return -1;
	}
	if (c->profile_entries & (c->profile_entries - 1)) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cms.profile_entries' (%" PRId64 ") must be a power of two", c->profile_entries);
		return -1;
	}
	if (c->profile_entries * 8 > (c->hidden_mb * 1024 - c->tcache_kb) * 1024 / 2) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cms.profile_entries' (%" PRId64 "): the table (8 bytes an entry) must fit in half of the "
			 "firmware data area ('memory.hidden_mb' minus 'cms.tcache_kb')", c->profile_entries);
		return -1;
	}
	if (c->signature_bits && (c->signature_bits < 32 || !is_pow2(c->signature_bits))) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'core.signature_bits' (%" PRId64 ") must be 0 or a power of two >= 32", c->signature_bits);
		return -1;
	}
	if (!c->signature_bits && !strcmp(c->reconfig_policy, "phase")) {
		snprintf(err->msg, sizeof err->msg,
			 "key 'cms.reconfig.policy': `phase` reads the working-set signature, and 'core.signature_bits' is 0");
		return -1;
	}
	/* static ways: no more than the cache has */
	const struct {
		const char *key;
		int64_t v, ways;
	} fixed[] = {
		{"cms.reconfig.static.l1i_ways", c->reconfig_static_l1i, c->l1i_ways},
		{"cms.reconfig.static.l1d_ways", c->reconfig_static_l1d, c->l1d_ways},
		{"cms.reconfig.static.l2_ways", c->reconfig_static_l2, c->l2_ways},
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		if (fixed[i].v > fixed[i].ways) {
			snprintf(err->msg, sizeof err->msg,
				 "key '%s' (%" PRId64 "): the cache has %" PRId64 " ways", fixed[i].key, fixed[i].v,
				 fixed[i].ways);
			return -1;
		}
	}
	/* Guest RAM and the carve-out share the 32-bit physical space below the
	 * top 512 MiB (kept for devices). */
	if (c->guest_mb + c->hidden_mb > 3584) {
		snprintf(err->msg, sizeof err->msg,
			 "keys 'memory.guest_mb' (%" PRId64 ") + 'memory.hidden_mb' (%" PRId64
			 ") must be <= 3584 MiB",
			 c->guest_mb, c->hidden_mb);
		return -1;
	}
	/* Every fixed firmware table must fit, sized as the boot sizes them
	 * (hidden-mem/hidden.h: one size function for both). */
	if (hidden_check_fit(c, err->msg, sizeof err->msg) < 0)
		return -1;
	return 0;
}

/* ---- YAML printer ------------------------------------------------------ */

/* Plain scalars are printed only when they cannot read back as anything
 * but this string in any YAML 1.1 reader; everything else is double-quoted
 * with every non-ASCII code point escaped, so the output is pure ASCII and
 * no line-break character (U+0085, U+2028, ...) can be folded away. */
static bool plain_ok(const char *s)
{
	static const char *const reserved[] = {
		"true", "false", "yes", "no", "on", "off", "y", "n", "null",
	};
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (const char *p = s; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == '+'))
			return false;
	}
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (!strcasecmp(s, reserved[i]))
			return false;
	return true;
}

static int write_string(FILE *out, const char *s)
{
	if (plain_ok(s))
		return fputs(s, out) < 0 ? -1 : 0;
	if (fputc('"', out) == EOF)
		return -1;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strnlen(s, CONFIG_STR_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char b = p[i];
		int r;
		if (b == '"' || b == '\\') {
			r = fprintf(out, "\\%c", b);
		} else if (b >= 0x20 && b < 0x7f) {
			r = fputc(b, out) == EOF ? -1 : 1;
		} else if (b < 0x80) {
			r = fprintf(out, "\\x%02x", b);
		} else {
			/* Decode one UTF-8 sequence (validated on input). */
			uint32_t cp;
			size_t n = (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2 : 3;
			cp = b & (n == 1 ? 0x1f : n == 2 ? 0x0f : 0x07);
			for (size_t j = 1; j <= n && i + j < len; j++)
				cp = cp << 6 | (p[i + j] & 0x3f);
			i += n;
			r = cp > 0xffff ? fprintf(out, "\\U%08" PRIx32, cp)
					: fprintf(out, "\\u%04" PRIx32, cp);
		}
		if (r < 0)
			return -1;
	}
	return fputc('"', out) == EOF ? -1 : 0;
}

/* How many leading sections (dot-separated components other than the
 * last) paths a and b share: the sections already open when printing b
 * right after a. */
static size_t shared_sections(const char *a, const char *b)
{
	size_t depth = 0;
	for (;;) {
		const char *da = strchr(a, '.'), *db = strchr(b, '.');
		if (!da || !db || da - a != db - b || memcmp(a, b, (size_t)(da - a)))
			return depth;
		depth++;
		a = da + 1;
		b = db + 1;
	}
}

#define YAML_COMMENT_COL 34

int config_write_yaml(const struct cdvm_config *c, FILE *out)
{
	if (fprintf(out, "# cdvm configuration: the effective values, printed by `cdvm config`.\n"
			 "# Every key, its unit and range: docs/config.md.\n") < 0)
		return -1;
	const char *prev = "";
	for (int k = 0; k < CFG_NKEYS; k++) {
		const struct cfg_key *key = &cfg_keys[k];
		size_t depth = shared_sections(prev, key->path);
		/* Skip the components already open, then open the new sections. */
		const char *leaf = key->path;
		for (size_t d = 0; d < depth; d++)
			leaf = strchr(leaf, '.') + 1;
		size_t indent = 2 * depth;
		const char *dot;
		while ((dot = strchr(leaf, '.')) != NULL) {
			if (fprintf(out, "%*s%.*s:\n", (int)indent, "", (int)(dot - leaf), leaf) < 0)
				return -1;
			indent += 2;
			leaf = dot + 1;
		}
		int col = fprintf(out, "%*s%s: ", (int)indent, "", leaf);
		if (col < 0)
			return -1;
		int r;
		if (key->type == CFG_T_STR) {
			r = write_string(out, str_field_c(c, k));
			if (!r)
				r = fputc('\n', out) == EOF ? -1 : 0;
		} else {
			/* the value, then its range and unit as a comment */
			char v[CFG_NUM_TEXT_MAX], lo[CFG_NUM_TEXT_MAX], hi[CFG_NUM_TEXT_MAX];
			scalar_text(c, k, v, sizeof v);
			col += (int)strlen(v);
			int pad = col < YAML_COMMENT_COL ? YAML_COMMENT_COL - col : 1;
			if (key->type == CFG_T_BOOL) {
				r = fprintf(out, "%s%*s# true/false\n", v, pad, "");
			} else {
				cfg_bounds_text(key, lo, hi, sizeof lo);
				r = fprintf(out, "%s%*s# %s..%s%s%s\n", v, pad, "", lo, hi,
					    key->unit[0] ? " " : "", key->unit);
			}
			r = r < 0 ? -1 : 0;
		}
		if (r)
			return -1;
		prev = key->path;
	}
	return ferror(out) ? -1 : 0;
}
