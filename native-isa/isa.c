/* native-isa/isa.c — tables, encoder, decoder, disassembler and reference
 * documentation of the native ISA, all generated from isa.def, cr.def and
 * counters.def.  The assembler is in asm.c. */
#include "native-isa/isa.h"
#include "native-isa/isa_priv.h"
#include "native-isa/xflags.h"

#include <string.h>

const struct isa_op_info isa_ops[OP_COUNT] = {
#define ATOM(name, mn, fmt, unit, lat, props, body, doc) {mn, fmt, unit, lat, props, doc},
#include "native-isa/isa.def"
#undef ATOM
};

static const char *const unit_names[U_COUNT + 1] = {
#define ISA_UNIT_NAME(u, name) name,
	ISA_UNITS(ISA_UNIT_NAME)
#undef ISA_UNIT_NAME
	"none",
};

static const char *const format_syntax[F_COUNT] = {
#define ISA_FMT_SYNTAX(f, syntax) syntax,
	ISA_FORMATS(ISA_FMT_SYNTAX)
#undef ISA_FMT_SYNTAX
};

/* x86 tttn order (Intel SDM vol. 2, appendix B.1.4.7). */
static const char *const cond_names[16] = {
	"o", "no", "b", "ae", "e", "ne", "be", "a",
	"s", "ns", "p", "np", "l", "ge", "le", "g",
};

const char *isa_unit_name(enum unit_class u) { return u <= U_COUNT ? unit_names[u] : "?"; }
const char *isa_cond_name(unsigned cc) { return cond_names[cc & 15]; }
const char *isa_format_syntax(enum atom_fmt f) { return f < F_COUNT ? format_syntax[f] : "?"; }

/* ---- flag atoms and their x86 operations ---------------------------------- */

int isa_atom_xf(unsigned op)
{
	switch (op) {
#define ISA_ATOM_XF(atom, xf) case OP_##atom: return XF_##xf;
	ISA_FLAG_ATOMS(ISA_ATOM_XF)
#undef ISA_ATOM_XF
	default: return -1;
	}
}

unsigned isa_xf_atom(int xf)
{
	switch (xf) {
#define ISA_XF_ATOM(atom, x) case XF_##x: return OP_##atom;
	ISA_FLAG_ATOMS(ISA_XF_ATOM)
#undef ISA_XF_ATOM
	default: return OP_COUNT;
	}
}

/* ---- fields ------------------------------------------------------------ */

unsigned isa_fmt_fields(enum atom_fmt f)
{
	switch (f) {
	case F_ALU:   return FLD_RD | FLD_RA | FLD_B;
	case F_FLAG:  return FLD_RD | FLD_RA | FLD_B | FLD_X;
	case F_FLAG1: return FLD_RD | FLD_RA | FLD_X;
	case F_MOV:   return FLD_RD | FLD_B;
	case F_LEA:   return FLD_RD | FLD_RA | FLD_RB | FLD_X | FLD_IMM;
	case F_BF:    return FLD_RD | FLD_RA | FLD_IMM;
	case F_DEP:   return FLD_RD | FLD_RA | FLD_RB | FLD_IMM;
	case F_R2:    return FLD_RD | FLD_RA;
	case F_R1:    return FLD_RA;
	case F_SEL:   return FLD_RD | FLD_RA | FLD_B | FLD_X;
	case F_SETC:  return FLD_RD | FLD_X;
	case F_LD:    return FLD_RD | FLD_RA | FLD_X | FLD_IMM;
	case F_ST:    return FLD_RA | FLD_RB | FLD_X | FLD_IMM;
	case F_LDP:   return FLD_RD | FLD_RA | FLD_RB | FLD_X | FLD_IMM;
	case F_STAM:  return FLD_RD | FLD_RA | FLD_RB | FLD_X | FLD_IMM;  /* rd: the first alias entry checked */
	case F_J:     return FLD_IMM;
	case F_BC:    return FLD_X | FLD_IMM;
	case F_JR:    return FLD_RA | FLD_IMM;
	case F_JAL:   return FLD_RD | FLD_IMM;
	case F_EXIT:  return FLD_IMM;
	case F_NONE:  return 0;
	case F_RDCR:  return FLD_RD | FLD_IMM;
	case F_WRCR:  return FLD_RA | FLD_IMM;
	case F_FOP:   return FLD_FD | FLD_FA | FLD_FB | FLD_X;
	case F_FOP1:  return FLD_FD | FLD_FA;
	case F_FCVI:  return FLD_FD | FLD_RA | FLD_RB | FLD_X;
	case F_FMV:   return FLD_FD | FLD_RA | FLD_RB;
	case F_FCVO:  return FLD_RD | FLD_FA | FLD_X;
	case F_FCMP:  return FLD_FA | FLD_FB | FLD_X;
	case F_FCON:  return FLD_FD | FLD_X;
	case F_IMM:   return FLD_IMM;
	case F_RI:    return FLD_RA | FLD_IMM;
	case F_COUNT: break;
	}
	return 0;
}

