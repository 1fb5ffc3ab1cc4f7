/* guest-tests/progs/fpmath.c: mathematical functions in C (exp, log, sin,
 * cos, atan, pow by range reduction and series, in double) checked against
 * the x87's own transcendental instructions, and every other x87
 * instruction a libm or a context switch uses, by inline asm, each result
 * printed exactly with its status word:
 *   fsin fcos fsincos fptan fpatan f2xm1 fyl2x fyl2xp1 fprem fprem1 fscale
 *   frndint fxtract fxam ftst fbld fbstp fnstenv fldenv fnsave frstor
 *   ffree fincstp fdecstp fxch and the constants (fldpi fldl2e ...).
 * The status words printed are bits 0-10 and 14 (flags, SF, ES, C0-C3),
 * without TOP.  The C functions are compared in units in the last place
 * (ulps) with the x87's results over a grid of arguments.
 * Size argument: more grid points (96 per unit). */
#include "fp.h"

/* ---- the x87 instructions, on operands in memory ----------------------------
 * Each asm loads its operands from volatile 80-bit buffers, runs one
 * instruction, reads the status word and stores the stack back, so that
 * no value passes through the compiler's registers and the stack is empty
 * again afterwards (what the compiler assumes between statements). */
static volatile union fp80 in0, in1, out0, out1;
#define SWMASK 0x47ff
#define CLOBBER "memory", "cc", "st", "st(1)", "st(2)"

static void load2(long double a, long double b)
{
    in0.x = a;
    in1.x = b;
}

/* ST0 = a -> ST0 */
#define X87_1(fn, insn)                                                                 \
    static uint16_t fn(long double a, long double *r)                                   \
    {                                                                                   \
        uint16_t sw;                                                                    \
        in0.x = a;                                                                      \
        __asm__ volatile("fldt %1\n\tfnclex\n\t" insn "\n\tfnstsw %0\n\tfstpt %2"       \
                         : "=a"(sw) : "m"(in0), "m"(out0) : CLOBBER);                   \
        *r = out0.x;                                                                    \
        return sw & SWMASK;                                                             \
    }
/* ST0 = a, ST1 = b -> ST0 (the instruction pops) */
#define X87_2P(fn, insn)                                                                \
    static uint16_t fn(long double a, long double b, long double *r)                    \
    {                                                                                   \
        uint16_t sw;                                                                    \
        load2(a, b);                                                                    \
        __asm__ volatile("fldt %2\n\tfldt %1\n\tfnclex\n\t" insn "\n\tfnstsw %0\n\tfstpt %3" \
                         : "=a"(sw) : "m"(in0), "m"(in1), "m"(out0) : CLOBBER);         \
        *r = out0.x;                                                                    \
        return sw & SWMASK;                                                             \
    }
/* ST0 = a, ST1 = b -> ST0, ST1 */
#define X87_2(fn, insn)                                                                 \
    static uint16_t fn(long double a, long double b, long double *r0, long double *r1)  \
    {                                                                                   \
        uint16_t sw;                                                                    \
        load2(a, b);                                                                    \
        __asm__ volatile("fldt %2\n\tfldt %1\n\tfnclex\n\t" insn "\n\tfnstsw %0\n\t"    \
                         "fstpt %3\n\tfstpt %4"                                         \
                         : "=a"(sw) : "m"(in0), "m"(in1), "m"(out0), "m"(out1) : CLOBBER); \
        *r0 = out0.x;                                                                   \
        *r1 = out1.x;                                                                   \
        return sw & SWMASK;                                                             \
    }
/* ST0 = a -> ST0, ST1 when the instruction pushed (C2 clear), else ST0
 * alone (fsincos and fptan leave an argument out of range as it was) */
#define X87_PUSH(fn, insn)                                                              \
    static uint16_t fn(long double a, long double *r0, long double *r1)                 \
    {                                                                                   \
        uint16_t sw;                                                                    \
        in0.x = a;                                                                      \
        out1.x = 0;                                                                     \
        __asm__ volatile("fldt %1\n\tfnclex\n\t" insn "\n\tfnstsw %0\n\tfstpt %2\n\t"   \
                         "testw $0x400, %0\n\tjnz 1f\n\tfstpt %3\n1:"                   \
                         : "=a"(sw) : "m"(in0), "m"(out0), "m"(out1) : CLOBBER);        \
        *r0 = out0.x;                                                                   \
        *r1 = out1.x;                                                                   \
        return sw & SWMASK;                                                             \
    }

