/* configs/file.h — reading a whole input file, with a cap.
 *
 * Every file cdvm reads whole (configurations, sweep specs, assembly and
 * native binaries, ELF guests) goes through file_read, so each reader
 * refuses a directory, stops at its size cap instead of reading /dev/zero
 * until memory runs out, and words its errors the same way:
 *
 *   char err[256];
 *   size_t len;
 *   char *text = file_read(path, FILE_TEXT_MAX, &len, err, sizeof err);
 *   if (!text) ... err is "PATH: is a directory", "PATH: larger than N bytes", ...
 */
#ifndef CDVM_CONFIGS_FILE_H
#define CDVM_CONFIGS_FILE_H

#include <stddef.h>

/* Caps: text inputs (configurations, specs, assembly, native binaries)
 * are small; guest ELF files may be large but fit a 32-bit guest. */
#define FILE_TEXT_MAX ((size_t)16 << 20)
#define FILE_ELF_MAX ((size_t)1 << 30)

/* Reads all of path (at most max bytes) into a NUL-terminated buffer
 * (free it) and sets *len.  On error returns NULL with err set to
 * "PATH: cannot open: <strerror>", "PATH: is a directory", "PATH: larger
 * than MAX bytes", "PATH: cannot read: <strerror>" or "PATH: out of memory". */
char *file_read(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
