/* guest-tests/rt/divdi3.c: the 64-bit division helpers clang calls on i386
 * (the libgcc/compiler-rt ABI: __udivdi3, __umoddi3, __divdi3, __moddi3).
 *
 * When the divisor fits in 32 bits the quotient is computed with two
 * `divl` (schoolbook long division in base 2^32, each step's remainder is
 * below the divisor so `divl` cannot overflow).  Otherwise the quotient
 * fits in 32 bits and is found by shift-and-subtract. */
#include "rt.h"

/* (hi:lo) / d with hi < d; returns the quotient, stores the remainder */
static uint32_t div_64_32(uint32_t hi, uint32_t lo, uint32_t d, uint32_t *rem)
{
    uint32_t q, r;
    __asm__("divl %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d) : "cc");
    *rem = r;
    return q;
}

static uint64_t udivmod(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint32_t nh = (uint32_t)(n >> 32), nl = (uint32_t)n;
    uint32_t dh = (uint32_t)(d >> 32), dl = (uint32_t)d;

    if (dh == 0) {
        uint32_t r, qh = 0, ql;
        if (dl == 0) {
            /* divide by zero: fault like the hardware would */
            volatile uint32_t zero = 0;
            return nl / zero;
        }
        if (nh >= dl) {
            qh = nh / dl;
            nh = nh % dl;
        }
        ql = div_64_32(nh, nl, dl, &r);
        *rem = r;
        return ((uint64_t)qh << 32) | ql;
    }
    if (n < d) {
        *rem = n;
        return 0;
    }
    /* d >= 2^32: the quotient has at most 32 bits.  Align d under n and
     * subtract going down one bit at a time. */
    int shift = __builtin_clz(dh) - __builtin_clz(nh);
    uint64_t dd = d << shift;
    uint32_t q = 0;
    for (int i = 0; i <= shift; i++) {
        q <<= 1;
        if (n >= dd) {
            n -= dd;
            q |= 1;
        }
        dd >>= 1;
    }
    *rem = n;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    return udivmod(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    udivmod(n, d, &r);
    return r;
}

/* Signed forms truncate toward zero (C99 6.5.5): the quotient is negative
 * when the signs differ, the remainder takes the dividend's sign. */
int64_t __divdi3(int64_t n, int64_t d)
{
    uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
    uint64_t r, q = udivmod(un, ud, &r);
    return (int64_t)((n < 0) != (d < 0) ? 0 - q : q);
}

int64_t __moddi3(int64_t n, int64_t d)
{
    uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
    uint64_t r;
    udivmod(un, ud, &r);
    return (int64_t)(n < 0 ? 0 - r : r);
}
