/* native-isa/asm.c — the native assembler.
 *
 * One bundle per line, atoms separated by '|', optional "label:" first,
 * comments after ';' or "//", ".equ NAME, value" constants.  Two passes:
 * the first gives every label its byte offset, the second encodes.
 * Branch targets become offsets from the bundle's own address, so the
 * output is position independent.  Errors name file:line:column.
 *
 *   loop:  subf.32 r1, r1, #1 | ld.u8 r20, [r2 + 4]
 *          b.ne loop
 */
#include "native-isa/isa.h"
#include "native-isa/isa_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct sym {
	char name[64];
	uint32_t value;
	int is_label;
};

struct asm_state {
	const char *name;     /* file name for messages */
	struct sym *syms;
	size_t nsyms, capsyms;
	struct isa_error *err;
	int line;
	const char *line_start;
	const char *p;        /* cursor */
	uint32_t bundle_addr;
	int pass;
};

static int fail(struct asm_state *s, const char *at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(s->err->msg, sizeof s->err->msg, "%s:%d:%d: %s", s->name, s->line,
		 (int)(at - s->line_start) + 1, msg);
	return -1;
}

static void skip_ws(struct asm_state *s)
{
	while (*s->p == ' ' || *s->p == '\t')
		s->p++;
}

static int at_end(struct asm_state *s)
{
	skip_ws(s);
	return *s->p == '\0' || *s->p == '|';
}

static int ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.'; }

/* Reads an identifier (letters, digits, '_' and '.') into buf. */
static int read_ident(struct asm_state *s, char *buf, size_t n)
{
	skip_ws(s);
	size_t k = 0;
	if (!isalpha((unsigned char)*s->p) && *s->p != '_' && *s->p != '.')
		return -1;
	while (ident_char(*s->p)) {
		if (k + 1 >= n)
			return -1;
		buf[k++] = *s->p++;
	}
	buf[k] = 0;
	return 0;
}

static struct sym *find_sym(struct asm_state *s, const char *name)
{
	for (size_t i = 0; i < s->nsyms; i++)
		if (!strcmp(s->syms[i].name, name))
			return &s->syms[i];
	return NULL;
}

static int add_sym(struct asm_state *s, const char *at, const char *name, uint32_t v, int is_label)
{
	if (strlen(name) >= sizeof s->syms[0].name)
		return fail(s, at, "name '%s' is too long", name);
	if (find_sym(s, name))
		return fail(s, at, "'%s' is already defined", name);
	if (s->nsyms == s->capsyms) {
		size_t cap = s->capsyms ? 2 * s->capsyms : 32;
		struct sym *n = realloc(s->syms, cap * sizeof *n);
		if (!n)
			return fail(s, at, "out of memory");
		s->syms = n;
		s->capsyms = cap;
	}
	struct sym *y = &s->syms[s->nsyms++];
	snprintf(y->name, sizeof y->name, "%s", name);
	y->value = v;
	y->is_label = is_label;
	return 0;
}

static const struct { const char *name; int reg; } reg_aliases[] = {
	{"zero", R_ZERO}, {"eax", R_EAX}, {"ecx", R_ECX}, {"edx", R_EDX}, {"ebx", R_EBX},
	{"esp", R_ESP}, {"ebp", R_EBP}, {"esi", R_ESI}, {"edi", R_EDI}, {"flags", R_FLAGS},
	{"eip", R_EIP}, {"fsbase", R_FSBASE}, {"gsbase", R_GSBASE},
};

static int reg_number(const char *t)
{
	if ((t[0] == 'r' || t[0] == 'R') && isdigit((unsigned char)t[1])) {
		char *end;
		long v = strtol(t + 1, &end, 10);
		if (*end == 0 && v >= 0 && v < ISA_NREGS && !(t[1] == '0' && t[2]))
			return (int)v;
		return -1;
	}
	for (size_t i = 0; i < sizeof reg_aliases / sizeof reg_aliases[0]; i++)
		if (!strcasecmp(t, reg_aliases[i].name))
			return reg_aliases[i].reg;
	return -1;
}

