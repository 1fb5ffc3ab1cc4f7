/* hw-sim/energy.c — the energy model (energy.h): coefficients from the
 * configuration by the rules of docs/energy.md, and the chip's energy so
 * far from its counters and enable-mask meters.
 *
 * Rules, all at the configured process point (energy.process_nm, .vdd):
 *   - an SRAM array of S KiB costs read_pj * (S / ref_kb)^size_exponent per
 *     64-bit read; a cache way is such an array of size_kb / ways, and its
 *     tags cost tag_ratio of that;
 *   - an L1 access reads the tags and the data (L1D: a word, L1I: the
 *     fetch block, its line) of every enabled way in parallel; an L2
 *     access reads every enabled way's tags, and a hit moves one L1 line
 *     from the hit way (energy.l2_phased; otherwise as the L1s);
 *   - a fill writes the cache's line into one way, a write-back reads it;
 *   - a miss reads the tags of the ways switched off too: they stay on as
 *     the stack-distance monitor's shadow tags (hw-sim/cache.h);
 *   - leakage is a power per KiB of enabled data array, tag arrays
 *     (tag_ratio of their way's) leaking whether their way is on or not,
 *     per enabled unit and for the register file, over the cycles at
 *     chip.clock_mhz.
 * Memory is another chip: its energy per transfer is not scaled. */
#include "hw-sim/chip_priv.h"

#include <math.h>

const char *const energy_part_names[EP_COUNT] = {
#define ENERGY_NAME(name, st, ca, doc) #name,
	ENERGY_PARTS(ENERGY_NAME)
#undef ENERGY_NAME
};
const char *const energy_part_docs[EP_COUNT] = {
#define ENERGY_DOC(name, st, ca, doc) doc,
	ENERGY_PARTS(ENERGY_DOC)
#undef ENERGY_DOC
};
const bool energy_part_static[EP_COUNT] = {
#define ENERGY_ST(name, st, ca, doc) st,
	ENERGY_PARTS(ENERGY_ST)
#undef ENERGY_ST
};
const bool energy_part_cache[EP_COUNT] = {
#define ENERGY_CA(name, st, ca, doc) ca,
	ENERGY_PARTS(ENERGY_CA)
#undef ENERGY_CA
};

void energy_meter_set(struct energy_meter *m, uint64_t events, uint64_t cycles, unsigned on)
{
	m->on_events = energy_meter_events(m, events);
	m->on_cycles = energy_meter_cycles(m, cycles);
	m->events0 = events;
	m->cycles0 = cycles;
	m->on = on;
}

uint64_t energy_meter_events(const struct energy_meter *m, uint64_t events)
{
	return m->on_events + (events - m->events0) * m->on;
}

uint64_t energy_meter_cycles(const struct energy_meter *m, uint64_t cycles)
{
	return m->on_cycles + (cycles - m->cycles0) * m->on;
}

/* ---- coefficients ------------------------------------------------------ */

struct scale {
	double dyn, leak;      /* process and voltage factors */
	double pj_per_mw;      /* energy of 1 mW for one cycle */
};

/* One 64-bit read of an array of kib KiB. */
static double word_pj(const struct cdvm_config *cfg, const struct scale *sc, double kib)
{
	return cfg->energy_sram_read_pj * pow(kib / cfg->energy_sram_ref_kb, cfg->energy_sram_exponent) * sc->dyn;
}

static void cache_coeffs(struct energy_cache_coeffs *k, const struct cdvm_config *cfg, const struct scale *sc,
			 int64_t kb, int64_t ways, int64_t line, double block_words, bool phased)
{
	double way_kib = (double)kb / (double)ways, w = word_pj(cfg, sc, way_kib);
	double tag = cfg->energy_tag_ratio * w, line_words = (double)line / 8;
	k->way_access = phased ? tag : tag + block_words * w;
	k->hit = phased ? block_words * w : 0;
	k->fill = k->writeback = line_words * w;
	k->shadow_read = tag;
	k->way_leak = cfg->energy_sram_leak * way_kib * sc->leak * sc->pj_per_mw;
	k->tag_leak = k->way_leak * cfg->energy_tag_ratio;
}

