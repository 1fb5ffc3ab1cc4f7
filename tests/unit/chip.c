/* tests/unit/chip.c — hand-written native programs with expected results
 * AND expected cycle counts, which pin the timing model down: every
 * expectation below is derived from the configuration in a comment. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configs/config.h"
#include "hidden-mem/hidden.h"
#include "hw-sim/chip.h"
#include "hw-sim/chip_priv.h"
#include "native-isa/isa.h"
#include "native-isa/isa_priv.h"
#include "native-isa/x87.h"

struct rig {
	struct cdvm_config cfg;
	struct chip *chip;
	struct hidden_mem hm;
};

/* A chip from the default configuration plus NULL-terminated --set assignments. */
static int rig_init(struct rig *g, const char *const *sets)
{
	struct config_error err;
	char msg[256];
	config_default(&g->cfg);
	for (; sets && *sets; sets++) {
		if (config_set(&g->cfg, *sets, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return -1;
		}
	}
	if (chip_create(&g->cfg, &g->chip, msg, sizeof msg) || hidden_boot(&g->hm, g->chip, msg, sizeof msg)) {
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	return 0;
}

static void rig_done(struct rig *g)
{
	hidden_shutdown(&g->hm);
	chip_destroy(g->chip);
}

/* Assemble src into the translation cache; returns its address (0 on error). */
static uint32_t rig_load(struct rig *g, const char *src)
{
	struct isa_program p;
	struct isa_error err;
	if (isa_assemble(src, "test.s", &p, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 0;
	}
	uint32_t at = hregion_alloc(&g->hm.tcache, (uint32_t)p.n * 8, 64);
	for (size_t i = 0; at && i < p.n; i++) {
		uint8_t b[8];
		for (int k = 0; k < 8; k++)
			b[k] = (uint8_t)(p.words[i] >> (8 * k));
		chip_mem_write(g->chip, at + (uint32_t)i * 8, b, 8);
	}
	isa_program_free(&p);
	return at;
}

static uint64_t cnt(struct rig *g, enum counter_id id) { return chip_counter(g->chip, id); }

#define RIG(g, ...) \
	struct rig g; \
	CU_ASSERT_EQUAL_FATAL(rig_init(&g, (const char *const[]){__VA_ARGS__}), 0)

static void test_mul_chain(void)
{
	static const char *const lats[] = {"core.latency.mul=3", "core.latency.mul=5", "core.latency.mul=1"};
	for (int v = 0; v < 3; v++) {
		RIG(g, lats[v], NULL);
		char src[4096] = "mov r1, #3 | mov r2, #1\n";
		const int n = 20;
		for (int i = 0; i < n; i++)
			strcat(src, "mul r1, r1, r2\n");
		strcat(src, "add r3, r1, r0\nexit #0\n");
		uint32_t pc = rig_load(&g, src);
		struct chip_exit ex;
		chip_run(g.chip, pc, &ex);  /* cold: fills the L1I */
		uint64_t c0 = cnt(&g, CNT_cycles);
		chip_run(g.chip, pc, &ex);  /* warm */
		CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
		/* movs at T; mul k (1..n) issues at T + 1 + lat*(k-1); the add that
		 * consumes the chain at T + 1 + lat*n; the exit one cycle later, then
		 * 1 issue cycle + branch_penalty */
		uint64_t lat = (uint64_t)g.cfg.lat_mul;
		uint64_t want = 1 + lat * n + 1 + 1 + (uint64_t)g.cfg.branch_penalty;
		CU_ASSERT_EQUAL(cnt(&g, CNT_cycles) - c0, want);
		if (cnt(&g, CNT_cycles) - c0 != want)
			fprintf(stderr, "mul chain lat %llu: %llu cycles, want %llu\n", (unsigned long long)lat,
				(unsigned long long)(cnt(&g, CNT_cycles) - c0), (unsigned long long)want);
		rig_done(&g);
	}
}

static void test_bundle_fill(void)
{
	RIG(g, NULL);  /* default: issue_width 4, 2 ALU, 1 MEM, 1 MUL, 1 BR */
	uint32_t full = rig_load(&g, "add r20, r0, #1 | add r21, r0, #2 | mul r22, r0, r0 | ld.32 r23, [r0]\n"
				     "exit #0\n");
	struct chip_exit ex;
	chip_run(g.chip, full, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(cnt(&g, CNT_empty_slots), 0 + 3);  /* the exit bundle leaves 3 slots empty */
	CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 2);

	uint32_t three = rig_load(&g, "add r20, r0, #1 | add r21, r0, #2 | add r22, r0, #3\nexit #0\n");
	chip_run(g.chip, three, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ILLEGAL_BUNDLE);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_illegal), 1);

	uint32_t five = rig_load(&g, "nop | nop | nop | nop | nop\nexit #0\n");
	chip_run(g.chip, five, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ILLEGAL_BUNDLE);

	/* disabling ALU 1 makes a two-ALU bundle illegal; re-enabling restores it */
	uint32_t two = rig_load(&g, "add r20, r0, #1 | add r21, r0, #2\nexit #0\n");
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_UNITS_ALU, 0x1), 0);
	chip_run(g.chip, two, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ILLEGAL_BUNDLE);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_UNITS_ALU, 0x3), 0);
	chip_run(g.chip, two, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	rig_done(&g);

	/* 8 independent adds: 4 bundles on 2 ALUs, 2 bundles on 4 ALUs (warm) */
	static const char *const two_alu =
		"add r20, r0, #1 | add r21, r0, #1\nadd r22, r0, #1 | add r23, r0, #1\n"
		"add r24, r0, #1 | add r25, r0, #1\nadd r26, r0, #1 | add r27, r0, #1\nexit #0\n";
	static const char *const four_alu =
		"add r20, r0, #1 | add r21, r0, #1 | add r22, r0, #1 | add r23, r0, #1\n"
		"add r24, r0, #1 | add r25, r0, #1 | add r26, r0, #1 | add r27, r0, #1\nexit #0\n";
	for (int v = 0; v < 2; v++) {
		RIG(h, v ? "core.units.alu=4" : "core.units.alu=2", NULL);
		uint32_t pc = rig_load(&h, v ? four_alu : two_alu);
		chip_run(h.chip, pc, &ex);
		uint64_t c0 = cnt(&h, CNT_cycles), a0 = cnt(&h, CNT_atoms);
		chip_run(h.chip, pc, &ex);
		unsigned bundles = v ? 2 : 4;
		CU_ASSERT_EQUAL(cnt(&h, CNT_cycles) - c0, bundles + 1 + (uint64_t)h.cfg.branch_penalty);
		CU_ASSERT_EQUAL(cnt(&h, CNT_atoms) - a0, 9);
		rig_done(&h);
	}
}

static void test_load_latency(void)
{
	RIG(g, NULL);
	uint32_t pc = rig_load(&g, "ld.32 r20, [r21]\nadd r22, r20, r20\nexit #0\n");
	chip_set_reg(g.chip, 21, 0x10000);
	struct chip_exit ex;
	uint64_t d0 = cnt(&g, CNT_stall_dcache), o0 = cnt(&g, CNT_stall_operand);
	chip_run(g.chip, pc, &ex);
	/* cold: the L1D miss goes to L2 (miss) and memory */
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_dcache) - d0, (uint64_t)(g.cfg.l2_lat + g.cfg.mem_lat));
	/* after the miss the value arrives l1d.latency later: the add waits l1d_lat - 1 */
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_operand) - o0, (uint64_t)g.cfg.l1d_lat - 1);
	d0 = cnt(&g, CNT_stall_dcache);
	o0 = cnt(&g, CNT_stall_operand);
	uint64_t c0 = cnt(&g, CNT_cycles);
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_dcache) - d0, 0);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_operand) - o0, (uint64_t)g.cfg.l1d_lat - 1);
	/* warm: ld at T, add at T + l1d_lat, exit next cycle, + 1 + penalty */
	CU_ASSERT_EQUAL(cnt(&g, CNT_cycles) - c0, (uint64_t)g.cfg.l1d_lat + 2 + (uint64_t)g.cfg.branch_penalty);
	CU_ASSERT_EQUAL(cnt(&g, CNT_l1d_misses), 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_l1d_hits), 1);
	rig_done(&g);
}

