/* tests/unit/isa.c — the native ISA table checks itself:
 * every atom round-trips encode -> decode -> disassemble -> assemble ->
 * encode over random operands; no two encodings overlap (a valid word
 * re-encodes to itself, so no word decodes two ways); the assembler
 * rejects malformed input with file:line:column; each row's body (what
 * the chip runs for it) fits its properties; docs/native-isa.md is
 * current.  Random tests print their seed; CDVM_SEED=N replays. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native-isa/isa.h"
#include "native-isa/isa_priv.h"
#include "tests/unit/testutil.h"

static uint64_t rng_state;

static uint32_t rnd(void) { return (uint32_t)(test_rng(&rng_state) >> 32); }

/* A random atom that is valid for op. */
static struct atom random_atom(unsigned op)
{
	struct atom a = {.op = (uint8_t)op, .stop = 1};
	enum atom_fmt f = isa_ops[op].fmt;
	unsigned fl = isa_fmt_fields(f);
	if (fl & FLD_RD) a.rd = rnd() % ISA_NREGS;
	if (fl & FLD_RA) a.ra = rnd() % ISA_NREGS;
	if (fl & FLD_RB) a.rb = rnd() % ISA_NREGS;
	if (fl & FLD_B) {
		a.use_imm = rnd() & 1;
		if (a.use_imm) a.imm = rnd() >> (rnd() % 32);
		else a.rb = rnd() % ISA_NREGS;
		if (rnd() & 1) a.imm = a.use_imm ? (uint32_t)-(int32_t)(rnd() % 5000) : 0;
	}
	if (fl & FLD_IMM) a.imm = rnd() >> (rnd() % 32);
	if (fl & FLD_X) {
		do a.x = rnd() % 16; while (!isa_x_valid(op, a.x));
	}
	switch (f) {
	case F_BF: case F_DEP: {
		unsigned len = 1 + rnd() % 32, pos = rnd() % (33 - len);
		a.imm = pos | len << 8;
		break;
	}
	case F_J: case F_BC: case F_JR: case F_JAL:
		a.imm = (uint32_t)((int32_t)(rnd() % 200000) - 100000) * ISA_ATOM_BYTES;
		break;
	case F_RDCR: case F_WRCR:
		a.imm = rnd() & 0xffff;
		break;
	case F_LDP:
		a.rb = rnd() % 64;
		break;
	case F_STAM:
		a.rd = rnd() % 64;
		break;
	default:
		break;
	}
	return a;
}

static void test_roundtrip(void)
{
	rng_state = test_seed("isa roundtrip");
	char text[128];
	for (unsigned op = 0; op < OP_COUNT; op++) {
		for (int k = 0; k < 300; k++) {
			struct atom a = random_atom(op), d;
			uint64_t w = isa_encode(&a);
			if (isa_decode(w, &d) != 0) {
				CU_FAIL("valid atom did not decode");
				fprintf(stderr, "op %s word %016llx\n", isa_ops[op].mnemonic, (unsigned long long)w);
				return;
			}
			CU_ASSERT_EQUAL(isa_encode(&d), w);
			isa_format(&d, text, sizeof text);
			struct isa_program p;
			struct isa_error err;
			if (isa_assemble(text, "rt", &p, &err) != 0) {
				CU_FAIL("disassembly does not assemble");
				fprintf(stderr, "'%s': %s\n", text, err.msg);
				return;
			}
			CU_ASSERT_EQUAL_FATAL(p.n, 1);
			if (p.words[0] != w) {
				CU_FAIL("assemble(disassemble(w)) != w");
				fprintf(stderr, "'%s': %016llx vs %016llx\n", text, (unsigned long long)p.words[0],
					(unsigned long long)w);
			}
			isa_program_free(&p);
		}
	}
}

