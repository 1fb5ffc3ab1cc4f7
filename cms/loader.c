/* cms/loader.c — loads an ELF32 i386 executable into the guest's address
 * space as Linux's binfmt_elf does: its segments at their link addresses
 * (a position-independent one at 0x400000), and for a dynamically linked
 * one its loader (PT_INTERP, read from the --fs-root file system) in the
 * mmap area, started first with AT_BASE, AT_ENTRY and AT_PHDR telling it
 * where everything is (cms/aspace.c keeps the layout); it
 * builds the initial stack below AS_STACK_TOP (System V i386 ABI,
 * "Process Initialization"):
 *
 *   high  [strings: argv, envp, "i686", AT_RANDOM bytes, execfn]
 *         [auxv pairs ... AT_NULL] [NULL] [envp...] [NULL] [argv...] [argc]  <- ESP
 *
 * Every field of the file is validated before anything is copied; any
 * problem is a one-line error (the CLI exits with status 2). */
#include "cms/cms_priv.h"
#include "configs/file.h"

#include <elf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int lerr(char *err, size_t n, const char *name, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, n, "%s: %s", name, msg);
	return -1;
}

static uint32_t page_down(uint32_t a) { return a & ~(GUEST_PAGE - 1); }
static uint64_t page_up(uint64_t a) { return (a + GUEST_PAGE - 1) & ~(uint64_t)(GUEST_PAGE - 1); }

static int push_bytes(struct cms *m, uint32_t *sp, const void *data, uint32_t n)
{
	if (*sp - aspace_stack_lo(m) < n)
		return -1;
	*sp -= n;
	return gm_copy_out(m, *sp, data, n, 0) == n ? 0 : -1;
}

static int push_u32(struct cms *m, uint32_t *sp, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return push_bytes(m, sp, b, 4);
}

/* AT_HWCAP: the feature bits CPUID leaf 1 reports in EDX, from the
 * firmware's own CPUID so the two can never disagree. */
static uint32_t hwcap(void)
{
	uint32_t r[4];
	x86_cpuid(1, 0, r);
	return r[3];
}

