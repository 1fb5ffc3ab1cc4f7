/* cms/x86/decode.c — the x86 decoder: prefixes, the opcode maps of
 * opcodes.def, ModRM/SIB/displacement, immediates.
 *
 * Lengths are exact for every byte string, including instructions cdvm does
 * not execute (x87, MMX/SSE, VEX/EVEX/XOP, 16-bit addressing, privileged
 * ones): those return X86_DECODE_INVALID with out->len set, so the firmware
 * can report #UD at a precise EIP and tools can step over them.  Sources:
 * Intel SDM vol. 2 ch. 2 (instruction format) and appendix A (opcode maps).
 */
#include <string.h>

#include "cms/x86/table.h"

const struct x86_row x86_rows[512] = {
#define ROW1(b, op, a, c, d, f) [(b)] = {X86_OP_##op, {S_##a, S_##c, S_##d}, (f), 0, 1},
#define ROW2(b, op, a, c, d, f) [256 + (b)] = {X86_OP_##op, {S_##a, S_##c, S_##d}, (f), 0, 1},
#define ROWG(m, b, g) [((m) - 1) * 256 + (b)] = {X86_OP_NONE, {0, 0, 0}, 0, X86_GRP_##g, 1},
#define ROWN(g, r, op, a, c, d, f)
	X86_OPCODES(ROW1, ROW2, ROWG, ROWN)
#undef ROW1
#undef ROW2
#undef ROWG
#undef ROWN
};

const struct x86_row x86_group_rows[X86_GRP_COUNT][8] = {
#define ROWN1(b, op, a, c, d, f)
#define ROWNG(m, b, g)
#define ROWG(g, r, op, a, c, d, f) [X86_GRP_##g][r] = {X86_OP_##op, {S_##a, S_##c, S_##d}, (f), 0, 1},
	X86_OPCODES(ROWN1, ROWN1, ROWNG, ROWG)
#undef ROWN1
#undef ROWNG
#undef ROWG
};

#include "cms/x86/x87.def"

const struct x86_row x87_mem_rows[8][8] = {
#define XM(e, r, op, a, c, f) [(e) - 0xd8][(r)] = {X86_OP_##op, {S_##a, S_##c, S__}, (f), 0, 1},
#define XR(e, m, op, a, c, f)
	X87_TABLE(XM, XR, XR)
#undef XM
#undef XR
};

const struct x86_row x87_reg_rows[8][64] = {
#define XM(e, r, op, a, c, f)
#define XR(e, m, op, a, c, f) [(e) - 0xd8][(m) & 63] = {X86_OP_##op, {S_##a, S_##c, S__}, (f), 0, 1},
#define XR8(e, m, op, a, c, f) \
	XR(e, m, op, a, c, f) XR(e, (m) + 1, op, a, c, f) XR(e, (m) + 2, op, a, c, f) \
	XR(e, (m) + 3, op, a, c, f) XR(e, (m) + 4, op, a, c, f) XR(e, (m) + 5, op, a, c, f) \
	XR(e, (m) + 6, op, a, c, f) XR(e, (m) + 7, op, a, c, f)
	X87_TABLE(XM, XR, XR8)
#undef XM
#undef XR
#undef XR8
};

const char *const x86_spec_names[S_COUNT] = {
#define X86_SPEC_NAME(s) #s,
	X86_SPECS(X86_SPEC_NAME)
#undef X86_SPEC_NAME
};

const char *const x86_group_names[X86_GRP_COUNT] = {
	"",
#define GN1(b, op, a, c, d, f)
#define GN2(m, b, g) #g,
#define GN3(g, r, op, a, c, d, f)
	X86_OPCODES(GN1, GN1, GN2, GN3)
#undef GN1
#undef GN2
#undef GN3
};

/* Decoder cursor. */
struct dec {
	const uint8_t *buf;
	unsigned avail;
	unsigned i;     /* next byte */
	int a16;        /* 67 prefix: 16-bit addressing */
	int too_long;   /* the instruction would exceed 15 bytes */
};

/* Are n more bytes readable?  0 if so, else TRUNC or (beyond 15 bytes)
 * INVALID, noting that the length limit was hit. */
static int need(struct dec *d, unsigned n)
{
	if (d->i + n > X86_MAX_INSN_LEN) {
		d->too_long = 1;
		return X86_DECODE_INVALID;
	}
	if (d->i + n > d->avail)
		return X86_DECODE_TRUNC;
	return 0;
}

