/* cli/cmd_config.c — `cdvm config`: print the effective configuration as
 * YAML (or the Markdown reference), and cli_config_from_args, the -c/--set
 * handling shared by every command that builds a chip.
 *
 *   cdvm config                                   the default
 *   cdvm config -c configs/wide8.yaml --set core.issue_width=4
 *   cdvm config --doc > docs/config.md */
#include "cli/cmd_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: cdvm config [-c FILE]... [--set key=value]... [--doc]\n"
	"  -c, --config FILE   apply a YAML configuration on top of the default\n"
	"  --set key=value     then set one key (repeatable), e.g. core.issue_width=8\n"
	"  --doc               print the configuration reference (Markdown) instead\n";

/* Describe where a configuration came from, for cross-key errors, which
 * have no line of their own: "configs/a.yaml, --set". */
static void describe_source(char *buf, size_t n, const char *const *files, int nfiles, int nsets)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < nfiles && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", files[i]);
	if (nsets && len < n)
		snprintf(buf + len, n - len, "%s--set", nfiles ? ", " : "");
}

/* Argument of option argv[*i] ("-c FILE", "--set=k=v" ...): the text after
 * '=' when the option was written "opt=value", else the next argument. */
static const char *option_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t olen = strlen(opt);
	*missing = false;
	if (argv[*i][olen] == '=')
		return argv[*i] + olen + 1;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static bool is_option(const char *arg, const char *opt)
{
	size_t olen = strlen(opt);
	return !strncmp(arg, opt, olen) && (arg[olen] == '\0' || arg[olen] == '=');
}

int cli_config_from_args(int *argc, char **argv, struct cdvm_config *out)
{
	int n = *argc;
	/* Worst case every argument is a file or a set. */
	const char **files = calloc((size_t)n + 1, sizeof *files);
	const char **sets = calloc((size_t)n + 1, sizeof *sets);
	int nfiles = 0, nsets = 0, kept = n > 0 ? 1 : 0, i, rc = -1;
	struct config_error err;
	if (!files || !sets) {
		fprintf(stderr, "cdvm: out of memory\n");
		goto done;
	}
	for (i = 1; i < n; i++) {
		char *a = argv[i];
		bool missing = false;
		if (!strcmp(a, "--"))
			break;
		if (!strcmp(a, "-c") || is_option(a, "--config")) {
			const char *v = option_value(n, argv, &i, !strcmp(a, "-c") ? "-c" : "--config",
						     &missing);
			if (missing) {
				fprintf(stderr, "cdvm: option %s needs a FILE argument\n", a);
				goto done;
			}
			files[nfiles++] = v;
		} else if (is_option(a, "--set")) {
			const char *v = option_value(n, argv, &i, "--set", &missing);
			if (missing) {
				fprintf(stderr, "cdvm: option --set needs a key=value argument\n");
				goto done;
			}
			sets[nsets++] = v;
		} else {
			argv[kept++] = a;
		}
	}
	for (; i < n; i++) /* "--" and everything after it */
		argv[kept++] = argv[i];
	*argc = kept;
	argv[kept] = NULL;

	config_default(out);
	for (int f = 0; f < nfiles; f++) {
		if (config_load_file(out, files[f], &err)) {
			fprintf(stderr, "cdvm: %s\n", err.msg);
			goto done;
		}
	}
	for (int s = 0; s < nsets; s++) {
		if (config_set(out, sets[s], &err)) {
			fprintf(stderr, "cdvm: %s\n", err.msg);
			goto done;
		}
	}
	if (config_validate(out, &err)) {
		char src[256];
		describe_source(src, sizeof src, files, nfiles, nsets);
		if (src[0])
			fprintf(stderr, "cdvm: invalid configuration (%s): %s\n", src, err.msg);
		else
			fprintf(stderr, "cdvm: invalid configuration: %s\n", err.msg);
		goto done;
	}
	rc = 0;
done:
	free((void *)files);
	free((void *)sets);
	return rc;
}

int cmd_config(int argc, char **argv)
{
	struct cdvm_config cfg;
	bool doc = false;
	if (cli_config_from_args(&argc, argv, &cfg))
		return 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--doc")) {
			doc = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "cdvm: config: unexpected argument '%s'\n%s", argv[i], usage);
			return 2;
		}
	}
	int r = doc ? config_write_doc(stdout) : config_write_yaml(&cfg, stdout);
	if (r || fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "cdvm: config: cannot write to standard output\n");
		return 2;
	}
	return 0;
}