static void test_way_mask(void)
{
	/* 8 lines that map to one L1D set (stride = sets * line = 4096 on the
	 * default 32 KiB / 8 ways / 32 B), read 10 times round-robin. With 8
	 * ways: 8 cold misses, 72 hits. With fewer than 8 ways, LRU evicts
	 * each line just before it is needed again: all 80 miss. */
	static const char *const src =
		"mov r5, #10\n"
		"loop: ld.32 r20, [r2]\nld.32 r20, [r2 + 4096]\nld.32 r20, [r2 + 8192]\nld.32 r20, [r2 + 12288]\n"
		"ld.32 r20, [r2 + 16384]\nld.32 r20, [r2 + 20480]\nld.32 r20, [r2 + 24576]\nld.32 r20, [r2 + 28672]\n"
		"subf.32 r5, r5, #1\nb.ne loop\nexit #0\n";
	static const uint32_t masks[] = {0xff, 0x7f, 0x0f};
	for (int v = 0; v < 3; v++) {
		RIG(g, NULL);
		CU_ASSERT_EQUAL(g.cfg.l1d_kb * 1024 / (g.cfg.l1d_ways * g.cfg.l1d_line) * g.cfg.l1d_line, 4096);
		uint32_t pc = rig_load(&g, src);
		chip_set_reg(g.chip, 2, 0x20000);
		CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_WAYS_L1D, masks[v]), 0);
		struct chip_exit ex;
		chip_run(g.chip, pc, &ex);
		CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
		CU_ASSERT_EQUAL(cnt(&g, CNT_l1d_hits), v == 0 ? 72 : 0);
		CU_ASSERT_EQUAL(cnt(&g, CNT_l1d_misses), v == 0 ? 8 : 80);
		rig_done(&g);
	}
}

static void test_commit_rollback(void)
{
	RIG(g, NULL);
	uint32_t pc = rig_load(&g,
		"mov r1, #5 | mov r20, #0x2000\n"
		"mov r3, #0x77\n"
		"st.32 r3, [r20]\n"
		"commit\n"
		"mov r1, #6\n"
		"st.32 r1, [r20]\n"
		"ld.32 r40, [r20]\n"
		"mov r30, #0x7ffffff0\n"
		"ld.32 r5, [r30]\n"
		"exit #1\n");
	struct chip_exit ex;
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_MEMORY_FAULT);
	CU_ASSERT_EQUAL(ex.addr, 0x7ffffff0);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 1), 5);      /* shadowed: restored */
	CU_ASSERT_EQUAL(chip_reg(g.chip, 3), 0x77);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 40), 6);     /* temporary: not shadowed; saw the buffered store */
	uint32_t m = 0;
	chip_mem_read(g.chip, 0x2000, &m, 4);
	CU_ASSERT_EQUAL(m, 0x77);                     /* the uncommitted store was dropped */
	CU_ASSERT_EQUAL(chip_sb_used(g.chip), 0);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rollbacks), 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_memory), 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_commits), 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_sb_forwards), 1);
	/* forwarding: the youngest buffered store wins byte by byte */
	chip_run(g.chip, rig_load(&g, "mov r20, #0x6000\nmov r21, #0x11223344\nst.32 r21, [r20]\n"
				      "mov r22, #0xaa\nst.8 r22, [r20 + 1]\nld.32 r41, [r20]\nld.u16 r42, [r20 + 2]\n"
				      "ld.u16 r43, [r20 + 3]\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 41), 0x1122aa44u);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 42), 0x1122u);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 43) & 0xff, 0x11u);  /* byte 0x6004 comes from memory */
	chip_rollback(g.chip);
	/* firmware-requested rollback */
	chip_set_reg(g.chip, 1, 9);
	chip_run(g.chip, rig_load(&g, "mov r1, #10\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 1), 10);
	chip_rollback(g.chip);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 1), 9);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_request), 2);
	rig_done(&g);
}

static void test_alias_and_sb(void)
{
	RIG(g, "core.store_buffer=4", NULL);
	struct chip_exit ex;
	uint32_t pc = rig_load(&g,
		"mov r20, #0x3000\n"
		"ldp.32 r21, [r20], @0\n"
		"stam.32 r22, [r20 + 4], @0\n"     /* no overlap */
		"stam.32 r22, [r20 + 2], @0\n"     /* overlaps [0x3000, 0x3004) */
		"exit #0\n");
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ALIAS_FAULT);
	CU_ASSERT_EQUAL(ex.addr, 0x3002);
	CU_ASSERT_EQUAL(cnt(&g, CNT_alias_faults), 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_alias), 1);
	/* an alias entry number is not a register: a bundle that reads r5 and
	 * names alias entry 5 still waits for r5 (a 3-cycle multiply) */
	uint32_t sc = rig_load(&g, "mov r2, #0x3000 | mov r6, #3\nmul r5, r6, r6\n"
				   "add r21, r5, #0 | ldp.32 r22, [r2], @5\ncommit\nexit #0\n");
	chip_run(g.chip, sc, &ex);  /* warm the L1I and L1D */
	uint64_t o0 = cnt(&g, CNT_stall_operand);
	chip_run(g.chip, sc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 9);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_operand) - o0, (uint64_t)g.cfg.lat_mul - 1);
	/* the alias entry holds the address the load read, even when an
	 * earlier atom of its bundle writes the base register */
	chip_run(g.chip, rig_load(&g, "mov r20, #0x3000\nmov r20, #0x4000 | ldp.32 r21, [r20], @0\n"
				      "stam.32 r22, [r20 - 0x1000], @0\ncommit\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ALIAS_FAULT);
	/* commit clears the alias entries */
	chip_run(g.chip, rig_load(&g, "mov r20, #0x3000\nldp.32 r21, [r20], @0\ncommit\nstam.32 r22, [r20], @0\ncommit\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	/* stam @n checks entries n and up only: a load before the store in
	 * x86 order (entry 0) may read what the store then overwrites; one
	 * after it (entry 1) hoisted above it may not */
	chip_run(g.chip, rig_load(&g, "mov r20, #0x3000\nldp.32 r21, [r20], @0\nstam.32 r22, [r20], @1\n"
				      "commit\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	chip_run(g.chip, rig_load(&g, "mov r20, #0x3000\nldp.32 r21, [r20], @1\nstam.32 r22, [r20], @1\n"
				      "commit\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ALIAS_FAULT);

	pc = rig_load(&g, "mov r20, #0x3000\nst.8 r0, [r20]\nst.8 r0, [r20 + 1]\nst.8 r0, [r20 + 2]\n"
			  "st.8 r0, [r20 + 3]\nst.8 r0, [r20 + 4]\nexit #0\n");
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_SB_OVERFLOW);
	CU_ASSERT_EQUAL(cnt(&g, CNT_sb_high_water), 4);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_sb_overflow), 1);

	chip_run(g.chip, rig_load(&g, "mov r20, #7\ndivu r21, r20, r0\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_DIVIDE_FAULT);
	CU_ASSERT_EQUAL(ex.slot, 0);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_divide), 1);
	/* x86 DIV/IDIV r/m32 atoms on EDX:EAX: 2^32 / 2, and -6 / 4 (truncating) */
	chip_run(g.chip, rig_load(&g, "mov edx, #1 | mov eax, #0\nmov r20, #2\nxdivu r21, eax, r20\n"
				      "xremu r22, eax, r20\nmov edx, #-1 | mov eax, #-6\nmov r20, #4\n"
				      "xdivs r23, eax, r20\nxrems r24, eax, r20\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 0x80000000u);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 22), 0);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 23), (uint32_t)-1);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 24), (uint32_t)-2);
	/* a quotient that does not fit in 32 bits is a divide fault, as x86 #DE */
	chip_run(g.chip, rig_load(&g, "mov edx, #1 | mov eax, #0\nmov r20, #1\nxdivu r21, eax, r20\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_DIVIDE_FAULT);
	chip_run(g.chip, rig_load(&g, "mov edx, #-1 | mov eax, #0x80000000\nmov r20, #-1\nxdivs r21, eax, r20\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_DIVIDE_FAULT);
	rig_done(&g);
}

static void test_fault_points(void)
{
	for (int detect = 0; detect < 2; detect++) {
		RIG(g, detect ? "faults.detect.register=true" : "faults.detect.register=false",
		    detect ? "faults.detect.memory=true" : "faults.detect.memory=false",
		    detect ? "faults.detect.cache=true" : "faults.detect.cache=false",
		    detect ? "faults.detect.unit=true" : "faults.detect.unit=false", NULL);
		struct chip_exit ex;
		/* register */
		uint32_t pc = rig_load(&g, "add r21, r20, #0\nexit #0\n");
		chip_set_reg(g.chip, 20, 0);
		CU_ASSERT_EQUAL(chip_inject_register(g.chip, 20, 3), 0);
		chip_run(g.chip, pc, &ex);
		if (detect) {
			CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FAULT_DETECTED);
			CU_ASSERT_EQUAL(ex.fault_point, FP_REGISTER);
		} else {
			CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 8);
		}
		/* memory word */
		chip_clear_faults(g.chip);
		uint32_t zero = 0;
		chip_mem_write(g.chip, 0x4000, &zero, 4);
		CU_ASSERT_EQUAL(chip_inject_memory(g.chip, 0x4000, 5), 0);
		chip_set_reg(g.chip, 2, 0x4000);
		pc = rig_load(&g, "ld.32 r21, [r2]\nexit #0\n");
		chip_run(g.chip, pc, &ex);
		if (detect) {
			CU_ASSERT(ex.reason == CHIP_EXIT_FAULT_DETECTED && ex.fault_point == FP_MEMORY);
		} else {
			CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 0x20);
		}
		/* cache line: the flip lives in the resident L1D line only */
		chip_clear_faults(g.chip);
		chip_mem_write(g.chip, 0x5000, &zero, 4);
		chip_set_reg(g.chip, 2, 0x5000);
		chip_run(g.chip, pc, &ex);  /* brings the line in */
		CU_ASSERT_EQUAL(chip_inject_cache(g.chip, 1, 0x5000, 0), 0);
		CU_ASSERT_EQUAL(chip_inject_cache(g.chip, 1, 0x9000, 0), -1);  /* not resident */
		chip_run(g.chip, pc, &ex);
		if (detect) {
			CU_ASSERT(ex.reason == CHIP_EXIT_FAULT_DETECTED && ex.fault_point == FP_CACHE);
		} else {
			CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 1);
			uint32_t m = 7;
			chip_mem_read(g.chip, 0x5000, &m, 4);
			CU_ASSERT_EQUAL(m, 0);                       /* memory still good */
			chip_write_cr(g.chip, CR_WAYS_L1D, 0);        /* clean line leaves: flip gone */
			chip_write_cr(g.chip, CR_WAYS_L1D, 0xff);
			chip_run(g.chip, pc, &ex);
			CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 0);
		}
		/* unit result: ALU 0, one transient flip */
		chip_clear_faults(g.chip);
		CU_ASSERT_EQUAL(chip_inject_unit(g.chip, U_ALU, 5, 1, false), -1);  /* no such unit */
		CU_ASSERT_EQUAL(chip_inject_unit(g.chip, U_ALU, 0, 0x100, false), 0);
		pc = rig_load(&g, "add r21, r0, #1\nadd r22, r0, #1\nexit #0\n");
		chip_run(g.chip, pc, &ex);
		if (detect) {
			CU_ASSERT(ex.reason == CHIP_EXIT_FAULT_DETECTED && ex.fault_point == FP_UNIT);
		} else {
			CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 0x101);
			CU_ASSERT_EQUAL(chip_reg(g.chip, 22), 1);
		}
		/* ALU 1 is the second ALU atom of a bundle */
		chip_clear_faults(g.chip);
		CU_ASSERT_EQUAL(chip_inject_unit(g.chip, U_ALU, 1, 0x2, true), 0);
		pc = rig_load(&g, "add r21, r0, #1 | add r22, r0, #1\nexit #0\n");
		chip_run(g.chip, pc, &ex);
		if (!detect) {
			CU_ASSERT_EQUAL(chip_reg(g.chip, 21), 1);
			CU_ASSERT_EQUAL(chip_reg(g.chip, 22), 3);
		}
		CU_ASSERT(cnt(&g, CNT_faults_injected) >= 4);
		CU_ASSERT_EQUAL(cnt(&g, CNT_faults_detected), detect ? 5 : 0);
		rig_done(&g);
	}
}

static void test_code_invalidation(void)
{
	RIG(g, NULL);
	struct chip_exit ex;
	uint32_t pc = rig_load(&g, "mov r20, #1\nexit #0\n");
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 1);
	/* the firmware rewrites the immediate (high word of the first atom) */
	uint32_t two = 2;
	chip_mem_write(g.chip, pc + 4, &two, 4);
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 2);
	/* native code rewrites it through the store buffer: visible after commit */
	uint32_t patch = rig_load(&g, "mov r21, #3\nst.32.hid r21, [r22 + 4]\ncommit\nexit #0\n");
	chip_set_reg(g.chip, 22, pc);
	chip_run(g.chip, patch, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 3);
	rig_done(&g);
}

