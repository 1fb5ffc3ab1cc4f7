/* tests/unit/translate.c — the translator on hand-made x86 blocks:
 * scheduling fills bundles up to the unit limits of the configured
 * machine, a unit disabled by its mask is never used, flag liveness drops
 * dead flag computations, register copies fold away, loads are coalesced into x86 registers only when
 * that is safe, shld/shrd only where nothing reads their flags, FPU atoms
 * leave x86 order only where the status word allows it, and
 * translated guests run correctly with units
 * disabled. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "tests/unit/testutil.h"
#include "cms/translate/translate.h"
#include "configs/config.h"
#include "hw-sim/chip.h"
#include "native-isa/x87.h"

static struct ir_machine machine(unsigned width, unsigned alu, unsigned mem, unsigned mul, unsigned br)
{
	struct ir_machine mc;
	test_machine(&mc, width, alu, mem, mul, br);
	return mc;
}

/* Per-bundle atom counts of each unit class, over the body bundles. */
static void class_counts(const struct tr_code *code, unsigned max[U_COUNT + 1], unsigned *bundles)
{
	unsigned cur[U_COUNT + 1] = {0}, width = 0;
	memset(max, 0, sizeof(unsigned) * (U_COUNT + 1));
	*bundles = 0;
	for (unsigned i = 0; i < code->n; i++) {
		struct atom a;
		CU_ASSERT_EQUAL_FATAL(isa_decode(code->words[i], &a), 0);
		cur[isa_ops[a.op].unit]++;
		width++;
		if (a.stop) {
			for (int u = 0; u <= U_COUNT; u++) {
				if (cur[u] > max[u])
					max[u] = cur[u];
				cur[u] = 0;
			}
			if (width > max[U_COUNT])
				max[U_COUNT] = width;
			width = 0;
			(*bundles)++;
		}
	}
}

/* eight independent `mov reg, imm32` then `ret` */
static const uint8_t eight_movs[] = {
	0xb8, 1, 0, 0, 0, 0xb9, 2, 0, 0, 0, 0xba, 3, 0, 0, 0, 0xbb, 4, 0, 0, 0,
	0xbd, 5, 0, 0, 0, 0xbe, 6, 0, 0, 0, 0xbf, 7, 0, 0, 0, 0xb8, 8, 0, 0, 0, 0xc3,
};

static void test_fill_to_unit_limits(void)
{
	struct test_code b = {eight_movs, 0x1000, sizeof eight_movs};
	struct x86_env env = {.ctx = &b, .fetch = test_code_fetch};
	static const struct { unsigned width, alu; } cases[] = {{4, 2}, {4, 4}, {8, 4}, {2, 1}, {16, 8}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct tr_result *r = calloc(1, sizeof *r);
		struct ir_machine mc = machine(cases[k].width, cases[k].alu, 1, 1, 1);
		CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x1000, &mc, IR_MAX_BLOCK_INSNS, 32, NULL, r), 0);
		unsigned max[U_COUNT + 1], bundles;
		class_counts(&r->code, max, &bundles);
		unsigned alu_limit = cases[k].alu < cases[k].width ? cases[k].alu : cases[k].width;
		/* the fullest bundle uses every ALU the machine has, never more */
		CU_ASSERT_EQUAL(max[U_ALU], alu_limit);
		if (max[U_ALU] != alu_limit)
			fprintf(stderr, "width %u alu %u: fullest bundle has %u ALU atoms\n", cases[k].width, cases[k].alu, max[U_ALU]);
		CU_ASSERT(max[U_COUNT] <= cases[k].width);
		/* body: 8 movs to fixed registers, the ESP/EIP/ret work and the retired count */
		CU_ASSERT(r->code.nbundles >= (8 + alu_limit - 1) / alu_limit);
		free(r);
	}
}