static int parse_reg(struct asm_state *s, uint8_t *r)
{
	skip_ws(s);
	const char *at = s->p;
	char t[32];
	if (read_ident(s, t, sizeof t) < 0)
		return fail(s, at, "expected a register");
	int n = reg_number(t);
	if (n < 0)
		return fail(s, at, "'%s' is not a register (r0..r63 or an x86 alias)", t);
	*r = (uint8_t)n;
	return 0;
}

/* An FPU register: f0..f15. */
static int parse_freg(struct asm_state *s, uint8_t *r)
{
	skip_ws(s);
	const char *at = s->p;
	char t[32], *end;
	if (read_ident(s, t, sizeof t) < 0)
		return fail(s, at, "expected an FPU register");
	unsigned long n = (t[0] == 'f' || t[0] == 'F') && t[1] ? strtoul(t + 1, &end, 10) : ISA_NFREGS;
	if (n >= ISA_NFREGS || *end)
		return fail(s, at, "'%s' is not an FPU register (f0..f15)", t);
	*r = (uint8_t)n;
	return 0;
}

static int expect(struct asm_state *s, char c)
{
	skip_ws(s);
	if (*s->p != c) {
		if (*s->p == 0 || *s->p == '|')
			return fail(s, s->p, "expected '%c' before the end of the atom", c);
		return fail(s, s->p, "expected '%c', found '%c'", c, *s->p);
	}
	s->p++;
	return 0;
}

/* A number or a .equ name, optionally preceded by '#' and a sign. */
static int parse_value(struct asm_state *s, int64_t *v, int allow_labels)
{
	skip_ws(s);
	const char *at = s->p;
	if (*s->p == '#')
		s->p++;
	int neg = 0;
	if (*s->p == '-' || *s->p == '+') {
		neg = *s->p == '-';
		s->p++;
	}
	if (isdigit((unsigned char)*s->p)) {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(s->p, &end, 0);
		if (errno || ident_char(*end))
			return fail(s, at, "malformed number");
		s->p = end;
		if (u > 0xffffffffull)
			return fail(s, at, "value does not fit in 32 bits");
		*v = neg ? -(int64_t)u : (int64_t)u;
	} else {
		char t[64];
		if (read_ident(s, t, sizeof t) < 0)
			return fail(s, at, "expected a number");
		struct sym *y = find_sym(s, t);
		if (!y || (y->is_label && !allow_labels)) {
			if (s->pass == 1 && allow_labels) {
				*v = 0;
				return 0;
			}
			return fail(s, at, "unknown name '%s'", t);
		}
		*v = neg ? -(int64_t)y->value : (int64_t)y->value;
	}
	if (*v < -2147483648LL)
		return fail(s, at, "value does not fit in 32 bits");
	return 0;
}

static int parse_imm(struct asm_state *s, uint32_t *imm)
{
	int64_t v;
	if (parse_value(s, &v, 0) < 0)
		return -1;
	*imm = (uint32_t)v;
	return 0;
}

/* Operand b: a register or an immediate. */
static int parse_b(struct asm_state *s, struct atom *a)
{
	skip_ws(s);
	const char *save = s->p;
	char t[32];
	if (*s->p != '#' && read_ident(s, t, sizeof t) == 0 && reg_number(t) >= 0) {
		a->rb = (uint8_t)reg_number(t);
		return 0;
	}
	s->p = save;
	a->use_imm = 1;
	return parse_imm(s, &a->imm);
}

