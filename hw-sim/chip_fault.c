/* hw-sim/chip_fault.c — the chip's fault injection points and its fault
 * schedule.
 *
 * A fault (hw-sim/fault.h) is armed with its cycle and strikes when the
 * cycle count reaches it: chip_run stops its bundle loop at c->next_fault
 * (as at the cycle limit) and chip_charge checks after firmware work, so
 * a fault lands between two bundles or during the firmware's time.  What
 * a fault does, by target:
 *   unit     a unit_fault: the unit's results (core.c apply_unit_fault; a
 *            branch unit's: the target it computes) flip once, or stay
 *            stuck, or are stuck in the windows of an intermittent fault
 *   reg      a flip of the working register (parity: poisoned) or a stuck
 *            cell, re-applied after every write (chip_apply_reg_stuck)
 *   shadow   the same for a shadow copy (applied at commit)
 *   cache    a flip of a word of a physical line (nothing when the line is
 *            invalid); stuck: a defect of that cell (cache.c)
 *   tag      a flip of a valid line's tag: the line answers for another
 *            address with the data it held
 *   way      a defect of every line of one way
 *   sb       a flip of a buffered store's value (nothing when the entry is
 *            empty)
 *   mem      a flip of a physical word (ECC: poisoned, single-bit flips
 *            correctable under faults.ecc)
 * Intermittent storage faults are stuck in their windows: the schedule
 * sets the cell at each window's start and releases it at its end. */
#include "hw-sim/chip_priv.h"
#include "hw-sim/cosim.h"

#include <stdio.h>
#include <string.h>

void chip_update_faults_armed(struct chip *c)
{
	bool any = c->reg_poison || c->n_mem_poison || c->n_mem_stuck || c->reg_stuck || c->shadow_stuck ||
		   c->shadow_poison || c->sb_poison ||
		   cache_has_faults(&c->l1i) || cache_has_faults(&c->l1d) || cache_has_faults(&c->l2);
	for (int i = 0; i < MAX_UNIT_FAULTS; i++)
		any |= c->unit_faults[i].armed;
	c->faults_armed = any;
}

int chip_inject_register(struct chip *c, unsigned reg, unsigned bit)
{
	if (reg == R_ZERO || reg >= ISA_NREGS || bit > 31)
		return -1;
	c->r[reg] ^= 1u << bit;
	c->cnt[CNT_faults_injected]++;
	if (c->cfg.detect_register)
		c->reg_poison |= 1ull << reg;
	chip_update_faults_armed(c);
	return 0;
}

bool chip_mem_poisoned(const struct chip *c, uint32_t addr, unsigned size)
{
	for (unsigned i = 0; i < c->n_mem_poison; i++) {
		uint32_t w = c->mem_poison[i];
		if (addr < w + 4 && w < addr + size)
			return true;
	}
	return false;
}

void chip_mem_unpoison(struct chip *c, uint32_t addr, unsigned size)
{
	/* ECC is recomputed when the whole word is rewritten; a partial write
	 * keeps the word marked (read-modify-write would detect it) */
	for (unsigned i = 0; i < c->n_mem_poison;) {
		uint32_t w = c->mem_poison[i];
		if (addr <= w && w + 4 <= addr + size) {
			c->n_mem_poison--;
			c->mem_poison[i] = c->mem_poison[c->n_mem_poison];
			c->mem_poison_mask[i] = c->mem_poison_mask[c->n_mem_poison];
		} else {
			i++;
		}
	}
	chip_update_faults_armed(c);
}

/* ECC with correction (faults.ecc): a word of [addr, addr+size) with a
 * single flipped bit is repaired in memory and counted.  Returns whether
 * a poisoned word remains (a double flip: detected, not corrected). */