static void test_masked_unit_never_used(void)
{
	/* the same block on 4 ALUs vs only 1 enabled: every bundle then has at
	 * most one ALU atom, and the block gets longer */
	struct test_code b = {eight_movs, 0x1000, sizeof eight_movs};
	struct x86_env env = {.ctx = &b, .fetch = test_code_fetch};
	struct tr_result *wide = calloc(1, sizeof *wide), *narrow = calloc(1, sizeof *narrow);
	struct ir_machine mw = machine(4, 4, 1, 1, 1), mn = machine(4, 1, 1, 1, 1);
	CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x1000, &mw, IR_MAX_BLOCK_INSNS, 32, NULL, wide), 0);
	CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x1000, &mn, IR_MAX_BLOCK_INSNS, 32, NULL, narrow), 0);
	unsigned max[U_COUNT + 1], bw, bn;
	class_counts(&narrow->code, max, &bn);
	CU_ASSERT_EQUAL(max[U_ALU], 1);
	class_counts(&wide->code, max, &bw);
	CU_ASSERT(bn > bw);
	free(wide);
	free(narrow);
}

static void test_dead_flags_dropped(void)
{
	/* add eax, ebx; add eax, ecx; cmp eax, edx; jne: only cmp's flags are read */
	static const uint8_t code[] = {0x01, 0xd8, 0x01, 0xc8, 0x39, 0xd0, 0x75, 0x00};
	struct test_code b = {code, 0x2000, sizeof code};
	struct x86_env env = {.ctx = &b, .fetch = test_code_fetch};
	struct tr_result *r = calloc(1, sizeof *r);
	struct ir_machine mc = machine(4, 2, 1, 1, 1);
	CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x2000, &mc, IR_MAX_BLOCK_INSNS, 32, NULL, r), 0);
	unsigned flag_atoms = 0, adds = 0;
	for (unsigned i = 0; i < r->code.n; i++) {
		struct atom a;
		isa_decode(r->code.words[i], &a);
		flag_atoms += (isa_ops[a.op].props & P_WFLAGS) != 0;
		adds += a.op == OP_ADD && a.rd == R_EAX;
	}
	CU_ASSERT_EQUAL(flag_atoms, 1);  /* the cmp */
	CU_ASSERT_EQUAL(adds, 2);
	CU_ASSERT_EQUAL(r->block.end, END_COND);
	CU_ASSERT_EQUAL(r->code.nexits, 2);
	free(r);
}

/* Translates the x86 bytes placed at base, from eip, on a 4-wide machine
 * with 2 ALUs. */
static int translate_at(const uint8_t *code, size_t len, uint32_t base, uint32_t eip, struct tr_result *r)
{
	struct test_code b = {code, base, (uint32_t)len};
	struct x86_env env = {.ctx = &b, .fetch = test_code_fetch};
	struct ir_machine mc = machine(4, 2, 1, 1, 1);
	memset(r, 0, sizeof *r);
	return tr_translate(&env, eip, &mc, IR_MAX_BLOCK_INSNS, 32, NULL, r);
}

static uint32_t no_count(void *ctx, uint32_t eip)
{
	(void)ctx;
	(void)eip;
	return 0;
}

/* add eax, ebx; rol ecx, 5; jo; then cmp eax, eax on both paths (so no
 * flag is live after the block but jo's OF): a rotate by an immediate > 1
 * keeps OF (the C0/C1 form), so the add must still compute it; by 1 the
 * rotate defines OF and the add's flags are dead. */
static void test_rotate_keeps_of_live(void)
{
	static const uint8_t keep[] = {0x01, 0xd8, 0xc1, 0xc1, 0x05, 0x70, 0x00, 0x39, 0xc0, 0xc3};
	static const uint8_t kill[] = {0x01, 0xd8, 0xd1, 0xc1, 0x70, 0x00, 0x39, 0xc0, 0xc3};
	struct tr_result *r = calloc(1, sizeof *r);
	struct tr_hints hints = {no_count, NULL, 0, NULL};
	struct ir_machine mc = machine(4, 2, 1, 1, 1);
	for (int k = 0; k < 2; k++) {
		struct test_code b = {k ? kill : keep, 0x2000, k ? (uint32_t)sizeof kill : (uint32_t)sizeof keep};
		struct x86_env env = {.ctx = &b, .fetch = test_code_fetch};
		CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x2000, &mc, IR_MAX_BLOCK_INSNS, 32, &hints, r), 0);
		unsigned addf = 0;
		for (unsigned i = 0; i < r->code.n; i++) {
			struct atom a;
			isa_decode(r->code.words[i], &a);
			addf += a.op == OP_ADDF;
		}
		CHECK(addf == (k ? 0u : 1u), "rol ecx, %s: %u flag-setting adds", k ? "1" : "5", addf);
	}
	free(r);
}

