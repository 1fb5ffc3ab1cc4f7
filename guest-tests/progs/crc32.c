/* guest-tests/progs/crc32.c: CRC-32 (IEEE 802.3, reflected polynomial
 * 0xEDB88320) computed bit by bit and with a 256-entry table, on the check
 * string "123456789" (expected cbf43926) and on generated data; also
 * CRC-16/CCITT with 16-bit arithmetic.  Size argument: more data. */
#include "rt.h"

static uint32_t table[256];

static void make_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc_bitwise(const unsigned char *p, unsigned n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t crc_table(uint32_t c, const unsigned char *p, unsigned n)
{
    c = ~c;
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

static uint16_t crc16_ccitt(const unsigned char *p, unsigned n)
{
    uint16_t c = 0xffff;
    while (n--) {
        c ^= (uint16_t)(*p++ << 8);
        for (int k = 0; k < 8; k++)
            c = (uint16_t)((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
    }
    return c;
}

static unsigned char data[16384];

int main(int argc, char **argv)
{
    int scale = rt_scale(argc, argv);
    const unsigned char *check = (const unsigned char *)"123456789";
    make_table();
    printf("table[1]=%08x table[255]=%08x\n", table[1], table[255]);
    printf("bitwise(123456789) = %08x\n", crc_bitwise(check, 9));
    printf("table(123456789)   = %08x\n", crc_table(0, check, 9));
    printf("crc16-ccitt(123456789) = %04x\n", crc16_ccitt(check, 9));

    uint32_t seed = 12345;
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(rt_rand(&seed) >> 24);
    uint32_t bw = crc_bitwise(data, 2048);
    uint32_t tb = crc_table(0, data, 2048);
    printf("2 KiB: bitwise %08x table %08x %s\n", bw, tb, bw == tb ? "match" : "MISMATCH");
    /* incremental CRC over pieces equals one pass */
    uint32_t inc = 0;
    for (unsigned off = 0; off < sizeof data; off += 1000)
        inc = crc_table(inc, data + off, sizeof data - off < 1000 ? sizeof data - off : 1000);
    uint32_t whole = crc_table(0, data, sizeof data);
    printf("16 KiB: whole %08x pieces %08x %s\n", whole, inc, whole == inc ? "match" : "MISMATCH");
    uint32_t c = 0;
    for (int r = 0; r < scale * 4; r++) {
        data[r % sizeof data] ^= (unsigned char)r;
        c = crc_table(c, data, sizeof data);
    }
    printf("chained %08x crc16 %04x\n", c, crc16_ccitt(data, 4096));
    return bw == tb && whole == inc ? 0 : 1;
}
