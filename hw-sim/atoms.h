/* hw-sim/atoms.h — what each native atom does: one small body per row of
 * native-isa/isa.def (its `body` column names it), in the table's order.
 * Included once, by hw-sim/core.c, whose dispatch is generated from isa.def:
 *
 *   case OP_name: if (!atom_<body>(e, d, OP_name, a, b, &v)) return false; break;
 *
 * so a row naming a body that is not defined here does not compile.  Every
 * body is inlined into its case; `op` is a constant there, so a body shared
 * by several rows (ext, divu, flag, ld, st, ...) costs no test of the opcode.
 *
 * A body sees
 *   e   the bundle being executed (core.c, struct bundle_exec): the chip,
 *       the bundle, the issue cycle, FLAGS as they were before the bundle,
 *       the branch decision, the stores buffered so far
 *   d   the decoded atom (rd, ra, rb, x, imm)
 *   a   the value of ra, b  operand b (rb or the immediate), both read
 *       before any atom of the bundle has written
 *   *v  the result, 0 unless the body sets it; core.c writes it to rd (and
 *       e->newflags to FLAGS) as the row's format and properties say
 * and returns true, or false after filling e->ex when the atom faults (then
 * nothing of the bundle is written and the chip rolls back).  Semantics
 * that need every source read first (wrcr, ldp's alias entry) happen at
 * write-back (core.c, write_back).  Keep a body free of &-of-locals passed
 * to calls that are not inlined (see rdcr, flag): core.c's header says why. */
#ifndef CDVM_HW_SIM_ATOMS_H
#define CDVM_HW_SIM_ATOMS_H

/* Most bodies use few of the parameters. */
#define ATOM_ARG __attribute__((unused))
#define ATOM_BODY(body)                                                                               \
	CHIP_INLINE bool atom_##body(ATOM_ARG struct bundle_exec *e, ATOM_ARG const struct datom *d,  \
				     ATOM_ARG enum atom_op op, ATOM_ARG uint32_t a, ATOM_ARG uint32_t b, \
				     ATOM_ARG uint32_t *v)

/* ---- integer ALU -------------------------------------------------------- */
ATOM_BODY(add) { *v = a + b; return true; }
ATOM_BODY(sub) { *v = a - b; return true; }
ATOM_BODY(and) { *v = a & b; return true; }
ATOM_BODY(or) { *v = a | b; return true; }
ATOM_BODY(xor) { *v = a ^ b; return true; }
ATOM_BODY(shl) { *v = a << (b & 31); return true; }
ATOM_BODY(shr) { *v = a >> (b & 31); return true; }
ATOM_BODY(sar) { *v = (uint32_t)((int32_t)a >> (b & 31)); return true; }
ATOM_BODY(rol) { *v = rotl32(a, b); return true; }
ATOM_BODY(ror) { *v = rotl32(a, 32 - (b & 31)); return true; }
ATOM_BODY(seq) { *v = a == b; return true; }
ATOM_BODY(sne) { *v = a != b; return true; }
ATOM_BODY(slt) { *v = (int32_t)a < (int32_t)b; return true; }
ATOM_BODY(sltu) { *v = a < b; return true; }
ATOM_BODY(mov) { *v = b; return true; }

/* rb is a register even though the format has an immediate (the displacement) */
ATOM_BODY(lea) { *v = a + (e->c->r[d->rb] << d->x) + d->imm; return true; }

/* extu, exts: imm = pos | len << 8 */
ATOM_BODY(ext)
{
	unsigned pos = d->imm & 0xff, len = (d->imm >> 8) & 0xff;
	*v = len == 32 ? a : (a >> pos) & ((1u << len) - 1);
	if (op == OP_EXTS && len < 32 && (*v >> (len - 1) & 1))
		*v |= ~((1u << len) - 1);
	return true;
}

