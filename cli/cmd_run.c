/* cli/cmd_run.c — `cdvm run`: boot the firmware on the configured chip and
 * run an x86 guest.  Options come before the program; everything after the
 * program (or after `--`) belongs to the guest.  The exit status is the
 * guest's (128 + signal when a fault killed it, as natively); 2 means cdvm
 * could not start the guest (bad configuration, bad ELF, bad usage) or
 * could not write a result it was asked for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/sweep.h"
#include "cms/cms.h"
#include "hw-sim/chip.h"
#include "hw-sim/fault.h"

extern char **environ;

enum { OPT_MODE = CLI_ID_USER, OPT_STATS, OPT_STATS_JSON, OPT_VERIFY, OPT_DUMP, OPT_TRACE_SYSCALLS, OPT_FS_ROOT,
       OPT_FS_WRITABLE, OPT_INJECT, OPT_TIMELINE, OPT_TIMELINE_PLOT, OPT_TRACE, OPT_TRACE_INTERVAL, OPT_TRACE_LIMIT, OPT_COSIM };

static const struct cli_opt run_opts[] = {
	CLI_CONFIG_OPTS,
	{"mode", 0, "MODE", OPT_MODE, 0, "interp (default), translate or optimize"},
	{"stats", 0, NULL, OPT_STATS, 0, "print the run's statistics to stderr at the end"},
	{"stats-json", 0, "FILE", OPT_STATS_JSON, 0, "write the statistics as JSON to FILE"},
	{"timeline", 0, "FILE", OPT_TIMELINE, 0, "write a CSV row every cms.reconfig.interval cycles to FILE: IPC, miss "
						 "rates, ways enabled, energy by component, phase, decision"},
	{"timeline-plot", 0, "FILE", OPT_TIMELINE_PLOT, 0, "draw IPC, ways enabled and power over time from --timeline "
							   "into FILE (PNG, gnuplot)"},
	{"verify", 0, NULL, OPT_VERIFY, 0, "check every translation against the interpreter (not with --mode interp)"},
	{"cosim", 0, NULL, OPT_COSIM, 0, "run every native bundle on the RTL core too, in lockstep, and stop at the "
	 "first difference (the co-simulation build only: make cosim; docs/rtl.md)"},
	{"dump-translations", 0, "DIR", OPT_DUMP, 0, "write each translation's IR and code into DIR (created)"},
	{"trace-syscalls", 0, NULL, OPT_TRACE_SYSCALLS, 0, "print each system call, strace-style, to stderr"},
	{"trace", 0, "FILE", OPT_TRACE, 0, "write the run's timeline (firmware activities, translated code, counters) "
					  "as Chrome trace-event JSON (docs/trace.md)"},
	{"trace-interval", 0, "CYCLES", OPT_TRACE_INTERVAL, 0, "with --trace: sample the counters every CYCLES "
							      "simulated cycles (default 100000)"},
	{"trace-limit", 0, "EVENTS", OPT_TRACE_LIMIT, 0, "with --trace: write at most EVENTS events, then stop "
							 "(the file stays valid; default 1000000)"},
	{"fs-root", 0, "DIR", OPT_FS_ROOT, 0, "the guest's root file system: host files under DIR (read-only)"},
	{"fs-writable", 0, NULL, OPT_FS_WRITABLE, 0, "let the guest create and write files under --fs-root"},
	{"inject", 0, "SPEC", OPT_INJECT, CLI_LIST, "inject a hardware fault (repeatable), e.g. unit=alu:1,kind=stuck,bit=3,at=0 "
					  "or reg=r5,kind=flip,bit=7,at=1200000 (docs/faults.md)"},
	{0},
};

static const struct cli_cmd run_cmd = {
	"run", "prog.elf [args...]",
	"Runs an x86 guest on the simulated chip.  cdvm's options end at the program (or at --);\n"
	"what follows is the guest's.  Exit status: the guest's; 2 for bad input or usage.\n",
	run_opts, true,
};

struct run_opts {
	enum cms_mode mode;
	bool mode_set, stats, verify, trace_syscalls, fs_writable, cosim;
	const char *json, *dump, *fs_root, *timeline, *timeline_plot, *trace;
	bool trace_tuned;                 /* --trace-interval or --trace-limit given */
	uint64_t trace_interval, trace_limit;
	struct fault_spec inject[32];
	unsigned ninject;
};

