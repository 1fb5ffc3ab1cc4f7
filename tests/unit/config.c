/* tests/unit/config.c — the configuration system: defaults against the
 * schema, every shipped configs/NAME.yaml, YAML and --set round trips (random,
 * with the seed printed; replay with CDVM_SEED=N), reals printed with the
 * fewest digits that read back, strict-parser negative tests that check
 * file:line:col and the key in every message, cross-key validation (with the
 * firmware's boot agreeing on hidden memory), and that configs/default.yaml
 * and docs/config.md equal the generators' output.  Runs from the repo root. */
#include "cms/cms.h"
#include "configs/config.h"
#include "tests/unit/testutil.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */


/* Output of config_write_yaml / config_write_doc as a string. */
static char *yaml_of(const struct cdvm_config *c, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	int r = c ? config_write_yaml(c, f) : config_write_doc(f);
	fclose(f);
	CHECK(r == 0, "writer returned %d", r);
	*len = n;
	return buf;
}

/* Load yaml (named name) on top of the default; expect failure with every
 * NULL-terminated needle in the message and *c left unchanged. */
static void expect_load_error(int line, const char *yaml, ...)
{
	struct cdvm_config c, before;
	struct config_error err = {{0}};
	config_default(&c);
	c.issue_width = 7; /* not the default, to see that nothing is applied */
	before = c;
	int r = config_load_string(&c, yaml, "t.yaml", &err);
	CHECK_AT(r == -1, line, "load should fail: %s", yaml);
	CHECK_AT(!memcmp(&c, &before, sizeof c), line, "config changed by a failed load: %s", yaml);
	va_list ap;
	va_start(ap, yaml);
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL)
		CHECK_AT(strstr(err.msg, needle) != NULL, line, "message '%s' lacks '%s'", err.msg,
		      needle);
	va_end(ap);
}
#define LOAD_ERR(yaml, ...) expect_load_error(__LINE__, yaml, __VA_ARGS__, (const char *)NULL)

static void expect_set_error(int line, const char *assignment, ...)
{
	struct cdvm_config c, before;
	struct config_error err = {{0}};
	config_default(&c);
	before = c;
	int r = config_set(&c, assignment, &err);
	CHECK_AT(r == -1, line, "set should fail: %s", assignment);
	CHECK_AT(!memcmp(&c, &before, sizeof c), line, "config changed by failed set: %s", assignment);
	va_list ap;
	va_start(ap, assignment);
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL)
		CHECK_AT(strstr(err.msg, needle) != NULL, line, "message '%s' lacks '%s'", err.msg,
		      needle);
	va_end(ap);
}
#define SET_ERR(a, ...) expect_set_error(__LINE__, a, __VA_ARGS__, (const char *)NULL)

static void expect_invalid(int line, const struct cdvm_config *c, ...)
{
	struct config_error err = {{0}};
	int r = config_validate(c, &err);
	CHECK_AT(r == -1, line, "validate should fail");
	va_list ap;
	va_start(ap, c);
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL)
		CHECK_AT(strstr(err.msg, needle) != NULL, line, "message '%s' lacks '%s'", err.msg,
		      needle);
	va_end(ap);
}
#define INVALID(c, ...) expect_invalid(__LINE__, c, __VA_ARGS__, (const char *)NULL)

static void expect_valid(int line, const struct cdvm_config *c)
{
	struct config_error err = {{0}};
	int r = config_validate(c, &err);
	CHECK_AT(r == 0, line, "validate failed: %s", err.msg);
}
#define VALID(c) expect_valid(__LINE__, c)

/* ---- defaults and schema ---------------------------------------------- */

static void test_defaults_match_schema(void)
{
	struct cdvm_config c;
	char buf[128], want[128];
	size_t n = 0;
	memset(&c, 0xa5, sizeof c);
	config_default(&c);
	/* Field by name (the struct) and key by path (the table) must both
	 * hold the schema's default: two independent routes. */
#define CFG_INT(field, path, def, min, max, unit, doc)                                   \
	CHECK(c.field == (def), "%s: default %" PRId64 " != %" PRId64, path, c.field,    \
	      (int64_t)(def));                                                           \
	snprintf(want, sizeof want, "%" PRId64, (int64_t)(def));                         \
	CHECK(!config_get(&c, path, buf, sizeof buf) && !strcmp(buf, want), "get %s", path); \
	CHECK(n < config_key_count() && !strcmp(config_key_name(n), path), "order %s", path); \
	n++;
#define CFG_REAL(field, path, def, min, max, unit, doc)                                  \
	CHECK(c.field == (def), "%s: default %.17g != %.17g", path, c.field, (double)(def)); \
	CHECK((def) >= (min) && (def) <= (max), "%s: default out of range", path);       \
	CHECK(!config_get(&c, path, buf, sizeof buf) && strtod(buf, NULL) == (def), "get %s", path); \
	CHECK(n < config_key_count() && !strcmp(config_key_name(n), path), "order %s", path); \
	n++;
#define CFG_BOOL(field, path, def, doc)                                                  \
	CHECK(c.field == (def), "%s: bool default", path);                               \
	CHECK(!config_get(&c, path, buf, sizeof buf) && !strcmp(buf, (def) ? "true" : "false"), \
	      "get %s", path);                                                           \
	CHECK(n < config_key_count() && !strcmp(config_key_name(n), path), "order %s", path); \
	n++;
#define CFG_STR(field, path, def, doc)                                                   \
	CHECK(!strcmp(c.field, def), "%s: string default", path);                        \
	CHECK(!config_get(&c, path, buf, sizeof buf) && !strcmp(buf, def), "get %s", path); \
	CHECK(n < config_key_count() && !strcmp(config_key_name(n), path), "order %s", path); \
	n++;
#include "configs/schema.def"
#undef CFG_INT
#undef CFG_REAL
#undef CFG_BOOL
#undef CFG_STR
	CHECK(n == config_key_count(), "key count %zu vs schema %zu", config_key_count(), n);
	CU_ASSERT_PTR_NULL(config_key_name(n));
	VALID(&c);
}

/* The printer opens each section once, so a schema whose sections are not
 * contiguous, or whose key is also a section, would print invalid YAML. */
