/* tests/risu/risu_proto.h — the wire format between the risu tester
 * (tests/risu/risu.c, host x86-64) and the native i386 runner
 * (tests/risu/runner.c), plus what both sides must compute identically: the
 * fixed guest addresses and the scratch-memory image built from a seed.
 *
 * The runner first sends a struct risu_hello (where its exit trampoline and
 * its own image are).  Then one case goes down the runner's stdin as a
 * struct risu_case; one struct risu_result comes back, followed by
 * result.ndiff (capped at RISU_MAX_DIFF) struct risu_diff words: the scratch
 * and code-page words that changed.  Both carry the x87 state: the case the
 * one the sequence starts with, the result the one it ended or faulted with.
 *
 * The native address space holds exactly three things a sequence can
 * touch: the scratch page, the code page, and the runner's own image (the
 * runner unmaps its kernel stack, vdso and vvar at start and runs on a
 * stack inside its image).  cdvm models the first two byte for byte; a case
 * that touches the runner's image cannot be modelled and is skipped.
 * Header-only and freestanding (the runner has no libc). */
#ifndef CDVM_TESTS_RISU_PROTO_H
#define CDVM_TESTS_RISU_PROTO_H

#include <stdint.h>

#define RISU_CODE_ADDR 0x50000000u /* RWX page: the sequence, then a jmp back */
#define RISU_CODE_SIZE 4096u
#define RISU_MEM_ADDR 0x60000000u  /* scratch page; unmapped pages around it */
#define RISU_MEM_SIZE 4096u
/* The runner points FS and GS at the scratch page (set_thread_area), so
 * segment-override accesses work natively: fs:[x] = page + x,
 * gs:[x] = page + 0x800 + x.  cdvm gets the same bases. */
#define RISU_FS_BASE RISU_MEM_ADDR
#define RISU_GS_BASE (RISU_MEM_ADDR + 0x800u)
#define RISU_CODE_MAX 160u         /* 8 instructions of up to 15 bytes, + slack */
#define RISU_MAX_POKE 16u
/* Diff offsets: scratch words at [0, RISU_MEM_SIZE), code-page words at
 * RISU_DIFF_CODE + their offset in the page. */
#define RISU_DIFF_CODE RISU_MEM_SIZE
#define RISU_MAX_DIFF ((RISU_MEM_SIZE + RISU_CODE_SIZE) / 4u) /* every word: never capped */
#define RISU_MAGIC_CASE 0x65736163u   /* "case" */
#define RISU_MAGIC_RESULT 0x746c7372u /* "rslt" */
#define RISU_MAGIC_HELLO 0x6f6c6568u  /* "helo" */
/* The x87 state travels as the 108-byte image fnsave stores and frstor
 * loads in a 32-bit process (SDM vol. 1, figure 8-10): control, status and
 * tag words, instruction and operand pointers (each 32-bit slot), then
 * ST(0)..ST(7), 10 bytes each. */
#define RISU_FPU_BYTES 108u

struct risu_hello {
	uint32_t magic;
	uint32_t exit_addr;   /* the trailer's jmp target (risu_exit) */
	uint32_t image_start; /* the runner's own image, [start, end) */
	uint32_t image_end;
	uint32_t unmapped;    /* mappings the runner removed at start */
	uint32_t fs_sel, gs_sel; /* the selectors of its FS and GS segments */
};

/* EFLAGS bits the tester sets and compares: CF PF AF ZF SF DF OF. */
#define RISU_FLAGS_MASK 0x0cd5u

struct risu_poke {
	uint32_t off; /* word-aligned offset into the scratch page */
	uint32_t val;
};

struct risu_case {
	uint32_t magic;
	uint32_t regs[8]; /* EAX ECX EDX EBX ESP EBP ESI EDI */
	uint32_t eflags;  /* only RISU_FLAGS_MASK bits (bit 1 is forced on) */
	uint32_t mem_seed;
	uint32_t npoke;
	struct risu_poke poke[RISU_MAX_POKE];
	uint32_t code_len;
	uint8_t code[RISU_CODE_MAX];
	uint8_t fpu[RISU_FPU_BYTES]; /* the x87 state the sequence starts with (frstor) */
};

