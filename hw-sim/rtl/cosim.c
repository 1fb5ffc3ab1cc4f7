/* hw-sim/rtl/cosim.c — lockstep of hw-sim and the RTL core (docs/rtl.md).
 *
 * Built only into the co-simulation binary (make cosim).  hw-sim runs each
 * bundle and records, through the hooks of hw-sim/cosim.h, what stays in C
 * (the L1I's stall, each memory access's physical pieces, raw bytes and
 * stall cycles, FPU results and control-register reads); cosim_step gives
 * the RTL the same bundle with those answers and compares, bundle by
 * bundle: the exit or fault with its slot, address and code, the next pc,
 * the issue cycle and the cycle after, every register (value and cycles
 * until ready), FLAGS, the shadow copies, the store buffer, the stores a
 * commit released, the alias table, the unit masks, and each memory atom's
 * address.  After a fault only r0..r15 are compared: hw-sim's single-pass
 * path may already have written the temporaries of atoms before the
 * faulting one, and the ISA leaves them undefined then.  The first
 * difference prints a report and ends the process with status 3. */
#include "hw-sim/chip_priv.h"
#include "hw-sim/cosim.h"
#include "hw-sim/rtl/cosim_run.h"
#include "hw-sim/rtl/rtl_model.h"
#include "native-isa/isa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>

bool cosim_on;
struct cosim_bundle cosim_cur;

static struct {
	struct rtl_state st, after;
	struct rtl_out out;
	uint64_t bundles, clocks, runs;
	struct timespec t0;  /* when the lockstep began */
	unsigned sb_entries;
	bool armed;      /* unit faults were armed after the last bundle */
	double model_s;  /* host seconds inside the RTL model's steps */
} L;

static uint32_t *alloc_words(unsigned n)
{
	uint32_t *p = calloc(n ? n : 1, sizeof *p);
	if (!p) {
		fprintf(stderr, "cdvm cosim: out of memory\n");
		exit(2);
	}
	return p;
}

int cosim_open(const struct cdvm_config *cfg, char *err, size_t n)
{
	char want[512];
	chip_rtl_params(cfg, want, sizeof want);
	if (strcmp(want, rtl_model_params()) != 0) {
		snprintf(err, n,
			 "--cosim: this binary's RTL was verilated for another core configuration\n"
			 "  built with:  %s\n  this run:    %s\n"
			 "  build one for this configuration: make cosim COSIM_CONFIG=<its YAML>",
			 rtl_model_params(), want);
		return -1;
	}
	rtl_model_open();
	L.sb_entries = rtl_model_sb_entries();
	L.st.sb_addr = alloc_words(L.sb_entries);
	L.st.sb_val = alloc_words(L.sb_entries);
	L.st.sb_size = (uint8_t *)alloc_words(L.sb_entries);
	L.after.sb_addr = alloc_words(L.sb_entries);
	L.after.sb_val = alloc_words(L.sb_entries);
	L.after.sb_size = (uint8_t *)alloc_words(L.sb_entries);
	L.out.rel_addr = alloc_words(L.sb_entries);
	L.out.rel_val = alloc_words(L.sb_entries);
	L.out.rel_size = (uint8_t *)alloc_words(L.sb_entries);
	cosim_cur.rel = calloc(L.sb_entries + 1, sizeof *cosim_cur.rel);
	cosim_on = true;
	clock_gettime(CLOCK_MONOTONIC, &L.t0);
	return 0;
}

void cosim_close(FILE *report)
{
	if (!cosim_on)
		return;
	cosim_on = false;
	rtl_model_close();
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - L.t0.tv_sec) + (double)(t1.tv_nsec - L.t0.tv_nsec) / 1e9;
	if (report)
		fprintf(report,
			"cdvm cosim: %llu bundles in lockstep over %llu native runs, no difference (%llu RTL clocks; "
			"%.2f M bundles per host second for the whole run, %.2f M in the RTL model alone). Not "
			"checked: FPU results, control-register reads (both come from hw-sim)\n",
			(unsigned long long)L.bundles, (unsigned long long)L.runs, (unsigned long long)L.clocks,
			s > 0 ? (double)L.bundles / s / 1e6 : 0.0, L.model_s > 0 ? (double)L.bundles / L.model_s / 1e6 : 0.0);
	free(L.st.sb_addr), free(L.st.sb_val), free(L.st.sb_size);
	free(L.after.sb_addr), free(L.after.sb_val), free(L.after.sb_size);
	free(L.out.rel_addr), free(L.out.rel_val), free(L.out.rel_size);
	free(cosim_cur.rel);
	cosim_cur.rel = NULL;
}

