/* tests/risu/risu.c — risu-style random differential tester for cdvm's x86
 * semantics (cms/x86).  Each case (tests/risu/gen.c) is a short
 * straight-line sequence with random registers, flags and scratch memory.
 * It runs natively on the host through the i386 runner (build/risu/
 * runner.elf, fed over a pipe) and through x86_step on a plain register
 * array and memory buffer; all eight GPRs, the status flags and DF, the
 * x87 state (the fnsave image: control, status and tag words, pointers,
 * the eight registers; at a fault what the kernel's signal frame keeps of
 * it, fpu_comparable), the scratch page, the code page, and the way the
 * sequence ended (normally or with a fault at which EIP) must be equal.  Natively nothing else is
 * mapped but the runner's own image (runner.c); a case that touches that
 * is skipped and counted, never compared.  Undefined flags are compared too
 * on an Intel host: cdvm computes them as Intel cores do.  On other hosts
 * (tests/host_cpu.h) the op table's undefined-flags column is followed
 * through the sequence: flags undefined at the end are not compared, and a
 * case that reads an undefined value is skipped and counted.  A failing
 * sequence is cut to the first instruction whose prefix already differs.
 *
 *   build/san/risu -n 20000                 (seed printed; CDVM_SEED=... replays)
 *   build/san/risu --case 1234              only case 1234 of that seed, verbosely
 *   build/san/risu --families alu,shift     only these families
 *   build/san/risu --selftest               check the native runner alone
 *   build/san/risu --bytes "0f bc c2"       one instruction with preset registers
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cms/x86/x86.h"
#include "native-isa/x87.h"
#include "native-isa/xflags.h"
#include "tests/host_cpu.h"
#include "tests/risu/gen.h"
#include "tests/risu/risu_proto.h"

#define RISU_DEFAULT_RUNNER "build/risu/runner.elf"
/* Families generated unless --families says otherwise: BCD adjustments
 * (27 2F 37 3F D4 D5) are outside cdvm's subset (opcodes.def: UNSUP). */
#define RISU_FAMILIES_DEFAULT (RISU_FAMILIES_ALL & ~(1u << RF_bcd))

/* How a run ended, and the state then. */
struct outcome {
	int kind;          /* enum outcome_kind */
	uint32_t eip;      /* where it stopped (the faulting instruction) */
	uint32_t fault_addr;
	uint32_t regs[8];
	uint32_t eflags;
	uint8_t mem[RISU_MEM_SIZE];
	uint8_t code[RISU_CODE_SIZE];
	uint8_t fpu[RISU_FPU_BYTES]; /* the x87 state as fnsave stores it */
	int fpu_source;              /* enum risu_fpu_source */
	unsigned fault_span;         /* cdvm: an x87 image operand's bytes, at its #PF */
	unsigned steps;
	/* cdvm's run only: the status flags whose value the SDM leaves
	 * undefined at the end (ops.def), and whether the outcome depends on
	 * the host's choices (an undefined value read, an undefined result, a
	 * fault whose kind differs between vendors) */
	uint32_t undef;
	int undef_used;
};

enum outcome_kind {
	OUT_OK, OUT_DE, OUT_MF, OUT_UD, OUT_PF, OUT_GP, OUT_OF, OUT_TRAP, OUT_OTHER, OUT_ESCAPED, OUT_COUNT
};

static const char *const outcome_names[OUT_COUNT] = {
	"ran to the end", "#DE (SIGFPE)", "#MF (SIGFPE)", "#UD (SIGILL)", "#PF (SIGSEGV)", "#GP (SIGSEGV)",
	"#OF trap (SIGSEGV)", "#BP trap (SIGTRAP)", "other signal", "left the sequence",
};

struct runner {
	pid_t pid;
	FILE *to, *from;
	const char *path;
	struct risu_hello hello;
};

/* cdvm's view of the runner's address space: the scratch page and the
 * code page, both readable and writable as natively. */
struct guest {
	uint8_t mem[RISU_MEM_SIZE];
	uint8_t code[RISU_CODE_SIZE];
	struct x87_state fpu;
	const struct risu_hello *runner;
	uint32_t trailer;   /* code-page offset of the `jmp risu_exit` */
	int unmodelled;     /* touched the runner's image or the trailer */
};

struct tester {
	struct runner rn;
	uint64_t seed;
	uint32_t families;
	unsigned max_insns;
	unsigned show, shown;
	uint64_t cases, failures, skipped, undef_skipped;
	uint64_t native_reruns; /* x87 pointers lost to a context switch (run_both) */
	int all_flags;         /* the host computes undefined flags as cdvm (Intel) */
	uint64_t outcomes[OUT_COUNT];
	uint64_t fam_cases[RF_COUNT], fam_fail[RF_COUNT];
	int verbose;
	char replay_opts[256]; /* --families/--max-insns as given, for replay lines */
	/* work areas (big: kept off the stack) */
	struct guest g;
	struct risu_seq seq, prefix;
	struct outcome nat, cd, pnat, pcd;
};

/* ---- the native side ------------------------------------------------ */

