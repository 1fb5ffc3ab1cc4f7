/* guest-tests/progs/fparith.c: x87 arithmetic in float, double and long
 * double: + - * / sqrt, fabs and negation, mixed precisions, denormals,
 * infinities, NaNs, signed zeros, overflow and underflow, each result
 * printed exactly with its exception flags.
 *
 * Three parts:
 * 1. Random operands against an integer reference (the same rounding a
 *    correct IEEE implementation does, written with 64-bit integers): at
 *    precision control 24, 53 and 64 bits the x87 rounds + - * / and sqrt
 *    exactly like IEEE single, double and extended, as long as the result
 *    is a normal number of the format it is stored in, and sets PE exactly
 *    when the result is inexact.  Every rounding mode.
 * 2. A table of special operands (zeros, denormals, the extremes,
 *    infinities, quiet and signalling NaNs) through + - * / in double,
 *    checked against the IEEE rules for the class of the result and the
 *    invalid and divide-by-zero flags.
 * 3. Named cases in all three types with their decimal values.
 * Size argument: more random cases (12 per unit). */
#include "fp.h"

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_N };
static const char *const op_names[OP_N] = { "add", "sub", "mul", "div", "sqrt" };

/* ---- the integer reference ---------------------------------------------- */

/* (-1)^neg * m * 2^e, m with its top bit (63) set */
struct val {
    int neg;
    uint64_t m;
    int e;
};

/* a * b as 128 bits */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* (hi:lo) >> d, the bits shifted out returned as a sticky flag */
static int shr128(uint64_t *hi, uint64_t *lo, int d)
{
    int sticky;
    if (d == 0)
        return 0;
    if (d >= 128) {
        sticky = (*hi | *lo) != 0;
        *hi = *lo = 0;
    } else if (d >= 64) {
        sticky = *lo != 0 || (d > 64 && (*hi << (128 - d)) != 0);
        *lo = d == 64 ? *hi : *hi >> (d - 64);
        *hi = 0;
    } else {
        sticky = (*lo << (64 - d)) != 0;
        *lo = (*lo >> d) | (*hi << (64 - d));
        *hi >>= d;
    }
    return sticky;
}

/* The rounded result of an operation: *zero when it is an exact zero
 * (x - x), otherwise q * 2^e with p bits. */
struct res {
    int neg, zero, inexact;
    uint64_t q;
    int e;
};

static struct res round_to(int neg, uint64_t hi, uint64_t lo, int e, int p, unsigned rc)
{
    struct res r = { neg, 0, 0, 0, e };
    r.q = fp_round(neg, hi, lo, &r.e, p, rc, &r.inexact);
    return r;
}

static struct res ref_add(struct val a, struct val b, int p, unsigned rc)
{
    /* x the larger magnitude */
    struct val x = a, y = b;
    if (b.e > a.e || (b.e == a.e && b.m > a.m)) {
        x = b;
        y = a;
    }
    uint64_t xh = x.m, xl = 0, yh = y.m, yl = 0;
    int sticky = shr128(&yh, &yl, x.e - y.e);
    int e = x.e - 64;
    if (x.neg == y.neg) {
        uint64_t lo = xl + yl, hi = xh + yh + (lo < xl);
        if (hi < xh || (hi == xh && yh)) {       /* carry out of bit 127 */
            sticky |= shr128(&hi, &lo, 1);
            hi |= 1ull << 63;
            e++;
        }
        return round_to(x.neg, hi, lo | (uint64_t)sticky, e, p, rc);
    }
    uint64_t lo = xl - yl, hi = xh - yh - (xl < yl);
    if (sticky) {               /* the value lies between (hi:lo) - 1 and (hi:lo): take the odd one */
        if (lo-- == 0)
            hi--;
        lo |= 1;
    }
    if (hi == 0 && lo == 0) {
        struct res r = { rc == FP_RC_DOWN, 1, 0, 0, 0 };
        return r;
    }
    return round_to(x.neg, hi, lo, e, p, rc);
}

static struct res ref_mul(struct val a, struct val b, int p, unsigned rc)
{
    uint64_t hi, lo;
    mul64(a.m, b.m, &hi, &lo);
    return round_to(a.neg ^ b.neg, hi, lo, a.e + b.e, p, rc);
}

