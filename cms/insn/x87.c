/* cms/insn/x87.c — the x87 floating-point instructions (family x87: every
 * row of ops.def from fadd to wait).
 *
 * What the firmware does around an x87 instruction is here; what the
 * instruction computes is the host's x87 (native-isa/x87.h), so results,
 * condition codes, exception flags, tags and the stack top agree with the
 * host bit for bit by construction.  Around it:
 *  - #MF: a waiting instruction (all but the fn* forms, O_FPNW) meets an
 *    unmasked exception pending (the ES bit) and stops, precise, before
 *    doing anything: Linux delivers SIGFPE there (SDM vol. 1, 8.6).
 *  - Memory operands are read first (a fault is precise), a written one is
 *    checked writable before anything changes and written after; a store
 *    an unmasked exception suppresses leaves the bytes as they were (the
 *    host writes nothing over the copy it was given).
 *  - The pointers fnstenv and fnsave expose: every non-control instruction
 *    (not O_FPCTL) records its address, CS and opcode (FIP, FCS, FOP), and
 *    one with a memory operand its offset and segment (FDP, FDS), as
 *    measured on the host; fninit and fnsave clear them, fldenv and frstor
 *    load them.  The environment's other fields come from the host (the
 *    full tag word it computes), with the reserved halves 0xffff as the
 *    host stores them in a 32-bit process.
 * The 16-bit environment layouts (66 prefix) are #UD in cdvm (x87.def). */
#include <string.h>

#include "cms/insn/interp.h"
#include "cms/translate/build.h"
#include "native-isa/isa_priv.h"
#include "native-isa/x87.h"

enum { X87_MAX_OPERAND = X87_STATE_BYTES };

/* Bytes [off, off + n) of the instruction's memory segment. */
static int mem_read(struct x86_ctx *c, uint32_t off, unsigned n, uint8_t *buf)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;
		uint32_t v;
		if (seg_load(c, off + i, k, &v))
			return -1;
		memcpy(buf + i, &v, k);
		i += k;
	}
	return 0;
}

static int mem_write(struct x86_ctx *c, uint32_t off, unsigned n, const uint8_t *buf)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;
		uint32_t v = 0;
		memcpy(&v, buf + i, k);
		if (seg_store(c, off + i, k, v))
			return -1;
		i += k;
	}
	return 0;
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* The selector of segment `seg` as the guest sees it (Linux's flat user
 * segments when the firmware keeps no selectors). */
static uint16_t selector(const struct x86_ctx *c, unsigned seg)
{
	static const uint16_t flat[6] = {0x2b, 0x23, 0x2b, 0x2b, 0, 0};
	return c->env->segs ? c->env->segs->sel[seg] : flat[seg];
}

/* The segment a memory operand goes through: the override, else SS for
 * an EBP or ESP base, else DS. */
static unsigned mem_seg(const struct x86_insn *in)
{
	if (in->seg != X86_SEG_NONE)
		return in->seg;
	return in->base == X86_ESP || in->base == X86_EBP ? X86_SEG_SS : X86_SEG_DS;
}

/* FOP of the instruction at fip (native code records only where it was:
 * fip, X87_FOP_AT_FIP): its escape's low three bits and its ModRM byte. */
static uint16_t fop_at(struct x86_ctx *c, uint32_t fip)
{
	uint8_t b[X86_MAX_INSN_LEN];
	unsigned n = c->env->fetch(c->env->ctx, fip, b, sizeof b);
	struct x86_insn in;
	if (x86_decode(b, n, &in) <= 0 || !(x86_op_flags((enum x86_op)in.op) & OPF_FPU))
		return 0;
	return (uint16_t)(((in.opcode & 7u) << 8) | in.modrm);
}

/* fnstenv's and fnsave's first 28 bytes: the host's control, status and
 * tag words, the firmware's pointers (SDM vol. 1, figure 8-9). */
static void env_pointers(struct x86_ctx *c, uint8_t *env, const struct x87_state *s)
{
	for (unsigned i = 0; i < 12; i += 4)
		put32(env + i, (get32(env + i) & 0xffffu) | 0xffff0000u);
	put32(env + 12, s->fip);
	uint16_t fop = s->fop == X87_FOP_AT_FIP ? fop_at(c, s->fip) : s->fop;
	put32(env + 16, s->fcs | (uint32_t)(fop & 0x7ffu) << 16);
	put32(env + 20, s->fdp);
	put32(env + 24, s->fds | 0xffff0000u);
}

