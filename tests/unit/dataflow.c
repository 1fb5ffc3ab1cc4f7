/* tests/unit/dataflow.c — the dataflow limit (cms/dataflow.c).
 *
 * 1. The register/flag table: hand-built decoded instructions, and real
 *    instruction bytes through x86_decode (so the table and the decoder
 *    agree on operand layout: AL/AH, implicit EAX/EDX, CL counts).
 * 2. The limit of hand-made traces fed straight to the analysis: chains of
 *    dependent adds, independent adds, loads feeding adds, store -> load
 *    forwarding through memory (whole and partial overlap), mul and div
 *    latencies, the separate ESP chain of push/pop, string instructions,
 *    unknown instructions.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "cms/dataflow.h"
#include "cms/x86/x86.h"

#define BIT(r) DF_BIT(DF_##r)

/* ---- building decoded instructions ---- */

static struct x86_insn insn0(enum x86_op op)
{
	struct x86_insn in;
	memset(&in, 0, sizeof in);
	in.op = (uint16_t)op;
	in.len = 1;
	in.osize = 4;
	in.seg = X86_SEG_NONE;
	in.base = in.index = X86_NOREG;
	return in;
}

static void set_reg(struct x86_insn *in, unsigned k, unsigned reg, unsigned size)
{
	in->o[k].kind = X86_OPK_REG;
	in->o[k].reg = (uint8_t)reg;
	in->o[k].size = (uint8_t)size;
	if (in->nops < k + 1)
		in->nops = (uint8_t)(k + 1);
}

static void set_mem(struct x86_insn *in, unsigned k, unsigned base, unsigned index, unsigned size)
{
	in->o[k].kind = X86_OPK_MEM;
	in->o[k].size = (uint8_t)size;
	in->base = (uint8_t)base;
	in->index = (uint8_t)index;
	if (in->nops < k + 1)
		in->nops = (uint8_t)(k + 1);
}

static void set_imm(struct x86_insn *in, unsigned k, uint32_t v)
{
	in->o[k].kind = X86_OPK_IMM;
	in->o[k].size = 4;
	in->imm = v;
	if (in->nops < k + 1)
		in->nops = (uint8_t)(k + 1);
}

/* op r1, r2 (32-bit) */
static struct x86_insn rr(enum x86_op op, unsigned r1, unsigned r2)
{
	struct x86_insn in = insn0(op);
	set_reg(&in, 0, r1, 4);
	set_reg(&in, 1, r2, 4);
	return in;
}

static struct x86_insn ri(enum x86_op op, unsigned r, uint32_t imm)
{
	struct x86_insn in = insn0(op);
	set_reg(&in, 0, r, 4);
	set_imm(&in, 1, imm);
	return in;
}

static struct x86_insn r1(enum x86_op op, unsigned r)
{
	struct x86_insn in = insn0(op);
	set_reg(&in, 0, r, 4);
	return in;
}

/* op r, dword [base] */
static struct x86_insn rm(enum x86_op op, unsigned r, unsigned base)
{
	struct x86_insn in = insn0(op);
	set_reg(&in, 0, r, 4);
	set_mem(&in, 1, base, X86_NOREG, 4);
	return in;
}

/* op dword [base], r */
static struct x86_insn mr(enum x86_op op, unsigned base, unsigned r)
{
	struct x86_insn in = insn0(op);
	set_mem(&in, 0, base, X86_NOREG, 4);
	set_reg(&in, 1, r, 4);
	return in;
}

/* Decode real bytes (must be a valid instruction). */
static struct x86_insn dec(const uint8_t *b, unsigned n)
{
	struct x86_insn in;
	int len = x86_decode(b, n, &in);
	CU_ASSERT_EQUAL(len, (int)n);
	return in;
}
#define DEC(...) dec((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static struct dataflow_uses uses(struct x86_insn in, const uint32_t *regs)
{
	struct dataflow_uses u;
	CU_ASSERT_EQUAL(dataflow_uses(&in, regs, &u), 0);
	return u;
}

/* ---- the table ---- */

