/* tests/unit/x86_exec.c — x86 semantics (cms/x86/exec.c).
 *
 * 1. Hand-written cases on a register array and a small guest memory
 *    (tiny x86_env callbacks below): results, flags, precise faults, REP
 *    string behaviour with DF=0/1, divide errors, stack instructions.
 * 2. Differential: each template instruction is executed natively by the
 *    host (x86-64 inline asm on 32/16/8-bit registers, EFLAGS via
 *    popf/pushf) on random operands, and through x86_decode + x86_exec on
 *    the very bytes the host executed; registers and flags must be equal.
 *    Seed printed; CDVM_SEED replays.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cms/x86/x86.h"
#include "native-isa/xflags.h"
#include "native-isa/x87.h"
#include "tests/host_cpu.h"
#include "tests/unit/testutil.h"

/* ---- a tiny guest: 64 KiB at 0x10000, the last 4 KiB read-only ---- */
#define MEM_BASE 0x10000u
#define MEM_SIZE 0x10000u
#define RO_START (MEM_BASE + MEM_SIZE - 0x1000u)
#define CODE 0x11000u

struct guest {
	uint8_t mem[MEM_SIZE];
	uint32_t r[X86_NSTATE];
	uint64_t cycles;
	struct x86_segs segs;
	struct x87_state fpu;
	struct x86_env env;
};

static int in_mem(uint32_t a, unsigned n)
{
	return a >= MEM_BASE && a - MEM_BASE <= MEM_SIZE - n;
}

static int g_load(void *ctx, uint32_t a, unsigned n, uint32_t *v)
{
	struct guest *g = ctx;
	if (!in_mem(a, n))
		return -1;
	uint32_t x = 0;
	for (unsigned i = 0; i < n; i++)
		x |= (uint32_t)g->mem[a - MEM_BASE + i] << (8 * i);
	*v = x;
	return 0;
}

static int g_store(void *ctx, uint32_t a, unsigned n, uint32_t v)
{
	struct guest *g = ctx;
	if (!in_mem(a, n) || a + n > RO_START)
		return -1;
	for (unsigned i = 0; i < n; i++)
		g->mem[a - MEM_BASE + i] = (uint8_t)(v >> (8 * i));
	return 0;
}

static unsigned g_fetch(void *ctx, uint32_t a, uint8_t *buf, unsigned len)
{
	struct guest *g = ctx;
	unsigned n = 0;
	while (n < len && in_mem(a + n, 1)) {
		buf[n] = g->mem[a + n - MEM_BASE];
		n++;
	}
	return n;
}

static uint64_t g_cycles(void *ctx)
{
	return ((struct guest *)ctx)->cycles;
}

static struct guest *guest_new(void)
{
	struct guest *g = calloc(1, sizeof *g);
	x86_segs_init(&g->segs);
	x87_init(&g->fpu);
	g->env = (struct x86_env){g->r, g, g_load, g_store, g_fetch, g_cycles, &g->segs, &g->fpu};
	g->r[X86_ESP] = 0x18000;
	g->r[X86_EFLAGS] = 0x202;
	g->r[X86_EIP] = CODE;
	return g;
}

static void put_code(struct guest *g, const uint8_t *code, size_t n)
{
	memcpy(g->mem + (CODE - MEM_BASE), code, n);
	g->r[X86_EIP] = CODE;
}

static uint32_t rd32(struct guest *g, uint32_t a)
{
	uint32_t v = 0;
	g_load(g, a, 4, &v);
	return v;
}

static void wr32(struct guest *g, uint32_t a, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		g->mem[a - MEM_BASE + i] = (uint8_t)(v >> (8 * i));
}

/* Step until EIP leaves [CODE, CODE+n) or something other than X86_OK. */
static enum x86_stop run(struct guest *g, size_t n, struct x86_step_info *info)
{
	enum x86_stop s = X86_OK;
	for (int guard = 0; guard < 100000 && s == X86_OK; guard++) {
		if (g->r[X86_EIP] < CODE || g->r[X86_EIP] >= CODE + n)
			break;
		s = x86_step(&g->env, info);
	}
	return s;
}

#define RUN(g, ...) do { static const uint8_t code_[] = {__VA_ARGS__}; \
	put_code(g, code_, sizeof code_); st = run(g, sizeof code_, &info); } while (0)

static void test_alu_and_flags(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	/* mov eax, 0x7fffffff; add eax, 1 */
	RUN(g, 0xb8, 0xff, 0xff, 0xff, 0x7f, 0x83, 0xc0, 0x01);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x80000000u);
	CU_ASSERT_EQUAL(g->r[X86_EFLAGS] & XF_STATUS, XF_OF | XF_SF | XF_AF | XF_PF);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE + 8);
	/* mov ebx, 0x12345678; mov bh, 0xaa ; movzx ecx, bh ; movsx edx, bh */
	RUN(g, 0xbb, 0x78, 0x56, 0x34, 0x12, 0xb7, 0xaa, 0x0f, 0xb6, 0xcf, 0x0f, 0xbe, 0xd7);
	CU_ASSERT_EQUAL(g->r[X86_EBX], 0x1234aa78u);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 0xaa);
	CU_ASSERT_EQUAL(g->r[X86_EDX], 0xffffffaau);
	/* 66 prefix: mov ax, 0xffff ; inc ax -> 0, upper half kept, CF kept */
	g->r[X86_EAX] = 0x12340000;
	g->r[X86_EFLAGS] |= XF_CF;
	RUN(g, 0x66, 0xb8, 0xff, 0xff, 0x66, 0x40);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x12340000u);
	CU_ASSERT(g->r[X86_EFLAGS] & XF_ZF);
	CU_ASSERT(g->r[X86_EFLAGS] & XF_CF);
	/* lea eax, [ebx + ecx*4 - 8] with an FS override does not add the base */
	g->r[X86_FSBASE] = 0x1000;
	g->r[X86_EBX] = 100;
	g->r[X86_ECX] = 3;
	RUN(g, 0x64, 0x8d, 0x44, 0x8b, 0xf8);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 104u);
	/* mov eax, fs:[0x10] reads base + 0x10 */
	g->r[X86_FSBASE] = 0x12000;
	wr32(g, 0x12010, 0xdeadbeef);
	RUN(g, 0x64, 0xa1, 0x10, 0x00, 0x00, 0x00);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0xdeadbeefu);
	free(g);
}

static void test_stack_precise(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	/* push eax at an unmapped ESP: fault, nothing changes */
	g->r[X86_ESP] = 0x1000;
	uint32_t before[X86_NSTATE];
	memcpy(before, g->r, sizeof before);
	before[X86_EIP] = CODE;
	RUN(g, 0x50);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, 0xffcu);
	CU_ASSERT(memcmp(before, g->r, sizeof before) == 0);
	/* call at a read-only ESP: fault, ESP and EIP unchanged */
	g->r[X86_ESP] = RO_START + 8;
	RUN(g, 0xe8, 0x00, 0x00, 0x00, 0x00);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(g->r[X86_ESP], RO_START + 8);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	/* pusha straddling into unmapped memory: as on the host, the pushes
	 * that fit (EAX ECX EDX) stay in memory, the fault is at the fourth
	 * (EBX at MEM_BASE - 4) and no register changes */
	g->r[X86_ESP] = MEM_BASE + 12;
	g->r[X86_EAX] = 0xa0;
	g->r[X86_ECX] = 0xc1;
	g->r[X86_EDX] = 0xd2;
	memset(g->mem, 0x5a, 16);
	RUN(g, 0x60);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, MEM_BASE - 4);
	CU_ASSERT_EQUAL(g->r[X86_ESP], MEM_BASE + 12);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 8), 0xa0u);
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 4), 0xc1u);
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 0), 0xd2u);
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 12), 0x5a5a5a5au);
	/* push/pop/call/ret/enter/leave round trip */
	g->r[X86_ESP] = 0x18000;
	g->r[X86_EBP] = 0x11111111;
	g->r[X86_EAX] = 0xcafe;
	/* push eax; pop ebx; push 0x-2 (6a fe); pop ecx; enter 8,0; leave;
	 * call +0 ; pop edx ; pushfd ; popfd */
	RUN(g, 0x50, 0x5b, 0x6a, 0xfe, 0x59, 0xc8, 0x08, 0x00, 0x00, 0xc9,
	    0xe8, 0x00, 0x00, 0x00, 0x00, 0x5a, 0x9c, 0x9d);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EBX], 0xcafeu);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 0xfffffffeu);
	CU_ASSERT_EQUAL(g->r[X86_EBP], 0x11111111u);
	CU_ASSERT_EQUAL(g->r[X86_EDX], CODE + 15);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x18000u);
	/* pop dword [esp+4]: address computed after ESP is incremented */
	wr32(g, 0x18000, 0xabcd);
	wr32(g, 0x18008, 0);
	RUN(g, 0x8f, 0x44, 0x24, 0x04);
	CU_ASSERT_EQUAL(rd32(g, 0x18008), 0xabcdu);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x18004u);
	/* ret 8 */
	g->r[X86_ESP] = 0x18000;
	wr32(g, 0x18000, 0x12345);
	RUN(g, 0xc2, 0x08, 0x00);
	CU_ASSERT_EQUAL(g->r[X86_EIP], 0x12345u);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x1800cu);
	CU_ASSERT(info.ends_block);
	free(g);
}

