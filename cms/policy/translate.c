/* cms/policy/translate.c — translate policies: when to translate, and
 * which region.
 *
 * block  (default) a basic block, once its entry count reaches
 *        cms.translate_threshold, unless its page keeps losing
 *        translations to stores (cms.smc_page_limit);
 * never  interpret everything: the dispatch loop still looks up and
 *        profiles, so it measures what translation saves. */
#include "cms/policy/policy.h"

static int block_on_miss(struct cms *m, uint32_t eip, uint32_t count, struct translate_region *r)
{
	const struct cdvm_config *k = cms_config(m);
	if (count < (uint64_t)k->translate_threshold || tc_page_unstable(m, eip))
		return 0;
	*r = (struct translate_region){eip, (unsigned)k->max_block_insns};
	return 1;
}

static int never_on_miss(struct cms *m, uint32_t eip, uint32_t count, struct translate_region *r)
{
	(void)m, (void)eip, (void)count, (void)r;
	return 0;
}

static const struct translate_policy block = {"block", block_on_miss};
static const struct translate_policy never = {"never", never_on_miss};

const struct translate_policy *const translate_policies[] = {&block, &never, NULL};
