/* guest-tests/progs/fpcmp.c: floating-point comparisons of every operand
 * class (infinities, the extremes, normals, denormals, signed zeros, quiet
 * and signalling NaNs, an unnormal) against an integer reference of the
 * IEEE order.
 *
 * - C comparisons (< <= > >= == !=, x != x as isnan, unordered) as the
 *   compiler writes them for i686: fucomi/fucomip into EFLAGS, then setcc,
 *   branches, and fcmov for the selects of min and max; on float, double
 *   and long double and across the types.
 * - The x87 compare instructions themselves (inline asm): fcom fcomp
 *   fcompp fucom fucomp fucompp with the condition codes C3 C2 C0 from
 *   fnstsw, fcomi fcomip fucomi fucomip with ZF PF CF (and OF SF AF
 *   cleared) from pushf, fcom/ficom with 32-, 64-, 16- and 32-bit memory
 *   operands, ftst and fxam (including an empty register); each with the
 *   exception flags: the signalling forms raise IE on any NaN, the quiet
 *   ones only on a signalling NaN.
 * Size argument: more random pairs (64 per unit). */
#include "fp.h"

enum { LT, EQ, GT, UN };
static const char rel_names[] = "<=>?";

/* ---- the reference -------------------------------------------------------- */
/* the order of two long doubles from their bits; *snan when either is a
 * signalling NaN or an encoding the x87 refuses (an unnormal, a pseudo-NaN
 * or pseudo-infinity: the integer bit clear with a non-zero exponent),
 * which compare as unordered */
static int is_invalid80(uint16_t se, uint64_t m)
{
    int be = se & 0x7fff;
    return be != 0 && !(m >> 63);
}

static int is_nan80(uint16_t se, uint64_t m)
{
    return (se & 0x7fff) == 0x7fff && (m << 1) != 0;
}

static int rel_bits(uint16_t sa, uint64_t ma, uint16_t sb, uint64_t mb, int *snan, int *anynan)
{
    int ia = is_invalid80(sa, ma), ib = is_invalid80(sb, mb);
    int na = is_nan80(sa, ma) || ia, nb = is_nan80(sb, mb) || ib;
    *snan = ia || ib || (na && !ia && !(ma & (1ull << 62))) || (nb && !ib && !(mb & (1ull << 62)));
    *anynan = na || nb;
    if (na || nb)
        return UN;
    int za = (sa & 0x7fff) == 0 && ma == 0, zb = (sb & 0x7fff) == 0 && mb == 0;
    if (za && zb)
        return EQ;
    int nega = sa >> 15, negb = sb >> 15;
    if (nega != negb)
        return nega ? LT : GT;
    /* same sign: compare magnitudes (exponent, then significand; a
     * pseudo-denormal has exponent 0 but the weight of exponent 1) */
    int ea = sa & 0x7fff, eb = sb & 0x7fff;
    if (ea == 0 && ma >> 63)
        ea = 1;
    if (eb == 0 && mb >> 63)
        eb = 1;
    int c = ea != eb ? (ea < eb ? -1 : 1) : ma != mb ? (ma < mb ? -1 : 1) : 0;
    if (nega)
        c = -c;
    return c < 0 ? LT : c > 0 ? GT : EQ;
}

/* ---- operands ------------------------------------------------------------- */
static const uint64_t dvals[] = {
    0xfff0000000000000ull, 0xffefffffffffffffull, 0xbff0000000000000ull, 0x8010000000000000ull,
    0x8000000000000001ull, 0x8000000000000000ull, 0x0000000000000000ull, 0x0000000000000001ull,
    0x000fffffffffffffull, 0x0010000000000000ull, 0x3ff0000000000000ull, 0x3ff0000000000001ull,
    0x7fefffffffffffffull, 0x7ff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull,
    0x7ff0000000000001ull,
};
#define ND ((int)(sizeof dvals / sizeof dvals[0]))

/* long doubles, kept as bits: a long double value travels through an x87
 * register, and loading one turns a signalling NaN quiet and rewrites the
 * encodings the x87 does not support.  The doubles widened (exactly, from
 * their bits) plus values only the extended format has: its extremes, a
 * denormal, a pseudo-denormal (the value of the smallest normal), an
 * unnormal and a pseudo-NaN (both refused: invalid, unordered). */
