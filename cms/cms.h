/* cms/cms.h — the code-morphing firmware.
 *
 * The firmware boots on a chip, carves its hidden memory, loads an x86
 * guest (ELF32, Linux i386 ABI) into guest RAM and runs it: the dispatch
 * loop looks up the guest EIP, interprets (and profiles) cold code, and
 * emulates Linux system calls.  All firmware work is charged simulated
 * cycles from cms.cost (DESIGN.md contract 2), split by activity for the
 * report.
 *
 *   struct cms *m;
 *   if (cms_create(&cfg, CMS_MODE_INTERP, &m, err, sizeof err) < 0) ...
 *   if (cms_load_elf(m, "prog.elf", argc, argv, environ, err, sizeof err) < 0) ...  // status 2
 *   struct cms_result r;
 *   cms_run(m, &r);                       // r.status: the guest's exit status
 *   cms_print_stats(m, stderr);
 *   cms_destroy(m);
 */
#ifndef CDVM_CMS_CMS_H
#define CDVM_CMS_CMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "configs/config.h"

struct cms;
struct chip;

enum cms_mode { CMS_MODE_INTERP, CMS_MODE_TRANSLATE, CMS_MODE_OPTIMIZE };

/* How a run ended. */
enum cms_end {
	CMS_END_EXIT,        /* the guest called exit/exit_group */
	CMS_END_SIGNAL,      /* the guest was killed by a fault, as natively */
	CMS_END_CYCLE_LIMIT, /* sim.max_cycles reached */
	CMS_END_INTERNAL,    /* firmware error (a bug); message in text */
	CMS_END_UNRECOVERABLE, /* a detected hardware fault the firmware cannot recover from
				* (cms/faults.c); diagnosis in text, status CMS_STATUS_UNRECOVERABLE */
};
/* The exit status of a run the firmware stopped for an unrecoverable
 * hardware fault (not a guest status: a guest killed by a signal gives
 * 128 + signal, a cycle limit 125). */
enum { CMS_STATUS_UNRECOVERABLE = 123 };

struct cms_result {
	enum cms_end end;
	int status;          /* shell-style exit status: code, or 128 + signal */
	int signal;          /* CMS_END_SIGNAL: SIGFPE, SIGSEGV, SIGILL, ... */
	char text[256];      /* one-line diagnostic for anything but a normal exit */
};

const char *cms_mode_name(enum cms_mode m);
int cms_mode_parse(const char *s, enum cms_mode *m);

int cms_create(const struct cdvm_config *cfg, enum cms_mode mode, struct cms **out, char *err, size_t errlen);
void cms_destroy(struct cms *m);
struct chip *cms_chip(struct cms *m);

/* Load an ELF32 i386 static executable and build the initial stack with
 * argv (argv[0] is the program name as the guest sees it) and envp.
 * Every malformed input is an error with a one-line message. */
int cms_load_elf(struct cms *m, const char *path, int argc, char *const *argv, char *const *envp,
		 char *err, size_t errlen);
/* Same, from a buffer (tests). */
int cms_load_elf_image(struct cms *m, const uint8_t *img, size_t len, const char *name, int argc,
		       char *const *argv, char *const *envp, char *err, size_t errlen);

/* --timeline: a CSV row per cms.reconfig.interval cycles into f (the
 * header now; NULL: none).  Observing costs no simulated time. */
void cms_set_timeline(struct cms *m, FILE *f);

/* Run until the guest exits or dies. Guest stdout/stderr go to fds 1 and 2. */
void cms_run(struct cms *m, struct cms_result *res);

/* Guest file descriptors 0, 1, 2 map to these host fds (default 0, 1, 2). */
void cms_set_stdio(struct cms *m, int in_fd, int out_fd, int err_fd);
/* The host directory the guest sees as its root file system (before
 * cms_load_elf, so /proc/self/exe names the program inside it); its files
 * are read-only unless writable.  0, or -1 with err. */
int cms_set_fs_root(struct cms *m, const char *dir, int writable, char *err, size_t errlen);

/* Observe the guest's dynamic trace (for analyses such as the dataflow
 * limit of `make bench`).  insn() is called once per retired instruction,
 * before it executes, with its decoded form (NULL if the firmware had to
 * fall back to x86_step) and the x86 state registers (cms/x86/x86.h
 * layout); mem() for every guest data access it then makes.  Costs no
 * simulated cycles: it is an instrument, not firmware. */
struct x86_insn;
struct cms_trace_ops {
	void *ctx;
	void (*insn)(void *ctx, uint32_t eip, const struct x86_insn *in, const uint32_t *regs);
	void (*mem)(void *ctx, uint32_t addr, unsigned size, int write);
};
void cms_set_trace(struct cms *m, const struct cms_trace_ops *ops);

uint64_t cms_guest_insns(const struct cms *m);

/* --dump-translations DIR (NULL: off) and --verify. */
void cms_set_debug(struct cms *m, const char *dump_dir, int verify);
/* --trace-syscalls: every system call, strace-style ("write(1, \"hi\\n\", 3) = 3"),
 * is printed to out as it completes (NULL: off).  An instrument: no cycles. */
void cms_set_trace_syscalls(struct cms *m, FILE *out);
/* --trace FILE: the firmware's activities and translated code as spans of
 * one timeline, and counter tracks sampled every `interval` simulated
 * cycles, in the Chrome trace-event JSON Object Format (Perfetto's UI,
 * chrome://tracing; docs/trace.md).  At most `limit` events: then the
 * timeline stops where it is, the file stays valid and its otherData says
 * where.  Set it before cms_load_elf (the loader's page faults are then
 * in order; work charged before it opens the timeline, an activity at a
 * time); nothing is written to out before cms_run, so the caller may
 * still truncate it.  An instrument: no cycles, nothing
 * simulated changes.  out NULL: off.  0, or -1 with err (out of memory,
 * interval or limit outside 1 .. CMS_TRACE_MAX_*). */
enum { CMS_TRACE_INTERVAL = 100000, CMS_TRACE_LIMIT = 1000000 };    /* cdvm run's defaults */
#define CMS_TRACE_MAX_INTERVAL 1000000000000000ull                  /* 10^15 cycles */
#define CMS_TRACE_MAX_LIMIT 1000000000ull                           /* 10^9 events */
int cms_set_trace_json(struct cms *m, FILE *out, uint64_t interval, uint64_t limit, char *err, size_t errlen);
/* After cms_run: the open spans, a last sample and otherData (the run's
 * cycles, clock, configuration, program, mode; whether and at which cycle
 * the timeline stopped); the trace is then off.  0, or -1 when out of
 * memory or a write failed. */
int cms_finish_trace_json(struct cms *m);
void cms_print_stats(const struct cms *m, FILE *out);
/* --stats-json: the keys of docs/stats.md (0, or -1 when out of memory or
 * the write failed). */
int cms_write_stats_json(const struct cms *m, const struct cms_result *res, FILE *out);
/* JSON through libjansson.  Reals are printed with this many significant
 * digits, so they read back to the same value (to far more than the six
 * decimals cdvm once printed). */
enum { CMS_JSON_REAL_DIGITS = 15 };
/* A JSON string of s (bytes that are not UTF-8 become '?'); NULL when out
 * of memory. */
struct json_t;
struct json_t *cms_json_text(const char *s);

#endif
