/* cli/sweep_run.c — runs a sweep: every run is its own `cdvm run` process.
 *
 * The runner re-executes the binary that is running (/proc/self/exe) as
 *   cdvm run --stats-json TMP [-c base] [-c config_file] --set k=v...
 *            --mode M -- program args...
 * with stdout and stderr in files, up to opts.jobs at a time, each with a
 * wall-clock timeout.  Each workload first runs once natively (the host
 * runs i386 binaries) and its stdout and exit status are the oracle the
 * runs are compared against (DESIGN.md contract 6).  A finished run becomes
 * one line in results.jsonl and one in results.csv, each written with a
 * single write(2) on an O_APPEND descriptor, so a killed sweep leaves at
 * worst a partial last line, which the next start removes before skipping
 * the runs already done.  DIR/.lock (flock) keeps two sweeps out of one
 * directory. */
#include "cli/sweep.h"
#include "configs/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATH_LEN 4200

struct native {
	char *out;
	size_t len;
	int status;
};

struct job {
	pid_t pid;
	bool native;
	size_t index;            /* run index, or workload for a native job */
	double start;
	bool timed_out;
	int exec_pipe;           /* reads errno when exec failed */
	char out[PATH_LEN], err[PATH_LEN], json[PATH_LEN];
};

struct runner {
	const struct sweep_plan *p;
	const struct sweep_opts *o;
	const struct sweep_hooks *h;  /* all-NULL hooks for a sweep */
	const char *name;             /* "cdvm sweep" */
	struct sweep_columns cols;
	char self[PATH_LEN];
	char tmp[PATH_LEN];
	int csv_fd, json_fd;
	struct native *natives;
	bool fatal;
	/* progress of this invocation */
	size_t total, done, failed;
	size_t left;             /* runs a stage_done stop left out */
	double t0, last_progress;
	bool progress_shown;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void remove_tree_flat(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[PATH_LEN + 300];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* .tmp-PID folders of sweeps that died (we hold the lock, so none is ours). */
static void remove_stale_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, ".tmp-", 5))
			continue;
		char p[PATH_LEN + 300];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		remove_tree_flat(p);
	}
	closedir(d);
}

/* "NAME: message" on stderr, below the progress line if there is one. */
static void say(struct runner *X, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct runner *X, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s%s: ", X->progress_shown ? "\n" : "", X->name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	X->progress_shown = false;
}

static bool in_shard(const struct runner *X, size_t index)
{
	if (X->h->in_shard)
		return X->h->in_shard(X->h->ctx, index, X->o->shard_i, X->o->shard_n);
	return sweep_shard_has(index, X->o->shard_i, X->o->shard_n);
}

/* ---- progress --------------------------------------------------------------- */

static void fmt_time(char *b, size_t n, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(b, n, "%ld:%02ld", t / 60, t % 60);
}

static void progress(struct runner *X, bool force)
{
	if (!X->o->progress)
		return;
	double t = now();
	if (!force && t - X->last_progress < 0.25)
		return;
	X->last_progress = t;
	char el[32], eta[32];
	fmt_time(el, sizeof el, t - X->t0);
	if (X->done)
		fmt_time(eta, sizeof eta, (t - X->t0) / (double)X->done * (double)(X->total - X->done));
	else
		snprintf(eta, sizeof eta, "?");
	fprintf(stderr, "\r%s: %zu/%zu runs done, %zu failed, %s elapsed, ETA %s\033[K", X->name, X->done, X->total,
		X->failed, el, eta);
	fflush(stderr);
	X->progress_shown = true;
}

/* ---- processes ------------------------------------------------------------------ */

/* A child's own limits, kept across exec: SIGALRM a second past the
 * sweep's timeout (wall clock) and RLIMIT_CPU (a reparented child spinning
 * in a hanging guest).  The sweep itself kills a child at --timeout; these
 * only end one whose sweep is gone. */
static void limit_child(double timeout)
{
	double secs = ceil(timeout) + 1;
	unsigned wall = secs < 1e9 ? (unsigned)secs : 1000000000u;
	alarm(wall);
	struct rlimit rl = {.rlim_cur = wall, .rlim_max = (rlim_t)wall + 1};
	setrlimit(RLIMIT_CPU, &rl);
}

