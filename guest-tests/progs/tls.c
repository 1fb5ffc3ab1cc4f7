/* guest-tests/progs/tls.c: glibc's thread-local storage start-up and the
 * segment registers: set_thread_area with entry_number -1 (the first free
 * TLS slot of the GDT: 12 for a 32-bit process on x86-64 Linux), %gs
 * loaded with that slot's selector and memory read and written through
 * %gs:, the selector read back (register, 16-bit register, memory, push),
 * push and pop of every segment register,
 * get_thread_area, the slot refilled while loaded (Linux reloads %gs),
 * the error answers (-EFAULT, -EINVAL, -ESRCH) and pop/mov into the other
 * segment registers.  Only values that do not depend on addresses are
 * printed.  With an argument it ends with a load the host refuses:
 *   tls gp   mov $0x13, %ds (a kernel selector): #GP, status 139
 *   tls ud   mov %eax, %cs: #UD, status 132 */
#include "rt.h"

#define EFAULT 14
#define EINVAL 22
#define ESRCH 3

struct user_desc {
    uint32_t entry, base, limit, flags;
};

static volatile uint32_t block[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static int failures;

static void expect(const char *what, long got, long want)
{
    printf("%-40s %ld%s\n", what, got, got == want ? "" : "  <-- UNEXPECTED");
    if (got != want)
        failures++;
}

static void set_gs(uint32_t sel) { __asm__ volatile("movl %0, %%gs" : : "r"(sel) : "memory"); }
static uint32_t get_gs(void) { uint32_t v = 0xdeadbeef; __asm__ volatile("movl %%gs, %0" : "+r"(v)); return v; }

static uint32_t gs_load(unsigned off)
{
    uint32_t v;
    __asm__ volatile("movl %%gs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
    return v;
}

static void selectors(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cs, %0" : "=r"(v)); expect("cs", v, 0x23);
    __asm__ volatile("movl %%ds, %0" : "=r"(v)); expect("ds", v, 0x2b);
    __asm__ volatile("movl %%es, %0" : "=r"(v)); expect("es", v, 0x2b);
    __asm__ volatile("movl %%ss, %0" : "=r"(v)); expect("ss", v, 0x2b);
    __asm__ volatile("movl %%fs, %0" : "=r"(v)); expect("fs", v, 0);
    __asm__ volatile("movl %%gs, %0" : "=r"(v)); expect("gs", v, 0);
}

static void errors(void)
{
    struct user_desc u = {11, 0, 0, 0};
    expect("get_thread_area(entry 11)", sys_get_thread_area(&u), -EINVAL);
    u.entry = 15;
    expect("get_thread_area(entry 15)", sys_get_thread_area(&u), -EINVAL);
    expect("get_thread_area(0x10)", sys_get_thread_area((void *)0x10), -EFAULT);
    expect("set_thread_area(0x10)", sys_set_thread_area((void *)0x10), -EFAULT);
    struct user_desc bad = {15, 0, 0xfffff, 0x51};
    expect("set_thread_area(entry 15)", sys_set_thread_area(&bad), -EINVAL);
    struct user_desc b16 = {(uint32_t)-1, 0x1000, 0xfff, 0x10};   /* 16-bit */
    expect("set_thread_area(16-bit segment)", sys_set_thread_area(&b16), -EINVAL);
    struct user_desc code = {(uint32_t)-1, 0x1000, 0xfff, 0x05};  /* contents 2 */
    expect("set_thread_area(code segment)", sys_set_thread_area(&code), -EINVAL);
    struct user_desc np = {(uint32_t)-1, 0x1000, 0xfff, 0x21};
    expect("set_thread_area(not present)", sys_set_thread_area(&np), -EINVAL);
}

static void other_slots(void)
{
    struct user_desc a = {(uint32_t)-1, 0, 0xfffff, 0x51}, b = a, c = a;
    expect("set_thread_area(-1) second", sys_set_thread_area(&a), 0);
    expect("  entry", a.entry, 13);
    expect("set_thread_area(-1) third", sys_set_thread_area(&b), 0);
    expect("  entry", b.entry, 14);
    expect("set_thread_area(-1) when full", sys_set_thread_area(&c), -ESRCH);
    struct user_desc clear = {13, 0, 0, 0x28};
    expect("clear entry 13", sys_set_thread_area(&clear), 0);
    struct user_desc g = {13, 1, 1, 1};
    expect("get_thread_area(13) cleared", sys_get_thread_area(&g), 0);
    expect("  base limit", (long)(g.base | g.limit), 0);
    expect("  flags", g.flags, 0x28);
    struct user_desc d = {(uint32_t)-1, 0x12345678, 0x7abcde, 0x1d3};   /* lm and limit bits dropped */
    expect("set_thread_area(-1) after clear", sys_set_thread_area(&d), 0);
    expect("  entry", d.entry, 13);
    g.entry = 13;
    sys_get_thread_area(&g);
    expect("  base", g.base, 0x12345678);
    expect("  limit", g.limit, 0xabcde);
    expect("  flags", g.flags, 0x53);
    struct user_desc z = {13, 0, 0, 0};   /* all zero: no segment */
    expect("zeroed descriptor clears", sys_set_thread_area(&z), 0);
    sys_get_thread_area(&g);
    expect("  flags", g.flags, 0x28);
}

static void other_registers(uint32_t sel)
{
    uint32_t v = 0x2b, f = 0;
    __asm__ volatile("movl %0, %%ds; movl %0, %%es; movl %0, %%ss" : : "r"(v) : "memory");
    __asm__ volatile("movl %%ds, %0" : "=r"(v)); expect("ds after mov 0x2b", v, 0x2b);
    __asm__ volatile("movl %0, %%fs" : : "r"(sel) : "memory");
    __asm__ volatile("movl %%fs:8, %0; movl %%fs, %1" : "=r"(f), "=r"(v)); expect("fs:8 through the TLS slot", f, 0x33333333);
    expect("fs", v, sel);
    v = 0;
    __asm__ volatile("pushl %1; popl %%fs; movl %%fs, %0" : "=r"(v) : "r"(v) : "memory");
    expect("pop fs 0", v, 0);
    __asm__ volatile("pushl %%gs; popl %0" : "=r"(v) : : "memory");
    expect("push gs", v, sel);
    __asm__ volatile("pushl $0x1234002b; popl %%gs; movl %%gs, %0" : "=r"(v) : : "memory");
    expect("pop gs 0x1234002b", v, 0x2b);
    __asm__ volatile("movw %w1, %%gs; movl %%gs, %0" : "=r"(v) : "r"(sel) : "memory");
    expect("movw %gs back to the slot", v, sel);
    __asm__ volatile("pushl %%cs; popl %0" : "=r"(v) : : "memory");
    expect("push cs", v, 0x23);
    __asm__ volatile("pushl %%ds; popl %%es; pushl %%ss; popl %%ds; pushw %%es; popw %%ss; movl %%es, %0"
                     : "=r"(v) : : "memory");
    expect("push/pop ds es ss", v, 0x2b);
}

int main(int argc, char **argv)
{
    selectors();
    struct user_desc u = {(uint32_t)-1, (uint32_t)block, 0xfffff, 0x51};
    expect("set_thread_area(-1)", sys_set_thread_area(&u), 0);
    printf("entry %u\n", u.entry);
    uint32_t sel = u.entry << 3 | 3;
    set_gs(sel);
    expect("gs:0", gs_load(0), 0x11111111);
    expect("gs:4", gs_load(4), 0x22222222);
    __asm__ volatile("movl %0, %%gs:12" : : "r"(0x55667788u) : "memory");
    expect("block[3] written through gs:12", block[3], 0x55667788);
    expect("gs", get_gs(), sel);
    uint32_t v = 0xdeadbeef;
    __asm__ volatile("movw %%gs, %w0" : "+r"(v));
    expect("movw %gs, %ax keeps the top", v, (long)(0xdead0000u | sel));
    uint16_t m[2] = {0xaaaa, 0xbbbb};
    __asm__ volatile("movw %%gs, %0" : "=m"(m[0]));
    expect("mov %gs to memory", m[0], sel);
    expect("  next word", m[1], 0xbbbb);
    struct user_desc g = {u.entry, 0, 0, 0};
    expect("get_thread_area", sys_get_thread_area(&g), 0);
    expect("  base is the block", g.base == (uint32_t)block, 1);
    expect("  limit", g.limit, 0xfffff);
    expect("  flags", g.flags, 0x51);
    /* refill the loaded slot: Linux reloads %gs, so the new base shows */
    struct user_desc r = {u.entry, (uint32_t)block + 4, 0xfffff, 0x51};
    expect("set_thread_area(loaded slot)", sys_set_thread_area(&r), 0);
    expect("gs:0 after the refill", gs_load(0), 0x22222222);
    r.base = (uint32_t)block;
    sys_set_thread_area(&r);
    errors();
    other_slots();
    other_registers(sel);
    printf("failures %d\n", failures);
    if (argc > 1 && argv[1][0] == 'g')
        __asm__ volatile("movl %0, %%ds" : : "r"(0x13) : "memory");
    if (argc > 1 && argv[1][0] == 'u')
        __asm__ volatile(".byte 0x8e, 0xc8" : : "a"(0x23) : "memory");   /* mov %eax, %cs */
    return failures;
}
