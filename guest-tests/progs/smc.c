/* guest-tests/progs/smc.c: self-modifying code.  The code it rewrites lives
 * in a section that is writable and executable (".smc", flags "awx"; the
 * linker gives it its own RWX segment), so no special link flags are
 * needed.  Four cases, each printing its results:
 *   1. patch an instruction's immediate and opcode, call, repeat (cold);
 *   2. run a routine until it is hot (a translator will have translated
 *      it), patch it, run it hot again, several times;
 *   3. a store that rewrites the very next instruction of the same basic
 *      block (x86 guarantees the new bytes execute; SDM vol. 3, 8.1.3);
 *   4. "JIT": assemble small functions into a buffer and run them, reusing
 *      the buffer for different code.
 * Size argument: more calls in the hot phases. */
#include "rt.h"

__asm__(
    "    .section .smc, \"awx\", @progbits\n"
    "    .globl smc_op, smc_insn, smc_next, smc_next_imm, smc_loop, smc_loop_step, jit_buf\n"
    /* int smc_op(int x): x <op> imm32 with an EAX short-form ALU opcode */
    "smc_op:\n"
    "    movl 4(%esp), %eax\n"
    "smc_insn:\n"
    "    .byte 0x05\n"                  /* addl $imm32, %eax */
    "    .long 0x11111111\n"
    "    ret\n"
    /* int smc_next(int v): stores v into the immediate of the next
     * instruction and executes it, without any jump in between */
    "smc_next:\n"
    "    movl 4(%esp), %ecx\n"
    "    movl %ecx, smc_next_imm\n"
    "    .byte 0xb8\n"                  /* movl $imm32, %eax */
    "smc_next_imm:\n"
    "    .long 0\n"
    "    ret\n"
    /* int smc_loop(int n): a loop whose body adds the immediate at
     * smc_loop_step; the loop itself rewrites that immediate every
     * iteration (step = step * 2 + 1, wrapping through 8 bits) */
    "smc_loop:\n"
    "    movl 4(%esp), %ecx\n"
    "    xorl %eax, %eax\n"
    "1:  .byte 0x05\n"                  /* addl $imm32, %eax */
    "smc_loop_step:\n"
    "    .long 1\n"
    "    movl smc_loop_step, %edx\n"
    "    leal 1(%edx,%edx), %edx\n"
    "    movzbl %dl, %edx\n"
    "    movl %edx, smc_loop_step\n"
    "    loop 1b\n"
    "    ret\n"
    "    .p2align 4\n"
    "jit_buf:\n"
    "    .space 256, 0xcc\n"            /* int3 filler */
    "    .text\n");

extern int smc_op(int);
extern int smc_next(int);
extern int smc_loop(int);
extern unsigned char smc_insn[], smc_next_imm[], smc_loop_step[], jit_buf[];

