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
 *
 * or, decoding once and executing the decoded form (what a decode cache or
 * the translator does):
 *
 *   struct x86_insn in;
 *   int n = x86_decode(bytes, avail, &in);   // > 0: length
 *   if (n > 0) s = x86_exec(&env, &in, &info);
 *
 * The subset (32-bit flat protected mode, user level, integer only) and
 * every choice for undefined flags are in docs/x86-subset.md, which
 * x86_write_subset_doc() generates from the decode table.
 */
#ifndef CDVM_CMS_X86_H
#define CDVM_CMS_X86_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cms/x86/ops.def"

struct x86_insn;
struct x87_state;   /* native-isa/x87.h */

/* Index of each x86 state register in env->r (same order as the native
 * registers r1..r12 that hold them). */
enum x86_reg {
	X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_ESP, X86_EBP, X86_ESI, X86_EDI,
	X86_EFLAGS, X86_EIP, X86_FSBASE, X86_GSBASE,
	X86_NSTATE
};

/* Segment state the firmware keeps beside the chip's registers: the six
 * selectors (what `mov r/m, Sreg` and `push fs` read) and the three TLS
 * entries of the GDT that set_thread_area fills (entries 12..14, as Linux
 * gives a 32-bit process on an x86-64 kernel).  The bases FS and GS give
 * are in the registers (X86_FSBASE, X86_GSBASE), where translated code
 * reads them; the selectors change only through interpreted instructions
 * (segment loads are never translated) and the TLS system calls.  Each
 * slot is kept as Linux's struct user_desc describes it: base, 20-bit
 * limit and the flag bits (seg_32bit, contents, read_exec_only,
 * limit_in_pages, seg_not_present, useable); an empty slot reads back as
 * X86_TLS_EMPTY. */
enum { X86_TLS_FIRST = 12, X86_TLS_SLOTS = 3 };
/* struct user_desc's flag bits (Linux asm/ldt.h) */
enum {
	X86_UD_32BIT = 1u << 0, X86_UD_CONTENTS = 3u << 1, X86_UD_READ_EXEC_ONLY = 1u << 3,
	X86_UD_LIMIT_IN_PAGES = 1u << 4, X86_UD_NOT_PRESENT = 1u << 5, X86_UD_USEABLE = 1u << 6,
	X86_UD_LM = 1u << 7,
	X86_TLS_EMPTY = X86_UD_READ_EXEC_ONLY | X86_UD_NOT_PRESENT, /* how an empty slot reads back */
};
struct x86_tls_slot {
	uint32_t base, limit, flags;
};
struct x86_segs {
	uint16_t sel[6];                        /* enum x86_seg order: ES CS SS DS FS GS */
	struct x86_tls_slot tls[X86_TLS_SLOTS];
};

/* The state a 32-bit process starts with under Linux x86-64 (measured on
 * the host: CS 0x23, DS ES SS 0x2b, FS GS 0; every TLS slot empty). */
void x86_segs_init(struct x86_segs *s);
/* Loading selector `sel` into segment register `seg` (enum x86_seg):
 * 0 with the base it gives, or -1 when the host raises #GP (cdvm's model
 * of the GDT Linux x86-64 gives a 32-bit task: docs/x86-subset.md). */
int x86_seg_check(const struct x86_segs *s, unsigned seg, uint32_t sel, uint32_t *base);

struct x86_env {
	uint32_t *r;  /* X86_NSTATE registers */
	void *ctx;
	/* Guest memory.  Return 0, or -1 when the access faults (unmapped or
	 * hidden address); size is 1, 2 or 4.  A store that returns -1 must
	 * not have changed memory. */
	int (*load)(void *ctx, uint32_t addr, unsigned size, uint32_t *val);
	int (*store)(void *ctx, uint32_t addr, unsigned size, uint32_t val);
	/* Instruction bytes at addr: copies up to len bytes into buf and
	 * returns how many are readable (fewer near the end of guest memory). */
	unsigned (*fetch)(void *ctx, uint32_t addr, uint8_t *buf, unsigned len);
	/* Simulated cycle count, for RDTSC. */
	uint64_t (*cycles)(void *ctx);
	/* Selectors and TLS slots (NULL: segment-register instructions are #UD). */
	struct x86_segs *segs;
	/* The x87 state (NULL: x87 instructions are #UD).  Like the general
	 * registers it is the chip's (chip_fpu): the interpreter and native
	 * code work on the same one. */
	struct x87_state *fpu;
};

