/* guest-tests/progs/spec.c: code a reoptimizer speculates on, and where
 * the speculation must fail the way it should.
 *
 * mix: a load through q after a store through p in a hot loop.  The
 * region hoists the load above the store (a protected load) as long as
 * p and q differ; then p == q, the store overlaps the load, the chip
 * raises an alias fault, the region rolls back, and after
 * cms.opt.spec_retries it is retranslated without that reordering.
 *
 * walk: `if (p) s += *p` over an array of pointers that are almost all
 * valid: the region follows the valid path and may hoist the load above
 * the null test; a NULL then makes the hoisted load fault on a path the
 * x86 program does not take, which must not kill the guest.
 *
 * Either way the output is the native run's. */
#include "rt.h"

static int __attribute__((noinline)) mix(int *p, int *q, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++) {
		*p = i;
		s += *q;
		p[1] = s;
	}
	return s;
}

static int __attribute__((noinline)) walk(int **v, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++) {
		int *p = v[i];
		if (p)
			s += *p;
		else
			s -= 1;
	}
	return s;
}

static int cells[64];
static int *ptrs[256];

int main(int argc, char **argv)
{
	(void)argv;
	unsigned rounds = argc > 1 ? 20u : 400u;
	unsigned sum = 0;
	for (unsigned r = 0; r < rounds; r++) {
		/* apart for a long while, then the same cell now and then */
		int *q = (r > rounds / 2 && r % 7 == 0) ? &cells[0] : &cells[8];
		sum = sum * 31 + (unsigned)mix(&cells[0], q, 50);
	}
	printf("mix: %u\n", sum);
	for (unsigned i = 0; i < 256; i++)
		ptrs[i] = &cells[i % 64];
	for (unsigned i = 0; i < 64; i++)
		cells[i] = (int)(i * 3);
	unsigned total = 0;
	for (unsigned r = 0; r < rounds; r++) {
		if (r == rounds / 2)
			for (unsigned i = 5; i < 256; i += 37)
				ptrs[i] = 0;   /* a few holes, late */
		total = total * 17 + (unsigned)walk(ptrs, 256);
	}
	printf("walk: %u\n", total);
	return 0;
}