/* Suffix names of the FPU formats' x field (NULL: none there). */
static const char *const fcvi_kinds[] = {"s", "d", "i", "q"};
/* fop and fcmp: 0 (no suffix) an FPU register fb; ISA_FMEM_* the x87
 * memory form on the raw bits in fb */
static const char *const fop_kinds[] = {NULL, "s", "d", NULL, NULL, "rs", "rd"};
static const char *const fcvo_kinds[] = {"s", "dl", "dh", "w", "i", "ql", "qh"};
static const char *const fcon_kinds[] = {"1", "l2t", "l2e", "pi", "lg2", "ln2", "z"};

const char *isa_kind_name(enum atom_fmt f, unsigned x)
{
	switch (f) {
	case F_FCVI: return x < 4 ? fcvi_kinds[x] : NULL;
	case F_FOP: return x < 7 ? fop_kinds[x] : NULL;
	case F_FCMP: return x < 3 ? fop_kinds[x] : NULL;
	case F_FCVO: return x < 7 ? fcvo_kinds[x] : NULL;
	case F_FCON: return x < 7 ? fcon_kinds[x] : NULL;
	default: return NULL;
	}
}

bool isa_x_valid(unsigned op, unsigned x)
{
	enum atom_fmt f = isa_ops[op].fmt;
	switch (f) {
	case F_FCVI: case F_FCVO: case F_FCON: return isa_kind_name(f, x) != NULL;
	case F_FOP: return x == 0 || isa_kind_name(f, x) != NULL;
	/* of the compares only fcom has a memory form */
	case F_FCMP: return x == 0 || (op == OP_FCMPS && isa_kind_name(f, x) != NULL);
	case F_FLAG: case F_FLAG1: return x <= 2;
	case F_LEA:  return x <= 3;
	case F_LD: case F_LDP: return (x & MX_KIND_MASK) <= MX_S16 && x < 16;
	case F_ST: case F_STAM: return (x & MX_KIND_MASK) == MX_32 || (x & MX_KIND_MASK) == MX_U8 ||
			    (x & MX_KIND_MASK) == MX_U16;
	default:     return x < 16;
	}
}

bool isa_bitfield_valid(uint32_t imm)
{
	unsigned pos = imm & 0xff, len = (imm >> 8) & 0xff;
	return (imm >> 16) == 0 && len >= 1 && len <= 32 && pos < 32 && pos + len <= 32;
}


/* ---- encode / decode ------------------------------------------------------ */

uint64_t isa_encode(const struct atom *a)
{
	uint64_t w = a->op & 0x7f;
	w |= (uint64_t)(a->stop & 1) << 7;
	w |= (uint64_t)(a->rd & 63) << 8;
	w |= (uint64_t)(a->ra & 63) << 14;
	w |= (uint64_t)(a->rb & 63) << 20;
	w |= (uint64_t)(a->x & 15) << 26;
	w |= (uint64_t)(a->use_imm & 1) << 30;
	w |= (uint64_t)a->imm << 32;
	return w;
}

