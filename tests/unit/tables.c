/* tests/unit/tables.c — the firmware trusts nothing it reads back from its
 * tables in hidden memory (DESIGN.md contract 5).  A guest runs until the
 * translation map and the guest page table hold entries; then every bit of
 * a sample of entries is flipped through the memory fault point, one at a
 * time, and the firmware's read of the entry must give a miss or the right
 * answer (the entry put right), never another translation or a frame it
 * did not map; a flip in every entry, then the run to its end, must give
 * the guest's own output.  Last, random flips anywhere in the carve-out at
 * random times (seed printed, CDVM_SEED replays) must give the guest's own
 * output; with flips in translated code too, which the chip runs as it
 * finds it (only ECC could tell), the run must still end cleanly (exit,
 * signal, or the cycle cap) under the sanitizers.  Guests come from build/guests (make guests). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "cms/cms_priv.h"
#include "cms/policy/policy.h"
#include "hw-sim/chip.h"
#include "tests/unit/testutil.h"

struct guest {
	struct cms *m;
	FILE *out;
	char path[256];
};

/* build/guests/O2/<prog> <arg> loaded in `mode`, configured by sets
 * (NULL-ended); 0, or -1 (failure checked). */
static int boot(struct guest *g, const char *prog, const char *arg, enum cms_mode mode, const char *const *sets)
{
	char err[256];
	struct cdvm_config cfg;
	struct config_error e;
	memset(g, 0, sizeof *g);
	snprintf(g->path, sizeof g->path, "build/guests/O2/%s.elf", prog);
	config_default(&cfg);
	for (; sets && *sets; sets++)
		CHECK(config_set(&cfg, *sets, &e) == 0, "%s", e.msg);
	if (cms_create(&cfg, mode, &g->m, err, sizeof err) < 0) {
		CHECK(0, "cms_create: %s", err);
		return -1;
	}
	char *argv[] = {g->path, (char *)arg, NULL};
	char *envp[] = {NULL};
	if (cms_load_elf(g->m, g->path, arg ? 2 : 1, argv, envp, err, sizeof err) < 0 || !(g->out = tmpfile())) {
		CHECK(0, "%s is not built (make guests): %s", g->path, err);
		cms_destroy(g->m);
		g->m = NULL;
		return -1;
	}
	cms_set_stdio(g->m, 0, fileno(g->out), 2);
	return 0;
}

/* Run on until `cycles` (0: the end). */
static void run_to(struct guest *g, uint64_t cycles, struct cms_result *res)
{
	g->m->cfg.max_cycles = (int64_t)cycles;
	cms_run(g->m, res);
}