static void test_string_ops(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	for (unsigned i = 0; i < 16; i++)
		g->mem[0x2000 + i] = (uint8_t)i;
	/* DF=0: rep movsb 16 bytes 0x12000 -> 0x13000 */
	g->r[X86_ESI] = 0x12000;
	g->r[X86_EDI] = 0x13000;
	g->r[X86_ECX] = 16;
	RUN(g, 0xfc, 0xf3, 0xa4);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT(memcmp(g->mem + 0x3000, g->mem + 0x2000, 16) == 0);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 0);
	CU_ASSERT_EQUAL(g->r[X86_ESI], 0x12010u);
	CU_ASSERT_EQUAL(g->r[X86_EDI], 0x13010u);
	CU_ASSERT_EQUAL(info.iterations, 16);
	/* DF=1: std; rep stosd 3 dwords downwards from 0x14008 */
	g->r[X86_EDI] = 0x14008;
	g->r[X86_ECX] = 3;
	g->r[X86_EAX] = 0x01020304;
	RUN(g, 0xfd, 0xf3, 0xab, 0xfc);
	CU_ASSERT_EQUAL(rd32(g, 0x14000), 0x01020304u);
	CU_ASSERT_EQUAL(rd32(g, 0x14008), 0x01020304u);
	CU_ASSERT_EQUAL(g->r[X86_EDI], 0x13ffcu);
	/* repne scasb finds the byte 5 */
	g->r[X86_EDI] = 0x12000;
	g->r[X86_ECX] = 100;
	g->r[X86_EAX] = 5;
	RUN(g, 0xf2, 0xae);
	CU_ASSERT_EQUAL(g->r[X86_EDI], 0x12006u);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 94u);
	CU_ASSERT(g->r[X86_EFLAGS] & XF_ZF);
	/* repe cmpsd stops at the first difference */
	wr32(g, 0x15000, 1); wr32(g, 0x15004, 2); wr32(g, 0x15008, 3);
	wr32(g, 0x16000, 1); wr32(g, 0x16004, 2); wr32(g, 0x16008, 4);
	g->r[X86_ESI] = 0x15000;
	g->r[X86_EDI] = 0x16000;
	g->r[X86_ECX] = 10;
	RUN(g, 0xf3, 0xa7);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 7u);
	CU_ASSERT_EQUAL(g->r[X86_ESI], 0x1500cu);
	CU_ASSERT(!(g->r[X86_EFLAGS] & XF_ZF));
	CU_ASSERT(g->r[X86_EFLAGS] & XF_CF); /* 3 < 4 */
	/* rep movsd faulting in the middle: completed iterations are kept */
	g->r[X86_ESI] = 0x12000;
	g->r[X86_EDI] = RO_START - 8;
	g->r[X86_ECX] = 4;
	RUN(g, 0xf3, 0xa5);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, RO_START);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 2u);
	CU_ASSERT_EQUAL(g->r[X86_ESI], 0x12008u);
	CU_ASSERT_EQUAL(g->r[X86_EDI], RO_START);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE); /* still at the instruction */
	/* rep with ECX = 0 does nothing */
	g->r[X86_ECX] = 0;
	g->r[X86_EDI] = 0;
	RUN(g, 0xf3, 0xaa);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EDI], 0);
	free(g);
}

static void test_div_faults(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	uint32_t before[X86_NSTATE];
	/* div ebx with ebx = 0 */
	g->r[X86_EAX] = 10; g->r[X86_EDX] = 0; g->r[X86_EBX] = 0;
	put_code(g, (const uint8_t[]){0xf7, 0xf3}, 2);
	memcpy(before, g->r, sizeof before);
	st = x86_step(&g->env, &info);
	CU_ASSERT_EQUAL(st, X86_FAULT_DE);
	CU_ASSERT(memcmp(before, g->r, sizeof before) == 0);
	/* quotient overflow: edx:eax = 2^32, ebx = 1 */
	g->r[X86_EAX] = 0; g->r[X86_EDX] = 1; g->r[X86_EBX] = 1;
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_DE);
	/* idiv INT_MIN / -1 */
	g->r[X86_EAX] = 0x80000000u; g->r[X86_EDX] = 0xffffffffu; g->r[X86_EBX] = 0xffffffffu;
	put_code(g, (const uint8_t[]){0xf7, 0xfb}, 2);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_DE);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x80000000u);
	/* idiv 8-bit: ax = -128, bl = -1 -> quotient 128 does not fit */
	g->r[X86_EAX] = 0xff80; g->r[X86_EBX] = 0xff;
	put_code(g, (const uint8_t[]){0xf6, 0xfb}, 2);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_DE);
	/* good idiv: -7 / 2 = -3 rem -1 */
	g->r[X86_EAX] = (uint32_t)-7; g->r[X86_EDX] = 0xffffffffu; g->r[X86_EBX] = 2;
	RUN(g, 0xf7, 0xfb);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EAX], (uint32_t)-3);
	CU_ASSERT_EQUAL(g->r[X86_EDX], (uint32_t)-1);
	/* div [mem] at an unmapped address: memory fault, not #DE */
	RUN(g, 0xf7, 0x35, 0x00, 0x00, 0x00, 0x00);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	free(g);
}

static void test_atomics_and_bits(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	/* lock cmpxchg8b [0x12000], equal case */
	wr32(g, 0x12000, 1); wr32(g, 0x12004, 2);
	g->r[X86_EAX] = 1; g->r[X86_EDX] = 2; g->r[X86_EBX] = 3; g->r[X86_ECX] = 4;
	RUN(g, 0xf0, 0x0f, 0xc7, 0x0d, 0x00, 0x20, 0x01, 0x00);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(rd32(g, 0x12000), 3u);
	CU_ASSERT_EQUAL(rd32(g, 0x12004), 4u);
	CU_ASSERT(g->r[X86_EFLAGS] & XF_ZF);
	/* not equal: edx:eax loaded */
	RUN(g, 0x0f, 0xc7, 0x0d, 0x00, 0x20, 0x01, 0x00);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 3u);
	CU_ASSERT_EQUAL(g->r[X86_EDX], 4u);
	CU_ASSERT(!(g->r[X86_EFLAGS] & XF_ZF));
	/* cmpxchg8b on read-only memory faults even when unequal */
	g->r[X86_EAX] = 0;
	g->r[X86_EDI] = RO_START;
	RUN(g, 0x0f, 0xc7, 0x0f);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0u);
	/* xadd [0x12000], eax */
	wr32(g, 0x12000, 10);
	g->r[X86_EAX] = 5;
	RUN(g, 0x0f, 0xc1, 0x05, 0x00, 0x20, 0x01, 0x00);
	CU_ASSERT_EQUAL(rd32(g, 0x12000), 15u);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 10u);
	/* bts [0x12010], ecx with ecx = -1: bit 31 of the dword at 0x1200c */
	wr32(g, 0x1200c, 0);
	g->r[X86_ECX] = 0xffffffffu;
	RUN(g, 0x0f, 0xab, 0x0d, 0x10, 0x20, 0x01, 0x00);
	CU_ASSERT_EQUAL(rd32(g, 0x1200c), 0x80000000u);
	CU_ASSERT(!(g->r[X86_EFLAGS] & XF_CF));
	/* bt [0x12000], 35 (imm form: offset masked to 3) */
	wr32(g, 0x12000, 8);
	RUN(g, 0x0f, 0xba, 0x25, 0x00, 0x20, 0x01, 0x00, 35);
	CU_ASSERT(g->r[X86_EFLAGS] & XF_CF);
	/* lock on a register destination and lock on cmp are #UD */
	RUN(g, 0xf0, 0x01, 0xc0);
	CU_ASSERT_EQUAL(st, X86_FAULT_UD);
	RUN(g, 0xf0, 0x39, 0x05, 0x00, 0x20, 0x01, 0x00);
	CU_ASSERT_EQUAL(st, X86_FAULT_UD);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	free(g);
}

