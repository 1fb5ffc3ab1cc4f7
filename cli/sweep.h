/* cli/sweep.h — `cdvm sweep`: design-space sweeps described in YAML.
 *
 * The pieces, in the order a sweep uses them:
 *   sweep_spec.c     read and check the spec (strict libyaml reader)
 *   sweep_plan.c     enumerate points (axis combinations), build and validate
 *                    each point's configuration, run ids, shards
 *   sweep_results.c  result columns, rows as CSV / JSON lines, the stats JSON
 *                    of `cdvm run --stats-json`, resume and merge
 *   sweep_run.c      the worker pool: native runs, one `cdvm run` process
 *                    per run, timeouts, progress
 *   sweep_plot.c     gnuplot data, scripts and PNGs
 *   cmd_sweep.c      the commands `sweep` and `sweep-merge`
 *
 *   struct sweep_spec *s; struct sweep_plan *p; char err[SWEEP_ERR_MAX];
 *   if (sweep_spec_load(&s, "configs/sweeps/x.yaml", err, sizeof err) ||
 *       sweep_plan_build(&p, s, err, sizeof err)) -> print err, exit 2
 *
 * A "point" is one combination of axis values; a "run" (one result row) is
 * a point x workload x mode x repetition.  Runs are numbered in point order:
 * point-major, then workload, then mode, then repetition.  Nothing here
 * prints or exits except the commands themselves. */
#ifndef CDVM_CLI_SWEEP_H
#define CDVM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "configs/config.h"

#define SWEEP_ERR_MAX 640
/* Upper bounds that keep a typo (step 1 instead of 1024) from planning a
 * sweep that would never finish. */
#define SWEEP_MAX_VALUES 100000
#define SWEEP_MAX_RUNS 10000000
/* The name of the special axis whose values are configuration files. */
#define SWEEP_CONFIG_FILES "config_files"

struct sweep_loc {
	unsigned line, col; /* 1-based place in the spec, 0 when unknown */
};

enum sweep_key_type { SWEEP_KEY_INT, SWEEP_KEY_REAL, SWEEP_KEY_BOOL, SWEEP_KEY_STR };

struct sweep_axis {
	char *key;             /* configuration key, or SWEEP_CONFIG_FILES, or an extra key */
	bool config_files;     /* values are configuration files, applied after base */
	bool extra;            /* a key of the command built on sweeps (struct sweep_ext):
	                        * not applied to the configuration, part of the point */
	enum sweep_key_type type;
	bool geometric;        /* from a {times: k} range: plots use a log x axis */
	char **values;         /* text as given to --set, or file paths */
	size_t nvalues;
	struct sweep_loc loc;
};

struct sweep_workload {
	char *name;
	char *program;
	char **args;
	size_t nargs;
	struct sweep_loc loc, program_loc;
};

struct sweep_spec {
	char *path;             /* as given */
	char *text;             /* the file's bytes (copied to DIR/spec.yaml) */
	size_t text_len;
	char *name;             /* `name:`, or the file's base name */
	char *base;             /* `base:` configuration file, NULL = compiled default */
	struct sweep_loc base_loc;
	char **set_keys, **set_values; /* `set:` fixed overrides, in order */
	size_t nset;
	struct sweep_axis *axes;
	size_t naxes;
	bool zip;               /* `combine: zip` (else product) */
	bool skip_invalid;
	struct sweep_workload *workloads;
	size_t nworkloads;
	char **modes;           /* CMS mode names */
	size_t nmodes;
	unsigned repetitions;
	char **plot_metrics;    /* `plot:`, default cycles and x86_ipc */
	size_t nplot;
};

/* Reads and checks a spec file / text.  Every error is one line starting
 * "FILE:LINE:COL: ".  Nothing outside the spec is opened here (see
 * sweep_plan_build). */
