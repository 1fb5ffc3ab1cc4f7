/* guest-tests/rt/util.c: small helpers shared by the guest programs: the
 * size argument, a deterministic PRNG and a checksum step. */
#include "rt.h"

int rt_scale(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    return n > 0 ? n : 1;
}

/* Marsaglia's xorshift32 (13, 17, 5). */
uint32_t rt_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* FNV-1a, one byte at a time, so the result depends on the order of values. */
uint32_t rt_mix(uint32_t h, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 16777619u;
    }
    return h;
}
