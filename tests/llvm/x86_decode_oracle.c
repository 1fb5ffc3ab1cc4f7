/* tests/llvm/x86_decode_oracle.c — checks cdvm's x86 decoder (cms/x86)
 * against LLVM's X86 disassembler, an independent decoder.
 *
 * Two input sets:
 *  (a) an enumeration: every one-byte, 0F, 0F38 and 0F3A opcode with every
 *      ModRM byte (memory forms with a spread of SIB bytes and all
 *      displacement sizes; a few opcodes with all 256 SIB bytes), without
 *      and with 66/F2/F3/F0/67/segment prefixes and some pairs of them;
 *  (b) CDVM_ORACLE_N (default 1,000,000) random 15-byte strings, half of
 *      them uniform, half built as prefixes + opcode + random bytes; the
 *      seed is printed and CDVM_SEED=... replays it.
 * Rules, for each byte string:
 *  - cdvm accepts (x86_decode > 0): LLVM must decode it with the same
 *    length and the same mnemonic (condition-code aliases folded), and the
 *    LOCK prefix only on a lockable instruction with a memory destination;
 *    where x86_disasm's operand text and LLVM's disagree that fails too
 *    (not for relative branches: LLVM prints the raw offset);
 *  - cdvm rejects: if LLVM decodes an instruction of the subset (decided
 *    from LLVM's mnemonic and operands, not from cdvm's tables) that is a
 *    failure, except the narrow exclusions counted below; if cdvm gives the
 *    length of an instruction it does not execute, LLVM must agree on it.
 * Prints the first 20 mismatches (CDVM_ORACLE_SHOW to change) and exits 1
 * on any.
 *
 *   build/san/llvm-tests/x86_decode_oracle
 *   CDVM_SEED=0x1234 CDVM_ORACLE_N=100000 build/san/llvm-tests/x86_decode_oracle */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/Disassembler.h>
#include <llvm-c/Target.h>

#include "cms/x86/x86.h"

#define ORACLE_PC 0x08048000u

/* What LLVM made of a byte string. */
struct llvm_dec {
	size_t len;       /* 0: LLVM rejects it */
	char text[384];   /* LLVM's Intel-syntax text, whitespace folded */
	char mnem[32];    /* mnemonic, condition codes in cdvm's spelling */
	const char *ops;  /* operand text inside text[] */
	int lock, rep;    /* LOCK / REP-family prefix printed */
};

/* Exclusions: LLVM decodes a subset instruction that cdvm rightly (or by
 * documented choice) rejects.  Each is counted and printed. */
enum excl {
	EX_LOCK_UD,   /* LOCK on a non-lockable instruction or register destination:
	                 #UD on the CPU (SDM vol. 2 "LOCK"), LLVM does not check */
	EX_ADDR16,    /* 67 prefix: 16-bit addressing, #UD in cdvm (docs/x86-subset.md) */
	EX_ENTER16,   /* 66 ENTER: no 16-bit form in cdvm (docs/x86-subset.md, opcodes.def ND) */
	EX_FPENV16,   /* 66 fldenv/fnstenv/frstor/fnsave: the 16-bit layouts, #UD in cdvm (x87.def ND) */
	EX_PRIV,      /* privileged: #GP natively, cdvm raises it too */
	EX_LLVM_MANDATORY, /* not an exclusion: a workaround, see llvm_mandatory_quirk() */
	EX_LLVM_HLE,       /* the same, llvm_hle_quirk() */
	EX_SSE4A,          /* 66/F2 0F 78/79: length of an instruction that is #UD on Intel */
	EX_XOP66,          /* 66 + XOP: LLVM shrinks the immediate; #UD on the CPU (AMD APM vol. 3, 1.7) */
	EX_COUNT
};

static const char *const excl_names[EX_COUNT] = {
	"LOCK where the CPU raises #UD (LLVM accepts it)",
	"67 prefix (16-bit addressing: not in the subset)",
	"66 ENTER (no 16-bit form in cdvm)",
	"66 fldenv/fnstenv/frstor/fnsave (16-bit environment layouts: #UD in cdvm)",
	"privileged instruction (#GP natively and in cdvm)",
	"66 + F2/F3 on a 0F-map integer instruction: compared without F2/F3 (endbr32: without 66) (LLVM quirk)",
	"LOCK + F2/F3, LLVM rejects: compared without F2/F3 (LLVM quirk)",
	"66/F2 0F 78/79: SSE4a EXTRQ/INSERTQ (AMD) or VMREAD/VMWRITE: lengths differ, #UD here",
	"66 + XOP (AMD): LLVM sizes the immediate by the 66 prefix; #UD on the CPU and here",
};

struct oracle {
	LLVMDisasmContextRef dc;
	uint64_t checked, accepted, rejected_both, failures;
	uint64_t excluded[EX_COUNT];
	unsigned show;
	const char *phase;
};

/* ---- text helpers -------------------------------------------------------- */

static void fold_space(char *s)
{
	char *d = s;
	int sp = 1;
	for (const char *p = s; *p; p++) {
		if (isspace((unsigned char)*p)) {
			if (!sp)
				*d++ = ' ';
			sp = 1;
		} else {
			*d++ = *p;
			sp = 0;
		}
	}
	if (d > s && d[-1] == ' ')
		d--;
	*d = 0;
}

/* Condition-code aliases to cdvm's (= LLVM's usual) spelling: the suffix
 * after j/set/cmov. */