static void test_control_and_system(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	/* mov ecx, 5; xor eax, eax; L: add eax, ecx; loop L -> 15 */
	RUN(g, 0xb9, 0x05, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 15u);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 0u);
	/* cmp eax, 15; jne +2 (skipped); mov bl, 1 ... ; setg/cmovge */
	RUN(g, 0x83, 0xf8, 0x0f, 0x75, 0x02, 0xb3, 0x01, 0x0f, 0x9f, 0xc1, 0x0f, 0x4d, 0xd0);
	CU_ASSERT_EQUAL(g->r[X86_EBX] & 0xff, 1u);
	CU_ASSERT_EQUAL(g->r[X86_ECX] & 0xff, 0u);
	CU_ASSERT_EQUAL(g->r[X86_EDX], 15u);
	/* int 0x80: syscall, EIP after it */
	put_code(g, (const uint8_t[]){0xcd, 0x80}, 2);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_SYSCALL);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE + 2);
	/* int 0x21: #GP at the instruction; ud2 #UD; hlt; in al, dx #GP
	 * (int3 / int 3 / into / int 4 are traps: test_traps) */
	put_code(g, (const uint8_t[]){0xcd, 0x21}, 2);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	put_code(g, (const uint8_t[]){0x0f, 0x0b}, 2);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_UD);
	CU_ASSERT_EQUAL(info.len, 2u);
	put_code(g, (const uint8_t[]){0xf4}, 1);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_HLT);
	put_code(g, (const uint8_t[]){0xec}, 1);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_GP);
	/* more than 15 bytes (a run of LOCK prefixes): #GP natively, not #UD */
	put_code(g, (const uint8_t[]){0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0,
				      0xf0, 0xf0, 0x66, 0x26, 0x10, 0x00}, 16);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	/* 15 bytes of them: the locked adc runs */
	g->r[X86_EAX] = 0x12000;
	put_code(g, (const uint8_t[]){0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0,
				      0xf0, 0x66, 0x26, 0x10, 0x00}, 15);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE + 15);
	/* an SSE instruction: #UD with the right length */
	put_code(g, (const uint8_t[]){0x66, 0x0f, 0x6f, 0x44, 0x24, 0x10}, 6);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_UD);
	CU_ASSERT_EQUAL(info.len, 6u);
	/* cpuid: vendor and features */
	g->r[X86_EAX] = 0;
	RUN(g, 0x0f, 0xa2);
	CU_ASSERT_EQUAL(g->r[X86_EBX], 0x6d766463u);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 1u);
	g->r[X86_EAX] = 1;
	RUN(g, 0x0f, 0xa2);
	CU_ASSERT_EQUAL(g->r[X86_EDX], 0x8111u);
	CU_ASSERT_EQUAL((g->r[X86_EAX] >> 8) & 0xf, 6u);
	/* rdtsc */
	g->cycles = 0x123456789ull;
	RUN(g, 0x0f, 0x31);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x23456789u);
	CU_ASSERT_EQUAL(g->r[X86_EDX], 1u);
	/* instruction running off the end of guest memory: fetch fault */
	g->r[X86_EIP] = MEM_BASE + MEM_SIZE - 1;
	g->mem[MEM_SIZE - 1] = 0xb8; /* mov eax, imm32 needs 4 more bytes */
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, MEM_BASE + MEM_SIZE);
	free(g);
}

/* int3, int 3, int 4 and into with OF=1 are traps (#BP, #OF): X86_TRAP with
 * the vector, EIP past the instruction, as natively (the firmware delivers
 * SIGTRAP for 3, SIGSEGV for 4). */
static void test_traps(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	static const struct { uint8_t code[2]; unsigned len, vec; } t[] = {
		{{0xcc, 0}, 1, 3}, {{0xcd, 0x03}, 2, 3}, {{0xcd, 0x04}, 2, 4}, {{0xce, 0}, 1, 4},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		put_code(g, t[i].code, t[i].len);
		g->r[X86_EFLAGS] = 0x202 | XF_OF;
		g->r[X86_ESP] = 0x18000;
		memset(&info, 0xff, sizeof info);
		CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_TRAP);
		CU_ASSERT_EQUAL(info.trap, t[i].vec);
		CU_ASSERT_EQUAL(g->r[X86_EIP], CODE + t[i].len);
		CU_ASSERT_EQUAL(g->r[X86_ESP], 0x18000u);
		CU_ASSERT(info.ends_block);
	}
	/* into with OF=0 does nothing; other int n stay #GP at the instruction */
	put_code(g, (const uint8_t[]){0xce}, 1);
	g->r[X86_EFLAGS] = 0x202;
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_OK);
	CU_ASSERT_EQUAL(info.trap, 0u);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE + 1);
	put_code(g, (const uint8_t[]){0xcd, 0x05}, 2);
	CU_ASSERT_EQUAL(x86_step(&g->env, &info), X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	free(g);
}

/* xadd with the same register as both operands leaves the sum (the
 * destination is written last, SDM "XADD"). */
static void test_xadd_same_reg(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	g->r[X86_EBP] = 0x40000005;
	RUN(g, 0x0f, 0xc1, 0xed);               /* xadd ebp, ebp */
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EBP], 0x8000000au);
	CU_ASSERT(g->r[X86_EFLAGS] & XF_OF);
	g->r[X86_EDX] = 0x12340356;
	RUN(g, 0x0f, 0xc0, 0xf6);               /* xadd dh, dh */
	CU_ASSERT_EQUAL(g->r[X86_EDX], 0x12340656u);
	g->r[X86_EAX] = 0x0102;
	RUN(g, 0x0f, 0xc0, 0xe0);               /* xadd al, ah: al = 3, ah = 2 */
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x0203u);
	free(g);
}

/* ENTER with nesting level >= 2 (SDM vol. 2 "ENTER"): the copies come from
 * [EBP-4], [EBP-8], ... of the original EBP, read one by one between the
 * pushes; a fault keeps the pushes done so far and changes no register. */