static void load_pointers(struct x87_state *s, const uint8_t *env)
{
	s->fip = get32(env + 12);
	s->fcs = (uint16_t)get32(env + 16);
	s->fop = (uint16_t)((get32(env + 16) >> 16) & 0x7ffu);
	s->fdp = get32(env + 20);
	s->fds = (uint16_t)get32(env + 24);
}

static enum x86_stop x87_exec(struct x86_ctx *c, enum x86_op op)
{
	struct x87_state *fp = c->env->fpu;
	const struct x86_insn *in = c->in;
	unsigned props = x86_op_flags(op);
	if (!fp)
		return X86_FAULT_UD;
	if (!(props & OPF_FPNW) && x87_pending(fp))
		return X86_FAULT_MF;
	if (op == X86_OP_FWAIT)
		return X86_OK;

	/* the memory operand, if any, is o[0] (x87.def) */
	uint8_t buf[X87_MAX_OPERAND];
	unsigned n = 0;
	int writes = 0;
	if (in->nops && in->o[0].kind == X86_OPK_MEM) {
		n = in->o[0].size;
		writes = (x86_op_use(op, 0) & X86_USE_W) != 0;
		TRY(mem_read(c, c->off, n, buf));
		if (writes)
			TRY(mem_write(c, c->off, n, buf));   /* writable: nothing can fault later */
	}

	struct x87_state s = *fp;
	uint32_t fl = c->r[X86_EFLAGS];
	uint16_t ax = (uint16_t)c->r[X86_EAX];
	x87_host_exec(&s, in->opcode, in->modrm, buf, &fl, &ax);

	switch (op) {
	case X86_OP_FNSTENV:
	case X86_OP_FNSAVE:
		env_pointers(c, buf, fp);
		break;
	case X86_OP_FLDENV:
	case X86_OP_FRSTOR:
		load_pointers(&s, buf);
		break;
	default:
		break;
	}
	if (op == X86_OP_FNINIT || op == X86_OP_FNSAVE) {
		s.fip = s.fdp = 0;
		s.fop = s.fcs = s.fds = 0;
	} else if (!(props & OPF_FPCTL)) {
		s.fip = c->r[X86_EIP];
		s.fcs = selector(c, X86_SEG_CS);
		s.fop = (uint16_t)(((in->opcode & 7u) << 8) | in->modrm);
		if (n) {
			s.fdp = c->off;
			s.fds = selector(c, mem_seg(in));
		}
	}
	if (writes && mem_write(c, c->off, n, buf))
		return X86_FAULT_MEM;   /* cannot happen: checked above */
	*fp = s;
	c->r[X86_EFLAGS] = fl;
	if (op == X86_OP_FNSTSW_AX)
		reg_set(c->r, X86_EAX, 2, ax);
	return X86_OK;
}

/* ---- translation ------------------------------------------------------------
 * Blocks and regions (the reoptimizer's side exits put the stack back as
 * x87_build_end does, from what x87_note_side recorded at their branch:
 * cms/translate/emit.c).  The translator knows the stack
 * top and tags at the block's entry (the state it saw; fchk checks them at
 * run time) and follows them through the block (x87_select_step), so every
 * ST(i) is a known FPU register and stack faults never happen in native
 * code: an instruction that would meet an empty (or, pushing, a full)
 * register ends the block before it and is interpreted.  Memory operands
 * go through integer loads and stores and fcvi/fcvo (an arithmetic or
 * compare memory form: fmv, its bits as they are, to the atom that
 * converts them as the x87 instruction does).  The x87 registers
 * are renamed: fxch swaps two of them, and a push (fld, fild, the
 * constants) or fst st(i) gives its register a free FPU register when an
 * atom of the block already used the one it has, so the
 * values that pass through one stack slot (fld, arithmetic, fstp, fld
 * again) are not chained by the register's reuse.  ST(i) lives in
 * phys[(top + i) & 7], one of f0..f14 (f15 is the spare of the moves
 * back); each of the 8 registers, empty or not, holds its value (an
 * empty one keeps the stale value fnsave shows).  The block's end writes
 * what changed: the registers back in f0..f7 (x87_restore_moves: only
 * f0..f7 are committed), the stack top and tags (fstk), the instruction
 * and data pointers (fip, fdp). */

