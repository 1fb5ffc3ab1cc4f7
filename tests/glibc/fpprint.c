/* tests/glibc/fpprint.c: glibc's floating-point printing and parsing, the
 * x87 code a real program runs most.  printf and snprintf of doubles,
 * floats and long doubles in every conversion over normals, denormals,
 * the extremes, signed zeros, infinities, NaNs (with payloads) and the
 * long double encodings the 8087 calls invalid; values that lie exactly on
 * a rounding tie of the requested precision; then strtod, strtof and
 * strtold of many decimal and hexadecimal strings, each result shown as
 * its bits (so a difference in the last bit shows) and printed back and
 * parsed again.  The values come from bit patterns or from strings at run
 * time, so the compiler folds nothing.  Compared with the native run by
 * tests/scripts/61-glibc.sh. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double dbl(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof d);
	return d;
}

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	return u;
}

static float flt(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof f);
	return f;
}

static uint32_t fbits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u;
}

/* an 80-bit long double from its sign-exponent word and its 64-bit
 * significand (explicit integer bit); the two bytes of padding stay 0 */
static long double ldbl(uint16_t se, uint64_t sig)
{
	unsigned char b[sizeof(long double)] = {0};
	long double l;

	memcpy(b, &sig, 8);
	memcpy(b + 8, &se, 2);
	memcpy(&l, b, sizeof l);
	return l;
}

/* the 80 bits of l as "seee:significand"; the padding is not part of the
 * value (a load and store of a long double need not keep it) */
static void lbits(long double l, char out[24])
{
	unsigned char b[sizeof(long double)];
	uint64_t sig;
	uint16_t se;

	memcpy(b, &l, sizeof b);
	memcpy(&sig, b, 8);
	memcpy(&se, b + 8, 2);
	snprintf(out, 24, "%04x:%016" PRIx64, se, sig);
}

static const uint64_t doubles[] = {
	0x0000000000000000, 0x8000000000000000,	/* +0, -0 */
	0x3ff0000000000000, 0xbff0000000000000,	/* 1, -1 */
	0x3fb999999999999a, 0x3fd5555555555555,	/* 0.1, 1/3 */
	0x400921fb54442d18, 0x4005bf0a8b145769,	/* pi, e */
	0x7fefffffffffffff, 0x0010000000000000,	/* DBL_MAX, DBL_MIN */
	0x000fffffffffffff, 0x0000000000000001,	/* largest, smallest denormal */
	0x0000000000000003, 0x8008000000000000,	/* 3 * 2^-1074, -2^-1023 */
	0x7e37e43c8800759c, 0x01a56e1fc2f8f359,	/* 1e300, 1e-300 */
	0x3fe0000000000000, 0x3ff8000000000000,	/* 0.5, 1.5: ties at %.0f */
	0x4004000000000000, 0xbfe0000000000000,	/* 2.5, -0.5 */
	0x3fd0000000000000, 0x3fd8000000000000,	/* 0.25, 0.375: ties at %.1f, %.2f */
	0x3ff0147ae147ae14, 0x3ff0083126e978d5,	/* 1.005 and 1.002, each a bit off */
	0x4023000000000000, 0x4025000000000000,	/* 9.5, 10.5 */
	0x4340000000000000, 0x4340000000000001,	/* 2^53, 2^53 + 2 */
	0x430c6bf526340000, 0x44b52d02c7e14af6,	/* 1e15, 1e23 (not exact) */
	0x419d6f3454400000, 0x3f50624dd2f1a9fc,	/* 123456789.0625, 0.001 */
	0x7ff0000000000000, 0xfff0000000000000,	/* +inf, -inf */
	0x7ff8000000000000, 0xfff8000000000000,	/* qNaN, -qNaN */
	0x7ff8000000000123, 0x7ff0000000000001,	/* qNaN with payload, sNaN */
};

static const uint32_t floats[] = {
	0x00000000, 0x80000000, 0x3f800000, 0x3dcccccd,	/* 0, -0, 1, 0.1f */
	0x7f7fffff, 0x00800000, 0x007fffff, 0x00000001,	/* max, min, denormals */
	0x3eaaaaab, 0x4b800001, 0xc2f6e979,		/* 1/3, 2^24 + 2, -123.456 */
	0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000,	/* inf, -inf, qNaN, sNaN */
};