X87_1(x_fsin, "fsin")
X87_1(x_fcos, "fcos")
X87_1(x_f2xm1, "f2xm1")
X87_1(x_frndint, "frndint")
X87_1(x_fsqrt, "fsqrt")
X87_1(x_ftst, "ftst")
X87_1(x_fxam, "fxam")
X87_PUSH(x_fsincos, "fsincos")
X87_PUSH(x_fptan, "fptan")
X87_2P(x_fpatan, "fpatan")
X87_2P(x_fyl2x, "fyl2x")
X87_2P(x_fyl2xp1, "fyl2xp1")
X87_2(x_fscale, "fscale")
X87_2(x_fprem, "fprem")
X87_2(x_fprem1, "fprem1")
X87_2(x_fxch, "fxch %%st(1)")

/* ST0 = a -> significand, exponent */
static uint16_t x_fxtract(long double a, long double *sig, long double *ex)
{
    uint16_t sw;
    in0.x = a;
    __asm__ volatile("fldt %1\n\tfnclex\n\tfxtract\n\tfnstsw %0\n\tfstpt %2\n\tfstpt %3"
                     : "=a"(sw) : "m"(in0), "m"(out0), "m"(out1) : CLOBBER);
    *sig = out0.x;
    *ex = out1.x;
    return sw & SWMASK;
}

static const char *sl(long double x)
{
    uint16_t se;
    uint64_t m = fp_b80(x, &se);
    return fp_sx(se, m);
}

static uint32_t hx = 2166136261u;

static void fold(long double x, uint16_t sw)
{
    uint16_t se;
    uint64_t m = fp_b80(x, &se);
    hx = rt_mix(fp_mix64(rt_mix(hx, se), m), sw);
}

/* ---- arguments -------------------------------------------------------------- */
static long double ld(uint16_t se, uint64_t m) { return fp_f80(se, m); }
#define LD_PI    0xc.90fdaa22168c235p-2L
#define LD_2P63  0x1p63L
#define LD_INF   __builtin_infl()
#define LD_NAN   __builtin_nanl("")
#define LD_DEN   0x1234p-16445L         /* a denormal */

static void trig_table(void)
{
    long double args[] = { 0, -0.0L, 1e-10L, 0.5L, 1, LD_PI / 4, LD_PI / 2, LD_PI, -3, 10, 100, 1e6L, 1e18L,
                           ld(0x403d, 0xffffffffffffffffull), LD_2P63, -LD_2P63, 1e30L, LD_INF, LD_NAN, LD_DEN };
    int n = (int)(sizeof args / sizeof args[0]);
    printf("fsin fcos fsincos fptan:\n");
    for (int i = 0; i < n; i++) {
        long double s, c, sc0, sc1, t0, t1;
        uint16_t sws = x_fsin(args[i], &s), swc = x_fcos(args[i], &c);
        uint16_t swsc = x_fsincos(args[i], &sc0, &sc1), swt = x_fptan(args[i], &t0, &t1);
        printf("  x %s\n    sin %s %04x  cos %s %04x\n    sincos %s %s %04x\n    tan %s %s %04x\n", sl(args[i]),
               sl(s), sws, sl(c), swc, sl(sc0), sl(sc1), swsc, sl(t0), sl(t1), swt);
        fold(s, sws);
        fold(c, swc);
        fold(sc0, swsc);
        fold(sc1, swsc);
        fold(t0, swt);
        fold(t1, swt);
        /* fsincos gives fcos's and fsin's results; fptan pushes 1 */
        if (!(swsc & FP_SW_C2) && !(sws & FP_SW_C2)) {
            fp_check(fp_b64((double)sc0) == fp_b64((double)c) && fp_b64((double)sc1) == fp_b64((double)s),
                     "fsincos = fcos, fsin", sl(args[i]));
        }
        if (!(swt & FP_SW_C2) && args[i] == args[i] && args[i] - args[i] == 0)
            fp_check(t0 == 1, "fptan pushes 1", sl(args[i]));
        /* finite |x| >= 2^63: C2 set, the operand left alone */
        if ((args[i] >= LD_2P63 || args[i] <= -LD_2P63) && args[i] - args[i] == 0)
            fp_check((sws & FP_SW_C2) && (swc & FP_SW_C2) && s == args[i], "fsin out of range", sl(args[i]));
    }
}