/* Counts over a translation's atoms: loads into reg, stores of reg, movs to reg. */
static void reg_traffic(const struct tr_code *code, unsigned reg, unsigned *lds, unsigned *sts, unsigned *movs)
{
	*lds = *sts = *movs = 0;
	for (unsigned i = 0; i < code->n; i++) {
		struct atom a;
		isa_decode(code->words[i], &a);
		*lds += a.op == OP_LD && a.rd == reg;
		*sts += a.op == OP_ST && a.rb == reg;
		*movs += a.op == OP_MOV && a.rd == reg;
	}
}

static void test_loads_coalesced(void)
{
	unsigned lds, sts, movs;
	/* mov eax, [ebx]; mov ecx, [eax + 4]; ret: both loads land in the x86
	 * registers themselves, no copies */
	static const uint8_t two_loads[] = {0x8b, 0x03, 0x8b, 0x48, 0x04, 0xc3};
	struct tr_result *r = calloc(1, sizeof *r);
	CU_ASSERT_EQUAL_FATAL(translate_at(two_loads, sizeof two_loads, 0x3000, 0x3000, r), 0);
	reg_traffic(&r->code, R_EAX, &lds, &sts, &movs);
	CU_ASSERT_EQUAL(lds, 1);
	CU_ASSERT_EQUAL(movs, 0);
	reg_traffic(&r->code, R_ECX, &lds, &sts, &movs);
	CU_ASSERT_EQUAL(lds, 1);
	CU_ASSERT_EQUAL(movs, 0);
	/* xchg eax, ecx is t <- one; one <- other; other <- t: the middle copy
	 * reads the register the last one writes, so t must stay a temporary */
	static const uint8_t xchg[] = {0x91, 0xc3};
	CU_ASSERT_EQUAL_FATAL(translate_at(xchg, sizeof xchg, 0x3000, 0x3000, r), 0);
	unsigned saved = 0;
	for (unsigned i = 0; i < r->block.nops; i++) {
		const struct ir_op *o = &r->block.ops[i];
		saved += !o->dead && o->op == OP_MOV && o->dst >= VREG_TEMP && (o->b == R_EAX || o->b == R_ECX);
	}
	CU_ASSERT_EQUAL(saved, 1);
	free(r);
}

static void test_register_copies_folded(void)
{
	struct tr_result *r = calloc(1, sizeof *r);
	/* mov ecx, ebx; shr ecx, 1; mov eax, ecx; xor eax, 0x55; ret: the
	 * copies disappear, shr reads EBX and xor reads ECX directly */
	static const uint8_t copies[] = {0x89, 0xd9, 0xd1, 0xe9, 0x89, 0xc8, 0x83, 0xf0, 0x55, 0xc3};
	CU_ASSERT_EQUAL_FATAL(translate_at(copies, sizeof copies, 0x5000, 0x5000, r), 0);
	unsigned movs = 0, shr_from_ebx = 0, xor_from_ecx = 0;
	for (unsigned i = 0; i < r->code.n; i++) {
		struct atom a;
		isa_decode(r->code.words[i], &a);
		movs += a.op == OP_MOV && (a.rd == R_ECX || a.rd == R_EAX);
		shr_from_ebx += a.op == OP_SHR && a.rd == R_ECX && a.ra == R_EBX;
		xor_from_ecx += (a.op == OP_XOR || a.op == OP_XORF) && a.rd == R_EAX && a.ra == R_ECX;
	}
	CU_ASSERT_EQUAL(movs, 0);
	CU_ASSERT_EQUAL(shr_from_ebx, 1);
	CU_ASSERT_EQUAL(xor_from_ecx, 1);
	/* mov ecx, ebx; mov ebx, 5; add eax, ecx; ret: EBX changes before ECX
	 * is read, so the copy must stay */
	static const uint8_t clobbered[] = {0x89, 0xd9, 0xbb, 5, 0, 0, 0, 0x01, 0xc8, 0xc3};
	CU_ASSERT_EQUAL_FATAL(translate_at(clobbered, sizeof clobbered, 0x5000, 0x5000, r), 0);
	unsigned kept = 0;
	for (unsigned i = 0; i < r->code.n; i++) {
		struct atom a;
		isa_decode(r->code.words[i], &a);
		kept += a.op == OP_MOV && a.rd == R_ECX && !a.use_imm && a.rb == R_EBX;
	}
	CU_ASSERT_EQUAL(kept, 1);
	free(r);
}

