/* tests/unit/syscall.c — the system calls where a native run cannot be the
 * oracle: the table against the kernel's numbers, the fixed ids, simulated
 * time following the cycle counter and chip.clock_mhz, getrandom's bytes
 * following sim.seed only, -EFAULT (and partial counts) at unmapped,
 * read-only and hidden memory without touching hidden memory, resource
 * limits, the ENOSYS accounting and --trace-syscalls' lines.  Each test
 * boots a firmware with build/guests/O2/sysbasic.elf loaded (for its
 * process layout) and calls syscall_dispatch directly with the registers
 * set as `int $0x80` leaves them. */
#include <CUnit/CUnit.h>
#include <asm/unistd_32.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cms/cms_priv.h"
#include "configs/config.h"
#include "tests/unit/testutil.h"

struct box {
	struct cms *m;
	FILE *out;        /* the guest's stdout */
	uint32_t scratch; /* a writable page of the guest's stack */
	uint32_t hidden;  /* the first byte past user space (AS_STACK_TOP) */
	uint32_t carve;   /* the first byte of hidden memory (physical) */
};

/* A firmware with sysbasic loaded, configured by the --set assignments in sets. */
static int boot(struct box *b, const char *const *sets)
{
	char err[256];
	struct cdvm_config cfg;
	struct config_error e;
	memset(b, 0, sizeof *b);
	config_default(&cfg);
	for (; sets && *sets; sets++)
		CHECK(config_set(&cfg, *sets, &e) == 0, "%s", e.msg);
	if (cms_create(&cfg, CMS_MODE_INTERP, &b->m, err, sizeof err) < 0) {
		CHECK(0, "cms_create: %s", err);
		return -1;
	}
	char *argv[] = {"sysbasic", NULL}, *envp[] = {NULL};
	if (cms_load_elf(b->m, "build/guests/O2/sysbasic.elf", 1, argv, envp, err, sizeof err) < 0 ||
	    !(b->out = tmpfile())) {
		CHECK(0, "build/guests/O2/sysbasic.elf is not built (make guests): %s", err);
		cms_destroy(b->m);
		return -1;
	}
	cms_set_stdio(b->m, 0, fileno(b->out), 2);
	b->scratch = AS_STACK_TOP - 64 * GUEST_PAGE;
	b->hidden = AS_STACK_TOP;
	b->carve = chip_guest_limit(cms_chip(b->m));
	/* the scratch pages' first touch now: a page fault's cycles would move
	 * the simulated clock in the middle of a test */
	CU_ASSERT(gm_accessible(b->m, b->scratch, 2 * GUEST_PAGE, GM_W) == 2 * GUEST_PAGE);
	return 0;
}

static void unboot(struct box *b)
{
	cms_destroy(b->m);
	if (b->out)
		fclose(b->out);
}

static int32_t call(struct box *b, uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t *r = b->m->xr;
	r[X86_EAX] = nr;
	r[X86_EBX] = a0;
	r[X86_ECX] = a1;
	r[X86_EDX] = a2;
	r[X86_ESI] = a3;
	r[X86_EDI] = r[X86_EBP] = 0;
	syscall_dispatch(b->m);
	return (int32_t)r[X86_EAX];
}

/* The host byte behind guest address addr (its page faulted in); the bytes
 * after it up to the end of its page follow it. */
static uint8_t *mem(struct box *b, uint32_t addr)
{
	uint32_t pa = 0;
	CU_ASSERT_FATAL(gm_resolve(b->m, addr, 0, &pa) == 0);
	return chip_mem(cms_chip(b->m)) + pa;
}

static uint8_t *hidden_mem(struct box *b) { return chip_mem(cms_chip(b->m)) + b->carve; }

