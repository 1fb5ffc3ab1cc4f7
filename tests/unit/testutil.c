/* tests/unit/testutil.c — helpers for the suites (see testutil.h).  This
 * file defines no suite of its own. */
#include "tests/unit/testutil.h"
#include "cms/translate/ir.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t test_seed(const char *what)
{
	const char *env = getenv("CDVM_SEED");
	uint64_t s = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	if (!s)
		s = 1;
	fprintf(stderr, "[%s: seed %llu, replay with CDVM_SEED=%llu]\n", what, (unsigned long long)s,
		(unsigned long long)s);
	return s;
}

uint64_t test_rng(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		if (len)
			*len = (size_t)n;
	}
	return buf;
}

int test_doc_current(const char *path, void (*write)(FILE *out))
{
	char *doc = NULL;
	size_t len = 0, flen = 0;
	FILE *f = open_memstream(&doc, &len);
	if (!f)
		return 0;
	write(f);
	fclose(f);
	char *file = test_read_file(path, &flen);
	int same = file && len > 0 && flen == len && !memcmp(file, doc, len);
	free(file);
	free(doc);
	return same;
}

void test_check(int cond, const char *file, int line, const char *fmt, ...)
{
	char buf[1024] = "";
	/* the message only when the check fails: its arguments may say what
	 * went wrong and be undefined when nothing did (a config_error's msg) */
	if (!cond) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
	}
	/* CUnit copies the message and the file name */
	CU_assertImplementation(cond ? CU_TRUE : CU_FALSE, (unsigned)line, buf, file, "", CU_FALSE);
}

unsigned test_code_fetch(void *ctx, uint32_t addr, uint8_t *out, unsigned len)
{
	const struct test_code *c = ctx;
	unsigned n = 0;
	while (n < len && addr + n >= c->base && addr + n < c->base + c->len) {
		out[n] = c->bytes[addr + n - c->base];
		n++;
	}
	return n;
}

void test_machine(struct ir_machine *mc, unsigned width, unsigned alu, unsigned mem, unsigned mul, unsigned br)
{
	memset(mc, 0, sizeof *mc);
	mc->issue_width = width;
	mc->units[U_ALU] = alu;
	mc->units[U_MEM] = mem;
	mc->units[U_MUL] = mul;
	mc->units[U_BR] = br;
	mc->lat[L_ALU] = 1;
	mc->lat[L_MUL] = 3;
	mc->lat[L_DIV] = 20;
	mc->lat[L_LOAD] = 2;
	mc->lat[L_CTL] = 1;
	mc->lat[L_NONE] = 1;
}
