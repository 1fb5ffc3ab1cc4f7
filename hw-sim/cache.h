/* hw-sim/cache.h — a set-associative, write-back, write-allocate cache with
 * true LRU replacement and a per-way enable mask.
 *
 * The model keeps tags and state only; data lives in physical memory (the
 * chip reads it there), except for injected bit flips, which a cache holds
 * as an overlay on the resident line until the line is overwritten or
 * leaves the cache (a dirty line writes its flip back to memory).
 *
 *   struct cache l1d;
 *   cache_init(&l1d, "l1d", 32 * 1024, 8, 32, 2, &l2, 0, counters);
 *   unsigned extra = cache_access(&l1d, addr, false);  // 0 on a hit, else miss cycles
 */
#ifndef CDVM_HW_SIM_CACHE_H
#define CDVM_HW_SIM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CACHE_MAX_FAULTS = 16, CACHE_MAX_DEFECTS = 8 };

struct cache_counters {
	uint64_t *hits, *misses, *evictions, *writebacks;
};

struct cache_fault {
	uint32_t addr;     /* address of the faulty 32-bit word (aligned) */
	uint32_t mask;     /* bits flipped */
	bool valid;
	int8_t next_way;   /* brought in from the next level's way (-1: struck here) */
};

/* A permanent defect of the data array: bit `bit` of word `word` of one
 * physical line (set * ways + way), or of every line of one way, reads
 * stuck at 1 (stuck0: at 0), whatever line is filled there. */
struct cache_defect {
	bool valid, whole_way, stuck0;
	unsigned where;    /* line index, or the way */
	unsigned word, bit;
};

struct cache {
	const char *name;
	unsigned sets, ways, line_shift;
	uint32_t set_mask;
	unsigned latency;            /* hit latency (cycles) */
	unsigned mem_latency;        /* miss cost when there is no next level */
	struct cache *next;          /* next level, or NULL for memory */
	uint32_t *tag;               /* [sets * ways]: line address (addr >> line_shift) */
	uint8_t *state;              /* [sets * ways]: CL_VALID | CL_DIRTY */
	uint32_t *stamp;             /* [sets * ways]: LRU time stamps */
	uint8_t *mru;                /* [sets]: most recently used way (a host-side shortcut) */
	uint32_t clock;
	uint32_t way_mask;           /* enabled ways */
	/* stack-distance monitor (Mattson's LRU stack; Qureshi and Patt's
	 * UMON): depth[d - 1] counts accesses that found their line at LRU
	 * depth d (2..ways) of its set, as if every way were on.  Depth 1
	 * (the most recent line) is not counted: hits minus the rest.  The
	 * tags of switched-off ways stay on as shadow tags: shadow[set *
	 * ways + i] holds the lines evicted from the set, most recent first
	 * (nshadow[set] of them, at most ways - enabled), so a miss that
	 * finds its line there would have hit at depth enabled + 1 + i. */
	uint64_t depth[32];
	bool monitor;                /* depth is counted (control register DEPTH_CTRL) */
	uint32_t *shadow;
	uint8_t *nshadow;
	unsigned enabled;            /* popcount of way_mask */
	struct cache_counters cnt;
	uint8_t *backing;            /* physical memory, for writing back injected flips */
	uint32_t backing_size;
	struct cache_fault faults[CACHE_MAX_FAULTS];
	unsigned nfaults;            /* valid entries may be sparse; 0 means none anywhere */
	struct cache_defect defects[CACHE_MAX_DEFECTS];
	unsigned ndefects;
	/* the write-back check of dirty lines (faults.cache_ecc, .detect.cache) */
	bool ecc, parity;
	uint64_t *corrected;         /* counter of corrected words */
	bool wb_error;               /* a dirty line with a parity error was written back */
	uint32_t wb_error_addr;
};

enum { CL_VALID = 1, CL_DIRTY = 2 };

/* size_bytes / (ways * line) must be a power of two (the config checks).
 * Returns 0, or -1 when out of memory. */