uint64_t cosim_bundles(void) { return L.bundles; }

/* ---- the chip's state as the RTL holds it --------------------------------- */

static uint32_t until(uint64_t ready, uint64_t now)
{
	return ready > now ? (ready - now > UINT32_MAX ? UINT32_MAX : (uint32_t)(ready - now)) : 0;
}

/* ---- injected unit faults: the RTL has them at the same units ------------ */

static unsigned fault_port(const struct unit_fault *f) { return f->cls * RTL_MAXU + f->index; }

/* The one-shot flips still armed, by unit. */
static void unit_flips(const struct chip *c, uint32_t flip[RTL_FAULT_PORTS])
{
	memset(flip, 0, RTL_FAULT_PORTS * sizeof *flip);
	for (int i = 0; i < MAX_UNIT_FAULTS; i++) {
		const struct unit_fault *f = &c->unit_faults[i];
		if (f->armed && f->kind == FK_FLIP && f->index < RTL_MAXU)
			flip[fault_port(f)] ^= f->mask;
	}
}

/* The stuck bits of every unit at cycle t (hw-sim apply_unit_fault). */
static void unit_stuck(const struct chip *c, uint64_t t, uint32_t set[RTL_FAULT_PORTS], uint32_t clr[RTL_FAULT_PORTS])
{
	memset(set, 0, RTL_FAULT_PORTS * sizeof *set);
	memset(clr, 0, RTL_FAULT_PORTS * sizeof *clr);
	for (int i = 0; i < MAX_UNIT_FAULTS; i++) {
		const struct unit_fault *f = &c->unit_faults[i];
		if (!f->armed || f->index >= RTL_MAXU)
			continue;
		switch ((enum fault_kind)f->kind) {
		case FK_STUCK0: clr[fault_port(f)] |= f->mask; break;
		case FK_STUCK1: set[fault_port(f)] |= f->mask; break;
		case FK_INTERMITTENT:
			if (t >= f->at && (t - f->at) % f->period < f->len)
				set[fault_port(f)] |= f->mask;
			break;
		default: break;
		}
	}
}

/* Only unit faults are in the RTL: storage faults (registers, memory,
 * caches, the store buffer) stop the lockstep. */
static void refuse_storage_faults(const struct chip *c)
{
	bool storage = c->reg_poison || c->n_mem_poison || c->n_mem_stuck || c->reg_stuck || c->shadow_stuck ||
		       c->shadow_poison || c->sb_poison || cache_has_faults(&c->l1i) || cache_has_faults(&c->l1d) ||
		       cache_has_faults(&c->l2);
	for (unsigned i = 0; i < c->nsched; i++)
		storage |= c->sched[i].target != FT_UNIT;
	if (storage) {
		fprintf(stderr, "cdvm cosim: only unit faults are co-simulated; the RTL has no fault points in its "
				"registers, store buffer, caches or memory (docs/rtl.md)\n");
		exit(2);
	}
}

