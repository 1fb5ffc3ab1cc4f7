/* cli/cli.h — the subcommands of `cdvm` and the option parsing they share.
 * Each command takes argv with argv[0] = its own name and returns the exit
 * status.
 *
 * A command describes its options once, as a table; cli_parse runs
 * getopt_long over it, prints --help from it, and reports unknown options,
 * missing values and single-value options given twice (exit 2).  The
 * options every chip-building command takes (-c, --set) are one row pair,
 * CLI_CONFIG_OPTS, collected by the parser itself:
 *
 *   static const struct cli_opt opts[] = {
 *       CLI_CONFIG_OPTS,
 *       {"json", 0, NULL, OPT_JSON, 0, "print the result as JSON"},
 *       {0},
 *   };
 *   static const struct cli_cmd cmd = {"limit", "[options] prog.elf [args...]", about, opts, true};
 *   struct cli_args a;
 *   int r = cli_parse(&cmd, argc, argv, on_option, &ctx, &a);
 *   if (r) return r < 0 ? 2 : 0;        // usage error / --help printed
 *   ... argv[a.next] is the program; cli_config_build(&cmd, &a, &cfg) ...
 *   cli_args_free(&a);
 */
#ifndef CDVM_CLI_CLI_H
#define CDVM_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "configs/config.h"

int cmd_run(int argc, char **argv);
int cmd_limit(int argc, char **argv);
int cmd_exec_native(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_isa_doc(int argc, char **argv);
int cmd_isa_sv(int argc, char **argv);
int cmd_x86_doc(int argc, char **argv);
int cmd_stats_doc(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_sweep_merge(int argc, char **argv);
int cmd_faults(int argc, char **argv);
int cmd_faults_merge(int argc, char **argv);
int cmd_config(int argc, char **argv);
/* `run --timeline-plot`: draw png from the timeline CSV (cli/run_plot.c). */
int run_timeline_plot(const char *csv, const char *png, char *err, size_t errlen);

enum {
	CLI_LIST = 1,           /* may be given more than once (a list) */
};

/* Ids the parser handles itself; a command's own ids start at CLI_ID_USER. */
enum { CLI_ID_CONFIG = 1, CLI_ID_SET, CLI_ID_OPERAND, CLI_ID_USER = 16 };

/* One option: "--name" and/or "-s", taking a value named `arg` or none. */
struct cli_opt {
	const char *name;       /* long name without "--", or NULL */
	char shortc;            /* short letter, or 0 */
	const char *arg;        /* value's name for --help ("FILE"), NULL for a flag */
	int id;                 /* what the callback receives */
	unsigned flags;         /* CLI_LIST */
	const char *help;       /* one line for --help */
};

/* -c FILE / --config FILE and --set KEY=VALUE: layers applied in order. */
#define CLI_CONFIG_OPTS                                                                                    \
	{"config", 'c', "FILE", CLI_ID_CONFIG, CLI_LIST,                                                   \
	 "apply a YAML configuration over the default (repeatable: layers, in order)"},                    \
	{"set", 0, "KEY=VALUE", CLI_ID_SET, CLI_LIST, "then set one key, e.g. core.issue_width=8 (repeatable)"}

struct cli_cmd {
	const char *name;       /* "run"; "" for the top level */
	const char *operands;   /* after [options] in the usage line */
	const char *about;      /* --help text between the usage line and the options */
	const struct cli_opt *opts;  /* ends with an all-zero row */
	bool stop_at_operand;   /* options end at the first operand (a guest's arguments follow) */
};

/* What cli_parse collected besides the callback's options. */
struct cli_args {
	int next;               /* stop_at_operand: argv index of the first operand (argc if none) */
	const char **files;     /* -c, in order */
	const char **sets;      /* --set, in order */
	int nfiles, nsets;
};

/* Called for each option in command-line order with its row's id and value
 * (NULL for a flag), and, unless stop_at_operand, for each operand with
 * id CLI_ID_OPERAND.  Returns 0, or -1 after printing its message (the
 * parse then fails). */
typedef int (*cli_option_fn)(void *ctx, int id, const char *value);

/* Parses argv[1..] with getopt_long.  Returns 0; 1 when --help was printed
 * to stdout (exit 0); -1 after printing "cdvm CMD: ..." and a usage line to
 * stderr (exit 2).  *a is valid (free it) whatever the result. */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, cli_option_fn on, void *ctx, struct cli_args *a);
void cli_args_free(struct cli_args *a);

/* "cdvm CMD: " + message on stderr, then the usage line; returns -1. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "cdvm CMD: " + message on stderr; returns -1. */
int cli_error(const struct cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --cosim (cli/cosim_opt.c): start the RTL lockstep for cfg (-1 after a
 * message: this build has none, or it was verilated for another core), and
 * end it with its summary on stderr. */
int cli_cosim_start(const struct cli_cmd *cmd, const struct cdvm_config *cfg);
void cli_cosim_finish(void);

/* An option's value that counts something: a whole decimal number from
 * min to max into *out; 0, or -1 after printing "cdvm CMD: OPT V:
 * expected a whole number from MIN to MAX" (exit 2). */
int cli_count(const struct cli_cmd *cmd, const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out);

/* Builds default -> each -c file -> each --set -> validate into *out.  On
 * error prints "cdvm CMD: <msg>" and returns -1 (exit 2). */
int cli_config_build(const struct cli_cmd *cmd, const struct cli_args *a, struct cdvm_config *out);

/* Reads a whole input file (capped at FILE_TEXT_MAX).  Returns NULL after
 * printing "cdvm CMD: PATH: <what>". */
char *cli_read_input(const struct cli_cmd *cmd, const char *path, size_t *len);

/* An output file named by option opt, opened for writing before any work
 * is done, so a bad path is exit 2 up front rather than a lost result:
 *
 *   struct cli_out json = {0};
 *   if (cli_out_open(cmd, &json, "--stats-json", path) < 0) return 2;
 *   ... the work ...
 *   write_json(cli_out_file(&json));
 *   if (cli_out_close(cmd, &json, true) < 0) status = 2;
 */
struct cli_out {
	const char *opt, *path;
	void *f;                /* FILE *, open until cli_out_close */
	bool created;           /* it did not exist: removed again if never written */
	int err;                /* errno of a failure before the writes */
};
/* Opens o->path for writing without truncating it yet.  Returns 0, or -1
 * after printing the error (a folder, a missing folder, no permission). */
int cli_out_open(const struct cli_cmd *cmd, struct cli_out *o, const char *opt, const char *path);
/* The FILE * to write the result to, the old contents dropped. */
void *cli_out_file(struct cli_out *o);
/* Closes it; with keep false removes a file cli_out_open created.  Returns 0,
 * or -1 after printing a write error. */
int cli_out_close(const struct cli_cmd *cmd, struct cli_out *o, bool keep);

#endif
