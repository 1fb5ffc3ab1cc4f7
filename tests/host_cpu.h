/* tests/host_cpu.h — which x86 the host is, for the tests that use it as
 * the oracle.  cdvm computes the flags the Intel SDM leaves undefined as
 * Intel cores do (docs/x86-subset.md); AMD cores compute several of them
 * differently (e.g. AF after SHL, SF/ZF/PF after MUL and IMUL, OF after
 * rotates by more than one).  On a host that is not Intel the differential
 * tests therefore compare only what the SDM defines, using the op table's
 * undefined-flags column, and say so.  CDVM_HOST_UNDEFINED=compare forces
 * the full comparison, =ignore the narrow one. */
#ifndef CDVM_TESTS_HOST_CPU_H
#define CDVM_TESTS_HOST_CPU_H

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the host's undefined flags are the reference (GenuineIntel). */
static inline int host_undefined_flags_are_reference(const char *who)
{
	const char *e = getenv("CDVM_HOST_UNDEFINED");
	if (e && !strcmp(e, "compare"))
		return 1;
	unsigned a = 0, b = 0, c = 0, d = 0;
	char vendor[13] = "unknown";
	if (__get_cpuid(0, &a, &b, &c, &d)) {
		memcpy(vendor, &b, 4);
		memcpy(vendor + 4, &d, 4);
		memcpy(vendor + 8, &c, 4);
		vendor[12] = 0;
	}
	int ref = !(e && !strcmp(e, "ignore")) && !strcmp(vendor, "GenuineIntel");
	if (!ref)
		fprintf(stderr, "%s: host CPU %s is not the reference for SDM-undefined flags (Intel): "
			"those are not compared (CDVM_HOST_UNDEFINED=compare to compare them)\n", who, vendor);
	return ref;
}

#endif
