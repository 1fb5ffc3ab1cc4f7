/* cms/policy/reconfig.c — cache reconfiguration policies: how many ways of
 * the L1I, L1D and L2 stay on, decided every cms.reconfig.interval cycles
 * from what the firmware read (struct reconfig_sample; cms/reconfig.c
 * reads it, turns way counts into masks and writes them).
 *
 * Both adaptive policies size a cache from its stack-distance monitor
 * (hw-sim/cache.h; Mattson's LRU stack, the UMON of Qureshi and Patt,
 * MICRO 2006): the interval's accesses by LRU depth, the shadow tags of
 * switched-off ways included, say how many more misses it would have had
 * with k ways than with all of them.  The size a cache needs is the
 * fewest ways whose extra misses cost at most cms.reconfig.bound_permille
 * of the interval's cycles (extra misses x the next level's latency):
 * the miss-rate bound of Albonesi's selective cache ways (MICRO 1999),
 * measured rather than guessed.
 *
 * off       every way on; never runs (reads nothing, costs nothing);
 * static    the ways of cms.reconfig.static.*, set at boot;
 * interval  each cache on its own, every interval (Balasubramonian et
 *           al.'s interval-based reconfiguration, MICRO 2000): it grows
 *           at once to the size the last interval needed, and shrinks
 *           only after `hold` intervals in a row needed less, to the most
 *           any of them needed; a shrink
 *           undone within four intervals doubles the hold (2 up to 64),
 *           one that lasts sixteen resets it;
 * phase     program phases from the working-set signature (Dhodapkar and
 *           Smith, ISCA 2002): consecutive intervals whose signatures lie
 *           within cms.reconfig.phase.distance_pct of each other are one
 *           phase; an interval unlike the one before is a transition, sized
 *           as `interval` sizes.  A new phase gets the sizes its first
 *           interval needed and is sized within itself as `interval` does;
 *           a remembered phase that recurs gets its sizes back at once.
 *
 * The interval after a change is not judged: it reloads what the
 * switched-off ways held (or fills the ways switched on) and says nothing
 * of the size itself.  The decisions are functions of the samples (a unit
 * test feeds synthetic ones); comparing signatures is firmware work,
 * charged cms.cost.phase_compare each through policy_work. */
#include "cms/policy/policy.h"

#include <stdio.h>
#include <string.h>

/* ---- sizing one cache -------------------------------------------------- */

/* What a policy remembers of one cache while it sizes it. */
struct tune {
	unsigned hold;       /* intervals in a row that must need less before it shrinks */
	unsigned run;        /* intervals in a row that needed less so far */
	unsigned want;       /* the most any of them needed */
	unsigned since;      /* intervals since the last shrink */
	bool settle;         /* the size just changed: the next interval is not judged */
};

enum { HOLD_MIN = 2, HOLD_MAX = 64, UNDONE = 4, LASTED = 16 };

/* Misses the interval would have had with k ways on, beyond those with
 * every way on. */
static uint64_t extra_misses(const struct reconfig_sample *s, unsigned i, unsigned k)
{
	uint64_t x = 0;
	for (unsigned d = k + 1; d <= s->ways[i] && d <= 32; d++)
		x += s->depth[i][d - 1];
	return x;
}

/* The fewest ways (cms.reconfig.min_ways at least, w->max[i] at most)
 * whose extra misses would have cost at most the bound. */
static unsigned needed(const struct cms *m, const struct reconfig_sample *s, unsigned i,
		       const struct reconfig_ways *w)
{
	unsigned lo = (unsigned)cms_config(m)->reconfig_min_ways;
	if (lo > w->max[i])
		lo = w->max[i];
	double budget = (double)cms_config(m)->reconfig_bound * (double)s->cycles / 1000.0;
	for (unsigned k = lo; k < w->max[i]; k++)
		if ((double)extra_misses(s, i, k) * (double)s->miss_cycles[i] <= budget)
			return k;
	return w->max[i];
}

