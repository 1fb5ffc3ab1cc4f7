/* native-isa/x87.c — the x87 state and the fenced door to the host's x87
 * (what and why: x87.h).
 *
 * The door is two assembly routines and a table of stubs: for every
 * register form (esc 0xd8..0xdf, ModRM 0xc0..0xff: 512 stubs) and every
 * memory form (esc, ModRM.reg: 64 stubs, the operand addressed as [rdx])
 * the two instruction bytes followed by `jmp *%r10` back into the routine
 * that called it, eight bytes apart.  cdvm_x87_run saves the host's control word, merges the guest's
 * status flags into the host's RFLAGS (fcmov reads them), loads the state
 * image (frstor), runs the stub, stores the image back (fnsave: no wait,
 * and it reinitializes the host x87), returns RFLAGS through *flags and
 * restores the host's control word.  The image is the 108-byte 32-bit
 * protected-mode layout of fsave (SDM vol. 1, figure 8-9), the same in
 * 64-bit mode.  x87_host_op, the chip's FPU atoms' door, is lighter: it
 * pushes two operands on the host's (empty) stack straight from their
 * registers (struct x87_reg is fldt's 10-byte layout) under a control word
 * whose exceptions are all masked, runs the stub (no popfq: no atom's
 * instruction reads RFLAGS), and returns the status word, RFLAGS and ST0,
 * freeing what is left on the host stack.  No state image, no fenv, no
 * fninit: a few host instructions around the one (the comment at the
 * routine says what it leaves in the host's x87 between calls and why
 * that is exact). */
#include "native-isa/x87.h"

#include <string.h>

#include "native-isa/xflags.h"

#if !defined(__x86_64__)
#error "cdvm runs the x87 through the host's own (an x86-64 host: the host is the oracle)"
#endif

uint32_t cdvm_x87_run(unsigned stub, void *image, void *mem, uint32_t *flags);

/* The exception flags x87_host_op has left set in the host's x87 (a
 * superset of them: cdvm_x87_run's fnsave clears them, and no other code
 * of cdvm runs x87 instructions).  The host's x87 is one per process, so
 * is this. */
__attribute__((visibility("hidden"))) uint16_t x87_door_flags;