static void log_exp_table(void)
{
    static const long double f2[] = { -1, -0.5L, -1e-5L, -0.0L, 0, 1e-20L, 0.25L, 0.5L, 1, 2, 1e-4940L };
    printf("f2xm1 (2^x - 1):\n");
    for (int i = 0; i < (int)(sizeof f2 / sizeof f2[0]); i++) {
        long double r;
        uint16_t sw = x_f2xm1(f2[i], &r);
        printf("  %s -> %s %04x\n", sl(f2[i]), sl(r), sw);
        fold(r, sw);
    }
    static const long double yl[][2] = { { 1, 1 }, { 2, 3 }, { 10, 1 }, { 0.5L, -1 }, { 0, 1 }, { -1, 1 }, { 1e300L, 1 },
                                         { 1e-300L, 1 }, { 1, 0 }, { 8, 0.1L }, { 1e-4945L, 2 }, { 3, -0.0L } };
    printf("fyl2x (y * log2 x), x y:\n");
    for (int i = 0; i < (int)(sizeof yl / sizeof yl[0]); i++) {
        long double r;
        uint16_t sw = x_fyl2x(yl[i][0], yl[i][1], &r);
        printf("  %s %s -> %s %04x\n", sl(yl[i][0]), sl(yl[i][1]), sl(r), sw);
        fold(r, sw);
    }
    { /* infinities and NaN through fyl2x */
        long double r;
        uint16_t sw = x_fyl2x(LD_INF, 1, &r);
        printf("  inf 1 -> %s %04x\n", sl(r), sw);
        fold(r, sw);
        sw = x_fyl2x(0, 0, &r);
        printf("  0 0 -> %s %04x\n", sl(r), sw);
        fold(r, sw);
        sw = x_fyl2x(LD_NAN, 1, &r);
        printf("  nan 1 -> %s %04x\n", sl(r), sw);
        fold(r, sw);
    }
    static const long double yp[][2] = { { 1e-10L, 1 }, { -0.25L, 1 }, { 0.25L, 1 }, { 0.29L, 2 }, { -1e-300L, 1 },
                                         { 0, -1 }, { -0.0L, 1 } };
    printf("fyl2xp1 (y * log2(x + 1)), x y:\n");
    for (int i = 0; i < (int)(sizeof yp / sizeof yp[0]); i++) {
        long double r;
        uint16_t sw = x_fyl2xp1(yp[i][0], yp[i][1], &r);
        printf("  %s %s -> %s %04x\n", sl(yp[i][0]), sl(yp[i][1]), sl(r), sw);
        fold(r, sw);
    }
    static const long double pa[][2] = { { 1, 1 }, { -1, 1 }, { -1, -1 }, { -0.0L, 0 }, { -0.0L, -0.0L }, { 0, 1 },
                                         { LD_INF, LD_INF }, { 1e300L, 1e-300L }, { 3, -4 }, { 1, LD_NAN } };
    printf("fpatan (atan2(y, x)), x y:\n");
    for (int i = 0; i < (int)(sizeof pa / sizeof pa[0]); i++) {
        long double r;
        uint16_t sw = x_fpatan(pa[i][0], pa[i][1], &r);
        printf("  %s %s -> %s %04x\n", sl(pa[i][0]), sl(pa[i][1]), sl(r), sw);
        fold(r, sw);
    }
}