static const char *cc_canon(const char *cc)
{
	static const char *const alias[][2] = {
		{"z", "e"}, {"nz", "ne"}, {"c", "b"}, {"nae", "b"}, {"nc", "ae"},
		{"nb", "ae"}, {"na", "be"}, {"nbe", "a"}, {"pe", "p"}, {"po", "np"},
		{"nge", "l"}, {"nl", "ge"}, {"ng", "le"}, {"nle", "g"},
	};
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (!strcmp(cc, alias[i][0]))
			return alias[i][1];
	return cc;
}

static void canon_mnemonic(const char *in, char *out, size_t n)
{
	static const char *const cc_ops[] = {"cmov", "set", "j"};
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(cc_ops[i]);
		if (!strncmp(in, cc_ops[i], l) && strcmp(in, "jmp") && strcmp(in, "jecxz") &&
		    strcmp(in, "jcxz")) {
			snprintf(out, n, "%s%s", cc_ops[i], cc_canon(in + l));
			return;
		}
	}
	/* an op name's qualifier ("mov sreg": cms/x86/ops.def) is not LLVM's */
	snprintf(out, n, "%.*s", (int)strcspn(in, " "), in);
}

static int is_prefix_word(const char *w)
{
	static const char *const words[] = {
		"lock", "rep", "repe", "repz", "repne", "repnz", "data16", "data32",
		"addr16", "addr32", "cs", "ds", "es", "ss", "fs", "gs", "notrack",
		"xacquire", "xrelease", "bnd",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(w, words[i]))
			return 1;
	return 0;
}

/* Split LLVM's text into prefixes, mnemonic and operands. */
static void parse_llvm(struct llvm_dec *ld)
{
	char *p = ld->text;
	ld->lock = ld->rep = 0;
	ld->mnem[0] = 0;
	ld->ops = "";
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		char w[32];
		snprintf(w, sizeof w, "%.*s", (int)(n < 31 ? n : 31), p);
		if (is_prefix_word(w)) {
			if (!strcmp(w, "lock"))
				ld->lock = 1;
			if (!strncmp(w, "rep", 3))
				ld->rep = 1;
			p += n;
			continue;
		}
		canon_mnemonic(w, ld->mnem, sizeof ld->mnem);
		p += n;
		while (*p == ' ')
			p++;
		ld->ops = p;
		return;
	}
}

/* Is the text only prefix words ("lock", "xrelease", "lock xacquire")? */
static int only_prefixes(const char *t)
{
	char buf[64];
	size_t len = strlen(t);
	if (len >= sizeof buf)
		return 0;
	memcpy(buf, t, len + 1);
	int n = 0;
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "), n++)
		if (!is_prefix_word(w))
			return 0;
	return n > 0;
}

/* LLVM decode.  LLVM 14 returns a LOCK prefix, and F2/F3 before an
 * instruction that could take HLE hints, as an instruction of its own
 * ("lock", "xacquire", "xrelease"), swallowing any prefixes before it, so
 * that the rest decodes without them (a 66 lost, a wrong length).  The CPU
 * sees one instruction: decode again without the F0/F2/F3 bytes of that
 * piece (they change no length there) and put the pieces together. */
static void llvm_decode(struct oracle *o, const uint8_t *buf, unsigned avail, struct llvm_dec *ld)
{
	uint8_t c[X86_MAX_INSN_LEN];
	unsigned n = avail < X86_MAX_INSN_LEN ? avail : X86_MAX_INSN_LEN, removed = 0;
	char pfx[96] = "", t[256];
	memcpy(c, buf, n);
	memset(ld, 0, sizeof *ld);
	for (int round = 0; round < X86_MAX_INSN_LEN; round++) {
		size_t l = LLVMDisasmInstruction(o->dc, c, n, ORACLE_PC, t, sizeof t);
		if (!l)
			return;
		fold_space(t);
		if (!only_prefixes(t)) {
			ld->len = l + removed;
			snprintf(ld->text, sizeof ld->text, "%s%s", pfx, t);
			parse_llvm(ld);
			return;
		}
		if (strlen(pfx) + strlen(t) + 2 < sizeof pfx) {
			strcat(pfx, t);
			strcat(pfx, " ");
		}
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++) {
			if (i < l && (c[i] == 0xf0 || c[i] == 0xf2 || c[i] == 0xf3)) {
				removed++;
				continue;
			}
			c[k++] = c[i];
		}
		if (k == n)
			return; /* nothing to strip: give up (LLVM rejects) */
		n = k;
	}
}

/* Does an operand list name a register of a kind outside the subset, or
 * a far pointer?  (LLVM mnemonics like "movsd", "mov", "push", "nop" are
 * shared with x87/SSE/segment/system forms.) */
static int foreign_operands(const char *mnem, const char *ops)
{
	/* segment registers are in the subset as operands of mov, push and pop */
	int sreg_ok = !strcmp(mnem, "mov") || !strcmp(mnem, "push") || !strcmp(mnem, "pop");
	static const char *const regs[] = {"es", "cs", "ss", "ds", "fs", "gs"};
	char buf[256];
	snprintf(buf, sizeof buf, "%s", ops);
	if (strstr(buf, "xmm") || strstr(buf, "ymm") || strstr(buf, "zmm") || strstr(buf, "st(") ||
	    strstr(buf, "fword") || strstr(buf, "tbyte") || strstr(buf, "xmmword") ||
	    strstr(buf, "bnd"))
		return 1;
	for (char *tok = strtok(buf, " ,"); tok; tok = strtok(NULL, " ,")) {
		if ((tok[0] == 'c' || tok[0] == 'd') && tok[1] == 'r' && isdigit((unsigned char)tok[2]))
			return 1; /* control / debug register */
		if (tok[0] == 'm' && tok[1] == 'm' && isdigit((unsigned char)tok[2]))
			return 1; /* MMX */
		for (size_t i = 0; i < 6; i++)
			if (!strcmp(tok, regs[i]) && !sreg_ok)
				return 1; /* a segment register as an operand */
	}
	return 0;
}