/* Restoring division, 67 quotient bits (at least two below the rounding
 * position of a 64-bit result, whose quotient may start one bit lower),
 * the remainder as the sticky bit. */
static struct res ref_div(struct val a, struct val b, int p, unsigned rc)
{
    const int K = 67;
    uint64_t r = a.m, qh = 0, ql = 0;
    int rtop = 0;
    for (int i = 0; i < K; i++) {
        int bit = 0;
        if (rtop || r >= b.m) {
            r -= b.m;
            bit = 1;
        }
        qh = (qh << 1) | (ql >> 63);
        ql = (ql << 1) | (uint64_t)bit;
        rtop = (int)(r >> 63);
        r <<= 1;
    }
    ql |= (uint64_t)(r != 0 || rtop);
    return round_to(a.neg ^ b.neg, qh, ql, a.e - b.e - (K - 1), p, rc);
}

/* Bit-by-bit square root of N = m * 2^s (e - s even, so that the root of
 * 2^(e - s) is a power of two), 67 or 68 root bits, the remainder as the
 * sticky bit.  The remainder stays below 2 root + 1 < 2^69 and is kept in
 * 128 bits. */
static struct res ref_sqrt(struct val a, int p, unsigned rc)
{
    int s = 70 + (a.e & 1);
    int pairs = (64 + s + 1) / 2;
    uint64_t rh = 0, rl = 0, qh = 0, ql = 0;
    for (int i = pairs - 1; i >= 0; i--) {
        /* the next two bits of N: bits 2i+1 and 2i, N's bits are m's above s */
        int b1 = 2 * i + 1 - s, b0 = 2 * i - s;
        uint64_t two = ((b1 >= 0 && b1 < 64 ? (a.m >> b1) & 1 : 0) << 1) | (b0 >= 0 ? (a.m >> b0) & 1 : 0);
        rh = (rh << 2) | (rl >> 62);
        rl = (rl << 2) | two;
        /* t = 4 q + 1 */
        uint64_t th = (qh << 2) | (ql >> 62), tl = (ql << 2) | 1;
        qh = (qh << 1) | (ql >> 63);
        ql <<= 1;
        if (rh > th || (rh == th && rl >= tl)) {
            rh = rh - th - (rl < tl);
            rl -= tl;
            ql |= 1;
        }
    }
    ql |= (uint64_t)((rh | rl) != 0);
    return round_to(0, qh, ql, (a.e - s) / 2, p, rc);
}

/* ---- the x87's side: one operation at the current control word, its
 * result's bits and the exception flags.  The operands are written as bits
 * into volatile unions: passed as a float or double they would travel in
 * an x87 register (the i386 ABI returns them in ST0), and the load would
 * already turn a signalling NaN into a quiet one. */
static volatile union fp32 vfa, vfb, vfr;
static volatile union fp64 vda, vdb, vdr;
static volatile long double vla, vlb, vlr;

static uint16_t hw32(int op, uint32_t a, uint32_t b, uint32_t *r)
{
    vfa.u = a;
    vfb.u = b;
    fp_clex();
    switch (op) {
    case OP_ADD: vfr.f = vfa.f + vfb.f; break;
    case OP_SUB: vfr.f = vfa.f - vfb.f; break;
    case OP_MUL: vfr.f = vfa.f * vfb.f; break;
    case OP_DIV: vfr.f = vfa.f / vfb.f; break;
    default: {
        float x = vfa.f;
        __asm__("fsqrt" : "+t"(x));
        vfr.f = x;
    }
    }
    uint16_t sw = fp_getsw();
    *r = vfr.u;
    return sw;
}

static uint16_t hw64(int op, uint64_t a, uint64_t b, uint64_t *r)
{
    vda.u = a;
    vdb.u = b;
    fp_clex();
    switch (op) {
    case OP_ADD: vdr.d = vda.d + vdb.d; break;
    case OP_SUB: vdr.d = vda.d - vdb.d; break;
    case OP_MUL: vdr.d = vda.d * vdb.d; break;
    case OP_DIV: vdr.d = vda.d / vdb.d; break;
    default: {
        double x = vda.d;
        __asm__("fsqrt" : "+t"(x));
        vdr.d = x;
    }
    }
    uint16_t sw = fp_getsw();
    *r = vdr.u;
    return sw;
}

