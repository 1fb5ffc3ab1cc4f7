/* guest-tests/progs/watch.c: a branch that changes its mind, for the
 * reoptimizer's watch of new regions (cms/reopt.c).
 *
 * One loop, run over an array a chunk at a time, whose first FLIP values
 * are even and the rest odd; each way does its own work and its own store,
 * so the compiler cannot merge them and the reoptimizer does not
 * if-convert them.  The region is made while the values are all even
 * (the profile has never seen the odd way: it promises the side exit to
 * it no runs); then, while the region is watched, every chunk's run
 * leaves through that side exit at its first value (the rest of the
 * chunk runs in the code at the exit's target), and the region is made
 * again with what the watch saw.
 * Size argument: more passes.  The output is the native run's. */
#include "rt.h"

enum { N = 6000, FLIP = 400, CHUNK = 16 };

static unsigned vals[N], odd_out[N], even_out[N];

/* the loop, entered once per chunk: its region's entry */
static unsigned __attribute__((noinline)) pass(const unsigned *v, unsigned n, unsigned h, unsigned *odd, unsigned *even)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned x = v[i];
		if (x & 1) {
			x *= 0x9e3779b1u;
			x ^= x >> 15;
			odd[i] = x;
			h = (h ^ x) * 16777619u;
		} else {
			x = (x >> 1) + 0x7f4a7c15u;
			x ^= x << 7;
			even[i] = x;
			h += x ^ (h >> 3);
		}
	}
	return h;
}

int main(int argc, char **argv)
{
	int passes = rt_scale(argc, argv);
	uint32_t seed = 12345;
	for (unsigned i = 0; i < N; i++)
		vals[i] = i < FLIP ? rt_rand(&seed) & ~1u : rt_rand(&seed) | 1u;
	unsigned h = 0x811c9dc5u;
	for (int p = 0; p < passes; p++)
		for (unsigned c = 0; c < N; c += CHUNK)
			h = pass(vals + c, CHUNK, h, odd_out + c, even_out + c);
	unsigned s = 0;
	for (unsigned i = 0; i < N; i++)
		s = rt_mix(s, odd_out[i] ^ even_out[i]);
	printf("watch: passes=%d hash=%08x outputs=%08x\n", passes, h, s);
	return 0;
}
