/* hw-sim/fault.c — the text form of a fault (hw-sim/fault.h): parse and
 * format.  The chip's side (arming, the schedule, the models at work) is
 * in chip.c and core.c. */
#include "hw-sim/fault.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native-isa/isa.h"

static const char *const target_names[] = {
#define FAULT_TARGET_NAME(e, n) n,
	FAULT_TARGETS(FAULT_TARGET_NAME)
#undef FAULT_TARGET_NAME
};
static const char *const kind_names[] = {
#define FAULT_KIND_NAME(e, n) n,
	FAULT_KINDS(FAULT_KIND_NAME)
#undef FAULT_KIND_NAME
};
static const char *const cache_names[] = {"l1i", "l1d", "l2"};

const char *fault_target_name(enum fault_target t) { return t < FT_COUNT ? target_names[t] : "?"; }
const char *fault_kind_name(enum fault_kind k) { return k < FK_COUNT ? kind_names[k] : "?"; }
bool fault_kind_permanent(enum fault_kind k) { return k != FK_FLIP; }

enum { DEFAULT_PERIOD = 100000, DEFAULT_LEN = 1000 };

struct parser {
	const char *text;
	char *err;
	size_t errlen;
};

static int fail(struct parser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *P, const char *fmt, ...)
{
	int n = snprintf(P->err, P->errlen, "--inject '%s': ", P->text);
	if (n < 0 || (size_t)n >= P->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(P->err + n, P->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A whole unsigned number (decimal or 0x hex) no larger than max. */
static int number(struct parser *P, const char *key, const char *v, uint64_t max, uint64_t *out)
{
	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return fail(P, "%s: '%s' is not a number", key, v);
	errno = 0;
	char *end;
	unsigned long long x = strtoull(v, &end, 0);
	if (*end || errno)
		return fail(P, "%s: '%s' is not a number", key, v);
	if (x > max)
		return fail(P, "%s: %llu out of range (0..%llu)", key, x, (unsigned long long)max);
	*out = x;
	return 0;
}

static int name_index(const char *const *names, unsigned n, const char *v, size_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], v, len))
			return (int)i;
	return -1;
}

static int cache_level(struct parser *P, const char *key, const char *v, size_t len, unsigned *level)
{
	int l = name_index(cache_names, 3, v, len);
	if (l < 0)
		return fail(P, "%s: unknown cache '%.*s' (l1i, l1d or l2)", key, (int)len, v);
	*level = (unsigned)l;
	return 0;
}

/* The target key and its value: the first field. */
static int target(struct parser *P, const char *key, const char *v, struct fault_spec *f)
{
	uint64_t x;
	const char *colon = strchr(v, ':');
	if (!strcmp(key, "unit") || !strcmp(key, "way")) {
		if (!colon)
			return fail(P, "%s: '%s' needs CLASS:INDEX", key, v);
		if (!strcmp(key, "unit")) {
			f->target = FT_UNIT;
			int u = -1;
			for (unsigned i = 0; i < U_COUNT; i++)
				if (strlen(isa_unit_name((enum unit_class)i)) == (size_t)(colon - v) &&
				    !strncmp(isa_unit_name((enum unit_class)i), v, (size_t)(colon - v)))
					u = (int)i;
			if (u < 0)
				return fail(P, "unit: unknown unit class '%.*s' (alu, mem, mul or br)", (int)(colon - v), v);
			f->cls = (unsigned)u;
			if (number(P, "unit index", colon + 1, 31, &x))
				return -1;
			f->index = (unsigned)x;
			return 0;
		}
		f->target = FT_WAY;
		if (cache_level(P, key, v, (size_t)(colon - v), &f->level) || number(P, "way", colon + 1, 31, &x))
			return -1;
		f->way = (unsigned)x;
		return 0;
	}
	if (!strcmp(key, "reg")) {
		bool shadow = v[0] == 's';
		if (v[0] != 'r' && !shadow)
			return fail(P, "reg: '%s' is not a register (rN, or sN for a shadow copy)", v);
		unsigned lim = shadow ? ISA_NSHADOW - 1 : ISA_NREGS - 1;
		if (number(P, "reg", v + 1, UINT32_MAX, &x))
			return -1;
		if (x == 0 || x > lim)
			return fail(P, "register %s out of range (%c1..%c%u)", v, v[0], v[0], lim);
		f->target = shadow ? FT_SHADOW : FT_REG;
		f->reg = (unsigned)x;
		return 0;
	}
	if (!strcmp(key, "cache") || !strcmp(key, "tag")) {
		f->target = key[0] == 'c' ? FT_CACHE : FT_TAG;
		return cache_level(P, key, v, strlen(v), &f->level);
	}
	if (!strcmp(key, "sb")) {
		f->target = FT_SB;
		if (number(P, "sb", v, 4095, &x))
			return -1;
		f->entry = (unsigned)x;
		return 0;
	}
	if (!strcmp(key, "mem")) {
		f->target = FT_MEM;
		if (number(P, "mem", v, UINT32_MAX, &x))
			return -1;
		if (x & 3)
			return fail(P, "mem: address %s is not word-aligned", v);
		f->addr = (uint32_t)x;
		return 0;
	}
	return fail(P, "the first field names the target: unit=, reg=, cache=, tag=, way=, sb= or mem= (not '%s')", key);
}