static uint16_t hw80(int op, long double a, long double b, long double *r)
{
    vla = a;
    vlb = b;
    fp_clex();
    switch (op) {
    case OP_ADD: vlr = vla + vlb; break;
    case OP_SUB: vlr = vla - vlb; break;
    case OP_MUL: vlr = vla * vlb; break;
    case OP_DIV: vlr = vla / vlb; break;
    default: {
        long double x = vla;
        __asm__("fsqrt" : "+t"(x));
        vlr = x;
    }
    }
    uint16_t sw = fp_getsw();
    *r = vlr;
    return sw;
}

static struct res reference(int op, struct val a, struct val b, int p, unsigned rc)
{
    switch (op) {
    case OP_ADD: return ref_add(a, b, p, rc);
    case OP_SUB: b.neg ^= 1; return ref_add(a, b, p, rc);
    case OP_MUL: return ref_mul(a, b, p, rc);
    case OP_DIV: return ref_div(a, b, p, rc);
    default: a.neg = 0; return ref_sqrt(a, p, rc);
    }
}

/* A random operand of p bits: exponent near e0, sign random; b operands
 * are sometimes a's near neighbours (cancellation) or far away (sticky). */
static struct val random_val(uint32_t *seed, int p, int e0)
{
    struct val v;
    uint64_t m = ((uint64_t)rt_rand(seed) << 32) | rt_rand(seed);
    v.m = (m | (1ull << 63)) & ~((p == 64 ? 0 : (1ull << (64 - p)) - 1));
    v.neg = rt_rand(seed) & 1;
    v.e = e0 - 63;
    return v;
}

static struct val random_pair_b(uint32_t *seed, struct val a, int p)
{
    uint32_t k = rt_rand(seed);
    int ea = a.e + 63;
    switch (k % 4) {
    case 0:
        return random_val(seed, p, ea + (int)(k / 4 % 7) - 3);
    case 1:
        return random_val(seed, p, ea + (int)(k / 4 % 141) - 70);
    case 2: {                   /* the same value with its low bits changed */
        struct val b = a;
        int low = 1 + (int)(k / 4 % (unsigned)p);
        uint64_t mask = (low >= 64 ? ~0ull : (1ull << low) - 1) << (64 - p);
        b.m = (a.m & ~mask) | (((uint64_t)rt_rand(seed) << 32 | rt_rand(seed)) & mask) | (1ull << 63);
        b.neg = (int)(k >> 31);
        return b;
    }
    default:
        return random_val(seed, p, (int)(rt_rand(seed) % 61) - 30);
    }
}

/* One random case at precision p: the x87's result (as sign-exponent and
 * significand bits, the form of the format p names) against the
 * reference's.  Returns 1 when they agree, 0 when not, -1 when the result
 * is outside the format's normal range (the x87 then rounds differently:
 * precision control does not narrow the exponent). */
