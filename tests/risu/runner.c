/* tests/risu/runner.c — the native half of the risu differential tester: a
 * freestanding i386 program (no libc) that the host runs directly.  It maps
 * an RWX code page and a scratch page at fixed addresses (risu_proto.h),
 * unmaps everything else it does not need (kernel stack, vdso, vvar: a
 * stray access there must fault as it does in cdvm's model), says hello,
 * then loops: read a struct risu_case from stdin, build the scratch image,
 * copy the code followed by `jmp risu_exit`, run it (runner.S) from the
 * case's x87 state, and write a struct risu_result (with the x87 state at
 * the end, or the one the kernel saved at a fault) plus the changed scratch
 * and code-page words to stdout.  Faults
 * (#DE, #UD, #PF, #GP) are caught on an alternate signal stack, so the
 * sequence may leave ESP anywhere; the state reported at a fault is the
 * precise state the kernel saved.
 *
 *   build/risu/runner.elf < cases > results     (driven by build/san/risu) */
#include <stddef.h>
#include <stdint.h>

#include "tests/risu/risu_proto.h"

/* Linux i386 system call numbers and constants. */
enum {
	SYS_exit = 1, SYS_read = 3, SYS_write = 4, SYS_open = 5, SYS_close = 6,
	SYS_munmap = 91, SYS_rt_sigaction = 174,
	SYS_sigaltstack = 186, SYS_mmap2 = 192, SYS_set_thread_area = 243,
};
#define PROT_RWX 7u
#define MAP_PRIVATE_ANON_FIXED (0x02u | 0x20u | 0x10u)
#define SA_SIGINFO 0x4u
#define SA_ONSTACK 0x08000000u
#define SA_NODEFER 0x40000000u

uint32_t risu_in_regs[8], risu_in_eflags;
uint32_t risu_out_regs[8], risu_out_eflags;
uint32_t risu_saved_esp;
uint8_t risu_in_fpu[RISU_FPU_BYTES], risu_out_fpu[RISU_FPU_BYTES];

void risu_run(void);
void risu_exit(void);
void risu_resume(void) __attribute__((noreturn));
int runner_main(void);

static struct risu_case rcase;
static struct risu_result res;
static struct risu_diff diffs[RISU_MAX_DIFF];
static uint8_t init_mem[RISU_MEM_SIZE];
static uint8_t init_code[RISU_CODE_SIZE];
static char maps[32768];
/* The image's bounds, from the linker (lld defines both). */
extern const char __ehdr_start[], _end[];
static uint8_t altstack[65536] __attribute__((aligned(16)));

static long sys3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	/* EBP carries the sixth argument; save it by hand (frame pointer). */
	long args[6] = {a, b, c, d, e, f};
	long *ap = args;
	long ret;
	__asm__ volatile("push %%ebp\n\t"
			 "mov 20(%%ebx), %%ebp\n\t"
			 "mov 16(%%ebx), %%edi\n\t"
			 "mov 12(%%ebx), %%esi\n\t"
			 "mov 8(%%ebx), %%edx\n\t"
			 "mov 4(%%ebx), %%ecx\n\t"
			 "mov 0(%%ebx), %%ebx\n\t"
			 "int $0x80\n\t"
			 "pop %%ebp"
			 : "=a"(ret), "+b"(ap)
			 : "a"(nr)
			 : "ecx", "edx", "esi", "edi", "memory");
	return ret;
}

/* The compiler may emit calls to these even freestanding. */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}
void *memset(void *d, int c, size_t n)
{
	uint8_t *dp = d;
	while (n--)
		*dp++ = (uint8_t)c;
	return d;
}

static void die(int code) __attribute__((noreturn));
static void die(int code)
{
	for (;;)
		sys3(SYS_exit, code, 0, 0);
}

static int read_full(void *buf, uint32_t n)
{
	uint8_t *p = buf;
	while (n) {
		long r = sys3(SYS_read, 0, (long)p, (long)n);
		if (r <= 0)
			return r == 0 && p == buf ? 0 : -1;
		p += r;
		n -= (uint32_t)r;
	}
	return 1;
}

static void write_full(const void *buf, uint32_t n)
{
	const uint8_t *p = buf;
	while (n) {
		long r = sys3(SYS_write, 1, (long)p, (long)n);
		if (r <= 0)
			die(3);
		p += r;
		n -= (uint32_t)r;
	}
}

/* Offsets (in 32-bit words) of the i386 struct sigcontext inside the
 * ucontext: uc_flags, uc_link, uc_stack (3 words), then the sigcontext
 * gs fs es ds edi esi ebp esp ebx edx ecx eax trapno err eip cs eflags ... */
