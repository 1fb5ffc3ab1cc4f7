/* cli/cmd_run.c — `cdvm run`: boot the firmware and run an x86 guest. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cdvm run: the x86 firmware is not built yet\n");
	return 2;
}
