/* cms/reopt.c — the reoptimizer: the third gear of the firmware
 * (interpret -> translate -> reoptimize, as Transmeta's CMS).
 *
 * Finding hot code.  In --mode optimize every block translation counts
 * its own entries: a word in firmware data (hidden memory; not beside the
 * code, where each store would invalidate the block's decoded bundles),
 * counted down by three atoms of the translation itself (load, subtract,
 * store: simulated time like any other code, in bundles beside the
 * block's work).  The entry that reaches zero leaves through the hot exit
 * before anything commits; the firmware rolls the chip back to the
 * block's entry and forms a region there (tc_optimize: region.c's trace
 * along the profile, the passes over the whole region, memory and
 * control speculation), which takes the block's place in the map; every
 * exit that was chained to the block comes back once through the
 * dispatcher and is chained to the region.  The profile it follows is the
 * interpreter's block counts plus the entries the translated blocks have
 * counted (tc_entries), and what watches saw of branches (below).
 *
 * Or by sampling (cms.opt.trigger sample): blocks carry no counter; a
 * timer stops native code every cms.opt.sample_interval cycles (jittered),
 * the firmware reads where it stopped (cms.cost.sample) and counts a
 * sample for the block translation there; at cms.opt.sample_threshold
 * samples, if the stop came before the block's commit, the chip rolls
 * back to the block's entry and a region is formed as from a hot exit.
 * A sampled block's entries are estimated for the profile as the cycles
 * its samples stand for over its bundles.
 *
 * Watching new regions.  A region is watched for its first
 * cms.opt.watch_runs runs: its exits stay unchained, so every run comes
 * back through the dispatcher and tc_exit_taken counts the exit it took.
 * At the end (reopt_watched) each side exit's share of the arrivals at
 * its branch (the runs that did not leave before it: a trace is a line;
 * the copies of an unrolled body added up per branch) is compared with
 * the share the profile promised when the region was made.  A branch over
 * its promise by more than cms.opt.exit_slack points is remembered as it
 * was seen (region.c follows it the way it goes, or ends the region
 * there), and the region is made again, at most cms.opt.watch_rounds
 * times; otherwise the watch ends and the exits chain.
 *
 * Adaptive retranslation.  A region rolled back by an alias fault, or by
 * a memory fault that the page-in policy did not resolve (a load it may
 * have hoisted), names the guilty x86 instruction through the faulting
 * atom (tc_atom_eip): the store an alias fault hit is never passed again,
 * the load that faulted stays below the side exits before it, in every
 * region made from then on (what makes a load fault off its path, a
 * pointer that may be null, is the instruction's, not the region's).
 * After cms.opt.spec_retries such rollbacks the region is made again with
 * what the firmware learned; a region that keeps failing loses memory
 * and control speculation altogether, then half its length each time,
 * and at last stays a block.  A real x86 fault still kills the guest: the recover
 * policy interprets to the faulting instruction after the note is taken.
 *
 * This file owns struct reopt (m->ro): what the firmware learned about
 * x86 instructions and region entries, kept across flushes and
 * retranslations. */
#include "cms/cms_priv.h"
#include "cms/translate/translate.h"

#include <stdlib.h>
#include <string.h>

/* MIN_ARRIVALS: a watched branch reached fewer times says too little */
enum { LEVEL_NO_SPECULATION = 2, LEVEL_SHORTER = 3, MIN_REGION = 4, MIN_ARRIVALS = 16 };

struct region_rec {
	uint32_t eip;
	unsigned failures;       /* speculation rollbacks since the region was last made */
	unsigned level;          /* retranslations so far: how conservative it is */
	unsigned block_insns;    /* x86 instructions of the block it replaces */
	unsigned rounds;         /* times made again after a watch */
};

/* a jcc or ret as watched regions saw it: its taken way (a ret: to
 * another address than the region assumed) and its other way */
struct seen_rec {
	uint32_t eip;
	uint64_t taken, other;
};