enum { UC_MCTX = 5, SC_EDI = 4, SC_TRAPNO = 12, SC_EIP = 14, SC_EFLAGS = 16, SC_FPSTATE = 19 };

static void on_fault(int sig, void *info, void *ucv)
{
	const uint32_t *sc = (const uint32_t *)ucv + UC_MCTX;
	/* sigcontext order edi esi ebp esp ebx edx ecx eax -> EAX..EDI */
	static const int from[8] = {11, 10, 9, 8, 7, 6, 5, 4};
	for (int i = 0; i < 8; i++)
		risu_out_regs[i] = sc[from[i]];
	risu_out_eflags = sc[SC_EFLAGS];
	res.signo = (uint32_t)sig;
	res.trapno = sc[SC_TRAPNO];
	res.fault_eip = sc[SC_EIP];
	res.fault_addr = ((const uint32_t *)info)[3]; /* si_addr */
	/* the interrupted x87 state: the frame's struct _fpstate starts with
	 * the fsave image (the handler itself runs on a fresh x87 state) */
	const uint8_t *fp = (const uint8_t *)sc[SC_FPSTATE];
	res.fpu_source = fp ? RISU_FPU_FRAME : RISU_FPU_NONE;
	if (fp)
		memcpy(res.fpu, fp, RISU_FPU_BYTES);
	risu_resume();
}

struct k_sigaction {
	void (*handler)(int, void *, void *);
	uint32_t flags;
	void (*restorer)(void);
	uint32_t mask[2];
};

/* A TLS descriptor (struct user_desc) with the given base, 4 GiB limit,
 * loaded into FS (fs != 0) or GS. */
static void load_segment(uint32_t base, int fs)
{
	struct {
		uint32_t entry, base, limit, flags;
	} ud = {0xffffffffu, base, 0xfffffu,
		/* seg_32bit | limit_in_pages | useable (contents 0 = data, writable) */
		1u | 1u << 4 | 1u << 6};
	if (sys3(SYS_set_thread_area, (long)&ud, 0, 0) != 0)
		die(8);
	uint32_t sel = ud.entry * 8u + 3u;
	if (fs)
		__asm__ volatile("mov %0, %%fs" : : "r"(sel));
	else
		__asm__ volatile("mov %0, %%gs" : : "r"(sel));
}

static void say(const char *msg)
{
	uint32_t n = 0;
	while (msg[n])
		n++;
	sys3(SYS_write, 2, (long)msg, (long)n);
}

static uint32_t page_up(uint32_t a)
{
	return (a + 4095u) & ~4095u;
}

static int keep_mapping(uint32_t lo, uint32_t hi)
{
	uint32_t img_lo = (uint32_t)__ehdr_start & ~4095u, img_hi = page_up((uint32_t)_end);
	return (lo < img_hi && hi > img_lo) ||
	       (lo < RISU_CODE_ADDR + RISU_CODE_SIZE && hi > RISU_CODE_ADDR) ||
	       (lo < RISU_MEM_ADDR + RISU_MEM_SIZE && hi > RISU_MEM_ADDR);
}

/* Remove every mapping but the image, the code page and the scratch page
 * (the runner already runs on its own stack, runner.S).  Lines of
 * /proc/self/maps start "lo-hi " in hex.  Returns how many were removed. */