ATOM_BODY(dep)
{
	unsigned pos = d->imm & 0xff, len = (d->imm >> 8) & 0xff;
	uint32_t fm = (len == 32 ? 0xffffffffu : (1u << len) - 1) << pos;
	*v = (a & ~fm) | ((e->c->r[d->rb] << pos) & fm);
	return true;
}

ATOM_BODY(bswap) { *v = __builtin_bswap32(a); return true; }
ATOM_BODY(clz) { *v = a ? (uint32_t)__builtin_clz(a) : 32; return true; }
ATOM_BODY(ctz) { *v = a ? (uint32_t)__builtin_ctz(a) : 32; return true; }
ATOM_BODY(sel) { *v = xf_cond_inline(d->x, e->flags_in) ? a : b; return true; }
ATOM_BODY(setc) { *v = xf_cond_inline(d->x, e->flags_in); return true; }

/* ---- x86 flag-setting atoms: the xflags operation of the row (isa.h
 * ISA_FLAG_ATOMS); an immediate count follows x86's immediate-form rules
 * (C0/C1 rotates) ------------------------------------------------------------ */
ATOM_BODY(flag)
{
	enum xf_op f = atom_xf_op(op);
	unsigned w = isa_width_bytes(d->x);
	uint32_t flags;  /* a local: e's address must not escape, or e leaves host registers */
	*v = d->use_imm ? xf_eval_imm_inline(f, w, a, b, e->flags_in, &flags)
			: xf_eval_inline(f, w, a, b, e->flags_in, &flags);
	e->newflags = flags;
	return true;
}

/* ---- multiply / divide -------------------------------------------------- */
ATOM_BODY(mul) { *v = a * b; return true; }
ATOM_BODY(mulhu) { *v = (uint32_t)(((uint64_t)a * b) >> 32); return true; }
ATOM_BODY(mulhs)
{
	*v = (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int32_t)b) >> 32);
	return true;
}

/* divu, remu */
ATOM_BODY(divu)
{
	if (!b)
		return atom_fault(e, d, CHIP_EXIT_DIVIDE_FAULT);
	*v = op == OP_DIVU ? a / b : a % b;
	return true;
}

/* divs, rems */
ATOM_BODY(divs)
{
	if (!b || (a == 0x80000000u && b == 0xffffffffu))
		return atom_fault(e, d, CHIP_EXIT_DIVIDE_FAULT);
	*v = op == OP_DIVS ? (uint32_t)((int32_t)a / (int32_t)b) : (uint32_t)((int32_t)a % (int32_t)b);
	return true;
}

/* xdivu, xremu, xdivs, xrems: x86 DIV/IDIV r/m32 on EDX:EAX (Intel SDM vol. 2) */
ATOM_BODY(xdiv)
{
	uint64_t n = (uint64_t)e->c->r[R_EDX] << 32 | a;
	bool ok = b != 0;
	if (ok && (op == OP_XDIVU || op == OP_XREMU)) {
		ok = n / b <= 0xffffffffull;
		if (ok)
			*v = op == OP_XDIVU ? (uint32_t)(n / b) : (uint32_t)(n % b);
	} else if (ok) {
		int64_t sn = (int64_t)n, sd = (int32_t)b;
		ok = !(sd == -1 && sn == INT64_MIN);
		int64_t q = ok ? sn / sd : 0;
		ok = ok && q >= INT32_MIN && q <= INT32_MAX;
		if (ok)
			*v = op == OP_XDIVS ? (uint32_t)q : (uint32_t)(sn % sd);
	}
	return ok ? true : atom_fault(e, d, CHIP_EXIT_DIVIDE_FAULT);
}

/* ---- memory ------------------------------------------------------------- */

/* Where a load or store lands: bytes [0, n1) at pa, the rest at pa2 (an
 * access crossing into a page whose frame does not follow pa's). */
struct phys_access { uint32_t pa, pa2; unsigned n1; };

/* The PTE of va's page for a guest access starting at fault_va: a hit on
 * the TLB set's MRU way inline, anything else through mmu_translate (the
 * walk's cycles stall the bundle as an L1D miss does, counted apart).  false, with the fault in
 * e->ex: not present or, for a store, not writable (a memory fault at the
 * access's virtual address), or a corrupted entry (a detected fault). */
