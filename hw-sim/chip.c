/* hw-sim/chip.c — building a chip from its configuration; physical memory,
 * registers, commit/rollback, control registers, counters, fault-injection
 * points and reports.  The pipeline itself is in core.c. */
#include "hw-sim/chip_priv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const exit_names[] = {
#define CHIP_EXIT_NAME(n, text) text,
	CHIP_EXITS(CHIP_EXIT_NAME)
#undef CHIP_EXIT_NAME
};

static const char *const counter_names[CNT_COUNT] = {
#define COUNTER(name, doc) #name,
#include "native-isa/counters.def"
#undef COUNTER
};

static const char *const counter_docs[CNT_COUNT] = {
#define COUNTER(name, doc) doc,
#include "native-isa/counters.def"
#undef COUNTER
};

const char *chip_exit_name(enum chip_exit_reason r)
{
	return (unsigned)r < sizeof exit_names / sizeof exit_names[0] ? exit_names[r] : "?";
}

const char *chip_counter_name(enum counter_id id) { return id < CNT_COUNT ? counter_names[id] : "?"; }
const char *chip_counter_doc(enum counter_id id) { return id < CNT_COUNT ? counter_docs[id] : "?"; }

int chip_exit_describe(const struct chip_exit *e, char *buf, size_t n)
{
	switch (e->reason) {
	case CHIP_EXIT_FIRMWARE:
		return snprintf(buf, n, "exit to firmware with code %u at pc 0x%08x", e->code, e->pc);
	case CHIP_EXIT_MEMORY_FAULT:
	case CHIP_EXIT_ALIAS_FAULT:
	case CHIP_EXIT_PROTECTION:
		return snprintf(buf, n, "%s at pc 0x%08x slot %u, address 0x%08x", exit_names[e->reason], e->pc,
				e->slot, e->addr);
	case CHIP_EXIT_ILLEGAL_BUNDLE:
	case CHIP_EXIT_FAULT_DETECTED:
		return snprintf(buf, n, "%s at pc 0x%08x slot %u: %s", exit_names[e->reason], e->pc, e->slot,
				e->detail ? e->detail : "");
	default:
		return snprintf(buf, n, "%s at pc 0x%08x slot %u", chip_exit_name(e->reason), e->pc, e->slot);
	}
}

static uint32_t all_ones(unsigned n) { return n >= 32 ? 0xffffffffu : (1u << n) - 1; }

static void set_unit_mask(struct chip *c, enum unit_class u, uint32_t mask)
{
	c->unit_mask[u] = mask & all_ones(c->units[u]);
	c->units_enabled[u] = (unsigned)__builtin_popcount(c->unit_mask[u]);
	energy_meter_set(&c->unit_meter[u], 0, c->cnt[CNT_cycles], c->units_enabled[u]);
	/* decoded bundles carry their unit check: decode them again */
	if (c->dcache)
		for (size_t i = 0; i < DCACHE_ENTRIES; i++) {
			chip_fold_bundle(c, &c->dcache[i]);
			c->dcache[i].pc = DB_INVALID;
		}
}

static void set_way_mask(struct chip *c, unsigned level, uint32_t mask);

