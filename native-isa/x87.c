/* native-isa/x87.c — the x87 state and the fenced door to the host's x87
 * (what and why: x87.h).
 *
 * The door is one assembly routine, cdvm_x87_run, and a table of stubs:
 * for every register form (esc 0xd8..0xdf, ModRM 0xc0..0xff: 512 stubs)
 * and every memory form (esc, ModRM.reg: 64 stubs, the operand addressed
 * as [rdx]) the two instruction bytes followed by a jump back, eight bytes
 * apart.  cdvm_x87_run saves the host's control word, merges the guest's
 * status flags into the host's RFLAGS (fcmov reads them), loads the state
 * image (frstor), runs the stub, stores the image back (fnsave: no wait,
 * and it reinitializes the host x87), returns RFLAGS through *flags and
 * restores the host's control word.  The image is the 108-byte 32-bit
 * protected-mode layout of fsave (SDM vol. 1, figure 8-9), the same in
 * 64-bit mode. */
#include "native-isa/x87.h"

#include <string.h>

#include "native-isa/xflags.h"

#if !defined(__x86_64__)
#error "cdvm runs the x87 through the host's own (an x86-64 host: the host is the oracle)"
#endif

uint32_t cdvm_x87_run(unsigned stub, void *image, void *mem, uint32_t *flags);

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
	"	popfq\n"
	"	jmp *%r9\n"
	"cdvm_x87_back:\n"
	"	fnsave (%rsi)\n"
	"	pushfq\n"
	"	popq %r8\n"
	"	movl %r8d, (%rcx)\n"
	"	fldcw (%rsp)\n"
	"	addq $8, %rsp\n"
	"	ret\n"
	".size cdvm_x87_run, .-cdvm_x87_run\n"
	".p2align 3\n"
	"cdvm_x87_stubs:\n"
	".set .Lcdvm_x87_i, 0\n"
	".rept 512\n"
	"	.byte 0xd8 + (.Lcdvm_x87_i >> 6), 0xc0 + (.Lcdvm_x87_i & 63)\n"
	"	.byte 0xe9\n"
	"	.long cdvm_x87_back - (. + 4)\n"
	"	.byte 0x90\n"
	"	.set .Lcdvm_x87_i, .Lcdvm_x87_i + 1\n"
	".endr\n"
	".set .Lcdvm_x87_i, 0\n"
	".rept 64\n"
	"	.byte 0xd8 + (.Lcdvm_x87_i >> 3), ((.Lcdvm_x87_i & 7) << 3) | 2\n"
	"	.byte 0xe9\n"
	"	.long cdvm_x87_back - (. + 4)\n"
	"	.byte 0x90\n"
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

	unsigned stub = modrm >= 0xc0 ? (unsigned)(esc - 0xd8) * 64 + (modrm & 63u)
				      : 512 + (unsigned)(esc - 0xd8) * 8 + ((modrm >> 3) & 7u);
	uint32_t fl = *eflags;
	uint32_t r = cdvm_x87_run(stub, img, mem, &fl);
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
