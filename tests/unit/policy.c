/* tests/unit/policy.c — firmware policies chosen by configuration
 * (cms/policy/): every name the schema accepts has a table and every
 * table's name is accepted; unknown names are rejected with the place and
 * the valid names; and each non-default table changes the run the way it
 * says (never translate: no translations; evict none: no flushes; the
 * periodic hook runs floor(cycles / period) times, reading counters at
 * cms.cost.cr_access a read); the control-register doors write the masks
 * and a unit-mask change flushes translations.  Guests come from
 * build/guests (make guests). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "cms/policy/policy.h"
#include "configs/config.h"
#include "hw-sim/chip.h"
#include "tests/unit/testutil.h"

static const char *const policy_keys[] = {"cms.policy.translate", "cms.policy.evict", "cms.policy.recover",
					  "cms.policy.periodic", "cms.reconfig.policy"};
enum { KINDS = sizeof policy_keys / sizeof policy_keys[0] };

/* The names of table list `kind` (as policy_keys), or NULL past the end. */
static const char *table_name(unsigned kind, size_t i)
{
	switch (kind) {
	case 0: return translate_policies[i] ? translate_policies[i]->name : NULL;
	case 1: return evict_policies[i] ? evict_policies[i]->name : NULL;
	case 2: return recover_policies[i] ? recover_policies[i]->name : NULL;
	case 3: return periodic_policies[i] ? periodic_policies[i]->name : NULL;
	default: return reconfig_policies[i] ? reconfig_policies[i]->name : NULL;
	}
}

static int create_ok(const struct cdvm_config *cfg)
{
	struct cms *m;
	char err[256];
	int r = cms_create(cfg, CMS_MODE_TRANSLATE, &m, err, sizeof err);
	if (r == 0)
		cms_destroy(m);
	return r == 0;
}

/* Both directions: a table for every name in the schema (the names listed
 * in the error for a bad one), and the schema accepts every table. */
static void test_names_match_tables(void)
{
	for (unsigned k = 0; k < KINDS; k++) {
		struct cdvm_config cfg;
		struct config_error e;
		char set[128];
		config_default(&cfg);
		for (size_t i = 0; table_name(k, i); i++) {
			snprintf(set, sizeof set, "%s=%s", policy_keys[k], table_name(k, i));
			CHECK(config_set(&cfg, set, &e) == 0, "%s: %s", set, e.msg);
			CHECK(create_ok(&cfg), "cms_create with %s", set);
		}
		snprintf(set, sizeof set, "%s=no-such-policy", policy_keys[k]);
		CU_ASSERT_EQUAL(config_set(&cfg, set, &e), -1);
		const char *list = strstr(e.msg, "valid names: ");
		CU_ASSERT_PTR_NOT_NULL_FATAL(list);
		unsigned nlisted = 0;
		for (const char *q = strchr(list, '\''); q; q = strchr(strchr(q + 1, '\'') + 1, '\'')) {
			const char *end = strchr(q + 1, '\'');
			size_t n = (size_t)(end - q - 1), i;
			for (i = 0; table_name(k, i); i++)
				if (strlen(table_name(k, i)) == n && !memcmp(table_name(k, i), q + 1, n))
					break;
			CHECK(table_name(k, i) != NULL, "%s: schema name '%.*s' has no table", policy_keys[k], (int)n, q + 1);
			nlisted++;
		}
		CU_ASSERT(nlisted >= 1);
	}
}

static void test_unknown_name_rejected(void)
{
	struct cdvm_config cfg, before;
	struct config_error e;
	config_default(&cfg);
	before = cfg;
	CU_ASSERT_EQUAL(config_load_string(&cfg, "cms:\n  policy:\n    evict: lru\n", "chip.yaml", &e), -1);
	CHECK(strstr(e.msg, "chip.yaml:3:") && strstr(e.msg, "'cms.policy.evict'") && strstr(e.msg, "'lru'") &&
		      strstr(e.msg, "'flush', 'none'"),
	      "message: %s", e.msg);
	CU_ASSERT(config_equal(&cfg, &before));
	CU_ASSERT_EQUAL(config_set(&cfg, "cms.policy.translate=sometimes", &e), -1);
	CHECK(strstr(e.msg, "'cms.policy.translate'") && strstr(e.msg, "'block', 'never'"), "message: %s", e.msg);
	/* a struct filled by code is checked too, and cms_create refuses it */
	strcpy(cfg.policy_periodic, "often");
	CU_ASSERT_EQUAL(config_validate(&cfg, &e), -1);
	CHECK(strstr(e.msg, "cms.policy.periodic") != NULL, "message: %s", e.msg);
	CU_ASSERT_FALSE(create_ok(&cfg));
}

/* ---- runs ------------------------------------------------------------- */