int sweep_spec_load(struct sweep_spec **out, const char *path, char *err, size_t errlen);
int sweep_spec_parse(struct sweep_spec **out, const char *text, size_t len, const char *name,
		     char *err, size_t errlen);

/* A command built on sweeps (`cdvm faults`) reads a sweep spec with more
 * in it: top-level sections of its own, read by its callback with the
 * strict reader's helpers (cli/sweep_reader.h), and axis keys that are not
 * configuration keys (integers in [min, max], e.g. faults.per_run). */
struct sweep_reader;
struct sweep_ext_axis {
	const char *key;
	long long min, max;
};
struct sweep_ext {
	const char *top_keys;        /* the keys the unknown-key message lists */
	/* Called for every top-level key before the sweep's own: returns 1 when
	 * the key is not the extension's, 0 when read, -1 after an error.  key
	 * and value are yaml_node_t (cli/sweep_reader.h). */
	int (*read)(void *ctx, struct sweep_reader *R, const void *key, const void *value);
	/* After the whole spec is read: final checks (root is the top mapping). */
	int (*finish)(void *ctx, struct sweep_reader *R, struct sweep_spec *s, const void *root);
	const struct sweep_ext_axis *axes;
	size_t naxes;
	void *ctx;
};
int sweep_spec_parse_ext(struct sweep_spec **out, const char *text, size_t len, const char *name,
			 const struct sweep_ext *ext, char *err, size_t errlen);
/* The axis with this key, or NULL. */
const struct sweep_axis *sweep_spec_axis(const struct sweep_spec *s, const char *key, size_t *index);
void sweep_spec_free(struct sweep_spec *s);

/* ---- plan ---------------------------------------------------------------- */

struct sweep_point {
	size_t *value_idx;          /* per axis: index into its values */
	struct cdvm_config cfg;     /* effective configuration */
	bool invalid;
	char *reason;               /* config_validate's message when invalid */
	uint64_t hash;              /* of the effective configuration */
};

struct sweep_plan {
	const struct sweep_spec *spec;
	struct sweep_point *points;
	size_t npoints;
	size_t nruns;               /* npoints * workloads * modes * repetitions */
};

struct sweep_run {
	size_t index, point, workload, mode;
	unsigned rep;
};

/* Number of points the axes make (product or zip), without building them. */
size_t sweep_point_count(const struct sweep_spec *s);
/* Value index of every axis for point number p (enumeration order: the
 * first axis varies slowest, like nested loops written in spec order). */
void sweep_point_values(const struct sweep_spec *s, size_t p, size_t *value_idx);

/* Enumerates the points, loads `base` and the config_files, applies `set`
 * and the axis values and validates every point; checks that the
 * workloads' programs exist.  An invalid point is an error naming the point
 * and the reason unless skip_invalid; two points with the same effective
 * configuration are an error. */
int sweep_plan_build(struct sweep_plan **out, const struct sweep_spec *s, char *err, size_t errlen);
void sweep_plan_free(struct sweep_plan *p);

void sweep_run_of(const struct sweep_plan *p, size_t index, struct sweep_run *r);
/* Stable id of a run: 16 hex digits hashing the point's effective settings,
 * the workload (name, program, args), the mode and the repetition. */
void sweep_run_id(const struct sweep_plan *p, size_t index, char id[17]);
/* "core.issue_width=4 cache.l1d.size_kb=8" ("(no axes)" without axes). */
void sweep_point_label(const struct sweep_plan *p, size_t point, char *buf, size_t n);
/* The `cdvm run` options that rebuild point's configuration:
 * [-c base] [-c config_file] --set k=v... (set first, then axes).  Returns a
 * NULL-terminated malloc'd array of pointers into the spec (free only the
 * array), count in *n. */
const char **sweep_point_args(const struct sweep_plan *p, size_t point, size_t *n);