/* [ra], [ra + imm], [ra - imm], [ra + rb*s + imm]; rb only when allowed. */
static int parse_mem(struct asm_state *s, struct atom *a, int allow_index)
{
	if (expect(s, '[') < 0 || parse_reg(s, &a->ra) < 0)
		return -1;
	int64_t disp = 0;
	for (;;) {
		skip_ws(s);
		if (*s->p == ']') {
			s->p++;
			break;
		}
		const char *at = s->p;
		if (*s->p != '+' && *s->p != '-')
			return fail(s, at, "expected '+', '-' or ']' in a memory operand");
		int neg = *s->p == '-';
		s->p++;
		skip_ws(s);
		const char *save = s->p;
		char t[32];
		if (!neg && read_ident(s, t, sizeof t) == 0 && reg_number(t) >= 0) {
			if (!allow_index)
				return fail(s, save, "this atom takes no index register");
			if (a->rb || a->x)
				return fail(s, save, "only one index register");
			a->rb = (uint8_t)reg_number(t);
			skip_ws(s);
			if (*s->p == '*') {
				s->p++;
				int64_t sc;
				const char *sat = s->p;
				if (parse_value(s, &sc, 0) < 0)
					return -1;
				if (sc != 1 && sc != 2 && sc != 4 && sc != 8)
					return fail(s, sat, "scale must be 1, 2, 4 or 8");
				a->x = (uint8_t)(sc == 1 ? 0 : sc == 2 ? 1 : sc == 4 ? 2 : 3);
			}
			continue;
		}
		s->p = save;
		int64_t v;
		if (parse_value(s, &v, 0) < 0)
			return -1;
		disp += neg ? -v : v;
	}
	if (disp < -2147483648LL || disp > 0xffffffffLL)
		return fail(s, s->p, "displacement does not fit in 32 bits");
	a->imm = (uint32_t)disp;
	return 0;
}

/* A label or ".+N" / ".-N": stored relative to the bundle. */
static int parse_target(struct asm_state *s, struct atom *a)
{
	skip_ws(s);
	const char *at = s->p;
	int64_t off;
	if (s->p[0] == '.' && (s->p[1] == '+' || s->p[1] == '-')) {
		s->p++;
		if (parse_value(s, &off, 0) < 0)
			return -1;
	} else {
		char t[64];
		if (read_ident(s, t, sizeof t) < 0)
			return fail(s, at, "expected a label or .+offset");
		struct sym *y = find_sym(s, t);
		if (!y || !y->is_label) {
			if (s->pass == 1) {
				a->imm = 0;
				return 0;
			}
			return fail(s, at, "unknown label '%s'", t);
		}
		off = (int64_t)y->value - (int64_t)s->bundle_addr;
	}
	if (off % ISA_ATOM_BYTES)
		return fail(s, at, "branch offset %lld is not a multiple of %d", (long long)off, ISA_ATOM_BYTES);
	a->imm = (uint32_t)off;
	return 0;
}

static int parse_cr(struct asm_state *s, uint32_t *num)
{
	skip_ws(s);
	const char *at = s->p;
	if (*s->p == '#' || isdigit((unsigned char)*s->p)) {
		if (parse_imm(s, num) < 0)
			return -1;
	} else {
		char t[64];
		unsigned n;
		if (read_ident(s, t, sizeof t) < 0)
			return fail(s, at, "expected a control register");
		if (isa_cr_lookup(t, &n) < 0)
			return fail(s, at, "unknown control register '%s'", t);
		*num = n;
	}
	if (*num > 0xffff)
		return fail(s, at, "control register number out of range");
	return 0;
}

static int cond_number(const char *t)
{
	static const struct { const char *n; int c; } alias[] = {
		{"z", 4}, {"nz", 5}, {"c", 2}, {"nc", 3}, {"nae", 2}, {"nb", 3}, {"na", 6}, {"nbe", 7},
		{"pe", 10}, {"po", 11}, {"nge", 12}, {"nl", 13}, {"ng", 14}, {"nle", 15},
	};
	for (unsigned c = 0; c < 16; c++)
		if (!strcasecmp(t, isa_cond_name(c)))
			return (int)c;
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (!strcasecmp(t, alias[i].n))
			return alias[i].c;
	return -1;
}