static void test_accounting_and_crs(void)
{
	RIG(g, "core.store_buffer=64", NULL);
	struct chip_exit ex;
	uint32_t pc = rig_load(&g,
		"mov r5, #50 | mov r2, #0x8000\n"
		"loop: ld.32 r20, [r2] | add r2, r2, #64\n"
		"mul r21, r20, r20 | subf.32 r5, r5, #1\n"
		"st.32 r21, [r2] | b.ne loop\n"
		"commit | mov r22, #1\n"
		"rdcr r23, cycles\nrdcr r24, issue_width\n"
		"exit #3\n");
	chip_charge(g.chip, 100);
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(ex.code, 3);
	uint64_t sum = cnt(&g, CNT_bundles) + cnt(&g, CNT_stall_operand) + cnt(&g, CNT_stall_icache) +
		       cnt(&g, CNT_stall_dcache) + cnt(&g, CNT_stall_tlb) + cnt(&g, CNT_stall_branch) +
		       cnt(&g, CNT_firmware_cycles);
	CU_ASSERT_EQUAL(cnt(&g, CNT_cycles), sum);
	CU_ASSERT_EQUAL(cnt(&g, CNT_firmware_cycles), 100);
	CU_ASSERT_EQUAL(cnt(&g, CNT_loads), 50);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stores), 50);
	CU_ASSERT_EQUAL(cnt(&g, CNT_taken_branches), 49);
	CU_ASSERT_EQUAL(cnt(&g, CNT_sb_high_water), 50);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 24), 4);
	CU_ASSERT(chip_reg(g.chip, 23) > 100 && chip_reg(g.chip, 23) < cnt(&g, CNT_cycles));
	uint32_t v;
	CU_ASSERT_EQUAL(chip_read_cr(g.chip, ISA_CR_CNT_BASE + 2 * CNT_bundles, &v), 0);
	CU_ASSERT_EQUAL(v, cnt(&g, CNT_bundles));
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_GUEST_LIMIT, 5), -1);  /* read-only */
	/* writing a read-only control register from native code is an illegal bundle */
	chip_run(g.chip, rig_load(&g, "wrcr guest_limit, r1\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ILLEGAL_BUNDLE);
	rig_done(&g);
}

static void test_hidden_memory(void)
{
	RIG(g, NULL);
	struct chip_exit ex;
	uint32_t lim = chip_guest_limit(g.chip);
	CU_ASSERT_EQUAL(lim, (uint32_t)g.cfg.guest_mb << 20);
	CU_ASSERT_EQUAL(g.hm.base, lim);
	uint32_t pc = rig_load(&g, "ld.32 r20, [r2]\nexit #0\n");
	chip_set_reg(g.chip, 2, lim);
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_MEMORY_FAULT);  /* a guest access to hidden memory */
	CU_ASSERT_EQUAL(ex.addr, lim);
	chip_set_reg(g.chip, 2, lim - 2);
	chip_run(g.chip, pc, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_MEMORY_FAULT);  /* straddles the boundary */
	chip_run(g.chip, rig_load(&g, "ld.32.hid r20, [r2]\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	uint32_t v;
	CU_ASSERT_EQUAL(guest_read(g.chip, lim, &v, 4), -1);
	CU_ASSERT_EQUAL(guest_read(g.chip, lim - 4, &v, 4), 0);
	CU_ASSERT_EQUAL(guest_write(g.chip, lim - 1, &v, 2), -1);
	/* allocator: alignment, exhaustion, merging on free */
	struct hregion *r = &g.hm.fwdata;
	uint32_t a = hregion_alloc(r, 100, 64), b = hregion_alloc(r, 100, 64);
	CU_ASSERT(a && b && a % 64 == 0 && b % 64 == 0 && b >= a + 100);
	CU_ASSERT(a >= g.hm.base && b < g.hm.base + g.hm.size);
	CU_ASSERT_EQUAL(hregion_alloc(r, r->size, 1), 0);
	CU_ASSERT_EQUAL(r->failures, 1);
	uint32_t before = hregion_largest_free(r);
	hregion_free(r, b, 100);
	hregion_free(r, a, 100);
	CU_ASSERT_EQUAL(r->in_use, 0);
	CU_ASSERT(hregion_largest_free(r) > before);
	CU_ASSERT_EQUAL(hregion_alloc(r, r->size, 1), r->base);  /* fully merged again */
	rig_done(&g);
}

/* ---- the page table and the TLB --------------------------------------------- */

static uint32_t rd32(struct rig *g, uint32_t pa)
{
	uint32_t v = 0;
	chip_mem_read(g->chip, pa, &v, 4);
	return v;
}

static void wr32(struct rig *g, uint32_t pa, uint32_t v) { chip_mem_write(g->chip, pa, &v, 4); }

/* A zeroed 4 KiB page of hidden memory (a directory or a table). */
static uint32_t pt_page(struct rig *g)
{
	static const uint8_t zero[4096];
	uint32_t a = hregion_alloc(&g->hm.fwdata, sizeof zero, sizeof zero);
	CU_ASSERT_FATAL(a != 0);
	chip_mem_write(g->chip, a, zero, sizeof zero);
	return a;
}

/* Map virtual page va in directory dir: its PTE becomes pte (a frame |
 * ISA_PTE_* bits), a table is added when the directory has none. */
static void pt_map(struct rig *g, uint32_t dir, uint32_t va, uint32_t pte)
{
	uint32_t at = dir + 4 * (va >> 22), pde = rd32(g, at);
	if (!(pde & ISA_PTE_PRESENT)) {
		pde = pt_page(g) | ISA_PTE_PRESENT;
		wr32(g, at, pde);
	}
	wr32(g, (pde & ~0xfffu) + 4 * ((va >> 12) & 1023), pte);
}

/* Run the program at pc with r2 = va, r3 = val; the exit's reason. */
static enum chip_exit_reason run_at(struct rig *g, uint32_t pc, uint32_t va, uint32_t val, struct chip_exit *ex)
{
	chip_set_reg(g->chip, 2, va);
	chip_set_reg(g->chip, 3, val);
	chip_run(g->chip, pc, ex);
	return ex->reason;
}

enum { RW = ISA_PTE_PRESENT | ISA_PTE_WRITE, RO = ISA_PTE_PRESENT };
/* The test mapping: four pages of a program at 0x08048000 on scattered
 * frames (the second not after the first, the third read-only, the
 * fourth not present) and a stack page under another directory entry. */
#define VA_A 0x08048000u
#define VA_B 0x08049000u
#define VA_RO 0x0804a000u
#define VA_ABSENT 0x0804b000u
#define VA_STACK 0xbffff000u
#define FR_A 0x00300000u
#define FR_B 0x00100000u
#define FR_RO 0x00200000u
#define FR_STACK 0x00400000u

static uint32_t pt_program(struct rig *g)
{
	uint32_t dir = pt_page(g);
	pt_map(g, dir, VA_A, FR_A | RW);
	pt_map(g, dir, VA_B, FR_B | RW);
	pt_map(g, dir, VA_RO, FR_RO | RO);
	pt_map(g, dir, VA_ABSENT, 0x00500000u);  /* a frame, but not present */
	pt_map(g, dir, VA_STACK, FR_STACK | RW);
	CU_ASSERT_EQUAL(chip_write_cr(g->chip, CR_PAGEDIR, dir), 0);
	return dir;
}

static void test_page_table_mapping(void)
{
	RIG(g, "core.store_buffer=3", NULL);
	struct chip_exit ex;
	pt_program(&g);
	uint32_t ld = rig_load(&g, "ld.32 r20, [r2]\nexit #0\n");
	uint32_t st = rig_load(&g, "st.32 r3, [r2]\ncommit\nexit #0\n");
	uint32_t st_open = rig_load(&g, "st.32 r3, [r2]\nexit #0\n");  /* leaves its store buffered */
	/* values land in the frames, and read back through the virtual pages */
	CU_ASSERT_EQUAL(run_at(&g, st, VA_A + 0x10, 0x11223344, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(run_at(&g, st, VA_STACK + 0xffc, 0x55667788, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(rd32(&g, FR_A + 0x10), 0x11223344);
	CU_ASSERT_EQUAL(rd32(&g, FR_STACK + 0xffc), 0x55667788);
	CU_ASSERT_EQUAL(rd32(&g, VA_A + 0x10 - 0x08000000), 0);  /* not one to one */
	wr32(&g, FR_B + 0x20, 0xcafef00d);
	CU_ASSERT_EQUAL(run_at(&g, ld, VA_B + 0x20, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0xcafef00d);
	/* a store across the page boundary into a frame that does not follow:
	 * two store-buffer entries, forwarded to a crossing load before commit */
	CU_ASSERT_EQUAL(run_at(&g, st_open, VA_B - 2, 0xaabbccdd, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_sb_used(g.chip), 2);
	uint64_t fw = cnt(&g, CNT_sb_forwards);
	CU_ASSERT_EQUAL(run_at(&g, ld, VA_B - 2, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0xaabbccdd);
	CU_ASSERT_EQUAL(cnt(&g, CNT_sb_forwards) - fw, 1);
	/* one more store fits the 3 entries, a second crossing one does not */
	CU_ASSERT_EQUAL(run_at(&g, st_open, VA_A + 0x40, 1, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_sb_used(g.chip), 3);
	chip_commit(g.chip);
	CU_ASSERT_EQUAL(rd32(&g, FR_A + 0xffc) >> 16, 0xccdd);
	CU_ASSERT_EQUAL(rd32(&g, FR_B) & 0xffff, 0xaabb);
	CU_ASSERT_EQUAL(rd32(&g, FR_A + 0x40), 1);
	CU_ASSERT_EQUAL(run_at(&g, st_open, VA_B - 1, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(run_at(&g, st_open, VA_B - 3, 0, &ex), CHIP_EXIT_SB_OVERFLOW);
	CU_ASSERT_EQUAL(chip_sb_used(g.chip), 0);  /* rolled back */
	/* a crossing load over the frames from memory; a 16-bit one split 1 + 1 */
	wr32(&g, FR_A + 0xffc, 0x44332211);
	wr32(&g, FR_B, 0x88776655);
	CU_ASSERT_EQUAL(run_at(&g, ld, VA_B - 3, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0x55443322);
	CU_ASSERT_EQUAL(run_at(&g, rig_load(&g, "ld.u16 r20, [r2]\nexit #0\n"), VA_B - 1, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0x5544);
	/* permissions: the fault names the virtual address of the access */
	static const struct { uint32_t va; int store; } faults[] = {
		{VA_RO + 8, 1}, {VA_RO - 2, 1}, {VA_ABSENT, 0}, {VA_ABSENT - 1, 0}, {0x40000000, 0}, {0xfffffffe, 0},
	};
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		enum chip_exit_reason r = run_at(&g, faults[i].store ? st : ld, faults[i].va, 0, &ex);
		CU_ASSERT_EQUAL(r, CHIP_EXIT_MEMORY_FAULT);
		CU_ASSERT_EQUAL(ex.addr, faults[i].va);
		if (r != CHIP_EXIT_MEMORY_FAULT || ex.addr != faults[i].va)
			fprintf(stderr, "page fault case %zu: %s at 0x%08x\n", i, chip_exit_name(r), ex.addr);
	}
	CU_ASSERT_EQUAL(rd32(&g, FR_RO + 8), 0);
	CU_ASSERT_EQUAL(run_at(&g, ld, VA_RO + 8, 0, &ex), CHIP_EXIT_FIRMWARE);  /* read-only reads */
	/* hidden accesses are physical; physical guest addresses are not mapped */
	CU_ASSERT_EQUAL(run_at(&g, rig_load(&g, "ld.32.hid r20, [r2]\nexit #0\n"), FR_A + 0x10, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0x11223344);
	CU_ASSERT_EQUAL(run_at(&g, ld, FR_A + 0x10, 0, &ex), CHIP_EXIT_MEMORY_FAULT);
	rig_done(&g);
}

/* A unit fault on a store split over two frames flips the whole value. */
static void test_split_store_unit_fault(void)
{
	RIG(g, "faults.detect.unit=false", NULL);
	struct chip_exit ex;
	pt_program(&g);
	CU_ASSERT_EQUAL(chip_inject_unit(g.chip, U_MEM, 0, 0x00010001, false), 0);
	CU_ASSERT_EQUAL(run_at(&g, rig_load(&g, "st.32 r3, [r2]\ncommit\nexit #0\n"), VA_B - 2, 0x20002000, &ex),
			CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(rd32(&g, FR_A + 0xffc) >> 16, 0x2001);
	CU_ASSERT_EQUAL(rd32(&g, FR_B) & 0xffff, 0x2001);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stores), 1);  /* one store atom, two store-buffer entries */
	CU_ASSERT_EQUAL(cnt(&g, CNT_sb_high_water), 2);
	rig_done(&g);
}

static void test_page_table_protection(void)
{
	RIG(g, NULL);
	struct chip_exit ex;
	uint32_t dir = pt_program(&g);
	pt_map(&g, dir, VA_A, FR_A | RW | ISA_PTE_PROTECT);
	pt_map(&g, dir, VA_B, FR_B | RW | ISA_PTE_PROTECT);
	uint32_t st = rig_load(&g, "st.32 r3, [r2]\ncommit\nexit #0\n");
	/* no bitmap: the whole protected page is code */
	CU_ASSERT_EQUAL(run_at(&g, st, VA_A + 0x800, 0, &ex), CHIP_EXIT_PROTECTION);
	CU_ASSERT_EQUAL(ex.addr, VA_A + 0x800);
	/* 64-byte chunks; the bitmap marks guest-physical FR_A + 0x40..0x7f and
	 * FR_B's first chunk */
	uint32_t bytes = (chip_guest_limit(g.chip) >> 6) / 8 + 1;
	uint32_t map = hregion_alloc(&g.hm.fwdata, bytes, 64);
	uint8_t *m = calloc(bytes, 1);
	CU_ASSERT_FATAL(map && m);
	m[(FR_A + 0x40) >> 6 >> 3] |= (uint8_t)(1u << (((FR_A + 0x40) >> 6) & 7));
	m[FR_B >> 6 >> 3] |= (uint8_t)(1u << ((FR_B >> 6) & 7));
	chip_mem_write(g.chip, map, m, bytes);
	free(m);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_SMC_SHIFT, 6), 0);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_SMCMAP, map), 0);
	static const struct { uint32_t va; enum chip_exit_reason want; } cases[] = {
		{VA_A + 0x3c, CHIP_EXIT_FIRMWARE}, {VA_A + 0x3e, CHIP_EXIT_PROTECTION}, {VA_A + 0x40, CHIP_EXIT_PROTECTION},
		{VA_A + 0x7c, CHIP_EXIT_PROTECTION}, {VA_A + 0x80, CHIP_EXIT_FIRMWARE}, {VA_A + 0xff8, CHIP_EXIT_FIRMWARE},
		{VA_B - 2, CHIP_EXIT_PROTECTION},  /* its second half lands in FR_B's code chunk */
		{VA_B + 0x40, CHIP_EXIT_FIRMWARE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum chip_exit_reason r = run_at(&g, st, cases[i].va, 7, &ex);
		CU_ASSERT_EQUAL(r, cases[i].want);
		if (r != cases[i].want)
			fprintf(stderr, "code-chunk case %zu: %s\n", i, chip_exit_name(r));
		if (r == CHIP_EXIT_PROTECTION)
			CU_ASSERT_EQUAL(ex.addr, cases[i].va);
	}
	CU_ASSERT_EQUAL(rd32(&g, FR_A + 0x80), 7);   /* the store beside the chunk landed */
	CU_ASSERT_EQUAL(rd32(&g, FR_A + 0x40), 0);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_protection), 5);
	rig_done(&g);
}

static void test_page_table_corruption(void)
{
	RIG(g, NULL);
	struct chip_exit ex;
	uint32_t dir = pt_program(&g);
	uint32_t ld = rig_load(&g, "ld.32 r20, [r2]\nexit #0\n");
	uint32_t lim = chip_guest_limit(g.chip), size = chip_mem_size(g.chip), pa;
	unsigned cyc = 0;
	/* directory entries pointing into guest RAM, past memory, at the last
	 * page of guest RAM; table entries mapping hidden memory */
	static const struct { uint32_t va; const char *detail; } cases[] = {
		{0x00400000, "page-directory entry outside hidden memory"},
		{0x00800000, "page-directory entry outside hidden memory"},
		{0x00c00000, "page-directory entry outside hidden memory"},
		{VA_ABSENT + 0x1000, "page-table entry outside guest RAM"},
		{VA_ABSENT + 0x2000, "page-table entry outside guest RAM"},
	};
	wr32(&g, dir + 4 * (0x00400000 >> 22), 0x00100000 | ISA_PTE_PRESENT);
	wr32(&g, dir + 4 * (0x00800000 >> 22), 0xfffff000 | ISA_PTE_PRESENT);
	wr32(&g, dir + 4 * (0x00c00000 >> 22), (lim - 0x1000) | ISA_PTE_PRESENT);
	pt_map(&g, dir, VA_ABSENT + 0x1000, lim | RW);
	pt_map(&g, dir, VA_ABSENT + 0x2000, (size - 0x1000) | RO);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum chip_exit_reason r = run_at(&g, ld, cases[i].va + 4, 0, &ex);
		CU_ASSERT_EQUAL(r, CHIP_EXIT_FAULT_DETECTED);
		CU_ASSERT_EQUAL(ex.fault_point, FP_MEMORY);
		CU_ASSERT_EQUAL(ex.addr, cases[i].va + 4);
		CU_ASSERT(ex.detail && !strcmp(ex.detail, cases[i].detail));
		if (r != CHIP_EXIT_FAULT_DETECTED)
			fprintf(stderr, "corrupt entry case %zu: %s\n", i, chip_exit_name(r));
		CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, cases[i].va, false, &pa, &cyc), -1);
	}
	CU_ASSERT_EQUAL(cnt(&g, CNT_faults_detected), 5);
	CU_ASSERT_EQUAL(cnt(&g, CNT_rb_fault), 5);
	/* PAGEDIR itself: 0 or a 4 KiB page of hidden memory */
	uint32_t bad[] = {dir + 4, 0x1000, lim - 0x1000, size, size - 0x800, 0xfffff000};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_PAGEDIR, bad[i]), -1);
	uint32_t v;
	CU_ASSERT_EQUAL(chip_read_cr(g.chip, CR_PAGEDIR, &v), 0);
	CU_ASSERT_EQUAL(v, dir);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_PAGEDIR, size - 0x1000), 0);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_PAGEDIR, lim), 0);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_PAGEDIR, 0), 0);
	/* PAGEDIR 0: guest addresses are physical again */
	wr32(&g, 0x1000, 0x77);
	CU_ASSERT_EQUAL(run_at(&g, ld, 0x1000, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0x77);
	rig_done(&g);
}

