/* guest-tests/progs/bitops.S: bt, bts, btr, btc (register and immediate bit
 * offsets; register destinations take the offset modulo the width, memory
 * destinations with a register offset address bits outside the operand,
 * including negative offsets), bsf, bsr and bswap.  After bt* only CF is
 * defined and ZF is unchanged; after bsf/bsr only ZF is defined and the
 * destination is undefined for a zero source, so it is replaced by -1
 * (with cmovz) before the check.  SDM vol. 2, BT/BTS/BTR/BTC, BSF/BSR. */
#include "asmtest.inc"

#define F_BT (F_CF | F_ZF)
#define NOFFS 16

    .data
    .p2align 2
offs:                   /* bit offsets for the memory forms: +-128 bits */
    .long -128, -100, -33, -32, -1, 0, 1, 7, 15, 16, 31, 32, 63, 64, 100, 127
bitarr:                 /* 8 dwords; the operand is bitarr+16 */
    .long 0, 0, 0, 0, 0, 0, 0, 0, 0

    .text
/* bitarr[i] = eax rotated by 3*i, xor ebx; preserves registers */
bitarr_fill:
    pushl %eax
    pushl %ecx
    xorl %ecx, %ecx
1:  movl %eax, bitarr(,%ecx,4)
    xorl %ebx, bitarr(,%ecx,4)
    roll $3, %eax
    incl %ecx
    cmpl $8, %ecx
    jb 1b
    popl %ecx
    popl %eax
    ret

/* ebx = rolling xor of bitarr; preserves other registers and the flags */
bitarr_sum:
    pushfl
    pushl %ecx
    xorl %ebx, %ebx
    xorl %ecx, %ecx
1:  roll $7, %ebx
    xorl bitarr(,%ecx,4), %ebx
    incl %ecx
    cmpl $8, %ecx
    jb 1b
    popl %ecx
    popfl
    ret

/* BTREG(op): register forms */
#define BTREG(op) \
    LOOP2($F_BT, op##l %ecx, %eax); \
    LOOP2($F_BT, op##w %cx, %ax); \
    LOOP2($F_BT, op##l %eax, %ebx; setc %cl); \
    LOOP1($F_BT, op##l $0, %eax; setc %cl; op##l $31, %ebx; setc %ch); \
    LOOP1($F_BT, op##l $45, %eax; adcl $0, %ecx; op##w $13, %bx; setc %ch); \
    LOOP1($F_BT, op##w $17, %ax; setc %cl; op##l $7, %ebx; setc %ch)

/* BTMEM(op): memory forms; the register offset reaches other dwords */
#define BTMEM(op) \
    LOOPT(offs, NOFFS, $F_BT, call bitarr_fill; op##l %ecx, bitarr+16; setc %al; call bitarr_sum); \
    LOOPT(offs, NOFFS, $F_BT, call bitarr_fill; op##w %cx, bitarr+16; setc %al; call bitarr_sum); \
    LOOPT(offs, NOFFS, $F_BT, call bitarr_fill; op##l $33, bitarr+16; setc %al; op##w $18, bitarr+6; adcb $0, %al; call bitarr_sum); \
    LOOPT(offs, NOFFS, $F_BT, movl $bitarr+16, %edx; call bitarr_fill; op##l %ecx, (%edx); setc %al; movzbl %al, %eax; op##l %eax, 4(%edx); call bitarr_sum)

    .globl tests
tests:
    BTREG(bt)
    BTMEM(bt)
    REPORT("bt")
    BTREG(bts)
    BTMEM(bts)
    REPORT("bts")
    BTREG(btr)
    BTMEM(btr)
    REPORT("btr")
    BTREG(btc)
    BTMEM(btc)
    REPORT("btc")

    LOOP2($F_ZF, bsfl %ecx, %ebx; movl $-1, %edx; cmovzl %edx, %ebx)
    LOOP2($F_ZF, bsfw %cx, %bx; movl $-1, %edx; cmovzl %edx, %ebx)
    LOOP2($F_ZF, movl %ecx, mem; bsfl mem, %eax; movl $-1, %edx; cmovzl %edx, %eax)
    LOOP2($F_ZF, movl %ecx, mem; bsfw mem+2, %ax; movl $-1, %edx; cmovzl %edx, %eax)
    REPORT("bsf")
    LOOP2($F_ZF, bsrl %ecx, %ebx; movl $-1, %edx; cmovzl %edx, %ebx)
    LOOP2($F_ZF, bsrw %cx, %bx; movl $-1, %edx; cmovzl %edx, %ebx)
    LOOP2($F_ZF, movl %ecx, mem; bsrl mem, %eax; movl $-1, %edx; cmovzl %edx, %eax)
    LOOP2($F_ZF, movl %ecx, mem; bsrw mem+1, %ax; movl $-1, %edx; cmovzl %edx, %eax)
    REPORT("bsr")

    LOOP1($F_ALL, bswapl %eax; bswapl %ebx; bswapl %ecx)
    LOOP1($F_ALL, bswapl %edx; bswapl %esp; bswapl %esp; bswapl %ebp; bswapl %ebp; bswapl %esi; bswapl %esi; bswapl %edi; bswapl %edi; bswapl %eax)
    REPORT("bswap")
    ret

ASMTEST_MAIN
