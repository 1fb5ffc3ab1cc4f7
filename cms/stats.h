/* cms/stats.h — what the firmware's statistics are (cms/stats.def), for
 * the report, the sweep's columns and the docs.  The values live in struct
 * cms (cms/cms_priv.h, m->st); a run's values reach scripts through
 * `cdvm run --stats-json`.
 *
 *   for (unsigned i = 0; i < CMS_STAT_ROWS; i++) {
 *       const struct cms_stat_desc *d = cms_stat_desc(i);
 *       char col[CMS_STAT_NAME_MAX];
 *       if (!d->len) cms_stat_column(d, NULL, col);      // scalar: one column
 *   } */
#ifndef CDVM_CMS_STATS_H
#define CDVM_CMS_STATS_H

#include <stdio.h>

enum cms_stat_sweep {
	CMS_SWEEP_EACH,   /* one sweep column per element */
	CMS_SWEEP_SUM,    /* one sweep column: the elements' total */
};

/* One row of cms/stats.def. */
struct cms_stat_desc {
	const char *name;     /* field of struct cms_stats */
	const char *key;      /* --stats-json key; '.' goes one object down */
	const char *column;   /* arrays: sweep column (SUM) or column prefix (EACH); scalars: NULL */
	const char *unit;
	const char *doc;
	unsigned len;         /* 0: a scalar; else the array's length */
	int dense;            /* arrays: every element in --stats-json (else non-zero ones) */
	enum cms_stat_sweep sweep;
};

enum {
#define CMS_STAT(name, key, unit, doc) CMS_STATROW_##name,
#define CMS_STAT_ARRAY(name, len, key, column, dense, sweep, unit, doc) CMS_STATROW_##name,
#include "cms/stats.def"
	CMS_STAT_ROWS
};

enum { CMS_STAT_NAME_MAX = 64 };

/* Row i < CMS_STAT_ROWS, in table order (NULL past the end). */
const struct cms_stat_desc *cms_stat_desc(unsigned i);
/* Element e of an array row as its --stats-json key ("alu", "mov", "4"),
 * written into buf. */
const char *cms_stat_elem(const struct cms_stat_desc *d, unsigned e, char buf[CMS_STAT_NAME_MAX]);
/* The sweep column of a scalar row (elem NULL) or of an element of an EACH
 * array: lower-case letters, digits and '_' only. */
const char *cms_stat_column(const struct cms_stat_desc *d, const char *elem, char buf[CMS_STAT_NAME_MAX]);
/* docs/stats.md: every firmware statistic and chip counter. */
void cms_write_stats_doc(FILE *out);

#endif
