/* guest-tests/progs/atomics.S: xchg (the short EAX forms, register and
 * memory, 8/16/32-bit), xadd, cmpxchg (equal and unequal), cmpxchg8b, and
 * lock-prefixed read-modify-write instructions.  xadd and cmpxchg set the
 * flags like add and cmp; cmpxchg8b sets only ZF and leaves the rest; xchg
 * touches no flag (SDM vol. 2, XCHG/XADD/CMPXCHG/CMPXCHG8B, LOCK). */
#include "asmtest.inc"

    .text
    .globl tests
tests:
    LOOP2($F_ALL, xchgl %ecx, %eax)
    LOOP2($F_ALL, xchgl %eax, %ebx; xchgl %ebx, %ecx)
    LOOP2($F_ALL, xchgw %cx, %ax; xchgw %bx, %cx)
    LOOP2($F_ALL, xchgb %cl, %ah; xchgb %bl, %bh; xchgb %al, %ch)
    LOOP2($F_ALL, movl %ecx, mem; xchgl %eax, mem; xchgl mem, %ebx)
    LOOP2($F_ALL, movl %ecx, mem; xchgw mem+1, %bx; lock xchgb %ah, mem+3; movl mem, %ecx)
    LOOP1($F_ALL, xchgl %edx, %eax; xchgl %eax, %edx; xchgl %eax, %eax)
    REPORT("xchg")

    LOOP2($F_ALL, xaddl %ecx, %eax)
    LOOP2($F_ALL, xaddw %cx, %bx)
    LOOP2($F_ALL, xaddb %cl, %ch; xaddb %ah, %al)
    LOOP2($F_ALL, movl %ecx, mem; xaddl %eax, mem; movl mem, %ebx)
    LOOP2($F_ALL, movl %ecx, mem; lock xaddl %eax, mem; movl mem, %ebx)
    LOOP2($F_ALL, movl %ecx, mem; lock xaddw %bx, mem+2; xaddb %al, mem; movl mem, %ecx)
    REPORT("xadd")

    LOOP2($F_ALL, cmpxchgl %ebx, %ecx)
    LOOP2($F_ALL, movl %ecx, %edx; cmpxchgl %ebx, %edx; movl %edx, %ecx)
    LOOP2($F_ALL, movl %eax, %ecx; cmpxchgw %bx, %cx)
    LOOP2($F_ALL, cmpxchgb %bl, %cl; cmpxchgb %ch, %bh)
    LOOP2($F_ALL, movl %ecx, mem; cmpxchgl %ebx, mem; movl mem, %ecx)
    LOOP2($F_ALL, movl %eax, mem; lock cmpxchgl %ecx, mem; movl mem, %ebx)
    LOOP2($F_ALL, movl %ecx, mem; lock cmpxchgw %bx, mem; movl mem, %ecx)
    LOOP2($F_ALL, movl %eax, mem; cmpxchgb %cl, mem+1; movl mem, %ebx)
    REPORT("cmpxchg")

    /* cmpxchg8b m64: equal (mem = EDX:EAX) and mostly unequal cases */
    LOOP2($F_ALL, movl %eax, mem; movl %ecx, mem+4; movl %ecx, %edx; \
          cmpxchg8b mem; movl mem, %ebx; movl mem+4, %ecx; leal (%ecx,%edx,8), %ecx)
    LOOP2($F_ALL, movl %eax, mem; movl %ecx, mem+4; movl %ebx, %edx; \
          cmpxchg8b mem; movl mem, %ebx; movl mem+4, %ecx; leal (%ecx,%edx,8), %ecx)
    LOOP2($F_ALL, movl %eax, mem+8; movl %eax, mem+12; movl %ecx, %edx; \
          lock cmpxchg8b mem+8; movl mem+8, %ebx; movl mem+12, %ecx; leal (%ecx,%edx,8), %ecx)
    REPORT("cmpxchg8b")

    LOOP2($F_ALL, movl %eax, mem; lock addl %ecx, mem; lock adcl %ebx, mem; movl mem, %eax)
    LOOP2($F_LOGIC, movl %eax, mem; lock orl %ecx, mem; lock xorw %bx, mem+2; lock andb %cl, mem+1; movl mem, %eax)
    LOOP2($F_ALL, movl %eax, mem; lock subl %ecx, mem; lock sbbb %bl, mem+3; lock negw mem; movl mem, %eax)
    LOOP2($F_ALL, movl %eax, mem; lock incl mem; lock decw mem+2; lock notl mem; movl mem, %eax)
    LOOP2($F_CF, movl %eax, mem; andl $63, %ecx; lock btsl %ecx, mem; setc %bl; movzbl %bl, %ebx; lock btrl %ebx, mem; \
          andl $127, %eax; lock btcl %eax, mem; movl mem+4, %eax; xorl mem, %eax)
    REPORT("lock")
    ret

ASMTEST_MAIN
