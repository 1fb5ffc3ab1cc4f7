/* guest-tests/progs/vmem.c: the guest's virtual memory as Linux gives it:
 * anonymous mmap (demand-zero pages), munmap, mprotect, mremap, brk, the
 * stack growing on demand, partial write counts at unmapped memory, and
 * the faults a process gets for breaking its page protections.
 *
 *   vmem              the checks that must pass (prints one line each)
 *   vmem CASE         one fault that must end the program with SIGSEGV:
 *     stack-exec      code built on the stack by pushes, jumped to
 *     data-exec       a function in .data called
 *     above-brk       a load 64 KiB above the break
 *     munmapped       a load from a page after munmap
 *     readonly        a store to a page mprotect made read-only
 *     none            a load from a PROT_NONE mapping
 *   vmem exec-mmap    code written into an RWX mapping and called (status 7)
 *
 * Addresses differ between cdvm (a 3 GiB i386 layout) and the native run
 * (an i386 process on a 64-bit kernel, randomized): nothing printed
 * depends on them. */
#include "rt.h"

enum {
    NR_MUNMAP = 91, NR_MPROTECT = 125, NR_MREMAP = 163, NR_MMAP2 = 192,
    PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4,
    MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
    MREMAP_MAYMOVE = 1, PAGE = 4096,
};

static char *map(unsigned len, int prot, int flags, void *hint)
{
    return (char *)rt_syscall(NR_MMAP2, (int)hint, (int)len, prot, flags, -1, 0);
}

static int failed(const void *p) { return (uint32_t)p >= 0xfffff000u; }
static int err(const void *p) { return failed(p) ? -(int)(uint32_t)p : 0; }

static void check(const char *what, int ok)
{
    printf("%-48s %s\n", what, ok ? "ok" : "FAILED");
}

/* a frame of 64 KiB per level: 1 MiB of stack for depth 16 */
static unsigned deep(unsigned n)
{
    volatile unsigned char frame[65536];
    for (unsigned i = 0; i < sizeof frame; i += PAGE)
        frame[i] = (unsigned char)(n + i / PAGE);
    unsigned s = n ? deep(n - 1) : 0;
    for (unsigned i = 0; i < sizeof frame; i += PAGE)
        s += frame[i];
    return s;
}