static void test_table_alu(void)
{
	struct dataflow_uses u = uses(rr(X86_OP_ADD, X86_EAX, X86_EBX), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | DF_ARITH);
	CU_ASSERT_EQUAL(u.lat, DF_LAT_ALU);
	CU_ASSERT_EQUAL(u.addr, 0);

	u = uses(rr(X86_OP_ADC, X86_ECX, X86_EDX), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(ECX) | BIT(EDX) | BIT(CF));

	u = uses(rr(X86_OP_CMP, X86_ESI, X86_EDI), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(ESI) | BIT(EDI));
	CU_ASSERT_EQUAL(u.writes, DF_ARITH);

	u = uses(r1(X86_OP_INC, X86_ECX), NULL); /* CF is not written */
	CU_ASSERT_EQUAL(u.writes, BIT(ECX) | BIT(OF) | BIT(ZSPA));

	u = uses(ri(X86_OP_MOV, X86_EBP, 7), NULL);
	CU_ASSERT_EQUAL(u.reads, 0);
	CU_ASSERT_EQUAL(u.writes, BIT(EBP));
	CU_ASSERT(u.move);

	/* zero idioms depend on nothing; sbb r,r only on CF; add r,r is no idiom */
	CU_ASSERT_EQUAL(uses(rr(X86_OP_XOR, X86_EDX, X86_EDX), NULL).reads, 0);
	CU_ASSERT_EQUAL(uses(rr(X86_OP_SUB, X86_EDX, X86_EDX), NULL).reads, 0);
	CU_ASSERT_EQUAL(uses(rr(X86_OP_SBB, X86_EDX, X86_EDX), NULL).reads, BIT(CF));
	CU_ASSERT_EQUAL(uses(rr(X86_OP_ADD, X86_EDX, X86_EDX), NULL).reads, BIT(EDX));

	/* loads and stores: the address registers are not data inputs */
	u = uses(rm(X86_OP_MOV, X86_EAX, X86_EBX), NULL);
	CU_ASSERT_EQUAL(u.reads, 0);
	CU_ASSERT_EQUAL(u.addr, BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
	u = uses(mr(X86_OP_ADD, X86_ESI, X86_ECX), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(ECX));
	CU_ASSERT_EQUAL(u.addr, BIT(ESI));
	CU_ASSERT_EQUAL(u.writes, DF_ARITH);
	/* lea: the address registers are its data, no access */
	struct x86_insn lea = insn0(X86_OP_LEA);
	set_reg(&lea, 0, X86_EAX, 4);
	set_mem(&lea, 1, X86_EBX, X86_ECX, 4);
	u = uses(lea, NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EBX) | BIT(ECX));
	CU_ASSERT_EQUAL(u.addr, 0);
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
}