static int runner_start(struct runner *rn)
{
	int down[2], up[2];
	if (pipe(down) || pipe(up)) {
		perror("risu: pipe");
		return -1;
	}
	rn->pid = fork();
	if (rn->pid < 0) {
		perror("risu: fork");
		return -1;
	}
	if (rn->pid == 0) {
		dup2(down[0], 0);
		dup2(up[1], 1);
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		execl(rn->path, rn->path, (char *)NULL);
		fprintf(stderr, "risu: cannot run %s: %s\n", rn->path, strerror(errno));
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	rn->to = fdopen(down[1], "w");
	rn->from = fdopen(up[0], "r");
	if (!rn->to || !rn->from)
		return -1;
	if (fread(&rn->hello, sizeof rn->hello, 1, rn->from) != 1 ||
	    rn->hello.magic != RISU_MAGIC_HELLO) {
		fprintf(stderr, "risu: %s did not start (no hello)\n", rn->path);
		return -1;
	}
	return 0;
}

static void runner_stop(struct runner *rn)
{
	if (rn->to)
		fclose(rn->to);
	if (rn->from)
		fclose(rn->from);
	if (rn->pid > 0)
		waitpid(rn->pid, NULL, 0);
	rn->to = rn->from = NULL;
	rn->pid = 0;
}

static int native_run(struct runner *rn, const struct risu_case *c, struct outcome *out)
{
	struct risu_result r;
	if (fwrite(c, sizeof *c, 1, rn->to) != 1 || fflush(rn->to) ||
	    fread(&r, sizeof r, 1, rn->from) != 1 || r.magic != RISU_MAGIC_RESULT) {
		int st = 0;
		if (rn->pid > 0 && waitpid(rn->pid, &st, WNOHANG) == rn->pid) {
			fprintf(stderr, "risu: the runner died (status 0x%x)\n", st);
			rn->pid = 0;
		} else {
			fprintf(stderr, "risu: no answer from the runner\n");
		}
		return -1;
	}
	risu_fill_mem(out->mem, c);
	risu_fill_code(out->code, c, rn->hello.exit_addr);
	for (uint32_t i = 0; i < r.ndiff && i < RISU_MAX_DIFF; i++) {
		struct risu_diff d;
		if (fread(&d, sizeof d, 1, rn->from) != 1)
			return -1;
		if (d.off <= RISU_MEM_SIZE - 4)
			memcpy(out->mem + d.off, &d.val, 4);
		else if (d.off >= RISU_DIFF_CODE && d.off - RISU_DIFF_CODE <= RISU_CODE_SIZE - 4)
			memcpy(out->code + (d.off - RISU_DIFF_CODE), &d.val, 4);
		else
			return -1;
	}
	memcpy(out->regs, r.regs, sizeof out->regs);
	out->eflags = r.eflags;
	out->eip = r.signo ? r.fault_eip : RISU_CODE_ADDR + c->code_len;
	memcpy(out->fpu, r.fpu, sizeof out->fpu);
	out->fpu_source = (int)r.fpu_source;
	out->fault_addr = 0;
	out->steps = 0;
	switch (r.signo) {
	case 0: out->kind = OUT_OK; break;
	case SIGFPE: out->kind = r.trapno == 16 ? OUT_MF : OUT_DE; break;
	case SIGILL: out->kind = OUT_UD; break;
	case SIGSEGV: /* #PF, #GP, or #OF (into / int 4, EIP past the instruction) */
		out->kind = r.trapno == 14 ? OUT_PF : r.trapno == 13 ? OUT_GP :
			    r.trapno == 4 ? OUT_OF : OUT_OTHER;
		out->fault_addr = r.fault_addr;
		break;
	case SIGTRAP: out->kind = OUT_TRAP; break;
	default: out->kind = OUT_OTHER; break;
	}
	return 0;
}

/* ---- the cdvm side ---------------------------------------------------- */

/* The bytes behind [addr, addr + size), or NULL where natively nothing is
 * mapped (a fault in both worlds) or only the runner's image is (marked
 * unmodelled).  A store over the trailer is unmodelled too: natively the
 * rewritten jmp would run. */
static uint8_t *g_bytes(struct guest *g, uint32_t addr, unsigned size, int store)
{
	if (addr - RISU_MEM_ADDR <= RISU_MEM_SIZE - size)
		return g->mem + (addr - RISU_MEM_ADDR);
	if (addr - RISU_CODE_ADDR <= RISU_CODE_SIZE - size) {
		uint32_t off = addr - RISU_CODE_ADDR;
		if (store && off < g->trailer + 5 && off + size > g->trailer)
			g->unmodelled = 1;
		return g->code + off;
	}
	uint32_t img_lo = g->runner->image_start & ~4095u;
	uint32_t img_hi = (g->runner->image_end + 4095u) & ~4095u;
	if (addr < img_hi && addr + size > img_lo)
		g->unmodelled = 1;
	return NULL;
}

static int g_load(void *ctx, uint32_t addr, unsigned size, uint32_t *val)
{
	const uint8_t *p = g_bytes(ctx, addr, size, 0);
	if (!p)
		return -1;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	*val = v;
	return 0;
}

static int g_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	uint8_t *p = g_bytes(ctx, addr, size, 1);
	if (!p)
		return -1;
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(val >> (8 * i));
	return 0;
}

static unsigned g_fetch(void *ctx, uint32_t addr, uint8_t *buf, unsigned len)
{
	struct guest *g = ctx;
	uint32_t off = addr - RISU_CODE_ADDR;
	if (addr < RISU_CODE_ADDR || off >= RISU_CODE_SIZE)
		return 0;
	unsigned n = RISU_CODE_SIZE - off < len ? RISU_CODE_SIZE - off : len;
	memcpy(buf, g->code + off, n);
	return n;
}