enum { FREG_ALLOC = 15, FTMP_FIXUP = 15 };

#define X87_VALID(tags, top, i) (((tags) >> (((top) + (i)) & 7u)) & 1u)

static unsigned st_reg(const struct x86_operand *o) { return o->kind == X86_OPK_ST ? o->reg : 0; }

/* What the op is as arithmetic: its atom, whether its operands are
 * reversed (fsubr, fdivr), whether it pops; 0: not arithmetic. */
static unsigned arith_atom(enum x86_op op, int *rev, int *pop)
{
	*rev = *pop = 0;
	switch (op) {
	case X86_OP_FADDP: *pop = 1; /* fall through */
	case X86_OP_FADD: case X86_OP_FIADD: return OP_FADD;
	case X86_OP_FMULP: *pop = 1; /* fall through */
	case X86_OP_FMUL: case X86_OP_FIMUL: return OP_FMUL;
	case X86_OP_FSUBP: *pop = 1; /* fall through */
	case X86_OP_FSUB: case X86_OP_FISUB: return OP_FSUB;
	case X86_OP_FSUBRP: *pop = 1; /* fall through */
	case X86_OP_FSUBR: case X86_OP_FISUBR: *rev = 1; return OP_FSUB;
	case X86_OP_FDIVP: *pop = 1; /* fall through */
	case X86_OP_FDIV: case X86_OP_FIDIV: return OP_FDIV;
	case X86_OP_FDIVRP: *pop = 1; /* fall through */
	case X86_OP_FDIVR: case X86_OP_FIDIVR: *rev = 1; return OP_FDIV;
	default: return 0;
	}
}

int x87_select_entry(const struct x86_env *env)
{
	return env->fpu ? (int)(x87_top(env->fpu) | (unsigned)env->fpu->tags << 8) : -1;
}

int x87_select_step(const struct x86_insn *in, int *st, int *end)
{
	unsigned top = (unsigned)*st & 7u, tags = ((unsigned)*st >> 8) & 0xffu;
	enum x86_op op = (enum x86_op)in->op;
	int mem = in->nops && in->o[0].kind == X86_OPK_MEM;
	unsigned size = mem ? in->o[0].size : 0;
	int push = 0, pops = 0, rev, pop;
	if (mem && in->seg != X86_SEG_NONE)
		return 0;   /* FDS would be that segment's */
	unsigned i0 = st_reg(&in->o[0]), i1 = in->nops > 1 ? st_reg(&in->o[1]) : 0;
	if (arith_atom(op, &rev, &pop)) {
		if (mem ? !X87_VALID(tags, top, 0) || (size != 4 && size != 8 && size != 2)
			: !X87_VALID(tags, top, i0) || !X87_VALID(tags, top, i1))
			return 0;
		pops = pop;
	} else {
		switch (op) {
		case X86_OP_FLD:
			if (mem ? size == 10 : !X87_VALID(tags, top, i0))
				return 0;
			push = 1;
			break;
		case X86_OP_FILD:
		case X86_OP_FLD1: case X86_OP_FLDL2T: case X86_OP_FLDL2E: case X86_OP_FLDPI:
		case X86_OP_FLDLG2: case X86_OP_FLDLN2: case X86_OP_FLDZ:
			push = 1;
			break;
		case X86_OP_FSTP:
			pops = 1;
			/* fall through */
		case X86_OP_FST:
			if (size == 10 || !X87_VALID(tags, top, 0))
				return 0;
			break;
		case X86_OP_FISTP:
			pops = 1;
			/* fall through */
		case X86_OP_FIST:
		case X86_OP_FCHS: case X86_OP_FABS: case X86_OP_FSQRT:
			if (!X87_VALID(tags, top, 0))
				return 0;
			break;
		case X86_OP_FCOMP: case X86_OP_FUCOMP: case X86_OP_FCOMPI: case X86_OP_FUCOMPI:
			pops = 1;
			/* fall through */
		case X86_OP_FCOM: case X86_OP_FUCOM: case X86_OP_FCOMI: case X86_OP_FUCOMI:
		case X86_OP_FXCH:
			if (!X87_VALID(tags, top, 0) || (!mem && !X87_VALID(tags, top, in->nops > 1 ? i1 : i0)))
				return 0;
			break;
		case X86_OP_FCOMPP: case X86_OP_FUCOMPP:
			if (!X87_VALID(tags, top, 0) || !X87_VALID(tags, top, 1))
				return 0;
			pops = 2;
			break;
		case X86_OP_FLDCW:
			*end = 1;
			break;
		case X86_OP_FNSTCW: case X86_OP_FNSTSW: case X86_OP_FNSTSW_AX: case X86_OP_FWAIT: case X86_OP_FNOP:
			break;
		default:
			return 0;
		}
	}
	if (push) {
		if (X87_VALID(tags, top, 7))
			return 0;   /* stack overflow: interpreted */
		top = (top + 7) & 7u;
		tags |= 1u << top;
	}
	if (op == X86_OP_FST || op == X86_OP_FSTP)
		if (!mem)
			tags |= 1u << ((top + i0) & 7u);
	for (int k = 0; k < pops; k++) {
		tags &= ~(1u << top);
		top = (top + 1) & 7u;
	}
	*st = (int)(top | tags << 8);
	return 1;
}