static union fp80 lvals[ND + 7];
#define NL ((int)(sizeof lvals / sizeof lvals[0]))

static void set80(union fp80 *x, uint16_t se, uint64_t m)
{
    memset(x, 0, sizeof *x);
    x->b.se = se;
    x->b.m = m;
}

static void make_lvals(void)
{
    for (int i = 0; i < ND; i++) {
        uint64_t u = dvals[i];
        int be = (int)(u >> 52) & 0x7ff;
        uint64_t f = u & 0xfffffffffffffull;
        uint16_t s = (uint16_t)((u >> 63) << 15);
        if (be == 0x7ff)
            set80(&lvals[i], s | 0x7fff, (1ull << 63) | (f << 11));
        else if (be == 0 && f == 0)
            set80(&lvals[i], s, 0);
        else if (be == 0)
            set80(&lvals[i], (uint16_t)(s | (16383 - 1022 - 52 + 63 - __builtin_clzll(f))),
                  f << __builtin_clzll(f));
        else
            set80(&lvals[i], (uint16_t)(s | (be - 1023 + 16383)), (1ull << 63) | (f << 11));
    }
    set80(&lvals[ND], 0x7ffe, ~0ull);
    set80(&lvals[ND + 1], 0xfffe, ~0ull);
    set80(&lvals[ND + 2], 0x0000, 0x0000000000000123ull);
    set80(&lvals[ND + 3], 0x0000, 0x8000000000000000ull);
    set80(&lvals[ND + 4], 0x0001, 0x8000000000000000ull);
    set80(&lvals[ND + 5], 0x4000, 0x4000000000000000ull);
    set80(&lvals[ND + 6], 0x7fff, 0x4000000000000001ull);
}

static int rel_u(const union fp80 *a, const union fp80 *b, int *snan, int *anynan)
{
    return rel_bits(a->b.se, a->b.m, b->b.se, b->b.m, snan, anynan);
}

static int rel80(long double a, long double b, int *snan, int *anynan)
{
    uint16_t sa, sb;
    uint64_t ma = fp_b80(a, &sa), mb = fp_b80(b, &sb);
    return rel_bits(sa, ma, sb, mb, snan, anynan);
}

/* a long double's text from its bits */
static const char *sl_u(const union fp80 *x)
{
    return fp_sx(x->b.se, x->b.m);
}

/* ---- C comparisons ------------------------------------------------------- */
static volatile union fp64 va, vb;
static volatile union fp32 fa;
static volatile long double la, lb;

/* The six relations and isnan/unordered as setcc results, one bit each */
#define SETCC_BITS(a, b)                                                                \
    ((unsigned)((a) < (b)) | (unsigned)((a) <= (b)) << 1 | (unsigned)((a) > (b)) << 2 | \
     (unsigned)((a) >= (b)) << 3 | (unsigned)((a) == (b)) << 4 | (unsigned)((a) != (b)) << 5 | \
     (unsigned)((a) != (a)) << 6 | (unsigned)((a) != (a) || (b) != (b)) << 7)

/* what SETCC_BITS must give for a relation */
static unsigned want_bits(int rel, int a_nan)
{
    switch (rel) {
    case LT: return 0x01 | 0x02 | 0x20;
    case EQ: return 0x02 | 0x08 | 0x10;
    case GT: return 0x04 | 0x08 | 0x20;
    default: return 0x20 | 0x80 | (a_nan ? 0x40 : 0);
    }
}

/* the same relations through branches */
static __attribute__((noinline)) int branch_d(double a, double b)
{
    if (a < b)
        return LT;
    if (a == b)
        return EQ;
    if (a > b)
        return GT;
    return UN;
}

static __attribute__((noinline)) int branch_l(long double a, long double b)
{
    if (a >= b)
        return a <= b ? EQ : GT;
    if (!(a < b))
        return UN;
    return LT;
}

