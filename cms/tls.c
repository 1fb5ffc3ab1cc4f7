/* cms/tls.c — thread-local storage: the system calls set_thread_area (243)
 * and get_thread_area (244) on the three TLS slots of the GDT, as Linux
 * x86-64 answers a 32-bit process (arch/x86/kernel/tls.c; results checked
 * against the host).  The slots and the selectors are firmware state
 * (m->segs, struct x86_segs), which the interpreter's segment family
 * (cms/insn/segment.c) reads through the env; this file owns the slots.
 *
 * struct user_desc (asm/ldt.h) is 16 bytes in guest memory:
 *   entry_number, base_addr, limit, flags (seg_32bit:1 contents:2
 *   read_exec_only:1 limit_in_pages:1 seg_not_present:1 useable:1 lm:1).
 * A bad pointer is -EFAULT, a descriptor Linux refuses or an entry outside
 * 12..14 -EINVAL, no free slot for entry_number -1 -ESRCH. */
#include "cms/cms_priv.h"

#include <errno.h>
#include <string.h>

enum { USER_DESC_SIZE = 16 };

void tls_init(struct cms *m)
{
	x86_segs_init(&m->segs);
	m->env.segs = &m->segs;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The two "no segment" forms Linux accepts: LDT_empty (lm clear too) and
 * LDT_zero (lm ignored). */
static int desc_empty(uint32_t base, uint32_t limit, uint32_t flags)
{
	return base == 0 && limit == 0 && (flags == X86_TLS_EMPTY || (flags & ~X86_UD_LM) == 0);
}

/* Linux's tls_desc_okay: no segment, or a present 32-bit data segment. */

static int desc_okay(uint32_t base, uint32_t limit, uint32_t flags)
{
	if (desc_empty(base, limit, flags))
		return 1;
	return (flags & X86_UD_32BIT) && ((flags & X86_UD_CONTENTS) >> 1) <= 1 && !(flags & X86_UD_NOT_PRESENT);
}

/* A TLS selector loaded in FS or GS follows its slot (Linux reloads a
 * segment register holding (idx << 3) | 3; a slot now empty gives null). */
static void reload_segments(struct cms *m, unsigned idx)
{
	static const unsigned regs[2][2] = {{X86_SEG_FS, X86_FSBASE}, {X86_SEG_GS, X86_GSBASE}};
	for (unsigned i = 0; i < 2; i++) {
		uint32_t base;
		if (m->segs.sel[regs[i][0]] != ((idx << 3) | 3))
			continue;
		if (x86_seg_check(&m->segs, regs[i][0], m->segs.sel[regs[i][0]], &base))
			m->segs.sel[regs[i][0]] = 0;
		m->xr[regs[i][1]] = base;
	}
}

int32_t sys_set_thread_area(struct cms *m, uint32_t uinfo)
{
	uint8_t d[USER_DESC_SIZE];
	int st = sys_get_guest(m, uinfo, d, sizeof d);
	if (st)
		return st;
	uint32_t idx = get32(d), base = get32(d + 4), limit = get32(d + 8);
	uint32_t flags = get32(d + 12) & 0xffu;   /* the bit-fields; the rest is padding */
	if (!desc_okay(base, limit, flags))
		return -EINVAL;
	if (idx == 0xffffffffu) {
		for (unsigned i = 0; i < X86_TLS_SLOTS && idx == 0xffffffffu; i++)
			if (m->segs.tls[i].flags == X86_TLS_EMPTY)
				idx = X86_TLS_FIRST + i;
		if (idx == 0xffffffffu)
			return -ESRCH;
		uint8_t e[4];
		put32(e, idx);
		if ((st = sys_put_guest(m, uinfo, e, sizeof e)))
			return st;
	}
	if (idx < X86_TLS_FIRST || idx >= X86_TLS_FIRST + X86_TLS_SLOTS)
		return -EINVAL;
	struct x86_tls_slot *t = &m->segs.tls[idx - X86_TLS_FIRST];
	if (desc_empty(base, limit, flags))
		*t = (struct x86_tls_slot){0, 0, X86_TLS_EMPTY};
	else   /* the descriptor keeps 20 limit bits and never the lm bit */
		*t = (struct x86_tls_slot){base, limit & 0xfffffu, flags & ~(uint32_t)X86_UD_LM};
	reload_segments(m, idx);
	return 0;
}

int32_t sys_get_thread_area(struct cms *m, uint32_t uinfo)
{
	uint8_t d[USER_DESC_SIZE];
	int st = sys_get_guest(m, uinfo, d, 4);
	if (st)
		return st;
	uint32_t idx = get32(d);
	if (idx < X86_TLS_FIRST || idx >= X86_TLS_FIRST + X86_TLS_SLOTS)
		return -EINVAL;
	const struct x86_tls_slot *t = &m->segs.tls[idx - X86_TLS_FIRST];
	put32(d + 4, t->base);
	put32(d + 8, t->limit);
	put32(d + 12, t->flags);
	return sys_put_guest(m, uinfo, d, sizeof d);
}