static int build_stack(struct cms *m, const char *name, int argc, char *const *argv, char *const *envp,
		       uint32_t entry, uint32_t phdr, uint32_t phnum, uint32_t interp_base, char *err, size_t errlen)
{
	uint32_t top = AS_STACK_TOP;
	uint32_t sp = top;
	int nenv = 0;
	while (envp && envp[nenv])
		nenv++;
	uint32_t *argp = calloc((size_t)argc + 1, sizeof *argp);
	uint32_t *envq = calloc((size_t)nenv + 1, sizeof *envq);
	int rc = -1;
	if (!argp || !envq) {
		lerr(err, errlen, name, "out of memory");
		goto out;
	}
	/* the execfn string first, at the very top, as Linux does */
	uint32_t execfn = 0;
	if (push_bytes(m, &sp, "", 1) || push_bytes(m, &sp, argv[0], (uint32_t)strlen(argv[0]) + 1))
		goto full;
	execfn = sp;
	for (int i = nenv - 1; i >= 0; i--) {
		if (push_bytes(m, &sp, envp[i], (uint32_t)strlen(envp[i]) + 1))
			goto full;
		envq[i] = sp;
	}
	for (int i = argc - 1; i >= 0; i--) {
		if (push_bytes(m, &sp, argv[i], (uint32_t)strlen(argv[i]) + 1))
			goto full;
		argp[i] = sp;
	}
	if (push_bytes(m, &sp, "i686", 5))
		goto full;
	uint32_t platform = sp;
	/* AT_RANDOM: 16 bytes; deterministic so runs are repeatable */
	uint8_t rnd[16];
	for (int i = 0; i < 16; i++)
		rnd[i] = (uint8_t)(0x5a ^ (i * 37));
	if (push_bytes(m, &sp, rnd, 16))
		goto full;
	uint32_t random = sp;
	sp &= ~15u;
	const uint32_t aux[][2] = {
		{AT_PHDR, phdr}, {AT_PHENT, sizeof(Elf32_Phdr)}, {AT_PHNUM, phnum}, {AT_PAGESZ, GUEST_PAGE},
		{AT_BASE, interp_base}, {AT_FLAGS, 0}, {AT_ENTRY, entry}, {AT_UID, 0}, {AT_EUID, 0}, {AT_GID, 0},
		{AT_EGID, 0}, {AT_HWCAP, hwcap()}, {AT_CLKTCK, 100}, {AT_PLATFORM, platform},
		{AT_SECURE, 0}, {AT_RANDOM, random}, {AT_EXECFN, execfn}, {AT_NULL, 0},
	};
	uint32_t nwords = (uint32_t)(1 + argc + 1 + nenv + 1 + 2 * (sizeof aux / sizeof aux[0]));
	/* keep the final ESP 16-byte aligned, as the i386 ABI asks */
	sp -= (sp - 4 * nwords) & 15u;
	for (int i = (int)(sizeof aux / sizeof aux[0]) - 1; i >= 0; i--)
		if (push_u32(m, &sp, aux[i][1]) || push_u32(m, &sp, aux[i][0]))
			goto full;
	if (push_u32(m, &sp, 0))
		goto full;
	for (int i = nenv - 1; i >= 0; i--)
		if (push_u32(m, &sp, envq[i]))
			goto full;
	if (push_u32(m, &sp, 0))
		goto full;
	for (int i = argc - 1; i >= 0; i--)
		if (push_u32(m, &sp, argp[i]))
			goto full;
	if (push_u32(m, &sp, (uint32_t)argc))
		goto full;
	/* Linux's execve refuses arguments and environment that take more than
	 * a quarter of the stack limit (E2BIG, fs/exec.c): the program must
	 * keep room for its own frames */
	if ((uint64_t)(top - sp) * 4 > (uint64_t)m->cfg.stack_kb * 1024) {
		lerr(err, errlen, name,
		     "arguments and environment take %u bytes, more than a quarter of the %lld KiB guest stack "
		     "(key 'memory.guest_stack_kb'; Linux refuses them with E2BIG)",
		     top - sp, (long long)m->cfg.stack_kb);
		goto out;
	}
	m->xr[X86_ESP] = sp;
	rc = 0;
	goto out;
full:
	if (aspace_out_of_memory(m))
		lerr(err, errlen, name, "the initial stack cannot be mapped: %s", aspace_out_of_memory(m));
	else
		lerr(err, errlen, name, "arguments and environment do not fit in the %lld KiB guest stack",
		     (long long)m->cfg.stack_kb);
out:
	free(argp);
	free(envq);
	return rc;
}

/* One ELF object (the program or its interpreter), checked. */
struct elf_obj {
	const uint8_t *img;
	size_t len;
	Elf32_Ehdr eh;
	Elf32_Phdr ph[64];
	uint32_t lo, hi;        /* the span of its PT_LOAD segments, page aligned, at link addresses */
	uint32_t phdr;          /* link address of its program headers (0: not loaded) */
	int exec_stack;         /* PT_GNU_STACK: 1 executable, 0 not, -1 no such header */
	char interp[256];       /* PT_INTERP's path, or "" */
};

