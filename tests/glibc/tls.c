/* tests/glibc/tls.c: __thread variables in a static glibc program (the
 * local-exec TLS model: %gs-relative accesses through the descriptor that
 * set_thread_area installs): initialised and zeroed TLS, arrays, addresses
 * taken and passed around, errno (itself TLS), and the stack protector's
 * canary at %gs:0x14 when the compiler emits it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread int counter = 41;
static __thread long long wide = -5000000000LL;
static __thread char name[16] = "tls-init";
static __thread unsigned table[64];
__thread int *__thread_ptr_slot;

static void bump(int *p, int by)
{
	*p += by;
}

int main(void)
{
	printf("initial: counter %d wide %lld name %s table[63] %u\n", counter, wide, name,
	       table[63]);
	for (int i = 0; i < 64; i++)
		table[i] = (unsigned)(i * i + counter);
	counter++;
	bump(&counter, 10);
	__thread_ptr_slot = &counter;
	*__thread_ptr_slot *= 2;
	wide += (long long)counter << 33;
	strncpy(name, "changed", sizeof name - 1);
	unsigned s = 0;
	for (int i = 0; i < 64; i++)
		s = s * 17 + table[i];
	printf("after: counter %d wide %lld name %s sum %08x\n", counter, wide, name, s);
	/* the TLS block is contiguous: distances between variables are fixed */
	printf("distance table-counter %d\n", (int)((char *)table - (char *)&counter));
	errno = 0;
	if (strtol("99999999999999999999", NULL, 10) == 0 || errno != ERANGE)
		return 2;
	printf("errno after overflow: ERANGE\n");
	errno = 0;
	volatile size_t huge = (size_t)-4096;
	void *p = malloc(huge);
	printf("huge malloc: %s, errno %s\n", p ? "succeeded" : "NULL", errno == ENOMEM ? "ENOMEM" : "other");
	free(p);
	return counter % 256;
}