/* Why x86_step stopped; on every value but X86_OK the registers are exactly
 * those before the instruction (a fault is precise), except X86_SYSCALL and
 * X86_TRAP (the instruction retired: EIP already points past it) and a
 * fault inside a REP string instruction, where ECX/ESI/EDI reflect the
 * iterations that completed (as natively: each iteration is an instruction
 * boundary).  Memory: PUSHA and ENTER keep the stores made before a fault,
 * as the host CPU does (docs/x86-subset.md, "Faults"). */
enum x86_stop {
	X86_OK,        /* instruction retired */
	X86_SYSCALL,   /* int $0x80 retired: the firmware's syscall layer runs next */
	X86_FAULT_DE,  /* divide error (#DE) -> SIGFPE */
	X86_FAULT_UD,  /* invalid or unsupported instruction (#UD) -> SIGILL */
	X86_FAULT_MF,  /* x87 floating-point error (#MF): a waiting x87
			  instruction met an unmasked exception pending -> SIGFPE */
	X86_FAULT_MEM, /* page fault / bad access -> SIGSEGV; info->fault_addr */
	X86_FAULT_GP,  /* general protection (privileged instruction, int n other
			  than 3/4/0x80, FS/GS offset past the segment limit) -> SIGSEGV */
	X86_HLT,       /* hlt in user mode is #GP natively; reported as GP by the firmware */
	X86_TRAP,      /* a trap retired (EIP past it); info->trap is the vector:
			  3 = #BP (int3, int 3) -> SIGTRAP; 4 = #OF (into with OF=1,
			  int 4) -> SIGSEGV, as Linux delivers them */
};

/* Cost classes the firmware charges interpretation cycles by (cms.cost.*). */
enum x86_cost_class {
	X86_COST_ALU, X86_COST_MEM, X86_COST_BRANCH, X86_COST_MULDIV,
	X86_COST_STRING, X86_COST_COMPLEX, X86_COST_SYSCALL, X86_COST_FP, X86_COST_FPTRANS,
	X86_COST_COUNT
};

struct x86_step_info {
	enum x86_cost_class cost;  /* class of the instruction just executed */
	unsigned op;               /* its enum x86_op (X86_OP_COUNT: not decoded) */
	unsigned iterations;       /* string instructions: iterations done (rep) */
	unsigned len;              /* instruction length in bytes */
	uint32_t fault_addr;       /* X86_FAULT_MEM: the faulting address */
	unsigned trap;             /* X86_TRAP: the exception vector (3 or 4), else 0 */
	int ends_block;            /* control transfer: the next EIP starts a new block */
};

/* ---- decoded instructions ------------------------------------------ */

/* Operation ids, from cms/x86/ops.def (X86_OP_ADD, X86_OP_JNE, ...). */
enum x86_op {
#define X86_OP_ENUM(id, ...) X86_OP_##id,
	X86_OPS(X86_OP_ENUM)
#undef X86_OP_ENUM
	X86_OP_COUNT
};

/* Properties of an op (ops.def explains each). */
enum {
	OPF_BRANCH = O_BRANCH,
	OPF_UNSUP = O_UNSUP,
	OPF_TRAPS = O_TRAPS,
	OPF_COUNT = O_COUNT,
	OPF_UKEEP = O_UKEEP,
	OPF_REP0 = O_REP0,
	OPF_MOVE = O_MOVE,
	OPF_ESP = O_ESP_,
	OPF_LEAVE = O_LEAVE,
	OPF_ZERO = O_ZERO,
	OPF_STR1 = O_STR1,
	OPF_STR2 = O_STR2,
	OPF_FPU = O_FPU,
	OPF_FPCTL = O_FPCTL,
	OPF_FPNW = O_FPNW,
};

