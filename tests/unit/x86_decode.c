/* tests/unit/x86_decode.c — the x86 decoder (cms/x86/decode.c).
 *
 * Hand-picked encodings whose length and mnemonic were checked with
 * `llvm-mc --disassemble -triple=i386 --output-asm-variant=1`, operand
 * decoding (ModRM/SIB corner cases), rejected encodings with their
 * lengths, and properties that must hold for every random byte string:
 * decoding is prefix-stable (the same result with exactly `len` bytes,
 * TRUNC with fewer) and never reads beyond `avail`.  Seeded (CDVM_SEED).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cms/x86/x86.h"

struct dcase {
	const char *hex;
	int want;          /* expected return: length, or X86_DECODE_* */
	unsigned len;      /* expected out->len (for INVALID too) */
	const char *name;  /* x86_op_name, NULL: don't check */
	const char *text;  /* x86_disasm at eip 0, NULL: don't check */
};

#define INV X86_DECODE_INVALID
#define TRN X86_DECODE_TRUNC

static const struct dcase cases[] = {
	{"01 d8", 2, 2, "add", "add\teax, ebx"},
	{"66 05 34 12", 4, 4, "add", "add\tax, 0x1234"},
	{"81 c3 78 56 34 12", 6, 6, "add", "add\tebx, 0x12345678"},
	{"83 e8 ff", 3, 3, "sub", "sub\teax, 0xffffffff"},
	{"80 f3 80", 3, 3, "xor", "xor\tbl, 0x80"},
	{"8b 04 24", 3, 3, "mov", "mov\teax, dword ptr [esp]"},
	{"8b 45 fc", 3, 3, "mov", "mov\teax, dword ptr [ebp - 4]"},
	{"8b 05 44 33 22 11", 6, 6, "mov", "mov\teax, dword ptr [0x11223344]"},
	{"8b 04 85 00 10 00 00", 7, 7, "mov", "mov\teax, dword ptr [4*eax + 0x1000]"},
	{"8b 44 8d 08", 4, 4, "mov", "mov\teax, dword ptr [ebp + 4*ecx + 8]"},
	{"8b 84 24 00 01 00 00", 7, 7, "mov", "mov\teax, dword ptr [esp + 0x100]"},
	{"8b 45 00", 3, 3, "mov", "mov\teax, dword ptr [ebp]"},
	{"8b 1c 20", 3, 3, "mov", "mov\tebx, dword ptr [eax]"}, /* index 4 = none */
	{"a1 78 56 34 12", 5, 5, "mov", "mov\teax, dword ptr [0x12345678]"},
	{"a2 00 10 00 00", 5, 5, "mov", "mov\tbyte ptr [0x1000], al"},
	{"64 8b 0d 14 00 00 00", 7, 7, "mov", "mov\tecx, dword ptr fs:[0x14]"},
	{"65 a1 14 00 00 00", 6, 6, "mov", "mov\teax, dword ptr gs:[0x14]"},
	{"c6 05 00 20 01 00 ff", 7, 7, "mov", "mov\tbyte ptr [0x12000], 0xff"},
	{"66 c7 00 34 12", 5, 5, "mov", "mov\tword ptr [eax], 0x1234"},
	{"b4 12", 2, 2, "mov", "mov\tah, 0x12"},
	{"0f b6 c3", 3, 3, "movzx", "movzx\teax, bl"},
	{"0f bf c8", 3, 3, "movsx", "movsx\tecx, ax"},
	{"8d 44 24 04", 4, 4, "lea", "lea\teax, [esp + 4]"},
	{"69 c3 10 27 00 00", 6, 6, "imul", "imul\teax, ebx, 0x2710"},
	{"6b c3 f9", 3, 3, "imul", NULL},
	{"0f af c3", 3, 3, "imul", "imul\teax, ebx"},
	{"f7 eb", 2, 2, "imul", "imul\tebx"},
	{"0f a4 d8 03", 4, 4, "shld", "shld\teax, ebx, 3"},
	{"0f ad d8", 3, 3, "shrd", "shrd\teax, ebx, cl"},
	{"d1 e0", 2, 2, "shl", "shl\teax"},
	{"8b 1c 08", 3, 3, "mov", "mov\tebx, dword ptr [eax + ecx]"},
	{"c0 f8 07", 3, 3, "sar", "sar\tal, 7"},
	{"d3 d2", 2, 2, "rcl", "rcl\tedx, cl"},
	{"0f ba e0 05", 4, 4, "bt", "bt\teax, 5"},
	{"f0 0f b3 08", 4, 4, "btr", "lock btr\tdword ptr [eax], ecx"},
	{"0f c7 0f", 3, 3, "cmpxchg8b", "cmpxchg8b\tqword ptr [edi]"},
	{"f0 0f b1 0a", 4, 4, "cmpxchg", NULL},
	{"0f c1 d8", 3, 3, "xadd", NULL},
	{"87 d9", 2, 2, "xchg", NULL},
	{"93", 1, 1, "xchg", "xchg\tebx, eax"},
	{"0f cb", 2, 2, "bswap", "bswap\tebx"},
	{"0f 4c c3", 3, 3, "cmovl", NULL},
	{"0f 9f c0", 3, 3, "setg", "setg\tal"},
	{"e8 00 00 00 00", 5, 5, "call", "call\t0x5"},
	{"66 e8 00 00", 4, 4, "call", "call\t0x4"},
	{"eb fe", 2, 2, "jmp", "jmp\t0x0"},
	{"0f 85 fa ff ff ff", 6, 6, "jne", "jne\t0x0"},
	{"7c 10", 2, 2, "jl", "jl\t0x12"},
	{"ff 24 85 00 00 00 00", 7, 7, "jmp", NULL},
	{"ff d0", 2, 2, "call", "call\teax"},
	{"ff 35 00 10 00 00", 6, 6, "push", "push\tdword ptr [0x1000]"},
	{"c2 08 00", 3, 3, "ret", "ret\t8"},
	{"f3 c3", 2, 2, "ret", NULL},
	{"c8 10 00 01", 4, 4, "enter", "enter\t0x10, 1"},
	{"e3 fe", 2, 2, "jecxz", NULL},
	{"e2 fe", 2, 2, "loop", NULL},
	{"6a ff", 2, 2, "push", NULL},
	{"68 00 00 01 00", 5, 5, "push", NULL},
	{"66 9c", 2, 2, "pushf", NULL},
	{"9d", 1, 1, "popfd", NULL},
	{"60", 1, 1, "pushal", NULL},
	{"66 61", 2, 2, "popaw", NULL},
	{"98", 1, 1, "cwde", NULL},
	{"66 98", 2, 2, "cbw", NULL},
	{"99", 1, 1, "cdq", NULL},
	{"f3 a5", 2, 2, "movsd", "rep movsd\tdword ptr es:[edi], dword ptr ds:[esi]"},
	{"66 a5", 2, 2, "movsw", NULL},
	{"f2 ae", 2, 2, "scasb", NULL},
	{"f3 a6", 2, 2, "cmpsb", NULL},
	{"ab", 1, 1, "stosd", NULL},
	{"ac", 1, 1, "lodsb", NULL},
	{"d7", 1, 1, "xlatb", NULL},
	{"0f 1f 44 00 00", 5, 5, "nop", NULL},
	{"66 0f 1f 84 00 00 00 00 00", 9, 9, "nop", NULL},
	{"90", 1, 1, "nop", NULL},
	{"66 90", 2, 2, "nop", NULL},
	{"f3 90", 2, 2, "pause", NULL},
	/* endbr32 has no operand: the ModRM byte FB is part of the opcode */
	{"f3 0f 1e fb", 4, 4, "endbr32", "endbr32"},
	{"36 f3 0f 1e fb", 5, 5, "endbr32", "endbr32"},
	/* repeated LOCK prefixes: the CPU runs the locked instruction */
	{"f0 f0 f0 f0 66 26 10 00", 8, 8, "adc", "lock adc\tbyte ptr es:[eax], al"},
	{"f0 f0 f0 f0 66 26 10 c0", INV, 8, "adc", NULL},
	{"f3 0f bc c3", 4, 4, "tzcnt", NULL},
	{"cd 80", 2, 2, "int", "int\t0x80"},
	{"cc", 1, 1, "int3", NULL},
	{"0f 0b", 2, 2, "ud2", NULL},
	{"0f a2", 2, 2, "cpuid", NULL},
	{"0f 31", 2, 2, "rdtsc", NULL},
	{"f4", 1, 1, "hlt", NULL},
	/* 14 prefixes + opcode = 15 bytes: the limit */
	{"66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 15, 15, "nop", NULL},
	/* rejected, with the length the CPU decodes */
	{"66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", INV, 0, "(too long)", NULL},
	{"f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 66 26 10 00", INV, 0, "(too long)", NULL},
	{"66 66 66 66 66 66 66 66 66 66 66 66 66 66 0f 0b", INV, 0, "(too long)", NULL},
	{"66 66 66 66 66 66 66 66 66 66 66 66 66 0f 0b", 15, 15, "ud2", NULL},
	{"67 a1 34 12", INV, 4, NULL, NULL},
	{"67 8b 46 02", INV, 4, NULL, NULL},
	{"67 8b 06 34 12", INV, 5, NULL, NULL},  /* [disp16] */
	{"f0 01 c0", INV, 3, NULL, NULL},        /* lock, register destination */
	{"f0 3b 00", INV, 3, NULL, NULL},        /* lock cmp */
	{"f0 90", INV, 2, NULL, NULL},
	{"0f c7 c8", INV, 0, NULL, NULL},        /* cmpxchg8b reg */
	{"8d c0", INV, 0, NULL, NULL},           /* lea reg */
	{"fe d0", INV, 2, NULL, NULL},           /* FE /2 */
	{"d9 c1", 2, 2, "fld", "fld\tst(1)"},
	{"dd 05 00 00 00 00", 6, 6, "fld", "fld\tqword ptr [0x0]"},
	{"dc e9", 2, 2, "fsub", "fsub\tst(1), st"},
	{"db 2c 24", 3, 3, "fld", "fld\ttbyte ptr [esp]"},
	{"d9 30", 2, 2, "fnstenv", "fnstenv\t[eax]"},
	{"df e0", 2, 2, "fnstsw ax", "fnstsw\tax"},
	{"9b", 1, 1, "wait", "wait"},
	{"d9 d8", INV, 2, "(x87)", NULL},        /* fstp1: undocumented, LLVM rejects it */
	{"db 08", INV, 2, "(sse/mmx)", NULL},    /* fisttp: SSE3 */
	{"66 d9 30", INV, 3, "fnstenv", NULL},   /* the 16-bit environment */
	{"f0 d8 00", INV, 3, "fadd", NULL},      /* lock */
	{"0f 28 c1", INV, 3, "(sse/mmx)", NULL},
	{"66 0f 3a 0f c1 08", INV, 6, "(sse/mmx)", NULL},
	{"66 0f 78 c0 01 02", INV, 6, NULL, NULL}, /* extrq imm, imm */
	{"0f 0f c0 0c", INV, 4, NULL, NULL},     /* 3DNow! */
	{"c5 f8 77", INV, 3, "(vex)", NULL},
	{"c4 e2 79 18 00", INV, 5, "(vex)", NULL},
	{"62 f1 7c 48 10 44 24 01", INV, 8, "(evex)", NULL},
	{"8f e8 78 c0 00 01", INV, 6, "(xop)", NULL},
	{"c4 00", INV, 2, NULL, NULL},           /* les */
	{"62 00", INV, 2, NULL, NULL},           /* bound */
	/* segment registers: a register operand at the operand size, memory a word */
	{"8e d8", 2, 2, "mov sreg", "mov\tds, eax"},
	{"66 8e d8", 3, 3, "mov sreg", "mov\tds, ax"},
	{"8e 2b", 2, 2, "mov sreg", "mov\tgs, word ptr [ebx]"},
	{"8c e8", 2, 2, "mov sreg", "mov\teax, gs"},
	{"8c 18", 2, 2, "mov sreg", "mov\tword ptr [eax], ds"},
	{"8e c8", 2, 2, "mov sreg", "mov\tcs, eax"},  /* decoded; #UD when executed */
	{"8e f0", INV, 0, NULL, NULL},           /* segment register 6 */
	{"8c f8", INV, 0, NULL, NULL},           /* segment register 7 */
	{"0f a0", 2, 2, "push sreg", "push\tfs"},
	{"66 0f a9", 3, 3, "pop sreg", "pop\tgs"},
	{"0e", 1, 1, "push sreg", "push\tcs"},
	{"1f", 1, 1, "pop sreg", "pop\tds"},
	{"9a 00 00 00 00 10 00", INV, 7, NULL, NULL}, /* lcall ptr16:32 */
	{"ec", INV, 1, "(privileged)", NULL},    /* in: #GP */
	{"0f 01 d0", INV, 3, "(privileged)", NULL},
	{"0f 20 c0", INV, 3, "(privileged)", NULL},
	{"c8 10 00 00 66", 4, 4, "enter", NULL},
	{"66 c8 10 00 00", INV, 5, NULL, NULL},  /* enter without 16-bit form */
	{"f2 0f bc c0", INV, 4, NULL, NULL},
	{"66 f3 90", INV, 3, NULL, NULL},
	/* truncated */
	{"b8 01 02", TRN, 0, NULL, NULL},
	{"0f", TRN, 0, NULL, NULL},
	{"66", TRN, 0, NULL, NULL},
	{"8b 04", TRN, 0, NULL, NULL},
	{"c5", TRN, 0, NULL, NULL},
};

static unsigned parse_hex(const char *s, uint8_t *b)
{
	unsigned n = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		b[n++] = (uint8_t)strtoul(s, (char **)&s, 16);
	}
	return n;
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct dcase *c = &cases[i];
		uint8_t b[32];
		unsigned n = parse_hex(c->hex, b);
		struct x86_insn in;
		int st = x86_decode(b, n, &in);
		int ok = st == c->want;
		if (ok && c->want != TRN)
			ok = in.len == c->len;
		if (ok && c->name)
			ok = !strcmp(x86_op_name((enum x86_op)in.op), c->name);
		char text[128] = "";
		if (st > 0)
			x86_disasm(&in, 0, text, sizeof text);
		if (ok && c->text)
			ok = !strcmp(text, c->text);
		if (!ok) {
			fprintf(stderr, "x86_decode '%s': got %d len %u op %s text '%s'\n", c->hex, st,
				in.len, x86_op_name((enum x86_op)in.op), text);
			CU_FAIL("decode case");
		}
	}
}