/* Validate everything of an object before anything is copied. */
static int elf_check(const uint8_t *img, size_t len, const char *name, struct elf_obj *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->img = img;
	o->len = len;
	o->exec_stack = -1;
	Elf32_Ehdr *eh = &o->eh;
	if (len < sizeof *eh || memcmp(img, ELFMAG, SELFMAG))
		return lerr(err, errlen, name, "not an ELF file");
	memcpy(eh, img, sizeof *eh);
	if (img[EI_CLASS] != ELFCLASS32)
		return lerr(err, errlen, name, "not a 32-bit ELF file (class %u)", img[EI_CLASS]);
	if (img[EI_DATA] != ELFDATA2LSB)
		return lerr(err, errlen, name, "not a little-endian ELF file");
	if (img[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return lerr(err, errlen, name, "unknown ELF version");
	if (eh->e_machine != EM_386)
		return lerr(err, errlen, name, "not an i386 executable (e_machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return lerr(err, errlen, name, "not an executable (e_type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf32_Phdr))
		return lerr(err, errlen, name, "bad program header size %u", eh->e_phentsize);
	if (eh->e_phnum == 0 || eh->e_phnum > 64)
		return lerr(err, errlen, name, "bad program header count %u", eh->e_phnum);
	if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > len - eh->e_phoff)
		return lerr(err, errlen, name, "program headers lie outside the file");
	if (eh->e_phoff % 4)
		return lerr(err, errlen, name, "misaligned program headers");
	memcpy(o->ph, img + eh->e_phoff, eh->e_phnum * sizeof(Elf32_Phdr));
	int entry_ok = 0, nload = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf32_Phdr *p = &o->ph[i];
		if (p->p_type == PT_INTERP) {
			if (p->p_offset > len || p->p_filesz > len - p->p_offset || p->p_filesz < 2 ||
			    p->p_filesz >= sizeof o->interp || img[p->p_offset + p->p_filesz - 1])
				return lerr(err, errlen, name, "bad PT_INTERP (the loader's path)");
			memcpy(o->interp, img + p->p_offset, p->p_filesz);
		}
		if (p->p_type == PT_PHDR)
			o->phdr = p->p_vaddr;
		if (p->p_type == PT_GNU_STACK)
			o->exec_stack = (p->p_flags & PF_X) != 0;
		if (p->p_type != PT_LOAD)
			continue;
		nload++;
		uint64_t end = (uint64_t)p->p_vaddr + p->p_memsz;
		if (p->p_filesz > p->p_memsz)
			return lerr(err, errlen, name, "segment %u: file size 0x%x exceeds memory size 0x%x", i,
				    p->p_filesz, p->p_memsz);
		if (p->p_offset > len || p->p_filesz > len - p->p_offset)
			return lerr(err, errlen, name, "segment %u: file data lies outside the file (truncated?)", i);
		if (end > AS_STACK_TOP)
			return lerr(err, errlen, name, "segment %u (0x%08x..0x%08llx) lies beyond user space (0x%08x)", i,
				    p->p_vaddr, (unsigned long long)end, AS_STACK_TOP);
		if (p->p_memsz && (p->p_vaddr % GUEST_PAGE) != (p->p_offset % GUEST_PAGE) && p->p_filesz)
			return lerr(err, errlen, name, "segment %u: address and file offset disagree modulo the page size", i);
		if ((p->p_flags & PF_X) && eh->e_entry >= p->p_vaddr && eh->e_entry < end)
			entry_ok = 1;
		if (!p->p_memsz)
			continue;
		if (p->p_vaddr < lo)
			lo = p->p_vaddr;
		if (end > hi)
			hi = end;
		if (!o->phdr && eh->e_phoff >= p->p_offset && eh->e_phoff < (uint64_t)p->p_offset + p->p_filesz)
			o->phdr = p->p_vaddr + (eh->e_phoff - p->p_offset);
	}
	if (!nload || hi == 0)
		return lerr(err, errlen, name, "no loadable segment");
	if (!entry_ok)
		return lerr(err, errlen, name, "entry point 0x%08x is not inside an executable segment", eh->e_entry);
	o->lo = page_down((uint32_t)lo);
	o->hi = (uint32_t)page_up(hi);
	return 0;
}

/* Map and copy the object's segments at their link addresses + bias. */
static int elf_map(struct cms *m, const struct elf_obj *o, uint32_t bias, const char *name, char *err, size_t errlen)
{
	if ((uint64_t)o->lo + bias < AS_MIN_ADDR)
		return lerr(err, errlen, name, "segments at 0x%08x: below 0x%x, the lowest address Linux maps (vm.mmap_min_addr)",
			    o->lo + bias, AS_MIN_ADDR);
	if ((uint64_t)o->hi + bias > aspace_stack_lo(m))
		return lerr(err, errlen, name,
			    "segments (0x%08x..0x%08x) overlap the stack (0x%08x..0x%08x, key 'memory.guest_stack_kb')",
			    o->lo + bias, o->hi + bias, aspace_stack_lo(m), AS_STACK_TOP);
	for (unsigned i = 0; i < o->eh.e_phnum; i++) {
		const Elf32_Phdr *p = &o->ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		unsigned prot = (p->p_flags & PF_R ? GM_R : 0) | (p->p_flags & PF_W ? GM_W : 0) | (p->p_flags & PF_X ? GM_X : 0);
		uint32_t va = p->p_vaddr + bias;
		int r = aspace_map_segment(m, page_down(va), (uint32_t)page_up((uint64_t)va + p->p_memsz), prot);
		if (r == -2)
			return lerr(err, errlen, name,
				    "hidden memory has no room for the page tables of segment %u (key 'memory.hidden_mb', %lld MiB)",
				    i, (long long)m->cfg.hidden_mb);
		if (r < 0)
			return lerr(err, errlen, name,
				    "segment %u (%u KiB) does not fit in guest RAM (key 'memory.guest_mb', %lld MiB)", i,
				    (p->p_memsz + 1023) / 1024, (long long)m->cfg.guest_mb);
		if (gm_copy_out(m, va, o->img + p->p_offset, p->p_filesz, 0) != p->p_filesz)
			return lerr(err, errlen, name, "segment %u: cannot be written to guest RAM", i);
	}
	return 0;
}

