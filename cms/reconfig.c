/* cms/reconfig.c — the firmware's cache reconfiguration room: every
 * cms.reconfig.interval cycles it reads the counters (and, for policies
 * that want it, the working-set signature) through the control registers,
 * asks the reconfig policy (cms/policy/reconfig.c) how many ways of each
 * cache to keep on, and writes the way-enable masks.  Everything it does
 * is charged to the `reconfiguration` activity: the counter and mask
 * accesses cms.cost.cr_access each, the decision cms.cost.reconfig, the
 * write-backs of dirty lines in ways switched off their next level's
 * latency.
 *
 * Native code is stopped at each interval boundary (a timer interrupt:
 * the chip leaves with a cycle-limit exit, nothing rolled back) and
 * resumed where it stopped once the firmware is done, so the boundary
 * costs nothing but the firmware's own work; interpreted code is stopped
 * at the next block.
 *
 * It also writes --timeline: one CSV row per interval, from the chip's
 * counters and energy as a tool sees them (not firmware work: nothing is
 * charged, and a run with `off` and a timeline is cycle for cycle the run
 * without).  Fault recovery switches a defective way off through
 * policy_isolate_way, and reconfiguration never enables it again. */
#include "cms/cms_priv.h"
#include "hw-sim/energy.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct reconfig {
	const struct reconfig_policy *pol;
	void *state;
	uint64_t next;                 /* cycle of the next interval boundary, UINT64_MAX: none */
	uint32_t avail[3];             /* ways fault recovery left usable */
	unsigned n[3];                 /* ways on */
	/* counters at the last boundary, as the firmware read them */
	uint64_t cycles, acc[3], miss[3];
	/* the working-set signature: the chip's, and the firmware's own of
	 * the blocks it interpreted (same hash, guest addresses) */
	uint32_t *sig, *sw_sig;
	unsigned sig_words;
	int phase;
	/* --timeline: the file and the tool's view at the last row */
	FILE *timeline;
	uint64_t t_cycles, t_insns, t_acc[3], t_miss[3];
	struct chip_energy t_e;
};

static const enum counter_id hit_cnt[3] = {CNT_l1i_hits, CNT_l1d_hits, CNT_l2_hits};
static const enum counter_id miss_cnt[3] = {CNT_l1i_misses, CNT_l1d_misses, CNT_l2_misses};

static unsigned cache_ways(const struct cdvm_config *c, unsigned i)
{
	return (unsigned)(i == 0 ? c->l1i_ways : i == 1 ? c->l1d_ways : c->l2_ways);
}

/* The mask of `n` usable ways (the lowest ones not isolated). */
static uint32_t mask_of(uint32_t avail, unsigned n)
{
	uint32_t m = 0;
	for (unsigned w = 0; w < 32 && n; w++)
		if (avail >> w & 1) {
			m |= 1u << w;
			n--;
		}
	return m;
}

static void max_ways(const struct reconfig *r, struct reconfig_ways *w)
{
	for (unsigned i = 0; i < 3; i++) {
		w->max[i] = (unsigned)__builtin_popcount(r->avail[i]);
		w->n[i] = r->n[i] < w->max[i] ? r->n[i] : w->max[i];
	}
}

/* Switch the caches to w's way counts (firmware work: charged). */
static void apply(struct cms *m, const struct reconfig_ways *w)
{
	struct reconfig *r = m->rc;
	for (unsigned i = 0; i < 3; i++) {
		unsigned n = w->n[i] < 1 ? 1 : w->n[i];
		if (n == r->n[i])
			continue;
		int64_t wb = policy_write_ways(m, i, mask_of(r->avail[i], n));
		if (wb > 0)
			m->st.reconfig_writebacks += (uint64_t)wb;
		m->st.reconfig_changes++;
		if (n < r->n[i])
			m->st.reconfig_ways_off += r->n[i] - n;
		else
			m->st.reconfig_ways_on += n - r->n[i];
		r->n[i] = n;
	}
}

static void timeline_header(FILE *f)
{
	fprintf(f, "cycle,interval_cycles,x86_instructions,x86_ipc");
	for (unsigned i = 0; i < 3; i++)
		fprintf(f, ",%s_miss_rate", reconfig_cache_names[i]);
	for (unsigned i = 0; i < 3; i++)
		fprintf(f, ",%s_ways", reconfig_cache_names[i]);
	fprintf(f, ",energy_nj,power_mw,cache_power_mw");
	for (unsigned p = 0; p < EP_COUNT; p++)
		fprintf(f, ",%s_nj", energy_part_names[p]);
	fprintf(f, ",phase,decision\n");
}

