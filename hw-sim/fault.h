/* hw-sim/fault.h — fault models: what a fault is, where and when it
 * strikes, written once as text (`cdvm run --inject SPEC`, campaign rows)
 * and as a struct (the chip's fault schedule).
 *
 *   struct fault_spec f;  char err[200];
 *   if (fault_spec_parse("unit=alu:1,kind=stuck,bit=3,at=0", &f, err, sizeof err)) -> err
 *   chip_fault_arm(chip, &f);         // fires when the chip's cycle count reaches f.at
 *   fault_spec_format(&f, buf, sizeof buf);   // the canonical text back
 *
 * SPEC is comma-separated key=value, exactly one target key first:
 *   unit=CLASS:I       unit I of class CLASS (alu, mem, mul, br): its results
 *   reg=rN             working register N (0 < N < 64); reg=sN its shadow copy
 *                      (0 < N < 16)
 *   cache=C,line=L[,word=W]   data word W (default 0) of physical line L
 *                      (set * ways + way) of cache C (l1i, l1d, l2); a line
 *                      not valid when the fault strikes takes it as nothing
 *   tag=C,line=L       the tag of physical line L of cache C
 *   way=C:W            every line of way W of cache C (a permanent defect of
 *                      that way's data array)
 *   sb=E               the value of store-buffer entry E (0 .. capacity-1)
 *   mem=ADDR           the 32-bit physical word at ADDR (guest RAM or hidden
 *                      memory)
 * and then, in any order:
 *   kind=flip          (default) a transient: the bit flips once (a unit: its
 *                      next result)
 *   kind=stuck         permanent stuck-at-1 of the bit (stuck0: stuck-at-0);
 *                      tags and store-buffer entries take flips only
 *   kind=intermittent  the bit is stuck-at-1 for `len` cycles of every
 *                      `period` cycles from `at` on (defaults 1000 / 100000)
 *   bit=B              0..31 (a tag: 0..tag bits-1; default 0)
 *   at=CYCLE           when, in simulated cycles (default 0: at boot)
 *   period=P, len=L    intermittent faults only
 * Errors name the offending field: "--inject 'reg=r99': register r99 out of
 * range (r1..r63)". */
#ifndef CDVM_HW_SIM_FAULT_H
#define CDVM_HW_SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAULT_TARGETS(X)                                                        \
	X(FT_UNIT, "unit")     X(FT_REG, "reg")     X(FT_SHADOW, "shadow")      \
	X(FT_CACHE, "cache")   X(FT_TAG, "tag")     X(FT_WAY, "way")            \
	X(FT_SB, "sb")         X(FT_MEM, "mem")
enum fault_target {
#define FAULT_TARGET_ENUM(e, n) e,
	FAULT_TARGETS(FAULT_TARGET_ENUM)
#undef FAULT_TARGET_ENUM
	FT_COUNT
};

#define FAULT_KINDS(X) X(FK_FLIP, "flip") X(FK_STUCK1, "stuck") X(FK_STUCK0, "stuck0") X(FK_INTERMITTENT, "intermittent")
enum fault_kind {
#define FAULT_KIND_ENUM(e, n) e,
	FAULT_KINDS(FAULT_KIND_ENUM)
#undef FAULT_KIND_ENUM
	FK_COUNT
};

/* Caches by level, as chip_inject_cache numbers them. */
enum { FAULT_L1I = 0, FAULT_L1D = 1, FAULT_L2 = 2 };

struct fault_spec {
	enum fault_target target;
	enum fault_kind kind;
	unsigned cls, index;     /* FT_UNIT: unit class, unit index */
	unsigned reg;            /* FT_REG, FT_SHADOW */
	unsigned level;          /* FT_CACHE, FT_TAG, FT_WAY: FAULT_L1I .. FAULT_L2 */
	unsigned line, word;     /* FT_CACHE, FT_TAG: physical line; FT_CACHE: word of it */
	unsigned way;            /* FT_WAY */
	unsigned entry;          /* FT_SB */
	uint32_t addr;           /* FT_MEM: physical address (word-aligned) */
	unsigned bit;
	uint64_t at;             /* cycle */
	uint64_t period, len;    /* FK_INTERMITTENT */
};

const char *fault_target_name(enum fault_target t);
const char *fault_kind_name(enum fault_kind k);
bool fault_kind_permanent(enum fault_kind k);   /* stuck or intermittent */

/* Parses SPEC (syntax above).  Range checks that need a chip (unit index,
 * line, entry, address) are chip_fault_arm's.  0, or -1 with err. */
int fault_spec_parse(const char *text, struct fault_spec *f, char *err, size_t errlen);
/* The canonical text of f (parses back to f).  Returns the length written. */
size_t fault_spec_format(const struct fault_spec *f, char *buf, size_t n);

#endif
