/* tests/glibc/readfile.c: reading a host file through glibc: stdio
 * (fopen/fgets/fread/fseek/ftell), then the system calls behind it
 * (open/fstat/read/lseek/pread/close), and the errors of a missing file and
 * a directory.  Run as `readfile FILE` natively and under
 * `cdvm run --fs-root /` with FILE an absolute path. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t fnv(const unsigned char *p, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int by_stdio(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned lines = 0, longest = 0;
	if (!f)
		return 1;
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		lines++;
		if (n > longest)
			longest = (unsigned)n;
	}
	long size = ftell(f);
	if (fseek(f, size / 2, SEEK_SET) != 0)
		return 2;
	size_t got = fread(line, 1, 16, f);
	printf("stdio: %u lines, longest %u, %ld bytes, 16 bytes at the middle: %.*s|\n", lines,
	       longest, size, (int)got, line);
	return fclose(f) ? 3 : 0;
}

static int by_syscalls(const char *path)
{
	unsigned char buf[1000];
	struct stat st;
	uint32_t h = 2166136261u;
	long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0)
		return 4;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		h = fnv(buf, (size_t)n, h);
		total += n;
	}
	printf("read: %ld bytes (fstat says %lld, regular %d), fnv %08x\n", total,
	       (long long)st.st_size, S_ISREG(st.st_mode), (unsigned)h);
	off_t back = lseek(fd, -10, SEEK_END);
	n = read(fd, buf, 10);
	printf("lseek -10 from the end: %lld, then read %d: %.*s|\n", (long long)back, (int)n,
	       (int)(n > 0 ? n : 0), buf);
	n = pread(fd, buf, 5, 3);
	printf("pread 5 at 3: %d %.*s| offset still %lld\n", (int)n, (int)(n > 0 ? n : 0), buf,
	       (long long)lseek(fd, 0, SEEK_CUR));
	return close(fd) ? 5 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: readfile FILE\n");
		return 64;
	}
	int rc = by_stdio(argv[1]);
	if (!rc)
		rc = by_syscalls(argv[1]);
	if (rc)
		return rc;
	errno = 0;
	int fd = open("/nonexistent-dir/nofile", O_RDONLY);
	printf("missing file: %d %s\n", fd, strerror(errno));
	fd = open("/", O_RDONLY);
	char c;
	errno = 0;
	int got = fd >= 0 ? (int)read(fd, &c, 1) : -1;
	printf("directory: open %s, read %d %s\n", fd >= 0 ? "ok" : "failed", got, strerror(errno));
	return 0;
}
