/* tests/unit/testboot.c — the firmware-side helpers of testutil.h
 * (test_boot, test_slurp), apart from testutil.c so that the chip-only
 * runner (build/san/chip-tests), which links testutil.o without the
 * firmware, still links. */
#include "tests/unit/testutil.h"
#include "configs/config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>

void test_slurp(FILE *f, char *buf, size_t n)
{
	fflush(f);
	rewind(f);
	size_t got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
}

/* A firmware loaded with build/guests/O2/<prog>, configured by the --set
 * assignments in sets (NULL-ended), its stdout into *out; NULL on failure. */
struct cms *test_boot(const char *prog, enum cms_mode mode, const char *const *sets, FILE **out)
{
	char path[256], err[256];
	snprintf(path, sizeof path, "build/guests/O2/%s.elf", prog);
	struct cdvm_config cfg;
	struct config_error e;
	config_default(&cfg);
	for (; *sets; sets++)
		CHECK(config_set(&cfg, *sets, &e) == 0, "%s", e.msg);
	struct cms *m;
	if (cms_create(&cfg, mode, &m, err, sizeof err) < 0) {
		CHECK(0, "cms_create: %s", err);
		return NULL;
	}
	char *argv[] = {path, NULL};
	char *envp[] = {NULL};
	if (cms_load_elf(m, path, 1, argv, envp, err, sizeof err) < 0 || !(*out = tmpfile())) {
		CHECK(0, "%s is not built (make guests): %s", path, err);
		cms_destroy(m);
		return NULL;
	}
	cms_set_stdio(m, 0, fileno(*out), 2);
	return m;
}