CHIP_INLINE bool page_pte(struct bundle_exec *e, const struct datom *d, uint32_t va, uint32_t fault_va, bool store,
			  uint32_t *pte)
{
	struct chip *c = e->c;
	uint32_t v;
	if (tlb_hit_mru(&c->tlb, va >> ISA_PAGE_SHIFT, &v)) {
		c->cnt[CNT_tlb_hits]++;
	} else {
		struct mmu_result r = mmu_translate(c, va);
		e->dextra += r.walk;
		c->walk_bundle += r.walk;
		if (r.status == MMU_ABSENT)
			return atom_mem_fault(e, d, CHIP_EXIT_MEMORY_FAULT, fault_va);
		if (r.status != MMU_OK) {
			enum chip_fault_point point;
			const char *what = mmu_bad_detail(r.status, &point);
			atom_detected(e, d, fault_va, point, what);
			e->ex->walk = true;
			return false;
		}
		v = r.pte;
	}
	if (store && !(v & ISA_PTE_WRITE))
		return atom_mem_fault(e, d, CHIP_EXIT_MEMORY_FAULT, fault_va);
	*pte = v;
	return true;
}

/* A store into a store-protected page (ISA_PTE_PROTECT) traps where the
 * code-chunk bitmap marks the frame's bytes [pa, pa + n) as code. */
CHIP_INLINE bool protect_ok(struct bundle_exec *e, const struct datom *d, uint32_t pte, uint32_t pa, unsigned n,
			    uint32_t va)
{
	if ((pte & ISA_PTE_PROTECT) && smc_chunk_hit(e->c, pa, n))
		return atom_mem_fault(e, d, CHIP_EXIT_PROTECTION, va);
	return true;
}

/* Guest access [va, va + size) through the page table: each page it
 * touches (one, or two when it crosses a page) is translated and checked;
 * *p says where it lands. */
CHIP_INLINE bool guest_translate(struct bundle_exec *e, const struct datom *d, uint32_t va, unsigned size, bool store,
				 struct phys_access *p)
{
	const uint32_t off = va & ISA_PTE_FLAGS;
	uint32_t pte;
	if (!page_pte(e, d, va, va, store, &pte))
		return false;
	p->pa = (pte & ~(uint32_t)ISA_PTE_FLAGS) | off;
	p->n1 = off + size > (1u << ISA_PAGE_SHIFT) ? (1u << ISA_PAGE_SHIFT) - off : size;
	if (store && !protect_ok(e, d, pte, p->pa, p->n1, va))
		return false;
	if (p->n1 == size)
		return true;
	uint32_t va2 = va + p->n1;
	if (!va2)  /* runs past the top of the address space */
		return atom_mem_fault(e, d, CHIP_EXIT_MEMORY_FAULT, va);
	if (!page_pte(e, d, va2, va, store, &pte))
		return false;
	p->pa2 = pte & ~(uint32_t)ISA_PTE_FLAGS;
	if (store && !protect_ok(e, d, pte, p->pa2, size - p->n1, va))
		return false;
	if (p->pa2 == p->pa + p->n1)  /* contiguous frames: one physical access */
		p->n1 = size;
	return true;
}

/* May a load or store of d's kind (guest or hidden) touch [addr, addr +
 * size)?  false, with the fault in e->ex, if not; *p: where it lands.
 * Hidden accesses, and guest accesses while PAGEDIR is 0, are physical,
 * checked only against the end of memory or of guest RAM. */
CHIP_INLINE bool mem_allowed(struct bundle_exec *e, const struct datom *d, uint32_t addr, unsigned size, bool store,
			     struct phys_access *p)
{
	struct chip *c = e->c;
	p->pa = addr;
	p->pa2 = 0;
	p->n1 = size;
	if (!(d->x & MX_HIDDEN) && c->pagedir)
		return guest_translate(e, d, addr, size, store, p);
	uint32_t lim = (d->x & MX_HIDDEN) ? c->mem_size : c->guest_limit;
	if (addr > lim || size > lim - addr)
		return atom_mem_fault(e, d, CHIP_EXIT_MEMORY_FAULT, addr);
	return true;
}

