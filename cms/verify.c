/* cms/verify.c — `cdvm run --verify`: every executed translation is
 * checked against the interpreter.
 *
 * The translation runs alone (no chaining in this mode) with the chip's
 * store hook recording what its commit releases.  Then its stores are
 * undone, the interpreter re-executes the same x86 instructions from the
 * same starting state on a shadow register file (uncharged: this is an
 * instrument, not firmware), and the two results are compared: registers
 * (EAX..EDI, EIP, DF and the status flags live at the exit), every byte
 * either one stored,
 * and the retired-instruction count.  The first difference stops the run
 * with a report naming the block, its x86 and native code and what
 * differs. */
#include "cms/cms_priv.h"
#include "cms/translate/translate.h"
#include "native-isa/xflags.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t mem_get(const uint8_t *mem, uint32_t addr, unsigned size)
{
	uint32_t v = 0;
	for (unsigned k = 0; k < size; k++)
		v |= (uint32_t)mem[addr + k] << (8 * k);
	return v;
}

static void mem_put(struct cms *m, uint32_t addr, unsigned size, uint32_t v)
{
	for (unsigned k = 0; k < size; k++)
		chip_mem(m->chip)[addr + k] = (uint8_t)(v >> (8 * k));
	chip_mem_written(m->chip, addr, size);
}

static void log_store(struct vlog *l, uint32_t addr, unsigned size, uint32_t val)
{
	if (l->n == l->cap) {
		unsigned cap = l->cap ? 2 * l->cap : 64;
		struct vstore *n = realloc(l->s, cap * sizeof *n);
		if (!n)
			return;
		l->s = n;
		l->cap = cap;
	}
	l->s[l->n++] = (struct vstore){addr, val, mem_get(chip_mem(l->m->chip), addr, size), (uint8_t)size};
}

/* a translation's own stores to hidden memory (its entry counter) are
 * the firmware's, not the guest's */
static void chip_hook(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	struct vlog *l = ctx;
	if (addr < chip_guest_limit(l->m->chip))
		log_store(l, addr, size, val);
}

/* The host byte behind guest address va for the reference interpreter, or
 * NULL: present pages only (writable ones for a store), nothing faulted
 * in, nothing counted. */
static uint8_t *guest_byte(struct cms *m, uint32_t va, int write, uint32_t *pa)
{
	if (gm_peek(m, va, pa) < 0 || (write && !(gm_pte(m, va >> GUEST_PAGE_SHIFT) & ISA_PTE_WRITE)))
		return NULL;
	return chip_mem(m->chip) + *pa;
}

/* the reference interpreter's memory: direct, logged by guest-physical
 * address (the store hook's), no cache time */
static int v_load(void *ctx, uint32_t addr, unsigned size, uint32_t *val)
{
	struct vlog *l = ctx;
	uint32_t v = 0, pa;
	for (unsigned k = 0; k < size; k++) {
		const uint8_t *p = guest_byte(l->m, addr + k, 0, &pa);
		if (!p)
			return -1;
		v |= (uint32_t)*p << (8 * k);
	}
	*val = v;
	return 0;
}

static int v_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
	struct vlog *l = ctx;
	uint32_t pa[4];
	for (unsigned k = 0; k < size; k++)
		if (!guest_byte(l->m, addr + k, 1, &pa[k]))
			return -1;
	for (unsigned k = 0; k < size; k++) {
		uint32_t byte = (val >> (8 * k)) & 0xff;
		log_store(l, pa[k], 1, byte);
		mem_put(l->m, pa[k], 1, byte);
	}
	return 0;
}

static unsigned v_fetch(void *ctx, uint32_t addr, uint8_t *buf, unsigned len)
{
	struct vlog *l = ctx;
	unsigned n = 0;
	uint32_t pa;
	for (const uint8_t *p; n < len && (p = guest_byte(l->m, addr + n, 0, &pa)); n++)
		buf[n] = *p;
	return n;
}

static uint64_t v_cycles(void *ctx)
{
	struct vlog *l = ctx;
	return chip_cycles(l->m->chip);
}