struct reopt {
	struct region_rec *r;
	unsigned n, cap;
	uint32_t *no_pass, *no_hoist;   /* x86 stores never passed, loads never hoisted */
	unsigned nno_pass, nno_hoist;
	struct seen_rec *seen;
	unsigned nseen;
	int sampling;            /* cms.opt.trigger sample */
	uint64_t next_sample;    /* cycle of the next sample */
	uint32_t rng;            /* the sample intervals' jitter (xorshift32) */
};

int reopt_init(struct cms *m, char *err, size_t errlen)
{
	m->ro = calloc(1, sizeof *m->ro);
	if (!m->ro) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->ro->sampling = m->mode == CMS_MODE_OPTIMIZE && !strcmp(m->cfg.opt_trigger, "sample");
	m->ro->rng = 0x2545f491u;
	m->ro->next_sample = UINT64_MAX;
	return 0;
}

void reopt_free(struct cms *m)
{
	if (!m->ro)
		return;
	free(m->ro->no_pass);
	free(m->ro->no_hoist);
	free(m->ro->seen);
	free(m->ro->r);
	free(m->ro);
	m->ro = NULL;
}

static struct region_rec *rec_of(struct cms *m, uint32_t eip, int add)
{
	struct reopt *ro = m->ro;
	for (unsigned i = 0; i < ro->n; i++)
		if (ro->r[i].eip == eip)
			return &ro->r[i];
	if (!add)
		return NULL;
	if (ro->n == ro->cap) {
		unsigned cap = ro->cap ? 2 * ro->cap : 64;
		struct region_rec *n = realloc(ro->r, cap * sizeof *n);
		if (!n)
			return NULL;
		ro->r = n;
		ro->cap = cap;
	}
	struct region_rec *r = &ro->r[ro->n++];
	memset(r, 0, sizeof *r);
	r->eip = eip;
	return r;
}

static int note(uint32_t **list, unsigned *n, uint32_t eip)
{
	for (unsigned i = 0; i < *n; i++)
		if ((*list)[i] == eip)
			return 0;
	uint32_t *l = realloc(*list, (*n + 1) * sizeof *l);
	if (!l)
		return -1;
	l[(*n)++] = eip;
	*list = l;
	return 0;
}

/* the profile a region follows: block entries seen by the interpreter
 * and counted by the translated blocks */
static uint32_t hot_count(void *ctx, uint32_t eip)
{
	struct cms *m = ctx;
	return profile_count(m, eip) + tc_entries(m, eip);
}

static struct seen_rec *seen_of(const struct reopt *ro, uint32_t eip)
{
	for (unsigned i = 0; i < ro->nseen; i++)
		if (ro->seen[i].eip == eip)
			return &ro->seen[i];
	return NULL;
}

static int seen_ways(void *ctx, uint32_t eip, uint64_t *taken, uint64_t *other)
{
	const struct seen_rec *s = seen_of(((struct cms *)ctx)->ro, eip);
	if (!s)
		return 0;
	*taken = s->taken;
	*other = s->other;
	return 1;
}

/* Make the region at rec->eip as conservative as rec says: its id, or -1. */
static int form(struct cms *m, struct region_rec *rec)
{
	const struct cdvm_config *k = &m->cfg;
	struct tr_region_opts o = {
		.max_insns = (unsigned)k->opt_max_region_insns,
		.max_stores = (unsigned)k->store_buffer,
		.unroll = (unsigned)k->opt_unroll,
		.min_bias = (unsigned)k->opt_min_bias,
		.follow_calls = k->opt_follow_calls,
		.no_pass = m->ro->no_pass,
		.nno_pass = m->ro->nno_pass,
		.no_hoist = m->ro->no_hoist,
		.nno_hoist = m->ro->nno_hoist,
		.reorder_memory = k->opt_reorder_memory && rec->level < LEVEL_NO_SPECULATION,
		.control_speculation = k->opt_control_speculation && rec->level < LEVEL_NO_SPECULATION,
		.if_convert_insns = (unsigned)k->opt_if_convert_insns,
		.if_convert_bias = (unsigned)k->opt_if_convert_bias,
		.cse = k->opt_cse,
	};
	for (unsigned l = LEVEL_SHORTER; l <= rec->level; l++)
		o.max_insns /= 2;
	/* a region shorter than the block it replaces would only add exits
	 * (a shortened retranslation may be) */
	o.min_insns = rec->level < LEVEL_SHORTER ? rec->block_insns : 0;
	struct tr_hints h = {hot_count, m, 0, seen_ways};
	struct tc_region_info info;
	/* watched while it may still be made again */
	unsigned watch = rec->rounds < (unsigned)k->opt_watch_rounds ? (unsigned)k->opt_watch_runs : 0;
	int id = o.max_insns >= MIN_REGION ? tc_optimize(m, rec->eip, &o, &h, watch, &info) : -1;
	if (id < 0)
		return -1;
	m->st.regions++;
	m->st.region_insns += info.ninsns;
	m->st.region_sides += info.nsides;
	m->st.region_loops += (uint64_t)info.loop;
	m->st.region_unrolled += info.unrolled;
	m->st.region_spec_loads += info.spec_loads;
	m->st.region_spec_stores += info.spec_stores;
	m->st.region_if_converted += info.if_converted;
	m->st.region_cse_removed += info.cse_removed;
	rec->failures = 0;
	return id;
}

