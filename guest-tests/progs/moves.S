/* guest-tests/progs/moves.S: data movement that leaves the flags alone:
 * movzx/movsx (byte and word sources, register incl. AH-style and memory,
 * 16 and 32-bit destinations), lea with every addressing form (no base,
 * base, base+index*1/2/4/8, disp8/disp32, ESP and EBP bases, 16-bit
 * destinations), cbw/cwde/cwd/cdq, and mov in its special encodings
 * (moffs, immediates to registers and memory, high-byte registers). */
#include "asmtest.inc"

    .text
    .globl tests
tests:
    LOOP2($F_ALL, movzbl %cl, %eax; movzbl %ch, %ebx; movzwl %cx, %ecx)
    LOOP2($F_ALL, movzbw %ah, %bx; movzbw %cl, %ax)
    LOOP2($F_ALL, movl %ecx, mem; movzbl mem+1, %eax; movzwl mem+2, %ebx; movzbw mem+3, %cx)
    REPORT("movzx")
    LOOP2($F_ALL, movsbl %cl, %eax; movsbl %ch, %ebx; movswl %cx, %ecx)
    LOOP2($F_ALL, movsbw %ah, %bx; movsbw %cl, %ax)
    LOOP2($F_ALL, movl %ecx, mem; movsbl mem, %eax; movswl mem+1, %ebx; movsbw mem+2, %cx)
    REPORT("movsx")

    LOOP2($F_ALL, leal (%eax), %ebx; leal 5(%eax,%ecx), %edx; leal -128(%ecx,%eax,2), %eax; addl %edx, %ebx)
    LOOP2($F_ALL, leal 0x12345678(%eax,%ecx,4), %ebx; leal (,%ecx,8), %eax; leal 127(,%eax,2), %ecx)
    LOOP2($F_ALL, leal (%eax,%eax,8), %ebx; leal -0x7fffffff(%ecx,%ecx,2), %eax; leal 0x1000, %ecx)
    LOOP2($F_ALL, pushl %ebp; movl %ecx, %ebp; leal (%ebp), %ebx; leal 1(%ebp,%eax,4), %ecx; leal 0x100(%ebp), %eax; popl %ebp)
    LOOP2($F_ALL, movl %esp, %edx; leal 8(%esp), %ebx; subl %edx, %ebx; leal (%esp,%eax,2), %ecx; subl %edx, %ecx; leal -3(%esp,%ecx), %eax; subl %edx, %eax; orl $0, %eax)
    LOOP2($F_ALL, leaw 3(%eax,%ecx,2), %bx; leaw (%ecx), %ax; leaw -1(,%eax,8), %cx)
    REPORT("lea")

    LOOP1($F_ALL, cbtw; movl %eax, %ebx; movl %ecx, %eax; cwtl; movl %eax, %ecx)
    LOOP1($F_ALL, cltd; movl %edx, %ebx; movl %ecx, %eax; cwtd; movl %edx, %ecx; orl $0, %edx)
    LOOP1($F_ALL, movl %eax, %edx; cwtd; movw %dx, %bx; cltd; addl %edx, %eax)
    REPORT("cbw-cdq")

    LOOP2($F_ALL, movl %eax, mem; movl mem, %ebx; movb %cl, mem+1; movw mem+2, %ax; movb mem+1, %al)
    LOOP2($F_ALL, movb %ch, %ah; movb %al, %bh; movw %cx, %bx; movb $0x9c, %cl; movb $0x7e, %bh)
    LOOP2($F_ALL, movl $0xdeadbeef, %eax; movw $0x1234, %cx; movb $-1, %ah; movl $-1, mem+12; movw $7, mem+14; movb $0x80, mem+12; movl mem+12, %ebx)
    LOOP2($F_ALL, movl %ecx, mem+16; movw %ax, mem+18; movb %ah, mem+17; movl mem+16, %ecx; movl mem+16, %eax)
    REPORT("mov")
    ret

ASMTEST_MAIN