struct run {
	int ok;
	uint64_t cycles, translations, flushes, failed, ticks;
	struct periodic_sample sample;
	char out[4096];
};

/* The value after `"key":` in JSON text (0 when absent). */
static uint64_t json_u64(const char *text, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\"", key);
	const char *p = strstr(text, pat);
	if (!p)
		return 0;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	return strtoull(p, NULL, 10);
}

/* Run build/guests/O2/<prog> to its end (see test_boot). */
static struct run run_guest(const char *prog, enum cms_mode mode, const char *const *sets)
{
	struct run r;
	memset(&r, 0, sizeof r);
	FILE *out, *json = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	struct cms *m = test_boot(prog, mode, sets, &out);
	if (!m) {
		fclose(json);
		return r;
	}
	struct cms_result res;
	cms_run(m, &res);
	cms_write_stats_json(m, &res, json);
	char *text = calloc(1, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	test_slurp(json, text, 1 << 20);
	test_slurp(out, r.out, sizeof r.out);
	r.cycles = chip_cycles(cms_chip(m));
	r.translations = json_u64(text, "translations");
	r.flushes = json_u64(text, "tcache_flushes");
	r.failed = json_u64(text, "translations_failed");
	r.ticks = cms_periodic_ticks(m);
	if (cms_periodic_state(m))
		memcpy(&r.sample, cms_periodic_state(m), sizeof r.sample);
	r.ok = res.end == CMS_END_EXIT && res.status == 0;
	free(text);
	fclose(out);
	fclose(json);
	cms_destroy(m);
	return r;
}

static void test_never_translates(void)
{
	const char *dflt[] = {NULL}, *never[] = {"cms.policy.translate=never", NULL};
	struct run a = run_guest("sieve", CMS_MODE_TRANSLATE, dflt);
	struct run b = run_guest("sieve", CMS_MODE_TRANSLATE, never);
	CU_ASSERT(a.ok && b.ok);
	CHECK(a.translations > 0, "default policy made %llu translations", (unsigned long long)a.translations);
	CHECK(b.translations == 0, "never made %llu translations", (unsigned long long)b.translations);
	CU_ASSERT(b.cycles > a.cycles);
	CU_ASSERT_STRING_EQUAL(a.out, b.out);
}

/* crc32 fills the 4 KiB translation cache once: flush-all evicts, `none`
 * keeps what it has and interprets the rest. */
static void test_evict_none_never_flushes(void)
{
	const char *flush[] = {"cms.tcache_kb=4", NULL}, *none[] = {"cms.tcache_kb=4", "cms.policy.evict=none", NULL};
	struct run a = run_guest("crc32", CMS_MODE_TRANSLATE, flush);
	struct run b = run_guest("crc32", CMS_MODE_TRANSLATE, none);
	CU_ASSERT(a.ok && b.ok);
	CHECK(a.flushes >= 1 && a.failed == 0, "flush: %llu flushes, %llu failed", (unsigned long long)a.flushes,
	      (unsigned long long)a.failed);
	CHECK(b.flushes == 0 && b.failed >= 1, "none: %llu flushes, %llu failed", (unsigned long long)b.flushes,
	      (unsigned long long)b.failed);
	CU_ASSERT_STRING_EQUAL(a.out, b.out);
}

/* The hook runs once per period boundary (the last may fall after the
 * last block entry), reads three 64-bit counters at 2 control-register
 * reads each, and that is all it costs: the interpreter's work does not
 * depend on time, so the cycles differ by exactly the reads. */
static void test_periodic_sample(void)
{
	const uint64_t period = 100000, cr = 3;
	const char *none[] = {"cms.policy.period=100000", "cms.cost.cr_access=3", NULL};
	const char *sample[] = {"cms.policy.periodic=sample", "cms.policy.period=100000", "cms.cost.cr_access=3", NULL};
	const char *off[] = {"cms.cost.cr_access=3", NULL};
	struct run z = run_guest("sieve", CMS_MODE_INTERP, off);
	struct run a = run_guest("sieve", CMS_MODE_INTERP, none);
	struct run b = run_guest("sieve", CMS_MODE_INTERP, sample);
	CU_ASSERT(z.ok && a.ok && b.ok);
	CU_ASSERT_EQUAL(z.ticks, 0);
	CU_ASSERT_EQUAL(a.cycles, z.cycles);  /* a hook that does nothing costs nothing */
	CHECK(a.ticks + 1 >= a.cycles / period && a.ticks <= a.cycles / period, "%llu ticks in %llu cycles",
	      (unsigned long long)a.ticks, (unsigned long long)a.cycles);
	CHECK(b.ticks + 1 >= b.cycles / period && b.ticks <= b.cycles / period, "%llu ticks in %llu cycles",
	      (unsigned long long)b.ticks, (unsigned long long)b.cycles);
	CU_ASSERT_EQUAL(b.sample.calls, b.ticks);
	CHECK(b.cycles - a.cycles == b.ticks * 3 * 2 * cr, "sample cost %llu cycles for %llu calls",
	      (unsigned long long)(b.cycles - a.cycles), (unsigned long long)b.ticks);
	/* the last sample was read at the last boundary's dispatch */
	CU_ASSERT(b.sample.cycles >= b.ticks * period && b.sample.cycles <= b.cycles);
	CU_ASSERT(b.sample.bundles == 0);  /* interpreted only: no native bundle issued */
	CU_ASSERT(b.sample.l1d_misses > 0);
	CU_ASSERT_STRING_EQUAL(a.out, b.out);
}

/* Translated code exits to the dispatcher less often; the hook still runs
 * for every boundary passed. */
static void test_periodic_translated(void)
{
	const char *sample[] = {"cms.policy.periodic=sample", "cms.policy.period=50000", NULL};
	struct run b = run_guest("sieve", CMS_MODE_TRANSLATE, sample);
	CU_ASSERT(b.ok);
	CHECK(b.ticks + 1 >= b.cycles / 50000 && b.ticks <= b.cycles / 50000, "%llu ticks in %llu cycles",
	      (unsigned long long)b.ticks, (unsigned long long)b.cycles);
	CU_ASSERT(b.sample.bundles > 0);
}

/* The doors for cache reconfiguration: masks reach the chip's control
 * registers, charged; a new unit mask flushes the translations. */
static void test_mask_writes(void)
{
	const char *sets[] = {"cms.cost.cr_access=5", NULL};
	FILE *out, *json = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	struct cms *m = test_boot("sieve", CMS_MODE_TRANSLATE, sets, &out);
	if (!m) {
		fclose(json);
		return;
	}
	struct cms_result res;
	cms_run(m, &res);
	struct chip *c = cms_chip(m);
	uint64_t t0 = chip_cycles(c);
	uint32_t v = 0;
	/* the dirty lines of the six ways switched off stream into the L2:
	 * its latency, then 32 / 8 cycles a line */
	uint64_t wb = chip_counter(c, CNT_l1d_writebacks);
	int64_t said = policy_write_ways(m, 1, 0x3);
	wb = chip_counter(c, CNT_l1d_writebacks) - wb;
	CU_ASSERT(said >= 0 && (uint64_t)said == wb);  /* it says how many lines it wrote back */
	uint64_t flush = wb ? 12 + 4 * wb : 0;
	CU_ASSERT_EQUAL(chip_read_cr(c, CR_WAYS_L1D, &v), 0);
	CU_ASSERT_EQUAL(v, 0x3);
	CU_ASSERT_EQUAL(chip_cycles(c) - t0, 5 + flush);
	t0 += flush;
	CU_ASSERT_EQUAL(policy_write_ways(m, 3, 0x1), -1);
	CU_ASSERT_EQUAL(policy_write_units(m, U_ALU, 0x3), 0);  /* both ALUs already on: no flush */
	CU_ASSERT_EQUAL(policy_write_units(m, U_ALU, 0x1), 0);
	CU_ASSERT_EQUAL(chip_read_cr(c, CR_UNITS_ALU, &v), 0);
	CU_ASSERT_EQUAL(v, 0x1);
	CU_ASSERT_EQUAL(chip_cycles(c) - t0, 5 + 2 * 2 * 5);
	uint64_t cnt = 0;
	CU_ASSERT_EQUAL(policy_read_counter(m, CNT_cycles, &cnt), 0);
	CU_ASSERT_EQUAL(cnt, t0 + 25);
	CU_ASSERT_EQUAL(policy_read_counter(m, CNT_COUNT, &cnt), -1);
	cms_write_stats_json(m, &res, json);
	char text[8192];
	test_slurp(json, text, sizeof text);
	CHECK(json_u64(text, "tcache_flushes") == 1, "flushes after the unit-mask change: %llu",
	      (unsigned long long)json_u64(text, "tcache_flushes"));
	fclose(out);
	fclose(json);
	cms_destroy(m);
}

void suite_policy(void)
{
	CU_pSuite s = CU_add_suite("policy", NULL, NULL);
	CU_add_test(s, "every schema name has a table and every table a name", test_names_match_tables);
	CU_add_test(s, "an unknown policy name is rejected with the valid names", test_unknown_name_rejected);
	CU_add_test(s, "translate policy never: no translations, same output", test_never_translates);
	CU_add_test(s, "evict policy none: no flushes, the rest interpreted", test_evict_none_never_flushes);
	CU_add_test(s, "periodic sample runs every period and costs its reads", test_periodic_sample);
	CU_add_test(s, "periodic hook counts every period under translated code", test_periodic_translated);
	CU_add_test(s, "way and unit masks through control registers; units flush", test_mask_writes);
}