/* `interval`'s step for cache i (and `phase`'s within a phase). */
static void size_step(const struct cms *m, const struct reconfig_sample *s, unsigned i, struct tune *t,
			   struct reconfig_ways *w)
{
	if (!t->hold)
		t->hold = HOLD_MIN;
	if (++t->since == LASTED)
		t->hold = HOLD_MIN;
	if (t->settle) {
		t->settle = false;
		return;
	}
	unsigned k = needed(m, s, i, w);
	if (k > w->n[i]) {
		if (t->since <= UNDONE)
			t->hold = 2 * t->hold < HOLD_MAX ? 2 * t->hold : HOLD_MAX;
		w->n[i] = k;
		t->run = 0;
		t->settle = true;
		return;
	}
	if (k == w->n[i]) {
		t->run = 0;
		return;
	}
	t->want = t->run++ && t->want > k ? t->want : k;
	if (t->run < t->hold)
		return;
	w->n[i] = t->want;
	t->run = t->since = 0;
	t->settle = true;
}

const char *const reconfig_cache_names[3] = {"l1i", "l1d", "l2"};

/* "l1d 8->4 l2 8->16" for the caches whose ways changed, after `what`
 * ("new phase 3: l1d 8->4"); "keep" when there is nothing to say. */
static const char *describe(char *buf, size_t n, const unsigned before[3], const struct reconfig_ways *w,
			    const char *what)
{
	size_t at = (size_t)snprintf(buf, n, "%s", what);
	bool first = true;
	for (unsigned i = 0; i < 3; i++)
		if (w->n[i] != before[i] && at < n) {
			at += (size_t)snprintf(buf + at, n - at, "%s%s %u->%u", first ? (at ? ": " : "") : " ",
					       reconfig_cache_names[i], before[i], w->n[i]);
			first = false;
		}
	if (!at)
		snprintf(buf, n, "keep");
	return buf;
}

/* ---- off and static ---------------------------------------------------- */

static void all_ways(struct cms *m, void *state, struct reconfig_ways *w)
{
	(void)m, (void)state, (void)w;
}

static void static_ways(struct cms *m, void *state, struct reconfig_ways *w)
{
	(void)state;
	const struct cdvm_config *c = cms_config(m);
	const int64_t fixed[3] = {c->reconfig_static_l1i, c->reconfig_static_l1d, c->reconfig_static_l2};
	for (unsigned i = 0; i < 3; i++)
		if (fixed[i] && (unsigned)fixed[i] < w->max[i])
			w->n[i] = (unsigned)fixed[i];
}

static int no_phase(const void *state)
{
	(void)state;
	return -1;
}

/* ---- interval ---------------------------------------------------------- */

struct interval_state {
	struct tune t[3];
	char text[64];
};

static const char *interval_decide(struct cms *m, void *state, const struct reconfig_sample *s,
				   struct reconfig_ways *w)
{
	struct interval_state *st = state;
	unsigned before[3];
	memcpy(before, w->n, sizeof before);
	for (unsigned i = 0; i < 3; i++)
		size_step(m, s, i, &st->t[i], w);
	return describe(st->text, sizeof st->text, before, w, "");
}


/* ---- phase ------------------------------------------------------------- */

enum { SIG_MAX_WORDS = 4096 / 32, PHASE_MAX = 256 };

struct phase {
	uint32_t sig[SIG_MAX_WORDS];
	unsigned n[3];
	struct tune t[3];
	bool used;
	int id;
	uint64_t seen;       /* the interval it was last seen in */
};

struct phase_state {
	struct phase p[PHASE_MAX];
	uint32_t prev[SIG_MAX_WORDS];
	bool have_prev;
	struct tune between[3];  /* sizing between phases */
	int cur;             /* index into p, -1 between phases */
	int next_id;
	uint64_t intervals;
	char text[80];
};

/* Dhodapkar and Smith's relative distance |a xor b| / |a or b|, in
 * percent, compared with the threshold: true when within it. */
static bool same_phase(struct cms *m, const uint32_t *a, const uint32_t *b, unsigned words)
{
	unsigned x = 0, o = 0;
	for (unsigned i = 0; i < words; i++) {
		x += (unsigned)__builtin_popcount(a[i] ^ b[i]);
		o += (unsigned)__builtin_popcount(a[i] | b[i]);
	}
	policy_work(m, (uint64_t)cms_config(m)->cost_phase_compare);
	return (uint64_t)x * 100 <= (uint64_t)cms_config(m)->reconfig_phase_distance * o;
}

