/* tests/unit/testutil.h — small helpers shared by the CUnit suites. */
#ifndef CDVM_TESTS_TESTUTIL_H
#define CDVM_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cms/cms.h"

/* Seed for a randomized test: $CDVM_SEED if set, else time-based; printed
 * with the test's name so a failure can be replayed. */
uint64_t test_seed(const char *what);
/* xorshift64* step. */
uint64_t test_rng(uint64_t *state);
/* Does the file hold exactly what write(out) prints?  (generated docs) */
int test_doc_current(const char *path, void (*write)(FILE *out));
/* A CUnit assertion with a printf-style message, shown on failure;
 * CHECK_AT reports the given line (a helper's caller). */
void test_check(int cond, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define CHECK(cond, ...) test_check((cond) != 0, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_AT(cond, line, ...) test_check((cond) != 0, __FILE__, (line), __VA_ARGS__)
/* Whole file, NUL-terminated, or NULL. */
char *test_read_file(const char *path, size_t *len);
/* The translator's suites: x86 code in a buffer (an x86_env fetch over
 * it: ctx is the struct test_code), and a machine of the given width and
 * units per class with the default latencies. */
struct test_code {
	const uint8_t *bytes;
	uint32_t base, len;
};
unsigned test_code_fetch(void *ctx, uint32_t addr, uint8_t *out, unsigned len);
struct ir_machine;
/* Rewind f and read it into buf (at most n - 1 bytes, NUL-terminated). */
void test_slurp(FILE *f, char *buf, size_t n);
/* A firmware loaded with build/guests/O2/<prog>, configured by the --set
 * assignments in sets (NULL-ended), its stdout into *out; NULL on failure. */
struct cms *test_boot(const char *prog, enum cms_mode mode, const char *const *sets, FILE **out);
void test_machine(struct ir_machine *mc, unsigned width, unsigned alu, unsigned mem, unsigned mul, unsigned br);

#endif