static uint32_t hot_6000(void *ctx, uint32_t eip)
{
	(void)ctx;
	return eip == 0x6000 ? 100 : 3;
}

static void test_hot_successor_falls_through(void)
{
	/* 0x6000: cmp eax, ebx; jne 0x6000 (a loop) */
	static const uint8_t loop[] = {0x39, 0xd8, 0x75, 0xfc};
	struct test_code b = {loop, 0x6000, sizeof loop};
	struct x86_env env = {.ctx = &b, .fetch = test_code_fetch};
	struct ir_machine mc = machine(4, 2, 1, 1, 1);
	struct tr_hints hints = {hot_6000, NULL, 0, NULL};
	struct tr_result *r = calloc(1, sizeof *r);
	/* without a profile: b.cc jne to the loop head, fall-through to the exit */
	CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x6000, &mc, IR_MAX_BLOCK_INSNS, 32, NULL, r), 0);
	CU_ASSERT_EQUAL(r->block.cond, X86_OP_JNE - X86_OP_JO);
	CU_ASSERT_EQUAL(r->block.target, 0x6000);
	CU_ASSERT_EQUAL(r->code.exits[0].target, 0x6004);
	/* the profile says the loop head is hotter: it becomes the fall-through */
	memset(r, 0, sizeof *r);
	CU_ASSERT_EQUAL_FATAL(tr_translate(&env, 0x6000, &mc, IR_MAX_BLOCK_INSNS, 32, &hints, r), 0);
	CU_ASSERT_EQUAL(r->block.cond, X86_OP_JE - X86_OP_JO);
	CU_ASSERT_EQUAL(r->block.target, 0x6004);
	CU_ASSERT_EQUAL(r->code.exits[0].target, 0x6000);
	free(r);
}