bool chip_mem_correct(struct chip *c, uint32_t addr, unsigned size)
{
	bool left = false;
	for (unsigned i = 0; i < c->n_mem_poison;) {
		uint32_t w = c->mem_poison[i], m = c->mem_poison_mask[i];
		if (!(addr < w + 4 && w < addr + size)) {
			i++;
			continue;
		}
		if (!c->cfg.fault_ecc || __builtin_popcount(m) != 1) {
			left = true;
			i++;
			continue;
		}
		for (unsigned b = 0; b < 4; b++)
			c->mem[w + b] ^= (uint8_t)(m >> (8 * b));
		c->cnt[CNT_faults_corrected]++;
		c->n_mem_poison--;
		c->mem_poison[i] = c->mem_poison[c->n_mem_poison];
		c->mem_poison_mask[i] = c->mem_poison_mask[c->n_mem_poison];
	}
	chip_update_faults_armed(c);
	return left;
}

static bool in_memory(const struct chip *c, uint32_t addr, uint32_t n)
{
	return addr <= c->mem_size && n <= c->mem_size - addr;
}

int chip_inject_memory(struct chip *c, uint32_t addr, unsigned bit)
{
	addr &= ~3u;
	if (!in_memory(c, addr, 4) || bit > 31)
		return -1;
	unsigned i = 0;
	if (c->cfg.detect_memory || c->cfg.fault_ecc) {
		/* the ECC's record first: a flip it could not record would be
		 * one it cannot see (refused, nothing changed) */
		while (i < c->n_mem_poison && c->mem_poison[i] != addr)
			i++;
		if (i == c->n_mem_poison) {
			if (c->n_mem_poison == MAX_MEM_POISON)
				return -1;
			c->mem_poison[c->n_mem_poison] = addr;
			c->mem_poison_mask[c->n_mem_poison++] = 0;
		}
		c->mem_poison_mask[i] ^= 1u << bit;
	}
	c->mem[addr + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	chip_invalidate_code(c, addr, 4);
	c->cnt[CNT_faults_injected]++;
	chip_update_faults_armed(c);
	return 0;
}

static struct cache *cache_at(struct chip *c, unsigned level)
{
	return level == 0 ? &c->l1i : level == 1 ? &c->l1d : level == 2 ? &c->l2 : NULL;
}

/* An instruction-cache flip corrupts the fetched atom: the decoded copy of
 * that code must be rebuilt from the (faulty) line. */
static void l1i_changed(struct chip *c, uint32_t addr, uint32_t n)
{
	chip_invalidate_code(c, addr, n);
	c->fetch_line = ~0u;
}

int chip_inject_cache(struct chip *c, unsigned level, uint32_t addr, unsigned bit)
{
	struct cache *k = cache_at(c, level);
	if (!k || cache_inject(k, addr, bit) < 0)
		return -1;
	c->cnt[CNT_faults_injected]++;
	if (level == 0)
		l1i_changed(c, addr & ~3u, 4);
	chip_update_faults_armed(c);
	return 0;
}

int chip_inject_unit(struct chip *c, enum unit_class cls, unsigned index, uint32_t mask, bool stuck)
{
	if (cls >= U_COUNT || index >= c->units[cls] || !mask)
		return -1;
	for (int i = 0; i < MAX_UNIT_FAULTS; i++) {
		struct unit_fault *f = &c->unit_faults[i];
		if (!f->armed) {
			*f = (struct unit_fault){.armed = true, .kind = stuck ? FK_STUCK1 : FK_FLIP,
						 .cls = (uint8_t)cls, .index = (uint8_t)index, .mask = mask};
			c->faults_armed = true;
			return 0;
		}
	}
	return -1;
}

void chip_clear_faults(struct chip *c)
{
	memset(c->unit_faults, 0, sizeof c->unit_faults);
	c->reg_poison = 0;
	c->n_mem_poison = 0;
	c->n_mem_stuck = 0;
	c->shadow_poison = 0;
	c->reg_stuck = 0;
	c->shadow_stuck = 0;
	c->nsched = 0;
	c->next_fault = UINT64_MAX;
	struct cache *all[3] = {&c->l1i, &c->l1d, &c->l2};
	for (int i = 0; i < 3; i++) {
		all[i]->nfaults = all[i]->ndefects = 0;
		memset(all[i]->faults, 0, sizeof all[i]->faults);
		memset(all[i]->defects, 0, sizeof all[i]->defects);
	}
	chip_update_faults_armed(c);
}

/* ---- stuck register cells ------------------------------------------------------ */

void chip_apply_reg_stuck(struct chip *c)
{
	for (uint64_t m = c->reg_stuck; m; m &= m - 1) {
		unsigned r = (unsigned)__builtin_ctzll(m);
		uint32_t v = (c->r[r] | c->reg_set[r]) & ~c->reg_clr[r];
		if (v != c->r[r] && c->cfg.detect_register)
			c->reg_poison |= 1ull << r;
		c->r[r] = v;
	}
}

void chip_apply_shadow_stuck(struct chip *c)
{
	for (uint32_t m = c->shadow_stuck; m; m &= m - 1) {
		unsigned r = (unsigned)__builtin_ctz(m);
		uint32_t v = (c->shadow[r] | c->shadow_set[r]) & ~c->shadow_clr[r];
		if (v != c->shadow[r] && c->cfg.detect_register)
			c->shadow_poison |= 1u << r;
		c->shadow[r] = v;
	}
}

uint64_t chip_reg_poison(const struct chip *c) { return c->reg_poison; }

int chip_restore_reg(struct chip *c, unsigned r)
{
	if (r == R_ZERO || r >= ISA_NSHADOW || (c->shadow_poison >> r & 1))
		return -1;
	c->r[r] = c->shadow[r];
	c->reg_poison &= ~(1ull << r);
	chip_apply_reg_stuck(c);
	chip_update_faults_armed(c);
	return (c->reg_poison >> r & 1) ? -1 : 0;
}

/* ---- arming and the schedule ---------------------------------------------------- */

static int arm_fail(char *err, size_t errlen, const struct fault_spec *f, const char *why)
{
	char t[160];
	fault_spec_format(f, t, sizeof t);
	snprintf(err, errlen, "--inject '%s': %s", t, why);
	return -1;
}

int chip_fault_arm(struct chip *c, const struct fault_spec *f, char *err, size_t errlen)
{
	char why[160];
	switch (f->target) {
	case FT_UNIT:
		if (f->cls >= U_COUNT || f->index >= c->units[f->cls]) {
			snprintf(why, sizeof why, "this chip has %u %s unit%s (core.units.%s)", c->units[f->cls % U_COUNT],
				 isa_unit_name((enum unit_class)(f->cls % U_COUNT)), c->units[f->cls % U_COUNT] == 1 ? "" : "s",
				 isa_unit_name((enum unit_class)(f->cls % U_COUNT)));
			return arm_fail(err, errlen, f, why);
		}
		break;
	case FT_REG:
	case FT_SHADOW:
		break;
	case FT_CACHE:
	case FT_TAG: {
		struct cache *k = cache_at(c, f->level);
		unsigned lines = k->sets * k->ways, words = cache_line_size(k) / 4;
		if (f->line >= lines) {
			snprintf(why, sizeof why, "line %u out of range: the %s has %u lines (0..%u)", f->line, k->name, lines,
				 lines - 1);
			return arm_fail(err, errlen, f, why);
		}
		if (f->target == FT_CACHE && f->word >= words) {
			snprintf(why, sizeof why, "word %u out of range: a %s line has %u words", f->word, k->name, words);
			return arm_fail(err, errlen, f, why);
		}
		if (f->target == FT_TAG && f->bit >= cache_tag_bits(k)) {
			snprintf(why, sizeof why, "bit %u out of range: a %s tag has %u bits", f->bit, k->name,
				 cache_tag_bits(k));
			return arm_fail(err, errlen, f, why);
		}
		if (f->target == FT_TAG && f->kind != FK_FLIP)
			return arm_fail(err, errlen, f, "a tag fault is a flip (kind=flip)");
		break;
	}
	case FT_WAY: {
		struct cache *k = cache_at(c, f->level);
		if (f->way >= k->ways) {
			snprintf(why, sizeof why, "way %u out of range: the %s has %u ways", f->way, k->name, k->ways);
			return arm_fail(err, errlen, f, why);
		}
		if (f->kind == FK_FLIP || f->kind == FK_INTERMITTENT)
			return arm_fail(err, errlen, f, "a way defect is permanent (kind=stuck or stuck0)");
		break;
	}
	case FT_SB:
		if (f->entry >= c->sb_cap) {
			snprintf(why, sizeof why, "entry %u out of range: the store buffer has %u entries", f->entry, c->sb_cap);
			return arm_fail(err, errlen, f, why);
		}
		if (f->kind != FK_FLIP)
			return arm_fail(err, errlen, f, "a store-buffer fault is a flip (kind=flip)");
		break;
	case FT_MEM:
		if (!in_memory(c, f->addr, 4)) {
			snprintf(why, sizeof why, "address 0x%08x outside physical memory (0..0x%08x)", f->addr, c->mem_size - 1);
			return arm_fail(err, errlen, f, why);
		}
		break;
	default:
		return arm_fail(err, errlen, f, "unknown target");
	}
	if (c->nsched == MAX_SCHEDULED) {
		snprintf(why, sizeof why, "at most %d faults per run", MAX_SCHEDULED);
		return arm_fail(err, errlen, f, why);
	}
	c->sched_off[c->nsched] = false;
	c->sched_next[c->nsched] = f->at;
	c->sched[c->nsched++] = *f;
	if (f->at < c->next_fault)
		c->next_fault = f->at;
	return 0;
}

uint64_t chip_fault_events(const struct chip *c) { return c->fault_events; }
bool chip_faults_scheduled(const struct chip *c) { return c->nsched || c->faults_armed; }
uint64_t chip_fault_first_cycle(const struct chip *c) { return c->first_fault_cycle; }

/* A stuck (or, released, no longer stuck) register cell. */
static void stick_reg(struct chip *c, const struct fault_spec *f, bool on)
{
	uint32_t bit = 1u << f->bit;
	bool zero = f->kind == FK_STUCK0;
	if (f->target == FT_REG) {
		c->reg_set[f->reg] = on && !zero ? c->reg_set[f->reg] | bit : c->reg_set[f->reg] & ~bit;
		c->reg_clr[f->reg] = on && zero ? c->reg_clr[f->reg] | bit : c->reg_clr[f->reg] & ~bit;
		c->reg_stuck = (c->reg_set[f->reg] | c->reg_clr[f->reg]) ? c->reg_stuck | 1ull << f->reg
									  : c->reg_stuck & ~(1ull << f->reg);
		chip_apply_reg_stuck(c);
	} else {
		c->shadow_set[f->reg] = on && !zero ? c->shadow_set[f->reg] | bit : c->shadow_set[f->reg] & ~bit;
		c->shadow_clr[f->reg] = on && zero ? c->shadow_clr[f->reg] | bit : c->shadow_clr[f->reg] & ~bit;
		c->shadow_stuck = (c->shadow_set[f->reg] | c->shadow_clr[f->reg]) ? c->shadow_stuck | 1u << f->reg
										  : c->shadow_stuck & ~(1u << f->reg);
		chip_apply_shadow_stuck(c);
	}
}

/* A stuck memory cell (or, released, no longer stuck). */
static void stick_mem(struct chip *c, const struct fault_spec *f, bool on)
{
	unsigned i = 0;
	while (i < c->n_mem_stuck && c->mem_stuck[i].addr != f->addr)
		i++;
	if (i == c->n_mem_stuck) {
		if (!on || i == MAX_MEM_STUCK)
			return;
		c->mem_stuck[c->n_mem_stuck++] = (struct mem_stuck){f->addr, 0, 0};
	}
	struct mem_stuck *s = &c->mem_stuck[i];
	uint32_t bit = 1u << f->bit;
	bool zero = f->kind == FK_STUCK0;
	s->set = on && !zero ? s->set | bit : s->set & ~bit;
	s->clr = on && zero ? s->clr | bit : s->clr & ~bit;
	chip_invalidate_code(c, f->addr, 4);
	if (!s->set && !s->clr)
		c->mem_stuck[i] = c->mem_stuck[--c->n_mem_stuck];
}

/* f strikes now (on: an intermittent fault's window opens; off: closes).
 * Returns the cycle of its next event, or UINT64_MAX when it is done. */
static uint64_t strike(struct chip *c, const struct fault_spec *f, bool off, uint64_t now)
{
	bool stuck = f->kind != FK_FLIP;
	uint32_t bit = 1u << f->bit;
	switch (f->target) {
	case FT_UNIT:
		for (int i = 0; i < MAX_UNIT_FAULTS; i++) {
			struct unit_fault *u = &c->unit_faults[i];
			if (!u->armed) {
				*u = (struct unit_fault){.armed = true, .kind = (uint8_t)f->kind, .cls = (uint8_t)f->cls,
							 .index = (uint8_t)f->index, .mask = bit, .at = f->at,
							 .period = f->period, .len = f->len};
				break;
			}
		}
		return UINT64_MAX;
	case FT_REG:
	case FT_SHADOW:
		if (stuck) {
			stick_reg(c, f, !off);
			break;
		}
		if (f->target == FT_REG) {
			chip_inject_register(c, f->reg, f->bit);
			return UINT64_MAX;
		}
		c->shadow[f->reg] ^= bit;
		if (c->cfg.detect_register)
			c->shadow_poison |= 1u << f->reg;
		return UINT64_MAX;
	case FT_CACHE:
	case FT_TAG: {
		struct cache *k = cache_at(c, f->level);
		if (stuck) {
			struct cache_defect d = {.whole_way = false, .stuck0 = f->kind == FK_STUCK0, .where = f->line,
						 .word = f->word, .bit = f->bit};
			if (!off)
				cache_add_defect(k, &d);
			else
				for (unsigned i = 0; i < CACHE_MAX_DEFECTS; i++)
					if (k->defects[i].valid && !k->defects[i].whole_way && k->defects[i].where == f->line &&
					    k->defects[i].word == f->word && k->defects[i].bit == f->bit) {
						k->defects[i].valid = false;
						k->ndefects--;
						break;
					}
		} else {
			uint32_t a = k->tag[f->line] << k->line_shift;
			if (f->target == FT_CACHE ? cache_inject_line(k, f->line, f->word, f->bit) == 0
						  : cache_inject_tag(k, f->line, f->bit) == 0)
				c->cnt[CNT_faults_injected]++;
			if (f->level == 0)
				l1i_changed(c, a, cache_line_size(k));
			return UINT64_MAX;
		}
		break;
	}
	case FT_WAY: {
		struct cache_defect d = {.whole_way = true, .stuck0 = f->kind == FK_STUCK0, .where = f->way, .word = 0,
					 .bit = f->bit};
		cache_add_defect(cache_at(c, f->level), &d);
		if (f->level == 0)
			l1i_changed(c, 0, c->mem_size);
		return UINT64_MAX;
	}
	case FT_SB:
		if (f->entry < c->sb_n) {
			uint32_t m = bit & (c->sb[f->entry].size == 4 ? ~0u : (1u << (8 * c->sb[f->entry].size)) - 1);
			c->sb[f->entry].val ^= m;
			if (m) {
				c->cnt[CNT_faults_injected]++;
				c->sb_poison |= c->cfg.detect_store_buffer;
			}
		}
		return UINT64_MAX;
	case FT_MEM:
		if (!stuck) {
			chip_inject_memory(c, f->addr, f->bit);
			return UINT64_MAX;
		}
		stick_mem(c, f, !off);
		break;
	default:
		return UINT64_MAX;
	}
	if (f->kind != FK_INTERMITTENT)
		return UINT64_MAX;
	/* the window's end, or the next window's start */
	uint64_t k = (now - f->at) / f->period;
	return off ? f->at + (k + 1) * f->period : f->at + k * f->period + f->len;
}

void chip_fault_fire(struct chip *c, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < c->nsched;) {
		struct fault_spec *f = &c->sched[i];
		if (c->sched_next[i] > now) {
			next = c->sched_next[i] < next ? c->sched_next[i] : next;
			i++;
			continue;
		}
		bool off = c->sched_off[i];
		if (!off) {
			c->fault_events++;
			if (!c->first_fault_cycle)
				c->first_fault_cycle = now ? now : 1;
		}
		uint64_t again = strike(c, f, off, now);
		if (f->target == FT_UNIT || again == UINT64_MAX) {
			c->nsched--;
			c->sched[i] = c->sched[c->nsched];
			c->sched_off[i] = c->sched_off[c->nsched];
			c->sched_next[i] = c->sched_next[c->nsched];
			continue;
		}
		/* an intermittent storage fault: its next event */
		c->sched_off[i] = !off;
		c->sched_next[i] = again > now ? again : now + 1;
		next = c->sched_next[i] < next ? c->sched_next[i] : next;
		i++;
	}
	c->next_fault = next;
	COSIM(cosim_faults_changed(c, now));
	chip_update_faults_armed(c);
}