static void test_table_decoded(void)
{
	/* mul ecx: EDX:EAX = EAX * ECX */
	struct dataflow_uses u = uses(DEC(0xf7, 0xe1), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(ECX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | BIT(EDX) | DF_ARITH);
	CU_ASSERT_EQUAL(u.lat, DF_LAT_MUL);
	/* mul cl: AX = AL * CL, EDX untouched */
	u = uses(DEC(0xf6, 0xe1), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(ECX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | DF_ARITH);
	/* div ebx: EDX:EAX / EBX */
	u = uses(DEC(0xf7, 0xf3), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(EDX) | BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | BIT(EDX) | DF_ARITH);
	CU_ASSERT_EQUAL(u.lat, DF_LAT_DIV);
	/* idiv byte [esi]: AX / m8 */
	u = uses(DEC(0xf6, 0x3e), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX));
	CU_ASSERT_EQUAL(u.addr, BIT(ESI));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | DF_ARITH);
	/* imul eax, ebx, 5 and imul eax, ebx */
	u = uses(DEC(0x6b, 0xc3, 0x05), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | DF_ARITH);
	CU_ASSERT_EQUAL(u.lat, DF_LAT_MUL);
	u = uses(DEC(0x0f, 0xaf, 0xc3), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(EBX));
	/* cdq */
	u = uses(DEC(0x99), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX));
	CU_ASSERT_EQUAL(u.writes, BIT(EDX));
	/* mov ah, bl: AH is EAX, merged */
	u = uses(DEC(0x88, 0xdc), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
	/* movzx ecx, bh: BH is EBX; ECX fully written */
	u = uses(DEC(0x0f, 0xb6, 0xcf), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(ECX));
	/* push eax / pop ebx / call / ret: ESP on its own chain */
	u = uses(DEC(0x50), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX));
	CU_ASSERT_EQUAL(u.addr, BIT(ESP));
	CU_ASSERT_EQUAL(u.esp, DF_ESP_ADJUST);
	u = uses(DEC(0x5b), NULL);
	CU_ASSERT_EQUAL(u.writes, BIT(EBX));
	CU_ASSERT_EQUAL(u.esp, DF_ESP_ADJUST);
	CU_ASSERT(u.move);
	CU_ASSERT_EQUAL(uses(DEC(0xe8, 0, 0, 0, 0), NULL).esp, DF_ESP_ADJUST);
	CU_ASSERT_EQUAL(uses(DEC(0xc3), NULL).esp, DF_ESP_ADJUST);
	u = uses(DEC(0xc9), NULL); /* leave */
	CU_ASSERT_EQUAL(u.esp, DF_ESP_LEAVE);
	CU_ASSERT_EQUAL(u.addr, BIT(EBP));
	CU_ASSERT_EQUAL(u.writes, BIT(EBP));
	/* rep movsb; stosd; lodsb */
	u = uses(DEC(0xf3, 0xa4), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(ECX) | BIT(DF));
	CU_ASSERT_EQUAL(u.addr, BIT(ESI) | BIT(EDI));
	CU_ASSERT_EQUAL(u.writes, BIT(ESI) | BIT(EDI) | BIT(ECX));
	CU_ASSERT_EQUAL(u.string, 2);
	u = uses(DEC(0xab), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(DF));
	CU_ASSERT_EQUAL(u.writes, BIT(EDI));
	CU_ASSERT_EQUAL(u.string, 1);
	u = uses(DEC(0xac), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(DF));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | BIT(ESI));
	/* conditions: jne reads ZF, jl SF and OF, jb CF, ja CF and ZF */
	CU_ASSERT_EQUAL(uses(DEC(0x75, 0), NULL).reads, BIT(ZSPA));
	CU_ASSERT_EQUAL(uses(DEC(0x7c, 0), NULL).reads, BIT(ZSPA) | BIT(OF));
	CU_ASSERT_EQUAL(uses(DEC(0x72, 0), NULL).reads, BIT(CF));
	CU_ASSERT_EQUAL(uses(DEC(0x77, 0), NULL).reads, BIT(CF) | BIT(ZSPA));
	CU_ASSERT_EQUAL(uses(DEC(0x70, 0), NULL).reads, BIT(OF));
	/* cmovne eax, ebx keeps EAX when false; setg al merges into EAX */
	u = uses(DEC(0x0f, 0x45, 0xc3), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(EBX) | BIT(ZSPA));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
	u = uses(DEC(0x0f, 0x9f, 0xc0), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(ZSPA) | BIT(OF));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
	/* shifts: a zero count writes no flags */
	CU_ASSERT_EQUAL(uses(DEC(0xc1, 0xe0, 0x00), NULL).writes, BIT(EAX));
	CU_ASSERT_EQUAL(uses(DEC(0xc1, 0xe0, 0x03), NULL).writes, BIT(EAX) | DF_ARITH);
	uint32_t regs[X86_NSTATE] = {0};
	regs[X86_ECX] = 32; /* masked to 0 */
	u = uses(DEC(0xd3, 0xe0), regs); /* shl eax, cl */
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(ECX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
	regs[X86_ECX] = 5;
	CU_ASSERT_EQUAL(uses(DEC(0xd3, 0xe0), regs).writes, BIT(EAX) | DF_ARITH);
	/* rcl reads CF; rol writes only CF and OF */
	u = uses(DEC(0xd1, 0xd0), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(CF));
	CU_ASSERT_EQUAL(uses(DEC(0xd1, 0xc0), NULL).writes, BIT(EAX) | BIT(CF) | BIT(OF));
	/* int $0x80: the syscall reads the argument registers, returns in EAX */
	u = uses(DEC(0xcd, 0x80), NULL);
	CU_ASSERT_EQUAL(u.reads, DF_GPRS);
	CU_ASSERT_EQUAL(u.writes, BIT(EAX));
	/* cmpxchg [ebx], ecx */
	u = uses(DEC(0x0f, 0xb1, 0x0b), NULL);
	CU_ASSERT_EQUAL(u.reads, BIT(EAX) | BIT(ECX));
	CU_ASSERT_EQUAL(u.addr, BIT(EBX));
	CU_ASSERT_EQUAL(u.writes, BIT(EAX) | DF_ARITH);
}