static void test_shiftd_flags(void)
{
	struct tr_result *r = calloc(1, sizeof *r);
	/* shrd eax, edx, 4; shr edx, 4; ret: shr overwrites every flag, so
	 * the shrd is translated without its flags */
	static const uint8_t dead[] = {0x0f, 0xac, 0xd0, 0x04, 0xc1, 0xea, 0x04, 0xc3};
	CU_ASSERT_EQUAL_FATAL(translate_at(dead, sizeof dead, 0x4000, 0x4000, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 3);
	/* mov ecx, 1; shld eax, edx, cl; jc: the branch reads the shld's CF,
	 * so the region ends before the shld (interpreted)... */
	static const uint8_t live[] = {0xb9, 1, 0, 0, 0, 0x0f, 0xa5, 0xd0, 0x72, 0x00};
	CU_ASSERT_EQUAL_FATAL(translate_at(live, sizeof live, 0x4000, 0x4000, r), 0);
	CU_ASSERT_EQUAL(r->block.ninsns, 1);
	CU_ASSERT_EQUAL(r->block.end_eip, 0x4005);
	/* ...and a region starting at it is not translated at all */
	CU_ASSERT_EQUAL(translate_at(live, sizeof live, 0x4000, 0x4005, r), -1);
	free(r);
}

static char *slurp_fd(FILE *f)
{
	fflush(f);
	rewind(f);
	char *s = calloc(1, 65536);
	if (s && fread(s, 1, 65535, f) == 0)
		s[0] = 0;
	return s;
}

/* A real guest, translated on a chip whose ALU 1 and MUL are partly
 * disabled: same output as with all units, no illegal bundle. */
static void test_guest_with_disabled_units(void)
{
	const char *prog = "build/guests/O2/sieve.elf";
	FILE *probe = fopen(prog, "rb");
	if (!probe) {
		CU_FAIL("build/guests/O2/sieve.elf is not built (run make test)");
		return;
	}
	fclose(probe);
	char *outs[2] = {NULL, NULL};
	for (int v = 0; v < 2; v++) {
		struct cdvm_config cfg;
		struct config_error cerr;
		config_default(&cfg);
		CU_ASSERT_EQUAL(config_set(&cfg, "cms.translate_threshold=2", &cerr), 0);
		struct cms *m;
		char err[256];
		CU_ASSERT_EQUAL_FATAL(cms_create(&cfg, CMS_MODE_TRANSLATE, &m, err, sizeof err), 0);
		if (v)
			CU_ASSERT_EQUAL(chip_write_cr(cms_chip(m), CR_UNITS_ALU, 0x1), 0);
		char *argv[] = {(char *)prog, NULL};
		char *envp[] = {NULL};
		CU_ASSERT_EQUAL_FATAL(cms_load_elf(m, prog, 1, argv, envp, err, sizeof err), 0);
		FILE *out = tmpfile();
		cms_set_stdio(m, 0, fileno(out), 2);
		struct cms_result res;
		cms_run(m, &res);
		CU_ASSERT_EQUAL(res.end, CMS_END_EXIT);
		CU_ASSERT_EQUAL(res.status, 0);
		CU_ASSERT_EQUAL(chip_counter(cms_chip(m), CNT_rb_illegal), 0);
		CU_ASSERT(chip_counter(cms_chip(m), CNT_bundles) > 1000);
		outs[v] = slurp_fd(out);
		fclose(out);
		cms_destroy(m);
	}
	CU_ASSERT(outs[0] && outs[1] && outs[0][0] && !strcmp(outs[0], outs[1]));
	free(outs[0]);
	free(outs[1]);
}

/* prog under --verify in translate mode (threshold 1) with bit `bits` of
 * unit 0 of class `unit` stuck at 1: it must stop as a wrong translation
 * (status 70) whose message holds `what`; the report written to the
 * guest's stderr is returned (malloc'd), NULL if prog is not built. */
static char *verify_with_stuck_unit(const char *prog, unsigned unit, uint32_t bits, const char *what)
{
	struct cdvm_config cfg;
	struct config_error cerr;
	config_default(&cfg);
	CU_ASSERT_EQUAL(config_set(&cfg, "cms.translate_threshold=1", &cerr), 0);
	struct cms *m;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(cms_create(&cfg, CMS_MODE_TRANSLATE, &m, err, sizeof err), 0);
	char *argv[] = {(char *)prog, NULL};
	char *envp[] = {NULL};
	if (cms_load_elf(m, prog, 1, argv, envp, err, sizeof err) < 0) {
		fprintf(stderr, "%s is not built (run make test)\n", prog);
		CU_FAIL("a test program is not built (run make test)");
		cms_destroy(m);
		return NULL;
	}
	cms_set_debug(m, NULL, 1);
	CU_ASSERT_EQUAL(chip_inject_unit(cms_chip(m), unit, 0, bits, true), 0);
	FILE *out = tmpfile();
	FILE *errf = tmpfile();
	cms_set_stdio(m, 0, fileno(out), fileno(errf));
	struct cms_result res;
	cms_run(m, &res);
	CU_ASSERT_EQUAL(res.end, CMS_END_INTERNAL);
	CU_ASSERT_EQUAL(res.status, 70);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.text, what));
	char *rep = slurp_fd(errf);
	fclose(out);
	fclose(errf);
	cms_destroy(m);
	return rep;
}

/* --verify must catch a wrong translation: a stuck bit in ALU 0 corrupts
 * translated code, and the interpreter's replay disagrees. */
static void test_verify_catches_wrong_code(void)
{
	free(verify_with_stuck_unit("build/guests/O2/sieve.elf", U_ALU, 0x10, "--verify"));
}

/* ... and one whose FPU computes wrong: a stuck bit in the FPU's results
 * (glibc's printf converts through the x87), reported as the x87 state. */
static void test_verify_catches_wrong_fpu(void)
{
	char *rep = verify_with_stuck_unit("build/glibc/fpprint.elf", U_FPU, 0x10, "x87 state differs");
	CU_ASSERT(rep && strstr(rep, "x87 state (interpreter / translation)") && strstr(rep, "<-- differs"));
	free(rep);
}

/* FPU atoms out of x86 order (sched.c, fpu_edges), on an empty x87 stack:
 *   fld qword [ebx]; fmul st0, st0; fld qword [ecx]; fadd st0, st0;
 *   [fucomi st0, st1;] fstp qword [edx]; fstp qword [esi]; ret
 * The second fld does not wait behind the first's multiply; the last atom
 * that writes C1 in x86 order issues after every other one; a compare
 * stays between the status writers before and after it. */
