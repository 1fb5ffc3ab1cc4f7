/* cms/policy/policy.h — firmware policies as tables.
 *
 * A policy is a const struct of function pointers with a name (TinyEMU's
 * VirtMachineClass is the model); the configuration picks one table of
 * each kind by name (cms.policy.translate, .evict, .recover, .periodic;
 * configs/schema.def lists the valid names).  The dispatcher asks:
 *
 *   miss, block profiled  -> translate->on_miss(m, eip, count, &region)
 *   cache or map full     -> evict->make_room(m, bytes)
 *   native fault exit     -> recover->on[ex.reason](m, &ex, res)
 *   every period cycles   -> periodic->tick(m, state)
 *   every reconfiguration interval (cms.reconfig.interval cycles; native
 *   code is stopped at the boundary)
 *                         -> reconfig->decide(m, state, &sample, &ways)
 *
 * Policies act on the machine only through the calls declared at the end
 * of this header (the firmware's doors), never through struct cms fields;
 * every control-register access they make is charged cms.cost.cr_access.
 * The default tables (block, flush, page-in, none, off) are today's
 * behaviour exactly.  How to add one: docs/hacking.md. */
#ifndef CDVM_CMS_POLICY_POLICY_H
#define CDVM_CMS_POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "configs/config.h"
#include "hw-sim/chip.h"

struct cms;
struct cms_result;

enum { CHIP_EXIT_COUNT = 0
#define CHIP_EXIT_ONE(n, text) + 1
	CHIP_EXITS(CHIP_EXIT_ONE)
#undef CHIP_EXIT_ONE
};

/* What to translate: a region entered at eip of at most max_insns x86
 * instructions (today a basic block at the EIP just entered). */
struct translate_region {
	uint32_t eip;
	unsigned max_insns;
};

struct translate_policy {
	const char *name;
	/* The block at eip has no translation and its profile count is now
	 * `count`: 1 with *r filled to translate, 0 to interpret it. */
	int (*on_miss)(struct cms *m, uint32_t eip, uint32_t count, struct translate_region *r);
};

struct evict_policy {
	const char *name;
	/* The translation cache has no room for `bytes` of code, or its EIP
	 * map is full: evict, then return 0 to retry the allocation, or -1
	 * to give up (the block is then interpreted). */
	int (*make_room)(struct cms *m, uint32_t bytes);
};

/* One kind of native exit: returns 1 when the run is over (res filled). */
typedef int (*recover_fn)(struct cms *m, const struct chip_exit *ex, struct cms_result *res);

struct recover_policy {
	const char *name;
	/* Indexed by enum chip_exit_reason; every entry but
	 * CHIP_EXIT_FIRMWARE (a normal exit, the dispatcher's) must be set. */
	recover_fn on[CHIP_EXIT_COUNT];
};

struct periodic_policy {
	const char *name;
	size_t state_size;   /* zeroed bytes the firmware keeps for it */
	void (*tick)(struct cms *m, void *state);
};

/* One reconfiguration interval, as the firmware read it (cms/reconfig.c:
 * counter differences since the last interval, each counter read charged
 * cms.cost.cr_access).  Caches are indexed L1I 0, L1D 1, L2 2. */
struct reconfig_sample {
	uint64_t cycles;                 /* the interval's length */
	uint64_t accesses[3], misses[3];
	unsigned miss_cycles[3];         /* what one miss costs: the next level's latency */
	/* the stack-distance monitors (hw-sim/cache.h): depth[c][d - 1]
	 * accesses found their line at LRU depth d (2..ways[c]) as if every
	 * way were on, so with k ways on the interval would have missed
	 * sum(depth[c][k..ways[c] - 1]) times more than with all of them */
	uint64_t depth[3][32];
	unsigned ways[3];                /* configured ways */
	/* the interval's working-set signature (policies with `signature`):
	 * the chip's fetched lines and the blocks the interpreter ran */
	const uint32_t *sig;
	unsigned sig_words;
};

/* Ways a policy wants on: a count per cache, at most max[] (the ways not
 * isolated by fault recovery); the firmware enables that many of them. */
struct reconfig_ways {
	unsigned n[3], max[3];
};

struct reconfig_policy {
	const char *name;
	size_t state_size;   /* zeroed bytes the firmware keeps for it */
	bool signature;      /* reads the working-set signature every interval */
	/* At boot: the ways to start with (w->n[] come set to max[]). */
	void (*start)(struct cms *m, void *state, struct reconfig_ways *w);
	/* Every interval (NULL: the policy never runs, reads nothing and
	 * costs nothing): change w->n[] as it decides; returns a short text
	 * of the decision (for --timeline), static storage or the state's. */
	const char *(*decide)(struct cms *m, void *state, const struct reconfig_sample *s, struct reconfig_ways *w);
	/* The program phase it believes it is in, or -1 (for --timeline). */
	int (*phase)(const void *state);
};

/* The chosen tables and the periodic hook's clock (owned by policy.c). */
struct policy_set {
	const struct translate_policy *translate;
	const struct evict_policy *evict;
	const struct recover_policy *recover;
	const struct periodic_policy *periodic;
	const struct reconfig_policy *reconfig;
	void *periodic_state;
	uint64_t period, next_tick, ticks;
	unsigned act;   /* enum cms_activity the doors' control-register work is charged to */
};