static void test_table_unknown(void)
{
	struct dataflow_uses u;
	CU_ASSERT_EQUAL(dataflow_uses(NULL, NULL, &u), -1);
	CU_ASSERT_EQUAL(u.reads, DF_ALL);
	CU_ASSERT_EQUAL(u.writes, DF_ALL);
	CU_ASSERT_FALSE(u.known);
	struct x86_insn in = insn0(X86_OP_X87);
	CU_ASSERT_EQUAL(dataflow_uses(&in, NULL, &u), -1);
	CU_ASSERT_EQUAL(u.reads, DF_ALL);

	/* every op the interpreter executes has a row: a new op in ops.def
	 * without one shows up here.  The ones left out end the run. */
	for (unsigned op = 0; op < X86_OP_COUNT; op++) {
		if (x86_op_flags((enum x86_op)op) & OPF_UNSUP)
			continue;
		if (op == X86_OP_INT3 || op == X86_OP_INTO || op == X86_OP_UD2 || op == X86_OP_HLT)
			continue;
		struct x86_insn x = insn0((enum x86_op)op);
		int rc = dataflow_uses(&x, NULL, &u);
		if (rc != 0)
			fprintf(stderr, "dataflow: no table row for %s\n", x86_op_name((enum x86_op)op));
		CU_ASSERT_EQUAL(rc, 0);
	}
}

/* ---- the limit of hand-made traces ---- */

static const struct dataflow_lat LAT = {.alu = 1, .mul = 3, .div = 20, .load = 2, .forward = 1};

static struct dataflow *new_df(const struct dataflow_lat *lat)
{
	char err[128];
	struct dataflow *d = NULL;
	CU_ASSERT_EQUAL_FATAL(dataflow_create(lat, &d, err, sizeof err), 0);
	return d;
}

static struct dataflow_result result_of(struct dataflow *d)
{
	char err[128];
	struct dataflow_result r;
	CU_ASSERT_EQUAL(dataflow_result(d, &r, err, sizeof err), 0);
	return r;
}

static void feed(struct dataflow *d, struct x86_insn in)
{
	dataflow_insn(d, &in, NULL);
}

