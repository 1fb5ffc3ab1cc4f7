/* guest-tests/rtcheck.c: the guest runtime's floating-point printer
 * (rt/fpfmt.c) checked on the host against glibc's printf, which prints
 * %.*e correctly rounded and, at a precision long enough, exactly.
 *
 *   make build/guests/rtcheck && build/guests/rtcheck [COUNT]
 *
 * Built for the host (gcc -m32, so long double is the same 80-bit x87
 * format the guests use) from the same source file as the guests' copy;
 * prints the first differences and exits non-zero when there are any.
 * Values: every class of float, double and long double (zeros, denormals,
 * normals near both ends of the range, infinities, NaNs, and for long
 * double unnormals and pseudo-denormals), random bit patterns and random
 * values near powers of ten and ties, at every precision 1..25 and exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static unsigned long long state = 88172645463325252ull;
static int failures;

/* xorshift64 */
static unsigned long long rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* glibc's text for an exact expansion: %.*e at a precision longer than
 * any expansion, trailing zeros (and a lone point) dropped. */
static void exact_ref(char *ref, size_t size, const char *e)
{
    /* e is "-d.ddd000e+XX": cut the zeros before 'e' */
    const char *x = strchr(e, 'e');
    if (!x) {
        snprintf(ref, size, "%s", e);
        return;
    }
    size_t n = (size_t)(x - e);
    while (n > 0 && e[n - 1] == '0')
        n--;
    if (n > 0 && e[n - 1] == '.')
        n--;
    snprintf(ref, size, "%.*s%s", (int)n, e, x);
}

static void compare(const char *what, const char *got, const char *want, int digits)
{
    if (strcmp(got, want) == 0)
        return;
    if (failures++ < 20)
        printf("%s digits %d:\n  got  %s\n  want %s\n", what, digits, got, want);
}

/* glibc prints NaNs as "nan"/"-nan" and infinities as "inf"/"-inf", like
 * rt_fmt_*; both sides are compared as text. */
static void check_double(double d)
{
    char got[RT_FPFMT_MAX], want[RT_FPFMT_MAX], big[1200], what[64];
    unsigned long long bits;
    memcpy(&bits, &d, 8);
    snprintf(what, sizeof what, "double %016llx", bits);
    for (int digits = 1; digits <= 25; digits++) {
        rt_fmt_f64(got, sizeof got, bits, digits);
        snprintf(want, sizeof want, "%.*e", digits - 1, d);
        compare(what, got, want, digits);
    }
    int n = rt_fmt_f64(got, sizeof got, bits, 0);
    snprintf(big, sizeof big, "%.1100e", d);
    exact_ref(want, sizeof want, big);
    compare(what, got, want, 0);
    if (n != (int)strlen(got))
        compare(what, "(length)", got, 0);
}

static void check_float(float f)
{
    char got[RT_FPFMT_MAX], want[RT_FPFMT_MAX], big[400], what[64];
    unsigned bits;
    memcpy(&bits, &f, 4);
    snprintf(what, sizeof what, "float %08x", bits);
    for (int digits = 1; digits <= 25; digits++) {
        rt_fmt_f32(got, sizeof got, bits, digits);
        snprintf(want, sizeof want, "%.*e", digits - 1, (double)f);
        compare(what, got, want, digits);
    }
    rt_fmt_f32(got, sizeof got, bits, 0);
    snprintf(big, sizeof big, "%.200e", (double)f);
    exact_ref(want, sizeof want, big);
    compare(what, got, want, 0);
}

/* glibc prints the x87's invalid encodings (pseudo-NaN, pseudo-infinity,
 * unnormal) as "nan": those are compared with rt's own rule instead. */
