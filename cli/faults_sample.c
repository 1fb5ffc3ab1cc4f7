/* cli/faults_sample.c — what a campaign samples and how sure it is.
 *
 * Sample sizes follow Leveugle, Calvez, Maistri and Vanhauwaert,
 * "Statistical fault injection: quantified error and confidence" (DATE
 * 2009): for a fault population of N, a margin of error e at the
 * confidence whose normal quantile is t, and the worst case p = 0.5,
 *   n = N / (1 + e^2 (N - 1) / (t^2 p (1 - p)))
 * which is 384 at 95 % / 5 % and 9604 at 95 % / 1 % for a large N.
 *
 * A run's faults come from a counter-based hash, splitmix64 (Steele, Lea
 * and Flood, OOPSLA 2014) of (seed, workload, injection, fault, draw): no
 * generator state, so the same run draws the same faults in any order, in
 * any shard, after any resume.  Intervals of the outcome shares are Wilson
 * score intervals (Wilson 1927), sound at shares near 0 and 1 where the
 * normal approximation is not. */
#include "cli/faults.h"

#include <math.h>
#include <stdio.h>

#include "hw-sim/chip.h"
#include "native-isa/isa.h"

const char *faults_outcome_name(enum faults_outcome o)
{
	static const char *const names[] = {
#define FAULTS_OUTCOME_NAME(e, n) n,
		FAULTS_OUTCOMES(FAULTS_OUTCOME_NAME)
#undef FAULTS_OUTCOME_NAME
	};
	return o < FO_COUNT ? names[o] : "?";
}

double faults_z(double confidence)
{
	/* the two-sided normal quantiles Leveugle et al. tabulate */
	static const struct { double level, z; } q[] = {{0.90, 1.645}, {0.95, 1.96}, {0.99, 2.576}};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		if (fabs(confidence - q[i].level) < 1e-9)
			return q[i].z;
	return 0;
}

unsigned faults_sample_size(double margin, double confidence, double population)
{
	double t = faults_z(confidence), p = 0.5;
	if (!t || !(margin > 0))
		return 0;
	double inf = t * t * p * (1 - p) / (margin * margin);
	double n = population > 0 ? population / (1 + (population - 1) / inf) : inf;
	if (n > 4e9)
		return 4000000000u;
	return (unsigned)llround(n);
}

void faults_wilson(unsigned k, unsigned n, double z, double *center, double *half)
{
	if (!n) {
		*center = *half = 0;
		return;
	}
	double p = (double)k / n, nn = n, z2 = z * z, d = 1 + z2 / nn;
	*center = (p + z2 / (2 * nn)) / d;
	*half = z / d * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
}

static unsigned log2u(unsigned v)
{
	unsigned l = 0;
	while (v > 1) {
		v >>= 1;
		l++;
	}
	return l;
}

void faults_chip_of(const struct cdvm_config *cfg, struct faults_chip *c)
{
	unsigned lat[L_COUNT];
	chip_config_machine(cfg, c->units, lat);
	c->store_buffer = (unsigned)cfg->store_buffer;
	const long long kb[3] = {cfg->l1i_kb, cfg->l1d_kb, cfg->l2_kb};
	const long long ways[3] = {cfg->l1i_ways, cfg->l1d_ways, cfg->l2_ways};
	const long long line[3] = {cfg->l1i_line, cfg->l1d_line, cfg->l2_line};
	for (int i = 0; i < 3; i++) {
		unsigned lines = (unsigned)(kb[i] * 1024 / line[i]);
		unsigned sets = lines / (unsigned)ways[i];
		c->cache[i].lines = lines;
		c->cache[i].ways = (unsigned)ways[i];
		c->cache[i].words = (unsigned)(line[i] / 4);
		/* physical addresses are 32 bits: offset and index bits are not stored */
		c->cache[i].tag_bits = 32 - log2u((unsigned)line[i]) - log2u(sets ? sets : 1);
	}
	c->mem_words = ((uint64_t)cfg->guest_mb + (uint64_t)cfg->hidden_mb) << 18;
}

/* Targets of one model on chip c (weighted as the bits they hold), and
 * the bits of each target. */
static double model_bits(const struct faults_model *m, const struct faults_chip *c)
{
	double units = 0;
	for (int i = 0; i < U_COUNT; i++)
		units += c->units[i];
	switch (m->target) {
	case FT_UNIT: return units * 32;
	case FT_REG: return (m->temporaries ? ISA_NREGS - R_FIRST_TEMP : ISA_NREGS - 1) * 32;
	case FT_SHADOW: return 15 * 32;
	case FT_SB: return (double)c->store_buffer * 32;
	case FT_MEM: return (double)c->mem_words * 32;
	case FT_CACHE:
	case FT_TAG:
	case FT_WAY: {
		double b = 0;
		for (int i = 0; i < 3; i++) {
			if (!m->caches[i])
				continue;
			if (m->target == FT_CACHE)
				b += (double)c->cache[i].lines * c->cache[i].words * 32;
			else if (m->target == FT_TAG)
				b += (double)c->cache[i].lines * c->cache[i].tag_bits;
			else
				b += (double)c->cache[i].ways * 32;
		}
		return b;
	}
	case FT_COUNT: break;
	}
	return 0;
}