int chip_create(const struct cdvm_config *cfg, struct chip **out, char *err, size_t errlen)
{
	struct chip *c = calloc(1, sizeof *c);
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory creating the chip");
		return -1;
	}
	c->cfg = *cfg;
	x87_init(&c->fpu);
	c->fpu_shadow = c->fpu;
	chip_fpu_calibrate(c);
	uint64_t guest = (uint64_t)cfg->guest_mb << 20, hidden = (uint64_t)cfg->hidden_mb << 20;
	if (guest + hidden > 0xffffffffull) {
		snprintf(err, errlen, "memory.guest_mb + memory.hidden_mb exceed the 32-bit physical address space");
		free(c);
		return -1;
	}
	c->guest_limit = (uint32_t)guest;
	c->mem_size = (uint32_t)(guest + hidden);
	c->mem = calloc(1, c->mem_size);
	c->code_pages = calloc((c->mem_size >> PAGE_SHIFT) / 8 + 1, 1);
	c->dcache = calloc(DCACHE_ENTRIES, sizeof *c->dcache);
	c->dexecs = calloc(DCACHE_ENTRIES, sizeof *c->dexecs);
	c->next_fault = UINT64_MAX;
	c->sb_cap = (unsigned)cfg->store_buffer;
	c->sb = calloc(c->sb_cap, sizeof *c->sb);
	if (cfg->signature_bits) {
		c->sig_words = (unsigned)cfg->signature_bits / 32;
		c->sig = calloc(c->sig_words, sizeof *c->sig);
	}
	uint64_t *k = c->cnt;
	int rc = 0;
	if (c->mem && c->code_pages && c->dcache && c->sb) {
		rc |= cache_init(&c->l2, "l2", (uint32_t)cfg->l2_kb * 1024, (unsigned)cfg->l2_ways,
				 (unsigned)cfg->l2_line, (unsigned)cfg->l2_lat, NULL, (unsigned)cfg->mem_lat,
				 (struct cache_counters){&k[CNT_l2_hits], &k[CNT_l2_misses], &k[CNT_l2_evictions],
							 &k[CNT_l2_writebacks]});
		rc |= cache_init(&c->l1i, "l1i", (uint32_t)cfg->l1i_kb * 1024, (unsigned)cfg->l1i_ways,
				 (unsigned)cfg->l1i_line, (unsigned)cfg->l1i_lat, &c->l2, 0,
				 (struct cache_counters){&k[CNT_l1i_hits], &k[CNT_l1i_misses], &k[CNT_l1i_evictions],
							 &k[CNT_l1i_evictions] /* an L1I line is never dirty */});
		rc |= cache_init(&c->l1d, "l1d", (uint32_t)cfg->l1d_kb * 1024, (unsigned)cfg->l1d_ways,
				 (unsigned)cfg->l1d_line, (unsigned)cfg->l1d_lat, &c->l2, 0,
				 (struct cache_counters){&k[CNT_l1d_hits], &k[CNT_l1d_misses], &k[CNT_l1d_evictions],
							 &k[CNT_l1d_writebacks]});
	}
	struct cache *wb[2] = {&c->l1d, &c->l2};
	for (int i = 0; i < 2; i++) {
		wb[i]->ecc = cfg->cache_ecc;
		wb[i]->parity = cfg->detect_cache;
		wb[i]->corrected = &c->cnt[CNT_faults_corrected];
	}
	if (!c->mem || !c->code_pages || !c->dcache || !c->dexecs || !c->sb || rc || (cfg->signature_bits && !c->sig)) {
		snprintf(err, errlen, "out of memory creating the chip (%u MiB of physical memory)", c->mem_size >> 20);
		chip_destroy(c);
		return -1;
	}
	if (tlb_init(&c->tlb, (unsigned)cfg->tlb_entries, (unsigned)cfg->tlb_ways) < 0) {
		snprintf(err, errlen, "keys 'mmu.tlb.entries', 'mmu.tlb.ways': %d entries / %d ways is not a power-of-two "
			 "number of sets (or out of memory)", (int)cfg->tlb_entries, (int)cfg->tlb_ways);
		chip_destroy(c);
		return -1;
	}
	c->l1i.backing = c->l1d.backing = c->l2.backing = c->mem;   /* where a defect reads what it overrides */
	c->l1i.backing_size = c->l1d.backing_size = c->l2.backing_size = c->mem_size;
	for (size_t i = 0; i < DCACHE_ENTRIES; i++) {
		c->dcache[i].pc = DB_INVALID;
		c->dcache[i].slot = (uint16_t)i;
	}
	c->fetch_line = ~0u;
	chip_config_machine(cfg, c->units, c->lat);
	energy_coeffs_init(&c->ek, cfg);
	for (int u = 0; u < U_COUNT; u++)
		set_unit_mask(c, (enum unit_class)u, 0xffffffffu);
	for (unsigned i = 0; i < 3; i++)
		set_way_mask(c, i, 0xffffffffu);
	c->issue_width = (unsigned)cfg->issue_width;
	c->branch_penalty = (unsigned)cfg->branch_penalty;
	c->alias_entries = (unsigned)cfg->alias_entries;
	*out = c;
	return 0;
}

void chip_destroy(struct chip *c)
{
	if (!c)
		return;
	cache_free(&c->l1i);
	cache_free(&c->l1d);
	cache_free(&c->l2);
	tlb_free(&c->tlb);
	free(c->mem);
	free(c->code_pages);
	free(c->dcache);
	free(c->sb);
	free(c->sig);
	free(c->dexecs);
	free(c);
}

const struct cdvm_config *chip_config(const struct chip *c) { return &c->cfg; }

/* ---- registers, commit, rollback -------------------------------------------- */

