/* tests/unit/tls.c — the thread-area system calls (cms/tls.c) on a booted
 * firmware: the answers Linux x86-64 gives a 32-bit process (measured on
 * the host by guest-tests/progs/tls.c, which the differential tests run
 * natively and under cdvm): -EFAULT for a descriptor in unmapped, hidden
 * or (for the entry written back) read-only memory, -EINVAL for entries
 * outside 12..14 and descriptors Linux refuses, -ESRCH when no slot is
 * free, and a loaded GS following its slot.  Needs build/guests (make
 * guests). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "cms/cms_priv.h"
#include "configs/config.h"
#include "tests/unit/testutil.h"

static struct cms *boot(void)
{
	static const char path[] = "build/guests/O2/sieve.elf";
	char err[256];
	struct cdvm_config cfg;
	config_default(&cfg);
	struct cms *m;
	if (cms_create(&cfg, CMS_MODE_INTERP, &m, err, sizeof err) < 0) {
		CHECK(0, "cms_create: %s", err);
		return NULL;
	}
	char *argv[] = {(char *)path, NULL};
	char *envp[] = {NULL};
	if (cms_load_elf(m, path, 1, argv, envp, err, sizeof err) < 0) {
		CHECK(0, "%s is not built (make guests): %s", path, err);
		cms_destroy(m);
		return NULL;
	}
	return m;
}

static void put_desc(struct cms *m, uint32_t addr, uint32_t entry, uint32_t base, uint32_t limit, uint32_t flags)
{
	uint32_t d[4] = {entry, base, limit, flags};
	CU_ASSERT_FATAL(gm_copy_out(m, addr, d, sizeof d, 0) == sizeof d);   /* the firmware's write: any page */
}

static uint32_t get_word(struct cms *m, uint32_t addr)
{
	uint32_t v;
	CU_ASSERT_FATAL(gm_copy_in(m, &v, addr, sizeof v, 0) == sizeof v);
	return v;
}

static void test_errors(void)
{
	struct cms *m = boot();
	if (!m)
		return;
	uint32_t u = (m->xr[X86_ESP] - 0x100) & ~15u;   /* on the stack */
	uint32_t hidden = chip_guest_limit(m->chip);    /* the carve-out's physical address, as a pointer */
	CU_ASSERT_EQUAL(sys_set_thread_area(m, 0x10), -EFAULT);
	CU_ASSERT_EQUAL(sys_get_thread_area(m, 0x10), -EFAULT);
	CU_ASSERT_EQUAL(sys_set_thread_area(m, hidden), -EFAULT);
	CU_ASSERT_EQUAL(sys_get_thread_area(m, hidden), -EFAULT);
	/* entries outside 12..14 */
	static const uint32_t bad_entries[] = {0, 11, 15, 0x7fffffff, 0xfffffffe};
	for (size_t i = 0; i < sizeof bad_entries / sizeof bad_entries[0]; i++) {
		put_desc(m, u, bad_entries[i], 0x1000, 0xfffff, 0x51);
		CHECK(sys_set_thread_area(m, u) == -EINVAL, "set entry %u", bad_entries[i]);
		CHECK(sys_get_thread_area(m, u) == -EINVAL, "get entry %u", bad_entries[i]);
	}
	/* descriptors Linux refuses: 16-bit, code, not present, base without 32-bit */
	static const uint32_t bad_flags[] = {0x10, 0x05, 0x07, 0x21, 0x00};
	for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++) {
		put_desc(m, u, 0xffffffffu, 0x1000, 0xfff, bad_flags[i]);
		CHECK(sys_set_thread_area(m, u) == -EINVAL, "flags 0x%x", bad_flags[i]);
		CHECK(get_word(m, u) == 0xffffffffu, "flags 0x%x: entry written back", bad_flags[i]);
	}
	/* the allocated entry cannot be written back: -EFAULT, no slot used */
	uint32_t text = m->xr[X86_EIP] & ~(GUEST_PAGE - 1);
	if (gm_accessible(m, text, 16, GM_W) != 16) {
		put_desc(m, text, 0xffffffffu, 0x1000, 0xfffff, 0x51);
		CU_ASSERT_EQUAL(sys_set_thread_area(m, text), -EFAULT);
		CU_ASSERT_EQUAL(m->segs.tls[0].flags, (uint32_t)X86_TLS_EMPTY);
		put_desc(m, text, 12, 0, 0, 0);   /* a valid entry: the copy back fails */
		CU_ASSERT_EQUAL(sys_get_thread_area(m, text), -EFAULT);
	} else {
		CU_FAIL("the program's text is writable: the read-only case is not tested");
	}
	/* three slots, then -ESRCH */
	for (uint32_t e = X86_TLS_FIRST; e < X86_TLS_FIRST + X86_TLS_SLOTS; e++) {
		put_desc(m, u, 0xffffffffu, 0x1000 * e, 0xfffff, 0x51);
		CU_ASSERT_EQUAL(sys_set_thread_area(m, u), 0);
		CU_ASSERT_EQUAL(get_word(m, u), e);
	}
	put_desc(m, u, 0xffffffffu, 0, 0xfffff, 0x51);
	CU_ASSERT_EQUAL(sys_set_thread_area(m, u), -ESRCH);
	put_desc(m, u, 13, 0, 0, 0);
	CU_ASSERT_EQUAL(sys_get_thread_area(m, u), 0);
	CU_ASSERT_EQUAL(get_word(m, u + 4), 0xd000u);
	CU_ASSERT_EQUAL(get_word(m, u + 8), 0xfffffu);
	CU_ASSERT_EQUAL(get_word(m, u + 12), 0x51u);
	cms_destroy(m);
}

/* GS holding slot 12's selector follows the slot; a cleared slot leaves
 * the null selector. */
static void test_reload(void)
{
	struct cms *m = boot();
	if (!m)
		return;
	uint32_t u = (m->xr[X86_ESP] - 0x100) & ~15u, base;
	put_desc(m, u, 0xffffffffu, 0x5000, 0xfffff, 0x51);
	CU_ASSERT_EQUAL_FATAL(sys_set_thread_area(m, u), 0);
	CU_ASSERT_EQUAL(x86_seg_check(&m->segs, X86_SEG_GS, 0x63, &base), 0);
	CU_ASSERT_EQUAL(base, 0x5000u);
	m->segs.sel[X86_SEG_GS] = 0x63;
	m->xr[X86_GSBASE] = base;
	put_desc(m, u, 12, 0x6000, 0xfffff, 0x51);
	CU_ASSERT_EQUAL(sys_set_thread_area(m, u), 0);
	CU_ASSERT_EQUAL(m->xr[X86_GSBASE], 0x6000u);
	put_desc(m, u, 12, 0, 0, X86_TLS_EMPTY);
	CU_ASSERT_EQUAL(sys_set_thread_area(m, u), 0);
	CU_ASSERT_EQUAL(m->xr[X86_GSBASE], 0u);
	CU_ASSERT_EQUAL(m->segs.sel[X86_SEG_GS], 0);
	CU_ASSERT_EQUAL(x86_seg_check(&m->segs, X86_SEG_GS, 0x63, &base), -1);
	cms_destroy(m);
}

void suite_tls(void);
void suite_tls(void)
{
	CU_pSuite s = CU_add_suite("tls", NULL, NULL);
	CU_add_test(s, "set/get_thread_area: -EFAULT, -EINVAL, -ESRCH", test_errors);
	CU_add_test(s, "a loaded GS follows its slot", test_reload);
}
