/* guest-tests/progs/fpconv.c: conversions between float, double, long
 * double and int16, int32, int64, uint32, uint64, both ways, in every
 * rounding mode and precision control, checked against an integer
 * reference.
 *
 * - Integer to floating point, by C conversions: clang loads the integer
 *   exactly (fild; an unsigned 64-bit one as signed, then adds 0 or 2^64,
 *   an addition that rounds at the precision control) and the store to
 *   float or double rounds in the rounding mode.  The reference rounds the
 *   integer the same way with fp_round.
 * - Floating point to integer, by C conversions (clang switches to
 *   truncation around fistp) for values in range; out of range the result
 *   is whatever the compiler's instructions give (printed, compared with
 *   the native run).
 * - fist/fistp into 16, 32 and 64 bits (inline asm) in each rounding mode:
 *   rounded by the mode, out of range or NaN the integer indefinite
 *   (0x8000...) with IE, PE when inexact.
 * - frndint in each mode, and products of integers rounded at each
 *   precision control, then truncated to int64.
 * Size argument: more random values (16 per unit). */
#include "fp.h"

/* ---- values: an extended-precision view of every input ------------------ */
struct xv {
    uint16_t se;
    uint64_t m;
};

static struct xv from32(uint32_t u)
{
    struct xv x = { (uint16_t)((u >> 31) << 15), 0 };
    int be = (int)(u >> 23) & 0xff;
    uint64_t f = u & 0x7fffff;
    if (be == 0xff) {
        x.se |= 0x7fff;
        x.m = (1ull << 63) | (f << 40);
    } else if (be == 0 && f == 0) {
        /* zero */
    } else if (be == 0) {           /* denormal: normalise */
        int s = __builtin_clzll(f);
        x.m = f << s;
        x.se |= (uint16_t)(16383 - 126 - 23 + 63 - s);
    } else {
        x.m = (1ull << 63) | (f << 40);
        x.se |= (uint16_t)(be - 127 + 16383);
    }
    return x;
}

static struct xv from64(uint64_t u)
{
    struct xv x = { (uint16_t)((u >> 63) << 15), 0 };
    int be = (int)(u >> 52) & 0x7ff;
    uint64_t f = u & 0xfffffffffffffull;
    if (be == 0x7ff) {
        x.se |= 0x7fff;
        x.m = (1ull << 63) | (f << 11);
    } else if (be == 0 && f == 0) {
        /* zero */
    } else if (be == 0) {
        int s = __builtin_clzll(f);
        x.m = f << s;
        x.se |= (uint16_t)(16383 - 1022 - 52 + 63 - s);
    } else {
        x.m = (1ull << 63) | (f << 11);
        x.se |= (uint16_t)(be - 1023 + 16383);
    }
    return x;
}

/* The integer that x rounds to in mode rc, as sign and magnitude;
 * *big when the magnitude does not fit in 64 bits, *nan for NaN and
 * infinity; *inexact when rounding changed it. */
static uint64_t round_int(struct xv x, unsigned rc, int *neg, int *big, int *nan, int *inexact)
{
    int be = x.se & 0x7fff;
    *neg = x.se >> 15;
    *big = *nan = *inexact = 0;
    if (be == 0x7fff) {
        *nan = 1;
        return 0;
    }
    if (x.m == 0)
        return 0;
    int e = (be ? be : 1) - 16383 - 63;     /* value = m * 2^e */
    if (e >= 0) {
        if (e > __builtin_clzll(x.m)) {
            *big = 1;
            return 0;
        }
        return x.m << e;
    }
    int sh = -e;
    uint64_t ip = sh >= 64 ? 0 : x.m >> sh;
    /* the fraction against one half: gt/eq, and whether it is zero */
    uint64_t frac, half;
    int gt, eq;
    if (sh > 64) {
        gt = eq = 0;            /* below one half (m < 2^64 <= 2^(sh-1)) */
        frac = 1;
    } else {
        frac = sh == 64 ? x.m : x.m & ((1ull << sh) - 1);
        half = 1ull << (sh - 1);
        gt = frac > half;
        eq = frac == half;
    }
    *inexact = frac != 0;
    int up;
    if (rc == FP_RC_NEAR)
        up = gt || (eq && (ip & 1));
    else if (rc == FP_RC_ZERO)
        up = 0;
    else
        up = *inexact && (rc == FP_RC_UP) == !*neg;
    if (up && ++ip == 0)
        *big = 1;
    return ip;
}

