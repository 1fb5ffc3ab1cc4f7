/* cms/x86/x86.h — the firmware's model of the x86 guest: decoder and
 * instruction semantics, shared by the interpreter and (later) the
 * translator.
 *
 * The x86 architectural state is NOT a struct of its own: it lives in the
 * chip's native registers (DESIGN.md contract 3).  The firmware hands the
 * semantics a pointer to those registers laid out as below, and callbacks
 * that reach guest memory through the chip's data cache.
 *
 *   struct x86_env env = { .r = chip_x86_regs(chip), .ctx = cms, .load = ..., ... };
 *   struct x86_step_info info;
 *   enum x86_stop s = x86_step(&env, &info);
 */
#ifndef CDVM_CMS_X86_H
#define CDVM_CMS_X86_H

#include <stddef.h>
#include <stdint.h>

/* Index of each x86 state register in env->r (same order as the native
 * registers r1..r12 that hold them). */
enum x86_reg {
	X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_ESP, X86_EBP, X86_ESI, X86_EDI,
	X86_EFLAGS, X86_EIP, X86_FSBASE, X86_GSBASE,
	X86_NSTATE
};

struct x86_env {
	uint32_t *r;  /* X86_NSTATE registers */
	void *ctx;
	/* Guest memory.  Return 0, or -1 when the access faults (unmapped or
	 * hidden address); size is 1, 2 or 4. */
	int (*load)(void *ctx, uint32_t addr, unsigned size, uint32_t *val);
	int (*store)(void *ctx, uint32_t addr, unsigned size, uint32_t val);
	/* Instruction bytes at addr: copies up to len bytes into buf and
	 * returns how many are readable (fewer near the end of guest memory). */
	unsigned (*fetch)(void *ctx, uint32_t addr, uint8_t *buf, unsigned len);
	/* Simulated cycle count, for RDTSC. */
	uint64_t (*cycles)(void *ctx);
};

/* Why x86_step stopped; on every value but X86_OK the state is exactly the
 * state before the instruction (a fault is precise), except X86_SYSCALL
 * (EIP already points past `int $0x80`). */
enum x86_stop {
	X86_OK,        /* instruction retired */
	X86_SYSCALL,   /* int $0x80 retired: the firmware's syscall layer runs next */
	X86_FAULT_DE,  /* divide error (#DE) -> SIGFPE */
	X86_FAULT_UD,  /* invalid or unsupported instruction (#UD) -> SIGILL */
	X86_FAULT_MEM, /* page fault / bad access -> SIGSEGV; info->fault_addr */
	X86_FAULT_GP,  /* general protection (privileged instruction, int n != 0x80) -> SIGSEGV */
	X86_HLT,       /* hlt in user mode is #GP natively; reported as GP by the firmware */
};

/* Cost classes the firmware charges interpretation cycles by (cms.cost.*). */
enum x86_cost_class {
	X86_COST_ALU, X86_COST_MEM, X86_COST_BRANCH, X86_COST_MULDIV,
	X86_COST_STRING, X86_COST_COMPLEX, X86_COST_SYSCALL,
};

struct x86_step_info {
	enum x86_cost_class cost;  /* class of the instruction just executed */
	unsigned iterations;       /* string instructions: iterations done (rep) */
	unsigned len;              /* instruction length in bytes */
	uint32_t fault_addr;       /* X86_FAULT_MEM: the faulting address */
	int ends_block;            /* control transfer: the next EIP starts a new block */
};

/* Execute one instruction at r[X86_EIP]. */
enum x86_stop x86_step(struct x86_env *env, struct x86_step_info *info);

#endif
