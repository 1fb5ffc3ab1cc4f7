/* guest-tests/progs/flags.S: flag producers and consumers: all 16 setcc,
 * cmovcc (16/32-bit, register and memory) and jcc conditions, from all 64
 * combinations of CF PF AF ZF SF OF and from real compares; lahf/sahf,
 * pushf/popf (32 and 16-bit), clc/stc/cmc, cld/std, and adc/sbb carry
 * chains.  SDM vol. 1 appendix B lists the condition codes. */
#include "asmtest.inc"

    .data
    .p2align 2
/* the 64 combinations of the six status flags, as popf operands */
fl64:
    .set i, 0
    .rept 64
    .long 2 | (i & 1) | ((i & 2) << 1) | ((i & 4) << 2) | ((i & 8) << 3) | ((i & 16) << 3) | ((i & 32) << 6)
    .set i, i + 1
    .endr
/* popf operands with DF set or clear and the flags in between */
dfvals:
    .long 0x002, 0x402, 0xcd7, 0x8d7, 0x403, 0x446
cmvmem:
    .long 0x0badf00d, 0xdeadbeef

    .text
/* all 16 setcc into mem..mem+15, then mix the 16 bytes */
.macro SETCC_ALL
    .set k, 0
    .irp cc, o,no,b,ae,e,ne,be,a,s,ns,p,np,l,ge,le,g
    set\cc mem + k
    .set k, k + 1
    .endr
    pushl %eax
    pushl %ebx
    pushl %ecx
    pushl %edx
    movl mem, %eax
    movl mem+4, %ebx
    movl mem+8, %ecx
    movl mem+12, %edx
    call ckmix
    popl %edx
    popl %ecx
    popl %ebx
    popl %eax
.endm

/* all 16 jcc: bit k of %edx set when condition k is false */
.macro JCC_ALL
    xorl %edx, %edx
    .set jbit, 1
    .irp cc, o,no,b,ae,e,ne,be,a,s,ns,p,np,l,ge,le,g
    j\cc 6f
    leal jbit(%edx), %edx      /* lea: leaves the flags alone */
6:
    .set jbit, jbit << 1
    .endr
    call ckmix
.endm

/* all 16 cmovcc chained through eax/ebx/ecx, then 16-bit and memory forms */
.macro CMOV_ALL
    .irp cc, o,no,b,ae,e,ne,be,a,s,ns,p,np,l,ge,le,g
    cmov\cc %eax, %ebx
    cmov\cc %ecx, %eax
    leal 0x01010101(%ebx, %eax, 2), %ecx
    .endr
    call ckmix
    .irp cc, o,no,b,ae,e,ne,be,a,s,ns,p,np,l,ge,le,g
    cmov\cc cmvmem, %eax
    cmov\cc %ax, %bx
    cmov\cc cmvmem+4, %cx
    leal 3(%eax, %ebx, 4), %eax
    .endr
    call ckmix
.endm

    .globl tests
tests:
    LOOPT(fl64, 64, $F_ALL, pushl %ecx; popfl; SETCC_ALL)
    REPORT("setcc-flags")
    LOOPT(fl64, 64, $F_ALL, pushl %ecx; popfl; JCC_ALL)
    REPORT("jcc-flags")
    LOOPT(fl64, 64, $F_ALL, pushl %ecx; popfl; CMOV_ALL)
    REPORT("cmov-flags")

    LOOP2($F_ALL, cmpl %ecx, %eax; SETCC_ALL)
    LOOP2($F_ALL, cmpw %cx, %ax; SETCC_ALL)
    LOOP2($F_ALL, cmpb %cl, %al; SETCC_ALL)
    REPORT("setcc-cmp")
    LOOP2($F_ALL, cmpl %ecx, %eax; JCC_ALL)
    LOOP2($F_ALL, subw %cx, %ax; JCC_ALL)
    LOOP2($F_ALL, subb %ch, %al; JCC_ALL)
    REPORT("jcc-cmp")
    LOOP2($F_ALL, cmpl %ecx, %eax; CMOV_ALL)
    LOOP2($F_ALL, addb %cl, %al; CMOV_ALL)
    REPORT("cmov-cmp")

    /* lahf: AH = SF:ZF:0:AF:0:PF:1:CF; sahf: the reverse (OF untouched) */
    LOOPT(fl64, 64, $F_ALL, pushl %ecx; popfl; lahf)
    LOOP2($F_ALL, movb %cl, %ah; sahf; lahf; movb %ch, %ah; sahf)
    LOOPT(fl64, 64, $F_ALL, movb %cl, %ah; sahf; setc %bl; setz %bh; lahf)
    REPORT("lahf-sahf")

    /* pushf/popf round trips, including DF, and the 16-bit forms */
    LOOPT(dfvals, 6, $(F_ALL | F_DF), pushl %ecx; popfl; pushfl; popl %ebx; cld)
    LOOPT(fl64, 64, $F_ALL, pushw %cx; popfw; pushfw; popw %bx; pushl %ecx; popfl; pushfl; popl %eax)
    LOOPT(fl64, 64, $(F_ALL | F_DF), pushl %ecx; popfl; std; pushfl; popl %eax; cld; pushfl; popl %ebx)
    REPORT("pushf-popf")

    /* clc / stc / cmc */
    LOOPT(fl64, 64, $F_ALL, pushl %ecx; popfl; clc; setc %al; stc; setc %ah; cmc; setc %bl; cmc; setc %bh; cmc)
    LOOPT(fl64, 64, $F_ALL, pushl %ecx; popfl; cmc; adcl $0, %eax; stc; sbbl %ecx, %ebx)
    REPORT("carry-ops")

    /* adc/sbb chains of 128-bit numbers, carry threaded through */
    LOOP2($F_ALL, \
        movl %eax, mem; movl %ecx, mem+4; movl %ebx, mem+8; movl %eax, mem+12; \
        addl %ecx, mem; adcl %ebx, mem+4; adcl %eax, mem+8; adcl %ecx, mem+12; \
        adcl mem+4, %eax; adcl mem+8, %ebx; adcl mem+12, %ecx; \
        sbbl mem, %eax; sbbl mem+4, %ebx; sbbl mem+8, %ecx; sbbl $0, mem+12; \
        adcw %ax, %bx; sbbw %cx, %bx; adcb %al, %ah; sbbb %cl, %ch; \
        setc %dl; sbbl %edx, %edx; movl mem+12, %edx; addl %edx, %eax)
    REPORT("adc-sbb-chain")

    /* the raw EFLAGS image user code sees: bit 1 always set, IF set */
    pushl $0x2
    popfl
    pushfl
    popl %eax
    andl $0x0fd7, %eax
    pushl %eax
    pushl $fmt_raw
    call printf
    addl $8, %esp
    ret

    .section .rodata
fmt_raw:
    .asciz "eflags after popf(2): %03x\n"

ASMTEST_MAIN