/* One load per virtual page in `pages` (NUL-terminated letters a..d,
 * mapped on four frames); returns the TLB misses it caused. */
static uint64_t tlb_sequence(struct rig *g, uint32_t ld, const char *pages)
{
	uint64_t m0 = cnt(g, CNT_tlb_misses);
	struct chip_exit ex;
	for (const char *p = pages; *p; p++)
		CU_ASSERT_EQUAL(run_at(g, ld, VA_A + (uint32_t)(*p - 'a') * 0x1000, 0, &ex), CHIP_EXIT_FIRMWARE);
	return cnt(g, CNT_tlb_misses) - m0;
}

static void test_tlb_counters_and_lru(void)
{
	/* one set of two ways */
	RIG(g, "mmu.tlb.entries=2", "mmu.tlb.ways=2", NULL);
	uint32_t dir = pt_page(&g);
	for (uint32_t i = 0; i < 4; i++)
		pt_map(&g, dir, VA_A + i * 0x1000, (FR_A + i * 0x3000) | RW);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_PAGEDIR, dir), 0);
	uint32_t ld = rig_load(&g, "ld.32 r20, [r2]\nexit #0\n");
	/* a a a: one miss, two hits */
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "aaa"), 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_hits), 2);
	/* b a c b: b misses, a hits (and becomes the newer), c evicts b (LRU;
	 * FIFO would evict a), b misses again evicting a: 3 misses, then a
	 * misses and b hits */
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "bacb"), 3);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_hits), 3);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "a"), 1);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "b"), 0);
	/* TLB_FLUSH of one page (any even address in it): its next access
	 * misses, the other's hits */
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_TLB_FLUSH, VA_A + 0x124), 0);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "b"), 0);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "a"), 1);
	/* flush all; and a PAGEDIR write empties the TLB too */
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_TLB_FLUSH, 1), 0);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "ab"), 2);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_PAGEDIR, dir), 0);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "ba"), 2);
	uint32_t v = 5;
	CU_ASSERT_EQUAL(chip_read_cr(g.chip, CR_TLB_FLUSH, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	/* a warm walk (both entries in the L1D) costs twice the L1D latency,
	 * stalled as stall_tlb */
	uint64_t w0 = cnt(&g, CNT_tlb_walk_cycles), s0 = cnt(&g, CNT_stall_tlb);
	CU_ASSERT_EQUAL(tlb_sequence(&g, ld, "cd"), 2);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_walk_cycles) - w0, 4 * (uint64_t)g.cfg.l1d_lat);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_tlb) - s0, 4 * (uint64_t)g.cfg.l1d_lat);
	/* stale entries: the TLB is not coherent with the table; after a
	 * change without TLB_FLUSH the old frame is still used */
	wr32(&g, FR_A + 3 * 0x3000, 0x0d0d0d0d);
	wr32(&g, FR_B, 0x0b0b0b0b);
	pt_map(&g, dir, VA_A + 3 * 0x1000, FR_B | RW);
	struct chip_exit ex;
	CU_ASSERT_EQUAL(run_at(&g, ld, VA_A + 3 * 0x1000, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0x0d0d0d0d);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_TLB_FLUSH, VA_A + 3 * 0x1000), 0);
	CU_ASSERT_EQUAL(run_at(&g, ld, VA_A + 3 * 0x1000, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_reg(g.chip, 20), 0x0b0b0b0b);
	rig_done(&g);
}