int fault_spec_parse(const char *text, struct fault_spec *f, char *err, size_t errlen)
{
	struct parser P = {text, err, errlen};
	memset(f, 0, sizeof *f);
	char buf[256];
	if (strlen(text) >= sizeof buf)
		return fail(&P, "too long");
	snprintf(buf, sizeof buf, "%s", text);
	bool seen_line = false, seen_period = false, seen_len = false, seen_word = false;
	unsigned seen = 0;   /* bit per field key, against repeats */
	static const char *const keys[] = {"kind", "bit", "at", "period", "len", "line", "word"};
	int nfield = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), nfield++) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return fail(&P, "'%s' is not key=value", tok);
		*eq = '\0';
		const char *key = tok, *v = eq + 1;
		if (nfield == 0) {
			if (target(&P, key, v, f))
				return -1;
			continue;
		}
		int k = name_index(keys, sizeof keys / sizeof *keys, key, strlen(key));
		if (k < 0)
			return fail(&P, "unknown field '%s' (kind, bit, at, period, len, line, word)", key);
		if (seen >> k & 1)
			return fail(&P, "field '%s' given twice", key);
		seen |= 1u << k;
		uint64_t x;
		switch (k) {
		case 0: {
			int kind = name_index(kind_names, FK_COUNT, v, strlen(v));
			if (kind < 0)
				return fail(&P, "kind: unknown kind '%s' (flip, stuck, stuck0 or intermittent)", v);
			f->kind = (enum fault_kind)kind;
			break;
		}
		case 1:
			if (number(&P, "bit", v, 31, &x))
				return -1;
			f->bit = (unsigned)x;
			break;
		case 2:
			if (number(&P, "at", v, INT64_MAX, &x))
				return -1;
			f->at = x;
			break;
		case 3:
		case 4:
			if (number(&P, key, v, INT64_MAX, &x))
				return -1;
			if (!x)
				return fail(&P, "%s: must be at least 1", key);
			*(k == 3 ? &f->period : &f->len) = x;
			*(k == 3 ? &seen_period : &seen_len) = true;
			break;
		case 5:
		case 6:
			if (number(&P, key, v, 1u << 24, &x))
				return -1;
			*(k == 5 ? &f->line : &f->word) = (unsigned)x;
			*(k == 5 ? &seen_line : &seen_word) = true;
			break;
		}
	}
	if (!nfield)
		return fail(&P, "empty");
	bool line_target = f->target == FT_CACHE || f->target == FT_TAG;
	if (line_target && !seen_line)
		return fail(&P, "%s= needs line=L (the physical line: set * ways + way)", fault_target_name(f->target));
	if (!line_target && seen_line)
		return fail(&P, "line= only goes with cache= or tag=");
	if (seen_word && f->target != FT_CACHE)
		return fail(&P, "word= only goes with cache=");
	if ((seen_period || seen_len) && f->kind != FK_INTERMITTENT)
		return fail(&P, "period= and len= only go with kind=intermittent");
	if (f->kind == FK_INTERMITTENT) {
		f->period = seen_period ? f->period : DEFAULT_PERIOD;
		f->len = seen_len ? f->len : DEFAULT_LEN;
		if (f->len > f->period)
			return fail(&P, "len (%llu) longer than period (%llu)", (unsigned long long)f->len,
				    (unsigned long long)f->period);
	}
	return 0;
}

size_t fault_spec_format(const struct fault_spec *f, char *buf, size_t n)
{
	char t[64];
	switch (f->target) {
	case FT_UNIT: snprintf(t, sizeof t, "unit=%s:%u", isa_unit_name((enum unit_class)f->cls), f->index); break;
	case FT_REG: snprintf(t, sizeof t, "reg=r%u", f->reg); break;
	case FT_SHADOW: snprintf(t, sizeof t, "reg=s%u", f->reg); break;
	case FT_CACHE: snprintf(t, sizeof t, "cache=%s,line=%u,word=%u", cache_names[f->level % 3], f->line, f->word); break;
	case FT_TAG: snprintf(t, sizeof t, "tag=%s,line=%u", cache_names[f->level % 3], f->line); break;
	case FT_WAY: snprintf(t, sizeof t, "way=%s:%u", cache_names[f->level % 3], f->way); break;
	case FT_SB: snprintf(t, sizeof t, "sb=%u", f->entry); break;
	case FT_MEM: snprintf(t, sizeof t, "mem=0x%08x", f->addr); break;
	default: snprintf(t, sizeof t, "?"); break;
	}
	int len;
	if (f->kind == FK_INTERMITTENT)
		len = snprintf(buf, n, "%s,kind=%s,bit=%u,at=%llu,period=%llu,len=%llu", t, fault_kind_name(f->kind), f->bit,
			       (unsigned long long)f->at, (unsigned long long)f->period, (unsigned long long)f->len);
	else
		len = snprintf(buf, n, "%s,kind=%s,bit=%u,at=%llu", t, fault_kind_name(f->kind), f->bit,
			       (unsigned long long)f->at);
	return len < 0 ? 0 : (size_t)len;
}
