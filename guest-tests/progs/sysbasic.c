/* guest-tests/progs/sysbasic.c: the system call layer's corner cases, for
 * the only calls guests use: write (0 bytes, a bad descriptor, buffers in
 * unmapped memory and in cdvm's hidden memory -> -EFAULT), read (end of
 * file on stdin, which the differential test connects to /dev/null; a bad
 * descriptor), brk (query, grow, unaligned, shrink, refuse a break below
 * the data) and exit (1) rather than exit_group.  Only results that do
 * not depend on addresses are printed.  The exit status is the number of
 * failed checks.  Stdout must be a file or a pipe: a write to /dev/null
 * succeeds without reading the (bad) buffer. */
#include "rt.h"

#define EBADF 9
#define EFAULT 14

static int failures;

static void expect(const char *what, long got, long want)
{
    printf("%-34s %ld%s\n", what, got, got == want ? "" : "  <-- UNEXPECTED");
    if (got != want)
        failures++;
}

int main(void)
{
    char buf[32];
    expect("write(1, buf, 0)", sys_write(1, "x", 0), 0);
    expect("write(1, \"hello\\n\", 6)", sys_write(1, "hello\n", 6), 6);
    expect("write(99, buf, 1)", sys_write(99, "x", 1), -EBADF);
    expect("write(-1, buf, 1)", sys_write(-1, "x", 1), -EBADF);
    expect("write(1, 0x10, 4)", sys_write(1, (const void *)0x10, 4), -EFAULT);
    expect("write(1, 0x04000000, 4)", sys_write(1, (const void *)0x04000000, 4), -EFAULT);
    expect("read(0, buf, 16) at EOF", sys_read(0, buf, 16), 0);
    expect("read(99, buf, 16)", sys_read(99, buf, 16), -EBADF);

    char *b0 = sys_brk(0);
    expect("brk(0) twice agrees", sys_brk(0) == b0, 1);
    char *b1 = sys_brk(b0 + 8192);
    expect("brk(+8192) - brk0", b1 - b0, 8192);
    /* the new memory is zeroed and writable */
    int zero = 1;
    for (int i = 0; i < 8192; i++)
        if (b0[i])
            zero = 0;
    memset(b0, 0xab, 8192);
    expect("new memory was zero", zero, 1);
    expect("brk(+100) - brk0", (char *)sys_brk(b0 + 100) - b0, 100);
    expect("brk(0) - brk0 after shrink", (char *)sys_brk(0) - b0, 100);
    expect("brk(+5000) - brk0", (char *)sys_brk(b0 + 5000) - b0, 5000);
    expect("brk(1) refused, returns current", (char *)sys_brk((void *)1) - b0, 5000);
    expect("brk(brk0) - brk0", (char *)sys_brk(b0) - b0, 0);
    printf("failures %d\n", failures);
    sys_exit(failures);
}
