/* native-isa/isa.h — the cdvm native VLIW instruction set.
 *
 * Everything here comes from the table in native-isa/isa.def.  An atom is one
 * 64-bit little-endian word:
 *
 *   63            32 31 30  29..26  25..20  19..14  13..8   7     6..0
 *   [     imm32     ][0][ i ][  x  ][  rb  ][  ra  ][  rd  ][stop][ op ]
 *
 * A bundle (molecule) is a run of atoms ending with one whose stop bit is set;
 * the chip issues one bundle per cycle.  `i` says that operand b is imm32
 * instead of rb.  Unused fields must be zero, so every word decodes to at
 * most one atom and re-encodes to itself (tests/unit/isa.c checks this).
 *
 *   struct atom a = { .op = OP_ADD, .rd = 1, .ra = 2, .use_imm = 1, .imm = 5, .stop = 1 };
 *   uint64_t w = isa_encode(&a);
 *   char text[96]; isa_format(&a, text, sizeof text);   // "add r1, r2, #5"
 */
#ifndef CDVM_NATIVE_ISA_ISA_H
#define CDVM_NATIVE_ISA_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum atom_op {
#define ATOM(name, mn, fmt, unit, lat, props, body, doc) OP_##name,
#include "native-isa/isa.def"
#undef ATOM
	OP_COUNT
};

/* Operand formats: which fields an atom uses and how it is written. */
#define ISA_FORMATS(X) \
	X(F_ALU,   "rd, ra, rb|#imm") \
	X(F_FLAG,  ".w rd, ra, rb|#imm   (w = 8, 16, 32)") \
	X(F_FLAG1, ".w rd, ra") \
	X(F_MOV,   "rd, rb|#imm") \
	X(F_LEA,   "rd, [ra + rb*s + imm]   (s = 1, 2, 4, 8)") \
	X(F_BF,    "rd, ra, #pos, #len") \
	X(F_DEP,   "rd, ra, rb, #pos, #len") \
	X(F_R2,    "rd, ra") \
	X(F_R1,    "ra") \
	X(F_SEL,   ".cc rd, ra, rb|#imm") \
	X(F_SETC,  ".cc rd") \
	X(F_LD,    ".k rd, [ra + imm]   (k = 32, u8, s8, u16, s16; suffix .hid: hidden memory)") \
	X(F_ST,    ".k rb, [ra + imm]   (k = 32, 8, 16; suffix .hid: hidden memory)") \
	X(F_LDP,   ".k rd, [ra + imm], @n   (n = alias entry)") \
	X(F_STAM,  ".k rb, [ra + imm], @n   (checks alias entries n and up)") \
	X(F_J,     "label") \
	X(F_BC,    ".cc label") \
	X(F_JR,    "ra, label") \
	X(F_JAL,   "rd, label") \
	X(F_EXIT,  "#code") \
	X(F_NONE,  "") \
	X(F_RDCR,  "rd, cr") \
	X(F_WRCR,  "cr, ra") \
	X(F_FOP,   "[.k] fd, fa, fb   (k = s, d: fb holds m32fp/m64fp bits (fmv), the x87 memory form; rs, rd: reversed, fd = memory op fa)") \
	X(F_FOP1,  "fd, fa") \
	X(F_FCVI,  ".k fd, ra, rb   (k = s, d, i, q: m32fp, m64fp (ra low, rb high), int32, int64)") \
	X(F_FMV,   "fd, ra, rb   (fd's low 64 bits = rb:ra)") \
	X(F_FCVO,  ".k rd, fa   (k = s, dl, dh, w, i, ql, qh: m32fp, m64fp low/high word, int16, int32, int64 low/high)") \
	X(F_FCMP,  "[.k] fa, fb   (k = s, d: fb holds m32fp/m64fp bits, the x87 memory form)") \
	X(F_FCON,  ".k fd   (k = 1, l2t, l2e, pi, lg2, ln2, z)") \
	X(F_IMM,   "#imm") \
	X(F_RI,    "ra, #imm")

enum atom_fmt {
#define ISA_FMT_ENUM(f, syntax) f,
	ISA_FORMATS(ISA_FMT_ENUM)
#undef ISA_FMT_ENUM
	F_COUNT
};

/* Functional unit classes. */
#define ISA_UNITS(X) X(U_ALU, "alu") X(U_MEM, "mem") X(U_MUL, "mul") X(U_BR, "br") X(U_FPU, "fpu")
enum unit_class {
#define ISA_UNIT_ENUM(u, name) u,
	ISA_UNITS(ISA_UNIT_ENUM)
#undef ISA_UNIT_ENUM
	U_COUNT,
	U_NONE = U_COUNT  /* nop: needs no unit */
};

/* Latency classes: the configuration (core.latency.*, cache.l1d.latency) gives the cycles. */
enum lat_class { L_ALU, L_MUL, L_DIV, L_LOAD, L_CTL, L_FADD, L_FMUL, L_FDIV, L_FSQRT, L_NONE, L_COUNT };

