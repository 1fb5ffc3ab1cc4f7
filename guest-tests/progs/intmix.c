/* guest-tests/progs/intmix.c: C integer semantics in 8, 16 and 32 bits as
 * the compiler lowers them: wrap-around of char/short arithmetic, signed
 * and unsigned conversions (movsx/movzx), division and remainder by
 * constants (multiply-by-reciprocal code) and by variables, abs/min/max
 * (cmov, setcc), rotates and byte swaps written as C idioms (rol/ror,
 * bswap), bit counting loops, and dense and sparse switch statements.
 * Size argument: more rounds. */
#include "rt.h"

static int classify(int x)
{
    switch (x & 15) {           /* dense: a jump table */
    case 0: return 3;
    case 1: return x * 2;
    case 2: return x - 7;
    case 3: return x ^ 0x55;
    case 4: return -x;
    case 5: return x >> 2;
    case 6: return x / 3;
    case 7: return x % 5;
    case 8: return x & 0xf0;
    case 9: return x | 1;
    case 10: return ~x;
    case 11: return x << 3;
    case 12: return x * x;
    case 13: return x + 1000;
    default: return 0;
    }
}

static int sparse(unsigned x)
{
    switch (x) {                /* sparse: compare trees */
    case 1: return 10;
    case 100: return 20;
    case 1000: return 30;
    case 65535: return 40;
    case 0x80000000u: return 50;
    default: return (int)(x & 3);
    }
}

static int popcount(uint32_t x)
{
    int n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    int rounds = rt_scale(argc, argv);
    uint32_t seed = 8675309, ck = 0;
    for (int r = 0; r < rounds; r++) {
        uint32_t c8 = 0, c16 = 0, cdiv = 0, cbits = 0, csw = 0;
        for (int i = 0; i < 1000; i++) {
            uint32_t x = rt_rand(&seed), y = rt_rand(&seed);
            signed char sa = (signed char)x, sb = (signed char)y;
            unsigned char ua = (unsigned char)x, ub = (unsigned char)(y >> 8);
            short sh = (short)x, sh2 = (short)(y >> 16);
            unsigned short us = (unsigned short)y;

            /* 8-bit: arithmetic wraps after promotion and truncation */
            signed char s8 = (signed char)(sa + sb);
            unsigned char u8 = (unsigned char)(ua * ub);
            c8 = c8 * 3 + (uint32_t)(int)s8 + u8 + (uint32_t)(sa < sb) + (uint32_t)(ua > ub);
            c8 += (uint32_t)(sb ? sa / sb : 0) + (uint32_t)(ub ? ua % ub : 0);

            /* 16-bit */
            short s16 = (short)(sh * sh2);
            unsigned short u16 = (unsigned short)(us - (unsigned short)sh);
            c16 = c16 * 5 + (uint32_t)(int)s16 + u16 + (uint32_t)(sh2 ? sh / sh2 : 0);
            c16 += (uint32_t)((int)sh >> 3) + (uint32_t)(us >> 5) + (uint32_t)(sh < sh2);

            /* division by constants and variables, signed and unsigned */
            int sx = (int)x;
            cdiv += x / 10 + x % 10 + (uint32_t)(sx / 7) + (uint32_t)(sx % 7);
            cdiv += x / 1000000 + (uint32_t)(sx / -3) + (uint32_t)(sx / 16) + (uint32_t)(sx % 16);
            cdiv += (y | 1) ? x / (y | 1) : 0;
            cdiv += (uint32_t)((int)(y >> 20) + 1 ? sx / ((int)(y >> 20) + 1) : 0);

            /* abs/min/max, rotates, byte swap, bit scans */
            int ax = sx < 0 ? -(sx + 1) : sx;
            uint32_t mn = x < y ? x : y, mx = sx > (int)y ? x : y;
            uint32_t rl = (x << (y & 31)) | (x >> ((32 - (y & 31)) & 31));
            uint32_t rr = (x >> 7) | (x << 25);
            uint32_t bs = (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
            cbits += (uint32_t)ax + mn + mx + rl + rr + bs + (uint32_t)popcount(x);
            cbits += x ? (uint32_t)__builtin_ctz(x) + (uint32_t)__builtin_clz(x) : 99;
            cbits += __builtin_bswap32(y);

            csw += (uint32_t)classify((int)(x >> 16)) + (uint32_t)sparse(i % 7 == 0 ? 1000 : x % 4);
        }
        if (r == 0) {
            printf("8-bit   %08x\n16-bit  %08x\ndiv     %08x\nbits    %08x\nswitch  %08x\n",
                   c8, c16, cdiv, cbits, csw);
        }
        ck = rt_mix(ck, c8 ^ c16 ^ cdiv ^ cbits ^ csw);
    }
    printf("checksum %08x\n", ck);
    printf("conversions: %d %d %u %u %d %d\n", (signed char)200, (short)40000,
           (unsigned char)-1, (unsigned short)-1, (int)(signed char)0x80, (int)(short)0x8000);
    return 0;
}