/* Applies the ".suffix" parts of a mnemonic to the atom, by format. */
static int apply_suffixes(struct asm_state *s, const char *at, struct atom *a, char *suffixes)
{
	enum atom_fmt f = isa_ops[a->op].fmt;
	int have_main = 0;
	char *save_tok = NULL;
	for (char *tok = strtok_r(suffixes, ".", &save_tok); tok; tok = strtok_r(NULL, ".", &save_tok)) {
		if ((f == F_LD || f == F_LDP || f == F_ST || f == F_STAM) && !strcasecmp(tok, "hid")) {
			a->x |= MX_HIDDEN;
			continue;
		}
		if (have_main)
			return fail(s, at, "unexpected suffix '.%s'", tok);
		have_main = 1;
		switch (f) {
		case F_FLAG: case F_FLAG1:
			if (!strcmp(tok, "8")) a->x = 1;
			else if (!strcmp(tok, "16")) a->x = 2;
			else if (!strcmp(tok, "32")) a->x = 0;
			else return fail(s, at, "width must be .8, .16 or .32, not '.%s'", tok);
			break;
		case F_SEL: case F_SETC: case F_BC: {
			int c = cond_number(tok);
			if (c < 0)
				return fail(s, at, "unknown condition '.%s'", tok);
			a->x = (uint8_t)c;
			break;
		}
		case F_LD: case F_LDP: {
			static const char *const k[] = {"32", "u8", "s8", "u16", "s16"};
			unsigned i;
			for (i = 0; i < 5 && strcasecmp(tok, k[i]); i++)
				;
			if (i == 5)
				return fail(s, at, "load kind must be .32, .u8, .s8, .u16 or .s16, not '.%s'", tok);
			a->x = (uint8_t)((a->x & MX_HIDDEN) | i);
			break;
		}
		case F_ST: case F_STAM:
			if (!strcmp(tok, "32")) a->x = (uint8_t)((a->x & MX_HIDDEN) | MX_32);
			else if (!strcmp(tok, "8")) a->x = (uint8_t)((a->x & MX_HIDDEN) | MX_U8);
			else if (!strcmp(tok, "16")) a->x = (uint8_t)((a->x & MX_HIDDEN) | MX_U16);
			else return fail(s, at, "store width must be .8, .16 or .32, not '.%s'", tok);
			break;
		case F_FCVI: case F_FCVO: case F_FCON: {
			unsigned k;
			for (k = 0; isa_kind_name(f, k) && strcasecmp(tok, isa_kind_name(f, k)); k++)
				;
			if (!isa_kind_name(f, k))
				return fail(s, at, "unknown kind '.%s' for '%s'", tok, isa_ops[a->op].mnemonic);
			a->x = (uint8_t)k;
			break;
		}
		case F_FOP: case F_FCMP: {
			unsigned k;
			for (k = 1; k < 8 && !(isa_kind_name(f, k) && !strcasecmp(tok, isa_kind_name(f, k))); k++)
				;
			if (k == 8)
				return fail(s, at, "unknown kind '.%s' for '%s'", tok, isa_ops[a->op].mnemonic);
			a->x = (uint8_t)k;
			break;
		}
		default:
			return fail(s, at, "'%s' takes no suffix", isa_ops[a->op].mnemonic);
		}
	}
	if (!have_main && (f == F_FCVI || f == F_FCVO || f == F_FCON))
		return fail(s, at, "'%s' needs a kind suffix, e.g. %s.%s", isa_ops[a->op].mnemonic,
			    isa_ops[a->op].mnemonic, isa_kind_name(f, 0));
	if (!have_main && (f == F_SEL || f == F_SETC || f == F_BC))
		return fail(s, at, "'%s' needs a condition suffix, e.g. %s.ne", isa_ops[a->op].mnemonic,
			    isa_ops[a->op].mnemonic);
	return 0;
}

static int parse_bitfield(struct asm_state *s, struct atom *a)
{
	const char *at;
	int64_t pos, len;
	skip_ws(s);
	at = s->p;
	if (parse_value(s, &pos, 0) < 0 || expect(s, ',') < 0 || parse_value(s, &len, 0) < 0)
		return -1;
	if (pos < 0 || len < 1 || pos + len > 32)
		return fail(s, at, "bit field needs 0 <= pos, 1 <= len, pos + len <= 32");
	a->imm = (uint32_t)pos | (uint32_t)len << 8;
	return 0;
}

