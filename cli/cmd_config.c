/* cli/cmd_config.c — `cdvm config`: print the effective configuration as
 * YAML (or the Markdown reference).
 *
 *   cdvm config                                   the default
 *   cdvm config -c configs/wide8.yaml --set core.issue_width=4
 *   cdvm config --doc > docs/config.md
 *   cdvm config -c configs/crusoe-tm5800.yaml --rtl-params   the RTL's Verilator -G options */
#include <stdio.h>

#include "cli/cli.h"
#include "hw-sim/chip.h"

enum { OPT_DOC = CLI_ID_USER, OPT_RTL };

static const struct cli_opt config_opts[] = {
	CLI_CONFIG_OPTS,
	{"doc", 0, NULL, OPT_DOC, 0, "print the configuration reference (Markdown) instead"},
	{"rtl-params", 0, NULL, OPT_RTL, 0, "print the RTL's parameters for this configuration as Verilator -G "
	 "options instead (docs/rtl.md)"},
	{0},
};

static const struct cli_cmd config_cmd = {
	"config", "",
	"Prints the effective configuration (default -> each -c FILE -> each --set -> validated)\n"
	"as YAML that loads back to itself.\n",
	config_opts, false,
};

struct config_opts { bool doc, rtl; };

static int on_option(void *ctx, int id, const char *v)
{
	struct config_opts *o = ctx;
	if (id == OPT_DOC || id == OPT_RTL) {
		*(id == OPT_DOC ? &o->doc : &o->rtl) = true;
		return 0;
	}
	return cli_usage_error(&config_cmd, "unexpected argument '%s'", v);
}

int cmd_config(int argc, char **argv)
{
	struct cdvm_config cfg;
	struct cli_args a;
	struct config_opts o = {0};
	int r = cli_parse(&config_cmd, argc, argv, on_option, &o, &a);
	if (r == 0 && cli_config_build(&config_cmd, &a, &cfg) < 0)
		r = -1;
	cli_args_free(&a);
	if (r)
		return r > 0 ? 0 : 2;
	if (o.doc && o.rtl) {
		cli_usage_error(&config_cmd, "--doc and --rtl-params: choose one");
		return 2;
	}
	if (o.rtl) {
		char p[512];
		chip_rtl_params(&cfg, p, sizeof p);
		r = printf("%s\n", p) < 0;
	} else {
		r = o.doc ? config_write_doc(stdout) : config_write_yaml(&cfg, stdout);
	}
	if (r || fflush(stdout) == EOF || ferror(stdout)) {
		cli_error(&config_cmd, "cannot write to standard output");
		return 2;
	}
	return 0;
}
