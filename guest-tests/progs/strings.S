/* guest-tests/progs/strings.S: the string instructions movs, stos, lods,
 * cmps and scas in byte, word and dword sizes, plain and with rep / repe /
 * repne, with DF clear and set, counts 0, 1, 2, 5, 16 and 33, on separate
 * and on overlapping (misaligned) buffers.  Each run checks the final ESI,
 * EDI, ECX, EAX, the flags (cmps/scas set them like cmp; the others leave
 * them alone; DF included) and a checksum of the destination buffer. */
#include "asmtest.inc"

#define BUFSZ 256

    .data
    .p2align 2
counts:
    .long 0, 1, 2, 5, 16, 33
#define NCOUNTS 6
/* run state */
s_stub:   .long 0
s_cnt:    .long 0
s_df:     .long 0
s_var:    .long 0

    .bss
    .p2align 4
srcbuf: .space BUFSZ
dstbuf: .space BUFSZ

    .text
/* ---- the instructions under test: entered with ESI, EDI, ECX, EAX and
 * the flags set up; they must not touch the flags themselves ------------- */
#define STUB(name, ...) name: __VA_ARGS__; ret
STUB(t_movsb, movsb)
STUB(t_movsw, movsw)
STUB(t_movsl, movsl)
STUB(t_rmovsb, rep movsb)
STUB(t_rmovsw, rep movsw)
STUB(t_rmovsl, rep movsl)
STUB(t_stosb, stosb)
STUB(t_stosw, stosw)
STUB(t_stosl, stosl)
STUB(t_rstosb, rep stosb)
STUB(t_rstosw, rep stosw)
STUB(t_rstosl, rep stosl)
STUB(t_lodsb, lodsb)
STUB(t_lodsw, lodsw)
STUB(t_lodsl, lodsl)
STUB(t_rlodsb, rep lodsb)
STUB(t_rlodsw, rep lodsw)
STUB(t_rlodsl, rep lodsl)
STUB(t_cmpsb, cmpsb)
STUB(t_cmpsw, cmpsw)
STUB(t_cmpsl, cmpsl)
STUB(t_recmpsb, repe cmpsb)
STUB(t_recmpsw, repe cmpsw)
STUB(t_recmpsl, repe cmpsl)
STUB(t_rncmpsb, repne cmpsb)
STUB(t_rncmpsw, repne cmpsw)
STUB(t_rncmpsl, repne cmpsl)
STUB(t_scasb, scasb)
STUB(t_scasw, scasw)
STUB(t_scasl, scasl)
STUB(t_rescasb, repe scasb)
STUB(t_rescasw, repe scasw)
STUB(t_rescasl, repe scasl)
STUB(t_rnscasb, repne scasb)
STUB(t_rnscasw, repne scasw)
STUB(t_rnscasl, repne scasl)
/* two in a row, and the byte forms writing through the same buffer */
STUB(t_mixed, movsl; stosb; lodsw; movsb; scasl; cmpsw)

    .data
    .p2align 2
st_movs:  .long t_movsb, t_movsw, t_movsl, t_rmovsb, t_rmovsw, t_rmovsl
st_stos:  .long t_stosb, t_stosw, t_stosl, t_rstosb, t_rstosw, t_rstosl
st_lods:  .long t_lodsb, t_lodsw, t_lodsl, t_rlodsb, t_rlodsw, t_rlodsl
st_cmps:  .long t_cmpsb, t_cmpsw, t_cmpsl, t_recmpsb, t_recmpsw, t_recmpsl
          .long t_rncmpsb, t_rncmpsw, t_rncmpsl
st_scas:  .long t_scasb, t_scasw, t_scasl, t_rescasb, t_rescasw, t_rescasl
          .long t_rnscasb, t_rnscasw, t_rnscasl
st_mixed: .long t_mixed

    .text
/* fill_bufs: src[i] = i * 0x01030507 + 0x11223344 (dwords), dst = src
 * except for a few dwords; preserves every register but the flags */
fill_bufs:
    pushal
    xorl %ecx, %ecx
    movl $0x11223344, %eax
1:  movl %eax, srcbuf(,%ecx,4)
    movl %eax, dstbuf(,%ecx,4)
    addl $0x01030507, %eax
    incl %ecx
    cmpl $BUFSZ / 4, %ecx
    jb 1b
    xorl $0x00100000, dstbuf + 4 * 20
    xorl $0x80, dstbuf + 4 * 40
    notl dstbuf + 4 * 45
    movl $0x5a5a5a5a, dstbuf + 4 * 24
    popal
    ret

/* run_one: one run of the stub s_stub with count s_cnt, DF s_df and
 * variant s_var (0: src -> dst, scan for dst[24]; 1: within dst, 5 bytes
 * apart, scan for dst[40]; both with all status flags set on entry when
 * the count index is odd) and fold everything into the checksum. */
run_one:
    pushal
    call fill_bufs
    movl s_cnt, %ecx
    movl counts(,%ecx,4), %ecx
    movl $64, %edx
    cmpl $0, s_df
    je 1f
    movl $192, %edx
1:  cmpl $0, s_var
    jne 2f
    leal srcbuf(%edx), %esi
    leal dstbuf(%edx), %edi
    movl dstbuf + 4 * 24, %eax
    jmp 3f
2:  leal dstbuf(%edx), %esi
    leal dstbuf+5(%edx), %edi
    movl dstbuf + 4 * 40, %eax
3:  movl s_cnt, %edx
    andl $1, %edx
    negl %edx
    andl $F_ALL, %edx
    orl $2, %edx
    cmpl $0, s_df
    je 4f
    orl $F_DF, %edx
4:  pushl %edx
    movl s_stub, %edx
    popfl
    call *%edx
    pushfl
    popl %edx
    cld
    andl $(F_ALL | F_DF), %edx
    movl %esi, %ebx             /* final pointers, relative to srcbuf */
    subl $srcbuf, %ebx
    call ckmix
    movl %edi, %ebx
    subl $srcbuf, %ebx
    call ckmix
    /* checksum of dst into ebx */
    xorl %ebx, %ebx
    xorl %edx, %edx
5:  roll $5, %ebx
    addl dstbuf(,%edx,4), %ebx
    incl %edx
    cmpl $BUFSZ / 4, %edx
    jb 5b
    call ckmix
    popal
    ret

/* run_table(table, n): every stub of the table, every count, both DF
 * values, both variants */
run_table:
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 16(%esp), %esi         /* table */
    movl 20(%esp), %edi         /* n */
6:  movl (%esi), %eax
    movl %eax, s_stub
    movl $0, s_cnt
7:  movl $0, s_df
8:  movl $0, s_var
9:  call run_one
    incl s_var
    cmpl $2, s_var
    jb 9b
    incl s_df
    cmpl $2, s_df
    jb 8b
    incl s_cnt
    cmpl $NCOUNTS, s_cnt
    jb 7b
    addl $4, %esi
    decl %edi
    jnz 6b
    popl %edi
    popl %esi
    popl %ebx
    ret

#define RUN(table, n, name) \
    pushl $n; pushl $table; call run_table; addl $8, %esp; REPORT(name)

    .globl tests
tests:
    RUN(st_movs, 6, "movs")
    RUN(st_stos, 6, "stos")
    RUN(st_lods, 6, "lods")
    RUN(st_cmps, 9, "cmps")
    RUN(st_scas, 9, "scas")
    RUN(st_mixed, 1, "mixed")
    ret

ASMTEST_MAIN