int isa_decode(uint64_t w, struct atom *a)
{
	memset(a, 0, sizeof *a);
	a->op = w & 0x7f;
	a->stop = (w >> 7) & 1;
	a->rd = (w >> 8) & 63;
	a->ra = (w >> 14) & 63;
	a->rb = (w >> 20) & 63;
	a->x = (w >> 26) & 15;
	a->use_imm = (w >> 30) & 1;
	a->imm = (uint32_t)(w >> 32);
	if (a->op >= OP_COUNT || (w >> 31) & 1)
		return -1;
	const struct isa_op_info *oi = &isa_ops[a->op];
	unsigned f = isa_fmt_fields(oi->fmt);
	if (!(f & (FLD_RD | FLD_FD)) && a->rd)
		return -1;
	if (!(f & (FLD_RA | FLD_FA)) && a->ra)
		return -1;
	if (((f & FLD_FD) && a->rd >= ISA_NFREGS) || ((f & FLD_FA) && a->ra >= ISA_NFREGS) ||
	    ((f & FLD_FB) && a->rb >= ISA_NFREGS))
		return -1;
	if (!(f & FLD_X) && a->x)
		return -1;
	if (f & FLD_B) {
		if (a->use_imm ? a->rb != 0 : a->imm != 0)
			return -1;
	} else {
		if (a->use_imm)
			return -1;
		if (!(f & (FLD_RB | FLD_FB)) && a->rb)
			return -1;
		if (!(f & FLD_IMM) && a->imm)
			return -1;
	}
	if ((f & FLD_X) && !isa_x_valid(a->op, a->x))
		return -1;
	if ((oi->fmt == F_BF || oi->fmt == F_DEP) && !isa_bitfield_valid(a->imm))
		return -1;
	if (oi->fmt == F_J || oi->fmt == F_BC || oi->fmt == F_JR || oi->fmt == F_JAL) {
		if (a->imm & (ISA_ATOM_BYTES - 1))
			return -1;  /* branch offsets are atom-aligned */
	}
	if ((oi->fmt == F_RDCR || oi->fmt == F_WRCR) && a->imm > 0xffff)
		return -1;
	return 0;
}

/* ---- control registers and counters by name ------------------------------- */

static const struct isa_cr_name cr_names[] = {
#define CR(name, num, wr, doc) {#name, num},
#include "native-isa/cr.def"
#undef CR
#define COUNTER(name, doc) {#name, 0}, {#name ".hi", 0},
#include "native-isa/counters.def"
#undef COUNTER
};

enum { N_FIXED_CR = 0
#define CR(name, num, wr, doc) + 1
#include "native-isa/cr.def"
#undef CR
};

static unsigned cr_number(size_t i)
{
	if (i < N_FIXED_CR)
		return cr_names[i].num;
	return ISA_CR_CNT_BASE + (unsigned)(i - N_FIXED_CR);  /* lo, hi alternate */
}

int isa_cr_lookup(const char *name, unsigned *num)
{
	for (size_t i = 0; i < sizeof cr_names / sizeof cr_names[0]; i++) {
		if (!strcasecmp(cr_names[i].name, name)) {
			*num = cr_number(i);
			return 0;
		}
	}
	return -1;
}

bool isa_cr_writable(unsigned num)
{
	switch (num) {
#define CR(name, n, wr, doc) case n: return wr;
#include "native-isa/cr.def"
#undef CR
	default: return false;  /* counters and unknown numbers */
	}
}

const char *isa_cr_name(unsigned num)
{
	for (size_t i = 0; i < sizeof cr_names / sizeof cr_names[0]; i++)
		if (cr_number(i) == num)
			return cr_names[i].name;
	return NULL;
}

/* ---- disassembler ---------------------------------------------------------- */

static const char *mx_suffix(unsigned x, bool store)
{
	static const char *const ld[] = {"32", "u8", "s8", "u16", "s16"};
	static const char *const st[] = {"32", "8", "", "16", ""};
	unsigned k = x & MX_KIND_MASK;
	return k <= MX_S16 ? (store ? st[k] : ld[k]) : "?";
}

static int fmt_imm(char *buf, size_t n, uint32_t v)
{
	int32_t s = (int32_t)v;
	if (s > -4096 && s < 4096)
		return snprintf(buf, n, "#%d", s);
	return snprintf(buf, n, "#0x%x", v);
}

static int fmt_b(char *buf, size_t n, const struct atom *a)
{
	return a->use_imm ? fmt_imm(buf, n, a->imm) : snprintf(buf, n, "r%u", a->rb);
}

static int fmt_disp(char *buf, size_t n, uint32_t imm)
{
	int32_t d = (int32_t)imm;
	if (d == 0)
		return 0;
	if (d < 0)
		return snprintf(buf, n, " - %u", (unsigned)(0u - imm));
	return snprintf(buf, n, " + %d", d);
}

static int fmt_rel(char *buf, size_t n, uint32_t imm)
{
	int32_t d = (int32_t)imm;
	return d < 0 ? snprintf(buf, n, ".-%u", (unsigned)(0u - imm)) : snprintf(buf, n, ".+%d", d);
}

