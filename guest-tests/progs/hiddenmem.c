/* guest-tests/progs/hiddenmem.c: a load from 0x04000000, where cdvm's
 * hidden memory starts and which is unmapped in a native i386 process:
 * both must end with SIGSEGV (status 139).  The guest must never see the
 * firmware's memory. */
#include "rt.h"

int main(void)
{
    printf("before the hidden-memory load\n");
    volatile uint32_t *p = (volatile uint32_t *)0x04000000;
    uint32_t v = *p;
    printf("not reached: %08x\n", v);
    return 0;
}
