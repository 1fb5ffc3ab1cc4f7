/* guest-tests/progs/control.S: control transfer and stack instructions:
 * call/ret (near, direct and indirect through a register and memory),
 * ret imm16, jmp through a register and a jump table, jcc/jmp with 8-bit
 * and 32-bit displacements, loop/loope/loopne, jecxz, enter (nesting
 * levels 0..3) and leave, push/pop of immediates, memory and ESP itself
 * (pop with an ESP-based destination computes the address after the
 * increment, SDM vol. 2 POP), and deep recursion.  Loop bodies use local
 * labels 4..8 only (1..3 belong to the LOOP macros).  Stack addresses differ
 * between runs, so only differences between them are checked. */
#include "asmtest.inc"

/* flags defined after every callee below (xor leaves AF undefined, shifts
 * and rotates by more than 1 leave OF undefined) */
#define F_DEF (F_CF | F_PF | F_ZF | F_SF)

    .data
    .p2align 2
base_esp:   .long 0
fnptr:      .long add3
fntab:      .long f0, f1, f2, f3
jtab:       .long c0, c1, c2, c3, c4, c5, c6, c7
depth_sum:  .long 0

    .text
/* ESPDELTA: EBX = ESP - base_esp (flags clobbered) */
#define ESPDELTA movl %esp, %ebx; subl base_esp, %ebx

/* ---- callees -------------------------------------------------------- */
add3:                       /* eax = eax + ecx + 3 */
    leal 3(%eax,%ecx), %eax
    ret
f0: rorl $3, %eax
    ret
f1: xorl $0x5555aaaa, %eax
    ret
f2: leal (%eax,%eax,4), %eax
    ret
f3: notl %eax
    ret
/* stdcall-style: two stack arguments, callee pops them with ret $8 */
sub_args:
    movl 4(%esp), %eax
    subl 8(%esp), %eax
    ret $8
/* ret $0 and a ret imm16 that pops an odd amount: 6 bytes */
ret0:
    incl %eax
    ret $0
pop6:
    movl 4(%esp), %eax
    ret $6
/* jump-table dispatch on edx (0..7) */
switch8:
    jmp *jtab(,%edx,4)
c0: addl $1, %eax
    ret
c1: subl $100, %eax
    ret
c2: shll $2, %eax
    ret
c3: movl $3, %eax
    ret
c4: xorl %ecx, %eax
    ret
c5: negl %eax
    ret
c6: leal 7(%ecx,%eax,2), %eax
    ret
c7: bswapl %eax
    ret

/* recurse(n): returns sum_{i<=n} i*3 ^ i, recursing n deep */
recurse:
    movl 4(%esp), %ecx
    testl %ecx, %ecx
    jz 1f
    pushl %ebx
    movl %ecx, %ebx
    decl %ecx
    pushl %ecx
    call recurse
    addl $4, %esp
    leal (%ebx,%ebx,2), %ecx
    xorl %ebx, %ecx
    addl %ecx, %eax
    popl %ebx
    ret
1:  xorl %eax, %eax
    ret

/* ENTER_CASE(level): zeroes the stack below, builds a fake outer frame
 * whose slots hold known data, runs `enter $12, $level`, lets enter_check
 * look at the new frame, then `leave` */
#define ENTER_CASE(lvl) \
    movl $16, %ecx; \
8:  pushl $0; \
    loop 8b; \
    addl $64, %esp; \
    pushl %ebp; \
    movl %esp, %ebp; \
    pushl $0x11111111; \
    pushl $0x22222222; \
    pushl $0x33333333; \
    movl %esp, %esi; \
    movl $lvl, enter_level; \
    enter $12, $lvl; \
    call enter_check; \
    leave; \
    movl %esi, %eax; \
    subl %esp, %eax; \
    movl (%esp), %ebx; \
    xorl %ecx, %ecx; \
    xorl %edx, %edx; \
    call ckmix; \
    movl %ebp, %esp; \
    popl %ebp

/* enter_check: ESI = ESP before enter, EBP = the frame enter built.  Mixes
 * the frame size, EBP's place in it, the saved EBP and the slots enter
 * wrote below EBP (level L writes L of them; the rest are the new frame's
 * uninitialised locals, which are never read); slots holding stack
 * addresses are taken relative to EBP. */
enter_check:
    pushl %edi
    leal 8(%esp), %edi          /* ESP right after enter */
    movl %esi, %eax
    subl %edi, %eax
    movl %ebp, %ebx
    subl %edi, %ebx
    movl (%ebp), %ecx
    subl %esi, %ecx
    xorl %edx, %edx
    call ckmix
    movl $1, %ebx