static void rem_scale_table(void)
{
    static const long double pr[][2] = { { 10, 3 }, { -10, 3 }, { 10, -3 }, { 5.5L, 2 }, { 7, 2 }, { 5, 2 },
                                         { 1, 0 }, { 1, 1e300L }, { 1e300L, 3 }, { 1e4000L, 1.5L }, { -0.0L, 1 } };
    printf("fprem and fprem1 (x mod y, repeated while C2; iterations, C0 C3 C1 = quotient bits):\n");
    for (int i = 0; i < (int)(sizeof pr / sizeof pr[0]); i++) {
        for (int k = 0; k < 2; k++) {
            long double x = pr[i][0], y = pr[i][1], r1 = 0;
            uint16_t sw;
            int it = 0;
            do {
                sw = k ? x_fprem1(x, y, &x, &r1) : x_fprem(x, y, &x, &r1);
                it++;
            } while ((sw & FP_SW_C2) && it < 400);
            printf("  %s %s %s -> %s %04x after %d\n", k ? "fprem1" : "fprem ", sl(pr[i][0]), sl(y), sl(x), sw, it);
            fold(x, sw);
            fp_check(r1 == y || y != y || r1 != r1, "fprem keeps ST1", "");
        }
    }
    static const long double sc[][2] = { { 1, 10 }, { 1, -10 }, { 1.5L, 2.9L }, { 1.5L, -2.9L }, { 1, 1e5L },
                                         { 1, -1e5L }, { 0, LD_INF }, { LD_INF, -LD_INF }, { 3, 0 }, { LD_DEN, 100 },
                                         { 1, LD_NAN }, { -2, 16383 } };
    printf("fscale (x * 2^trunc(y)):\n");
    for (int i = 0; i < (int)(sizeof sc / sizeof sc[0]); i++) {
        long double r0, r1;
        uint16_t sw = x_fscale(sc[i][0], sc[i][1], &r0, &r1);
        printf("  %s %s -> %s %04x\n", sl(sc[i][0]), sl(sc[i][1]), sl(r0), sw);
        fold(r0, sw);
    }
    static const long double xt[] = { 1, 10, -3, 0.1L, 1e-310L, LD_DEN, 0, -0.0L, LD_INF, LD_NAN, 1e300L };
    printf("fxtract (significand, exponent), frndint, fsqrt:\n");
    for (int i = 0; i < (int)(sizeof xt / sizeof xt[0]); i++) {
        long double sig, ex, rn, sq;
        uint16_t sw = x_fxtract(xt[i], &sig, &ex);
        uint16_t swr = x_frndint(xt[i], &rn), sws = x_fsqrt(xt[i], &sq);
        printf("  %s -> %s %s %04x; %s %04x; %s %04x\n", sl(xt[i]), sl(sig), sl(ex), sw, sl(rn), swr, sl(sq), sws);
        fold(sig, sw);
        fold(ex, sw);
        fold(rn, swr);
        fold(sq, sws);
    }
}

/* ftst and fxam on every class, fxch */
static void class_table(void)
{
    long double v[] = { 0, -0.0L, 1, -1, LD_DEN, -LD_DEN, 1e-310L, LD_INF, -LD_INF, LD_NAN, -LD_NAN,
                        ld(0x7ffe, ~0ull) };
    printf("ftst, fxam (C3 C2 C1 C0 and flags), fxch:\n");
    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++) {
        long double r, a, b;
        uint16_t swt = x_ftst(v[i], &r), swx = x_fxam(v[i], &r);
        uint16_t swc = x_fxch(v[i], 2, &a, &b);
        printf("  %-52s ftst %04x fxam %04x fxch %s %s %04x\n", sl(v[i]), swt, swx, sl(a), sl(b), swc);
        hx = rt_mix(rt_mix(hx, swt), swx);
        fp_check(fp_b64((double)a) == fp_b64(2.0) && fp_b64((double)b) == fp_b64((double)v[i]), "fxch", "");
    }
}

/* ---- BCD: fbld and fbstp ---------------------------------------------------- */
static volatile uint8_t bcd[10];

static void bcd_table(void)
{
    static const long double vals[] = { 0, -0.0L, 1, -1, 123456789012345678.0L, -999999999999999999.0L,
                                        999999999999999999.0L, 1e18L, 2.5L, 3.5L, -0.5L, 0.4L, LD_NAN, LD_INF,
                                        -1e30L };
    printf("fbstp (each rounding mode: the 10 BCD bytes, flags):\n");
    for (int i = 0; i < (int)(sizeof vals / sizeof vals[0]); i++) {
        printf("  %s:\n", sl(vals[i]));
        for (int ri = 0; ri < 4; ri++) {
            uint16_t sw;
            in0.x = vals[i];
            fp_mode(fp_rcs[ri], FP_PC_64);
            __asm__ volatile("fldt %1\n\tfnclex\n\tfbstp %2\n\tfnstsw %0" : "=a"(sw) : "m"(in0), "m"(bcd) : CLOBBER);
            fp_setcw(FP_CW_DEFAULT);
            printf("    %-4s ", fp_rc_name(fp_rcs[ri]));
            for (int k = 9; k >= 0; k--) {
                printf("%02x", bcd[k]);
                hx = rt_mix(hx, bcd[k]);
            }
            printf(" %04x\n", sw & SWMASK);
        }
    }
    /* fbld of patterns: digits, the sign byte, a digit above 9 (the SDM
     * leaves its value undefined: whatever the x87 makes of it) */
    static const uint8_t pats[][10] = {
        { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x00 },
        { 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 },
        { 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x00 },
        { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 },
        { 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
        { 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0, 0x7f },
    };
    printf("fbld:\n");
    for (int i = 0; i < (int)(sizeof pats / sizeof pats[0]); i++) {
        uint16_t sw;
        for (int k = 0; k < 10; k++)
            bcd[k] = pats[i][k];
        __asm__ volatile("fnclex\n\tfbld %1\n\tfnstsw %0\n\tfstpt %2" : "=a"(sw) : "m"(bcd), "m"(out0) : CLOBBER);
        printf("  %02x..%02x -> %s %04x\n", pats[i][9], pats[i][0], sl(out0.x), sw & SWMASK);
        fold(out0.x, sw & SWMASK);
    }
    /* fbld then fbstp gives the same bytes back for valid ones */
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 10; k++)
            bcd[k] = pats[i][k];
        __asm__ volatile("fbld %0\n\tfbstp %0" : "+m"(bcd) : : CLOBBER);
        int same = 1;
        for (int k = 0; k < 10; k++)
            same = same && bcd[k] == pats[i][k];
        fp_check(same, "fbld/fbstp round trip", "");
    }
}