static void test_operands(void)
{
	struct x86_insn in;
	/* mov eax, [ebp + 4*ecx + 8] */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0x8b, 0x44, 0x8d, 0x08}, 4, &in), 4);
	CU_ASSERT_EQUAL(in.op, X86_OP_MOV);
	CU_ASSERT_EQUAL(in.nops, 2);
	CU_ASSERT_EQUAL(in.o[0].kind, X86_OPK_REG);
	CU_ASSERT_EQUAL(in.o[0].reg, X86_EAX);
	CU_ASSERT_EQUAL(in.o[1].kind, X86_OPK_MEM);
	CU_ASSERT_EQUAL(in.o[1].size, 4);
	CU_ASSERT_EQUAL(in.base, X86_EBP);
	CU_ASSERT_EQUAL(in.index, X86_ECX);
	CU_ASSERT_EQUAL(in.scale, 2);
	CU_ASSERT_EQUAL(in.disp, 8);
	/* no-base SIB: [4*eax + 0x1000] */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0x8b, 0x04, 0x85, 0, 0x10, 0, 0}, 7, &in), 7);
	CU_ASSERT_EQUAL(in.base, X86_NOREG);
	CU_ASSERT_EQUAL(in.index, X86_EAX);
	CU_ASSERT_EQUAL(in.disp, 0x1000);
	/* disp8 sign extension: [ebx - 1] */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0x8a, 0x43, 0xff}, 3, &in), 3);
	CU_ASSERT_EQUAL(in.disp, 0xffffffffu);
	CU_ASSERT_EQUAL(in.o[0].size, 1);
	/* 83 /0 ib: sign-extended immediate of operand size */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0x66, 0x83, 0xc0, 0x80}, 4, &in), 4);
	CU_ASSERT_EQUAL(in.osize, 2);
	CU_ASSERT_EQUAL(in.o[1].kind, X86_OPK_IMM);
	CU_ASSERT_EQUAL(in.imm, 0xffffff80u);
	/* enter: two immediates */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0xc8, 0x34, 0x12, 0x03}, 4, &in), 4);
	CU_ASSERT_EQUAL(in.imm, 0x1234);
	CU_ASSERT_EQUAL(in.imm2, 3);
	/* jcc rel8 backwards */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0x74, 0xf0}, 2, &in), 2);
	CU_ASSERT_EQUAL(in.op, X86_OP_JE);
	CU_ASSERT_EQUAL(in.o[0].kind, X86_OPK_REL);
	CU_ASSERT_EQUAL(in.imm, (uint32_t)-16);
	/* endbr32: no operands at all */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0xf3, 0x0f, 0x1e, 0xfb}, 4, &in), 4);
	CU_ASSERT_EQUAL(in.op, X86_OP_ENDBR32);
	CU_ASSERT_EQUAL(in.nops, 0);
	/* prefixes: last of F2/F3 wins; segment */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t[]){0xf2, 0xf3, 0x65, 0xa4}, 4, &in), 4);
	CU_ASSERT_EQUAL(in.rep, X86_PFX_REP);
	CU_ASSERT_EQUAL(in.seg, X86_SEG_GS);
}