static int fmt_cr(char *buf, size_t n, uint32_t num)
{
	const char *name = isa_cr_name(num);
	return name ? snprintf(buf, n, "%s", name) : snprintf(buf, n, "#%u", num);
}

int isa_format(const struct atom *a, char *buf, size_t n)
{
	if (a->op >= OP_COUNT)
		return snprintf(buf, n, ".word ?");
	const struct isa_op_info *oi = &isa_ops[a->op];
	char b[48] = "", d[32] = "";
	switch (oi->fmt) {
	case F_ALU:
		fmt_b(b, sizeof b, a);
		return snprintf(buf, n, "%s r%u, r%u, %s", oi->mnemonic, a->rd, a->ra, b);
	case F_FLAG:
		fmt_b(b, sizeof b, a);
		return snprintf(buf, n, "%s.%u r%u, r%u, %s", oi->mnemonic, isa_width_bytes(a->x) * 8,
				a->rd, a->ra, b);
	case F_FLAG1:
		return snprintf(buf, n, "%s.%u r%u, r%u", oi->mnemonic, isa_width_bytes(a->x) * 8, a->rd, a->ra);
	case F_MOV:
		fmt_b(b, sizeof b, a);
		return snprintf(buf, n, "%s r%u, %s", oi->mnemonic, a->rd, b);
	case F_LEA:
		fmt_disp(d, sizeof d, a->imm);
		if (a->rb || a->x)
			return snprintf(buf, n, "%s r%u, [r%u + r%u*%u%s]", oi->mnemonic, a->rd, a->ra, a->rb,
					1u << a->x, d);
		return snprintf(buf, n, "%s r%u, [r%u%s]", oi->mnemonic, a->rd, a->ra, d);
	case F_BF:
		return snprintf(buf, n, "%s r%u, r%u, #%u, #%u", oi->mnemonic, a->rd, a->ra, a->imm & 0xff,
				(a->imm >> 8) & 0xff);
	case F_DEP:
		return snprintf(buf, n, "%s r%u, r%u, r%u, #%u, #%u", oi->mnemonic, a->rd, a->ra, a->rb,
				a->imm & 0xff, (a->imm >> 8) & 0xff);
	case F_R2:
		return snprintf(buf, n, "%s r%u, r%u", oi->mnemonic, a->rd, a->ra);
	case F_R1:
		return snprintf(buf, n, "%s r%u", oi->mnemonic, a->ra);
	case F_SEL:
		fmt_b(b, sizeof b, a);
		return snprintf(buf, n, "%s.%s r%u, r%u, %s", oi->mnemonic, cond_names[a->x], a->rd, a->ra, b);
	case F_SETC:
		return snprintf(buf, n, "%s.%s r%u", oi->mnemonic, cond_names[a->x], a->rd);
	case F_LD:
	case F_LDP:
	case F_ST:
	case F_STAM: {
		int st = oi->fmt == F_ST || oi->fmt == F_STAM;
		fmt_disp(d, sizeof d, a->imm);
		if (oi->fmt == F_LDP)
			snprintf(b, sizeof b, ", @%u", a->rb);
		else if (oi->fmt == F_STAM)
			snprintf(b, sizeof b, ", @%u", a->rd);
		return snprintf(buf, n, "%s.%s%s r%u, [r%u%s]%s", oi->mnemonic, mx_suffix(a->x, st),
				(a->x & MX_HIDDEN) ? ".hid" : "", st ? a->rb : a->rd, a->ra, d, b);
	}
	case F_J:
		fmt_rel(b, sizeof b, a->imm);
		return snprintf(buf, n, "%s %s", oi->mnemonic, b);
	case F_BC:
		fmt_rel(b, sizeof b, a->imm);
		return snprintf(buf, n, "%s.%s %s", oi->mnemonic, cond_names[a->x], b);
	case F_JR:
		fmt_rel(b, sizeof b, a->imm);
		return snprintf(buf, n, "%s r%u, %s", oi->mnemonic, a->ra, b);
	case F_JAL:
		fmt_rel(b, sizeof b, a->imm);
		return snprintf(buf, n, "%s r%u, %s", oi->mnemonic, a->rd, b);
	case F_EXIT:
		return snprintf(buf, n, "%s #%u", oi->mnemonic, a->imm);
	case F_NONE:
		return snprintf(buf, n, "%s", oi->mnemonic);
	case F_RDCR:
		fmt_cr(b, sizeof b, a->imm);
		return snprintf(buf, n, "%s r%u, %s", oi->mnemonic, a->rd, b);
	case F_WRCR:
		fmt_cr(b, sizeof b, a->imm);
		return snprintf(buf, n, "%s %s, r%u", oi->mnemonic, b, a->ra);
	case F_FOP:
		return snprintf(buf, n, "%s%s%s f%u, f%u, f%u", oi->mnemonic, a->x ? "." : "",
				a->x ? isa_kind_name(oi->fmt, a->x) : "", a->rd, a->ra, a->rb);
	case F_FOP1:
		return snprintf(buf, n, "%s f%u, f%u", oi->mnemonic, a->rd, a->ra);
	case F_FCVI:
		return snprintf(buf, n, "%s.%s f%u, r%u, r%u", oi->mnemonic, isa_kind_name(oi->fmt, a->x), a->rd,
				a->ra, a->rb);
	case F_FMV:
		return snprintf(buf, n, "%s f%u, r%u, r%u", oi->mnemonic, a->rd, a->ra, a->rb);
	case F_FCVO:
		return snprintf(buf, n, "%s.%s r%u, f%u", oi->mnemonic, isa_kind_name(oi->fmt, a->x), a->rd, a->ra);
	case F_FCMP:
		return snprintf(buf, n, "%s%s%s f%u, f%u", oi->mnemonic, a->x ? "." : "",
				a->x ? isa_kind_name(oi->fmt, a->x) : "", a->ra, a->rb);
	case F_FCON:
		return snprintf(buf, n, "%s.%s f%u", oi->mnemonic, isa_kind_name(oi->fmt, a->x), a->rd);
	case F_IMM:
		return snprintf(buf, n, "%s #0x%x", oi->mnemonic, a->imm);
	case F_RI:
		return snprintf(buf, n, "%s r%u, #0x%x", oi->mnemonic, a->ra, a->imm);
	case F_COUNT:
		break;
	}
	return snprintf(buf, n, "?");
}

