/* guest-tests/progs/int64.c: 64-bit integer arithmetic on a 32-bit CPU:
 * add/sub with carry (adc/sbb), multiplication (mul + imul cross terms),
 * shifts by every count 0..63 (shld/shrd and the >= 32 paths), signed and
 * unsigned comparisons, and division through the runtime's __udivdi3 /
 * __divdi3 / __umoddi3 / __moddi3 for all sign combinations, checked with
 * q * d + r == n and |r| < |d|.  Size argument: more random operands. */
#include "rt.h"

static const uint64_t special[] = {
    0, 1, 2, 3, 7, 10, 0xff, 0xffffffffull, 0x100000000ull, 0x100000001ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
    0x123456789abcdef0ull, 0xfedcba9876543210ull, 1000000007ull, 0x80000000ull,
    0xffffffff00000000ull, 12345678901234567ull,
};
#define NSPECIAL (sizeof special / sizeof special[0])

static uint64_t rand64(uint32_t *seed)
{
    uint64_t hi = rt_rand(seed);
    uint32_t shift = rt_rand(seed) % 64;
    return ((hi << 32) | rt_rand(seed)) >> shift;
}

int main(int argc, char **argv)
{
    int scale = rt_scale(argc, argv);
    uint64_t ck = 0;
    unsigned errors = 0, divs = 0;

    /* shifts by every count */
    uint64_t v = 0x8123456789abcdefull;
    uint64_t shl = 0, shr = 0;
    int64_t sar = 0;
    for (unsigned c = 0; c < 64; c++) {
        shl ^= v << c;
        shr += v >> c;
        sar ^= (int64_t)v >> c;
    }
    printf("shifts: %016llx %016llx %016llx\n", shl, shr, (uint64_t)sar);

    /* arithmetic and comparisons over the special values */
    for (unsigned i = 0; i < NSPECIAL; i++)
        for (unsigned j = 0; j < NSPECIAL; j++) {
            uint64_t a = special[i], b = special[j];
            ck = ck * 31 + (a + b);
            ck = ck * 31 + (a - b);
            ck = ck * 31 + a * b;
            ck = ck * 31 + (uint64_t)((int64_t)a * (int64_t)b);
            ck += (a < b) + 2 * ((int64_t)a < (int64_t)b) + 4 * (a == b);
        }
    printf("arith checksum %016llx\n", ck);

    /* division: special values and random operands */
    uint32_t seed = 97531;
    uint64_t qsum = 0;
    for (unsigned r = 0; r < NSPECIAL * NSPECIAL + 300u * (unsigned)scale; r++) {
        uint64_t n, d;
        if (r < NSPECIAL * NSPECIAL) {
            n = special[r / NSPECIAL];
            d = special[r % NSPECIAL];
        } else {
            n = rand64(&seed);
            d = rand64(&seed) >> (rt_rand(&seed) % 40);
        }
        if (d == 0)
            continue;
        uint64_t q = n / d, m = n % d;
        if (q * d + m != n || m >= d)
            errors++;
        qsum = qsum * 7 + q + m;
        divs++;
        int64_t sn = (int64_t)n, sd = (int64_t)d;
        if (sd == -1 && sn == (int64_t)0x8000000000000000ull)
            continue;           /* overflows in C */
        int64_t sq = sn / sd, sm = sn % sd;
        if ((uint64_t)sq * (uint64_t)sd + (uint64_t)sm != (uint64_t)sn)
            errors++;
        if (sm != 0 && ((sm < 0) != (sn < 0)))
            errors++;
        qsum = qsum * 5 + (uint64_t)sq + (uint64_t)sm;
    }
    printf("%u divisions, checksum %016llx, %u errors\n", divs, qsum, errors);

    /* printing: signed, unsigned, hex, widths */
    printf("[%lld] [%lld] [%llu] [%llx] [%20lld] [%-20lld] [%020llu]\n",
           (long long)0x8000000000000000ull, -1234567890123ll, 18446744073709551615ull,
           0xdeadbeefcafebabeull, -42ll, 42ll, 12345678901234567ull);
    printf("[%d] [%i] [%u] [%x] [%X] [%08x] [%-6d|] [%6d] [%c%c] [%s] [%5s] [%-5s|] [%%]\n",
           -2147483647 - 1, 77, 4294967295u, 0xabcdefu, 0xabcdefu, 0x1234u, -5, -5, 'o', 'k',
           "str", "ab", "cd");
    return errors ? 1 : 0;
}
