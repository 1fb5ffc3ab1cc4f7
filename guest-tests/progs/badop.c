/* guest-tests/progs/badop.c: an invalid opcode (ud2): natively SIGILL,
 * status 132; cdvm must end the guest the same way. */
#include "rt.h"

int main(void)
{
    printf("before ud2\n");
    __asm__ volatile("ud2");
    printf("not reached\n");
    return 0;
}