static void check_ldouble(unsigned short se, unsigned long long m)
{
    long double x;
    unsigned char raw[sizeof x];
    memset(raw, 0, sizeof raw);
    memcpy(raw, &m, 8);
    memcpy(raw + 8, &se, 2);
    memcpy(&x, raw, sizeof x);
    char got[RT_FPFMT_MAX], want[RT_FPFMT_MAX], what[64];
    static char big[20000];
    snprintf(what, sizeof what, "long double %04x:%016llx", se, m);
    int bexp = se & 0x7fff;
    if (bexp == 0x7fff && !(m >> 63)) {
        rt_fmt_f80(got, sizeof got, se, m, 17);
        compare(what, got, se >> 15 ? "-pseudo-nan" : "pseudo-nan", 17);
        return;
    }
    if (bexp != 0 && bexp != 0x7fff && !(m >> 63)) {
        /* an unnormal: its value is what the same significand with the
         * integer bit's weight printed through a normal number gives, so
         * compare with m * 2^(bexp - 16383 - 63) built from a normal one */
        if (m == 0)
            return;
        int sh = __builtin_clzll(m);
        if (bexp - sh < 1)
            return;
        check_ldouble((unsigned short)((se & 0x8000) | (bexp - sh)), m << sh);
        char a[RT_FPFMT_MAX];
        rt_fmt_f80(a, sizeof a, se, m, 21);
        rt_fmt_f80(got, sizeof got, (unsigned short)((se & 0x8000) | (bexp - sh)), m << sh, 21);
        compare(what, a, got, 21);
        return;
    }
    if (bexp == 0 && (m >> 63)) {
        /* a pseudo-denormal has the value of the normal with exponent 1 */
        rt_fmt_f80(got, sizeof got, se, m, 21);
        rt_fmt_f80(want, sizeof want, (unsigned short)(se | 1), m, 21);
        compare(what, got, want, 21);
        return;
    }
    for (int digits = 1; digits <= 25; digits++) {
        rt_fmt_f80(got, sizeof got, se, m, digits);
        snprintf(want, sizeof want, "%.*Le", digits - 1, x);
        compare(what, got, want, digits);
    }
    rt_fmt_f80(got, sizeof got, se, m, 0);
    snprintf(big, sizeof big, "%.17000Le", x);
    static char ref[20000];
    exact_ref(ref, sizeof ref, big);
    /* an expansion longer than the buffer is rounded to what fits */
    int room = RT_FPFMT_MAX - 10, nd = 0;
    for (const char *p = ref; *p && *p != 'e'; p++)
        nd += *p >= '0' && *p <= '9';
    if (nd > room)
        snprintf(want, sizeof want, "%.*Le", room - 1, x);
    else
        snprintf(want, sizeof want, "%.*s", (int)sizeof want - 1, ref);
    compare(what, got, want, 0);
}

static double from_bits(unsigned long long b)
{
    double d;
    memcpy(&d, &b, 8);
    return d;
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 2000;
    static const unsigned long long dspecial[] = {
        0, 0x8000000000000000ull, 1, 2, 3, 0x000fffffffffffffull, 0x0010000000000000ull,
        0x3ff0000000000000ull, 0x3fb999999999999aull, 0x3fd5555555555555ull, 0x7fefffffffffffffull,
        0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
        0x7ff0000000000001ull, 0x4340000000000000ull, 0x4341c37937e08000ull, 0x3e112e0be826d695ull,
        0x44b52d02c7e14af6ull, 0x3f847ae147ae147bull, 0x0000000000000010ull, 0x8000000000000001ull,
    };
    for (size_t i = 0; i < sizeof dspecial / sizeof dspecial[0]; i++)
        check_double(from_bits(dspecial[i]));
    /* decimal ties and near-ties: n + 0.5 and k * 10^j + 5 * 10^(j-1) */
    for (int i = 0; i < 400; i++) {
        check_double(i + 0.5);
        check_double((double)(i * 1000 + 500) / 1000.0);
        check_double(0.125 * i);
    }
    for (int i = 0; i < count; i++) {
        check_double(from_bits(rnd()));
        check_float((float)(unsigned)rnd());
        unsigned u = (unsigned)rnd();
        float f;
        memcpy(&f, &u, 4);
        check_float(f);
    }
    static const struct { unsigned short se; unsigned long long m; } lspecial[] = {
        { 0, 0 }, { 0x8000, 0 }, { 0, 1 }, { 0, 0x7fffffffffffffffull }, { 0, 0x8000000000000000ull },
        { 1, 0x8000000000000000ull }, { 0x3fff, 0x8000000000000000ull }, { 0x3fff, 0xc000000000000000ull },
        { 0x7ffe, 0xffffffffffffffffull }, { 0x7fff, 0x8000000000000000ull },
        { 0xffff, 0x8000000000000000ull }, { 0x7fff, 0xc000000000000000ull },
        { 0x7fff, 0x8000000000000001ull }, { 0x7fff, 0 }, { 0x7fff, 0x4000000000000000ull },
        { 0x4000, 0x4000000000000000ull }, { 0x3ffe, 1 }, { 0x8001, 0x8000000000000001ull },
        { 0x3ffb, 0xcccccccccccccccdull },
    };
    for (size_t i = 0; i < sizeof lspecial / sizeof lspecial[0]; i++)
        check_ldouble(lspecial[i].se, lspecial[i].m);
    for (int i = 0; i < count / 20; i++) {
        unsigned long long m = rnd() | 0x8000000000000000ull;
        unsigned short se = (unsigned short)rnd();
        if ((se & 0x7fff) == 0x7fff)
            se ^= 1;
        check_ldouble(se, m);
        /* mostly moderate exponents: the long ones cost much more */
        check_ldouble((unsigned short)(0x3fff - 200 + rnd() % 400 + (rnd() & 0x8000)), m);
        check_ldouble((unsigned short)(rnd() & 0x8000), rnd() >> (rnd() % 64));
        check_ldouble((unsigned short)((rnd() & 0xffff) | 1), rnd() >> 1);
    }
    printf("rtcheck: %d failures\n", failures);
    return failures != 0;
}
