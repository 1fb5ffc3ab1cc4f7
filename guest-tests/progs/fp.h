/* guest-tests/progs/fp.h: what the floating-point guest programs share.
 *
 * These programs are built with the x87 (guest.mk's GUEST_FP) but print
 * through the integer-only runtime: a value goes to rt_fmt_f32/f64/f80 as
 * its bits, so the text depends on the bits alone and a native run and a
 * cdvm run print the same bytes exactly when their results are identical.
 *
 *   #include "fp.h"
 *   volatile double a = 1, b = 3;
 *   fp_clex();
 *   volatile double r = a / b;
 *   printf("1/3 = %s %s\n", fp_sd(r), fp_flags(fp_getsw()));
 *   // 1/3 = 3.3333333333333331e-01 [3fd5555555555555] .....P
 *
 * The x87 control word is set with fldcw (fp_mode), read with fnstcw; the
 * status word's exception flags are cleared with fnclex and read with
 * fnstsw.  The compiler knows nothing of that state, so a computation
 * whose flags or rounding matter reads its operands from volatile objects
 * and writes its result to one: volatile accesses and the asm statements
 * (volatile, with a memory clobber) keep their order, and the arithmetic
 * between them stays between them.
 *
 * fp_round is an integer reference for rounding: the programs compare the
 * x87's results with it (fparith, fpconv). */
#ifndef GUEST_FP_H
#define GUEST_FP_H

#include "rt.h"

/* ---- bits and values (C11 6.5.2.3: a union member read after another was
 * written reinterprets the bytes) -------------------------------------- */
union fp32 { float f; uint32_t u; };
union fp64 { double d; uint64_t u; };
/* i386: 12 bytes, the 80-bit value in the first ten (significand, then
 * sign and exponent) */
union fp80 { long double x; struct { uint64_t m; uint16_t se; } b; };

static inline uint32_t fp_b32(float f) { union fp32 v; v.f = f; return v.u; }
static inline uint64_t fp_b64(double d) { union fp64 v; v.d = d; return v.u; }
static inline uint64_t fp_b80(long double x, uint16_t *se)
{
    union fp80 v;
    v.x = x;
    *se = v.b.se;
    return v.b.m;
}
static inline float fp_f32(uint32_t u) { union fp32 v; v.u = u; return v.f; }
static inline double fp_f64(uint64_t u) { union fp64 v; v.u = u; return v.d; }
static inline long double fp_f80(uint16_t se, uint64_t m)
{
    union fp80 v;
    v.x = 0;
    v.b.m = m;
    v.b.se = se;
    return v.x;
}

/* ---- text ---------------------------------------------------------------
 * fp_sf/fp_sd/fp_sl: the value correctly rounded to 9/17/21 significant
 * digits (enough to tell any two floats/doubles/long doubles apart) and its
 * bits, as "1.0000000000000000e+00 [3ff0000000000000]"; fp_xd: the exact
 * decimal expansion of a double.  Each returns one of a few rotating
 * buffers, so up to FP_SLOTS of them fit in one printf. */
#define FP_SLOTS 6
static inline char *fp_slot(void)
{
    static char buf[FP_SLOTS][64];
    static int next;
    next = (next + 1) % FP_SLOTS;
    return buf[next];
}

static inline const char *fp_sf(float f)
{
    char *s = fp_slot();
    int n = rt_fmt_f32(s, 40, fp_b32(f), 9);
    snprintf(s + n, 64 - (size_t)n, " [%08x]", fp_b32(f));
    return s;
}

static inline const char *fp_sd(double d)
{
    char *s = fp_slot();
    int n = rt_fmt_f64(s, 40, fp_b64(d), 17);
    uint64_t u = fp_b64(d);
    snprintf(s + n, 64 - (size_t)n, " [%08x%08x]", (uint32_t)(u >> 32), (uint32_t)u);
    return s;
}

static inline const char *fp_sl(long double x)
{
    uint16_t se;
    uint64_t m = fp_b80(x, &se);
    char *s = fp_slot();
    int n = rt_fmt_f80(s, 36, se, m, 21);
    snprintf(s + n, 64 - (size_t)n, " [%04x:%08x%08x]", se, (uint32_t)(m >> 32), (uint32_t)m);
    return s;
}