static int get_imm(struct dec *d, unsigned size, uint32_t *v)
{
	int st = need(d, size);
	if (st)
		return st;
	const uint8_t *p = d->buf + d->i;
	switch (size) {
	case 1: *v = p[0]; break;
	case 2: *v = (uint32_t)p[0] | (uint32_t)p[1] << 8; break;
	default: *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24; break;
	}
	d->i += size;
	return 0;
}

/* The memory form of a ModRM byte (mod != 3): SIB, displacement. */
static int modrm_mem(struct dec *d, uint8_t modrm, struct x86_insn *out)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	uint32_t disp = 0;
	int st;

	if (d->a16) {
		/* 16-bit addressing (SDM vol. 2 table 2-1): decoded for the
		 * length only, cdvm rejects the 67 prefix. */
		unsigned n = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
		if (n && (st = get_imm(d, n, &disp)))
			return st;
		out->disp = disp;
		return 0;
	}
	if (rm == 4) {
		if ((st = need(d, 1)))
			return st;
		uint8_t sib = d->buf[d->i++];
		unsigned base = sib & 7, index = (sib >> 3) & 7;
		out->scale = sib >> 6;
		out->index = index == 4 ? X86_NOREG : (uint8_t)index;
		if (base == 5 && mod == 0) {
			out->base = X86_NOREG;
			mod = 2; /* disp32 */
		} else {
			out->base = (uint8_t)base;
		}
	} else if (rm == 5 && mod == 0) {
		out->base = X86_NOREG;
		mod = 2;
	} else {
		out->base = (uint8_t)rm;
	}
	if (mod == 1) {
		if ((st = get_imm(d, 1, &disp)))
			return st;
		disp = (uint32_t)(int32_t)(int8_t)disp;
	} else if (mod == 2) {
		if ((st = get_imm(d, 4, &disp)))
			return st;
	}
	out->disp = disp;
	return 0;
}

/* An instruction cdvm does not execute: record its length and class. */
static int reject(struct x86_insn *out, unsigned len, enum x86_op op)
{
	out->len = (uint8_t)len;
	out->op = (uint16_t)op;
	return X86_DECODE_INVALID;
}

/* Finish a ModRM-based instruction we only size: ModRM, memory operand
 * and `imm` immediate bytes. */
static int size_modrm_imm(struct dec *d, struct x86_insn *out, unsigned imm,
			  enum x86_op cls)
{
	int st;
	uint32_t v;
	if ((st = need(d, 1)))
		return st;
	uint8_t modrm = d->buf[d->i++];
	out->modrm = modrm;
	if ((modrm >> 6) != 3 && (st = modrm_mem(d, modrm, out)))
		return st;
	while (imm) {
		unsigned n = imm > 4 ? 4 : imm;
		if ((st = get_imm(d, n, &v)))
			return st;
		imm -= n;
	}
	return reject(out, d->i, cls);
}

/* VEX (C4/C5), EVEX (62) and XOP (8F) encodings, sized only (SDM vol. 2
 * 2.3, 2.6; AMD APM vol. 3 1.8).  d->i is at the escape byte. */
static int size_vex(struct dec *d, struct x86_insn *out)
{
	uint8_t esc = d->buf[d->i];
	unsigned pfx_len = esc == 0xc5 ? 2 : esc == 0x62 ? 4 : 3;
	unsigned map;
	enum x86_op cls = esc == 0x62 ? X86_OP_EVEX : esc == 0x8f ? X86_OP_XOP : X86_OP_VEX;
	int st;

	if ((st = need(d, pfx_len + 1)))
		return st;
	if (esc == 0xc5)
		map = 1;
	else if (esc == 0x62)
		map = d->buf[d->i + 1] & 3;
	else
		map = d->buf[d->i + 1] & 0x1f;
	uint8_t opc = d->buf[d->i + pfx_len];
	d->i += pfx_len + 1;
	out->map = (uint8_t)(esc == 0x8f ? map : 4);
	out->opcode = opc;
	if (esc == 0x8f) {
		if (map < 8 || map > 10)
			return reject(out, 0, cls);
		return size_modrm_imm(d, out, map == 8 ? 1 : map == 10 ? 4 : 0, cls);
	}
	if (map < 1 || map > 3)
		return reject(out, 0, cls);
	if (map == 1 && opc == 0x77 && esc != 0x62) /* vzeroupper/vzeroall */
		return reject(out, d->i, cls);
	unsigned imm = map == 3;
	if (map == 1 && ((opc >= 0x70 && opc <= 0x73) || (opc >= 0xc2 && opc <= 0xc6 && opc != 0xc3)))
		imm = 1;
	return size_modrm_imm(d, out, imm, cls);
}

static int spec_has_modrm(uint8_t s)
{
	return (s >= S_Eb && s <= S_Sw);
}