/* fcmov: minimum and maximum as selects */
static __attribute__((noinline)) double min_d(double a, double b) { return a < b ? a : b; }
static __attribute__((noinline)) double max_d(double a, double b) { return a > b ? a : b; }
static __attribute__((noinline)) long double min_l(long double a, long double b) { return b <= a ? b : a; }
static __attribute__((noinline)) float min_f(float a, float b) { return a < b ? a : b; }
/* a select on an integer condition (fcmovne/fcmove) */
static __attribute__((noinline)) double pick(int c, double a, double b) { return c ? a : b; }

/* ---- the compare instructions ---------------------------------------------- */
enum { I_FCOM, I_FCOMP, I_FCOMPP, I_FUCOM, I_FUCOMP, I_FUCOMPP, I_FCOMI, I_FCOMIP, I_FUCOMI, I_FUCOMIP, I_N };
static const char *const insn_names[I_N] = { "fcom", "fcomp", "fcompp", "fucom", "fucomp", "fucompp",
                                             "fcomi", "fcomip", "fucomi", "fucomip" };

static volatile union fp80 xa, xb;

/* ST0 = a, ST1 = b, the instruction, the status word (and for the fcomi
 * forms EFLAGS); the stack left as it was */
static uint16_t run_insn(int insn, const union fp80 *a, const union fp80 *b, uint32_t *eflags)
{
    uint16_t sw;
    uint32_t fl = 0;
    xa.b.m = a->b.m;
    xa.b.se = a->b.se;
    xb.b.m = b->b.m;
    xb.b.se = b->b.se;
#define FCMP(body)                                                          \
    __asm__ volatile("fldt %2\n\tfldt %3\n\tfnclex\n\t" body                \
                     : "=a"(sw), "=r"(fl) : "m"(xb), "m"(xa) : "memory", "cc", "st", "st(1)")
    switch (insn) {
    case I_FCOM:    FCMP("fcom %%st(1)\n\tfnstsw %0\n\tfstp %%st(0)\n\tfstp %%st(0)"); break;
    case I_FCOMP:   FCMP("fcomp %%st(1)\n\tfnstsw %0\n\tfstp %%st(0)"); break;
    case I_FCOMPP:  FCMP("fcompp\n\tfnstsw %0"); break;
    case I_FUCOM:   FCMP("fucom %%st(1)\n\tfnstsw %0\n\tfstp %%st(0)\n\tfstp %%st(0)"); break;
    case I_FUCOMP:  FCMP("fucomp %%st(1)\n\tfnstsw %0\n\tfstp %%st(0)"); break;
    case I_FUCOMPP: FCMP("fucompp\n\tfnstsw %0"); break;
    case I_FCOMI:   FCMP("fcomi %%st(1), %%st\n\tpushfl\n\tpopl %1\n\tfnstsw %0\n\tfstp %%st(0)\n\tfstp %%st(0)"); break;
    case I_FCOMIP:  FCMP("fcomip %%st(1), %%st\n\tpushfl\n\tpopl %1\n\tfnstsw %0\n\tfstp %%st(0)"); break;
    case I_FUCOMI:  FCMP("fucomi %%st(1), %%st\n\tpushfl\n\tpopl %1\n\tfnstsw %0\n\tfstp %%st(0)\n\tfstp %%st(0)"); break;
    default:        FCMP("fucomip %%st(1), %%st\n\tpushfl\n\tpopl %1\n\tfnstsw %0\n\tfstp %%st(0)"); break;
    }
#undef FCMP
    *eflags = fl & 0x8d5;       /* OF SF ZF AF PF CF */
    return sw;
}

/* condition codes C3 C2 C0 (status word) or ZF PF CF (EFLAGS) for a
 * relation: > 000, < 001, = 100, unordered 111 */
static uint16_t want_cc(int rel)
{
    return rel == LT ? FP_SW_C0 : rel == EQ ? FP_SW_C3 : rel == UN ? FP_SW_C3 | FP_SW_C2 | FP_SW_C0 : 0;
}

static uint32_t want_zpc(int rel)
{
    return rel == LT ? 0x01 : rel == EQ ? 0x40 : rel == UN ? 0x45 : 0;
}

static int failures_shown;

