/* cms/files.c — the guest's files: its descriptor table and the host
 * directory it sees as its root file system (`cdvm run --fs-root DIR`).
 *
 * Descriptors 0, 1 and 2 are cdvm's stdio (cms_set_stdio).  Others are
 * host descriptors the guest opened, numbered as Linux numbers them (the
 * lowest free one).  Paths are resolved inside the root as chroot would:
 * the host's openat2(RESOLVE_IN_ROOT) keeps "..", absolute symbolic links
 * and everything else inside DIR, so a guest never reaches a host file
 * outside it.  Without --fs-root the guest has no file system (every path
 * is ENOENT).  Files open read-only unless --fs-writable: a write, create
 * or truncate is EROFS, as on a read-only mount.  /proc/self/exe is the
 * one file of /proc: a link to the program (its path inside the root, or
 * as given on the command line without one).
 *
 * This file owns struct files (m->files); the system calls of
 * cms/syscall.c reach it through the files_* doors in cms_priv.h. */
/* O_PATH, AT_EMPTY_PATH, statx and openat2 are Linux's */
#define _GNU_SOURCE
#include "cms/cms_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { MAX_FDS = 1024 };   /* RLIMIT_NOFILE's soft limit the guest is told */

struct files {
	int root;                   /* O_PATH descriptor of --fs-root, or -1 */
	int writable;               /* --fs-writable */
	int walk;                   /* resolve paths by hand (no openat2 on this host, or a test) */
	char cwd[FILES_PATH_MAX];   /* the guest's working directory (absolute, inside the root) */
	char exe[FILES_PATH_MAX];   /* what readlink("/proc/self/exe") answers */
	int host[MAX_FDS];          /* guest descriptor -> host descriptor it opened, -1 when none */
	uint8_t cloexec[MAX_FDS];
	uint8_t stdio_closed[3];    /* the guest closed cdvm's stdin, stdout or stderr */
};

int files_init(struct cms *m, char *err, size_t errlen)
{
	struct files *f = m->files = calloc(1, sizeof *m->files);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->root = -1;
	strcpy(f->cwd, "/");
	for (int i = 0; i < MAX_FDS; i++)
		f->host[i] = -1;
	return 0;
}

void files_free(struct cms *m)
{
	struct files *f = m->files;
	if (!f)
		return;
	for (int i = 0; i < MAX_FDS; i++)
		if (f->host[i] >= 0)
			close(f->host[i]);
	if (f->root >= 0)
		close(f->root);
	free(f);
	m->files = NULL;
}

int files_set_root(struct cms *m, const char *dir, int writable, char *err, size_t errlen)
{
	struct files *f = m->files;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--fs-root %s: %s", dir, strerror(errno));
		return -1;
	}
	if (f->root >= 0)
		close(f->root);
	f->root = fd;
	f->writable = writable;
	return 0;
}

void files_set_exe(struct cms *m, const char *host_path)
{
	struct files *f = m->files;
	char real[PATH_MAX], root[PATH_MAX], link[64];
	snprintf(f->exe, sizeof f->exe, "%s", host_path);
	if (!realpath(host_path, real))
		return;
	snprintf(f->exe, sizeof f->exe, "%s", real);
	if (f->root < 0)
		return;
	snprintf(link, sizeof link, "/proc/self/fd/%d", f->root);
	ssize_t n = readlink(link, root, sizeof root - 1);
	if (n <= 0)
		return;
	root[n] = 0;
	size_t rl = strlen(root);
	if (!strcmp(root, "/"))
		return;
	if (!strncmp(real, root, rl) && real[rl] == '/')
		snprintf(f->exe, sizeof f->exe, "%s", real + rl);
}

/* ---- descriptors ---------------------------------------------------------------- */

int files_host_fd(const struct cms *m, uint32_t fd)
{
	const struct files *f = m->files;
	if (fd >= MAX_FDS)
		return -1;
	if (fd >= 3 || f->host[fd] >= 0)
		return f->host[fd];
	if (f->stdio_closed[fd])
		return -1;
	return fd == 0 ? m->fd_in : fd == 1 ? m->fd_out : m->fd_err;
}

/* The lowest free guest descriptor at or above `from`, or -EMFILE. */
static int lowest_free(const struct cms *m, uint32_t from)
{
	for (uint32_t i = from; i < MAX_FDS; i++)
		if (files_host_fd(m, i) < 0)
			return (int)i;
	return -EMFILE;
}

