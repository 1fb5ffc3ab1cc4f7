/* guest-tests/progs/shifts.S: shl/sal, shr, sar, rol, ror, rcl, rcr in 8, 16
 * and 32 bits by CL (counts 0, 1, >1, = and > the width, >= 32 which the
 * CPU masks to 5 bits), by 1 and by immediates, register and memory forms;
 * shld/shrd in 16 and 32 bits.  Flag masks per count follow the SDM
 * (vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD): a masked count
 * of 0 changes nothing; OF is defined only for count 1; AF is undefined
 * for every non-zero shift; CF is undefined for shl/shr (and masked here
 * for sar too) when the count is >= the width; rotates only touch CF/OF.
 * 16-bit shld/shrd with a count above 16 is undefined and not tested. */
#include "asmtest.inc"

#define CNTS 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 255
#define NCNTS 16
/* counts whose 5-bit mask stays below 16, for 16-bit shld/shrd */
#define CNTS16 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 14, 15, 32, 33, 39, 47
#define NCNTS16 16

#define MC(c) ((c) & 31)
/* gas comparisons give -1 for true, 0 for false */
.macro SHMASKS w, counts:vararg
    .irp c, \counts
    .long ((MC(\c) == 0) & F_ALL) | ((MC(\c) == 1) & 0x8c5) | (((MC(\c) > 1) & (MC(\c) < \w)) & 0xc5) | ((MC(\c) >= \w) & 0xc4)
    .endr
.endm
.macro ROTMASKS counts:vararg
    .irp c, \counts
    .long ((MC(\c) <= 1) & F_ALL) | ((MC(\c) > 1) & (F_ALL & ~F_OF))
    .endr
.endm

    .data
    .p2align 2
cnts:
    .irp c, CNTS
    .long \c
    .endr
cnts16:
    .irp c, CNTS16
    .long \c
    .endr
sh8:    SHMASKS 8, CNTS
sh16:   SHMASKS 16, CNTS
sh32:   SHMASKS 32, CNTS
shd16:  SHMASKS 17, CNTS16
rot:    ROTMASKS CNTS

    .text
    .globl tests
tests:
/* SHIFT(op, masks): one shift by CL in all widths and forms */
#define SHIFT(op, m8, m16, m32) \
    LOOPT(cnts, NCNTS, m32(,%edi,4), op##l %cl, %eax); \
    LOOPT(cnts, NCNTS, m16(,%edi,4), op##w %cl, %ax); \
    LOOPT(cnts, NCNTS, m8(,%edi,4), op##b %cl, %al); \
    LOOPT(cnts, NCNTS, m8(,%edi,4), op##b %cl, %bh); \
    LOOPT(cnts, NCNTS, m32(,%edi,4), movl %eax, mem; op##l %cl, mem; movl mem, %eax); \
    LOOPT(cnts, NCNTS, m16(,%edi,4), movl %eax, mem; op##w %cl, mem+1; movl mem, %eax); \
    LOOPT(cnts, NCNTS, m8(,%edi,4), movl %eax, mem; op##b %cl, mem+3; movl mem, %eax)

    SHIFT(shl, sh8, sh16, sh32)
    REPORT("shl")
    SHIFT(shr, sh8, sh16, sh32)
    REPORT("shr")
    SHIFT(sar, sh8, sh16, sh32)
    REPORT("sar")
    SHIFT(rol, rot, rot, rot)
    REPORT("rol")
    SHIFT(ror, rot, rot, rot)
    REPORT("ror")
    SHIFT(rcl, rot, rot, rot)
    REPORT("rcl")
    SHIFT(rcr, rot, rot, rot)
    REPORT("rcr")

    /* by 1 (the D0/D1 encodings) and by immediates (C0/C1) */
    LOOP1($0x8c5, shll %eax; shrw %cx; sarb %bl)
    LOOP1($0x8c5, sall $1, %eax; shrl $1, %ecx; sarl $1, %ebx)
    LOOP1($0xc5, shll $5, %eax; shrw $3, %cx; sarb $7, %bl)
    LOOP1($0xc5, shll $31, %eax; shrl $31, %ecx; sarl $30, %ebx)
    LOOP1($0xc5, movl %eax, mem; shrl $9, mem; sarw $15, mem+2; shlb $3, mem; movl mem, %eax)
    LOOP1($F_ALL, roll %eax; rorw %cx; rclb %bl; rcrl %ecx)
    LOOP1($(F_ALL & ~F_OF), roll $8, %eax; rorw $4, %cx; rclb $3, %bl; rcrl $17, %ecx)
    LOOP1($(F_ALL & ~F_OF), movl %eax, mem; rcll $31, mem; rorb $7, mem+1; rclw $16, mem+2; movl mem, %eax)
    LOOP1($F_ALL, shll $0, %eax; rcrl $0, %ebx)
    REPORT("shift-imm")

    /* shld/shrd dest, src = EAX/mem, EBX */
    LOOPT(cnts, NCNTS, sh32(,%edi,4), shldl %cl, %ebx, %eax)
    LOOPT(cnts, NCNTS, sh32(,%edi,4), movl %eax, mem; shldl %cl, %ebx, mem; movl mem, %eax)
    LOOPT(cnts16, NCNTS16, shd16(,%edi,4), shldw %cl, %bx, %ax)
    LOOPT(cnts16, NCNTS16, shd16(,%edi,4), movl %eax, mem; shldw %cl, %bx, mem+2; movl mem, %eax)
    LOOP1($0x8c5, shldl $1, %ebx, %eax)
    LOOP1($0xc5, shldl $13, %ebx, %eax; shldw $7, %ax, %cx)
    REPORT("shld")
    LOOPT(cnts, NCNTS, sh32(,%edi,4), shrdl %cl, %ebx, %eax)
    LOOPT(cnts, NCNTS, sh32(,%edi,4), movl %eax, mem; shrdl %cl, %ebx, mem; movl mem, %eax)
    LOOPT(cnts16, NCNTS16, shd16(,%edi,4), shrdw %cl, %bx, %ax)
    LOOPT(cnts16, NCNTS16, shd16(,%edi,4), movl %eax, mem; shrdw %cl, %bx, mem+1; movl mem, %eax)
    LOOP1($0x8c5, shrdl $1, %ebx, %eax)
    LOOP1($0xc5, shrdl $31, %ebx, %eax; shrdw $15, %ax, %cx)
    REPORT("shrd")

    /* a 96-bit shift through rcl/rcr chains */
    LOOP2($F_ALL, clc; rcll %eax; rcll %ebx; rcll %ecx; rcrl %ecx; rcrl %ebx; rcrl %eax; rcrl %ecx)
    REPORT("rcx-chain")
    ret

ASMTEST_MAIN