/* What the run writes, each opened before it starts (cli/cli.h). */
struct run_outputs {
	struct cli_out json, timeline, trace;
};

static int on_option(void *ctx, int id, const char *v)
{
	struct run_opts *o = ctx;
	switch (id) {
	case OPT_MODE:
		if (cms_mode_parse(v, &o->mode) < 0)
			return cli_error(&run_cmd, "--mode %s: expected interp, translate or optimize", v);
		o->mode_set = true;
		return 0;
	case OPT_STATS: o->stats = true; return 0;
	case OPT_STATS_JSON: o->json = v; return 0;
	case OPT_TIMELINE: o->timeline = v; return 0;
	case OPT_TIMELINE_PLOT: o->timeline_plot = v; return 0;
	case OPT_VERIFY: o->verify = true; return 0;
	case OPT_COSIM: o->cosim = true; return 0;
	case OPT_DUMP: o->dump = v; return 0;
	case OPT_TRACE_SYSCALLS: o->trace_syscalls = true; return 0;
	case OPT_FS_ROOT: o->fs_root = v; return 0;
	case OPT_FS_WRITABLE: o->fs_writable = true; return 0;
	case OPT_TRACE: o->trace = v; return 0;
	case OPT_TRACE_INTERVAL:
		o->trace_tuned = true;
		return cli_count(&run_cmd, "--trace-interval", v, 1, CMS_TRACE_MAX_INTERVAL, &o->trace_interval);
	case OPT_TRACE_LIMIT:
		o->trace_tuned = true;
		return cli_count(&run_cmd, "--trace-limit", v, 1, CMS_TRACE_MAX_LIMIT, &o->trace_limit);
	case OPT_INJECT: {
		char err[300];
		if (o->ninject == sizeof o->inject / sizeof *o->inject)
			return cli_error(&run_cmd, "--inject: at most %zu faults per run", sizeof o->inject / sizeof *o->inject);
		if (fault_spec_parse(v, &o->inject[o->ninject], err, sizeof err) < 0)
			return cli_error(&run_cmd, "%s", err);
		o->ninject++;
		return 0;
	}
	}
	return -1;
}

/* --dump-translations DIR: a folder, or a path one can create as one. */
static int dump_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return cli_error(&run_cmd, "--dump-translations %s: exists and is not a directory", dir);
		return 0;
	}
	if (mkdir(dir, 0777) < 0)
		return cli_error(&run_cmd, "--dump-translations %s: %s", dir, strerror(errno));
	return 0;
}

/* Checks and opens everything the run writes, before it starts. */
static int prepare_outputs(const struct run_opts *o, struct run_outputs *out)
{
	if (o->timeline_plot && !o->timeline)
		return cli_usage_error(&run_cmd, "--timeline-plot draws the --timeline CSV: give --timeline FILE.csv too");
	if (o->timeline_plot) {
		const char *why = sweep_plot_unavailable();
		if (why)
			return cli_error(&run_cmd, "--timeline-plot: %s", why);
	}
	if (o->verify && o->mode == CMS_MODE_INTERP)
		return cli_usage_error(&run_cmd, "--verify checks translations, and --mode %s makes none "
				       "(use --mode translate)", o->mode_set ? "interp" : "interp (the default)");
	if (o->dump && dump_dir(o->dump) < 0)
		return -1;
	if (o->fs_writable && !o->fs_root)
		return cli_usage_error(&run_cmd, "--fs-writable needs --fs-root DIR");
	if (o->trace_tuned && !o->trace)
		return cli_usage_error(&run_cmd, "--trace-interval and --trace-limit need --trace FILE");
	/* cmd_run closes what is open when one of them fails */
	if (o->json && cli_out_open(&run_cmd, &out->json, "--stats-json", o->json) < 0)
		return -1;
	if (o->timeline && cli_out_open(&run_cmd, &out->timeline, "--timeline", o->timeline) < 0)
		return -1;
	if (o->trace && cli_out_open(&run_cmd, &out->trace, "--trace", o->trace) < 0)
		return -1;
	return 0;
}