/* Operands of one atom, by format. */
static int parse_operands(struct asm_state *s, struct atom *a)
{
	switch (isa_ops[a->op].fmt) {
	case F_ALU: case F_FLAG: case F_SEL:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_reg(s, &a->ra) || expect(s, ',') ||
		       parse_b(s, a) ? -1 : 0;
	case F_FLAG1: case F_R2:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_reg(s, &a->ra) ? -1 : 0;
	case F_MOV:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_b(s, a) ? -1 : 0;
	case F_LEA:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_mem(s, a, 1) ? -1 : 0;
	case F_BF:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_reg(s, &a->ra) || expect(s, ',') ||
		       parse_bitfield(s, a) ? -1 : 0;
	case F_DEP:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_reg(s, &a->ra) || expect(s, ',') ||
		       parse_reg(s, &a->rb) || expect(s, ',') || parse_bitfield(s, a) ? -1 : 0;
	case F_R1:
		return parse_reg(s, &a->ra);
	case F_SETC:
		return parse_reg(s, &a->rd);
	case F_LD:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_mem(s, a, 0) ? -1 : 0;
	case F_ST:
		return parse_reg(s, &a->rb) || expect(s, ',') || parse_mem(s, a, 0) ? -1 : 0;
	case F_LDP: case F_STAM: {
		int ldp = isa_ops[a->op].fmt == F_LDP;
		if (parse_reg(s, ldp ? &a->rd : &a->rb) || expect(s, ',') || parse_mem(s, a, 0) || expect(s, ',') ||
		    expect(s, '@'))
			return -1;
		const char *at = s->p;
		int64_t n;
		if (parse_value(s, &n, 0) < 0)
			return -1;
		if (n < 0 || n >= 64)
			return fail(s, at, "alias entry must be 0..63");
		if (ldp)
			a->rb = (uint8_t)n;
		else
			a->rd = (uint8_t)n;
		return 0;
	}
	case F_J: case F_BC:
		return parse_target(s, a);
	case F_JR:
		return parse_reg(s, &a->ra) || expect(s, ',') || parse_target(s, a) ? -1 : 0;
	case F_JAL:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_target(s, a) ? -1 : 0;
	case F_EXIT:
		return parse_imm(s, &a->imm);
	case F_NONE:
		return 0;
	case F_RDCR:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_cr(s, &a->imm) ? -1 : 0;
	case F_WRCR:
		return parse_cr(s, &a->imm) || expect(s, ',') || parse_reg(s, &a->ra) ? -1 : 0;
	case F_FOP:
		return parse_freg(s, &a->rd) || expect(s, ',') || parse_freg(s, &a->ra) || expect(s, ',') ||
		       parse_freg(s, &a->rb) ? -1 : 0;
	case F_FOP1:
		return parse_freg(s, &a->rd) || expect(s, ',') || parse_freg(s, &a->ra) ? -1 : 0;
	case F_FCVI: case F_FMV:
		return parse_freg(s, &a->rd) || expect(s, ',') || parse_reg(s, &a->ra) || expect(s, ',') ||
		       parse_reg(s, &a->rb) ? -1 : 0;
	case F_FCVO:
		return parse_reg(s, &a->rd) || expect(s, ',') || parse_freg(s, &a->ra) ? -1 : 0;
	case F_FCMP:
		return parse_freg(s, &a->ra) || expect(s, ',') || parse_freg(s, &a->rb) ? -1 : 0;
	case F_FCON:
		return parse_freg(s, &a->rd);
	case F_IMM:
		return parse_imm(s, &a->imm);
	case F_RI:
		return parse_reg(s, &a->ra) || expect(s, ',') || parse_imm(s, &a->imm) ? -1 : 0;
	case F_COUNT:
		break;
	}
	return -1;
}

static int parse_atom(struct asm_state *s, struct atom *a)
{
	memset(a, 0, sizeof *a);
	skip_ws(s);
	const char *at = s->p;
	char mn[48];
	if (read_ident(s, mn, sizeof mn) < 0)
		return fail(s, at, *s->p ? "expected a mnemonic" : "empty atom");
	char *dot = strchr(mn, '.');
	char suffixes[48] = "";
	if (dot) {
		snprintf(suffixes, sizeof suffixes, "%s", dot + 1);
		*dot = 0;
	}
	int op = -1;
	for (int i = 0; i < OP_COUNT; i++)
		if (!strcasecmp(mn, isa_ops[i].mnemonic))
			op = i;
	if (op < 0)
		return fail(s, at, "unknown mnemonic '%s'", mn);
	a->op = (uint8_t)op;
	if (apply_suffixes(s, at, a, suffixes) < 0 || parse_operands(s, a) < 0)
		return -1;
	if (!at_end(s))
		return fail(s, s->p, "unexpected text after the operands of '%s'", mn);
	return 0;
}

