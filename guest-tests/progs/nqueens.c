/* guest-tests/progs/nqueens.c: counts the solutions of the n-queens
 * problem for n = 1..8 twice: with bit masks (and/neg/shifts) and with
 * plain arrays and recursion; prints the first solution for n = 8.
 * Size argument: n goes up to 7 + argument (capped at 12). */
#include "rt.h"

static unsigned solve_bits(unsigned n, unsigned cols, unsigned d1, unsigned d2)
{
    unsigned all = (1u << n) - 1;
    if (cols == all)
        return 1;
    unsigned count = 0, free_ = all & ~(cols | d1 | d2);
    while (free_) {
        unsigned bit = free_ & (0u - free_);
        free_ ^= bit;
        count += solve_bits(n, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return count;
}

static int pos[16];
static int first[16], have_first;

static int safe(int row, int col)
{
    for (int r = 0; r < row; r++) {
        int c = pos[r];
        if (c == col || c - col == r - row || c - col == row - r)
            return 0;
    }
    return 1;
}

static unsigned solve_array(int n, int row)
{
    if (row == n) {
        if (!have_first && n == 8) {
            memcpy(first, pos, sizeof pos);
            have_first = 1;
        }
        return 1;
    }
    unsigned count = 0;
    for (int c = 0; c < n; c++)
        if (safe(row, c)) {
            pos[row] = c;
            count += solve_array(n, row + 1);
        }
    return count;
}

int main(int argc, char **argv)
{
    int s = rt_scale(argc, argv);
    int maxn = 7 + s > 12 ? 12 : 7 + s;
    int ok = 1;
    for (int n = 1; n <= maxn; n++) {
        unsigned a = solve_bits((unsigned)n, 0, 0, 0);
        unsigned b = n <= 8 ? solve_array(n, 0) : a;
        printf("n=%2d solutions %u%s\n", n, a, a == b ? "" : " MISMATCH");
        ok &= a == b;
    }
    printf("first 8-queens solution:");
    for (int i = 0; i < 8; i++)
        printf(" %d", first[i]);
    printf("\n");
    return ok ? 0 : 1;
}