static uint64_t g_cycles(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Undefined values (by the SDM) in cdvm's run, from the op table: what a
 * host that is not the reference may compute differently.  Reading such a
 * flag, or a 16-bit shld/shrd by more than 16 (undefined result), makes
 * the rest of the case host-dependent. */
static uint32_t insn_count(const struct x86_insn *in, uint32_t ecx)
{
	const struct x86_operand *c = &in->o[in->nops ? in->nops - 1 : 0];
	return (c->kind == X86_OPK_IMM ? in->imm : ecx) & 31;
}

static void undef_before(const struct x86_insn *in, const uint32_t *r, struct outcome *out)
{
	const struct x86_op_info *row = x86_op(in->op);
	if (row->fread & out->undef)
		out->undef_used = 1;
	if ((in->op == X86_OP_SHLD || in->op == X86_OP_SHRD) && in->o[0].size == 2 && insn_count(in, r[X86_ECX]) > 16)
		out->undef_used = 1;
}

static void undef_after(const struct x86_insn *in, uint32_t ecx, enum x86_stop st, struct outcome *out)
{
	const struct x86_op_info *row = x86_op(in->op);
	if ((row->props & (OPF_STR1 | OPF_STR2)) && in->rep && st != X86_OK) {
		/* a fault part-way through REP CMPS/SCAS: Intel shows the flags of
		 * before the instruction, other cores may not */
		out->undef |= row->fwrite & XF_STATUS;
		return;
	}
	if (st != X86_OK && st != X86_TRAP && st != X86_SYSCALL)
		return;
	if ((row->props & OPF_COUNT) && in->nops && insn_count(in, ecx) == 0)
		return;  /* a zero count changes no flag */
	if ((row->props & OPF_REP0) && in->rep && ecx == 0)
		return;
	out->undef = (out->undef & ~(uint32_t)row->fwrite) | row->fundef;
}

/* The fnsave image of a 32-bit process (SDM vol. 1, figure 8-10): each
 * 16-bit field in a 32-bit slot, FCS's slot holding FOP in bits 26..16. */
enum { FI_CW = 0, FI_SW = 4, FI_TW = 8, FI_FIP = 12, FI_FCS = 16, FI_FDP = 20, FI_FDS = 24, FI_ST = 28 };

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* cdvm's x87 state at the start of a case: the image loaded as the runner
 * loads it, by the host's frstor (which decides what a loaded status and
 * tag word become), and the pointers from their slots. */
static void fpu_from_image(struct x87_state *s, const uint8_t *img)
{
	uint8_t m[RISU_FPU_BYTES];
	uint32_t fl = 0x202;
	uint16_t ax = 0;
	memcpy(m, img, sizeof m);
	x87_init(s);
	x87_host_exec(s, 0xdd, 0x20, m, &fl, &ax); /* frstor [m] */
	s->fip = rd32(img + FI_FIP);
	s->fcs = (uint16_t)rd32(img + FI_FCS);
	s->fop = (uint16_t)(rd32(img + FI_FCS) >> 16 & 0x7ffu);
	s->fdp = rd32(img + FI_FDP);
	s->fds = (uint16_t)rd32(img + FI_FDS);
}

/* cdvm's x87 state as fnsave would store it: the upper halves of the
 * 16-bit fields all ones (what the host stores in a 32-bit process), the
 * full tag word, ST(0) first. */
static void fpu_to_image(const struct x87_state *s, uint8_t *img)
{
	wr32(img + FI_CW, 0xffff0000u | s->cw);
	wr32(img + FI_SW, 0xffff0000u | s->sw);
	wr32(img + FI_TW, 0xffff0000u | x87_tag_word(s));
	wr32(img + FI_FIP, s->fip);
	wr32(img + FI_FCS, s->fcs | (uint32_t)(s->fop & 0x7ffu) << 16);
	wr32(img + FI_FDP, s->fdp);
	wr32(img + FI_FDS, 0xffff0000u | s->fds);
	unsigned top = x87_top(s);
	for (unsigned i = 0; i < 8; i++) {
		const struct x87_reg *v = &s->r[(top + i) & 7];
		memcpy(img + FI_ST + 10 * i, &v->mant, 8);
		memcpy(img + FI_ST + 10 * i + 8, &v->se, 2);
	}
}

static void cdvm_run(struct guest *g, const struct risu_hello *runner, const struct risu_case *c,
		     struct outcome *out)
{
	uint32_t r[X86_NSTATE] = {0};
	struct x86_segs segs;
	x86_segs_init(&segs);
	segs.sel[X86_SEG_FS] = (uint16_t)runner->fs_sel;
	segs.sel[X86_SEG_GS] = (uint16_t)runner->gs_sel;
	struct x86_env env = {r, g, g_load, g_store, g_fetch, g_cycles, &segs, &g->fpu};
	uint32_t end = RISU_CODE_ADDR + c->code_len;