static void patch32(unsigned char *at, uint32_t v)
{
    volatile unsigned char *p = at;
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The EAX short forms: add, or, and, sub, xor (adc/sbb would depend on the
 * carry left by the caller). */
static const unsigned char alu_ops[] = { 0x05, 0x0d, 0x25, 0x2d, 0x35 };
static const char *const alu_names[] = { "add", "or", "and", "sub", "xor" };

typedef int (*jit_fn)(int);

/* assembles `movl 4(%esp), %eax; (imul $k, %eax, %eax;)? addl $c, %eax; ret` */
static jit_fn jit_affine(int mul, int add)
{
    volatile unsigned char *p = jit_buf;
    unsigned n = 0;
    p[n++] = 0x8b; p[n++] = 0x44; p[n++] = 0x24; p[n++] = 0x04;   /* movl 4(%esp), %eax */
    if (mul != 1) {
        p[n++] = 0x69; p[n++] = 0xc0;                             /* imul $imm32, %eax, %eax */
        patch32((unsigned char *)jit_buf + n, (uint32_t)mul);
        n += 4;
    }
    p[n++] = 0x05;                                                /* addl $imm32, %eax */
    patch32((unsigned char *)jit_buf + n, (uint32_t)add);
    n += 4;
    p[n++] = 0xc3;                                                /* ret */
    return (jit_fn)(void *)jit_buf;
}

/* assembles a loop: eax = sum of i*k for i = n..1 */
static jit_fn jit_sum(int k)
{
    static const unsigned char code[] = {
        0x8b, 0x4c, 0x24, 0x04,             /* movl 4(%esp), %ecx */
        0x31, 0xc0,                         /* xorl %eax, %eax */
        0x85, 0xc9,                         /* testl %ecx, %ecx */
        0x74, 0x0b,                         /* jz done */
        0x69, 0xd1, 0, 0, 0, 0,             /* loop: imul $k, %ecx, %edx */
        0x01, 0xd0,                         /* addl %edx, %eax */
        0x49,                               /* decl %ecx */
        0x75, 0xf5,                         /* jnz loop */
        0xc3,                               /* done: ret */
    };
    volatile unsigned char *p = jit_buf;
    for (unsigned i = 0; i < sizeof code; i++)
        p[i] = code[i];
    patch32((unsigned char *)jit_buf + 12, (uint32_t)k);
    return (jit_fn)(void *)jit_buf;
}

int main(int argc, char **argv)
{
    int scale = rt_scale(argc, argv);

    /* 1. cold patching of opcode and immediate */
    uint32_t ck = 0;
    for (int k = 0; k < 20; k++) {
        unsigned op = (unsigned)k % 5;
        uint32_t imm = 0x01010101u * (uint32_t)k + 0x00ff00f0u;
        smc_insn[0] = alu_ops[op];
        patch32(smc_insn + 1, imm);
        int r = smc_op(0x12345678 + k);
        ck = rt_mix(ck, (uint32_t)r);
        if (k < 6)
            printf("cold %d: %s $%08x -> %08x\n", k, alu_names[op], imm, (uint32_t)r);
    }
    printf("cold checksum %08x\n", ck);

    /* 2. hot, patch, hot again */
    for (int phase = 0; phase < 6; phase++) {
        smc_insn[0] = alu_ops[phase % 5];
        patch32(smc_insn + 1, 0x9e3779b9u * (uint32_t)(phase + 1));
        uint32_t sum = 0;
        for (int i = 0; i < 300 * scale; i++)
            sum = sum * 3 + (uint32_t)smc_op(i);
        printf("hot phase %d (%s): %08x\n", phase, alu_names[phase % 5], sum);
    }

    /* 3. rewriting the next instruction */
    uint32_t seen = 0;
    for (int i = 0; i < 50; i++)
        seen = seen * 5 + (uint32_t)smc_next(i * 7 + 1);
    printf("next-instruction patch: smc_next(99) = %d, sequence %08x\n", smc_next(99), seen);
    /* and the same code hot */
    for (int i = 0; i < 200 * scale; i++)
        seen += (uint32_t)smc_next(i);
    printf("hot next-instruction patch: %08x\n", seen);

    /* the loop that rewrites its own body */
    printf("self-rewriting loop: %d %d\n", smc_loop(10), smc_loop(100 * scale));

    /* 4. JIT into a buffer, reused */
    uint32_t jck = 0;
    for (int k = 0; k < 12; k++) {
        jit_fn f = jit_affine(k % 3 == 0 ? 1 : k * 3 - 7, 1000 * k - 5);
        int r1 = f(k), r2 = f(-k * 11);
        jit_fn g = jit_sum(k + 1);
        int r3 = g(30 + k);
        jck = rt_mix(rt_mix(rt_mix(jck, (uint32_t)r1), (uint32_t)r2), (uint32_t)r3);
        if (k < 4)
            printf("jit %d: affine %d %d, sum %d\n", k, r1, r2, r3);
    }
    printf("jit checksum %08x\n", jck);
    return 0;
}