__asm__(
	".text\n"
	".p2align 4\n"
	".globl cdvm_x87_run\n"
	".hidden cdvm_x87_run\n"
	".type cdvm_x87_run, @function\n"
	"cdvm_x87_run:\n"
	"	subq $8, %rsp\n"
	"	fnstcw (%rsp)\n"
	"	pushfq\n"
	"	popq %rax\n"
	"	andq $-2262, %rax\n"          /* ~0x8d5: clear CF PF AF ZF SF OF */
	"	movl (%rcx), %r8d\n"
	"	andl $0x8d5, %r8d\n"
	"	orq %r8, %rax\n"
	"	pushq %rax\n"
	"	frstor (%rsi)\n"
	"	leaq cdvm_x87_stubs(%rip), %r9\n"
	"	movl %edi, %eax\n"
	"	leaq (%r9,%rax,8), %r9\n"
	"	xorl %eax, %eax\n"
	"	leaq 1f(%rip), %r10\n"
	"	popfq\n"
	"	jmp *%r9\n"
	"1:	fnsave (%rsi)\n"
	"	pushfq\n"
	"	popq %r8\n"
	"	movl %r8d, (%rcx)\n"
	"	fldcw (%rsp)\n"
	"	addq $8, %rsp\n"
	"	ret\n"
	".size cdvm_x87_run, .-cdvm_x87_run\n"
	/* the light door, x87_host_op itself.  The host's x87 is left between
	 * calls with every register empty but not reinitialized (fninit costs
	 * about 28 ns, fnclex 13 ns on the bench machine, against 6 ns for the
	 * operation and its loads): its control word is the host's own again,
	 * its TOP wherever the last call left it (the registers are all empty,
	 * so pushes never fault) and its exception flags those the calls since
	 * the last fnclex raised, which x87_door_flags remembers (reading them
	 * with fnstsw waits for the FPU).  1. The guest control word with every
	 * exception masked is loaded only when it is not the host's (0x37f
	 * both, as a rule).  2. The flags already set (K) must be a subset of
	 * the guest's own masked flags (io->sw in): then what the operation
	 * raises (R) comes out as K | R, which ORed into the guest's sticky
	 * flags is exact, and K holds no flag the guest unmasks, so a fault is
	 * still exactly R's; otherwise fnclex first (after a rollback or a
	 * fault, once).  3. b then a pushed (ST0 = a, ST1 = b, 10 bytes each in
	 * place), the memory operand moved to rdx (the stubs' base), the stub,
	 * the status word and RFLAGS out (RFLAGS first, before any instruction of
	 * the door's own changes it; no atom's instruction reads RFLAGS:
	 * fcmov is the firmware's; fcomi and fucomi write all six status
	 * flags).  4. ST0 to *st0 and the one or two registers left freed (a
	 * stub pushes at most one and never pops both) */
	".p2align 4\n"
	".globl x87_host_op\n"
	".hidden x87_host_op\n"
	".type x87_host_op, @function\n"
	"x87_host_op:\n"
	"	subq $8, %rsp\n"
	"	fnstcw (%rsp)\n"
	"	movzwl 4(%r8), %eax\n"
	"	orl $0x3f, %eax\n"
	"	movw %ax, 4(%r8)\n"
	"	cmpw %ax, (%rsp)\n"
	"	je 1f\n"
	"	fldcw 4(%r8)\n"
	"1:	movzwl x87_door_flags(%rip), %r11d\n"
	"	movzwl 6(%r8), %eax\n"
	"	notl %eax\n"
	"	testl %eax, %r11d\n"
	"	jz 2f\n"
	"	fnclex\n"
	"2:	fldt (%rdx)\n"
	"	fldt (%rsi)\n"
	"	movq %rcx, %rdx\n"
	"	leaq cdvm_x87_stubs(%rip), %r11\n"
	"	movl %edi, %eax\n"
	"	leaq (%r11,%rax,8), %r11\n"
	"	leaq 3f(%rip), %r10\n"
	"	jmp *%r11\n"
	"3:	fnstsw %ax\n"
	"	movw %ax, 6(%r8)\n"
	"	pushfq\n"
	"	popq %r11\n"
	"	movl %r11d, (%r8)\n"
	"	andl $0x3f, %eax\n"
	"	movw %ax, x87_door_flags(%rip)\n"
	"	fstpt (%r9)\n"
	"	ffree %st(0)\n"
	"	ffree %st(1)\n"
	"	movzwl 4(%r8), %eax\n"
	"	cmpw %ax, (%rsp)\n"
	"	je 4f\n"
	"	fldcw (%rsp)\n"
	"4:	addq $8, %rsp\n"
	"	ret\n"
	".size x87_host_op, .-x87_host_op\n"
	".p2align 3\n"
	"cdvm_x87_stubs:\n"
	".set .Lcdvm_x87_i, 0\n"
	".rept 512\n"
	"	.byte 0xd8 + (.Lcdvm_x87_i >> 6), 0xc0 + (.Lcdvm_x87_i & 63)\n"
	"	jmp *%r10\n"
	"	.byte 0x90, 0x90, 0x90\n"
	"	.set .Lcdvm_x87_i, .Lcdvm_x87_i + 1\n"
	".endr\n"
	".set .Lcdvm_x87_i, 0\n"
	".rept 64\n"
	"	.byte 0xd8 + (.Lcdvm_x87_i >> 3), ((.Lcdvm_x87_i & 7) << 3) | 2\n"
	"	jmp *%r10\n"
	"	.byte 0x90, 0x90, 0x90\n"
	"	.set .Lcdvm_x87_i, .Lcdvm_x87_i + 1\n"
	".endr\n"
	".section .note.GNU-stack,\"\",@progbits\n"
	".text\n");

/* fsave image offsets */
enum { IMG_CW = 0, IMG_SW = 4, IMG_TW = 8, IMG_REGS = 28, IMG_SIZE = 108 };

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

void x87_init(struct x87_state *s)
{
	memset(s, 0, sizeof *s);
	s->cw = X87_CW_INIT;
}