/* The forms the builder takes on some stack: a full one, or one with
 * ST(7) free for a push (select.c asks x87_select_step about the real one). */
static int x87_can_build(const struct x86_insn *in)
{
	int full = 0xff00, room = 0x7f00, end = 0;
	return x87_select_step(in, &full, &end) || x87_select_step(in, &room, &end);
}

/* An FPU atom with its FPU registers (0xff: none). */
static void fpe(struct bctx *c, unsigned op, unsigned fd, unsigned fa, unsigned fb, unsigned dst, unsigned a,
		unsigned b, uint32_t imm, unsigned x)
{
	int k = ir_emit(c, op, dst, a, b, imm, 0, x);
	if (k < 0)
		return;
	struct ir_op *o = &c->b->ops[k];
	o->fd = (uint8_t)fd;
	o->fa = (uint8_t)fa;
	o->fb = (uint8_t)fb;
	unsigned ff = isa_fmt_fields(isa_ops[op].fmt);
	c->fp.touched |= (uint16_t)(((ff & FLD_FD) ? 1u << fd : 0) | ((ff & FLD_FA) ? 1u << fa : 0) |
				    ((ff & FLD_FB) ? 1u << fb : 0));
	if (op != OP_FCMPI && op != OP_FUCMPI && op != OP_FCPY && op != OP_FMV && op != OP_FIP && op != OP_FDP)
		c->fp.c1_clear = 0;
}

/* The x87 register ST(i) is, R[(top + i) & 7]. */
static unsigned st_slot(const struct bctx *c, unsigned i) { return ((unsigned)c->fp.st + i) & 7u; }

static unsigned fst_reg(const struct bctx *c, unsigned i)
{
	return c->fp.phys[st_slot(c, i)];
}

/* A free FPU register (held by no x87 register), round robin over
 * f0..f14 so that a register is reused as late as possible. */
static unsigned ftmp(struct bctx *c)
{
	for (;;) {
		unsigned r = c->fp.next_tmp++ % FREG_ALLOC, held = 0;
		for (unsigned k = 0; k < 8; k++)
			held |= c->fp.phys[k] == r;
		if (!held)
			return r;   /* 7 of the 15 are always free */
	}
}

/* ST(i) is about to be written whole: it keeps its FPU register while
 * no atom of the block has used that one (nothing to wait for, and no
 * move back at the end), else it gets a free one. */
static unsigned fst_rename(struct bctx *c, unsigned i)
{
	uint8_t *p = &c->fp.phys[st_slot(c, i)];
	if (!(c->fp.touched >> *p & 1))
		return *p;
	*p = (uint8_t)ftmp(c);
	return *p;
}

/* The memory operand's address (base, disp), and its offset in a vreg for fdp. */
static unsigned x87_address(struct bctx *c, uint32_t *disp)
{
	unsigned base;
	ir_address(c, &base, disp);
	c->fp.fdp = ir_temp(c);
	ir_emit(c, OP_ADD, c->fp.fdp, base, VREG_NONE, *disp, 1, 0);
	return base;
}

/* The memory operand as an FPU value in register fd; raw: its bits as
 * they are (fmv), for the memory form of an arithmetic or compare atom,
 * which raises what the x87 instruction raises (a conversion first would
 * raise the denormal operand exception even beside a NaN, which takes
 * precedence); returns the atom's ISA_FMEM format then. */
