/* cms/cms_priv.h — the firmware's state, shared by its rooms: the dispatch
 * loop (cms.c), guest memory map (guestmem.c), loader (loader.c), system
 * calls (syscall.c), profiler (profile.c) and reports (report.c). */
#ifndef CDVM_CMS_PRIV_H
#define CDVM_CMS_PRIV_H

#include "cms/cms.h"
#include "cms/policy/policy.h"
#include "cms/x86/x86.h"
#include "hidden-mem/hidden.h"
#include "hw-sim/chip.h"

enum { GUEST_PAGE_SHIFT = 12, GUEST_PAGE = 1u << GUEST_PAGE_SHIFT };

/* A translation in the translation cache (host-side bookkeeping; the code
 * itself and the EIP -> translation map live in hidden memory). */
struct xlat_exit {
	uint8_t kind;          /* enum tr_exit_kind */
	uint32_t target;       /* direct: next x86 EIP */
	uint32_t bundle;       /* address of the bundle holding the exit atom */
	uint32_t atom;         /* address of the exit atom (rewritten when chained) */
	uint64_t exit_word;    /* the original exit atom, restored when unchained */
	int chained_to;        /* translation id, or -1 */
};

struct xlat {
	int valid;
	uint32_t eip, end_eip;
	uint32_t native, size;
	unsigned ninsns;
	unsigned nexits;
	struct xlat_exit exits[2];
	uint32_t deps[2][2];   /* successor bytes its flag liveness relied on */
	unsigned ndeps;
	unsigned flags_live_out;
	int *in_links;         /* exit ids (2 * id + exit) chained into this translation */
	unsigned nin, capin;
};

/* Where simulated cycles went, by firmware activity. */
enum cms_activity {
	ACT_INTERP,      /* interpreting guest instructions (incl. their cache misses) */
	ACT_DISPATCH,    /* dispatch loop: EIP lookup, profiling */
	ACT_SYSCALL,     /* Linux system-call emulation */
	ACT_TRANSLATE,   /* translator (later) */
	ACT_COUNT
};

enum { MAX_SYSCALL_NR = 512 };

/* Decoded-instruction cache: a host-side speed device of the simulator
 * (like the chip's decoded-bundle cache), not modelled hardware; the cost
 * model charges every interpreted instruction as if decoded afresh. */
enum { INSN_CACHE_ENTRIES = 16384 };
struct insn_slot {
	uint32_t eip;       /* INSN_NONE when empty */
	uint8_t mem_alu;    /* an ALU-class operation on a memory operand: costs interp_mem */
	struct x86_insn in;
};
#define INSN_NONE 0xffffffffu

/* page map bits (one byte per guest page); the chip checks the table too
 * (control register PAGEMAP), so the layout is the ISA's */
enum {
	PM_MAPPED = ISA_PM_MAPPED,
	PM_WRITE = ISA_PM_WRITE,
	PM_CODE = ISA_PM_FIRMWARE,   /* decoded instructions or translations come from it */
	PM_PROTECT = ISA_PM_PROTECT, /* stores by translated code trap (self-modifying code) */
};

struct cms {
	struct cdvm_config cfg;
	enum cms_mode mode;
	struct chip *chip;
	struct hidden_mem hm;
	uint32_t *xr;                  /* x86 state in the chip's registers */
	struct x86_env env;

	/* guest memory map: one byte per page in a firmware table in hidden memory */
	uint32_t pagemap;              /* physical address of the table */
	uint8_t *pm;                   /* the same table, host view */
	uint8_t *mem;                  /* physical memory, host view */
	struct insn_slot *insns;       /* decoded-instruction cache */
	uint64_t insn_cache_flushes;
	uint32_t npages;               /* guest RAM pages */
	uint32_t brk_start, brk_cur, brk_limit;
	uint32_t stack_lo;

	/* profile: open-addressed (eip, count) pairs in hidden memory */
	uint32_t profile;              /* physical address */
	uint32_t profile_mask;
	uint64_t profile_blocks, profile_hot, profile_full;

	/* translation (cms/tcache.c) */
	struct xlat *xl;
	unsigned nxl, capxl;
	uint32_t map;                  /* EIP -> translation table in hidden memory */
	uint32_t lookup;               /* native indirect-branch lookup routine */
	uint32_t lookup_miss;          /* its `exit #TC_LOOKUP_MISS` */
	uint64_t st_lookup_misses, st_bails;
	uint32_t map_mask;
	unsigned map_used;
	uint64_t st_translations, st_translated_insns, st_flushes, st_evicted, st_invalidated;
	uint64_t st_chains, st_unchains, st_exits_direct, st_exits_indirect, st_recoveries;
	uint64_t st_failed_translations, st_native_runs;
	const char *dump_dir;          /* --dump-translations */
	int verify;                    /* --verify */
	uint64_t verify_blocks;
	uint32_t *page_smc;            /* per guest page: translations lost to stores */