/* Region id goes; the one at its entry is made again as rec says. */
static void remake(struct cms *m, int id, struct region_rec *rec)
{
	tc_drop(m, id);
	if (form(m, rec) < 0)
		m->st.region_failed++;
}

void reopt_hot(struct cms *m, int id)
{
	const struct xlat *x = tc_get(m, id);
	m->st.hot_exits++;
	/* the exit code is a word of translated code in hidden memory: one
	 * naming no translation was corrupted; the block at the committed EIP
	 * is then the best guess (a block that can neither become a region
	 * nor be disarmed would leave through its hot exit forever) */
	if (!x) {
		m->st.table_corruptions++;
		id = tc_lookup(m, m->xr[X86_EIP]);
		x = tc_get(m, id);
	}
	if (!x)
		return;
	struct region_rec *rec = rec_of(m, x->eip, 1);
	if (rec && !rec->level)
		rec->block_insns = x->ninsns;
	if (!rec || form(m, rec) < 0) {
		m->st.region_failed++;
		tc_disarm(m, id);
	}
}

void reopt_rollback(struct cms *m, const struct chip_exit *ex)
{
	int id = tc_find_native(m, ex->pc);
	const struct xlat *x = tc_get(m, id);
	if (!x || !x->region)
		return;
	struct region_rec *rec = rec_of(m, x->eip, 1);
	if (!rec)
		return;
	uint32_t at = tc_atom_eip(m, id, ex->pc, ex->slot);
	m->st.region_rollbacks++;
	if (ex->reason == CHIP_EXIT_ALIAS_FAULT) {
		m->st.region_alias_rollbacks++;
		if (at)
			note(&m->ro->no_pass, &m->ro->nno_pass, at);
	} else if (ex->reason == CHIP_EXIT_MEMORY_FAULT && at) {
		note(&m->ro->no_hoist, &m->ro->nno_hoist, at);
	}
	if (++rec->failures < (unsigned)m->cfg.opt_spec_retries)
		return;
	/* retranslate with what the rollbacks taught */
	rec->level++;
	m->st.region_retranslations++;
	remake(m, id, rec);
}

/* One jcc or ret of a watched region: its side exits' arrivals and
 * departures over the watch, the copies of a loop body added up. */
struct watched_branch {
	uint32_t eip;
	uint8_t way, promise;
	uint64_t arrived, left;
};