static void test_tlb_timing(void)
{
	RIG(g, "core.store_buffer=64", NULL);
	struct chip_exit ex;
	pt_program(&g);
	/* a load whose page misses the TLB, warm caches: the bundle waits for
	 * the walk (2 x l1d latency) and the value arrives l1d.latency after it,
	 * so the add still waits l1d_lat - 1 */
	uint32_t pc = rig_load(&g, "ld.32 r20, [r2]\nadd r22, r20, r20\nexit #0\n");
	CU_ASSERT_EQUAL(run_at(&g, pc, VA_A, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_TLB_FLUSH, 1), 0);
	uint64_t c0 = cnt(&g, CNT_cycles), o0 = cnt(&g, CNT_stall_operand), t0 = cnt(&g, CNT_stall_tlb);
	uint64_t lat = (uint64_t)g.cfg.l1d_lat;
	CU_ASSERT_EQUAL(run_at(&g, pc, VA_A, 0, &ex), CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_tlb) - t0, 2 * lat);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_operand) - o0, lat - 1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_cycles) - c0, 2 * lat + lat + 2 + (uint64_t)g.cfg.branch_penalty);
	/* a loop over the pages, cold: every cycle has one cause */
	chip_charge(g.chip, 10);
	pc = rig_load(&g, "mov r5, #40\n"
			  "loop: ld.32 r20, [r2] | add r2, r2, #1021\n"
			  "st.32 r20, [r2 + 2] | subf.32 r5, r5, #1\n"
			  "b.ne loop\ncommit\nexit #0\n");
	uint32_t dir;
	chip_read_cr(g.chip, CR_PAGEDIR, &dir);
	for (uint32_t i = 0; i < 12; i++)
		pt_map(&g, dir, 0x10000000 + i * 0x1000, (0x00600000 + i * 0x5000) | RW);
	CU_ASSERT_EQUAL(run_at(&g, pc, 0x10000000, 0, &ex), CHIP_EXIT_FIRMWARE);
	uint64_t sum = cnt(&g, CNT_bundles) + cnt(&g, CNT_stall_operand) + cnt(&g, CNT_stall_icache) +
		       cnt(&g, CNT_stall_dcache) + cnt(&g, CNT_stall_tlb) + cnt(&g, CNT_stall_branch) +
		       cnt(&g, CNT_firmware_cycles);
	CU_ASSERT_EQUAL(cnt(&g, CNT_cycles), sum);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_tlb), cnt(&g, CNT_tlb_walk_cycles));
	/* 2 loads before, then 40 x (a load and a store) over 10 pages */
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_misses), 2 + 10);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_hits) + cnt(&g, CNT_tlb_misses), 2 + 80);
	rig_done(&g);
}

