/* guest-tests/progs/muldiv.S: mul, imul (one-, two- and three-operand, with
 * imm8 and full immediates), div and idiv in 8, 16 and 32 bits, register
 * and memory operands.  After mul/imul only CF and OF are defined; after
 * div/idiv no flag is (SDM vol. 2, MUL/IMUL/DIV/IDIV), so only those are
 * checked.  Divisions that would raise #DE (zero divisor or a quotient
 * that does not fit) are skipped: the helpers below check first, and mark a
 * skipped case by EAX = EBX = 0xdead. */
#include "asmtest.inc"

#define NDIVS 18
    .data
    .p2align 2
divs:                   /* divisors: small, edges, negative */
    .long 1, 2, 3, 7, 10, 0x7f, 0x80, 0xff, 0x101, 0x7fff, 0x8001, 0xffff
    .long 0x10001, 0x7fffffff, 0x80000001, 0xffffffff, 0xfffffff9, 0xffffff80

    .text
    .globl tests
tests:
    LOOP2($F_CO, mull %ecx; movl %edx, %ebx)
    LOOP2($F_CO, mulw %cx; movl %edx, %ebx)
    LOOP2($F_CO, mulb %cl)
    LOOP2($F_CO, movb %ch, %ah; mulb %ah)
    LOOP2($F_CO, movl %ecx, mem; mull mem; movl %edx, %ebx)
    LOOP2($F_CO, movl %ecx, mem; mulw mem+2; movl %edx, %ebx)
    LOOP2($F_CO, movl %ecx, mem; mulb mem+1)
    REPORT("mul")

    LOOP2($F_CO, imull %ecx; movl %edx, %ebx)
    LOOP2($F_CO, imulw %cx; movl %edx, %ebx)
    LOOP2($F_CO, imulb %cl)
    LOOP2($F_CO, imulb %bh)
    LOOP2($F_CO, movl %ecx, mem; imull mem; movl %edx, %ebx)
    LOOP2($F_CO, movl %ecx, mem; imulw mem; movl %edx, %ebx)
    LOOP2($F_CO, movl %ecx, mem; imulb mem+3)
    REPORT("imul-1op")

    LOOP2($F_CO, imull %ecx, %eax)
    LOOP2($F_CO, imulw %cx, %ax)
    LOOP2($F_CO, imull %eax, %ebx)
    LOOP2($F_CO, movl %ecx, mem; imull mem, %eax)
    LOOP2($F_CO, movl %ecx, mem; imulw mem+2, %bx)
    REPORT("imul-2op")

    LOOP1($F_CO, imull $-7, %ecx, %eax)
    LOOP1($F_CO, imull $127, %eax, %ebx)
    LOOP1($F_CO, imull $0x12345, %eax, %ecx)
    LOOP1($F_CO, imull $-0x7fffffff, %eax, %eax)
    LOOP1($F_CO, imulw $-300, %ax, %bx)
    LOOP1($F_CO, imulw $3, %cx, %cx)
    LOOP1($F_CO, movl %eax, mem; imull $-128, mem, %eax)
    LOOP1($F_CO, movl %eax, mem; imulw $0x7fff, mem+1, %bx)
    LOOP1($F_CO, movl %eax, mem; imull $65537, mem, %ecx)
    REPORT("imul-3op")

    LOOP2($0, call try_div8)
    LOOP2($0, movb %bl, %ah; call try_div8)
    LOOP2($0, xorl %edx, %edx; call try_div16)
    LOOP2($0, movl %ebx, %edx; call try_div16)
    LOOP2($0, movl %ecx, %edx; shrl $1, %edx; call try_div16)
    LOOP2($0, xorl %edx, %edx; call try_div32)
    LOOP2($0, movl %ebx, %edx; call try_div32)
    LOOP2($0, movl %ecx, %edx; shrl $3, %edx; call try_div32)
    LOOPT(divs, NDIVS, $0, movb $0, %ah; call try_div8)
    LOOPT(divs, NDIVS, $0, xorl %edx, %edx; call try_div16)
    LOOPT(divs, NDIVS, $0, xorl %edx, %edx; call try_div32)
    REPORT("div")

    LOOP2($0, call try_idiv8)
    LOOP2($0, movb %bl, %ah; call try_idiv8)
    LOOP2($0, cwtd; call try_idiv16)
    LOOP2($0, movl %ebx, %edx; call try_idiv16)
    LOOP2($0, movl %ecx, %edx; sarl $2, %edx; call try_idiv16)
    LOOP2($0, cltd; call try_idiv32)
    LOOP2($0, movl %ebx, %edx; call try_idiv32)
    LOOP2($0, movl %ecx, %edx; sarl $1, %edx; call try_idiv32)
    LOOPT(divs, NDIVS, $0, cbtw; call try_idiv8)
    LOOPT(divs, NDIVS, $0, cwtd; call try_idiv16)
    LOOPT(divs, NDIVS, $0, cltd; call try_idiv32)
    REPORT("idiv")
    cmpl $0, quiet
    jne 1f
    pushl nskip
    pushl $fmt_skip
    call printf
    addl $8, %esp
