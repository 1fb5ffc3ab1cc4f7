/* guest-tests/rt/rt.h: the tiny runtime every guest program links against.
 *
 * Guests are freestanding ELF32 i386 static executables.  The runtime
 * itself uses only the Linux i386 system calls exit (1), read (3), write
 * (4), brk (45) and exit_group (252), made through `int $0x80`; a program
 * that tests others makes them with rt_syscall, or set/get_thread_area
 * (243, 244) with the wrappers of tls.S.  Everything else (strings,
 * printf, malloc, 64-bit division, floating-point values as text) lives
 * here, in integer code only: the runtime is built with -mno-80387 even
 * for the floating-point programs (guest.mk's GUEST_FP).
 *
 *   #include "rt.h"
 *   int main(int argc, char **argv, char **envp)
 *   {
 *       int n = rt_scale(argc, argv);    // optional size argument, default 1
 *       printf("%d\n", n);
 *       return 0;
 *   }
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- system calls (rt/sys.S); each returns the raw kernel result: a
 * negative errno on failure ---------------------------------------------- */
__attribute__((noreturn)) void sys_exit(int status);
__attribute__((noreturn)) void sys_exit_group(int status);
int sys_read(int fd, void *buf, unsigned len);
int sys_write(int fd, const void *buf, unsigned len);
/* brk(0) returns the current break; brk(p) moves it and returns the new
 * break, or the old one when the kernel refuses. */
void *sys_brk(void *addr);
/* set_thread_area (243) / get_thread_area (244) on a Linux struct (rt/tls.S)
 * user_desc {entry_number, base_addr, limit, flags bit-fields}. */
int sys_set_thread_area(void *user_desc);
int sys_get_thread_area(void *user_desc);

__attribute__((noreturn)) void exit(int status);

/* Any system call by number, arguments in EBX, ECX, EDX, ESI, EDI, EBP
 * (rt/syscall6.S): the raw result, a negative errno on failure. */
int rt_syscall(int nr, int a, int b, int c, int d, int e, int f);

/* ---- strings (rt/string.c) --------------------------------------------- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
int atoi(const char *s);

/* ---- output (rt/printf.c): %d %i %u %x %X %s %c %%, the 'l' and 'll'
 * length modifiers, width, '0' and '-' flags.  Each printf call is one
 * write(1) (longer output is written in 512-byte pieces). -------------- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);

/* ---- memory (rt/malloc.c): first-fit free list on top of brk ----------- */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
/* Allocator self-check: returns the number of inconsistencies found (0 when
 * the heap is sane) and the free-block count / bytes through the pointers. */
int rt_heap_check(unsigned *free_blocks, unsigned *free_bytes);

/* ---- helpers (rt/util.c) ------------------------------------------------ */
/* argv[1] as a positive size factor; 1 when absent or not a positive number. */
int rt_scale(int argc, char **argv);
/* xorshift32 pseudo-random numbers: deterministic, state must be non-zero. */
uint32_t rt_rand(uint32_t *state);
/* Order-sensitive 32-bit checksum step (FNV-1a over the 4 bytes of v). */
uint32_t rt_mix(uint32_t h, uint32_t v);

/* ---- floating-point values as text, from their bits (rt/fpfmt.c) ------
 * Integer code only (the runtime is built without the FPU), so the text
 * is a function of the bits: printf's %.*e with `digits` significant
 * digits, correctly rounded (half to even), or with digits == 0 the exact
 * decimal expansion (rounded to what fits when it does not).  "inf",
 * "-inf", "nan", "-nan"; a long double is the x87's 80-bit format (sign
 * and exponent, explicit-integer-bit significand).  Each returns the
 * length of the text (snprintf's convention); RT_FPFMT_MAX holds any
 * float or double exactly. */
#define RT_FPFMT_MAX 800
int rt_fmt_f32(char *buf, size_t size, uint32_t bits, int digits);
int rt_fmt_f64(char *buf, size_t size, uint64_t bits, int digits);
int rt_fmt_f80(char *buf, size_t size, uint16_t sign_exp, uint64_t mant, int digits);

/* 64-bit division helpers clang calls on i386 (rt/divdi3.c). */
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

#endif
