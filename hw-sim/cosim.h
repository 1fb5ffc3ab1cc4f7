/* hw-sim/cosim.h — what the chip tells the RTL lockstep (hw-sim/rtl/cosim.c,
 * docs/rtl.md) while it runs native code.  The hooks exist only in the
 * co-simulation build (make cosim compiles the tree with -DCDVM_COSIM); in
 * the ordinary build COSIM(...) is nothing, so build/cdvm neither links
 * Verilator nor pays a test on any path.
 *
 * hw-sim executes each bundle first and records what the RTL cannot
 * compute itself because that part of the chip stays in C (the L1I's stall,
 * every memory access's physical pieces, raw bytes and stall cycles, FPU
 * results, control-register reads); cosim_step then runs the same bundle
 * on the RTL with those answers and compares everything else. */
#ifndef CDVM_HW_SIM_COSIM_H
#define CDVM_HW_SIM_COSIM_H

#ifdef CDVM_COSIM
#include <stdbool.h>
#include <stdint.h>

#include "native-isa/isa.h"

struct chip;
struct chip_exit;

/* One atom of the bundle being executed, as hw-sim ran it. */
struct cosim_slot {
	bool mem;              /* a load or store the memory system allowed */
	uint8_t n1;            /* bytes in the first physical piece */
	uint32_t va, pa, pa2;  /* the access's virtual address and physical pieces */
	uint32_t raw;          /* the bytes memory held there (byte k at bits 8k..8k+7) */
	uint32_t extra;        /* cycles the atom stalled the pipeline (L1D miss, page walk) */
	uint32_t v, flags;     /* its result and FLAGS after it */
	uint32_t dextra_in;    /* the bundle's stall cycles before it */
};

struct cosim_bundle {
	uint32_t pc;
	uint64_t start, fetched, issued;  /* cycle before fetch, after fetch, at issue */
	struct cosim_slot s[ISA_MAX_BUNDLE];
	unsigned nrel;                    /* stores a commit released */
	struct { uint32_t addr, val; uint8_t size; } *rel;
};

extern bool cosim_on;
extern struct cosim_bundle cosim_cur;

/* chip_run_bounded's entry: the RTL takes the chip's state (the firmware
 * may have changed it since the last run). */
void cosim_enter(struct chip *c, uint32_t pc);
/* The bundle at pc ended: `ex` is the exit or fault (NULL: the run goes
 * on at next_pc); now is the cycle after it. */
void cosim_step(struct chip *c, uint32_t pc, const struct chip_exit *ex, uint32_t next_pc, uint64_t now);
/* Faults were armed at cycle now (a scheduled fault struck): the RTL
 * takes them. */
void cosim_faults_changed(struct chip *c, uint64_t now);
/* Before a commit drains the store buffer: what it releases. */
void cosim_release(const struct chip *c);
/* The atom in `slot` reached the memory system: virtual address, where it
 * lands and (as the bytes are in memory) what a load reads there. */
void cosim_mem(const struct chip *c, unsigned slot, uint32_t va, uint32_t pa, uint32_t pa2, unsigned n1,
	       unsigned size);

#define COSIM(call) do { if (cosim_on) { call; } } while (0)
#else
#define COSIM(call) ((void)0)
#endif

#endif