static int start_job(struct runner *X, struct job *j, char **argv)
{
	int pfd[2];
	if (pipe(pfd))
		return -1;
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		/* A child must not outlive its sweep: it dies with it (a sweep
		 * killed by SIGKILL cannot kill its children), and whatever
		 * happens it ends at its own limits a little past --timeout. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		limit_child(X->o->timeout);
		int in = open("/dev/null", O_RDONLY);
		int out = open(j->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(j->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
			int e = errno;
			if (write(pfd[1], &e, sizeof e) < 0)
				_exit(127);
			_exit(127);
		}
		execv(argv[0], argv);
		int e = errno;
		if (write(pfd[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	j->pid = pid;
	j->exec_pipe = pfd[0];
	j->start = now();
	j->timed_out = false;
	return 0;
}

static char *read_small(const char *path, size_t *len)
{
	char e[256];
	size_t l = 0;
	char *t = sweep_read_file(path, &l, e, sizeof e);
	if (len)
		*len = t ? l : 0;
	return t;
}

/* The line of stderr t that says what went wrong: the last one from cdvm
 * itself ("cdvm: ..."), else the last non-empty one. */
static void last_message(const char *t, char *buf, size_t n)
{
	buf[0] = '\0';
	const char *best = NULL, *last = NULL;
	size_t best_len = 0, last_len = 0;
	for (const char *line = t; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len) {
			last = line;
			last_len = len;
			if (!strncmp(line, "cdvm", 4)) {
				best = line;
				best_len = len;
			}
		}
		line += len + (nl ? 1 : 0);
	}
	if (!best) {
		best = last;
		best_len = last_len;
	}
	if (best) {
		if (best_len > 300)
			best_len = 300;
		snprintf(buf, n, "%.*s", (int)best_len, best);
	}
}

/* ---- rows ------------------------------------------------------------------------ */

static int append_line(struct runner *X, int fd, const char *line)
{
	size_t len = strlen(line);
	ssize_t w;
	do
		w = write(fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)len) {
		say(X, "cannot append to %s/results: %s\n", X->o->outdir, w < 0 ? strerror(errno) : "short write");
		X->fatal = true;
		return -1;
	}
	return 0;
}

static int fill_coords(struct runner *X, struct sweep_row *row, size_t index)
{
	const struct sweep_plan *p = X->p;
	const struct sweep_spec *s = p->spec;
	struct sweep_run r;
	char b[32], id[17];
	sweep_run_of(p, index, &r);
	sweep_run_id(p, index, id);
	int rc = 0;
	snprintf(b, sizeof b, "%zu", index);
	rc |= sweep_row_set(row, &X->cols, "index", b);
	rc |= sweep_row_set(row, &X->cols, "id", id);
	snprintf(b, sizeof b, "%zu", r.point);
	rc |= sweep_row_set(row, &X->cols, "point", b);
	rc |= sweep_row_set(row, &X->cols, "workload", s->workloads[r.workload].name);
	rc |= sweep_row_set(row, &X->cols, "mode", s->modes[r.mode]);
	snprintf(b, sizeof b, "%u", r.rep);
	rc |= sweep_row_set(row, &X->cols, "rep", b);
	for (size_t a = 0; a < s->naxes; a++) {
		free(row->vals[X->cols.first_axis + a]);
		row->vals[X->cols.first_axis + a] = strdup(s->axes[a].values[p->points[r.point].value_idx[a]]);
		rc |= !row->vals[X->cols.first_axis + a];
	}
	return rc;
}

/* A row, found or new, to the hooks. */
static int tell_row(struct runner *X, size_t index, const char *json)
{
	if (!X->h->row)
		return 0;
	struct sweep_kv kv;
	char e[200];
	if (sweep_json_flatten(json, strlen(json), &kv, e, sizeof e)) {
		say(X, "%s/results.jsonl: row %zu: %s\n", X->o->outdir, index, e);
		return -1;
	}
	X->h->row(X->h->ctx, index, &kv);
	sweep_kv_free(&kv);
	return 0;
}