double faults_population(const struct faults_section *f, const struct faults_chip *c, uint64_t cycles)
{
	double n = 0;
	for (size_t i = 0; i < f->nmodels; i++)
		n += model_bits(&f->models[i], c) * f->models[i].nkinds;
	return n * (f->boot || !cycles ? 1 : (double)cycles);
}

/* ---- drawing ------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Draw number d of one fault: uniform in [0, n) (n > 0). */
struct draws {
	uint64_t key;
	unsigned d;
};

static uint64_t below(struct draws *D, uint64_t n)
{
	uint64_t u = splitmix64(D->key ^ splitmix64(D->d++));
	return (uint64_t)(((unsigned __int128)u * n) >> 64);
}

static double unit_real(struct draws *D)
{
	return (double)(splitmix64(D->key ^ splitmix64(D->d++)) >> 11) * 0x1p-53;
}

/* A target of model m on chip c: fills the target fields and returns the
 * number of bits it has. */
static unsigned pick_target(struct draws *D, const struct faults_model *m, const struct faults_chip *c,
			    struct fault_spec *o)
{
	o->target = m->target;
	switch (m->target) {
	case FT_UNIT: {
		unsigned total = 0;
		for (int i = 0; i < U_COUNT; i++)
			total += c->units[i];
		unsigned u = (unsigned)below(D, total);
		for (o->cls = 0; u >= c->units[o->cls]; o->cls++)
			u -= c->units[o->cls];
		o->index = u;
		return 32;
	}
	case FT_REG:
		o->reg = m->temporaries ? R_FIRST_TEMP + (unsigned)below(D, ISA_NREGS - R_FIRST_TEMP)
					: 1 + (unsigned)below(D, ISA_NREGS - 1);
		return 32;
	case FT_SHADOW: o->reg = 1 + (unsigned)below(D, 15); return 32;
	case FT_SB: o->entry = (unsigned)below(D, c->store_buffer); return 32;
	case FT_MEM: o->addr = (uint32_t)(below(D, c->mem_words) * 4); return 32;
	case FT_CACHE:
	case FT_TAG:
	case FT_WAY: {
		/* uniform over the lines (ways) of the listed caches together */
		uint64_t total = 0;
		for (int i = 0; i < 3; i++)
			if (m->caches[i])
				total += m->target == FT_WAY ? c->cache[i].ways : c->cache[i].lines;
		uint64_t u = below(D, total);
		unsigned lv = 0;
		for (;; lv++) {
			uint64_t here = !m->caches[lv] ? 0 : m->target == FT_WAY ? c->cache[lv].ways : c->cache[lv].lines;
			if (u < here)
				break;
			u -= here;
		}
		o->level = lv;
		if (m->target == FT_WAY) {
			o->way = (unsigned)u;
			return 32;
		}
		o->line = (unsigned)u;
		if (m->target == FT_TAG)
			return c->cache[lv].tag_bits;
		o->word = (unsigned)below(D, c->cache[lv].words);
		return 32;
	}
	case FT_COUNT: break;
	}
	return 0;
}

int faults_draw(const struct faults_section *f, const struct faults_chip *c, uint64_t cycles, size_t workload,
		unsigned injection, unsigned i, struct fault_spec *out, char *msg, size_t msglen)
{
	struct draws D = {splitmix64(splitmix64(splitmix64(f->seed) ^ workload) ^ injection) ^ ((uint64_t)i << 32), 0};
	double total = 0;
	for (size_t k = 0; k < f->nmodels; k++)
		if (model_bits(&f->models[k], c) > 0)
			total += f->models[k].weight;
	if (!(total > 0)) {
		snprintf(msg, msglen, "no model of faults: has a target on this chip");
		return -1;
	}
	/* the first model whose weight covers u, or the last with targets
	 * (what rounding leaves) */
	double u = unit_real(&D) * total;
	size_t k = 0;
	for (size_t i_m = 0; i_m < f->nmodels; i_m++) {
		if (model_bits(&f->models[i_m], c) <= 0)
			continue;
		k = i_m;
		if (u < f->models[i_m].weight)
			break;
		u -= f->models[i_m].weight;
	}
	const struct faults_model *m = &f->models[k];
	*out = (struct fault_spec){0};
	out->kind = m->kinds[below(&D, m->nkinds)];
	unsigned bits = pick_target(&D, m, c, out);
	out->bit = (unsigned)below(&D, bits);
	out->at = f->boot || !cycles ? 0 : below(&D, cycles);
	if (out->kind == FK_INTERMITTENT) {
		out->period = 100000;   /* fault.h's defaults, written out */
		out->len = 1000;
	}
	return 0;
}
