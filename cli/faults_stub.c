/* cli/faults_stub.c — stand-ins for hw-sim/fault.c's text functions while
 * that file is not in this branch: weak definitions, so the real ones win
 * as soon as libcdvm.a has them.  Delete this file once hw-sim/fault.c is
 * merged.  The text follows the syntax in hw-sim/fault.h. */
#include <stdio.h>

#include "hw-sim/fault.h"
#include "native-isa/isa.h"

__attribute__((weak)) const char *fault_target_name(enum fault_target t)
{
	static const char *const n[] = {
#define STUB_TARGET(e, s) s,
		FAULT_TARGETS(STUB_TARGET)
#undef STUB_TARGET
	};
	return t < FT_COUNT ? n[t] : "?";
}

__attribute__((weak)) const char *fault_kind_name(enum fault_kind k)
{
	static const char *const n[] = {
#define STUB_KIND(e, s) s,
		FAULT_KINDS(STUB_KIND)
#undef STUB_KIND
	};
	return k < FK_COUNT ? n[k] : "?";
}

__attribute__((weak)) size_t fault_spec_format(const struct fault_spec *f, char *buf, size_t n)
{
	static const char *const caches[] = {"l1i", "l1d", "l2"};
	const char *c = f->level < 3 ? caches[f->level] : "?";
	int len = 0;
	switch (f->target) {
	case FT_UNIT: len = snprintf(buf, n, "unit=%s:%u", isa_unit_name((enum unit_class)f->cls), f->index); break;
	case FT_REG: len = snprintf(buf, n, "reg=r%u", f->reg); break;
	case FT_SHADOW: len = snprintf(buf, n, "reg=s%u", f->reg); break;
	case FT_CACHE: len = snprintf(buf, n, "cache=%s,line=%u,word=%u", c, f->line, f->word); break;
	case FT_TAG: len = snprintf(buf, n, "tag=%s,line=%u", c, f->line); break;
	case FT_WAY: len = snprintf(buf, n, "way=%s:%u", c, f->way); break;
	case FT_SB: len = snprintf(buf, n, "sb=%u", f->entry); break;
	case FT_MEM: len = snprintf(buf, n, "mem=0x%x", (unsigned)f->addr); break;
	case FT_COUNT: break;
	}
	size_t at = len > 0 ? (size_t)len : 0;
	int more = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, ",kind=%s,bit=%u,at=%llu",
			    fault_kind_name(f->kind), f->bit, (unsigned long long)f->at);
	at += more > 0 ? (size_t)more : 0;
	if (f->kind == FK_INTERMITTENT) {
		more = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, ",period=%llu,len=%llu",
				(unsigned long long)f->period, (unsigned long long)f->len);
		at += more > 0 ? (size_t)more : 0;
	}
	return at;
}
