/* tests/glibc/libm.c: glibc's libm in its double, float and long double
 * variants over a spread of arguments (zeros, denormals, small and large
 * magnitudes, the edges of each function's domain, infinities and NaN),
 * each result printed with %a, so every bit is compared, with errno
 * (EDOM, ERANGE) beside it.  On i386 these are mostly x87 code: fsin,
 * fpatan, fyl2x, f2xm1, fprem, frndint, fscale and the control-word
 * changes around them, long double arithmetic for the float and double
 * variants.  Compared with the native run by tests/scripts/61-glibc.sh.
 * glibc picks some functions by CPUID: natively the SSE2 versions of sinf
 * cosf sincosf expf exp2f logf log2f powf and the FMA ones of fma fmaf,
 * under cdvm (which reports neither) the x87 ones.  These give the same
 * bits (a sample of 4 million floats agrees; fma is exact by definition),
 * so the native run is still the oracle. */
#define _GNU_SOURCE	/* sincos */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

/* arguments of the one-argument functions; the long double list adds the
 * values only that format has */
static const double args[] = {
	0.0, -0.0, 0x1p-1074, -0x1p-1060, 0x1p-1022, 1e-300, 1e-10, 0x1p-27, 0.1, 0.25, 0.5,
	0.7853981633974483, 0.9999999, 1.0, -1.0, 1.0000001, 1.5, 2.0, -2.5, 2.718281828459045,
	3.141592653589793, -3.7, 10.0, 22.0, 88.7, 100.0, -100.0, 355.0, 709.7, 710.0, -745.2,
	-746.0, 1e10, 1e15, 0x1p52 + 0.5, 1e22, -1e22, 1.7e308, INFINITY, -INFINITY, NAN,
};

static const long double largs[] = {
	0x1p-16445L, 0x1p-16382L, 1e-4000L, 0.3L, 11356.5L, 11357.3L, -11400.0L, 1e4000L,
	0x1p63L, 0x1p64L + 3.0L, 3.14159265358979323851L,
};

/* two-argument functions: pairs (x, y) */
static const double pairs[][2] = {
	{0.0, 0.0}, {-0.0, 0.0}, {0.0, -0.0}, {-0.0, -0.0}, {1.0, 0.0}, {-1.0, -0.0},
	{1.0, 1.0}, {1.0, -1.0}, {-1.0, 1.0}, {3.0, 4.0}, {-7.5, 2.0}, {7.5, -2.0},
	{10.0, 3.0}, {-10.0, 3.0}, {5.5, 0.5}, {1e300, 1e-300}, {1e-300, 1e300},
	{2.0, 0.5}, {2.0, 1024.0}, {2.0, -1075.0}, {-2.0, 3.0}, {-2.0, 0.5}, {-8.0, 1.0 / 3},
	{0.0, -1.0}, {-0.0, -3.0}, {1.0, NAN}, {NAN, 0.0}, {1e308, 1e308}, {0x1p-1074, 0x1p-1074},
	{6.02214076e23, 0.1}, {1e22, 3.141592653589793}, {INFINITY, 2.0}, {2.0, INFINITY},
	{-INFINITY, -INFINITY}, {INFINITY, NAN}, {0.5, -INFINITY}, {-1.0, INFINITY},
};

#define ONE(fn) {#fn, fn, fn##f, fn##l}
static const struct {
	const char *name;
	double (*d)(double);
	float (*f)(float);
	long double (*l)(long double);
} ones[] = {
	ONE(sin), ONE(cos), ONE(tan), ONE(asin), ONE(acos), ONE(atan), ONE(exp), ONE(exp2),
	ONE(expm1), ONE(log), ONE(log10), ONE(log2), ONE(log1p), ONE(sqrt), ONE(cbrt),
	ONE(floor), ONE(ceil), ONE(trunc), ONE(round), ONE(rint), ONE(sinh), ONE(cosh),
	ONE(tanh), ONE(asinh), ONE(atanh), ONE(erf), ONE(tgamma), ONE(lgamma),
};

