/* guest-tests/progs/divzero.c: a divide error.  Prints a line, then
 * executes `divl` with a zero divisor: natively the kernel delivers SIGFPE
 * and the shell sees status 136; cdvm must end the guest the same way
 * after the output so far. */
#include "rt.h"

int main(int argc, char **argv)
{
    volatile uint32_t zero = (uint32_t)argc - 1;   /* 0 in the default run */
    printf("before the division\n");
    uint32_t q = 0;
    (void)argv;
    __asm__ volatile("xorl %%edx, %%edx\n\tdivl %1" : "+a"(q) : "r"(zero) : "edx", "cc");
    printf("not reached: %u\n", q);
    return 0;
}