/* What fist into `bits` bits gives (the x87's rule: the integer indefinite
 * when the rounded value does not fit, or for NaN and infinity) and the
 * flags it raises. */
static uint64_t ref_fist(struct xv x, unsigned rc, int bits, uint16_t *flags)
{
    int neg, big, nan, inexact;
    uint64_t mag = round_int(x, rc, &neg, &big, &nan, &inexact);
    uint64_t lim = 1ull << (bits - 1);      /* |min| */
    uint64_t indef = lim, mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    if (nan || big || (neg ? mag > lim : mag >= lim)) {
        *flags = FP_SW_IE;
        return indef;
    }
    *flags = inexact ? FP_SW_PE : 0;
    return (neg ? 0 - mag : mag) & mask;
}

/* ---- integer to floating point -------------------------------------------- */
enum { S_I16, S_I32, S_I64, S_U32, S_U64, S_N };
static const char *const src_names[S_N] = { "i16", "i32", "i64", "u32", "u64" };

static volatile int16_t vi16;
static volatile int32_t vi32;
static volatile int64_t vi64;
static volatile uint32_t vu32;
static volatile uint64_t vu64;
static volatile union fp32 rf;
static volatile union fp64 rd;
static volatile long double rl;

/* v converted to float, double and long double from source type src, with
 * each conversion's flags */
static void int_to_fp(int src, uint64_t v, uint32_t *f, uint64_t *d, long double *l, uint16_t sw[3])
{
    switch (src) {
#define CONV(var, type)                                   \
    case S_##type:                                        \
        var = (__typeof__(var))v;                         \
        fp_clex();                                        \
        rf.f = var;                                       \
        sw[0] = fp_getsw();                               \
        fp_clex();                                        \
        rd.d = var;                                       \
        sw[1] = fp_getsw();                               \
        fp_clex();                                        \
        rl = var;                                         \
        sw[2] = fp_getsw();                               \
        break;
    CONV(vi16, I16)
    CONV(vi32, I32)
    CONV(vi64, I64)
    CONV(vu32, U32)
    CONV(vu64, U64)
#undef CONV
    }
    *f = rf.u;
    *d = rd.u;
    *l = rl;
}

/* The reference: |v| rounded to p bits (the precision control, for the
 * addition of an unsigned 64-bit conversion), then to the format's pf
 * bits by the store. */
static void ref_int_to(int src, uint64_t v, int p, unsigned rc, uint32_t *f, uint64_t *d, long double *l,
                       uint16_t flags[3])
{
    int neg = 0, ok;
    uint64_t mag = v;
    if (src != S_U32 && src != S_U64 && (int64_t)v < 0) {
        neg = 1;
        mag = 0 - v;
    }
    if (mag == 0) {
        *f = 0;
        *d = 0;
        *l = 0;
        flags[0] = flags[1] = flags[2] = 0;
        return;
    }
    int pf[3] = { 24, 53, 64 };
    for (int k = 0; k < 3; k++) {
        int e = 0, inex1 = 0, inex2;
        uint64_t q = mag;
        if (src == S_U64) {
            q = fp_round(0, 0, mag, &e, p, rc, &inex1);
            q = fp_round(0, 0, q, &e, pf[k], rc, &inex2);
        } else {
            q = fp_round(neg, 0, mag, &e, pf[k], rc, &inex2);
        }
        flags[k] = inex1 || inex2 ? FP_SW_PE : 0;
        if (k == 0)
            *f = fp_pack32(neg, q, e, &ok);
        else if (k == 1)
            *d = fp_pack64(neg, q, e, &ok);
        else
            *l = fp_pack80(neg, q, e, &ok);
    }
}

