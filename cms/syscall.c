/* cms/syscall.c — Linux i386 system calls at `int $0x80`.
 *
 * Number in EAX, arguments in EBX, ECX, EDX, ESI, EDI, EBP, result (or
 * -errno) in EAX.  The calls answered are the rows of cms/syscalls.def;
 * every other number returns -ENOSYS and is counted for --stats.  Each
 * call checks its guest pointers against the guest page map first: a
 * pointer into unmapped memory, a read-only page (for what the kernel
 * writes) or hidden memory (never mapped) is -EFAULT, and hidden memory
 * is never read or written.  Calls that move data to or from guest memory
 * time it through the L1D like the interpreter's accesses.
 *
 * The process as the guest sees it is fixed, so runs are reproducible:
 * pid = tid = 1000 with parent 1, uid = euid = gid = egid = 1000;
 * uname: Linux cdvm 6.1.0-cdvm i686; file descriptors 0, 1 and 2 are
 * cdvm's stdio and answer ioctl as a pipe or file does (-ENOTTY), whatever
 * the host's are.  Time is simulated: chip cycles / chip.clock_mhz, from
 * 0 at boot for the monotonic and CPU-time clocks and from
 * 2000-01-01 00:00:00 UTC for CLOCK_REALTIME, gettimeofday and time.
 * getrandom hands out a stream of bytes that depends only on sim.seed. */
/* O_PATH, AT_EMPTY_PATH, statx and openat2 are Linux's */
#define _GNU_SOURCE
#include "cms/cms_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef int32_t syscall_fn(struct cms *m, const uint32_t *a);

#define SYSCALL(nr, name, handler, args, ret) static syscall_fn handler;
#include "cms/syscalls.def"
static syscall_fn sys_enosys;

struct syscall_row {
	const char *name;
	syscall_fn *fn;
	const char *args;   /* --trace-syscalls: one letter per argument */
	char ret;
};

/* Indexed by number: a number given twice is an initializer override and
 * does not compile with -Werror, nor does one past the end. */
static const struct syscall_row rows[MAX_SYSCALL_NR] = {
#define SYSCALL(nr, name, handler, args, ret) [nr] = {#name, handler, args, ret},
#include "cms/syscalls.def"
};

enum {
	SYS_PID = 1000, SYS_PPID = 1, SYS_UID = 1000, SYS_GID = 1000,
	SYS_EPOCH = 946684800,      /* CLOCK_REALTIME at cycle 0: 2000-01-01 00:00:00 UTC */
	IO_CHUNK = 65536,           /* largest chunk moved per host call */
	UIO_MAXIOV = 1024,          /* Linux's limit on iovec counts */
	MAX_RW_COUNT = 0x7ffff000,  /* Linux's cap on one transfer (INT_MAX & PAGE_MASK) */
};

const char *syscall_name(uint32_t nr)
{
	return nr < MAX_SYSCALL_NR ? rows[nr].name : NULL;
}

int syscall_emulated(uint32_t nr)
{
	return nr < MAX_SYSCALL_NR && rows[nr].fn && rows[nr].fn != sys_enosys;
}

void cms_set_trace_syscalls(struct cms *m, FILE *out) { m->sys.trace = out; }

/* ---- guest memory ---------------------------------------------------------- */

/* Time [addr, addr+n) through the L1D, one access per line. */
static void time_range(struct cms *m, uint32_t addr, uint32_t n, int write)
{
	uint64_t line = (uint64_t)m->cfg.l1d_line;
	if (!n)
		return;
	for (uint64_t a = addr & ~(line - 1); a < (uint64_t)addr + n; a += line)
		gm_time_access(m, (uint32_t)a, 1, write);
}

/* How many bytes from addr on are accessible (the kernel's copy stops at the
 * first page that is not); pages a mapping covers get their frames. */
static uint32_t accessible(struct cms *m, uint32_t addr, uint32_t n, int write)
{
	return gm_accessible(m, addr, n, write ? GM_W : GM_R);
}

/* copy_to_user of a whole object: -EFAULT, with nothing written, unless all of it is writable. */
int sys_put_guest(struct cms *m, uint32_t addr, const void *src, uint32_t n)
{
	if (accessible(m, addr, n, 1) != n)
		return -EFAULT;
	gm_copy_out(m, addr, src, n, GM_W);
	time_range(m, addr, n, 1);
	return 0;
}

int sys_get_guest(struct cms *m, uint32_t addr, void *dst, uint32_t n)
{
	if (accessible(m, addr, n, 0) != n)
		return -EFAULT;
	gm_copy_in(m, dst, addr, n, GM_R);
	time_range(m, addr, n, 0);
	return 0;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t rd32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* ---- exit, read, write, brk ------------------------------------------------ */

static int32_t sys_exit(struct cms *m, const uint32_t *a)
{
	m->exited = 1;
	m->exit_status = (int)(a[0] & 0xff);
	return 0;
}

static int32_t sys_enosys(struct cms *m, const uint32_t *a)
{
	(void)m;
	(void)a;
	return -ENOSYS;
}

/* The host descriptor behind a guest one for writing or reading: -1 when
 * not open that way (EBADF, as for a descriptor of the other direction). */
static int host_out(const struct cms *m, uint32_t fd)
{
	return files_writable_fd(m, fd) ? files_host_fd(m, fd) : -1;
}

static int host_in(const struct cms *m, uint32_t fd)
{
	return files_readable_fd(m, fd) ? files_host_fd(m, fd) : -1;
}

/* count bytes at buf (accessible) to the host fd, through a bounce buffer
 * (the guest's pages are frames anywhere in guest RAM) */
static int32_t host_write(struct cms *m, int host, uint32_t buf, uint32_t count)
{
	uint8_t b[IO_CHUNK];
	uint32_t done = 0;
	while (done < count) {
		uint32_t n = count - done < IO_CHUNK ? count - done : IO_CHUNK;
		gm_copy_in(m, b, buf + done, n, GM_R);
		uint32_t put = 0;
		while (put < n) {
			ssize_t w = write(host, b + put, n - put);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				done += put;
				return done ? (int32_t)done : -errno;
			}
			put += (uint32_t)w;
		}
		time_range(m, buf + done, n, 0);
		done += n;
	}
	return (int32_t)done;
}

