/* cms/cms_priv.h — the firmware's state and the calls between its rooms.
 *
 * Who owns what (only the owner writes it; others go through its calls):
 *   cms.c        struct cms itself: boot, the dispatch loop, the interpreter
 *                (decoded-instruction cache `insns`, `fetch_line`), the
 *                guest's end (exited, exit_status), stdio, trace, debug;
 *   guestmem.c   struct guestmem (m->gm): the guest page table in hidden
 *                memory, the frames of guest RAM, code protection, the
 *                x86_env memory callbacks and the miss cycles of the
 *                current instruction (gm_*);
 *   files.c      struct files (m->files): the descriptor table and the
 *                --fs-root directory (files_*);
 *   aspace.c     struct aspace (m->as): the process's address space, its
 *                mappings, the heap break and the stack, demand paging
 *                (aspace_*, and the mmap family of system calls);
 *   profile.c    struct profile (m->prof): the block-entry profile (profile_*);
 *   tcache.c     struct tcache (m->tc): translations, the EIP map, the native
 *                lookup routine, per-page SMC losses (tc_*);
 *   policy/      struct policy_set (m->pol): the policy tables (policy.h);
 *   syscall.c    struct sys_state (m->sys): what the system calls keep of
 *                the process (resource limits, getrandom's stream, the
 *                set_tid_address and robust-list pointers, the trace);
 *   tls.c        struct x86_segs (m->segs): the TLS slots of the GDT
 *                (set/get_thread_area); the selectors in it are written by
 *                the interpreter's segment loads (cms/insn/segment.c,
 *                through env.segs), the bases live in the chip's registers;
 *   trace.c      struct trace (m->tr): --trace, the timeline of activities
 *                and translated code (trace_*; NULL when off);
 *   statistics   the counters below marked as such: each is incremented by
 *                the room whose event it counts and printed by report.c;
 *                time is charged through cms_charge only.
 * The calls go one way: cms.c -> guestmem, profile, tcache, policy;
 * tcache -> guestmem (gm_mark_code protects a page), profile; syscall ->
 * aspace -> guestmem; guestmem -> aspace for a page it does not hold
 * (aspace_fault).  guestmem
 * reports "code page written" through the callback given to gm_init, so it
 * never calls into tcache or the interpreter. */
#ifndef CDVM_CMS_PRIV_H
#define CDVM_CMS_PRIV_H

#include "cms/cms.h"
#include "cms/stats.h"
#include "cms/policy/policy.h"
#include "cms/x86/x86.h"
#include "hidden-mem/hidden.h"
#include "hw-sim/chip.h"
#include "native-isa/x87.h"

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
	unsigned flags_live;   /* x86 status flags correct when it is taken (--verify) */
	int side;              /* a region's side exit (its index), or -1 */
	uint32_t branch;       /* a side exit: its jcc or ret, which way (enum ir_side_way), */
	uint8_t way, promise;  /* the percent of arrivals the profile promised it */
	uint32_t seen;         /* times taken while its region was watched */
};

/* x86 bytes a translation came from or relied on (protected, hashed). */
struct xrange {
	uint32_t lo, hi;
};

struct xlat {
	int valid;
	int suspended;         /* set aside by a store into its x86 bytes' page, to be checked (tcache.c) */
	uint64_t src_hash;     /* FNV-1a of its x86 bytes and dependency bytes, as translated */
	uint32_t eip, end_eip; /* entry; a block's bytes end at end_eip (a region's: ranges) */
	uint32_t native, size;
	unsigned ninsns;       /* x86 instructions (a region's loop copies counted) */
	unsigned nexits;
	struct xlat_exit *exits;
	struct xrange *ranges; /* its x86 code, then the successor bytes its flag liveness read */
	unsigned nranges;
	int *in_links;         /* exit ids (id * TR_MAX_EXITS + exit) chained into this translation */
	unsigned nin, capin;
	int region;            /* made by the reoptimizer (cms/reopt.c) */
	uint32_t counter;      /* hidden-memory address of its entry counter, 0: none */
	unsigned watch;        /* a watched region: runs left to watch (its exits come back
				* to the dispatcher unchained, each counted in exits[].seen) */
	uint32_t samples;      /* cms.opt.trigger sample: samples that found it running
				* (UINT32_MAX: disarmed, never hot) */
	unsigned bundles;      /* its body bundles (a block's cycles an entry, at least) */
	uint32_t *atom_eip;    /* a region's: the x86 instruction of each atom (fault attribution) */
};

