/* cms/policy/reconfig.c — cache reconfiguration policies: how many ways of
 * the L1I, L1D and L2 stay on, decided every cms.reconfig.interval cycles
 * from what the firmware read (struct reconfig_sample; cms/reconfig.c
 * reads it, turns way counts into masks and writes them).
 *
 * off       every way on; never runs (reads nothing, costs nothing);
 * static    the ways of cms.reconfig.static.*, set at boot;
 * interval  each cache on its own: an interval at full size measures the
 *           reference miss rate; a smaller cache is good while its extra
 *           misses cost at most cms.reconfig.bound_permille of the
 *           interval's cycles, (rate - reference) x accesses x miss
 *           latency.  A good cache halves (down to cms.reconfig.min_ways);
 *           a bad one doubles back and holds before it tries again, twice
 *           as long after each failure (up to 64 intervals).  Selective
 *           cache ways (Albonesi, MICRO 1999) sized by interval-based
 *           tuning (Balasubramonian et al., MICRO 2000);
 * phase     program phases from the working-set signature (Dhodapkar and
 *           Smith, ISCA 2002): consecutive intervals whose signatures lie
 *           within cms.reconfig.phase.distance_pct of each other are one
 *           phase; an interval unlike the one before is a transition, run
 *           with every way on.  A new phase is tuned downwards as
 *           `interval` tunes and keeps the smallest good size it found (a
 *           size that stops holding grows a step); a remembered phase that
 *           recurs gets its sizes back at once, without tuning again.
 *
 * Every size change is followed by an interval that is not judged: it
 * refills (or reloads what the switched-off ways held) and says nothing
 * about the size itself.
 *
 * The decisions are pure functions of the samples (a unit test feeds
 * synthetic ones); comparing signatures is firmware work, charged
 * cms.cost.phase_compare each through policy_work. */
#include "cms/policy/policy.h"

#include <stdio.h>
#include <string.h>

/* ---- sizing one cache -------------------------------------------------- */

/* What a policy remembers of one cache while it sizes it. */
struct tune {
	double ref;          /* miss rate at full size (0 until measured) */
	unsigned hold;       /* intervals to wait before shrinking again */
	unsigned backoff;    /* the hold after the next failure */
	bool settle;         /* the size just changed: the next interval refills
			      * or reloads lines and says nothing of the size */
};

enum { MAX_HOLD = 64 };

static double rate(const struct reconfig_sample *s, unsigned i)
{
	return s->accesses[i] ? (double)s->misses[i] / (double)s->accesses[i] : 0.0;
}

/* The interval at this size cost at most the bound in extra misses. */
static bool good(const struct cms *m, const struct reconfig_sample *s, unsigned i, const struct tune *t)
{
	double extra = (rate(s, i) - t->ref) * (double)s->accesses[i] * (double)s->miss_cycles[i];
	return extra * 1000.0 <= (double)cms_config(m)->reconfig_bound * (double)s->cycles;
}

static unsigned floor_ways(const struct cms *m, const struct reconfig_ways *w, unsigned i)
{
	unsigned lo = (unsigned)cms_config(m)->reconfig_min_ways;
	return lo < w->max[i] ? lo : w->max[i];
}

static unsigned halve(const struct cms *m, const struct reconfig_ways *w, unsigned i)
{
	unsigned lo = floor_ways(m, w, i), n = w->n[i] / 2;
	return n > lo ? n : lo;
}

static unsigned twice(const struct reconfig_ways *w, unsigned i)
{
	return 2 * w->n[i] < w->max[i] ? 2 * w->n[i] : w->max[i];
}

enum step { KEPT, SHRUNK, GREW };

/* `interval`'s step for cache i. */
static enum step interval_step(const struct cms *m, const struct reconfig_sample *s, unsigned i, struct tune *t,
			       struct reconfig_ways *w)
{
	if (t->settle) {
		t->settle = false;
		return KEPT;
	}
	if (w->n[i] >= w->max[i]) {
		if (s->accesses[i])
			t->ref = rate(s, i);
	} else if (!good(m, s, i, t)) {
		w->n[i] = twice(w, i);
		t->backoff = t->backoff ? (2 * t->backoff < MAX_HOLD ? 2 * t->backoff : MAX_HOLD) : 1;
		t->hold = t->backoff;
		t->settle = true;
		return GREW;
	}
	if (t->hold) {
		t->hold--;
		return KEPT;
	}
	unsigned n = halve(m, w, i);
	if (n == w->n[i])
		return KEPT;
	w->n[i] = n;
	t->settle = true;
	return SHRUNK;
}

static const char *const cache_names[3] = {"l1i", "l1d", "l2"};

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
					       cache_names[i], before[i], w->n[i]);
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
		interval_step(m, s, i, &st->t[i], w);
	return describe(st->text, sizeof st->text, before, w, "");
}


/* ---- phase ------------------------------------------------------------- */

enum { SIG_MAX_WORDS = 4096 / 32, PHASE_MAX = 256 };

struct phase {
	uint32_t sig[SIG_MAX_WORDS];
	unsigned n[3];
	struct tune t[3];
	bool tuned[3];
	bool used;
	int id;
	uint64_t seen;       /* the interval it was last seen in */
};

struct phase_state {
	struct phase p[PHASE_MAX];
	uint32_t prev[SIG_MAX_WORDS];
	bool have_prev;
	int cur;             /* index into p, -1 before the first interval */
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
	memcpy(p->n, w->max, sizeof p->n);   /* tuned from the full size down */
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
		/* between phases: every way on until the next one settles */
		if (st->cur >= 0)
			snprintf(what, sizeof what, "phase %d ends", st->p[st->cur].id);
		st->cur = -1;
		memcpy(w->n, w->max, sizeof w->n);
		return describe(st->text, sizeof st->text, before, w, what);
	}
	if (st->cur < 0) {
		/* two alike intervals: a phase, known or new */
		bool created;
		st->cur = find_phase(m, st, s, w, &created);
		struct phase *p = &st->p[st->cur];
		snprintf(what, sizeof what, created ? "new phase %d" : "phase %d recurs", p->id);
		for (unsigned i = 0; i < 3; i++) {
			w->n[i] = p->n[i] < w->max[i] ? p->n[i] : w->max[i];
			p->t[i].settle = w->n[i] != before[i];
		}
	} else {
		/* the same phase: tune what is not tuned yet; a tuned size
		 * that no longer holds grows a step */
		struct phase *p = &st->p[st->cur];
		for (unsigned i = 0; i < 3; i++) {
			struct tune *t = &p->t[i];
			if (!p->tuned[i]) {
				bool settling = t->settle;
				enum step r = interval_step(m, s, i, t, w);
				t->hold = 0;
				if (r == GREW || (r == KEPT && !settling && w->n[i] == floor_ways(m, w, i)))
					p->tuned[i] = true;
			} else if (t->settle) {
				t->settle = false;
			} else if (w->n[i] < w->max[i] && !good(m, s, i, t)) {
				w->n[i] = twice(w, i);
				t->settle = true;
			}
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
