/* guest-tests/progs/arith.S: integer ALU instructions in 8, 16 and 32 bits
 * (add or adc sbb and sub xor cmp test inc dec neg not), register, memory
 * and immediate forms including the short EAX/AL forms, sign-extended imm8
 * forms and the high-byte registers, with both carry-in states.  Flags
 * masks follow the SDM: all six status flags for add/sub/adc/sbb/cmp/neg/
 * inc/dec (inc/dec leave CF alone), AF undefined for and/or/xor/test, no
 * flag touched by not. */
#include "asmtest.inc"

/* ALU(op, mask): the register, memory and immediate forms of one
 * two-operand ALU instruction. */
#define ALU(op, mask) \
    LOOP2($mask, op##l %ecx, %eax); \
    LOOP2($mask, op##w %cx, %ax); \
    LOOP2($mask, op##b %cl, %al); \
    LOOP2($mask, op##b %ch, %ah; op##b %al, %bh); \
    LOOP2($mask, movl %eax, mem; op##l %ecx, mem; movl mem, %eax); \
    LOOP2($mask, movl %ecx, mem+4; op##w mem+4, %ax; op##b mem+5, %bl); \
    LOOP1($mask, op##l $0x12345678, %eax; op##w $0x7ff1, %cx); \
    LOOP1($mask, op##l $-3, %ecx; op##b $0x81, %al; op##w $-128, %bx); \
    LOOP1($mask, op##l $127, %ebx; op##b $1, %ch; op##b $0x7f, %cl); \
    LOOP1($mask, movl %eax, mem; op##l $0x80000000, mem; op##w $-2, mem+2; movl mem, %edx; op##b $0x55, mem+1; addl mem, %edx; movl %edx, %eax)

    .text
    .globl tests
tests:
    ALU(add, F_ALL)
    REPORT("add")
    ALU(or, F_LOGIC)
    REPORT("or")
    ALU(adc, F_ALL)
    REPORT("adc")
    ALU(sbb, F_ALL)
    REPORT("sbb")
    ALU(and, F_LOGIC)
    REPORT("and")
    ALU(sub, F_ALL)
    REPORT("sub")
    ALU(xor, F_LOGIC)
    REPORT("xor")
    ALU(cmp, F_ALL)
    REPORT("cmp")

    LOOP2($F_LOGIC, testl %ecx, %eax)
    LOOP2($F_LOGIC, testw %cx, %ax)
    LOOP2($F_LOGIC, testb %cl, %al)
    LOOP2($F_LOGIC, testb %ch, %ah)
    LOOP2($F_LOGIC, movl %ecx, mem; testl %eax, mem)
    LOOP1($F_LOGIC, testl $0x80000001, %eax)
    LOOP1($F_LOGIC, testw $0x8000, %ax)
    LOOP1($F_LOGIC, testb $0x81, %al)
    LOOP1($F_LOGIC, testl $0x00ff00ff, %ebx)
    LOOP1($F_LOGIC, testb $0x80, %bh)
    REPORT("test")

    LOOP1($F_ALL, incl %eax)
    LOOP1($F_ALL, incw %ax)
    LOOP1($F_ALL, incb %al)
    LOOP1($F_ALL, incb %ah)
    LOOP1($F_ALL, movl %eax, mem; incl mem; movl mem, %eax)
    LOOP1($F_ALL, movl %eax, mem; incw mem; incb mem+3; movl mem, %eax)
    LOOP1($F_ALL, incl %ebx; incl %ecx)
    REPORT("inc")

    LOOP1($F_ALL, decl %eax)
    LOOP1($F_ALL, decw %ax)
    LOOP1($F_ALL, decb %al)
    LOOP1($F_ALL, decb %bh)
    LOOP1($F_ALL, movl %eax, mem; decl mem; movl mem, %eax)
    LOOP1($F_ALL, movl %eax, mem; decw mem+2; decb mem; movl mem, %eax)
    LOOP1($F_ALL, decl %ebx; decl %ecx)
    REPORT("dec")

    LOOP1($F_ALL, negl %eax)
    LOOP1($F_ALL, negw %ax)
    LOOP1($F_ALL, negb %al)
    LOOP1($F_ALL, negb %ah)
    LOOP1($F_ALL, movl %eax, mem; negl mem; movl mem, %eax)
    LOOP1($F_ALL, movl %eax, mem; negw mem; movl mem, %eax)
    LOOP1($F_ALL, movl %eax, mem; negb mem+1; movl mem, %eax)
    REPORT("neg")

    LOOP1($F_ALL, notl %eax)
    LOOP1($F_ALL, notw %ax; notb %bl)
    LOOP1($F_ALL, notb %ch; notb %al)
    LOOP1($F_ALL, movl %eax, mem; notl mem; notw mem+1; movl mem, %eax)
    REPORT("not")

    /* multi-word arithmetic: 96-bit add and subtract chains */
    LOOP2($F_ALL, movl %eax, mem; movl %ecx, mem+4; movl %ebx, mem+8; \
          addl %ecx, mem; adcl %eax, mem+4; adcl %ecx, mem+8; \
          sbbl %eax, mem; sbbl %ebx, mem+4; sbbl $7, mem+8; \
          movl mem, %eax; movl mem+4, %ebx; movl mem+8, %ecx)
    LOOP2($F_ALL, addw %cx, %ax; adcw %ax, %bx; adcb %ah, %cl; sbbb %bl, %ch; sbbw $1, %ax)
    REPORT("chain")
    ret

ASMTEST_MAIN