	/* accounting */
	uint64_t act_cycles[ACT_COUNT];
	uint64_t guest_insns, rep_iterations;
	uint64_t insn_by_cost[X86_COST_SYSCALL + 1];
	uint64_t interp_by_op[X86_OP_COUNT];  /* what the interpreter executed (--stats) */
	uint64_t block_entries;
	unsigned pending_mem;          /* miss cycles of the current instruction's accesses */
	uint32_t fetch_line;           /* 32-byte line of x86 code the interpreter holds */
	uint64_t syscalls[MAX_SYSCALL_NR + 1];  /* last slot: numbers beyond */
	uint64_t enosys;
	uint32_t last_fault_addr;

	struct cms_trace_ops trace;     /* trace.insn == NULL: off */
	struct policy_set pol;          /* cms/policy/: the tables cms.policy.* chose */

	int fd_in, fd_out, fd_err;
	char prog_name[256];
	int exited;
	int exit_status;
};

/* guestmem.c */
int gm_init(struct cms *m, char *err, size_t errlen);
void gm_map(struct cms *m, uint32_t lo, uint32_t hi, int writable);
void gm_unmap(struct cms *m, uint32_t lo, uint32_t hi);
int gm_range_mapped(const struct cms *m, uint32_t addr, uint32_t n, int write);
void gm_mark_code(struct cms *m, uint32_t addr, uint32_t n);
/* Guest memory [addr, addr+n) changed behind the interpreter's back (syscalls). */
void gm_written(struct cms *m, uint32_t addr, uint32_t n);
/* gm_code_written, gm_page_unstable: cms/policy/policy.h */

/* Accessible without crossing into an unmapped page? (fast path) */
static inline int gm_ok(const struct cms *m, uint32_t addr, unsigned size, uint8_t need)
{
	uint32_t pg = addr >> GUEST_PAGE_SHIFT, pg2 = (addr + size - 1) >> GUEST_PAGE_SHIFT;
	if (pg2 >= m->npages || pg2 < pg || (m->pm[pg] & need) != need)
		return 0;
	return pg == pg2 || (m->pm[pg2] & need) == need;
}
void gm_install_env(struct cms *m);

/* profile.c */
int profile_init(struct cms *m, char *err, size_t errlen);
uint32_t profile_hit(struct cms *m, uint32_t eip);   /* returns the new count */
uint32_t profile_count(const struct cms *m, uint32_t eip);

/* syscall.c */
void syscall_dispatch(struct cms *m);
const char *syscall_name(uint32_t nr);  /* NULL for calls answered -ENOSYS */

/* tcache.c */
int tc_init(struct cms *m, char *err, size_t errlen);
void tc_free(struct cms *m);
int tc_lookup(struct cms *m, uint32_t eip);            /* translation id or -1 */
/* Translate the region; its code and map entry get room through the evict
 * policy.  Translation id, or -1. */
int tc_translate(struct cms *m, const struct translate_region *r);
void tc_chain(struct cms *m, int from, unsigned exit, int to);
void tc_invalidate_page(struct cms *m, uint32_t page);  /* every translation touching it */
/* tc_flush: cms/policy/policy.h */
void tc_mark_untranslatable(struct cms *m, uint32_t eip);
int tc_emit_lookup(struct cms *m);
enum { TC_LOOKUP_MISS = 0x7fffffff };  /* exit code of the native lookup routine */

/* verify.c (--verify): a translation runs with its committed stores
 * logged; when it completes, verify_check replays its x86 instructions in
 * the interpreter and compares.  Every way out of native code goes through
 * run_native's one switch, with or without verification. */
struct vstore {
	uint32_t addr, val, old;
	uint8_t size;
};
struct vlog {
	struct vstore *s;
	unsigned n, cap;
	struct cms *m;
	uint32_t before[X86_NSTATE];   /* x86 state when the translation started */
	uint32_t retired;              /* R_RETIRED then */
};
void verify_begin(struct cms *m, struct vlog *l);   /* snapshot + store hook */
void verify_end(struct cms *m, struct vlog *l);     /* store hook off */
/* The translation `id` completed: 1 (with res filled) when it disagrees. */
int verify_check(struct cms *m, int id, struct vlog *l, struct cms_result *res);
void verify_release(struct vlog *l);

/* cms.c */
void cms_charge(struct cms *m, enum cms_activity a, uint64_t cycles);

#endif