static const struct { uint16_t se; uint64_t sig; } ldoubles[] = {
	{0x0000, 0}, {0x8000, 0},				/* +0, -0 */
	{0x3fff, 0x8000000000000000}, {0x3ffd, 0xaaaaaaaaaaaaaaab},	/* 1, 1/3 */
	{0x4000, 0xc90fdaa22168c235},				/* pi */
	{0x7ffe, 0xffffffffffffffff}, {0x0001, 0x8000000000000000},	/* max, min */
	{0x0000, 0x0000000000000001}, {0x0000, 0x7fffffffffffffff},	/* denormals */
	{0x8000, 0x8000000000000000},				/* pseudo-denormal */
	{0x3fff, 0x4000000000000000},				/* unnormal */
	{0x7fff, 0x0000000000000000},				/* pseudo-infinity */
	{0x7fff, 0x8000000000000000}, {0xffff, 0x8000000000000000},	/* +-inf */
	{0x7fff, 0xc000000000000000}, {0x7fff, 0xc000000000000abc},	/* qNaNs */
	{0x7fff, 0xa000000000000000},				/* sNaN */
	{0x3ffe, 0xc000000000000000}, {0x4000, 0xa000000000000000},	/* 0.75, 2.5 */
	{0x4034, 0x8000000000000400},				/* 2^53 + 1, exact */
};

static void print_doubles(void)
{
	char buf[64];

	printf("== doubles\n");
	for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
		double d = dbl(doubles[i]);

		printf("%016" PRIx64 ": %f|%g|%e|%a|%.0f|%.20g\n", doubles[i], d, d, d, d, d, d);
		printf("  [%10.3e][%-14.4g][%+.3a][%#g][%#.0f][%.17g][%G][%E][%A]\n", d, d, d, d, d,
		       d, d, d, d);
		printf("  [%.1f][%.2f][%.0e][%.3g][% 012.4f][%.*e][%013a][%.0a][%.40f]\n", d, d, d, d,
		       d, 7, d, d, d, d);
		int n = snprintf(buf, sizeof buf, "%.30e", d);
		printf("  snprintf %d \"%s\"\n", n, buf);
	}
	/* the longest outputs: every digit of the extremes */
	printf("%.0f\n%.1074f\n%.767e\n", dbl(doubles[8]), dbl(doubles[11]), dbl(doubles[10]));
}

static void print_floats(void)
{
	printf("== floats\n");
	for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
		float f = flt(floats[i]);

		printf("%08" PRIx32 ": %f|%g|%e|%a|%.9g|%.0f|%10.3e|%.50f\n", floats[i], f, f, f, f,
		       f, f, f, f);
	}
}

static void print_ldoubles(void)
{
	printf("== long doubles\n");
	for (size_t i = 0; i < sizeof ldoubles / sizeof ldoubles[0]; i++) {
		long double l = ldbl(ldoubles[i].se, ldoubles[i].sig);
		unsigned e = ldoubles[i].se & 0x7fff;

		printf("%04x:%016" PRIx64 ": %Lg|%Le|%La|%.25Lg|%10.3Le|%LA", ldoubles[i].se,
		       ldoubles[i].sig, l, l, l, l, l, l);
		/* %f of the largest finite values prints 4933 digits, costing glibc
		 * quadratic time: 30 million instructions each, too slow for the
		 * interpreter with sanitizers; 2^2049 below has a tenth of them */
		if (e < 0x4400 || e == 0x7fff)
			printf("|%Lf|%.0Lf", l, l);
		printf("\n");
	}
	printf("%.0Lf\n", ldbl(0x47ff, 0xffffffffffffffff));
	printf("%.70Le\n", ldbl(0x0000, 0x0000000000000001));
}

/* snprintf's truncation and return value with floating-point output */
static void print_snprintf(void)
{
	static const size_t sizes[] = {0, 1, 2, 5, 8, 12, 40};
	char buf[64];

	printf("== snprintf\n");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		memset(buf, '#', sizeof buf);
		int n = snprintf(buf, sizes[i], "%.6f|%g|%La", dbl(doubles[6]), dbl(doubles[4]),
				 ldbl(0x3ffd, 0xaaaaaaaaaaaaaaab));
		printf("size %zu: %d \"%s\" next '%c'\n", sizes[i], n, sizes[i] ? buf : "",
		       sizes[i] ? buf[sizes[i]] : buf[0]);
	}
}