static void test_enter_nested(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	/* enter 8, 3 with a frame chain far from the stack */
	g->r[X86_ESP] = 0x18000;
	g->r[X86_EBP] = 0x17000;
	wr32(g, 0x16ffc, 0x11);
	wr32(g, 0x16ff8, 0x22);
	RUN(g, 0xc8, 0x08, 0x00, 0x03);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(rd32(g, 0x17ffc), 0x17000u);
	CU_ASSERT_EQUAL(rd32(g, 0x17ff8), 0x11u);
	CU_ASSERT_EQUAL(rd32(g, 0x17ff4), 0x22u);
	CU_ASSERT_EQUAL(rd32(g, 0x17ff0), 0x17ffcu);
	CU_ASSERT_EQUAL(g->r[X86_EBP], 0x17ffcu);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x17fe8u);
	/* risu's case: enter 1, 0 ; enter 0x18, 2 with EBP = 0.  The second
	 * ENTER's copy [EBP-4] overlaps the EBP it has just pushed, so it
	 * reads bytes of that push (host: mem[0x18064..7] = 0xee000180) */
	memset(g->mem + 0x8040, 0xee, 0x40);
	g->r[X86_ESP] = 0x18074;
	g->r[X86_EBP] = 0;
	RUN(g, 0xc8, 0x01, 0x00, 0x00, 0xc8, 0x18, 0x00, 0x02);
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(rd32(g, 0x18070), 0u);
	CU_ASSERT_EQUAL(rd32(g, 0x1806b), 0x18070u);
	CU_ASSERT_EQUAL(rd32(g, 0x18067), 0xee000180u);
	CU_ASSERT_EQUAL(rd32(g, 0x18063), 0x1806bu);
	CU_ASSERT_EQUAL(g->r[X86_EBP], 0x1806bu);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x1804bu);
	/* the final ESP must be writable: enter 0x100, 1 near the bottom of
	 * memory pushes EBP and the frame, then faults at the final ESP */
	g->r[X86_ESP] = MEM_BASE + 0x10;
	g->r[X86_EBP] = 0x12345678;
	RUN(g, 0xc8, 0x00, 0x01, 0x01);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, MEM_BASE + 8 - 0x100);
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 0xc), 0x12345678u);
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 8), MEM_BASE + 0xcu);
	CU_ASSERT_EQUAL(g->r[X86_ESP], MEM_BASE + 0x10);
	CU_ASSERT_EQUAL(g->r[X86_EBP], 0x12345678u);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	/* a copy that cannot be read: the EBP push stays, nothing else */
	g->r[X86_ESP] = 0x18000;
	g->r[X86_EBP] = MEM_BASE + 4;
	wr32(g, 0x17ffc, 0);
	RUN(g, 0xc8, 0x00, 0x00, 0x03);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, MEM_BASE - 4);
	CU_ASSERT_EQUAL(rd32(g, 0x17ffc), MEM_BASE + 4);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x18000u);
	free(g);
}

/* REP CMPS/SCAS interrupted by a fault after some iterations: ECX/ESI/EDI
 * advanced, but the status flags are those from before the instruction
 * (measured on the host). */
static void test_rep_cond_fault_flags(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	uint32_t f0 = 0x202 | XF_CF | XF_SF | XF_OF | XF_PF;
	/* repe cmpsb: two equal bytes, then the source runs off memory */
	g->mem[MEM_SIZE - 2] = g->mem[MEM_SIZE - 1] = 7;
	g->mem[0x2000] = g->mem[0x2001] = 7;
	g->r[X86_ESI] = MEM_BASE + MEM_SIZE - 2;
	g->r[X86_EDI] = 0x12000;
	g->r[X86_ECX] = 5;
	g->r[X86_EFLAGS] = f0;
	RUN(g, 0xf3, 0xa6);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(info.fault_addr, MEM_BASE + MEM_SIZE);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 3u);
	CU_ASSERT_EQUAL(g->r[X86_ESI], MEM_BASE + MEM_SIZE);
	CU_ASSERT_EQUAL(g->r[X86_EDI], 0x12002u);
	CU_ASSERT_EQUAL(g->r[X86_EFLAGS], f0);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	/* repne scasd with DF=1: two unequal dwords, then a fault below memory */
	wr32(g, MEM_BASE + 4, 1);
	wr32(g, MEM_BASE, 2);
	g->r[X86_EDI] = MEM_BASE + 4;
	g->r[X86_EAX] = 9;
	g->r[X86_ECX] = 10;
	g->r[X86_EFLAGS] = f0 | XF_DF;
	RUN(g, 0xf2, 0xaf);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	CU_ASSERT_EQUAL(g->r[X86_ECX], 8u);
	CU_ASSERT_EQUAL(g->r[X86_EDI], MEM_BASE - 4);
	CU_ASSERT_EQUAL(g->r[X86_EFLAGS], f0 | XF_DF);
	free(g);
}

/* An FS/GS access whose offset runs past 0xffffffff is #GP (segment limit
 * 4 GiB - 1); offsets that wrap only the linear address are fine. */
static void test_segment_limit(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	g->r[X86_GSBASE] = 0x12000;
	g->r[X86_FSBASE] = 0x12000;
	wr32(g, 0x11ffc, 0x600df00d);
	RUN(g, 0x65, 0xa1, 0xfc, 0xff, 0xff, 0xff);     /* mov eax, gs:[-4] */
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x600df00du);
	g->r[X86_EAX] = 0;
	RUN(g, 0x65, 0xa1, 0xfe, 0xff, 0xff, 0xff);     /* mov eax, gs:[0xfffffffe] */
	CU_ASSERT_EQUAL(st, X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0u);
	RUN(g, 0x65, 0xa0, 0xff, 0xff, 0xff, 0xff);     /* mov al, gs:[0xffffffff]: 1 byte */
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x60u);
	g->r[X86_ESP] = 0x18000;
	RUN(g, 0x65, 0xff, 0x35, 0xfe, 0xff, 0xff, 0xff); /* push dword gs:[0xfffffffe] */
	CU_ASSERT_EQUAL(st, X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x18000u);
	RUN(g, 0x65, 0x0f, 0xc7, 0x0d, 0xfc, 0xff, 0xff, 0xff); /* cmpxchg8b gs:[-4] */
	CU_ASSERT_EQUAL(st, X86_FAULT_GP);
	g->r[X86_EBX] = 0xfffffffeu;
	RUN(g, 0x64, 0x89, 0x03);                        /* mov fs:[ebx], eax */
	CU_ASSERT_EQUAL(st, X86_FAULT_GP);
	g->r[X86_ESI] = 0xfffffffeu;
	RUN(g, 0x64, 0xad);                              /* lodsd fs:[esi] */
	CU_ASSERT_EQUAL(st, X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_ESI], 0xfffffffeu);
	/* base 0 (DS): the linear address wraps, a memory fault as before */
	RUN(g, 0xa1, 0xfe, 0xff, 0xff, 0xff);
	CU_ASSERT_EQUAL(st, X86_FAULT_MEM);
	free(g);
}

/* Segment registers: selectors read back, a TLS slot's base taken by GS,
 * and the edges the host raises: #GP for a selector it refuses (kernel
 * entries, an empty TLS slot, the LDT, SS with RPL 0), #UD for a load of
 * CS and for segment registers 6 and 7; a refused load changes nothing. */