/* Use of an explicit operand (x86_op_use). */
enum { X86_USE_R = O_R, X86_USE_W = O_W };

/* Latency class of an op: which core.latency.* it takes. */
enum x86_latclass { X86_LAT_ALU, X86_LAT_MUL, X86_LAT_DIV };

/* One row of ops.def. */
struct x86_op_info {
	const char *name;     /* mnemonic */
	uint8_t cost;         /* enum x86_cost_class */
	uint8_t family;       /* enum x86_family_id (cms/insn/insn.h) */
	int8_t xf;            /* enum xf_op, or -1 */
	uint8_t use;          /* 2 bits per explicit operand: X86_USE_R | X86_USE_W */
	uint16_t props;       /* OPF_* */
	uint16_t fread;       /* EFLAGS bits read */
	uint16_t fwrite;      /* EFLAGS bits written with defined values */
	uint16_t fundef;      /* EFLAGS bits the SDM leaves undefined (see ops.def) */
	uint8_t iread, iwrite, iaddr;  /* implicit registers (1 << enum x86_reg) */
	uint8_t lat;          /* enum x86_latclass */
	uint8_t stores;       /* stores besides a written memory operand */
};
extern const struct x86_op_info x86_ops[X86_OP_COUNT];

/* The row of op (ops beyond the table answer as X86_OP_NONE's row). */
static inline const struct x86_op_info *x86_op(unsigned op)
{
	return &x86_ops[op < X86_OP_COUNT ? op : 0];
}

/* How operand k of op is used (X86_USE_R | X86_USE_W, 0: not at all). */
static inline unsigned x86_op_use(unsigned op, unsigned k)
{
	return (x86_op(op)->use >> (2 * k)) & 3u;
}

/* Status flags an instruction certainly writes (defined, or undefined and
 * always computed), as far as its bytes tell: a count of 0 (CL, or an
 * immediate that masks to 0) or a REP with ECX = 0 may write none. */
unsigned x86_flags_written(const struct x86_insn *in);
/* The same (and DF) for a run that knows ECX before the instruction (CL
 * counts, REP); ecx < 0: unknown, as x86_flags_written. */
unsigned x86_flags_written_ecx(const struct x86_insn *in, int64_t ecx);
/* Stores one execution (one iteration of a string operation) makes. */
unsigned x86_insn_stores(const struct x86_insn *in);

enum x86_opkind {
	X86_OPK_NONE,
	X86_OPK_REG,    /* reg: 0-7; for size 1: al cl dl bl ah ch dh bh */
	X86_OPK_MEM,    /* address from in->base/index/scale/disp/seg */
	X86_OPK_IMM,    /* in->imm (second immediate of ENTER: in->imm2) */
	X86_OPK_REL,    /* branch target = EIP + len + in->imm */
	X86_OPK_STRSRC, /* string source seg:[ESI] */
	X86_OPK_STRDST, /* string destination ES:[EDI] */
	X86_OPK_SREG,   /* segment register (reg: enum x86_seg) */
	X86_OPK_ST,     /* x87 register ST(reg); size 0: the implicit stack top, written `st` */
};

struct x86_operand {
	uint8_t kind;  /* enum x86_opkind */
	uint8_t size;  /* bytes: 1, 2, 4 (8 for cmpxchg8b's m64) */
	uint8_t reg;
};

/* Prefix bits (in->prefixes) */
enum {
	X86_PFX_LOCK = 1u << 0,    /* F0 */
	X86_PFX_REP = 1u << 1,     /* F3 REP/REPE */
	X86_PFX_REPNE = 1u << 2,   /* F2 REPNE */
	X86_PFX_OPSIZE = 1u << 3,  /* 66 */
	X86_PFX_ADDRSIZE = 1u << 4 /* 67 */
};

/* Segment of a memory operand (in->seg): ES CS SS DS FS GS; only FS and GS
 * have a non-zero base (r[X86_FSBASE], r[X86_GSBASE]). */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS,
	       X86_SEG_GS, X86_SEG_NONE = 0xff };

