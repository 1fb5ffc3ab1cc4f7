/* configs/file.c — file_read: one whole input file, capped (configs/file.h). */
#include "configs/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *fail(char *buf, int fd, char *err, size_t errlen, const char *path, const char *what,
		  const char *why)
{
	snprintf(err, errlen, "%s: %s%s%s", path, what, why ? ": " : "", why ? why : "");
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

char *file_read(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(NULL, -1, err, errlen, path, "cannot open", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(NULL, fd, err, errlen, path, "is a directory", NULL);
	/* Grow by doubling; read one byte past the cap to tell "exactly max"
	 * from "more". */
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return fail(NULL, fd, err, errlen, path, "out of memory", NULL);
		if (n + 1 >= cap) {
			/* never more than max + 2: the byte past the cap and the NUL */
			size_t want = cap * 2 < max + 2 ? cap * 2 : max + 2;
			char *nb = realloc(buf, want);
			if (!nb)
				return fail(buf, fd, err, errlen, path, "out of memory", NULL);
			buf = nb;
			cap = want;
		}
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return fail(buf, fd, err, errlen, path, "cannot read", strerror(errno));
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			char what[64];
			snprintf(what, sizeof what, "larger than %zu bytes", max);
			return fail(buf, fd, err, errlen, path, what, NULL);
		}
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