/* Does the text name the op (its mnemonic, without the qualifier some
 * names carry after a space: ops.def)? */
static int mnemonic_in(const char *text, const char *name)
{
	size_t n = strcspn(name, " ");
	for (const char *p = text; *p; p++)
		if (!strncmp(p, name, n))
			return 1;
	return 0;
}

/* Random byte strings: results are stable under truncation. */
static void test_random_properties(void)
{
	const char *s = getenv("CDVM_SEED");
	uint64_t x = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ 0x9e3779b97f4a7c15ull;
	if (x == 0)
		x = 1;
	fprintf(stderr, "x86_decode: seed %llu (CDVM_SEED to replay)\n", (unsigned long long)x);
	unsigned bad = 0, accepted = 0;
	for (int it = 0; it < 200000; it++) {
		uint8_t b[16];
		for (int i = 0; i < 16; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			b[i] = (uint8_t)(x >> 24);
		}
		if (it & 1) /* bias towards prefixes and the 0F map */
			b[0] = (const uint8_t[]){0x66, 0x0f, 0xf3, 0x67, 0xf0, 0x64}[it % 6];
		struct x86_insn in, in2;
		int st = x86_decode(b, 16, &in);
		int ok = st != X86_DECODE_TRUNC;
		if (st > 0) {
			accepted++;
			ok = ok && st == in.len && st <= 15;
			ok = ok && x86_decode(b, (unsigned)st, &in2) == st &&
			     memcmp(&in, &in2, sizeof in) == 0;
			for (int k = 0; ok && k < st; k++)
				ok = x86_decode(b, (unsigned)k, &in2) == X86_DECODE_TRUNC;
			char text[128];
			ok = ok && x86_disasm(&in, 0x1000, text, sizeof text) > 0 &&
			     mnemonic_in(text, x86_op_name((enum x86_op)in.op)) &&
			     !(x86_op_flags((enum x86_op)in.op) & OPF_UNSUP);
			for (unsigned k = 0; ok && k < in.nops; k++)
				ok = in.o[k].kind != X86_OPK_NONE &&
				     (in.o[k].kind == X86_OPK_ST ? in.o[k].reg < 8 && (in.o[k].size == 0 || in.o[k].size == 10)
				      : (in.o[k].size >= 1 && in.o[k].size <= 8) ||
					(in.o[k].kind == X86_OPK_MEM && (in.o[k].size == 10 || in.o[k].size == 28 ||
									 in.o[k].size == 108))) &&
				     (in.o[k].kind != X86_OPK_REG || in.o[k].reg < 8);
		} else if (in.len > 0) {
			ok = ok && in.len <= 15 && x86_decode(b, in.len, &in2) == X86_DECODE_INVALID &&
			     in2.len == in.len;
		}
		if (!ok && bad++ < 5)
			fprintf(stderr, "x86_decode: property fails for %02x %02x %02x %02x %02x %02x (st %d len %u)\n",
				b[0], b[1], b[2], b[3], b[4], b[5], st, in.len);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(accepted > 50000); /* most random bytes are integer instructions */
}

/* The table: every op has a distinct, non-empty name; every executable
 * op is reachable from some encoding. */
static void test_table(void)
{
	for (int a = 0; a < X86_OP_COUNT; a++) {
		CU_ASSERT(x86_op_name((enum x86_op)a)[0] != 0);
		for (int b2 = a + 1; b2 < X86_OP_COUNT; b2++)
			if (!strcmp(x86_op_name((enum x86_op)a), x86_op_name((enum x86_op)b2))) {
				fprintf(stderr, "duplicate op name %s\n", x86_op_name((enum x86_op)a));
				CU_FAIL("duplicate op name");
			}
	}
	/* reachability: decode every 1-, 2- and 3-byte opcode prefix with
	 * a zero tail and with/without 66, mark what comes out */
	unsigned char seen[X86_OP_COUNT] = {0};
	static const uint8_t pfx[] = {0x00, 0x66, 0xf3, 0xf2, 0xf0};
	for (unsigned p = 0; p < sizeof pfx; p++)
		for (unsigned o = 0; o < 512; o++)
			for (unsigned m = 0; m < 256; m++) {
				uint8_t b[16] = {0};
				unsigned i = 0;
				if (pfx[p])
					b[i++] = pfx[p];
				if (o >= 256)
					b[i++] = 0x0f;
				b[i++] = (uint8_t)o;
				b[i] = (uint8_t)m;
				struct x86_insn in;
				if (m == 0 && b[i - 1] == 0xcd)
					b[i] = 0x80;
				if (x86_decode(b, 16, &in) > 0)
					seen[in.op] = 1;
			}
	for (int a = 0; a < X86_OP_COUNT; a++)
		if (!(x86_op_flags((enum x86_op)a) & OPF_UNSUP) && !seen[a]) {
			fprintf(stderr, "op %s not reachable\n", x86_op_name((enum x86_op)a));
			CU_FAIL("unreachable op");
		}
}

void suite_x86_decode(void);
void suite_x86_decode(void)
{
	CU_pSuite s = CU_add_suite("x86_decode", NULL, NULL);
	CU_add_test(s, "hand-picked encodings", test_cases);
	CU_add_test(s, "operands", test_operands);
	CU_add_test(s, "random byte strings", test_random_properties);
	CU_add_test(s, "decode table", test_table);
}
