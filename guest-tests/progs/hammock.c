/* guest-tests/progs/hammock.c: short forward branches over a few
 * instructions (`jcc L; body; L:`), taken about half the time, that a
 * reoptimizer if-converts: the body is computed both ways and `sel`
 * keeps the right values.  Written in assembly so that the compiler
 * cannot if-convert them first (clang turns such C into cmov).
 *
 *   regs     the body writes registers and flags nobody reads after L;
 *            two hammocks back to back
 *   flags    the body's flags are read after L (adc, sets)
 *   partial  the body writes AL and AH (8-bit parts of EAX)
 *   rdflags  the body reads the flags of the compare before the branch
 *   load     the body loads through a pointer that is NULL whenever the
 *            branch skips it: computing the body both ways faults on a
 *            path the x86 program does not take, which must not kill it
 *
 * Every result is printed; the output is the native run's. */
#include "rt.h"

enum { N = 1024 };

static unsigned vals[N];
static unsigned cells[64];
static unsigned *ptrs[N];

/* for n down to 1: EDX = v[n - 1]; body (on a, which is EAX, c, EDX and
 * the flags) */
#define VLOOP(body)                                                                                        \
	__asm__ volatile("1:\n\t"                                                                          \
			 "movl -4(%[v],%[n],4), %%edx\n\t" body "decl %[n]\n\t"                           \
			 "jnz 1b\n\t"                                                                       \
			 : [a] "+a"(a), [c] "+r"(c), [n] "+r"(n)                                            \
			 : [v] "r"(v)                                                                       \
			 : "edx", "cc", "memory")

static unsigned __attribute__((noinline)) h_regs(const unsigned *v, unsigned n)
{
	unsigned a = 0, c = 0x9e3779b9u;
	VLOOP("cmpl $0x80000000, %%edx\n\t"
	      "jb 2f\n\t"
	      "addl %%edx, %[a]\n\t"
	      "xorl %%edx, %[c]\n\t"
	      "roll $5, %[c]\n\t"
	      "2:\n\t"
	      "testl $0x100, %%edx\n\t"
	      "jnz 3f\n\t"
	      "leal 7(%[a],%[c],2), %[a]\n\t"
	      "3:\n\t"
	      "addl %[c], %[a]\n\t");
	return a ^ c;
}

static unsigned __attribute__((noinline)) h_flags(const unsigned *v, unsigned n)
{
	unsigned a = 1, c = 0;
	VLOOP("testl $1, %%edx\n\t"
	      "jz 2f\n\t"
	      "addl %%edx, %[a]\n\t"
	      "2:\n\t"
	      "adcl $0, %[c]\n\t"
	      "setsb %%dl\n\t"
	      "movzbl %%dl, %%edx\n\t"
	      "leal (%[c],%%edx,4), %[c]\n\t");
	return a * 31 + c;
}

static unsigned __attribute__((noinline)) h_partial(const unsigned *v, unsigned n)
{
	unsigned a = 0x12345678u, c = 0;
	VLOOP("cmpb $0x80, %%dl\n\t"
	      "jae 2f\n\t"
	      "movb %%dl, %%al\n\t"
	      "incb %%ah\n\t"
	      "2:\n\t"
	      "xorl %%eax, %[c]\n\t"
	      "roll $1, %[c]\n\t");
	return a + c;
}

static unsigned __attribute__((noinline)) h_rdflags(const unsigned *v, unsigned n)
{
	unsigned a = 5, c = 0x55555555u;
	VLOOP("cmpl %%edx, %[c]\n\t"
	      "jg 2f\n\t"
	      "sbbl %%edx, %[a]\n\t"
	      "setc %%dl\n\t"
	      "2:\n\t"
	      "xorl %%edx, %[c]\n\t"
	      "addl %[a], %[c]\n\t");
	return a ^ c;
}

static unsigned __attribute__((noinline)) h_load(unsigned *const *p, unsigned n)
{
	unsigned a = 0, c = 0;
	__asm__ volatile("1:\n\t"
			 "movl -4(%[p],%[n],4), %%esi\n\t"
			 "testl %%esi, %%esi\n\t"
			 "jz 2f\n\t"
			 "addl (%%esi), %[a]\n\t"
			 "2:\n\t"
			 "addl %[a], %[c]\n\t"
			 "decl %[n]\n\t"
			 "jnz 1b\n\t"
			 : [a] "+r"(a), [c] "+r"(c), [n] "+r"(n)
			 : [p] "r"(p)
			 : "esi", "cc", "memory");
	return a + 3 * c;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 40u;
	unsigned x = 12345;
	for (unsigned i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		vals[i] = x ^ (x >> 13);
		cells[i % 64] = x >> 7;
		ptrs[i] = (vals[i] & 16) ? &cells[i % 64] : 0;
	}
	unsigned r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0;
	for (unsigned r = 0; r < rounds; r++) {
		r1 = r1 * 3 + h_regs(vals, N);
		r2 = r2 * 5 + h_flags(vals, N);
		r3 = r3 * 7 + h_partial(vals, N);
		r4 = r4 * 11 + h_rdflags(vals, N);
		r5 = r5 * 13 + h_load(ptrs, N);
		vals[r % N] += r;
	}
	printf("regs %u\nflags %u\npartial %u\nrdflags %u\nload %u\n", r1, r2, r3, r4, r5);
	return 0;
}