/* "I/N" with 0 <= I < N: 0, or -1 with a message. */
int sweep_shard_parse(const char *text, unsigned *i, unsigned *n, char *err, size_t errlen);
static inline bool sweep_shard_has(size_t index, unsigned i, unsigned n)
{
	return index % n == i;
}

/* ---- results ------------------------------------------------------------- */

enum sweep_col_type { SWEEP_COL_STR, SWEEP_COL_INT, SWEEP_COL_FLOAT, SWEEP_COL_BOOL };

struct sweep_columns {
	char **names;
	enum sweep_col_type *types;
	size_t n;
	size_t first_axis, naxes;   /* axis columns are [first_axis, first_axis + naxes) */
	size_t first_metric;        /* metrics (numbers) from here to the end */
};

/* The columns of a spec's results: fixed ones, one per axis, every metric. */
int sweep_columns_build(struct sweep_columns *c, const struct sweep_spec *s);
/* The same with extra columns (a command's own) between the outcome
 * columns and the metrics. */
struct sweep_col {
	const char *name;
	enum sweep_col_type type;
};
int sweep_columns_build_ext(struct sweep_columns *c, const struct sweep_spec *s, const struct sweep_col *extra,
			    size_t nextra);
void sweep_columns_free(struct sweep_columns *c);
/* Column index by name, or -1. */
int sweep_column_find(const struct sweep_columns *c, const char *name);
/* True when name is a metric a spec may plot (before columns exist). */
bool sweep_metric_known(const char *name);

/* A JSON object (read with libjansson) flattened: "counters.l1d_hits" ->
 * "1234".  Integers as decimal text, reals with CMS_JSON_REAL_DIGITS
 * significant digits (they read back to the same value); strings
 * unescaped; true/false/null as words; array elements as "key.0", ...;
 * every nested object also as its own key with the value "{}" (so an
 * empty one is still seen). */
struct sweep_kv {
	char **keys, **vals;
	bool *is_str;
	size_t n, cap;
};
int sweep_json_flatten(const char *text, size_t len, struct sweep_kv *kv, char *err, size_t errlen);
const char *sweep_kv_get(const struct sweep_kv *kv, const char *key);
void sweep_kv_free(struct sweep_kv *kv);

/* One result row: a value (text, NULL = empty) per column. */
struct sweep_row {
	char **vals;
	size_t n;
};
int sweep_row_init(struct sweep_row *r, const struct sweep_columns *c);
int sweep_row_set(struct sweep_row *r, const struct sweep_columns *c, const char *col, const char *val);
/* Fills the metric columns from a `cdvm run --stats-json` object and derives
 * the rest (cpi, shares, miss rates). */
int sweep_row_metrics(struct sweep_row *r, const struct sweep_columns *c, const struct sweep_kv *stats);
void sweep_row_free(struct sweep_row *r);

/* RFC 4180 field: quoted when it holds , " CR or LF (quotes doubled).
 * Returns the length written (without NUL), or the length needed. */
size_t sweep_csv_field(const char *s, char *out, size_t n);
/* Whole lines with '\n', malloc'd.  Control characters in values are
 * written as spaces in CSV (so a row is always one line) and escaped in
 * JSON (libjansson, compact: {"index":0,"id":"...",...}). */
char *sweep_csv_header(const struct sweep_columns *c);
char *sweep_row_csv(const struct sweep_row *r);
char *sweep_row_json(const struct sweep_row *r, const struct sweep_columns *c);

/* A results directory's rows, complete in both files (ids present in
 * results.csv and results.jsonl). */
struct sweep_stored {
	size_t index;
	char id[17];
	char *csv, *json;   /* lines with '\n' */
	bool failed;        /* its status is "failed" */
};
struct sweep_results {
	char *header;       /* CSV header line, NULL when there was no file */
	struct sweep_stored *rows;
	size_t n, cap;
};
/* Reads DIR/results.{csv,jsonl}.  When repair is set, a trailing partial
 * line and rows present in only one of the files are removed from the files
 * (atomically: write a copy, rename).  *repaired tells whether it did. */