/* Where a result's x87 state comes from. */
enum risu_fpu_source {
	RISU_FPU_FNSAVE = 1, /* fnsave at the end of the sequence: the whole state */
	RISU_FPU_FRAME = 2,  /* at a fault: the kernel's signal frame (its fsave header) */
	RISU_FPU_NONE = 3,   /* at a fault whose frame had no x87 state */
};

struct risu_result {
	uint32_t magic;
	uint32_t signo;      /* 0: ran to the end; else the signal (SIGFPE, ...) */
	uint32_t trapno;     /* CPU exception vector when signo != 0 */
	uint32_t fault_eip;  /* EIP of the faulting instruction */
	uint32_t fault_addr; /* si_addr for SIGSEGV/SIGBUS */
	uint32_t regs[8];    /* at the end, or at the fault (precise) */
	uint32_t eflags;
	uint32_t ndiff;      /* changed scratch words; may exceed RISU_MAX_DIFF */
	uint32_t fpu_source; /* enum risu_fpu_source */
	uint8_t fpu[RISU_FPU_BYTES];
};

struct risu_diff {
	uint32_t off;
	uint32_t val;
};

/* The scratch image's words: xorshift32 (Marsaglia 2003) from the seed. */
static inline uint32_t risu_mem_first(const struct risu_case *c)
{
	return c->mem_seed ? c->mem_seed : 0x9e3779b9u;
}

static inline uint32_t risu_mem_next(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	return x ^ (x << 5);
}

/* The initial scratch image: xorshift32 words from the seed, then pokes. */
static inline void risu_fill_mem(uint8_t *mem, const struct risu_case *c)
{
	uint32_t x = risu_mem_first(c);
	for (uint32_t i = 0; i < RISU_MEM_SIZE; i += 4) {
		x = risu_mem_next(x);
		mem[i] = (uint8_t)x;
		mem[i + 1] = (uint8_t)(x >> 8);
		mem[i + 2] = (uint8_t)(x >> 16);
		mem[i + 3] = (uint8_t)(x >> 24);
	}
	for (uint32_t k = 0; k < c->npoke && k < RISU_MAX_POKE; k++) {
		uint32_t o = c->poke[k].off & (RISU_MEM_SIZE - 4u);
		uint32_t v = c->poke[k].val;
		mem[o] = (uint8_t)v;
		mem[o + 1] = (uint8_t)(v >> 8);
		mem[o + 2] = (uint8_t)(v >> 16);
		mem[o + 3] = (uint8_t)(v >> 24);
	}
}

/* The x87 image of the state after fninit (control word 0x037f: every
 * exception masked, 64-bit precision, round to nearest; all empty). */
static inline void risu_fpu_init(uint8_t *img)
{
	for (uint32_t i = 0; i < RISU_FPU_BYTES; i++)
		img[i] = 0;
	img[0] = 0x7f;
	img[1] = 0x03;
	img[8] = img[9] = 0xff;
}

/* The code page as the sequence starts: its bytes, `jmp rel32` to
 * exit_addr, zeros to the end of the page. */
static inline void risu_fill_code(uint8_t *page, const struct risu_case *c, uint32_t exit_addr)
{
	uint32_t n = c->code_len > RISU_CODE_MAX ? RISU_CODE_MAX : c->code_len;
	for (uint32_t i = 0; i < RISU_CODE_SIZE; i++)
		page[i] = i < n ? c->code[i] : 0;
	uint32_t rel = exit_addr - (RISU_CODE_ADDR + n + 5u);
	page[n] = 0xe9;
	for (uint32_t i = 0; i < 4; i++)
		page[n + 1 + i] = (uint8_t)(rel >> (8 * i));
}

#endif