uint32_t chip_reg(const struct chip *c, unsigned r) { return r < ISA_NREGS ? c->r[r] : 0; }
uint32_t chip_shadow(const struct chip *c, unsigned r) { return r < ISA_NSHADOW ? c->shadow[r] : 0; }
uint32_t *chip_x86_regs(struct chip *c) { return &c->r[R_EAX]; }

void chip_set_reg(struct chip *c, unsigned r, uint32_t v)
{
	if (r == R_ZERO || r >= ISA_NREGS)
		return;
	c->r[r] = v;
	if (r < ISA_NSHADOW)
		c->shadow[r] = v;
	c->reg_poison &= ~(1ull << r);
	if (r < ISA_NSHADOW)
		c->shadow_poison &= ~(1u << r);
}

static void drain_store_buffer(struct chip *c)
{
	for (unsigned i = 0; i < c->sb_n; i++) {
		const struct sb_entry *e = &c->sb[i];
		uint32_t v = e->val;
		uint8_t *p = c->mem + e->addr;
		if (c->store_hook)  /* before the write: the hook may read the old value */
			c->store_hook(c->store_hook_ctx, e->addr, e->size, e->val);
		p[0] = (uint8_t)v;
		if (e->size == 4) {
			p[1] = (uint8_t)(v >> 8);
			p[2] = (uint8_t)(v >> 16);
			p[3] = (uint8_t)(v >> 24);
		} else if (e->size >= 2) {  /* 3: a piece of a store split over two frames */
			p[1] = (uint8_t)(v >> 8);
			if (e->size == 3)
				p[2] = (uint8_t)(v >> 16);
		}
		/* the store buffer drains into L1D in the background: cache state
		 * and statistics change, no stall is charged */
		l1d_access(c, e->addr, e->size, true);
		if (c->n_mem_poison)
			chip_mem_unpoison(c, e->addr, e->size);
		uint32_t pg = e->addr >> PAGE_SHIFT, pg2 = (e->addr + e->size - 1) >> PAGE_SHIFT;
		if ((c->code_pages[pg / 8] >> (pg % 8) & 1) || (c->code_pages[pg2 / 8] >> (pg2 % 8) & 1))
			chip_invalidate_code(c, e->addr, e->size);
	}
	c->sb_n = 0;
	c->sb_lo = ~0u;
	c->sb_hi = 0;
	c->sb_poison = false;
}

void chip_config_machine(const struct cdvm_config *cfg, unsigned units[U_COUNT], unsigned lat[L_COUNT])
{
	units[U_ALU] = (unsigned)cfg->units_alu;
	units[U_MEM] = (unsigned)cfg->units_mem;
	units[U_MUL] = (unsigned)cfg->units_mul;
	units[U_BR] = (unsigned)cfg->units_br;
	units[U_FPU] = (unsigned)cfg->units_fpu;
	lat[L_ALU] = (unsigned)cfg->lat_alu;
	lat[L_MUL] = (unsigned)cfg->lat_mul;
	lat[L_DIV] = (unsigned)cfg->lat_div;
	lat[L_LOAD] = (unsigned)cfg->l1d_lat;
	lat[L_CTL] = (unsigned)cfg->lat_ctl;
	lat[L_FADD] = (unsigned)cfg->lat_fadd;
	lat[L_FMUL] = (unsigned)cfg->lat_fmul;
	lat[L_FDIV] = (unsigned)cfg->lat_fdiv;
	lat[L_FSQRT] = (unsigned)cfg->lat_fsqrt;
	lat[L_NONE] = 0;
}

int chip_rtl_params(const struct cdvm_config *cfg, char *buf, size_t n)
{
	unsigned units[U_COUNT], lat[L_COUNT];
	chip_config_machine(cfg, units, lat);
	return snprintf(buf, n,
			"-GWIDTH=%d -GN_ALU=%u -GN_MEM=%u -GN_MUL=%u -GN_BR=%u -GN_FPU=%u -GLAT_ALU=%u -GLAT_MUL=%u "
			"-GLAT_DIV=%u -GLAT_LOAD=%u -GLAT_CTL=%u -GLAT_FADD=%u -GLAT_FMUL=%u -GLAT_FDIV=%u -GLAT_FSQRT=%u "
			"-GBRANCH_PENALTY=%d -GSB_ENTRIES=%d -GALIAS_ENTRIES=%d -GSIG_WORDS=%d",
			(int)cfg->issue_width, units[U_ALU], units[U_MEM], units[U_MUL], units[U_BR], units[U_FPU],
			lat[L_ALU], lat[L_MUL], lat[L_DIV], lat[L_LOAD], lat[L_CTL], lat[L_FADD], lat[L_FMUL], lat[L_FDIV],
			lat[L_FSQRT], (int)cfg->branch_penalty, (int)cfg->store_buffer, (int)cfg->alias_entries,
			(int)cfg->signature_bits / 32);
}