/* 64 bits as 16 hex digits (two 32-bit halves: printf's 64-bit
 * conversion divides with __udivdi3, ten times slower) */
static inline const char *fp_hex64(uint64_t u)
{
    char *s = fp_slot();
    snprintf(s, 64, "%08x%08x", (uint32_t)(u >> 32), (uint32_t)u);
    return s;
}

/* A long double's bits alone, for the values at the ends of its range:
 * their decimal expansion takes the printer some two million
 * instructions (10^4932 as a big integer), fp_sl's other values a few
 * thousand. */
static inline const char *fp_hl(long double x)
{
    uint16_t se;
    uint64_t m = fp_b80(x, &se);
    char *s = fp_slot();
    snprintf(s, 64, "[%04x:%08x%08x]", se, (uint32_t)(m >> 32), (uint32_t)m);
    return s;
}

/* fp_sl for values whose decimal expansion is cheap (binary exponents
 * within +-1100, the range of double and a little more), fp_hl beyond */
static inline const char *fp_sx(uint16_t se, uint64_t m)
{
    int e = (se & 0x7fff) - 16383;
    char *s = fp_slot();
    int n = 0;
    if ((e > -1100 && e < 1100) || (se & 0x7fff) == 0x7fff || m == 0)
        n = rt_fmt_f80(s, 36, se, m, 21);
    snprintf(s + n, 64 - (size_t)n, "%s[%04x:%08x%08x]", n ? " " : "", se, (uint32_t)(m >> 32), (uint32_t)m);
    return s;
}

static inline const char *fp_xd(double d)
{
    static char buf[RT_FPFMT_MAX];
    rt_fmt_f64(buf, sizeof buf, fp_b64(d), 0);
    return buf;
}

/* ---- the x87's control and status words --------------------------------
 * Control: exception masks (bits 0-5, all set by default), precision
 * control (bits 8-9) and rounding control (bits 10-11).  Linux starts a
 * process with 0x037f: everything masked, 64-bit precision, nearest. */
#define FP_CW_DEFAULT 0x037f
#define FP_RC_NEAR 0x000
#define FP_RC_DOWN 0x400
#define FP_RC_UP   0x800
#define FP_RC_ZERO 0xc00
#define FP_PC_24   0x000
#define FP_PC_53   0x200
#define FP_PC_64   0x300

/* status word: exception flags, stack fault, condition codes, top */
#define FP_SW_IE 0x0001
#define FP_SW_DE 0x0002
#define FP_SW_ZE 0x0004
#define FP_SW_OE 0x0008
#define FP_SW_UE 0x0010
#define FP_SW_PE 0x0020
#define FP_SW_SF 0x0040
#define FP_SW_C0 0x0100
#define FP_SW_C1 0x0200
#define FP_SW_C2 0x0400
#define FP_SW_C3 0x4000

static inline uint16_t fp_getcw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw) : : "memory");
    return cw;
}

static inline void fp_setcw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw) : "memory");
}

static inline uint16_t fp_getsw(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=a"(sw) : : "memory");
    return sw;
}

static inline void fp_clex(void)
{
    __asm__ volatile("fnclex" : : : "memory");
}

/* masked exceptions, the given rounding (FP_RC_*) and precision (FP_PC_*) */
static inline void fp_mode(unsigned rc, unsigned pc)
{
    fp_setcw((uint16_t)(0x007f | rc | pc));
}

static const unsigned fp_rcs[4] = { FP_RC_NEAR, FP_RC_DOWN, FP_RC_UP, FP_RC_ZERO };
static const unsigned fp_pcs[3] = { FP_PC_24, FP_PC_53, FP_PC_64 };

static inline const char *fp_rc_name(unsigned rc)
{
    return rc == FP_RC_NEAR ? "near" : rc == FP_RC_DOWN ? "down" : rc == FP_RC_UP ? "up" : "zero";
}

static inline int fp_pc_bits(unsigned pc)
{
    return pc == FP_PC_24 ? 24 : pc == FP_PC_53 ? 53 : 64;
}

/* The exception flags of a status word as "IDZOUP" with '.' for a clear
 * flag, and 'S' for a stack fault. */
