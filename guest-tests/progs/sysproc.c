/* guest-tests/progs/sysproc.c: the system calls a C library makes about
 * its process that need no address-space work: uname, the ids,
 * set_tid_address, set_robust_list, ioctl on stdio, writev/readv, the
 * clocks (time, gettimeofday, clock_gettime, clock_gettime64), getrandom,
 * prlimit64/ugetrlimit, and numbers no kernel has.  Only what a native
 * run prints the same is printed: relations between results (the tid is
 * the pid, a clock did not go back), error codes, and the fields cdvm and
 * the host agree on (sysname), never ids, times or random bytes.  Stdin
 * must be /dev/null or a file and stdout a pipe or a file (the
 * differential runner's), so the ioctls answer -ENOTTY natively too.  The
 * exit status is the number of failed checks. */
#include "rt.h"

enum {
    NR_time = 13, NR_getpid = 20, NR_ioctl = 54, NR_getppid = 64, NR_gettimeofday = 78,
    NR_uname = 122, NR_readv = 145, NR_writev = 146, NR_ugetrlimit = 191, NR_getuid32 = 199,
    NR_getgid32 = 200, NR_geteuid32 = 201, NR_getegid32 = 202, NR_gettid = 224,
    NR_set_tid_address = 258, NR_clock_gettime = 265, NR_set_robust_list = 311,
    NR_prlimit64 = 340, NR_getrandom = 355, NR_clock_gettime64 = 403,
};
enum { EPERM = 1, ESRCH = 3, EBADF = 9, EFAULT = 14, EINVAL = 22, ENOTTY = 25, ENOSYS = 38 };
enum { TCGETS = 0x5401, TIOCGWINSZ = 0x5413, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_NOFILE = 7 };

#define BAD ((int)0x10)            /* unmapped, natively and under cdvm */
#define HIDDEN ((int)0x04000000)   /* unmapped natively; cdvm's hidden memory on the default chip */

static int failures;

static void expect(const char *what, long got, long want)
{
    printf("%-44s %ld%s\n", what, got, got == want ? "" : "  <-- UNEXPECTED");
    if (got != want)
        failures++;
}

static int sc(int nr, int a, int b, int c, int d)
{
    return rt_syscall(nr, a, b, c, d, 0, 0);
}

#define P(x) ((int)(uintptr_t)(x))

static void test_uname(void)
{
    static const char ro[400] = "read-only";
    char u[6 * 65];
    expect("uname(buf)", sc(NR_uname, P(u), 0, 0, 0), 0);
    printf("uname sysname %s\n", u);
    expect("uname(0x10)", sc(NR_uname, BAD, 0, 0, 0), -EFAULT);
    expect("uname(hidden)", sc(NR_uname, HIDDEN, 0, 0, 0), -EFAULT);
    expect("uname(read-only)", sc(NR_uname, P(ro), 0, 0, 0), -EFAULT);
}

static void test_ids(void)
{
    static int tid_word, robust[3];
    int pid = sc(NR_getpid, 0, 0, 0, 0);
    expect("getpid > 0", pid > 0, 1);
    expect("gettid == getpid", sc(NR_gettid, 0, 0, 0, 0) == pid, 1);
    expect("getppid >= 0", sc(NR_getppid, 0, 0, 0, 0) >= 0, 1);
    expect("set_tid_address returns the tid", sc(NR_set_tid_address, P(&tid_word), 0, 0, 0) == pid, 1);
    expect("getuid32 == geteuid32", sc(NR_getuid32, 0, 0, 0, 0) == sc(NR_geteuid32, 0, 0, 0, 0), 1);
    expect("getgid32 == getegid32", sc(NR_getgid32, 0, 0, 0, 0) == sc(NR_getegid32, 0, 0, 0, 0), 1);
    expect("set_robust_list(head, 12)", sc(NR_set_robust_list, P(robust), 12, 0, 0), 0);
    expect("set_robust_list(head, 11)", sc(NR_set_robust_list, P(robust), 11, 0, 0), -EINVAL);
}

static void test_ioctl(void)
{
    char t[64];
    expect("ioctl TCGETS on stdin", sc(NR_ioctl, 0, TCGETS, P(t), 0), -ENOTTY);
    expect("ioctl TCGETS on stdout", sc(NR_ioctl, 1, TCGETS, P(t), 0), -ENOTTY);
    expect("ioctl TIOCGWINSZ on stdout", sc(NR_ioctl, 1, TIOCGWINSZ, P(t), 0), -ENOTTY);
    expect("ioctl TCGETS on fd 99", sc(NR_ioctl, 99, TCGETS, P(t), 0), -EBADF);
}