struct x87_state *chip_fpu(struct chip *c) { return &c->fpu; }
void chip_fpu_written(struct chip *c) { c->fpu_dirty = true; }

void chip_commit(struct chip *c)
{
	memcpy(c->shadow, c->r, sizeof c->shadow);
	if (c->fpu_dirty) {
		c->fpu_shadow = c->fpu;
		c->fpu_dirty = false;
	}
	if (c->faults_armed) {
		c->shadow_poison = (uint32_t)(c->reg_poison & ((1ull << ISA_NSHADOW) - 1));
		if (c->shadow_stuck)
			chip_apply_shadow_stuck(c);
	}
	if (c->sb_n)
		drain_store_buffer(c);
	c->alias_valid = 0;
}

void chip_do_rollback(struct chip *c)
{
	memcpy(c->r, c->shadow, sizeof c->shadow);
	if (c->fpu_dirty) {
		c->fpu = c->fpu_shadow;
		c->fpu_dirty = false;
	}
	c->fnew_mask = 0;
	c->reg_poison = (c->reg_poison & ~((1ull << ISA_NSHADOW) - 1)) | c->shadow_poison;
	if (c->reg_stuck)
		chip_apply_reg_stuck(c);
	c->sb_n = 0;
	c->sb_lo = ~0u;
	c->sb_hi = 0;
	c->sb_poison = false;
	c->alias_valid = 0;
	chip_update_faults_armed(c);
}

void chip_count_rollback(struct chip *c, enum counter_id cause)
{
	c->cnt[CNT_rollbacks]++;
	c->cnt[cause]++;
}

void chip_rollback(struct chip *c)
{
	chip_count_rollback(c, CNT_rb_request);
	chip_do_rollback(c);
}

unsigned chip_sb_used(const struct chip *c) { return c->sb_n; }

/* ---- memory ----------------------------------------------------------------- */

uint32_t chip_mem_size(const struct chip *c) { return c->mem_size; }
uint32_t chip_guest_limit(const struct chip *c) { return c->guest_limit; }
uint8_t *chip_mem(struct chip *c) { return c->mem; }

static bool in_mem(const struct chip *c, uint32_t addr, uint32_t n)
{
	return addr <= c->mem_size && n <= c->mem_size - addr;
}

int chip_mem_read(const struct chip *c, uint32_t addr, void *buf, uint32_t n)
{
	if (!in_mem(c, addr, n))
		return -1;
	memcpy(buf, c->mem + addr, n);
	return 0;
}

int chip_mem_write(struct chip *c, uint32_t addr, const void *buf, uint32_t n)
{
	if (!in_mem(c, addr, n))
		return -1;
	memcpy(c->mem + addr, buf, n);
	chip_mem_written(c, addr, n);
	return 0;
}

void chip_mem_written(struct chip *c, uint32_t addr, uint32_t n)
{
	chip_invalidate_code(c, addr, n);
	if (c->n_mem_poison)
		chip_mem_unpoison(c, addr, n);
}

unsigned chip_dcache_access(struct chip *c, uint32_t addr, unsigned size, bool write)
{
	return l1d_access(c, addr, size, write);
}

/* ---- time, counters, control registers ---------------------------------------- */

void chip_lazy_counters(const struct chip *c, uint64_t out[LAZY_COUNT])
{
	for (unsigned k = 0; k < LAZY_COUNT; k++)
		out[k] = c->cnt[LAZY_FIRST + k];
	for (size_t i = 0; i < DCACHE_ENTRIES; i++)
		if (c->dexecs[i])
			for (unsigned k = 0; k < LAZY_COUNT; k++)
				out[k] += c->dexecs[i] * bundle_lazy(&c->dcache[i], k);
}

uint64_t chip_counter(const struct chip *c, enum counter_id id)
{
	if ((unsigned)id >= CNT_COUNT)
		return 0;
	if (!counter_is_lazy(id))
		return c->cnt[id];
	uint64_t v[LAZY_COUNT];
	chip_lazy_counters(c, v);
	return v[id - LAZY_FIRST];
}
uint64_t chip_cycles(const struct chip *c) { return c->cnt[CNT_cycles]; }

