/* guest-tests/progs/recurse.c: deep and branching recursion: Ackermann's
 * function, naive Fibonacci, a 10000-deep non-tail recursion carrying a
 * frame with a local array, mutual recursion, recursion through function
 * pointers and the Tower of Hanoi.  Stack use stays well under 1 MiB.
 * Size argument: larger inputs. */
#include "rt.h"

static unsigned ack(unsigned m, unsigned n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static unsigned fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* a frame of ~64 bytes per level that the optimiser cannot fold */
static uint32_t deep(unsigned n, uint32_t acc)
{
    volatile uint32_t local[8];
    for (int i = 0; i < 8; i++)
        local[i] = acc + (uint32_t)i * n;
    if (n == 0)
        return acc;
    uint32_t r = deep(n - 1, acc * 33 + n);
    return r ^ local[n % 8];
}

static int is_odd(unsigned n);
static int is_even(unsigned n)
{
    return n == 0 ? 1 : is_odd(n - 1);
}
static int is_odd(unsigned n)
{
    return n == 0 ? 0 : is_even(n - 1);
}

typedef uint32_t (*fn_t)(uint32_t, int);
static uint32_t step_a(uint32_t x, int d);
static uint32_t step_b(uint32_t x, int d);
static const fn_t steps[2] = { step_a, step_b };
static uint32_t step_a(uint32_t x, int d)
{
    return d == 0 ? x : steps[(x >> 3) & 1](x * 5 + 1, d - 1) + 1;
}
static uint32_t step_b(uint32_t x, int d)
{
    return d == 0 ? x : steps[x & 1](x ^ (x >> 2), d - 1) * 3;
}

static unsigned hanoi_moves;
static uint32_t hanoi_ck;
static void hanoi(int n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    hanoi_moves++;
    hanoi_ck = hanoi_ck * 7 + (uint32_t)(from * 3 + to);
    hanoi(n - 1, via, to, from);
}

int main(int argc, char **argv)
{
    int s = rt_scale(argc, argv);
    printf("ack(2,%d) = %u\n", 3 + s, ack(2, 3 + (unsigned)s));
    printf("ack(3,%d) = %u\n", 2 + (s > 4 ? 4 : s), ack(3, 2 + (unsigned)(s > 4 ? 4 : s)));
    printf("fib(%d) = %u\n", 17 + (s > 10 ? 10 : s), fib(17 + (unsigned)(s > 10 ? 10 : s)));
    printf("deep(10000) = %08x\n", deep(10000, 1));
    printf("is_even(%d) = %d\n", 5001 * s, is_even(5001 * (unsigned)s));
    printf("steps = %08x\n", step_a(12345, 5000));
    hanoi(10 + (s > 10 ? 10 : s), 1, 3, 2);
    printf("hanoi: %u moves, checksum %08x\n", hanoi_moves, hanoi_ck);
    return 0;
}