#define X86_NOREG 0xff
#define X86_MAX_INSN_LEN 15

struct x86_insn {
	uint16_t op;        /* enum x86_op */
	uint8_t len;        /* bytes, prefixes included */
	uint8_t osize;      /* operand size: 2 or 4 */
	uint8_t prefixes;   /* X86_PFX_* */
	uint8_t rep;        /* 0, X86_PFX_REP or X86_PFX_REPNE (the last one wins) */
	uint8_t seg;        /* segment override, X86_SEG_NONE if none */
	uint8_t nops;       /* operands used in o[] */
	struct x86_operand o[3];  /* Intel order: destination first */
	/* the memory operand, if any (at most one) */
	uint8_t base, index; /* X86_NOREG when absent */
	uint8_t scale;       /* index << scale */
	uint8_t map;         /* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A, other: VEX/EVEX/XOP */
	uint8_t opcode;      /* last opcode byte */
	uint8_t modrm;       /* ModRM byte when present */
	uint32_t disp;
	uint32_t imm;        /* immediate, sign/zero-extended; REL: offset */
	uint32_t imm2;       /* second immediate (ENTER's nesting level) */
};

/* x86_decode status */
enum {
	X86_DECODE_TRUNC = -1,   /* buffer ends before the instruction does */
	X86_DECODE_INVALID = -2, /* #UD (or an unsupported instruction) */
};

/* Decode the instruction at buf (avail readable bytes, at most 15 used).
 * Returns its length (> 0) when cdvm executes it; X86_DECODE_TRUNC when
 * more bytes are needed; X86_DECODE_INVALID when it raises #UD in cdvm.  On
 * X86_DECODE_INVALID, out->len still holds the length the CPU would decode
 * (0 when no CPU decodes the bytes) and out->op names the class (X86_OP_X87,
 * X86_OP_SSE, ..., X86_OP_PRIV for privileged instructions, which natively
 * raise #GP rather than #UD; X86_OP_TOOLONG, length 0, when the instruction
 * would exceed 15 bytes, also #GP natively). */
int x86_decode(const uint8_t *buf, unsigned avail, struct x86_insn *out);

/* Execute a decoded instruction at env->r[X86_EIP] (which must be the
 * address it was decoded from).  Fills *info. */
enum x86_stop x86_exec(struct x86_env *env, const struct x86_insn *in,
		       struct x86_step_info *info);

/* The xflags operation (native-isa/xflags.h: XF_ADD, ...) that computes an
 * instruction's result and flags, or -1: shared by the interpreter and
 * the translator, so both compute ADD, SHL, ... the same way. */
static inline int x86_xf_op(enum x86_op op) { return x86_op(op)->xf; }

/* Fetch (env->fetch, up to 15 bytes), decode and execute one instruction.
 * A fetch that comes up short is X86_FAULT_MEM at the first missing byte;
 * an undecodable instruction X86_FAULT_UD, or X86_FAULT_GP for
 * X86_OP_PRIV and X86_OP_TOOLONG. */
enum x86_stop x86_step(struct x86_env *env, struct x86_step_info *info);

/* Intel-syntax text like LLVM's ("add dword ptr [ebx + 4*ecx + 8], eax",
 * "rep movsb ..."), branch targets resolved against eip.  Returns the
 * length snprintf would (truncates to n). */
int x86_disasm(const struct x86_insn *in, uint32_t eip, char *buf, size_t n);

/* Mnemonic of an op ("add", "cmovne", "movsd", "pushfd") and its cost class. */
const char *x86_op_name(enum x86_op op);
enum x86_cost_class x86_op_cost(enum x86_op op);
/* Name of a cost class ("alu", "fp_trans"), as statistics and docs write it. */
const char *x86_cost_name(enum x86_cost_class c);
unsigned x86_op_flags(enum x86_op op);

/* CPUID leaves as cdvm reports them (leaf in, EAX EBX ECX EDX out). */
void x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* Write docs/x86-subset.md (Markdown) from the decode table. */
void x86_write_subset_doc(FILE *f);

#endif