static void report(struct cms *m, const struct xlat *x, const uint32_t *before, const uint32_t *ref,
		   const uint32_t *got, const struct x87_state *rfpu, const struct x87_state *gfpu,
		   const char *what, struct cms_result *res)
{
	static const char *const names[X86_NSTATE] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
						      "eflags", "eip", "fsbase", "gsbase"};
	/* the report goes to the guest's stderr descriptor (cms_set_stdio), as
	 * one write once it is complete */
	char *rep = NULL;
	size_t rep_len = 0;
	FILE *o = open_memstream(&rep, &rep_len);
	if (!o)
		return;
	fprintf(o, "cdvm --verify: translation of x86 block 0x%08x (%u instructions) disagrees with the interpreter: %s\n",
		x->eip, x->ninsns, what);
	fprintf(o, "x86:\n");
	uint32_t at = x->eip;
	for (unsigned i = 0; i < x->ninsns; i++) {
		uint8_t buf[X86_MAX_INSN_LEN];
		struct x86_insn in;
		unsigned n = 0;
		uint32_t pa;
		while (n < sizeof buf && gm_peek(m, at + n, &pa) == 0) {
			buf[n] = chip_mem(m->chip)[pa];
			n++;
		}
		if (x86_decode(buf, n, &in) <= 0)
			break;
		char text[128];
		x86_disasm(&in, at, text, sizeof text);
		fprintf(o, "  %08x  %s\n", at, text);
		at += in.len;
	}
	fprintf(o, "native:\n");
	uint64_t *w = malloc(x->size);
	if (w) {
		for (uint32_t i = 0; i < x->size / 8; i++)
			w[i] = (uint64_t)mem_get(chip_mem(m->chip), x->native + 8 * i, 4) |
			       (uint64_t)mem_get(chip_mem(m->chip), x->native + 8 * i + 4, 4) << 32;
		isa_disasm(o, w, x->size / 8, x->native);
		free(w);
	}
	fprintf(o, "registers (before -> interpreter / translation):\n");
	for (unsigned r = 0; r < X86_NSTATE; r++)
		fprintf(o, "  %-6s %08x -> %08x / %08x%s\n", names[r], before[r], ref[r], got[r],
			ref[r] != got[r] ? "   <-- differs" : "");
	if (!x87_state_equal(rfpu, gfpu)) {
		fprintf(o, "x87 state (interpreter / translation):\n");
		static const char *const fld[] = {"cw", "sw", "tags", "fop"};
		const unsigned a[] = {rfpu->cw, rfpu->sw, rfpu->tags, rfpu->fop};
		const unsigned b[] = {gfpu->cw, gfpu->sw, gfpu->tags, gfpu->fop};
		for (unsigned k = 0; k < 4; k++)
			fprintf(o, "  %-6s %04x / %04x%s\n", fld[k], a[k], b[k], a[k] != b[k] ? "   <-- differs" : "");
		fprintf(o, "  %-6s %08x / %08x%s\n", "fip", rfpu->fip, gfpu->fip,
			rfpu->fip != gfpu->fip ? "   <-- differs" : "");
		fprintf(o, "  %-6s %08x / %08x%s\n", "fdp", rfpu->fdp, gfpu->fdp,
			rfpu->fdp != gfpu->fdp ? "   <-- differs" : "");
		for (unsigned k = 0; k < 8; k++) {
			const struct x87_reg *p = &rfpu->r[k], *q = &gfpu->r[k];
			int d = p->mant != q->mant || p->se != q->se;
			fprintf(o, "  R%u     %04x:%016llx / %04x:%016llx%s\n", k, p->se, (unsigned long long)p->mant,
				q->se, (unsigned long long)q->mant, d ? "   <-- differs" : "");
		}
	}
	fclose(o);
	for (size_t done = 0; rep && done < rep_len;) {
		ssize_t n = write(m->fd_err, rep + done, rep_len - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(rep);
	res->end = CMS_END_INTERNAL;
	res->status = 70;
	snprintf(res->text, sizeof res->text, "--verify: translation of block 0x%08x is wrong (%s)", x->eip, what);
}

void verify_begin(struct cms *m, struct vlog *l)
{
	memset(l, 0, sizeof *l);
	l->m = m;
	memcpy(l->before, m->xr, sizeof l->before);
	l->fpu_before = *chip_fpu(m->chip);
	l->retired = chip_reg(m->chip, R_RETIRED);
	chip_set_store_hook(m->chip, chip_hook, l);
}

void verify_end(struct cms *m, struct vlog *l)
{
	(void)l;
	chip_set_store_hook(m->chip, NULL, NULL);
}

void verify_release(struct vlog *l)
{
	free(l->s);
	l->s = NULL;
	l->n = l->cap = 0;
}

int verify_check(struct cms *m, int id, uint32_t code, struct vlog *tl, struct cms_result *res)
{
	const struct xlat *x = tc_get(m, id);
	unsigned e = code % TR_MAX_EXITS;
	/* a block retires all its instructions, a region as many as the exit
	 * it took says */
	uint32_t retired = chip_reg(m->chip, R_RETIRED) - tl->retired;
	uint32_t got[X86_NSTATE], ref[X86_NSTATE];
	const uint32_t *before = tl->before;
	struct vlog il = {.m = m};
	int rc = 0;
	m->st.verify_blocks++;
	memcpy(got, m->xr, sizeof got);
	/* undo the translation's stores, newest first */
	for (unsigned i = tl->n; i-- > 0;)
		mem_put(m, tl->s[i].addr, tl->s[i].size, tl->s[i].old);
	/* the reference */
	memcpy(ref, before, sizeof ref);
	struct x87_state rfpu = tl->fpu_before, gfpu = *chip_fpu(m->chip);
	struct x86_env env = {.r = ref, .ctx = &il, .load = v_load, .store = v_store, .fetch = v_fetch,
			      .cycles = v_cycles, .fpu = &rfpu};
	const char *what = NULL;
	if (e >= x->nexits || retired > x->ninsns || (!x->region && retired != x->ninsns) || retired == 0)
		what = "retired-instruction count differs";
	for (unsigned i = 0; i < retired && !what; i++) {
		struct x86_step_info info;
		if (x86_step(&env, &info) != X86_OK)
			what = "the interpreter stops with a fault inside the block";
	}
	/* flags the translation proved dead at its exits may differ */
	const uint32_t fmask = (e < x->nexits ? x->exits[e].flags_live : XF_STATUS) | XF_DF;
	for (unsigned r = 0; r <= X86_EIP && !what; r++) {
		uint32_t a = ref[r], b = got[r];
		if (r == X86_EFLAGS) {
			a &= fmask;
			b &= fmask;
		}
		if (a != b)
			what = r == X86_EFLAGS ? "flags differ" : "registers differ";
	}
	/* native code records only where the last x87 instruction was (its
	 * opcode is the one there) */
	if (gfpu.fop == X87_FOP_AT_FIP && gfpu.fip == rfpu.fip)
		gfpu.fop = rfpu.fop;
	if (!what && !x87_state_equal(&rfpu, &gfpu)) {
		what = "x87 state differs";
	}
	/* memory: now holds the interpreter's result; the translation's must match */
	for (unsigned i = 0; i < tl->n && !what; i++) {
		uint32_t addr = tl->s[i].addr;
		for (unsigned k = 0; k < tl->s[i].size; k++) {
			uint32_t a = addr + k;
			uint8_t want = (uint8_t)(tl->s[i].val >> (8 * k));
			/* the last translation store to this byte wins */
			int later = 0;
			for (unsigned j = i + 1; j < tl->n; j++)
				if (a >= tl->s[j].addr && a < tl->s[j].addr + tl->s[j].size)
					later = 1;
			if (!later && chip_mem(m->chip)[a] != want)
				what = "stored memory differs";
		}
	}
	for (unsigned i = 0; i < il.n && !what; i++) {
		for (unsigned k = 0; k < il.s[i].size; k++) {
			uint32_t a = il.s[i].addr + k;
			int covered = 0;
			for (unsigned j = 0; j < tl->n; j++)
				if (a >= tl->s[j].addr && a < tl->s[j].addr + tl->s[j].size)
					covered = 1;
			if (!covered)
				what = "the interpreter stores where the translation does not";
		}
	}
	if (what) {
		report(m, x, before, ref, got, &rfpu, &gfpu, what, res);
		rc = 1;
	}
	free(il.s);
	return rc;
}