static int one_case(int op, struct val a, struct val b, int p, unsigned rc, uint32_t *h, int print)
{
    struct res want = reference(op, a, b, p, rc);
    int ok, in_range = 1;
    uint64_t gm, wm = 0;
    uint16_t gse = 0, wse = 0, sw;
    long double la = 0, lb = 0, g80 = 0, w80 = 0;
    uint64_t ua = 0, ub = 0;
    fp_mode(rc, p == 24 ? FP_PC_24 : p == 53 ? FP_PC_53 : FP_PC_64);
    if (p == 24) {
        uint32_t g;
        ua = fp_pack32(a.neg, a.m >> 40, a.e + 40, &ok);
        ub = fp_pack32(b.neg, b.m >> 40, b.e + 40, &ok);
        sw = hw32(op, (uint32_t)ua, (uint32_t)ub, &g);
        gm = g;
        if (want.zero)
            wm = (uint64_t)want.neg << 31;
        else
            wm = fp_pack32(want.neg, want.q, want.e, &in_range);
    } else if (p == 53) {
        ua = fp_pack64(a.neg, a.m >> 11, a.e + 11, &ok);
        ub = fp_pack64(b.neg, b.m >> 11, b.e + 11, &ok);
        sw = hw64(op, ua, ub, &gm);
        if (want.zero)
            wm = (uint64_t)want.neg << 63;
        else
            wm = fp_pack64(want.neg, want.q, want.e, &in_range);
    } else {
        la = fp_pack80(a.neg, a.m, a.e, &ok);
        lb = fp_pack80(b.neg, b.m, b.e, &ok);
        sw = hw80(op, la, lb, &g80);
        gm = fp_b80(g80, &gse);
        if (want.zero)
            w80 = fp_f80((uint16_t)(want.neg << 15), 0);
        else
            w80 = fp_pack80(want.neg, want.q, want.e, &in_range);
        wm = fp_b80(w80, &wse);
    }
    fp_setcw(FP_CW_DEFAULT);
    *h = rt_mix(fp_mix64(rt_mix(*h, gse), gm), sw & 0x7f);
    if (!in_range)
        return -1;
    uint16_t wflags = want.inexact ? FP_SW_PE : 0;
    if (gm == wm && gse == wse && (sw & 0x7f) == wflags)
        return 1;
    if (!print)
        return 0;
    printf("  p%d %s %s:\n", p, op_names[op], fp_rc_name(rc));
    if (p == 24)
        printf("    a %s b %s\n    got  %s %s\n    want %s %s\n", fp_sf(fp_f32((uint32_t)ua)),
               fp_sf(fp_f32((uint32_t)ub)), fp_sf(fp_f32((uint32_t)gm)), fp_flags(sw),
               fp_sf(fp_f32((uint32_t)wm)), fp_flags(wflags));
    else if (p == 53)
        printf("    a %s b %s\n    got  %s %s\n    want %s %s\n", fp_sd(fp_f64(ua)), fp_sd(fp_f64(ub)),
               fp_sd(fp_f64(gm)), fp_flags(sw), fp_sd(fp_f64(wm)), fp_flags(wflags));
    else
        printf("    a %s b %s\n    got  %s %s\n    want %s %s\n", fp_sl(la), fp_sl(lb), fp_sl(g80),
               fp_flags(sw), fp_sl(w80), fp_flags(wflags));
    return 0;
}

/* The random cases of one precision: each operation in each rounding mode
 * on the same operands, compared with the reference (result and PE, and no
 * other flag), all results folded into one checksum. */
static void random_cases(int p, int cases)
{
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)p;
    uint32_t h = 2166136261u;
    int checked = 0, skipped = 0, bad = 0;
    for (int c = 0; c < cases; c++) {
        struct val a = random_val(&seed, p, (int)(rt_rand(&seed) % 61) - 30);
        struct val b = random_pair_b(&seed, a, p);
        for (int ri = 0; ri < 4; ri++)
            for (int op = 0; op < OP_N; op++) {
                struct val aa = a;
                if (op == OP_SQRT)
                    aa.neg = 0;
                int r = one_case(op, aa, b, p, fp_rcs[ri], &h, bad < 5);
                if (r < 0) {
                    skipped++;
                    continue;
                }
                checked++;
                if (!r) {
                    bad++;
                    fp_check(0, "reference", op_names[op]);
                }
            }
    }
    printf("random p%d: %d cases x 4 modes x 5 ops: %d checked, %d out of range, %d differ; checksum %08x\n",
           p, cases, checked, skipped, bad, h);
}

/* ---- special operands in double ------------------------------------------- */
enum { C_PZ, C_NZ, C_FIN, C_PINF, C_NINF, C_NAN, C_ANY };

static int dclass(uint64_t u)
{
    uint64_t mag = u & ~(1ull << 63);
    if (mag == 0)
        return u >> 63 ? C_NZ : C_PZ;
    if (mag == 0x7ff0000000000000ull)
        return u >> 63 ? C_NINF : C_PINF;
    if (mag > 0x7ff0000000000000ull)
        return C_NAN;
    return C_FIN;
}

