/* cms/dataflow.h — the dataflow limit of a guest's dynamic trace.
 *
 * How many x86 instructions per cycle could an ideal machine reach on this
 * trace?  The machine has unlimited width, perfect branch prediction,
 * perfect register renaming and memory disambiguation, and the configured
 * latencies; the only thing that holds an instruction back is the
 * readiness of its inputs.  So each instruction completes at
 *     max(ready time of the registers, flags and memory it reads) + latency
 * and the limit is instructions / latest completion time (the critical
 * path).  `make bench` reports cdvm's achieved x86 IPC against it.
 *
 *   struct dataflow_lat lat;
 *   dataflow_lat_from_config(&cfg, &lat);
 *   struct dataflow *d;
 *   if (dataflow_create(&lat, &d, err, sizeof err) < 0) ...
 *   struct cms_trace_ops ops;
 *   dataflow_trace_ops(d, &ops);
 *   cms_set_trace(m, &ops);
 *   cms_run(m, &res);
 *   struct dataflow_result r;
 *   if (dataflow_result(d, &r, err, sizeof err) < 0) ...   // r.ipc
 *   dataflow_destroy(d);
 *
 * or feed it directly (tests): dataflow_insn() for each instruction,
 * before it executes, then dataflow_mem() for each data access it makes.
 *
 * The model, per instruction (latencies from the configuration):
 * - an ALU operation takes core.latency.alu, a multiply core.latency.mul,
 *   a divide core.latency.div; branches are ALU operations whose result
 *   nobody waits for (perfect prediction);
 * - a load delivers its data cache.l1d.latency after its address registers
 *   are ready, or `forward` (1) cycle after an earlier store to an
 *   overlapping byte completed, whichever is later; an operation on loaded
 *   data adds its own latency, a plain move (mov, movzx, pop, ...) does not;
 * - a store's bytes are ready when the storing instruction completes;
 * - pushes and pops update ESP on a chain of their own (ESP + constant),
 *   so a pop's ESP does not wait for the popped value;
 * - a string instruction is modelled iteration by iteration (the pointer
 *   registers advance one ALU latency per iteration) but counts as one
 *   instruction, as cdvm counts it;
 * - partial registers (AL, AH, AX) are the full register; writing one
 *   merges into the old value, so it also reads the register;
 * - `xor r,r` / `sub r,r` depend on nothing;
 * - an instruction the table does not know (or an undecodable one, `in`
 *   NULL) conservatively reads and writes every register and flag.
 * Flags are four resources: CF, OF, the group SF/ZF/AF/PF, and DF.
 * Memory readiness is kept per byte in a hash map (4-byte words, a time per
 * byte), so partial overlaps are exact. */
#ifndef CDVM_CMS_DATAFLOW_H
#define CDVM_CMS_DATAFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "cms/cms.h"
#include "cms/x86/x86.h"
#include "configs/config.h"

/* The resources whose readiness is tracked.  The GPRs use the numbers of
 * enum x86_reg. */
enum dataflow_res {
	DF_EAX, DF_ECX, DF_EDX, DF_EBX, DF_ESP, DF_EBP, DF_ESI, DF_EDI,
	DF_CF,   /* carry */
	DF_OF,   /* overflow */
	DF_ZSPA, /* zero, sign, parity, auxiliary carry */
	DF_DF,   /* direction */
	DF_NRES
};
#define DF_BIT(r) (1u << (r))
#define DF_GPRS 0xffu
#define DF_ARITH (DF_BIT(DF_CF) | DF_BIT(DF_OF) | DF_BIT(DF_ZSPA))
#define DF_FLAGS (DF_ARITH | DF_BIT(DF_DF))
#define DF_ALL (DF_GPRS | DF_FLAGS)

enum dataflow_latclass { DF_LAT_ALU, DF_LAT_MUL, DF_LAT_DIV };

/* How ESP changes besides the operands. */
enum dataflow_esp {
	DF_ESP_NONE,
	DF_ESP_ADJUST, /* push/pop/call/ret: ESP = ESP +/- constant */
	DF_ESP_LEAVE,  /* leave: ESP = EBP + 4 */
};

/* What one decoded instruction reads and writes (bitmasks of DF_BIT). */
struct dataflow_uses {
	uint32_t reads;  /* inputs of its result */
	uint32_t addr;   /* registers that form its memory addresses */
	uint32_t writes; /* outputs (besides memory and the ESP of `esp`) */
	uint8_t lat;     /* enum dataflow_latclass */
	uint8_t esp;     /* enum dataflow_esp */
	uint8_t move;    /* pure data move: loaded data costs the load only */
	uint8_t string;  /* string instruction: 0, or memory accesses per iteration */
	uint8_t known;   /* 0: not in the table, everything read and written */
};

/* Reads and writes of `in` (NULL: an instruction that could not be
 * decoded).  regs: the x86 state before it executes (enum x86_reg layout),
 * used only for shift counts in CL (a zero count writes no flags); may be
 * NULL (count taken as non-zero).  Returns 0, or -1 when the op is unknown
 * (then *u is the conservative "everything" answer). */
int dataflow_uses(const struct x86_insn *in, const uint32_t *regs, struct dataflow_uses *u);

struct dataflow_lat {
	uint32_t alu, mul, div; /* core.latency.* */
	uint32_t load;          /* cache.l1d.latency */
	uint32_t forward;       /* store -> load through memory (1) */
};

/* Latencies of cfg; forward = 1. */
void dataflow_lat_from_config(const struct cdvm_config *cfg, struct dataflow_lat *lat);

struct dataflow;

int dataflow_create(const struct dataflow_lat *lat, struct dataflow **out, char *err, size_t errlen);
void dataflow_destroy(struct dataflow *d);

/* One instruction, before it executes (in may be NULL); then its data
 * accesses in program order (size 1, 2, 4 or 8). */
void dataflow_insn(struct dataflow *d, const struct x86_insn *in, const uint32_t *regs);
void dataflow_mem(struct dataflow *d, uint32_t addr, unsigned size, int write);

/* Callbacks for cms_set_trace() that feed d. */
void dataflow_trace_ops(struct dataflow *d, struct cms_trace_ops *ops);

struct dataflow_result {
	uint64_t insns;     /* instructions analysed */
	uint64_t path;      /* cycles: the latest completion time */
	double ipc;         /* insns / path (0 when empty) */
	uint64_t unknown;   /* instructions treated conservatively */
	uint64_t loads;     /* data loads */
	uint64_t stores;    /* data stores */
	uint64_t forwarded; /* loads held back by an earlier store, not by the cache */
};

/* Closes the last instruction and fills *r; may be called again after more
 * instructions.  Returns -1 (with a message) if the analysis ran out of
 * memory at some point; *r is then incomplete. */
int dataflow_result(struct dataflow *d, struct dataflow_result *r, char *err, size_t errlen);

#endif