static int fits(int src, uint64_t v)
{
    int64_t s = (int64_t)v;
    switch (src) {
    case S_I16: return s >= -32768 && s <= 32767;
    case S_I32: return s >= -2147483647 - 1 && s <= 2147483647;
    case S_U32: return v <= 0xffffffffu;
    default: return 1;
    }
}

static int same80(long double a, long double b)
{
    uint16_t sa, sb;
    uint64_t ma = fp_b80(a, &sa), mb = fp_b80(b, &sb);
    return ma == mb && sa == sb;
}

static const uint64_t int_vals[] = {
    0, 1, (uint64_t)-1, 100, (uint64_t)-32768, 32767, 0x7fffffff, 0x80000000u, 0xffffffffu,
    (uint64_t)-2147483647 - 1, 16777217, 16777219, (uint64_t)-16777217, 0x2000001, 0x7fffffbf,
    (1ull << 53) + 1, (1ull << 53) + 3, (uint64_t)-(int64_t)((1ull << 53) + 1), 0x7fffffffffffffffull,
    0x8000000000000000ull, 0x8000000000000001ull, 0xffffffffffffffffull, 0xfffffffffffff800ull,
    0xfffffffffffffc00ull, 0x8000000000000400ull, 0x8000000000000c00ull, 12345678901234567ull,
    (uint64_t)-98765432109876543ll, 0x00ffffff7fffffffull, 0x4000000000000001ull,
};

static void int_to_fp_cases(int nrand)
{
    uint32_t seed = 20240601;
    int nfixed = (int)(sizeof int_vals / sizeof int_vals[0]);
    uint32_t h = 2166136261u;
    int checked = 0;
    printf("integer -> float double long double (by C conversion); nearest, 64-bit precision:\n");
    for (int i = 0; i < nfixed + nrand; i++) {
        uint64_t v;
        if (i < nfixed) {
            v = int_vals[i];
        } else {                /* random bit lengths */
            v = ((uint64_t)rt_rand(&seed) << 32) | rt_rand(&seed);
            v >>= rt_rand(&seed) % 64;
        }
        for (int src = 0; src < S_N; src++) {
            if (!fits(src, v))
                continue;
            for (int pi = 0; pi < 3; pi++)
                for (int ri = 0; ri < 4; ri++) {
                    uint32_t f, wf;
                    uint64_t d, wd;
                    long double l, wl;
                    uint16_t sw[3], wflags[3];
                    fp_mode(fp_rcs[ri], fp_pcs[pi]);
                    int_to_fp(src, v, &f, &d, &l, sw);
                    fp_setcw(FP_CW_DEFAULT);
                    ref_int_to(src, v, fp_pc_bits(fp_pcs[pi]), fp_rcs[ri], &wf, &wd, &wl, wflags);
                    uint16_t lse;
                    uint64_t lm = fp_b80(l, &lse);
                    h = fp_mix64(fp_mix64(rt_mix(h, f), d), lm ^ lse);
                    h = rt_mix(h, (uint32_t)(sw[0] & 0x3f) | (sw[1] & 0x3f) << 8 | (sw[2] & 0x3f) << 16);
                    checked++;
                    int ok = f == wf && d == wd && same80(l, wl);
                    for (int k = 0; k < 3; k++)
                        ok = ok && (sw[k] & 0x7f) == wflags[k];
                    if (!ok) {
                        char what[80];
                        snprintf(what, sizeof what, "%s %s pc%d %s", src_names[src], fp_hex64(v),
                                 fp_pc_bits(fp_pcs[pi]), fp_rc_name(fp_rcs[ri]));
                        fp_check(0, "int->fp", what);
                        printf("  got  %s %s %s %s %s %s\n  want %s %s %s %s %s %s\n", fp_sf(fp_f32(f)),
                               fp_flags(sw[0]), fp_sd(fp_f64(d)), fp_flags(sw[1]), fp_sl(l), fp_flags(sw[2]),
                               fp_sf(fp_f32(wf)), fp_flags(wflags[0]), fp_sd(fp_f64(wd)), fp_flags(wflags[1]),
                               fp_sl(wl), fp_flags(wflags[2]));
                    }
                    if (i < nfixed && pi == 2 && ri == 0)
                        printf("  %s %s -> f %08x d %s l %04x:%s\n", src_names[src], fp_hex64(v), f,
                               fp_sd(fp_f64(d)), lse, fp_hex64(lm));
                }
        }
    }
    printf("integer -> fp: %d conversions in 12 modes checked, checksum %08x\n", checked, h);
}

