/* tests/unit/fault_models.c — fault models and the firmware's self-test.
 *
 * The text form of a fault (hw-sim/fault.h) parses back from its
 * canonical form, and bad specs name the field at fault; the chip refuses
 * a fault its configuration has no place for; a scheduled fault strikes
 * at its cycle, in native code and during firmware time; and the
 * built-in self-test (cms/faults.c) names exactly the faulty unit, for
 * every unit of every class, stuck at 1 and at 0, with and without the
 * units' own result checks. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "cms/policy/policy.h"
#include "configs/config.h"
#include "hw-sim/chip.h"
#include "hw-sim/fault.h"
#include "native-isa/isa.h"
#include "tests/unit/testutil.h"

static void test_parse_round_trip(void)
{
	static const char *const ok[] = {
		"unit=alu:1,kind=stuck,bit=3,at=0",
		"reg=r5,kind=flip,bit=7,at=1200000",
		"reg=s15,bit=31",
		"cache=l1d,line=17,word=3,bit=4,at=99",
		"tag=l2,line=4095,bit=2",
		"way=l1i:1,kind=stuck0,bit=9",
		"sb=3,bit=1,at=5",
		"mem=0x00001000,bit=12",
		"unit=mul:0,kind=intermittent,bit=0,at=10,period=500,len=20",
		"unit=br:0,kind=intermittent",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		struct fault_spec f, g;
		char err[300], text[200], again[200];
		CHECK(fault_spec_parse(ok[i], &f, err, sizeof err) == 0, "%s: %s", ok[i], err);
		fault_spec_format(&f, text, sizeof text);
		CHECK(fault_spec_parse(text, &g, err, sizeof err) == 0, "%s -> %s: %s", ok[i], text, err);
		fault_spec_format(&g, again, sizeof again);
		CHECK(!strcmp(text, again), "%s: %s formats as %s", ok[i], text, again);
		CHECK(!memcmp(&f, &g, sizeof f), "%s: fields differ after a round trip through %s", ok[i], text);
	}
	struct fault_spec f;
	char err[300];
	CU_ASSERT_EQUAL(fault_spec_parse("unit=alu:1,kind=stuck,bit=3,at=0", &f, err, sizeof err), 0);
	CU_ASSERT(f.target == FT_UNIT && f.cls == U_ALU && f.index == 1 && f.kind == FK_STUCK1 && f.bit == 3 && f.at == 0);
	CU_ASSERT_EQUAL(fault_spec_parse("reg=s4,at=77", &f, err, sizeof err), 0);
	CU_ASSERT(f.target == FT_SHADOW && f.reg == 4 && f.kind == FK_FLIP && f.at == 77);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{"", "empty"},
		{"bit=3", "target"},
		{"reg=r64", "r64 out of range"},
		{"reg=r0", "out of range"},
		{"reg=s16", "out of range"},
		{"reg=x5", "not a register"},
		{"unit=vec:0", "unknown unit class 'vec'"},
		{"unit=alu", "CLASS:INDEX"},
		{"unit=alu:1,bit=32", "bit: 32 out of range"},
		{"unit=alu:1,kind=melted", "unknown kind 'melted'"},
		{"unit=alu:1,bit=3,bit=4", "given twice"},
		{"unit=alu:1,colour=red", "unknown field 'colour'"},
		{"unit=alu:1,at=-5", "not a number"},
		{"unit=alu:1,at=12x", "not a number"},
		{"cache=l1d,bit=1", "needs line="},
		{"cache=l3,line=1", "unknown cache 'l3'"},
		{"mem=0x1002", "not word-aligned"},
		{"reg=r5,line=3", "line= only goes with"},
		{"reg=r5,period=10", "only go with kind=intermittent"},
		{"unit=alu:0,kind=intermittent,period=10,len=20", "longer than period"},
		{"reg=r5,bit", "not key=value"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct fault_spec f;
		char err[300] = "";
		CHECK(fault_spec_parse(bad[i].spec, &f, err, sizeof err) == -1, "'%s' accepted", bad[i].spec);
		CHECK(strstr(err, bad[i].says) != NULL, "'%s': message '%s' does not say '%s'", bad[i].spec, err,
		      bad[i].says);
		CHECK(strstr(err, "--inject '") == err, "'%s': message '%s' does not name the spec", bad[i].spec, err);
	}
}

static struct cms *machine(const char *const *sets, size_t n)
{
	struct cdvm_config cfg;
	struct config_error e;
	config_default(&cfg);
	for (size_t i = 0; i < n; i++)
		CHECK(config_set(&cfg, sets[i], &e) == 0, "%s: %s", sets[i], e.msg);
	struct cms *m = NULL;
	char err[300];
	CHECK(cms_create(&cfg, CMS_MODE_TRANSLATE, &m, err, sizeof err) == 0, "cms_create: %s", err);
	return m;
}

static void test_arm_checks_the_chip(void)
{
	static const char *const sets[] = {"core.units.alu=2"};
	struct cms *m = machine(sets, 1);
	if (!m)
		return;
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{"unit=alu:2", "2 alu units"},
		{"cache=l1d,line=100000", "out of range"},
		{"cache=l1d,line=1,word=8", "word 8 out of range"},
		{"way=l2:20,kind=stuck", "way 20 out of range"},
		{"way=l2:1", "permanent"},
		{"sb=4095", "entry 4095 out of range"},
		{"mem=0xfffffff0", "outside physical memory"},
		{"tag=l1d,line=3,bit=31", "bit 31 out of range"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct fault_spec f;
		char err[300] = "";
		CHECK(fault_spec_parse(bad[i].spec, &f, err, sizeof err) == 0, "%s: %s", bad[i].spec, err);
		CHECK(chip_fault_arm(cms_chip(m), &f, err, sizeof err) == -1, "'%s' armed", bad[i].spec);
		CHECK(strstr(err, bad[i].says) != NULL, "'%s': '%s' does not say '%s'", bad[i].spec, err, bad[i].says);
	}
	cms_destroy(m);
}

/* A fault strikes at the first cycle boundary at or after its `at`: during
 * firmware time (chip_charge) as in native code. */