static void test_limit_chains(void)
{
	const unsigned n = 100;
	/* n dependent adds: one per ALU latency */
	struct dataflow *d = new_df(&LAT);
	for (unsigned i = 0; i < n; i++)
		feed(d, ri(X86_OP_ADD, X86_EAX, 1));
	struct dataflow_result r = result_of(d);
	CU_ASSERT_EQUAL(r.insns, n);
	CU_ASSERT_EQUAL(r.path, n);
	CU_ASSERT_DOUBLE_EQUAL(r.ipc, 1.0, 1e-9);
	dataflow_destroy(d);

	struct dataflow_lat slow = LAT;
	slow.alu = 4;
	d = new_df(&slow);
	for (unsigned i = 0; i < n; i++)
		feed(d, ri(X86_OP_ADD, X86_EAX, 1));
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 4 * n);
	CU_ASSERT_DOUBLE_EQUAL(r.ipc, 0.25, 1e-9);
	dataflow_destroy(d);

	/* 7 independent adds (they all write the flags: no true dependence) */
	static const unsigned regs7[] = {X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_EBP, X86_ESI, X86_EDI};
	d = new_df(&LAT);
	for (unsigned i = 0; i < 7; i++)
		feed(d, ri(X86_OP_ADD, regs7[i], 1));
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 1);
	CU_ASSERT_DOUBLE_EQUAL(r.ipc, 7.0, 1e-9);
	/* n rounds of 7 independent chains: IPC 7 */
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = 0; k < 7; k++)
			feed(d, ri(X86_OP_ADD, regs7[k], 1));
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, n);
	CU_ASSERT_DOUBLE_EQUAL(r.ipc, 7.0, 1e-9);
	dataflow_destroy(d);

	/* a chain through the carry flag: adc, adc on different registers */
	d = new_df(&LAT);
	for (unsigned i = 0; i < 10; i++)
		feed(d, ri(X86_OP_ADC, i % 2 ? X86_EBX : X86_ECX, 0));
	CU_ASSERT_EQUAL(result_of(d).path, 10);
	dataflow_destroy(d);

	/* xor eax, eax breaks a chain */
	d = new_df(&LAT);
	for (unsigned i = 0; i < 10; i++)
		feed(d, ri(X86_OP_ADD, X86_EAX, 1));
	feed(d, rr(X86_OP_XOR, X86_EAX, X86_EAX));
	feed(d, ri(X86_OP_ADD, X86_EAX, 1));
	CU_ASSERT_EQUAL(result_of(d).path, 10);
	dataflow_destroy(d);
}

static void test_limit_mul_div(void)
{
	const unsigned n = 50;
	struct dataflow *d = new_df(&LAT);
	for (unsigned i = 0; i < n; i++)
		feed(d, rr(X86_OP_IMUL, X86_EAX, X86_EAX));
	struct dataflow_result r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 3 * n);
	CU_ASSERT_DOUBLE_EQUAL(r.ipc, 1.0 / 3, 1e-9);
	dataflow_destroy(d);

	/* div ebx reads and writes EDX:EAX: a chain */
	d = new_df(&LAT);
	for (unsigned i = 0; i < n; i++)
		feed(d, DEC(0xf7, 0xf3));
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 20 * n);
	dataflow_destroy(d);

	/* mul then a dependent add, and an independent add alongside */
	d = new_df(&LAT);
	feed(d, DEC(0xf7, 0xe1));                 /* mul ecx: EAX at 3 */
	feed(d, rr(X86_OP_ADD, X86_EBX, X86_EDX)); /* EDX at 3 -> 4 */
	feed(d, ri(X86_OP_ADD, X86_ESI, 1));      /* 1 */
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 4);
	CU_ASSERT_DOUBLE_EQUAL(r.ipc, 3.0 / 4, 1e-9);
	dataflow_destroy(d);
}