/* Is LLVM's instruction one of the subset cdvm executes? */
static int llvm_in_subset(const struct llvm_dec *ld)
{
	if (!ld->len || foreign_operands(ld->mnem, ld->ops))
		return 0;
	/* LLVM 14 prints far call/jmp through memory (FF /3, FF /5) as
	 * "call [mem]" with no size; the near forms say "dword ptr" */
	if ((!strcmp(ld->mnem, "call") || !strcmp(ld->mnem, "jmp")) && strchr(ld->ops, '[') &&
	    !strstr(ld->ops, "ptr"))
		return 0;
	for (unsigned op = 0; op < X86_OP_COUNT; op++) {
		if (x86_op_flags((enum x86_op)op) & OPF_UNSUP)
			continue;
		char c[32];
		canon_mnemonic(x86_op_name((enum x86_op)op), c, sizeof c);
		if (!strcmp(c, ld->mnem))
			return 1;
	}
	return 0;
}

/* SDM vol. 2 "LOCK": these, with a memory destination, accept LOCK. */
static int lock_legal(const struct llvm_dec *ld)
{
	static const char *const lockable[] = {
		"add", "adc", "and", "btc", "btr", "bts", "cmpxchg", "cmpxchg8b", "dec",
		"inc", "neg", "not", "or", "sbb", "sub", "xor", "xadd", "xchg",
	};
	int ok = 0;
	for (size_t i = 0; i < sizeof lockable / sizeof lockable[0]; i++)
		if (!strcmp(ld->mnem, lockable[i]))
			ok = 1;
	/* the destination is the first operand: memory iff it has '[' */
	size_t first = strcspn(ld->ops, ",");
	return ok && memchr(ld->ops, '[', first) != NULL;
}