static int install(struct cms *m, int host, int cloexec, uint32_t from)
{
	struct files *f = m->files;
	int g = lowest_free(m, from);
	if (g < 0) {
		close(host);
		return g;
	}
	f->host[g] = host;
	f->cloexec[g] = (uint8_t)(cloexec != 0);
	return g;
}

int32_t files_close(struct cms *m, uint32_t fd)
{
	struct files *f = m->files;
	if (files_host_fd(m, fd) < 0)
		return -EBADF;
	/* cdvm's own stdio stays open for cdvm: the guest only loses it */
	if (fd < 3 && f->host[fd] < 0)
		f->stdio_closed[fd] = 1;
	else
		close(f->host[fd]);
	f->host[fd] = -1;
	return 0;
}

int32_t files_dup(struct cms *m, uint32_t fd, int32_t to, uint32_t min, int cloexec)
{
	struct files *f = m->files;
	int h = files_host_fd(m, fd);
	if (h < 0)
		return -EBADF;
	if (to >= 0 && (uint32_t)to == fd)
		return to;
	if (to >= MAX_FDS || min >= MAX_FDS)
		return -EBADF;
	int nh = fcntl(h, F_DUPFD_CLOEXEC, 0);
	if (nh < 0)
		return -errno;
	if (to < 0)
		return install(m, nh, cloexec, min);
	if (files_host_fd(m, (uint32_t)to) >= 0)
		files_close(m, (uint32_t)to);
	f->host[to] = nh;
	f->cloexec[to] = (uint8_t)(cloexec != 0);
	return to;
}

int32_t files_cloexec(struct cms *m, uint32_t fd, int set)
{
	if (files_host_fd(m, fd) < 0)
		return -EBADF;
	if (set >= 0)
		m->files->cloexec[fd] = (uint8_t)(set != 0);
	return m->files->cloexec[fd];
}

/* ---- paths ---------------------------------------------------------------------- */

/* The guest path p as a path from the root: relative ones from the
 * working directory (a dirfd other than AT_FDCWD is not supported). */
static int absolute(const struct files *f, const char *p, char *out, size_t n)
{
	int k = p[0] == '/' ? snprintf(out, n, "%s", p) : snprintf(out, n, "%s/%s", f->cwd, p);
	return k < 0 || (size_t)k >= n ? -ENAMETOOLONG : 0;
}

/* The same resolution done by hand, for hosts without openat2 (Linux
 * before 5.6, or valgrind): component by component from the root, ".."
 * at the root staying there, symbolic links followed (40 at most, as
 * Linux) with absolute targets starting again at the root; the final
 * component opened relative to the root with O_NOFOLLOW (every link on
 * the way has been resolved).  Races with a tree that changes meanwhile
 * are not closed: the kernel's resolution is used wherever it exists. */
static int open_walk(const struct files *f, const char *path, uint64_t flags, uint64_t mode)
{
	char done[FILES_PATH_MAX] = "", todo[FILES_PATH_MAX], link[FILES_PATH_MAX];
	size_t dl = 0;
	int links = 0, follow_last = !(flags & O_NOFOLLOW);
	if (snprintf(todo, sizeof todo, "%s", path) >= (int)sizeof todo)
		return -ENAMETOOLONG;
	char *rest = todo;
	while (*rest) {
		while (*rest == '/')
			rest++;
		char *c = rest, *end = strchr(rest, '/');
		rest = end ? end + 1 : rest + strlen(rest);
		if (end)
			*end = 0;
		int last = !*rest || strspn(rest, "/") == strlen(rest);
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (dl && done[dl - 1] != '/')
				dl--;
			if (dl)
				dl--;
			done[dl] = 0;
			continue;
		}
		if (dl + strlen(c) + 2 >= sizeof done)
			return -ENAMETOOLONG;
		size_t was = dl;
		dl += (size_t)snprintf(done + dl, sizeof done - dl, "%s%s", dl ? "/" : "", c);
		if (last && !follow_last)
			break;
		ssize_t n = readlinkat(f->root, done, link, sizeof link - 1);
		if (n < 0) {
			if (errno == EINVAL)
				continue;   /* not a link */
			if (errno == ENOENT && last)
				break;      /* O_CREAT may make it */
			return -errno;
		}
		if (++links > 40)
			return -ELOOP;
		link[n] = 0;
		/* the link's target replaces the component, then the rest follows */
		char next[FILES_PATH_MAX];
		if (snprintf(next, sizeof next, "%s/%s", link, rest) >= (int)sizeof next)
			return -ENAMETOOLONG;
		strcpy(todo, next);
		rest = todo;
		dl = link[0] == '/' ? 0 : was;
		done[dl] = 0;
	}
	int fd = openat(f->root, dl ? done : ".", (int)(flags | O_NOFOLLOW | O_CLOEXEC), (mode_t)mode);
	return fd < 0 ? -errno : fd;
}