	risu_fill_mem(g->mem, c);
	risu_fill_code(g->code, c, runner->exit_addr);
	g->runner = runner;
	g->trailer = c->code_len > RISU_CODE_MAX ? RISU_CODE_MAX : c->code_len;
	g->unmodelled = 0;
	fpu_from_image(&g->fpu, c->fpu);
	memcpy(r, c->regs, sizeof c->regs);
	/* user mode EFLAGS as the runner has them: IF and bit 1 set */
	r[X86_EFLAGS] = (c->eflags & RISU_FLAGS_MASK) | 0x202u;
	r[X86_EIP] = RISU_CODE_ADDR;
	r[X86_FSBASE] = RISU_FS_BASE;
	r[X86_GSBASE] = RISU_GS_BASE;
	out->kind = OUT_OK;
	out->fault_addr = 0;
	out->fault_span = 0;
	out->undef = 0;
	out->undef_used = 0;
	for (out->steps = 0;; out->steps++) {
		if (r[X86_EIP] == end)
			break;
		if (r[X86_EIP] < RISU_CODE_ADDR || r[X86_EIP] > end || out->steps > 10000) {
			out->kind = OUT_ESCAPED;
			break;
		}
		struct x86_step_info info;
		memset(&info, 0, sizeof info);
		struct x86_insn in;
		uint8_t buf[X86_MAX_INSN_LEN];
		int known = x86_decode(buf, g_fetch(g, r[X86_EIP], buf, sizeof buf), &in) > 0;
		uint32_t ecx = r[X86_ECX];
		if (known)
			undef_before(&in, r, out);
		enum x86_stop st = x86_step(&env, &info);
		if (known)
			undef_after(&in, ecx, st, out);
		if (st == X86_OK)
			continue;
		switch (st) {
		case X86_FAULT_DE: out->kind = OUT_DE; break;
		case X86_FAULT_MF: out->kind = OUT_MF; break;
		case X86_FAULT_UD: out->kind = OUT_UD; break;
		case X86_FAULT_MEM:
			out->kind = OUT_PF;
			out->fault_addr = info.fault_addr;
			if (known && (x86_op_flags((enum x86_op)in.op) & OPF_FPU) && in.o[0].kind == X86_OPK_MEM &&
			    in.o[0].size > 10)
				out->fault_span = in.o[0].size;
			break;
		case X86_FAULT_GP: case X86_HLT: out->kind = OUT_GP; break;
		/* #BP -> SIGTRAP, #OF -> SIGSEGV, both with EIP past the insn */
		case X86_TRAP: out->kind = info.trap == 3 ? OUT_TRAP : info.trap == 4 ? OUT_OF
							    : OUT_OTHER; break;
		default: out->kind = OUT_OTHER; break;
		}
		break;
	}
	/* an access that wraps past 4 GiB: Intel hosts raise #PF on the top
	 * page (what cdvm models), AMD hosts #SS or #GP (SIGBUS) for some */
	if (out->kind == OUT_PF && out->fault_addr > 0xfffffff0u)
		out->undef_used = 1;
	memcpy(out->regs, r, sizeof out->regs);
	out->eflags = r[X86_EFLAGS];
	out->eip = r[X86_EIP];
	memcpy(out->mem, g->mem, sizeof out->mem);
	memcpy(out->code, g->code, sizeof out->code);
	fpu_to_image(&g->fpu, out->fpu);
	out->fpu_source = RISU_FPU_FNSAVE;
}

/* ---- comparison and reports ------------------------------------------ */

/* Natively a fault on an access that straddles the end of the page reports
 * the first unmapped byte; cdvm's memory callbacks cannot say which byte
 * of an access failed, so it may report the start of the access.  Accept
 * that (and only that): the native address is page-aligned and within the
 * 15 bytes after cdvm's.  An x87 environment or state image (span: its 28
 * or 108 bytes) is accessed in pieces in an order of the core's own (an
 * AMD core reports the image's last byte): there the native address may
 * be any byte of the image at or after cdvm's. */
static int same_fault_addr(uint32_t native, uint32_t cdvm, unsigned span)
{
	return native == cdvm || ((native & 0xfffu) == 0 && native - cdvm < 16u) ||
	       native - cdvm < span;
}

/* The x87 image's fields, as bits of a mask (fpu_field_names' order). */
enum {
	FPU_FIELDS = 7 + 8,
	FPU_CW = 1u << 0, FPU_SW = 1u << 1, FPU_TW = 1u << 2, FPU_FIP = 1u << 3, FPU_FCS_FOP = 1u << 4,
	FPU_FDP = 1u << 5, FPU_FDS = 1u << 6, FPU_ST = 0xffu << 7,
	FPU_POINTERS = FPU_FIP | FPU_FCS_FOP | FPU_FDP | FPU_FDS,
};
static const char *const fpu_field_names[FPU_FIELDS] = {
	"fpu.cw", "fpu.sw", "fpu.tw", "fpu.fip", "fpu.fcs:fop", "fpu.fdp", "fpu.fds",
	"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
};

static unsigned fpu_field_off(unsigned f, unsigned *len)
{
	*len = f < 7 ? 4 : 10;
	return f < 7 ? 4 * f : FI_ST + 10 * (f - 7);
}

/* The fields of the native x87 image (a) that say what the CPU holds.
 * When the sequence ran to its end, all (fnsave).  At a fault the image
 * is the fsave header of the kernel's signal frame, which a 64-bit kernel
 * fills from its xsave image: FCS and FDS are the process's CS and DS
 * whatever the FPU held, FOP is not there (0), and FIP and FDP are what
 * the CPU saved, which an AMD core does only while an exception is
 * pending (ES; its xsave leaves them 0 otherwise). */
static uint32_t fpu_comparable(const struct outcome *a)
{
	switch (a->fpu_source) {
	case RISU_FPU_FNSAVE:
		return (1u << FPU_FIELDS) - 1;
	case RISU_FPU_FRAME:
		return FPU_CW | FPU_SW | FPU_TW | FPU_ST | ((rd32(a->fpu + FI_SW) & X87_ES) ? FPU_FIP | FPU_FDP : 0);
	default:
		return 0;
	}
}

/* Fields of the two x87 images that differ, where the native one (a) can
 * tell. */
static uint32_t fpu_differs(const struct outcome *a, const struct outcome *b)
{
	uint32_t d = 0, cmp = fpu_comparable(a);
	for (unsigned f = 0; f < FPU_FIELDS; f++) {
		unsigned len, off = fpu_field_off(f, &len);
		if ((cmp >> f & 1) && memcmp(a->fpu + off, b->fpu + off, len))
			d |= 1u << f;
	}
	return d;
}

/* ignore: flags not compared (undefined on a host that is not the
 * reference); fpu_ignore: x87 image fields not compared (fpu_differs bits) */
static int same_outcome(const struct outcome *a, const struct outcome *b, uint32_t ignore, uint32_t fpu_ignore)
{
	if (a->kind != b->kind || a->eip != b->eip)
		return 0;
	if (a->kind == OUT_PF && !same_fault_addr(a->fault_addr, b->fault_addr, b->fault_span))
		return 0;
	if (memcmp(a->regs, b->regs, sizeof a->regs))
		return 0;
	if ((a->eflags ^ b->eflags) & RISU_FLAGS_MASK & ~ignore)
		return 0;
	if (fpu_differs(a, b) & ~fpu_ignore)
		return 0;
	return !memcmp(a->mem, b->mem, sizeof a->mem) && !memcmp(a->code, b->code, sizeof a->code);
}

