/* hw-sim/chip.h — the simulated VLIW chip.
 *
 * A chip is built from a configuration and owns physical memory (guest RAM
 * followed by hidden memory, see hidden-mem/), the register file with its
 * shadow copies, the gated store buffer, the alias table, L1I/L1D/L2, the
 * performance counters, the control registers and the fault-injection
 * points.  chip_run() fetches bundles from memory through the L1I, issues
 * one per cycle in order (scoreboard interlocks, blocking cache misses,
 * taken-branch bubbles) and returns when the code exits to the firmware or
 * faults; every fault has already been rolled back when chip_run returns.
 *
 *   struct chip *c;
 *   char err[256];
 *   if (chip_create(&cfg, &c, err, sizeof err) < 0) ...
 *   chip_mem_write(c, code_addr, words, nbytes);
 *   struct chip_exit ex;
 *   chip_run(c, code_addr, &ex);          // ex.reason == CHIP_EXIT_FIRMWARE, ex.code ...
 *   uint64_t cyc = chip_counter(c, CNT_cycles);
 *   chip_destroy(c);
 */
#ifndef CDVM_HW_SIM_CHIP_H
#define CDVM_HW_SIM_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "configs/config.h"
#include "hw-sim/fault.h"
#include "native-isa/isa.h"

struct chip;

#define CHIP_EXITS(X) \
	X(FIRMWARE,       "exit to firmware") \
	X(MEMORY_FAULT,   "memory fault") \
	X(ALIAS_FAULT,    "alias fault") \
	X(SB_OVERFLOW,    "store-buffer overflow") \
	X(ILLEGAL_BUNDLE, "illegal bundle") \
	X(DIVIDE_FAULT,   "divide fault") \
	X(FAULT_DETECTED, "hardware fault detected") \
	X(CYCLE_LIMIT,    "cycle limit reached") \
	X(PROTECTION,     "store to a protected page") \
	X(FPU_FAULT,      "FPU fault")

enum chip_exit_reason {
#define CHIP_EXIT_ENUM(n, text) CHIP_EXIT_##n,
	CHIP_EXITS(CHIP_EXIT_ENUM)
#undef CHIP_EXIT_ENUM
};

enum chip_fault_point { FP_UNIT, FP_REGISTER, FP_CACHE, FP_MEMORY, FP_STORE_BUFFER };

struct chip_exit {
	enum chip_exit_reason reason;
	uint32_t pc;          /* address of the bundle that exited or faulted */
	uint32_t next_pc;     /* FIRMWARE: where execution would continue */
	uint32_t code;        /* FIRMWARE: the exit code */
	uint32_t addr;        /* MEMORY_FAULT / ALIAS_FAULT: the data address */
	unsigned slot;        /* faulting atom's slot in its bundle */
	const char *detail;   /* ILLEGAL_BUNDLE / FAULT_DETECTED: why, in words */
	enum chip_fault_point fault_point;  /* FAULT_DETECTED: which detector */
	/* FAULT_DETECTED: the fault syndrome the detector latches, for the
	 * firmware's diagnosis: FP_UNIT the unit class of the atom (not which
	 * unit: that is what the self-test finds); FP_REGISTER the register
	 * (addr); FP_CACHE the cache level (0 L1I, 1 L1D, 2 L2), the way and
	 * the physical address of the word (addr); FP_MEMORY the address. */
	unsigned unit_class, level, way;
	bool walk;            /* FAULT_DETECTED: on a page walk (the table word: chip_walk_fault_addr) */
};

const char *chip_exit_name(enum chip_exit_reason r);
/* One line describing an exit: "memory fault at pc 0x04000010 slot 1, address 0x05000000". */
int chip_exit_describe(const struct chip_exit *e, char *buf, size_t n);

int chip_create(const struct cdvm_config *cfg, struct chip **out, char *err, size_t errlen);
void chip_destroy(struct chip *c);
const struct cdvm_config *chip_config(const struct chip *c);

/* Run native code from pc until it exits or faults (after rolling back);
 * bounded: also stop (CHIP_EXIT_CYCLE_LIMIT) after `budget` cycles, the
 * watchdog firmware sets around code that may have gone astray. */
void chip_run_bounded(struct chip *c, uint32_t pc, struct chip_exit *ex, uint64_t budget);
/* Run native code from pc until it exits or faults (after rolling back). */
void chip_run(struct chip *c, uint32_t pc, struct chip_exit *ex);