void reopt_watched(struct cms *m, int id)
{
	const struct xlat *x = tc_get(m, id);
	if (!x)
		return;
	const struct cdvm_config *k = &m->cfg;
	m->st.region_watches++;
	cms_charge(m, ACT_OPTIMIZE, (uint64_t)k->cost_watch_exit * x->nexits);
	/* every run left through one exit; a side exit's arrivals are the
	 * runs that did not leave through one before it (a trace is a line) */
	uint64_t runs = 0;
	const struct xlat_exit *side[TR_MAX_EXITS] = {0};
	for (unsigned e = 0; e < x->nexits; e++) {
		runs += x->exits[e].seen;
		if (x->exits[e].side >= 0 && x->exits[e].side < TR_MAX_EXITS)
			side[x->exits[e].side] = &x->exits[e];
	}
	struct watched_branch w[TR_MAX_EXITS];
	unsigned nw = 0;
	for (unsigned s = 0; s < TR_MAX_EXITS; s++) {
		const struct xlat_exit *ex = side[s];
		if (!ex)
			continue;
		unsigned i = 0;
		while (i < nw && w[i].eip != ex->branch)
			i++;
		if (i == nw)
			w[nw++] = (struct watched_branch){ex->branch, ex->way, ex->promise, 0, 0};
		w[i].arrived += runs;
		w[i].left += ex->seen;
		runs -= ex->seen <= runs ? ex->seen : runs;
	}
	/* a branch whose side exits took more than the profile promised, by
	 * more than the slack, is remembered as it was seen */
	unsigned over = 0;
	for (unsigned i = 0; i < nw; i++) {
		const struct watched_branch *b = &w[i];
		if (b->arrived < MIN_ARRIVALS || 100 * b->left <= ((uint64_t)b->promise + (uint64_t)k->opt_exit_slack) * b->arrived)
			continue;
		struct seen_rec *sr = seen_of(m->ro, b->eip);
		if (!sr) {
			struct seen_rec *n = realloc(m->ro->seen, (m->ro->nseen + 1) * sizeof *n);
			if (!n)
				continue;
			m->ro->seen = n;
			sr = &n[m->ro->nseen++];
			*sr = (struct seen_rec){b->eip, 0, 0};
		}
		uint64_t stayed = b->arrived - b->left;
		sr->taken += b->way == SIDE_WAY_FALL ? stayed : b->left;
		sr->other += b->way == SIDE_WAY_FALL ? b->left : stayed;
		over++;
	}
	m->st.region_over_promise += over;
	struct region_rec *rec = rec_of(m, x->eip, 1);
	if (!over || !rec || rec->rounds >= (unsigned)k->opt_watch_rounds) {
		tc_unwatch(m, id);
		return;
	}
	/* made again with what the watch saw */
	rec->rounds++;
	m->st.region_rewatched++;
	remake(m, id, rec);
}

/* The next sample interval: uniform in [3/4, 5/4] of the configured mean. */
static uint64_t sample_interval(struct reopt *ro, uint64_t mean)
{
	uint32_t x = ro->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ro->rng = x;
	uint64_t lo = mean - mean / 4, span = mean / 2 + 1;
	return lo + x % span;
}

uint64_t reopt_sample_budget(struct cms *m)
{
	struct reopt *ro = m->ro;
	if (!ro->sampling)
		return UINT64_MAX;
	uint64_t now = chip_cycles(m->chip);
	/* a sample due while the firmware ran is not taken (the firmware
	 * keeps the timer masked): the next one is an interval from now */
	if (ro->next_sample == UINT64_MAX || ro->next_sample < now)
		ro->next_sample = now + sample_interval(ro, (uint64_t)m->cfg.opt_sample_interval);
	return ro->next_sample - now;
}

bool reopt_sample_due(const struct cms *m)
{
	const struct reopt *ro = m->ro;
	return ro->sampling && ro->next_sample != UINT64_MAX && chip_cycles(m->chip) >= ro->next_sample;
}

int reopt_sample(struct cms *m, uint32_t pc)
{
	struct reopt *ro = m->ro;
	ro->next_sample = UINT64_MAX;
	m->st.samples++;
	cms_charge(m, ACT_OPTIMIZE, (uint64_t)m->cfg.cost_sample);
	int id;
	if (tc_sample(m, pc, &id) < (uint32_t)m->cfg.opt_sample_threshold)
		return 0;
	/* hot: back to the last commit, the running block's entry, and a
	 * region there (made from the state at its entry, the x87 stack's
	 * included); a stop after the block's own commit waits for the next
	 * sample */
	if (chip_shadow(m->chip, R_EIP) != tc_get(m, id)->eip)
		return 0;
	chip_rollback(m->chip);
	reopt_hot(m, id);
	return 1;
}
