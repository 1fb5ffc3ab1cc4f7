/* guest-tests/progs/sieve.c: sieve of Eratosthenes over a byte array.
 * Prints prime counts at a few bounds, the sum of primes and the last primes.
 * Size argument: repeats the sieve (with a growing bound). */
#include "rt.h"

#define LIMIT 40000

static unsigned char composite[LIMIT * 4 + 1];

static unsigned sieve(unsigned n, unsigned *last, uint32_t *sum)
{
    unsigned count = 0;
    memset(composite, 0, n + 1);
    *sum = 0;
    for (unsigned i = 2; i <= n; i++) {
        if (composite[i])
            continue;
        count++;
        *sum += i;
        *last = i;
        for (unsigned j = i * i; j <= n; j += i)
            composite[j] = 1;
    }
    return count;
}

int main(int argc, char **argv)
{
    int scale = rt_scale(argc, argv);
    static const unsigned bounds[] = { 10, 100, 1000, 10000, LIMIT };
    uint32_t sum = 0, ck = 0;
    unsigned last = 0;
    for (unsigned i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        unsigned c = sieve(bounds[i], &last, &sum);
        printf("pi(%u) = %u, last %u, sum %u\n", bounds[i], c, last, sum);
    }
    for (int r = 0; r < scale; r++) {
        unsigned n = LIMIT + (unsigned)(r % 4) * LIMIT;
        unsigned c = sieve(n, &last, &sum);
        ck = rt_mix(ck, c);
        ck = rt_mix(ck, sum);
    }
    /* twin primes below the last bound */
    unsigned twins = 0;
    for (unsigned i = 3; i + 2 <= LIMIT; i += 2)
        if (!composite[i] && !composite[i + 2])
            twins++;
    printf("twin pairs below %u: %u\n", LIMIT, twins);
    printf("checksum %08x\n", ck);
    return 0;
}