void chip_charge(struct chip *c, uint64_t n)
{
	c->cnt[CNT_cycles] += n;
	c->cnt[CNT_firmware_cycles] += n;
	if (c->cnt[CNT_cycles] >= c->next_fault)
		chip_fault_fire(c, c->cnt[CNT_cycles]);
}

static struct cache *cache_by_cr(struct chip *c, unsigned num)
{
	return num == CR_WAYS_L1I ? &c->l1i : num == CR_WAYS_L1D ? &c->l1d : num == CR_WAYS_L2 ? &c->l2 : NULL;
}

static struct cache *cache_by_level(struct chip *c, unsigned level)
{
	return cache_by_cr(c, CR_WAYS_L1I + level);
}

/* Ways of L1I (0), L1D (1) or L2 (2): the energy meters see the change
 * (ways on per access and cycle, shadow tags read per miss). */
static void set_way_mask(struct chip *c, unsigned level, uint32_t mask)
{
	struct cache *k = cache_by_level(c, level);
	cache_set_way_mask(k, mask);  /* (this cache's accesses and misses stay) */
	energy_meter_set(&c->way_meter[level], chip_cache_accesses(c, level), c->cnt[CNT_cycles], k->enabled);
	energy_meter_set(&c->shadow_meter[level], *k->cnt.misses, c->cnt[CNT_cycles], k->ways - k->enabled);
	if (level == 0)
		c->fetch_line = ~0u;
}

int chip_read_cr(struct chip *c, unsigned num, uint32_t *val)
{
	if (num >= ISA_CR_CNT_BASE && num < ISA_CR_CNT_BASE + 2 * CNT_COUNT) {
		uint64_t v = chip_counter(c, (enum counter_id)((num - ISA_CR_CNT_BASE) / 2));
		*val = (num & 1) ? (uint32_t)(v >> 32) : (uint32_t)v;
		return 0;
	}
	if (num >= ISA_CR_SIG_BASE && num < ISA_CR_SIG_BASE + c->sig_words) {
		*val = c->sig[num - ISA_CR_SIG_BASE];
		return 0;
	}
	if (num >= ISA_CR_DEPTH_BASE && num < ISA_CR_DEPTH_BASE + 3 * 32) {
		const struct cache *k = cache_by_level(c, (num - ISA_CR_DEPTH_BASE) / 32);
		uint64_t v = k->depth[(num - ISA_CR_DEPTH_BASE) % 32];
		*val = v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
		return 0;
	}
	switch (num) {
	case CR_UNITS_ALU: case CR_UNITS_MEM: case CR_UNITS_MUL: case CR_UNITS_BR: case CR_UNITS_FPU:
		*val = c->unit_mask[num - CR_UNITS_ALU];
		return 0;
	case CR_FPU_CW: *val = c->fpu.cw; return 0;
	case CR_FPU_SW: *val = c->fpu.sw; return 0;
	case CR_WAYS_L1I: case CR_WAYS_L1D: case CR_WAYS_L2:
		*val = cache_by_cr(c, num)->way_mask;
		return 0;
	case CR_GUEST_LIMIT: *val = c->guest_limit; return 0;
	case CR_MEM_SIZE: *val = c->mem_size; return 0;
	case CR_SB_USED: *val = c->sb_n; return 0;
	case CR_ISSUE_WIDTH: *val = c->issue_width; return 0;
	case CR_SCRATCH0: case CR_SCRATCH1: *val = c->scratch[num - CR_SCRATCH0]; return 0;
	case CR_PAGEDIR: *val = c->pagedir; return 0;
	case CR_TLB_FLUSH: *val = 0; return 0;
	case CR_SIG_CTRL: *val = c->sig_on; return 0;
	case CR_DEPTH_CTRL: *val = c->l1d.monitor; return 0;
	case CR_SMC_SHIFT: *val = c->smc_shift; return 0;
	case CR_SMCMAP: *val = c->smcmap; return 0;
	default: return -1;
	}
}

