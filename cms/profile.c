/* cms/profile.c — block-entry profile kept in hidden memory.
 *
 * An open-addressed table of (eip, count) pairs, 8 bytes an entry, with
 * cms.profile_entries entries, in the firmware data area.  The dispatch
 * loop bumps the count of every block it enters; the translator (later)
 * takes a block when its count reaches cms.translate_threshold.  When the
 * table is full, new blocks are simply not profiled (counted as
 * profile_full), which delays their translation but never breaks a run. */
#include "cms/cms_priv.h"

#include <stdlib.h>
#include <string.h>

/* Owned here; others call profile_hit / profile_count. */
struct profile {
	uint32_t table;                /* physical address in hidden memory */
	uint32_t mask;                 /* entries - 1 */
};

int profile_init(struct cms *m, char *err, size_t errlen)
{
	uint32_t bytes = hidden_table_bytes(&m->cfg, HIDDEN_PROFILE);
	if (!(m->prof = calloc(1, sizeof *m->prof))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->prof->table = hregion_alloc(&m->hm.fwdata, bytes, HIDDEN_TABLE_ALIGN);
	if (!m->prof->table) {
		snprintf(err, errlen, "hidden memory too small for the profile table (%u bytes)", bytes);
		return -1;
	}
	memset(chip_mem(m->chip) + m->prof->table, 0, bytes);
	m->prof->mask = (uint32_t)m->cfg.profile_entries - 1;
	return 0;
}

void profile_free(struct cms *m)
{
	free(m->prof);
	m->prof = NULL;
}

/* EIP 0 is never a guest block (page 0 is never mapped), so it marks a
 * free slot.  The table slot of eip, or the free slot where it would go,
 * or -1 when 32 probes find neither. */
static int64_t profile_slot(const struct cms *m, const uint32_t *t, uint32_t eip)
{
	uint32_t h = (eip * 0x9e3779b1u) >> 7;
	for (uint32_t probe = 0; probe < 32; probe++) {
		uint32_t i = (h + probe) & m->prof->mask;
		if (t[2 * i] == eip || t[2 * i] == 0)
			return i;
	}
	return -1;
}

static uint32_t *profile_table(const struct cms *m)
{
	return (uint32_t *)(void *)(chip_mem(m->chip) + m->prof->table);
}

/* The count of the block at eip (0: never entered, or not profiled). */
uint32_t profile_count(const struct cms *m, uint32_t eip)
{
	const uint32_t *t = profile_table(m);
	int64_t i = profile_slot(m, t, eip);
	return i >= 0 && t[2 * i] == eip ? t[2 * i + 1] : 0;
}

uint32_t profile_hit(struct cms *m, uint32_t eip)
{
	uint32_t *t = profile_table(m);
	int64_t i = profile_slot(m, t, eip);
	if (i < 0) {
		m->st.profile_full++;
		return 0;
	}
	if (t[2 * i] == 0) {
		t[2 * i] = eip;
		t[2 * i + 1] = 0;
		m->st.profile_blocks++;
	}
	uint32_t c = ++t[2 * i + 1];
	if (c == (uint32_t)m->cfg.translate_threshold)
		m->st.profile_hot++;
	return c;
}