static void test_no_overlap(void)
{
	rng_state = test_seed("isa overlap");
	unsigned valid = 0;
	for (int k = 0; k < 400000; k++) {
		uint64_t w = test_rng(&rng_state);
		/* bias toward plausible words: small opcode, clear reserved bit, sparse fields */
		if (k & 1) w &= 0xffffffff3fffffffull & ~(((uint64_t)rnd() << 8) & 0x3fffff00ull);
		w = (w & ~0x7full) | (rnd() % OP_COUNT);
		struct atom a;
		if (isa_decode(w, &a) == 0) {
			valid++;
			CU_ASSERT_EQUAL(isa_encode(&a), w);
		}
	}
	CU_ASSERT(valid > 1000);
	/* every opcode value past the table is invalid */
	for (unsigned op = OP_COUNT; op < 128; op++) {
		struct atom a;
		CU_ASSERT_EQUAL(isa_decode(op | 0x80, &a), -1);
	}
	/* the reserved bit is never set in a valid atom */
	struct atom a;
	CU_ASSERT_EQUAL(isa_decode(OP_NOP | 0x80 | (1ull << 31), &a), -1);
	/* distinct rows have distinct mnemonics (the assembler looks them up) */
	for (unsigned i = 0; i < OP_COUNT; i++)
		for (unsigned j = i + 1; j < OP_COUNT; j++)
			CU_ASSERT(strcmp(isa_ops[i].mnemonic, isa_ops[j].mnemonic) != 0);
}

static void expect_asm_error(const char *src, const char *where, const char *what)
{
	struct isa_program p;
	struct isa_error err;
	int rc = isa_assemble(src, "bad.s", &p, &err);
	CU_ASSERT_EQUAL(rc, -1);
	if (rc == 0) {
		fprintf(stderr, "accepted: %s\n", src);
		isa_program_free(&p);
		return;
	}
	if (strncmp(err.msg, where, strlen(where)) || !strstr(err.msg, what)) {
		CU_FAIL("wrong assembler message");
		fprintf(stderr, "source '%s'\n  got: %s\n  want: %s ... %s\n", src, err.msg, where, what);
	}
}

static void test_asm_errors(void)
{
	expect_asm_error("frob r1, r2", "bad.s:1:1:", "unknown mnemonic 'frob'");
	expect_asm_error("nop\n  add r1, r2", "bad.s:2:13:", "expected ','");
	expect_asm_error("add r1, r99, r2", "bad.s:1:9:", "not a register");
	expect_asm_error("add r1, r2, #0x1ffffffff", "bad.s:1:13:", "32 bits");
	expect_asm_error("b.xx loop", "bad.s:1:1:", "unknown condition");
	expect_asm_error("b loop", "bad.s:1:1:", "needs a condition");
	expect_asm_error("br nowhere", "bad.s:1:4:", "unknown label 'nowhere'");
	expect_asm_error("x: nop\nx: nop", "bad.s:2:1:", "already defined");
	expect_asm_error("ld.u8 r1, [r2 + r3]", "bad.s:1:17:", "no index register");
	expect_asm_error("lea r1, [r2 + r3*3]", "bad.s:1:18:", "scale must be");
	expect_asm_error("addf.12 r1, r2, r3", "bad.s:1:1:", "width must be");
	expect_asm_error("st.u8 r1, [r2]", "bad.s:1:1:", "store width");
	expect_asm_error("extu r1, r2, #30, #4", "bad.s:1:14:", "pos + len <= 32");
	expect_asm_error("nop extra", "bad.s:1:5:", "unexpected text");
	expect_asm_error("nop |", "bad.s:1:6:", "empty atom");
	expect_asm_error("rdcr r1, bogus", "bad.s:1:10:", "unknown control register");
	expect_asm_error("ldp.32 r1, [r2], @64", "bad.s:1:19:", "alias entry");
	expect_asm_error(".equ r1, 5", "bad.s:1:6:", "not a register");
	expect_asm_error(".org 5", "bad.s:1:1:", "unknown directive");
	expect_asm_error("br .+3", "bad.s:1:4:", "not a multiple");
	expect_asm_error("nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop|nop", "bad.s:1:",
			 "at most 16");
}