/* ---- registers ---- */
uint32_t chip_reg(const struct chip *c, unsigned r);
void chip_set_reg(struct chip *c, unsigned r, uint32_t v);   /* also updates the shadow for r < ISA_NSHADOW */
uint32_t chip_shadow(const struct chip *c, unsigned r);
/* The x86 state registers r1..r12 as one array (cms/x86/x86.h layout). */
uint32_t *chip_x86_regs(struct chip *c);
/* The FPU's registers: the x87 state (native-isa/x87.h), shadowed.  Who
 * writes it through the pointer says so with chip_fpu_written before the
 * next commit or rollback (those copy it only then). */
struct x87_state *chip_fpu(struct chip *c);
/* The units of each class and the cycles of each latency class the
 * configuration gives (what the chip builds and the translator schedules
 * for; L_NONE is 0). */
void chip_config_machine(const struct cdvm_config *cfg, unsigned units[U_COUNT], unsigned lat[L_COUNT]);
/* The RTL's parameters for this configuration (hw-sim/rtl/cdvm_core.sv), as
 * Verilator -G options: "-GWIDTH=4 -GN_ALU=2 ...".  Returns snprintf's. */
int chip_rtl_params(const struct cdvm_config *cfg, char *buf, size_t n);
void chip_fpu_written(struct chip *c);

/* ---- commit / rollback ---- */
void chip_commit(struct chip *c);
void chip_rollback(struct chip *c);   /* firmware request: counted as rb_request */
unsigned chip_sb_used(const struct chip *c);

/* ---- physical memory (host side: no timing, no store buffer) ---- */
uint32_t chip_mem_size(const struct chip *c);
uint32_t chip_guest_limit(const struct chip *c);
uint8_t *chip_mem(struct chip *c);   /* direct pointer; writers must call chip_mem_written */
int chip_mem_read(const struct chip *c, uint32_t addr, void *buf, uint32_t n);
int chip_mem_write(struct chip *c, uint32_t addr, const void *buf, uint32_t n);
void chip_mem_written(struct chip *c, uint32_t addr, uint32_t n);  /* invalidates decoded bundles */

/* ---- data access through L1D for firmware work (the interpreter) ----
 * Performs the cache access and returns the miss cycles (0 on a hit)
 * without advancing time; the firmware charges them.  Value transfer is
 * separate (chip_mem_*), so the firmware decides about guest/hidden checks. */
unsigned chip_dcache_access(struct chip *c, uint32_t addr, unsigned size, bool write);

/* ---- address translation for firmware work (the interpreter, system calls) ----
 * Translates the guest virtual address va as native code would: through
 * the TLB, a miss walking the page table (control register PAGEDIR)
 * through the L1D and filling the TLB; hits, misses and walk cycles are
 * counted.  Returns the page-table entry's flag bits (ISA_PTE_*) and sets
 * *pa, or -1 when the page is not present or, for a write, not writable
 * (nothing is raised: the firmware decides).  No protection check: the
 * firmware handles stores to its own code pages.  The walk's cycles are
 * added to *cycles without advancing time (the firmware charges them).
 * With PAGEDIR 0, pa = va below the guest limit and the flags are
 * PRESENT|WRITE|EXEC.  -2: a detector caught a corrupted table word on
 * the walk (chip_walk_fault_addr says which). */
int chip_tlb_translate(struct chip *c, uint32_t va, bool write, uint32_t *pa, unsigned *cycles);
uint32_t chip_walk_fault_addr(const struct chip *c);

/* ---- time and counters ---- */
uint64_t chip_counter(const struct chip *c, enum counter_id id);
const char *chip_counter_name(enum counter_id id);
const char *chip_counter_doc(enum counter_id id);
/* Charge firmware work: n cycles pass, counted as firmware_cycles. */
void chip_charge(struct chip *c, uint64_t n);
uint64_t chip_cycles(const struct chip *c);
/* Accesses (hits + misses) of L1I (level 0), L1D (1) or L2 (2) so far. */
uint64_t chip_cache_accesses(const struct chip *c, unsigned level);

/* ---- energy (hw-sim/energy.h) ---- */
struct chip_energy;
struct energy_coeffs;
/* The chip's energy so far, by component. */
void chip_energy(const struct chip *c, struct chip_energy *e);
const struct energy_coeffs *chip_energy_coeffs(const struct chip *c);

