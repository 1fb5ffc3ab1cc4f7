/* tests/unit/testutil.h — small helpers shared by the CUnit suites. */
#ifndef CDVM_TESTS_TESTUTIL_H
#define CDVM_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Seed for a randomized test: $CDVM_SEED if set, else time-based; printed
 * with the test's name so a failure can be replayed. */
uint64_t test_seed(const char *what);
/* xorshift64* step. */
uint64_t test_rng(uint64_t *state);
/* Does the file hold exactly what write(out) prints?  (generated docs) */
int test_doc_current(const char *path, void (*write)(FILE *out));
/* Whole file, NUL-terminated, or NULL. */
char *test_read_file(const char *path, size_t *len);

#endif