static void checks(void)
{
    /* anonymous memory reads as zero, every page of it */
    unsigned len = 1u << 20;
    char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    int zero = !failed(p);
    for (unsigned i = 0; zero && i < len; i += 512)
        zero = p[i] == 0;
    check("mmap: 1 MiB of zeros", zero);
    uint32_t sum = 0;
    for (unsigned i = 0; !failed(p) && i < len; i += PAGE)
        p[i] = (char)(i / PAGE);
    for (unsigned i = 0; !failed(p) && i < len; i += PAGE)
        sum += (unsigned char)p[i];
    check("mmap: a byte in every page kept", sum == 255 * 256 / 2);
    /* a shared anonymous mapping (one process: the same as private) */
    char *sh = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, 0);
    check("mmap: shared anonymous", !failed(sh) && (sh[5] = 9, sh[5] == 9));

    /* the kernel's argument checks */
    check("mmap: length 0 is EINVAL", err(map(0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0)) == 22);
    check("mmap: neither shared nor private is EINVAL", err(map(PAGE, PROT_READ, MAP_ANONYMOUS, 0)) == 22);
    check("mmap: MAP_FIXED unaligned is EINVAL",
          err(map(PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, p + 1)) == 22);
    check("mmap: a file mapping of fd -1 is EBADF", err(map(PAGE, PROT_READ, MAP_PRIVATE, 0)) == 9);
    check("munmap: unaligned is EINVAL", rt_syscall(NR_MUNMAP, (int)(p + 1), PAGE, 0, 0, 0, 0) == -22);
    check("munmap: length 0 is EINVAL", rt_syscall(NR_MUNMAP, (int)p, 0, 0, 0, 0, 0) == -22);

    /* a hole: mprotect over it is ENOMEM, around it fine */
    check("munmap: one page in the middle", rt_syscall(NR_MUNMAP, (int)(p + PAGE), PAGE, 0, 0, 0, 0) == 0);
    check("mprotect: over the hole is ENOMEM", rt_syscall(NR_MPROTECT, (int)p, 3 * PAGE, PROT_READ, 0, 0, 0) == -12);
    check("mprotect: read-only, still readable",
          rt_syscall(NR_MPROTECT, (int)(p + 2 * PAGE), 2 * PAGE, PROT_READ, 0, 0, 0) == 0 && p[2 * PAGE] == 2);
    check("mprotect: unaligned is EINVAL", rt_syscall(NR_MPROTECT, (int)(p + 3), PAGE, PROT_READ, 0, 0, 0) == -22);
    check("mprotect: bad bits are EINVAL", rt_syscall(NR_MPROTECT, (int)p, PAGE, 0x40, 0, 0, 0) == -22);

    /* mremap: grow (moving), the contents come along; shrink in place */
    char *q = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    q[0] = 'a';
    q[PAGE + 7] = 'b';
    char *r = (char *)rt_syscall(NR_MREMAP, (int)q, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE, 0, 0);
    check("mremap: grown to 64 pages", !failed(r) && r[0] == 'a' && r[PAGE + 7] == 'b' && r[63 * PAGE] == 0);
    if (!failed(r))
        r[63 * PAGE + 1] = 'c';
    check("mremap: shrunk in place",
          !failed(r) && rt_syscall(NR_MREMAP, (int)r, 64 * PAGE, PAGE, 0, 0, 0) == (int)r && r[0] == 'a');
    char *t = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    check("mremap: no room, no MAYMOVE is ENOMEM", rt_syscall(NR_MREMAP, (int)t, PAGE, 2 * PAGE, 0, 0, 0) == -12);
    check("mremap: unknown flags are EINVAL", rt_syscall(NR_MREMAP, (int)t, PAGE, 2 * PAGE, 8, 0, 0) == -22);

    /* brk: grow, use, give back */
    char *b0 = sys_brk(0);
    char *b1 = sys_brk(b0 + 100000);
    int ok = b1 == b0 + 100000;
    if (ok) {
        b0[99999] = 'x';
        ok = b0[99999] == 'x' && b0[50000] == 0;
    }
    check("brk: 100000 bytes more, zeroed", ok);
    check("brk: back to the start", sys_brk(b0) == b0 && sys_brk(0) == b0);

    /* the stack grows on demand */
    unsigned want = 0;
    for (unsigned k = 0; k <= 15; k++)
        for (unsigned i = 0; i < 16; i++)
            want += (unsigned char)(k + i);
    check("stack: 1 MiB of frames", deep(15) == want);

    /* write stops at the first page it cannot read: a partial count */
    char *w = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    memcpy(w + PAGE - 5, "part\n", 5);
    rt_syscall(NR_MUNMAP, (int)(w + PAGE), PAGE, 0, 0, 0, 0);
    printf("write across the end of a mapping: ");
    int n = sys_write(1, w + PAGE - 5, 12);
    printf("%d\n", n);
    check("write from an unmapped page is EFAULT", sys_write(1, w + PAGE, 4) == -14);

    /* the physical address where cdvm's hidden memory lies is an ordinary
     * virtual address to the guest: a fresh mapping there reads zeros */
    char *h = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (void *)0x04000000);
    zero = !failed(h);
    for (unsigned i = 0; zero && i < PAGE; i++)
        zero = h[i] == 0;
    check("mmap at 0x04000000 (cdvm's carve-out): zeros", zero);
    check("munmap of it", rt_syscall(NR_MUNMAP, 0x04000000, PAGE, 0, 0, 0, 0) == 0);
}

/* in .data: not executable */
__attribute__((section(".data"))) static unsigned char data_code[8] = {0xb8, 42, 0, 0, 0, 0xc3};

static int fault(const char *c)
{
    printf("%s: the next access must fault\n", c);
    if (!strcmp(c, "stack-exec")) {
        /* mov $42, %eax; ret — 16 bytes pushed, then jmp *%esp */
        __asm__ volatile("pushl $0x90909090\n\tpushl $0x90909090\n\tpushl $0x90c3002a\n\tpushl $0x0000b890\n\t"
                         "call *%%esp\n\taddl $16, %%esp" ::: "eax", "memory");
        return 1;
    }
    if (!strcmp(c, "data-exec"))
        return ((int (*)(void))(void *)data_code)();
    if (!strcmp(c, "above-brk"))
        return *(volatile char *)((char *)sys_brk(0) + 65536);
    if (!strcmp(c, "munmapped") || !strcmp(c, "readonly") || !strcmp(c, "none")) {
        char *p = map(PAGE, strcmp(c, "none") ? PROT_READ | PROT_WRITE : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
        p[0] = strcmp(c, "none") ? 1 : 0;
        if (!strcmp(c, "munmapped")) {
            rt_syscall(NR_MUNMAP, (int)p, PAGE, 0, 0, 0, 0);
            return *(volatile char *)p;
        }
        rt_syscall(NR_MPROTECT, (int)p, PAGE, PROT_READ, 0, 0, 0);
        *(volatile char *)p = 2;
        return 1;
    }
    if (!strcmp(c, "exec-mmap")) {
        unsigned char *p = (unsigned char *)map(PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, 0);
        static const unsigned char code[] = {0xb8, 7, 0, 0, 0, 0xc3};   /* mov $7, %eax; ret */
        memcpy(p, code, sizeof code);
        printf("(no fault: status 7)\n");
        return ((int (*)(void))(void *)p)();
    }
    printf("unknown case %s\n", c);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return fault(argv[1]);
    checks();
    return 0;
}