/* A store's walk after a load in the same bundle delays the load's result
 * too (the whole bundle waits), on the one-pass path as on the other. */
static void test_tlb_store_after_load(void)
{
	for (int armed = 0; armed < 2; armed++) {
		RIG(g, "core.units.mem=2", NULL);
		struct chip_exit ex;
		pt_program(&g);
		uint32_t pc = rig_load(&g, "ld.32 r20, [r2] | st.32 r3, [r4]\nadd r22, r20, r20\ncommit\nexit #0\n");
		chip_set_reg(g.chip, 4, VA_B);
		CU_ASSERT_EQUAL(run_at(&g, pc, VA_A, 0, &ex), CHIP_EXIT_FIRMWARE);
		if (armed)  /* a unit fault that never fires keeps the chip off the one-pass path */
			CU_ASSERT_EQUAL(chip_inject_unit(g.chip, U_MUL, 0, 1, false), 0);
		CU_ASSERT_EQUAL(chip_write_cr(g.chip, CR_TLB_FLUSH, VA_B), 0);
		uint64_t o0 = cnt(&g, CNT_stall_operand), t0 = cnt(&g, CNT_stall_tlb);
		CU_ASSERT_EQUAL(run_at(&g, pc, VA_A, 0, &ex), CHIP_EXIT_FIRMWARE);
		CU_ASSERT_EQUAL(cnt(&g, CNT_stall_tlb) - t0, 2 * (uint64_t)g.cfg.l1d_lat);
		CU_ASSERT_EQUAL(cnt(&g, CNT_stall_operand) - o0, (uint64_t)g.cfg.l1d_lat - 1);
		rig_done(&g);
	}
}

static void test_tlb_door(void)
{
	RIG(g, NULL);
	uint32_t pa = 0;
	unsigned cyc = 0;
	uint32_t lim = chip_guest_limit(g.chip);
	/* PAGEDIR 0: physical, below the guest limit */
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, 0x1234, true, &pa, &cyc),
			ISA_PTE_PRESENT | ISA_PTE_WRITE | ISA_PTE_EXEC);
	CU_ASSERT_EQUAL(pa, 0x1234);
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, lim, false, &pa, &cyc), -1);
	CU_ASSERT_EQUAL(cyc, 0);
	uint32_t dir = pt_program(&g);
	pt_map(&g, dir, VA_B, FR_B | RW | ISA_PTE_EXEC | ISA_PTE_FIRMWARE);
	uint64_t c0 = cnt(&g, CNT_cycles);
	/* cold: a miss walking through memory (directory and table lines) */
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, VA_B + 0x345, true, &pa, &cyc),
			RW | ISA_PTE_EXEC | ISA_PTE_FIRMWARE);
	CU_ASSERT_EQUAL(pa, FR_B + 0x345);
	uint64_t cold = 2 * (uint64_t)(g.cfg.l1d_lat + g.cfg.l2_lat + g.cfg.mem_lat);
	CU_ASSERT_EQUAL(cyc, cold);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_walk_cycles), cold);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_misses), 1);
	/* then a hit: no cycles */
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, VA_B, false, &pa, &cyc), RW | ISA_PTE_EXEC | ISA_PTE_FIRMWARE);
	CU_ASSERT_EQUAL(cyc, cold);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_hits), 1);
	/* read-only for a write, not present, no table: -1 */
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, VA_RO, false, &pa, &cyc), RO);
	CU_ASSERT_EQUAL(pa, FR_RO);
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, VA_RO, true, &pa, &cyc), -1);
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, VA_ABSENT, false, &pa, &cyc), -1);
	CU_ASSERT_EQUAL(chip_tlb_translate(g.chip, 0x40000000, false, &pa, &cyc), -1);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_misses), 4);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_hits), 2);
	/* time does not move: the firmware charges the cycles */
	CU_ASSERT_EQUAL(cnt(&g, CNT_cycles), c0);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_tlb), 0);
	CU_ASSERT_EQUAL(cnt(&g, CNT_tlb_walk_cycles), cyc);
	rig_done(&g);
}

static void test_tlb_config(void)
{
	static const char *const bad[][2] = {
		{"mmu.tlb.entries=66", "mmu.tlb.ways=4"},  /* not a multiple */
		{"mmu.tlb.entries=48", "mmu.tlb.ways=4"},  /* 12 sets */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cdvm_config cfg;
		struct config_error err;
		config_default(&cfg);
		CU_ASSERT_EQUAL(config_set(&cfg, bad[i][0], &err), 0);
		CU_ASSERT_EQUAL(config_set(&cfg, bad[i][1], &err), 0);
		CU_ASSERT_EQUAL(config_validate(&cfg, &err), -1);
		CU_ASSERT(strstr(err.msg, "mmu.tlb.entries") && strstr(err.msg, "mmu.tlb.ways"));
		struct chip *c;
		char msg[256];
		CU_ASSERT_EQUAL(chip_create(&cfg, &c, msg, sizeof msg), -1);
	}
	RIG(g, "mmu.tlb.entries=8", "mmu.tlb.ways=8", NULL);  /* fully associative */
	rig_done(&g);
}

/* The FPU atoms that are not compares write C1 and keep C0 C2 C3 on this
 * host (the chip takes what its host instruction writes, measured by
 * chip_fpu_calibrate; the SDM leaves C0 C2 C3 undefined for them): the
 * translator lets such atoms pass each other as long as the last C1
 * writer stays last (cms/translate/sched.c, fpu_edges), which is right
 * only if so. */
static void test_fpu_condition_codes(void)
{
	RIG(g, NULL);
	for (unsigned op = OP_FADD; op <= OP_FCON; op++) {
		if (op == OP_FCMPI || op == OP_FUCMPI || op == OP_FCMPS || op == OP_FUCMPS)
			continue;
		for (unsigned x = 0; x < 7; x++) {
			/* every kind the atom's x field takes */
			if (x && !((isa_fmt_fields(isa_ops[op].fmt) & FLD_X) && isa_x_valid(op, x)))
				continue;
			uint16_t def = g.chip->fpu_plan[op - OP_FADD][x].cdef;
			if (def != X87_C1)
				fprintf(stderr, "chip: %s kind %u writes condition codes %04x on this host\n",
					isa_ops[op].mnemonic, x, def);
			CU_ASSERT_EQUAL(def, X87_C1);
		}
	}
	rig_done(&g);
}

/* The FPU: values through conversions and arithmetic (the host x87's,
 * rounded by the guest control word), the latency of a dependent chain,
 * the x87 registers f0..f7 shadowed like the x86 state, and an exception
 * the guest control word unmasks as an FPU fault. */