/* Where simulated cycles went, by firmware activity. */
enum cms_activity {
	ACT_INTERP,      /* interpreting guest instructions (incl. their cache misses) */
	ACT_DISPATCH,    /* dispatch loop: EIP lookup, profiling */
	ACT_SYSCALL,     /* Linux system-call emulation */
	ACT_TRANSLATE,   /* translator */
	ACT_MEMORY,      /* memory management: page faults, page-table and TLB upkeep */
	ACT_OPTIMIZE,    /* reoptimizer: regions, retranslation */
	ACT_RECOVER,     /* hardware-fault recovery: syndrome, scrubbing, self-test checks */
	ACT_RECONFIG,    /* cache reconfiguration: counters, signature, decisions, write-backs */
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

/* The firmware's bits in a guest page-table entry (native-isa/isa.h). */
enum {
	PM_CODE = ISA_PTE_FIRMWARE,  /* decoded instructions or translations come from it */
	PM_PROTECT = ISA_PTE_PROTECT, /* stores by translated code trap (self-modifying code) */
};

/* Access rights of a mapping (PROT_READ, PROT_WRITE, PROT_EXEC's values). */
enum { GM_R = 1, GM_W = 2, GM_X = 4 };
enum { GM_PAGES = 1u << 20 };       /* virtual pages of the 4 GiB guest address space */

struct guestmem;
struct aspace;
struct files;
struct profile;
struct tcache;
struct reopt;

/* The process state of the system calls (syscall.c's; zero at boot). */
enum { SYS_RLIMITS = 16 };          /* RLIM_NLIMITS of Linux */
struct sys_state {
	FILE *trace;                    /* --trace-syscalls: strace-style lines (NULL: off) */
	uint64_t random_pos;            /* bytes of sim.seed's stream getrandom has handed out */
	uint32_t clear_child_tid;       /* set_tid_address */
	uint32_t robust_list;           /* set_robust_list's head */
	uint32_t rlim_set;              /* bit r: rlim[r] was set by prlimit64 (else the default) */
	uint64_t rlim[SYS_RLIMITS][2];  /* soft, hard */
	uint8_t sigaction[64][20];      /* rt_sigaction's dispositions (never delivered) */
	uint64_t sigmask;               /* rt_sigprocmask's blocked set */
	uint32_t umask, umask_set;      /* umask (022 until set) */
};

/* The firmware's statistics, one field per row of cms/stats.def. */
struct cms_stats {
#define CMS_STAT(name, key, unit, doc) uint64_t name;
#define CMS_STAT_ARRAY(name, len, key, column, dense, sweep, unit, doc) uint64_t name[len];
#include "cms/stats.def"
};

struct cms {
	struct cdvm_config cfg;
	enum cms_mode mode;
	struct chip *chip;
	struct hidden_mem hm;          /* the carve-out; each room allocates its tables from it */
	uint32_t *xr;                  /* x86 state in the chip's registers */
	struct x86_env env;            /* installed by guestmem.c (env.segs by tls.c) */
	struct x86_segs segs;          /* selectors and TLS slots (tls.c) */

	/* the owned parts (see the top of this file) */
	struct guestmem *gm;
	struct aspace *as;
	struct files *files;
	struct profile *prof;
	struct tcache *tc;
	struct reopt *ro;
	struct fault_fw *ff;            /* faults.c */
	struct reconfig *rc;            /* reconfig.c */
	bool faulty;                    /* faults are scheduled: the interpreter commits as it goes */
	struct policy_set pol;          /* cms/policy/: the tables cms.policy.* chose */
	struct sys_state sys;           /* syscall.c */

	/* interpreter (cms.c): decoded-instruction cache, dropped page by page
	 * when guestmem reports a code page written */
	struct insn_slot *insns;       /* decoded-instruction cache */
	uint32_t fetch_line;           /* 32-byte line of x86 code the interpreter holds */
	/* miss cycles of the current instruction's guest accesses: added by
	 * guestmem.c's accessors, taken by the interpreter and the syscall
	 * layer through gm_take_miss_cycles (a field, not guestmem's, because
	 * it is read on every interpreted instruction) */
	unsigned gm_miss_cycles;

	int after_native;              /* the last block left translated code by a direct exit */
	const char *dump_dir;          /* --dump-translations */
	int verify;                    /* --verify */

