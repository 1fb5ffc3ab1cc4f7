/* cli/cmd_config.c — `cdvm config`: print the effective configuration as
 * YAML (or the Markdown reference).
 *
 *   cdvm config                                   the default
 *   cdvm config -c configs/wide8.yaml --set core.issue_width=4
 *   cdvm config --doc > docs/config.md */
#include <stdio.h>

#include "cli/cli.h"

enum { OPT_DOC = CLI_ID_USER };

static const struct cli_opt config_opts[] = {
	CLI_CONFIG_OPTS,
	{"doc", 0, NULL, OPT_DOC, 0, "print the configuration reference (Markdown) instead"},
	{0},
};

static const struct cli_cmd config_cmd = {
	"config", "",
	"Prints the effective configuration (default -> each -c FILE -> each --set -> validated)\n"
	"as YAML that loads back to itself.\n",
	config_opts, false,
};

static int on_option(void *ctx, int id, const char *v)
{
	if (id == OPT_DOC) {
		*(bool *)ctx = true;
		return 0;
	}
	return cli_usage_error(&config_cmd, "unexpected argument '%s'", v);
}

int cmd_config(int argc, char **argv)
{
	struct cdvm_config cfg;
	struct cli_args a;
	bool doc = false;
	int r = cli_parse(&config_cmd, argc, argv, on_option, &doc, &a);
	if (r == 0 && cli_config_build(&config_cmd, &a, &cfg) < 0)
		r = -1;
	cli_args_free(&a);
	if (r)
		return r > 0 ? 0 : 2;
	r = doc ? config_write_doc(stdout) : config_write_yaml(&cfg, stdout);
	if (r || fflush(stdout) == EOF || ferror(stdout)) {
		cli_error(&config_cmd, "cannot write to standard output");
		return 2;
	}
	return 0;
}