/* ---- the x87 environment and state ------------------------------------------- */
struct env {
    uint32_t cw, sw, tw, fip, fcs_fop, fdp, fds;
};
struct state {
    struct env e;
    uint8_t regs[8][10];
};
static volatile struct env env;
static volatile struct state st;
static volatile double ptr_data = 2.5;

static void print_env(const char *what, const volatile struct env *e)
{
    /* the pointers are code and static data addresses: the same in every
     * run of this binary (a static executable at a fixed address) */
    printf("  %s: cw %04x sw %04x tw %04x fip %08x fcs %04x fop %03x fdp %08x fds %04x (reserved halves %04x %04x %04x)\n",
           what, e->cw & 0xffff, e->sw & 0xffff, e->tw & 0xffff, e->fip, e->fcs_fop & 0xffff,
           (e->fcs_fop >> 16) & 0x7ff, e->fdp, e->fds & 0xffff, e->cw >> 16, e->sw >> 16, e->tw >> 16);
    hx = rt_mix(rt_mix(rt_mix(rt_mix(hx, e->cw), e->sw), e->tw), e->fcs_fop);
    hx = rt_mix(rt_mix(rt_mix(hx, e->fip), e->fdp), e->fds);
}

static void env_state(void)
{
    printf("fnstenv / fldenv, fnsave / frstor, ffree, fincstp, fdecstp:\n");
    /* a state with flags set by a division by zero, two registers in use */
    uint16_t cw = 0x0a7f;       /* rounding up, 53-bit precision: shown in the environment */
    __asm__ volatile("fninit\n\tfldcw %1\n\tfld1\n\tfldz\n\tfdivrl %2\n\tfnstenv %0"
                     : "=m"(env) : "m"(cw), "m"(ptr_data) : CLOBBER);
    print_env("after 2.5/0", &env);
    fp_check((env.sw & FP_SW_ZE) && (env.cw & 0xffff) == 0x0a7f, "fnstenv", "");
    /* fnstenv masks every exception: the control word now reads 0x0b7f
     * still (all were masked already); load an environment with the
     * flags cleared and rounding down */
    env.sw &= ~0x00ffu;
    env.cw = (env.cw & ~0x0c00u) | FP_RC_DOWN;
    /* ... then store it again, and fnsave (fldpi has no memory operand:
     * FDP is still the loaded environment's).  With no exception pending
     * an AMD x87 does not save the instruction and data pointers in
     * FXSAVE/XSAVE (AMD64 APM vol. 5, FXSAVE), so a context switch of the
     * host between fldenv and fnsave loses them natively (they read 0, FCS
     * too): the sequence runs in one piece, again when that happened. */
    uint16_t cw2, sw2;
    static volatile struct env again;
    for (int tries = 0; tries < 100; tries++) {
        __asm__ volatile("fldenv %4\n\tfnstcw %0\n\tfnstsw %1\n\tfnstenv %2\n\tfldpi\n\tfnsave %3"
                         : "=m"(cw2), "=m"(sw2), "=m"(again), "=m"(st) : "m"(env) : CLOBBER);
        if ((again.fcs_fop & 0xffff) && (st.e.fcs_fop & 0xffff) && st.e.fds)
            break;
    }
    printf("  after fldenv: cw %04x sw %04x\n", cw2, sw2 & SWMASK);
    fp_check(cw2 == 0x067f && !(sw2 & 0x3f), "fldenv", "");
    print_env("again", &again);

    /* fnsave: the whole state, then the x87 is reset; frstor brings it back */
    print_env("fnsave", &st.e);
    for (int r = 0; r < 3; r++) {
        uint64_t m = 0;
        for (int k = 7; k >= 0; k--)
            m = (m << 8) | st.regs[r][k];
        uint16_t se = (uint16_t)(st.regs[r][8] | st.regs[r][9] << 8);
        printf("    st(%d) %s\n", r, fp_sx(se, m));
        hx = fp_mix64(rt_mix(hx, se), m);
    }
    __asm__ volatile("fnstenv %0" : "=m"(env) : : CLOBBER);
    print_env("after fnsave (reset)", &env);
    fp_check((env.cw & 0xffff) == 0x037f && (env.tw & 0xffff) == 0xffff, "fnsave resets", "");
    /* the environment right after the pops: FDP is then the last store's
     * (static) address, not one of the stack the C code below uses */
    __asm__ volatile("frstor %4\n\tfstpt %0\n\tfstpt %1\n\tfstpt %2\n\tfnstenv %3"
                     : "=m"(out0), "=m"(out1), "=m"(in0), "=m"(env) : "m"(st) : CLOBBER);
    print_env("after frstor and the pops", &env);
    printf("  popped: %s %s %s\n", sl(out0.x), sl(out1.x), sl(in0.x));
    fp_check(out1.x == 1.0L / 0.0L && in0.x == 1, "frstor", "");

    /* ffree marks a register empty without moving TOP; fincstp and
     * fdecstp move TOP without changing tags */
    uint16_t s1, s2, s3, s4;
    __asm__ volatile("fninit\n\tfld1\n\tfldl2e\n\tffree %%st(1)\n\tfnstenv %4\n\tfnstsw %0\n\t"
                     "fincstp\n\tfnstsw %1\n\tfxam\n\tfnstsw %2\n\tfdecstp\n\tfxam\n\tfnstsw %3\n\tfninit"
                     : "=m"(s1), "=m"(s2), "=m"(s3), "=m"(s4), "=m"(env) : : CLOBBER);
    printf("  ffree st(1): tw %04x top %d; fincstp: top %d, fxam %04x; fdecstp: top %d, fxam %04x\n", env.tw & 0xffff,
           (s1 >> 11) & 7, (s2 >> 11) & 7, s3 & 0x4700, (s4 >> 11) & 7, s4 & 0x4700);
    hx = rt_mix(rt_mix(rt_mix(rt_mix(rt_mix(hx, env.tw), s1), s2), s3), s4);
    fp_check(((s2 >> 11) & 7) == (((s1 >> 11) + 1) & 7) && (s3 & 0x4500) == 0x4100, "ffree/fincstp", "");
    fp_setcw(FP_CW_DEFAULT);

    /* the constants */
    long double k[7];
    __asm__ volatile("fld1\n\tfstpt %0\n\tfldl2t\n\tfstpt %1\n\tfldl2e\n\tfstpt %2\n\tfldpi\n\tfstpt %3\n\t"
                     "fldlg2\n\tfstpt %4\n\tfldln2\n\tfstpt %5\n\tfldz\n\tfstpt %6"
                     : "=m"(k[0]), "=m"(k[1]), "=m"(k[2]), "=m"(k[3]), "=m"(k[4]), "=m"(k[5]), "=m"(k[6]) : : CLOBBER);
    printf("constants (nearest):");
    for (int i = 0; i < 7; i++) {
        printf(" %s", sl(k[i]));
        fold(k[i], 0);
    }
    printf("\n");
    /* the constants follow the rounding mode (SDM: rounded to 64 bits in
     * the current mode, pi's and the logarithms' last bit changes) */
    fp_mode(FP_RC_UP, FP_PC_64);
    __asm__ volatile("fldpi\n\tfstpt %0\n\tfldl2e\n\tfstpt %1" : "=m"(k[0]), "=m"(k[1]) : : CLOBBER);
    fp_mode(FP_RC_DOWN, FP_PC_64);
    __asm__ volatile("fldpi\n\tfstpt %0\n\tfldl2e\n\tfstpt %1" : "=m"(k[2]), "=m"(k[3]) : : CLOBBER);
    fp_setcw(FP_CW_DEFAULT);
    printf("  up: pi %s l2e %s\n  down: pi %s l2e %s\n", sl(k[0]), sl(k[1]), sl(k[2]), sl(k[3]));
    for (int i = 0; i < 4; i++)
        fold(k[i], 0);
}

