/* guest-tests/progs/mandel.c: the Mandelbrot set in double: escape-time
 * iteration counts (at most 255) over a grid of the complex plane,
 * printed as a small picture and as a checksum per row.  The grid is
 * symmetric about the real axis and conjugation flips only signs, which
 * floating point does exactly: every row must equal its mirror image,
 * which the program checks, with a few points whose fate is known.
 * Size argument: grid resolution (rows and columns grow with it). */
#include "fp.h"

#define MAXIT 255

static int escape(double cr, double ci)
{
    double zr = 0, zi = 0;
    int n = 0;
    while (n < MAXIT) {
        double r2 = zr * zr, i2 = zi * zi;
        if (r2 + i2 > 4)
            break;
        zi = 2 * zr * zi + ci;
        zr = r2 - i2 + cr;
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    int n = rt_scale(argc, argv);
    int w = 48 * n, h = 2 * (12 * n) + 1;      /* odd: the middle row is the real axis */
    static const char shades[] = " .:-=+*#%@";
    int *counts = malloc(sizeof(int) * (size_t)w * (size_t)h);
    uint32_t total = 2166136261u;
    long long sum = 0;
    for (int y = 0; y < h; y++) {
        double ci = 1.2 * (y - h / 2) / (h / 2);
        for (int x = 0; x < w; x++) {
            double cr = -2.1 + 2.8 * x / (w - 1);
            int c = escape(cr, ci);
            counts[y * w + x] = c;
            sum += c;
            total = rt_mix(total, (uint32_t)c);
        }
    }
    int symmetric = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            symmetric = symmetric && counts[y * w + x] == counts[(h - 1 - y) * w + x];
    /* the picture at the default size; row checksums above it */
    for (int y = 0; y < h; y++) {
        uint32_t rh = 2166136261u;
        for (int x = 0; x < w; x++)
            rh = rt_mix(rh, (uint32_t)counts[y * w + x]);
        if (n == 1) {
            char line[64];
            for (int x = 0; x < w; x++) {
                int c = counts[y * w + x];
                line[x] = c == MAXIT ? '@' : shades[c * 9 / MAXIT];
            }
            line[w] = 0;
            printf("%08x |%s|\n", rh, line);
        } else if (y % (h / 8) == 0) {
            printf("row %4d checksum %08x\n", y, rh);
        }
    }
    printf("%dx%d points, %lld iterations, checksum %08x, %s\n", w, h, sum, total,
           symmetric ? "symmetric" : "NOT SYMMETRIC");
    fp_check(symmetric, "symmetry", "");
    fp_check(escape(0, 0) == MAXIT && escape(-1, 0) == MAXIT && escape(-2, 0) == MAXIT, "inside", "");
    fp_check(escape(2, 2) == 1 && escape(0.5, 0) < 10 && escape(-0.75, 0.1) > 20, "outside", "");
    /* one orbit printed exactly: c = -0.75 + 0.1 i escapes slowly */
    double zr = 0, zi = 0;
    for (int i = 0; i < 30; i++) {
        double t = zr * zr - zi * zi - 0.75;
        zi = 2 * zr * zi + 0.1;
        zr = t;
    }
    printf("z_30(-0.75 + 0.1i) = %s + %s i\n", fp_sd(zr), fp_sd(zi));
    free(counts);
    return fp_verdict("mandel");
}