static uint32_t rd32(struct box *b, uint32_t addr)
{
	const uint8_t *p = mem(b, addr);
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(struct box *b, uint32_t addr) { return rd32(b, addr) | (uint64_t)rd32(b, addr + 4) << 32; }

static void wr32(struct box *b, uint32_t addr, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		mem(b, addr)[i] = (uint8_t)(v >> 8 * i);
}

/* ---- the table ---------------------------------------------------------- */

static void test_table(void)
{
	unsigned rows = 0;
#define SYSCALL(nr, name, handler, args, ret)                                                          \
	rows++;                                                                                        \
	CHECK((nr) == __NR_##name, "%s: %d in cms/syscalls.def, %d in <asm/unistd_32.h>", #name, nr,   \
	      __NR_##name);                                                                            \
	CHECK(syscall_name(nr) && !strcmp(syscall_name(nr), #name), "syscall_name(%d) is not %s", nr, #name); \
	CHECK(strlen(args) <= 6 && strspn(args, "dupxsz") == strlen(args), "%s: bad trace letters", #name);  \
	CHECK((ret) == 'd' || (ret) == 'x' || (ret) == 'n', "%s: bad result letter", #name);
#include "cms/syscalls.def"
	CHECK(rows >= 25, "only %u rows", rows);
	CU_ASSERT_PTR_NULL(syscall_name(2));   /* fork: no row */
	CU_ASSERT_PTR_NULL(syscall_name(MAX_SYSCALL_NR));
	CU_ASSERT_PTR_NULL(syscall_name(0xffffffffu));
	CU_ASSERT(syscall_emulated(__NR_write));
	CU_ASSERT(!syscall_emulated(__NR_rseq));  /* a row answered -ENOSYS */
	CU_ASSERT(!syscall_emulated(2));
}

/* ---- ids, ioctl ----------------------------------------------------------- */

static void test_fixed_ids(void)
{
	struct box b;
	if (boot(&b, NULL))
		return;
	CU_ASSERT_EQUAL(call(&b, __NR_getpid, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_gettid, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_getppid, 0, 0, 0, 0), 1);
	CU_ASSERT_EQUAL(call(&b, __NR_getuid32, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_geteuid32, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_getgid32, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_getegid32, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_set_tid_address, b.scratch, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(b.m->sys.clear_child_tid, b.scratch);
	CU_ASSERT_EQUAL(call(&b, __NR_set_robust_list, b.scratch, 12, 0, 0), 0);
	CU_ASSERT_EQUAL(call(&b, __NR_set_robust_list, b.scratch, 24, 0, 0), -22);
	/* uname: every field cdvm documents */
	CU_ASSERT_EQUAL(call(&b, __NR_uname, b.scratch, 0, 0, 0), 0);
	static const char *const f[] = {"Linux", "cdvm", "6.1.0-cdvm", "#1 SMP cdvm", "i686", "(none)"};
	for (int i = 0; i < 6; i++)
		CHECK(!strcmp((const char *)mem(&b, b.scratch + 65 * i), f[i]), "uname field %d: %s", i,
		      (const char *)mem(&b, b.scratch + 65 * i));
	/* stdio is never a terminal; other descriptors are not open */
	for (uint32_t fd = 0; fd < 3; fd++)
		CU_ASSERT_EQUAL(call(&b, __NR_ioctl, fd, 0x5401, b.scratch, 0), -25);
	CU_ASSERT_EQUAL(call(&b, __NR_ioctl, 3, 0x5413, b.scratch, 0), -9);
	unboot(&b);
}

/* ---- simulated time --------------------------------------------------------- */

/* Nanoseconds of CLOCK_MONOTONIC as the guest reads them (clock_gettime and _64 agree). */
static uint64_t mono_ns(struct box *b)
{
	CU_ASSERT_EQUAL(call(b, __NR_clock_gettime, 1, b->scratch, 0, 0), 0);
	uint64_t ns = (uint64_t)rd32(b, b->scratch) * 1000000000u + rd32(b, b->scratch + 4);
	CU_ASSERT_EQUAL(call(b, __NR_clock_gettime64, 1, b->scratch + 16, 0, 0), 0);
	CHECK(rd64(b, b->scratch + 16) * 1000000000u + rd64(b, b->scratch + 24) == ns, "clock_gettime64 disagrees");
	return ns;
}

static void time_at(const char *set, uint64_t mhz)
{
	struct box b;
	const char *sets[] = {set, NULL};
	if (boot(&b, sets))
		return;
	struct chip *c = cms_chip(b.m);
	uint64_t t0 = mono_ns(&b);
	CHECK(t0 == chip_cycles(c) * 1000 / mhz, "monotonic %llu ns at cycle %llu, %llu MHz", (unsigned long long)t0,
	      (unsigned long long)chip_cycles(c), (unsigned long long)mhz);
	/* three and a half seconds of cycles later */
	chip_charge(c, mhz * 3500000u);
	uint64_t t1 = mono_ns(&b);
	CHECK(t1 - t0 >= 3499999999u && t1 - t0 <= 3500000001u, "advanced %llu ns", (unsigned long long)(t1 - t0));
	/* the real-time clocks are the same time from 2000-01-01 */
	uint64_t sec = chip_cycles(c) / (mhz * 1000000u);
	CU_ASSERT_EQUAL(call(&b, __NR_time, b.scratch, 0, 0, 0), (int32_t)(946684800 + sec));
	CU_ASSERT_EQUAL(rd32(&b, b.scratch), 946684800 + sec);
	CU_ASSERT_EQUAL(call(&b, __NR_gettimeofday, b.scratch, b.scratch + 8, 0, 0), 0);
	CU_ASSERT_EQUAL(rd32(&b, b.scratch), 946684800 + sec);
	CU_ASSERT_EQUAL(rd32(&b, b.scratch + 4), chip_cycles(c) % (mhz * 1000000u) / mhz);
	CU_ASSERT_EQUAL(rd32(&b, b.scratch + 8) | rd32(&b, b.scratch + 12), 0);  /* UTC */
	CU_ASSERT_EQUAL(call(&b, __NR_clock_gettime, 0, b.scratch, 0, 0), 0);
	CU_ASSERT_EQUAL(rd32(&b, b.scratch), 946684800 + sec);
	CU_ASSERT_EQUAL(call(&b, __NR_clock_gettime, 8, b.scratch, 0, 0), -22);   /* REALTIME_ALARM */
	CU_ASSERT_EQUAL(call(&b, __NR_clock_gettime, (uint32_t)-6, b.scratch, 0, 0), -22);  /* another process's CPU clock */
	unboot(&b);
}

static void test_simulated_time(void)
{
	time_at(NULL, 1000);
	time_at("chip.clock_mhz=800", 800);
	time_at("chip.clock_mhz=3", 3);
}

/* ---- getrandom ---------------------------------------------------------------- */

/* n bytes of getrandom from a fresh machine with sim.seed=seed, in calls of `step`. */
static void random_bytes(const char *seed, uint8_t *out, uint32_t n, uint32_t step, uint64_t charge)
{
	struct box b;
	const char *sets[] = {seed, NULL};
	memset(out, 0, n);
	if (boot(&b, sets))
		return;
	for (uint32_t at = 0; at < n; at += step) {
		chip_charge(cms_chip(b.m), charge);
		CU_ASSERT_EQUAL(call(&b, __NR_getrandom, b.scratch + at, step, 0, 0), (int32_t)step);
	}
	memcpy(out, mem(&b, b.scratch), n);
	unboot(&b);
}

static void test_getrandom_seed(void)
{
	uint8_t a[64], c[64], d[64], e[64];
	random_bytes("sim.seed=7", a, 64, 64, 0);
	random_bytes("sim.seed=7", c, 64, 16, 123457);   /* other call sizes, other times: the same stream */
	random_bytes("sim.seed=8", d, 64, 64, 0);
	random_bytes("sim.seed=0", e, 64, 8, 0);
	CU_ASSERT(memcmp(a, c, 64) == 0);
	CU_ASSERT(memcmp(a, d, 64) != 0);
	CU_ASSERT(memcmp(a, e, 64) != 0);
	unsigned zero = 0;
	for (int i = 0; i < 64; i++)
		zero += a[i] == 0;
	CHECK(zero < 8, "%u zero bytes of 64", zero);
	/* flags */
	struct box b;
	if (boot(&b, NULL))
		return;
	CU_ASSERT_EQUAL(call(&b, __NR_getrandom, b.scratch, 4, 8, 0), -22);
	CU_ASSERT_EQUAL(call(&b, __NR_getrandom, b.scratch, 4, 6, 0), -22);
	CU_ASSERT_EQUAL(call(&b, __NR_getrandom, b.scratch, 4, 7 & ~2u, 0), 4);
	unboot(&b);
}

/* ---- bad pointers -------------------------------------------------------------- */

static void test_efault(void)
{
	struct box b;
	if (boot(&b, NULL))
		return;
	uint32_t text = b.m->xr[X86_EIP];   /* the entry point: a read-only page */
	uint32_t top = b.hidden - 100;      /* the last 100 bytes of user space (the stack's top) */
	CU_ASSERT_FATAL(gm_accessible(b.m, top, 100, GM_W) == 100);
	uint8_t hid[512], top_before[100];
	memcpy(hid, hidden_mem(&b), sizeof hid);
	memcpy(top_before, mem(&b, top), sizeof top_before);
	static const uint32_t nrs[] = {__NR_uname, __NR_time, __NR_gettimeofday};
	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(call(&b, nrs[i], 0x10, 0, 0, 0), -14);
		CU_ASSERT_EQUAL(call(&b, nrs[i], b.hidden, 0, 0, 0), -14);
		CU_ASSERT_EQUAL(call(&b, nrs[i], b.carve, 0, 0, 0), -14);   /* hidden memory's physical address */
		CU_ASSERT_EQUAL(call(&b, nrs[i], text, 0, 0, 0), -14);
	}
	CU_ASSERT_EQUAL(call(&b, __NR_uname, top, 0, 0, 0), -14);   /* runs past user space: nothing written */
	CU_ASSERT_EQUAL(call(&b, __NR_clock_gettime64, 1, b.hidden - 8, 0, 0), -14);
	CU_ASSERT_EQUAL(call(&b, __NR_ugetrlimit, 3, b.hidden - 4, 0, 0), -14);
	CU_ASSERT_EQUAL(call(&b, __NR_prlimit64, 0, 3, 0, b.hidden - 8), -14);
	CU_ASSERT(memcmp(top_before, mem(&b, top), sizeof top_before) == 0);
	/* getrandom stops where memory does: a partial count, -EFAULT when nothing fits */
	CU_ASSERT_EQUAL(call(&b, __NR_getrandom, top, 200, 0, 0), 100);
	CU_ASSERT(memcmp(top_before, mem(&b, top), sizeof top_before) != 0);
	CU_ASSERT_EQUAL(call(&b, __NR_getrandom, b.hidden, 16, 0, 0), -14);
	CU_ASSERT_EQUAL(call(&b, __NR_getrandom, text, 16, 0, 0), -14);
	CU_ASSERT(memcmp(hid, hidden_mem(&b), sizeof hid) == 0);
	unboot(&b);
}

/* ---- readv, writev ------------------------------------------------------------- */

static void test_iovec(void)
{
	struct box b;
	if (boot(&b, NULL))
		return;
	uint32_t s = b.scratch, iov = s + 256;
	memcpy(mem(&b, s), "hello world\n", 12);
	wr32(&b, iov, s);
	wr32(&b, iov + 4, 5);
	wr32(&b, iov + 8, s + 5);
	wr32(&b, iov + 12, 7);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, iov, 2, 0), 12);
	/* the second segment unmapped, then past user space: the first is written
	 * and counted (as into a file); the first unmapped: -EFAULT */
	wr32(&b, iov + 8, 0x10);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, iov, 2, 0), 5);
	wr32(&b, iov + 8, b.hidden);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, iov, 2, 0), 5);
	wr32(&b, iov + 8, b.hidden - 3);   /* three bytes of it are the stack's */
	memcpy(mem(&b, b.hidden - 3), "xyz", 3);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, iov, 2, 0), 8);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, iov + 8, 1, 0), 3);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, b.hidden - 8, 2, 0), -14);   /* the array itself */
	wr32(&b, iov, 0x10);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 1, iov, 2, 0), -14);
	CU_ASSERT_EQUAL(call(&b, __NR_writev, 2, iov, 1025, 0), -22);
	char got[64] = {0};
	fflush(b.out);
	rewind(b.out);
	CU_ASSERT_EQUAL(fread(got, 1, sizeof got - 1, b.out), 12 + 5 + 5 + 8 + 3);
	CU_ASSERT_STRING_EQUAL(got, "hello world\nhellohellohelloxyzxyz");

	/* readv from a file: segments in order, the count of what was read */
	FILE *in = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	fputs("abcdefgh", in);
	fflush(in);
	rewind(in);
	cms_set_stdio(b.m, fileno(in), fileno(b.out), 2);
	wr32(&b, iov, s);
	wr32(&b, iov + 4, 3);
	wr32(&b, iov + 8, s + 100);
	wr32(&b, iov + 12, 10);
	CU_ASSERT_EQUAL(call(&b, __NR_readv, 0, iov, 2, 0), 8);
	CU_ASSERT(memcmp(mem(&b, s), "abc", 3) == 0 && memcmp(mem(&b, s + 100), "defgh", 5) == 0);
	CU_ASSERT_EQUAL(call(&b, __NR_readv, 0, iov, 2, 0), 0);   /* end of file */
	rewind(in);
	wr32(&b, iov + 8, b.hidden - 2);   /* the second segment's end is out of reach */
	CU_ASSERT_EQUAL(call(&b, __NR_readv, 0, iov, 2, 0), 5);
	CU_ASSERT(memcmp(mem(&b, b.hidden - 2), "de", 2) == 0);
	CU_ASSERT(hidden_mem(&b)[0] != 'f' || hidden_mem(&b)[1] != 'g');
	wr32(&b, iov, b.hidden);
	CU_ASSERT_EQUAL(call(&b, __NR_readv, 0, iov, 1, 0), -14);
	fclose(in);
	unboot(&b);
}