/* Tag class of a register's contents (SDM vol. 1, 8.1.7 and 8.6). */
static unsigned tag_class(const struct x87_reg *v)
{
	unsigned e = v->se & 0x7fffu;
	if (e == 0x7fff)
		return 2;                                  /* infinity, NaN, unsupported */
	if (e == 0)
		return v->mant == 0 ? 1 : 2;               /* zero; denormal, pseudo-denormal */
	return (v->mant >> 63) ? 0 : 2;                    /* normal; unnormal (unsupported) */
}

bool x87_state_equal(const struct x87_state *a, const struct x87_state *b)
{
	for (unsigned i = 0; i < 8; i++)
		if (a->r[i].mant != b->r[i].mant || a->r[i].se != b->r[i].se)
			return false;
	return a->cw == b->cw && a->sw == b->sw && a->tags == b->tags && a->fop == b->fop &&
	       a->fcs == b->fcs && a->fds == b->fds && a->fip == b->fip && a->fdp == b->fdp;
}

uint16_t x87_tag_word(const struct x87_state *s)
{
	uint16_t tw = 0;
	for (unsigned i = 0; i < 8; i++)
		tw |= (uint16_t)(((s->tags >> i & 1) ? tag_class(&s->r[i]) : 3u) << (2 * i));
	return tw;
}

uint16_t x87_cc_defined(uint8_t esc, uint8_t modrm)
{
	uint16_t got[2];
	for (unsigned k = 0; k < 2; k++) {
		struct x87_state s;
		x87_init(&s);
		s.sw = (uint16_t)(6u << X87_TOP_SHIFT | (k ? X87_CC : 0));
		s.tags = 0xc0;
		s.r[6] = (struct x87_reg){0xc000000000000000ull, 0x3fff};
		s.r[7] = (struct x87_reg){0x8000000000000000ull, 0x4000};
		uint8_t mem[X87_STATE_BYTES];
		memset(mem, 0, sizeof mem);
		uint32_t fl = 0x202;
		uint16_t ax = 0;
		x87_host_exec(&s, esc, modrm, mem, &fl, &ax);
		got[k] = s.sw & X87_CC;
	}
	return (uint16_t)(~(got[0] ^ got[1]) & X87_CC);
}

void x87_host_exec(struct x87_state *s, uint8_t esc, uint8_t modrm, void *mem,
		   uint32_t *eflags, uint16_t *ax)
{
	uint8_t img[IMG_SIZE];
	memset(img, 0, sizeof img);
	put16(img + IMG_CW, s->cw);
	put16(img + IMG_SW, s->sw);
	uint16_t tw = 0;
	for (unsigned i = 0; i < 8; i++)
		tw |= (uint16_t)((s->tags >> i & 1) ? 0u : 3u) << (2 * i);
	put16(img + IMG_TW, tw);   /* frstor needs only empty or not */
	unsigned top = x87_top(s);
	for (unsigned i = 0; i < 8; i++) {
		const struct x87_reg *v = &s->r[(top + i) & 7];
		memcpy(img + IMG_REGS + 10 * i, &v->mant, 8);
		put16(img + IMG_REGS + 10 * i + 8, v->se);
	}

	uint32_t fl = *eflags;
	uint32_t r = cdvm_x87_run(x87_stub(esc, modrm), img, mem, &fl);
	x87_door_flags = 0;  /* fnsave reinitialized the host's x87 */
	*eflags = (*eflags & ~(uint32_t)XF_STATUS) | (fl & XF_STATUS);
	if (esc == 0xdf && modrm == 0xe0)
		*ax = (uint16_t)r;

	s->cw = get16(img + IMG_CW);
	s->sw = get16(img + IMG_SW);
	tw = get16(img + IMG_TW);
	top = x87_top(s);
	s->tags = 0;
	for (unsigned i = 0; i < 8; i++) {
		struct x87_reg *v = &s->r[(top + i) & 7];
		memcpy(&v->mant, img + IMG_REGS + 10 * i, 8);
		v->se = get16(img + IMG_REGS + 10 * i + 8);
	}
	for (unsigned i = 0; i < 8; i++)
		if (((tw >> (2 * i)) & 3u) != 3u)
			s->tags |= (uint8_t)(1u << i);
}