/* n bytes of a load at physical pa, as the L1D delivers them (detectors
 * checked), into *val; its miss cycles join e->dextra.  va: the load's
 * (virtual) address, for a detected fault.  A piece of a split load (n
 * 1..3) reads byte by byte (load_value reads 1, 2 or 4). */
CHIP_INLINE bool load_piece(struct bundle_exec *e, const struct datom *d, uint32_t pa, unsigned n, uint32_t va,
			    bool piece, uint32_t *val)
{
	struct chip *c = e->c;
	uint32_t fm = 0;
	if (__builtin_expect(c->faults_armed, 0)) {
		unsigned hit = read_check(c, &c->l1d, pa, n, &fm);
		if (hit == 1 + FP_MEMORY)
			return atom_detected(e, d, va, FP_MEMORY, "memory ECC error");
		if (hit)
			return atom_detected_cache(e, d, pa, "L1D parity error");
	}
	uint32_t v = 0;
	if (!piece)
		v = load_value(c, pa, n);
	else
		for (unsigned k = 0; k < n; k++)
			v |= load_value(c, pa + k, 1) << (8 * k);
	v ^= fm;
	e->dextra += l1d_access(c, pa, n, false);
	*val = v;
	return true;
}

/* ld, ldp (its alias entry is recorded at write-back, on the virtual
 * address) */
ATOM_BODY(ld)
{
	uint32_t addr = a + d->imm;
	unsigned size = mx_size[d->x & MX_KIND_MASK];
	struct phys_access p;
	uint32_t val, hi;
	if (!mem_allowed(e, d, addr, size, false, &p))
		return false;
	COSIM(cosim_mem(e->c, (unsigned)(d - e->bundle->a), addr, p.pa, p.pa2, p.n1, size));
	/* split accesses are rare: their code out of the loop's way (make
	 * bench-chip: 157.5 -> 150.7 host instructions per atom) */
	if (__builtin_expect(p.n1 == size, 1)) {
		if (!load_piece(e, d, p.pa, size, addr, false, &val))
			return false;
	} else {
		uint64_t fw = e->c->cnt[CNT_sb_forwards];
		if (!load_piece(e, d, p.pa, p.n1, addr, true, &val) ||
		    !load_piece(e, d, p.pa2, size - p.n1, addr, true, &hi))
			return false;
		val |= hi << (8 * p.n1);
		if (e->c->cnt[CNT_sb_forwards] > fw)  /* one load, however many pieces forwarded */
			e->c->cnt[CNT_sb_forwards] = fw + 1;
	}
	*v = extend(val, d->x & MX_KIND_MASK);
	e->c->cnt[CNT_loads]++;
	return true;
}

/* A store split over two frames: two pending stores, both checked against
 * the store buffer's room. */
CHIP_INLINE bool store_split(struct bundle_exec *e, const struct datom *d, const struct phys_access *p, uint32_t va,
			     uint32_t val, unsigned size)
{
	struct chip *c = e->c;
	if (c->sb_n + e->nst + 2 > c->sb_cap)
		return atom_mem_fault(e, d, CHIP_EXIT_SB_OVERFLOW, va);
	e->st[e->nst++] = (struct pending_store){p->pa, val & ((1u << (8 * p->n1)) - 1), (uint8_t)p->n1, true};
	e->st[e->nst++] = (struct pending_store){p->pa2, val >> (8 * p->n1), (uint8_t)(size - p->n1), false};
	return true;
}

/* st, stam: into the bundle's pending stores; they reach the store buffer
 * when the bundle retires.  The alias table holds virtual addresses: the
 * firmware never maps one frame at two virtual pages, so virtual overlap
 * is physical overlap. */
