/* tests/unit/docs.c — generated references stay current: docs/x86-subset.md
 * is what x86_write_subset_doc prints and docs/stats.md what
 * cms_write_stats_doc prints (`make docs` regenerates them).  The native
 * ISA and configuration references have their own checks in isa.c and
 * config.c. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/stats.h"
#include "cms/x86/x86.h"
#include "tests/unit/testutil.h"

static void test_x86_subset_doc(void)
{
	if (!test_doc_current("docs/x86-subset.md", x86_write_subset_doc))
		CU_FAIL("docs/x86-subset.md is stale: run `make docs`");
}

static void test_stats_doc(void)
{
	if (!test_doc_current("docs/stats.md", cms_write_stats_doc))
		CU_FAIL("docs/stats.md is stale: run `make docs`");
}

void suite_docs(void)
{
	CU_pSuite s = CU_add_suite("docs", NULL, NULL);
	CU_add_test(s, "docs/x86-subset.md is current", test_x86_subset_doc);
	CU_add_test(s, "docs/stats.md is current", test_stats_doc);
}
