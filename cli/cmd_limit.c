/* cli/cmd_limit.c — `cdvm limit`: the dataflow limit of a guest workload.
 * Runs the guest in interp mode with the dataflow analysis (cms/dataflow.h)
 * on the trace hook and prints the x86 IPC an ideal machine with the
 * configured latencies and unlimited width would reach on this trace.
 *
 *   cdvm limit [-c chip.yaml] [--set k=v]... [--json] [--show-output] prog.elf [args...]
 *
 * The guest's stdout and stderr are discarded unless --show-output (then
 * both go to cdvm's stderr, so stdout carries only the result).  The exit
 * status is the guest's, as for `run`; 2 for bad usage or input. */
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cms/cms.h"
#include "cms/dataflow.h"

extern char **environ;

enum { OPT_JSON = CLI_ID_USER, OPT_SHOW };

static const struct cli_opt limit_opts[] = {
	CLI_CONFIG_OPTS,
	{"json", 0, NULL, OPT_JSON, 0, "print the result as JSON"},
	{"show-output", 0, NULL, OPT_SHOW, 0, "pass the guest's stdout and stderr to cdvm's stderr"},
	{0},
};

static const struct cli_cmd limit_cmd = {
	"limit", "prog.elf [args...]",
	"Runs the guest (interp mode) and prints the x86 IPC an ideal machine with the configured\n"
	"latencies and unlimited width would reach on its trace.  cdvm's options end at the program.\n",
	limit_opts, true,
};

struct limit_opts {
	bool json, show;
};

static int on_option(void *ctx, int id, const char *v)
{
	struct limit_opts *o = ctx;
	(void)v;
	if (id == OPT_JSON)
		o->json = true;
	else if (id == OPT_SHOW)
		o->show = true;
	else
		return -1;
	return 0;
}

static void print_text(const char *prog, const struct cdvm_config *cfg, const struct dataflow_lat *lat,
		       const struct dataflow_result *r, uint64_t guest_insns)
{
	printf("dataflow limit of %s on %s\n", prog, cfg->name);
	printf("latencies          alu %" PRIu32 ", mul %" PRIu32 ", div %" PRIu32 ", load %" PRIu32
	       ", store->load %" PRIu32 "\n", lat->alu, lat->mul, lat->div, lat->load, lat->forward);
	printf("instructions       %16" PRIu64 "  (cdvm counted %" PRIu64 ")\n", r->insns, guest_insns);
	printf("critical path      %16" PRIu64 "  cycles\n", r->path);
	printf("limit x86 IPC      %16.3f\n", r->ipc);
	printf("loads / stores     %16" PRIu64 " / %" PRIu64 "  (%" PRIu64 " loads waited on a store)\n", r->loads,
	       r->stores, r->forwarded);
	printf("unknown to table   %16" PRIu64 "  (treated as reading and writing everything)\n", r->unknown);
}

static int set_u64(json_t *o, const char *key, uint64_t v)
{
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* --json, through libjansson. */
static void print_json(const char *prog, const struct cdvm_config *cfg, const struct dataflow_lat *lat,
		       const struct dataflow_result *r, uint64_t guest_insns, const struct cms_result *res)
{
	static const char *const ends[] = {"exit", "signal", "cycle_limit", "internal"};
	json_t *o = json_object(), *l = json_object();
	int rc = json_object_set_new(o, "program", cms_json_text(prog));
	rc |= json_object_set_new(o, "config", cms_json_text(cfg->name));
	rc |= json_object_set_new(o, "end", json_string(ends[res->end]));
	rc |= json_object_set_new(o, "status", json_integer(res->status));
	rc |= set_u64(l, "alu", lat->alu) | set_u64(l, "mul", lat->mul) | set_u64(l, "div", lat->div);
	rc |= set_u64(l, "load", lat->load) | set_u64(l, "forward", lat->forward);
	rc |= json_object_set_new(o, "latency", l);
	rc |= set_u64(o, "instructions", r->insns) | set_u64(o, "guest_instructions", guest_insns);
	rc |= set_u64(o, "critical_path", r->path);
	rc |= json_object_set_new(o, "limit_ipc", json_real(r->ipc));
	rc |= set_u64(o, "loads", r->loads) | set_u64(o, "stores", r->stores);
	rc |= set_u64(o, "forwarded_loads", r->forwarded) | set_u64(o, "unknown_insns", r->unknown);
	if (rc || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(CMS_JSON_REAL_DIGITS)))
		fprintf(stderr, "cdvm limit: out of memory\n");
	else
		putchar('\n');
	json_decref(o);
}

/* The guest's run with the analysis on its trace; returns the exit status. */
static int limit_run(const struct cdvm_config *cfg, const struct limit_opts *o, int argc, char **argv)
{
	char err[512];
	struct dataflow_lat lat;
	dataflow_lat_from_config(cfg, &lat);
	struct dataflow *d;
	if (dataflow_create(&lat, &d, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		return 2;
	}
	struct cms *m;
	if (cms_create(cfg, CMS_MODE_INTERP, &m, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		dataflow_destroy(d);
		return 2;
	}
	const char *prog = argv[0];
	if (cms_load_elf(m, prog, argc, argv, environ, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		cms_destroy(m);
		dataflow_destroy(d);
		return 2;
	}
	int devnull = -1;
	if (o->show) {
		cms_set_stdio(m, 0, 2, 2);
	} else {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull < 0) {
			perror("cdvm: /dev/null");
			cms_destroy(m);
			dataflow_destroy(d);
			return 2;
		}
		cms_set_stdio(m, 0, devnull, devnull);
	}
	struct cms_trace_ops ops;
	dataflow_trace_ops(d, &ops);
	cms_set_trace(m, &ops);

	struct cms_result res;
	cms_run(m, &res);
	if (devnull >= 0)
		close(devnull);
	if (res.end != CMS_END_EXIT)
		fprintf(stderr, "cdvm: %s\n", res.text);
	struct dataflow_result r;
	int status = res.status;
	if (dataflow_result(d, &r, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		status = status ? status : 2;
	} else if (o->json) {
		print_json(prog, cfg, &lat, &r, cms_guest_insns(m), &res);
	} else {
		print_text(prog, cfg, &lat, &r, cms_guest_insns(m));
	}
	cms_destroy(m);
	dataflow_destroy(d);
	return status;
}

int cmd_limit(int argc, char **argv)
{
	struct limit_opts o = {0};
	struct cli_args a;
	struct cdvm_config cfg;
	int r = cli_parse(&limit_cmd, argc, argv, on_option, &o, &a);
	if (r == 0 && a.next >= argc)
		r = cli_usage_error(&limit_cmd, "no program to run");
	if (r == 0 && cli_config_build(&limit_cmd, &a, &cfg) < 0)
		r = -1;
	int status = r > 0 ? 0 : 2;
	if (r == 0)
		status = limit_run(&cfg, &o, argc - a.next, argv + a.next);
	cli_args_free(&a);
	return status;
}