/* ---- floating point to integer ----------------------------------------------- */
static const uint64_t dbl_vals[] = {
    0, 0x8000000000000000ull, 1, 0x3fe0000000000000ull /* 0.5 */, 0xbfe0000000000000ull,
    0x3ff8000000000000ull /* 1.5 */, 0xc004000000000000ull /* -2.5 */, 0x3fefffffffffffffull,
    0x40dfffe000000000ull /* 32767.5 */, 0xc0e0000000000000ull /* -32768 */, 0x40e0000000000000ull,
    0xc0e0001000000000ull /* -32768.5 */, 0x41dfffffffc00000ull /* 2^31 - 1 */, 0x41dfffffffe00000ull,
    0x41e0000000000000ull /* 2^31 */, 0xc1e0000000000000ull, 0xc1e0000000100000ull /* -2^31 - 0.5 */,
    0x41efffffffe00000ull /* 2^32 - 1 */, 0x41f0000000000000ull, 0x43dfffffffffffffull /* < 2^63 */,
    0x43e0000000000000ull /* 2^63 */, 0xc3e0000000000000ull, 0xc3e0000000000001ull,
    0x43efffffffffffffull /* < 2^64 */, 0x43f0000000000000ull /* 2^64 */, 0x7e37e43c8800759cull /* 1e300 */,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull,
    0x0000000000000001ull, 0x3fd5555555555555ull, 0x4415af1d78b58c40ull /* 1e20 */,
    0x432ffffffffffffeull /* 2^53 - 2 */, 0x4330000000000001ull,
};

static const struct xv ld_vals[] = {
    { 0x403d, 0xffffffffffffffffull },      /* 2^63 - 0.5: the largest < 2^63 */
    { 0x403e, 0xffffffffffffffffull },      /* 2^64 - 1 */
    { 0xc03d, 0xffffffffffffffffull },
    { 0xc03e, 0x8000000000000000ull },      /* -2^63 */
    { 0xc03e, 0x8000000000000001ull },
    { 0x401d, 0xffffffff80000000ull },      /* 2^31 - 0.5 */
    { 0x400d, 0xffff000000000000ull },      /* 32767.5 */
    { 0x3ffe, 0x8000000000000001ull },      /* just above 0.5 */
    { 0x3ffd, 0xffffffffffffffffull },      /* just below 0.5 */
    { 0x0000, 0x0000000000000001ull },      /* the smallest denormal */
    { 0x4000, 0xa000000000000000ull },      /* 2.5 */
    { 0xbfff, 0xc000000000000000ull },      /* -1.5 */
    { 0x7fff, 0xc000000000000000ull },      /* the quiet NaN */
    { 0x7ffe, 0xffffffffffffffffull },      /* the largest */
};

static volatile long double vx;
static volatile int16_t o16;
static volatile int32_t o32;
static volatile int64_t o64;