int sweep_results_load(const char *dir, bool repair, struct sweep_results *r, bool *repaired,
		       char *err, size_t errlen);
void sweep_results_free(struct sweep_results *r);
/* Sorts by index and drops later rows with an id seen before.  0, or -1
 * when out of memory (r unchanged). */
int sweep_results_sort_dedupe(struct sweep_results *r);
/* Writes DIR/results.csv and .jsonl from r (atomically, fsync'd). */
int sweep_results_write(const char *dir, const struct sweep_results *r, char *err, size_t errlen);

/* ---- files ------------------------------------------------------------- */

/* snprintf for messages and paths whose truncation is intended. */
void sweep_msgf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Whole file, NUL-terminated, or NULL with err ("PATH: reason"). */
char *sweep_read_file(const char *path, size_t *len, char *err, size_t errlen);
/* mkdir -p; 0, or -1 with errno set. */
int sweep_mkdir_p(const char *dir);
/* Writes the bytes to path via path.tmp + fsync + rename. */
int sweep_write_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);
/* Takes DIR/.lock (flock, exclusive, not waiting): the one writer of a
 * results folder, a sweep or a merge into it.  Returns the descriptor
 * (close it to unlock), or -1 with err ("DIR/.lock: another sweep or merge
 * is using this folder"). */
int sweep_lock_dir(const char *dir, char *err, size_t errlen);

/* ---- running and plotting (cli only) ------------------------------------- */

/* What the runner found out about one finished `cdvm run`. */
struct sweep_facts {
	size_t index;
	int exec_errno;              /* the exec failed */
	bool timed_out;
	int signal;                  /* cdvm itself was killed by it, else 0 */
	int exit_code;               /* when it exited, else -1 */
	int native_status;
	bool same_output;            /* stdout equals the native run's */
	const struct sweep_kv *stats; /* its --stats-json, NULL when missing or invalid */
	const char *why;             /* cdvm's last line on stderr ("" if none) */
	const char *stderr_text;     /* all of stderr ("" if none) */
};

/* A command built on sweeps changes what the runner does through these;
 * every member may be NULL (a sweep has none). */
struct sweep_hooks {
	void *ctx;
	const char *name;            /* message prefix, "cdvm faults" */
	const struct sweep_col *cols; /* extra result columns */
	size_t ncols;
	/* Which runs a shard runs (default sweep_shard_has). */
	bool (*in_shard)(void *ctx, size_t index, unsigned shard_i, unsigned shard_n);
	/* Runs of stage 0 all end before any run of stage 1 starts, and so on;
	 * after each stage stage_done may stop the runner (1: the message is
	 * printed, the exit status is 1). */
	unsigned nstages;
	unsigned (*stage)(void *ctx, size_t index);
	int (*stage_done)(void *ctx, unsigned stage);
	/* Every row there is, the ones found in DIR at the start and each new
	 * one, as flattened JSON. */
	void (*row)(void *ctx, size_t index, const struct sweep_kv *row);
	/* Just before a run would start: NULL, or why it is skipped (its row
	 * gets status skipped and the reason). */
	const char *(*skip)(void *ctx, size_t index);
	/* More `cdvm run` options, after the point's: a NULL-terminated
	 * malloc'd array (strings owned by the hook until the run ends; free
	 * only the array), or NULL when out of memory. */
	char **(*args)(void *ctx, size_t index);
	/* Judges a finished run after the sweep has: msg holds the sweep's
	 * error ("" = ok) and may be rewritten; extra columns are set here. */
	void (*judge)(void *ctx, const struct sweep_facts *f, struct sweep_row *row, const struct sweep_columns *c,
		      char *msg, size_t msglen);
	/* At the end, while DIR is still locked (instead of the sweep's plots). */
	int (*finish)(void *ctx, const char *dir);
};