/* ---- libm in C ------------------------------------------------------------------ */
#define LN2_HI 6.93147180369123816490e-01   /* the top 32 bits of ln 2 */
#define LN2_LO 1.90821492927058770002e-10
#define LOG2E  1.44269504088896338700e+00
#define PIO2_HI 1.57079632673412561417e+00  /* pi/2, 33 bits, and the rest */
#define PIO2_LO 6.07710050650619224932e-11
#define PI_D   3.14159265358979311600e+00

/* 2^k as a double, k in the normal range */
static double pow2i(int k)
{
    return fp_f64((uint64_t)(k + 1023) << 52);
}

static double round_half_away(double x)
{
    return (double)(int)(x + (x >= 0 ? 0.5 : -0.5));
}

/* e^x: x = k ln 2 + r, |r| <= ln2/2, e^r by its Taylor series to r^14 */
static double my_exp(double x)
{
    if (x > 709.78)
        return 1.0 / 0.0;
    if (x < -708.39)
        return 0;
    double k = round_half_away(x * LOG2E);
    double r = (x - k * LN2_HI) - k * LN2_LO;
    double t = 1, s = 1;
    for (int i = 1; i <= 14; i++) {
        t = t * r / i;
        s += t;
    }
    return s * pow2i((int)k);
}

