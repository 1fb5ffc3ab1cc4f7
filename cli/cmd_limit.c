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
#include "cli/cmd_config.h"
#include "cms/cms.h"
#include "cms/dataflow.h"

extern char **environ;

static void limit_usage(void)
{
	fputs("usage: cdvm limit [-c chip.yaml] [--set k=v]... [--json] [--show-output] [--] prog.elf [args...]\n",
	      stderr);
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

int cmd_limit(int argc, char **argv)
{
	static const char *const valued[] = {"-c", "--config", "--set", NULL};
	char **opts;
	int nopt;
	int prog_at = cli_split_guest(argc, argv, valued, &opts, &nopt);
	if (prog_at < 0) {
		limit_usage();
		return 2;
	}
	struct cdvm_config cfg;
	if (cli_config_from_args(&nopt, opts, &cfg) < 0) {
		free(opts);
		return 2;
	}
	int json = 0, show = 0;
	for (int i = 1; i < nopt; i++) {
		if (!strcmp(opts[i], "--json")) {
			json = 1;
		} else if (!strcmp(opts[i], "--show-output")) {
			show = 1;
		} else {
			fprintf(stderr, "cdvm limit: unexpected option '%s' (see cdvm help)\n", opts[i]);
			free(opts);
			return 2;
		}
	}
	free(opts);

	char err[512];
	struct dataflow_lat lat;
	dataflow_lat_from_config(&cfg, &lat);
	struct dataflow *d;
	if (dataflow_create(&lat, &d, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		return 2;
	}
	struct cms *m;
	if (cms_create(&cfg, CMS_MODE_INTERP, &m, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		dataflow_destroy(d);
		return 2;
	}
	const char *prog = argv[prog_at];
	if (cms_load_elf(m, prog, argc - prog_at, argv + prog_at, environ, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		cms_destroy(m);
		dataflow_destroy(d);
		return 2;
	}
	int devnull = -1;
	if (show) {
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
	} else if (json) {
		print_json(prog, &cfg, &lat, &r, cms_guest_insns(m), &res);
	} else {
		print_text(prog, &cfg, &lat, &r, cms_guest_insns(m));
	}
	cms_destroy(m);
	dataflow_destroy(d);
	return status;
}