	/* every statistic of cms/stats.def; each is counted by the room that
	 * owns the event (the dispatcher, guestmem, profile, tcache, verify,
	 * syscalls) */
	struct cms_stats st;

	struct cms_trace_ops trace;     /* trace.insn == NULL: off */
	struct trace *tr;               /* trace.c: --trace (NULL: off) */

	int fd_in, fd_out, fd_err;
	char prog_name[256];
	int exited;
	int exit_status;
};

/* guestmem.c */
/* Called before a code page's PM_CODE mark is dropped by a store into it. */
typedef void (*gm_code_written_fn)(struct cms *m, uint32_t pg);
int gm_init(struct cms *m, gm_code_written_fn code_written, char *err, size_t errlen);
/* The code-chunk bitmap (cms.smc_granularity), allocated after the other
 * boot tables; none for whole pages. */
int gm_init_smc(struct cms *m, char *err, size_t errlen);
void gm_free(struct cms *m);
/* The page table (pages are virtual page numbers):
 * gm_pte       the entry of page pg (0: no frame);
 * gm_pte_bits  the present/write/exec bits of access rights GM_*;
 * gm_populate  give page pg a zeroed frame with rights prot (nothing when
 *              it has one): 0, -1 when guest RAM is exhausted, -2 when
 *              hidden memory has no room for a page table;
 * gm_unmap     free the frames of [lo, hi);
 * gm_protect   set the rights of the pages of [lo, hi) that have frames;
 * gm_move      move the frames of [from, from+n) to [to, to+n) (mremap;
 *              the destination holds none): 0, or -1 (nothing moved). */
uint32_t gm_pte(struct cms *m, uint32_t pg);
uint32_t gm_pte_bits(unsigned prot);
int gm_populate(struct cms *m, uint32_t pg, unsigned prot);
void gm_unmap(struct cms *m, uint32_t lo, uint32_t hi);
void gm_protect(struct cms *m, uint32_t lo, uint32_t hi, unsigned prot);
int gm_move(struct cms *m, uint32_t from, uint32_t to, uint32_t n);
uint32_t gm_frames_free(const struct cms *m);
/* Firmware accesses (system calls, loader): va's guest-physical address
 * for an access needing rights `need` (0: the firmware's own, any rights),
 * a page not held yet faulted in through the address space: 0 or -1.
 * gm_accessible: how many bytes from addr on can be reached so (the
 * kernel's copy stops at the first page that cannot); gm_copy_in/out move
 * bytes page by page and return how many moved; gm_peek: a present page's
 * address, nothing faulted in, nothing counted (instruments). */
int gm_resolve(struct cms *m, uint32_t va, unsigned need, uint32_t *pa);
uint32_t gm_accessible(struct cms *m, uint32_t addr, uint32_t n, unsigned need);
uint32_t gm_copy_in(struct cms *m, void *dst, uint32_t addr, uint32_t n, unsigned need);
uint32_t gm_copy_out(struct cms *m, uint32_t addr, const void *src, uint32_t n, unsigned need);
int gm_peek(struct cms *m, uint32_t va, uint32_t *pa);
/* Decoded or translated code comes from [addr, addr+n): a store into it is
 * reported (PM_CODE) and traps in native code (PM_PROTECT). */
void gm_mark_code(struct cms *m, uint32_t addr, uint32_t n);
/* Guest memory [addr, addr+n) changed behind the interpreter's back (syscalls). */
void gm_written(struct cms *m, uint32_t addr, uint32_t n);
/* gm_code_written: cms/policy/policy.h */
/* A firmware access to guest memory, through the TLB and timed through the
 * L1D; its cycles are charged with the current instruction
 * (gm_take_miss_cycles). */
void gm_time_access(struct cms *m, uint32_t addr, unsigned size, int write);
void gm_install_env(struct cms *m);

/* aspace.c: the Linux i386 process layout (stack below AS_STACK_TOP, mmap
 * areas top-down below AS_MMAP_BASE, the heap after the program) */
enum {
	AS_STACK_TOP = 0xc0000000u,     /* TASK_SIZE of a 3 GiB / 1 GiB i386 kernel */
	AS_MIN_ADDR = 0x10000u,         /* vm.mmap_min_addr's default */
};
int aspace_init(struct cms *m, char *err, size_t errlen);
void aspace_free(struct cms *m);
/* The loader: a segment [lo, hi) with rights prot, its frames given now:
 * 0, or gm_populate's -1 / -2. */
int aspace_map_segment(struct cms *m, uint32_t lo, uint32_t hi, unsigned prot);
/* The loader, once the segments are in: the heap starts at brk_start; the
 * stack (and, without PT_GNU_STACK, every readable mapping: Linux's
 * READ_IMPLIES_EXEC for i386 programs) is executable as the ELF says. */
void aspace_set_layout(struct cms *m, uint32_t brk_start, int exec_stack, int read_implies_exec);
uint32_t aspace_stack_lo(const struct cms *m);        /* lowest address the stack may grow to */
/* Where a new mapping of len bytes would go (mmap without a hint); 0: no room. */
uint32_t aspace_place(const struct cms *m, uint32_t len);
/* A page va lies on has no frame, or lacks the rights `need` (0: the
 * firmware's own access): give it one if a mapping covers it with those
 * rights (charged cms.cost.page_fault).  0, or -1: the access faults
 * (SIGSEGV; after aspace_out_of_memory, the guest cannot go on). */
int aspace_fault(struct cms *m, uint32_t va, unsigned need);
/* Why the guest cannot go on: NULL, or the memory that ran out in words. */
const char *aspace_out_of_memory(const struct cms *m);
/* the memory system calls (Linux's semantics and errors) */
uint32_t aspace_brk(struct cms *m, uint32_t want);
int32_t aspace_mmap(struct cms *m, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int32_t fd,
		    uint32_t pgoff);
int32_t aspace_munmap(struct cms *m, uint32_t addr, uint32_t len);
int32_t aspace_mprotect(struct cms *m, uint32_t addr, uint32_t len, uint32_t prot);
int32_t aspace_mremap(struct cms *m, uint32_t addr, uint32_t old_len, uint32_t new_len, uint32_t flags,
		      uint32_t new_addr);

/* files.c: descriptors and paths (the file system calls' owner).  Paths
 * are the guest's, NUL-terminated; results are -errno on failure. */
enum { FILES_PATH_MAX = 4096, FILES_AT_FDCWD = -100 };
struct stat;
int files_init(struct cms *m, char *err, size_t errlen);
void files_free(struct cms *m);
int files_set_root(struct cms *m, const char *dir, int writable, char *err, size_t errlen);
void files_set_exe(struct cms *m, const char *host_path);
int files_host_fd(const struct cms *m, uint32_t fd);     /* -1: not open */
int files_readable_fd(const struct cms *m, uint32_t fd);
int files_writable_fd(const struct cms *m, uint32_t fd);
int32_t files_open(struct cms *m, int32_t dirfd, const char *path, uint32_t flags, uint32_t mode);
int32_t files_close(struct cms *m, uint32_t fd);
/* dup (to < 0: the lowest free at or above min), dup2/dup3 (to) */
int32_t files_dup(struct cms *m, uint32_t fd, int32_t to, uint32_t min, int cloexec);
int32_t files_cloexec(struct cms *m, uint32_t fd, int set);   /* set < 0: only read it */
/* A host O_PATH descriptor of path (empty_path: "" means dirfd itself), the caller closes it. */
int files_open_path(struct cms *m, int32_t dirfd, const char *path, int follow, int empty_path);
int files_stat_path(struct cms *m, int32_t dirfd, const char *path, int follow, struct stat *st);
int32_t files_access(struct cms *m, int32_t dirfd, const char *path, uint32_t mode);
int32_t files_readlink(struct cms *m, const char *path, char *buf, uint32_t n);
int32_t files_getcwd(const struct cms *m, char *buf, uint32_t n);
int32_t files_chdir(struct cms *m, const char *path);
int files_have_root(const struct cms *m);
void files_resolve_by_hand(struct cms *m);   /* as without openat2 (tests) */
int32_t files_pipe(struct cms *m, int cloexec, int nonblock, int32_t fds[2]);
/* A whole regular file of the guest's file system (the loader's PT_INTERP),
 * malloc'ed; NULL with err. */
void *files_read_whole(struct cms *m, const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* profile.c */
int profile_init(struct cms *m, char *err, size_t errlen);
void profile_free(struct cms *m);
uint32_t profile_hit(struct cms *m, uint32_t eip);   /* returns the new count */
uint32_t profile_count(const struct cms *m, uint32_t eip);

/* syscall.c */
/* The call in EAX (cms/syscalls.def); its result in EAX, unless it ended the guest. */
void syscall_dispatch(struct cms *m);
/* A whole object to or from guest memory for a system call: -EFAULT (and
 * nothing moved) unless all of it is mapped (writable, for a store), timed
 * through the L1D; hidden memory is never touched. */
int sys_put_guest(struct cms *m, uint32_t addr, const void *src, uint32_t n);
int sys_get_guest(struct cms *m, uint32_t addr, void *dst, uint32_t n);
const char *syscall_name(uint32_t nr);  /* NULL for a number without a row */
int syscall_emulated(uint32_t nr);      /* 0 for the numbers answered -ENOSYS */

/* tls.c */
void tls_init(struct cms *m);   /* the selectors a process starts with; env.segs */
int32_t sys_set_thread_area(struct cms *m, uint32_t uinfo);
int32_t sys_get_thread_area(struct cms *m, uint32_t uinfo);

/* tcache.c */
int tc_init(struct cms *m, char *err, size_t errlen);
void tc_free(struct cms *m);
int tc_lookup(struct cms *m, uint32_t eip);            /* translation id, -1 miss, -2 untranslatable */
/* A lookup miss at eip: a translation set aside by a store, back in use if
 * its x86 bytes are unchanged (its id), or dropped (-1; also when none). */
int tc_revalidate(struct cms *m, uint32_t eip);
const struct xlat *tc_get(const struct cms *m, int id); /* a valid translation, read-only */
/* The translation map in hidden memory: its address and entries (tests). */
uint32_t tc_map_base(const struct cms *m, uint32_t *entries);
/* Translated code left through exit atom `code` (id * TR_MAX_EXITS +
 * exit): count the exit, and chain a direct one to its target's
 * translation when `chain`, unless the translation is a watched region.
 * Returns 1 when the exit was the last run of a watch (reopt_watched). */
int tc_exit_taken(struct cms *m, uint32_t code, int chain);
/* Guest page pg was written: drop every translation touching it. */
void tc_code_written(struct cms *m, uint32_t pg);
/* tc_page_unstable, tc_flush: cms/policy/policy.h */
/* Translate the region; its code and map entry get room through the evict
 * policy.  Translation id, or -1. */
int tc_translate(struct cms *m, const struct translate_region *r);
void tc_mark_untranslatable(struct cms *m, uint32_t eip);
/* The reoptimizer's side of the cache.  tc_entries: entries the block
 * translation at eip has counted (its counter in hidden memory, read as
 * firmware); tc_disarm: its counter never fires again; tc_optimize: make
 * a region at eip (charged ACT_OPTIMIZE) in place of what the map holds
 * there, watched for its first `watch` runs (0: not watched), its id or
 * -1; tc_find_native: the translation holding native
 * address pc, or -1; tc_atom_eip: a region's x86 instruction of the atom
 * at pc + slot (0: unknown); tc_drop: unchain and free a translation. */
struct tr_region_opts;
struct tr_hints;
struct tc_region_info {
	unsigned ninsns, nsides, spec_loads, spec_stores, unrolled, if_converted, cse_removed;
	int loop;
};
uint32_t tc_entries(struct cms *m, uint32_t eip);
void tc_disarm(struct cms *m, int id);
int tc_optimize(struct cms *m, uint32_t eip, const struct tr_region_opts *o, const struct tr_hints *hints,
		unsigned watch, struct tc_region_info *info);
/* The watch of region id is over: its exits chain from now on (the
 * indirect ones through the native lookup routine). */
void tc_unwatch(struct cms *m, int id);
/* A sample found native code at pc: the block translation there counts
 * it (*id); its samples so far, or 0 (none there, a region, or a
 * disarmed block). */
uint32_t tc_sample(struct cms *m, uint32_t pc, int *id);
int tc_find_native(const struct cms *m, uint32_t pc);
uint32_t tc_atom_eip(const struct cms *m, int id, uint32_t pc, unsigned slot);
void tc_drop(struct cms *m, int id);

/* reopt.c: the reoptimizer (--mode optimize).  reopt_hot: translation id's
 * entry counter fired (the chip state is rolled back to its entry): make
 * a region there.  reopt_rollback: translated code rolled back for a
 * reason its speculation may have caused (alias fault, memory fault,
 * store-buffer overflow); a region's culprit is noted, and after
 * cms.opt.spec_retries the region is retranslated more conservatively. */
int reopt_init(struct cms *m, char *err, size_t errlen);
void reopt_free(struct cms *m);
/* reconfig.c: the cache reconfiguration room (its interval clock, the
 * policy's state, the ways recovery left usable, --timeline).  Native
 * code runs at most reconfig_budget cycles (UINT64_MAX: no interval; 0:
 * one is due, call reconfig_tick); the interpreter's blocks feed the
 * working-set signature when reconfig_wants_blocks. */
int reconfig_init(struct cms *m, char *err, size_t errlen);
void reconfig_free(struct cms *m);
uint64_t reconfig_budget(const struct cms *m);
void reconfig_tick(struct cms *m);
bool reconfig_wants_blocks(const struct cms *m);
void reconfig_note_block(struct cms *m, uint32_t eip);
/* The run is over: the timeline's last row. */
void reconfig_finish(struct cms *m);
/* faults.c: the self-test programs, the recovery state; the check between
 * blocks when m->faulty (1: the run is over, res filled); the temporaries
 * the register allocator must not use. */
int faults_init(struct cms *m, char *err, size_t errlen);
void faults_free(struct cms *m);
int faults_tick(struct cms *m, struct cms_result *res);
/* The x86 registers' parity, as the firmware reads them (before it
 * commits them): a flipped one is restored from its shadow; 1 when it
 * cannot be (res filled). */
int faults_check_x86(struct cms *m, struct cms_result *res);
/* A firmware read of guest memory at pa (its bytes in buf, or NULL) meets
 * the detectors (only called when m->faulty): a clean line with a parity
 * error is scrubbed and buf read again; an unrecoverable one stops the
 * run at the next faults_stopped (1, res filled). */
void faults_fw_read(struct cms *m, uint32_t pa, uint32_t n, void *buf);
int faults_stopped(struct cms *m, struct cms_result *res);
/* The firmware's walk met a corrupted table word (chip_tlb_translate -2):
 * counted, its line scrubbed; guestmem.c puts the word right from its
 * record and walks again. */
void faults_walk_detected(struct cms *m, uint32_t word);
uint64_t faults_bad_regs(const struct cms *m);
void reopt_hot(struct cms *m, int id);
void reopt_rollback(struct cms *m, const struct chip_exit *ex);
/* The watch of region id is over (tc_exit_taken returned 1): its side
 * exits are checked against what the profile promised. */
void reopt_watched(struct cms *m, int id);
/* cms.opt.trigger sample: cycles native code may run before the next
 * sample (UINT64_MAX: no sampling); reopt_sample takes the one due with
 * native code stopped at pc (reopt_sample_due: the stop was for it), and
 * returns 1 when it made a region (the chip rolled back to the last
 * commit: back to the dispatcher). */
uint64_t reopt_sample_budget(struct cms *m);
bool reopt_sample_due(const struct cms *m);
int reopt_sample(struct cms *m, uint32_t pc);
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
	struct x87_state fpu_before;   /* and the x87 state */
	uint32_t retired;              /* R_RETIRED then */
};
void verify_begin(struct cms *m, struct vlog *l);   /* snapshot + store hook */
void verify_end(struct cms *m, struct vlog *l);     /* store hook off */
/* The translation `id` completed: 1 (with res filled) when it disagrees. */
int verify_check(struct cms *m, int id, uint32_t code, struct vlog *l, struct cms_result *res);
void verify_release(struct vlog *l);

/* trace.c (--trace, docs/trace.md).  trace_charge: cms_charge's hook, called
 * before the chip's clock moves (the cycles since the timeline's end ran
 * native code); trace_begin: cms_run starts (the file's head, the first
 * counter sample); trace_free: cms_destroy, or a trace left unfinished.
 * trace_instant and trace_counters: cms/policy/policy.h. */
struct trace;
void trace_charge(struct cms *m, enum cms_activity a, uint64_t cycles);
void trace_begin(struct cms *m);
void trace_free(struct cms *m);

/* statistics: simulated time spent on firmware work, by activity (every
 * room charges its work here; an inline so no room calls back into cms.c) */
/* The miss cycles of the guest accesses since the last call (and reset them). */
static inline uint64_t gm_take_miss_cycles(struct cms *m)
{
	uint64_t c = m->gm_miss_cycles;
	m->gm_miss_cycles = 0;
	return c;
}

static inline void cms_charge(struct cms *m, enum cms_activity a, uint64_t cycles)
{
	if (__builtin_expect(m->tr != NULL, 0))   /* --trace: the one test when it is off */
		trace_charge(m, a, cycles);
	m->st.act_cycles[a] += cycles;
	chip_charge(m->chip, cycles);
}

#endif
