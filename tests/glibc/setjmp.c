/* tests/glibc/setjmp.c: setjmp/longjmp (glibc's i386 versions, which mangle
 * the saved stack and frame pointers with the pointer guard read from
 * %gs:0x18, so TLS must be right): jumps out of deep recursion, repeated
 * jumps to one buffer, nested buffers, locals kept in volatile variables,
 * and sigsetjmp without the signal mask.  Exits with the last jump's value. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

static int dive(int depth, int limit)
{
	volatile char pad[64];
	pad[depth % 64] = (char)depth;
	if (depth > limit)
		return 0;
	if (depth == limit) {
		depth_reached = depth + (pad[depth % 64] == (char)depth ? 0 : 1000);
		longjmp(outer, depth);
	}
	return dive(depth + 1, limit) + 1;
}

static void nested(int n)
{
	volatile int tries = 0;
	if (setjmp(inner) < 3) {
		tries++;
		if (tries < 3)
			longjmp(inner, tries);
	}
	printf("inner loop ran %d times for %d\n", tries, n);
	if (n > 1)
		longjmp(outer, 100 + n);
}

int main(void)
{
	volatile int round = 0, total = 0;
	int v = setjmp(outer);
	total += v;
	round++;
	if (round <= 5) {
		printf("round %d got %d\n", round, v);
		dive(0, round * 37);
	}
	printf("after dives: total %d deepest %d\n", total, depth_reached);
	int w = setjmp(outer);
	if (w == 0)
		nested(2);
	printf("nested returned through outer with %d\n", w);
	sigjmp_buf sj;
	volatile int count = 0;
	if (sigsetjmp(sj, 0) < 4) {
		count++;
		siglongjmp(sj, count);
	}
	printf("sigsetjmp count %d\n", count);
	return w - 100 + count;
}