size_t isa_bundle_start(const uint64_t *words, size_t i)
{
	while (i > 0 && !((words[i - 1] >> 7) & 1))
		i--;
	return i;
}

void isa_disasm(FILE *out, const uint64_t *words, size_t n, uint32_t base)
{
	size_t i = 0;
	while (i < n) {
		fprintf(out, "%08x:  ", base + (uint32_t)(i * ISA_ATOM_BYTES));
		for (size_t k = 0; i < n; k++) {
			struct atom a;
			char text[96];
			if (isa_decode(words[i], &a) < 0) {
				fprintf(out, "%s.word 0x%016llx", k ? " | " : "", (unsigned long long)words[i]);
				i++;
				break;
			}
			isa_format(&a, text, sizeof text);
			fprintf(out, "%s%s", k ? " | " : "", text);
			i++;
			if (a.stop)
				break;
		}
		fputc('\n', out);
	}
}

/* ---- reference documentation ------------------------------------------------ */

static const char *lat_name(enum lat_class l)
{
	switch (l) {
	case L_ALU:  return "core.latency.alu";
	case L_MUL:  return "core.latency.mul";
	case L_DIV:  return "core.latency.div";
	case L_LOAD: return "cache.l1d.latency (+ miss time)";
	case L_CTL:  return "core.latency.ctl";
	case L_FADD: return "core.latency.fadd";
	case L_FMUL: return "core.latency.fmul";
	case L_FDIV: return "core.latency.fdiv";
	case L_FSQRT: return "core.latency.fsqrt";
	default:     return "-";
	}
}

