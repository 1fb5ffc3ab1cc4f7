/* guest-tests/progs/matmul.c: integer matrix multiplication in 32-bit
 * (wrapping), 16-bit and 8-bit element types with wider accumulators, a
 * transposed variant that must agree, and a matrix power by repeated
 * squaring modulo a prime.  Size argument: more repetitions. */
#include "rt.h"

#define N 20

static int32_t A[N][N], B[N][N], C[N][N], D[N][N], BT[N][N];
static int16_t A16[N][N], B16[N][N];
static int8_t A8[N][N], B8[N][N];

static void mul32(int32_t (*x)[N], int32_t (*y)[N], int32_t (*z)[N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            uint32_t s = 0;
            for (int k = 0; k < N; k++)
                s += (uint32_t)x[i][k] * (uint32_t)y[k][j];
            z[i][j] = (int32_t)s;
        }
}

static void mul_mod(const uint32_t (*x)[4], const uint32_t (*y)[4], uint32_t (*z)[4], uint32_t p)
{
    uint32_t t[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            uint64_t s = 0;
            for (int k = 0; k < 4; k++)
                s += (uint64_t)x[i][k] * y[k][j];
            t[i][j] = (uint32_t)(s % p);
        }
    memcpy(z, t, sizeof t);
}

static uint32_t hash32(int32_t (*m)[N])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            h = rt_mix(h, (uint32_t)m[i][j]);
    return h;
}

int main(int argc, char **argv)
{
    int reps = rt_scale(argc, argv);
    uint32_t seed = 31337;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (int32_t)rt_rand(&seed);
            B[i][j] = (int32_t)(rt_rand(&seed) % 2001) - 1000;
            A16[i][j] = (int16_t)rt_rand(&seed);
            B16[i][j] = (int16_t)rt_rand(&seed);
            A8[i][j] = (int8_t)rt_rand(&seed);
            B8[i][j] = (int8_t)rt_rand(&seed);
        }
    uint32_t ck = 0;
    for (int r = 0; r < reps; r++) {
        mul32(A, B, C);
        /* transposed inner loop gives the same product */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                BT[j][i] = B[i][j];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                int32_t s = 0;
                for (int k = 0; k < N; k++)
                    s = (int32_t)((uint32_t)s + (uint32_t)A[i][k] * (uint32_t)BT[j][k]);
                D[i][j] = s;
            }
        ck = rt_mix(ck, hash32(C));
        A[r % N][(r * 7) % N] ^= r;
    }
    printf("int32: C[0][0]=%d C[%d][%d]=%d hash %08x transposed %s\n", C[0][0], N - 1, N - 1,
           C[N - 1][N - 1], hash32(C), memcmp(C, D, sizeof C) == 0 ? "equal" : "DIFFERENT");

    int32_t s16 = 0, s8 = 0, mx = -2147483647 - 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            int16_t t = 0;
            for (int k = 0; k < N; k++) {
                s += (int32_t)A16[i][k] * B16[k][j];
                t = (int16_t)(t + A8[i][k] * B8[k][j]);
            }
            s16 ^= s;
            s8 += t;
            if (s > mx)
                mx = s;
        }
    printf("int16: xor %d max %d; int8 with 16-bit sums: %d\n", s16, mx, s8);

    uint32_t M[4][4] = { { 1, 1, 0, 0 }, { 1, 0, 1, 0 }, { 0, 1, 0, 1 }, { 3, 0, 0, 1 } };
    uint32_t R[4][4] = { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } };
    uint32_t e = 1000003u * (uint32_t)reps;
    while (e) {
        if (e & 1)
            mul_mod((const uint32_t (*)[4])R, (const uint32_t (*)[4])M, R, 4294967291u);
        mul_mod((const uint32_t (*)[4])M, (const uint32_t (*)[4])M, M, 4294967291u);
        e >>= 1;
    }
    printf("M^e mod p: %u %u %u %u\n", R[0][0], R[1][2], R[2][3], R[3][1]);
    printf("checksum %08x\n", ck);
    return 0;
}