/* fist/fistp of x into 16, 32 and 64 bits at the current rounding */
static void hw_fist(long double x, uint64_t out[6], uint16_t sw[6])
{
    vx = x;
    fp_clex();
    __asm__ volatile("fldt %1\n\tfists %0\n\tfstp %%st(0)" : "=m"(o16) : "m"(vx) : "memory");
    sw[0] = fp_getsw();
    out[0] = (uint16_t)o16;
    fp_clex();
    __asm__ volatile("fldt %1\n\tfistl %0\n\tfstp %%st(0)" : "=m"(o32) : "m"(vx) : "memory");
    sw[1] = fp_getsw();
    out[1] = (uint32_t)o32;
    fp_clex();
    __asm__ volatile("fldt %1\n\tfistps %0" : "=m"(o16) : "m"(vx) : "memory");
    sw[2] = fp_getsw();
    out[2] = (uint16_t)o16;
    fp_clex();
    __asm__ volatile("fldt %1\n\tfistpl %0" : "=m"(o32) : "m"(vx) : "memory");
    sw[3] = fp_getsw();
    out[3] = (uint32_t)o32;
    fp_clex();
    __asm__ volatile("fldt %1\n\tfistpll %0" : "=m"(o64) : "m"(vx) : "memory");
    sw[4] = fp_getsw();
    out[4] = (uint64_t)o64;
    fp_clex();
    __asm__ volatile("fldt %1\n\tfrndint\n\tfstpt %0" : "=m"(vx) : "m"(vx) : "memory");
    sw[5] = fp_getsw();
    uint16_t se;
    out[5] = fp_b80(vx, &se) ^ ((uint64_t)se << 48);
}

/* C conversions of a float, double and long double to each integer type */
struct cconv {
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint32_t u32;
    uint64_t u64;
};

static volatile union fp32 cf;
static volatile union fp64 cd;
static volatile long double cl;

#define CCONV(r, src) do {                      \
        (r)->i16 = (int16_t)(src);              \
        (r)->i32 = (int32_t)(src);              \
        (r)->i64 = (int64_t)(src);              \
        (r)->u32 = (uint32_t)(src);             \
        (r)->u64 = (uint64_t)(src);             \
    } while (0)

static uint32_t fold_cconv(uint32_t h, const struct cconv *c)
{
    h = rt_mix(h, (uint16_t)c->i16);
    h = rt_mix(h, (uint32_t)c->i32);
    h = fp_mix64(h, (uint64_t)c->i64);
    h = rt_mix(h, c->u32);
    return fp_mix64(h, c->u64);
}

/* The C conversions truncate; in range that is the reference.  The
 * unsigned 64-bit one subtracts 0 or 2^63 first, an operation that rounds
 * at the precision control: checked at 64 bits only. */
static void check_cconv(const char *type, struct xv x, const struct cconv *c, int pc)
{
    int pc64 = pc == FP_PC_64;
    int neg, big, nan, inexact;
    uint64_t mag = round_int(x, FP_RC_ZERO, &neg, &big, &nan, &inexact);
    if (nan || big)
        return;
    int64_t s = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    int ok = 1;
    if (!neg ? mag <= 32767 : mag <= 32768)
        ok = ok && c->i16 == s;
    if (!neg ? mag <= 0x7fffffff : mag <= 0x80000000u)
        ok = ok && c->i32 == s;
    if (!neg ? mag <= 0x7fffffffffffffffull : mag <= 0x8000000000000000ull)
        ok = ok && c->i64 == s;
    if (!neg && mag <= 0xffffffffu)
        ok = ok && c->u32 == mag;
    if ((!neg || mag == 0) && pc64)
        ok = ok && c->u64 == mag;
    if (!ok) {
        char what[64];
        snprintf(what, sizeof what, "%s %04x:%s pc%d", type, x.se, fp_hex64(x.m), fp_pc_bits(pc));
        fp_check(0, "C conversion", what);
    }
}

