/* cli/args.c — what every command shares on its command line: the option
 * table run through getopt_long (cli_parse), --help printed from that
 * table, the -c/--set configuration layers (cli_config_build), input files
 * read with a cap (cli_read_input), counts (cli_count) and output files
 * opened before the work (cli_out_open).  See cli/cli.h. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "configs/file.h"

/* The table's rows plus the --help row every command has. */
static const struct cli_opt help_opt = {"help", 'h', NULL, 0, CLI_LIST, "print this help and exit"};

static size_t count_opts(const struct cli_cmd *cmd)
{
	size_t n = 0;
	while (cmd->opts && (cmd->opts[n].name || cmd->opts[n].shortc))
		n++;
	return n;
}

/* Row i, with i == n the help row. */
static const struct cli_opt *row(const struct cli_cmd *cmd, size_t n, size_t i)
{
	return i < n ? &cmd->opts[i] : &help_opt;
}

/* getopt's value for row i: its letter, else 256 + i. */
static int row_val(const struct cli_opt *o, size_t i) { return o->shortc ? o->shortc : 256 + (int)i; }

static void prefix(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "cdvm%s%s: ", cmd->name[0] ? " " : "", cmd->name);
}

static void usage_line(const struct cli_cmd *cmd, FILE *f, bool hint)
{
	const char *sp = cmd->name[0] ? " " : "";
	fprintf(f, "usage: cdvm%s%s [options]%s%s", sp, cmd->name, cmd->operands[0] ? " " : "", cmd->operands);
	if (hint)
		fprintf(f, "  (`cdvm%s%s --help` lists the options)", sp, cmd->name);
	fputc('\n', f);
}

static int verror(const struct cli_cmd *cmd, bool usage, const char *fmt, va_list ap)
{
	prefix(cmd, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (usage)
		usage_line(cmd, stderr, true);
	return -1;
}

int cli_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(cmd, false, fmt, ap);
	va_end(ap);
	return -1;
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(cmd, true, fmt, ap);
	va_end(ap);
	return -1;
}

int cli_count(const struct cli_cmd *cmd, const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	/* strtoull takes a sign and white space, and wraps "-1" round */
	unsigned long long n = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (!end || *end || errno || n < min || n > max)
		return cli_error(cmd, "%s %s: expected a whole number from %llu to %llu", opt, v,
				 (unsigned long long)min, (unsigned long long)max);
	*out = n;
	return 0;
}

static void print_help(const struct cli_cmd *cmd, size_t n)
{
	usage_line(cmd, stdout, false);
	if (cmd->about[0])
		fputs(cmd->about, stdout);
	fputs("options:\n", stdout);
	for (size_t i = 0; i <= n; i++) {
		const struct cli_opt *o = row(cmd, n, i);
		char left[64];
		int len;
		if (o->shortc && o->name)
			len = snprintf(left, sizeof left, "  -%c, --%s", o->shortc, o->name);
		else if (o->shortc)
			len = snprintf(left, sizeof left, "  -%c", o->shortc);
		else
			len = snprintf(left, sizeof left, "      --%s", o->name);
		if (o->arg)
			len += snprintf(left + len, sizeof left - (size_t)len, " %s", o->arg);
		printf("%s%*s%s\n", left, len < 30 ? 30 - len : 1, "", o->help);
	}
}

/* How the user wrote row o, for messages: "--mode" or "-j". */
static void spelled(const struct cli_opt *o, const char *arg, char *buf, size_t n)
{
	if (arg && arg[0] == '-' && arg[1] == '-' && o->name)
		snprintf(buf, n, "--%s", o->name);
	else if (o->shortc)
		snprintf(buf, n, "-%c", o->shortc);
	else
		snprintf(buf, n, "--%s", o->name);
}

/* An unknown option as typed, without any "=value". */
static void unknown(const struct cli_cmd *cmd, int opt, const char *arg)
{
	if (opt)
		cli_usage_error(cmd, "unknown option '-%c'", opt);
	else
		cli_usage_error(cmd, "unknown option '%.*s'", (int)strcspn(arg, "="), arg);
}