/* The row of the interval that ends now: what ran in it, with the ways it
 * ran with, and the firmware's decision at its end. */
static void timeline_row(struct cms *m, const unsigned ways[3], const char *decision)
{
	struct reconfig *r = m->rc;
	const struct chip *c = m->chip;
	uint64_t now = chip_cycles(c), insns = cms_guest_insns(m), dc = now - r->t_cycles;
	if (!dc)
		return;
	struct chip_energy e;
	chip_energy(c, &e);
	fprintf(r->timeline, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f", now, dc, insns - r->t_insns,
		(double)(insns - r->t_insns) / (double)dc);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t a = chip_cache_accesses(c, i), mi = chip_counter(c, miss_cnt[i]);
		fprintf(r->timeline, ",%.5f", a > r->t_acc[i] ? (double)(mi - r->t_miss[i]) / (double)(a - r->t_acc[i]) : 0.0);
		r->t_acc[i] = a;
		r->t_miss[i] = mi;
	}
	for (unsigned i = 0; i < 3; i++)
		fprintf(r->timeline, ",%u", ways[i]);
	double de = e.total_pj - r->t_e.total_pj, us = (double)dc / (double)m->cfg.clock_mhz;
	/* pJ over microseconds is microwatts */
	fprintf(r->timeline, ",%.3f,%.3f,%.3f", de / 1e3, de / us / 1e3, (e.cache_pj - r->t_e.cache_pj) / us / 1e3);
	for (unsigned p = 0; p < EP_COUNT; p++)
		fprintf(r->timeline, ",%.3f", (e.pj[p] - r->t_e.pj[p]) / 1e3);
	fprintf(r->timeline, ",%d,%s\n", r->phase, decision);
	r->t_cycles = now;
	r->t_insns = insns;
	r->t_e = e;
}