static inline const char *fp_flags(uint16_t sw)
{
    char *s = fp_slot();
    const char *names = "IDZOUPS";
    for (int i = 0; i < 7; i++)
        s[i] = sw & (1u << i) ? names[i] : '.';
    s[7] = 0;
    return s;
}

/* ---- self-checks --------------------------------------------------------- */
static inline int *fp_failure_count(void)
{
    static int n;
    return &n;
}

/* Counts a failed check and prints the first few (name and a detail). */
static inline void fp_check(int ok, const char *what, const char *detail)
{
    if (ok)
        return;
    if ((*fp_failure_count())++ < 20)
        printf("FAIL %s %s\n", what, detail ? detail : "");
}

/* The last line of every program: the checks' verdict; its exit status. */
static inline int fp_verdict(const char *prog)
{
    int n = *fp_failure_count();
    printf("%s: %s (%d failed checks)\n", prog, n ? "FAILED" : "ok", n);
    return n ? 1 : 0;
}

static inline uint32_t fp_mix64(uint32_t h, uint64_t v)
{
    return rt_mix(rt_mix(h, (uint32_t)v), (uint32_t)(v >> 32));
}

/* ---- an integer reference for rounding ----------------------------------
 * The exact value (-1)^neg * (hi:lo) * 2^*e, (hi:lo) != 0, rounded to p
 * significant bits (1 <= p <= 64) in rounding mode rc: returns the
 * significand q (p bits, the top one set) and sets *e so that q * 2^*e is
 * the result; *inexact tells whether it differs from the value.  A caller
 * whose value is not exact makes its last bit a "sticky" 1 (the value lies
 * strictly between (hi:lo) and the next integer, and at least two bits
 * below the rounding position): rounding is then the same as the exact
 * value's. */
static inline uint64_t fp_round(int neg, uint64_t hi, uint64_t lo, int *e, int p, unsigned rc,
                                int *inexact)
{
    if (hi == 0) {
        hi = lo;
        lo = 0;
        *e -= 64;
    }
    int s = __builtin_clzll(hi);
    if (s) {
        hi = (hi << s) | (lo >> (64 - s));
        lo <<= s;
        *e -= s;
    }
    uint64_t q;
    int gt, eq;
    if (p == 64) {
        q = hi;
        gt = lo > (1ull << 63);
        eq = lo == (1ull << 63);
        *inexact = lo != 0;
    } else {
        uint64_t rh = hi & ((1ull << (64 - p)) - 1), half = 1ull << (63 - p);
        q = hi >> (64 - p);
        gt = rh > half || (rh == half && lo != 0);
        eq = rh == half && lo == 0;
        *inexact = rh != 0 || lo != 0;
    }
    int up;
    if (rc == FP_RC_NEAR)
        up = gt || (eq && (q & 1));
    else if (rc == FP_RC_ZERO)
        up = 0;
    else
        up = *inexact && (rc == FP_RC_UP) == !neg;
    *e += 128 - p;
    if (up) {
        q++;
        if (p == 64 ? q == 0 : (q >> p) != 0) {
            q = 1ull << (p - 1);
            (*e)++;
        }
    }
    return q;
}

/* q * 2^e (q with its top bit at p - 1) as a float, double or long double;
 * 0 and *ok = 0 when it is not a normal number of that format */
static inline uint32_t fp_pack32(int neg, uint64_t q, int e, int *ok)
{
    int be = e + 23 + 127;
    *ok = be >= 1 && be <= 254;
    return *ok ? (uint32_t)neg << 31 | (uint32_t)be << 23 | ((uint32_t)q & 0x7fffff) : 0;
}

static inline uint64_t fp_pack64(int neg, uint64_t q, int e, int *ok)
{
    int be = e + 52 + 1023;
    *ok = be >= 1 && be <= 2046;
    return *ok ? (uint64_t)neg << 63 | (uint64_t)be << 52 | (q & 0xfffffffffffffull) : 0;
}

static inline long double fp_pack80(int neg, uint64_t q, int e, int *ok)
{
    int be = e + 63 + 16383;
    *ok = be >= 1 && be <= 32766;
    return *ok ? fp_f80((uint16_t)(neg << 15 | be), q) : 0;
}

#endif