static uint32_t unmap_the_rest(void)
{
	long fd = sys3(SYS_open, (long)"/proc/self/maps", 0, 0);
	if (fd < 0) {
		say("runner: cannot open /proc/self/maps\n");
		die(9);
	}
	uint32_t len = 0;
	for (;;) {
		long r = sys3(SYS_read, fd, (long)(maps + len), (long)(sizeof maps - 1 - len));
		if (r < 0) {
			say("runner: cannot read /proc/self/maps\n");
			die(9);
		}
		if (r == 0)
			break;
		len += (uint32_t)r;
		if (len == sizeof maps - 1) {
			say("runner: /proc/self/maps is too long\n");
			die(9);
		}
	}
	sys3(SYS_close, fd, 0, 0);
	maps[len] = 0;
	uint32_t removed = 0;
	for (const char *p = maps; *p;) {
		uint32_t v[2] = {0, 0};
		for (int k = 0; k < 2; k++, p++)
			for (;; p++) {
				char ch = *p;
				uint32_t d = ch >= '0' && ch <= '9' ? (uint32_t)(ch - '0') :
					     ch >= 'a' && ch <= 'f' ? (uint32_t)(ch - 'a' + 10) : 16u;
				if (d == 16u)
					break;
				v[k] = v[k] << 4 | d;
			}
		if (v[1] > v[0] && !keep_mapping(v[0], v[1])) {
			if (sys3(SYS_munmap, (long)v[0], (long)(v[1] - v[0]), 0) != 0) {
				say("runner: munmap failed\n");
				die(9);
			}
			removed++;
		}
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	return removed;
}

static uint32_t setup(void)
{
	long r = sys6(SYS_mmap2, RISU_CODE_ADDR, RISU_CODE_SIZE, PROT_RWX,
		      MAP_PRIVATE_ANON_FIXED, -1, 0);
	if (r != (long)RISU_CODE_ADDR)
		die(4);
	r = sys6(SYS_mmap2, RISU_MEM_ADDR, RISU_MEM_SIZE, 3, MAP_PRIVATE_ANON_FIXED, -1, 0);
	if (r != (long)RISU_MEM_ADDR)
		die(5);
	load_segment(RISU_FS_BASE, 1);
	load_segment(RISU_GS_BASE, 0);
	uint32_t ss[3] = {(uint32_t)altstack, 0, sizeof altstack};
	if (sys3(SYS_sigaltstack, (long)ss, 0, 0) != 0)
		die(6);
	static const int sigs[] = {4 /*ILL*/, 5 /*TRAP*/, 7 /*BUS*/, 8 /*FPE*/, 11 /*SEGV*/};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct k_sigaction sa = {on_fault, SA_SIGINFO | SA_ONSTACK | SA_NODEFER, 0, {0, 0}};
		if (sys6(SYS_rt_sigaction, sigs[i], (long)&sa, 0, 8, 0, 0) != 0)
			die(7);
	}
	/* No handler returns (risu_resume), so no restorer is needed once the
	 * vdso, which holds the default one, is gone. */
	return unmap_the_rest();
}

static void add_diffs(const uint8_t *now, const uint8_t *before, uint32_t size, uint32_t base)
{
	for (uint32_t o = 0; o < size; o += 4) {
		uint32_t a, b;
		memcpy(&a, now + o, 4);
		memcpy(&b, before + o, 4);
		if (a != b) {
			if (res.ndiff < RISU_MAX_DIFF)
				diffs[res.ndiff] = (struct risu_diff){base + o, a};
			res.ndiff++;
		}
	}
}

static void run_case(void)
{
	uint8_t *code = (uint8_t *)RISU_CODE_ADDR;
	uint8_t *mem = (uint8_t *)RISU_MEM_ADDR;

	risu_fill_mem(init_mem, &rcase);
	memcpy(mem, init_mem, RISU_MEM_SIZE);
	/* the whole page: nothing a stray store left in the last case survives */
	risu_fill_code(init_code, &rcase, (uint32_t)risu_exit);
	memcpy(code, init_code, RISU_CODE_SIZE);
	memcpy(risu_in_regs, rcase.regs, sizeof risu_in_regs);
	risu_in_eflags = (rcase.eflags & RISU_FLAGS_MASK) | 2u;
	memset(&res, 0, sizeof res);
	memcpy(risu_in_fpu, rcase.fpu, sizeof risu_in_fpu);
	risu_run();
	if (!res.signo) {
		res.fpu_source = RISU_FPU_FNSAVE;
		memcpy(res.fpu, risu_out_fpu, sizeof res.fpu);
	}

	res.magic = RISU_MAGIC_RESULT;
	memcpy(res.regs, risu_out_regs, sizeof res.regs);
	res.eflags = risu_out_eflags;
	add_diffs(mem, init_mem, RISU_MEM_SIZE, 0);
	add_diffs(code, init_code, RISU_CODE_SIZE, RISU_DIFF_CODE);
}

int runner_main(void)
{
	struct risu_hello hello = {RISU_MAGIC_HELLO, (uint32_t)risu_exit, (uint32_t)__ehdr_start,
				   (uint32_t)_end, 0, 0, 0};
	hello.unmapped = setup();
	uint16_t fs, gs;
	__asm__ volatile("mov %%fs, %0\n\tmov %%gs, %1" : "=r"(fs), "=r"(gs));
	hello.fs_sel = fs;
	hello.gs_sel = gs;
	write_full(&hello, sizeof hello);
	for (;;) {
		int r = read_full(&rcase, sizeof rcase);
		if (r == 0)
			return 0;
		if (r < 0 || rcase.magic != RISU_MAGIC_CASE)
			return 2;
		run_case();
		write_full(&res, sizeof res);
		uint32_t nd = res.ndiff < RISU_MAX_DIFF ? res.ndiff : RISU_MAX_DIFF;
		write_full(diffs, nd * (uint32_t)sizeof diffs[0]);
	}
}