static void write_row(struct runner *X, size_t index, struct sweep_row *row)
{
	char *j = sweep_row_json(row, &X->cols), *c = sweep_row_csv(row);
	if (!j || !c) {
		say(X, "out of memory\n");
		X->fatal = true;
	} else if (!append_line(X, X->json_fd, j)) {
		if (!append_line(X, X->csv_fd, c) && tell_row(X, index, j))
			X->fatal = true;
	}
	free(j);
	free(c);
}

static void record_skipped(struct runner *X, size_t index, const char *reason)
{
	struct sweep_row row;
	if (sweep_row_init(&row, &X->cols) || fill_coords(X, &row, index) ||
	    sweep_row_set(&row, &X->cols, "status", "skipped") || sweep_row_set(&row, &X->cols, "error", reason)) {
		X->fatal = true;
	} else {
		write_row(X, index, &row);
	}
	sweep_row_free(&row);
}

/* The sweep's judgement of a run (DESIGN.md contract 6): ok when cdvm
 * exited with the native status, wrote its statistics and printed the
 * native stdout; else msg says why not. */
static void judge(const struct runner *X, const struct sweep_facts *f, char *msg, size_t n)
{
	const char *why = f->why, *sep = why[0] ? ": " : "";
	msg[0] = '\0';
	if (f->exec_errno)
		sweep_msgf(msg, n, "cannot execute %s: %s", X->self, strerror(f->exec_errno));
	else if (f->timed_out)
		snprintf(msg, n, "timed out after %g s (--timeout)", X->o->timeout);
	else if (f->signal)
		snprintf(msg, n, "cdvm was killed by signal %d (%s)%s%s", f->signal, strsignal(f->signal), sep, why);
	else if (f->exit_code != f->native_status && f->exit_code == 2)
		snprintf(msg, n, "cdvm could not run it (status 2): %s", why[0] ? why : "no message");
	else if (f->exit_code != f->native_status && f->exit_code == 125)
		snprintf(msg, n, "sim.max_cycles reached (status 125; native status %d)", f->native_status);
	else if (f->exit_code != f->native_status)
		snprintf(msg, n, "exit status %d, native %d%s%s", f->exit_code, f->native_status, sep, why);
	else if (!f->stats)
		snprintf(msg, n, "no valid --stats-json output%s%s", sep, why);
	else if (!f->same_output)
		snprintf(msg, n, "stdout differs from the native run");
}

/* The outcome of one simulation run becomes its row. */
static void finish_sim(struct runner *X, struct job *j, int wstatus, int exec_errno)
{
	struct sweep_run r;
	sweep_run_of(X->p, j->index, &r);
	const struct native *nat = &X->natives[r.workload];
	struct sweep_row row;
	char b[64], msg[512], why[400];
	if (sweep_row_init(&row, &X->cols) || fill_coords(X, &row, j->index)) {
		X->fatal = true;
		sweep_row_free(&row);
		return;
	}
	snprintf(b, sizeof b, "%.3f", now() - j->start);
	sweep_row_set(&row, &X->cols, "wall_seconds", b);
	snprintf(b, sizeof b, "%d", nat->status);
	sweep_row_set(&row, &X->cols, "native_status", b);

	struct sweep_facts f = {.index = j->index, .exec_errno = exec_errno, .timed_out = j->timed_out,
				.exit_code = -1, .native_status = nat->status, .why = why};
	size_t olen = 0;
	char *out = read_small(j->out, &olen);
	f.same_output = out && olen == nat->len && !memcmp(out, nat->out, olen);
	free(out);
	sweep_row_set(&row, &X->cols, "output_matches_native", f.same_output ? "true" : "false");

	size_t jlen = 0;
	char *jt = read_small(j->json, &jlen);
	struct sweep_kv kv = {0};
	if (jt) {
		char e[200];
		if (!sweep_json_flatten(jt, jlen, &kv, e, sizeof e)) {
			f.stats = &kv;
			sweep_row_metrics(&row, &X->cols, &kv);
		}
		free(jt);
	}
	char *errt = read_small(j->err, NULL);
	f.stderr_text = errt ? errt : "";
	last_message(f.stderr_text, why, sizeof why);
	if (!exec_errno && !j->timed_out && WIFSIGNALED(wstatus))
		f.signal = WTERMSIG(wstatus);
	if (!exec_errno && !j->timed_out && WIFEXITED(wstatus)) {
		f.exit_code = WEXITSTATUS(wstatus);
		snprintf(b, sizeof b, "%d", f.exit_code);
		sweep_row_set(&row, &X->cols, "exit_status", b);
	}
	judge(X, &f, msg, sizeof msg);
	if (X->h->judge)
		X->h->judge(X->h->ctx, &f, &row, &X->cols, msg, sizeof msg);
	sweep_row_set(&row, &X->cols, "status", msg[0] ? "failed" : "ok");
	sweep_row_set(&row, &X->cols, "error", msg[0] ? msg : NULL);
	if (msg[0])
		X->failed++;
	write_row(X, j->index, &row);
	sweep_row_free(&row);
	sweep_kv_free(&kv);
	free(errt);
}

