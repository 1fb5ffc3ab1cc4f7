/* cli/cmd_stats_doc.c — `cdvm stats-doc`: the reference of every statistic
 * a run reports (docs/stats.md, written by `make docs` from cms/stats.def
 * and native-isa/counters.def). */
#include <stdio.h>

#include "cli/cli.h"
#include "cms/stats.h"

int cmd_stats_doc(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: cdvm stats-doc\n");
		return 2;
	}
	cms_write_stats_doc(stdout);
	return 0;
}