/* ---- repair doors ---------------------------------------------------------------- */

int chip_cache_scrub(struct chip *c, uint32_t addr)
{
	/* every copy goes: a corruption the L2 holds reaches the L1s again
	 * (what ECC can correct never gets here: it is corrected at the read) */
	int rc = cache_drop(&c->l1d, addr) | cache_drop(&c->l2, addr);
	cache_drop(&c->l1i, addr);
	l1i_changed(c, addr & ~(cache_line_size(&c->l1i) - 1), cache_line_size(&c->l1i));
	chip_update_faults_armed(c);
	return rc ? -1 : 0;
}

uint32_t chip_walk_fault_addr(const struct chip *c) { return c->walk_fault_addr; }

/* ---- the firmware's own reads ----------------------------------------------------- */

int chip_fw_read(struct chip *c, uint32_t pa, uint32_t n, uint8_t *buf, uint32_t *where)
{
	if (!c->faults_armed || !in_memory(c, pa, n))
		return 0;
	/* word by word, each piece as a load of it would meet it */
	for (uint32_t lo = pa; lo < pa + n;) {
		uint32_t hi = (lo & ~3u) + 4 < pa + n ? (lo & ~3u) + 4 : pa + n, m;
		unsigned hit = read_check(c, &c->l1d, lo, hi - lo, &m);
		if (hit) {
			*where = lo & ~3u;
			return (int)hit;
		}
		for (uint32_t a = lo; buf && a < hi; a++)   /* memory as ECC left it, then what is wrong */
			buf[a - pa] = c->mem[a] ^ (uint8_t)(m >> (8 * (a - lo)));
		lo = hi;
	}
	return 0;
}

int chip_take_wb_error(struct chip *c, uint32_t *addr)
{
	struct cache *k[2] = {&c->l1d, &c->l2};
	for (int i = 0; i < 2; i++)
		if (k[i]->wb_error) {
			k[i]->wb_error = false;
			*addr = k[i]->wb_error_addr;
			return 1;
		}
	return 0;
}

void chip_reg_rewrite(struct chip *c, unsigned r)
{
	if (r == R_ZERO || r >= ISA_NREGS)
		return;
	chip_apply_reg_stuck(c);
	c->reg_poison &= ~(1ull << r);
	if (r < ISA_NSHADOW) {
		c->shadow[r] = c->r[r];
		c->shadow_poison &= ~(1u << r);
	}
	chip_update_faults_armed(c);
}