static int finish_native(struct runner *X, struct job *j, int wstatus, int exec_errno)
{
	const struct sweep_workload *w = &X->p->spec->workloads[j->index];
	struct native *n = &X->natives[j->index];
	if (exec_errno) {
		say(X, "workload '%s': cannot run %s natively: %s\n", w->name, w->program,
			strerror(exec_errno));
		return -1;
	}
	if (j->timed_out) {
		say(X, "workload '%s': the native run timed out after %g s\n", w->name,
			X->o->timeout);
		return -1;
	}
	n->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	n->out = read_small(j->out, &n->len);
	if (!n->out) {
		say(X, "workload '%s': cannot read the native output\n", w->name);
		return -1;
	}
	return 0;
}

/* argv for a job; strings point into the plan or into j. */
static char **job_argv(struct runner *X, struct job *j, const char ***point_args, char ***extra)
{
	const struct sweep_spec *s = X->p->spec;
	struct sweep_run r;
	size_t w = j->index, npa = 0, nx = 0;
	*point_args = NULL;
	*extra = NULL;
	if (!j->native) {
		sweep_run_of(X->p, j->index, &r);
		w = r.workload;
		*point_args = sweep_point_args(X->p, r.point, &npa);
		if (!*point_args)
			return NULL;
		if (X->h->args && !(*extra = X->h->args(X->h->ctx, j->index)))
			return NULL;
		while (*extra && (*extra)[nx])
			nx++;
	}
	const struct sweep_workload *wl = &s->workloads[w];
	char **v = calloc(npa + nx + wl->nargs + 10, sizeof *v);
	if (!v)
		return NULL;
	size_t i = 0;
	if (!j->native) {
		v[i++] = X->self;
		v[i++] = "run";
		v[i++] = "--stats-json";
		v[i++] = j->json;
		for (size_t k = 0; k < npa; k++)
			v[i++] = (char *)(*point_args)[k];
		for (size_t k = 0; k < nx; k++)
			v[i++] = (*extra)[k];
		v[i++] = "--mode";
		v[i++] = s->modes[r.mode];
		v[i++] = "--";
	}
	v[i++] = wl->program;
	for (size_t k = 0; k < wl->nargs; k++)
		v[i++] = wl->args[k];
	v[i] = NULL;
	return v;
}

/* Runs the runs items[0..n) (workloads when native), opts.jobs at a time
 * in as many job slots.  Native jobs that fail stop the pool (the oracle
 * is missing); run failures are rows. */