static void test_schema_shape(void)
{
	size_t n = config_key_count();
	for (size_t i = 0; i < n; i++) {
		const char *a = config_key_name(i);
		for (size_t j = 0; j < n; j++) {
			const char *b = config_key_name(j);
			if (i == j)
				continue;
			CHECK(strcmp(a, b) != 0, "duplicate key %s", a);
			size_t la = strlen(a);
			CHECK(!(strncmp(a, b, la) == 0 && b[la] == '.'), "%s is key and section", a);
		}
		/* Every section prefix of key i, once closed, never reappears. */
		for (const char *d = strchr(a, '.'); d; d = strchr(d + 1, '.')) {
			size_t plen = (size_t)(d - a) + 1;
			bool closed = false;
			for (size_t j = i + 1; j < n; j++) {
				bool in = !strncmp(config_key_name(j), a, plen);
				if (!in)
					closed = true;
				CHECK(!(in && closed), "section %.*s reopened at %s", (int)plen, a,
				      config_key_name(j));
			}
		}
	}
}

/* ---- committed files equal the generators ------------------------------ */

static void test_default_yaml_file(void)
{
	struct cdvm_config c;
	size_t flen = 0, glen = 0;
	config_default(&c);
	char *file = test_read_file("configs/default.yaml", &flen);
	char *gen = yaml_of(&c, &glen);
	CHECK(file != NULL, "cannot read configs/default.yaml (run from the repo root)");
	if (file && gen)
		CHECK(flen == glen && !memcmp(file, gen, flen),
		      "configs/default.yaml differs from `cdvm config` output; regenerate it");
	free(file);
	free(gen);
}

static void test_doc_file(void)
{
	size_t flen = 0, glen = 0;
	char *file = test_read_file("docs/config.md", &flen);
	char *gen = yaml_of(NULL, &glen);
	CHECK(file != NULL, "cannot read docs/config.md (run from the repo root)");
	if (file && gen)
		CHECK(flen == glen && !memcmp(file, gen, flen),
		      "docs/config.md differs from `cdvm config --doc`; run make docs");
	/* Every key appears in the reference. */
	for (size_t i = 0; gen && i < config_key_count(); i++) {
		char cell[128];
		snprintf(cell, sizeof cell, "| `%s` |", config_key_name(i));
		CHECK(strstr(gen, cell) != NULL, "doc lacks %s", config_key_name(i));
	}
	free(file);
	free(gen);
}

static void test_shipped_configs(void)
{
	DIR *d = opendir("configs");
	CHECK(d != NULL, "cannot open configs/ (run from the repo root)");
	if (!d)
		return;
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
			continue;
		char path[512];
		snprintf(path, sizeof path, "configs/%s", e->d_name);
		struct cdvm_config c;
		struct config_error err = {{0}};
		config_default(&c);
		int r = config_load_file(&c, path, &err);
		CHECK(r == 0, "%s: %s", path, err.msg);
		if (r == 0)
			CHECK(config_validate(&c, &err) == 0, "%s invalid: %s", path, err.msg);
		count++;
	}
	closedir(d);
	CHECK(count >= 4, "expected at least 4 configs/*.yaml, found %d", count);
}

static void test_named_configs(void)
{
	struct cdvm_config c;
	struct config_error err = {{0}};
	config_default(&c);
	CU_ASSERT_EQUAL_FATAL(config_load_file(&c, "configs/crusoe-tm5800.yaml", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "crusoe-tm5800");
	CU_ASSERT_EQUAL(c.issue_width, 4);
	CU_ASSERT_EQUAL(c.units_alu, 2);
	CU_ASSERT_EQUAL(c.units_mem, 1);
	CU_ASSERT_EQUAL(c.units_br, 1);
	CU_ASSERT_EQUAL(c.units_mul, 1);
	CU_ASSERT_EQUAL(c.l1i_kb, 64);
	CU_ASSERT_EQUAL(c.l1i_ways, 8);
	CU_ASSERT_EQUAL(c.l1d_kb, 64);
	CU_ASSERT_EQUAL(c.l1d_ways, 16);
	CU_ASSERT_EQUAL(c.l2_kb, 512);
	CU_ASSERT_EQUAL(c.l2_ways, 4);
	CU_ASSERT_EQUAL(c.hidden_mb, 16);

	config_default(&c);
	CU_ASSERT_EQUAL_FATAL(config_load_file(&c, "configs/wide8.yaml", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "wide8");
	CU_ASSERT_EQUAL(c.issue_width, 8);
	CU_ASSERT_EQUAL(c.l1i_kb, 128);
	CU_ASSERT_EQUAL(c.l1d_kb, 64);
	CU_ASSERT_EQUAL(c.l2_kb, 1024);
	CU_ASSERT_EQUAL(c.hidden_mb, 32);
	CU_ASSERT(c.units_alu >= 2 && c.units_mem == 2 && c.units_br == 2);

	/* A partial file keeps every other key: tiny-tcache on top of wide8. */
	struct cdvm_config wide = c;
	CU_ASSERT_EQUAL_FATAL(config_load_file(&c, "configs/tiny-tcache.yaml", &err), 0);
	CU_ASSERT_EQUAL(c.tcache_kb, 4);
	CU_ASSERT_STRING_EQUAL(c.name, "tiny-tcache");
	wide.tcache_kb = 4;
	strcpy(wide.name, "tiny-tcache");
	CU_ASSERT(config_equal(&c, &wide));
}

/* ---- round trips -------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	return test_rng(&r->s);
}

static int64_t rnd_range(struct rng *r, int64_t lo, int64_t hi)
{
	switch (rnd(r) % 8) {
	case 0:
		return lo;
	case 1:
		return hi;
	default: {
		uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0: all of uint64_t */
		return (int64_t)((uint64_t)lo + (span ? rnd(r) % span : rnd(r)));
	}
	}
}

/* A double in [lo, hi]: the ends, uniform over the range, or a uniform
 * value scaled down by up to 2^-1100, so that small magnitudes (subnormals
 * too) and full 53-bit significands both print. */
static double rnd_real(struct rng *r, double lo, double hi)
{
	double u = (double)(rnd(r) >> 11) * 0x1p-53, v;
	switch (rnd(r) % 8) {
	case 0:
		return lo;
	case 1:
		return hi;
	case 2:
		v = ldexp(u * hi, -(int)(rnd(r) % 1100));
		break;
	default:
		v = lo + (hi - lo) * u;
		break;
	}
	return v < lo ? lo : v > hi ? hi : v;
}

/* A random string of valid UTF-8 that exercises the printer's quoting. */
static void rnd_string(struct rng *r, char *out, size_t cap)
{
	static const char *const pieces[] = {
		"a", "Z", "0", "9", "-", "_", ".", " ", "\"", "\\", "'", ":", "#", "{", "}",
		"[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "\t", "\n", "\r",
		"\x01", "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xc2\x85", "\xef\xbb\xbf",
		"\xf0\x9f\x98\x80", "true", "null", "~", "0x1F", "-1", "yes",
	};
	size_t n = 0, want = (size_t)(rnd(r) % cap);
	out[0] = '\0';
	while (n < want) {
		const char *p = pieces[rnd(r) % (sizeof pieces / sizeof pieces[0])];
		size_t len = strlen(p);
		if (n + len >= cap)
			break;
		memcpy(out + n, p, len);
		n += len;
	}
	out[n] = '\0';
}