static void test_schedule(void)
{
	struct cms *m = machine(NULL, 0);
	if (!m)
		return;
	struct chip *c = cms_chip(m);
	struct fault_spec f;
	char err[300];
	uint64_t now = chip_cycles(c);
	CU_ASSERT_EQUAL(fault_spec_parse("reg=r40,bit=5", &f, err, sizeof err), 0);
	f.at = now + 1000;
	CU_ASSERT_EQUAL(chip_fault_arm(c, &f, err, sizeof err), 0);
	chip_set_reg(c, 40, 0);
	chip_charge(c, 999);
	CU_ASSERT_EQUAL(chip_reg(c, 40), 0);
	CU_ASSERT_EQUAL(chip_fault_events(c), 0);
	chip_charge(c, 1);
	CU_ASSERT_EQUAL(chip_reg(c, 40), 1u << 5);
	CU_ASSERT_EQUAL(chip_fault_events(c), 1);
	CU_ASSERT_EQUAL(chip_fault_first_cycle(c), now + 1000);
	cms_destroy(m);
}

/* The self-test finds the one faulty unit of each class. */
static void test_self_test_names_the_unit(void)
{
	static const char *const sets[][7] = {
		{"core.units.alu=4", "core.units.mem=2", "core.units.mul=2", "core.units.br=2", "core.units.fpu=2",
		 "core.issue_width=8", "faults.detect.unit=false"},
		{"core.units.alu=4", "core.units.mem=2", "core.units.mul=2", "core.units.br=2", "core.units.fpu=2",
		 "core.issue_width=8", "faults.detect.unit=true"},
	};
	static const struct {
		const char *kind;
		unsigned bit;
	} faults[] = {{"stuck", 0}, {"stuck", 3}, {"stuck", 31}, {"stuck0", 3}, {"stuck0", 4}};
	for (size_t s = 0; s < 2; s++) {
		struct cms *m = machine(sets[s], 7);
		if (!m)
			return;
		struct chip *c = cms_chip(m);
		for (unsigned u = 0; u < U_COUNT; u++)
			CHECK(policy_self_test(m, (enum unit_class)u) == 0, "%s: a healthy chip fails the self-test",
			      isa_unit_name((enum unit_class)u));
		cms_destroy(m);
		for (unsigned u = 0; u < U_COUNT; u++) {
			unsigned n = u == U_ALU ? 4 : 2;
			for (unsigned i = 0; i < n; i++)
				for (size_t k = 0; k < sizeof faults / sizeof *faults; k++) {
					m = machine(sets[s], 7);
					if (!m)
						return;
					c = cms_chip(m);
					char spec[100], err[300];
					struct fault_spec f;
					snprintf(spec, sizeof spec, "unit=%s:%u,kind=%s,bit=%u,at=%llu",
						 isa_unit_name((enum unit_class)u), i, faults[k].kind, faults[k].bit,
						 (unsigned long long)chip_cycles(c));
					CU_ASSERT_EQUAL(fault_spec_parse(spec, &f, err, sizeof err), 0);
					CU_ASSERT_EQUAL(chip_fault_arm(c, &f, err, sizeof err), 0);
					chip_charge(c, 1);
					uint32_t bad = policy_self_test(m, (enum unit_class)u);
					CHECK(bad == 1u << i, "%s (%s): the self-test names units 0x%x", spec,
					      sets[s][6], bad);
					cms_destroy(m);
				}
		}
	}
}

void suite_fault_models(void);
void suite_fault_models(void)
{
	CU_pSuite s = CU_add_suite("fault_models", NULL, NULL);
	CU_add_test(s, "fault specs parse back from their canonical text", test_parse_round_trip);
	CU_add_test(s, "bad fault specs are refused, naming the field", test_parse_errors);
	CU_add_test(s, "the chip refuses a fault it has no place for", test_arm_checks_the_chip);
	CU_add_test(s, "a scheduled fault strikes at its cycle", test_schedule);
	CU_add_test(s, "the self-test names the faulty unit of every class", test_self_test_names_the_unit);
}