static int is_snan(uint64_t u)
{
    return dclass(u) == C_NAN && !(u & (1ull << 51));
}

static int inf_of(int neg) { return neg ? C_NINF : C_PINF; }
static int zero_of(int neg) { return neg ? C_NZ : C_PZ; }

/* IEEE 754's answer for the class of a op b (round to nearest), with the
 * invalid and divide-by-zero flags; C_ANY when a finite result may also
 * overflow or underflow. */
static int expect_class(int op, uint64_t a, uint64_t b, int *ie, int *ze)
{
    int ca = dclass(a), cb = dclass(b);
    int sa = (int)(a >> 63), sb = (int)(b >> 63);
    int ia = ca == C_PINF || ca == C_NINF, ib = cb == C_PINF || cb == C_NINF;
    int za = ca == C_PZ || ca == C_NZ, zb = cb == C_PZ || cb == C_NZ;
    *ie = is_snan(a) || is_snan(b);
    *ze = 0;
    if (ca == C_NAN || cb == C_NAN)
        return C_NAN;
    if (op == OP_SUB) {
        sb ^= 1;
        op = OP_ADD;
    }
    switch (op) {
    case OP_ADD:
        if (ia && ib && sa != sb) {
            *ie = 1;
            return C_NAN;
        }
        if (ia)
            return inf_of(sa);
        if (ib)
            return inf_of(sb);
        if (za && zb)
            return sa == sb ? zero_of(sa) : C_PZ;
        if (za || zb)
            return C_FIN;       /* the other operand */
        if ((a & ~(1ull << 63)) == (b & ~(1ull << 63)) && sa != sb)
            return C_PZ;        /* x + (-x) */
        return C_ANY;
    case OP_MUL:
        if ((ia && zb) || (za && ib)) {
            *ie = 1;
            return C_NAN;
        }
        if (ia || ib)
            return inf_of(sa ^ sb);
        if (za || zb)
            return zero_of(sa ^ sb);
        return C_ANY;
    default:                    /* OP_DIV */
        if ((ia && ib) || (za && zb)) {
            *ie = 1;
            return C_NAN;
        }
        if (ia)
            return inf_of(sa ^ sb);
        if (ib || za)
            return zero_of(sa ^ sb);
        if (zb) {
            *ze = 1;
            return inf_of(sa ^ sb);
        }
        return C_ANY;
    }
}

static void special_table(void)
{
    static const uint64_t vals[] = {
        0, 0x8000000000000000ull,                   /* +0 -0 */
        1, 0x800fffffffffffffull,                   /* smallest denormal, -largest denormal */
        0x0010000000000000ull, 0x3ff0000000000000ull, 0xc008000000000000ull, /* DBL_MIN 1 -3 */
        0x7fefffffffffffffull,                      /* DBL_MAX */
        0x7ff0000000000000ull, 0xfff0000000000000ull, /* +inf -inf */
        0x7ff8000000000123ull, 0xfff8000000000000ull, /* a quiet NaN with payload, the indefinite */
        0x7ff0000000000456ull,                      /* a signalling NaN */
    };
    const int n = (int)(sizeof vals / sizeof vals[0]);
    uint32_t h = 2166136261u;
    printf("special operands (double, round to nearest); a row per a, b across: result/flags\n");
    for (int i = 0; i < n; i++)
        printf("  v%-2d = %s\n", i, fp_sd(fp_f64(vals[i])));
    for (int op = OP_ADD; op <= OP_DIV; op++) {
        for (int i = 0; i < n; i++) {
            printf("%s v%-2d:", op_names[op], i);
            for (int j = 0; j < n; j++) {
                uint64_t r;
                uint16_t sw = hw64(op, vals[i], vals[j], &r);
                printf(" %s/%02x", fp_hex64(r), sw & 0x7f);
                h = rt_mix(fp_mix64(h, r), sw & 0x7f);
                int ie, ze, want = expect_class(op, vals[i], vals[j], &ie, &ze);
                int got = dclass(r);
                int ok = want == C_ANY ? got != C_NAN : want == C_FIN ? got == C_FIN : got == want;
                ok = ok && !!(sw & FP_SW_IE) == ie && !!(sw & FP_SW_ZE) == ze;
                /* a NaN result is always a quiet one */
                ok = ok && (got != C_NAN || (r & (1ull << 51)));
                if (!ok) {
                    char d[96];
                    snprintf(d, sizeof d, "%s v%d v%d: %s flags %s", op_names[op], i, j, fp_hex64(r),
                             fp_flags(sw));
                    fp_check(0, "special", d);
                }
            }
            printf("\n");
        }
    }
    printf("special table checksum %08x\n", h);
}

