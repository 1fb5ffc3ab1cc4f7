/* guest-tests/progs/dgemm.c: dense double matrix products C = A B in three
 * loop orders (i-j-k with the sum in a register, i-k-j updating a row of
 * C in memory, and blocked over a transposed B).
 *
 * On matrices of small dyadic values (multiples of 1/8 below 8) every
 * product and sum is exact, so the three orders must agree bit for bit,
 * and with an integer computation of the same product.  On random
 * matrices the orders round differently (the register sum is extended
 * precision, the memory one double): each is checked against A (B x) for
 * a vector x within a relative 1e-12, and every element is folded into
 * the checksum printed.
 * Size argument: repetitions (A changes a little each time). */
#include "fp.h"

#define N 40
#define BS 8

static double A[N][N], B[N][N], BT[N][N], C1[N][N], C2[N][N], C3[N][N];
static int32_t IA[N][N], IB[N][N];

static void mul_ijk(double (*c)[N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++)
                s += A[i][k] * B[k][j];
            c[i][j] = s;
        }
}

static void mul_ikj(double (*c)[N])
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++)
            c[i][j] = 0;
        for (int k = 0; k < N; k++) {
            double a = A[i][k];
            for (int j = 0; j < N; j++)
                c[i][j] += a * B[k][j];
        }
    }
}

static void mul_blocked(double (*c)[N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            BT[j][i] = B[i][j];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            c[i][j] = 0;
    for (int ii = 0; ii < N; ii += BS)
        for (int jj = 0; jj < N; jj += BS)
            for (int kk = 0; kk < N; kk += BS)
                for (int i = ii; i < ii + BS; i++)
                    for (int j = jj; j < jj + BS; j++) {
                        double s = c[i][j];
                        for (int k = kk; k < kk + BS; k++)
                            s += A[i][k] * BT[j][k];
                        c[i][j] = s;
                    }
}

static uint32_t hash(double (*c)[N])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            h = fp_mix64(h, fp_b64(c[i][j]));
    return h;
}

static int same(double (*a)[N], double (*b)[N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            if (fp_b64(a[i][j]) != fp_b64(b[i][j]))
                return 0;
    return 1;
}

/* the worst relative difference between C x and A (B x) */
static double residual(double (*c)[N])
{
    double x[N], bx[N], worst = 0;
    for (int i = 0; i < N; i++)
        x[i] = 1.0 / (i + 1);
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int k = 0; k < N; k++)
            s += B[i][k] * x[k];
        bx[i] = s;
    }
    for (int i = 0; i < N; i++) {
        double s1 = 0, s2 = 0, mag = 0;
        for (int k = 0; k < N; k++) {
            s1 += c[i][k] * x[k];
            s2 += A[i][k] * bx[k];
            mag += (A[i][k] < 0 ? -A[i][k] : A[i][k]) * (bx[k] < 0 ? -bx[k] : bx[k]);
        }
        double d = (s1 - s2) / (mag + 1e-300);
        if (d < 0)
            d = -d;
        if (d > worst)
            worst = d;
    }
    return worst;
}

int main(int argc, char **argv)
{
    int reps = rt_scale(argc, argv);
    uint32_t seed = 12345;

    /* exact: entries k/8 with |k| < 64, sums of 40 products below 2^12 */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            IA[i][j] = (int32_t)(rt_rand(&seed) % 127) - 63;
            IB[i][j] = (int32_t)(rt_rand(&seed) % 127) - 63;
            A[i][j] = IA[i][j] / 8.0;
            B[i][j] = IB[i][j] / 8.0;
        }
    mul_ijk(C1);
    mul_ikj(C2);
    mul_blocked(C3);
    int exact = same(C1, C2) && same(C1, C3);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            for (int k = 0; k < N; k++)
                s += IA[i][k] * IB[k][j];
            exact = exact && fp_b64(C1[i][j]) == fp_b64(s / 64.0);
        }
    printf("dyadic matrices: C[0][0] %s C[%d][%d] %s, orders and integers %s\n", fp_sd(C1[0][0]), N - 1, N - 1,
           fp_sd(C1[N - 1][N - 1]), exact ? "agree" : "DIFFER");
    fp_check(exact, "exact product", "");

    /* random values in (-1, 1) */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (int32_t)rt_rand(&seed) / 2147483648.0;
            B[i][j] = (int32_t)rt_rand(&seed) / 2147483648.0;
        }
    uint32_t h = 2166136261u;
    double worst = 0;
    for (int r = 0; r < reps; r++) {
        mul_ijk(C1);
        mul_ikj(C2);
        mul_blocked(C3);
        h = rt_mix(rt_mix(rt_mix(h, hash(C1)), hash(C2)), hash(C3));
        if (r == 0 || r == reps - 1) {
            double w1 = residual(C1), w2 = residual(C2), w3 = residual(C3);
            w1 = w1 > w2 ? w1 : w2;
            w1 = w1 > w3 ? w1 : w3;
            if (w1 > worst)
                worst = w1;
        }
        A[r % N][(r * 7) % N] *= -1.0000001;
    }
    double tr = 0;
    for (int i = 0; i < N; i++)
        tr += C1[i][i];
    printf("random matrices, %d repetitions: C[0][0] %s trace %s\n", reps, fp_sd(C1[0][0]), fp_sd(tr));
    printf("  i-k-j C[1][2] %s, blocked C[1][2] %s\n", fp_sd(C2[1][2]), fp_sd(C3[1][2]));
    printf("  worst relative residual %s; checksum %08x\n", fp_sd(worst), h);
    fp_check(worst < 1e-12, "residual", "");
    return fp_verdict("dgemm");
}