static void chip_state(const struct chip *c, uint64_t now, struct rtl_state *s)
{
	memcpy(s->r, c->r, sizeof s->r);
	memcpy(s->shadow, c->shadow, sizeof s->shadow);
	for (unsigned i = 0; i < RTL_NREGS; i++)
		s->rdy[i] = until(c->ready[i], now);
	for (unsigned i = 0; i < RTL_NFREGS; i++)
		s->frdy[i] = until(c->fready[i], now);
	s->sb_n = c->sb_n;
	for (unsigned e = 0; e < c->sb_n && e < L.sb_entries; e++) {
		s->sb_addr[e] = c->sb[e].addr;
		s->sb_val[e] = c->sb[e].val;
		s->sb_size[e] = c->sb[e].size;
	}
	for (unsigned e = 0; e < RTL_MAX_ALIAS; e++) {
		s->alias_lo[e] = c->alias[e].lo;
		s->alias_hi[e] = c->alias[e].hi;
	}
	s->alias_valid = c->alias_valid;
	memcpy(s->unit_mask, c->unit_mask, sizeof s->unit_mask);
	unit_flips(c, s->uf_flip);
	s->now = now;
}

void cosim_enter(struct chip *c, uint32_t pc)
{
	(void)pc;
	refuse_storage_faults(c);
	chip_state(c, c->cnt[CNT_cycles], &L.st);
	rtl_model_load(&L.st);
	L.armed = c->faults_armed;
	L.runs++;
}

void cosim_faults_changed(struct chip *c, uint64_t now)
{
	refuse_storage_faults(c);
	chip_state(c, now, &L.st);
	rtl_model_load(&L.st);
	L.armed = c->faults_armed;
}

void cosim_mem(const struct chip *c, unsigned slot, uint32_t va, uint32_t pa, uint32_t pa2, unsigned n1,
	       unsigned size)
{
	struct cosim_slot *s = &cosim_cur.s[slot];
	s->mem = true;
	s->va = va;
	s->pa = pa;
	s->pa2 = pa2;
	s->n1 = (uint8_t)n1;
	s->raw = 0;
	for (unsigned k = 0; k < size; k++) {
		uint32_t a = k < n1 ? pa + k : pa2 + (k - n1);
		if (a < c->mem_size)
			s->raw |= (uint32_t)c->mem[a] << (8 * k);
	}
}

void cosim_release(const struct chip *c)
{
	cosim_cur.nrel = c->sb_n;
	for (unsigned e = 0; e < c->sb_n && e < L.sb_entries; e++) {
		cosim_cur.rel[e].addr = c->sb[e].addr;
		cosim_cur.rel[e].val = c->sb[e].val;
		cosim_cur.rel[e].size = c->sb[e].size;
	}
}

/* ---- one bundle ------------------------------------------------------------ */

static unsigned rtl_reason_of(const struct chip_exit *ex)
{
	if (!ex)
		return RTL_RS_NONE;
	switch (ex->reason) {
	case CHIP_EXIT_FIRMWARE: return RTL_RS_EXIT;
	case CHIP_EXIT_MEMORY_FAULT: return RTL_RS_MEMORY;
	case CHIP_EXIT_ALIAS_FAULT: return RTL_RS_ALIAS;
	case CHIP_EXIT_SB_OVERFLOW: return RTL_RS_SB;
	case CHIP_EXIT_ILLEGAL_BUNDLE: return RTL_RS_ILLEGAL;
	case CHIP_EXIT_DIVIDE_FAULT: return RTL_RS_DIVIDE;
	case CHIP_EXIT_PROTECTION: return RTL_RS_PROTECTION;
	case CHIP_EXIT_FPU_FAULT: return RTL_RS_FPU;
	case CHIP_EXIT_FAULT_DETECTED: return ex->fault_point == FP_UNIT ? RTL_RS_DETECTED : ~0u;
	default: return ~0u;
	}
}

static const char *reason_name(unsigned r)
{
	static const char *const names[] = {"none (the run goes on)", "exit to firmware", "memory fault", "alias fault",
					    "store-buffer overflow", "illegal bundle", "divide fault",
					    "store to a protected page", "FPU fault", "hardware fault detected (unit check)"};
	return r < sizeof names / sizeof *names ? names[r] : "(unknown)";
}

static const char *illegal_name(unsigned il)
{
	static const char *const names[] = {"-", "bundle address not atom-aligned", "undecodable atom",
					    "protected load names an alias entry the chip does not have",
					    "two atoms write the same FPU register", "two atoms write the same register",
					    "unknown or read-only control register", "bundle runs past the end of memory",
					    "no stop bit within 16 atoms", "more atoms than core.issue_width",
					    "more atoms of a unit class than enabled units"};
	return il < sizeof names / sizeof *names ? names[il] : "?";
}