static const char *const reg_names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

static void print_flags(uint32_t f)
{
	static const struct { uint32_t bit; const char *name; } fl[] = {
		{0x1, "CF"}, {0x4, "PF"}, {0x10, "AF"}, {0x40, "ZF"}, {0x80, "SF"},
		{0x400, "DF"}, {0x800, "OF"},
	};
	printf("%08" PRIx32 " [", f & RISU_FLAGS_MASK);
	for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
		if (f & fl[i].bit)
			printf(" %s", fl[i].name);
	printf(" ]");
}

/* An x87 image: control, status and tag words, the pointers, the stack
 * (sign+exponent:significand, ST(0) first, "-" for an empty register). */
static void print_fpu(const uint8_t *img)
{
	if (!img) {
		printf("          fpu (not known: the signal frame had no x87 state)\n");
		return;
	}
	uint16_t tw = (uint16_t)rd32(img + FI_TW);
	unsigned top = rd32(img + FI_SW) >> 11 & 7;
	printf("          fpu cw=%04" PRIx32 " sw=%04" PRIx32 " tw=%04x fip=%08" PRIx32
	       " fcs:fop=%08" PRIx32 " fdp=%08" PRIx32 " fds=%04" PRIx32 "\n         ",
	       rd32(img + FI_CW) & 0xffff, rd32(img + FI_SW) & 0xffff, tw, rd32(img + FI_FIP),
	       rd32(img + FI_FCS), rd32(img + FI_FDP), rd32(img + FI_FDS) & 0xffff);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t m;
		uint16_t se;
		memcpy(&m, img + FI_ST + 10 * i, 8);
		memcpy(&se, img + FI_ST + 10 * i + 8, 2);
		printf(" st%u%s%04x:%016" PRIx64 "%s", i, (tw >> (2 * ((top + i) & 7)) & 3) == 3 ? "-" : "=",
		       se, m, i == 3 ? "\n         " : "");
	}
	printf("\n");
}

static void print_state(const char *who, const struct outcome *o)
{
	printf("  %-7s %s at +%" PRId32, who, outcome_names[o->kind],
	       (int32_t)(o->eip - RISU_CODE_ADDR));
	if (o->kind == OUT_PF)
		printf(" addr %08" PRIx32, o->fault_addr);
	printf("\n         ");
	for (int i = 0; i < 8; i++)
		printf("%s=%08" PRIx32 "%s", reg_names[i], o->regs[i], i == 3 ? "\n         " : " ");
	printf("\n          flags ");
	print_flags(o->eflags);
	printf("\n");
	print_fpu(o->fpu_source == RISU_FPU_NONE ? NULL : o->fpu);
}

/* One line per instruction: offset, bytes, cdvm's disassembly, family. */
static void print_code(const struct risu_seq *s, int mark)
{
	for (unsigned i = 0; i < s->ninsn; i++) {
		const struct risu_insn *in = &s->insn[i];
		char hex[64] = "", text[160] = "?";
		for (unsigned k = 0; k < in->len && k < 15; k++)
			snprintf(hex + 3 * k, sizeof hex - 3 * k, "%02x ", s->c.code[in->off + k]);
		struct x86_insn xi;
		int n = x86_decode(s->c.code + in->off, in->len, &xi);
		if (n > 0)
			x86_disasm(&xi, RISU_CODE_ADDR + in->off, text, sizeof text);
		else
			snprintf(text, sizeof text, "(cdvm: invalid, class %s)",
				 x86_op_name((enum x86_op)xi.op));
		for (char *p = text; *p; p++)
			if (*p == '\t')
				*p = ' ';
		printf("  %s %3u: %-36s %-44s %s%s\n", (int)i == mark ? "=>" : "  ", in->off, hex,
		       text, risu_family_name(in->family), in->setup ? " (set-up)" : "");
	}
}

static void print_case_state(const struct risu_seq *s)
{
	printf("  initial ");
	for (int i = 0; i < 8; i++)
		printf("%s=%08" PRIx32 "%s", reg_names[i], s->c.regs[i], i == 3 ? "\n          " : " ");
	printf("\n          flags ");
	print_flags(s->c.eflags);
	printf("  mem seed %08" PRIx32 "\n", s->c.mem_seed);
	print_fpu(s->c.fpu);
	for (uint32_t k = 0; k < s->c.npoke; k++)
		printf("%s[%03" PRIx32 "]=%08" PRIx32, k % 6 ? " " : k ? "\n          pokes " : "          pokes ",
		       s->c.poke[k].off, s->c.poke[k].val);
	if (s->c.npoke)
		printf("\n");
}