static void test_fpu(void)
{
	static const char *const lats[] = {"core.latency.fadd=3", "core.latency.fadd=7"};
	for (int v = 0; v < 2; v++) {
		RIG(g, lats[v], NULL);
		struct chip_exit ex;
		/* 3 * 4 + sqrt(81) / 3 = 15; 7.0 / 2 = 3.5 rounds to 4 (nearest even) */
		chip_run(g.chip, rig_load(&g, "mov r1, #3 | mov r2, #4\nmov r3, #81 | mov r4, #7\n"
					      "fcvi.i f1, r1, r0\nfcvi.i f2, r2, r0\nfcvi.i f3, r3, r0\n"
					      "fcvi.i f4, r4, r0\nfmul f0, f1, f2\nfsqrt f5, f3\nfdiv f5, f5, f1\n"
					      "fadd f0, f0, f5\nfcvo.i r10, f0\nfcon.1 f6\nfadd f7, f6, f6\n"
					      "fdiv f7, f4, f7\nfcvo.i r11, f7\nexit #0\n"), &ex);
		CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
		CU_ASSERT_EQUAL(chip_reg(g.chip, 10), 15);
		CU_ASSERT_EQUAL(chip_reg(g.chip, 11), 4);
		const struct x87_state *s = chip_fpu(g.chip);
		CU_ASSERT_EQUAL(s->r[7].se, 0x4000);               /* 3.5 = 1.75 * 2^1 */
		CU_ASSERT_EQUAL(s->r[7].mant, 0xe000000000000000ull);
		CU_ASSERT_EQUAL(cnt(&g, CNT_atoms_fpu), 13); /* fcvi fcvo fcon fadd fmul fdiv fsqrt */

		/* n dependent adds: add k issues at T + lat*(k-1), the conversion
		 * reading the chain at T + lat*n, the exit one cycle later, then
		 * 1 issue cycle + branch_penalty (as the mul chain) */
		char src[4096] = "";
		const int n = 12;
		for (int i = 0; i < n; i++)
			strcat(src, "fadd f1, f1, f2\n");
		strcat(src, "fcvo.i r12, f1\nexit #0\n");
		uint32_t pc = rig_load(&g, src);
		chip_run(g.chip, pc, &ex);  /* cold: fills the L1I */
		uint64_t c0 = cnt(&g, CNT_cycles);
		chip_run(g.chip, pc, &ex);
		uint64_t lat = (uint64_t)g.cfg.lat_fadd;
		uint64_t want = lat * n + 1 + 1 + (uint64_t)g.cfg.branch_penalty;
		CU_ASSERT_EQUAL(cnt(&g, CNT_cycles) - c0, want);
		if (cnt(&g, CNT_cycles) - c0 != want)
			fprintf(stderr, "fadd chain lat %llu: %llu cycles, want %llu\n", (unsigned long long)lat,
				(unsigned long long)(cnt(&g, CNT_cycles) - c0), (unsigned long long)want);
		CU_ASSERT_EQUAL(chip_reg(g.chip, 12), 3 + 4 * 2 * n);

		/* commit, then a write of f1 and a memory fault: f1 comes back */
		chip_run(g.chip, rig_load(&g, "commit\nfcon.z f1\nmov r30, #0x7ffffff0\nld.32 r5, [r30]\n"
					      "exit #1\n"), &ex);
		CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_MEMORY_FAULT);
		chip_run(g.chip, rig_load(&g, "fcvo.i r13, f1\nexit #0\n"), &ex);
		CU_ASSERT_EQUAL(chip_reg(g.chip, 13), 3 + 4 * 2 * n);

		/* divide by zero: masked, infinity; unmasked (control word 0x37b),
		 * an FPU fault that rolls the bundle's block back */
		chip_run(g.chip, rig_load(&g, "commit\nfcon.z f2\nfdiv f3, f6, f2\nexit #0\n"), &ex);
		CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
		CU_ASSERT_EQUAL(chip_fpu(g.chip)->r[3].se, 0x7fff);
		CU_ASSERT_EQUAL(chip_fpu(g.chip)->r[3].mant, 1ull << 63);
		chip_fpu(g.chip)->cw = 0x037b;
		chip_fpu_written(g.chip);
		chip_run(g.chip, rig_load(&g, "commit\nfcon.1 f4\nfdiv f3, f6, f2\nexit #0\n"), &ex);
		CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FPU_FAULT);
		CU_ASSERT_EQUAL(cnt(&g, CNT_rb_fpu), 1);
		CU_ASSERT_EQUAL(chip_fpu(g.chip)->r[4].se, 0x4001); /* 7 as before: rolled back */
		rig_done(&g);
	}
}

/* The FPU atoms' door to the host x87 (native-isa/x87.c, x87_host_op)
 * keeps no fninit between calls: each call must still see an empty stack
 * (no overflow after many pushes, also after stubs that pop one or push
 * a third), report the exception flags of its own operation
 * exactly unless the caller says it has them already, and leave the
 * host's control word as it found it under any guest control word. */
static uint16_t host_cw(void)
{
	uint16_t cw;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	return cw;
}

static struct x87_op_io door(uint8_t esc, uint8_t modrm, double a, double b, uint16_t cw, uint16_t have,
			     struct x87_reg *st0)
{
	/* doubles to the 80-bit layout by the door itself: fild m32 would
	 * need integers, so fld m64 (dd /0) of the double's bits */
	struct x87_reg va, vb, none = {0, 0};
	uint64_t w;
	memcpy(&w, &a, 8);
	struct x87_op_io io = {0, X87_CW_INIT, 0};
	x87_host_op(x87_stub(0xdd, 0x00), &none, &none, &w, &io, &va);
	memcpy(&w, &b, 8);
	io = (struct x87_op_io){0, X87_CW_INIT, 0};
	x87_host_op(x87_stub(0xdd, 0x00), &none, &none, &w, &io, &vb);
	io = (struct x87_op_io){0, cw, have};
	uint64_t mem = 0;
	x87_host_op(x87_stub(esc, modrm), &va, &vb, &mem, &io, st0);
	return io;
}