/* The program interpreter (PT_INTERP) from the guest's file system: checked,
 * mapped where Linux maps it (the top-down mmap area); its load bias. */
static int load_interp(struct cms *m, const struct elf_obj *prog, const char *name, uint32_t *bias, uint32_t *entry,
		       char *err, size_t errlen)
{
	size_t len;
	char what[300];
	snprintf(what, sizeof what, "%s: its loader %s", name, prog->interp);
	uint8_t *img = files_read_whole(m, prog->interp, FILE_ELF_MAX, &len, err, errlen);
	if (!img) {
		char why[256];
		snprintf(why, sizeof why, "%s", err);
		return lerr(err, errlen, what, "%s", why);
	}
	struct elf_obj o;
	int r = elf_check(img, len, what, &o, err, errlen);
	if (r == 0 && o.interp[0])
		r = lerr(err, errlen, what, "has a loader of its own (%s)", o.interp);
	uint32_t base = 0;
	if (r == 0 && o.eh.e_type == ET_DYN && !(base = aspace_place(m, o.hi - o.lo)))
		r = lerr(err, errlen, what, "no room in the address space");
	*bias = o.eh.e_type == ET_DYN ? base - o.lo : 0;
	if (r == 0)
		r = elf_map(m, &o, *bias, what, err, errlen);
	*entry = o.eh.e_entry + *bias;
	free(img);
	return r;
}

enum { ELF_ET_DYN_BASE = 0x400000 };   /* where Linux puts an i386 position-independent program */

int cms_load_elf_image(struct cms *m, const uint8_t *img, size_t len, const char *name, int argc,
		       char *const *argv, char *const *envp, char *err, size_t errlen)
{
	struct elf_obj prog;
	if (elf_check(img, len, name, &prog, err, errlen) < 0)
		return -1;
	if (prog.interp[0] && !files_have_root(m))
		return lerr(err, errlen, name,
			    "dynamically linked (its loader is %s): give its file system with --fs-root DIR", prog.interp);
	uint32_t bias = prog.eh.e_type == ET_DYN ? ELF_ET_DYN_BASE - prog.lo : 0;
	/* an i386 program without PT_GNU_STACK runs with READ_IMPLIES_EXEC,
	 * its stack executable (arch/x86: elf_read_implies_exec) */
	aspace_set_layout(m, prog.hi + bias, prog.exec_stack != 0, prog.exec_stack < 0);
	if (elf_map(m, &prog, bias, name, err, errlen) < 0)
		return -1;
	uint32_t entry = prog.eh.e_entry + bias, start = entry, interp_base = 0;
	if (prog.interp[0] && load_interp(m, &prog, name, &interp_base, &start, err, errlen) < 0)
		return -1;
	memset(m->xr, 0, X86_NSTATE * sizeof *m->xr);
	m->xr[X86_EFLAGS] = 0x202;  /* IF and the always-one bit 1, as Linux starts a process */
	m->xr[X86_EIP] = start;
	chip_commit(m->chip);
	snprintf(m->prog_name, sizeof m->prog_name, "%s", name);
	if (build_stack(m, name, argc, argv, envp, entry, prog.phdr ? prog.phdr + bias : 0, prog.eh.e_phnum,
			interp_base, err, errlen) < 0)
		return -1;
	chip_commit(m->chip);  /* the initial x86 state is committed state */
	return 0;
}

int cms_load_elf(struct cms *m, const char *path, int argc, char *const *argv, char *const *envp,
		 char *err, size_t errlen)
{
	size_t len;
	uint8_t *img = (uint8_t *)file_read(path, FILE_ELF_MAX, &len, err, errlen);
	if (!img)
		return -1;
	int rc = cms_load_elf_image(m, img, len, path, argc, argv, envp, err, errlen);
	if (rc == 0)
		files_set_exe(m, path);
	free(img);
	return rc;
}