/* ---- control registers (same view as rdcr / wrcr) ---- */
int chip_read_cr(struct chip *c, unsigned num, uint32_t *val);
int chip_write_cr(struct chip *c, unsigned num, uint32_t val);

/* ---- fault injection points ----
 * Each returns 0, or -1 when the point does not exist (unit not configured,
 * register out of range, line not resident, address outside memory).
 * Detection hardware (faults.detect.*) turns a use of the corrupted value
 * into CHIP_EXIT_FAULT_DETECTED instead of silent corruption. */
int chip_inject_register(struct chip *c, unsigned reg, unsigned bit);
/* bit of the 32-bit word at addr; with memory ECC on, at most 16 words
 * hold flips at once (the ECC's record of them): a flip in a 17th is
 * refused (-1, nothing changed) rather than made invisible */
int chip_inject_memory(struct chip *c, uint32_t addr, unsigned bit);
int chip_inject_cache(struct chip *c, unsigned level /* 0 L1I, 1 L1D, 2 L2 */, uint32_t addr, unsigned bit);
/* The next result of unit `index` of class `cls` (every result when stuck) is XORed with mask. */
int chip_inject_unit(struct chip *c, enum unit_class cls, unsigned index, uint32_t mask, bool stuck);
void chip_clear_faults(struct chip *c);

/* ---- the fault schedule (hw-sim/fault.h models; chip_fault.c) ----
 * chip_fault_arm checks the spec against this chip (unit index, line,
 * entry, address) and schedules it: it strikes when the cycle count
 * reaches f->at, in native code or during firmware work (chip_charge).
 * Returns 0, or -1 with err. */
int chip_fault_arm(struct chip *c, const struct fault_spec *f, char *err, size_t errlen);
/* Faults that struck so far, and the cycle of the first (0: none). */
uint64_t chip_fault_events(const struct chip *c);
bool chip_faults_scheduled(const struct chip *c);   /* armed or still to strike */
uint64_t chip_fault_first_cycle(const struct chip *c);
/* Firmware repair doors.  Drop the line holding addr from every cache,
 * with its injected flips: 0, or -1 when a copy was dirty (its data is
 * lost).  L1I lines are never dirty. */
int chip_cache_scrub(struct chip *c, uint32_t addr);
/* The registers holding a flip their parity sees (bit r: register r;
 * what the firmware's own reads of the x86 registers check). */
uint64_t chip_reg_poison(const struct chip *c);
/* A firmware read of [pa, pa+n) (the interpreter's loads, the
 * translator's and the system calls' reads of guest memory) meets the
 * same detectors as a load: ECC corrects single-bit errors in memory
 * (faults.ecc), and the L1D's flips reach buf (the bytes read, or NULL)
 * unless faults.detect.cache catches them.  Returns 0, or 1 + FP_MEMORY /
 * 1 + FP_CACHE with *where the word a detector caught.  Only faulty state
 * costs time: without armed faults it returns at once. */
int chip_fw_read(struct chip *c, uint32_t pa, uint32_t n, uint8_t *buf, uint32_t *where);
/* Working register r (< 16) takes its shadow copy's value: 0, or -1 when
 * the shadow copy is poisoned (or stuck) too. */
int chip_restore_reg(struct chip *c, unsigned r);
/* A dirty cache line with a parity error was written back since the last
 * call (its data is lost): 1 with *addr the word, else 0. */
int chip_take_wb_error(struct chip *c, uint32_t *addr);
/* The firmware reads register r and writes the value back: a register no
 * one uses (an excluded temporary, r13, r14) with stuck cells then holds
 * what its cells hold, parity consistent. */
void chip_reg_rewrite(struct chip *c, unsigned r);

/* ---- instruments (not modelled hardware) ----
 * Every store released to memory by a commit is reported to the hook,
 * before memory changes, with its guest-physical address
 * (used by --verify to compare translated code with the interpreter). */
typedef void (*chip_store_hook)(void *ctx, uint32_t addr, unsigned size, uint32_t val);
void chip_set_store_hook(struct chip *c, chip_store_hook fn, void *ctx);

/* ---- reports ---- */
void chip_print_registers(const struct chip *c, FILE *out);
void chip_print_counters(const struct chip *c, FILE *out);
void chip_write_json(const struct chip *c, FILE *out, const struct chip_exit *ex);

#endif
