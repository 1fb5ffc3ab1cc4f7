/* cms/policy/policy.c — choosing the policy tables by name, the periodic
 * hook's clock, and the control-register doors policies use.
 *
 * The tables themselves live one kind per file (translate.c, evict.c,
 * recover.c, periodic.c); this file only looks them up, checks that a
 * recovery table covers every fault exit, and keeps the periodic state.
 * A control-register access is firmware work: each one is charged
 * cms.cost.cr_access, so simulated time includes a policy's overhead. */
#include "cms/cms_priv.h"

#include <stdlib.h>
#include <string.h>

/* The table named `name` in a NULL-terminated list of tables whose first
 * member is their name. */
#define FIND(list, want, out)                                     \
	do {                                                      \
		(out) = NULL;                                     \
		for (size_t i_ = 0; (list)[i_]; i_++)             \
			if (!strcmp((list)[i_]->name, (want)))   \
				(out) = (list)[i_];               \
	} while (0)

static int missing(char *err, size_t errlen, const char *key, const char *name)
{
	snprintf(err, errlen, "key '%s': the firmware has no policy table '%s'", key, name);
	return -1;
}

int policy_init(struct policy_set *p, const struct cdvm_config *cfg, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	FIND(translate_policies, cfg->policy_translate, p->translate);
	FIND(evict_policies, cfg->policy_evict, p->evict);
	FIND(recover_policies, cfg->policy_recover, p->recover);
	FIND(periodic_policies, cfg->policy_periodic, p->periodic);
	FIND(reconfig_policies, cfg->reconfig_policy, p->reconfig);
	if (!p->translate)
		return missing(err, errlen, "cms.policy.translate", cfg->policy_translate);
	if (!p->evict)
		return missing(err, errlen, "cms.policy.evict", cfg->policy_evict);
	if (!p->recover)
		return missing(err, errlen, "cms.policy.recover", cfg->policy_recover);
	if (!p->periodic)
		return missing(err, errlen, "cms.policy.periodic", cfg->policy_periodic);
	if (!p->reconfig)
		return missing(err, errlen, "cms.reconfig.policy", cfg->reconfig_policy);
	for (unsigned r = 0; r < CHIP_EXIT_COUNT; r++) {
		if (r != CHIP_EXIT_FIRMWARE && !p->recover->on[r]) {
			snprintf(err, errlen, "recover policy '%s' has no action for a %s exit", p->recover->name,
				 chip_exit_name((enum chip_exit_reason)r));
			return -1;
		}
	}
	if (p->periodic->state_size && !(p->periodic_state = calloc(1, p->periodic->state_size))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->period = (uint64_t)cfg->policy_period;
	p->act = ACT_DISPATCH;
	p->next_tick = p->period;
	return 0;
}

void policy_free(struct policy_set *p)
{
	free(p->periodic_state);
	p->periodic_state = NULL;
}

void policy_tick(struct cms *m, uint64_t now)
{
	struct policy_set *p = &m->pol;
	if (!p->period)
		return;
	/* `now` is fixed first: cycles the hook itself charges count towards
	 * the next period, so a costly hook cannot keep this loop going */
	while (p->next_tick <= now) {
		p->next_tick += p->period;
		p->ticks++;
		p->periodic->tick(m, p->periodic_state);
	}
}

void *cms_periodic_state(struct cms *m) { return m->pol.periodic_state; }
uint64_t cms_periodic_ticks(const struct cms *m) { return m->pol.ticks; }

/* ---- control registers ------------------------------------------------- */

/* Door work is charged to the activity that uses the door (m->pol.act:
 * the dispatcher's unless a room says otherwise while it works). */
static void charge_cr(struct cms *m, unsigned accesses)
{
	cms_charge(m, (enum cms_activity)m->pol.act, (uint64_t)m->cfg.cost_cr_access * accesses);
}

int policy_read_counter(struct cms *m, enum counter_id id, uint64_t *val)
{
	uint32_t lo, hi;
	unsigned cr = ISA_CR_CNT_BASE + 2 * (unsigned)id;
	if ((unsigned)id >= CNT_COUNT || chip_read_cr(m->chip, cr, &lo) < 0 || chip_read_cr(m->chip, cr + 1, &hi) < 0)
		return -1;
	*val = (uint64_t)hi << 32 | lo;
	charge_cr(m, 2);
	return 0;
}

void policy_work(struct cms *m, uint64_t cycles)
{
	cms_charge(m, (enum cms_activity)m->pol.act, cycles);
}

int policy_read_depths(struct cms *m, uint64_t depth[3][32], const unsigned ways[3])
{
	unsigned reads = 0;
	for (unsigned c = 0; c < 3; c++) {
		depth[c][0] = 0;
		for (unsigned d = 2; d <= ways[c] && d <= 32; d++, reads++) {
			uint32_t v;
			if (chip_read_cr(m->chip, ISA_CR_DEPTH_BASE + 32 * c + d - 1, &v) < 0)
				return -1;
			depth[c][d - 1] = v;
		}
	}
	chip_write_cr(m->chip, CR_DEPTH_CTRL, 1);
	charge_cr(m, reads + 1);
	return 0;
}

int policy_read_signature(struct cms *m, uint32_t *out, unsigned words)
{
	for (unsigned i = 0; i < words; i++)
		if (chip_read_cr(m->chip, ISA_CR_SIG_BASE + i, &out[i]) < 0)
			return -1;
	chip_write_cr(m->chip, CR_SIG_CTRL, 1);
	charge_cr(m, words + 1);
	return 0;
}

int64_t policy_write_ways(struct cms *m, unsigned level, uint32_t mask)
{
	static const unsigned cr[3] = {CR_WAYS_L1I, CR_WAYS_L1D, CR_WAYS_L2};
	if (level >= 3)
		return -1;
	/* the dirty lines of the ways switched off stream out to the next
	 * level (an L1I line is never dirty): its latency for the first, then
	 * one line every line / 8 cycles (an 8-byte path) */
	enum counter_id wb = level == 2 ? CNT_l2_writebacks : CNT_l1d_writebacks;
	uint64_t before = chip_counter(m->chip, wb);
	if (chip_write_cr(m->chip, cr[level], mask) < 0)
		return -1;
	charge_cr(m, 1);
	uint64_t lines = level ? chip_counter(m->chip, wb) - before : 0;
	int64_t lat = level == 2 ? m->cfg.mem_lat : m->cfg.l2_lat, per = (level == 2 ? m->cfg.l2_line : m->cfg.l1d_line) / 8;
	if (lines)
		cms_charge(m, (enum cms_activity)m->pol.act, (uint64_t)lat + lines * (uint64_t)per);
	return (int64_t)lines;
}

int policy_write_units(struct cms *m, enum unit_class u, uint32_t mask)
{
	uint32_t old;
	if ((unsigned)u >= U_COUNT || chip_read_cr(m->chip, CR_UNITS_ALU + (unsigned)u, &old) < 0 ||
	    chip_write_cr(m->chip, CR_UNITS_ALU + (unsigned)u, mask) < 0)
		return -1;
	charge_cr(m, 2);
	/* translations were scheduled for the old units */
	if (old != mask)
		tc_flush(m);
	return 0;
}

int policy_page_in(struct cms *m, uint32_t va)
{
	/* read access: what any access of a mapped page needs; a store to a
	 * read-only page faults again on the frame it got, and is interpreted */
	if (aspace_fault(m, va, GM_R) < 0)
		return -1;
	m->st.native_page_ins++;
	return 0;
}