/* The tables built in, NULL-terminated, one file per kind. */
extern const struct translate_policy *const translate_policies[];
extern const struct evict_policy *const evict_policies[];
extern const struct recover_policy *const recover_policies[];
extern const struct periodic_policy *const periodic_policies[];
extern const struct reconfig_policy *const reconfig_policies[];
/* The caches reconfiguration indexes, by name ("l1i", "l1d", "l2"). */
extern const char *const reconfig_cache_names[3];

/* Pick the tables named by cfg; -1 with err when a name has no table. */
int policy_init(struct policy_set *p, const struct cdvm_config *cfg, char *err, size_t errlen);
void policy_free(struct policy_set *p);
/* Run the periodic hook once for every period boundary passed by now. */
void policy_tick(struct cms *m, uint64_t now);

/* ---- the firmware's doors for policies ---------------------------------- */
const struct cdvm_config *cms_config(const struct cms *m);
/* The periodic policy's state (NULL when it keeps none), runs so far. */
void *cms_periodic_state(struct cms *m);
uint64_t cms_periodic_ticks(const struct cms *m);
/* The page of eip keeps losing its translations to stores (after
 * cms.smc_page_limit losses: code and data mixed, or a JIT). */
int tc_page_unstable(const struct cms *m, uint32_t eip);
/* Code on guest page pg was overwritten: drop its decodes and translations. */
void gm_code_written(struct cms *m, uint32_t pg);
/* Drop every translation (the code pages stay protected). */
void tc_flush(struct cms *m);
/* Recovery after a rollback: interpret the block from the committed EIP to
 * the exact faulting instruction (counted as a recovery); 1: run over. */
int cms_recover_interpret(struct cms *m, struct cms_result *res);
/* Translated code rolled back for a reason speculation may cause (an
 * alias fault, a memory fault not resolved by paging in, a store-buffer
 * overflow): the reoptimizer notes it against the region (cms/reopt.c). */
void policy_speculation_failed(struct cms *m, const struct chip_exit *ex);
/* Detection hardware caught a fault in native code (rolled back): retry,
 * diagnose by self-test, isolate, or end the run (cms/faults.c). */
int policy_hw_fault(struct cms *m, const struct chip_exit *ex, struct cms_result *res);
/* The built-in self-test of unit class u: each enabled unit alone on
 * known vectors (native code in hidden memory; its cycles simulated).
 * Returns the mask of units that failed (nothing is isolated here). */
uint32_t policy_self_test(struct cms *m, enum unit_class u);
/* A page va lies on has no frame but a mapping covers it: give it one
 * (demand paging, charged cms.cost.page_fault; counted as a native
 * page-in).  0, or -1 (nothing done). */
int policy_page_in(struct cms *m, uint32_t va);
/* Firmware work a policy does by itself (comparing, searching its
 * tables): `cycles` charged to the activity using the doors. */
void policy_work(struct cms *m, uint64_t cycles);
/* The stack-distance counters of depths 2..ways[c] of each cache into
 * depth (each read charged cms.cost.cr_access), then clear them and keep
 * counting (one write; the first call starts the monitors). */
int policy_read_depths(struct cms *m, uint64_t depth[3][32], const unsigned ways[3]);
/* The working-set signature (core.signature_bits / 32 words, each read
 * charged cms.cost.cr_access) into out, then clear it (one write). */
int policy_read_signature(struct cms *m, uint32_t *out, unsigned words);
/* Fill res and return 1 when sim.max_cycles is reached, else 0. */
int cms_check_cycle_limit(struct cms *m, struct cms_result *res);

/* Control registers, as firmware reads and writes them (each 32-bit
 * access charged cms.cost.cr_access).  0, or -1 for a bad argument. */
int policy_read_counter(struct cms *m, enum counter_id id, uint64_t *val);
/* Way-enable mask of L1I (level 0), L1D (1) or L2 (2); the dirty lines of
 * ways switched off are written back, charged as a stream: the next
 * level's latency (memory's for the L2), then line bytes / 8 cycles a
 * line.  Returns how many lines were written back, or -1. */
int64_t policy_write_ways(struct cms *m, unsigned level, uint32_t mask);
/* Fault recovery found way w of cache `level` defective: switch it off for
 * good (reconfiguration never enables it again).  1 when it was switched
 * off, 0 when it is the cache's last way (kept). */
int policy_isolate_way(struct cms *m, unsigned level, unsigned w);
/* Unit-enable mask of one unit class; translations are scheduled for the
 * enabled units, so a change flushes them. */
int policy_write_units(struct cms *m, enum unit_class u, uint32_t mask);

/* --trace's instruments (cms/trace.c), for any room of the firmware: no
 * cycles, nothing simulated changes, nothing when the trace is off or
 * cms_run has not started.  trace_instant: an instant event at the
 * current cycle (a program phase begins, the caches are reconfigured),
 * its detail (NULL: none) in its args; trace_counters: a sample of the
 * counter tracks now, besides the periodic ones. */
void trace_instant(struct cms *m, const char *name, const char *detail);
void trace_counters(struct cms *m);

/* `sample` keeps this (tests and the reconfiguration policy read it). */
struct periodic_sample {
	uint64_t calls;
	uint64_t cycles, bundles, l1d_misses;  /* counters at the last call */
};

#endif