/* One of an enum key's space-separated names. */
static void rnd_name(struct rng *r, const char *names, char *out, size_t cap)
{
	size_t count = 1;
	for (const char *p = names; *p; p++)
		count += *p == ' ';
	size_t pick = (size_t)(rnd(r) % count);
	const char *p = names;
	while (pick--)
		p = strchr(p, ' ') + 1;
	snprintf(out, cap, "%.*s", (int)strcspn(p, " "), p);
}

/* Any in-range value for every key (not necessarily cross-valid). */
static void rnd_config(struct rng *r, struct cdvm_config *c)
{
	config_default(c);
#define CFG_INT(field, path, def, min, max, unit, doc) c->field = rnd_range(r, min, max);
#define CFG_REAL(field, path, def, min, max, unit, doc) c->field = rnd_real(r, min, max);
#define CFG_BOOL(field, path, def, doc) c->field = rnd(r) & 1;
#define CFG_STR(field, path, def, doc) rnd_string(r, c->field, sizeof c->field);
#define CFG_ENUM(field, path, def, names, doc) rnd_name(r, names, c->field, sizeof c->field);
#include "configs/schema.def"
#undef CFG_INT
#undef CFG_REAL
#undef CFG_BOOL
#undef CFG_STR
#undef CFG_ENUM
}

static int64_t rnd_pow2(struct rng *r, int lo_log, int hi_log)
{
	return (int64_t)1 << (lo_log + (int)(rnd(r) % (uint64_t)(hi_log - lo_log + 1)));
}

/* A cache of `line` bytes per line: random ways, power-of-two sets, size
 * within [1, max_kb] KiB. */
static void rnd_cache(struct rng *r, int64_t line, int64_t max_kb, int64_t *kb, int64_t *ways)
{
	for (;;) {
		*ways = 1 + (int64_t)(rnd(r) % 32);
		int64_t sets = rnd_pow2(r, 0, 16);
		int64_t bytes = sets * *ways * line;
		if (bytes % 1024 == 0 && bytes / 1024 <= max_kb) {
			*kb = bytes / 1024;
			return;
		}
	}
}

/* A random configuration that passes config_validate. */
static void rnd_valid_config(struct rng *r, struct cdvm_config *c)
{
	rnd_config(r, c);
	c->l1i_line = rnd_pow2(r, 3, 10);
	c->l1d_line = rnd_pow2(r, 3, 10);
	int64_t l1max = c->l1i_line > c->l1d_line ? c->l1i_line : c->l1d_line;
	do
		c->l2_line = rnd_pow2(r, 3, 10);
	while (c->l2_line < l1max);
	rnd_cache(r, c->l1i_line, 65536, &c->l1i_kb, &c->l1i_ways);
	rnd_cache(r, c->l1d_line, 65536, &c->l1d_kb, &c->l1d_ways);
	rnd_cache(r, c->l2_line, 262144, &c->l2_kb, &c->l2_ways);
	/* a TLB of a power-of-two number of sets */
	c->tlb_ways = rnd_pow2(r, 0, 6);
	c->tlb_entries = c->tlb_ways * rnd_pow2(r, 0, 6);
	c->units_alu = rnd_range(r, 1, 16);
	c->units_mem = rnd_range(r, 1, 16);
	c->units_mul = rnd_range(r, 1, 16);
	c->units_br = rnd_range(r, 1, 16);
	/* the firmware data area holds the guest page directory (4 KiB, with
	 * up to 4 KiB lost to its alignment), the 1 MiB translation map and the
	 * profile (>= 8 KiB), so 1 MiB of hidden memory is never enough */
	c->hidden_mb = rnd_range(r, 2, 1024);
	c->guest_mb = rnd_range(r, 1, 3584 - c->hidden_mb < 3072 ? 3584 - c->hidden_mb : 3072);
	/* and the code-chunk bitmap (a bit per cms.smc_granularity bytes) */
	int64_t fixed = 8192 + (1 << 20), hidden = c->hidden_mb << 20;
	/* (coarser chunks until the bitmap takes at most an eighth of hidden memory) */
	c->smc_granularity = rnd_pow2(r, 4, 12);
	while (c->smc_granularity < 4096 && (c->guest_mb << 20) / c->smc_granularity / 8 > hidden / 8)
		c->smc_granularity *= 2;
	if (c->smc_granularity < 4096)
		fixed += (c->guest_mb << 20) / c->smc_granularity / 8 + 256;
	int64_t tc_max = (hidden - fixed - 8192) / 1024;
	c->tcache_kb = rnd_range(r, 4, c->hidden_mb * 512 < tc_max ? c->hidden_mb * 512 : tc_max);
	c->stack_kb = rnd_range(r, 64, 1048576);
	int64_t max_entries = (c->hidden_mb * 1024 - c->tcache_kb) * 1024 / 2 / 8;
	if ((hidden - c->tcache_kb * 1024 - fixed) / 8 < max_entries)
		max_entries = (hidden - c->tcache_kb * 1024 - fixed) / 8;
	do
		c->profile_entries = rnd_pow2(r, 10, 24);
	while (c->profile_entries > max_entries);
	/* a working-set signature of 0 or 2^5..2^12 bits (`phase` needs one),
	 * static ways no more than each cache has */
	c->signature_bits = rnd_range(r, 0, 1) ? rnd_pow2(r, 5, 12) : 0;
	if (!c->signature_bits && !strcmp(c->reconfig_policy, "phase"))
		c->signature_bits = 1024;
	c->reconfig_static_l1i = rnd_range(r, 0, c->l1i_ways);
	c->reconfig_static_l1d = rnd_range(r, 0, c->l1d_ways);
	c->reconfig_static_l2 = rnd_range(r, 0, c->l2_ways);
}

static void roundtrip(const struct cdvm_config *c, const char *what, uint64_t seed, int iter)
{
	size_t len = 0;
	char *yaml = yaml_of(c, &len);
	if (!yaml)
		return;
	struct cdvm_config back;
	struct config_error err = {{0}};
	/* Start from the default: the YAML must set every key itself. */
	config_default(&back);
	int r = config_load_string(&back, yaml, what, &err);
	CHECK(r == 0, "%s (seed %" PRIu64 ", iter %d): reload failed: %s", what, seed, iter,
	      err.msg);
	if (r == 0)
		CHECK(config_equal(c, &back), "%s (seed %" PRIu64 ", iter %d): reloaded config differs",
		      what, seed, iter);
	/* ... and printing it again gives the same bytes. */
	size_t len2 = 0;
	char *again = yaml_of(&back, &len2);
	if (again && r == 0)
		CHECK(len == len2 && !memcmp(yaml, again, len),
		      "%s (seed %" PRIu64 ", iter %d): second print differs", what, seed, iter);
	free(again);
	free(yaml);
}