void isa_write_doc(FILE *out)
{
	fputs("# The cdvm native instruction set\n\n"
	      "Generated by `cdvm isa-doc` from `native-isa/isa.def`, `cr.def` and `counters.def`;\n"
	      "do not edit by hand (`make docs` regenerates it, a test checks it is current).\n\n"
	      "## Machine\n\n"
	      "- 64 registers of 32 bits, `r0` reads as zero. `r1`..`r8` hold EAX, ECX, EDX, EBX, ESP, EBP,\n"
	      "  ESI, EDI; `r9` the x86 EFLAGS image (FLAGS), `r10` EIP, `r11`/`r12` the FS/GS bases.\n"
	      "  `r1`..`r15` have shadow copies: `commit` copies them to the shadows, a rollback restores them.\n"
	      "  `r16`..`r63` are temporaries.\n"
	      "- A bundle (molecule) holds 1..`core.issue_width` atoms and issues in one cycle when all its\n"
	      "  source registers are ready. Every atom reads its sources before any atom of the bundle writes.\n"
	      "  Each atom needs one enabled unit of its class; a bundle asking for more units of a class than\n"
	      "  are enabled is an illegal-bundle machine check.\n"
	      "- Stores wait in the gated store buffer until `commit`; loads see them. Any fault (memory,\n"
	      "  divide, alias, store-buffer overflow, illegal bundle, detected hardware fault) rolls back to\n"
	      "  the last commit and returns to the firmware with the reason.\n"
	      "- Branch offsets are relative to the address of the bundle holding the branch. When several\n"
	      "  branches of one bundle are taken, the first in slot order wins.\n\n"
	      "## Encoding\n\n"
	      "Each atom is one 64-bit little-endian word; the bundle ends at the atom whose stop bit is set.\n\n"
	      "```\n"
	      "  63            32 31 30  29..26  25..20  19..14  13..8   7     6..0\n"
	      "  [     imm32     ][0][ i ][  x  ][  rb  ][  ra  ][  rd  ][stop][ op ]\n"
	      "```\n\n"
	      "`i` = operand b is `imm32` rather than `rb`. `x` is a condition (x86 tttn: o no b ae e ne be a\n"
	      "s ns p np l ge le g), an operand width (0 = 32, 1 = 8, 2 = 16 bits), a memory access kind\n"
	      "(0 = 32, 1 = u8, 2 = s8, 3 = u16, 4 = s16, +8 = hidden memory) or a scale (lea). Bit fields\n"
	      "(`extu`, `exts`, `dep`) keep pos in imm[7:0] and len in imm[15:8]. Fields a format does not use\n"
	      "must be zero, so an encoding decodes to at most one atom.\n\n"
	      "## Assembly syntax\n\n"
	      "One bundle per line, atoms separated by `|`; `label:` may start a line; comments start with `;`\n"
	      "or `//`; `.equ NAME, value` defines a constant. Immediates are written `#5`, `#-3`, `#0x1f` or\n"
	      "`#NAME`; branch targets are labels or `.+N` / `.-N` (bytes from the bundle). Register aliases:\n"
	      "`eax`..`edi`, `flags`, `eip`, `fsbase`, `gsbase`.\n\n"
	      "## Formats\n\n| format | operands |\n|---|---|\n", out);
	for (int f = 0; f < F_COUNT; f++)
		fprintf(out, "| %s | `%s` |\n", (const char *[]){
#define ISA_FMT_STR(fm, syntax) #fm,
			ISA_FORMATS(ISA_FMT_STR)
#undef ISA_FMT_STR
		}[f], format_syntax[f]);
	fputs("\n## Atoms\n\n| opcode | mnemonic | format | unit | latency | flags | meaning |\n"
	      "|---|---|---|---|---|---|---|\n", out);
	for (int op = 0; op < OP_COUNT; op++) {
		const struct isa_op_info *oi = &isa_ops[op];
		const char *fl = (oi->props & P_WFLAGS) ? "r/w" : (oi->props & P_RFLAGS) ? "r" : "";
		fprintf(out, "| 0x%02x | `%s` | `%s` | %s | %s | %s | %s |\n", op, oi->mnemonic,
			format_syntax[oi->fmt], unit_names[oi->unit], lat_name(oi->lat), fl, oi->doc);
	}
	fputs("\n## Control registers\n\n| number | name | writable | meaning |\n|---|---|---|---|\n", out);
#define CR(name, num, wr, doc) fprintf(out, "| 0x%03x | `%s` | %s | %s |\n", num, #name, wr ? "yes" : "no", doc);
#include "native-isa/cr.def"
#undef CR
	fprintf(out, "\n## Performance counters\n\nCounter *i* is read as control registers 0x%03x + 2*i (low word,\n"
		"named after the counter) and 0x%03x + 2*i + 1 (high word, `NAME.hi`).\n\n"
		"| i | name | meaning |\n|---|---|---|\n", ISA_CR_CNT_BASE, ISA_CR_CNT_BASE);
	int i = 0;
#define COUNTER(name, doc) fprintf(out, "| %d | `%s` | %s |\n", i++, #name, doc);
#include "native-isa/counters.def"
#undef COUNTER
}
