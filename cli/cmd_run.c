/* cli/cmd_run.c — `cdvm run`: boot the firmware on the configured chip and
 * run an x86 guest.  Options come before the program; everything after the
 * program (or after `--`) belongs to the guest.  The exit status is the
 * guest's (128 + signal when a fault killed it, as natively); 2 means cdvm
 * could not start the guest (bad configuration, bad ELF, bad usage). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cmd_config.h"
#include "cms/cms.h"

extern char **environ;

static void run_usage(void)
{
	fputs("usage: cdvm run [-c chip.yaml] [--set k=v]... [--mode interp|translate] [--stats] [--stats-json FILE]\n"
	      "                [--verify] [--dump-translations DIR] [--] prog.elf [args...]\n", stderr);
}

int cmd_run(int argc, char **argv)
{
	static const char *const valued[] = {"-c", "--config", "--set", "--mode", "--stats-json", "--dump-translations", NULL};
	char **opts;
	int nopt;
	int prog_at = cli_split_guest(argc, argv, valued, &opts, &nopt);
	if (prog_at < 0) {
		run_usage();
		return 2;
	}
	struct cdvm_config cfg;
	if (cli_config_from_args(&nopt, opts, &cfg) < 0) {
		free(opts);
		return 2;
	}
	enum cms_mode mode = CMS_MODE_INTERP;
	int stats = 0, verify = 0;
	const char *json = NULL, *dump = NULL;
	for (int i = 1; i < nopt; i++) {
		if (!strcmp(opts[i], "--stats")) {
			stats = 1;
		} else if (!strcmp(opts[i], "--stats-json") && i + 1 < nopt) {
			json = opts[++i];
		} else if (!strcmp(opts[i], "--dump-translations") && i + 1 < nopt) {
			dump = opts[++i];
		} else if (!strcmp(opts[i], "--verify")) {
			verify = 1;
		} else if (!strcmp(opts[i], "--mode") && i + 1 < nopt) {
			if (cms_mode_parse(opts[++i], &mode) < 0) {
				fprintf(stderr, "cdvm run: --mode %s: expected interp, translate or optimize\n", opts[i]);
				free(opts);
				return 2;
			}
		} else {
			fprintf(stderr, "cdvm run: unexpected option '%s' (see cdvm help)\n", opts[i]);
			free(opts);
			return 2;
		}
	}
	char err[512];
	struct cms *m;
	if (cms_create(&cfg, mode, &m, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		free(opts);
		return 2;
	}
	if (dump) {
		if (mkdir(dump, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "cdvm: --dump-translations %s: %s\n", dump, strerror(errno));
			cms_destroy(m);
			free(opts);
			return 2;
		}
	}
	cms_set_debug(m, dump, verify);
	const char *prog = argv[prog_at];
	if (cms_load_elf(m, prog, argc - prog_at, argv + prog_at, environ, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		cms_destroy(m);
		free(opts);
		return 2;
	}
	struct cms_result res;
	cms_run(m, &res);
	if (res.end != CMS_END_EXIT)
		fprintf(stderr, "cdvm: %s\n", res.text);
	if (stats)
		cms_print_stats(m, stderr);
	int status = res.status;
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "cdvm: %s: %s\n", json, strerror(errno));
		} else {
			int bad = cms_write_stats_json(m, &res, f);
			if (fclose(f) != 0 || bad)
				fprintf(stderr, "cdvm: %s: write error\n", json);
		}
	}
	cms_destroy(m);
	free(opts);
	return status;
}
