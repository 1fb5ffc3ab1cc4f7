/* tests/unit/trace.c — --trace's doors for the firmware (cms/trace.c):
 * trace_instant and trace_counters write an instant event and a counter
 * sample at the current cycle, and do nothing while the trace is off or
 * before cms_run; nothing is written to the file before cms_run (cdvm run
 * truncates it until then); bad intervals and limits are refused.  The
 * timeline itself (spans tiling the run, the limit) is checked end to end
 * by tests/scripts/38-trace.sh.  Guests come from build/guests (make guests). */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cms/cms.h"
#include "cms/policy/policy.h"
#include "hw-sim/chip.h"
#include "tests/unit/testutil.h"

/* sieve, to be translated, its stdout to a temporary file; f for a trace */
struct box {
	struct cms *m;
	FILE *f, *out;
};

static int boot(struct box *b)
{
	static const char *const none[] = {NULL};
	b->out = NULL;
	b->f = tmpfile();
	b->m = b->f ? test_boot("sieve", CMS_MODE_TRANSLATE, none, &b->out) : NULL;
	if (b->m)
		return 0;
	CHECK(b->f, "tmpfile");
	if (b->f)
		fclose(b->f);
	return -1;
}

static void unboot(struct box *b)
{
	cms_destroy(b->m);
	fclose(b->f);
	fclose(b->out);
}

static const char *str(const json_t *v) { return json_is_string(v) ? json_string_value(v) : ""; }

/* The last event of the trace named name (NULL: none). */
static json_t *last_event(json_t *doc, const char *name)
{
	json_t *ev = json_object_get(doc, "traceEvents"), *found = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(ev, i, e)
		if (!strcmp(str(json_object_get(e, "name")), name))
			found = e;
	return found;
}

static void test_instants_and_samples(void)
{
	struct box b;
	char err[256];
	if (boot(&b))
		return;
	struct cms *m = b.m;
	FILE *f = b.f;
	CHECK(cms_set_trace_json(m, f, 1000, 100000, err, sizeof err) == 0, "cms_set_trace_json: %s", err);
	trace_instant(m, "too early", NULL);   /* before cms_run: not recorded */
	trace_counters(m);
	CHECK(ftell(f) == 0, "%ld bytes of trace written before cms_run", ftell(f));
	struct cms_result res;
	cms_run(m, &res);
	CU_ASSERT_EQUAL(res.end, CMS_END_EXIT);
	uint64_t cyc = chip_cycles(cms_chip(m));
	trace_instant(m, "phase", "loop \"2\"");
	trace_instant(m, "reconfigure", NULL);
	trace_counters(m);
	CU_ASSERT_EQUAL(cms_finish_trace_json(m), 0);
	CU_ASSERT_EQUAL(chip_cycles(cms_chip(m)), cyc);   /* an instrument: no cycles */
	trace_instant(m, "after the end", NULL);            /* the trace is off again */
	rewind(f);
	json_error_t je;
	json_t *doc = json_loadf(f, 0, &je);
	CHECK(doc != NULL, "the trace is not JSON: line %d: %s", je.line, je.text);
	if (!doc)
		goto out;
	double mhz = (double)json_integer_value(json_object_get(json_object_get(doc, "otherData"), "clock_mhz"));
	json_t *ph = last_event(doc, "phase"), *rc = last_event(doc, "reconfigure");
	CHECK(ph && !strcmp(str(json_object_get(ph, "ph")), "i") && !strcmp(str(json_object_get(ph, "s")), "p"),
	      "no process-wide instant event \"phase\"");
	if (ph) {
		json_t *args = json_object_get(ph, "args");
		CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(ph, "ts")), (double)cyc / mhz, 1e-6);
		CU_ASSERT_EQUAL((uint64_t)json_integer_value(json_object_get(args, "cycle")), cyc);
		CU_ASSERT_STRING_EQUAL(str(json_object_get(args, "detail")), "loop \"2\"");
	}
	CHECK(rc && json_is_null(json_object_get(json_object_get(rc, "args"), "detail")), "no \"reconfigure\" instant");
	CU_ASSERT_PTR_NULL(last_event(doc, "too early"));
	CU_ASSERT_PTR_NULL(last_event(doc, "after the end"));
	json_t *bu = last_event(doc, "bundles");
	CHECK(bu && !strcmp(str(json_object_get(bu, "ph")), "C") &&
		      json_real_value(json_object_get(bu, "ts")) * mhz > (double)cyc - 0.5,
	      "no counter sample at the end");
	json_decref(doc);
out:
	unboot(&b);
}

static void test_off_and_refused(void)
{
	struct box b;
	char err[256] = "";
	if (boot(&b))
		return;
	struct cms *m = b.m;
	FILE *f = b.f;
	trace_instant(m, "off", "nothing happens");
	trace_counters(m);
	CU_ASSERT_EQUAL(cms_finish_trace_json(m), 0);
	CU_ASSERT_EQUAL(cms_set_trace_json(m, f, 0, 10, err, sizeof err), -1);
	CU_ASSERT_EQUAL(cms_set_trace_json(m, f, 10, 0, err, sizeof err), -1);
	CU_ASSERT_EQUAL(cms_set_trace_json(m, f, CMS_TRACE_MAX_INTERVAL + 1, 10, err, sizeof err), -1);
	CHECK(strstr(err, "interval") != NULL, "message: %s", err);
	CU_ASSERT_EQUAL(cms_set_trace_json(m, NULL, 0, 0, err, sizeof err), 0);   /* off */
	CU_ASSERT_EQUAL(ftell(f), 0);
	unboot(&b);
}

void suite_trace(void)
{
	CU_pSuite s = CU_add_suite("trace", NULL, NULL);
	CU_add_test(s, "trace_instant and trace_counters at the current cycle", test_instants_and_samples);
	CU_add_test(s, "off, before cms_run and bad settings", test_off_and_refused);
}