int reconfig_init(struct cms *m, char *err, size_t errlen)
{
	struct reconfig *r = m->rc = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->pol = m->pol.reconfig;
	r->phase = -1;
	if (r->pol->state_size && !(r->state = calloc(1, r->pol->state_size))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->pol->signature) {
		r->sig_words = (unsigned)m->cfg.signature_bits / 32;
		r->sig = calloc(r->sig_words, sizeof *r->sig);
		r->sw_sig = calloc(r->sig_words, sizeof *r->sw_sig);
		if (!r->sig || !r->sw_sig) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	struct reconfig_ways w;
	for (unsigned i = 0; i < 3; i++) {
		unsigned ways = cache_ways(&m->cfg, i);
		r->avail[i] = ways >= 32 ? 0xffffffffu : (1u << ways) - 1;
		r->n[i] = ways;
	}
	max_ways(r, &w);
	r->pol->start(m, r->state, &w);
	unsigned act = m->pol.act;
	m->pol.act = ACT_RECONFIG;
	apply(m, &w);
	m->pol.act = act;
	r->next = r->pol->decide ? (uint64_t)m->cfg.reconfig_interval : UINT64_MAX;
	if (r->pol->decide) {
		/* the monitors (and the signature) record from boot */
		chip_write_cr(m->chip, CR_DEPTH_CTRL, 1);
		if (r->sig)
			chip_write_cr(m->chip, CR_SIG_CTRL, 1);
		cms_charge(m, ACT_RECONFIG, (uint64_t)m->cfg.cost_cr_access * (r->sig ? 2 : 1));
	}
	return 0;
}

void reconfig_free(struct cms *m)
{
	struct reconfig *r = m->rc;
	if (!r)
		return;
	free(r->state);
	free(r->sig);
	free(r->sw_sig);
	free(r);
	m->rc = NULL;
}

void cms_set_timeline(struct cms *m, FILE *f)
{
	struct reconfig *r = m->rc;
	r->timeline = f;
	if (f) {
		timeline_header(f);
		if (r->next == UINT64_MAX)
			r->next = (uint64_t)m->cfg.reconfig_interval;
	}
}

uint64_t reconfig_budget(const struct cms *m)
{
	uint64_t now = chip_cycles(m->chip), next = m->rc->next;
	return next == UINT64_MAX ? UINT64_MAX : next > now ? next - now : 0;
}

bool reconfig_wants_blocks(const struct cms *m)
{
	return m->rc->sw_sig != NULL;
}

void reconfig_note_block(struct cms *m, uint32_t eip)
{
	struct reconfig *r = m->rc;
	uint32_t h = isa_sig_bit(eip >> 5, 32 * r->sig_words);
	r->sw_sig[h / 32] |= 1u << (h % 32);
}

/* The interval's sample, read by the firmware (charged). */
static void read_sample(struct cms *m, struct reconfig_sample *s)
{
	struct reconfig *r = m->rc;
	uint64_t now, hit, miss;
	memset(s, 0, sizeof *s);
	policy_read_counter(m, CNT_cycles, &now);
	s->cycles = now - r->cycles;
	r->cycles = now;
	for (unsigned i = 0; i < 3; i++) {
		policy_read_counter(m, hit_cnt[i], &hit);
		policy_read_counter(m, miss_cnt[i], &miss);
		s->accesses[i] = hit + miss - r->acc[i];
		s->misses[i] = miss - r->miss[i];
		r->acc[i] = hit + miss;
		r->miss[i] = miss;
	}
	s->miss_cycles[0] = s->miss_cycles[1] = (unsigned)m->cfg.l2_lat;
	s->miss_cycles[2] = (unsigned)m->cfg.mem_lat;
	for (unsigned i = 0; i < 3; i++)
		s->ways[i] = cache_ways(&m->cfg, i);
	policy_read_depths(m, s->depth, s->ways);
	if (r->sig) {
		policy_read_signature(m, r->sig, r->sig_words);
		for (unsigned i = 0; i < r->sig_words; i++)
			r->sig[i] |= r->sw_sig[i];
		memset(r->sw_sig, 0, r->sig_words * sizeof *r->sw_sig);
		s->sig = r->sig;
		s->sig_words = r->sig_words;
	}
}

void reconfig_tick(struct cms *m)
{
	struct reconfig *r = m->rc;
	unsigned ran[3];
	memcpy(ran, r->n, sizeof ran);
	const char *decision = "";
	if (r->pol->decide) {
		unsigned act = m->pol.act;
		m->pol.act = ACT_RECONFIG;
		struct reconfig_sample s;
		read_sample(m, &s);
		policy_work(m, (uint64_t)m->cfg.cost_reconfig);
		struct reconfig_ways w;
		max_ways(r, &w);
		decision = r->pol->decide(m, r->state, &s, &w);
		apply(m, &w);
		m->pol.act = act;
		if (strcmp(decision, "keep"))
			trace_instant(m, "reconfigure", decision);
		int ph = r->pol->phase(r->state);
		if (ph != r->phase) {
			char id[32];
			snprintf(id, sizeof id, "phase %d", ph);
			trace_instant(m, "phase", id);
			m->st.reconfig_phase_changes++;
			if (ph >= 0 && (uint64_t)ph >= m->st.reconfig_phases)
				m->st.reconfig_phases = (uint64_t)ph + 1;
			r->phase = ph;
		}
		m->st.reconfig_intervals++;
	}
	if (r->timeline)
		timeline_row(m, ran, decision);
	/* the next interval starts when the firmware is done */
	r->next = chip_cycles(m->chip) + (uint64_t)m->cfg.reconfig_interval;
}

void reconfig_finish(struct cms *m)
{
	struct reconfig *r = m->rc;
	if (r->timeline)
		timeline_row(m, r->n, "end");
}

int policy_isolate_way(struct cms *m, unsigned level, unsigned w)
{
	struct reconfig *r = m->rc;
	if (level >= 3 || w >= 32 || !(r->avail[level] >> w & 1) || !(r->avail[level] & ~(1u << w)))
		return 0;
	r->avail[level] &= ~(1u << w);
	uint32_t on = 0;
	chip_read_cr(m->chip, CR_WAYS_L1I + level, &on);
	policy_write_ways(m, level, on & r->avail[level] ? on & r->avail[level] : mask_of(r->avail[level], 1));
	chip_read_cr(m->chip, CR_WAYS_L1I + level, &on);
	r->n[level] = (unsigned)__builtin_popcount(on);
	return 1;
}