static void test_limit_memory(void)
{
	/* load feeding an add: load latency + ALU */
	struct dataflow *d = new_df(&LAT);
	feed(d, rm(X86_OP_MOV, X86_EAX, X86_EBX));
	dataflow_mem(d, 0x1000, 4, 0);
	feed(d, rr(X86_OP_ADD, X86_ECX, X86_EAX));
	struct dataflow_result r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 2 + 1);
	CU_ASSERT_EQUAL(r.loads, 1);
	CU_ASSERT_EQUAL(r.forwarded, 0);
	dataflow_destroy(d);

	/* add with a memory source: same */
	d = new_df(&LAT);
	feed(d, rm(X86_OP_ADD, X86_ECX, X86_EBX));
	dataflow_mem(d, 0x1000, 4, 0);
	CU_ASSERT_EQUAL(result_of(d).path, 3);
	dataflow_destroy(d);

	/* the address register's producer delays the load */
	d = new_df(&LAT);
	feed(d, rr(X86_OP_IMUL, X86_EBX, X86_EBX)); /* EBX at 3 */
	feed(d, rm(X86_OP_MOV, X86_EAX, X86_EBX));
	dataflow_mem(d, 0x1000, 4, 0);
	CU_ASSERT_EQUAL(result_of(d).path, 3 + 2);
	dataflow_destroy(d);

	/* store, then a load of the same address: the load waits for the
	 * stored value (+1 forward); another address does not */
	struct dataflow_lat l3 = LAT;
	l3.load = 3;
	d = new_df(&l3);
	feed(d, rr(X86_OP_IMUL, X86_EAX, X86_EAX)); /* EAX at 3 */
	feed(d, mr(X86_OP_MOV, X86_EBX, X86_EAX));   /* store at 4 */
	dataflow_mem(d, 0x2000, 4, 1);
	feed(d, rm(X86_OP_MOV, X86_ECX, X86_EBX));   /* forward: 5 */
	dataflow_mem(d, 0x2000, 4, 0);
	feed(d, rr(X86_OP_ADD, X86_ECX, X86_ECX));   /* 6 */
	feed(d, rm(X86_OP_MOV, X86_EDX, X86_ESI));   /* other address: 3 */
	dataflow_mem(d, 0x2004, 4, 0);
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 6);
	CU_ASSERT_EQUAL(r.stores, 1);
	CU_ASSERT_EQUAL(r.loads, 2);
	CU_ASSERT_EQUAL(r.forwarded, 1);
	dataflow_destroy(d);

	/* partial overlap: a byte load of the stored dword's last byte waits,
	 * the byte just past it does not */
	d = new_df(&l3);
	feed(d, rr(X86_OP_IMUL, X86_EAX, X86_EAX));
	feed(d, mr(X86_OP_MOV, X86_EBX, X86_EAX)); /* store at 4 */
	dataflow_mem(d, 0x3001, 4, 1);             /* bytes 0x3001..0x3004 */
	feed(d, DEC(0x0f, 0xb6, 0x0e));            /* movzx ecx, byte [esi] */
	dataflow_mem(d, 0x3004, 1, 0);
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 5);
	CU_ASSERT_EQUAL(r.forwarded, 1);
	feed(d, DEC(0x0f, 0xb6, 0x17));            /* movzx edx, byte [edi] */
	dataflow_mem(d, 0x3005, 1, 0);
	feed(d, DEC(0x0f, 0xb6, 0x1f));            /* movzx ebx, byte [edi] */
	dataflow_mem(d, 0x3000, 1, 0);
	r = result_of(d);
	CU_ASSERT_EQUAL(r.forwarded, 1);
	CU_ASSERT_EQUAL(r.path, 5);
	dataflow_destroy(d);

	/* a read-modify-write chain through memory: add [ebx], 1 repeated */
	d = new_df(&LAT);
	for (unsigned i = 0; i < 10; i++) {
		struct x86_insn in = insn0(X86_OP_ADD);
		set_mem(&in, 0, X86_EBX, X86_NOREG, 4);
		set_imm(&in, 1, 1);
		feed(d, in);
		dataflow_mem(d, 0x4000, 4, 0);
		dataflow_mem(d, 0x4000, 4, 1);
	}
	/* first: load 2 + add 1 = 3; each next: forward 3+1 + add 1 = 5, ... */
	CU_ASSERT_EQUAL(result_of(d).path, 3 + 9 * 2);
	dataflow_destroy(d);
}

