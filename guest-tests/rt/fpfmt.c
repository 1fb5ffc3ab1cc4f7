/* guest-tests/rt/fpfmt.c: binary floating-point values as decimal text,
 * with integer code only.
 *
 * The runtime is built with -mno-80387, and the printer must not depend on
 * the FPU it is used to test: a floating-point program passes the bits of
 * its value (a union in progs/fp.h) and gets back text that is a function
 * of those bits alone, so a native run and a cdvm run print the same bytes
 * exactly when their results are bit-identical.
 *
 *   char buf[RT_FPFMT_MAX];
 *   rt_fmt_f64(buf, sizeof buf, 0x3fb999999999999aull, 17); // 1.0000000000000001e-01
 *   rt_fmt_f64(buf, sizeof buf, 0x3fb999999999999aull, 0);  // 1.000000000000000055511151231257827021181583404541015625e-01
 *
 * A finite value is m * 2^e with an integer m.  It becomes a fraction
 * num / den of two big integers scaled by a power of ten so that
 * den <= num < 10 den; each digit is then the quotient num / den (found by
 * subtracting 8, 4, 2 and 1 times den) and num becomes 10 * remainder.
 * Rounding to `digits` significant digits looks at the remainder that is
 * left: above half a unit rounds up, exactly half rounds to even, as
 * printf's %.*e does in the default rounding mode.  digits == 0 asks for the
 * exact expansion (every binary fraction has a finite decimal one); when
 * it does not fit in the buffer it is rounded to as many digits as fit.
 *
 * The format is printf's %e: "-d.ddde+XX", at least two exponent digits,
 * and "inf", "-inf", "nan", "-nan".  Long doubles are the x87's 80-bit
 * format: an explicit integer bit, so the unnormals and pseudo-denormals
 * the x87 can hold print as their value (m * 2^(e - 16383 - 63) with the
 * biased exponent e at least 1); pseudo-infinities and pseudo-NaNs (integer
 * bit clear, exponent all ones) print as "pseudo-nan". */
#include "rt.h"

/* Enough 32-bit words for the largest numerator or denominator: a long
 * double denormal needs 2^16445 as denominator and the largest long double
 * 2^16384 as numerator, each then times a little (the 10 den of the
 * normalisation and the 8 den multiple of digit extraction). */
#define BIG_WORDS 522

struct big {
    int n;                      /* words in use; w[n - 1] != 0 unless n == 0 */
    uint32_t w[BIG_WORDS];
};

static void big_trim(struct big *b)
{
    while (b->n > 0 && b->w[b->n - 1] == 0)
        b->n--;
}

static void big_set(struct big *b, uint64_t v)
{
    b->w[0] = (uint32_t)v;
    b->w[1] = (uint32_t)(v >> 32);
    b->n = 2;
    big_trim(b);
}

static void big_copy(struct big *d, const struct big *s)
{
    d->n = s->n;
    for (int i = 0; i < s->n; i++)
        d->w[i] = s->w[i];
}

/* b *= m (m < 2^32) */
static void big_mul(struct big *b, uint32_t m)
{
    uint32_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = (uint32_t)(t >> 32);
    }
    if (carry)
        b->w[b->n++] = carry;
}

/* b *= 2^s */
static void big_shl(struct big *b, int s)
{
    int words = s / 32, bits = s % 32;
    if (b->n == 0)
        return;
    if (bits) {
        uint32_t carry = 0;
        for (int i = 0; i < b->n; i++) {
            uint32_t w = b->w[i];
            b->w[i] = (w << bits) | carry;
            carry = w >> (32 - bits);
        }
        if (carry)
            b->w[b->n++] = carry;
    }
    if (words) {
        for (int i = b->n - 1; i >= 0; i--)
            b->w[i + words] = b->w[i];
        for (int i = 0; i < words; i++)
            b->w[i] = 0;
        b->n += words;
    }
}

