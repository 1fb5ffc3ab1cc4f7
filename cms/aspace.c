/* cms/aspace.c — the guest process's address space, as Linux i386 lays it
 * out and changes it.
 *
 * The address space is a sorted list of mappings (Linux's VMAs: a range,
 * its access rights and what it is for); the page table (guestmem.c) only
 * holds the pages that have been touched.  A page a mapping covers gets a
 * zeroed frame of guest RAM on its first access (demand paging: the chip's
 * or the interpreter's access faults, the firmware gives the page a frame
 * and the access runs again), so a large mmap or a stack that may grow to
 * memory.guest_stack_kb costs frames only for the pages used.  The
 * program's segments get their frames when loaded.
 *
 * The layout, without address randomization (Linux's, for a 32-bit
 * kernel with 3 GiB of user space; fs/binfmt_elf.c, mm/util.c):
 *   [program segments at their link addresses][heap from the page after
 *   the last segment, grown by brk] ... [mmap areas, top-down below
 *   AS_STACK_TOP - max(stack limit + 1 MiB guard gap, 128 MiB)] ...
 *   [stack: AS_STACK_TOP - stack limit .. AS_STACK_TOP].
 * Nothing of hidden memory is in any mapping: frames come from guest RAM
 * only (DESIGN.md contract 5).
 *
 * A private file mapping (a shared library, say) gets the file's bytes
 * when it is made; pages past the end of the file read as zeros (Linux
 * raises SIGBUS there).  A shared writable file mapping is EACCES.
 *
 * This file owns struct aspace; the memory system calls (brk, mmap2,
 * munmap, mprotect, mremap) are its doors, with Linux's argument checks
 * and errors (mm/mmap.c, mm/mprotect.c, mm/mremap.c). */
#include "cms/cms_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum vma_kind { VMA_SEGMENT, VMA_HEAP, VMA_STACK, VMA_ANON };

struct vma {
	uint32_t lo, hi;       /* [lo, hi), page aligned; hi 0 never (the top page is kernel space) */
	uint8_t prot;          /* GM_R | GM_W | GM_X */
	uint8_t kind;
};

struct aspace {
	struct vma *v;         /* sorted by address, never overlapping */
	unsigned n, cap;
	uint32_t brk_start, brk_cur;
	uint32_t stack_lo, mmap_base;
	int read_implies_exec;
	int oom;               /* a page could not get a frame (-1) or a page table (-2): the guest cannot go on */
};

enum {
	PAGE = GUEST_PAGE,
	SIZE_128M = 128u << 20,
	STACK_GUARD_GAP = 256 * GUEST_PAGE,  /* Linux's stack_guard_gap */
	UNMAPPED_BASE = AS_STACK_TOP / 3,     /* TASK_UNMAPPED_BASE: bottom-up search start */
	/* mmap flags (i386 values, <asm-generic/mman-common.h>) */
	MAP_SHARED_ = 0x01, MAP_PRIVATE_ = 0x02, MAP_TYPE_ = 0x0f, MAP_FIXED_ = 0x10, MAP_ANONYMOUS_ = 0x20,
	MAP_FIXED_NOREPLACE_ = 0x100000,
	MREMAP_MAYMOVE_ = 1, MREMAP_FIXED_ = 2,
	PROT_GROWSDOWN_ = 0x01000000, PROT_GROWSUP_ = 0x02000000,
};

static uint64_t page_up(uint64_t a) { return (a + PAGE - 1) & ~(uint64_t)(PAGE - 1); }

int aspace_init(struct cms *m, char *err, size_t errlen)
{
	struct aspace *as = m->as = calloc(1, sizeof *m->as);
	if (!as) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uint64_t limit = (uint64_t)m->cfg.stack_kb * 1024, gap = limit + STACK_GUARD_GAP;
	if (gap < SIZE_128M)
		gap = SIZE_128M;
	if (gap > AS_STACK_TOP / 6 * 5)
		gap = AS_STACK_TOP / 6 * 5;
	as->stack_lo = limit < AS_STACK_TOP - AS_MIN_ADDR ? (uint32_t)(AS_STACK_TOP - limit) : AS_MIN_ADDR;
	as->mmap_base = (uint32_t)(AS_STACK_TOP - gap);
	return 0;
}