static int emit(struct isa_program *p, uint64_t w)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		uint64_t *n = realloc(p->words, cap * sizeof *n);
		if (!n)
			return -1;
		p->words = n;
		p->cap = cap;
	}
	p->words[p->n++] = w;
	return 0;
}

static int do_directive(struct asm_state *s)
{
	const char *at = s->p;
	char d[32], name[64];
	if (read_ident(s, d, sizeof d) < 0 || strcmp(d, ".equ"))
		return fail(s, at, "unknown directive (only .equ NAME, value)");
	skip_ws(s);
	const char *nat = s->p;
	if (read_ident(s, name, sizeof name) < 0 || reg_number(name) >= 0)
		return fail(s, nat, ".equ needs a name that is not a register");
	int64_t v;
	if (expect(s, ',') < 0 || parse_value(s, &v, 0) < 0)
		return -1;
	if (!at_end(s) || *s->p == '|')
		return fail(s, s->p, "unexpected text after .equ");
	if (s->pass == 1)
		return add_sym(s, nat, name, (uint32_t)v, 0);
	return 0;
}

/* One source line: [label:] [atom {| atom}] or a directive. */
static int do_line(struct asm_state *s, char *text, struct isa_program *out, uint32_t *addr)
{
	for (char *c = text; *c; c++) {
		if (*c == ';' || (c[0] == '/' && c[1] == '/')) {
			*c = 0;
			break;
		}
	}
	s->line_start = s->p = text;
	skip_ws(s);
	if (*s->p == '.' && isalpha((unsigned char)s->p[1]))
		return do_directive(s);
	/* label? */
	const char *save = s->p;
	char t[64];
	if (read_ident(s, t, sizeof t) == 0 && *s->p == ':') {
		if (s->pass == 1 && add_sym(s, save, t, *addr, 1) < 0)
			return -1;
		s->p++;
	} else {
		s->p = save;
	}
	if (at_end(s) && *s->p == 0)
		return 0;
	s->bundle_addr = *addr;
	struct atom atoms[ISA_MAX_BUNDLE];
	int n = 0;
	for (;;) {
		const char *aat = s->p;
		if (n == ISA_MAX_BUNDLE)
			return fail(s, aat, "a bundle holds at most %d atoms", ISA_MAX_BUNDLE);
		if (parse_atom(s, &atoms[n]) < 0)
			return -1;
		n++;
		skip_ws(s);
		if (*s->p == '|') {
			s->p++;
			continue;
		}
		break;
	}
	atoms[n - 1].stop = 1;
	*addr += (uint32_t)n * ISA_ATOM_BYTES;
	if (s->pass == 2) {
		for (int i = 0; i < n; i++) {
			struct atom check;
			uint64_t w = isa_encode(&atoms[i]);
			if (isa_decode(w, &check) < 0)
				return fail(s, s->line_start, "atom %d does not encode (internal error)", i + 1);
			if (emit(out, w) < 0)
				return fail(s, s->line_start, "out of memory");
		}
		out->nbundles++;
	}
	return 0;
}

int isa_assemble(const char *src, const char *name, struct isa_program *out, struct isa_error *err)
{
	struct asm_state s = {.name = name, .err = err};
	memset(out, 0, sizeof *out);
	err->msg[0] = 0;
	int rc = 0;
	for (s.pass = 1; s.pass <= 2 && rc == 0; s.pass++) {
		uint32_t addr = 0;
		const char *p = src;
		s.line = 0;
		while (*p && rc == 0) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char *line = malloc(len + 1);
			if (!line) {
				snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
				rc = -1;
				break;
			}
			memcpy(line, p, len);
			line[len] = 0;
			if (len && line[len - 1] == '\r')
				line[len - 1] = 0;
			s.line++;
			rc = do_line(&s, line, out, &addr);
			free(line);
			p = nl ? nl + 1 : p + len;
		}
	}
	free(s.syms);
	if (rc < 0)
		isa_program_free(out);
	return rc;
}

void isa_program_free(struct isa_program *p)
{
	free(p->words);
	memset(p, 0, sizeof *p);
}