/* ---- named cases ---------------------------------------------------------- */
static volatile float f_one = 1, f_three = 3, f_tenth = 0.1f, f_big = 16777216.0f, f_max = 3.40282347e38f;
static volatile float f_min = 1.17549435e-38f, f_tiny = 1.40129846e-45f, f_nzero = -0.0f;
static volatile double d_one = 1, d_two = 2, d_three = 3, d_five = 5, d_tenth = 0.1, d_fifth = 0.2, d_e16 = 1e16;
static volatile double d_zero = 0, d_nzero = -0.0, d_max = 1.7976931348623157e308;
static volatile double d_min = 2.2250738585072014e-308, d_tiny = 4.9406564584124654e-324;
static volatile double d_inf = 1.0 / 0.0, d_m3 = -3;
static volatile long double l_one = 1, l_three = 3, l_tenth = 0.1L;
static volatile int i_seven = 7;
static volatile short s_minus = -1234;

#define SHOW(type, fmt, name, expr) do {                                \
        fp_clex();                                                      \
        volatile type r_ = (expr);                                      \
        uint16_t sw_ = fp_getsw();                                      \
        printf("%-30s %s %s\n", name, fmt(r_), fp_flags(sw_));          \
        last_sw = sw_;                                                  \
        last_bits = fp_b64((double)r_);                                 \
    } while (0)
#define SHOWF(name, expr) SHOW(float, fp_sf, name, expr)
#define SHOWD(name, expr) SHOW(double, fp_sd, name, expr)
#define SHOWL(name, expr) SHOW(long double, fp_sl, name, expr)

static uint16_t last_sw;
static uint64_t last_bits;

/* the last SHOW's bits (as a double) and flags were these */
static void expect(const char *name, uint64_t bits, uint16_t flags)
{
    char d[96];
    snprintf(d, sizeof d, "%s: %s %s", name, fp_hex64(last_bits), fp_flags(last_sw));
    fp_check(last_bits == bits && (last_sw & 0x3f) == flags, "named", d);
}

static double fabs_d(double x) { return __builtin_fabs(x); }
static double sqrt_d(double x) { __asm__("fsqrt" : "+t"(x)); return x; }
static long double sqrt_l(long double x) { __asm__("fsqrt" : "+t"(x)); return x; }