void aspace_free(struct cms *m)
{
	if (m->as)
		free(m->as->v);
	free(m->as);
	m->as = NULL;
}

/* ---- the mapping list ----------------------------------------------------------- */

/* Index of the first mapping that ends above a. */
static unsigned find(const struct aspace *as, uint32_t a)
{
	unsigned lo = 0, hi = as->n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (as->v[mid].hi <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct vma *covering(const struct aspace *as, uint32_t a)
{
	unsigned i = find(as, a);
	return i < as->n && as->v[i].lo <= a ? &as->v[i] : NULL;
}

/* Is [lo, hi) free of mappings? */
static int range_free(const struct aspace *as, uint32_t lo, uint64_t hi)
{
	unsigned i = find(as, lo);
	return i == as->n || as->v[i].lo >= hi;
}

static int insert_at(struct aspace *as, unsigned i, struct vma v)
{
	if (as->n == as->cap) {
		unsigned cap = as->cap ? 2 * as->cap : 16;
		struct vma *nv = realloc(as->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		as->v = nv;
		as->cap = cap;
	}
	memmove(&as->v[i + 1], &as->v[i], (as->n - i) * sizeof *as->v);
	as->v[i] = v;
	as->n++;
	return 0;
}

static void remove_at(struct aspace *as, unsigned i)
{
	memmove(&as->v[i], &as->v[i + 1], (as->n - i - 1) * sizeof *as->v);
	as->n--;
}

/* Split mappings so that a is a boundary (nothing when a is inside none). */
static int split_at(struct aspace *as, uint32_t a)
{
	unsigned i = find(as, a);
	if (i == as->n || as->v[i].lo >= a)
		return 0;
	struct vma right = as->v[i];
	right.lo = a;
	as->v[i].hi = a;
	return insert_at(as, i + 1, right);
}

/* Neighbours with the same rights and purpose become one, as Linux merges them. */
static void merge(struct aspace *as)
{
	for (unsigned i = 0; i + 1 < as->n;) {
		struct vma *a = &as->v[i], *b = &as->v[i + 1];
		if (a->hi == b->lo && a->prot == b->prot && a->kind == b->kind) {
			a->hi = b->hi;
			remove_at(as, i + 1);
		} else {
			i++;
		}
	}
}

/* Remove [lo, hi) from the list and free its frames. */
static int unmap_range(struct cms *m, uint32_t lo, uint32_t hi)
{
	struct aspace *as = m->as;
	if (split_at(as, lo) < 0 || split_at(as, hi) < 0)
		return -1;
	unsigned i = find(as, lo);
	while (i < as->n && as->v[i].lo < hi)
		remove_at(as, i);
	gm_unmap(m, lo, hi);
	return 0;
}

static int add_mapping(struct cms *m, uint32_t lo, uint32_t hi, unsigned prot, enum vma_kind kind)
{
	struct aspace *as = m->as;
	if (as->read_implies_exec && (prot & GM_R))
		prot |= GM_X;
	if (insert_at(as, find(as, lo), (struct vma){lo, hi, (uint8_t)prot, (uint8_t)kind}) < 0)
		return -1;
	merge(as);
	return 0;
}

/* ---- the loader's layout -------------------------------------------------------- */

int aspace_map_segment(struct cms *m, uint32_t lo, uint32_t hi, unsigned prot)
{
	/* segments may share a page (ld -N, or a page holding the end of one
	 * and the start of the next): the page gets the rights of both */
	for (uint32_t a = lo; a < hi; a += PAGE) {
		const struct vma *v = covering(m->as, a);
		unsigned p = prot | (v ? v->prot : 0);
		if (v) {
			if (split_at(m->as, a) < 0 || split_at(m->as, a + PAGE) < 0)
				return -1;
			struct vma *w = &m->as->v[find(m->as, a)];
			w->prot = (uint8_t)p;
		} else if (add_mapping(m, a, a + PAGE, p, VMA_SEGMENT) < 0) {
			return -1;
		}
		int r = gm_populate(m, a >> GUEST_PAGE_SHIFT, p);
		if (r < 0)
			return r;
		gm_protect(m, a, a + PAGE, covering(m->as, a)->prot);
	}
	merge(m->as);
	return 0;
}

void aspace_set_layout(struct cms *m, uint32_t brk_start, int exec_stack, int read_implies_exec)
{
	struct aspace *as = m->as;
	as->brk_start = as->brk_cur = brk_start;
	as->read_implies_exec = read_implies_exec;
	add_mapping(m, as->stack_lo, AS_STACK_TOP, GM_R | GM_W | (exec_stack ? GM_X : 0), VMA_STACK);
}

uint32_t aspace_stack_lo(const struct cms *m) { return m->as->stack_lo; }

const char *aspace_out_of_memory(const struct cms *m)
{
	return !m->as->oom ? NULL
	       : m->as->oom == -1 ? "guest RAM exhausted (key 'memory.guest_mb')"
				  : "hidden memory has no room for more page tables (key 'memory.hidden_mb')";
}

/* ---- demand paging ------------------------------------------------------------- */

static int allows(unsigned prot, unsigned need)
{
	if ((need & GM_R) && !(prot & (GM_R | GM_W | GM_X)))  /* x86: what is mapped at all is readable */
		return 0;
	return (need & (GM_W | GM_X) & ~prot) == 0;
}

int aspace_fault(struct cms *m, uint32_t va, unsigned need)
{
	const struct vma *v = covering(m->as, va);
	if (!v || !allows(v->prot, need))
		return -1;
	uint32_t pg = va >> GUEST_PAGE_SHIFT;
	uint64_t repaired = m->st.table_corruptions;
	uint32_t pte = gm_pte(m, pg), want = gm_pte_bits(need);
	if (pte) {
		/* it has its frame and its rights: the access itself is wrong,
		 * unless the entry had been corrupted (the chip's walk refused
		 * it or lacked a right) and reading it back put it right: then
		 * the access runs again */
		return m->st.table_corruptions != repaired && (pte & want) == want ? 0 : -1;
	}
	int r = gm_populate(m, pg, v->prot);
	if (r < 0) {
		m->as->oom = r;
		return -1;
	}
	m->st.page_faults++;
	cms_charge(m, ACT_MEMORY, (uint64_t)m->cfg.cost_page_fault);
	return 0;
}

/* ---- brk ---------------------------------------------------------------------- */

/* brk(0) and failures return the current break, as the Linux system call
 * (not the libc wrapper) does; the heap may not come within a page of the
 * next mapping (mm/mmap.c). */
uint32_t aspace_brk(struct cms *m, uint32_t want)
{
	struct aspace *as = m->as;
	if (want < as->brk_start)
		return as->brk_cur;
	uint64_t old_top = page_up(as->brk_cur), new_top = page_up(want);
	if (new_top > old_top) {
		if (new_top + PAGE > AS_STACK_TOP || !range_free(as, (uint32_t)old_top, new_top + PAGE))
			return as->brk_cur;
		if (add_mapping(m, (uint32_t)old_top, (uint32_t)new_top, GM_R | GM_W, VMA_HEAP) < 0)
			return as->brk_cur;
	} else if (new_top < old_top && unmap_range(m, (uint32_t)new_top, (uint32_t)old_top) < 0) {
		return as->brk_cur;
	}
	as->brk_cur = want;
	return want;
}

/* ---- mmap, munmap, mprotect, mremap ------------------------------------------- */

/* Where a new mapping of len bytes goes: the hint if it is free, else the
 * highest gap below the mmap base, else the lowest above
 * TASK_UNMAPPED_BASE (mm/mmap.c's top-down allocator and its fallback).
 * 0 when none is. */
static uint32_t place(const struct aspace *as, uint32_t hint, uint32_t len)
{
	hint = (uint32_t)page_up(hint);
	if (hint && hint >= AS_MIN_ADDR && (uint64_t)hint + len <= AS_STACK_TOP && range_free(as, hint, (uint64_t)hint + len))
		return hint;
	/* top-down: the highest gap below the base */
	uint64_t top = as->mmap_base;
	for (unsigned k = as->n; k-- > 0;) {
		const struct vma *v = &as->v[k];
		if (v->lo >= top)
			continue;
		if (v->hi <= top && top - v->hi >= len)
			return (uint32_t)(top - len);
		top = v->lo;
	}
	if (top >= (uint64_t)AS_MIN_ADDR + len)
		return (uint32_t)(top - len);
	/* bottom-up */
	uint64_t at = UNMAPPED_BASE;
	for (unsigned k = 0; k < as->n; k++) {
		const struct vma *v = &as->v[k];
		if (v->hi <= at)
			continue;
		if (v->lo >= at + len)
			return (uint32_t)at;
		at = v->hi;
	}
	return at + len <= AS_STACK_TOP ? (uint32_t)at : 0;
}

uint32_t aspace_place(const struct cms *m, uint32_t len) { return place(m->as, 0, (uint32_t)page_up(len)); }

/* A private file mapping's pages get the file's bytes now (from offset
 * off; past the end of the file, zeros), through the firmware's own
 * access whatever the protection. */
static int32_t fill_from_file(struct cms *m, uint32_t at, uint32_t size, int host, uint64_t off)
{
	uint8_t buf[GUEST_PAGE];
	for (uint32_t done = 0; done < size; done += GUEST_PAGE) {
		ssize_t r = pread(host, buf, GUEST_PAGE, (off_t)(off + done));
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		if (gm_copy_out(m, at + done, buf, (uint32_t)r, 0) != (uint32_t)r)
			return -ENOMEM;
		if (r < GUEST_PAGE)
			break;
	}
	return 0;
}

int32_t aspace_mmap(struct cms *m, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int32_t fd,
		    uint32_t pgoff)
{
	if (!len)
		return -EINVAL;
	uint64_t size = page_up(len);
	if (size > AS_STACK_TOP)
		return -ENOMEM;
	unsigned type = flags & MAP_TYPE_;
	if (type != MAP_SHARED_ && type != MAP_PRIVATE_ && type != (MAP_SHARED_ | MAP_PRIVATE_))
		return -EINVAL;
	int host = -1;
	if (!(flags & MAP_ANONYMOUS_)) {
		struct stat st;
		host = files_host_fd(m, (uint32_t)fd);
		if (fd < 0 || host < 0)
			return -EBADF;
		if (!files_readable_fd(m, (uint32_t)fd) || ((prot & GM_W) && (flags & MAP_TYPE_) != MAP_PRIVATE_))
			return -EACCES;   /* a shared writable mapping would need a writable file: not supported */
		if (fstat(host, &st) < 0 || !S_ISREG(st.st_mode))
			return -ENODEV;
	}
	int fixed = (flags & (MAP_FIXED_ | MAP_FIXED_NOREPLACE_)) != 0;
	if (fixed && (addr & (PAGE - 1)))
		return -EINVAL;
	if (fixed && ((uint64_t)addr + size > AS_STACK_TOP || addr < AS_MIN_ADDR))
		return addr < AS_MIN_ADDR ? -EPERM : -ENOMEM;
	if ((flags & MAP_FIXED_NOREPLACE_) && !(flags & MAP_FIXED_) && !range_free(m->as, addr, (uint64_t)addr + size))
		return -EEXIST;
	uint32_t at = fixed ? addr : place(m->as, addr, (uint32_t)size);
	if (!at)
		return -ENOMEM;
	/* one process and no fork: a shared anonymous mapping behaves as a private one */
	if ((fixed && unmap_range(m, at, (uint32_t)(at + size)) < 0) ||
	    add_mapping(m, at, (uint32_t)(at + size), prot & (GM_R | GM_W | GM_X), VMA_ANON) < 0)
		return -ENOMEM;
	if (host >= 0) {
		int32_t r = fill_from_file(m, at, (uint32_t)size, host, (uint64_t)pgoff << GUEST_PAGE_SHIFT);
		if (r < 0) {
			unmap_range(m, at, (uint32_t)(at + size));
			return r;
		}
	}
	return (int32_t)at;
}

int32_t aspace_munmap(struct cms *m, uint32_t addr, uint32_t len)
{
	uint64_t size = page_up(len);
	if ((addr & (PAGE - 1)) || !len || (uint64_t)addr + size > AS_STACK_TOP)
		return -EINVAL;
	return unmap_range(m, addr, (uint32_t)(addr + size)) < 0 ? -ENOMEM : 0;
}

/* Is [lo, hi) covered by mappings without a hole? */
static int covered(const struct aspace *as, uint32_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a < hi;) {
		const struct vma *v = covering(as, (uint32_t)a);
		if (!v)
			return 0;
		a = v->hi;
	}
	return 1;
}

int32_t aspace_mprotect(struct cms *m, uint32_t addr, uint32_t len, uint32_t prot)
{
	struct aspace *as = m->as;
	if ((addr & (PAGE - 1)) || (prot & ~(uint32_t)(GM_R | GM_W | GM_X | PROT_GROWSDOWN_ | PROT_GROWSUP_)))
		return -EINVAL;
	uint64_t end = (uint64_t)addr + page_up(len);
	if (end > AS_STACK_TOP && len)
		return -ENOMEM;
	if (!len)
		return 0;
	if (!covered(as, addr, end))
		return -ENOMEM;
	if (split_at(as, addr) < 0 || split_at(as, (uint32_t)end) < 0)
		return -ENOMEM;
	unsigned p = prot & (GM_R | GM_W | GM_X);
	if (as->read_implies_exec && (p & GM_R))
		p |= GM_X;
	for (unsigned i = find(as, addr); i < as->n && as->v[i].lo < end; i++)
		as->v[i].prot = (uint8_t)p;
	merge(as);
	gm_protect(m, addr, (uint32_t)end, p);
	return 0;
}

int32_t aspace_mremap(struct cms *m, uint32_t addr, uint32_t old_len, uint32_t new_len, uint32_t flags,
		      uint32_t new_addr)
{
	struct aspace *as = m->as;
	if ((flags & ~(uint32_t)(MREMAP_MAYMOVE_ | MREMAP_FIXED_)) || ((flags & MREMAP_FIXED_) && !(flags & MREMAP_MAYMOVE_)))
		return -EINVAL;
	if ((addr & (PAGE - 1)) || !new_len || !old_len)
		return -EINVAL;
	uint64_t olen = page_up(old_len), nlen = page_up(new_len);
	if (olen > AS_STACK_TOP || nlen > AS_STACK_TOP || addr + olen > AS_STACK_TOP)
		return -EINVAL;
	const struct vma *v = covering(as, addr);
	if (!(flags & MREMAP_FIXED_) && nlen <= olen) {
		if (nlen < olen && unmap_range(m, (uint32_t)(addr + nlen), (uint32_t)(addr + olen)) < 0)
			return -ENOMEM;
		return (int32_t)addr;
	}
	if (!v || v->hi < addr + olen)
		return -EFAULT;
	struct vma old = *v;
	if (!(flags & MREMAP_FIXED_) && addr + nlen <= AS_STACK_TOP &&
	    range_free(as, (uint32_t)(addr + olen), addr + nlen)) {
		if (add_mapping(m, (uint32_t)(addr + olen), (uint32_t)(addr + nlen), old.prot, (enum vma_kind)old.kind) < 0)
			return -ENOMEM;
		return (int32_t)addr;
	}
	if (!(flags & MREMAP_MAYMOVE_))
		return -ENOMEM;
	uint32_t to;
	if (flags & MREMAP_FIXED_) {
		if ((new_addr & (PAGE - 1)) || new_addr + nlen > AS_STACK_TOP)
			return -EINVAL;
		if (new_addr < addr + olen && addr < new_addr + nlen)
			return -EINVAL;
		if (unmap_range(m, new_addr, (uint32_t)(new_addr + nlen)) < 0)
			return -ENOMEM;
		to = new_addr;
	} else if (!(to = place(as, 0, (uint32_t)nlen))) {
		return -ENOMEM;
	}
	uint64_t keep = olen < nlen ? olen : nlen;
	if (gm_move(m, addr, to, (uint32_t)keep) < 0 ||
	    add_mapping(m, to, (uint32_t)(to + nlen), old.prot, old.kind == VMA_STACK ? VMA_ANON : (enum vma_kind)old.kind) < 0)
		return -ENOMEM;
	if (unmap_range(m, addr, (uint32_t)(addr + olen)) < 0)
		return -ENOMEM;
	return (int32_t)to;
}