static void test_roundtrip_default(void)
{
	struct cdvm_config c;
	config_default(&c);
	roundtrip(&c, "default", 0, 0);
	/* The default's YAML loaded over a different config restores all of
	 * the default: nothing is left out of the printout. */
	struct rng r = {0x1234567};
	struct cdvm_config other, def;
	struct config_error err = {{0}};
	size_t len;
	config_default(&def);
	rnd_config(&r, &other);
	char *yaml = yaml_of(&def, &len);
	CU_ASSERT_EQUAL_FATAL(config_load_string(&other, yaml, "default", &err), 0);
	CU_ASSERT(config_equal(&other, &def));
	free(yaml);
}

static void test_roundtrip_random(void)
{
	uint64_t seed = test_seed("config round trip");
	struct rng r = {seed};
	struct config_error err = {{0}};
	for (int i = 0; i < 300; i++) {
		struct cdvm_config c;
		rnd_valid_config(&r, &c);
		int v = config_validate(&c, &err);
		CHECK(v == 0, "seed %" PRIu64 " iter %d: generated config invalid: %s", seed, i, err.msg);
		roundtrip(&c, "random valid", seed, i);
		rnd_config(&r, &c);
		roundtrip(&c, "random in-range", seed, i);
	}
}

/* --set of every key's printed value reproduces the config. */
static void test_set_roundtrip(void)
{
	struct rng r = {0xdeadbeef};
	for (int i = 0; i < 50; i++) {
		struct cdvm_config c, back;
		struct config_error err = {{0}};
		rnd_config(&r, &c);
		config_default(&back);
		for (size_t k = 0; k < config_key_count(); k++) {
			char val[128], assign[256];
			CU_ASSERT_EQUAL(config_get(&c, config_key_name(k), val, sizeof val), 0);
			snprintf(assign, sizeof assign, "%s=%s", config_key_name(k), val);
			CHECK(config_set(&back, assign, &err) == 0, "%s: %s", assign, err.msg);
		}
		CU_ASSERT(config_equal(&c, &back));
	}
}

/* ---- accepted syntax -------------------------------------------------- */

static void test_nesting_forms(void)
{
	static const char *const forms[] = {
		"core:\n  units:\n    alu: 3\n",
		"core.units.alu: 3\n",
		"core:\n  units.alu: 3\n",
		"core: {units: {alu: 3}}\n",
		"{core.units: {alu: 3}}\n",
		"# only a comment\ncore:\n  units:\n    # here too\n    alu: 3  # and here\n",
		"---\ncore.units.alu: 3\n...\n",
		"core.units.alu: 0x3\n",
		"core.units.alu: &x 3\n",
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct cdvm_config c, want;
		struct config_error err = {{0}};
		config_default(&c);
		config_default(&want);
		want.units_alu = 3;
		int r = config_load_string(&c, forms[i], "t.yaml", &err);
		CHECK(r == 0, "form %zu: %s", i, err.msg);
		CHECK(config_equal(&c, &want), "form %zu sets something else", i);
	}
	/* Empty input and an empty document set nothing. */
	static const char *const empty[] = {"", "# nothing\n", "---\n", "{}\n"};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		struct cdvm_config c, want;
		struct config_error err = {{0}};
		config_default(&c);
		c.issue_width = 9;
		want = c;
		CHECK(config_load_string(&c, empty[i], NULL, &err) == 0, "empty %zu: %s", i, err.msg);
		CHECK(config_equal(&c, &want), "empty %zu changed the config", i);
	}
}