8:  cmpl enter_level, %ebx
    ja 6f                       /* past the slots enter wrote */
    movl %ebx, %edx
    negl %edx
    movl (%ebp,%edx,4), %eax
    movl %eax, %ecx
    subl %ebp, %ecx
    addl $0x10000, %ecx
    cmpl $0x20000, %ecx
    jae 7f
    subl %ebp, %eax             /* a stack address */
7:  xorl %ecx, %ecx
    xorl %edx, %edx
    call ckmix
    incl %ebx
    cmpl $3, %ebx               /* slot 4 may hold our own return address */
    jbe 8b
6:  popl %edi
    ret

    .data
    .p2align 2
enter_level:
    .long 0
    .text

    .globl tests
tests:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, base_esp

    /* direct and indirect calls */
    LOOP2($F_ALL, call add3; call *fnptr; movl $add3, %edx; call *%edx)
    LOOP1($F_DEF, movl %eax, %edx; andl $3, %edx; call *fntab(,%edx,4); \
          movl %ebx, %edx; shrl $7, %edx; andl $3, %edx; movl $fntab, %ebx; call *(%ebx,%edx,4); movl %edx, %ebx)
    LOOP2($F_ALL, pushl %ecx; pushl %eax; call sub_args; ESPDELTA)
    LOOP1($F_ALL, call ret0; pushw $0x1234; pushl %eax; call pop6; ESPDELTA)
    REPORT("call-ret")

    /* jump tables and indirect jumps */
    LOOP2($F_DEF, movl %ecx, %edx; andl $7, %edx; call switch8; \
          movl %eax, %edx; shrl $3, %edx; andl $7, %edx; call switch8)
    LOOP1($F_ALL, movl $4f, %edx; jmp *%edx; 4: incl %ecx; \
          pushl $5f; jmp *(%esp); 5: addl $4, %esp; movl $6f, mem; jmp *mem; 6: decl %ebx)
    REPORT("jmp-indirect")

    /* jcc and jmp with 32-bit displacements, forwards and backwards */
    LOOP2($F_ALL, cmpl %ecx, %eax; jl 5f; .fill 130, 1, 0x90; 5: setl %bl; \
          jge 6f; incl %ebx; .fill 140, 1, 0x90; 6: jmp 7f; .fill 200, 1, 0x90; 7: addl %ebx, %eax)
    REPORT("jcc-rel32")

    /* loop family: loop, loope, loopne, jecxz */
    LOOP1($F_ALL, movl %eax, %ecx; andl $31, %ecx; xorl %ebx, %ebx; jecxz 5f; 4: addl %ecx, %ebx; loop 4b; 5: movl %ebx, %eax)
    LOOP1($F_ALL, movl $20, %ecx; movl %eax, %edx; 4: shrl $1, %edx; testl $1, %edx; loopne 4b; movl %edx, %ebx)
    LOOP1($F_ALL, movl $32, %ecx; movl %eax, %edx; 4: rorl $1, %edx; cmpl %edx, %eax; loope 4b; movl %edx, %ebx)
    LOOP1($F_ALL, xorl %ecx, %ecx; jecxz 4f; movl $-1, %ebx; 4: incl %ecx; jecxz 5f; incl %ebx; 5: )
    REPORT("loop")

    /* push and pop: immediates, memory, ESP itself */
    LOOP1($F_ALL, pushl $-5; pushl $0x12345678; pushw $-2; pushl %eax; popw %bx; popw %cx; popl %edx; addl %edx, %eax; popw %dx; popl %edx; addl %edx, %eax)
    LOOP1($F_ALL, movl %eax, mem; pushl mem; popl mem+4; pushw mem+2; popw mem+8; movl mem+4, %ebx; movl mem+8, %ecx)
    LOOP1($F_ALL, pushl %esp; popl %eax; subl %esp, %eax; pushl $5; pushl $7; popl (%esp); popl %ebx)
    LOOP1($F_ALL, pushl %eax; pushl %ecx; pushl (%esp); popl %edx; popl %ebx; popl %ecx; leal 4(%esp), %ecx; subl %esp, %ecx)
    REPORT("push-pop")

    /* enter / leave at nesting levels 0..3 */
    ENTER_CASE(0)
    ENTER_CASE(1)
    ENTER_CASE(2)
    ENTER_CASE(3)
    REPORT("enter-leave")

    /* deep recursion: 20000 frames of 12 bytes */
    pushl $20000
    call recurse
    addl $4, %esp
    movl %eax, %ebx
    pushl $1000
    call recurse
    addl $4, %esp
    xorl %ecx, %ecx
    xorl %edx, %edx
    call ckmix
    REPORT("recursion")

    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

ASMTEST_MAIN