/* Build operand `k` from its spec; immediates are read in operand order. */
static int operand(struct dec *d, struct x86_insn *out, unsigned k, uint8_t spec,
		   uint8_t modrm, uint8_t opcode)
{
	struct x86_operand *o = &out->o[k];
	unsigned osize = out->osize;
	uint32_t v;
	int st;

	switch (spec) {
	case S_Eb: case S_Ew: case S_Ev: case S_Ex: case S_Rd:
	case S_M: case S_Mq: case S_Mp: case S_Ma: case S_Evw:
		o->size = (uint8_t)(spec == S_Eb ? 1 : spec == S_Ew ? 2 : spec == S_Mq ? 8 :
				    spec == S_Evw ? ((modrm >> 6) == 3 ? osize : 2) :
				    spec == S_Mp ? osize + 2 : spec == S_Rd ? 4 : osize);
		if ((modrm >> 6) == 3 || spec == S_Rd) {
			o->kind = X86_OPK_REG;
			o->reg = modrm & 7;
		} else {
			o->kind = X86_OPK_MEM;
		}
		return 0;
	case S_Mw: case S_Md: case S_Mt: case S_Me: case S_Ms:
		o->kind = X86_OPK_MEM;
		o->size = (uint8_t)(spec == S_Mw ? 2 : spec == S_Md ? 4 : spec == S_Mt ? 10 :
				    spec == S_Me ? 28 : 108);
		return 0;
	case S_ST0: case S_STi:
		o->kind = X86_OPK_ST;
		o->size = spec == S_ST0 ? 0 : 10;   /* 0: written `st` */
		o->reg = spec == S_ST0 ? 0 : modrm & 7;
		return 0;
	case S_AX:
		o->kind = X86_OPK_REG;
		o->size = 2;
		o->reg = X86_EAX;
		return 0;
	case S_Gb: case S_Gw: case S_Gv: case S_Gz: case S_Gx:
		o->kind = X86_OPK_REG;
		o->size = (uint8_t)(spec == S_Gb ? 1 : spec == S_Gw ? 2 : osize);
		o->reg = (modrm >> 3) & 7;
		return 0;
	case S_Sw:
		o->kind = X86_OPK_SREG;
		o->size = 2;
		o->reg = (modrm >> 3) & 7;
		return 0;
	case S_ES: case S_CS: case S_SS: case S_DS: case S_FS: case S_GS:
		o->kind = X86_OPK_SREG;   /* push/pop: the specs are in enum x86_seg order */
		o->size = (uint8_t)osize;
		o->reg = (uint8_t)(X86_SEG_ES + (spec - S_ES));
		return 0;
	case S_Ib: case S_Ibs: case S_Iw: case S_Iz: {
		unsigned n = spec == S_Iw ? 2 : spec == S_Iz ? osize : 1;
		if ((st = get_imm(d, n, &v)))
			return st;
		if (spec == S_Ibs)
			v = (uint32_t)(int32_t)(int8_t)v;
		o->kind = X86_OPK_IMM;
		o->size = (uint8_t)(spec == S_Ibs ? osize : n);
		if (k > 0 && out->o[0].kind == X86_OPK_IMM)
			out->imm2 = v; /* ENTER Iw, Ib */
		else
			out->imm = v;
		return 0;
	}
	case S_Jb: case S_Jz: {
		unsigned n = spec == S_Jb ? 1 : osize;
		if ((st = get_imm(d, n, &v)))
			return st;
		if (n == 1)
			v = (uint32_t)(int32_t)(int8_t)v;
		else if (n == 2)
			v = (uint32_t)(int32_t)(int16_t)v;
		o->kind = X86_OPK_REL;
		o->size = (uint8_t)osize;
		out->imm = v;
		return 0;
	}
	case S_Ap:
		if ((st = get_imm(d, osize, &out->imm)) || (st = get_imm(d, 2, &out->imm2)))
			return st;
		o->kind = X86_OPK_IMM;
		o->size = (uint8_t)(osize + 2);
		return 0;
	case S_Ob: case S_Ov:
		if ((st = get_imm(d, d->a16 ? 2 : 4, &out->disp)))
			return st;
		o->kind = X86_OPK_MEM;
		o->size = (uint8_t)(spec == S_Ob ? 1 : osize);
		out->base = out->index = X86_NOREG;
		return 0;
	case S_Zb: case S_Zv: case S_Zd:
		o->kind = X86_OPK_REG;
		o->size = (uint8_t)(spec == S_Zb ? 1 : spec == S_Zd ? 4 : osize);
		o->reg = opcode & 7;
		return 0;
	case S_AL: case S_CL:
		o->kind = X86_OPK_REG;
		o->size = 1;
		o->reg = spec == S_CL ? X86_ECX : X86_EAX;
		return 0;
	case S_eAX:
		o->kind = X86_OPK_REG;
		o->size = (uint8_t)osize;
		o->reg = X86_EAX;
		return 0;
	case S_One:
		o->kind = X86_OPK_IMM;
		o->size = 1;
		out->imm = 1;
		return 0;
	case S_Xb: case S_Xv: case S_Yb: case S_Yv:
		o->kind = (spec == S_Xb || spec == S_Xv) ? X86_OPK_STRSRC : X86_OPK_STRDST;
		o->size = (uint8_t)((spec == S_Xb || spec == S_Yb) ? 1 : osize);
		return 0;
	default:
		return 0;
	}
}

