/* cms/policy/periodic.c — periodic policies: a hook the dispatcher runs
 * every cms.policy.period simulated cycles (at the first block entry after
 * each boundary; a long run of chained native code delays it, and the
 * missed boundaries are then run back to back).
 *
 * none    (default) does nothing;
 * sample  reads the cycle, bundle and L1D-miss counters through the
 *         control registers, as phase detection for cache
 *         reconfiguration will (struct periodic_sample). */
#include "cms/policy/policy.h"

static void none_tick(struct cms *m, void *state)
{
	(void)m, (void)state;
}

static void sample_tick(struct cms *m, void *state)
{
	struct periodic_sample *s = state;
	s->calls++;
	policy_read_counter(m, CNT_cycles, &s->cycles);
	policy_read_counter(m, CNT_bundles, &s->bundles);
	policy_read_counter(m, CNT_l1d_misses, &s->l1d_misses);
}

static const struct periodic_policy none = {"none", 0, none_tick};
static const struct periodic_policy sample = {"sample", sizeof(struct periodic_sample), sample_tick};

const struct periodic_policy *const periodic_policies[] = {&none, &sample, NULL};