static void print_differences(const struct outcome *n, const struct outcome *c)
{
	printf("  differs:");
	if (n->kind != c->kind || n->eip != c->eip)
		printf(" end (%s at +%" PRId32 " vs %s at +%" PRId32 ")", outcome_names[n->kind],
		       (int32_t)(n->eip - RISU_CODE_ADDR), outcome_names[c->kind],
		       (int32_t)(c->eip - RISU_CODE_ADDR));
	if (n->kind == OUT_PF && c->kind == OUT_PF && !same_fault_addr(n->fault_addr, c->fault_addr, c->fault_span))
		printf(" fault-addr");
	for (int i = 0; i < 8; i++)
		if (n->regs[i] != c->regs[i])
			printf(" %s", reg_names[i]);
	uint32_t fd = (n->eflags ^ c->eflags) & RISU_FLAGS_MASK;
	static const struct { uint32_t bit; const char *name; } fl[] = {
		{0x1, "CF"}, {0x4, "PF"}, {0x10, "AF"}, {0x40, "ZF"}, {0x80, "SF"},
		{0x400, "DF"}, {0x800, "OF"},
	};
	for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
		if (fd & fl[i].bit)
			printf(" %s", fl[i].name);
	uint32_t fpd = fpu_differs(n, c);
	for (unsigned f = 0; f < FPU_FIELDS; f++)
		if (fpd >> f & 1)
			printf(" %s", fpu_field_names[f]);
	unsigned shown = 0;
	for (uint32_t o = 0; o < RISU_MEM_SIZE + RISU_CODE_SIZE; o += 4) {
		int in_code = o >= RISU_MEM_SIZE;
		uint32_t off = in_code ? o - RISU_MEM_SIZE : o, a, b;
		memcpy(&a, (in_code ? n->code : n->mem) + off, 4);
		memcpy(&b, (in_code ? c->code : c->mem) + off, 4);
		if (a != b && shown++ < 8)
			printf(" %s[%03" PRIx32 "]=%08" PRIx32 "/%08" PRIx32, in_code ? "code" : "mem",
			       off, a, b);
	}
	if (shown > 8)
		printf(" (+%u more words)", shown - 8);
	printf("   (native/cdvm)\n");
}

/* The two outcomes differ in the x87 pointers (FIP, FCS:FOP, FDP, FDS)
 * and in nothing else. */
static int pointers_only(const struct outcome *n, const struct outcome *c, uint32_t ignore)
{
	uint32_t d = fpu_differs(n, c);
	return d && !(d & ~FPU_POINTERS) && same_outcome(n, c, ignore, FPU_POINTERS);
}

/* Run one sequence both ways; 1 if they agree, 0 if not, -1 on runner
 * error, 2 if cdvm touched what it does not model (the runner's image), 3
 * if the outcome depends on values the SDM leaves undefined and the host
 * is not the reference for them. */
static int run_both(struct tester *t, const struct risu_seq *s, struct outcome *n, struct outcome *c)
{
	if (native_run(&t->rn, &s->c, n))
		return -1;
	cdvm_run(&t->g, &t->rn.hello, &s->c, c);
	if (t->g.unmodelled)
		return 2;
	if (!t->all_flags && c->undef_used)
		return 3;
	uint32_t ignore = t->all_flags ? 0 : c->undef;
	int same = same_outcome(n, c, ignore, 0);
	/* The x87 pointers (FIP FCS FOP FDP FDS) do not survive a context
	 * switch on an AMD core: the kernel's xsave keeps them only while an
	 * exception is pending, and its xrstor then clears them.  A case the
	 * runner was preempted in comes back with zeros there; the state of a
	 * case does not depend on timing, so run it natively again (a real
	 * difference comes back every time). */
	for (int again = 0; !same && again < 3 && pointers_only(n, c, ignore); again++) {
		t->native_reruns++;
		if (native_run(&t->rn, &s->c, n))
			return -1;
		same = same_outcome(n, c, ignore, 0);
	}
	return same;
}

/* The first instruction whose prefix of the sequence already differs. */
static int first_divergence(struct tester *t, const struct risu_seq *s)
{
	for (unsigned k = 1; k <= s->ninsn; k++) {
		if (!risu_seq_prefix(s, k, &t->prefix))
			continue;
		if (run_both(t, &t->prefix, &t->pnat, &t->pcd) == 0)
			return (int)k - 1;
	}
	return -1;
}

static void report(struct tester *t, uint64_t index, const struct risu_seq *s,
		   const struct outcome *n, const struct outcome *c)
{
	int culprit = first_divergence(t, s);
	if (culprit >= 0)
		t->fam_fail[s->insn[culprit].family]++;
	if (t->shown++ >= t->show)
		return;
	printf("MISMATCH case %" PRIu64 " (replay: CDVM_SEED=0x%" PRIx64 " build/san/risu --case %" PRIu64
	       "%s)\n", index, t->seed, index, t->replay_opts);
	print_code(s, culprit);
	if (culprit >= 0)
		printf("  first differs after instruction %d (marked =>)\n", culprit);
	print_case_state(s);
	print_state("native", n);
	print_state("cdvm", c);
	print_differences(n, c);
}