/* x87 code at 0x2000 translated as a block on a 4-wide chip with one
 * FPU (fadd 3, fmul 5 cycles), from an empty x87 stack (NULL: failed). */
static struct tr_result *translate_fp(struct test_code c)
{
	struct x87_state fpu;
	x87_init(&fpu);
	struct x86_env env = {.ctx = &c, .fetch = test_code_fetch, .fpu = &fpu};
	struct ir_machine mc = machine(4, 2, 1, 1, 1);
	mc.units[U_FPU] = 1;
	mc.lat[L_FADD] = 3;
	mc.lat[L_FMUL] = 5;
	struct tr_result *r = calloc(1, sizeof *r);
	if (r && tr_translate(&env, 0x2000, &mc, IR_MAX_BLOCK_INSNS, 32, NULL, r) != 0) {
		free(r);
		r = NULL;
	}
	return r;
}

static void test_fpu_order(void)
{
	static const uint8_t plain[] = {0xdd, 0x03, 0xd8, 0xc8, 0xdd, 0x01, 0xd8, 0xc0,
					0xdd, 0x1a, 0xdd, 0x1e, 0xc3};
	static const uint8_t cmp[] = {0xdd, 0x03, 0xd8, 0xc8, 0xdd, 0x01, 0xd8, 0xc0, 0xdb, 0xe9,
				      0xdd, 0x1a, 0xdd, 0x1e, 0xc3};
	const struct test_code codes[2] = {{plain, 0x2000, sizeof plain}, {cmp, 0x2000, sizeof cmp}};
	for (unsigned v = 0; v < 2; v++) {
		struct tr_result *r = translate_fp(codes[v]);
		CU_ASSERT_FATAL(r != NULL);
		const struct ir_block *b = &r->block;
		CU_ASSERT_EQUAL(b->ninsns, v ? 8u : 7u);   /* ret included */
		int fcvi[2] = {-1, -1}, fmul = -1, last_c1 = -1, compare = -1;
		unsigned nfcvi = 0;
		for (unsigned i = 0; i < b->nops; i++) {
			const struct ir_op *o = &b->ops[i];
			if (o->dead || isa_ops[o->op].unit != U_FPU || o->op == OP_FCPY)
				continue;
			if (o->op == OP_FCVI && nfcvi < 2)
				fcvi[nfcvi++] = (int)i;
			if (o->op == OP_FMUL && fmul < 0)
				fmul = (int)i;
			if (o->op == OP_FUCMPI)
				compare = (int)i;
			last_c1 = (int)i;
		}
		CU_ASSERT_FATAL(fcvi[1] >= 0 && fmul >= 0 && last_c1 >= 0);
		CU_ASSERT(b->ops[fcvi[1]].cycle < b->ops[fmul].cycle);
		for (unsigned i = 0; i < b->nops; i++) {
			const struct ir_op *o = &b->ops[i];
			if (o->dead || isa_ops[o->op].unit != U_FPU || o->op == OP_FCPY || (int)i == last_c1)
				continue;
			CU_ASSERT(o->cycle < b->ops[last_c1].cycle);
			if (compare >= 0 && (int)i != compare)
				CU_ASSERT((int)i < compare ? o->cycle < b->ops[compare].cycle
							   : o->cycle > b->ops[compare].cycle);
		}
		CU_ASSERT_EQUAL(compare >= 0, (int)v);
		free(r);
	}
}

/* The moves back from any renaming of the x87 registers (each ST slot
 * in one of f0..f14, no two in one): applied in order, every f[k] gets
 * what f[phys[k]] held, and no more moves than the stubs have room for. */
static void test_x87_restore_moves(void)
{
	uint64_t seed = 12345;
	for (unsigned round = 0; round < 20000; round++) {
		uint8_t phys[8], used[16] = {0};
		for (unsigned k = 0; k < 8; k++) {
			unsigned r;
			do {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				/* mostly permutations of f0..f7 (fxch), else temporaries too */
				r = (unsigned)(seed >> 33) % (round % 3 ? 8 : 15);
			} while (used[r]);
			used[r] = 1;
			phys[k] = (uint8_t)r;
		}
		uint8_t moves[X87_MAX_MOVES][2];
		unsigned n = x87_restore_moves(phys, moves);
		CU_ASSERT_FATAL(n <= X87_MAX_MOVES);
		unsigned f[16];
		for (unsigned r = 0; r < 16; r++)
			f[r] = 100 + r;
		for (unsigned m = 0; m < n; m++)
			f[moves[m][0]] = f[moves[m][1]];
		for (unsigned k = 0; k < 8; k++)
			CU_ASSERT_EQUAL(f[k], 100u + phys[k]);
	}
}