/* The report's lines go here until the first difference prints them all. */
static char report[8192];
static size_t report_len;
static unsigned ndiff;

static void diff(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diff(const char *fmt, ...)
{
	va_list ap;
	ndiff++;
	if (ndiff > 24 || report_len >= sizeof report - 1)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(report + report_len, sizeof report - report_len, fmt, ap);
	va_end(ap);
	if (k > 0)
		report_len += (size_t)k < sizeof report - report_len ? (size_t)k : sizeof report - report_len - 1;
}

static void fail(const struct chip *c, const struct rtl_in *in, const struct chip_exit *ex, uint64_t now)
{
	FILE *o = stderr;
	fprintf(o, "cdvm cosim: hw-sim and the RTL differ at bundle %llu (pc 0x%08x), issued at cycle %llu\n",
		(unsigned long long)L.bundles + 1, in->pc, (unsigned long long)cosim_cur.issued);
	fprintf(o, "  bundle:  ");
	if (in->nwords) {
		unsigned n = 0;
		while (n < in->nwords && n < RTL_MAX_BUNDLE && !((in->words[n] >> 7) & 1))
			n++;
		n = n < in->nwords ? n + 1 : in->nwords;
		isa_disasm(o, in->words, n, in->pc);
	} else {
		fprintf(o, "(outside memory)\n");
	}
	fprintf(o, "  hw-sim:  %s", reason_name(rtl_reason_of(ex)));
	if (ex && ex->reason != CHIP_EXIT_FIRMWARE)
		fprintf(o, " (slot %u, address 0x%08x%s%s)", ex->slot, ex->addr, ex->detail ? ": " : "",
			ex->detail ? ex->detail : "");
	fprintf(o, ", cycle after %llu\n", (unsigned long long)now);
	fprintf(o, "  RTL:     %s", reason_name(L.out.reason));
	if (L.out.reason > RTL_RS_EXIT)
		fprintf(o, " (slot %u, address 0x%08x%s%s)", L.out.slot, L.out.addr,
			L.out.reason == RTL_RS_ILLEGAL ? ": " : "",
			L.out.reason == RTL_RS_ILLEGAL ? illegal_name(L.out.illegal) : "");
	fprintf(o, ", cycle after %llu\n", (unsigned long long)L.after.now);
	fputs(report, o);
	if (ndiff > 24)
		fprintf(o, "  ... %u differences in all\n", ndiff);
	fprintf(o, "  (%llu bundles agreed before this one; the chip had run %llu bundles)\n",
		(unsigned long long)L.bundles, (unsigned long long)c->cnt[CNT_bundles]);
	exit(3);
}

static void fill_in(const struct chip *c, uint32_t pc, const struct chip_exit *ex, struct rtl_in *in)
{
	memset(in->m_status, 0, sizeof in->m_status);
	memset(in->fpu_fault, 0, sizeof in->fpu_fault);
	in->pc = pc;
	in->nwords = 0;
	if (pc < c->mem_size) {  /* a misaligned pc decodes all the same (and is illegal) */
		uint32_t avail = (c->mem_size - pc) / ISA_ATOM_BYTES;
		in->nwords = avail < RTL_MAX_BUNDLE ? avail : RTL_MAX_BUNDLE;
		for (unsigned k = 0; k < in->nwords; k++)
			memcpy(&in->words[k], c->mem + pc + k * ISA_ATOM_BYTES, sizeof in->words[k]);
	}
	in->fetch_stall = (uint32_t)(cosim_cur.fetched - cosim_cur.start);
	for (unsigned i = 0; i < RTL_MAX_BUNDLE; i++) {
		const struct cosim_slot *s = &cosim_cur.s[i];
		in->m_pa[i] = s->pa;
		in->m_pa2[i] = s->pa2;
		in->m_n1[i] = s->n1;
		in->m_raw[i] = s->raw;
		in->m_extra[i] = s->extra;
		in->fpu_v[i] = s->v;
		in->fpu_flags[i] = s->flags;
	}
	/* armed before the bundle (a flip it struck may have disarmed the last) or now */
	in->faults = c->faults_armed || L.armed;
	L.armed = c->faults_armed;
	if (in->faults)
		unit_stuck(c, cosim_cur.issued, in->uf_set, in->uf_clr);
	in->detect_unit = c->cfg.detect_unit;
	if (ex && ex->slot < RTL_MAX_BUNDLE) {
		/* what the memory system or the FPU decided for the faulting atom */
		if (ex->reason == CHIP_EXIT_MEMORY_FAULT)
			in->m_status[ex->slot] = RTL_MS_FAULT;
		else if (ex->reason == CHIP_EXIT_PROTECTION)
			in->m_status[ex->slot] = RTL_MS_PROT;
		else if (ex->reason == CHIP_EXIT_FPU_FAULT)
			in->fpu_fault[ex->slot] = true;
	}
}

static void compare_regs(const struct chip *c, bool all, uint64_t now)
{
	for (unsigned i = 0; i < (all ? RTL_NREGS : RTL_NSHADOW); i++) {
		if (c->r[i] != L.after.r[i])
			diff("  r%-2u     hw-sim 0x%08x, RTL 0x%08x\n", i, c->r[i], L.after.r[i]);
		if (all && until(c->ready[i], now) != L.after.rdy[i])
			diff("  r%-2u ready in  hw-sim %u cycles, RTL %u\n", i, until(c->ready[i], now), L.after.rdy[i]);
	}
	for (unsigned i = 1; i < RTL_NSHADOW; i++)
		if (c->shadow[i] != L.after.shadow[i])
			diff("  shadow r%-2u  hw-sim 0x%08x, RTL 0x%08x\n", i, c->shadow[i], L.after.shadow[i]);
	for (unsigned i = 0; all && i < RTL_NFREGS; i++)
		if (until(c->fready[i], now) != L.after.frdy[i])
			diff("  f%-2u ready in  hw-sim %u cycles, RTL %u\n", i, until(c->fready[i], now), L.after.frdy[i]);
}

static void compare_memory_state(const struct chip *c, const struct rtl_in *in)
{
	if (c->sb_n != L.after.sb_n)
		diff("  store buffer  hw-sim %u entries, RTL %u\n", c->sb_n, L.after.sb_n);
	for (unsigned e = 0; e < c->sb_n && e < L.after.sb_n && e < L.sb_entries; e++)
		if (c->sb[e].addr != L.after.sb_addr[e] || c->sb[e].val != L.after.sb_val[e] ||
		    c->sb[e].size != L.after.sb_size[e])
			diff("  store-buffer entry %u  hw-sim %u bytes at 0x%08x = 0x%x, RTL %u bytes at 0x%08x = 0x%x\n", e,
			     c->sb[e].size, c->sb[e].addr, c->sb[e].val, L.after.sb_size[e], L.after.sb_addr[e],
			     L.after.sb_val[e]);
	uint64_t av = c->alias_valid & (rtl_model_alias_entries() >= 64 ? ~0ull : (1ull << rtl_model_alias_entries()) - 1);
	if (av != L.after.alias_valid)
		diff("  alias entries valid  hw-sim 0x%llx, RTL 0x%llx\n", (unsigned long long)av,
		     (unsigned long long)L.after.alias_valid);
	for (uint64_t m = av & L.after.alias_valid; m; m &= m - 1) {
		unsigned e = (unsigned)__builtin_ctzll(m);
		if (c->alias[e].lo != L.after.alias_lo[e] || c->alias[e].hi != L.after.alias_hi[e])
			diff("  alias entry %u  hw-sim [0x%08x, 0x%08x), RTL [0x%08x, 0x%08x)\n", e, c->alias[e].lo,
			     c->alias[e].hi, L.after.alias_lo[e], L.after.alias_hi[e]);
	}
	for (unsigned u = 0; u < RTL_UNITS; u++)
		if (c->unit_mask[u] != L.after.unit_mask[u])
			diff("  %s unit mask  hw-sim 0x%x, RTL 0x%x\n", isa_unit_name((enum unit_class)u), c->unit_mask[u],
			     L.after.unit_mask[u]);
	uint32_t flip[RTL_FAULT_PORTS];
	if (in->faults)  /* none were armed before the bundle: none can be now, in either */
		unit_flips(c, flip);
	for (unsigned k = 0; in->faults && k < RTL_FAULT_PORTS; k++)
		if (flip[k] != L.after.uf_flip[k])
			diff("  flips armed on %s unit %u  hw-sim 0x%08x, RTL 0x%08x\n",
			     isa_unit_name((enum unit_class)(k / RTL_MAXU)), k % RTL_MAXU, flip[k], L.after.uf_flip[k]);
	for (unsigned i = 0; i < RTL_MAX_BUNDLE && i < rtl_model_width(); i++)
		if (cosim_cur.s[i].mem && cosim_cur.s[i].va != L.out.va[i])
			diff("  slot %u address  hw-sim 0x%08x, RTL 0x%08x\n", i, cosim_cur.s[i].va, L.out.va[i]);
}

void cosim_step(struct chip *c, uint32_t pc, const struct chip_exit *ex, uint32_t next_pc, uint64_t now)
{
	static struct rtl_in in;
	fill_in(c, pc, ex, &in);
	struct timespec t0, t1;  /* clock_gettime is a vDSO call: no system call per bundle */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rtl_model_step(&in, &L.out, &L.after);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	L.model_s += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	L.clocks += L.out.clocks;
	report_len = 0;
	report[0] = 0;
	ndiff = 0;
	unsigned want = rtl_reason_of(ex);
	bool faulted = want > RTL_RS_EXIT;
	if (L.out.reason != want)
		diff("  the outcome differs (above)\n");
	else if (faulted && (L.out.slot != ex->slot || L.out.addr != ex->addr))
		diff("  fault slot/address  hw-sim %u / 0x%08x, RTL %u / 0x%08x\n", ex->slot, ex->addr, L.out.slot,
		     L.out.addr);
	if (!faulted) {
		if (L.out.next_pc != next_pc)
			diff("  next pc  hw-sim 0x%08x, RTL 0x%08x\n", next_pc, L.out.next_pc);
		if (ex && L.out.code != ex->code)
			diff("  exit code  hw-sim %u, RTL %u\n", ex->code, L.out.code);
	}
	if (L.out.reason == want && (uint64_t)L.out.issue != cosim_cur.issued - cosim_cur.start)
		diff("  issue cycle  hw-sim %llu, RTL %llu\n", (unsigned long long)cosim_cur.issued,
		     (unsigned long long)(cosim_cur.start + L.out.issue));
	if (L.after.now != now)
		diff("  cycle after the bundle  hw-sim %llu, RTL %llu\n", (unsigned long long)now,
		     (unsigned long long)L.after.now);
	compare_regs(c, !faulted, now);
	compare_memory_state(c, &in);
	if (!faulted && L.out.commit) {
		if (L.out.rel_n != cosim_cur.nrel)
			diff("  stores released by the commit  hw-sim %u, RTL %u\n", cosim_cur.nrel, L.out.rel_n);
		for (unsigned e = 0; e < cosim_cur.nrel && e < L.out.rel_n && e < L.sb_entries; e++)
			if (cosim_cur.rel[e].addr != L.out.rel_addr[e] || cosim_cur.rel[e].val != L.out.rel_val[e] ||
			    cosim_cur.rel[e].size != L.out.rel_size[e])
				diff("  released store %u  hw-sim %u bytes at 0x%08x = 0x%x, RTL %u bytes at 0x%08x = 0x%x\n",
				     e, cosim_cur.rel[e].size, cosim_cur.rel[e].addr, cosim_cur.rel[e].val,
				     L.out.rel_size[e], L.out.rel_addr[e], L.out.rel_val[e]);
	}
	if (ndiff)
		fail(c, &in, ex, now);
	cosim_cur.nrel = 0;
	L.bundles++;
}