/* A result the run wrote (bad: writing it failed): kept.  0, or -1 (status 2). */
static int keep_output(struct cli_out *f, int bad, const char *what)
{
	if (bad && !ferror(f->f))   /* else cli_out_close says what the write error was */
		fprintf(stderr, "cdvm run: %s: cannot write the %s\n", f->path, what);
	return cli_out_close(&run_cmd, f, true) < 0 || bad ? -1 : 0;
}

/* Boots, loads and runs; returns the exit status. */
static int run_guest(const struct cdvm_config *cfg, const struct run_opts *o, struct run_outputs *out, int argc,
		     char **argv)
{
	char err[512];
	struct cms *m;
	if (cms_create(cfg, o->mode, &m, err, sizeof err) < 0) {
		cli_error(&run_cmd, "%s", err);
		return 2;
	}
	cms_set_debug(m, o->dump, o->verify);
	cms_set_trace_syscalls(m, o->trace_syscalls ? stderr : NULL);
	/* before the load, whose page faults open the timeline; nothing is
	 * written to the file before cms_run */
	if (out->trace.f && cms_set_trace_json(m, out->trace.f, o->trace_interval, o->trace_limit, err, sizeof err) < 0) {
		cli_error(&run_cmd, "--trace %s: %s", o->trace, err);
		cms_destroy(m);
		return 2;
	}
	if (o->fs_root && cms_set_fs_root(m, o->fs_root, o->fs_writable, err, sizeof err) < 0) {
		cli_error(&run_cmd, "%s", err);
		cms_destroy(m);
		return 2;
	}
	if (cms_load_elf(m, argv[0], argc, argv, environ, err, sizeof err) < 0) {
		cli_error(&run_cmd, "%s", err);
		cms_destroy(m);
		return 2;
	}
	for (unsigned i = 0; i < o->ninject; i++)
		if (chip_fault_arm(cms_chip(m), &o->inject[i], err, sizeof err) < 0) {
			cli_error(&run_cmd, "%s", err);
			cms_destroy(m);
			return 2;
		}
	if (out->trace.f)
		cli_out_file(&out->trace);   /* the old contents go: the run starts */
	if (out->timeline.f)
		cms_set_timeline(m, cli_out_file(&out->timeline));
	if (o->cosim && cli_cosim_start(&run_cmd, cfg) < 0) {
		cms_destroy(m);
		return 2;
	}
	struct cms_result res;
	cms_run(m, &res);
	if (o->cosim)
		cli_cosim_finish();
	if (res.end != CMS_END_EXIT)
		fprintf(stderr, "cdvm: %s\n", res.text);
	if (o->stats)
		cms_print_stats(m, stderr);
	int status = res.status;
	if (out->trace.f && keep_output(&out->trace, cms_finish_trace_json(m), "trace") < 0)
		status = 2;
	if (out->json.f && keep_output(&out->json, cms_write_stats_json(m, &res, cli_out_file(&out->json)),
				       "statistics") < 0)
		status = 2;
	if (out->timeline.f) {
		char perr[600];
		if (cli_out_close(&run_cmd, &out->timeline, true) < 0)
			status = 2;
		else if (o->timeline_plot && run_timeline_plot(o->timeline, o->timeline_plot, perr, sizeof perr) < 0) {
			cli_error(&run_cmd, "%s", perr);
			status = 2;
		}
	}
	cms_destroy(m);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {.mode = CMS_MODE_INTERP, .trace_interval = CMS_TRACE_INTERVAL, .trace_limit = CMS_TRACE_LIMIT};
	struct cli_args a;
	struct cdvm_config cfg;
	struct run_outputs out = {0};
	int r = cli_parse(&run_cmd, argc, argv, on_option, &o, &a);
	if (r == 0 && a.next >= argc)
		r = cli_usage_error(&run_cmd, "no program to run");
	if (r == 0 && cli_config_build(&run_cmd, &a, &cfg) < 0)
		r = -1;
	if (r == 0 && prepare_outputs(&o, &out) < 0)
		r = -1;
	int status = r > 0 ? 0 : 2;
	if (r == 0)
		status = run_guest(&cfg, &o, &out, argc - a.next, argv + a.next);
	/* still open: the run did not start (or a check refused it) */
	cli_out_close(&run_cmd, &out.json, false);
	cli_out_close(&run_cmd, &out.timeline, false);
	cli_out_close(&run_cmd, &out.trace, false);
	cli_args_free(&a);
	return status;
}
