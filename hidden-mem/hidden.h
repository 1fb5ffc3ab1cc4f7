/* hidden-mem/hidden.h — the boot-time carve-out of hidden memory and the
 * guest-visible memory map.
 *
 * Physical memory is [ guest RAM | hidden memory ].  Guest RAM holds the
 * frames the firmware maps the guest's virtual pages onto; no guest
 * mapping ever reaches the carve-out (DESIGN.md contract 5), and the
 * physical guest accessors below refuse any byte at or above
 * chip_guest_limit().  Hidden memory is split into the
 * translation cache (cms.tcache_kb) and the firmware data area (profiles,
 * translation map, tables); each has an allocator with statistics.  The
 * chip reaches hidden memory through the same caches as guest memory.
 *
 *   struct hidden_mem hm;
 *   hidden_boot(&hm, chip);
 *   uint32_t code = hregion_alloc(&hm.tcache, 512, 64);   // 0 when full
 *   uint32_t v; if (guest_read(chip, 0x1000, &v, 4) < 0) ... // guest fault
 */
#ifndef CDVM_HIDDEN_MEM_HIDDEN_H
#define CDVM_HIDDEN_MEM_HIDDEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hw-sim/chip.h"

struct hblock;  /* free-list node (host-side bookkeeping) */

struct hregion {
	const char *name;
	uint32_t base, size;
	struct hblock *free_list;       /* sorted by address */
	uint64_t in_use, peak;          /* bytes */
	uint64_t allocs, frees, failures;
};

struct hidden_mem {
	struct chip *chip;
	uint32_t base, size;            /* the whole carve-out */
	struct hregion tcache;          /* translation cache */
	struct hregion fwdata;          /* firmware tables */
};

/* The fixed tables the firmware allocates in the firmware data area at
 * boot, in this order, each aligned to HIDDEN_TABLE_ALIGN:
 *   HIDDEN_PAGEDIR  the guest page directory, one 4 KiB page aligned to its
 *                   size (cms/guestmem.c; the page tables under it are
 *                   allocated from the same area as the guest maps pages)
 *   HIDDEN_PROFILE  cms.profile_entries (eip, count) pairs (cms/profile.c)
 *   HIDDEN_XMAP     the EIP -> translation map (cms/tcache.c)
 *   HIDDEN_SMCMAP   one bit per cms.smc_granularity chunk of guest RAM: the
 *                   chunks holding translated code (cms/guestmem.c; none
 *                   when the granularity is a whole page)
 * The translation cache itself holds only the lookup routine (a few atoms)
 * at boot. */
enum hidden_table { HIDDEN_PAGEDIR, HIDDEN_PROFILE, HIDDEN_XMAP, HIDDEN_SMCMAP, HIDDEN_NTABLES };
enum {
	HIDDEN_TABLE_ALIGN = 64,
	HIDDEN_PAGE_SHIFT = 12,
	HIDDEN_PROFILE_ENTRY_BYTES = 8,
	HIDDEN_XMAP_ENTRIES = 65536,
	HIDDEN_XMAP_ENTRY_BYTES = 16,   /* eip, id + 1, native address, 0 */
};

/* Alignment of table t (the page directory: its page). */
uint32_t hidden_table_align(enum hidden_table t);
/* Bytes of table t under configuration c (the size the firmware allocates). */
uint32_t hidden_table_bytes(const struct cdvm_config *c, enum hidden_table t);

/* Whether c's translation cache and fixed tables fit its hidden memory.
 * Returns 0, or -1 with err naming the keys involved and the sizes.  Used
 * by config_validate and by hidden_boot. */
int hidden_check_fit(const struct cdvm_config *c, char *err, size_t errlen);

/* Carve hidden memory out of the chip's physical memory. Returns 0 or -1
 * (err filled, as hidden_check_fit) when the configuration does not fit. */
int hidden_boot(struct hidden_mem *hm, struct chip *chip, char *err, size_t errlen);
void hidden_shutdown(struct hidden_mem *hm);

/* First-fit allocation of n bytes aligned to `align` (a power of two).
 * Returns the physical address, or 0 when the region cannot satisfy it
 * (0 is never inside hidden memory). */
uint32_t hregion_alloc(struct hregion *r, uint32_t n, uint32_t align);
void hregion_free(struct hregion *r, uint32_t addr, uint32_t n);
/* Drop every allocation (flush-all of the translation cache). */
void hregion_reset(struct hregion *r);
uint32_t hregion_largest_free(const struct hregion *r);
void hidden_print_stats(const struct hidden_mem *hm, FILE *out);

/* Guest-side accessors: no timing, refuse addresses outside guest RAM
 * (including every hidden address).  Return 0 or -1. */
int guest_read(struct chip *chip, uint32_t addr, void *buf, uint32_t n);
int guest_write(struct chip *chip, uint32_t addr, const void *buf, uint32_t n);
int guest_range_ok(const struct chip *chip, uint32_t addr, uint32_t n);

#endif