static void insn_case(int insn, const union fp80 *a, const union fp80 *b, uint32_t *h)
{
    uint32_t fl;
    uint16_t top = fp_getsw() & 0x3800;
    uint16_t sw = run_insn(insn, a, b, &fl);
    int snan, anynan, rel = rel_u(a, b, &snan, &anynan);
    int signalling = insn == I_FCOM || insn == I_FCOMP || insn == I_FCOMPP || insn == I_FCOMI || insn == I_FCOMIP;
    int is_i = insn >= I_FCOMI;
    *h = rt_mix(rt_mix(*h, sw), fl);
    uint16_t ie = (signalling ? anynan : snan) ? FP_SW_IE : 0;
    int ok = (sw & FP_SW_IE) == ie;
    if (is_i)
        ok = ok && fl == want_zpc(rel);
    else
        ok = ok && (sw & (FP_SW_C3 | FP_SW_C2 | FP_SW_C0)) == want_cc(rel);
    /* the stack is back at its top (TOP: status word bits 11-13) */
    ok = ok && (fp_getsw() & 0x3800) == top;
    if (!ok && failures_shown++ < 10)
        printf("  %s %s %s: sw %04x eflags %03x, want %c\n", insn_names[insn], sl_u(a), sl_u(b), sw, fl,
               rel_names[rel]);
    fp_check(ok, "compare instruction", insn_names[insn]);
}

/* fcom / ficom with memory operands, ftst, fxam */
static volatile union fp32 m32;
static volatile union fp64 m64;
static volatile int16_t mi16;
static volatile int32_t mi32;

static uint16_t mem_compare(int which, const union fp80 *a)
{
    uint16_t sw;
    xa.b.m = a->b.m;
    xa.b.se = a->b.se;
#define MCMP(body, op) \
    __asm__ volatile("fldt %1\n\tfnclex\n\t" body "\n\tfnstsw %0\n\tfstp %%st(0)" \
                     : "=a"(sw) : "m"(xa), "m"(op) : "memory", "st")
    switch (which) {
    case 0: MCMP("fcoms %2", m32); break;
    case 1: MCMP("fcoml %2", m64); break;
    case 2: MCMP("ficoms %2", mi16); break;
    case 3: MCMP("ficoml %2", mi32); break;
    case 4: MCMP("ftst", m32); break;
    default: MCMP("fxam", m32); break;
    }
#undef MCMP
    return sw;
}

/* fxam's class in C3 C2 C0 and the sign in C1: unsupported 000, NaN 001,
 * normal 010, infinity 011, zero 100, empty 101, denormal 110 */
static uint16_t want_fxam(const union fp80 *x)
{
    uint16_t se = x->b.se;
    uint64_t m = x->b.m;
    int be = se & 0x7fff;
    uint16_t c1 = se >> 15 ? FP_SW_C1 : 0, cls;
    if (be == 0x7fff)
        cls = !(m >> 63) ? 0 : (m << 1) ? FP_SW_C0 : FP_SW_C2 | FP_SW_C0;
    else if (be == 0)
        cls = m == 0 ? FP_SW_C3 : FP_SW_C3 | FP_SW_C2;
    else
        cls = m >> 63 ? FP_SW_C2 : 0;       /* an unnormal is unsupported */
    return cls | c1;
}