/* one host read of up to n (<= IO_CHUNK) bytes into buf (accessible), at
 * the descriptor's position, or at off (pread) when off >= 0 */
static int32_t host_read(struct cms *m, int host, uint32_t buf, uint32_t n, int64_t off)
{
	uint8_t b[IO_CHUNK];
	ssize_t r;
	do
		r = off < 0 ? read(host, b, n) : pread(host, b, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	gm_copy_out(m, buf, b, (uint32_t)r, GM_W);
	time_range(m, buf, (uint32_t)r, 1);
	return (int32_t)r;
}

/* read and write stop at the first page they cannot touch, as the kernel's
 * copy does: a partial count, -EFAULT only when not one byte moved */
static int32_t sys_write(struct cms *m, const uint32_t *a)
{
	int host = host_out(m, a[0]);
	if (host < 0)
		return -EBADF;
	uint32_t n = a[2] < MAX_RW_COUNT ? a[2] : MAX_RW_COUNT, ok = accessible(m, a[1], n, 0);
	if (!ok && n)
		return -EFAULT;
	return host_write(m, host, a[1], ok);
}

static int32_t read_at(struct cms *m, const uint32_t *a, int64_t off)
{
	int host = host_in(m, a[0]);
	if (host < 0)
		return -EBADF;
	uint32_t n = a[2] < IO_CHUNK ? a[2] : IO_CHUNK, ok = accessible(m, a[1], n, 1);
	if (!ok && n)
		return -EFAULT;
	return host_read(m, host, a[1], ok, off);
}

static int32_t sys_read(struct cms *m, const uint32_t *a) { return read_at(m, a, -1); }

/* pread64(fd, buf, count, offset low, offset high) */
static int32_t sys_pread64(struct cms *m, const uint32_t *a)
{
	int64_t off = (int64_t)((uint64_t)a[4] << 32 | a[3]);
	return off < 0 ? -EINVAL : read_at(m, a, off);
}

/* ---- the address space: its owner is cms/aspace.c -------------------------- */

static int32_t sys_brk(struct cms *m, const uint32_t *a) { return (int32_t)aspace_brk(m, a[0]); }
static int32_t sys_munmap(struct cms *m, const uint32_t *a) { return aspace_munmap(m, a[0], a[1]); }
static int32_t sys_mprotect(struct cms *m, const uint32_t *a) { return aspace_mprotect(m, a[0], a[1], a[2]); }
static int32_t sys_mremap(struct cms *m, const uint32_t *a) { return aspace_mremap(m, a[0], a[1], a[2], a[3], a[4]); }

/* mmap2: the offset in pages */
static int32_t sys_mmap2(struct cms *m, const uint32_t *a)
{
	return aspace_mmap(m, a[0], a[1], a[2], a[3], (int32_t)a[4], a[5]);
}

/* old mmap: one pointer to the six arguments, the offset in bytes */
static int32_t sys_old_mmap(struct cms *m, const uint32_t *a)
{
	uint8_t b[24];
	if (sys_get_guest(m, a[0], b, sizeof b) < 0)
		return -EFAULT;
	uint32_t off = rd32(b + 20);
	if (off & (GUEST_PAGE - 1))
		return -EINVAL;
	return aspace_mmap(m, rd32(b), rd32(b + 4), rd32(b + 8), rd32(b + 12), (int32_t)rd32(b + 16), off >> GUEST_PAGE_SHIFT);
}

/* madvise: advice only; the pages stay as they are (MADV_DONTNEED of a
 * private anonymous page would give back zeros: not done, see docs) */
static int32_t sys_madvise(struct cms *m, const uint32_t *a)
{
	(void)m;
	return a[0] & (GUEST_PAGE - 1) ? -EINVAL : 0;
}

/* ---- readv, writev --------------------------------------------------------- */

/* The iovec array as Linux's import_iovec takes it: at most UIO_MAXIOV
 * entries, all readable, no length negative (as a 32-bit ssize_t). */
static int32_t check_iovecs(struct cms *m, uint32_t iov, uint32_t cnt)
{
	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	if (accessible(m, iov, cnt * 8, 0) != cnt * 8)
		return -EFAULT;
	time_range(m, iov, cnt * 8, 0);
	for (uint32_t i = 0; i < cnt; i++) {
		uint8_t e[8];
		gm_copy_in(m, e, iov + 8 * i, 8, GM_R);
		if ((int32_t)rd32(e + 4) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Segment i of a checked iovec array, its length cut to what is left of MAX_RW_COUNT. */
static uint32_t iovec_at(struct cms *m, uint32_t iov, uint32_t i, uint32_t done, uint32_t *len)
{
	uint8_t p[8];
	gm_copy_in(m, p, iov + 8 * i, 8, GM_R);
	uint32_t left = MAX_RW_COUNT - done;
	*len = rd32(p + 4) < left ? rd32(p + 4) : left;
	return rd32(p);
}

/* Segment by segment, as the kernel copies: a segment that runs into memory
 * the call may not touch ends the transfer there; -EFAULT only when
 * nothing was transferred.  host: the descriptor written (writev) or read. */
static int32_t transfer_iovecs(struct cms *m, const uint32_t *a, int host, int write)
{
	int32_t rc = check_iovecs(m, a[1], a[2]);
	if (rc < 0)
		return rc;
	uint32_t done = 0;
	for (uint32_t i = 0; i < a[2] && done < MAX_RW_COUNT; i++) {
		uint32_t len, base = iovec_at(m, a[1], i, done, &len);
		uint32_t ok = accessible(m, base, len, !write);
		int32_t n = !ok ? 0 : write ? host_write(m, host, base, ok) : host_read(m, host, base, ok < IO_CHUNK ? ok : IO_CHUNK, -1);
		if (n < 0)
			return done ? (int32_t)done : n;
		done += (uint32_t)n;
		if ((uint32_t)n < ok)   /* short: the host took or had less (end of file) */
			return (int32_t)done;
		if (ok < len)
			return done ? (int32_t)done : -EFAULT;
	}
	return (int32_t)done;
}

static int32_t sys_writev(struct cms *m, const uint32_t *a)
{
	int host = host_out(m, a[0]);
	return host < 0 ? -EBADF : transfer_iovecs(m, a, host, 1);
}

static int32_t sys_readv(struct cms *m, const uint32_t *a)
{
	int host = host_in(m, a[0]);
	return host < 0 ? -EBADF : transfer_iovecs(m, a, host, 0);
}

/* ---- files: their owner is cms/files.c -------------------------------------- */

/* A NUL-terminated path from the guest: 0, -EFAULT, or -ENAMETOOLONG when
 * no NUL comes within FILES_PATH_MAX bytes (strncpy_from_user's rules). */
static int32_t get_path(struct cms *m, uint32_t addr, char *buf)
{
	uint32_t got = 0;
	while (got < FILES_PATH_MAX) {
		uint32_t step = GUEST_PAGE - ((addr + got) & (GUEST_PAGE - 1));
		if (step > FILES_PATH_MAX - got)
			step = FILES_PATH_MAX - got;
		uint32_t n = gm_copy_in(m, buf + got, addr + got, step, GM_R);
		char *nul = memchr(buf + got, 0, n);
		time_range(m, addr + got, n, 0);
		if (nul)
			return 0;
		if (n < step)
			return -EFAULT;
		got += n;
	}
	return -ENAMETOOLONG;
}

static int32_t open_call(struct cms *m, int32_t dirfd, uint32_t path, uint32_t flags, uint32_t mode)
{
	char p[FILES_PATH_MAX];
	int32_t r = get_path(m, path, p);
	return r < 0 ? r : files_open(m, dirfd, p, flags, mode);
}

static int32_t sys_open(struct cms *m, const uint32_t *a) { return open_call(m, FILES_AT_FDCWD, a[0], a[1], a[2]); }
static int32_t sys_openat(struct cms *m, const uint32_t *a) { return open_call(m, (int32_t)a[0], a[1], a[2], a[3]); }
static int32_t sys_close(struct cms *m, const uint32_t *a) { return files_close(m, a[0]); }
static int32_t sys_dup(struct cms *m, const uint32_t *a) { return files_dup(m, a[0], -1, 0, 0); }
static int32_t sys_dup2(struct cms *m, const uint32_t *a)
{
	if (a[0] == a[1])
		return files_host_fd(m, a[0]) < 0 ? -EBADF : (int32_t)a[1];
	return files_dup(m, a[0], (int32_t)a[1], 0, 0);
}
static int32_t sys_dup3(struct cms *m, const uint32_t *a)
{
	if (a[2] & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	if (a[0] == a[1])
		return -EINVAL;
	return files_dup(m, a[0], (int32_t)a[1], 0, a[2] != 0);
}

/* fcntl64: descriptor flags and duplication; the file's status flags as the host has them */
static int32_t sys_fcntl64(struct cms *m, const uint32_t *a)
{
	enum { F_DUPFD_ = 0, F_GETFD_ = 1, F_SETFD_ = 2, F_GETFL_ = 3, F_SETFL_ = 4, F_DUPFD_CLOEXEC_ = 1030 };
	int h = files_host_fd(m, a[0]);
	if (h < 0)
		return -EBADF;
	switch (a[1]) {
	case F_DUPFD_: return files_dup(m, a[0], -1, a[2], 0);
	case F_DUPFD_CLOEXEC_: return files_dup(m, a[0], -1, a[2], 1);
	case F_GETFD_: return files_cloexec(m, a[0], -1);
	case F_SETFD_: return files_cloexec(m, a[0], a[2] & 1) < 0 ? -EBADF : 0;
	case F_GETFL_: {
		int fl = fcntl(h, F_GETFL);
		return fl < 0 ? -errno : (fl & ~O_LARGEFILE) | 0100000;   /* i386 reports O_LARGEFILE */
	}
	case F_SETFL_: return 0;   /* O_APPEND/O_NONBLOCK changes are not passed to cdvm's host descriptors */
	}
	return -EINVAL;
}

static int32_t seek(struct cms *m, uint32_t fd, int64_t off, uint32_t whence, int64_t *pos)
{
	int h = files_host_fd(m, fd);
	if (h < 0)
		return -EBADF;
	if (whence > 4)
		return -EINVAL;
	off_t r = lseek(h, (off_t)off, (int)whence);
	if (r < 0)
		return -errno;
	*pos = r;
	return 0;
}

static int32_t sys_lseek(struct cms *m, const uint32_t *a)
{
	int64_t pos = 0;
	int32_t r = seek(m, a[0], (int32_t)a[1], a[2], &pos);
	return r < 0 ? r : pos > INT32_MAX ? -EOVERFLOW : (int32_t)pos;
}

/* _llseek(fd, offset high, offset low, loff_t *result, whence) */
static int32_t sys_llseek(struct cms *m, const uint32_t *a)
{
	int64_t pos = 0;
	int32_t r = seek(m, a[0], (int64_t)((uint64_t)a[1] << 32 | a[2]), a[4], &pos);
	if (r < 0)
		return r;
	uint8_t b[8];
	le64(b, (uint64_t)pos);
	return sys_put_guest(m, a[3], b, 8);
}

/* struct stat64 of i386 (arch/x86/include/uapi/asm/stat.h): 96 bytes */
static int32_t put_stat64(struct cms *m, uint32_t addr, const struct stat *st)
{
	uint8_t b[96] = {0};
	le64(b + 0, st->st_dev);
	le32(b + 12, (uint32_t)st->st_ino);
	le32(b + 16, st->st_mode);
	le32(b + 20, (uint32_t)st->st_nlink);
	le32(b + 24, st->st_uid);
	le32(b + 28, st->st_gid);
	le64(b + 32, st->st_rdev);
	le64(b + 44, (uint64_t)st->st_size);
	le32(b + 52, (uint32_t)st->st_blksize);
	le64(b + 56, (uint64_t)st->st_blocks);
	le32(b + 64, (uint32_t)st->st_atim.tv_sec);
	le32(b + 68, (uint32_t)st->st_atim.tv_nsec);
	le32(b + 72, (uint32_t)st->st_mtim.tv_sec);
	le32(b + 76, (uint32_t)st->st_mtim.tv_nsec);
	le32(b + 80, (uint32_t)st->st_ctim.tv_sec);
	le32(b + 84, (uint32_t)st->st_ctim.tv_nsec);
	le64(b + 88, st->st_ino);
	return sys_put_guest(m, addr, b, sizeof b);
}

static int32_t stat_call(struct cms *m, int32_t dirfd, uint32_t path, int follow, int empty, uint32_t buf)
{
	char p[FILES_PATH_MAX];
	int32_t r = get_path(m, path, p);
	if (r < 0)
		return r;
	int fd = files_open_path(m, dirfd, p, follow, empty);
	if (fd < 0)
		return fd;
	struct stat st;
	r = fstatat(fd, "", &st, AT_EMPTY_PATH) < 0 ? -errno : put_stat64(m, buf, &st);
	close(fd);
	return r;
}

static int32_t sys_stat64(struct cms *m, const uint32_t *a) { return stat_call(m, FILES_AT_FDCWD, a[0], 1, 0, a[1]); }
static int32_t sys_lstat64(struct cms *m, const uint32_t *a) { return stat_call(m, FILES_AT_FDCWD, a[0], 0, 0, a[1]); }

static int32_t sys_fstat64(struct cms *m, const uint32_t *a)
{
	int h = files_host_fd(m, a[0]);
	struct stat st;
	if (h < 0)
		return -EBADF;
	return fstat(h, &st) < 0 ? -errno : put_stat64(m, a[1], &st);
}

/* fstatat64(dirfd, path, buf, flags) */
static int32_t sys_fstatat64(struct cms *m, const uint32_t *a)
{
	if (a[3] & ~(uint32_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return stat_call(m, (int32_t)a[0], a[1], !(a[3] & AT_SYMLINK_NOFOLLOW), (a[3] & AT_EMPTY_PATH) != 0, a[2]);
}

/* statx(dirfd, path, flags, mask, buf): struct statx is the same on every architecture */
static int32_t sys_statx(struct cms *m, const uint32_t *a)
{
	char p[FILES_PATH_MAX];
	int32_t r = get_path(m, a[1], p);
	if (r < 0)
		return r;
	if (a[2] & ~(uint32_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	int fd = files_open_path(m, (int32_t)a[0], p, !(a[2] & AT_SYMLINK_NOFOLLOW), (a[2] & AT_EMPTY_PATH) != 0);
	if (fd < 0)
		return fd;
	struct statx sx;
	r = statx(fd, "", AT_EMPTY_PATH, a[3], &sx) < 0 ? -errno : sys_put_guest(m, a[4], &sx, sizeof sx);
	close(fd);
	return r;
}

static int32_t access_call(struct cms *m, int32_t dirfd, uint32_t path, uint32_t mode)
{
	char p[FILES_PATH_MAX];
	int32_t r = get_path(m, path, p);
	return r < 0 ? r : files_access(m, dirfd, p, mode);
}

static int32_t sys_access(struct cms *m, const uint32_t *a) { return access_call(m, FILES_AT_FDCWD, a[0], a[1]); }
static int32_t sys_faccessat(struct cms *m, const uint32_t *a) { return access_call(m, (int32_t)a[0], a[1], a[2]); }

static int32_t readlink_call(struct cms *m, uint32_t path, uint32_t buf, uint32_t size)
{
	char p[FILES_PATH_MAX], out[FILES_PATH_MAX];
	if ((int32_t)size <= 0)
		return -EINVAL;
	int32_t r = get_path(m, path, p);
	if (r < 0)
		return r;
	r = files_readlink(m, p, out, size < sizeof out ? size : sizeof out);
	return r < 0 ? r : sys_put_guest(m, buf, out, (uint32_t)r) < 0 ? -EFAULT : r;
}

static int32_t sys_readlink(struct cms *m, const uint32_t *a) { return readlink_call(m, a[0], a[1], a[2]); }
static int32_t sys_readlinkat(struct cms *m, const uint32_t *a)
{
	return (int32_t)a[0] != FILES_AT_FDCWD ? -EBADF : readlink_call(m, a[1], a[2], a[3]);
}

static int32_t sys_getcwd(struct cms *m, const uint32_t *a)
{
	char cwd[FILES_PATH_MAX];
	int32_t n = files_getcwd(m, cwd, a[1] < sizeof cwd ? a[1] : sizeof cwd);
	return n < 0 ? n : sys_put_guest(m, a[0], cwd, (uint32_t)n) < 0 ? -EFAULT : n;
}

static int32_t sys_chdir(struct cms *m, const uint32_t *a)
{
	char p[FILES_PATH_MAX];
	int32_t r = get_path(m, a[0], p);
	return r < 0 ? r : files_chdir(m, p);
}

/* pipe, pipe2: a host pipe, both ends the guest's */
static int32_t pipe_call(struct cms *m, uint32_t fds, uint32_t flags)
{
	if (flags & ~(uint32_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (accessible(m, fds, 8, 1) != 8)
		return -EFAULT;
	int32_t r[2];
	int32_t e = files_pipe(m, (flags & O_CLOEXEC) != 0, (flags & O_NONBLOCK) != 0, r);
	if (e < 0)
		return e;
	uint8_t b[8];
	le32(b, (uint32_t)r[0]);
	le32(b + 4, (uint32_t)r[1]);
	return sys_put_guest(m, fds, b, 8);
}

static int32_t sys_pipe(struct cms *m, const uint32_t *a) { return pipe_call(m, a[0], 0); }
static int32_t sys_pipe2(struct cms *m, const uint32_t *a) { return pipe_call(m, a[0], a[1]); }

/* poll(fds, nfds, timeout): struct pollfd is the same on i386; the guest's
 * descriptors are the host's underneath (one that is not open: POLLNVAL) */
static int32_t sys_poll(struct cms *m, const uint32_t *a)
{
	enum { MAX_POLL = 1024, POLLNVAL_ = 0x20 };
	if (a[1] > MAX_POLL)
		return -EINVAL;
	uint8_t b[8 * MAX_POLL];
	struct pollfd pf[MAX_POLL];
	uint32_t n = a[1];
	if (n && sys_get_guest(m, a[0], b, 8 * n) < 0)
		return -EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		int32_t fd = (int32_t)rd32(b + 8 * i);
		pf[i].fd = fd < 0 ? -1 : files_host_fd(m, (uint32_t)fd);
		pf[i].events = (short)(b[8 * i + 4] | b[8 * i + 5] << 8);
		pf[i].revents = 0;
	}
	int r;
	do
		r = poll(pf, n, (int32_t)a[2]);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	for (uint32_t i = 0; i < n; i++) {
		int32_t fd = (int32_t)rd32(b + 8 * i);
		unsigned short re = (unsigned short)pf[i].revents;
		if (fd >= 0 && pf[i].fd < 0) {
			re = POLLNVAL_;
			r++;
		}
		b[8 * i + 6] = (uint8_t)re;
		b[8 * i + 7] = (uint8_t)(re >> 8);
	}
	return n && sys_put_guest(m, a[0], b, 8 * n) < 0 ? -EFAULT : r;
}

/* getdents64: struct linux_dirent64 is the same on every architecture */
static int32_t sys_getdents64(struct cms *m, const uint32_t *a)
{
	int h = files_host_fd(m, a[0]);
	if (h < 0)
		return -EBADF;
	uint8_t b[IO_CHUNK];
	uint32_t n = a[2] < sizeof b ? a[2] : sizeof b;
	if (accessible(m, a[1], n, 1) != n)
		return -EFAULT;
	long r = syscall(SYS_getdents64, h, b, n);
	if (r < 0)
		return -errno;
	return sys_put_guest(m, a[1], b, (uint32_t)r) < 0 ? -EFAULT : (int32_t)r;
}

/* ---- signals ------------------------------------------------------------------ */

/* rt_sigaction(sig, act, oldact, sigsetsize): the dispositions are kept and
 * given back, but no signal is ever delivered (the guest is alone: nothing
 * sends it one, and a fault ends it as the default action would). */
enum { NSIG_ = 64, SIGKILL_ = 9, SIGSTOP_ = 19, KSIGACTION = 20 };

static int32_t sys_rt_sigaction(struct cms *m, const uint32_t *a)
{
	uint32_t sig = a[0];
	if (a[3] != 8 || sig < 1 || sig > NSIG_)
		return -EINVAL;
	uint8_t act[KSIGACTION];
	if (a[1] && (sig == SIGKILL_ || sig == SIGSTOP_))
		return -EINVAL;
	if (a[1] && sys_get_guest(m, a[1], act, sizeof act) < 0)
		return -EFAULT;
	if (a[2] && sys_put_guest(m, a[2], m->sys.sigaction[sig - 1], KSIGACTION) < 0)
		return -EFAULT;
	if (a[1])
		memcpy(m->sys.sigaction[sig - 1], act, sizeof act);
	return 0;
}

/* rt_sigprocmask(how, set, oldset, sigsetsize) */
static int32_t sys_rt_sigprocmask(struct cms *m, const uint32_t *a)
{
	enum { SIG_BLOCK_ = 0, SIG_UNBLOCK_ = 1, SIG_SETMASK_ = 2 };
	if (a[3] != 8)
		return -EINVAL;
	uint8_t set[8];
	if (a[1] && a[0] > SIG_SETMASK_)
		return -EINVAL;
	if (a[1] && sys_get_guest(m, a[1], set, 8) < 0)
		return -EFAULT;
	uint8_t old[8];
	le64(old, m->sys.sigmask);
	if (a[2] && sys_put_guest(m, a[2], old, 8) < 0)
		return -EFAULT;
	if (a[1]) {
		uint64_t v = rd64(set), keep = ~((1ull << (SIGKILL_ - 1)) | (1ull << (SIGSTOP_ - 1)));
		m->sys.sigmask = (a[0] == SIG_BLOCK_ ? m->sys.sigmask | v : a[0] == SIG_UNBLOCK_ ? m->sys.sigmask & ~v : v) & keep;
	}
	return 0;
}

/* umask: the mask is kept (files are created only under --fs-writable) */
static int32_t sys_umask(struct cms *m, const uint32_t *a)
{
	uint32_t old = m->sys.umask_set ? m->sys.umask : 022;
	m->sys.umask = a[0] & 0777;
	m->sys.umask_set = 1;
	return (int32_t)old;
}

static void sim_time(const struct cms *m, int realtime, uint64_t *sec, uint32_t *nsec);

/* sysinfo: simulated uptime, guest RAM as the machine's memory, one process */
static int32_t sys_sysinfo(struct cms *m, const uint32_t *a)
{
	uint8_t b[64] = {0};
	uint64_t sec;
	uint32_t nsec;
	sim_time(m, 0, &sec, &nsec);
	le32(b, (uint32_t)sec);
	le32(b + 16, (uint32_t)((uint64_t)m->cfg.guest_mb << 20));       /* totalram */
	le32(b + 20, gm_frames_free(m) * GUEST_PAGE);                   /* freeram */
	b[40] = 1;                                                       /* procs */
	le32(b + 52, 1);                                                 /* mem_unit */
	return sys_put_guest(m, a[0], b, sizeof b);
}

/* ---- the process: ids, uname, ioctl, TLS bookkeeping, limits --------------- */

static int32_t sys_getpid(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_PID; }
static int32_t sys_gettid(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_PID; }
static int32_t sys_getppid(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_PPID; }
static int32_t sys_getuid32(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_UID; }
static int32_t sys_geteuid32(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_UID; }
static int32_t sys_getgid32(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_GID; }
static int32_t sys_getegid32(struct cms *m, const uint32_t *a) { (void)m; (void)a; return SYS_GID; }

/* struct new_utsname: six fields of 65 bytes */
/* TLS descriptors: their owner is cms/tls.c */
static int32_t sys_set_thread_area_call(struct cms *m, const uint32_t *a) { return sys_set_thread_area(m, a[0]); }
static int32_t sys_get_thread_area_call(struct cms *m, const uint32_t *a) { return sys_get_thread_area(m, a[0]); }

static int32_t sys_uname(struct cms *m, const uint32_t *a)
{
	static const char *const f[6] = {"Linux", "cdvm", "6.1.0-cdvm", "#1 SMP cdvm", "i686", "(none)"};
	uint8_t u[6 * 65] = {0};
	for (int i = 0; i < 6; i++)
		memcpy(u + 65 * i, f[i], strlen(f[i]));
	return sys_put_guest(m, a[0], u, sizeof u);
}

/* cdvm's stdio is never a terminal to the guest, nor is a file (TCGETS,
 * TIOCGWINSZ, any other request: -ENOTTY, as for a pipe or a file). */
static int32_t sys_ioctl(struct cms *m, const uint32_t *a)
{
	return files_host_fd(m, a[0]) >= 0 ? -ENOTTY : -EBADF;
}

static int32_t sys_set_tid_address(struct cms *m, const uint32_t *a)
{
	m->sys.clear_child_tid = a[0];
	return SYS_PID;
}

static int32_t sys_set_robust_list(struct cms *m, const uint32_t *a)
{
	if (a[1] != 12)  /* sizeof(struct robust_list_head) on i386 */
		return -EINVAL;
	m->sys.robust_list = a[0];
	return 0;
}

#define RLIM_INF UINT64_MAX
enum { RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, NR_OPEN = 1048576 };

/* The limits a Linux login shell usually starts with; the stack's is the
 * stack cdvm maps (memory.guest_stack_kb). */
static void rlimit_get(const struct cms *m, unsigned r, uint64_t v[2])
{
	static const uint64_t def[SYS_RLIMITS][2] = {
		{RLIM_INF, RLIM_INF}, {RLIM_INF, RLIM_INF}, {RLIM_INF, RLIM_INF}, {0, RLIM_INF},
		{0, RLIM_INF}, {RLIM_INF, RLIM_INF}, {4096, 4096}, {1024, NR_OPEN},
		{8 << 20, 8 << 20}, {RLIM_INF, RLIM_INF}, {RLIM_INF, RLIM_INF}, {4096, 4096},
		{819200, 819200}, {0, 0}, {0, 0}, {RLIM_INF, RLIM_INF},
	};
	if (m->sys.rlim_set >> r & 1) {
		memcpy(v, m->sys.rlim[r], sizeof m->sys.rlim[r]);
		return;
	}
	memcpy(v, def[r], sizeof def[r]);
	if (r == RLIMIT_STACK)
		v[0] = (uint64_t)m->cfg.stack_kb * 1024;
}

/* prlimit64(pid, resource, new, old), in the kernel's order of checks */
static int32_t sys_prlimit64(struct cms *m, const uint32_t *a)
{
	uint8_t b[16];
	uint64_t nv[2] = {0, 0}, old[2];
	if (a[2]) {
		if (sys_get_guest(m, a[2], b, 16) < 0)
			return -EFAULT;
		nv[0] = rd64(b);
		nv[1] = rd64(b + 8);
	}
	if (a[0] != 0 && a[0] != SYS_PID)
		return -ESRCH;
	if (a[1] >= SYS_RLIMITS)
		return -EINVAL;
	rlimit_get(m, a[1], old);
	if (a[2]) {
		if (nv[0] > nv[1])
			return -EINVAL;
		if ((a[1] == RLIMIT_NOFILE && nv[1] > NR_OPEN) || nv[1] > old[1])
			return -EPERM;  /* raising a hard limit needs CAP_SYS_RESOURCE */
		memcpy(m->sys.rlim[a[1]], nv, sizeof nv);
		m->sys.rlim_set |= 1u << a[1];
	}
	if (a[3]) {
		le64(b, old[0]);
		le64(b + 8, old[1]);
		return sys_put_guest(m, a[3], b, 16);
	}
	return 0;
}

/* ugetrlimit: struct rlimit of 32-bit values, the infinite ones as 0xffffffff */
static int32_t sys_ugetrlimit(struct cms *m, const uint32_t *a)
{
	if (a[0] >= SYS_RLIMITS)
		return -EINVAL;
	uint64_t v[2];
	uint8_t b[8];
	rlimit_get(m, a[0], v);
	for (int i = 0; i < 2; i++)
		le32(b + 4 * i, v[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)v[i]);
	return sys_put_guest(m, a[1], b, 8);
}

/* ---- simulated time, getrandom --------------------------------------------- */

/* Cycles so far as seconds and nanoseconds, plus the epoch for the real-time clock. */
static void sim_time(const struct cms *m, int realtime, uint64_t *sec, uint32_t *nsec)
{
	uint64_t mhz = (uint64_t)m->cfg.clock_mhz, hz = mhz * 1000000u, c = chip_cycles(m->chip);
	*sec = c / hz + (realtime ? SYS_EPOCH : 0);
	*nsec = (uint32_t)(c % hz * 1000u / mhz);
}

static int32_t sys_time(struct cms *m, const uint32_t *a)
{
	uint64_t s;
	uint32_t ns;
	uint8_t b[4];
	sim_time(m, 1, &s, &ns);
	le32(b, (uint32_t)s);
	if (a[0] && sys_put_guest(m, a[0], b, 4) < 0)
		return -EFAULT;
	return (int32_t)s;
}

static int32_t sys_gettimeofday(struct cms *m, const uint32_t *a)
{
	uint64_t s;
	uint32_t ns;
	uint8_t b[8];
	sim_time(m, 1, &s, &ns);
	le32(b, (uint32_t)s);
	le32(b + 4, ns / 1000);
	if (a[0] && sys_put_guest(m, a[0], b, 8) < 0)
		return -EFAULT;
	memset(b, 0, sizeof b);  /* struct timezone: UTC, no DST */
	if (a[1] && sys_put_guest(m, a[1], b, 8) < 0)
		return -EFAULT;
	return 0;
}

/* 1 for the clocks that count from the epoch, 0 for those from boot, -1 for
 * an id cdvm does not know (the alarm clocks, CPU clocks of other processes) */
static int clock_kind(uint32_t id)
{
	switch (id) {
	case 0: case 5: case 11:                 /* REALTIME, REALTIME_COARSE, TAI */
		return 1;
	case 1: case 2: case 3: case 4: case 6: case 7:  /* MONOTONIC(_RAW, _COARSE), CPU time, BOOTTIME */
		return 0;
	default:
		return -1;
	}
}

/* clock_gettime (old_timespec32, 8 bytes) and clock_gettime64 (16 bytes) */
static int32_t clock_get(struct cms *m, const uint32_t *a, int wide)
{
	int kind = clock_kind(a[0]);
	if (kind < 0)
		return -EINVAL;
	uint64_t s;
	uint32_t ns;
	uint8_t b[16];
	sim_time(m, kind, &s, &ns);
	if (!wide) {
		le32(b, (uint32_t)s);
		le32(b + 4, ns);
		return sys_put_guest(m, a[1], b, 8);
	}
	le64(b, s);
	le64(b + 8, ns);
	return sys_put_guest(m, a[1], b, 16);
}

static int32_t sys_clock_gettime(struct cms *m, const uint32_t *a) { return clock_get(m, a, 0); }
static int32_t sys_clock_gettime64(struct cms *m, const uint32_t *a) { return clock_get(m, a, 1); }

/* Byte i of sim.seed's stream: splitmix64 of the seed and the byte's word. */
static uint8_t random_byte(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i / 8 + 1) * 0x9e3779b97f4a7c15u;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	return (uint8_t)(z >> 8 * (i % 8));
}

/* getrandom(buf, count, flags): the next count bytes of the stream, up to
 * the first byte that is not writable (-EFAULT when that is the first) */
static int32_t sys_getrandom(struct cms *m, const uint32_t *a)
{
	enum { GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4 };
	if (a[2] & ~(uint32_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
	    (a[2] & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	uint32_t n = a[1] > INT32_MAX ? INT32_MAX : a[1];
	uint32_t ok = accessible(m, a[0], n, 1);
	if (!ok)
		return n ? -EFAULT : 0;
	for (uint32_t i = 0; i < ok; i++) {
		uint8_t byte = random_byte((uint64_t)m->cfg.seed, m->sys.random_pos + i);
		gm_copy_out(m, a[0] + i, &byte, 1, GM_W);
	}
	m->sys.random_pos += ok;
	time_range(m, a[0], ok, 1);
	return (int32_t)ok;
}

/* ---- --trace-syscalls ------------------------------------------------------ */

static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"}, {EIO, "EIO"},
		{EBADF, "EBADF"}, {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},
		{EFAULT, "EFAULT"}, {EINVAL, "EINVAL"}, {ENOTTY, "ENOTTY"}, {ENOSPC, "ENOSPC"},
		{EPIPE, "EPIPE"}, {ERANGE, "ERANGE"}, {ENOSYS, "ENOSYS"}, {EEXIST, "EEXIST"},
		{ENODEV, "ENODEV"}, {E2BIG, "E2BIG"}, {EROFS, "EROFS"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
		{EMFILE, "EMFILE"}, {ENAMETOOLONG, "ENAMETOOLONG"}, {EOVERFLOW, "EOVERFLOW"}, {ELOOP, "ELOOP"},
		{EXDEV, "EXDEV"}, {EBUSY, "EBUSY"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].e == e)
			return names[i].name;
	return "E?";
}

/* a guest buffer as a C string literal, at most 32 bytes ("..." after) */
static void trace_buffer(struct cms *m, FILE *out, uint32_t buf, uint32_t len, int string)
{
	enum { SHOW_BUFFER = 32, SHOW_STRING = 256 };   /* as strace shows them */
	uint32_t show = string ? SHOW_STRING : SHOW_BUFFER, n = len < show ? len : show;
	uint8_t p[SHOW_STRING];
	uint32_t pa;
	for (uint32_t i = 0; i < n; i++) {
		/* an instrument: it reads what is there and faults nothing in */
		if (gm_peek(m, buf + i, &pa) < 0) {
			fprintf(out, "0x%" PRIx32, buf);
			return;
		}
		p[i] = chip_mem(m->chip)[pa];
		if (string && !p[i]) {
			n = len = i;
			break;
		}
	}
	fputc('"', out);
	for (uint32_t i = 0; i < n; i++) {
		int c = p[i];
		if (c == '\n' || c == '\t' || c == '"' || c == '\\')
			fprintf(out, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fprintf(out, "\"%s", n < len ? "..." : "");
}

/* name(args) = result, as strace prints it */
static void trace_call(struct cms *m, uint32_t nr, const struct syscall_row *row, const uint32_t *a, int32_t ret)
{
	FILE *out = m->sys.trace;
	const char *args = row ? row->args : "xxxxxx";
	if (row)
		fprintf(out, "%s(", row->name);
	else
		fprintf(out, "syscall_%" PRIu32 "(", nr);
	for (int i = 0; args[i]; i++) {
		if (i)
			fputs(", ", out);
		if (args[i] == 'd')
			fprintf(out, "%" PRId32, (int32_t)a[i]);
		else if (args[i] == 'u')
			fprintf(out, "%" PRIu32, a[i]);
		else if (args[i] == 's' && i < 5)
			trace_buffer(m, out, a[i], a[i + 1], 0);
		else if (args[i] == 'z')
			trace_buffer(m, out, a[i], UINT32_MAX, 1);
		else if (args[i] == 'p' && !a[i])
			fputs("NULL", out);
		else
			fprintf(out, "0x%" PRIx32, a[i]);
	}
	char r = row ? row->ret : 'd';
	if (r == 'n')
		fputs(") = ?\n", out);
	else if (ret < 0 && ret >= -4095)
		fprintf(out, ") = -1 %s (%s)\n", errno_name(-ret), strerror(-ret));
	else if (r == 'x')
		fprintf(out, ") = 0x%" PRIx32 "\n", (uint32_t)ret);
	else
		fprintf(out, ") = %" PRId32 "\n", ret);
}

/* ---- the dispatch ---------------------------------------------------------- */

void syscall_dispatch(struct cms *m)
{
	uint32_t *r = m->xr;
	uint32_t nr = r[X86_EAX];
	m->st.syscalls[nr < MAX_SYSCALL_NR ? nr : MAX_SYSCALL_NR]++;
	const uint32_t a[6] = {r[X86_EBX], r[X86_ECX], r[X86_EDX], r[X86_ESI], r[X86_EDI], r[X86_EBP]};
	const struct syscall_row *row = nr < MAX_SYSCALL_NR && rows[nr].fn ? &rows[nr] : NULL;
	int32_t ret = row ? row->fn(m, a) : -ENOSYS;
	if (!syscall_emulated(nr))
		m->st.enosys++;
	if (m->sys.trace)
		trace_call(m, nr, row, a, ret);
	if (!m->exited)
		r[X86_EAX] = (uint32_t)ret;
}