static void build_getopt(const struct cli_cmd *cmd, size_t n, struct option *lo, char *so)
{
	size_t k = 0, s = 0;
	so[s++] = cmd->stop_at_operand ? '+' : '-';
	so[s++] = ':';
	for (size_t i = 0; i <= n; i++) {
		const struct cli_opt *o = row(cmd, n, i);
		int has = o->arg ? required_argument : no_argument;
		if (o->name)
			lo[k++] = (struct option){o->name, has, NULL, row_val(o, i)};
		if (o->shortc) {
			so[s++] = o->shortc;
			if (o->arg)
				so[s++] = ':';
		}
	}
	lo[k] = (struct option){0};
	so[s] = '\0';
}

static const struct cli_opt *find_val(const struct cli_cmd *cmd, size_t n, int val, size_t *at)
{
	for (size_t i = 0; i <= n; i++)
		if (row_val(row(cmd, n, i), i) == val) {
			*at = i;
			return row(cmd, n, i);
		}
	return NULL;
}

/* One option getopt returned; 1 when it was --help. */
static int take(const struct cli_cmd *cmd, size_t n, int c, const char *typed, unsigned *seen, cli_option_fn on,
		void *ctx, struct cli_args *a)
{
	size_t i;
	const struct cli_opt *o = find_val(cmd, n, c, &i);
	char name[64];
	if (!o)
		return cli_usage_error(cmd, "unknown option '%s'", typed);
	spelled(o, typed, name, sizeof name);
	if (++seen[i] > 1 && !(o->flags & CLI_LIST) && o->arg)
		return cli_usage_error(cmd, "option '%s' given twice: it takes one value", name);
	if (o == &help_opt) {
		print_help(cmd, n);
		return 1;
	}
	if (o->id == CLI_ID_CONFIG)
		a->files[a->nfiles++] = optarg;
	else if (o->id == CLI_ID_SET)
		a->sets[a->nsets++] = optarg;
	else if (on(ctx, o->id, o->arg ? optarg : NULL) < 0)
		return -1;
	return 0;
}

static int parse_loop(const struct cli_cmd *cmd, size_t n, int argc, char **argv, const struct option *lo,
		      const char *so, unsigned *seen, cli_option_fn on, void *ctx, struct cli_args *a)
{
	opterr = 0;
	optind = 0;  /* glibc: start afresh, reading the optstring's '+' / '-' again */
	for (;;) {
		int prev = optind ? optind : 1;
		int c = getopt_long(argc, argv, so, lo, NULL);
		if (c == -1)
			break;
		/* the argument getopt just read (for messages) */
		const char *typed = prev < argc ? argv[prev] : "";
		if (c == 1) {
			if (on(ctx, CLI_ID_OPERAND, optarg) < 0)
				return -1;
			continue;
		}
		if (c == ':') {
			size_t i;
			const struct cli_opt *o = find_val(cmd, n, optopt, &i);
			char name[64] = "?";
			if (o)
				spelled(o, typed, name, sizeof name);
			return cli_usage_error(cmd, "option '%s' needs a value", name);
		}
		if (c == '?') {
			size_t i;
			const struct cli_opt *o = optopt ? find_val(cmd, n, optopt, &i) : NULL;
			char name[64];
			if (o && typed[0] == '-' && typed[1] == '-') {
				spelled(o, typed, name, sizeof name);
				return cli_usage_error(cmd, "option '%s' takes no value", name);
			}
			unknown(cmd, o ? 0 : optopt, typed);
			return -1;
		}
		int r = take(cmd, n, c, typed, seen, on, ctx, a);
		if (r)
			return r;
	}
	a->next = optind;
	if (!cmd->stop_at_operand)
		for (int i = optind; i < argc; i++)  /* operands after "--" */
			if (on(ctx, CLI_ID_OPERAND, argv[i]) < 0)
				return -1;
	return 0;
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, cli_option_fn on, void *ctx, struct cli_args *a)
{
	size_t n = count_opts(cmd);
	memset(a, 0, sizeof *a);
	a->next = argc;
	a->files = calloc((size_t)argc + 1, sizeof *a->files);
	a->sets = calloc((size_t)argc + 1, sizeof *a->sets);
	struct option *lo = calloc(n + 2, sizeof *lo);
	char *so = malloc(3 * (n + 1) + 3);
	unsigned *seen = calloc(n + 1, sizeof *seen);
	int r = -1;
	if (!a->files || !a->sets || !lo || !so || !seen) {
		cli_error(cmd, "out of memory");
	} else {
		build_getopt(cmd, n, lo, so);
		r = parse_loop(cmd, n, argc, argv, lo, so, seen, on, ctx, a);
	}
	free(lo);
	free(so);
	free(seen);
	return r;
}

