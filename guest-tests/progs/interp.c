/* guest-tests/progs/interp.c: a bytecode interpreter: a stack machine with
 * locals, calls and conditional jumps, dispatched by a switch (a jump
 * table).  Runs small programs assembled at start-up: iterative and
 * recursive Fibonacci, gcd, a prime count, a bubble sort on VM memory.
 * Size argument: larger problem sizes for the loops. */
#include "rt.h"

enum op { PUSH, POP, DUP, SWAP, OVER, ADD, SUB, MUL, DIV, MOD, AND, OR, XOR,
          SHL, SHR, LT, EQ, NOT, JMP, JZ, JNZ, CALL, RET, LDL, STL, LDM, STM,
          HALT, NOPS };

#define STACK 1024
#define FRAMES 256
#define MEMW 256

struct vm {
    int32_t st[STACK];
    int sp;
    struct { int ret, base; } fr[FRAMES];
    int fp;
    int32_t locals[FRAMES * 8];
    int32_t mem[MEMW];
    unsigned long long steps;
};

static int32_t code[512];
static int ncode;

static int emit(int op, int32_t arg)
{
    int at = ncode;
    code[ncode++] = op;
    if (op == PUSH || op == JMP || op == JZ || op == JNZ || op == CALL || op == LDL || op == STL)
        code[ncode++] = arg;
    return at;
}

static int32_t run(struct vm *m, int pc)
{
    m->sp = 0;
    m->fp = 0;
    for (;;) {
        int32_t a, b;
        m->steps++;
        switch (code[pc++]) {
        case PUSH: m->st[m->sp++] = code[pc++]; break;
        case POP: m->sp--; break;
        case DUP: m->st[m->sp] = m->st[m->sp - 1]; m->sp++; break;
        case SWAP: a = m->st[m->sp - 1]; m->st[m->sp - 1] = m->st[m->sp - 2]; m->st[m->sp - 2] = a; break;
        case OVER: m->st[m->sp] = m->st[m->sp - 2]; m->sp++; break;
#define BIN(OP, expr) case OP: b = m->st[--m->sp]; a = m->st[m->sp - 1]; m->st[m->sp - 1] = (expr); break
        BIN(ADD, (int32_t)((uint32_t)a + (uint32_t)b));
        BIN(SUB, (int32_t)((uint32_t)a - (uint32_t)b));
        BIN(MUL, (int32_t)((uint32_t)a * (uint32_t)b));
        BIN(DIV, b ? a / b : 0);
        BIN(MOD, b ? a % b : 0);
        BIN(AND, a & b);
        BIN(OR, a | b);
        BIN(XOR, a ^ b);
        BIN(SHL, (int32_t)((uint32_t)a << (b & 31)));
        BIN(SHR, (int32_t)((uint32_t)a >> (b & 31)));
        BIN(LT, a < b);
        BIN(EQ, a == b);
        case NOT: m->st[m->sp - 1] = !m->st[m->sp - 1]; break;
        case JMP: pc = code[pc]; break;
        case JZ: pc = m->st[--m->sp] ? pc + 1 : code[pc]; break;
        case JNZ: pc = m->st[--m->sp] ? code[pc] : pc + 1; break;
        case CALL:
            m->fr[m->fp].ret = pc + 1;
            m->fp++;
            /* argument: top of stack becomes local 0 of the new frame */
            m->locals[m->fp * 8] = m->st[--m->sp];
            pc = code[pc];
            break;
        case RET:
            if (m->fp == 0)
                return m->st[m->sp - 1];
            m->fp--;
            pc = m->fr[m->fp].ret;
            break;
        case LDL: m->st[m->sp++] = m->locals[m->fp * 8 + code[pc++]]; break;
        case STL: m->locals[m->fp * 8 + code[pc++]] = m->st[--m->sp]; break;
        case LDM: m->st[m->sp - 1] = m->mem[m->st[m->sp - 1] & (MEMW - 1)]; break;
        case STM: b = m->st[--m->sp]; a = m->st[--m->sp]; m->mem[a & (MEMW - 1)] = b; break;
        case HALT: return m->st[m->sp - 1];
        default: return -1;
        }
    }
}

