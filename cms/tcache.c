/* cms/tcache.c — the translation cache: translations in hidden memory,
 * the EIP -> translation map (also in hidden memory), chaining and
 * unchaining, invalidation for self-modifying code, and eviction.
 *
 * The map is an open-addressed table of (eip, id + 1) pairs in the
 * firmware data area; id indexes the host-side bookkeeping (struct xlat).
 * Code is allocated from the translation-cache region; when it or the map
 * is full, the evict policy (cms/policy/evict.c) makes room.  Pages
 * holding translated x86 code are protected through guestmem
 * (gm_mark_code), so the chip traps a store into them (self-modifying
 * code); the firmware then sets the page's translations aside
 * (tc_code_written): out of the map, every exit that jumps into them
 * unchained, their code kept.  Self-revalidation: the next time the
 * dispatcher misses at a set-aside translation's EIP it hashes the x86
 * bytes the translation came from (and the successor bytes its flag
 * liveness read) again, charged cms.cost.revalidate_byte a byte; the same
 * hash puts the translation back (smc_revalidated: a store beside the
 * code, or one that wrote what was there), another drops it
 * (translations_invalidated: the code really changed) and counts against
 * the page's cms.smc_page_limit.
 *
 * Nothing read back from hidden memory is trusted (DESIGN.md contract 5):
 * a map entry names its translation only if the host-side record agrees
 * (tc_lookup: id in range, valid, the same EIP and native address, the
 * check word consistent), otherwise the entry is repaired from the record
 * or dropped, and counted (faults.table_corruptions); the native lookup
 * routine jumps only where an entry's native address and check word agree
 * with the EIP it looks for.  Entry counters are read as hints (a garbage
 * count only moves the moment a region is formed).
 *
 * This file owns struct tcache (m->tc); the rest of the firmware reads a
 * translation through tc_get and changes the cache only through tc_*. */
#include "cms/cms_priv.h"
#include "cms/translate/translate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Map entries: 4 words (eip, id + 1, native address, check), check =
 * eip ^ native.  The native lookup routine reads native address and check
 * (a flip in either is a miss); the firmware reads eip and id and checks
 * the rest against the host-side record.  A free or removed entry holds
 * the lookup routine's miss exit as its native address, so whatever a
 * routine makes of it leaves for the dispatcher.  The size is hidden-mem's
 * (hidden_table_bytes), which the configuration check uses too. */
enum {
	MAP_ENTRIES = HIDDEN_XMAP_ENTRIES, MAP_WORDS = HIDDEN_XMAP_ENTRY_BYTES / 4, MAP_TOMB = 1,
	MAP_W_EIP = 0, MAP_W_VALUE = 1, MAP_W_NATIVE = 2, MAP_W_CHECK = 3,
};
_Static_assert(MAP_WORDS == 4, "a map entry is eip, id + 1, native address, check");

static void write_word(struct cms *m, uint32_t addr, uint64_t w)
{
	uint8_t b[8];
	for (int k = 0; k < 8; k++)
		b[k] = (uint8_t)(w >> (8 * k));
	chip_mem_write(m->chip, addr, b, 8);
}


struct tcache {
	struct xlat *xl;               /* indexed by translation id */
	unsigned nxl, capxl;
	uint32_t map;                  /* EIP -> translation table in hidden memory */
	uint32_t map_mask;
	unsigned map_used;             /* entries ever filled since the last flush (tombstones too) */
	uint32_t lookup;               /* native indirect-branch lookup routine */
	uint32_t lookup_miss;          /* its `exit #TC_LOOKUP_MISS` */
	uint32_t npages;
	uint32_t *page_smc;            /* per guest page: translations lost to stores */
	/* set-aside translations by EIP (host-side index, open addressing;
	 * id -1 empty, -2 removed) */
	uint32_t *susp_eip;
	int *susp_id;
	unsigned susp_cap, susp_used, susp_live;
	/* entry counters (--mode optimize): words in firmware data, taken a
	 * 4 KiB chunk at a time; never beside code, whose decoded bundles a
	 * store would invalidate */
	uint32_t *ctr_chunks, *ctr_free;
	unsigned nctr_chunks, nctr_free, ctr_cap;
};

enum { CTR_CHUNK = 4096 };

/* A counter word, or 0 when firmware data has no room (the block is then
 * translated without one). */
static uint32_t counter_alloc(struct cms *m)
{
	struct tcache *t = m->tc;
	if (!t->nctr_free) {
		uint32_t at = hregion_alloc(&m->hm.fwdata, CTR_CHUNK, 64);
		unsigned cap = (t->nctr_chunks + 1) * (CTR_CHUNK / 4);
		uint32_t *c = at ? realloc(t->ctr_chunks, (t->nctr_chunks + 1) * sizeof *c) : NULL;
		uint32_t *f = c ? realloc(t->ctr_free, cap * sizeof *f) : NULL;
		if (c)
			t->ctr_chunks = c;
		if (!f) {
			if (at)
				hregion_free(&m->hm.fwdata, at, CTR_CHUNK);
			return 0;
		}
		t->ctr_free = f;
		t->ctr_cap = cap;
		t->ctr_chunks[t->nctr_chunks++] = at;
		for (unsigned i = CTR_CHUNK / 4; i-- > 0;)
			t->ctr_free[t->nctr_free++] = at + 4 * i;
	}
	return t->ctr_free[--t->nctr_free];
}

static void counter_release(struct tcache *t, uint32_t addr)
{
	if (addr && t->nctr_free < t->ctr_cap)
		t->ctr_free[t->nctr_free++] = addr;
}

