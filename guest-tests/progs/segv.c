/* guest-tests/progs/segv.c: a load from unmapped memory (address 0x10):
 * natively SIGSEGV, status 139; cdvm must end the guest the same way. */
#include "rt.h"

int main(void)
{
    printf("before the bad load\n");
    volatile uint32_t *p = (volatile uint32_t *)0x10;
    uint32_t v = *p;
    printf("not reached: %u\n", v);
    return 0;
}