static void named_cases(void)
{
    printf("double, default control word (64-bit precision, nearest):\n");
    SHOWD("1/3", d_one / d_three);
    expect("1/3", 0x3fd5555555555555ull, FP_SW_PE);
    SHOWD("0.1+0.2", d_tenth + d_fifth);
    SHOWD("0.1*3", d_tenth * d_three);
    SHOWD("1e16+1", d_e16 + d_one);
    SHOWD("sqrt 2", sqrt_d(d_two));
    SHOWD("sqrt -3", sqrt_d(d_m3));
    expect("sqrt -3", 0xfff8000000000000ull, FP_SW_IE);
    SHOWD("sqrt -0", sqrt_d(d_nzero));
    expect("sqrt -0", 0x8000000000000000ull, 0);
    SHOWD("max*2", d_max * d_two);
    expect("max*2", 0x7ff0000000000000ull, FP_SW_OE | FP_SW_PE);
    SHOWD("max+max", d_max + d_max);
    SHOWD("min/3", d_min / d_three);
    SHOWD("min/4 (exact denormal)", d_min / (d_two * d_two));
    expect("min/4", 0x0004000000000000ull, 0);
    SHOWD("tiny/2", d_tiny / d_two);
    expect("tiny/2", 0, FP_SW_DE | FP_SW_UE | FP_SW_PE);
    SHOWD("tiny*0.75", d_tiny * (d_three / (d_two * d_two)));
    SHOWD("-0 + 0", d_nzero + d_zero);
    expect("-0 + 0", 0, 0);
    SHOWD("-0 + -0", d_nzero + d_nzero);
    expect("-0 + -0", 0x8000000000000000ull, 0);
    SHOWD("0 * -5", d_zero * -d_five);
    expect("0 * -5", 0x8000000000000000ull, 0);
    SHOWD("0 / -3", d_zero / d_m3);
    expect("0 / -3", 0x8000000000000000ull, 0);
    SHOWD("1 / -0", d_one / d_nzero);
    expect("1 / -0", 0xfff0000000000000ull, FP_SW_ZE);
    SHOWD("1 / inf", d_one / d_inf);
    SHOWD("inf - inf", d_inf - d_inf);
    expect("inf - inf", 0xfff8000000000000ull, FP_SW_IE);
    SHOWD("inf * 0", d_inf * d_zero);
    SHOWD("0 / 0", d_zero / d_zero);
    SHOWD("-(0)", -d_zero);
    expect("-(0)", 0x8000000000000000ull, 0);
    SHOWD("fabs(-0)", fabs_d(d_nzero));
    expect("fabs(-0)", 0, 0);
    SHOWD("fabs(-3)", fabs_d(d_m3));
    SHOWD("-(inf)", -d_inf);
    SHOWD("-(inf-inf)", -(d_inf - d_inf));
    SHOWD("fabs(inf-inf)", fabs_d(d_inf - d_inf));
    SHOWD("(1/3)*3", (d_one / d_three) * d_three);
    SHOWD("7 + 0.1 (int operand)", i_seven + d_tenth);
    SHOWD("-1234 * 0.1 (short)", s_minus * d_tenth);

    printf("double, each rounding mode:\n");
    for (int ri = 0; ri < 4; ri++) {
        unsigned rc = fp_rcs[ri];
        char name[48];
        fp_mode(rc, FP_PC_64);
        snprintf(name, sizeof name, "%s: 1/3", fp_rc_name(rc));
        SHOWD(name, d_one / d_three);
        snprintf(name, sizeof name, "%s: -1/3", fp_rc_name(rc));
        SHOWD(name, -d_one / d_three);
        snprintf(name, sizeof name, "%s: -0 + 0", fp_rc_name(rc));
        SHOWD(name, d_nzero + d_zero);
        expect(name, rc == FP_RC_DOWN ? 0x8000000000000000ull : 0, 0);
        snprintf(name, sizeof name, "%s: 1 - 1", fp_rc_name(rc));
        SHOWD(name, d_one - d_one);
        snprintf(name, sizeof name, "%s: tiny/2", fp_rc_name(rc));
        SHOWD(name, d_tiny / d_two);
        snprintf(name, sizeof name, "%s: -tiny/2", fp_rc_name(rc));
        SHOWD(name, -d_tiny / d_two);
        snprintf(name, sizeof name, "%s: max*2", fp_rc_name(rc));
        SHOWD(name, d_max * d_two);
        snprintf(name, sizeof name, "%s: -max*2", fp_rc_name(rc));
        SHOWD(name, -d_max * d_two);
        snprintf(name, sizeof name, "%s: 1e16+1", fp_rc_name(rc));
        SHOWD(name, d_e16 + d_one);
        snprintf(name, sizeof name, "%s: sqrt 2", fp_rc_name(rc));
        SHOWD(name, sqrt_d(d_two));
        fp_setcw(FP_CW_DEFAULT);
    }

    printf("1/3 at each precision control, kept as long double:\n");
    for (int pi = 0; pi < 3; pi++) {
        char name[48];
        fp_mode(FP_RC_NEAR, fp_pcs[pi]);
        snprintf(name, sizeof name, "pc%d: 1/3", fp_pc_bits(fp_pcs[pi]));
        SHOWL(name, l_one / l_three);
        snprintf(name, sizeof name, "pc%d: 0.1*3", fp_pc_bits(fp_pcs[pi]));
        SHOWL(name, l_tenth * l_three);
        snprintf(name, sizeof name, "pc%d: sqrt 3", fp_pc_bits(fp_pcs[pi]));
        SHOWL(name, sqrt_l(l_three));
        /* precision control does not narrow the exponent range */
        snprintf(name, sizeof name, "pc%d: max*max", fp_pc_bits(fp_pcs[pi]));
        SHOWL(name, (long double)d_max * d_max);
        fp_setcw(FP_CW_DEFAULT);
    }

    printf("float:\n");
    SHOWF("1/3", f_one / f_three);
    SHOWF("0.1*3", f_tenth * f_three);
    SHOWF("16777216+1", f_big + f_one);
    SHOWF("16777216+3", f_big + f_three);
    SHOWF("max*2", f_max * f_three);
    SHOWF("min/3", f_min / f_three);
    SHOWF("tiny/2", f_tiny / (f_one + f_one));
    SHOWF("-0 * 3", f_nzero * f_three);
    SHOWF("(float)(1/3 double)", (float)(d_one / d_three));
    SHOWF("(float)max double", (float)d_max);
    SHOWF("(float)tiny double", (float)d_tiny);
    /* 1 + 2^-24 + 2^-54: to float directly rounds up, through double
     * it first becomes the tie 1 + 2^-24 and then rounds to even */
    SHOWF("(float)(1+2^-24+2^-54)", (float)(l_one + 1.0L / 16777216 + 1.0L / 18014398509481984.0L));
    SHOWF("(float)(double)(same)", (float)(double)(l_one + 1.0L / 16777216 + 1.0L / 18014398509481984.0L));

    printf("long double:\n");
    SHOWL("1/3", l_one / l_three);
    SHOWL("0.1L", l_tenth);
    SHOWL("0.1 double widened", (long double)d_tenth);
    SHOWL("max double squared", (long double)d_max * d_max);
    SHOWL("min double squared", (long double)d_min * d_min);
    SHOWL("tiny double squared", (long double)d_tiny * d_tiny);
    SHOWL("1/3 double + 1/3L", (d_one / d_three) + l_one / l_three);
    SHOWL("float 0.1 * double 0.1", f_tenth * d_tenth);
    SHOWL("-(0.1L)", -l_tenth);
    SHOWL("fabs(-0.1L)", __builtin_fabsl(-l_tenth));
    {
        volatile long double lmax = fp_f80(0x7ffe, ~0ull), ltiny = fp_f80(0, 1);
        /* the ends of the range as bits only (fp_hl) */
        SHOW(long double, fp_hl, "LDBL_MAX", lmax);
        SHOWL("LDBL_MAX*2", lmax * 2);
        SHOWL("LDBL_MAX+LDBL_MAX/2^64", lmax + lmax / 18446744073709551616.0L);
        SHOW(long double, fp_hl, "LDBL_MAX-LDBL_MAX/2^64", lmax - lmax / 18446744073709551616.0L);
        SHOW(long double, fp_hl, "denormal min", ltiny);
        SHOWL("denormal min/2", ltiny / 2);
        SHOW(long double, fp_hl, "denormal min*2^63", ltiny * 9223372036854775808.0L);
        SHOW(long double, fp_hl, "denormal min*1.5", ltiny * 1.5L);
        SHOW(long double, fp_hl, "smallest normal/3", fp_f80(1, 1ull << 63) / l_three);
    }

    printf("exact expansions:\n");
    printf("  0.1    = %s\n", fp_xd(d_tenth));
    printf("  1/3    = %s\n", fp_xd(d_one / d_three));
    printf("  2^-60  = %s\n", fp_xd(d_one / (1024.0 * 1024 * 1024 * 1024 * 1024 * 1024)));
    printf("  1e22   = %s\n", fp_xd(d_e16 * 1e6));
    printf("  1e23   = %s\n", fp_xd(d_e16 * 1e7));
}

int main(int argc, char **argv)
{
    int n = rt_scale(argc, argv);
    printf("fparith: control word %04x\n", fp_getcw());
    named_cases();
    special_table();
    random_cases(24, 12 * n);
    random_cases(53, 12 * n);
    random_cases(64, 12 * n);
    printf("control word at the end %04x\n", fp_getcw());
    return fp_verdict("fparith");
}