static void test_iovec(void)
{
    static const char ro[] = "-";
    struct { const char *base; int len; } v[3] = {{"hello", 5}, {" world\n", 7}, {0, 0}};
    expect("writev wrote", sc(NR_writev, 1, P(v), 2, 0), 12);
    expect("writev of no segments", sc(NR_writev, 1, P(v), 0, 0), 0);
    /* a second segment unmapped: 5 into a file, -EFAULT into a pipe
     * (pipe_write drops a partly copied page), so not tested here */
    v[0].base = (const char *)BAD;
    expect("writev, first segment unmapped", sc(NR_writev, 1, P(v), 2, 0), -EFAULT);
    expect("writev, iovec array unmapped", sc(NR_writev, 1, BAD, 1, 0), -EFAULT);
    expect("writev, iovec array in hidden memory", sc(NR_writev, 1, HIDDEN, 1, 0), -EFAULT);
    v[0].base = ro;
    v[0].len = -1;
    expect("writev, a negative length", sc(NR_writev, 1, P(v), 1, 0), -EINVAL);
    expect("writev of 1025 segments", sc(NR_writev, 1, P(v), 1025, 0), -EINVAL);
    expect("writev to fd 0", sc(NR_writev, 0, P(v), 1, 0), -EBADF);
    char a[4], b[4];
    struct { char *base; int len; } r[2] = {{a, 4}, {b, 4}};
    expect("readv at end of file", sc(NR_readv, 0, P(r), 2, 0), 0);
    expect("readv from fd 99", sc(NR_readv, 99, P(r), 2, 0), -EBADF);
    expect("readv, iovec array unmapped", sc(NR_readv, 0, BAD, 2, 0), -EFAULT);
}

/* a little work between two clock readings */
static unsigned spin(void)
{
    uint32_t s = 1;
    for (int i = 0; i < 2000; i++)
        rt_rand(&s);
    return s;
}

static void test_clocks(void)
{
    int t = 0, tv[2], tz[2], ts[2], ts2[2];
    int now = sc(NR_time, 0, 0, 0, 0);
    expect("time after 2000-01-01", now >= 946684800, 1);
    int now2 = sc(NR_time, P(&t), 0, 0, 0);
    expect("time(&t) stores what it returns", now2 == t, 1);
    expect("time(0x10)", sc(NR_time, BAD, 0, 0, 0), -EFAULT);
    expect("gettimeofday(&tv, NULL)", sc(NR_gettimeofday, P(tv), 0, 0, 0), 0);
    expect("gettimeofday microseconds < 1000000", (unsigned)tv[1] < 1000000, 1);
    expect("gettimeofday agrees with time", tv[0] >= now && tv[0] - now < 100, 1);
    expect("gettimeofday(&tv, &tz)", sc(NR_gettimeofday, P(tv), P(tz), 0, 0), 0);
    expect("gettimeofday(0x10, NULL)", sc(NR_gettimeofday, BAD, 0, 0, 0), -EFAULT);
    expect("gettimeofday(&tv, hidden)", sc(NR_gettimeofday, P(tv), HIDDEN, 0, 0), -EFAULT);

    expect("clock_gettime(MONOTONIC)", sc(NR_clock_gettime, 1, P(ts), 0, 0), 0);
    spin();
    sc(NR_clock_gettime, 1, P(ts2), 0, 0);
    expect("monotonic clock did not go back",
           ts2[0] > ts[0] || (ts2[0] == ts[0] && ts2[1] >= ts[1]), 1);
    expect("nanoseconds < 1000000000", (unsigned)ts2[1] < 1000000000u, 1);
    expect("clock_gettime(REALTIME) after 2000", sc(NR_clock_gettime, 0, P(ts), 0, 0) == 0 && ts[0] >= 946684800, 1);
    expect("clock_gettime(PROCESS_CPUTIME_ID)", sc(NR_clock_gettime, 2, P(ts), 0, 0), 0);
    expect("clock_gettime(12345)", sc(NR_clock_gettime, 12345, P(ts), 0, 0), -EINVAL);
    expect("clock_gettime(MONOTONIC, 0x10)", sc(NR_clock_gettime, 1, BAD, 0, 0), -EFAULT);

    long long w[2], w2[2];
    expect("clock_gettime64(MONOTONIC)", sc(NR_clock_gettime64, 1, P(w), 0, 0), 0);
    spin();
    sc(NR_clock_gettime64, 1, P(w2), 0, 0);
    expect("monotonic clock64 did not go back", w2[0] > w[0] || (w2[0] == w[0] && w2[1] >= w[1]), 1);
    expect("clock_gettime64(REALTIME) after 2000", sc(NR_clock_gettime64, 0, P(w), 0, 0) == 0 && w[0] >= 946684800, 1);
    expect("clock_gettime64(12345)", sc(NR_clock_gettime64, 12345, P(w), 0, 0), -EINVAL);
    expect("clock_gettime64(REALTIME, hidden)", sc(NR_clock_gettime64, 0, HIDDEN, 0, 0), -EFAULT);
}