#define TWO(fn) {#fn, fn, fn##f, fn##l}
static const struct {
	const char *name;
	double (*d)(double, double);
	float (*f)(float, float);
	long double (*l)(long double, long double);
} twos[] = {
	TWO(atan2), TWO(pow), TWO(fmod), TWO(remainder), TWO(hypot), TWO(fdim), TWO(copysign),
	TWO(nextafter),
};

/* errno after a call, as a short word: only EDOM and ERANGE are expected */
static const char *err(int e)
{
	return e == 0 ? "" : e == EDOM ? " EDOM" : e == ERANGE ? " ERANGE" : " errno?";
}

static void one(size_t k)
{
	printf("== %s\n", ones[k].name);
	for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
		double x = args[i];
		float xf = (float)x;
		long double xl = x;

		errno = 0;
		double rd = ones[k].d(x);
		int ed = errno;
		errno = 0;
		float rf = ones[k].f(xf);
		int ef = errno;
		errno = 0;
		long double rl = ones[k].l(xl);
		int el = errno;
		printf("%a: %a%s | %a: %a%s | %La%s\n", x, rd, err(ed), xf, rf, err(ef), rl, err(el));
	}
	for (size_t i = 0; i < sizeof largs / sizeof largs[0]; i++) {
		errno = 0;
		long double rl = ones[k].l(largs[i]);
		printf("%La: %La%s\n", largs[i], rl, err(errno));
	}
}

static void two(size_t k)
{
	printf("== %s\n", twos[k].name);
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		double x = pairs[i][0], y = pairs[i][1];

		errno = 0;
		double rd = twos[k].d(x, y);
		int ed = errno;
		errno = 0;
		float rf = twos[k].f((float)x, (float)y);
		int ef = errno;
		errno = 0;
		long double rl = twos[k].l(x, y);
		int el = errno;
		printf("%a, %a: %a%s | %a%s | %La%s\n", x, y, rd, err(ed), rf, err(ef), rl, err(el));
	}
	errno = 0;
	long double rl = twos[k].l(1e4000L, 0x1p-16400L);
	printf("1e4000, 0x1p-16400: %La%s\n", rl, err(errno));
}

/* the functions whose results are not one floating-point value */
static void others(void)
{
	printf("== others\n");
	for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
		double x = args[i], ipart, s, c;
		float sf, cf, ipf;
		long double sl, cl, ipl;
		int e, ef, el, q;

		sincos(x, &s, &c);
		sincosf((float)x, &sf, &cf);
		sincosl(x, &sl, &cl);
		double m = frexp(x, &e);
		float mf = frexpf((float)x, &ef);
		long double ml = frexpl(x, &el);
		double fr = modf(x, &ipart);
		float frf = modff((float)x, &ipf);
		long double frl = modfl(x, &ipl);
		double rq = remquo(x, 0.75, &q);
		printf("%a: sincos %a %a %a %a %La %La\n", x, s, c, sf, cf, sl, cl);
		printf("  frexp %a %d %a %d %La %d modf %a %a %a %a %La %La\n", m, e, mf, ef, ml, el,
		       fr, ipart, frf, ipf, frl, ipl);
		printf("  remquo %a %d ldexp %a %a %La scalbn %a ilogb %d logb %a %La\n", rq, q & 7,
		       ldexp(x, 3), ldexpf((float)x, -130), ldexpl(x, 16000), scalbn(x, -1000),
		       ilogb(x), logb(x), logbl(x));
		printf("  lround %ld llround %lld lrint %ld llrintl %lld nearbyint %a %a %La\n",
		       lround(x), llround(x), lrint(x), llrintl(x), nearbyint(x),
		       nearbyintf((float)x), nearbyintl(x));
		printf("  fpclassify %d isnan %d isinf %d signbit %d fma %a %a %La\n", fpclassify(x),
		       isnan(x), isinf(x), signbit(x) != 0, fma(x, x, -1.0), fmaf((float)x, 3.0f, 0.5f),
		       fmal(x, 0.1L, x));
	}
}

int main(void)
{
	for (size_t k = 0; k < sizeof ones / sizeof ones[0]; k++)
		one(k);
	for (size_t k = 0; k < sizeof twos / sizeof twos[0]; k++)
		two(k);
	others();
	return 0;
}