static int has_prefix_byte(const uint8_t *b, unsigned len, uint8_t p)
{
	for (unsigned i = 0; i < len; i++) {
		switch (b[i]) {
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
			if (b[i] == p)
				return 1;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static int is_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

/* ---- the comparison -------------------------------------------------- */

static void print_case(const char *label, const uint8_t *b, const struct llvm_dec *ld, int st,
		       const struct x86_insn *in, const char *why)
{
	char cd[160] = "";
	if (st > 0)
		x86_disasm(in, ORACLE_PC, cd, sizeof cd);
	printf("%s %s\n  bytes:", label, why);
	for (int i = 0; i < X86_MAX_INSN_LEN; i++)
		printf(" %02x", b[i]);
	printf("\n  llvm: len %zu  %s\n", ld->len, ld->len ? ld->text : "(invalid)");
	if (st > 0)
		printf("  cdvm: len %d  %s   (op %s)\n", st, cd, x86_op_name((enum x86_op)in->op));
	else
		printf("  cdvm: %s, len %u, class %s\n",
		       st == X86_DECODE_TRUNC ? "TRUNC" : "INVALID", in->len,
		       x86_op_name((enum x86_op)in->op));
}

static void report(struct oracle *o, const uint8_t *b, const struct llvm_dec *ld, int st,
		   const struct x86_insn *in, const char *why)
{
	o->failures++;
	if (o->failures > o->show)
		return;
	char label[64];
	snprintf(label, sizeof label, "MISMATCH [%s]", o->phase);
	print_case(label, b, ld, st, in, why);
}

/* Parse a number as LLVM or x86_disasm print it ("-12", "0x1f", "-0x10"). */
static int parse_num(const char *t, uint32_t *v)
{
	int neg = 0;
	if (*t == '-') {
		neg = 1;
		t++;
	}
	if (!isdigit((unsigned char)*t))
		return 0;
	char *e;
	unsigned long long x = strtoull(t, &e, 0);
	if (*e)
		return 0;
	*v = (uint32_t)(neg ? 0u - (uint32_t)x : (uint32_t)x);
	return 1;
}

/* A memory operand's address as a linear form: registers with their
 * coefficients (sorted, "eiz" = none) and a displacement mod 2^32, so that
 * "[eax + 1*eax]" equals "[eax + eax]" and "[eax - 16]" equals "[eax - 0x10]". */
static void canon_address(const char *in, char *out, size_t n)
{
	char buf[160], regs[8][8];
	unsigned coef[8], nreg = 0;
	uint32_t disp = 0;
	int sign = 1;
	snprintf(buf, sizeof buf, "%s", in);
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) {
		if (!strcmp(t, "+")) {
			sign = 1;
			continue;
		}
		if (!strcmp(t, "-")) {
			sign = -1;
			continue;
		}
		uint32_t v;
		if (parse_num(t, &v)) {
			disp += sign < 0 ? 0u - v : v;
			continue;
		}
		unsigned c = 1;
		char *star = strchr(t, '*');
		const char *r = t;
		if (star) {
			*star = 0;
			if (isdigit((unsigned char)t[0])) {
				c = (unsigned)atoi(t);
				r = star + 1;
			} else {
				c = (unsigned)atoi(star + 1);
			}
		}
		if (!strcmp(r, "eiz"))
			continue;
		unsigned k;
		for (k = 0; k < nreg; k++)
			if (!strcmp(regs[k], r))
				break;
		if (k == nreg) {
			if (nreg == 8)
				continue;
			snprintf(regs[nreg], sizeof regs[0], "%.7s", r);
			coef[nreg++] = 0;
		}
		coef[k] += c;
	}
	/* sort by name */
	for (unsigned i = 0; i < nreg; i++)
		for (unsigned j = i + 1; j < nreg; j++)
			if (strcmp(regs[j], regs[i]) < 0) {
				char t[8];
				memcpy(t, regs[i], 8);
				memcpy(regs[i], regs[j], 8);
				memcpy(regs[j], t, 8);
				unsigned tc = coef[i];
				coef[i] = coef[j];
				coef[j] = tc;
			}
	size_t at = 0;
	at += (size_t)snprintf(out + at, n - at, "[");
	for (unsigned i = 0; i < nreg && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, "%u*%s+", coef[i], regs[i]);
	if (at < n)
		snprintf(out + at, n - at, "0x%" PRIx32 "]", disp);
}

static unsigned reg_bits(const char *r)
{
	static const char *const r8[] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
	static const char *const r16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
	for (int i = 0; i < 8; i++) {
		if (!strcmp(r, r8[i]))
			return 8;
		if (!strcmp(r, r16[i]))
			return 16;
		if (r[0] == 'e' && !strcmp(r + 1, r16[i]))
			return 32;
	}
	return 0;
}

/* Width of the immediates of an instruction, from LLVM's text: the size of
 * the first operand when it has one, else by mnemonic.  LLVM prints some
 * immediates signed ("mov byte ptr [eax], -69", "enter 0x10, -1"), x86_disasm
 * prints them as the value used; equal modulo 2^width is the same. */
static unsigned imm_bits(const struct llvm_dec *ld, unsigned k, int opsize16)
{
	char first[64];
	size_t n = strcspn(ld->ops, ",");
	snprintf(first, sizeof first, "%.*s", (int)(n < 63 ? n : 63), ld->ops);
	if (strstr(first, "byte ptr"))
		return 8;
	if (strstr(first, "dword ptr"))
		return 32;
	if (strstr(first, "word ptr"))
		return 16;
	unsigned rb = reg_bits(first);
	if (rb)
		return rb;
	if (!strcmp(ld->mnem, "enter"))
		return k == 0 ? 16 : 8;
	if (!strcmp(ld->mnem, "ret"))
		return 16;
	if (!strcmp(ld->mnem, "int"))
		return 8;
	if (!strcmp(ld->mnem, "push"))
		return opsize16 ? 16 : 32;
	return 32;
}

/* Operands in a canonical form: numbers as hex mod 2^bits, addresses as
 * linear forms, "ds:" dropped (x86_disasm always names the string source's
 * segment, LLVM only when a prefix is there), the rest (registers,
 * "dword ptr", other segments) as printed.  xchg's two operands are sorted:
 * LLVM prints "xchg al, cl" for 86 C1 (reg first), the SDM order is r/m first. */
static void canon_operands(const struct llvm_dec *ld, const char *ops, int opsize16, char *out, size_t n)
{
	char buf[256], parts[3][128];
	unsigned np = 0;
	snprintf(buf, sizeof buf, "%s", ops);
	out[0] = 0;
	char *p = buf;
	while (*p && np < 3) {
		size_t len = strcspn(p, ",");
		char opnd[200];
		snprintf(opnd, sizeof opnd, "%.*s", (int)len, p);
		p += len;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
		fold_space(opnd);
		char *o = opnd;
		while (*o == ' ')
			o++;
		char *ds = strstr(o, "ds:");
		if (ds)
			memmove(ds, ds + 3, strlen(ds + 3) + 1);
		char *lb = strchr(o, '['), *rb = strchr(o, ']');
		uint32_t v;
		char *dst = parts[np];
		if (lb && rb && rb > lb) {
			char addr[100];
			*rb = 0;
			*lb = 0;
			canon_address(lb + 1, addr, sizeof addr);
			snprintf(dst, sizeof parts[0], "%.20s%s", o, addr);
		} else if (parse_num(o, &v)) {
			unsigned bits = imm_bits(ld, np, opsize16);
			snprintf(dst, sizeof parts[0], "0x%" PRIx32,
				 bits >= 32 ? v : v & ((1u << bits) - 1));
		} else {
			snprintf(dst, sizeof parts[0], "%.100s", o);
		}
		np++;
	}
	/* LLVM prints D0-D3 /r by one without the count ("sar byte ptr [eax]") */
	static const char *const shifts[] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"};
	for (size_t i = 0; i < 7; i++)
		if (np == 1 && !strcmp(ld->mnem, shifts[i]))
			snprintf(parts[np++], sizeof parts[0], "0x1");
	if (np == 2 && !strcmp(ld->mnem, "xchg") && strcmp(parts[0], parts[1]) > 0) {
		char t[128];
		memcpy(t, parts[0], sizeof t);
		memcpy(parts[0], parts[1], sizeof t);
		memcpy(parts[1], t, sizeof t);
	}
	size_t at = 0;
	for (unsigned i = 0; i < np && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, "%s;", parts[i]);
}

/* cdvm's text and LLVM's, operand by operand (relative branches excepted:
 * LLVM prints the raw offset, x86_disasm the target). */
static int same_operand_text(const struct llvm_dec *ld, const struct x86_insn *in, char *cd, size_t n)
{
	x86_disasm(in, ORACLE_PC, cd, n);
	fold_space(cd);
	for (unsigned k = 0; k < in->nops; k++)
		if (in->o[k].kind == X86_OPK_REL)
			return 1;
	struct llvm_dec tmp;
	memset(&tmp, 0, sizeof tmp);
	snprintf(tmp.text, sizeof tmp.text, "%s", cd);
	parse_llvm(&tmp);
	char a[400], b[400];
	int o16 = (in->prefixes & X86_PFX_OPSIZE) != 0;
	canon_operands(ld, tmp.ops, o16, a, sizeof a);
	canon_operands(ld, ld->ops, o16, b, sizeof b);
	return !strcmp(a, b);
}

/* LLVM 14 takes 66 together with F2/F3 in front of a 0F-map opcode for a
 * mandatory-prefix (SSE) form: it rejects integer instructions it does not
 * find there ("66 f3 0f 48 c0" cmovs) or decodes them with a mix of sizes
 * ("shld dword ptr [eax], ax, 0xbb").  The CPU ignores F2/F3 on these
 * opcodes and runs the 16-bit form (checked natively with tests/risu's
 * runner).  For them the reference is LLVM's decoding of the same bytes
 * without the F2/F3 bytes; not for the opcodes F2/F3 select (tzcnt, lzcnt,
 * endbr32, the SSE/unsupported classes).  Likewise LLVM rejects endbr32
 * with a 66 prefix, which the CPU runs as endbr32 (a NOP here; checked
 * natively): its reference is the decoding without the 66 bytes. */
static void llvm_decode_without(struct oracle *o, const uint8_t *b, uint8_t drop1, uint8_t drop2,
				struct llvm_dec *ld)
{
	uint8_t c[X86_MAX_INSN_LEN];
	unsigned n = 0, removed = 0, i;
	for (i = 0; i < X86_MAX_INSN_LEN && is_prefix(b[i]); i++) {
		if (b[i] == drop1 || b[i] == drop2)
			removed++;
		else
			c[n++] = b[i];
	}
	for (; i < X86_MAX_INSN_LEN; i++)
		c[n++] = b[i];
	llvm_decode(o, c, n, ld);
	if (ld->len)
		ld->len += removed;
}

static int f2f3_selects(const struct x86_insn *in)
{
	return (x86_op_flags((enum x86_op)in->op) & OPF_UNSUP) || in->op == X86_OP_TZCNT ||
	       in->op == X86_OP_LZCNT || in->op == X86_OP_ENDBR32 || in->op == X86_OP_PAUSE;
}

static int llvm_mandatory_quirk(struct oracle *o, const uint8_t *b, const struct x86_insn *in,
				struct llvm_dec *ld)
{
	if ((in->op == X86_OP_TZCNT || in->op == X86_OP_LZCNT) && (in->prefixes & X86_PFX_OPSIZE)) {
		/* LLVM takes whichever of 66/F3 is nearer the opcode as the
		 * mandatory prefix ("f3 66 0f bd" -> bsr); the CPU runs lzcnt
		 * whatever the order (checked natively).  Reference: LLVM's
		 * decoding with the F2/F3 bytes moved next to the opcode. */
		uint8_t c[X86_MAX_INSN_LEN];
		unsigned n = 0, i, np = 0;
		while (np < X86_MAX_INSN_LEN && is_prefix(b[np]))
			np++;
		for (i = 0; i < np; i++)
			if (b[i] != 0xf2 && b[i] != 0xf3)
				c[n++] = b[i];
		for (i = 0; i < np; i++)
			if (b[i] == 0xf2 || b[i] == 0xf3)
				c[n++] = b[i];
		memcpy(c + n, b + np, X86_MAX_INSN_LEN - np);
		llvm_decode(o, c, X86_MAX_INSN_LEN, ld);
		o->excluded[EX_LLVM_MANDATORY]++;
		return 1;
	}
	if (in->op == X86_OP_ENDBR32 && (in->prefixes & X86_PFX_OPSIZE)) {
		llvm_decode_without(o, b, 0x66, 0x66, ld);
		o->excluded[EX_LLVM_MANDATORY]++;
		return 1;
	}
	if (in->map != 1 || !(in->prefixes & X86_PFX_OPSIZE) ||
	    !(in->prefixes & (X86_PFX_REP | X86_PFX_REPNE)) || f2f3_selects(in))
		return 0;
	llvm_decode_without(o, b, 0xf2, 0xf3, ld);
	o->excluded[EX_LLVM_MANDATORY]++;
	return 1;
}

/* LLVM 14 rejects some LOCKed instructions with F2/F3 HLE hints (both F2
 * and F3: "f0 f2 f3 0f b1 ...", or F2 on a 0F-map one: "f2 f0 0f b3 ...");
 * the CPU runs the locked instruction (the hints are ignored without TSX).
 * Reference: the bytes without F2/F3. */
static int llvm_hle_quirk(struct oracle *o, const uint8_t *b, const struct x86_insn *in,
			  struct llvm_dec *ld)
{
	if (!(in->prefixes & X86_PFX_LOCK) || !(in->prefixes & (X86_PFX_REP | X86_PFX_REPNE)) ||
	    f2f3_selects(in))
		return 0;
	llvm_decode_without(o, b, 0xf2, 0xf3, ld);
	o->excluded[EX_LLVM_HLE]++;
	return 1;
}

static void check(struct oracle *o, const uint8_t *b)
{
	struct llvm_dec ld;
	struct x86_insn in;
	int st = x86_decode(b, X86_MAX_INSN_LEN, &in);
	if (!llvm_mandatory_quirk(o, b, &in, &ld)) {
		llvm_decode(o, b, X86_MAX_INSN_LEN, &ld);
		if (!ld.len)
			llvm_hle_quirk(o, b, &in, &ld);
	}
	/* LOCK is a byte-level fact: LLVM drops it from the text after a
	 * segment prefix ("26 f0 f2 0f 80 ..." prints "jo") */
	int lock = has_prefix_byte(b, X86_MAX_INSN_LEN, 0xf0);
	o->checked++;

	if (st == X86_DECODE_TRUNC) {
		report(o, b, &ld, st, &in, "cdvm wants more than 15 bytes");
		return;
	}
	if (st > 0) {
		o->accepted++;
		char cm[32], cd[200];
		canon_mnemonic(x86_op_name((enum x86_op)in.op), cm, sizeof cm);
		if (!ld.len) {
			report(o, b, &ld, st, &in, "cdvm accepts, LLVM rejects");
		} else if ((size_t)st != ld.len) {
			report(o, b, &ld, st, &in, "length differs");
		} else if (strcmp(cm, ld.mnem)) {
			report(o, b, &ld, st, &in, "mnemonic differs");
		} else if (lock && !lock_legal(&ld)) {
			report(o, b, &ld, st, &in, "cdvm accepts LOCK where the CPU raises #UD");
		} else if (!same_operand_text(&ld, &in, cd, sizeof cd)) {
			report(o, b, &ld, st, &in, "operands differ (x86_disasm vs LLVM)");
		}
		return;
	}
	/* cdvm rejects */
	if (!ld.len) {
		o->rejected_both++;
		return;
	}
	if (in.len && in.len != ld.len) {
		/* 66/F2 0F 78/79 are AMD's SSE4a EXTRQ/INSERTQ (two immediates,
		 * cdvm sizes them so); LLVM decodes VMREAD/VMWRITE; an Intel CPU
		 * raises #UD, cdvm too, so the length is moot */
		if (in.map == 1 && (in.opcode == 0x78 || in.opcode == 0x79) &&
		    (in.prefixes & (X86_PFX_OPSIZE | X86_PFX_REPNE))) {
			o->excluded[EX_SSE4A]++;
			return;
		}
		/* a legacy 66 before an XOP escape is #UD (AMD APM vol. 3, 1.7);
		 * LLVM lets it turn map 0A's imm32 into an imm16 (lwpval, bextr) */
		if (in.op == X86_OP_XOP && (in.prefixes & X86_PFX_OPSIZE)) {
			o->excluded[EX_XOP66]++;
			return;
		}
		report(o, b, &ld, st, &in, "length of a rejected instruction differs");
		return;
	}
	if (!llvm_in_subset(&ld))
		return;
	if (in.op == X86_OP_PRIV) {
		o->excluded[EX_PRIV]++;
	} else if (lock && !lock_legal(&ld)) {
		o->excluded[EX_LOCK_UD]++;
	} else if (has_prefix_byte(b, ld.len, 0x67)) {
		o->excluded[EX_ADDR16]++;
	} else if (!strcmp(ld.mnem, "enter") && has_prefix_byte(b, ld.len, 0x66)) {
		o->excluded[EX_ENTER16]++;
	} else if ((!strcmp(ld.mnem, "fldenv") || !strcmp(ld.mnem, "fnstenv") || !strcmp(ld.mnem, "frstor") ||
		    !strcmp(ld.mnem, "fnsave")) && has_prefix_byte(b, ld.len, 0x66)) {
		o->excluded[EX_FPENV16]++;
	} else {
		report(o, b, &ld, st, &in, "LLVM decodes a subset instruction, cdvm rejects it");
	}
}

/* ---- inputs ------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}


struct pfxset {
	uint8_t n, b[3];
};

static const struct pfxset prefix_sets[] = {
	{0, {0}}, {1, {0x66}}, {1, {0xf2}}, {1, {0xf3}}, {1, {0xf0}}, {1, {0x67}},
	{1, {0x26}}, {1, {0x2e}}, {1, {0x36}}, {1, {0x3e}}, {1, {0x64}}, {1, {0x65}},
	{2, {0xf0, 0x66}}, {2, {0x66, 0xf3}}, {2, {0xf2, 0x66}}, {2, {0x65, 0xf0}},
	{3, {0x66, 0x66, 0xf3}},
};

/* SIB bytes for the ModRM forms that take one: no-index, base EBP/none,
 * ESP base, all four scales. */
static const uint8_t sib_sample[] = {0x00, 0x05, 0x24, 0x25, 0x4d, 0x63, 0xa5, 0xfc};

/* ModRM forms tried after a prefix: every reg field with a register, each
 * memory form (no displacement, disp8, disp32, [disp32], SIB with and
 * without base/index). */
static const uint8_t modrm_short[][2] = {
	{0xc0, 0}, {0xc7, 0}, {0x00, 0}, {0x05, 0}, {0x04, 0x24}, {0x04, 0x25},
	{0x4e, 0}, {0x8c, 0x8d},
};

/* Enumerate one opcode (1-3 bytes) after a prefix set: all 256 ModRM bytes
 * when full, else modrm_short[] with all eight reg fields. */
static void enum_opcode_short(struct oracle *o, const struct pfxset *p, const uint8_t *opc,
			      unsigned nopc, const uint8_t *tail)
{
	uint8_t b[X86_MAX_INSN_LEN + 8];
	unsigned at = p->n;
	memcpy(b, p->b, p->n);
	memcpy(b + at, opc, nopc);
	at += nopc;
	for (unsigned f = 0; f < sizeof modrm_short / sizeof modrm_short[0]; f++)
		for (unsigned reg = 0; reg < 8; reg++) {
			unsigned i = at;
			uint8_t modrm = (uint8_t)(modrm_short[f][0] | reg << 3);
			b[i++] = modrm;
			if ((modrm >> 6) != 3 && (modrm & 7) == 4)
				b[i++] = modrm_short[f][1];
			memcpy(b + i, tail, X86_MAX_INSN_LEN);
			check(o, b);
		}
}

static void enum_opcode(struct oracle *o, const struct pfxset *p, const uint8_t *opc, unsigned nopc,
			const uint8_t *tail, int full_sib)
{
	uint8_t b[X86_MAX_INSN_LEN + 8];
	unsigned at = 0;
	memcpy(b, p->b, p->n);
	at = p->n;
	memcpy(b + at, opc, nopc);
	at += nopc;
	for (unsigned modrm = 0; modrm < 256; modrm++) {
		unsigned mod = modrm >> 6, rm = modrm & 7;
		unsigned nsib = (mod != 3 && rm == 4) ? (full_sib ? 256 : sizeof sib_sample) : 1;
		for (unsigned s = 0; s < nsib; s++) {
			unsigned i = at;
			b[i++] = (uint8_t)modrm;
			if (mod != 3 && rm == 4)
				b[i++] = full_sib ? (uint8_t)s : sib_sample[s];
			memcpy(b + i, tail, X86_MAX_INSN_LEN);
			check(o, b);
		}
	}
}

static void enumerate(struct oracle *o)
{
	uint8_t tail[X86_MAX_INSN_LEN];
	uint64_t s = 0x0dd5eedull;
	for (unsigned i = 0; i < sizeof tail; i++)
		tail[i] = (uint8_t)splitmix(&s);
	o->phase = "enumeration";
	for (size_t k = 0; k < sizeof prefix_sets / sizeof prefix_sets[0]; k++) {
		const struct pfxset *p = &prefix_sets[k];
		for (unsigned op = 0; op < 256; op++) {
			uint8_t opc[3] = {(uint8_t)op, 0, 0};
			if (is_prefix((uint8_t)op) || op == 0x0f)
				continue;
			if (k == 0)
				enum_opcode(o, p, opc, 1, tail, 0);
			else
				enum_opcode_short(o, p, opc, 1, tail);
			opc[0] = 0x0f;
			opc[1] = (uint8_t)op;
			if (op == 0x38 || op == 0x3a)
				continue;
			if (k == 0)
				enum_opcode(o, p, opc, 2, tail, 0);
			else
				enum_opcode_short(o, p, opc, 2, tail);
		}
		/* three-byte maps: the no-prefix and mandatory-prefix sets */
		if (p->n == 1 && p->b[0] != 0x66 && p->b[0] != 0xf2 && p->b[0] != 0xf3)
			continue;
		for (unsigned m = 0; m < 2; m++)
			for (unsigned op = 0; op < 256; op++) {
				uint8_t opc[3] = {0x0f, m ? 0x3a : 0x38, (uint8_t)op};
				enum_opcode_short(o, p, opc, 3, tail);
			}
	}
	/* encodings where prefixes select or change the instruction */
	static const char *const specials[] = {
		"f3 0f 1e fb", "f3 0f 1e fa", "36 f3 0f 1e fb", "f3 90", "66 90", "f3 66 90",
		"f3 0f bc c2", "f3 66 0f bd c2", "66 f3 0f bd c2", "f2 0f bc c2", "f3 0f b8 c0",
		"66 0f c8", "66 0f 89 00 00", "66 f3 0f 89 00 00", "66 74 00", "66 e8 00 00",
		"66 e9 00 00", "66 eb 00", "66 e3 00", "67 e3 00", "66 e2 00", "66 c3", "66 c2 04 00",
		"66 ff d0", "66 ff 20", "f2 c3", "f3 c3", "f2 e8 00 00 00 00", "66 9c", "66 9d",
		"66 60", "66 61", "66 6a 80", "66 68 00 80", "66 c8 10 00 01", "c8 10 00 21",
		"cd 80", "cd 03", "cc", "ce", "f1", "d6", "d4 0a", "d5 0a", "d4 00", "27", "82 c0 80",
		"0f 0b", "0f b9 c0", "0f ff c0", "0f 1f 44 00 00", "66 0f 1f 84 00 00 00 00 00",
		"0f 18 00", "0f 18 20", "0f 0d 08", "0f 19 00", "0f 1e c0", "8c d8", "8e d8",
		"0f a2", "0f 31", "f4", "fa", "fb", "e4 00", "ec", "0f 05", "0f 34", "9b", "0f ae f0",
		"0f c7 0f", "f0 0f c7 0f", "0f c7 c8", "f0 87 00", "f0 90", "f0 0f c1 00",
		"8d 04 24", "8d c0", "c6 f8 00", "c7 f8 00 00 00 00", "8f c0", "8f 08", "d0 f0",
		"f6 c8 01", "f7 c8 01 00 00 00", "d7", "3e d7", "26 a4", "f2 a4", "f3 a6", "64 a1 00 00 00 00",
	};
	for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
		uint8_t b[X86_MAX_INSN_LEN];
		unsigned n = 0;
		const char *p = specials[k];
		memcpy(b, tail, sizeof b);
		while (*p && n < X86_MAX_INSN_LEN) {
			char *e;
			b[n++] = (uint8_t)strtoul(p, &e, 16);
			p = e;
		}
		check(o, b);
	}
	/* every SIB byte, for a few common opcodes */
	static const uint8_t full[][2] = {{0x8b, 0}, {0x8d, 0}, {0xf7, 0}, {0x0f, 0xaf}};
	for (size_t k = 0; k < sizeof full / sizeof full[0]; k++)
		enum_opcode(o, &prefix_sets[0], full[k], full[k][0] == 0x0f ? 2 : 1, tail, 1);
}

static void random_strings(struct oracle *o, uint64_t seed, uint64_t n)
{
	static const uint8_t pfx[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3};
	uint64_t s = seed;
	o->phase = "random";
	for (uint64_t i = 0; i < n; i++) {
		uint8_t b[24];
		for (unsigned k = 0; k < sizeof b; k += 8) {
			uint64_t r = splitmix(&s);
			memcpy(b + k, &r, 8);
		}
		if (i & 1) {
			/* structured: 0-3 prefixes (rarely more), an opcode, random rest */
			uint64_t r = splitmix(&s);
			unsigned np = (unsigned)(r % 4) + ((r >> 8) % 16 == 0 ? 4u : 0u), at = 0;
			for (unsigned k = 0; k < np; k++)
				b[at++] = pfx[(r >> (12 + 4 * k)) % sizeof pfx];
			if ((r >> 40) & 1)
				b[at++] = 0x0f;
			b[at] = (uint8_t)(r >> 48);
		}
		check(o, b);
	}
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : def;
}

int main(int argc, char **argv)
{
	struct oracle o;
	memset(&o, 0, sizeof o);
	LLVMInitializeX86TargetInfo();
	LLVMInitializeX86TargetMC();
	LLVMInitializeX86Disassembler();
	o.dc = LLVMCreateDisasm("i386-unknown-linux-gnu", NULL, 0, NULL, NULL);
	if (!o.dc) {
		fprintf(stderr, "x86_decode_oracle: LLVM has no i386 disassembler\n");
		return 2;
	}
	/* Intel syntax (the alternate variant for X86) with hex immediates,
	 * the form cms/x86's names and x86_disasm follow */
	LLVMSetDisasmOptions(o.dc, LLVMDisassembler_Option_AsmPrinterVariant |
					   LLVMDisassembler_Option_PrintImmHex);
	o.show = (unsigned)env_u64("CDVM_ORACLE_SHOW", 20);
	if (argc > 1) {
		/* x86_decode_oracle 66 0f c8: check one byte string, say what both think */
		uint8_t b[X86_MAX_INSN_LEN] = {0};
		for (int i = 1; i < argc && i <= X86_MAX_INSN_LEN; i++)
			b[i - 1] = (uint8_t)strtoul(argv[i], NULL, 16);
		o.phase = "command line";
		o.show = 1;
		check(&o, b);
		if (!o.failures) {
			struct llvm_dec ld;
			struct x86_insn in;
			int st = x86_decode(b, X86_MAX_INSN_LEN, &in);
			llvm_decode(&o, b, X86_MAX_INSN_LEN, &ld);
			if (!llvm_mandatory_quirk(&o, b, &in, &ld))
				llvm_decode(&o, b, X86_MAX_INSN_LEN, &ld);
			print_case("AGREE", b, &ld, st, &in, "");
		}
		LLVMDisasmDispose(o.dc);
		return o.failures ? 1 : 0;
	}
	uint64_t seed = env_u64("CDVM_SEED", (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32));
	uint64_t n = env_u64("CDVM_ORACLE_N", 1000000);
	printf("x86_decode_oracle: seed 0x%" PRIx64 " (CDVM_SEED=0x%" PRIx64 " to replay), "
	       "%" PRIu64 " random strings\n", seed, seed, n);

	clock_t t0 = clock();
	enumerate(&o);
	uint64_t n_enum = o.checked;
	clock_t t1 = clock();
	random_strings(&o, seed, n);
	clock_t t2 = clock();

	printf("x86_decode_oracle: %" PRIu64 " enumerated (%.1f s) + %" PRIu64 " random (%.1f s): "
	       "%" PRIu64 " accepted by cdvm, %" PRIu64 " rejected by both\n",
	       n_enum, (double)(t1 - t0) / CLOCKS_PER_SEC, o.checked - n_enum,
	       (double)(t2 - t1) / CLOCKS_PER_SEC, o.accepted, o.rejected_both);
	for (int e = 0; e < EX_COUNT; e++)
		if (o.excluded[e])
			printf("  excluded: %" PRIu64 " x %s\n", o.excluded[e], excl_names[e]);
	LLVMDisasmDispose(o.dc);
	if (o.failures) {
		printf("x86_decode_oracle: FAILED, %" PRIu64 " mismatches (first %u shown)\n",
		       o.failures, o.show);
		return 1;
	}
	printf("x86_decode_oracle: ok\n");
	return 0;
}