/* Properties. */
enum {
	P_RFLAGS = 1u << 0,  /* reads the x86 FLAGS register (r9) */
	P_WFLAGS = 1u << 1,  /* writes the x86 FLAGS register */
	P_BRANCH = 1u << 2,  /* may change the pc */
	P_LOAD   = 1u << 3,
	P_STORE  = 1u << 4,
	P_ALIAS  = 1u << 5,  /* takes part in alias checking */
	P_EXIT   = 1u << 6,  /* returns to the firmware */
	P_COMMIT = 1u << 7,
	P_DIV    = 1u << 8,  /* may raise a divide fault */
	P_REDX   = 1u << 9,  /* also reads EDX (r3): the high half of an x86 dividend */
	P_FPU    = 1u << 10, /* uses the FPU's state (control and status words, stack top and tags,
			      * pointers): such atoms keep their program order, one per bundle */
};

/* The FPU's registers: f0..f15, 80 bits each (native-isa/x87.h).  f0..f7
 * are the x87 registers R0..R7 (physical, not stack-relative), shadowed
 * with the rest of the x87 state; f8..f15 are temporaries.  Formats F_FOP,
 * F_FOP1, F_FCVI, F_FMV, F_FCMP, F_FCON name them in their fd/fa/fb fields. */
enum { ISA_NFREGS = 16, ISA_NFSHADOW = 8 };

/* fstk / fchk immediate: the x87 stack top, the tags (bit i: R[i] holds a
 * value), and (fstk) whether C1 is cleared. */
enum { ISA_FSTK_TAGS_SHIFT = 8, ISA_FSTK_CLEAR_C1 = 1u << 16 };
/* The x field of fop and fcmps: 0, fb is an FPU value; else fb holds the
 * bits of a memory operand (fmv) and the atom is the x87 instruction's
 * memory form on them (fadd m64fp, ...), exact in what it raises where a
 * conversion first would not be (a denormal m64fp beside a NaN raises
 * nothing); ISA_FMEM_REV: fsubr, fdivr (fd = memory op fa). */
enum { ISA_FMEM_M32 = 1, ISA_FMEM_M64 = 2, ISA_FMEM_FORMAT = 3, ISA_FMEM_REV = 4 };

/* The x86 flag-setting atoms and the xflags operation each computes
 * (native-isa/xflags.h): the chip evaluates the atom with that operation,
 * the translator picks the atom for an x86 instruction through it. */
#define ISA_FLAG_ATOMS(X) \
	X(ADDF, ADD) X(ADCF, ADC) X(SUBF, SUB) X(SBBF, SBB) X(ANDF, AND) X(ORF, OR) X(XORF, XOR) \
	X(INCF, INC) X(DECF, DEC) X(NEGF, NEG) X(SHLF, SHL) X(SHRF, SHR) X(SARF, SAR) \
	X(ROLF, ROL) X(RORF, ROR) X(RCLF, RCL) X(RCRF, RCR) X(MULF, MUL) X(IMULF, IMUL)

/* Memory access kinds (field x of F_LD/F_ST/F_LDP/F_STAM). */
enum {
	MX_32, MX_U8, MX_S8, MX_U16, MX_S16,
	MX_KIND_MASK = 7,
	MX_HIDDEN = 8,       /* hidden-memory (firmware) access; otherwise a guest access */
};

/* The guest page table (control register PAGEDIR), two levels as i386's
 * (Intel SDM vol. 3, 4.3): guest addresses of native code are virtual and
 * the chip translates each through its TLB; a miss walks the table in
 * hardware through the L1D.  The directory is one 4 KiB page of 1024
 * 32-bit entries, each 0 or the physical address of a page table (4 KiB
 * aligned, in hidden memory) | ISA_PTE_PRESENT; a page table holds 1024
 * entries, each 0 or the guest-physical frame address | ISA_PTE_* bits.
 * Virtual address: directory index (bits 31..22), table index (21..12),
 * offset (11..0).  A store to an ISA_PTE_PROTECT page is a protection fault
 * where the code-chunk bitmap marks (the firmware keeps translated x86 code
 * there: self-modifying code detection). */
enum {
	ISA_PTE_PRESENT = 1,
	ISA_PTE_WRITE = 2,
	ISA_PTE_FIRMWARE = 4,  /* free for the firmware; the chip ignores it */
	ISA_PTE_PROTECT = 8,
	ISA_PTE_EXEC = 16,     /* checked by the firmware, which alone fetches guest code */
	ISA_PTE_FLAGS = 0xfff,
	ISA_PAGE_SHIFT = 12,
	ISA_PT_SHIFT = 10,     /* entries per directory or table: 1 << ISA_PT_SHIFT */
};

