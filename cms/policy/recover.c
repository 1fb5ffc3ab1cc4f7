/* cms/policy/recover.c — recover policies: what the firmware does when
 * translated code leaves with a fault (the chip has already rolled back
 * to the last commit, DESIGN.md contract 4).
 *
 * interpret  interpret the block from the committed EIP: a
 *            guest fault then stops at the exact faulting instruction,
 *            a speculation fault (alias, store-buffer overflow) simply
 *            runs correctly; a store into translated code (protection)
 *            first drops the written pages' translations and decodes;
 *            a rollback speculation may have caused (alias fault, memory
 *            fault, store-buffer overflow, an FPU fault: a region's x87
 *            stack at its entry is the one the firmware saw when it made
 *            the region, fchk's guess) is first reported to the
 *            reoptimizer (policy_speculation_failed), which retranslates
 *            a region that keeps failing;
 * page-in    (default) the same, except for a memory fault on a page a
 *            mapping covers that has no frame yet (its first touch, by
 *            translated code): the page gets its frame and the dispatcher
 *            runs the translation again from the committed state, as
 *            an operating system restarts the faulting instruction;
 *            without it, each first touch from native code costs the
 *            interpretation of a block. */
#include "cms/policy/policy.h"

#include "native-isa/isa.h"

static int rollback_interpret(struct cms *m, const struct chip_exit *ex, struct cms_result *res)
{
	(void)ex;
	return cms_recover_interpret(m, res);
}

/* a rollback speculation may have caused: the reoptimizer hears of it first */
static int speculation_interpret(struct cms *m, const struct chip_exit *ex, struct cms_result *res)
{
	policy_speculation_failed(m, ex);
	return cms_recover_interpret(m, res);
}

/* self-modifying code: the store (up to 4 bytes) hit a page we translated from */
static int smc_interpret(struct cms *m, const struct chip_exit *ex, struct cms_result *res)
{
	gm_code_written(m, ex->addr >> ISA_PAGE_SHIFT);
	gm_code_written(m, (ex->addr + 3) >> ISA_PAGE_SHIFT);
	return cms_recover_interpret(m, res);
}

static int page_in(struct cms *m, const struct chip_exit *ex, struct cms_result *res)
{
	if (policy_page_in(m, ex->addr) == 0)
		return cms_check_cycle_limit(m, res);
	return speculation_interpret(m, ex, res);
}

static int stop(struct cms *m, const struct chip_exit *ex, struct cms_result *res)
{
	(void)ex;
	cms_check_cycle_limit(m, res);
	return 1;
}

/* The rows both tables share; each names what it does with a memory fault. */
#define RECOVER_ROWS(memory_fault)                          \
	{                                                   \
		[CHIP_EXIT_MEMORY_FAULT] = memory_fault,            \
		[CHIP_EXIT_ALIAS_FAULT] = speculation_interpret,    \
		[CHIP_EXIT_SB_OVERFLOW] = speculation_interpret,    \
		[CHIP_EXIT_ILLEGAL_BUNDLE] = rollback_interpret,    \
		[CHIP_EXIT_DIVIDE_FAULT] = rollback_interpret,      \
		[CHIP_EXIT_FPU_FAULT] = speculation_interpret,      \
		[CHIP_EXIT_FAULT_DETECTED] = policy_hw_fault,       \
		[CHIP_EXIT_CYCLE_LIMIT] = stop,                     \
		[CHIP_EXIT_PROTECTION] = smc_interpret,             \
	}

static const struct recover_policy interpret = {"interpret", RECOVER_ROWS(speculation_interpret)};
static const struct recover_policy page_in_policy = {"page-in", RECOVER_ROWS(page_in)};

const struct recover_policy *const recover_policies[] = {&page_in_policy, &interpret, NULL};