/* log x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s),
 * s = (m - 1) / (m + 1), by the odd series to s^23 */
static double my_log(double x)
{
    if (!(x > 0))
        return x == 0 ? -1.0 / 0.0 : 0.0 / 0.0;
    uint64_t u = fp_b64(x);
    int e = (int)(u >> 52) - 1023;
    double m = fp_f64((u & 0xfffffffffffffull) | 0x3ff0000000000000ull);
    if (m > 1.41421356237309504880) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1) / (m + 1), s2 = s * s, p = s, sum = 0;
    for (int i = 1; i <= 23; i += 2) {
        sum += p / i;
        p *= s2;
    }
    return 2 * sum + e * LN2_LO + e * LN2_HI;
}

/* sin and cos: x = k pi/2 + r (Cody and Waite's two-part pi/2), |r| <=
 * pi/4, each by its Taylor series, the quadrant k mod 4 choosing */
static double sin_poly(double r)
{
    double r2 = r * r, t = r, s = r;
    for (int i = 2; i <= 18; i += 2) {
        t = -t * r2 / (i * (i + 1));
        s += t;
    }
    return s;
}

static double cos_poly(double r)
{
    double r2 = r * r, t = 1, s = 1;
    for (int i = 1; i <= 17; i += 2) {
        t = -t * r2 / (i * (i + 1));
        s += t;
    }
    return s;
}

static double my_sincos(double x, int want_cos)
{
    double k = round_half_away(x / (PIO2_HI + PIO2_LO));
    double r = (x - k * PIO2_HI) - k * PIO2_LO;
    int q = ((int)k + want_cos) & 3;
    switch (q) {
    case 0: return sin_poly(r);
    case 1: return cos_poly(r);
    case 2: return -sin_poly(r);
    default: return -cos_poly(r);
    }
}

/* atan: atan(x) = pi/2 - atan(1/x) for |x| > 1, then atan(x) = pi/6 +
 * atan((x sqrt 3 - 1) / (sqrt 3 + x)) above tan(pi/12), then the series */
static double my_atan(double x)
{
    int neg = x < 0, inv = 0, shift = 0;
    if (neg)
        x = -x;
    if (x > 1) {
        x = 1 / x;
        inv = 1;
    }
    if (x > 0.26794919243112270647) {
        x = (x * 1.73205080756887729353 - 1) / (1.73205080756887729353 + x);
        shift = 1;
    }
    double x2 = x * x, p = x, s = 0;
    for (int i = 1; i <= 31; i += 2) {
        s += (i & 2 ? -p : p) / i;
        p *= x2;
    }
    if (shift)
        s += PI_D / 6;
    if (inv)
        s = PI_D / 2 - s;
    return neg ? -s : s;
}

static double my_pow(double x, double y)
{
    return my_exp(y * my_log(x));
}

/* the x87's versions: log through fyl2x, exp and pow through f2xm1 and
 * fscale (2^x = 2^frac * 2^int), sin, cos, atan through the instructions */
static double x87_exp2(long double t)
{
    long double i, f, r, one;
    x_frndint(t, &i);
    f = t - i;
    x_f2xm1(f, &r);
    x_fscale(r + 1, i, &r, &one);
    return (double)r;
}

static double x87_log(double x)
{
    long double r;
    x_fyl2x(x, 0.69314718055994530942L, &r);
    return (double)r;
}