static void test_fpu_door(void)
{
	/* the door's contract: no atom's instruction pops both operands or
	 * pushes more than one (run from a stack of two: TOP 6) */
	RIG(g, NULL);
	for (unsigned op = OP_FADD; op <= OP_FCON; op++)
		for (unsigned x = 0; x < 16; x++) {
			unsigned stub = g.chip->fpu_plan[op - OP_FADD][x].stub;
			uint8_t esc = (uint8_t)(0xd8 + (stub < 512 ? stub / 64 : (stub - 512) / 8));
			uint8_t modrm = (uint8_t)(stub < 512 ? 0xc0 + stub % 64 : ((stub - 512) % 8) << 3);
			struct x87_state st;
			x87_init(&st);
			st.sw = 6u << X87_TOP_SHIFT;
			st.tags = 0xc0;
			st.r[6] = (struct x87_reg){1ull << 63, 0x3fff};
			st.r[7] = (struct x87_reg){1ull << 63, 0x4000};
			uint8_t mem[X87_STATE_BYTES] = {0};
			uint32_t fl = 0x202;
			uint16_t ax = 0;
			x87_host_exec(&st, esc, modrm, mem, &fl, &ax);
			unsigned top = x87_top(&st);
			CU_ASSERT(top == 5 || top == 6 || top == 7);
			if (top != 5 && top != 6 && top != 7)
				fprintf(stderr, "%s kind %u: %02x %02x leaves TOP %u\n", isa_ops[op].mnemonic, x,
					esc, modrm, top);
		}
	/* fmov is a copy (hw-sim/fpu_atom.h) because the host's fld st(0)
	 * is one: every bit pattern, unsupported ones and signalling NaNs
	 * included, comes back as it went in, nothing raised, C1 clear */
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 2000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		struct x87_reg v = {seed, (uint16_t)(seed >> 48)}, none = {0, 0}, out;
		if (i % 4 == 1)
			v.se = (uint16_t)((v.se & 0x8000) | 0x7fff);  /* NaN, infinity, pseudo-NaN */
		if (i % 4 == 2)
			v.se &= 0x8000;                                /* denormal, pseudo-denormal */
		uint64_t mem = 0;
		struct x87_op_io io = {0, X87_CW_INIT, 0};
		x87_host_op(g.chip->fpu_plan[OP_FMOV - OP_FADD][0].stub, &v, &none, &mem, &io, &out);
		CU_ASSERT(out.mant == v.mant && out.se == v.se);
		CU_ASSERT_EQUAL(io.sw & (X87_EXC | X87_SF | X87_C1), 0);
	}
	CU_ASSERT_EQUAL(g.chip->fpu_plan[OP_FMOV - OP_FADD][0].cdef, X87_C1);
	rig_done(&g);

	uint16_t cw0 = host_cw();
	struct x87_reg r;
	for (int i = 0; i < 40; i++) {
		/* 1.5 + 2 = 3.5, exact: nothing raised, ever (no stack fault) */
		struct x87_op_io io = door(0xd8, 0xc1, 1.5, 2.0, X87_CW_INIT, 0, &r);  /* fadd st0, st1 */
		CU_ASSERT_EQUAL(io.sw & (X87_EXC | X87_SF), 0);
		CU_ASSERT(r.se == 0x4000 && r.mant == 0xe000000000000000ull);
		/* fcom st(1): 1 < 2, ST0 as it was */
		io = door(0xd8, 0xd1, 1.0, 2.0, X87_CW_INIT, 0, &r);
		CU_ASSERT_EQUAL(io.sw & (X87_EXC | X87_SF | X87_C3 | X87_C2 | X87_C0), X87_C0);
		CU_ASSERT(r.se == 0x3fff && r.mant == 1ull << 63);
		/* fcomi st, st(1): RFLAGS as the compare left them (CF ZF PF:
		 * below, above, equal) */
		static const double cmp[3][2] = {{1.0, 2.0}, {2.0, 1.0}, {2.0, 2.0}};
		static const uint32_t want[3] = {0x1, 0x0, 0x40};
		for (int k = 0; k < 3; k++) {
			io = door(0xdb, 0xf1, cmp[k][0], cmp[k][1], X87_CW_INIT, 0, &r);
			CU_ASSERT_EQUAL(io.eflags & 0x45, want[k]);
		}
		/* fistp m64 pops one */
		io = door(0xdf, 0x38, 2.0, 1.0, X87_CW_INIT, 0, &r);
		CU_ASSERT_EQUAL(io.sw & (X87_EXC | X87_SF), 0);
		CU_ASSERT(r.se == 0x3fff && r.mant == 1ull << 63);
		/* fld1 pushes a third */
		io = door(0xd9, 0xe8, 0.0, 0.0, X87_CW_INIT, 0, &r);
		CU_ASSERT_EQUAL(io.sw & (X87_EXC | X87_SF), 0);
		CU_ASSERT(r.se == 0x3fff && r.mant == 1ull << 63);
	}
	/* 1 / 3 raises PE; the exact add after it raises nothing when the
	 * caller has no PE, and may report PE again only when it has */
	struct x87_op_io io = door(0xd8, 0xf1, 1.0, 3.0, X87_CW_INIT, 0, &r);  /* fdiv st0, st1 */
	CU_ASSERT_EQUAL(io.sw & X87_EXC, X87_PE);
	io = door(0xd8, 0xc1, 1.5, 2.0, X87_CW_INIT, 0, &r);
	CU_ASSERT_EQUAL(io.sw & X87_EXC, 0);
	door(0xd8, 0xf1, 1.0, 3.0, X87_CW_INIT, 0, &r);
	io = door(0xd8, 0xc1, 1.5, 2.0, X87_CW_INIT, X87_PE, &r);
	CU_ASSERT_EQUAL(io.sw & X87_EXC & ~X87_PE, 0);
	/* divide by zero under a control word that unmasks it (0x37b), then
	 * single precision rounding toward zero (0x0c7f): ZE reported, 1/3
	 * with a 24-bit significand cut, and the host's control word back */
	io = door(0xd8, 0xf1, 1.0, 0.0, 0x037b, 0, &r);
	CU_ASSERT_EQUAL(io.sw & X87_EXC, X87_ZE);
	CU_ASSERT(r.se == 0x7fff && r.mant == 1ull << 63);
	CU_ASSERT_EQUAL(host_cw(), cw0);
	io = door(0xd8, 0xf1, 1.0, 3.0, 0x0c7f, 0, &r);
	CU_ASSERT_EQUAL(io.sw & X87_EXC, X87_PE);
	CU_ASSERT(r.se == 0x3ffd && r.mant == 0xaaaaaa0000000000ull);
	CU_ASSERT_EQUAL(host_cw(), cw0);
	io = door(0xd8, 0xf1, 1.0, 3.0, X87_CW_INIT, 0, &r);
	CU_ASSERT(r.se == 0x3ffd && r.mant == 0xaaaaaaaaaaaaaaabull);
}

static void test_cycle_limit(void)
{
	RIG(g, "sim.max_cycles=1000", NULL);
	struct chip_exit ex;
	chip_run(g.chip, rig_load(&g, "loop: br loop\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_CYCLE_LIMIT);
	CU_ASSERT(cnt(&g, CNT_cycles) >= 1000 && cnt(&g, CNT_cycles) < 1010);
	rig_done(&g);
	RIG(h, NULL);
	g = h;
	/* an undecodable word and a missing stop bit are machine checks */
	uint64_t bad = 0x7f | 0x80;
	uint32_t at = hregion_alloc(&g.hm.tcache, 8, 8);
	chip_mem_write(g.chip, at, &bad, 8);
	chip_run(g.chip, at, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_ILLEGAL_BUNDLE);
	if (ex.reason != CHIP_EXIT_ILLEGAL_BUNDLE) {
		char d[200];
		chip_exit_describe(&ex, d, sizeof d);
		fprintf(stderr, "undecodable word: %s\n", d);
	}
	chip_run(g.chip, chip_mem_size(g.chip) - 8 + 8, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_MEMORY_FAULT);
	rig_done(&g);
}

/* Two bugs the RTL lockstep found (tests/rtl/cosim_random.c): a faulting
 * single-pass bundle left its landed atoms' ready times behind, and wrcr
 * read its source after an earlier atom of its bundle had written it. */
static void test_fault_leaves_no_ready_times(void)
{
	RIG(g, "core.latency.alu=3", NULL);
	/* the add lands (due 3 cycles later) before the divide faults */
	uint32_t bad = rig_load(&g, "mov r1, #7 | mov r2, #0\nadd r20, r1, #1 | divu r21, r1, r2\nexit #0\n");
	uint32_t next = rig_load(&g, "add r22, r20, #1\nexit #0\n");
	struct chip_exit ex;
	chip_run(g.chip, next, &ex);  /* warm its lines */
	chip_run(g.chip, bad, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_DIVIDE_FAULT);
	uint64_t stalls = cnt(&g, CNT_stall_operand);
	chip_run(g.chip, next, &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	CU_ASSERT_EQUAL(cnt(&g, CNT_stall_operand), stalls);  /* r20 was never written: no wait */
	rig_done(&g);

	RIG(h, NULL);
	chip_run(h.chip, rig_load(&h, "mov r24, #1\nmov r24, #3 | wrcr UNITS_ALU, r24\nexit #0\n"), &ex);
	CU_ASSERT_EQUAL(ex.reason, CHIP_EXIT_FIRMWARE);
	uint32_t mask = 0;
	CU_ASSERT_EQUAL(chip_read_cr(h.chip, CR_UNITS_ALU, &mask), 0);
	CU_ASSERT_EQUAL(mask, 1);  /* r24 as the bundle read it */
	rig_done(&h);
}

void suite_chip(void)
{
	CU_pSuite s = CU_add_suite("chip", NULL, NULL);
	CU_add_test(s, "dependent multiplies take N x latency", test_mul_chain);
	CU_add_test(s, "bundles fill up to the unit limits", test_bundle_fill);
	CU_add_test(s, "cold load costs memory latency, warm the L1", test_load_latency);
	CU_add_test(s, "disabling L1D ways changes hits as predicted", test_way_mask);
	CU_add_test(s, "commit/rollback restores registers, drops stores", test_commit_rollback);
	CU_add_test(s, "alias faults, store-buffer overflow, divide fault", test_alias_and_sb);
	CU_add_test(s, "each fault point flips a bit; detection catches it", test_fault_points);
	CU_add_test(s, "decoded bundles are invalidated by writes", test_code_invalidation);
	CU_add_test(s, "cycle accounting and control registers", test_accounting_and_crs);
	CU_add_test(s, "hidden memory map and allocators", test_hidden_memory);
	CU_add_test(s, "page table: frames, crossings, permissions", test_page_table_mapping);
	CU_add_test(s, "page table: a unit fault on a split store", test_split_store_unit_fault);
	CU_add_test(s, "page table: stores to code chunks trap", test_page_table_protection);
	CU_add_test(s, "page table: corrupted entries are detected", test_page_table_corruption);
	CU_add_test(s, "TLB: counts, LRU, flushes, stale entries", test_tlb_counters_and_lru);
	CU_add_test(s, "TLB: walk stalls and the cycle identity", test_tlb_timing);
	CU_add_test(s, "TLB: a store's walk delays the bundle's load", test_tlb_store_after_load);
	CU_add_test(s, "TLB: chip_tlb_translate for the firmware", test_tlb_door);
	CU_add_test(s, "TLB: geometry keys are validated", test_tlb_config);
	CU_add_test(s, "FPU: values, latency, shadowing, unmasked faults", test_fpu);
	CU_add_test(s, "FPU: the host door's empty stack, exact flags, control word", test_fpu_door);
	CU_add_test(s, "FPU: non-compare atoms write C1 and keep C0 C2 C3 on this host", test_fpu_condition_codes);
	CU_add_test(s, "cycle limit and machine checks", test_cycle_limit);
	CU_add_test(s, "a fault leaves no ready times; wrcr reads its source first", test_fault_leaves_no_ready_times);
}