static uint64_t case_seed(uint64_t seed, uint64_t index)
{
	uint64_t z = seed ^ (index * 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ull;
	return z ^ (z >> 29);
}

static int run_case(struct tester *t, uint64_t index)
{
	struct risu_seq *s = &t->seq;
	struct outcome *n = &t->nat, *c = &t->cd;
	risu_gen_case(case_seed(t->seed, index), t->families, t->max_insns, s);
	int r = run_both(t, s, n, c);
	if (r < 0)
		return -1;
	if (r == 2) {
		t->skipped++;
		if (t->verbose)
			printf("case %" PRIu64 ": skipped (touches the runner's own image)\n", index);
		return 0;
	}
	if (r == 3) {
		t->undef_skipped++;
		if (t->verbose)
			printf("case %" PRIu64 ": skipped (depends on what the SDM leaves to the CPU)\n", index);
		return 0;
	}
	t->cases++;
	t->outcomes[n->kind]++;
	uint32_t seen = 0;
	for (unsigned i = 0; i < s->ninsn; i++)
		seen |= 1u << s->insn[i].family;
	for (unsigned f = 0; f < RF_COUNT; f++)
		if (seen >> f & 1)
			t->fam_cases[f]++;
	if (r == 0) {
		t->failures++;
		report(t, index, s, n, c);
	} else if (t->verbose) {
		printf("case %" PRIu64 ": agree\n", index);
		print_code(s, -1);
		print_case_state(s);
		print_state("both", n);
	}
	return 0;
}

/* ---- self-test of the runner (no cdvm involved) ------------------------ */

struct known {
	const char *name;
	const char *code;       /* hex */
	uint32_t regs[8], eflags;
	int kind;               /* expected enum outcome_kind */
	uint32_t eip_off;       /* expected stop offset */
	int reg;                /* register to check, or -1 */
	uint32_t val;
	uint32_t flags_expect;  /* expected status flags (RISU_FLAGS_MASK bits) */
};

#define SP (RISU_MEM_ADDR + 0x800)

static int selftest(struct tester *t)
{
	static const struct known k[] = {
		{"add eax, ecx", "01c8", {1, 2, 3, 4, SP, 6, 7, 8}, 0, OUT_OK, 2, 0, 3, 0x4},
		{"stc; sbb eax, eax", "f919c0", {5, 0, 0, 0, SP, 0, 0, 0}, 0, OUT_OK, 3, 0, 0xffffffff, 0x95},
		{"div ecx overflows", "f7f1", {1, 2, 3, 4, SP, 6, 7, 8}, 0, OUT_DE, 0, 2, 3, 0},
		{"inc; div by zero", "40f7f1", {1, 0, 3, 4, SP, 6, 7, 8}, 0, OUT_DE, 1, 0, 2, 0},
		{"ud2", "0f0b", {1, 2, 3, 4, SP, 6, 7, 8}, 0, OUT_UD, 0, -1, 0, 0},
		{"hlt is #GP", "90f4", {1, 2, 3, 4, SP, 6, 7, 8}, 0, OUT_GP, 1, -1, 0, 0},
		{"store past the page", "408903", {1, 2, 3, RISU_MEM_ADDR + 0xffe, SP, 6, 7, 8}, 0,
		 OUT_PF, 1, 0, 2, 0},
		{"std; pushf", "fd9c", {1, 2, 3, 4, SP, 6, 7, 8}, 0, OUT_OK, 2, 4, SP - 4, 0x400},
		{"all registers and flags survive", "90",
		 {0x11111111, 0x22222222, 0x33333333, 0x44444444, SP + 4, 0x66666666, 0x77777777,
		  0x88888888}, 0xcd5, OUT_OK, 1, 5, 0x66666666, 0xcd5},
	};
	struct risu_seq *s = &t->seq;
	struct outcome *n = &t->nat;
	int bad = 0;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		memset(s, 0, sizeof *s);
		s->c.magic = RISU_MAGIC_CASE;
		risu_fpu_init(s->c.fpu);
		memcpy(s->c.regs, k[i].regs, sizeof s->c.regs);
		s->c.eflags = k[i].eflags;
		s->c.mem_seed = 7;
		for (const char *p = k[i].code; p[0] && p[1]; p += 2) {
			unsigned v;
			sscanf(p, "%2x", &v);
			s->c.code[s->c.code_len++] = (uint8_t)v;
		}
		if (native_run(&t->rn, &s->c, n))
			return 1;
		int ok = n->kind == k[i].kind && n->eip == RISU_CODE_ADDR + k[i].eip_off &&
			 (k[i].reg < 0 || n->regs[k[i].reg] == k[i].val) &&
			 (n->eflags & RISU_FLAGS_MASK) == k[i].flags_expect;
		if (k[i].kind == OUT_PF)
			ok = ok && n->fault_addr == RISU_MEM_ADDR + RISU_MEM_SIZE;
		if (!strcmp(k[i].name, "std; pushf")) {
			uint32_t pushed;
			memcpy(&pushed, n->mem + 0x7fc, 4);
			ok = ok && pushed == 0x602; /* IF and bit 1 are set in user mode */
		}
		if (!strcmp(k[i].name, "all registers and flags survive"))
			ok = ok && !memcmp(n->regs, k[i].regs, sizeof n->regs);
		printf("selftest: %-34s %s\n", k[i].name, ok ? "ok" : "FAILED");
		if (!ok) {
			print_state("native", n);
			bad = 1;
		}
	}
	/* the comparison sees a changed x87 register, and at a fault leaves
	 * alone only what the signal frame cannot hold */
	struct outcome *c = &t->cd;
	*c = *n;
	c->fpu[FI_ST] ^= 1;
	int ok = fpu_differs(n, c) == (1u << 7) && !same_outcome(n, c, 0, 0);
	c->fpu[FI_ST] ^= 1;
	c->fpu[FI_FCS + 2] ^= 1;   /* FOP */
	ok = ok && fpu_differs(n, c) == FPU_FCS_FOP && pointers_only(n, c, 0);
	n->fpu_source = RISU_FPU_FRAME;
	ok = ok && fpu_differs(n, c) == 0;
	printf("selftest: %-34s %s\n", "x87 state compared", ok ? "ok" : "FAILED");
	return bad || !ok;
}