static int emit_lookup(struct cms *m);
static void map_clear(struct cms *m);

static void free_xlat(struct xlat *x)
{
	free(x->in_links);
	free(x->exits);
	free(x->ranges);
	free(x->atom_eip);
	x->in_links = NULL;
	x->exits = NULL;
	x->ranges = NULL;
	x->atom_eip = NULL;
}

int tc_init(struct cms *m, char *err, size_t errlen)
{
	m->tc = calloc(1, sizeof *m->tc);
	if (!m->tc || !(m->tc->page_smc = calloc(GM_PAGES, sizeof *m->tc->page_smc))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->tc->npages = GM_PAGES;
	m->tc->map_mask = MAP_ENTRIES - 1;
	m->tc->map = hregion_alloc(&m->hm.fwdata, hidden_table_bytes(&m->cfg, HIDDEN_XMAP), HIDDEN_TABLE_ALIGN);
	if (!m->tc->map) {
		snprintf(err, errlen, "hidden memory too small for the translation map");
		return -1;
	}
	if (emit_lookup(m) < 0) {
		snprintf(err, errlen, "translation cache too small for the lookup routine");
		return -1;
	}
	map_clear(m);
	return 0;
}

void tc_free(struct cms *m)
{
	if (!m->tc)
		return;
	for (unsigned i = 0; i < m->tc->nxl; i++)
		free_xlat(&m->tc->xl[i]);
	free(m->tc->xl);
	free(m->tc->page_smc);
	free(m->tc->susp_eip);
	free(m->tc->susp_id);
	free(m->tc->ctr_chunks);
	free(m->tc->ctr_free);
	free(m->tc);
	m->tc = NULL;
}

const struct xlat *tc_get(const struct cms *m, int id)
{
	return id >= 0 && (unsigned)id < m->tc->nxl && m->tc->xl[id].valid ? &m->tc->xl[id] : NULL;
}

uint32_t tc_map_base(const struct cms *m, uint32_t *entries)
{
	*entries = m->tc->map_mask + 1;
	return m->tc->map;
}

/* A page whose translations keep being overwritten (code and data mixed,
 * or a JIT) costs a translation each time: after cms.smc_page_limit losses
 * its blocks are only interpreted. */
int tc_page_unstable(const struct cms *m, uint32_t eip)
{
	uint32_t pg = eip >> GUEST_PAGE_SHIFT;
	return pg < m->tc->npages && m->tc->page_smc[pg] >= m->cfg.smc_page_limit;
}

static uint32_t *map_at(struct cms *m) { return (uint32_t *)(void *)(chip_mem(m->chip) + m->tc->map); }
/* eip times the golden ratio (mod 2^32), as the routine's `mul` computes
 * it: bits 4 up are the slot (callers mask), so that one `and` makes the
 * slot's byte offset.  An odd multiplier permutes the low bits, so EIPs
 * in one MiB of code spread over every slot. */
static const uint32_t map_hash_mul = 0x9e3779b1u;
static uint32_t map_hash(uint32_t eip) { return (eip * map_hash_mul) >> 4; }

/* Write entry i whole (the chip's ECC is recomputed for it). */
static void map_set(struct cms *m, uint32_t i, uint32_t eip, uint32_t value, uint32_t native)
{
	uint32_t *e = map_at(m) + MAP_WORDS * i;
	e[MAP_W_EIP] = eip;
	e[MAP_W_VALUE] = value;
	e[MAP_W_NATIVE] = native;
	e[MAP_W_CHECK] = eip ^ native;
	chip_mem_written(m->chip, m->tc->map + 4 * MAP_WORDS * i, 4 * MAP_WORDS);
}

static void map_tomb(struct cms *m, uint32_t i) { map_set(m, i, MAP_TOMB, 0, m->tc->lookup_miss); }

/* Every entry free (after the lookup routine is in place). */
static void map_clear(struct cms *m)
{
	uint32_t *t = map_at(m);
	for (uint32_t i = 0; i <= m->tc->map_mask; i++) {
		t[MAP_WORDS * i + MAP_W_EIP] = t[MAP_WORDS * i + MAP_W_VALUE] = 0;
		t[MAP_WORDS * i + MAP_W_NATIVE] = t[MAP_WORDS * i + MAP_W_CHECK] = m->tc->lookup_miss;
	}
	chip_mem_written(m->chip, m->tc->map, (m->tc->map_mask + 1) * MAP_WORDS * 4);
	m->tc->map_used = 0;
}

/* Three quarters used (tombstones count): probes get long. */
static int map_full(const struct cms *m) { return m->tc->map_used * 4 >= (m->tc->map_mask + 1) * 3; }

/* One entry (eip, value, native address); -1 when the map is too full. */
static int map_put(struct cms *m, uint32_t eip, uint32_t value, uint32_t native)
{
	uint32_t *t = map_at(m);
	if (map_full(m))
		return -1;
	for (uint32_t p = 0; p <= m->tc->map_mask; p++) {
		uint32_t i = (map_hash(eip) + p) & m->tc->map_mask;
		if (t[MAP_WORDS * i] == 0 || t[MAP_WORDS * i] == MAP_TOMB) {
			if (t[MAP_WORDS * i] == 0)
				m->tc->map_used++;
			map_set(m, i, eip, value, native);
			return 0;
		}
	}
	return -1;
}

/* Map value for an EIP whose first instruction cannot be translated: the
 * dispatcher interprets it without profiling it again. */
enum { MAP_UNTRANSLATABLE = 0xffffffffu };

void tc_mark_untranslatable(struct cms *m, uint32_t eip)
{
	/* native code reaching it through the lookup routine leaves for the
	 * dispatcher (the routine's miss exit) */
	map_put(m, eip, MAP_UNTRANSLATABLE, m->tc->lookup_miss);
}

/* The translation an entry found at eip names, if its record agrees
 * with every word: its id, else -1. */
static int entry_id(const struct cms *m, const uint32_t *e, uint32_t eip)
{
	const struct tcache *t = m->tc;
	uint32_t v = e[MAP_W_VALUE], native = e[MAP_W_NATIVE];
	if (v == 0 || v - 1 >= t->nxl || e[MAP_W_CHECK] != (eip ^ native))
		return -1;
	const struct xlat *x = &t->xl[v - 1];
	return x->valid && x->eip == eip && x->native == native ? (int)(v - 1) : -1;
}

/* Entry i, found at eip, disagrees with the records (a flip in hidden
 * memory): put it right when it still names its translation by native
 * address (a flipped id or check word), else drop it.  The id, or -1. */
static int map_repair(struct cms *m, uint32_t i, uint32_t eip)
{
	const uint32_t *e = map_at(m) + MAP_WORDS * i;
	m->st.table_corruptions++;
	for (unsigned id = m->tc->nxl; id-- > 0;) {
		const struct xlat *x = &m->tc->xl[id];
		if (x->valid && x->eip == eip && x->native == e[MAP_W_NATIVE]) {
			map_set(m, i, eip, id + 1, x->native);
			return (int)id;
		}
	}
	map_tomb(m, i);
	return -1;
}

int tc_lookup(struct cms *m, uint32_t eip)
{
	const uint32_t *t = map_at(m);
	for (uint32_t p = 0; p <= m->tc->map_mask; p++) {
		uint32_t i = (map_hash(eip) + p) & m->tc->map_mask;
		const uint32_t *e = t + MAP_WORDS * i;
		if (e[MAP_W_EIP] == eip) {
			if (e[MAP_W_VALUE] == MAP_UNTRANSLATABLE && e[MAP_W_NATIVE] == m->tc->lookup_miss &&
			    e[MAP_W_CHECK] == (eip ^ m->tc->lookup_miss))
				return -2;
			int id = entry_id(m, e, eip);
			if (id >= 0 || (id = map_repair(m, i, eip)) >= 0)
				return id;
			continue;  /* dropped: a later entry may still hold eip */
		}
		if (e[MAP_W_EIP] == 0)
			return -1;
	}
	return -1;
}

static int map_insert(struct cms *m, uint32_t eip, int id)
{
	return map_put(m, eip, (uint32_t)id + 1, m->tc->xl[id].native);
}

/* Take eip's entry holding value (id + 1, or MAP_UNTRANSLATABLE) out.  The
 * lookup routine reads only eip's first slot: an entry there that would
 * still send eip somewhere (its eip word flipped, so the probe above
 * passes it) goes too, before that code is freed. */
static void map_remove(struct cms *m, uint32_t eip, uint32_t value)
{
	const uint32_t *t = map_at(m);
	const uint32_t first = map_hash(eip) & m->tc->map_mask, *f = t + MAP_WORDS * first;
	for (uint32_t p = 0; p <= m->tc->map_mask; p++) {
		uint32_t i = (first + p) & m->tc->map_mask;
		if (t[MAP_WORDS * i] == eip && t[MAP_WORDS * i + MAP_W_VALUE] == value) {
			map_tomb(m, i);
			break;
		}
		if (t[MAP_WORDS * i] == 0)
			break;
	}
	if (f[MAP_W_EIP] != eip && f[MAP_W_NATIVE] != m->tc->lookup_miss && (f[MAP_W_CHECK] ^ f[MAP_W_NATIVE]) == eip) {
		m->st.table_corruptions++;
		map_tomb(m, first);
	}
}


/* The indirect-branch lookup routine, native code shared by every
 * translation: an indirect exit commits with the target EIP in r10 and
 * branches here; one probe of the map in hidden memory finds the target's
 * translation (jr) or leaves for the dispatcher (exit TC_LOOKUP_MISS),
 * which probes further, profiles and translates.  The entry's check word
 * xor the EIP must be its native address: one comparison decides, and
 * validates what it jumps to (a flipped native address or check word is
 * a miss).  Free entries and an untranslatable block's hold the miss exit.
 * The check is first loaded, so its xor waits no longer than a compare of
 * the EIP word would.  It uses four temporaries (r16..r19, or the first
 * healthy ones once the register self-test excluded some), which no
 * translation keeps live across its exits.  One atom per bundle, so it
 * runs on every legal configuration. */
static int emit_lookup(struct cms *m)
{
	char src[1024];
	unsigned t[4];
	struct ir_machine mc = {.bad_regs = faults_bad_regs(m)};
	if (ir_pick_temps(&mc, 4, t) < 0)
		return -1;
	snprintf(src, sizeof src,
		 "mul r%u, r10, #0x%x\n"
		 "and r%u, r%u, #0x%x\n"
		 "ld.32.hid r%u, [r%u + %u]\n"
		 "ld.32.hid r%u, [r%u + %u]\n"
		 "xor r%u, r%u, r10\n"
		 "sne r%u, r%u, r%u\n"
		 "bnz r%u, miss\n"
		 "jr r%u\n"
		 "miss: exit #%u\n",
		 t[0], map_hash_mul, t[0], t[0], m->tc->map_mask * MAP_WORDS * 4, t[1], t[0], m->tc->map + 4 * MAP_W_CHECK,
		 t[2], t[0], m->tc->map + 4 * MAP_W_NATIVE, t[3], t[1], t[3], t[3], t[2], t[3], t[2], TC_LOOKUP_MISS);
	struct isa_program p;
	struct isa_error e;
	if (isa_assemble(src, "lookup", &p, &e) < 0)
		return -1;
	uint32_t bytes = (uint32_t)p.n * ISA_ATOM_BYTES;
	m->tc->lookup = hregion_alloc(&m->hm.tcache, bytes, 64);
	if (m->tc->lookup) {
		for (size_t i = 0; i < p.n; i++)
			write_word(m, m->tc->lookup + (uint32_t)i * 8, p.words[i]);
		m->tc->lookup_miss = m->tc->lookup + (uint32_t)(p.n - 1) * 8;  /* the last atom: exit */
	}
	isa_program_free(&p);
	return m->tc->lookup ? 0 : -1;
}

/* Drop everything: translations, map, code, protection marks. */
void tc_flush(struct cms *m)
{
	for (unsigned i = 0; i < m->tc->nxl; i++) {
		struct xlat *x = &m->tc->xl[i];
		if (x->valid)
			m->st.evicted++;
		free_xlat(x);
	}
	m->tc->nxl = 0;
	m->tc->nctr_free = 0;
	for (unsigned k = 0; k < m->tc->nctr_chunks; k++)
		for (unsigned i = 0; i < CTR_CHUNK / 4; i++)
			m->tc->ctr_free[m->tc->nctr_free++] = m->tc->ctr_chunks[k] + 4 * i;
	for (unsigned i = 0; i < m->tc->susp_cap; i++)
		m->tc->susp_id[i] = -1;
	m->tc->susp_used = m->tc->susp_live = 0;
	hregion_reset(&m->hm.tcache);
	emit_lookup(m);
	map_clear(m);
	/* code pages stay protected for the interpreter's decode cache */
	m->st.flushes++;
}

static void unlink_in(struct xlat *to, int link)
{
	for (unsigned k = 0; k < to->nin; k++) {
		if (to->in_links[k] == link) {
			to->in_links[k] = to->in_links[--to->nin];
			return;
		}
	}
}

static void unchain(struct cms *m, int id, unsigned e)
{
	struct xlat_exit *x = &m->tc->xl[id].exits[e];
	if (x->chained_to < 0)
		return;
	write_word(m, x->atom, x->exit_word);
	unlink_in(&m->tc->xl[x->chained_to], id * TR_MAX_EXITS + (int)e);
	x->chained_to = -1;
	m->st.unchains++;
}

/* ---- setting aside and revalidating ------------------------------------------ */

static uint64_t fnv(uint64_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The hash of a translation's x86 bytes as they are now (executable pages
 * only: bytes that cannot be fetched any more make it differ), and how
 * many bytes it read. */
static uint64_t source_hash(struct cms *m, const struct xlat *x, uint32_t *bytes)
{
	uint8_t buf[256];
	uint64_t h = 0xcbf29ce484222325ull;
	*bytes = 0;
	for (unsigned r = 0; r < x->nranges; r++) {
		const struct xrange *g = &x->ranges[r];
		for (uint32_t a = g->lo; a < g->hi;) {
			uint32_t n = g->hi - a < sizeof buf ? g->hi - a : (uint32_t)sizeof buf;
			uint32_t got = gm_copy_in(m, buf, a, n, GM_X);
			h = fnv(h, buf, got);
			*bytes += n;
			if (got < n)
				return ~h;   /* no longer readable code: never the old hash */
			a += n;
		}
	}
	return h;
}

/* Protect the x86 bytes a translation came from and relied on. */
static void mark_ranges(struct cms *m, const struct xlat *x)
{
	for (unsigned r = 0; r < x->nranges; r++)
		gm_mark_code(m, x->ranges[r].lo, x->ranges[r].hi - x->ranges[r].lo);
}

static unsigned susp_slot(const struct tcache *t, uint32_t eip) { return (eip * 0x9e3779b1u) & (t->susp_cap - 1); }

static int susp_grow(struct tcache *t)
{
	unsigned cap = t->susp_cap ? 2 * t->susp_cap : 64;
	uint32_t *e = malloc(cap * sizeof *e);
	int *id = malloc(cap * sizeof *id);
	if (!e || !id) {
		free(e);
		free(id);
		return -1;
	}
	for (unsigned i = 0; i < cap; i++)
		id[i] = -1;
	uint32_t *oe = t->susp_eip;
	int *oid = t->susp_id;
	unsigned ocap = t->susp_cap;
	t->susp_eip = e;
	t->susp_id = id;
	t->susp_cap = cap;
	t->susp_used = t->susp_live = 0;
	for (unsigned i = 0; i < ocap; i++) {
		if (oid[i] < 0)
			continue;
		unsigned k = susp_slot(t, oe[i]);
		while (t->susp_id[k] != -1)
			k = (k + 1) & (cap - 1);
		t->susp_eip[k] = oe[i];
		t->susp_id[k] = oid[i];
		t->susp_used++;
		t->susp_live++;
	}
	free(oe);
	free(oid);
	return 0;
}

/* Where eip's set-aside translation is in the index, or -1. */
static int susp_find(const struct tcache *t, uint32_t eip)
{
	if (!t->susp_live)
		return -1;
	for (unsigned k = susp_slot(t, eip), n = 0; n < t->susp_cap; k = (k + 1) & (t->susp_cap - 1), n++) {
		if (t->susp_id[k] == -1)
			return -1;
		if (t->susp_id[k] >= 0 && t->susp_eip[k] == eip)
			return (int)k;
	}
	return -1;
}

/* Unchain a translation and take it out of the map (its code stays). */
static void detach_xlat(struct cms *m, int id)
{
	struct xlat *x = &m->tc->xl[id];
	/* exits of other translations that jump here go back to the dispatcher */
	while (x->nin) {
		int link = x->in_links[x->nin - 1];
		unchain(m, link / TR_MAX_EXITS, (unsigned)(link % TR_MAX_EXITS));
	}
	for (unsigned e = 0; e < x->nexits; e++)
		unchain(m, id, e);
	map_remove(m, x->eip, (uint32_t)id + 1);
	x->valid = 0;
}

static void drop_code(struct cms *m, struct xlat *x)
{
	hregion_free(&m->hm.tcache, x->native, x->size);
	counter_release(m->tc, x->counter);
	x->counter = 0;
	x->suspended = 0;
	m->st.invalidated++;
	uint32_t pg = x->eip >> GUEST_PAGE_SHIFT;
	if (pg < m->tc->npages && m->tc->page_smc[pg] < UINT32_MAX)
		m->tc->page_smc[pg]++;
}

/* Set a translation aside until its next entry (dropped if it cannot be indexed). */
static void suspend_xlat(struct cms *m, int id)
{
	struct tcache *t = m->tc;
	struct xlat *x = &t->xl[id];
	if (!x->valid)
		return;
	detach_xlat(m, id);
	if (susp_find(t, x->eip) < 0 && ((t->susp_used + 1) * 2 <= t->susp_cap || susp_grow(t) == 0)) {
		unsigned k = susp_slot(t, x->eip);
		while (t->susp_id[k] >= 0)
			k = (k + 1) & (t->susp_cap - 1);
		t->susp_used += t->susp_id[k] == -1;
		t->susp_eip[k] = x->eip;
		t->susp_id[k] = id;
		t->susp_live++;
		x->suspended = 1;
		m->st.smc_suspended++;
		return;
	}
	drop_code(m, x);
}

int tc_revalidate(struct cms *m, uint32_t eip)
{
	struct tcache *t = m->tc;
	int k = susp_find(t, eip);
	if (k < 0)
		return -1;
	int id = t->susp_id[k];
	t->susp_id[k] = -2;
	t->susp_live--;
	struct xlat *x = &t->xl[id];
	uint32_t bytes;
	uint64_t h = source_hash(m, x, &bytes);
	cms_charge(m, ACT_TRANSLATE, (uint64_t)m->cfg.cost_revalidate_byte * bytes);
	x->suspended = 0;
	if (h == x->src_hash && map_insert(m, eip, id) == 0) {
		x->valid = 1;
		mark_ranges(m, x);
		m->st.smc_revalidated++;
		return id;
	}
	x->suspended = 1;
	drop_code(m, x);
	return -1;
}

/* Every translation touching the page, or relying on its bytes, is set aside. */
static void invalidate_page(struct cms *m, uint32_t page)
{
	uint32_t lo = page << GUEST_PAGE_SHIFT, hi = lo + GUEST_PAGE;
	for (unsigned i = 0; i < m->tc->nxl; i++) {
		struct xlat *x = &m->tc->xl[i];
		int hit = 0;
		for (unsigned d = 0; x->valid && d < x->nranges; d++)
			hit |= x->ranges[d].lo < hi && x->ranges[d].hi > lo;
		if (hit)
			suspend_xlat(m, (int)i);
	}
}

void tc_code_written(struct cms *m, uint32_t pg)
{
	if (m->tc->nxl)
		invalidate_page(m, pg);
}

/* An indirect exit atom becomes `br` to the native lookup routine (its
 * offset is from the bundle holding it). */
static void to_lookup(struct cms *m, struct atom *a, uint32_t bundle)
{
	a->op = OP_BR;
	a->imm = m->tc->lookup - bundle;
}

static void chain(struct cms *m, int from, unsigned e, int to)
{
	struct xlat_exit *x = &m->tc->xl[from].exits[e];
	struct xlat *t = &m->tc->xl[to];
	if (x->chained_to >= 0 || x->kind != TR_EXIT_DIRECT || !t->valid)
		return;
	if (t->nin == t->capin) {
		unsigned cap = t->capin ? 2 * t->capin : 4;
		int *n = realloc(t->in_links, cap * sizeof *n);
		if (!n)
			return;
		t->in_links = n;
		t->capin = cap;
	}
	/* the exit atom becomes `br` to the target; its offset is from the
	 * bundle holding it */
	struct atom br = {.op = OP_BR, .imm = t->native - x->bundle, .stop = (uint8_t)((x->exit_word >> 7) & 1)};
	write_word(m, x->atom, isa_encode(&br));
	x->chained_to = to;
	t->in_links[t->nin++] = from * TR_MAX_EXITS + (int)e;
	m->st.chains++;
}

int tc_exit_taken(struct cms *m, uint32_t code, int do_chain)
{
	int from = (int)(code / TR_MAX_EXITS), over = 0;
	unsigned e = code % TR_MAX_EXITS;
	if (from < (int)m->tc->nxl && m->tc->xl[from].valid && e < m->tc->xl[from].nexits) {
		struct xlat *t = &m->tc->xl[from];
		struct xlat_exit *x = &t->exits[e];
		m->st.side_exits_taken += x->side >= 0;
		if (t->watch) {
			/* a watched region: every run ends here, counted */
			x->seen++;
			do_chain = 0;
			over = --t->watch == 0;
		}
		if (x->kind == TR_EXIT_DIRECT) {
			m->st.exits_direct++;
			int to = tc_lookup(m, x->target);
			if (to >= 0 && do_chain)
				chain(m, from, e, to);
		} else {
			m->st.exits_indirect++;
		}
	}
	return over;
}

void tc_unwatch(struct cms *m, int id)
{
	if (!tc_get(m, id))
		return;
	struct xlat *t = &m->tc->xl[id];
	t->watch = 0;
	for (unsigned e = 0; e < t->nexits && !m->verify && m->tc->lookup; e++) {
		struct xlat_exit *x = &t->exits[e];
		if (x->kind != TR_EXIT_INDIRECT)
			continue;
		struct atom a;
		isa_decode(x->exit_word & ~(1ull << 7), &a);
		a.stop = (uint8_t)((x->exit_word >> 7) & 1);
		to_lookup(m, &a, x->bundle);
		x->exit_word = isa_encode(&a);
		write_word(m, x->atom, x->exit_word);
	}
}

static struct ir_machine machine_of(struct cms *m)
{
	struct ir_machine mc;
	const struct cdvm_config *k = &m->cfg;
	memset(&mc, 0, sizeof mc);
	mc.issue_width = (unsigned)k->issue_width;
	for (unsigned u = 0; u < U_COUNT; u++) {
		uint32_t mask = 0;
		chip_read_cr(m->chip, CR_UNITS_ALU + u, &mask);
		mc.units[u] = (unsigned)__builtin_popcount(mask);
	}
	unsigned units[U_COUNT];
	chip_config_machine(k, units, mc.lat);
	mc.lat[L_NONE] = 1;
	mc.bad_regs = faults_bad_regs(m);
	return mc;
}

static void dump(struct cms *m, int id, const struct tr_result *r)
{
	char path[1024];
	mkdir(m->dump_dir, 0777);
	snprintf(path, sizeof path, "%s/%s-%05d-%08x.txt", m->dump_dir, m->tc->xl[id].region ? "region" : "xlat", id,
		 r->block.eip);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	tr_dump(r, m->tc->xl[id].native, f);
	fclose(f);
}

static uint32_t profile_counter(void *ctx, uint32_t eip)
{
	return profile_count(ctx, eip);
}

/* Room for `bytes` of code and one map entry: the one place that asks the
 * evict policy.  The code address, or 0. */
static uint32_t alloc_code(struct cms *m, uint32_t bytes)
{
	uint32_t at = map_full(m) ? 0 : hregion_alloc(&m->hm.tcache, bytes, 64);
	if (!at && m->pol.evict->make_room(m, bytes) == 0 && !map_full(m))
		at = hregion_alloc(&m->hm.tcache, bytes, 64);
	return at;
}

/* Exit atoms carry the exit id, translation id * TR_MAX_EXITS + exit
 * index; indirect exits go to the native lookup routine instead (not
 * under --verify, which checks one translation per run). */
static void link_exits(struct cms *m, struct xlat *x, struct tr_result *r, int id)
{
	for (unsigned e = 0; e < r->code.nexits; e++) {
		const struct tr_exit *te = &r->code.exits[e];
		unsigned wi = te->exit_atom / ISA_ATOM_BYTES;
		struct atom a;
		isa_decode(r->code.words[wi], &a);
		a.imm = (uint32_t)(id * TR_MAX_EXITS + (int)e);
		if (te->kind == TR_EXIT_INDIRECT && !m->verify && !x->watch && m->tc->lookup)
			to_lookup(m, &a, x->native + te->exit_bundle);
		r->code.words[wi] = isa_encode(&a);
		x->exits[e] = (struct xlat_exit){(uint8_t)te->kind, te->target, x->native + te->exit_bundle,
						 x->native + te->exit_atom, r->code.words[wi], -1, te->flags_live,
						 te->side, te->branch, te->way, te->promise, 0};
	}
	if (r->code.hot_exit >= 0) {
		struct atom a;
		isa_decode(r->code.words[r->code.hot_exit], &a);
		a.imm = (uint32_t)(id * TR_MAX_EXITS + TR_EXIT_HOT);
		r->code.words[r->code.hot_exit] = isa_encode(&a);
	}
}

/* The x86 bytes of a translation: its instructions' runs, then the
 * successor bytes its flag liveness read. */
static int set_ranges(struct xlat *x, const struct tr_result *r)
{
	const struct ir_block *b = &r->block;
	x->ranges = malloc((b->ninsns + r->ndeps + 1) * sizeof *x->ranges);
	if (!x->ranges)
		return -1;
	x->nranges = 0;
	for (unsigned i = 0; i < b->ninsns; i++) {
		uint32_t lo = b->insn_eip[i], hi = lo + b->insns[i].len;
		int merged = 0;
		for (unsigned k = 0; k < x->nranges && !merged; k++) {
			struct xrange *g = &x->ranges[k];
			if (lo <= g->hi && hi >= g->lo) {
				g->lo = lo < g->lo ? lo : g->lo;
				g->hi = hi > g->hi ? hi : g->hi;
				merged = 1;
			}
		}
		if (!merged)
			x->ranges[x->nranges++] = (struct xrange){lo, hi};
	}
	if (!b->ninsns)
		x->ranges[x->nranges++] = (struct xrange){x->eip, x->end_eip};
	for (unsigned d = 0; d < r->ndeps; d++)
		x->ranges[x->nranges++] = (struct xrange){r->deps[d][0], r->deps[d][1]};
	return 0;
}

/* Put a finished translation into the cache: code in hidden memory (and,
 * for an entry counter, its word after the code, set to
 * cms.opt.threshold), the map entry at its EIP (a region replaces what
 * was there), its exits, the protection of its x86 bytes.  Its id, or -1. */
static int install(struct cms *m, struct tr_result *r, int region, unsigned watch)
{
	uint32_t counter = 0;
	const uint32_t eip = r->block.eip;
	uint32_t code_bytes = r->code.n * ISA_ATOM_BYTES;
	uint32_t bytes = code_bytes;
	int old = tc_lookup(m, eip);
	if (old >= 0) {
		/* the region replaces the block: whatever jumps there comes back
		 * through the dispatcher and is chained again */
		detach_xlat(m, old);
		hregion_free(&m->hm.tcache, m->tc->xl[old].native, m->tc->xl[old].size);
		counter_release(m->tc, m->tc->xl[old].counter);
		m->tc->xl[old].counter = 0;
		free_xlat(&m->tc->xl[old]);
		m->st.replaced++;
	} else if (old == -2) {
		map_remove(m, eip, MAP_UNTRANSLATABLE);
	}
	uint32_t at = alloc_code(m, bytes);
	if (!at)
		return -1;
	/* (after alloc_code: a flush there frees every counter) */
	if (r->code.counter_ld >= 0 && !(counter = counter_alloc(m))) {
		hregion_free(&m->hm.tcache, at, bytes);
		return -1;
	}
	if (m->tc->nxl == m->tc->capxl) {
		unsigned cap = m->tc->capxl ? 2 * m->tc->capxl : 256;
		struct xlat *n = realloc(m->tc->xl, cap * sizeof *n);
		if (!n) {
			hregion_free(&m->hm.tcache, at, bytes);
			counter_release(m->tc, counter);
			return -1;
		}
		m->tc->xl = n;
		m->tc->capxl = cap;
	}
	int id = (int)m->tc->nxl;
	struct xlat *x = &m->tc->xl[id];
	memset(x, 0, sizeof *x);
	x->native = at;
	x->size = bytes;
	x->eip = eip;
	x->end_eip = r->block.end_eip;
	x->ninsns = r->block.ninsns;
	x->nexits = r->code.nexits;
	x->region = region;
	x->watch = watch;
	x->bundles = r->code.nbundles;
	x->exits = calloc(x->nexits ? x->nexits : 1, sizeof *x->exits);
	uint8_t *buf = malloc(bytes);
	if (!x->exits || set_ranges(x, r) < 0 || !buf ||
	    (region && !(x->atom_eip = malloc(r->code.n * sizeof *x->atom_eip)))) {
		free(buf);
		free_xlat(x);
		hregion_free(&m->hm.tcache, at, bytes);
		counter_release(m->tc, counter);
		return -1;
	}
	m->tc->nxl++;
	if (map_insert(m, eip, id) < 0) {
		m->tc->nxl--;
		free(buf);
		free_xlat(x);
		hregion_free(&m->hm.tcache, at, bytes);
		counter_release(m->tc, counter);
		return -1;
	}
	x->valid = 1;
	if (r->code.counter_ld >= 0) {
		/* the entry counter's word, in firmware data */
		x->counter = counter;
		int w[2] = {r->code.counter_ld, r->code.counter_st};
		for (int k = 0; k < 2; k++) {
			struct atom a;
			isa_decode(r->code.words[w[k]], &a);
			a.imm = x->counter;
			r->code.words[w[k]] = isa_encode(&a);
		}
		uint32_t c = (uint32_t)m->cfg.opt_threshold;
		chip_mem_write(m->chip, counter, &c, 4);
	}
	link_exits(m, x, r, id);
	for (unsigned i = 0; i < r->code.n; i++)
		for (int k = 0; k < 8; k++)
			buf[i * 8 + (unsigned)k] = (uint8_t)(r->code.words[i] >> (8 * k));
	chip_mem_write(m->chip, at, buf, bytes);
	free(buf);
	for (unsigned i = 0; region && i < r->code.n; i++)
		x->atom_eip[i] = r->block.insn_eip[r->code.atom_insn[i] < r->block.ninsns ? r->code.atom_insn[i] : 0];
	/* protect the x86 code it came from, and the successor bytes its flag
	 * liveness relied on; remember them for revalidation */
	uint32_t hashed;
	x->src_hash = source_hash(m, x, &hashed);
	mark_ranges(m, x);
	if (m->dump_dir)
		dump(m, id, r);
	return id;
}

int tc_translate(struct cms *m, const struct translate_region *rg)
{
	struct tr_result *r = malloc(sizeof *r);
	if (!r)
		return -1;
	struct ir_machine mc = machine_of(m);
	/* in optimize mode a block counts its entries (the reoptimizer's
	 * trigger), unless the firmware samples instead */
	int counted = m->mode == CMS_MODE_OPTIMIZE && !strcmp(m->cfg.opt_trigger, "counter");
	struct tr_hints hints = {profile_counter, m, counted, NULL};
	int id = -1;
	if (mc.units[U_ALU] == 0 || mc.units[U_BR] == 0 || mc.units[U_MEM] == 0 ||
	    tr_translate(&m->env, rg->eip, &mc, rg->max_insns, (unsigned)m->cfg.store_buffer - (unsigned)counted,
			 &hints, r) < 0) {
		m->st.failed_translations++;
		goto out;
	}
	cms_charge(m, ACT_TRANSLATE, (uint64_t)m->cfg.cost_translate_insn * r->block.ninsns +
					     (uint64_t)m->cfg.cost_translate_op * r->ir_ops);
	id = install(m, r, 0, 0);
	if (id < 0) {
		m->st.failed_translations++;
		goto out;
	}
	m->st.translations++;
	m->st.translated_insns += r->block.ninsns;
out:
	free(r);
	return id;
}

uint32_t tc_entries(struct cms *m, uint32_t eip)
{
	int id = tc_lookup(m, eip);
	if (id < 0)
		return 0;
	/* a region, or a block whose counter fired (disarmed): at least a
	 * threshold's worth */
	const struct xlat *x = &m->tc->xl[id];
	if (x->region || x->samples == UINT32_MAX)
		return (uint32_t)m->cfg.opt_threshold;
	if (!x->counter) {
		/* sampled: entries in the cycles its samples stand for */
		uint64_t e = (uint64_t)x->samples * (uint64_t)m->cfg.opt_sample_interval / (x->bundles ? x->bundles : 1);
		return e < UINT32_MAX ? (uint32_t)e : UINT32_MAX;
	}
	uint32_t c;
	chip_mem_read(m->chip, m->tc->xl[id].counter, &c, 4);
	if (c == UINT32_MAX)
		return (uint32_t)m->cfg.opt_threshold;
	return c <= (uint32_t)m->cfg.opt_threshold ? (uint32_t)m->cfg.opt_threshold - c : 0;
}

void tc_disarm(struct cms *m, int id)
{
	if (tc_get(m, id) && !m->tc->xl[id].counter)
		m->tc->xl[id].samples = UINT32_MAX;
	if (tc_get(m, id) && m->tc->xl[id].counter) {
		uint32_t never = UINT32_MAX, c = 0;
		chip_mem_read(m->chip, m->tc->xl[id].counter, &c, 4);
		if (c == never) {
			/* disarmed, and it counted down to zero all the same: its code
			 * no longer counts the word it was given (a flipped atom); it
			 * goes, or it would leave through its hot exit forever */
			m->st.table_corruptions++;
			tc_drop(m, id);
			return;
		}
		chip_mem_write(m->chip, m->tc->xl[id].counter, &never, 4);
	}
}

int tc_optimize(struct cms *m, uint32_t eip, const struct tr_region_opts *o, const struct tr_hints *hints,
		unsigned watch, struct tc_region_info *info)
{
	struct tr_result *r = malloc(sizeof *r);
	if (!r)
		return -1;
	struct ir_machine mc = machine_of(m);
	mc.alias_entries = o->reorder_memory ? (unsigned)m->cfg.alias_entries : 0;
	mc.control_speculation = o->control_speculation;
	int id = -1;
	if (mc.units[U_ALU] == 0 || mc.units[U_BR] == 0 || mc.units[U_MEM] == 0 ||
	    tr_optimize(&m->env, eip, &mc, o, hints, r) < 0)
		goto out;
	cms_charge(m, ACT_OPTIMIZE, (uint64_t)m->cfg.cost_optimize_insn * r->block.ninsns +
					    (uint64_t)m->cfg.cost_optimize_op * r->ir_ops);
	id = install(m, r, 1, watch);
	if (id >= 0) {
		info->ninsns = r->block.ninsns;
		info->nsides = r->block.nsides;
		info->spec_loads = r->spec_loads;
		info->spec_stores = r->spec_stores;
		info->unrolled = r->unrolled;
		info->if_converted = r->block.nhammocks;
		info->cse_removed = r->cse_removed;
		info->loop = r->block.end != END_INDIRECT &&
			     (r->block.target == eip || (r->block.end == END_COND && r->block.fall == eip));
	}
out:
	free(r);
	return id;
}

uint32_t tc_sample(struct cms *m, uint32_t pc, int *id)
{
	*id = tc_find_native(m, pc);
	if (*id < 0)
		return 0;
	struct xlat *x = &m->tc->xl[*id];
	if (x->region || x->samples == UINT32_MAX)
		return 0;
	return ++x->samples;
}

int tc_find_native(const struct cms *m, uint32_t pc)
{
	for (unsigned i = 0; i < m->tc->nxl; i++) {
		const struct xlat *x = &m->tc->xl[i];
		if (x->valid && pc >= x->native && pc < x->native + x->size)
			return (int)i;
	}
	return -1;
}

uint32_t tc_atom_eip(const struct cms *m, int id, uint32_t pc, unsigned slot)
{
	const struct xlat *x = tc_get(m, id);
	if (!x || !x->atom_eip || pc < x->native)
		return 0;
	uint32_t k = (pc - x->native) / ISA_ATOM_BYTES + slot;
	return k < x->size / ISA_ATOM_BYTES && x->atom_eip ? x->atom_eip[k] : 0;
}

void tc_drop(struct cms *m, int id)
{
	if (id < 0 || (unsigned)id >= m->tc->nxl || !m->tc->xl[id].valid)
		return;
	detach_xlat(m, id);
	hregion_free(&m->hm.tcache, m->tc->xl[id].native, m->tc->xl[id].size);
	counter_release(m->tc, m->tc->xl[id].counter);
	m->tc->xl[id].counter = 0;
	free_xlat(&m->tc->xl[id]);
}