/* ---- files under --fs-root ------------------------------------------------------ */

/* Put a path string on the guest's stack page and return its address. */
static uint32_t gstr(struct box *b, uint32_t at, const char *str)
{
	memcpy(mem(b, at), str, strlen(str) + 1);
	return at;
}

static void files_in_root(int by_hand)
{
	struct box b;
	if (boot(&b, NULL))
		return;
	char root[] = "/tmp/cdvm-root-XXXXXX", p[256];
	CU_ASSERT_FATAL(mkdtemp(root) != NULL);
	snprintf(p, sizeof p, "%s/d", root);
	CU_ASSERT_FATAL(mkdir(p, 0755) == 0);
	snprintf(p, sizeof p, "%s/d/f", root);
	FILE *fp = fopen(p, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("inside", fp);
	fclose(fp);
	snprintf(p, sizeof p, "%s/rel", root);
	CU_ASSERT(symlink("d/f", p) == 0);
	snprintf(p, sizeof p, "%s/abs", root);
	CU_ASSERT(symlink("/d/f", p) == 0);          /* absolute: inside the root */
	snprintf(p, sizeof p, "%s/up", root);
	CU_ASSERT(symlink("../../../../etc/passwd", p) == 0);   /* would escape: stays inside */
	char err[256];
	CU_ASSERT_FATAL(files_set_root(b.m, root, 0, err, sizeof err) == 0);
	if (by_hand)
		files_resolve_by_hand(b.m);
	uint32_t s = b.scratch, buf = s + 1024;
	static const char *const same[] = {"/d/f", "d/f", "/rel", "/abs", "/../../d/./f", "/d/../d/f"};
	for (unsigned k = 0; k < sizeof same / sizeof same[0]; k++) {
		int32_t fd = call(&b, __NR_open, gstr(&b, s, same[k]), 0, 0, 0);
		CHECK(fd >= 3, "open %s: %d (%s)", same[k], fd, by_hand ? "by hand" : "openat2");
		if (fd < 3)
			continue;
		CU_ASSERT_EQUAL(call(&b, __NR_read, (uint32_t)fd, buf, 100, 0), 6);
		CU_ASSERT(memcmp(mem(&b, buf), "inside", 6) == 0);
		CU_ASSERT_EQUAL(call(&b, __NR_close, (uint32_t)fd, 0, 0, 0), 0);
	}
	CU_ASSERT_EQUAL(call(&b, __NR_open, gstr(&b, s, "/up"), 0, 0, 0), -2);          /* /etc/passwd inside: none */
	CU_ASSERT_EQUAL(call(&b, __NR_open, gstr(&b, s, "/d/f"), 01 /* O_WRONLY */, 0, 0), -30);   /* EROFS */
	CU_ASSERT_EQUAL(call(&b, __NR_open, gstr(&b, s, "/new"), 0101, 0644, 0), -30);   /* O_CREAT */
	CU_ASSERT_EQUAL(call(&b, __NR_open, gstr(&b, s, "/nothere"), 01, 0, 0), -2);
	CU_ASSERT_EQUAL(call(&b, __NR_stat64, gstr(&b, s, "/rel"), buf, 0, 0), 0);
	CU_ASSERT_EQUAL(rd32(&b, buf + 44), 6);                  /* st_size of the target */
	CU_ASSERT_EQUAL(call(&b, __NR_lstat64, gstr(&b, s, "/rel"), buf, 0, 0), 0);
	CU_ASSERT_EQUAL(rd32(&b, buf + 16) & 0170000, 0120000);  /* the link itself */
	CU_ASSERT_EQUAL(call(&b, __NR_readlink, gstr(&b, s, "/abs"), buf, 64, 0), 4);
	CU_ASSERT(memcmp(mem(&b, buf), "/d/f", 4) == 0);
	CU_ASSERT_EQUAL(call(&b, __NR_access, gstr(&b, s, "/d"), 2 /* W_OK */, 0, 0), -30);
	CU_ASSERT_EQUAL(call(&b, __NR_chdir, gstr(&b, s, "/d"), 0, 0, 0), 0);
	CU_ASSERT_EQUAL(call(&b, __NR_getcwd, buf, 64, 0, 0), 3);
	CU_ASSERT_STRING_EQUAL((const char *)mem(&b, buf), "/d");
	int32_t fd = call(&b, __NR_open, gstr(&b, s, "f"), 0, 0, 0);   /* relative to /d now */
	CU_ASSERT(fd >= 3);
	/* descriptors: the lowest free, dup2 over one, close twice */
	CU_ASSERT_EQUAL(call(&b, __NR_dup, (uint32_t)fd, 0, 0, 0), fd + 1);
	CU_ASSERT_EQUAL(call(&b, __NR_dup2, (uint32_t)fd, 10, 0, 0), 10);
	CU_ASSERT_EQUAL(call(&b, __NR_close, 10, 0, 0, 0), 0);
	CU_ASSERT_EQUAL(call(&b, __NR_close, 10, 0, 0, 0), -9);
	CU_ASSERT_EQUAL(call(&b, __NR_write, (uint32_t)fd, buf, 1, 0), -9);   /* opened read-only */
	unboot(&b);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	CU_ASSERT(system(cmd) == 0);
}

static void test_files_openat2(void) { files_in_root(0); }
static void test_files_by_hand(void) { files_in_root(1); }

/* ---- resource limits ------------------------------------------------------------ */

static void test_rlimits(void)
{
	struct box b;
	const char *sets[] = {"memory.guest_stack_kb=256", NULL};
	if (boot(&b, sets))
		return;
	uint32_t s = b.scratch;
	CU_ASSERT_EQUAL(call(&b, __NR_prlimit64, 0, 3, 0, s), 0);
	CU_ASSERT_EQUAL(rd64(&b, s), 256 * 1024);
	CU_ASSERT_EQUAL(rd64(&b, s + 8), UINT64_MAX);
	CU_ASSERT_EQUAL(call(&b, __NR_ugetrlimit, 3, s, 0, 0), 0);
	CU_ASSERT_EQUAL(rd32(&b, s), 256 * 1024);
	CU_ASSERT_EQUAL(rd32(&b, s + 4), 0xffffffffu);
	/* lower NOFILE to 10/20, read it back through both calls; raising the hard limit is refused */
	wr32(&b, s + 64, 10);
	wr32(&b, s + 68, 0);
	wr32(&b, s + 72, 20);
	wr32(&b, s + 76, 0);
	CU_ASSERT_EQUAL(call(&b, __NR_prlimit64, 1000, 7, s + 64, s), 0);
	CU_ASSERT_EQUAL(rd64(&b, s), 1024);   /* the old value */
	CU_ASSERT_EQUAL(call(&b, __NR_ugetrlimit, 7, s, 0, 0), 0);
	CU_ASSERT(rd32(&b, s) == 10 && rd32(&b, s + 4) == 20);
	wr32(&b, s + 72, 21);
	CU_ASSERT_EQUAL(call(&b, __NR_prlimit64, 0, 7, s + 64, 0), -1);
	CU_ASSERT_EQUAL(call(&b, __NR_prlimit64, 2, 7, 0, s), -3);
	CU_ASSERT_EQUAL(call(&b, __NR_prlimit64, 0, 16, 0, s), -22);
	CU_ASSERT_EQUAL(call(&b, __NR_ugetrlimit, 16, s, 0, 0), -22);
	unboot(&b);
}

/* ---- ENOSYS, the statistics, --trace-syscalls ----------------------------------- */

static char *slurp(FILE *f)
{
	fflush(f);
	long n = ftell(f);
	char *t = calloc(1, (size_t)n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	rewind(f);
	CU_ASSERT_EQUAL(fread(t, 1, (size_t)n, f), (size_t)n);
	return t;
}

static void test_enosys_and_trace(void)
{
	struct box b;
	if (boot(&b, NULL))
		return;
	FILE *tr = tmpfile(), *js = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(js);
	cms_set_trace_syscalls(b.m, tr);
	memcpy(mem(&b, b.scratch), "hi\n\"\x01", 5);
	CU_ASSERT_EQUAL(call(&b, __NR_write, 1, b.scratch, 5, 0), 5);
	CU_ASSERT_EQUAL(call(&b, __NR_uname, 0x10, 0, 0, 0), -14);
	CU_ASSERT_EQUAL(call(&b, __NR_rseq, 0, 32, 0, 0x53053053), -38);
	CU_ASSERT_EQUAL(call(&b, 500, 1, 2, 3, 4), -38);
	CU_ASSERT_EQUAL(call(&b, 0x12345, 0, 0, 0, 0), -38);
	CU_ASSERT_EQUAL(call(&b, __NR_getpid, 0, 0, 0, 0), 1000);
	CU_ASSERT_EQUAL(call(&b, __NR_brk, 0, 0, 0, 0), (int32_t)aspace_brk(b.m, 0));
	cms_set_trace_syscalls(b.m, NULL);
	CU_ASSERT_EQUAL(call(&b, __NR_getppid, 0, 0, 0, 0), 1);   /* not traced */
	b.m->xr[X86_EAX] = __NR_exit_group;
	b.m->xr[X86_EBX] = 3;
	cms_set_trace_syscalls(b.m, tr);
	syscall_dispatch(b.m);
	CU_ASSERT(b.m->exited && b.m->exit_status == 3 && b.m->xr[X86_EAX] == __NR_exit_group);
	char *t = slurp(tr), brk[64];
	snprintf(brk, sizeof brk, "brk(NULL) = 0x%x\n", aspace_brk(b.m, 0));
	const char *want[] = {
		"write(1, \"hi\\n\\\"\\x01\", 5) = 5\n",
		"uname(0x10) = -1 EFAULT (Bad address)\n",
		"rseq(NULL, 32, 0x0, 0x53053053) = -1 ENOSYS (Function not implemented)\n",
		"syscall_500(0x1, 0x2, 0x3, 0x4, 0x0, 0x0) = -1 ENOSYS (Function not implemented)\n",
		"syscall_74565(",
		"getpid() = 1000\n",
		brk,
		"exit_group(3) = ?\n",
	};
	const char *at = t;
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *p = strstr(at, want[i]);
		CHECK(p != NULL, "trace lacks (in order) %s in:\n%s", want[i], t);
		if (p)
			at = p + strlen(want[i]);
	}
	CHECK(!strstr(t, "getppid"), "traced while off:\n%s", t);
	/* counted by number and by name; the three -ENOSYS answers in `enosys` */
	CU_ASSERT_EQUAL(b.m->st.enosys, 3);
	CU_ASSERT_EQUAL(b.m->st.syscalls[__NR_rseq], 1);
	CU_ASSERT_EQUAL(b.m->st.syscalls[500], 1);
	CU_ASSERT_EQUAL(b.m->st.syscalls[MAX_SYSCALL_NR], 1);
	CU_ASSERT_EQUAL(cms_write_stats_json(b.m, NULL, js), 0);
	char *j = slurp(js);
	const char *keys[] = {"\"rseq\": 1", "\"#500\": 1", "\"#512+\": 1", "\"write\": 1", "\"exit_group\": 1",
			      "\"enosys\": 3"};
	for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
		CHECK(strstr(j, keys[i]) != NULL, "--stats-json lacks %s", keys[i]);
	free(t);
	free(j);
	fclose(tr);
	fclose(js);
	unboot(&b);
}

void suite_syscall(void);
void suite_syscall(void)
{
	CU_pSuite s = CU_add_suite("syscall", NULL, NULL);
	CU_add_test(s, "cms/syscalls.def has the kernel's numbers", test_table);
	CU_add_test(s, "fixed ids, uname, ioctl on stdio", test_fixed_ids);
	CU_add_test(s, "simulated time follows cycles and chip.clock_mhz", test_simulated_time);
	CU_add_test(s, "getrandom depends only on sim.seed", test_getrandom_seed);
	CU_add_test(s, "-EFAULT at unmapped, read-only and hidden memory", test_efault);
	CU_add_test(s, "readv and writev: segments, partial counts", test_iovec);
	CU_add_test(s, "prlimit64 and ugetrlimit", test_rlimits);
	CU_add_test(s, "files under --fs-root (openat2): links stay inside, read-only, descriptors", test_files_openat2);
	CU_add_test(s, "files under --fs-root, resolved by hand (hosts without openat2)", test_files_by_hand);
	CU_add_test(s, "ENOSYS counted by number and name; --trace-syscalls", test_enosys_and_trace);
}