/* patch the argument of the jump at `at` to point here */
static void here(int at)
{
    code[at + 1] = ncode;
}

static int prog_fib_iter(int n)        /* a=0 b=1; n times: a,b = b,a+b */
{
    int start = ncode;
    emit(PUSH, 0); emit(STL, 1);
    emit(PUSH, 1); emit(STL, 2);
    emit(PUSH, n); emit(STL, 0);
    int top = ncode;
    emit(LDL, 0); int jz = emit(JZ, 0);
    emit(LDL, 1); emit(LDL, 2); emit(DUP, 0); emit(STL, 1); emit(ADD, 0); emit(STL, 2);
    emit(LDL, 0); emit(PUSH, 1); emit(SUB, 0); emit(STL, 0);
    emit(JMP, top);
    here(jz);
    emit(LDL, 1); emit(HALT, 0);
    return start;
}

static int prog_fib_rec(int n)         /* fib(x) = x < 2 ? x : fib(x-1)+fib(x-2) */
{
    int start = ncode;
    emit(PUSH, n);
    int call = emit(CALL, 0);
    emit(HALT, 0);
    int fn = ncode;
    code[call + 1] = fn;
    emit(LDL, 0); emit(PUSH, 2); emit(LT, 0); int jz = emit(JZ, 0);
    emit(LDL, 0); emit(RET, 0);
    here(jz);
    emit(LDL, 0); emit(PUSH, 1); emit(SUB, 0); emit(CALL, fn);
    emit(LDL, 0); emit(PUSH, 2); emit(SUB, 0); emit(CALL, fn);
    emit(ADD, 0); emit(RET, 0);
    return start;
}

static int prog_primes(int n)          /* count primes < n by trial division */
{
    int start = ncode;
    emit(PUSH, 0); emit(STL, 3);           /* count */
    emit(PUSH, 2); emit(STL, 0);           /* i */
    int outer = ncode;
    emit(LDL, 0); emit(PUSH, n); emit(LT, 0); int done = emit(JZ, 0);
    emit(PUSH, 2); emit(STL, 1);           /* d */
    int inner = ncode;
    emit(LDL, 1); emit(LDL, 1); emit(MUL, 0); emit(LDL, 0); emit(SWAP, 0); emit(LT, 0);
    int isprime = emit(JNZ, 0);             /* d*d > i */
    emit(LDL, 0); emit(LDL, 1); emit(MOD, 0); int notprime = emit(JZ, 0);
    emit(LDL, 1); emit(PUSH, 1); emit(ADD, 0); emit(STL, 1); emit(JMP, inner);
    here(isprime);
    emit(LDL, 3); emit(PUSH, 1); emit(ADD, 0); emit(STL, 3);
    here(notprime);
    emit(LDL, 0); emit(PUSH, 1); emit(ADD, 0); emit(STL, 0); emit(JMP, outer);
    here(done);
    emit(LDL, 3); emit(HALT, 0);
    return start;
}

static int prog_gcd_sum(int n)         /* sum of gcd(i, 360) for i < n */
{
    int start = ncode;
    emit(PUSH, 0); emit(STL, 3);
    emit(PUSH, 1); emit(STL, 0);
    int outer = ncode;
    emit(LDL, 0); emit(PUSH, n); emit(LT, 0); int done = emit(JZ, 0);
    emit(LDL, 0); emit(STL, 1); emit(PUSH, 360); emit(STL, 2);
    int loop = ncode;
    emit(LDL, 2); int out = emit(JZ, 0);
    emit(LDL, 1); emit(LDL, 2); emit(MOD, 0); emit(LDL, 2); emit(STL, 1); emit(STL, 2);
    emit(JMP, loop);
    here(out);
    emit(LDL, 3); emit(LDL, 1); emit(ADD, 0); emit(STL, 3);
    emit(LDL, 0); emit(PUSH, 1); emit(ADD, 0); emit(STL, 0); emit(JMP, outer);
    here(done);
    emit(LDL, 3); emit(HALT, 0);
    return start;
}