ATOM_BODY(st)
{
	struct chip *c = e->c;
	uint32_t addr = a + d->imm;
	unsigned size = mx_size[d->x & MX_KIND_MASK];
	struct phys_access p;
	if (!mem_allowed(e, d, addr, size, true, &p))
		return false;
	COSIM(cosim_mem(e->c, (unsigned)(d - e->bundle->a), addr, p.pa, p.pa2, p.n1, size));
	if (op == OP_STAM) {
		/* entries d->rd and up: the protected loads after this store in
		 * x86 order (the translator numbers them so) */
		for (uint64_t am = c->alias_valid & (~0ull << d->rd); am; am &= am - 1) {
			const struct alias_entry *ae = &c->alias[__builtin_ctzll(am)];
			if (addr < ae->hi && addr + size > ae->lo) {
				c->cnt[CNT_alias_faults]++;
				return atom_mem_fault(e, d, CHIP_EXIT_ALIAS_FAULT, addr);
			}
		}
	}
	if (c->sb_n + e->nst >= c->sb_cap)
		return atom_mem_fault(e, d, CHIP_EXIT_SB_OVERFLOW, addr);
	uint32_t val = c->r[d->rb];
	if (size < 4)
		val &= (1u << (8 * size)) - 1;
	if (__builtin_expect(p.n1 == size, 1))
		e->st[e->nst++] = (struct pending_store){p.pa, val, (uint8_t)size, false};
	else if (!store_split(e, d, &p, addr, val, size))
		return false;
	*v = val;
	return true;
}

/* ---- control: the first taken branch of a bundle wins -------------------- */
ATOM_BODY(br) { atom_take(e, e->bundle->pc + d->imm); return true; }
ATOM_BODY(bc)
{
	if (!e->taken && xf_cond_inline(d->x, e->flags_in))
		atom_take(e, e->bundle->pc + d->imm);
	return true;
}
ATOM_BODY(bz) { if (a == 0) atom_take(e, e->bundle->pc + d->imm); return true; }
ATOM_BODY(bnz) { if (a != 0) atom_take(e, e->bundle->pc + d->imm); return true; }
ATOM_BODY(jal) { *v = e->bundle->next_pc; atom_take(e, e->bundle->pc + d->imm); return true; }
ATOM_BODY(jr) { atom_take(e, a); return true; }
ATOM_BODY(exit)
{
	if (!e->taken) {
		e->taken = e->do_exit = true;
		e->exit_code = d->imm;
	}
	return true;
}
ATOM_BODY(commit) { e->do_commit = true; return true; }

/* the counters a control register may show must be up to date */
ATOM_BODY(rdcr)
{
	uint32_t val = 0;
	flush_hot(e->c, e->hot, e->t);
	chip_read_cr(e->c, d->imm, &val);
	*v = val;
	return true;
}
ATOM_BODY(wrcr) { *v = a; return true; }  /* written at write-back, after every atom has read its sources */
ATOM_BODY(nop) { return true; }

/* ---- floating point: hw-sim/fpu_atom.h computes, inlined here (an FPU
 * result is staged there, its low word goes through *v); an FPU fault
 * rolls back ---- */
CHIP_INLINE bool atom_fpu(struct bundle_exec *e, const struct datom *d, enum atom_op op, uint32_t a, uint32_t b,
			  uint32_t *v)
{
	struct fpu_out o = chip_fpu_atom(e->c, d, a, b, e->flags_in, e->fast);
	if (o.fault)
		return atom_fault(e, d, CHIP_EXIT_FPU_FAULT);
	*v = o.v;
	if (op == OP_FCMPI || op == OP_FUCMPI)
		e->newflags = o.flags;
	return true;
}
ATOM_BODY(fop) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fop1) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fcvi) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fcvo) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fcmp) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fcon) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fmv) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fstk) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fchk) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fip) { return atom_fpu(e, d, op, a, b, v); }
ATOM_BODY(fdp) { return atom_fpu(e, d, op, a, b, v); }

#endif