static unsigned load_value(struct bctx *c, unsigned fd, int integer, int raw)
{
	uint32_t disp;
	unsigned size = c->in->o[0].size, base = x87_address(c, &disp);
	unsigned lo = ir_temp(c), hi = R_ZERO;
	ir_emit(c, OP_LD, lo, base, VREG_NONE, disp, 0, size == 2 ? MX_S16 : MX_32);
	if (size == 8) {
		hi = ir_temp(c);
		ir_emit(c, OP_LD, hi, base, VREG_NONE, disp + 4, 0, MX_32);
	}
	unsigned k = integer ? (size == 8 ? 3 : 2) : (size == 8 ? 1 : 0);
	fpe(c, raw ? OP_FMV : OP_FCVI, fd, 0, 0, VREG_NONE, lo, hi, 0, raw ? 0 : k);
	return raw ? (size == 8 ? ISA_FMEM_M64 : ISA_FMEM_M32) : 0;
}

/* fa converted to the memory operand's format and stored. */
static void store_value(struct bctx *c, unsigned fa, int integer)
{
	uint32_t disp;
	unsigned size = c->in->o[0].size, base = x87_address(c, &disp);
	static const uint8_t kind_fp[2] = {0, 1}, kind_int[3] = {3, 4, 5};
	unsigned k = integer ? kind_int[size == 2 ? 0 : size == 4 ? 1 : 2] : kind_fp[size == 8];
	unsigned lo = ir_temp(c);
	fpe(c, OP_FCVO, 0, fa, 0, lo, VREG_NONE, VREG_NONE, 0, k);
	ir_emit(c, OP_ST, VREG_NONE, base, lo, disp, 0, size == 2 ? MX_U16 : MX_32);
	c->b->nstores++;
	if (size == 8) {
		unsigned hi = ir_temp(c);
		fpe(c, OP_FCVO, 0, fa, 0, hi, VREG_NONE, VREG_NONE, 0, k + 1);
		ir_emit(c, OP_ST, VREG_NONE, base, hi, disp + 4, 0, MX_32);
		c->b->nstores++;
	}
}

/* The fstk that puts the stack top and tags as they are now into the
 * FPU state (and clears C1 an fxch cleared), as its imm; -1: none is
 * needed. */
static int stack_write(const struct x87_track *t)
{
	if (t->st == t->written && !t->c1_clear)
		return -1;
	return (int)((uint32_t)t->st | (t->c1_clear ? ISA_FSTK_CLEAR_C1 : 0));
}

static void write_stack(struct bctx *c)
{
	int imm = stack_write(&c->fp);
	if (imm < 0)
		return;
	ir_emit(c, OP_FSTK, VREG_NONE, VREG_NONE, VREG_NONE, (uint32_t)imm, 0, 0);
	c->fp.written = c->fp.st;
	c->fp.c1_clear = 0;
}

void x87_build_begin(struct bctx *c)
{
	struct x87_track *t = &c->fp;
	t->on = 1;
	t->st = t->written = c->b->fp_entry;
	for (unsigned k = 0; k < 8; k++)
		t->phys[k] = (uint8_t)k;
	t->next_tmp = 0;
	t->touched = 0;
	t->c1_clear = 0;
	t->fip_insn = -1;
	t->fdp = VREG_NONE;
	ir_emit(c, OP_FCHK, VREG_NONE, VREG_NONE, VREG_NONE, (uint32_t)c->b->fp_entry, 0, 0);
}

unsigned x87_restore_moves(const uint8_t phys[8], uint8_t moves[X87_MAX_MOVES][2])
{
	/* a parallel move, f[k] = f[phys[k]] for every k: a register no
	 * pending move still reads is written first; what is left is cycles,
	 * each broken through the spare (at most 8 moves and 4 cycles) */
	uint8_t src[8];
	memcpy(src, phys, sizeof src);
	unsigned pending = 0, n = 0;
	for (unsigned k = 0; k < 8; k++)
		pending |= (unsigned)(src[k] != k) << k;
	while (pending) {
		int moved = 0;
		for (unsigned k = 0; k < 8; k++) {
			if (!(pending >> k & 1))
				continue;
			int read = 0;
			for (unsigned j = 0; j < 8; j++)
				read |= (pending >> j & 1) && j != k && src[j] == k;
			if (read)
				continue;
			moves[n][0] = (uint8_t)k;
			moves[n++][1] = src[k];
			pending &= ~(1u << k);
			moved = 1;
		}
		if (moved)
			continue;
		unsigned k = (unsigned)__builtin_ctz(pending);
		moves[n][0] = FTMP_FIXUP;
		moves[n++][1] = (uint8_t)k;
		for (unsigned j = 0; j < 8; j++)
			if ((pending >> j & 1) && src[j] == k)
				src[j] = FTMP_FIXUP;
	}
	return n;
}