static int prog_sort(int n)            /* fill mem with an LCG, bubble sort, checksum */
{
    int start = ncode;
    emit(PUSH, 12345); emit(STL, 2);
    emit(PUSH, 0); emit(STL, 0);
    int fill = ncode;
    emit(LDL, 0); emit(PUSH, n); emit(LT, 0); int filled = emit(JZ, 0);
    emit(LDL, 2); emit(PUSH, 1103515245); emit(MUL, 0); emit(PUSH, 12345); emit(ADD, 0);
    emit(DUP, 0); emit(STL, 2);
    emit(PUSH, 16); emit(SHR, 0); emit(PUSH, 1023); emit(AND, 0);
    emit(LDL, 0); emit(SWAP, 0); emit(STM, 0);
    emit(LDL, 0); emit(PUSH, 1); emit(ADD, 0); emit(STL, 0); emit(JMP, fill);
    here(filled);
    emit(PUSH, n - 1); emit(STL, 0);        /* i from n-1 down */
    int outer = ncode;
    emit(LDL, 0); int sorted = emit(JZ, 0);
    emit(PUSH, 0); emit(STL, 1);
    int inner = ncode;
    emit(LDL, 1); emit(LDL, 0); emit(LT, 0); int next = emit(JZ, 0);
    emit(LDL, 1); emit(LDM, 0); emit(LDL, 1); emit(PUSH, 1); emit(ADD, 0); emit(LDM, 0);
    emit(OVER, 0); emit(OVER, 0); emit(SWAP, 0); emit(LT, 0);   /* m[j+1] < m[j] */
    int noswap = emit(JZ, 0);
    emit(LDL, 1); emit(SWAP, 0); emit(STM, 0);                   /* m[j] = m[j+1] */
    emit(LDL, 1); emit(PUSH, 1); emit(ADD, 0); emit(SWAP, 0); emit(STM, 0);
    int cont = emit(JMP, 0);
    here(noswap);
    emit(POP, 0); emit(POP, 0);
    here(cont);
    emit(LDL, 1); emit(PUSH, 1); emit(ADD, 0); emit(STL, 1); emit(JMP, inner);
    here(next);
    emit(LDL, 0); emit(PUSH, 1); emit(SUB, 0); emit(STL, 0); emit(JMP, outer);
    here(sorted);
    emit(PUSH, 0); emit(STL, 3); emit(PUSH, 0); emit(STL, 0);
    int sum = ncode;
    emit(LDL, 0); emit(PUSH, n); emit(LT, 0); int end = emit(JZ, 0);
    emit(LDL, 3); emit(PUSH, 31); emit(MUL, 0); emit(LDL, 0); emit(LDM, 0); emit(XOR, 0); emit(STL, 3);
    emit(LDL, 0); emit(PUSH, 1); emit(ADD, 0); emit(STL, 0); emit(JMP, sum);
    here(end);
    emit(LDL, 3); emit(HALT, 0);
    return start;
}

static struct vm vm;

int main(int argc, char **argv)
{
    int s = rt_scale(argc, argv);
    int p1 = prog_fib_iter(40 + s);
    int p2 = prog_fib_rec(s > 1 ? 16 + (s > 8 ? 8 : s) : 15);
    int p3 = prog_primes(600 * s);
    int p4 = prog_gcd_sum(300 * s);
    int p5 = prog_sort(s > 4 ? 256 : 64 * s);
    printf("code size %d words\n", ncode);
    printf("fib_iter = %d\n", run(&vm, p1));
    printf("fib_rec  = %d\n", run(&vm, p2));
    printf("primes   = %d\n", run(&vm, p3));
    printf("gcd sum  = %d\n", run(&vm, p4));
    printf("sorted   = %08x (min %d, max %d)\n", (unsigned)run(&vm, p5), vm.mem[0],
           vm.mem[(s > 4 ? 256 : 64 * s) - 1]);
    printf("vm steps %llu\n", vm.steps);
    return 0;
}