static int pool(struct runner *X, const size_t *items, size_t n, bool native)
{
	size_t next = 0, active = 0;
	unsigned width = X->o->jobs ? X->o->jobs : 1;
	if (width > n)
		width = n ? (unsigned)n : 1;
	struct job *slots = calloc(width, sizeof *slots);
	if (!slots) {
		say(X, "out of memory\n");
		return -1;
	}
	int rc = 0;
	while (next < n || active) {
		while (!X->fatal && !rc && next < n && active < width) {
			struct job *j = slots;
			while (j->pid)
				j++;
			j->native = native;
			j->index = items[next++];
			const char *skip = !native && X->h->skip ? X->h->skip(X->h->ctx, j->index) : NULL;
			if (skip) {
				record_skipped(X, j->index, skip);
				X->done++;
				continue;
			}
			sweep_msgf(j->out, sizeof j->out, "%s/%s%zu.out", X->tmp, native ? "native-" : "", j->index);
			sweep_msgf(j->err, sizeof j->err, "%s/%s%zu.err", X->tmp, native ? "native-" : "", j->index);
			sweep_msgf(j->json, sizeof j->json, "%s/%zu.json", X->tmp, j->index);
			const char **pa;
			char **extra;
			char **argv = job_argv(X, j, &pa, &extra);
			if (!argv || start_job(X, j, argv)) {
				say(X, "cannot start a process: %s\n", strerror(errno));
				X->fatal = true;
			} else {
				active++;
			}
			free(argv);
			free(pa);
			free(extra);
		}
		if ((X->fatal || rc) && !active)
			break;
		int ws;
		pid_t pid = waitpid(-1, &ws, WNOHANG);
		if (pid < 0 && errno != EINTR && errno != ECHILD) {
			X->fatal = true;
			break;
		}
		if (pid <= 0) {
			double t = now();
			for (unsigned i = 0; i < width; i++)
				if (slots[i].pid > 0 && !slots[i].timed_out && t - slots[i].start > X->o->timeout) {
					kill(slots[i].pid, SIGKILL);
					slots[i].timed_out = true;
				}
			progress(X, false);
			struct timespec ts = {0, 5 * 1000 * 1000};
			nanosleep(&ts, NULL);
			continue;
		}
		struct job *j = NULL;
		for (unsigned i = 0; i < width && !j; i++)
			if (slots[i].pid == pid)
				j = &slots[i];
		if (!j)
			continue;
		active--;
		j->pid = 0;
		if (WIFSIGNALED(ws) && (WTERMSIG(ws) == SIGALRM || WTERMSIG(ws) == SIGXCPU))
			j->timed_out = true; /* its own limit (limit_child) came first */
		int e = 0;
		if (read(j->exec_pipe, &e, sizeof e) != (ssize_t)sizeof e)
			e = 0;
		close(j->exec_pipe);
		if (j->native) {
			if (finish_native(X, j, ws, e))
				rc = -1;
		} else if (!X->fatal) {
			finish_sim(X, j, ws, e);
			X->done++;
			progress(X, true);
		}
		unlink(j->out);
		unlink(j->err);
		unlink(j->json);
	}
	free(slots);
	return (rc || X->fatal) ? -1 : 0;
}

/* ---- the sweep ------------------------------------------------------------------ */