static void fp_to_int_cases(int nrand)
{
    uint32_t seed = 777;
    uint32_t hc = 2166136261u, hf = 2166136261u;
    int nd = (int)(sizeof dbl_vals / sizeof dbl_vals[0]), nl = (int)(sizeof ld_vals / sizeof ld_vals[0]);
    printf("floating point -> integer: C conversions (i16 i32 i64 u32 u64) of float, double, long double\n");
    for (int i = 0; i < nd + nl + nrand; i++) {
        struct xv x;
        uint64_t dbits = 0;
        if (i < nd) {
            dbits = dbl_vals[i];
            x = from64(dbits);
        } else if (i < nd + nl) {
            x = ld_vals[i - nd];
        } else {                /* random values around the integer ranges' edges */
            x.m = ((uint64_t)rt_rand(&seed) << 32) | rt_rand(&seed) | (1ull << 63);
            x.se = (uint16_t)((16383 + rt_rand(&seed) % 68 - 2) | (rt_rand(&seed) & 0x8000));
        }
        long double lx = fp_f80(x.se, x.m);
        struct cconv c[3][3];
        char what[128];
        for (int pi = 0; pi < 3; pi++) {
            fp_mode(FP_RC_NEAR, fp_pcs[pi]);
            if (i < nd) {
                cd.u = dbits;
                cf.f = (float)cd.d;     /* float inputs: the double rounded */
                CCONV(&c[pi][0], cf.f);
                CCONV(&c[pi][1], cd.d);
            } else {
                memset(&c[pi][0], 0, sizeof c[pi][0]);
                memset(&c[pi][1], 0, sizeof c[pi][1]);
            }
            cl = lx;
            CCONV(&c[pi][2], cl);
            fp_setcw(FP_CW_DEFAULT);
            for (int k = 0; k < 3; k++)
                hc = fold_cconv(hc, &c[pi][k]);
            check_cconv("long double", x, &c[pi][2], fp_pcs[pi]);
            if (i < nd) {
                check_cconv("double", x, &c[pi][1], fp_pcs[pi]);
                check_cconv("float", from32(fp_b32(cf.f)), &c[pi][0], fp_pcs[pi]);
            }
        }
        if (i < nd + nl) {
            if (i < nd)
                printf("  %s:", fp_sd(cd.d));
            else
                printf("  %04x:%s:", x.se, fp_hex64(x.m));
            for (int k = i < nd ? 0 : 2; k < 3; k++) {
                const struct cconv *r = &c[2][k];
                printf(" %c %d %d %s %u %s", "fdl"[k], r->i16, r->i32, fp_hex64((uint64_t)r->i64), r->u32,
                       fp_hex64(r->u64));
            }
            printf("\n");
        }

        /* fist and frndint in each rounding mode, against the reference */
        for (int ri = 0; ri < 4; ri++) {
            uint64_t out[6];
            uint16_t sw[6];
            fp_mode(fp_rcs[ri], FP_PC_64);
            hw_fist(lx, out, sw);
            fp_setcw(FP_CW_DEFAULT);
            static const int bits[5] = { 16, 32, 16, 32, 64 };
            for (int k = 0; k < 6; k++)
                hf = rt_mix(fp_mix64(hf, out[k]), sw[k] & 0x7f);
            for (int k = 0; k < 5; k++) {
                uint16_t wfl;
                uint64_t want = ref_fist(x, fp_rcs[ri], bits[k], &wfl);
                if (out[k] != want || (sw[k] & 0x7f) != wfl) {
                    snprintf(what, sizeof what, "%04x:%s %s fist%d%s: %s %s, want %s %s", x.se, fp_hex64(x.m),
                             fp_rc_name(fp_rcs[ri]), bits[k], k >= 2 ? "p" : "", fp_hex64(out[k]),
                             fp_flags(sw[k]), fp_hex64(want), fp_flags(wfl));
                    fp_check(0, "fist", what);
                }
            }
            /* frndint: the rounded integer in extended (NaN stays NaN; too
             * big is already an integer) */
            int neg, big, nan, inexact;
            uint64_t mag = round_int(x, fp_rcs[ri], &neg, &big, &nan, &inexact);
            if (!nan && !big && (x.se & 0x7fff) != 0) {
                int e = 0, ok, inx;
                long double want;
                if (mag) {
                    uint64_t q = fp_round(neg, 0, mag, &e, 64, FP_RC_NEAR, &inx);
                    want = fp_pack80(neg, q, e, &ok);
                } else {
                    want = fp_f80((uint16_t)(neg << 15), 0);
                }
                uint16_t wse;
                uint64_t wm = fp_b80(want, &wse) ^ ((uint64_t)wse << 48);
                if (out[5] != wm || (sw[5] & 0x7f) != (inexact ? FP_SW_PE : 0)) {
                    snprintf(what, sizeof what, "%04x:%s %s frndint", x.se, fp_hex64(x.m), fp_rc_name(fp_rcs[ri]));
                    fp_check(0, "frndint", what);
                }
            }
            if (i < nd + nl)
                printf("    %-4s fist %04x %08x fistp %04x %08x %s frndint %04x:%s\n", fp_rc_name(fp_rcs[ri]),
                       (unsigned)out[0], (unsigned)out[1], (unsigned)out[2], (unsigned)out[3], fp_hex64(out[4]),
                       (unsigned)(out[5] >> 48), fp_hex64(out[5] ^ (out[5] >> 48 << 48)));
        }
    }
    printf("fp -> integer: C conversions checksum %08x, fist/frndint checksum %08x\n", hc, hf);
}