/* The remembered phase the signature belongs to, or a new one (replacing
 * the phase least recently seen when the table is full). */
static int find_phase(struct cms *m, struct phase_state *st, const struct reconfig_sample *s,
		      const struct reconfig_ways *w, bool *created)
{
	*created = false;
	unsigned entries = (unsigned)cms_config(m)->reconfig_phase_entries, victim = 0;
	if (entries > PHASE_MAX)
		entries = PHASE_MAX;
	for (unsigned k = 0; k < entries; k++) {
		struct phase *p = &st->p[k];
		if (p->used && same_phase(m, p->sig, s->sig, s->sig_words))
			return (int)k;
		if (!p->used || (st->p[victim].used && p->seen < st->p[victim].seen))
			victim = k;
	}
	struct phase *p = &st->p[victim];
	*created = true;
	memset(p, 0, sizeof *p);
	p->used = true;
	p->id = st->next_id++;
	memcpy(p->n, w->max, sizeof p->n);
	return (int)victim;
}

static const char *phase_decide(struct cms *m, void *state, const struct reconfig_sample *s,
				struct reconfig_ways *w)
{
	struct phase_state *st = state;
	unsigned before[3], words = s->sig_words < SIG_MAX_WORDS ? s->sig_words : SIG_MAX_WORDS;
	memcpy(before, w->n, sizeof before);
	st->intervals++;
	char what[32] = "";
	bool stable = st->have_prev && same_phase(m, st->prev, s->sig, words);
	memcpy(st->prev, s->sig, words * sizeof *s->sig);
	st->have_prev = true;
	if (!stable) {
		/* between phases: sized as `interval` sizes, until the next
		 * phase settles */
		if (st->cur >= 0)
			snprintf(what, sizeof what, "phase %d ends", st->p[st->cur].id);
		st->cur = -1;
		for (unsigned i = 0; i < 3; i++)
			size_step(m, s, i, &st->between[i], w);
		return describe(st->text, sizeof st->text, before, w, what);
	}
	if (st->cur < 0) {
		/* two alike intervals: a phase, known or new (sized by what
		 * this interval needed) */
		bool created;
		st->cur = find_phase(m, st, s, w, &created);
		struct phase *p = &st->p[st->cur];
		snprintf(what, sizeof what, created ? "new phase %d" : "phase %d recurs", p->id);
		for (unsigned i = 0; i < 3; i++) {
			if (created)
				p->n[i] = needed(m, s, i, w);
			w->n[i] = p->n[i] < w->max[i] ? p->n[i] : w->max[i];
			p->t[i].settle = w->n[i] != before[i];
		}
	} else {
		struct phase *p = &st->p[st->cur];
		for (unsigned i = 0; i < 3; i++) {
			size_step(m, s, i, &p->t[i], w);
			p->n[i] = w->n[i];
		}
	}
	struct phase *p = &st->p[st->cur];
	memcpy(p->sig, s->sig, words * sizeof *s->sig);
	p->seen = st->intervals;
	return describe(st->text, sizeof st->text, before, w, what);
}

static void phase_start(struct cms *m, void *state, struct reconfig_ways *w)
{
	(void)m, (void)w;
	((struct phase_state *)state)->cur = -1;
}

static int phase_id(const void *state)
{
	const struct phase_state *st = state;
	return st->cur < 0 ? -1 : st->p[st->cur].id;
}

static const struct reconfig_policy off = {"off", 0, false, all_ways, NULL, no_phase};
static const struct reconfig_policy fixed = {"static", 0, false, static_ways, NULL, no_phase};
static const struct reconfig_policy interval = {"interval", sizeof(struct interval_state), false, all_ways,
						interval_decide, no_phase};
static const struct reconfig_policy phase = {"phase", sizeof(struct phase_state), true, phase_start, phase_decide,
					     phase_id};

const struct reconfig_policy *const reconfig_policies[] = {&off, &fixed, &interval, &phase, NULL};