static int cmp_id(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* DIR/spec.yaml must be this spec (byte for byte), or is created. */
static int check_spec_copy(struct runner *X, const struct sweep_plan *p, const char *dir)
{
	char path[PATH_LEN], err[SWEEP_ERR_MAX];
	snprintf(path, sizeof path, "%s/spec.yaml", dir);
	if (access(path, F_OK) == 0) {
		size_t len;
		char *t = file_read(path, FILE_TEXT_MAX, &len, err, sizeof err);
		if (!t) {
			say(X, "%s\n", err);
			return -1;
		}
		bool same = len == p->spec->text_len && !memcmp(t, p->spec->text, len);
		free(t);
		if (!same) {
			say(X, "%s holds results of another spec (%s differs from %s); "
				"use another -o DIR\n", dir, path, p->spec->path);
			return -1;
		}
		return 0;
	}
	if (sweep_write_file_atomic(path, p->spec->text, p->spec->text_len, err, sizeof err)) {
		say(X, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Loads (and repairs) what DIR holds; writes the header when it is new.
 * Returns the sorted ids of finished runs in *ids (17 bytes each). */
static int prepare_results(struct runner *X, char **ids, size_t *nids, size_t *failed_before)
{
	char err[SWEEP_ERR_MAX];
	struct sweep_results res;
	bool repaired;
	const char *dir = X->o->outdir;
	if (sweep_results_load(dir, true, &res, &repaired, err, sizeof err)) {
		say(X, "%s\n", err);
		return -1;
	}
	char *header = sweep_csv_header(&X->cols);
	int rc = -1;
	if (!header) {
		say(X, "out of memory\n");
		goto out;
	}
	if (res.header && strcmp(res.header, header)) {
		say(X, "%s/results.csv has other columns than this spec makes "
			"(written by another version of cdvm?); use another -o DIR\n", dir);
		goto out;
	}
	if (!res.header) {
		res.header = header;
		header = NULL;
		if (sweep_results_write(dir, &res, err, sizeof err)) {
			say(X, "%s\n", err);
			goto out;
		}
	}
	if (repaired && X->o->progress)
		say(X, "removed an incomplete row left by an interrupted sweep\n");
	*ids = malloc(17 * (res.n ? res.n : 1));
	if (!*ids) {
		say(X, "out of memory\n");
		goto out;
	}
	*failed_before = 0;
	for (size_t i = 0; i < res.n; i++) {
		memcpy(*ids + 17 * i, res.rows[i].id, 17);
		if (in_shard(X, res.rows[i].index) && res.rows[i].failed)
			(*failed_before)++;
		if (tell_row(X, res.rows[i].index, res.rows[i].json))
			goto out;
	}
	*nids = res.n;
	qsort(*ids, *nids, 17, cmp_id);
	rc = 0;
out:
	free(header);
	sweep_results_free(&res);
	return rc;
}

static int open_append(struct runner *X, const char *dir, const char *name)
{
	char path[PATH_LEN];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		say(X, "%s: %s\n", path, strerror(errno));
	return fd;
}

/* Rewrites the results in run order once every run is in. */
static void sort_results(struct runner *X, const char *dir)
{
	char err[SWEEP_ERR_MAX];
	struct sweep_results res;
	if (sweep_results_load(dir, false, &res, NULL, err, sizeof err))
		return;
	if (!sweep_results_sort_dedupe(&res) && sweep_results_write(dir, &res, err, sizeof err))
		say(X, "%s\n", err);
	sweep_results_free(&res);
}

/* The pending runs of the shard (invalid points recorded as skipped),
 * the natives they need, then the runs stage by stage.  Returns 0, 1 when
 * a stage_done hook stopped the sweep, -1. */
static int run_all(struct runner *X, const char *ids, size_t nids, size_t *ran)
{
	const struct sweep_plan *p = X->p;
	size_t nw = p->spec->nworkloads, npending = 0, nrun = 0;
	size_t *runs = NULL, *stage_runs = NULL, *natives = calloc(nw, sizeof *natives);
	bool *need_native = calloc(nw, sizeof *need_native);
	X->natives = calloc(nw, sizeof *X->natives);
	int rc = -1;
	if (!natives || !need_native || !X->natives)
		goto oom;
	size_t cap = 0;
	for (size_t i = 0; i < p->nruns && !X->fatal; i++) {
		char id[17];
		if (!in_shard(X, i))
			continue;
		sweep_run_id(p, i, id);
		if (bsearch(id, ids, nids, 17, cmp_id))
			continue;
		struct sweep_run r;
		sweep_run_of(p, i, &r);
		npending++;
		if (p->points[r.point].invalid) {
			record_skipped(X, i, p->points[r.point].reason);
			continue;
		}
		need_native[r.workload] = true;
		if (nrun == cap) {
			cap = cap ? 2 * cap : 256;
			size_t *nr = realloc(runs, cap * sizeof *nr);
			if (!nr)
				goto oom;
			runs = nr;
		}
		runs[nrun++] = i;
	}
	if (X->fatal)
		goto out;
	size_t nnat = 0;
	for (size_t w = 0; w < nw; w++)
		if (need_native[w])
			natives[nnat++] = w;
	if (nnat && pool(X, natives, nnat, true))
		goto out;
	stage_runs = malloc((nrun ? nrun : 1) * sizeof *stage_runs);
	if (!stage_runs)
		goto oom;
	X->total = nrun;
	X->t0 = now();
	if (nrun)
		progress(X, true);
	unsigned nstages = X->h->stage ? X->h->nstages : 1;
	for (unsigned st = 0; st < nstages; st++) {
		size_t n = 0;
		for (size_t k = 0; k < nrun; k++)
			if (!X->h->stage || X->h->stage(X->h->ctx, runs[k]) == st)
				stage_runs[n++] = runs[k];
		if (pool(X, stage_runs, n, false))
			goto out;
		if (X->h->stage_done && X->h->stage_done(X->h->ctx, st)) {
			X->left = X->total - X->done;
			npending -= X->left;
			rc = 1;
			break;
		}
	}
	*ran = npending;
	if (rc != 1)
		rc = 0;
	goto out;
oom:
	say(X, "out of memory\n");
out:
	if (X->natives)
		for (size_t w = 0; w < nw; w++)
			free(X->natives[w].out);
	free(X->natives);
	X->natives = NULL;
	free(need_native);
	free(natives);
	free(runs);
	free(stage_runs);
	return rc;
}

int sweep_execute(const struct sweep_plan *p, const struct sweep_opts *o)
{
	static const struct sweep_hooks none;
	struct runner X = {.p = p, .o = o, .h = o->hooks ? o->hooks : &none, .csv_fd = -1, .json_fd = -1};
	X.name = X.h->name ? X.h->name : "cdvm sweep";
	const char *dir = o->outdir;
	char *ids = NULL;
	size_t nids = 0, failed_before = 0, ran = 0;
	int rc = 2, lock = -1;
	if (o->plot && !X.h->finish && sweep_plot_unavailable()) {
		say(&X, "%s\n", sweep_plot_unavailable());
		return 2;
	}
	ssize_t sl = readlink("/proc/self/exe", X.self, sizeof X.self - 1);
	if (sl <= 0) {
		say(&X, "cannot find the running cdvm (/proc/self/exe): %s\n", strerror(errno));
		return 2;
	}
	X.self[sl] = '\0';
	if (sweep_mkdir_p(dir)) {
		say(&X, "cannot create %s: %s\n", dir, strerror(errno));
		return 2;
	}
	char lock_err[SWEEP_ERR_MAX];
	lock = sweep_lock_dir(dir, lock_err, sizeof lock_err);
	if (lock < 0) {
		say(&X, "%s\n", lock_err);
		goto out;
	}
	if (check_spec_copy(&X, p, dir))
		goto out;
	if (sweep_columns_build_ext(&X.cols, p->spec, X.h->cols, X.h->ncols)) {
		say(&X, "out of memory\n");
		goto out;
	}
	if (prepare_results(&X, &ids, &nids, &failed_before))
		goto out;
	remove_stale_tmp(dir);
	snprintf(X.tmp, sizeof X.tmp, "%s/.tmp-%ld", dir, (long)getpid());
	if (mkdir(X.tmp, 0777) && errno != EEXIST) {
		say(&X, "cannot create %s: %s\n", X.tmp, strerror(errno));
		goto out;
	}
	X.csv_fd = open_append(&X, dir, "results.csv");
	X.json_fd = open_append(&X, dir, "results.jsonl");
	if (X.csv_fd < 0 || X.json_fd < 0)
		goto out;
	int r = run_all(&X, ids, nids, &ran);
	if (X.progress_shown)
		fputc('\n', stderr);
	X.progress_shown = false;
	if (fsync(X.csv_fd) || fsync(X.json_fd)) {
		say(&X, "fsync %s/results: %s\n", dir, strerror(errno));
		r = -1;
	}
	if (r < 0)
		goto out;
	if (ran)
		sort_results(&X, dir);
	size_t shard_runs = 0;
	for (size_t i = 0; i < p->nruns; i++)
		shard_runs += in_shard(&X, i);
	size_t failed = failed_before + X.failed;
	say(&X, "%zu runs%s: %zu run now, %zu done before, %zu failed; results in %s/results.csv\n",
		shard_runs, o->shard_n > 1 ? " in this shard" : "", ran, shard_runs - ran - X.left, failed, dir);
	if (X.left)
		say(&X, "%zu runs not run (see above)\n", X.left);
	rc = failed || r ? 1 : 0;
	if (X.h->finish) {
		if (X.h->finish(X.h->ctx, dir))
			rc = 2;
	} else if (o->plot) {
		char err[SWEEP_ERR_MAX];
		if (sweep_plot(p, dir, err, sizeof err)) {
			say(&X, "%s\n", err);
			rc = 2;
		}
	}
out:
	if (X.tmp[0])
		remove_tree_flat(X.tmp);
	if (X.csv_fd >= 0)
		close(X.csv_fd);
	if (X.json_fd >= 0)
		close(X.json_fd);
	if (lock >= 0)
		close(lock);
	sweep_columns_free(&X.cols);
	free(ids);
	return rc;
}