/* b *= 10^k, nine digits per step */
static void big_pow10(struct big *b, int k)
{
    for (; k >= 9; k -= 9)
        big_mul(b, 1000000000u);
    static const uint32_t p10[9] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000 };
    if (k > 0)
        big_mul(b, p10[k]);
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* a -= b, with a >= b */
static void big_sub(struct big *a, const struct big *b)
{
    uint32_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        uint32_t bw = i < b->n ? b->w[i] : 0;
        uint64_t t = (uint64_t)a->w[i] - bw - borrow;
        a->w[i] = (uint32_t)t;
        borrow = (uint32_t)(t >> 32) & 1;
    }
    big_trim(a);
}

/* The state of one conversion: num / den in [1, 10) times 10^exp10 is the
 * value; d1..d8 are den times 1, 2, 4, 8 for the digit quotients.  Static:
 * together they are 20 KiB, too much for a stack frame the guests should
 * keep small, and the runtime is single-threaded. */
static struct big num, d1, d2, d4, d8;

/* The next decimal digit, num = 10 * (num mod den) */
static int next_digit(void)
{
    int q = 0;
    if (big_cmp(&num, &d8) >= 0) {
        big_sub(&num, &d8);
        q += 8;
    }
    if (big_cmp(&num, &d4) >= 0) {
        big_sub(&num, &d4);
        q += 4;
    }
    if (big_cmp(&num, &d2) >= 0) {
        big_sub(&num, &d2);
        q += 2;
    }
    if (big_cmp(&num, &d1) >= 0) {
        big_sub(&num, &d1);
        q += 1;
    }
    return q;
}

/* About floor(log10(2) * x) for |x| < 2^15: 1292913986 / 2^32 is log10(2)
 * to 10 digits.  Near the best rational approximations of log10(2) the
 * estimate can be one or two too low; the normalisation loops correct it. */
static int log10_2(int x)
{
    int64_t p = (int64_t)x * 1292913986;
    /* floor division by 2^32, negative products included, without a
     * 64-bit division */
    if (p >= 0)
        return (int)((uint64_t)p >> 32);
    return -(int)(((uint64_t)-p + 0xffffffffu) >> 32);
}

struct text {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct text *t, char c)
{
    if (t->len + 1 < t->size)
        t->buf[t->len] = c;
    t->len++;
}

static void puts_t(struct text *t, const char *s)
{
    while (*s)
        put(t, *s++);
}

static int finish(struct text *t)
{
    if (t->size)
        t->buf[t->len < t->size ? t->len : t->size - 1] = 0;
    return (int)t->len;
}

/* The exponent part: e+XX / e-XXXX */
static void put_exp(struct text *t, int e)
{
    char rev[8];
    int n = 0;
    put(t, 'e');
    put(t, e < 0 ? '-' : '+');
    unsigned u = e < 0 ? (unsigned)-e : (unsigned)e;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 2)
        rev[n++] = '0';
    while (n)
        put(t, rev[--n]);
}