static void test_values(void)
{
	struct cdvm_config c;
	struct config_error err = {{0}};
	config_default(&c);
	CU_ASSERT_EQUAL(config_load_string(&c, "sim.max_cycles: 9223372036854775807\n", NULL, &err), 0);
	CU_ASSERT_EQUAL(c.max_cycles, INT64_MAX);
	CU_ASSERT_EQUAL(config_load_string(&c, "sim.max_cycles: 0x7fffffffffffffff\n", NULL, &err), 0);
	CU_ASSERT_EQUAL(c.max_cycles, INT64_MAX);
	CU_ASSERT_EQUAL(config_load_string(&c, "sim.max_cycles: 0\n", NULL, &err), 0);
	CU_ASSERT_EQUAL(c.max_cycles, 0);
	CU_ASSERT_EQUAL(config_load_string(&c, "faults.detect.cache: true\n", NULL, &err), 0);
	CU_ASSERT_TRUE(c.detect_cache);
	CU_ASSERT_EQUAL(config_load_string(&c, "faults: {detect: {cache: false}}\n", NULL, &err), 0);
	CU_ASSERT_FALSE(c.detect_cache);
	CU_ASSERT_EQUAL(config_load_string(&c, "name: \"a \\\"b\\\" \\u00e9\"\n", NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "a \"b\" \xc3\xa9");
	CU_ASSERT_EQUAL(config_load_string(&c, "name: 'it''s'\n", NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "it's");
	CU_ASSERT_EQUAL(config_load_string(&c, "name: 1234\n", NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "1234");
	CU_ASSERT_EQUAL(config_load_string(&c, "name: \"\"\n", NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "");
	char s63[80];
	memset(s63, 'x', 63);
	s63[63] = '\0';
	char yaml[128];
	snprintf(yaml, sizeof yaml, "name: %s\n", s63);
	CU_ASSERT_EQUAL(config_load_string(&c, yaml, NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, s63);
	/* Boundaries of a range are inside it. */
	CU_ASSERT_EQUAL(config_load_string(&c, "core.issue_width: 1\n", NULL, &err), 0);
	CU_ASSERT_EQUAL(config_load_string(&c, "core.issue_width: 16\n", NULL, &err), 0);
	CU_ASSERT_EQUAL(c.issue_width, 16);
}

/* Reals in JSON's number syntax, to the nearest double, ends included. */
static void test_real_values(void)
{
	static const struct {
		const char *text;
		double want;
	} cases[] = {
		{"10", 10}, {"10.5", 10.5}, {"1e-3", 1e-3}, {"1E-3", 1e-3}, {"0.5e+1", 5},
		{"2.0", 2}, {"0", 0}, {"-0", 0}, {"0.3", 0.3}, {"1.99999999999999999999", 2},
		{"0.000000000000000000000000000001", 1e-30}, {"5e-324", 5e-324}, {"1e-400", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cdvm_config c;
		struct config_error err = {{0}};
		char yaml[128], assign[128];
		config_default(&c);
		snprintf(yaml, sizeof yaml, "energy.memory.access_pj: %s\n", cases[i].text);
		CHECK(config_load_string(&c, yaml, NULL, &err) == 0, "%s: %s", yaml, err.msg);
		CHECK(c.energy_memory_pj == cases[i].want, "%s read as %.17g", yaml, c.energy_memory_pj);
		config_default(&c);
		snprintf(assign, sizeof assign, "energy.memory.access_pj=%s", cases[i].text);
		CHECK(config_set(&c, assign, &err) == 0, "%s: %s", assign, err.msg);
		CHECK(c.energy_memory_pj == cases[i].want, "%s set %.17g", assign, c.energy_memory_pj);
	}
	/* both ends of a range are inside it */
	struct cdvm_config c;
	struct config_error err = {{0}};
	config_default(&c);
	CU_ASSERT_EQUAL(config_load_string(&c, "energy: {vdd: 0.3, sram.ref_kb: 1048576}\n", NULL, &err), 0);
	CU_ASSERT(c.energy_vdd == 0.3 && c.energy_sram_ref_kb == 1048576);
	CU_ASSERT_EQUAL(config_load_string(&c, "energy: {vdd: 2, sram.ref_kb: 0.0625}\n", NULL, &err), 0);
	CU_ASSERT(c.energy_vdd == 2 && c.energy_sram_ref_kb == 0.0625);
}

/* The fewest digits that read back: 15 when they do, else 16 or 17;
 * integral values print as integers. */
static void test_real_printing(void)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{2000, "2000"}, {0.9, "0.9"}, {0.1, "0.1"}, {3.1, "3.1"}, {0.0625, "0.0625"},
		{1000000, "1000000"}, {1e-3, "0.001"}, {1e-5, "1e-05"}, {0.1 + 0.2, "0.30000000000000004"},
		{1.0 / 3, "0.3333333333333333"}, {5e-324, "4.94065645841247e-324"}, {0, "0"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cdvm_config c, back;
		struct config_error err = {{0}};
		char buf[64], line[96];
		size_t len;
		config_default(&c);
		c.energy_memory_pj = cases[i].v;
		CU_ASSERT_EQUAL(config_get(&c, "energy.memory.access_pj", buf, sizeof buf), 0);
		CHECK(!strcmp(buf, cases[i].text), "%.17g printed as %s, not %s", cases[i].v, buf,
		      cases[i].text);
		char *yaml = yaml_of(&c, &len);
		snprintf(line, sizeof line, "\n    access_pj: %s ", cases[i].text);
		CHECK(yaml && strstr(yaml, line) != NULL, "YAML lacks '%s'", line);
		config_default(&back);
		CHECK(yaml && config_load_string(&back, yaml, NULL, &err) == 0, "%s", err.msg);
		CHECK(back.energy_memory_pj == cases[i].v, "%s read back as %.17g", cases[i].text,
		      back.energy_memory_pj);
		free(yaml);
	}
	/* config_get refuses a buffer one byte short, as for integers */
	struct cdvm_config c;
	char buf[8];
	config_default(&c);
	c.energy_vdd = 0.1 + 0.2;
	CU_ASSERT_EQUAL(config_get(&c, "energy.vdd", buf, sizeof buf), -1);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

/* ---- strict errors, each with file:line:col and the key ---------------- */

static void test_errors_keys(void)
{
	LOAD_ERR("core:\n  issue_widht: 4\n", "t.yaml:2:3:", "'core.issue_widht'", "unknown key",
		 "did you mean 'core.issue_width'");
	LOAD_ERR("name: x\nbogus: 1\n", "t.yaml:2:1:", "'bogus'", "unknown key");
	LOAD_ERR("cache:\n  l1d:\n    ways: 4\n    size: 32\n", "t.yaml:4:5:", "'cache.l1d.size'",
		 "unknown key");
	LOAD_ERR("cache.l3.size_kb: 4\n", "t.yaml:1:1:", "'cache.l3.size_kb'", "unknown key");
	LOAD_ERR("core:\n  units:\n    alu:\n      x: 1\n", "t.yaml:4:7:", "'core.units.alu'",
		 "expected an integer, got a mapping");
	LOAD_ERR("core:\n  units.vec: 1\n", "t.yaml:2:3:", "'core.units.vec'", "unknown key");
	/* Duplicates, literal and through a different spelling. */
	LOAD_ERR("core:\n  issue_width: 4\n  issue_width: 5\n", "t.yaml:3:3:",
		 "'core.issue_width'", "duplicate key", "line 2, column 3");
	LOAD_ERR("core:\n  issue_width: 4\ncore.issue_width: 5\n", "t.yaml:3:1:",
		 "'core.issue_width'", "duplicate key", "line 2, column 3");
	LOAD_ERR("core:\n  units: {alu: 1}\ncore:\n  latency: {alu: 1}\n", "t.yaml:3:1:", "'core'",
		 "duplicate key", "line 1, column 1");
	/* Sections need mappings, leaves need scalars. */
	LOAD_ERR("core: 4\n", "t.yaml:1:7:", "'core'", "section");
	LOAD_ERR("core:\n  units: [1, 2]\n", "t.yaml:2:10:", "'core.units'", "section", "sequence");
	LOAD_ERR("core:\n", "t.yaml:1:6:", "'core'", "section");
}

static void test_errors_values(void)
{
	LOAD_ERR("core:\n  issue_width: four\n", "t.yaml:2:16:", "'core.issue_width'",
		 "expected an integer", "'four'");
	LOAD_ERR("core:\n  issue_width: \"4\"\n", "t.yaml:2:16:", "'core.issue_width'",
		 "quoted string");
	LOAD_ERR("core:\n  issue_width: [4]\n", "t.yaml:2:16:", "'core.issue_width'", "sequence");
	LOAD_ERR("core:\n  issue_width: 4k\n", "t.yaml:2:16:", "'core.issue_width'",
		 "expected an integer");
	LOAD_ERR("core:\n  issue_width: 4.0\n", "t.yaml:2:16:", "expected an integer");
	LOAD_ERR("core:\n  issue_width: 04\n", "t.yaml:2:16:", "expected an integer");
	LOAD_ERR("core:\n  issue_width: 0x\n", "t.yaml:2:16:", "expected an integer");
	LOAD_ERR("core:\n  issue_width: +4\n", "t.yaml:2:16:", "expected an integer");
	LOAD_ERR("core:\n  issue_width:\n", "t.yaml:2:15:", "'core.issue_width'", "missing value");
	LOAD_ERR("core:\n  issue_width: 99\n", "t.yaml:2:16:", "'core.issue_width'",
		 "out of range [1, 16]");
	LOAD_ERR("core:\n  issue_width: 0\n", "t.yaml:2:16:", "out of range [1, 16]");
	LOAD_ERR("core:\n  issue_width: -1\n", "t.yaml:2:16:", "out of range [1, 16]");
	LOAD_ERR("sim.max_cycles: 9223372036854775808\n", "t.yaml:1:17:", "'sim.max_cycles'",
		 "out of range [0, 9223372036854775807]");
	LOAD_ERR("sim.max_cycles: 99999999999999999999999\n", "t.yaml:1:17:", "out of range");
	LOAD_ERR("sim.max_cycles: 0x10000000000000000\n", "t.yaml:1:17:", "out of range");
	LOAD_ERR("energy:\n  vdd: high\n", "t.yaml:2:8:", "'energy.vdd'", "expected a decimal number",
		 "'high'");
	LOAD_ERR("energy:\n  vdd: \"0.9\"\n", "t.yaml:2:8:", "'energy.vdd'",
		 "expected a number, got the quoted string '0.9'");
	LOAD_ERR("energy:\n  vdd:\n", "t.yaml:2:7:", "'energy.vdd'",
		 "missing value (expected a number in [0.3, 2])");
	LOAD_ERR("energy.vdd: [1]\n", "t.yaml:1:13:", "'energy.vdd'", "expected a number, got a sequence");
	LOAD_ERR("energy.vdd: 2.5\n", "t.yaml:1:13:", "'energy.vdd'", "value 2.5 out of range [0.3, 2]");
	LOAD_ERR("energy.vdd: 0.2\n", "t.yaml:1:13:", "out of range [0.3, 2]");
	LOAD_ERR("energy.vdd: -2.5\n", "t.yaml:1:13:", "value -2.5 out of range [0.3, 2]");
	LOAD_ERR("energy.vdd: 2.0000000001\n", "t.yaml:1:13:", "out of range");
	LOAD_ERR("energy.sram.ref_kb: 0.0624\n", "t.yaml:1:21:", "out of range [0.0625, 1048576]");
	LOAD_ERR("energy.memory.access_pj: 1e999\n", "t.yaml:1:26:", "value 1e999 out of range");
	LOAD_ERR("energy.memory.access_pj: -1e999\n", "t.yaml:1:26:", "out of range");
	static const char *const bad_reals[] = {
		"0x1", "0x1p3", "inf", "-inf", ".inf", "nan", ".NaN", "Infinity", "+1", "1.", ".5",
		"01", "00.5", "1e", "1e+", "1.5x", "1,5", "1_000", "1 0", "--1", "1e3.5",
		"0.9V", "true", "~",
	};
	for (size_t i = 0; i < sizeof bad_reals / sizeof bad_reals[0]; i++) {
		char yaml[64], assign[64];
		snprintf(yaml, sizeof yaml, "energy.vdd: %s\n", bad_reals[i]);
		LOAD_ERR(yaml, "t.yaml:1:13:", "'energy.vdd'", "expected a decimal number");
		snprintf(assign, sizeof assign, "energy.vdd=%s", bad_reals[i]);
		SET_ERR(assign, "--set energy.vdd=", "'energy.vdd'", "expected a decimal number");
	}
	char longnum[160] = "energy.vdd: 0.";
	memset(longnum + strlen(longnum), '9', 130);
	strcat(longnum, "\n");
	LOAD_ERR(longnum, "t.yaml:1:13:", "'energy.vdd'", "number of 132 characters",
		 "longer than the maximum 127");
	LOAD_ERR("faults.detect.unit: yes\n", "t.yaml:1:21:", "'faults.detect.unit'",
		 "expected true or false", "'yes'");
	LOAD_ERR("faults.detect.unit: True\n", "t.yaml:1:21:", "expected true or false");
	LOAD_ERR("faults.detect.unit: 'true'\n", "t.yaml:1:21:", "expected true or false");
	LOAD_ERR("faults.detect.unit: 1\n", "t.yaml:1:21:", "expected true or false");
	LOAD_ERR("name:\ncore.issue_width: 4\n", "t.yaml:1:6:", "'name'", "missing value");
	LOAD_ERR("name: [a]\n", "t.yaml:1:7:", "'name'", "expected a string, got a sequence");
	LOAD_ERR("name: 0123456789012345678901234567890123456789012345678901234567890123\n",
		 "t.yaml:1:7:", "'name'", "longer than the maximum 63");
	LOAD_ERR("name: \"a\\0b\"\n", "t.yaml:1:7:", "'name'", "NUL");
	LOAD_ERR("core: {issue_width: !!int 4}\n", "t.yaml:1:21:", "'core.issue_width'", "tags");
	LOAD_ERR("name: &n x\ncore.issue_width: *n\n", "t.yaml:2:19:", "'core.issue_width'",
		 "alias");
}

static void test_errors_syntax(void)
{
	LOAD_ERR("core:\n  units:\n    alu: 2\n   mem: 3\n", "t.yaml:4:4:", "malformed YAML",
		 "'core.units.alu'");
	LOAD_ERR("core: {units: {alu: 2}\n", "t.yaml:2:1:", "malformed YAML", "'core.units.alu'");
	LOAD_ERR("core:\n  issue_width: \"4\n", "t.yaml:", "malformed YAML", "'core.issue_width'");
	LOAD_ERR("name: x\n\tcore: 1\n", "t.yaml:2:", "malformed YAML", "'name'");
	LOAD_ERR("name: ok\nname2: \"\xff\"\n", "t.yaml:2:9:", "malformed YAML", "UTF-8");
	LOAD_ERR("name: a\n---\nname: b\n", "t.yaml:2:1:", "more than one YAML document");
	LOAD_ERR("- core\n- cache\n", "t.yaml:1:1:", "top level must be a mapping", "sequence");
	LOAD_ERR("just a scalar\n", "t.yaml:1:1:", "top level must be a mapping");
	LOAD_ERR("? [a, b]\n: 1\n", "t.yaml:1:3:", "mapping key");
	LOAD_ERR("core:\n  ? {a: 1}\n  : 1\n", "t.yaml:2:5:", "'core'", "mapping key");
}

static void test_load_file_errors(void)
{
	struct cdvm_config c;
	struct config_error err = {{0}};
	config_default(&c);
	CU_ASSERT_EQUAL(config_load_file(&c, "configs/no-such-file.yaml", &err), -1);
	CHECK(strstr(err.msg, "configs/no-such-file.yaml") && strstr(err.msg, "cannot open"), "%s",
	      err.msg);
	CU_ASSERT_EQUAL(config_load_file(&c, "configs", &err), -1);
	CHECK(strstr(err.msg, "configs: is a directory") != NULL, "%s", err.msg);
	/* a device that never ends stops at the cap */
	CU_ASSERT_EQUAL(config_load_file(&c, "/dev/zero", &err), -1);
	CHECK(strstr(err.msg, "/dev/zero: larger than 16777216 bytes") != NULL, "%s", err.msg);

	char path[] = "/tmp/cdvm-config-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# a file\ncore:\n  units:\n    alu: 1\n    mul: seventeen\n", f);
	fclose(f);
	struct cdvm_config before = c;
	CU_ASSERT_EQUAL(config_load_file(&c, path, &err), -1);
	char want[128];
	snprintf(want, sizeof want, "%s:5:10: key 'core.units.mul': expected an integer", path);
	CHECK(strstr(err.msg, want) != NULL, "'%s' lacks '%s'", err.msg, want);
	CU_ASSERT(!memcmp(&c, &before, sizeof c)); /* alu: 1 was not applied */
	unlink(path);
}

/* ---- --set ------------------------------------------------------------ */

static void test_set(void)
{
	struct cdvm_config c;
	struct config_error err = {{0}};
	config_default(&c);
	CU_ASSERT_EQUAL(config_set(&c, "core.issue_width=8", &err), 0);
	CU_ASSERT_EQUAL(c.issue_width, 8);
	CU_ASSERT_EQUAL(config_set(&c, "cache.l2.size_kb=0x400", &err), 0);
	CU_ASSERT_EQUAL(c.l2_kb, 1024);
	CU_ASSERT_EQUAL(config_set(&c, "faults.detect.memory=true", &err), 0);
	CU_ASSERT_TRUE(c.detect_memory);
	CU_ASSERT_EQUAL(config_set(&c, "name=a b=c: \"d\"", &err), 0); /* raw */
	CU_ASSERT_STRING_EQUAL(c.name, "a b=c: \"d\"");
	CU_ASSERT_EQUAL(config_set(&c, "name=", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "");

	SET_ERR("core.issue_width", "--set core.issue_width:", "expected key=value");
	SET_ERR("=4", "--set =4:", "missing key");
	SET_ERR("core.issue_widht=8", "--set core.issue_widht=8:", "'core.issue_widht'",
		"unknown key", "did you mean 'core.issue_width'");
	SET_ERR("core.units=2", "--set core.units=2:", "'core.units'", "section");
	SET_ERR("core.issue_width=99", "--set core.issue_width=99:", "'core.issue_width'",
		"out of range [1, 16]");
	SET_ERR("core.issue_width=eight", "--set core.issue_width=eight:", "expected an integer");
	SET_ERR("core.issue_width=", "--set core.issue_width=:", "missing value");
	SET_ERR("core.issue_width= 8", "expected an integer");
	SET_ERR("faults.detect.unit=1", "--set faults.detect.unit=1:", "expected true or false");
	SET_ERR("energy.vdd=", "--set energy.vdd=:", "missing value (expected a number in [0.3, 2])");
	SET_ERR("energy.vdd=3", "--set energy.vdd=3:", "'energy.vdd'", "value 3 out of range [0.3, 2]");
	SET_ERR("energy.vdd= 1", "expected a decimal number");
	SET_ERR("energy.vdd=1 ", "expected a decimal number");
	SET_ERR("name=0123456789012345678901234567890123456789012345678901234567890123",
		"'name'", "longer than the maximum 63");
	SET_ERR("name=\xff", "'name'", "not valid UTF-8");
}

/* ---- cross-key validation ---------------------------------------------- */

static void test_validate(void)
{
	struct cdvm_config c;
	config_default(&c);
	VALID(&c);

	config_default(&c);
	c.l1i_line = 48;
	INVALID(&c, "'cache.l1i.line'", "power of two");
	config_default(&c);
	c.l1d_kb = 48; /* 48 KiB / (8 * 32) = 192 sets */
	INVALID(&c, "'cache.l1d.size_kb'", "'cache.l1d.ways'", "'cache.l1d.line'", "sets");
	config_default(&c);
	c.l1d_kb = 1;
	c.l1d_ways = 3; /* 1024 / 96 is not whole */
	INVALID(&c, "'cache.l1d.size_kb'", "sets");
	config_default(&c);
	c.l1d_kb = 48;
	c.l1d_ways = 12; /* 48 KiB / (12 * 32) = 128 sets: fine */
	VALID(&c);
	config_default(&c);
	c.l2_kb = 16;
	c.l2_ways = 32;
	c.l2_line = 1024; /* 16 KiB / 32 KiB: less than one set */
	INVALID(&c, "'cache.l2.size_kb'", "sets");
	config_default(&c);
	c.l2_line = 16;
	INVALID(&c, "'cache.l2.line'", "'cache.l1i.line'", "'cache.l1d.line'");
	config_default(&c);
	c.l1d_line = 128;
	INVALID(&c, "'cache.l2.line'");
	config_default(&c);
	c.units_alu = 0;
	INVALID(&c, "'core.units.alu'", "at least 1");
	config_default(&c);
	c.units_mul = 0;
	INVALID(&c, "'core.units.mul'");
	config_default(&c);
	c.units_mem = 0;
	INVALID(&c, "'core.units.mem'");
	config_default(&c);
	c.units_br = 0;
	INVALID(&c, "'core.units.br'");
	config_default(&c);
	c.issue_width = 0; /* also out of range */
	INVALID(&c, "'core.issue_width'");
	config_default(&c);
	c.tcache_kb = c.hidden_mb * 512;
	VALID(&c);
	c.tcache_kb++;
	INVALID(&c, "'cms.tcache_kb'", "'memory.hidden_mb'");
	config_default(&c);
	c.guest_mb = 3072;
	c.hidden_mb = 512;
	VALID(&c);
	c.hidden_mb = 513;
	INVALID(&c, "'memory.guest_mb'", "'memory.hidden_mb'", "3584");
	/* the stack is virtual and grows on demand: its limit is not bound to guest RAM */
	config_default(&c);
	c.guest_mb = 1;
	c.stack_kb = 1048576;
	VALID(&c);
	config_default(&c);
	c.profile_entries = 3000;
	INVALID(&c, "'cms.profile_entries'", "power of two");
	config_default(&c);
	c.hidden_mb = 16;
	c.tcache_kb = 8192;
	c.profile_entries = 524288; /* 4 MiB: half of the 8 MiB firmware data area */
	VALID(&c);
	c.profile_entries *= 2;
	INVALID(&c, "'cms.profile_entries'", "'cms.tcache_kb'");
	/* the fixed firmware tables: a 1 MiB carve-out never holds them */
	config_default(&c);
	c.hidden_mb = 1;
	c.tcache_kb = 4;
	c.profile_entries = 1024;
	INVALID(&c, "'memory.hidden_mb' (1 MiB)", "'cms.tcache_kb' (4 KiB)", "'cms.profile_entries'",
		"guest page directory 4 KiB", "translation map 1024 KiB");
	config_default(&c);
	c.store_buffer = 0; /* range checked again for structs built in code */
	INVALID(&c, "'core.store_buffer'", "out of range [1, 4096]");
	config_default(&c);
	c.energy_vdd = 2.0000000000000004;
	INVALID(&c, "'energy.vdd'", "value 2.0000000000000004 out of range [0.3, 2]");
	c.energy_vdd = NAN; /* compares false with both ends */
	INVALID(&c, "'energy.vdd'", "out of range [0.3, 2]");
	c.energy_vdd = -INFINITY;
	INVALID(&c, "'energy.vdd'", "out of range");
	c.energy_vdd = 0.3;
	VALID(&c);
	config_default(&c);
	memset(c.name, 'x', sizeof c.name); /* no NUL */
	INVALID(&c, "'name'");
}

/* The configuration check and the firmware's boot agree on what fits in
 * hidden memory: at the edge the check passes and the firmware boots (every
 * table allocated); one KiB less of firmware data and both refuse, with the
 * same message. */
static void test_hidden_fit_edge(void)
{
	struct cdvm_config c;
	struct config_error err = {{0}};
	char msg[512];
	struct cms *m = NULL;
	config_default(&c);
	c.hidden_mb = 2;
	c.profile_entries = 65536;  /* 512 KiB */
	/* 2048 - 508 = 4 (the guest page directory) + 512 + 1024 KiB */
	c.tcache_kb = 508;
	/* a code-chunk bitmap of 64-byte chunks (129 KiB) does not fit there */
	INVALID(&c, "code-chunk bitmap 129 KiB", "'cms.smc_granularity'");
	c.smc_granularity = 4096;   /* whole pages: no bitmap */
	VALID(&c);
	CHECK(cms_create(&c, CMS_MODE_INTERP, &m, msg, sizeof msg) == 0, "boot at the edge: %s", msg);
	cms_destroy(m);
	/* the directory is aligned to its 4 KiB: 3 KiB of the area are lost before it */
	c.tcache_kb = 509;
	INVALID(&c, "'cms.tcache_kb' (509 KiB)", "leave 1539 KiB", "(1543 KiB)");
	config_validate(&c, &err);
	m = NULL;
	CU_ASSERT_EQUAL(cms_create(&c, CMS_MODE_INTERP, &m, msg, sizeof msg), -1);
	CHECK(!strcmp(msg, err.msg), "boot says '%s', the check '%s'", msg, err.msg);
	/* no fixed table grows with guest RAM but the code-chunk bitmap (page
	 * tables are allocated as the guest maps memory) */
	c.tcache_kb = 508;
	c.guest_mb = 3072;
	VALID(&c);
	c.smc_granularity = 2048;
	INVALID(&c, "'cms.smc_granularity'", "code-chunk bitmap 193 KiB");
}

/* Strings print plain only when no YAML reader could take them for
 * anything else; the rest are double-quoted, escaped, pure ASCII. */
static void test_string_printing(void)
{
	static const struct {
		const char *value, *line;
	} cases[] = {
		{"wide8", "\nname: wide8\n"},
		{"crusoe-tm5800", "\nname: crusoe-tm5800\n"},
		{"true", "\nname: \"true\"\n"},
		{"No", "\nname: \"No\"\n"},
		{"null", "\nname: \"null\"\n"},
		{"", "\nname: \"\"\n"},
		{"12", "\nname: \"12\"\n"},
		{"a b", "\nname: \"a b\"\n"},
		{"a: b", "\nname: \"a: b\"\n"},
		{"q\"\\", "\nname: \"q\\\"\\\\\"\n"},
		{"t\tn\n", "\nname: \"t\\x09n\\x0a\"\n"},
		{"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80", "\nname: \"\\u00e9\\u2028\\U0001f600\"\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cdvm_config c;
		size_t len;
		config_default(&c);
		strcpy(c.name, cases[i].value);
		char *yaml = yaml_of(&c, &len);
		if (yaml)
			CHECK(strstr(yaml, cases[i].line) != NULL, "case %zu: no line %s", i, cases[i].line);
		free(yaml);
	}
}

static void test_get(void)
{
	struct cdvm_config c;
	char buf[64];
	config_default(&c);
	c.max_cycles = INT64_MAX;
	CU_ASSERT_EQUAL(config_get(&c, "sim.max_cycles", buf, sizeof buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "9223372036854775807");
	CU_ASSERT_EQUAL(config_get(&c, "sim.max_cycles", buf, 5), -1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(config_get(&c, "core", buf, sizeof buf), -1);
	CU_ASSERT_EQUAL(config_get(&c, "nope", buf, sizeof buf), -1);
	CU_ASSERT_EQUAL(config_get(&c, "name", buf, sizeof buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "default");
}

void suite_config(void);
void suite_config(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "defaults match schema.def", test_defaults_match_schema);
	CU_add_test(s, "schema sections are contiguous", test_schema_shape);
	CU_add_test(s, "configs/default.yaml is current", test_default_yaml_file);
	CU_add_test(s, "docs/config.md is current", test_doc_file);
	CU_add_test(s, "every configs/*.yaml loads and validates", test_shipped_configs);
	CU_add_test(s, "named configs hold their values", test_named_configs);
	CU_add_test(s, "round trip of the default", test_roundtrip_default);
	CU_add_test(s, "round trip of random configs", test_roundtrip_random);
	CU_add_test(s, "--set of printed values", test_set_roundtrip);
	CU_add_test(s, "nested, dotted and flow forms", test_nesting_forms);
	CU_add_test(s, "integer, bool and string values", test_values);
	CU_add_test(s, "real values", test_real_values);
	CU_add_test(s, "real printing", test_real_printing);
	CU_add_test(s, "errors: keys", test_errors_keys);
	CU_add_test(s, "errors: values", test_errors_values);
	CU_add_test(s, "errors: malformed YAML", test_errors_syntax);
	CU_add_test(s, "errors: files", test_load_file_errors);
	CU_add_test(s, "--set", test_set);
	CU_add_test(s, "cross-key validation", test_validate);
	CU_add_test(s, "hidden memory: check and boot agree", test_hidden_fit_edge);
	CU_add_test(s, "string printing", test_string_printing);
	CU_add_test(s, "config_get", test_get);
}