1:  movl $0, nskip
    ret

    .data
nskip:
    .long 0
    .section .rodata
fmt_skip:
    .asciz "divisions skipped (would fault): %d of 11648\n"
    .text

/* ---- guarded divisions ------------------------------------------------ */
/* try_div8: AX / CL (register form) and AX / byte [mem] */
try_div8:
    testb %cl, %cl
    jz skip
    cmpb %cl, %ah
    jae skip
    movb %cl, mem+1
    pushl %eax
    divb %cl
    movl %eax, %ebx
    popl %eax
    divb mem+1
    ret

/* try_div16: DX:AX / CX, and the memory form */
try_div16:
    testw %cx, %cx
    jz skip
    cmpw %cx, %dx
    jae skip
    movw %cx, mem+2
    pushl %eax
    pushl %edx
    divw %cx
    movl %edx, %ebx
    popl %edx
    xchgl %eax, (%esp)
    divw mem+2
    shll $16, %eax
    popl %edx
    movw %dx, %ax
    ret

/* try_div32: EDX:EAX / ECX, and the memory form */
try_div32:
    testl %ecx, %ecx
    jz skip
    cmpl %ecx, %edx
    jae skip
    movl %ecx, mem
    pushl %eax
    pushl %edx
    divl %ecx
    movl %edx, %ebx
    popl %edx
    xchgl %eax, (%esp)
    divl mem
    addl %edx, %ebx
    popl %ecx
    ret

/* The signed forms ask __divdi3 first whether the quotient fits. */
try_idiv8:
    pushl %eax
    pushl %ecx
    movswl %ax, %eax
    cltd
    movsbl %cl, %ecx
    pushl $8
    call idiv_fits
    leal 4(%esp), %esp      /* keeps CF */
    popl %ecx
    popl %eax
    jnc skip
    movb %cl, mem+3
    pushl %eax
    idivb %cl
    movl %eax, %ebx
    popl %eax
    idivb mem+3
    ret

try_idiv16:
    pushl %eax
    pushl %ecx
    pushl %edx
    shll $16, %edx
    movw %ax, %dx
    movl %edx, %eax
    cltd
    movswl %cx, %ecx
    pushl $16
    call idiv_fits
    leal 4(%esp), %esp      /* keeps CF */
    popl %edx
    popl %ecx
    popl %eax
    jnc skip
    movw %cx, mem+4
    pushl %eax
    pushl %edx
    idivw %cx
    movl %edx, %ebx
    popl %edx
    xchgl %eax, (%esp)
    idivw mem+4
    shll $16, %eax
    popl %edx
    movw %dx, %ax
    ret

try_idiv32:
    pushl %eax
    pushl %ecx
    pushl %edx
    pushl $32
    call idiv_fits
    leal 4(%esp), %esp      /* keeps CF */
    popl %edx
    popl %ecx
    popl %eax
    jnc skip
    movl %ecx, mem+8
    pushl %eax
    pushl %edx
    idivl %ecx
    movl %edx, %ebx
    popl %edx
    xchgl %eax, (%esp)
    idivl mem+8
    addl %edx, %ebx
    popl %ecx
    ret

skip:
    incl nskip
    movl $0xdead, %eax
    movl %eax, %ebx
    ret

/* idiv_fits: dividend EDX:EAX (signed 64), divisor ECX (signed 32), width w
 * on the stack.  CF=1 when ECX != 0 and the quotient fits in w signed bits.
 * Preserves ESI, EDI, EBP, EBX (cdecl). */
idiv_fits:
    testl %ecx, %ecx
    jz 7f
    pushl %ebx
    movl %ecx, %ebx
    sarl $31, %ebx
    pushl %ebx              /* divisor, high */
    pushl %ecx              /* divisor, low */
    pushl %edx              /* dividend, high */
    pushl %eax              /* dividend, low */
    call __divdi3
    addl $16, %esp
    movl 8(%esp), %ecx      /* w */
    decl %ecx
    movl $1, %ebx
    shll %cl, %ebx          /* 2^(w-1) */
    addl %ebx, %eax         /* q + 2^(w-1) must be in [0, 2^w) */
    adcl $0, %edx
    jnz 8f
    cmpl $32, 8(%esp)
    je 9f
    shll $1, %ebx
    cmpl %ebx, %eax         /* CF = (q + 2^(w-1) < 2^w) */
    popl %ebx
    ret
9:  popl %ebx
    stc
    ret
8:  popl %ebx
7:  clc
    ret

ASMTEST_MAIN