void cli_args_free(struct cli_args *a)
{
	free((void *)a->files);
	free((void *)a->sets);
	a->files = a->sets = NULL;
}

/* Where a configuration came from, for cross-key errors, which have no
 * line of their own: "configs/a.yaml, --set". */
static void describe_source(char *buf, size_t n, const struct cli_args *a)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < a->nfiles && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", a->files[i]);
	if (a->nsets && len < n)
		snprintf(buf + len, n - len, "%s--set", a->nfiles ? ", " : "");
}

int cli_config_build(const struct cli_cmd *cmd, const struct cli_args *a, struct cdvm_config *out)
{
	struct config_error err;
	config_default(out);
	for (int f = 0; f < a->nfiles; f++)
		if (config_load_file(out, a->files[f], &err))
			return cli_error(cmd, "%s", err.msg);
	for (int s = 0; s < a->nsets; s++)
		if (config_set(out, a->sets[s], &err))
			return cli_error(cmd, "%s", err.msg);
	if (config_validate(out, &err)) {
		char src[256];
		describe_source(src, sizeof src, a);
		if (src[0])
			return cli_error(cmd, "invalid configuration (%s): %s", src, err.msg);
		return cli_error(cmd, "invalid configuration: %s", err.msg);
	}
	return 0;
}

char *cli_read_input(const struct cli_cmd *cmd, const char *path, size_t *len)
{
	char err[512];
	char *t = file_read(path, FILE_TEXT_MAX, len, err, sizeof err);
	if (!t)
		cli_error(cmd, "%s", err);
	return t;
}

int cli_out_open(const struct cli_cmd *cmd, struct cli_out *o, const char *opt, const char *path)
{
	struct stat st;
	*o = (struct cli_out){opt, path, NULL, false, 0};
	o->created = stat(path, &st) < 0;
	if (!o->created && S_ISDIR(st.st_mode))
		return cli_error(cmd, "%s %s: is a directory", opt, path);
	/* not truncated yet: a run that cannot start leaves an old file alone */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return cli_error(cmd, "%s %s: %s", opt, path, strerror(err));
	}
	o->f = f;
	return 0;
}

void *cli_out_file(struct cli_out *o)
{
	FILE *f = o->f;
	struct stat st;
	/* devices and pipes have nothing to truncate */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fileno(f), 0) < 0)
		o->err = errno;  /* reported by cli_out_close */
	return f;
}

int cli_out_close(const struct cli_cmd *cmd, struct cli_out *o, bool keep)
{
	FILE *f = o->f;
	if (!f)
		return 0;
	o->f = NULL;
	int err = o->err;
	errno = 0;
	if (fflush(f) == EOF || ferror(f))
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && !err)
		err = errno ? errno : EIO;
	if (!keep) {
		if (o->created)
			unlink(o->path);
		return 0;
	}
	if (err)
		return cli_error(cmd, "%s %s: write error: %s", o->opt, o->path, strerror(err));
	return 0;
}