static void test_limit_stack_and_strings(void)
{
	/* 10 pops: ESP advances 1 per pop; each value is a load on its own */
	struct dataflow *d = new_df(&LAT);
	for (unsigned i = 0; i < 10; i++) {
		feed(d, DEC(0x58 + (i % 4)));
		dataflow_mem(d, 0x8000 + 4 * i, 4, 0);
	}
	CU_ASSERT_EQUAL(result_of(d).path, 9 + 2);
	dataflow_destroy(d);

	/* push eax after a mul, pop into ecx: through memory */
	d = new_df(&LAT);
	feed(d, DEC(0xf7, 0xe3)); /* mul ebx: EAX at 3 */
	feed(d, DEC(0x50));       /* push eax: store at 4 */
	dataflow_mem(d, 0x7ffc, 4, 1);
	feed(d, DEC(0x59));       /* pop ecx: max(ESP 1 + 2, 4 + 1) = 5 */
	dataflow_mem(d, 0x7ffc, 4, 0);
	CU_ASSERT_EQUAL(result_of(d).path, 5);
	dataflow_destroy(d);

	/* rep stosd with 8 iterations: EDI advances once per iteration; the
	 * last store is at EDI 7 + 1 */
	d = new_df(&LAT);
	feed(d, DEC(0xf3, 0xab));
	for (unsigned i = 0; i < 8; i++)
		dataflow_mem(d, 0x9000 + 4 * i, 4, 1);
	feed(d, DEC(0x8b, 0x07)); /* mov eax, [edi]: EDI at 8 */
	dataflow_mem(d, 0x9020, 4, 0);
	struct dataflow_result r = result_of(d);
	CU_ASSERT_EQUAL(r.insns, 2);
	CU_ASSERT_EQUAL(r.stores, 8);
	CU_ASSERT_EQUAL(r.path, 8 + 2);
	/* a load of the last stored dword waits for it: 8 + 1 */
	feed(d, DEC(0x8b, 0x0e)); /* mov ecx, [esi] */
	dataflow_mem(d, 0x901c, 4, 0);
	r = result_of(d);
	CU_ASSERT_EQUAL(r.forwarded, 1);
	CU_ASSERT_EQUAL(r.path, 10);
	dataflow_destroy(d);

	/* rep movsb copies: each stored byte is ready when its load is */
	d = new_df(&LAT);
	feed(d, DEC(0xf3, 0xa4));
	for (unsigned i = 0; i < 4; i++) {
		dataflow_mem(d, 0xa000 + i, 1, 0);
		dataflow_mem(d, 0xb000 + i, 1, 1);
	}
	r = result_of(d);
	CU_ASSERT_EQUAL(r.loads, 4);
	CU_ASSERT_EQUAL(r.stores, 4);
	/* iteration i loads at ESI i + 2 and stores then; the pointers end at 4 */
	CU_ASSERT_EQUAL(r.path, 3 + 2);
	dataflow_destroy(d);

	/* an unknown instruction waits for everything and everything waits for it */
	d = new_df(&LAT);
	feed(d, rr(X86_OP_IMUL, X86_EAX, X86_EAX)); /* 3 */
	dataflow_insn(d, NULL, NULL);               /* 4 */
	feed(d, ri(X86_OP_ADD, X86_EBX, 1));        /* 5 */
	r = result_of(d);
	CU_ASSERT_EQUAL(r.path, 5);
	CU_ASSERT_EQUAL(r.unknown, 1);
	dataflow_destroy(d);
}

static void test_lat_from_config(void)
{
	struct cdvm_config cfg;
	config_default(&cfg);
	cfg.lat_alu = 2;
	cfg.lat_mul = 5;
	cfg.lat_div = 30;
	cfg.l1d_lat = 4;
	struct dataflow_lat l;
	dataflow_lat_from_config(&cfg, &l);
	CU_ASSERT_EQUAL(l.alu, 2);
	CU_ASSERT_EQUAL(l.mul, 5);
	CU_ASSERT_EQUAL(l.div, 30);
	CU_ASSERT_EQUAL(l.load, 4);
	CU_ASSERT_EQUAL(l.forward, 1);
}

void suite_dataflow(void)
{
	CU_pSuite s = CU_add_suite("dataflow", NULL, NULL);
	CU_add_test(s, "table: ALU, loads, idioms", test_table_alu);
	CU_add_test(s, "table: decoded instructions", test_table_decoded);
	CU_add_test(s, "table: unknown ops and coverage", test_table_unknown);
	CU_add_test(s, "limit: dependent and independent chains", test_limit_chains);
	CU_add_test(s, "limit: mul and div latencies", test_limit_mul_div);
	CU_add_test(s, "limit: loads, stores, forwarding", test_limit_memory);
	CU_add_test(s, "limit: stack and string instructions", test_limit_stack_and_strings);
	CU_add_test(s, "latencies from the configuration", test_lat_from_config);
}
