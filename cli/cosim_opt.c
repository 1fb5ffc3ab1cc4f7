/* cli/cosim_opt.c — `--cosim` of run and exec-native: the RTL lockstep
 * (docs/rtl.md), available in the co-simulation build only (make cosim:
 * build/cosim/NAME/cdvm); the ordinary build says where to find it. */
#include "cli/cli.h"

#ifdef CDVM_COSIM
#include "hw-sim/rtl/cosim_run.h"

int cli_cosim_start(const struct cli_cmd *cmd, const struct cdvm_config *cfg)
{
	char err[1200];
	if (cosim_open(cfg, err, sizeof err) < 0)
		return cli_error(cmd, "%s", err);
	return 0;
}

void cli_cosim_finish(void) { cosim_close(stderr); }
#else
int cli_cosim_start(const struct cli_cmd *cmd, const struct cdvm_config *cfg)
{
	(void)cfg;
	return cli_error(cmd, "--cosim: this cdvm has no RTL model; `make cosim` builds one with Verilator "
			      "(build/cosim/default/cdvm, docs/rtl.md)");
}

void cli_cosim_finish(void) {}
#endif