static int decode(struct dec *d, struct x86_insn *out);

/* An instruction longer than 15 bytes (prefixes included, e.g. a run of
 * redundant LOCK or 66 prefixes) is #GP on the CPU, not #UD (SDM vol. 2
 * 2.3.11; measured on the host): reported as X86_OP_TOOLONG, length 0. */
int x86_decode(const uint8_t *buf, unsigned avail, struct x86_insn *out)
{
	struct dec d = {buf, avail, 0, 0, 0};
	int st = decode(&d, out);
	if (st == X86_DECODE_INVALID && d.too_long) {
		out->len = 0;
		out->op = X86_OP_TOOLONG;
	}
	return st;
}

static int decode(struct dec *d, struct x86_insn *out)
{
	const uint8_t *buf = d->buf;
	unsigned avail = d->avail;
	uint8_t pfx = 0, rep = 0, seg = X86_SEG_NONE;
	int f2_mandatory = 0; /* F2 not used as XACQUIRE (F2 F0) */
	int st;

	memset(out, 0, sizeof *out);
	out->base = out->index = X86_NOREG;

	/* Legacy prefixes, any order, any number (within 15 bytes). */
	for (;;) {
		if ((st = need(d, 1)))
			return st;
		uint8_t b = buf[d->i];
		switch (b) {
		case 0xf0: pfx |= X86_PFX_LOCK; break;
		case 0xf2:
			pfx |= X86_PFX_REPNE;
			rep = X86_PFX_REPNE;
			f2_mandatory = d->i + 1 >= avail || buf[d->i + 1] != 0xf0;
			break;
		case 0xf3: pfx |= X86_PFX_REP; rep = X86_PFX_REP; break;
		case 0x26: seg = X86_SEG_ES; break;
		case 0x2e: seg = X86_SEG_CS; break;
		case 0x36: seg = X86_SEG_SS; break;
		case 0x3e: seg = X86_SEG_DS; break;
		case 0x64: seg = X86_SEG_FS; break;
		case 0x65: seg = X86_SEG_GS; break;
		case 0x66: pfx |= X86_PFX_OPSIZE; break;
		case 0x67: pfx |= X86_PFX_ADDRSIZE; break;
		default: goto opcode;
		}
		d->i++;
	}
opcode:
	out->prefixes = pfx;
	out->rep = rep;
	out->seg = seg;
	out->osize = (pfx & X86_PFX_OPSIZE) ? 2 : 4;
	d->a16 = (pfx & X86_PFX_ADDRSIZE) != 0;

	uint8_t b = buf[d->i];
	unsigned idx = b;
	if (b == 0x0f) {
		d->i++;
		if ((st = need(d, 1)))
			return st;
		b = buf[d->i];
		if (b == 0x38 || b == 0x3a) { /* three-byte maps: all SSE-class */
			d->i++;
			if ((st = need(d, 1)))
				return st;
			out->map = b == 0x38 ? 2 : 3;
			out->opcode = buf[d->i++];
			return size_modrm_imm(d, out, out->map == 3, X86_OP_SSE);
		}
		idx = 256 + b;
		out->map = 1;
	} else if (b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f) {
		/* In 32-bit mode these are LES/LDS/BOUND/POP unless the next
		 * byte could not be a memory ModRM (VEX/EVEX), or for 8F has a
		 * non-zero reg field (XOP). */
		d->i++;
		if ((st = need(d, 1)))
			return st;
		uint8_t nb = buf[d->i];
		d->i--;
		if (b == 0x8f ? (nb & 0x38) != 0 : (nb & 0xc0) == 0xc0)
			return size_vex(d, out);
	}
	d->i++;
	out->opcode = b;

	const struct x86_row *row = &x86_rows[idx];
	if (!row->valid)
		return reject(out, 0, X86_OP_NONE);
	int has_modrm = row->group || spec_has_modrm(row->spec[0]) || spec_has_modrm(row->spec[1]);
	uint8_t modrm = 0;
	if (has_modrm) {
		if ((st = need(d, 1)))
			return st;
		modrm = buf[d->i++];
		out->modrm = modrm;
		if ((modrm >> 6) != 3 && (st = modrm_mem(d, modrm, out)))
			return st;
		if (row->group) {
			row = &x86_group_rows[row->group][(modrm >> 3) & 7];
			if (!row->valid) /* undefined group member: sized as E */
				return reject(out, d->i, X86_OP_NONE);
		} else if (idx >= 0xd8 && idx <= 0xdf) {
			row = (modrm >> 6) == 3 ? &x87_reg_rows[idx - 0xd8][modrm & 63]
						: &x87_mem_rows[idx - 0xd8][(modrm >> 3) & 7];
			if (!row->valid)
				return reject(out, d->i, X86_OP_X87);
		}
	}

	enum x86_op op = (enum x86_op)row->op;
	unsigned extra_imm = 0;
	int bad = 0;
	/* Mandatory-prefix and ModRM-selected forms of the 0F map. */
	if (idx == 0x90 && rep == X86_PFX_REP) {
		op = X86_OP_PAUSE;
		bad = (pfx & X86_PFX_OPSIZE) != 0;
	} else if (idx == 256 + 0x1e) {
		op = (rep == X86_PFX_REP && modrm == 0xfb) ? X86_OP_ENDBR32 : X86_OP_UNSUP;
	} else if ((idx == 256 + 0xbc || idx == 256 + 0xbd) && rep) {
		/* F3: TZCNT/LZCNT (BMI1/ABM, what the host runs).  F2: LLVM
		 * rejects it; with 66 as well it is BSF/BSR, as on the CPU. */
		if (rep == X86_PFX_REP)
			op = idx == 256 + 0xbc ? X86_OP_TZCNT : X86_OP_LZCNT;
		else
			bad = !(pfx & X86_PFX_OPSIZE);
	} else if (idx == 256 + 0x78 && ((pfx & X86_PFX_OPSIZE) || f2_mandatory)) {
		/* SSE4a EXTRQ/INSERTQ xmm, imm8, imm8 (register forms only) */
		extra_imm = (modrm >> 6) == 3 ? 2 : 0;
		op = X86_OP_SSE;
	} else if (idx == 256 + 0x79 && ((pfx & X86_PFX_OPSIZE) || f2_mandatory)) {
		op = X86_OP_SSE;
	} else if ((row->flags & W16) && out->osize == 2) {
		op = (enum x86_op)(op + 1);
	}
	out->op = (uint16_t)op;

	unsigned n = 0;
	for (unsigned k = 0; k < 3 && row->spec[k] != S__; k++, n++)
		if ((st = operand(d, out, k, row->spec[k], modrm, b)))
			return st;
	if (op == X86_OP_ENDBR32) {
		/* F3 0F 1E FB: the ModRM byte is part of the opcode; endbr32
		 * has no operand (SDM vol. 2 "ENDBR32") */
		memset(out->o, 0, sizeof out->o);
		n = 0;
	}
	out->nops = (uint8_t)n;
	while (extra_imm--) {
		uint32_t v;
		if ((st = get_imm(d, 1, &v)))
			return st;
	}
	out->len = (uint8_t)d->i;

	/* Validity: everything below is #UD with a known length. */
	int mod3 = has_modrm && (modrm >> 6) == 3;
	if (((row->flags & MM) && mod3) || ((row->flags & M3) && has_modrm && !mod3))
		return reject(out, 0, op);
	for (unsigned k = 0; k < n; k++)
		if (row->spec[k] == S_Sw && out->o[k].reg > X86_SEG_GS)
			return reject(out, 0, op);  /* segment registers 6 and 7 do not exist */
	for (unsigned k = 0; k < n; k++)
		if (mod3 && (row->spec[k] == S_M || row->spec[k] == S_Mq ||
			     row->spec[k] == S_Mp || row->spec[k] == S_Ma))
			return reject(out, 0, op);
	if (row->flags & GP)
		return reject(out, d->i, X86_OP_PRIV);
	if (x86_op_flags(op) & OPF_UNSUP)
		return reject(out, d->i, op);
	if ((pfx & X86_PFX_LOCK) && !((row->flags & LK) && out->o[0].kind == X86_OPK_MEM))
		return reject(out, d->i, op);
	if (d->a16 || bad || ((row->flags & ND) && out->osize == 2))
		return reject(out, d->i, op);
	return (int)d->i;
}