static const char *const strings[] = {
	"0", "-0", "1", "-1", "0.1", "1e-1", ".5", "5.", "  +42", "-.125e+3",
	"3.14159265358979323846264338327950288419716939937510",
	"2.2250738585072011e-308", "2.2250738585072012e-308",	/* around DBL_MIN */
	"2.2250738585072009e-308", "2.225073858507201136057409796709131975934819546351645e-308",
	"4.9406564584124654e-324", "2.4703282292062327e-324",	/* min denormal, just below half */
	"2.4703282292062328e-324", "2.47032822920623272088284396434110686182529901307162e-324",
	"1e-320", "1e-400", "-1e-400", "1e400", "-1e400",
	"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
	"9007199254740993", "9007199254740995", "9007199254740993.0000000001",
	"1.00000000000000011102230246251565404236316680908203125",	/* 1 + 2^-53: tie */
	"1.000000000000000111022302462515654042363166809082031251",
	"123456789012345678901234567890", "1e23", "8.589973e9", "0.000001",
	"1.4e-45", "1.401298464324817e-45", "7.006492321624085e-46", "7.006492321624086e-46",
	"3.4028235e38", "3.40282356779733661637539395458142568448e38", "3.4028236e38",
	"1.1754943e-38", "1.17549421e-38", "1.8e-4951", "3.6e-4951", "1.18973149535723176502e4932",
	"1.18973149535723176509e4932",
	"0x1p-1074", "0x1p-1075", "0x1.8p-1074", "0x1.fffffffffffffp1023", "0x1.fffffffffffff8p1023",
	"0x1.8p1", "0X.8P0", "-0x0.0000000000001p-1022", "0x1.000000000000080000001p0",
	"0x123456789abcdef0123p-40", "0xffffffffffffffffp16320", "0x1p-16445", "0x", "0x.p1",
	"inf", "-Infinity", "INFINITY", "infinit", "nan", "-NaN", "nan(123)", "NAN(0x8)",
	"nan(0xfffffffffffff)", "nan(abc", "1e", "1e+", "1e+x", "abc", "", "-", "1.5e+10xyz",
	"1_000", "0.00000000000000000000000000000000000000000000000000000000000000000000001e71",
	/* long mantissas: the decision needs every digit (in parentheses, one
	 * element each, so that no compiler suspects a missing comma) */
	("1.0000000000000000000000000000000000000000000000000000000000000000000000000000000"
	 "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000001"),
	("0.50000000000000005551115123125782702118158340454101562500000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000000000001"),
};

/* one string through the three parsers: bits, how much was read, ERANGE;
 * then the shortest decimal that gives the same bits back */
static void parse(const char *s)
{
	char *end, back[64], lb[24], lb2[24];

	errno = 0;
	double d = strtod(s, &end);
	int de = errno;
	long dn = end - s;
	errno = 0;
	float f = strtof(s, &end);
	int fe = errno;
	long fn = end - s;
	errno = 0;
	long double l = strtold(s, &end);
	int le = errno;
	long ln = end - s;

	printf("\"%.40s\"%s\n", s, strlen(s) > 40 ? "..." : "");
	snprintf(back, sizeof back, "%.17g", d);
	printf("  d %016" PRIx64 " read %ld%s %s", dbits(d), dn, de == ERANGE ? " ERANGE" : "", back);
	printf(" back %016" PRIx64 "\n", dbits(strtod(back, NULL)));
	snprintf(back, sizeof back, "%.9g", f);
	printf("  f %08" PRIx32 " read %ld%s %s", fbits(f), fn, fe == ERANGE ? " ERANGE" : "", back);
	printf(" back %08" PRIx32 "\n", fbits(strtof(back, NULL)));
	lbits(l, lb);
	snprintf(back, sizeof back, "%.21Lg", l);
	lbits(strtold(back, NULL), lb2);
	printf("  l %s read %ld%s %s back %s\n", lb, ln, le == ERANGE ? " ERANGE" : "", back, lb2);
}

int main(void)
{
	print_doubles();
	print_floats();
	print_ldoubles();
	print_snprintf();
	printf("== parse\n");
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		parse(strings[i]);
	return 0;
}