/* Registers: 64 x 32 bits.  r0 reads as zero.  r1..r12 hold the x86 state
 * (DESIGN.md contract 3) in x86 encoding order; r1..r15 have shadow copies
 * that `commit` updates and rollback restores. */
enum {
	ISA_NREGS = 64,
	ISA_NSHADOW = 16,    /* r0..r15 are shadowed (r0 trivially) */
	R_ZERO = 0,
	R_EAX = 1, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
	R_FLAGS = 9,         /* x86 EFLAGS image: flag atoms read and write it */
	R_EIP = 10, R_FSBASE = 11, R_GSBASE = 12,
	R_FIRST_TEMP = 16,
};

enum { ISA_MAX_BUNDLE = 16, ISA_ATOM_BYTES = 8 };

/* Counter i is control register ISA_CR_CNT_BASE + 2*i (low) and + 1 (high). */
enum { ISA_CR_CNT_BASE = 0x100 };
/* Word i of the working-set signature is control register ISA_CR_SIG_BASE + i. */
enum { ISA_CR_SIG_BASE = 0x200 };
/* The signature's bit for key (an L1I line address; the firmware hashes
 * the guest address / 32 of each block it interprets the same way) in a
 * vector of `bits` bits (a power of two >= 32: core.signature_bits). */
static inline uint32_t isa_sig_bit(uint32_t key, uint32_t bits)
{
	return (key * 0x9e3779b1u) >> (32 - __builtin_ctz(bits));
}
/* Stack-distance counter d (1..32) of cache c (L1I 0, L1D 1, L2 2) is
 * control register ISA_CR_DEPTH_BASE + 32 * c + d - 1. */
enum { ISA_CR_DEPTH_BASE = 0x280 };

enum counter_id {
#define COUNTER(name, doc) CNT_##name,
#include "native-isa/counters.def"
#undef COUNTER
	CNT_COUNT
};

enum cr_id {
#define CR(name, num, wr, doc) CR_##name = num,
#include "native-isa/cr.def"
#undef CR
};

/* A decoded atom. */
struct atom {
	uint8_t op;        /* enum atom_op */
	uint8_t rd, ra, rb;
	uint8_t x;         /* condition, width, access kind or scale, per format */
	uint8_t use_imm;   /* operand b is imm */
	uint8_t stop;      /* last atom of its bundle */
	uint32_t imm;      /* immediate, displacement, pc-relative offset, code or cr */
};

struct isa_op_info {
	const char *mnemonic;
	enum atom_fmt fmt;
	enum unit_class unit;
	enum lat_class lat;
	unsigned props;
	const char *doc;
};
extern const struct isa_op_info isa_ops[OP_COUNT];

const char *isa_unit_name(enum unit_class u);
const char *isa_cond_name(unsigned cc);
const char *isa_format_syntax(enum atom_fmt f);

uint64_t isa_encode(const struct atom *a);
/* 0, or -1 when the word is not a valid atom (unknown opcode, a field
 * out of range, a nonzero unused field). */
int isa_decode(uint64_t word, struct atom *a);

/* Assembly text of one atom, without the bundle separator.  Branch targets
 * are pc-relative to the bundle: ".+16" / ".-40". Returns the length. */
int isa_format(const struct atom *a, char *buf, size_t n);

/* Index of the first atom of the bundle holding words[i]. */
size_t isa_bundle_start(const uint64_t *words, size_t i);

/* Disassemble words at address `base` as bundles, one per line. */
void isa_disasm(FILE *out, const uint64_t *words, size_t n, uint32_t base);

/* Flag atom <-> xflags operation (ISA_FLAG_ATOMS); -1 / OP_COUNT when none. */
int isa_atom_xf(unsigned op);
unsigned isa_xf_atom(int xf);

/* Markdown reference of the instruction set (docs/native-isa.md). */
void isa_write_doc(FILE *out);
/* The same as a SystemVerilog package for the RTL (native-isa/isa_sv.c). */
void isa_write_sv(FILE *out);

/* ---- assembler (native-isa/asm.c) ---- */
struct isa_error { char msg[512]; };
struct isa_program {
	uint64_t *words;
	size_t n, cap;
	size_t nbundles;
};
/* Assemble `src`; `name` is used in messages ("name:line:col: ...").
 * Returns 0, or -1 with *err filled. */
int isa_assemble(const char *src, const char *name, struct isa_program *out, struct isa_error *err);
void isa_program_free(struct isa_program *p);

/* Control register numbers known to the assembler by name (hw-sim defines
 * what they mean); looked up by `rdcr`/`wrcr`. */
struct isa_cr_name { const char *name; unsigned num; };
int isa_cr_lookup(const char *name, unsigned *num);
const char *isa_cr_name(unsigned num);
/* The `writable` column of cr.def (false for counters and unknown numbers). */
bool isa_cr_writable(unsigned num);

#endif