static double x87_exp(double x) { return x87_exp2(x * 1.44269504088896340736L); }
static double x87_pow(double x, double y)
{
    long double l;
    x_fyl2x(x, y, &l);
    return x87_exp2(l);
}
static double x87_sin(double x) { long double r; x_fsin(x, &r); return (double)r; }
static double x87_cos(double x) { long double r; x_fcos(x, &r); return (double)r; }
static double x87_atan(double x) { long double r; x_fpatan(1, x, &r); return (double)r; }

/* distance in ulps of two doubles (large when the signs differ) */
static uint64_t ulps(double a, double b)
{
    uint64_t ua = fp_b64(a), ub = fp_b64(b);
    if ((ua ^ ub) >> 63)
        return ua == ub ? 0 : (a == b ? 0 : ~0ull);
    return ua > ub ? ua - ub : ub - ua;
}

struct fn {
    const char *name;
    double (*mine)(double);
    double (*x87)(double);
    double lo, hi;
    uint64_t tol;
};

static double my_sin(double x) { return my_sincos(x, 0); }
static double my_cos(double x) { return my_sincos(x, 1); }

static void libm_grid(int points)
{
    static const struct fn fns[] = {
        { "exp", my_exp, x87_exp, -700, 700, 4 },
        { "log", my_log, x87_log, 1e-300, 1e300, 2 },
        { "sin", my_sin, x87_sin, -100, 100, 4 },
        { "cos", my_cos, x87_cos, -100, 100, 4 },
        { "atan", my_atan, x87_atan, -50, 50, 4 },
    };
    printf("libm in C against the x87 (max ulps over the grid, checksum of the C results):\n");
    for (int f = 0; f < (int)(sizeof fns / sizeof fns[0]); f++) {
        const struct fn *p = &fns[f];
        uint64_t worst = 0;
        uint32_t h = 2166136261u;
        int log_grid = p->lo > 0;
        for (int i = 0; i < points; i++) {
            /* log's grid is geometric (1e-300 .. 1e300), the others linear */
            double t = (double)i / (points - 1);
            double x = log_grid ? my_exp(t * (my_log(p->hi) - my_log(p->lo)) + my_log(p->lo))
                                : p->lo + t * (p->hi - p->lo);
            double a = p->mine(x), b = p->x87(x);
            uint64_t d = ulps(a, b);
            /* near a zero of sin or cos the relative error of either is
             * large: measure against the magnitude 1e-3 there */
            if (d > p->tol && (a < 1e-3 && a > -1e-3) && (a - b < 1e-18 && b - a < 1e-18))
                d = 0;
            if (d > worst)
                worst = d;
            h = fp_mix64(h, fp_b64(a));
            if (i % (points / 4) == 0)
                printf("  %s(%s) = %s, x87 %s\n", p->name, fp_sd(x), fp_sd(a), fp_sd(b));
        }
        printf("  %-5s %d points: max %u ulps, checksum %08x\n", p->name, points, (unsigned)worst, h);
        fp_check(worst <= p->tol, "libm ulps", p->name);
        hx = rt_mix(hx, h);
    }
    /* pow, and identities */
    static const double pw[][2] = { { 2, 10 }, { 2, 0.5 }, { 10, -3 }, { 1.0001, 10000 }, { 3, 40 }, { 0.5, 1000 } };
    for (int i = 0; i < (int)(sizeof pw / sizeof pw[0]); i++) {
        double a = my_pow(pw[i][0], pw[i][1]), b = x87_pow(pw[i][0], pw[i][1]);
        printf("  pow(%s, %s) = %s, x87 %s\n", fp_sd(pw[i][0]), fp_sd(pw[i][1]), fp_sd(a), fp_sd(b));
        fp_check(ulps(a, b) <= 1024, "pow ulps", "");
        hx = fp_mix64(hx, fp_b64(a));
    }
    uint64_t worst = 0;
    for (int i = 0; i < points; i++) {
        double x = -10 + 20.0 * i / points, s = my_sin(x), c = my_cos(x);
        uint64_t d = ulps(s * s + c * c, 1.0);
        if (d > worst)
            worst = d;
    }
    printf("  sin^2 + cos^2 = 1 within %u ulps\n", (unsigned)worst);
    fp_check(worst <= 4, "sin^2 + cos^2", "");
}

int main(int argc, char **argv)
{
    int n = rt_scale(argc, argv);
    trig_table();
    log_exp_table();
    rem_scale_table();
    class_table();
    bcd_table();
    env_state();
    libm_grid(96 * n);
    printf("control word at the end %04x, checksum %08x\n", fp_getcw(), hx);
    return fp_verdict("fpmath");
}
