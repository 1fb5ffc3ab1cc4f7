/* cli/args.c — the command-line split every guest-running command shares:
 * cdvm's own options come first and end at the program (the first
 * argument that is not an option) or at "--"; everything after belongs to
 * the guest. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_split_guest(int argc, char **argv, const char *const *valued, char ***opts, int *nopt)
{
	int prog_at = argc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			prog_at = i + 1;
			break;
		}
		if (a[0] != '-') {
			prog_at = i;
			break;
		}
		for (const char *const *v = valued; *v; v++)
			if (!strcmp(a, *v)) {
				i++;  /* its value is not the program */
				break;
			}
	}
	if (prog_at >= argc)
		return -1;
	int n = prog_at;
	char **o = calloc((size_t)n + 1, sizeof *o);
	if (!o)
		return -1;
	for (int i = 0; i < n; i++)
		o[i] = argv[i];
	if (n > 1 && !strcmp(o[n - 1], "--"))
		o[--n] = NULL;
	*opts = o;
	*nopt = n;
	return prog_at;
}