int chip_write_cr(struct chip *c, unsigned num, uint32_t val)
{
	switch (num) {
	case CR_UNITS_ALU: case CR_UNITS_MEM: case CR_UNITS_MUL: case CR_UNITS_BR: case CR_UNITS_FPU:
		set_unit_mask(c, (enum unit_class)(num - CR_UNITS_ALU), val);
		return 0;
	case CR_FPU_CW:   /* fldcw: an exception it unmasks is pending (ES and B) */
		c->fpu.cw = (uint16_t)val;
		if (c->fpu.sw & ~val & X87_EXC)
			c->fpu.sw |= X87_ES | 0x8000u;
		else
			c->fpu.sw &= (uint16_t)~(X87_ES | 0x8000u);
		c->fpu_dirty = true;
		return 0;
	case CR_FPU_SW:
		c->fpu.sw = (uint16_t)val;
		c->fpu_dirty = true;
		return 0;
	case CR_WAYS_L1I: case CR_WAYS_L1D: case CR_WAYS_L2:
		set_way_mask(c, num - CR_WAYS_L1I, val);
		return 0;
	case CR_SIG_CTRL:
		if (c->sig)
			memset(c->sig, 0, c->sig_words * sizeof *c->sig);
		c->sig_on = c->sig && (val & 1);
		return 0;
	case CR_DEPTH_CTRL:
		for (unsigned i = 0; i < 3; i++) {
			struct cache *k = cache_by_level(c, i);
			memset(k->depth, 0, sizeof k->depth);
			k->monitor = val & 1;
		}
		return 0;
	case CR_SCRATCH0: case CR_SCRATCH1:
		c->scratch[num - CR_SCRATCH0] = val;
		return 0;
	case CR_PAGEDIR:
		return chip_set_pagedir(c, val);
	case CR_TLB_FLUSH:
		chip_tlb_flush(c, val);
		return 0;
	case CR_SMC_SHIFT:
		if (val < 4 || val > ISA_PAGE_SHIFT)
			return -1;
		c->smc_shift = val;
		return 0;
	case CR_SMCMAP: {
		/* one bit per chunk of guest RAM (the bitmap is indexed by
		 * guest-physical address), and a byte more */
		uint64_t bytes = ((uint64_t)c->guest_limit >> c->smc_shift) / 8 + 1;
		if (val && (!c->smc_shift || val >= c->mem_size || bytes > c->mem_size - val))
			return -1;
		c->smcmap = val;
		return 0;
	}
	default:
		return -1;
	}
}

void chip_set_store_hook(struct chip *c, chip_store_hook fn, void *ctx)
{
	c->store_hook = fn;
	c->store_hook_ctx = ctx;
}

/* ---- reports -------------------------------------------------------------------- */

void chip_print_registers(const struct chip *c, FILE *out)
{
	for (unsigned r = 0; r < ISA_NREGS; r++) {
		fprintf(out, "r%-2u %08x%s", r, c->r[r], (r % 8 == 7) ? "\n" : "  ");
	}
}

void chip_print_counters(const struct chip *c, FILE *out)
{
	for (int i = 0; i < CNT_COUNT; i++)
		fprintf(out, "%-16s %12llu  %s\n", counter_names[i], (unsigned long long)chip_counter(c, (enum counter_id)i), counter_docs[i]);
}

/* A JSON string of s, or of a placeholder when s is not UTF-8. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("(not UTF-8)");
}

/* exec-native --stats-json, through libjansson. */
void chip_write_json(const struct chip *c, FILE *out, const struct chip_exit *ex)
{
	json_t *o = json_object(), *regs = json_array(), *cnt = json_object();
	int rc = !o || !regs || !cnt;
	rc |= json_object_set_new(o, "config", json_text(c->cfg.name));
	if (ex) {
		char d[256];
		chip_exit_describe(ex, d, sizeof d);
		json_t *e = json_object();
		rc |= json_object_set_new(e, "reason", json_string(chip_exit_name(ex->reason)));
		rc |= json_object_set_new(e, "pc", json_integer(ex->pc));
		rc |= json_object_set_new(e, "code", json_integer(ex->code));
		rc |= json_object_set_new(e, "addr", json_integer(ex->addr));
		rc |= json_object_set_new(e, "text", json_text(d));
		rc |= json_object_set_new(o, "exit", e);
	}
	for (unsigned r = 0; r < ISA_NREGS; r++)
		rc |= json_array_append_new(regs, json_integer(c->r[r]));
	rc |= json_object_set_new(o, "registers", regs);
	for (int i = 0; i < CNT_COUNT; i++)
		rc |= json_object_set_new(cnt, counter_names[i], json_integer((json_int_t)chip_counter(c, (enum counter_id)i)));
	rc |= json_object_set_new(o, "counters", cnt);
	if (!rc && !json_dumpf(o, out, JSON_INDENT(2)))
		fputc('\n', out);
	json_decref(o);
}