static void test_asm_features(void)
{
	const char *src =
		".equ BASE, 0x1000\n"
		"start:  mov r1, #BASE | mov r2, #-1   ; comment\n"
		"        ld.s8.hid r3, [r1 - 4] // another\n"
		"\n"
		"loop:   b.nz loop | sel.nge eax, ebx, #3\n"
		"        br start\n";
	struct isa_program p;
	struct isa_error err;
	CU_ASSERT_EQUAL_FATAL(isa_assemble(src, "ok.s", &p, &err), 0);
	CU_ASSERT_EQUAL(p.n, 6);
	CU_ASSERT_EQUAL(p.nbundles, 4);
	struct atom a;
	CU_ASSERT_EQUAL(isa_decode(p.words[0], &a), 0);
	CU_ASSERT(a.op == OP_MOV && a.imm == 0x1000 && a.use_imm && !a.stop);
	CU_ASSERT_EQUAL(isa_decode(p.words[2], &a), 0);
	CU_ASSERT(a.op == OP_LD && a.x == (MX_S8 | MX_HIDDEN) && a.imm == (uint32_t)-4 && a.stop);
	CU_ASSERT_EQUAL(isa_decode(p.words[3], &a), 0);
	CU_ASSERT(a.op == OP_BC && a.x == 5 && a.imm == 0);
	CU_ASSERT_EQUAL(isa_decode(p.words[4], &a), 0);
	CU_ASSERT(a.op == OP_SEL && a.x == 12 && a.rd == R_EAX && a.ra == R_EBX);
	CU_ASSERT_EQUAL(isa_decode(p.words[5], &a), 0);
	CU_ASSERT(a.op == OP_BR && a.imm == (uint32_t)-40);
	isa_program_free(&p);
}

/* The body column (what hw-sim/atoms.h executes for a row) agrees with the
 * row's other columns: a row that names a shared body must be of its kind. */
static const struct { unsigned op; const char *body; } op_bodies[] = {
#define ATOM(name, mn, fmt, unit, lat, props, body, doc) {OP_##name, #body},
#include "native-isa/isa.def"
#undef ATOM
};

static void test_bodies(void)
{
	CU_ASSERT_EQUAL(sizeof op_bodies / sizeof op_bodies[0], OP_COUNT);
	for (unsigned i = 0; i < OP_COUNT; i++) {
		unsigned op = op_bodies[i].op, props = isa_ops[op].props;
		const char *body = op_bodies[i].body;
		bool ok = true;
		CU_ASSERT_EQUAL(op, i);
		if ((strcmp(body, "flag") == 0) != (isa_atom_xf(op) >= 0))
			ok = false;  /* flag evaluates the row's xflags operation: ISA_FLAG_ATOMS */
		if ((strcmp(body, "ld") == 0) != ((props & P_LOAD) != 0))
			ok = false;
		if ((strcmp(body, "st") == 0) != ((props & P_STORE) != 0))
			ok = false;
		bool div = strcmp(body, "divu") == 0 || strcmp(body, "divs") == 0 || strcmp(body, "xdiv") == 0;
		if (div != ((props & P_DIV) != 0) || (strcmp(body, "xdiv") == 0) != ((props & P_REDX) != 0))
			ok = false;
		if (!ok)
			fprintf(stderr, "isa: row %s names body %s, which does not fit its properties\n",
				isa_ops[op].mnemonic, body);
		CU_ASSERT(ok);
	}
}

static void test_isa_doc_current(void)
{
	if (!test_doc_current("docs/native-isa.md", isa_write_doc))
		CU_FAIL("docs/native-isa.md is stale: run `make docs`");
}

void suite_isa(void)
{
	CU_pSuite s = CU_add_suite("isa", NULL, NULL);
	CU_add_test(s, "encode/decode/disasm/asm round trip", test_roundtrip);
	CU_add_test(s, "no two encodings overlap", test_no_overlap);
	CU_add_test(s, "assembler errors name file:line:col", test_asm_errors);
	CU_add_test(s, "assembler syntax", test_asm_features);
	CU_add_test(s, "each row's body fits its properties", test_bodies);
	CU_add_test(s, "docs/native-isa.md is current", test_isa_doc_current);
}