/* The guest's stdout so far, and the machine gone. */
static char *finish(struct guest *g)
{
	char *text = calloc(1, 1 << 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	fflush(g->out);
	rewind(g->out);
	size_t n = fread(text, 1, (1 << 16) - 1, g->out);
	text[n] = '\0';
	fclose(g->out);
	cms_destroy(g->m);
	return text;
}

static char *reference_output(const char *prog, const char *arg, enum cms_mode mode)
{
	struct guest g;
	struct cms_result res;
	if (boot(&g, prog, arg, mode, NULL) < 0)
		return NULL;
	run_to(&g, 0, &res);
	CHECK(res.end == CMS_END_EXIT && res.status == 0, "%s: reference run ended %d (%s)", prog, res.end, res.text);
	return finish(&g);
}

/* Run on to the end: the guest exits 0 with the reference output `want`
 * (freed, as the machine).  The corrupted entries found in all. */
static uint64_t end_as_reference(struct guest *g, char *want, const char *what)
{
	struct cms_result res;
	run_to(g, 0, &res);
	uint64_t found = g->m->st.table_corruptions;
	CHECK(res.end == CMS_END_EXIT && res.status == 0, "%s: end %d status %d (%s)", what, res.end, res.status,
	      res.text);
	char *got = finish(g);
	CHECK(!strcmp(got, want), "%s: the output differs:\n%s\nwant:\n%s", what, got, want);
	free(got);
	free(want);
	return found;
}

/* The reference output of prog, and the guest booted and run to `cycles`
 * so that the tables hold entries: the output, or NULL (checked). */
static char *start(struct guest *g, const char *prog, const char *arg, enum cms_mode mode, uint64_t cycles)
{
	struct cms_result res;
	char *want = reference_output(prog, arg, mode);
	if (!want || boot(g, prog, arg, mode, NULL) < 0) {
		free(want);
		return NULL;
	}
	run_to(g, cycles, &res);
	CU_ASSERT_EQUAL(res.end, CMS_END_CYCLE_LIMIT);
	return want;
}

static uint32_t word(struct cms *m, uint32_t addr)
{
	uint32_t v = 0;
	chip_mem_read(m->chip, addr, &v, 4);
	return v;
}

/* ---- the translation map --------------------------------------------------- */

enum { MAP_SAMPLE = 12, ENTRY_WORDS = 4 };

/* What a lookup may answer at eip after a flip: a miss, or the right
 * translation; and what the native routine would jump to: the entry's own
 * native address or the miss exit, never elsewhere. */
static void check_entry_flip(struct cms *m, uint32_t at, uint32_t eip, int want, uint32_t native, uint32_t miss,
			     unsigned bit)
{
	uint32_t w[ENTRY_WORDS];
	chip_mem_read(m->chip, at, w, sizeof w);
	/* the routine: check ^ native names the EIP it would jump for */
	uint32_t routine_eip = w[3] ^ w[2];
	CHECK(w[2] == native || w[2] == miss || routine_eip != eip, "bit %u: the routine would jump to 0x%x for 0x%x",
	      bit, w[2], eip);
	int id = tc_lookup(m, eip);
	CHECK(id == want || id == -1, "bit %u: lookup 0x%x gave %d (want %d or a miss)", bit, eip, id, want);
	if (id >= 0)
		CHECK(tc_get(m, id) && tc_get(m, id)->eip == eip, "bit %u: id %d is not 0x%x's", bit, id, eip);
	/* and the EIP the flipped entry now seems to hold */
	if (w[0] != eip && w[0] > 1) {
		int other = tc_lookup(m, w[0]);
		CHECK(other < 0 || (tc_get(m, other) && tc_get(m, other)->eip == w[0]),
		      "bit %u: lookup of flipped eip 0x%x gave %d", bit, w[0], other);
	}
}

static void map_flips(enum cms_mode mode)
{
	struct guest g;
	char *want = start(&g, "sha256", "20", mode, 2000000);
	if (!want)
		return;
	struct cms *m = g.m;
	uint32_t n, base = tc_map_base(m, &n), miss = 0;
	/* the miss exit: what a free entry holds as its native address */
	miss = word(m, base + 8);
	unsigned sampled = 0, flips = 0;
	for (uint32_t i = 0; i < n && sampled < MAP_SAMPLE; i++) {
		uint32_t at = base + 16 * i, saved[ENTRY_WORDS];
		chip_mem_read(m->chip, at, saved, sizeof saved);
		if (saved[0] <= 1)
			continue;
		int id = tc_lookup(m, saved[0]);
		if (id < 0)
			continue;
		sampled++;
		for (unsigned bit = 0; bit < 32 * ENTRY_WORDS; bit++) {
			CU_ASSERT_EQUAL_FATAL(chip_inject_memory(m->chip, at + 4 * (bit / 32), bit % 32), 0);
			check_entry_flip(m, at, saved[0], id, saved[2], miss, bit);
			chip_mem_write(m->chip, at, saved, sizeof saved);
			flips++;
		}
	}
	CHECK(sampled >= 4, "only %u map entries to flip", sampled);
	CHECK(m->st.table_corruptions > 0, "no corruption counted after %u flips", flips);
	/* a flip in every entry in use, then on to the end: the guest's output */
	uint64_t seed = test_seed("tables: map flips");
	for (uint32_t i = 0; i < n; i++)
		if (word(m, base + 16 * i) > 1)
			chip_inject_memory(m->chip, base + 16 * i + 4 * (uint32_t)(test_rng(&seed) % 4),
					   (unsigned)(test_rng(&seed) % 32));
	end_as_reference(&g, want, "after flips in the map");
}

static void test_map_translate(void) { map_flips(CMS_MODE_TRANSLATE); }
static void test_map_optimize(void) { map_flips(CMS_MODE_OPTIMIZE); }

/* ---- the guest page table ------------------------------------------------- */

enum { PTE_SAMPLE = 24 };

static void page_table_flips(enum cms_mode mode)
{
	struct guest g;
	char *want = start(&g, "sort", NULL, mode, 1000000);
	if (!want)
		return;
	struct cms *m = g.m;
	uint32_t pd = 0;
	chip_read_cr(m->chip, CR_PAGEDIR, &pd);
	CU_ASSERT_FATAL(pd != 0);
	unsigned sampled = 0;
	uint32_t pages[PTE_SAMPLE], npages = 0;
	for (uint32_t d = 0; d < 1024; d++) {
		uint32_t pde = word(m, pd + 4 * d);
		if (!(pde & ISA_PTE_PRESENT))
			continue;
		/* every bit of the directory entry: the firmware's read puts it right */
		uint32_t pg0 = d << 10, want0 = gm_pte(m, pg0);
		for (unsigned bit = 0; bit < 32; bit++) {
			chip_inject_memory(m->chip, pd + 4 * d, bit);
			CHECK(gm_pte(m, pg0) == want0 && word(m, pd + 4 * d) == pde, "pde %u bit %u not put right", d, bit);
		}
		uint32_t table = pde & ~0xfffu;
		for (uint32_t i = 0; i < 1024 && npages < PTE_SAMPLE; i++) {
			uint32_t pte = word(m, table + 4 * i), pg = d << 10 | i;
			if (!pte)
				continue;
			pages[npages++] = pg;
			for (unsigned bit = 0; bit < 32; bit++) {
				chip_inject_memory(m->chip, table + 4 * i, bit);
				uint32_t pa = 0;
				CHECK(gm_pte(m, pg) == pte && word(m, table + 4 * i) == pte, "page 0x%x bit %u not put right",
				      pg, bit);
				CHECK(gm_peek(m, pg << 12, &pa) < 0 || pa < chip_guest_limit(m->chip),
				      "page 0x%x bit %u: frame 0x%x outside guest RAM", pg, bit, pa);
			}
			sampled++;
		}
	}
	CHECK(sampled >= 4, "only %u page-table entries to flip", sampled);
	/* a frame bit, a right and the present bit of each sampled page, seen
	 * first by the chip's walk (the TLB forgets them), then run to the end */
	uint64_t seed = test_seed("tables: page-table flips");
	for (uint32_t k = 0; k < npages; k++) {
		uint32_t d = pages[k] >> 10, table = word(m, pd + 4 * d) & ~0xfffu;
		static const unsigned bits[] = {0, 1, 4, 12, 20, 27, 31};
		chip_inject_memory(m->chip, table + 4 * (pages[k] & 1023), bits[test_rng(&seed) % 7]);
	}
	chip_write_cr(m->chip, CR_TLB_FLUSH, 1);
	/* the firmware reads each entry before the chip may use a wrong frame:
	 * what a fault on any of these pages does (aspace_fault) */
	for (uint32_t k = 0; k < npages; k++)
		gm_pte(m, pages[k]);
	end_as_reference(&g, want, "after page-table flips");
}

static void test_page_table_translate(void) { page_table_flips(CMS_MODE_TRANSLATE); }
static void test_page_table_interp(void) { page_table_flips(CMS_MODE_INTERP); }

/* A frame bit flipped in a PTE the chip's walk refuses (outside guest RAM)
 * before the firmware reads it: the fault handling puts it right, and the
 * guest runs on as if nothing happened. */
static void test_walk_refused_then_repaired(void)
{
	struct guest g;
	char *want = start(&g, "sort", NULL, CMS_MODE_TRANSLATE, 1000000);
	if (!want)
		return;
	struct cms *m = g.m;
	uint32_t pd = 0, flipped = 0;
	chip_read_cr(m->chip, CR_PAGEDIR, &pd);
	for (uint32_t d = 0; d < 1024; d++) {
		uint32_t pde = word(m, pd + 4 * d);
		for (uint32_t i = 0; (pde & ISA_PTE_PRESENT) && i < 1024; i++)
			if (word(m, (pde & ~0xfffu) + 4 * i)) {
				chip_inject_memory(m->chip, (pde & ~0xfffu) + 4 * i, 31);   /* frame above guest RAM */
				flipped++;
			}
	}
	chip_write_cr(m->chip, CR_TLB_FLUSH, 1);
	CU_ASSERT(flipped > 0);
	CHECK(end_as_reference(&g, want, "frames the walk refuses") >= flipped, "not every flip counted");
}

/* ---- random flips anywhere in hidden memory ------------------------------------- */

/* Where a random flip goes: anywhere in the carve-out a quarter of the
 * time (most of it unused; the translation cache, code, only when `code`),
 * else a word in use of the translation map, the guest page table, a
 * translation's code or entry counter. */
static uint32_t flip_target(struct cms *m, uint64_t *seed, int code)
{
	uint32_t n, map = tc_map_base(m, &n), pd = 0;
	chip_read_cr(m->chip, CR_PAGEDIR, &pd);
	for (int tries = 0; tries < 64; tries++) {
		uint64_t r = test_rng(seed);
		switch (r % (code ? 4 : 3)) {
		case 0: {
			uint32_t at = m->hm.base + (uint32_t)((r >> 8) % m->hm.size);
			const struct hregion *tc = &m->hm.tcache;
			if (code || at < tc->base || at >= tc->base + tc->size)
				return at;
			break;
		}
		case 1: {
			uint32_t at = map + 16 * (uint32_t)((r >> 8) % n);
			if (word(m, at) > 1)
				return at + 4 * (uint32_t)((r >> 40) % 4);
			break;
		}
		case 2: {
			uint32_t d = (uint32_t)((r >> 8) % 1024), pde = word(m, pd + 4 * d);
			if (pde & ISA_PTE_PRESENT) {
				uint32_t at = (pde & ~0xfffu) + 4 * (uint32_t)((r >> 20) % 1024);
				return word(m, at) || (r >> 40) % 16 == 0 ? at : pd + 4 * d;
			}
			break;
		}
		default: {
			const struct xlat *x = tc_get(m, (int)((r >> 8) % 4096));
			if (x)
				return (r >> 40) % 4 == 0 && x->counter ? x->counter : x->native + 4 * (uint32_t)((r >> 20) % (x->size / 4));
			break;
		}
		}
	}
	return m->hm.base;
}

/* flips in tables only: the guest's own output; with flips in translated
 * code (the chip runs it: only ECC, faults.detect.memory, can tell) any
 * clean end */
static void stress(const char *prog, const char *arg, enum cms_mode mode, const char *const *sets, unsigned flips,
		   int code)
{
	char *want = code ? NULL : reference_output(prog, arg, mode);
	char what[128];
	snprintf(what, sizeof what, "tables: random flips%s, %s %s %s", code ? " with code" : "", prog, cms_mode_name(mode),
		 sets ? sets[0] : "");
	uint64_t seed = test_seed(what);
	struct guest g;
	struct cms_result res;
	/* the chip's own cap too: a flip in translated code may make it loop
	 * (the chip runs what it holds; nothing the firmware reads) */
	const char *capped[4] = {"sim.max_cycles=60000000", sets ? sets[0] : NULL, NULL};
	if ((!code && !want) || boot(&g, prog, arg, mode, capped) < 0) {
		free(want);
		return;
	}
	struct cms *m = g.m;
	uint64_t at = 0;
	unsigned done = 0;
	for (;;) {
		at += 2000 + test_rng(&seed) % 20000;
		run_to(&g, done < flips ? at : 60000000, &res);
		if (res.end != CMS_END_CYCLE_LIMIT || done >= flips)
			break;
		chip_inject_memory(m->chip, flip_target(m, &seed, code), (unsigned)(test_rng(&seed) % 32));
		done++;
	}
	/* any clean end: the guest's exit, a signal it got, or the cycle cap
	 * (a flip in translated code may loop: the chip runs what it holds) */
	CHECK(res.end != CMS_END_INTERNAL, "%s: internal error after %u flips: %s", what, done, res.text);
	printf("[%s: %u flips, %llu corrupted entries found, end %d status %d]\n", what, done,
	       (unsigned long long)m->st.table_corruptions, res.end, res.status);
	char *got = finish(&g);
	if (!code) {
		CHECK(res.end == CMS_END_EXIT && res.status == 0, "%s: end %d status %d (%s)", what, res.end, res.status,
		      res.text);
		CHECK(!strcmp(got, want), "%s: output differs:\n%s\nwant:\n%s", what, got, want);
	}
	free(got);
	free(want);
}

static const char *const detect[] = {"faults.detect.memory=true", NULL};

/* With ECC (faults.detect.memory), two flips in one word are an
 * uncorrectable error.  In a word of the translation map the lookup
 * routine reads, the firmware makes the map again (a flush rewrites every
 * entry: the policy is called as the chip's exit would call it); in a
 * page-table word the chip's walk reads, it writes the entry again from
 * its record: two flips in some of each, and the guest runs to its own
 * output.  The ECC records 16 words: a flip beyond them is
 * refused and changes nothing (one it could not see). */
static void test_uncorrectable_tables(void)
{
	char *want = reference_output("sha256", "20", CMS_MODE_TRANSLATE);
	struct guest g;
	struct cms_result res;
	if (!want || boot(&g, "sha256", "20", CMS_MODE_TRANSLATE, detect) < 0) {
		free(want);
		return;
	}
	struct cms *m = g.m;
	run_to(&g, 2000000, &res);
	CU_ASSERT_EQUAL(res.end, CMS_END_CYCLE_LIMIT);
	uint32_t n, base = tc_map_base(m, &n), pd = 0, last = 0;
	unsigned map_words = 0, pte_words = 0;
	chip_read_cr(m->chip, CR_PAGEDIR, &pd);
	for (uint32_t d = 0; d < 1024 && pte_words < 8; d++) {
		uint32_t pde = word(m, pd + 4 * d);
		for (uint32_t i = 0; (pde & ISA_PTE_PRESENT) && i < 1024 && pte_words < 8; i++)
			if (word(m, (pde & ~0xfffu) + 4 * i)) {
				CU_ASSERT_EQUAL(chip_inject_memory(m->chip, (pde & ~0xfffu) + 4 * i, 12), 0);
				CU_ASSERT_EQUAL(chip_inject_memory(m->chip, (pde & ~0xfffu) + 4 * i, 13), 0);
				pte_words++;
			}
	}
	for (uint32_t i = 0; i < n && map_words + pte_words < 16; i++)
		if (word(m, base + 16 * i) > 1) {
			CU_ASSERT_EQUAL(chip_inject_memory(m->chip, (last = base + 16 * i + 8), 3), 0);
			CU_ASSERT_EQUAL(chip_inject_memory(m->chip, last, 17), 0);
			map_words++;
		}
	CHECK(map_words >= 4 && pte_words >= 4 && map_words + pte_words == 16,
	      "only %u map and %u page-table words to flip", map_words, pte_words);
	/* the 17th word: refused, nothing changed */
	uint32_t before = word(m, last + 4);
	CU_ASSERT_EQUAL(chip_inject_memory(m->chip, last + 4, 5), -1);
	CU_ASSERT_EQUAL(word(m, last + 4), before);
	chip_write_cr(m->chip, CR_TLB_FLUSH, 1);
	uint64_t retries = m->st.fault_retries;
	/* what the lookup routine's read of the last map word reports: the
	 * firmware flushes (the map made again), the run goes on */
	struct chip_exit ex = {.reason = CHIP_EXIT_FAULT_DETECTED, .fault_point = FP_MEMORY, .addr = last, .pc = base};
	uint64_t flushes = m->st.flushes;
	m->cfg.max_cycles = 2000000000;   /* (the policy checks the limit last) */
	CU_ASSERT_EQUAL(policy_hw_fault(m, &ex, &res), 0);
	CU_ASSERT_EQUAL(m->st.flushes, flushes + 1);
	CU_ASSERT_EQUAL(word(m, base + 16 * ((last - base) / 16)), 0);   /* the entry rewritten: free */
	run_to(&g, 2000000000, &res);
	CHECK(res.end == CMS_END_EXIT && res.status == 0, "end %d status %d (%s)", res.end, res.status, res.text);
	CHECK(m->st.fault_retries > retries, "no recovery counted");
	char *got = finish(&g);
	CHECK(!strcmp(got, want), "output differs:\n%s\nwant:\n%s", got, want);
	free(got);
	free(want);
}

static void test_stress_translate(void) { stress("sha256", "20", CMS_MODE_TRANSLATE, NULL, 400, 0); }
static void test_stress_optimize(void) { stress("sort", NULL, CMS_MODE_OPTIMIZE, NULL, 400, 0); }
static void test_stress_detect(void) { stress("hashtab", NULL, CMS_MODE_OPTIMIZE, detect, 400, 0); }
static void test_stress_code(void) { stress("sha256", "20", CMS_MODE_TRANSLATE, NULL, 400, 1); }
static void test_stress_code_optimize(void) { stress("hashtab", NULL, CMS_MODE_OPTIMIZE, detect, 400, 1); }

void suite_tables(void);
void suite_tables(void)
{
	CU_pSuite s = CU_add_suite("tables", NULL, NULL);
	CU_add_test(s, "map: every bit of sampled entries (translate)", test_map_translate);
	CU_add_test(s, "map: every bit of sampled entries (optimize)", test_map_optimize);
	CU_add_test(s, "page table: every bit of sampled entries (translate)", test_page_table_translate);
	CU_add_test(s, "page table: every bit of sampled entries (interp)", test_page_table_interp);
	CU_add_test(s, "page table: a frame the walk refuses is put right", test_walk_refused_then_repaired);
	CU_add_test(s, "random flips in hidden memory: translate", test_stress_translate);
	CU_add_test(s, "random flips in hidden memory: optimize", test_stress_optimize);
	CU_add_test(s, "random flips in hidden memory: detect.memory", test_stress_detect);
	CU_add_test(s, "uncorrectable errors in the map and the page tables are written again", test_uncorrectable_tables);
	CU_add_test(s, "random flips with translated code: translate", test_stress_code);
	CU_add_test(s, "random flips with translated code: optimize, detect.memory", test_stress_code_optimize);
}