static void test_segment_registers(void)
{
	struct guest *g = guest_new();
	struct x86_step_info info;
	enum x86_stop st;
	g->r[X86_EAX] = 0xdeadbeef;
	RUN(g, 0x8c, 0xd8);                              /* mov eax, ds */
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x2bu);
	g->r[X86_EAX] = 0xdeadbeef;
	RUN(g, 0x66, 0x8c, 0xc8);                        /* mov ax, cs */
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0xdead0023u);
	g->segs.tls[0] = (struct x86_tls_slot){MEM_BASE + 0x2000, 0xfffff, 0x51};
	wr32(g, MEM_BASE + 0x2004, 0x7e57da7a);
	g->r[X86_EAX] = 0x63;
	RUN(g, 0x8e, 0xe8, 0x65, 0xa1, 0x04, 0, 0, 0);   /* mov gs, eax; mov eax, gs:[4] */
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_GSBASE], MEM_BASE + 0x2000);
	CU_ASSERT_EQUAL(g->r[X86_EAX], 0x7e57da7au);
	CU_ASSERT_EQUAL(g->segs.sel[X86_SEG_GS], 0x63);
	g->r[X86_EBX] = MEM_BASE + 0x3000;
	wr32(g, MEM_BASE + 0x3000, 0xaaaaaaaa);
	RUN(g, 0x8c, 0x2b);                              /* mov word ptr [ebx], gs */
	CU_ASSERT_EQUAL(rd32(g, MEM_BASE + 0x3000), 0xaaaa0063u);
	g->r[X86_ESP] = 0x18000;
	RUN(g, 0x0f, 0xa8);                              /* push gs: zero-extended */
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x17ffcu);
	CU_ASSERT_EQUAL(rd32(g, 0x17ffc), 0x63u);

	/* refused selectors: #GP, nothing changed */
	static const struct { uint8_t modrm; uint32_t sel; } gp[] = {
		{0xd8, 0x13},  /* ds <- a kernel entry */
		{0xd8, 0x63},  /* ds <- a TLS slot (the host takes it; not modelled) */
		{0xd0, 0x28},  /* ss <- __USER_DS with RPL 0 */
		{0xd0, 0},     /* ss <- null */
		{0xe0, 0x6b},  /* fs <- TLS slot 13, empty */
		{0xe0, 0x2f},  /* fs <- an LDT selector */
		{0xe8, 0x83},  /* gs <- past the GDT */
	};
	for (size_t i = 0; i < sizeof gp / sizeof gp[0]; i++) {
		g->r[X86_EAX] = gp[i].sel;
		g->r[X86_FSBASE] = 0x1234;
		uint16_t before[6];
		memcpy(before, g->segs.sel, sizeof before);
		const uint8_t code[] = {0x8e, gp[i].modrm};
		put_code(g, code, sizeof code);
		st = run(g, sizeof code, &info);
		CHECK(st == X86_FAULT_GP, "mov sreg %u <- 0x%x: stop %d", (gp[i].modrm >> 3) & 7, gp[i].sel, st);
		CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
		CU_ASSERT_EQUAL(g->r[X86_FSBASE], 0x1234u);
		CU_ASSERT_EQUAL(memcmp(before, g->segs.sel, sizeof before), 0);
	}
	wr32(g, 0x17ffc, 0x13);
	RUN(g, 0x0f, 0xa9);                              /* pop gs <- 0x13 */
	CU_ASSERT_EQUAL(st, X86_FAULT_GP);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x17ffcu);
	CU_ASSERT_EQUAL(g->segs.sel[X86_SEG_GS], 0x63);
	wr32(g, 0x17ffc, 0);
	RUN(g, 0x0f, 0xa9);                              /* pop gs <- null */
	CU_ASSERT_EQUAL(st, X86_OK);
	CU_ASSERT_EQUAL(g->r[X86_ESP], 0x18000u);
	CU_ASSERT_EQUAL(g->r[X86_GSBASE], 0u);
	/* #UD: loading CS, segment registers 6 and 7 */
	g->r[X86_EAX] = 0x23;
	RUN(g, 0x8e, 0xc8);
	CU_ASSERT_EQUAL(st, X86_FAULT_UD);
	RUN(g, 0x8e, 0xf0);
	CU_ASSERT_EQUAL(st, X86_FAULT_UD);
	RUN(g, 0x8c, 0xf8);
	CU_ASSERT_EQUAL(st, X86_FAULT_UD);
	CU_ASSERT_EQUAL(g->r[X86_EIP], CODE);
	/* without the firmware's segment state the instructions are #UD */
	g->env.segs = NULL;
	RUN(g, 0x8c, 0xd8);
	CU_ASSERT_EQUAL(st, X86_FAULT_UD);
	free(g);
}

/* ---- differential against the host CPU ---- */

#if defined(__x86_64__)

struct nat {
	uint32_t a, b, c, d, s, di;
	unsigned long fl;
};

