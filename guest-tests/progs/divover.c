/* guest-tests/progs/divover.c: a divide error that is not a zero divisor.
 * A loop runs 16-bit and 8-bit divisions (hot enough to be translated)
 * whose quotients fit, printing a checksum; then one whose quotient needs
 * 17 bits: natively the kernel delivers SIGFPE (status 136).  In cdvm the
 * translation's range check makes the chip fault, the block rolls back and
 * the interpreter raises #DE at the divw itself. */
#include "rt.h"

static uint32_t div16(uint32_t dxax, uint16_t d)
{
    uint32_t ax = dxax & 0xffff, dx = dxax >> 16;
    __asm__ volatile("divw %w2" : "+a"(ax), "+d"(dx) : "r"(d) : "cc");
    return (dx & 0xffff) << 16 | (ax & 0xffff);
}

static uint32_t idiv8(uint16_t ax, uint8_t d)
{
    uint32_t v = ax;
    __asm__ volatile("idivb %b1" : "+a"(v) : "q"(d) : "cc");
    return v & 0xffff;
}

int main(int argc, char **argv)
{
    (void)argv;
    uint32_t sum = 0;
    for (uint32_t i = 1; i <= 2000; i++) {
        uint16_t d = (uint16_t)(i * 37 + 1);
        /* DX < d keeps the quotient within 16 bits */
        uint32_t dxax = ((i * 7919u) % d) << 16 | (i * 2654435761u >> 16);
        sum = sum * 31 + div16(dxax, d);
        sum = sum * 31 + idiv8((uint16_t)(int16_t)(int8_t)(i * 13), (uint8_t)(i % 11 + 1));
    }
    printf("checksum %08x\n", sum);
    /* 0x00020000 / 1 does not fit in AX */
    uint32_t big = 0x20000u + (uint32_t)argc - 1;
    printf("quotient %08x\n", div16(big, 1));
    return 0;
}
