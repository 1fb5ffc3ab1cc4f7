/* tests/glibc/printf-int.c: glibc's printf family with integer conversions
 * only (floating point is fpprint.c's): widths, precisions, flags, every length
 * modifier, the extremes of each type, snprintf's truncation and return
 * value.  Compared with the native run by tests/scripts/61-glibc.sh. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	static const long long vals[] = {0, 1, -1, 7, -42, 255, 65535, INT_MAX, INT_MIN,
		UINT_MAX, LLONG_MAX, LLONG_MIN, 1234567890123LL};
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		long long v = vals[i];
		printf("%d|%i|%u|%x|%X|%o|%#x|%#o\n", (int)v, (int)v, (unsigned)v, (unsigned)v,
		       (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v);
		printf("%lld|%llu|%llx|%+lld|% lld\n", v, (unsigned long long)v,
		       (unsigned long long)v, v, v);
		printf("[%8d][%-8d][%08d][%.5d][%+.3d][%*d][%-*d]\n", (int)v, (int)v, (int)v,
		       (int)v, (int)v, 6, (int)v, 6, (int)v);
		printf("%hhd|%hhu|%hd|%hu|%ld|%lu|%zu|%jd\n", (signed char)v, (unsigned char)v,
		       (short)v, (unsigned short)v, (long)v, (unsigned long)v, (size_t)v,
		       (intmax_t)v);
	}
	printf("%" PRId64 " %" PRIu32 " %" PRIx16 " %c%c %s|%.3s|%10s|%-10s|\n",
	       INT64_C(-9000000000), UINT32_C(4000000000), (uint16_t)0xbeef, 'o', 'k', "str",
	       "truncated", "right", "left");
	for (i = 0; i <= 12; i += 3) {
		int n = snprintf(buf, i, "%d-%s", -12345, "abcdef");
		printf("snprintf(%zu) = %d \"%s\"\n", i, n, i ? buf : "");
	}
	printf("%%|%n\n", (int *)buf);
	return (int)(strlen("seven!!") % 256);
}