static void memory_forms(void)
{
    uint32_t h = 2166136261u;
    static const int16_t i16s[] = { 0, 1, -1, 32767, -32768 };
    static const int32_t i32s[] = { 0, 1, -7, 2147483647, -2147483647 - 1 };
    printf("fcom m32/m64, ficom m16/m32, ftst and fxam (C3 C2 C1 C0 and flags):\n");
    for (int i = 0; i < NL; i++) {
        const union fp80 *a = &lvals[i];
        uint16_t sw[10];
        int k = 0;
        m32.u = 0x3f800000;     /* 1.0f */
        sw[k++] = mem_compare(0, a);
        m32.u = 0x7f800001;     /* a signalling NaN as a float */
        sw[k++] = mem_compare(0, a);
        m64.u = dvals[i % ND];
        sw[k++] = mem_compare(1, a);
        mi16 = i16s[i % 5];
        sw[k++] = mem_compare(2, a);
        mi32 = i32s[i % 5];
        sw[k++] = mem_compare(3, a);
        sw[k++] = mem_compare(4, a);
        sw[k++] = mem_compare(5, a);
        printf("  %-52s", sl_u(a));
        for (int j = 0; j < k; j++) {
            printf(" %04x", sw[j] & 0x477f);
            h = rt_mix(h, sw[j]);
        }
        printf("\n");
        /* ftst compares with +0.0; fxam classifies */
        int snan, anynan;
        union fp80 zero;
        set80(&zero, 0, 0);
        int rel = rel_u(a, &zero, &snan, &anynan);
        fp_check((sw[5] & (FP_SW_C3 | FP_SW_C2 | FP_SW_C0)) == want_cc(rel) &&
                 (sw[5] & FP_SW_IE) == (anynan ? FP_SW_IE : 0), "ftst", sl_u(a));
        fp_check((sw[6] & (FP_SW_C3 | FP_SW_C2 | FP_SW_C1 | FP_SW_C0)) == want_fxam(a), "fxam", sl_u(a));
        /* fcom m64 against the double lvals[i % ND] was built from */
        rel = rel_u(a, &lvals[i % ND], &snan, &anynan);
        fp_check((sw[2] & (FP_SW_C3 | FP_SW_C2 | FP_SW_C0)) == want_cc(rel) &&
                 (sw[2] & FP_SW_IE) == (anynan ? FP_SW_IE : 0), "fcom m64", sl_u(a));
    }
    /* fxam of an empty register: C3 and C0 (the sign bit C1 is left as
     * the register's last value had it, so it is not checked) */
    uint16_t sw;
    __asm__ volatile("fxam\n\tfnstsw %0" : "=a"(sw) : : "memory");
    printf("  fxam of an empty register: %04x\n", sw & 0x4500);
    fp_check((sw & 0x4500) == (FP_SW_C3 | FP_SW_C0), "fxam empty", "");
    printf("memory forms checksum %08x\n", h);
}

/* ---- one pair through everything ------------------------------------------- */
static uint32_t hc = 2166136261u;
static int c_fail_shown;

static void c_pair_double(uint64_t a, uint64_t b, int print)
{
    va.u = a;
    vb.u = b;
    fp_clex();
    unsigned bits = SETCC_BITS(va.d, vb.d);
    uint16_t sw = fp_getsw();
    int br = branch_d(va.d, vb.d);
    double mn = min_d(va.d, vb.d), mx = max_d(va.d, vb.d);
    double pk = pick((int)(bits & 1), va.d, vb.d);
    /* the reference: doubles widen exactly (a signalling NaN's payload
     * included, it only becomes quiet) */
    int snan, anynan, rel = rel80(va.d, vb.d, &snan, &anynan);
    int a_nan = va.d != va.d;
    unsigned want = want_bits(rel, a_nan);
    uint64_t wmn = rel == LT ? a : b, wmx = rel == GT ? a : b;
    int ok = bits == want && br == rel;
    /* with a NaN, min and max are the operand the select picks (a
     * signalling NaN has become quiet in the register): not checked */
    if (rel != UN)
        ok = ok && fp_b64(mn) == wmn && fp_b64(mx) == wmx;
    ok = ok && fp_b64(pk) == ((bits & 1) ? fp_b64(va.d) : fp_b64(vb.d));
    hc = rt_mix(fp_mix64(fp_mix64(rt_mix(rt_mix(hc, bits), sw & 0x7f), fp_b64(mn)), fp_b64(mx)), (uint32_t)br);
    if (print)
        printf("  %s %c %s: setcc %02x branch %c min %s max %s %s\n", fp_hex64(a), rel_names[rel], fp_hex64(b), bits,
               rel_names[br], fp_hex64(fp_b64(mn)), fp_hex64(fp_b64(mx)), fp_flags(sw));
    if (!ok && c_fail_shown++ < 10)
        printf("  FAIL double %s %s: setcc %02x (want %02x) branch %c (want %c)\n", fp_hex64(a), fp_hex64(b), bits, want,
               rel_names[br], rel_names[rel]);
    fp_check(ok, "C double compare", "");
}

