/* guest-tests/progs/collatz.c: Collatz chains for all starting values
 * below a bound, with 64-bit intermediate values; its exit status is
 * computed (the longest chain length modulo 256: 208 by default), so the
 * differential test checks a non-zero status that is not a signal.
 * Size argument: a larger bound. */
#include "rt.h"

int main(int argc, char **argv)
{
    unsigned bound = 2500u * (unsigned)rt_scale(argc, argv);
    unsigned best = 0, best_start = 0;
    uint64_t peak = 0;
    for (unsigned n = 1; n < bound; n += 2) {
        uint64_t x = n;
        unsigned steps = 0;
        while (x != 1) {
            x = (x & 1) ? 3 * x + 1 : x >> 1;
            if (x > peak)
                peak = x;
            steps++;
        }
        if (steps > best) {
            best = steps;
            best_start = n;
        }
    }
    printf("below %u: longest chain starts at %u, %u steps, peak %llu\n", bound, best_start,
           best, peak);
    return (int)(best & 0xff);
}