/* openat2 inside the root, or the same by hand where the host has no
 * openat2; -errno on failure */
static int open_in_root(const struct files *f, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = {.flags = flags | O_CLOEXEC, .mode = mode, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	if (f->walk)
		return open_walk(f, path, flags, mode);
	long fd = syscall(SYS_openat2, f->root, path, &how, sizeof how);
	if (fd < 0 && errno == ENOSYS) {
		((struct files *)f)->walk = 1;
		return open_walk(f, path, flags, mode);
	}
	return fd < 0 ? -errno : (int)fd;
}

static int is_proc_exe(const char *abs) { return !strcmp(abs, "/proc/self/exe"); }

enum {
	G_O_ACCMODE = 3, G_O_CREAT = 0100, G_O_EXCL = 0200, G_O_NOCTTY = 0400, G_O_TRUNC = 01000,
	G_O_APPEND = 02000, G_O_NONBLOCK = 04000, G_O_LARGEFILE = 0100000, G_O_DIRECTORY = 0200000,
	G_O_NOFOLLOW = 0400000, G_O_CLOEXEC = 02000000,
};

/* A path of the guest's as a path from the root, for a call on a file
 * of the root: 0, or -errno (a dirfd other than AT_FDCWD only with an
 * absolute path; no root, no files; /proc/self/exe is a link: readlink it). */
static int root_path(struct cms *m, int32_t dirfd, const char *path, char abs[FILES_PATH_MAX])
{
	if (dirfd != FILES_AT_FDCWD && path[0] != '/')
		return files_host_fd(m, (uint32_t)dirfd) < 0 ? -EBADF : -ENOTDIR;
	if (!path[0])
		return -ENOENT;
	int r = absolute(m->files, path, abs, FILES_PATH_MAX);
	if (r < 0)
		return r;
	return m->files->root < 0 || is_proc_exe(abs) ? -ENOENT : 0;
}

int32_t files_open(struct cms *m, int32_t dirfd, const char *path, uint32_t flags, uint32_t mode)
{
	struct files *f = m->files;
	char abs[FILES_PATH_MAX];
	int r = root_path(m, dirfd, path, abs);
	if (r < 0)
		return r;
	if (flags & ~(uint32_t)(G_O_ACCMODE | G_O_CREAT | G_O_EXCL | G_O_NOCTTY | G_O_TRUNC | G_O_APPEND |
			       G_O_NONBLOCK | G_O_LARGEFILE | G_O_DIRECTORY | G_O_NOFOLLOW | G_O_CLOEXEC))
		return -EINVAL;
	int writes = (flags & G_O_ACCMODE) != O_RDONLY || (flags & (G_O_CREAT | G_O_TRUNC));
	if (writes && !f->writable) {
		/* a read-only mount: EROFS, but ENOENT for a file that is not there and not created */
		int probe = open_in_root(f, abs, O_PATH, 0);
		if (probe < 0 && !(flags & G_O_CREAT))
			return probe;
		if (probe >= 0)
			close(probe);
		return -EROFS;
	}
	/* the i386 values are the host's but for O_LARGEFILE (implied on the host) */
	int fd = open_in_root(f, abs, flags & ~(uint32_t)(G_O_LARGEFILE | G_O_CLOEXEC | G_O_NOCTTY), mode & 07777);
	if (fd < 0)
		return fd;
	return install(m, fd, (flags & G_O_CLOEXEC) != 0, 0);
}

int files_open_path(struct cms *m, int32_t dirfd, const char *path, int follow, int empty_path)
{
	char abs[FILES_PATH_MAX];
	if (!path[0] && empty_path) {
		int h = files_host_fd(m, (uint32_t)dirfd);
		if (dirfd == FILES_AT_FDCWD)
			path = ".";
		else if (h < 0)
			return -EBADF;
		else {
			int d = fcntl(h, F_DUPFD_CLOEXEC, 0);
			return d < 0 ? -errno : d;
		}
	}
	int r = root_path(m, dirfd, path, abs);
	return r < 0 ? r : open_in_root(m->files, abs, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
}

int files_stat_path(struct cms *m, int32_t dirfd, const char *path, int follow, struct stat *st)
{
	int fd = files_open_path(m, dirfd, path, follow, 0);
	if (fd < 0)
		return fd;
	int r = fstatat(fd, "", st, AT_EMPTY_PATH) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int32_t files_access(struct cms *m, int32_t dirfd, const char *path, uint32_t mode)
{
	struct stat st;
	if (mode & ~7u)
		return -EINVAL;
	int r = files_stat_path(m, dirfd, path, 1, &st);
	if (r < 0)
		return r;
	if ((mode & W_OK) && !m->files->writable)
		return -EROFS;
	if ((mode & X_OK) && !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

int32_t files_readlink(struct cms *m, const char *path, char *buf, uint32_t n)
{
	struct files *f = m->files;
	char abs[FILES_PATH_MAX];
	int r = absolute(f, path, abs, sizeof abs);
	if (r < 0)
		return r;
	if (is_proc_exe(abs)) {
		size_t l = strlen(f->exe);
		if (l > n)
			l = n;
		memcpy(buf, f->exe, l);
		return (int32_t)l;
	}
	if (f->root < 0)
		return -ENOENT;
	int fd = open_in_root(f, abs, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	ssize_t k = readlinkat(fd, "", buf, n);
	r = k < 0 ? (errno == ENOENT ? -EINVAL : -errno) : (int32_t)k;
	close(fd);
	return r;
}

int32_t files_getcwd(const struct cms *m, char *buf, uint32_t n)
{
	size_t l = strlen(m->files->cwd) + 1;
	if (l > n)
		return -ERANGE;
	memcpy(buf, m->files->cwd, l);
	return (int32_t)l;
}

int32_t files_chdir(struct cms *m, const char *path)
{
	struct files *f = m->files;
	char abs[FILES_PATH_MAX];
	struct stat st;
	int r = absolute(f, path, abs, sizeof abs);
	if (r < 0 || (r = files_stat_path(m, FILES_AT_FDCWD, path, 1, &st)) < 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* keep it canonical enough: no trailing slash but for the root */
	size_t l = strlen(abs);
	while (l > 1 && abs[l - 1] == '/')
		abs[--l] = 0;
	snprintf(f->cwd, sizeof f->cwd, "%s", abs);
	return 0;
}

int files_readable_fd(const struct cms *m, uint32_t fd)
{
	int h = files_host_fd(m, fd);
	if (h < 0)
		return 0;
	if (fd < 3 && m->files->host[fd] < 0)
		return fd == 0;   /* cdvm's stdin */
	int fl = fcntl(h, F_GETFL);
	return fl >= 0 && (fl & O_ACCMODE) != O_WRONLY;
}

int files_writable_fd(const struct cms *m, uint32_t fd)
{
	int h = files_host_fd(m, fd);
	if (h < 0)
		return 0;
	if (fd < 3 && m->files->host[fd] < 0)
		return fd != 0;   /* cdvm's stdout and stderr */
	int fl = fcntl(h, F_GETFL);
	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY;
}

int files_have_root(const struct cms *m) { return m->files->root >= 0; }

void files_resolve_by_hand(struct cms *m) { m->files->walk = 1; }

void *files_read_whole(struct cms *m, const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	struct files *f = m->files;
	char abs[FILES_PATH_MAX];
	int fd = f->root < 0 ? -ENOENT : absolute(f, path, abs, sizeof abs);
	if (fd == 0)
		fd = open_in_root(f, abs, O_RDONLY, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open in the --fs-root directory: %s", strerror(-fd));
		return NULL;
	}
	struct stat st;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		snprintf(err, errlen, "not a regular file of at most %zu bytes", max);
	} else if (!(buf = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		snprintf(err, errlen, "out of memory");
	} else {
		size_t got = 0;
		while (got < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
			if (r <= 0) {
				snprintf(err, errlen, "read: %s", r < 0 ? strerror(errno) : "short file");
				free(buf);
				buf = NULL;
				break;
			}
			got += (size_t)r;
		}
		*len = got;
	}
	close(fd);
	return buf;
}

int32_t files_pipe(struct cms *m, int cloexec, int nonblock, int32_t fds[2])
{
	int h[2];
	if (pipe2(h, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) < 0)
		return -errno;
	int r = install(m, h[0], cloexec, 0);
	if (r < 0) {
		close(h[1]);
		return r;
	}
	int w = install(m, h[1], cloexec, 0);
	if (w < 0) {
		files_close(m, (uint32_t)r);
		return w;
	}
	fds[0] = r;
	fds[1] = w;
	return 0;
}