/* Run `text` natively; return the bytes of `text` as assembled. */
#define NATIVE(name, text) \
static const uint8_t *name(struct nat *n, size_t *len) \
{ \
	const uint8_t *cs, *ce; \
	unsigned long fi = n->fl, fo; \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopfq\n" \
		"1:\t" text "\n2:\n\tpushfq\n\tpop %[fo]\n\tlea 128(%%rsp), %%rsp\n\t" \
		"lea 1b(%%rip), %[cs]\n\tlea 2b(%%rip), %[ce]" \
		: "+a"(n->a), "+b"(n->b), "+c"(n->c), "+d"(n->d), "+S"(n->s), "+D"(n->di), \
		  [fo] "=&r"(fo), [cs] "=&r"(cs), [ce] "=&r"(ce) \
		: [fi] "r"(fi) : "cc", "memory"); \
	n->fl = fo; \
	*len = (size_t)(ce - cs); \
	return cs; \
}

/* Preconditions on the random inputs, so the host does not fault. */
enum { P_NONE, P_DIV32, P_IDIV32, P_DIV8, P_DIV16 };

#define TEMPLATES(X) \
	X(t_mul, "mull %%ebx", P_NONE) X(t_imul1, "imull %%ebx", P_NONE) \
	X(t_mulb, "mulb %%bl", P_NONE) X(t_imulw, "imulw %%bx", P_NONE) \
	X(t_imul2, "imull %%ebx, %%eax", P_NONE) X(t_imul3, "imull $-7, %%ebx, %%eax", P_NONE) \
	X(t_imul3w, "imulw $300, %%bx, %%ax", P_NONE) \
	X(t_div, "divl %%ebx", P_DIV32) X(t_idiv, "idivl %%ebx", P_IDIV32) \
	X(t_divb, "divb %%bl", P_DIV8) X(t_divw, "divw %%bx", P_DIV16) \
	X(t_bsf, "bsfl %%ebx, %%eax", P_NONE) X(t_bsr, "bsrl %%ebx, %%eax", P_NONE) \
	X(t_bsfw, "bsfw %%bx, %%ax", P_NONE) X(t_tzcnt, "tzcntl %%ebx, %%eax", P_NONE) \
	X(t_lzcnt, "lzcntl %%ebx, %%eax", P_NONE) X(t_lzcntw, "lzcntw %%bx, %%ax", P_NONE) \
	X(t_bt, "btl %%ecx, %%eax", P_NONE) X(t_bts, "btsl %%ecx, %%eax", P_NONE) \
	X(t_btr, "btrw %%cx, %%ax", P_NONE) X(t_btc, "btcl $37, %%eax", P_NONE) \
	X(t_shld, "shldl %%cl, %%ebx, %%eax", P_NONE) X(t_shrd, "shrdl %%cl, %%ebx, %%eax", P_NONE) \
	X(t_shldw, "shldw %%cl, %%bx, %%ax", P_NONE) X(t_shrdw, "shrdw %%cl, %%bx, %%ax", P_NONE) \
	X(t_shldi, "shldl $3, %%ebx, %%eax", P_NONE) X(t_shrdi, "shrdw $13, %%bx, %%ax", P_NONE) \
	X(t_xadd, "xaddl %%ebx, %%eax", P_NONE) X(t_cmpxchg, "cmpxchgl %%ebx, %%ecx", P_NONE) \
	X(t_xadds, "xaddl %%ebx, %%ebx", P_NONE) X(t_xaddsb, "xaddb %%dh, %%dh", P_NONE) \
	X(t_cmpxchgb, "cmpxchgb %%bh, %%cl", P_NONE) X(t_xchg, "xchgw %%bx, %%ax", P_NONE) \
	X(t_bswap, "bswapl %%edx", P_NONE) X(t_bswapw, ".byte 0x66, 0x0f, 0xca", P_NONE) X(t_cwde, "cwtl", P_NONE) X(t_cdq, "cltd", P_NONE) \
	X(t_cbw, "cbtw", P_NONE) X(t_cwd, "cwtd", P_NONE) \
	X(t_movzx, "movzbl %%bh, %%eax", P_NONE) X(t_movsx, "movswl %%bx, %%ecx", P_NONE) \
	X(t_neg, "negb %%ah", P_NONE) X(t_not, "notw %%si", P_NONE) \
	X(t_incb, "incb %%dh", P_NONE) X(t_decw, "decw %%di", P_NONE) \
	X(t_rcl, "rclb %%cl, %%al", P_NONE) X(t_rcrw, "rcrw %%cl, %%dx", P_NONE) \
	X(t_rol, "roll $5, %%eax", P_NONE) X(t_rolcl, "roll %%cl, %%eax", P_NONE) \
	X(t_rorb, "rorb $3, %%dl", P_NONE) X(t_rclw, "rclw $9, %%si", P_NONE) \
	X(t_rcrl, "rcrl $30, %%edi", P_NONE) X(t_shli, "shll $7, %%ebx", P_NONE) \
	X(t_shrbi, "shrb $9, %%ch", P_NONE) X(t_sarwi, "sarw $17, %%dx", P_NONE) \
	X(t_rol1, "rolb $1, %%al", P_NONE) X(t_rcr1, "rcrl $1, %%esi", P_NONE) \
	X(t_rold1, "roll %%eax", P_NONE) X(t_rol8, "rolb $8, %%al", P_NONE) \
	X(t_ror16, "rorw $16, %%bx", P_NONE) X(t_rol1i, ".byte 0xc0, 0xc0, 0x01", P_NONE) \
	X(t_ror33, ".byte 0xc1, 0xc8, 0x21", P_NONE) X(t_rcl1i, ".byte 0xc1, 0xd0, 0x01", P_NONE) X(t_sar, "sarl %%cl, %%esi", P_NONE) \
	X(t_shl1, "shlb $1, %%bl", P_NONE) X(t_shrw, "shrw %%cl, %%di", P_NONE) \
	X(t_setg, "setg %%al", P_NONE) X(t_setbe, "setbe %%dh", P_NONE) \
	X(t_cmovl, "cmovll %%ebx, %%eax", P_NONE) X(t_cmovpw, "cmovpw %%si, %%di", P_NONE) \
	X(t_lahf, "lahf", P_NONE) X(t_sahf, "sahf", P_NONE) X(t_cmc, "cmc", P_NONE) \
	X(t_adc, "adcl %%ebx, %%eax", P_NONE) X(t_sbb, "sbbb %%bh, %%ah", P_NONE) \
	X(t_cmpi, "cmpl $0x12345678, %%eax", P_NONE) X(t_testw, "testw $0x8000, %%ax", P_NONE) \
	X(t_andi8, "andl $-16, %%ecx", P_NONE) X(t_subw, "subw $-3, %%si", P_NONE) \
	X(t_orb, "orb $0x81, %%dl", P_NONE) X(t_xor, "xorl %%edi, %%esi", P_NONE) \
	X(t_lea, "leal -8(%%rbx,%%rcx,4), %%edx", P_NONE) \
	X(t_leaw, "leaw 0x1234(%%rsi), %%di", P_NONE)

#define X_NATIVE(name, text, pre) NATIVE(name, text)
TEMPLATES(X_NATIVE)

struct tmpl {
	const char *text;
	const uint8_t *(*run)(struct nat *, size_t *);
	int pre;
};

static const struct tmpl templates[] = {
#define X_ENTRY(name, text, pre) {text, name, pre},
	TEMPLATES(X_ENTRY)
};

static uint64_t xs;
static uint32_t rnd32(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	uint64_t r = xs * 0x2545f4914f6cdd1dull;
	static const uint32_t edge[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					0x7fffffff, 0x80000000u, 0xffffffffu, 16, 31, 32};
	switch ((r >> 60) & 3) {
	case 0: return edge[(r >> 8) % 14];
	case 1: return (uint32_t)(r >> 20) & 0x3f;
	default: return (uint32_t)(r >> 16);
	}
}

static int fail_nop_load(void *ctx, uint32_t a, unsigned n, uint32_t *v)
{
	(void)ctx; (void)a; (void)n; (void)v;
	return -1;
}

static int fail_nop_store(void *ctx, uint32_t a, unsigned n, uint32_t v)
{
	(void)ctx; (void)a; (void)n; (void)v;
	return -1;
}

static void precondition(struct nat *n, int pre)
{
	switch (pre) {
	case P_DIV32:
		if (n->b == 0)
			n->b = 7;
		n->d = n->d % n->b;
		break;
	case P_IDIV32:
		if (n->b == 0 || n->b == 0xffffffffu)
			n->b = 3;
		n->d = (n->a & 0x80000000u) ? 0xffffffffu : 0;
		break;
	case P_DIV8:
		if ((n->b & 0xff) == 0)
			n->b |= 5;
		n->a = (n->a & ~0xff00u) | (((n->a >> 8) & 0xff) % (n->b & 0xff)) << 8;
		break;
	case P_DIV16:
		if ((n->b & 0xffff) == 0)
			n->b |= 9;
		n->d = (n->d & ~0xffffu) | ((n->d & 0xffff) % (n->b & 0xffff));
		break;
	default:
		break;
	}
}

static void test_against_host(void)
{
	const char *s = getenv("CDVM_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + (uint64_t)clock();
	if (seed == 0)
		seed = 1;
	fprintf(stderr, "x86_exec: seed %llu (CDVM_SEED to replay)\n", (unsigned long long)seed);
	xs = seed;
	unsigned failures = 0;
	int all_flags = host_undefined_flags_are_reference("x86_exec: exec vs host CPU");
	for (size_t t = 0; t < sizeof templates / sizeof templates[0]; t++) {
		unsigned shown = 0;
		for (int it = 0; it < 3000; it++) {
			struct nat n = {rnd32(), rnd32(), rnd32(), rnd32(), rnd32(), rnd32(),
					(rnd32() & XF_STATUS) | 0x202};
			precondition(&n, templates[t].pre);
			uint32_t r[X86_NSTATE] = {n.a, n.c, n.d, n.b, 0x1000, 0, n.s, n.di,
						  (uint32_t)n.fl, 0x1000, 0, 0};
			struct nat h = n;
			size_t len;
			const uint8_t *code = templates[t].run(&h, &len);
			struct x86_insn in;
			int dl = x86_decode(code, (unsigned)len, &in);
			if (dl != (int)len) {
				if (shown++ < 2)
					fprintf(stderr, "x86_exec: '%s': decode %d, host length %zu\n",
						templates[t].text, dl, len);
				failures++;
				break;
			}
			struct x86_env env = {r, NULL, fail_nop_load, fail_nop_store, NULL, NULL, NULL, NULL};
			struct x86_step_info info;
			enum x86_stop st = x86_exec(&env, &in, &info);
			uint32_t want[8] = {h.a, h.c, h.d, h.b, 0x1000, 0, h.s, h.di};
			/* the SDM leaves the result (and flags) of a 16-bit shld/shrd
			 * by more than 16 undefined; only the reference host is asked */
			uint32_t count = in.nops == 3 && in.o[2].kind == X86_OPK_IMM ? in.imm : r[X86_ECX];
			if (!all_flags && (in.op == X86_OP_SHLD || in.op == X86_OP_SHRD) && in.o[0].size == 2 &&
			    (count & 31) > 16)
				continue;
			uint32_t cmp = (XF_STATUS | XF_DF) & ~(all_flags ? 0u : x86_op(in.op)->fundef);
			int bad = st != X86_OK || memcmp(want, r, sizeof want) ||
				  ((h.fl ^ r[X86_EFLAGS]) & cmp) ||
				  r[X86_EIP] != 0x1000 + len;
			if (bad) {
				failures++;
				if (shown++ < 3)
					fprintf(stderr, "x86_exec: '%s' in a=%x b=%x c=%x d=%x s=%x di=%x f=%lx\n"
						"   host  a=%x b=%x c=%x d=%x s=%x di=%x f=%lx\n"
						"   cdvm  a=%x b=%x c=%x d=%x s=%x di=%x f=%x st=%d\n",
						templates[t].text, n.a, n.b, n.c, n.d, n.s, n.di, n.fl & 0xfff,
						h.a, h.b, h.c, h.d, h.s, h.di, h.fl & 0xfff,
						r[0], r[3], r[1], r[2], r[6], r[7], r[8] & 0xfff, st);
			}
		}
	}
	CU_ASSERT_EQUAL(failures, 0);
}
/* Rotates of a memory operand, natively on a host dword and through
 * x86_exec on a guest one (same bytes: `c1 07 ib` is rol [rdi] on the host
 * and rol [edi] in 32-bit code).  By an immediate count > 1 the host
 * computes OF for memory (unlike for a register, see t_rol/t_rorb). */
#define NATIVE_MEM(name, text) \
static const uint8_t *name(uint32_t *m, uint32_t cnt, unsigned long *fl, size_t *len) \
{ \
	const uint8_t *cs, *ce; \
	unsigned long fi = *fl, fo; \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopfq\n" \
		"1:\t" text "\n2:\n\tpushfq\n\tpop %[fo]\n\tlea 128(%%rsp), %%rsp\n\t" \
		"lea 1b(%%rip), %[cs]\n\tlea 2b(%%rip), %[ce]" \
		: [fo] "=&r"(fo), [cs] "=&r"(cs), [ce] "=&r"(ce) \
		: [fi] "r"(fi), "D"(m), "c"(cnt) : "cc", "memory"); \
	*fl = fo; \
	*len = (size_t)(ce - cs); \
	return cs; \
}

#define MEM_TEMPLATES(X) \
	X(m_rol28, "roll $28, (%%rdi)") X(m_ror5, "rorl $5, (%%rdi)") \
	X(m_rol2, "roll $2, (%%rdi)") X(m_ror31, "rorl $31, (%%rdi)") \
	X(m_rolw9, "rolw $9, (%%rdi)") X(m_rorw17, "rorw $17, (%%rdi)") \
	X(m_rolb3, "rolb $3, (%%rdi)") X(m_rorb8, "rorb $8, (%%rdi)") \
	X(m_rol33, ".byte 0xc1, 0x07, 0x21") X(m_rol1i, ".byte 0xc1, 0x07, 0x01") \
	X(m_rol1, "roll (%%rdi)") X(m_rolcl, "roll %%cl, (%%rdi)") X(m_rorbcl, "rorb %%cl, (%%rdi)") \
	X(m_rcl5, "rcll $5, (%%rdi)") X(m_shl7, "shll $7, (%%rdi)")

#define X_NATIVE_MEM(name, text) NATIVE_MEM(name, text)
MEM_TEMPLATES(X_NATIVE_MEM)

static const struct {
	const char *text;
	const uint8_t *(*run)(uint32_t *, uint32_t, unsigned long *, size_t *);
} mem_templates[] = {
#define X_MEM_ENTRY(name, text) {text, name},
	MEM_TEMPLATES(X_MEM_ENTRY)
};

/* one guest dword at 0x2000 */
static int word_load(void *ctx, uint32_t a, unsigned n, uint32_t *v)
{
	if (a < 0x2000 || a + n > 0x2004)
		return -1;
	*v = (*(uint32_t *)ctx >> (8 * (a - 0x2000))) & (n == 4 ? 0xffffffffu : (1u << (8 * n)) - 1);
	return 0;
}

static int word_store(void *ctx, uint32_t a, unsigned n, uint32_t v)
{
	if (a < 0x2000 || a + n > 0x2004)
		return -1;
	uint32_t sh = 8 * (a - 0x2000), m = (n == 4 ? 0xffffffffu : (1u << (8 * n)) - 1) << sh;
	*(uint32_t *)ctx = (*(uint32_t *)ctx & ~m) | ((v << sh) & m);
	return 0;
}

static void test_mem_rotates_against_host(void)
{
	unsigned failures = 0;
	int all_flags = host_undefined_flags_are_reference("x86_exec: memory rotates vs host CPU");
	for (size_t t = 0; t < sizeof mem_templates / sizeof mem_templates[0]; t++) {
		unsigned shown = 0;
		for (int it = 0; it < 2000; it++) {
			uint32_t v0 = rnd32(), cnt = rnd32() & 0xff;
			unsigned long fl = (rnd32() & XF_STATUS) | 0x202;
			uint32_t host = v0, guest = v0;
			uint32_t r[X86_NSTATE] = {0, cnt, 0, 0, 0x1000, 0, 0, 0x2000, (uint32_t)fl, 0x1000, 0, 0};
			unsigned long hf = fl;
			size_t len;
			const uint8_t *code = mem_templates[t].run(&host, cnt, &hf, &len);
			struct x86_insn in;
			if (x86_decode(code, (unsigned)len, &in) != (int)len) {
				failures++;
				break;
			}
			struct x86_env env = {r, &guest, word_load, word_store, NULL, NULL, NULL, NULL};
			struct x86_step_info info;
			enum x86_stop st = x86_exec(&env, &in, &info);
			uint32_t cmp = XF_STATUS & ~(all_flags ? 0u : x86_op(in.op)->fundef);
			if (st != X86_OK || host != guest || ((hf ^ r[X86_EFLAGS]) & cmp)) {
				failures++;
				if (shown++ < 3)
					fprintf(stderr, "x86_exec: '%s' m=%x cl=%x f=%lx: host m=%x f=%lx, "
						"cdvm m=%x f=%x st=%d\n", mem_templates[t].text, v0, cnt,
						fl & 0xfff, host, hf & 0xfff, guest, r[X86_EFLAGS] & 0xfff, st);
			}
		}
	}
	CU_ASSERT_EQUAL(failures, 0);
}
#endif /* __x86_64__ */


/* ---- the op table (ops.def) against the interpreter ----------------------
 *
 * Every instruction form reachable from the one-byte and 0F maps (with and
 * without 66 and F3, ModRM register and [ebx] forms, random immediates)
 * runs twice on the same random registers and memory, with every status
 * flag the row does not list as read (and DF) flipped between the runs:
 * - flags the row says are certainly written come out equal,
 * - flags the row says are never written keep their value in both runs,
 * - registers and memory come out equal (the row lists every flag read),
 * - no register outside the explicit destinations and the row's implicit
 *   ones changes. */
struct table_stats {
	unsigned checked[X86_OP_COUNT];
	unsigned failures;
};

/* Registers the instruction may change: explicit destinations and the
 * row's implicit ones. */
static uint32_t table_may_write(const struct x86_insn *in)
{
	const struct x86_op_info *row = x86_op(in->op);
	uint32_t m = row->iwrite;
	if (row->props & (OPF_ESP | OPF_LEAVE))
		m |= 1u << X86_ESP;
	if ((row->props & (OPF_STR1 | OPF_STR2)) && in->rep)
		m |= 1u << X86_ECX;
	for (unsigned k = 0; k < in->nops; k++) {
		const struct x86_operand *o = &in->o[k];
		int w = (x86_op_use(in->op, k) & X86_USE_W) || (in->op == X86_OP_IMUL && k == 0 && in->nops >= 2);
		if (w && o->kind == X86_OPK_REG)
			m |= 1u << (o->size == 1 && o->reg >= 4 ? o->reg - 4 : o->reg);
	}
	return m;
}

static void table_case(struct guest *a, struct guest *b, const uint8_t *code, unsigned len, uint64_t *rng,
		       struct table_stats *ts)
{
	struct x86_insn in;
	if (x86_decode(code, len, &in) <= 0)
		return;
	const struct x86_op_info *row = x86_op(in.op);
	memset(a->mem, 0, sizeof a->mem);
	for (unsigned i = 0x1000; i < 0x9000; i += 8) {
		uint64_t v = test_rng(rng);
		memcpy(a->mem + i, &v, 8);
	}
	for (unsigned k = 0; k < 8; k++)
		a->r[k] = (uint32_t)test_rng(rng);
	a->r[X86_EBX] = MEM_BASE + 0x4000 + ((uint32_t)test_rng(rng) & 0xffc);
	a->r[X86_ESI] = MEM_BASE + 0x6000 + ((uint32_t)test_rng(rng) & 0xff);
	a->r[X86_EDI] = MEM_BASE + 0x7000 + ((uint32_t)test_rng(rng) & 0xff);
	a->r[X86_EBP] = MEM_BASE + 0x5000 + ((uint32_t)test_rng(rng) & 0xffc);
	a->r[X86_ESP] = MEM_BASE + 0x8000 + ((uint32_t)test_rng(rng) & 0xffc);
	if (test_rng(rng) & 1)
		a->r[X86_ECX] &= 3;  /* small REP counts, zero among them */
	a->r[X86_FSBASE] = a->r[X86_GSBASE] = 0;
	x86_segs_init(&a->segs);
	x86_segs_init(&b->segs);
	/* segment loads: a selector the model accepts (random ones are #GP) */
	if (in.op == X86_OP_MOVSEG && in.o[0].kind == X86_OPK_SREG && in.o[1].kind == X86_OPK_REG)
		a->r[in.o[1].reg] = (a->r[in.o[1].reg] & 0xffff0000u) | 0x2b;
	if (in.op == X86_OP_POPSEG)
		wr32(a, a->r[X86_ESP], (uint32_t)test_rng(rng) << 16 | 0x2b);
	/* x87: a random stack of normal numbers, some registers empty */
	x87_init(&a->fpu);
	a->fpu.sw = (uint16_t)((test_rng(rng) & 7) << X87_TOP_SHIFT);
	a->fpu.tags = (uint8_t)(test_rng(rng) | test_rng(rng));
	for (unsigned k = 0; k < 8; k++) {
		a->fpu.r[k].mant = test_rng(rng) | 1ull << 63;
		a->fpu.r[k].se = (uint16_t)(0x3fff - 40 + (test_rng(rng) % 80) + (test_rng(rng) & 0x8000));
	}
	b->fpu = a->fpu;
	uint32_t flip = (XF_STATUS | XF_DF) & ~(uint32_t)row->fread;
	a->r[X86_EFLAGS] = 0x202 | ((uint32_t)test_rng(rng) & (XF_STATUS | XF_DF));
	memcpy(a->mem + (CODE - MEM_BASE), code, len);
	a->r[X86_EIP] = CODE;
	memcpy(b->mem, a->mem, sizeof a->mem);
	memcpy(b->r, a->r, sizeof a->r);
	b->r[X86_EFLAGS] ^= flip;
	uint32_t r0[X86_NSTATE];
	memcpy(r0, a->r, sizeof r0);
	struct x86_step_info ia, ib;
	enum x86_stop sa = x86_exec(&a->env, &in, &ia), sb = x86_exec(&b->env, &in, &ib);
	char text[96];
	x86_disasm(&in, CODE, text, sizeof text);
	int bad = 0;
	if (sa != sb) {
		CHECK(0, "%s: stops %d and %d with only unread flags changed", text, sa, sb);
		bad = 1;
	}
	if (!bad && (sa == X86_OK || sa == X86_SYSCALL || sa == X86_TRAP)) {
		uint32_t cw = x86_flags_written_ecx(&in, r0[X86_ECX]), may = (row->fwrite | row->fundef) & (XF_STATUS | XF_DF);
		uint32_t fa = a->r[X86_EFLAGS], fb = b->r[X86_EFLAGS];
		uint32_t fa0 = r0[X86_EFLAGS], fb0 = fa0 ^ flip;
		if ((fa ^ fb) & cw) {
			CHECK(0, "%s: flags 0x%x are not defined by the operands (0x%x vs 0x%x)", text, (fa ^ fb) & cw, fa, fb);
			bad = 1;
		}
		uint32_t keep = (XF_STATUS | XF_DF) & ~may;
		if (((fa ^ fa0) | (fb ^ fb0)) & keep) {
			CHECK(0, "%s: changed flags 0x%x the row says it leaves alone", text, ((fa ^ fa0) | (fb ^ fb0)) & keep);
			bad = 1;
		}
		int same = memcmp(a->mem, b->mem, sizeof a->mem) == 0 && x87_state_equal(&a->fpu, &b->fpu);
		for (unsigned k = 0; k < X86_NSTATE; k++)
			same &= k == X86_EFLAGS || a->r[k] == b->r[k];
		if (!same) {
			CHECK(0, "%s: the result depends on flags the row does not list as read (0x%x)", text, flip);
			bad = 1;
		}
		uint32_t mw = table_may_write(&in);
		for (unsigned k = 0; k < 8; k++)
			if (!(mw & (1u << k)) && a->r[k] != r0[k]) {
				CHECK(0, "%s: wrote register %u, not in its row", text, k);
				bad = 1;
			}
		ts->checked[in.op]++;
	}
	ts->failures += (unsigned)bad;
}

static void test_table_against_interpreter(void)
{
	uint64_t rng = test_seed("x86_exec: ops.def vs the interpreter");
	struct guest *a = guest_new(), *b = guest_new();
	struct table_stats ts;
	memset(&ts, 0, sizeof ts);
	static const uint8_t pfx[] = {0, 0x66, 0xf3};
	static const uint8_t modrm[] = {0xc1, 0xc9, 0xd1, 0xd9, 0xe1, 0xe9, 0xf1, 0xf9, 0xc4, 0xe0,
					0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x3b, 0xfb};
	for (unsigned map = 0; map < 2; map++)
		for (unsigned opc = 0; opc < 256; opc++)
			for (unsigned p = 0; p < sizeof pfx; p++)
				for (unsigned m = 0; m < sizeof modrm; m++)
					for (unsigned trial = 0; trial < 6 && ts.failures < 20; trial++) {
						uint8_t code[16];
						unsigned n = 0;
						if (pfx[p])
							code[n++] = pfx[p];
						if (map)
							code[n++] = 0x0f;
						code[n++] = (uint8_t)opc;
						code[n++] = modrm[m];
						uint64_t imm = test_rng(&rng);
						for (unsigned i = 0; i < 6; i++)
							code[n++] = (uint8_t)(imm >> (8 * i));
						table_case(a, b, code, n, &rng, &ts);
					}
	/* the x87 escapes: every ModRM byte (register forms name the operation) */
	for (unsigned opc = 0xd8; opc <= 0xdf; opc++)
		for (unsigned m = 0; m < 256; m++)
			for (unsigned trial = 0; trial < 3 && ts.failures < 20; trial++) {
				uint8_t code[16];
				unsigned n = 0;
				code[n++] = (uint8_t)opc;
				code[n++] = (uint8_t)m;
				uint64_t imm = test_rng(&rng);
				for (unsigned i = 0; i < 6; i++)
					code[n++] = (uint8_t)(imm >> (8 * i));
				table_case(a, b, code, n, &rng, &ts);
			}
	/* every operation cdvm executes was checked on some form */
	for (unsigned op = 0; op < X86_OP_COUNT; op++) {
		const struct x86_op_info *row = x86_op(op);
		if (row->props & (OPF_UNSUP | OPF_TRAPS))
			continue;
		CHECK(ts.checked[op] > 0, "ops.def row %s: never checked", row->name);
	}
	CU_ASSERT_EQUAL(ts.failures, 0);
	free(a);
	free(b);
}

void suite_x86_exec(void);
void suite_x86_exec(void)
{
	CU_pSuite s = CU_add_suite("x86_exec", NULL, NULL);
	CU_add_test(s, "alu and flags", test_alu_and_flags);
	CU_add_test(s, "stack and precise faults", test_stack_precise);
	CU_add_test(s, "rep string ops", test_string_ops);
	CU_add_test(s, "divide faults", test_div_faults);
	CU_add_test(s, "atomics and bit ops", test_atomics_and_bits);
	CU_add_test(s, "control transfer and system", test_control_and_system);
	CU_add_test(s, "traps: int3, int 3/4, into", test_traps);
	CU_add_test(s, "xadd with one register twice", test_xadd_same_reg);
	CU_add_test(s, "enter with nesting", test_enter_nested);
	CU_add_test(s, "rep cmps/scas fault keeps the flags", test_rep_cond_fault_flags);
	CU_add_test(s, "fs/gs offset past the limit is #GP", test_segment_limit);
	CU_add_test(s, "segment registers: selectors, TLS base, #GP and #UD", test_segment_registers);
	CU_add_test(s, "ops.def flags and registers vs the interpreter", test_table_against_interpreter);
#if defined(__x86_64__)
	CU_add_test(s, "exec vs host CPU", test_against_host);
	CU_add_test(s, "memory rotates vs host CPU", test_mem_rotates_against_host);
#endif
}