/* fld1; fld qword [ebx]; fmul st, st(1); fstp qword [ebx+X]; fld qword [ebx+8];
 * fmul st, st(1); fstp qword [ebx+24]; ret.  Both fld push into one x87
 * register: each gets its own FPU register, and the second's loads, of
 * the same root as the store before them, pass it when they do not
 * overlap it (X = 16) and wait for it when they do (X = 8). */
static void test_x87_block_overlap(void)
{
	for (unsigned v = 0; v < 2; v++) {
		uint8_t code[] = {0xd9, 0xe8, 0xdd, 0x03, 0xd8, 0xc9, 0xdd, 0x5b, 0x10,
				  0xdd, 0x43, 0x08, 0xd8, 0xc9, 0xdd, 0x5b, 0x18, 0xc3};
		if (v)
			code[8] = 0x08;
		struct tr_result *r = translate_fp((struct test_code){code, 0x2000, sizeof code});
		CU_ASSERT_FATAL(r != NULL);
		const struct ir_block *b = &r->block;
		CU_ASSERT_EQUAL_FATAL(b->ninsns, 8u);
		int fcvi[2] = {-1, -1}, last_st3 = -1, first_ld4 = -1, fcpy = 0;
		for (unsigned i = 0; i < b->nops; i++) {
			const struct ir_op *o = &b->ops[i];
			if (o->dead)
				continue;
			if (o->op == OP_FCVI)
				fcvi[o->insn == 4] = (int)i;
			if (o->op == OP_ST && o->insn == 3)
				last_st3 = (int)i;
			if (o->op == OP_LD && o->insn == 4 && first_ld4 < 0)
				first_ld4 = (int)i;
			fcpy += o->op == OP_FCPY;
		}
		CU_ASSERT_FATAL(fcvi[0] >= 0 && fcvi[1] >= 0 && last_st3 >= 0 && first_ld4 >= 0);
		CU_ASSERT_NOT_EQUAL(b->ops[fcvi[0]].fd, b->ops[fcvi[1]].fd);
		CU_ASSERT(fcpy >= 1);   /* the pushed register back in place (stale, but fnsave shows it) */
		CU_ASSERT(v ? b->ops[first_ld4].cycle > b->ops[last_st3].cycle
			    : b->ops[first_ld4].cycle < b->ops[last_st3].cycle);
		free(r);
	}
}

void suite_translate(void)
{
	CU_pSuite s = CU_add_suite("translate", NULL, NULL);
	CU_add_test(s, "independent operations fill bundles to the unit limits", test_fill_to_unit_limits);
	CU_add_test(s, "a disabled unit is never used", test_masked_unit_never_used);
	CU_add_test(s, "flag liveness drops dead flag atoms", test_dead_flags_dropped);
	CU_add_test(s, "loads into x86 registers need no copy, unless the old value is still read",
		    test_loads_coalesced);
	CU_add_test(s, "shld/shrd are translated only where their flags are dead", test_shiftd_flags);
	CU_add_test(s, "a rotate by an immediate > 1 keeps OF live", test_rotate_keeps_of_live);
	CU_add_test(s, "the hotter successor is the fall-through", test_hot_successor_falls_through);
	CU_add_test(s, "x86 register copies fold into their uses, unless clobbered", test_register_copies_folded);
	CU_add_test(s, "a guest runs translated with an ALU disabled", test_guest_with_disabled_units);
	CU_add_test(s, "--verify catches a wrong translation", test_verify_catches_wrong_code);
	CU_add_test(s, "--verify catches a wrong FPU result", test_verify_catches_wrong_fpu);
	CU_add_test(s, "FPU atoms leave x86 order; the last C1 writer and compares keep theirs", test_fpu_order);
	CU_add_test(s, "the moves back from a renaming of the x87 registers", test_x87_restore_moves);
	CU_add_test(s, "x87 pushes renamed; a block's loads pass stores of their root they miss",
		    test_x87_block_overlap);
}