/* m * 2^e (m != 0) with `digits` significant digits, 0 for exact */
static int fmt_finite(char *buf, size_t size, int neg, uint64_t m, int e, int digits)
{
    struct text t = { buf, size, 0 };
    /* at most this many digits fit: sign, point, e-XXXXX and the NUL */
    int room = size > 10 ? (int)size - 10 : 1;
    int exact = digits <= 0;
    if (exact || digits > room)
        digits = room;

    int bits = 64 - __builtin_clzll(m);
    int k = log10_2(e + bits - 1);          /* about floor(log10(value)) */
    big_set(&num, m);
    big_set(&d1, 1);
    if (e > 0)
        big_shl(&num, e);
    else
        big_shl(&d1, -e);
    if (k > 0)
        big_pow10(&d1, k);
    else
        big_pow10(&num, -k);
    /* now num / den = value / 10^k; bring it into [1, 10) */
    for (;;) {
        big_copy(&d2, &d1);
        big_mul(&d2, 10);
        if (big_cmp(&num, &d2) < 0)
            break;
        big_copy(&d1, &d2);
        k++;
    }
    while (big_cmp(&num, &d1) < 0) {
        big_mul(&num, 10);
        k--;
    }
    big_copy(&d2, &d1);
    big_shl(&d2, 1);
    big_copy(&d4, &d1);
    big_shl(&d4, 2);
    big_copy(&d8, &d1);
    big_shl(&d8, 3);

    char dig[RT_FPFMT_MAX];
    if (digits > (int)sizeof dig)
        digits = (int)sizeof dig;
    int nd = 0;
    while (nd < digits) {
        dig[nd++] = (char)('0' + next_digit());
        if (exact && num.n == 0)
            break;
        if (nd < digits)
            big_mul(&num, 10);
    }
    /* round on what is left, num / den in [0, 1): compare 2 num with den */
    if (num.n) {
        big_shl(&num, 1);
        int c = big_cmp(&num, &d1);
        if (c > 0 || (c == 0 && (dig[nd - 1] - '0') % 2)) {
            int i = nd - 1;
            while (i >= 0 && dig[i] == '9')
                dig[i--] = '0';
            if (i >= 0) {
                dig[i]++;
            } else {            /* 9.99 -> 10.0: one digit more in front */
                dig[0] = '1';
                k++;
            }
        }
    }

    if (neg)
        put(&t, '-');
    put(&t, dig[0]);
    if (nd > 1)
        put(&t, '.');
    for (int i = 1; i < nd; i++)
        put(&t, dig[i]);
    put_exp(&t, k);
    return finish(&t);
}

static int fmt_special(char *buf, size_t size, int neg, const char *what, int zero_digits)
{
    struct text t = { buf, size, 0 };
    if (neg)
        put(&t, '-');
    if (zero_digits < 0) {
        puts_t(&t, what);
    } else {                    /* zero, as %.*e prints it */
        put(&t, '0');
        if (zero_digits > 1)
            put(&t, '.');
        for (int i = 1; i < zero_digits && t.len + 6 < size; i++)
            put(&t, '0');
        puts_t(&t, "e+00");
    }
    return finish(&t);
}

/* A value of an IEEE binary format with an implicit integer bit. */
static int fmt_ieee(char *buf, size_t size, uint64_t bits, int mbits, int ebits, int digits)
{
    int neg = (int)(bits >> (mbits + ebits)) & 1;
    int bexp = (int)(bits >> mbits) & ((1 << ebits) - 1);
    uint64_t frac = bits & ((1ull << mbits) - 1);
    int bias = (1 << (ebits - 1)) - 1;
    if (bexp == (1 << ebits) - 1)
        return fmt_special(buf, size, neg, frac ? "nan" : "inf", -1);
    if (bexp == 0 && frac == 0)
        return fmt_special(buf, size, neg, "", digits > 0 ? digits : 1);
    if (bexp == 0)              /* denormal: no integer bit, exponent 1 - bias */
        return fmt_finite(buf, size, neg, frac, 1 - bias - mbits, digits);
    return fmt_finite(buf, size, neg, frac | (1ull << mbits), bexp - bias - mbits, digits);
}

int rt_fmt_f32(char *buf, size_t size, uint32_t bits, int digits)
{
    return fmt_ieee(buf, size, bits, 23, 8, digits);
}

int rt_fmt_f64(char *buf, size_t size, uint64_t bits, int digits)
{
    return fmt_ieee(buf, size, bits, 52, 11, digits);
}

int rt_fmt_f80(char *buf, size_t size, uint16_t sign_exp, uint64_t mant, int digits)
{
    int neg = sign_exp >> 15;
    int bexp = sign_exp & 0x7fff;
    if (bexp == 0x7fff) {
        if (!(mant >> 63))
            return fmt_special(buf, size, neg, "pseudo-nan", -1);
        return fmt_special(buf, size, neg, mant << 1 ? "nan" : "inf", -1);
    }
    if (mant == 0)
        return fmt_special(buf, size, neg, "", digits > 0 ? digits : 1);
    /* denormals and pseudo-denormals (exponent 0) scale like exponent 1 */
    return fmt_finite(buf, size, neg, mant, (bexp ? bexp : 1) - 16383 - 63, digits);
}