static void test_random(void)
{
    static const char ro[16] = "read-only";
    unsigned char buf[64];
    memset(buf, 0, sizeof buf);
    int n = sc(NR_getrandom, P(buf), 16, 0, 0);
    printf("getrandom filled %d bytes\n", n);
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero += buf[i] != 0;
    expect("getrandom: some of the 16 bytes are not 0", nonzero > 0, 1);
    expect("getrandom(GRND_NONBLOCK)", sc(NR_getrandom, P(buf), 64, 1, 0), 64);
    expect("getrandom(buf, 0)", sc(NR_getrandom, P(buf), 0, 0, 0), 0);
    expect("getrandom(flags 0x100)", sc(NR_getrandom, P(buf), 16, 0x100, 0), -EINVAL);
    expect("getrandom(RANDOM | INSECURE)", sc(NR_getrandom, P(buf), 16, 6, 0), -EINVAL);
    expect("getrandom(0x10, 16)", sc(NR_getrandom, BAD, 16, 0, 0), -EFAULT);
    expect("getrandom(hidden, 16)", sc(NR_getrandom, HIDDEN, 16, 0, 0), -EFAULT);
    expect("getrandom(read-only, 16)", sc(NR_getrandom, P(ro), 16, 0, 0), -EFAULT);
}

static void test_limits(void)
{
    unsigned long long lim[2] = {0, 0}, set[2];
    unsigned old[2];
    expect("prlimit64(0, STACK, NULL, &old)", sc(NR_prlimit64, 0, RLIMIT_STACK, 0, P(lim)), 0);
    expect("stack soft limit <= hard", lim[0] <= lim[1], 1);
    expect("stack soft limit >= 64 KiB", lim[0] >= 65536, 1);
    expect("prlimit64(0, 99, ...)", sc(NR_prlimit64, 0, 99, 0, P(lim)), -EINVAL);
    expect("prlimit64(no such pid, ...)", sc(NR_prlimit64, 0x7ffffff0, RLIMIT_STACK, 0, P(lim)), -ESRCH);
    set[0] = 2;
    set[1] = 1;
    expect("prlimit64 soft > hard", sc(NR_prlimit64, 0, RLIMIT_NOFILE, P(set), 0), -EINVAL);
    expect("prlimit64(new 0x10)", sc(NR_prlimit64, 0, RLIMIT_CORE, BAD, 0), -EFAULT);
    set[0] = set[1] = 0;
    expect("prlimit64 sets CORE to 0, 0", sc(NR_prlimit64, 0, RLIMIT_CORE, P(set), P(lim)), 0);
    expect("ugetrlimit(CORE)", sc(NR_ugetrlimit, RLIMIT_CORE, P(old), 0, 0), 0);
    printf("ugetrlimit core %u %u\n", old[0], old[1]);
    expect("ugetrlimit(99)", sc(NR_ugetrlimit, 99, P(old), 0, 0), -EINVAL);
    expect("ugetrlimit(STACK, 0x10)", sc(NR_ugetrlimit, RLIMIT_STACK, BAD, 0, 0), -EFAULT);
}

int main(void)
{
    test_uname();
    test_ids();
    test_ioctl();
    test_iovec();
    test_clocks();
    test_random();
    test_limits();
    expect("syscall 500", sc(500, 0, 0, 0, 0), -ENOSYS);
    expect("syscall 0x10000", sc(0x10000, 0, 0, 0, 0), -ENOSYS);
    printf("failures %d\n", failures);
    return failures;
}