struct sweep_opts {
	const char *outdir;
	unsigned jobs;
	unsigned shard_i, shard_n;
	double timeout;             /* seconds per run */
	bool plot;
	bool progress;              /* rewrite a progress line on stderr */
	const struct sweep_hooks *hooks;  /* NULL for a sweep */
};

/* Runs every run of the shard that DIR does not hold yet, appending rows.
 * Returns 0 when every row of the shard is ok, 1 when some failed, 2 when
 * the sweep could not run (message printed to stderr). */
int sweep_execute(const struct sweep_plan *p, const struct sweep_opts *o);

/* DIR/plot-AXIS-METRIC.{dat,gp,png} for every axis and plot metric. */
int sweep_plot(const struct sweep_plan *p, const char *dir, char *err, size_t errlen);
/* NULL when gnuplot is on PATH, else the message to print. */
const char *sweep_plot_unavailable(void);
/* Runs `gnuplot SCRIPT` in dir.  0, or -1 with err. */
int sweep_gnuplot(const char *dir, const char *script, char *err, size_t errlen);
/* s as a gnuplot string literal (quotes and backslashes made harmless). */
void sweep_gp_label(void *file, const char *s);

/* The command line of `cdvm sweep` and of the commands built on it:
 *   static const struct cli_opt opts[] = {SWEEP_CLI_OPTS("-o help", "--plot help"), {0}};
 *   struct sweep_cli w;
 *   int r = sweep_cli_parse(&cmd, "faults", argc, argv, &w);  // -1: exit 2, 1: --help shown
 * fills w.o (jobs, shard, timeout, plot, outdir: default PREFIX-NAME). */
enum { SWEEP_OPT_JOBS = CLI_ID_USER, SWEEP_OPT_OUTDIR, SWEEP_OPT_SHARD, SWEEP_OPT_TIMEOUT, SWEEP_OPT_PLOT,
       SWEEP_OPT_DRY };
#define SWEEP_CLI_OPTS(outdir_help, plot_help)                                                             \
	{NULL, 'j', "N", SWEEP_OPT_JOBS, 0, "runs at a time (default: the number of online cores)"},        \
	{NULL, 'o', "DIR", SWEEP_OPT_OUTDIR, 0, outdir_help},                                               \
	{"shard", 0, "I/N", SWEEP_OPT_SHARD, 0, "run only shard I of N: the runs whose index modulo N is I"}, \
	{"timeout", 0, "SECS", SWEEP_OPT_TIMEOUT, 0, "wall-clock limit per run (default 600); past it a failed row"}, \
	{"plot", 0, NULL, SWEEP_OPT_PLOT, 0, plot_help},                                                    \
	{"dry-run", 0, NULL, SWEEP_OPT_DRY, 0, "check the spec and list the runs (index id point workload mode rep axes)"}
struct sweep_cli {
	struct sweep_opts o;
	const char *spec_path, *outdir;
	bool dry;
	const struct cli_cmd *cmd;
	char defdir[512];
};
int sweep_cli_parse(const struct cli_cmd *cmd, const char *prefix, int argc, char **argv, struct sweep_cli *w);
int sweep_cli_option(void *ctx, int id, const char *v);

/* `cdvm sweep-merge OUT DIR...` for a command built on sweeps (cmd takes
 * no options; after them argv holds OUT, then the folders).  expected(text) says how many runs the spec
 * text makes (0: unknown); finish (may be NULL) runs on OUT at the end,
 * while it is locked.  Returns the exit status (0, 1 runs missing, 2). */
struct sweep_merge_hooks {
	const char *name;            /* "cdvm faults-merge" */
	size_t (*expected)(const char *text, size_t len, const char *path);
	int (*finish)(const char *out, const char *spec_text, size_t len);
};
int sweep_merge_main(const struct cli_cmd *cmd, const struct sweep_merge_hooks *h, int argc, char **argv);

#endif