/* --bytes: one instruction (hex) with registers pointing into the page. */
static int run_bytes(struct tester *t, const char *hex)
{
	struct risu_seq *s = &t->seq;
	struct outcome *n = &t->nat, *c = &t->cd;
	memset(s, 0, sizeof *s);
	s->c.magic = RISU_MAGIC_CASE;
	risu_fpu_init(s->c.fpu);
	for (int i = 0; i < 8; i++)
		s->c.regs[i] = RISU_MEM_ADDR + 0x800 + 0x10 * (uint32_t)i;
	s->c.mem_seed = 1;
	const char *p = hex;
	while (*p && s->c.code_len < RISU_CODE_MAX) {
		char *e;
		unsigned long v = strtoul(p, &e, 16);
		if (e == p)
			break;
		s->c.code[s->c.code_len++] = (uint8_t)v;
		p = e;
	}
	s->ninsn = 1;
	s->insn[0] = (struct risu_insn){.off = 0, .len = (uint8_t)s->c.code_len, .family = RF_misc,
					.target_end = (uint8_t)s->c.code_len};
	int r = run_both(t, s, n, c);
	if (r < 0)
		return 2;
	print_code(s, -1);
	print_case_state(s);
	print_state("native", n);
	print_state("cdvm", c);
	if (!r)
		print_differences(n, c);
	printf("%s\n", r == 2 ? "not compared: it touches the runner's image" : r ? "agree" : "DIFFER");
	return r == 1 ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: risu [-n cases] [--case N] [--families a,b] [--max-insns K] [--show N]\n"
		"            [--runner path] [--verbose] [--selftest] [--bytes \"hex\"]\n"
		"  env: CDVM_SEED (replay), CDVM_RISU_N (default count), CDVM_RISU_RUNNER\n"
		"  families:");
	for (unsigned f = 0; f < RF_COUNT; f++)
		fprintf(stderr, " %s", risu_family_name(f));
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	struct tester *t = calloc(1, sizeof *t);
	if (!t)
		return 2;
	const char *env_seed = getenv("CDVM_SEED"), *env_n = getenv("CDVM_RISU_N");
	uint64_t n = env_n && *env_n ? strtoull(env_n, NULL, 0) : 20000;
	int64_t only = -1;
	int self = 0;
	const char *bytes = NULL;

	t->seed = env_seed && *env_seed ? strtoull(env_seed, NULL, 0)
				       : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	t->families = RISU_FAMILIES_DEFAULT;
	t->max_insns = 8;
	t->show = 10;
	t->rn.path = getenv("CDVM_RISU_RUNNER") ? getenv("CDVM_RISU_RUNNER") : RISU_DEFAULT_RUNNER;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-n") && v) {
			n = strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--case") && v) {
			only = (int64_t)strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--families") && v) {
			t->families = risu_parse_families(v);
			snprintf(t->replay_opts + strlen(t->replay_opts),
				 sizeof t->replay_opts - strlen(t->replay_opts), " --families %s", v);
			if (!t->families) {
				fprintf(stderr, "risu: unknown family in '%s'\n", v);
				usage();
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--max-insns") && v) {
			t->max_insns = (unsigned)strtoul(v, NULL, 0);
			snprintf(t->replay_opts + strlen(t->replay_opts),
				 sizeof t->replay_opts - strlen(t->replay_opts), " --max-insns %s", v);
			i++;
		} else if (!strcmp(a, "--show") && v) {
			t->show = (unsigned)strtoul(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--runner") && v) {
			t->rn.path = v;
			i++;
		} else if (!strcmp(a, "--bytes") && v) {
			bytes = v;
			i++;
		} else if (!strcmp(a, "--verbose")) {
			t->verbose = 1;
		} else if (!strcmp(a, "--selftest")) {
			self = 1;
		} else {
			usage();
			return 2;
		}
	}
	if (t->max_insns < 1 || t->max_insns > 8)
		t->max_insns = 8;
	t->all_flags = host_undefined_flags_are_reference("risu");
	signal(SIGPIPE, SIG_IGN);
	if (runner_start(&t->rn))
		return 2;
	int rc = 0;
	if (self) {
		rc = selftest(t);
	} else if (bytes) {
		rc = run_bytes(t, bytes);
	} else if (only >= 0) {
		t->verbose = 1;
		if (run_case(t, (uint64_t)only))
			rc = 2;
		else
			rc = t->failures ? 1 : 0;
	} else {
		printf("risu: seed 0x%" PRIx64 " (CDVM_SEED=0x%" PRIx64 " to replay), %" PRIu64
		       " cases\n", t->seed, t->seed, n);
		clock_t t0 = clock();
		for (uint64_t i = 0; i < n; i++)
			if (run_case(t, i)) {
				rc = 2;
				break;
			}
		printf("risu: %" PRIu64 " cases, %" PRIu64 " mismatches (%.1f s cpu)\n", t->cases,
		       t->failures, (double)(clock() - t0) / CLOCKS_PER_SEC);
		printf("  native address space: runner image %08" PRIx32 "-%08" PRIx32
		       ", code page, scratch page (%" PRIu32 " other mappings removed); %" PRIu64
		       " cases skipped: they touch the runner's image\n",
		       t->rn.hello.image_start, t->rn.hello.image_end, t->rn.hello.unmapped, t->skipped);
		if (t->native_reruns)
			printf("  %" PRIu64 " native reruns: the x87 pointers came back cleared (a context switch "
			       "on an AMD core drops them)\n", t->native_reruns);
		if (!t->all_flags)
			printf("  host not the reference for undefined flags: %" PRIu64 " cases skipped (they read "
			       "a value the SDM leaves undefined, or fault past 4 GiB), undefined flags at the end "
			       "not compared\n",
			       t->undef_skipped);
		printf("  native outcomes:");
		for (int k = 0; k < OUT_COUNT; k++)
			if (t->outcomes[k])
				printf(" %s %" PRIu64 ";", outcome_names[k], t->outcomes[k]);
		printf("\n  cases per family (mismatches by first differing instruction):\n");
		for (unsigned f = 0; f < RF_COUNT; f++)
			if (t->families >> f & 1)
				printf("    %-10s %8" PRIu64 " %s%" PRIu64 "\n", risu_family_name(f),
				       t->fam_cases[f], t->fam_fail[f] ? "FAIL " : "", t->fam_fail[f]);
		if (rc == 0 && t->failures)
			rc = 1;
		if (t->failures > t->show)
			printf("risu: first %u mismatches shown\n", t->show);
	}
	runner_stop(&t->rn);
	free(t);
	return rc;
}