/* ---- products of integers rounded at each precision, truncated ------------- */
static volatile long double pa, pb;
static volatile int64_t pr;

static void product_cases(int n)
{
    uint32_t seed = 4242, h = 2166136261u;
    for (int i = 0; i < n; i++) {
        int32_t a = (int32_t)rt_rand(&seed), b = (int32_t)(rt_rand(&seed) >> (rt_rand(&seed) % 32));
        uint64_t mag = (uint64_t)((int64_t)a * b);
        int neg = ((int64_t)a * b) < 0;
        if (neg)
            mag = 0 - mag;
        for (int pi = 0; pi < 3; pi++)
            for (int ri = 0; ri < 4; ri++) {
                fp_mode(fp_rcs[ri], fp_pcs[pi]);
                pa = a;
                pb = b;
                fp_clex();
                pr = (int64_t)(pa * pb);
                uint16_t sw = fp_getsw();
                fp_setcw(FP_CW_DEFAULT);
                int64_t want = 0;
                if (mag) {
                    int e = 0, inx;
                    uint64_t q = fp_round(neg, 0, mag, &e, fp_pc_bits(fp_pcs[pi]), fp_rcs[ri], &inx);
                    uint64_t t = e >= 0 ? q << e : q >> -e;
                    want = neg ? (int64_t)(0 - t) : (int64_t)t;
                }
                h = rt_mix(fp_mix64(h, (uint64_t)pr), sw & 0x7f);
                if (pr != want) {
                    char what[96];
                    snprintf(what, sizeof what, "%d * %d pc%d %s: %s, want %s", a, b, fp_pc_bits(fp_pcs[pi]),
                             fp_rc_name(fp_rcs[ri]), fp_hex64((uint64_t)pr), fp_hex64((uint64_t)want));
                    fp_check(0, "product", what);
                }
            }
    }
    printf("products rounded at each precision: %d x 12 modes, checksum %08x\n", n, h);
}

int main(int argc, char **argv)
{
    int n = rt_scale(argc, argv);
    int_to_fp_cases(16 * n);
    fp_to_int_cases(16 * n);
    product_cases(16 * n);
    printf("control word at the end %04x\n", fp_getcw());
    return fp_verdict("fpconv");
}
