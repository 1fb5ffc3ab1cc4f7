/* guest-tests/progs/spectral.c: the spectral norm of the matrix
 * A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1), the classic benchmark:
 * ten steps of the power method on A^T A, then sqrt(u.v / v.v), printed
 * exactly.  It converges to 1.2742241528... as the size grows; the
 * program checks the first three digits and that the quotients of the
 * steps do not decrease (beyond rounding).
 * Size argument: the matrix order is 32 times it. */
#include "fp.h"

static double a(int i, int j)
{
    return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(int n, const double *v, double *av)
{
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++)
            s += a(i, j) * v[j];
        av[i] = s;
    }
}

static void mul_atv(int n, const double *v, double *atv)
{
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++)
            s += a(j, i) * v[j];
        atv[i] = s;
    }
}

static void mul_atav(int n, const double *v, double *out, double *tmp)
{
    mul_av(n, v, tmp);
    mul_atv(n, tmp, out);
}

static double sqrt_d(double x)
{
    __asm__("fsqrt" : "+t"(x));
    return x;
}

int main(int argc, char **argv)
{
    int n = 32 * rt_scale(argc, argv);
    double *u = malloc(sizeof(double) * (size_t)n), *v = malloc(sizeof(double) * (size_t)n);
    double *tmp = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++)
        u[i] = 1;
    double last = 0;
    int increasing = 1;
    for (int step = 0; step < 10; step++) {
        mul_atav(n, u, v, tmp);
        mul_atav(n, v, u, tmp);
        double vbv = 0, vv = 0;
        for (int i = 0; i < n; i++) {
            vbv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        double r = sqrt_d(vbv / vv);
        printf("step %2d: %s\n", step + 1, fp_sd(r));
        /* once converged the quotient moves in its last bits (r is kept
         * in extended precision) */
        increasing = increasing && r >= last * (1 - 1e-15);
        last = r;
    }
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = fp_mix64(h, fp_b64(u[i]));
    printf("order %d: spectral norm %s, vector checksum %08x\n", n, fp_sd(last), h);
    fp_check(last > 1.274 && last < 1.2743, "the norm", "");
    fp_check(increasing, "monotone", "");
    free(u);
    free(v);
    free(tmp);
    return fp_verdict("spectral");
}