void x87_note_side(const struct bctx *c, struct ir_x87_at *at)
{
	const struct x87_track *t = &c->fp;
	*at = (struct ir_x87_at){.st = -1, .fstk = -1, .fip_insn = -1, .fdp = VREG_NONE};
	if (!t->on)
		return;
	at->st = t->st;
	at->fstk = stack_write(t);
	memcpy(at->phys, t->phys, sizeof at->phys);
	at->fip_insn = t->fip_insn;
	at->fdp = (uint16_t)t->fdp;
}

void x87_build_end(struct bctx *c)
{
	struct x87_track *t = &c->fp;
	c->insn = c->b->ninsns ? c->b->ninsns - 1 : 0;
	/* every x87 register back in its FPU register */
	uint8_t moves[X87_MAX_MOVES][2];
	for (unsigned k = 0, n = x87_restore_moves(t->phys, moves); k < n; k++)
		fpe(c, OP_FCPY, moves[k][0], moves[k][1], 0, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0);
	write_stack(c);
	if (t->fip_insn >= 0)
		ir_emit(c, OP_FIP, VREG_NONE, VREG_NONE, VREG_NONE, c->b->insn_eip[t->fip_insn], 0, 0);
	if (t->fdp != VREG_NONE)
		ir_emit(c, OP_FDP, VREG_NONE, t->fdp, VREG_NONE, 0x2b, 0, 0);
}

