/* cli/faults.h — `cdvm faults`: fault-injection campaigns, built on the
 * sweep machinery (cli/sweep.h).
 *
 * A campaign file is a sweep spec plus a `faults:` section (docs/faults.md,
 * "Campaigns").  Its runs are the sweep's, point x workload x mode x rep,
 * where rep 0 is the golden run (no fault) and rep j >= 1 the j-th
 * injection; the runner's hooks add what a sweep does not have:
 *   faults_spec.c     the `faults:` section (strict, FILE:LINE:COL errors)
 *   faults_sample.c   sample sizes (Leveugle et al.), the fault population
 *                     of a point's chip, drawing a run's faults from
 *                     (seed, run) alone, Wilson score intervals
 *   faults_summary.c  outcomes per target x kind from the rows:
 *                     summary.csv, summary.txt, plots
 *   cmd_faults.c      the commands `faults` and `faults-merge`, the hooks
 *
 *   struct faults_campaign *fc; char err[SWEEP_ERR_MAX];
 *   if (faults_campaign_load(&fc, "configs/faults/small.yaml", err, sizeof err)) -> err
 *   fc->spec, fc->f: the sweep spec (repetitions = 1 + injections) and the faults section */
#ifndef CDVM_CLI_FAULTS_H
#define CDVM_CLI_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/sweep.h"
#include "configs/config.h"
#include "hw-sim/fault.h"
#include "native-isa/isa.h"

/* The axis key that varies the faults per run (not a configuration key). */
#define FAULTS_PER_RUN_AXIS "faults.per_run"
#define FAULTS_MAX_PER_RUN 32   /* cdvm run takes at most 32 --inject */
#define FAULTS_MAX_INJECTIONS 1000000

/* Outcomes of a faulty run against its golden run (docs/faults.md). */
#define FAULTS_OUTCOMES(X)                                                                         \
	X(FO_MASKED, "masked") X(FO_RECOVERED, "detected_recovered")                               \
	X(FO_UNRECOVERABLE, "detected_unrecoverable") X(FO_CORRUPTED, "detected_corrupted")        \
	X(FO_SDC, "sdc") X(FO_HANG, "hang")
enum faults_outcome {
#define FAULTS_OUTCOME_ENUM(e, n) e,
	FAULTS_OUTCOMES(FAULTS_OUTCOME_ENUM)
#undef FAULTS_OUTCOME_ENUM
	FO_COUNT
};
const char *faults_outcome_name(enum faults_outcome o);

/* One `models:` entry: a target and the kinds it may take. */
struct faults_model {
	enum fault_target target;
	enum fault_kind kinds[FK_COUNT];
	unsigned nkinds;
	bool caches[3];          /* FT_CACHE, FT_TAG, FT_WAY: FAULT_L1I .. FAULT_L2 */
	bool temporaries;        /* FT_REG: r16..r63 only (`registers: temporaries`) */
	double weight;
};

struct faults_section {
	uint64_t seed;
	unsigned injections;     /* per point x workload x mode: the fixed count, or the
	                          * most the margin asks (infinite population) */
	double margin, confidence; /* 0 when injections is given */
	unsigned hang_factor;
	unsigned per_run;        /* faults per run, unless the faults.per_run axis says */
	bool boot;               /* when: boot (at = 0), else uniform over the golden cycles */
	struct faults_model *models;
	size_t nmodels;
};

struct faults_campaign {
	struct sweep_spec *spec;
	struct faults_section f;
};

/* Reads and checks a campaign file (or text): errors "FILE:LINE:COL: ...". */
int faults_campaign_load(struct faults_campaign **out, const char *path, char *err, size_t errlen);
int faults_campaign_parse(struct faults_campaign **out, const char *text, size_t len, const char *name, char *err,
			  size_t errlen);
void faults_campaign_free(struct faults_campaign *fc);

/* ---- sampling ------------------------------------------------------------ */

/* What a point's chip has for faults to strike. */
struct faults_chip {
	unsigned units[U_COUNT];        /* per unit class (native-isa ISA_UNITS order) */
	unsigned store_buffer;
	struct {
		unsigned lines, ways, words, tag_bits;
	} cache[3];                     /* FAULT_L1I .. FAULT_L2 */
	uint64_t mem_words;             /* guest RAM + hidden memory, 32-bit words */
};
void faults_chip_of(const struct cdvm_config *cfg, struct faults_chip *c);

/* The z of a two-sided confidence level: 0.90, 0.95 or 0.99 (else 0). */
double faults_z(double confidence);
/* Leveugle et al., DATE 2009: n = N / (1 + e^2 (N - 1) / (t^2 p (1 - p))) with
 * p = 0.5, rounded to the nearest integer; population <= 0 means infinite. */
unsigned faults_sample_size(double margin, double confidence, double population);
/* Every fault the models can make on chip c in a run of `cycles` cycles
 * (targets x bits x kinds x cycles; cycles 1 when the faults strike at boot). */
double faults_population(const struct faults_section *f, const struct faults_chip *c, uint64_t cycles);
/* Wilson score interval of k successes in n: center and half-width. */
void faults_wilson(unsigned k, unsigned n, double z, double *center, double *half);

/* The faults of a run, drawn from (seed, workload, injection number) alone
 * with a counter-based hash (splitmix64), so every point and mode meets
 * the same draws (paired comparisons of e.g. detection off and on), and a
 * shard or a resume draws what the whole campaign would.  Fault i of the
 * run: models by weight, then kind, target, bit, and time in [0, cycles).
 * Returns 0, or -1 when no model has a target on this chip (msg says). */
int faults_draw(const struct faults_section *f, const struct faults_chip *c, uint64_t cycles, size_t workload,
		unsigned injection, unsigned i, struct fault_spec *out, char *msg, size_t msglen);

/* ---- summary ------------------------------------------------------------- */

/* DIR/summary.csv and summary.txt from DIR/results.jsonl (and with plot,
 * DIR/plot-outcomes.png and plot-recovery.png). */
int faults_summarize(const struct faults_campaign *fc, const char *dir, bool plot, char *err, size_t errlen);

#endif