int cache_init(struct cache *c, const char *name, uint32_t size_bytes, unsigned ways, unsigned line,
	       unsigned latency, struct cache *next, unsigned mem_latency, struct cache_counters cnt);
void cache_free(struct cache *c);

/* One access to the line holding addr.  Returns the cycles beyond a hit:
 * 0 on a hit, otherwise the next level's latency plus its own miss time
 * (or mem_latency at the last level).  Dirty victims are written back to
 * the next level without stalling (a write-back buffer). */
unsigned cache_access(struct cache *c, uint32_t addr, bool write);

/* cache_access with the common case inline: a hit on the set's most
 * recently used way.  Same effect on state and counters. */
static inline unsigned cache_access_fast(struct cache *c, uint32_t addr, bool write)
{
	uint32_t line_addr = addr >> c->line_shift;
	uint32_t set = line_addr & c->set_mask;
	size_t i = (size_t)set * c->ways + c->mru[set];
	if ((c->state[i] & CL_VALID) && c->tag[i] == line_addr) {
		c->stamp[i] = ++c->clock;
		if (write)
			c->state[i] |= CL_DIRTY;
		(*c->cnt.hits)++;
		return 0;
	}
	return cache_access(c, addr, write);
}

/* True when the line holding addr is resident (no state change). */
bool cache_probe(const struct cache *c, uint32_t addr);

/* Change the way-enable mask; lines in ways being disabled are written back
 * (if dirty) and invalidated. */
void cache_set_way_mask(struct cache *c, uint32_t mask);

/* Invalidate everything, writing back dirty lines. */
void cache_flush(struct cache *c);

static inline unsigned cache_line_size(const struct cache *c) { return 1u << c->line_shift; }

/* Fault injection: flip `bit` (0..31) of the 32-bit word at addr in the
 * resident line.  Returns 0, or -1 when the line is not resident or the
 * overlay table is full. */
int cache_inject(struct cache *c, uint32_t addr, unsigned bit);
/* XOR mask of injected flips over [addr, addr+size) as the little-endian
 * value a load would see; 0 when none.  Only call when c->nfaults. */
uint32_t cache_fault_mask(const struct cache *c, uint32_t addr, unsigned size);
/* A store overwrote [addr, addr+size): its flips are gone. */
void cache_fault_clear(struct cache *c, uint32_t addr, unsigned size);

/* Any injected flip or defect at all (the fast check before the others). */
static inline bool cache_has_faults(const struct cache *c) { return c->nfaults || c->ndefects; }
/* Physical line index (set * ways + way) holding addr, or -1. */
int cache_line_of(const struct cache *c, uint32_t addr);
/* The XOR mask a read of [addr, addr+size) (within one word) sees: the
 * injected flips and the defects of the line holding it; 0 when the line
 * is not resident.  Only call when cache_has_faults. */
uint32_t cache_read_mask(const struct cache *c, uint32_t addr, unsigned size);
/* Flip `bit` of word `word` of physical line idx: 0, 1 when the line is
 * not valid (the flip falls on nothing), -1 for a bad argument. */
int cache_inject_line(struct cache *c, unsigned idx, unsigned word, unsigned bit);
/* Flip bit `bit` of the tag of line idx (above the set index): the line
 * now answers for another address, with the data it held (overlaid as
 * flips).  0, 1 when not valid, -1 for a bad argument. */
int cache_inject_tag(struct cache *c, unsigned idx, unsigned bit);
int cache_add_defect(struct cache *c, const struct cache_defect *d);
/* The next level's way an injected flip at addr came from, or -1 when it
 * struck this cache (or there is none). */
int cache_fault_origin(const struct cache *c, uint32_t addr);
/* Drop the line holding addr (with its flips, no write-back): -1 when it
 * was dirty, 0 otherwise (also when not resident). */
int cache_drop(struct cache *c, uint32_t addr);
/* The way the line holding addr sits in, or -1. */
static inline int cache_way_of(const struct cache *c, uint32_t addr)
{
	int i = cache_line_of(c, addr);
	return i < 0 ? -1 : (int)((unsigned)i % c->ways);
}
unsigned cache_tag_bits(const struct cache *c);

#endif
