/* guest-tests/progs/phases.c: a program with clear phases, for cache
 * reconfiguration (cms.reconfig.*): it cycles through
 *   stream   reads and updates a 1 MiB array line by line (larger than
 *            the default 256 KiB L2: every line misses both levels),
 *   compute  mixes a 256-byte table over and over (no misses at all),
 *   fit      passes over 12 KiB again and again (fits the L1D),
 * and prints a checksum of each pass, so the output shows nothing of
 * timing.  Argument: rounds of the three phases (default 3). */
#include "rt.h"

#define BIG (1u << 20)
#define FIT (12u * 1024)
#define LINE 32

static uint8_t big[BIG];
static uint32_t fit[FIT / 4];
static uint32_t small[64];

static uint32_t stream(uint32_t seed)
{
    uint32_t h = seed;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < BIG; i += LINE) {
            big[i] = (uint8_t)(big[i] + h);
            h = rt_mix(h, big[i]);
        }
    return h;
}

static uint32_t compute(uint32_t seed, int reps)
{
    for (int i = 0; i < 64; i++)
        small[i] = seed + (uint32_t)i * 2654435761u;
    uint32_t h = seed;
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < 64; i++) {
            uint32_t v = small[i] ^ (small[(i + 7) & 63] >> 3);
            small[i] = v * 33u + (uint32_t)r;
            h += v;
        }
    return h;
}

static uint32_t fitting(uint32_t seed, int passes)
{
    uint32_t h = seed;
    for (int p = 0; p < passes; p++)
        for (uint32_t i = 0; i < FIT / 4; i += 2) {
            fit[i] += h;
            h = (h << 5 | h >> 27) ^ fit[i];
        }
    return h;
}

int main(int argc, char **argv)
{
    int rounds = rt_scale(argc, argv) * 3;
    uint32_t h = 12345;
    for (int r = 0; r < rounds; r++) {
        h = stream(h);
        printf("round %d stream  %08x\n", r, (unsigned)h);
        h = compute(h, 6000);
        printf("round %d compute %08x\n", r, (unsigned)h);
        h = fitting(h, 120);
        printf("round %d fit     %08x\n", r, (unsigned)h);
    }
    return 0;
}
