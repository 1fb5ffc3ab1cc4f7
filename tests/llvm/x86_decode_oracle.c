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
	EX_ADDR16,    /* 67 prefix: 16-bit addressing, not in cdvm's subset */
	EX_ENTER16,   /* 66 ENTER: no 16-bit form in cdvm (opcodes.def ND) */
	EX_PRIV,      /* privileged: #GP natively, cdvm raises it too */
	EX_COUNT
};

static const char *const excl_names[EX_COUNT] = {
	"LOCK where the CPU raises #UD (LLVM accepts it)",
	"67 prefix (16-bit addressing: not in the subset)",
	"66 ENTER (no 16-bit form in cdvm)",
	"privileged instruction (#GP natively and in cdvm)",
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
	snprintf(out, n, "%s", in);
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

/* LLVM decode.  LLVM 14 returns a LOCK prefix as an instruction of its own
 * ("lock", length 1, or more when other prefixes precede it); the CPU sees
 * one instruction, so join it with what follows. */
static void llvm_decode(struct oracle *o, const uint8_t *buf, unsigned avail, struct llvm_dec *ld)
{
	size_t total = 0;
	char lockpfx[64] = "";
	memset(ld, 0, sizeof *ld);
	for (;;) {
		char t[256];
		size_t l = LLVMDisasmInstruction(o->dc, (uint8_t *)buf + total, avail - total,
						 ORACLE_PC + total, t, sizeof t);
		if (!l) {
			ld->len = 0;
			return;
		}
		fold_space(t);
		total += l;
		if (!strcmp(t, "lock") && total < avail && strlen(lockpfx) < 40) {
			strcat(lockpfx, "lock ");
			continue;
		}
		ld->len = total;
		snprintf(ld->text, sizeof ld->text, "%s%s", lockpfx, t);
		break;
	}
	parse_llvm(ld);
}

/* Does an operand list name a register of a kind outside the subset, or
 * a far pointer?  (LLVM mnemonics like "movsd", "mov", "push", "nop" are
 * shared with x87/SSE/segment/system forms.) */
static int foreign_operands(const char *ops)
{
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
			if (!strcmp(tok, regs[i]))
				return 1; /* a segment register as an operand */
	}
	return 0;
}

/* Is LLVM's instruction one of the subset cdvm executes? */
static int llvm_in_subset(const struct llvm_dec *ld)
{
	if (!ld->len || foreign_operands(ld->ops))
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

/* ---- the comparison -------------------------------------------------- */

static void report(struct oracle *o, const uint8_t *b, const struct llvm_dec *ld, int st,
		   const struct x86_insn *in, const char *why)
{
	o->failures++;
	if (o->failures > o->show)
		return;
	char cd[160] = "";
	if (st > 0)
		x86_disasm(in, ORACLE_PC, cd, sizeof cd);
	printf("MISMATCH [%s] %s\n  bytes:", o->phase, why);
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

/* cdvm's text and LLVM's, operand by operand (relative branches excepted). */
static int same_operand_text(const struct llvm_dec *ld, const struct x86_insn *in, char *cd, size_t n)
{
	x86_disasm(in, ORACLE_PC, cd, n);
	fold_space(cd);
	for (unsigned k = 0; k < in->nops; k++)
		if (in->o[k].kind == X86_OPK_REL)
			return 1;
	char cdt[256];
	struct llvm_dec tmp;
	memset(&tmp, 0, sizeof tmp);
	snprintf(tmp.text, sizeof tmp.text, "%s", cd);
	parse_llvm(&tmp);
	snprintf(cdt, sizeof cdt, "%s", tmp.ops);
	return !strcmp(cdt, ld->ops);
}

static void check(struct oracle *o, const uint8_t *b)
{
	struct llvm_dec ld;
	struct x86_insn in;
	int st = x86_decode(b, X86_MAX_INSN_LEN, &in);
	llvm_decode(o, b, X86_MAX_INSN_LEN, &ld);
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
		} else if (ld.lock && !lock_legal(&ld)) {
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
		report(o, b, &ld, st, &in, "length of a rejected instruction differs");
		return;
	}
	if (!llvm_in_subset(&ld))
		return;
	if (in.op == X86_OP_PRIV) {
		o->excluded[EX_PRIV]++;
	} else if (ld.lock && !lock_legal(&ld)) {
		o->excluded[EX_LOCK_UD]++;
	} else if (has_prefix_byte(b, ld.len, 0x67)) {
		o->excluded[EX_ADDR16]++;
	} else if (!strcmp(ld.mnem, "enter") && has_prefix_byte(b, ld.len, 0x66)) {
		o->excluded[EX_ENTER16]++;
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

static int is_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
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

/* Enumerate one opcode (1-3 bytes) after a prefix set. */
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
			enum_opcode(o, p, opc, 1, tail, 0);
			opc[0] = 0x0f;
			opc[1] = (uint8_t)op;
			if (op != 0x38 && op != 0x3a)
				enum_opcode(o, p, opc, 2, tail, 0);
		}
		/* three-byte maps: the no-prefix and mandatory-prefix sets */
		if (p->n == 1 && p->b[0] != 0x66 && p->b[0] != 0xf2 && p->b[0] != 0xf3)
			continue;
		for (unsigned m = 0; m < 2; m++)
			for (unsigned op = 0; op < 256; op++) {
				uint8_t opc[3] = {0x0f, m ? 0x3a : 0x38, (uint8_t)op};
				enum_opcode(o, p, opc, 3, tail, 0);
			}
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

int main(void)
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
