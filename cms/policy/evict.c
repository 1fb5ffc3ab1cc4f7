/* cms/policy/evict.c — evict policies: what to drop when the translation
 * cache (code) or its EIP map is full.
 *
 * flush  (default) everything: the simplest policy that cannot fragment
 *        (Dynamo's and early CMS's preemptive flush);
 * none   nothing: what does not fit is interpreted (a lower bound for
 *        comparing smarter policies). */
#include "cms/policy/policy.h"

static int flush_make_room(struct cms *m, uint32_t bytes)
{
	(void)bytes;
	tc_flush(m);
	return 0;
}

static int none_make_room(struct cms *m, uint32_t bytes)
{
	(void)m, (void)bytes;
	return -1;
}

static const struct evict_policy flush = {"flush", flush_make_room};
static const struct evict_policy none = {"none", none_make_room};

const struct evict_policy *const evict_policies[] = {&flush, &none, NULL};