void energy_coeffs_init(struct energy_coeffs *k, const struct cdvm_config *cfg)
{
	double node = (double)cfg->energy_process_nm / 45, v = cfg->energy_vdd / 0.9;
	struct scale sc = {node * v * v, node * v, 1000.0 / (double)cfg->clock_mhz};
	cache_coeffs(&k->cache[0], cfg, &sc, cfg->l1i_kb, cfg->l1i_ways, cfg->l1i_line, (double)cfg->l1i_line / 8,
		     false);
	k->cache[0].writeback = 0;  /* an L1I line is never dirty */
	cache_coeffs(&k->cache[1], cfg, &sc, cfg->l1d_kb, cfg->l1d_ways, cfg->l1d_line, 1, false);
	/* an L2 access moves an L1 line (a fill or a write-back of one) */
	cache_coeffs(&k->cache[2], cfg, &sc, cfg->l2_kb, cfg->l2_ways, cfg->l2_line, (double)cfg->l1d_line / 8,
		     cfg->energy_l2_phased);
	k->bundle = cfg->energy_bundle_pj * sc.dyn;
	k->unit[U_ALU] = cfg->energy_alu_pj * sc.dyn;
	k->unit[U_MEM] = cfg->energy_mem_pj * sc.dyn;
	k->unit[U_MUL] = cfg->energy_mul_pj * sc.dyn;
	k->unit[U_BR] = cfg->energy_br_pj * sc.dyn;
	k->unit[U_FPU] = cfg->energy_fpu_pj * sc.dyn;
	k->rf_read = cfg->energy_rf_read_pj * sc.dyn;
	k->rf_write = cfg->energy_rf_write_pj * sc.dyn;
	k->sb_store = cfg->energy_sb_store_pj * sc.dyn;
	k->sb_search = cfg->energy_sb_search_pj * sc.dyn;
	k->commit = cfg->energy_commit_pj * sc.dyn;
	k->tlb = cfg->energy_tlb_pj * sc.dyn;
	k->firmware = cfg->energy_firmware_pj * sc.dyn;
	k->memory = cfg->energy_memory_pj;
	double leak = sc.leak * sc.pj_per_mw;
	k->unit_leak[U_ALU] = cfg->energy_leak_alu * leak;
	k->unit_leak[U_MEM] = cfg->energy_leak_mem * leak;
	k->unit_leak[U_MUL] = cfg->energy_leak_mul * leak;
	k->unit_leak[U_BR] = cfg->energy_leak_br * leak;
	k->unit_leak[U_FPU] = cfg->energy_leak_fpu * leak;
	k->rf_leak = cfg->energy_leak_regfile * leak;
}

/* ---- the chip's energy ------------------------------------------------- */

static const struct cache *cache_of(const struct chip *c, unsigned i)
{
	return i == 0 ? &c->l1i : i == 1 ? &c->l1d : &c->l2;
}

uint64_t chip_cache_accesses(const struct chip *c, unsigned level)
{
	const struct cache *k = cache_of(c, level);
	return *k->cnt.hits + *k->cnt.misses;
}

const struct energy_coeffs *chip_energy_coeffs(const struct chip *c) { return &c->ek; }

void chip_energy(const struct chip *c, struct chip_energy *e)
{
	const struct energy_coeffs *k = &c->ek;
	const uint64_t *n = c->cnt, now = n[CNT_cycles];
	double *pj = e->pj;
	uint64_t lazy[LAZY_COUNT];
	chip_lazy_counters(c, lazy);
	pj[EP_fetch_decode] = (double)n[CNT_bundles] * k->bundle;
	pj[EP_units] = pj[EP_units_leakage] = 0;
	for (unsigned u = 0; u < U_COUNT; u++) {
		pj[EP_units] += (double)lazy[CNT_atoms_alu + u - LAZY_FIRST] * k->unit[u];
		e->unit_cycles[u] = energy_meter_cycles(&c->unit_meter[u], now);
		pj[EP_units_leakage] += (double)e->unit_cycles[u] * k->unit_leak[u];
	}
	pj[EP_register_file] = (double)lazy[CNT_rf_reads - LAZY_FIRST] * k->rf_read +
			       (double)lazy[CNT_rf_writes - LAZY_FIRST] * k->rf_write;
	pj[EP_store_buffer] = (double)n[CNT_stores] * k->sb_store + (double)n[CNT_loads] * k->sb_search;
	pj[EP_commit_rollback] = (double)(n[CNT_commits] + n[CNT_rollbacks]) * k->commit;
	pj[EP_tlb] = (double)(n[CNT_tlb_hits] + n[CNT_tlb_misses]) * k->tlb;
	pj[EP_firmware] = (double)n[CNT_firmware_cycles] * k->firmware;
	for (unsigned i = 0; i < 3; i++) {
		const struct cache *ca = cache_of(c, i);
		const struct energy_cache_coeffs *kc = &k->cache[i];
		uint64_t acc = chip_cache_accesses(c, i);
		e->shadow_reads[i] = energy_meter_events(&c->shadow_meter[i], *ca->cnt.misses);
		pj[EP_l1i + i] = (double)energy_meter_events(&c->way_meter[i], acc) * kc->way_access +
				 (double)*ca->cnt.hits * kc->hit + (double)*ca->cnt.misses * kc->fill +
				 (double)*ca->cnt.writebacks * kc->writeback + (double)e->shadow_reads[i] * kc->shadow_read;
		e->way_cycles[i] = energy_meter_cycles(&c->way_meter[i], now);
		pj[EP_l1i_leakage + i] = (double)e->way_cycles[i] * kc->way_leak +
					 (double)now * (double)ca->ways * kc->tag_leak;
	}
	pj[EP_memory] = (double)(n[CNT_l2_misses] + n[CNT_l2_writebacks]) * k->memory;
	pj[EP_register_file_leakage] = (double)now * k->rf_leak;
	e->total_pj = e->dynamic_pj = e->static_pj = e->cache_pj = 0;
	for (unsigned p = 0; p < EP_COUNT; p++) {
		e->total_pj += pj[p];
		*(energy_part_static[p] ? &e->static_pj : &e->dynamic_pj) += pj[p];
		if (energy_part_cache[p])
			e->cache_pj += pj[p];
	}
}
