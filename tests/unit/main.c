/* tests/unit/main.c — the CUnit runner.  Every tests/unit/NAME.c defines
 * `void suite_NAME(void)` that adds its suite; the Makefile generates the
 * list (suites.inc), so a new suite is just a new file.
 *
 *   build/san/unit-tests            run all suites
 *   build/san/unit-tests isa chip   run only the named suites
 *   CDVM_SEED=123 build/san/...     replay a randomized test */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define SUITE(name) void suite_##name(void);
#include "suites.inc"
#undef SUITE

struct suite_entry {
	const char *name;
	void (*add)(void);
};

static const struct suite_entry suites[] = {
#define SUITE(name) {#name, suite_##name},
#include "suites.inc"
#undef SUITE
};

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		int want = argc < 2;
		for (int a = 1; a < argc; a++)
			if (!strcmp(argv[a], suites[i].name))
				want = 1;
		if (want)
			suites[i].add();
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (run == 0) {
		fprintf(stderr, "unit-tests: no tests ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}