static void c_pair_long(long double a, long double b)
{
    la = a;
    lb = b;
    fp_clex();
    unsigned bits = SETCC_BITS(la, lb);
    uint16_t sw = fp_getsw();
    int br = branch_l(la, lb);
    long double mn = min_l(la, lb);
    int snan, anynan, rel = rel80(a, b, &snan, &anynan);
    uint16_t se;
    uint64_t m = fp_b80(mn, &se);
    hc = rt_mix(fp_mix64(rt_mix(rt_mix(hc, bits), sw & 0x7f), m ^ se), (uint32_t)br);
    int ok = bits == want_bits(rel, la != la) && br == rel;
    if (rel != UN) {
        uint16_t we;
        uint64_t wm = fp_b80(rel == GT ? b : a, &we);
        /* equal operands: b <= a holds, so the select gives b */
        if (rel == EQ)
            wm = fp_b80(b, &we);
        ok = ok && m == wm && se == we;
    }
    if (!ok && c_fail_shown++ < 10)
        printf("  FAIL long double %s %s: setcc %02x branch %c, want %c\n", fp_sl(a), fp_sl(b), bits, rel_names[br],
               rel_names[rel]);
    fp_check(ok, "C long double compare", "");
}

/* float against double and against long double: the float widens */
static void c_pair_mixed(uint32_t a, uint64_t b)
{
    fa.u = a;
    vb.u = b;
    unsigned bits = SETCC_BITS(fa.f, vb.d);
    float mf = min_f(fa.f, (float)vb.d);
    hc = rt_mix(rt_mix(hc, bits), fp_b32(mf));
    int snan, anynan, rel = rel80(fa.f, vb.d, &snan, &anynan);
    fp_check(bits == want_bits(rel, fa.f != fa.f), "C float/double compare", "");
}

static uint64_t random_double(uint32_t *seed)
{
    uint32_t k = rt_rand(seed);
    if (k % 8 == 0)
        return dvals[(k >> 3) % ND];
    uint64_t u = ((uint64_t)rt_rand(seed) << 32) | rt_rand(seed);
    /* exponents near each other so that close values meet */
    u = (u & 0x800fffffffffffffull) | ((uint64_t)(1020 + (k >> 8) % 8) << 52);
    if (k & 0x10)
        u &= ~0xffull;          /* a few low bits clear: equal values happen */
    return u;
}

int main(int argc, char **argv)
{
    int n = rt_scale(argc, argv);
    make_lvals();
    printf("double pairs (a rel b: setcc bits < <= > >= == != isnan(a) unordered, branch, fcmov min/max, flags):\n");
    for (int i = 0; i < ND; i++)
        for (int j = 0; j < ND; j++)
            c_pair_double(dvals[i], dvals[j], 1);
    /* the C side loads through the x87: supported encodings only */
    for (int i = 0; i < NL - 2; i++)
        for (int j = 0; j < NL - 2; j++)
            c_pair_long(lvals[i].x, lvals[j].x);
    for (int i = 0; i < ND; i++)
        for (int j = 0; j < ND; j++)
            c_pair_mixed((uint32_t)(dvals[i] >> 32) | (uint32_t)(dvals[i] & 1), dvals[j]);
    printf("fixed pairs checksum %08x\n", hc);

    uint32_t seed = 99;
    for (int i = 0; i < 64 * n; i++) {
        uint64_t a = random_double(&seed), b = rt_rand(&seed) % 4 == 0 ? a : random_double(&seed);
        c_pair_double(a, b, 0);
        c_pair_long(fp_f64(a) * 3, fp_f64(b) * 3);
    }
    printf("random pairs checksum %08x\n", hc);

    printf("compare instructions on every long double pair (their flags folded):\n");
    uint32_t hi = 2166136261u;
    for (int insn = 0; insn < I_N; insn++) {
        uint32_t h = 2166136261u;
        for (int i = 0; i < NL; i++)
            for (int j = 0; j < NL; j++)
                insn_case(insn, &lvals[i], &lvals[j], &h);
        printf("  %-8s %08x\n", insn_names[insn], h);
        hi = rt_mix(hi, h);
    }
    printf("compare instructions checksum %08x\n", hi);
    memory_forms();
    return fp_verdict("fpcmp");
}
