/* hw-sim/energy.h — the chip's energy model: dynamic energy per event and
 * leakage per cycle of every enabled structure, from the counters and the
 * configuration's energy.* coefficients (docs/energy.md gives the sources
 * and the scaling rules).
 *
 * Events are the chip's counters (bundles, atoms per unit class, register
 * reads and writes, cache hits and misses, write-backs, store-buffer
 * traffic, commits, rollbacks, TLB lookups, firmware cycles).  What a
 * cache access costs depends on how many ways were enabled at the time,
 * and leakage on how many ways and units were on for how long: an
 * energy_meter integrates both, folded at every change of a way- or
 * unit-enable mask, so the hot paths count nothing extra.
 *
 *   struct chip_energy e;
 *   chip_energy(chip, &e);              // as of now
 *   printf("%.1f nJ, of which L1D %.1f\n", e.total_pj / 1e3, e.pj[EP_l1d] / 1e3);
 */
#ifndef CDVM_HW_SIM_ENERGY_H
#define CDVM_HW_SIM_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

#include "native-isa/isa.h"

/* The components, in report order: X(name, static?, cache?, "meaning").
 * Static components are leakage; cache components are those of L1I, L1D
 * and L2 (what cache reconfiguration acts on). */
#define ENERGY_PARTS(X)                                                                                   \
	X(fetch_decode, 0, 0, "bundle decode and issue control (the fetch itself is an L1I access)")      \
	X(units, 0, 0, "atoms in the functional units, by class (ALU, load/store, multiply, branch)")      \
	X(register_file, 0, 0, "register-file reads and writes of issued atoms")                          \
	X(store_buffer, 0, 0, "stores through the gated store buffer, loads searching it")               \
	X(commit_rollback, 0, 0, "commits and rollbacks (working registers to and from their shadows)")  \
	X(tlb, 0, 0, "TLB lookups")                                                                       \
	X(firmware, 0, 0, "the core during firmware cycles (the cost model's charged work)")              \
	X(l1i, 0, 1, "L1I: tags and fetch block of every enabled way per access, fills, shadow tags")      \
	X(l1d, 0, 1, "L1D: tags and a word of every enabled way per access, fills, write-backs, shadow tags") \
	X(l2, 0, 1, "L2: tags of every enabled way per access, the hit way's data, fills, write-backs, shadow tags") \
	X(memory, 0, 0, "line transfers between the L2 and memory")                                      \
	X(l1i_leakage, 1, 1, "L1I leakage: data of every enabled way, tags of every way, per cycle")       \
	X(l1d_leakage, 1, 1, "L1D leakage: data of every enabled way, tags of every way, per cycle")       \
	X(l2_leakage, 1, 1, "L2 leakage: data of every enabled way, tags of every way, per cycle")         \
	X(units_leakage, 1, 0, "functional-unit leakage, per enabled unit per cycle")                    \
	X(register_file_leakage, 1, 0, "register-file leakage, per cycle")

enum energy_part {
#define ENERGY_ENUM(name, st, ca, doc) EP_##name,
	ENERGY_PARTS(ENERGY_ENUM)
#undef ENERGY_ENUM
	EP_COUNT
};

extern const char *const energy_part_names[EP_COUNT];
extern const char *const energy_part_docs[EP_COUNT];
extern const bool energy_part_static[EP_COUNT], energy_part_cache[EP_COUNT];

/* Energy so far, in picojoules: each component, and the sums. */
struct chip_energy {
	double pj[EP_COUNT];
	double total_pj, dynamic_pj, static_pj, cache_pj;
	/* cycles x ways on of L1I, L1D, L2; cycles x units on per class */
	uint64_t way_cycles[3], unit_cycles[U_COUNT];
	uint64_t shadow_reads[3];   /* misses x ways off */
};

/* Parts of one structure that are switched on and off (the ways of a
 * cache, the units of a class): sum over its events and over its cycles
 * of the parts that were on, up to the last change. */
struct energy_meter {
	uint64_t on_events, on_cycles;   /* folded up to the last change */
	uint64_t events0, cycles0;       /* the structure's events and the cycle at the last change */
	unsigned on;                     /* parts on since the last change */
};

/* The coefficients, in picojoules (an event, or a part on for one cycle),
 * as hw-sim/energy.c derives them from the configuration.  Caches: L1I,
 * L1D, L2. */
struct energy_cache_coeffs {
	double way_access;   /* per access, per enabled way */
	double hit;          /* per hit, besides (a phased L2's data read) */
	double fill, writeback;
	double shadow_read;  /* per way switched off, per miss (its tags: the monitor's shadow tags) */
	double way_leak;     /* data array of an enabled way, per cycle */
	double tag_leak;     /* tag array of a way, per cycle (on or off: tags stay on) */
};
struct energy_coeffs {
	struct energy_cache_coeffs cache[3];
	double bundle, unit[U_COUNT], rf_read, rf_write, sb_store, sb_search, commit, tlb, firmware, memory;
	double unit_leak[U_COUNT], rf_leak;  /* per enabled unit / the register file, per cycle */
};

struct cdvm_config;
void energy_coeffs_init(struct energy_coeffs *k, const struct cdvm_config *cfg);

/* The structure's event count is `events` and the cycle `cycles`: from now
 * on `on` parts are on. */
void energy_meter_set(struct energy_meter *m, uint64_t events, uint64_t cycles, unsigned on);
/* Sums up to now: events x parts on, cycles x parts on. */
uint64_t energy_meter_events(const struct energy_meter *m, uint64_t events);
uint64_t energy_meter_cycles(const struct energy_meter *m, uint64_t cycles);

#endif