static void x87_build(struct bctx *c, enum x86_op op)
{
	struct x87_track *t = &c->fp;
	const struct x86_insn *in = c->in;
	int mem = in->nops && in->o[0].kind == X86_OPK_MEM;
	int end = 0, rev, pop;
	if (!(x86_op_flags(op) & OPF_FPCTL))
		t->fip_insn = (int)c->insn;   /* (a register form keeps the data pointer) */
	unsigned i0 = st_reg(&in->o[0]), i1 = in->nops > 1 ? st_reg(&in->o[1]) : 0;
	unsigned atom = arith_atom(op, &rev, &pop);
	if (atom) {
		unsigned d, a, b, fmem = 0;
		if (mem) {
			int integer = op == X86_OP_FIADD || op == X86_OP_FISUB || op == X86_OP_FISUBR ||
				      op == X86_OP_FIMUL || op == X86_OP_FIDIV || op == X86_OP_FIDIVR;
			b = ftmp(c);
			fmem = load_value(c, b, integer, !integer);
			d = a = fst_reg(c, 0);
		} else {
			d = a = fst_reg(c, i0);
			b = fst_reg(c, i1);
		}
		if (fmem)  /* the memory form: fb the operand's bits, reversal in the atom */
			fpe(c, atom, d, a, b, VREG_NONE, VREG_NONE, VREG_NONE, 0, fmem | (rev ? ISA_FMEM_REV : 0));
		else
			fpe(c, atom, d, rev ? b : a, rev ? a : b, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0);
	} else {
		switch (op) {
		case X86_OP_FLD: case X86_OP_FILD: {
			unsigned from = fst_reg(c, i0), dst = fst_rename(c, 7);   /* the register the push fills */
			if (mem)
				load_value(c, dst, op == X86_OP_FILD, 0);
			else
				fpe(c, OP_FMOV, dst, from, 0, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0);
			break;
		}
		case X86_OP_FLD1: case X86_OP_FLDL2T: case X86_OP_FLDL2E: case X86_OP_FLDPI:
		case X86_OP_FLDLG2: case X86_OP_FLDLN2: case X86_OP_FLDZ:
			fpe(c, OP_FCON, fst_rename(c, 7), 0, 0, VREG_NONE, VREG_NONE, VREG_NONE, 0,
			    (unsigned)(op - X86_OP_FLD1));
			break;
		case X86_OP_FST: case X86_OP_FSTP:
			if (mem) {
				store_value(c, fst_reg(c, 0), 0);
			} else {
				unsigned from = fst_reg(c, 0);
				fpe(c, OP_FMOV, fst_rename(c, i0), from, 0, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0);
			}
			break;
		case X86_OP_FIST: case X86_OP_FISTP:
			store_value(c, fst_reg(c, 0), 1);
			break;
		case X86_OP_FCHS: case X86_OP_FABS: case X86_OP_FSQRT:
			fpe(c, op == X86_OP_FCHS ? OP_FCHS : op == X86_OP_FABS ? OP_FABS : OP_FSQRT, fst_reg(c, 0),
			    fst_reg(c, 0), 0, VREG_NONE, VREG_NONE, VREG_NONE, 0, 0);
			break;
		case X86_OP_FCOMI: case X86_OP_FCOMPI: case X86_OP_FUCOMI: case X86_OP_FUCOMPI:
			fpe(c, op == X86_OP_FCOMI || op == X86_OP_FCOMPI ? OP_FCMPI : OP_FUCMPI, 0, fst_reg(c, 0),
			    fst_reg(c, i1), VREG_NONE, VREG_NONE, VREG_NONE, 0, 0);
			break;
		case X86_OP_FCOM: case X86_OP_FCOMP: case X86_OP_FUCOM: case X86_OP_FUCOMP:
		case X86_OP_FCOMPP: case X86_OP_FUCOMPP: {
			unsigned b, fmem = 0;
			if (mem) {
				b = ftmp(c);
				fmem = load_value(c, b, 0, 1);  /* fcom m32fp/m64fp (fucom has no memory form) */
			} else {
				b = fst_reg(c, in->nops ? i0 : 1);
			}
			int unordered = op == X86_OP_FUCOM || op == X86_OP_FUCOMP || op == X86_OP_FUCOMPP;
			fpe(c, unordered ? OP_FUCMPS : OP_FCMPS, 0, fst_reg(c, 0), b, VREG_NONE, VREG_NONE, VREG_NONE,
			    0, fmem);
			break;
		}
		case X86_OP_FXCH: {
			unsigned k0 = st_slot(c, 0), ki = st_slot(c, i0);
			uint8_t p = t->phys[k0];
			t->phys[k0] = t->phys[ki];
			t->phys[ki] = p;
			t->c1_clear = 1;
			break;
		}
		case X86_OP_FNSTSW_AX: case X86_OP_FNSTSW: {
			write_stack(c);
			unsigned v = ir_temp(c);
			ir_emit(c, OP_RDCR, v, VREG_NONE, VREG_NONE, CR_FPU_SW, 0, 0);
			if (op == X86_OP_FNSTSW_AX) {
				ir_emit(c, OP_DEP, R_EAX, R_EAX, v, 0 | 16 << 8, 0, 0);
			} else {
				uint32_t disp;
				unsigned base;
				ir_address(c, &base, &disp);
				ir_emit(c, OP_ST, VREG_NONE, base, v, disp, 0, MX_U16);
				c->b->nstores++;
			}
			break;
		}
		case X86_OP_FNSTCW: {
			unsigned v = ir_temp(c);
			uint32_t disp;
			unsigned base;
			ir_emit(c, OP_RDCR, v, VREG_NONE, VREG_NONE, CR_FPU_CW, 0, 0);
			ir_address(c, &base, &disp);
			ir_emit(c, OP_ST, VREG_NONE, base, v, disp, 0, MX_U16);
			c->b->nstores++;
			break;
		}
		case X86_OP_FLDCW: {
			unsigned v = ir_temp(c);
			uint32_t disp;
			unsigned base;
			ir_address(c, &base, &disp);
			ir_emit(c, OP_LD, v, base, VREG_NONE, disp, 0, MX_U16);
			ir_emit(c, OP_WRCR, VREG_NONE, v, VREG_NONE, CR_FPU_CW, 0, 0);
			break;
		}
		default:   /* fwait, fnop: nothing but the pointers */
			break;
		}
	}
	if (!x87_select_step(in, &t->st, &end))
		c->b->failed = 1;
}

const struct x86_family x86_fam_x87 = {"x87", x87_exec, x87_can_build, x87_build};
