/* tests/glibc/string.c: string.h through glibc's i386 implementations
 * (picked at start-up by IFUNC from CPUID: the native run may take SSE2
 * versions where cdvm takes the i686 ones, and the results must agree) at
 * every alignment and length around the word and vector sizes, with
 * overlapping moves; one line per function: a checksum of the results. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLEN 80

static unsigned char src[256], dst[256];
static uint32_t sum;

static void mix(uint32_t v)
{
	sum = sum * 16777619u ^ v;
}

static void report(const char *name)
{
	printf("%-8s %08x\n", name, (unsigned)sum);
	sum = 2166136261u;
}

static void pattern(void)
{
	for (int i = 0; i < 256; i++)
		src[i] = (unsigned char)(1 + (i * 37) % 251);
}

int main(void)
{
	sum = 2166136261u;
	pattern();
	for (int al = 0; al < 8; al++)
		for (int n = 0; n < MAXLEN; n++) {
			memset(dst, 0, sizeof dst);
			memcpy(dst + al, src + (7 - al), (size_t)n);
			for (int i = 0; i < MAXLEN + 8; i++)
				mix(dst[i]);
		}
	report("memcpy");
	for (int d = -9; d <= 9; d++)
		for (int n = 0; n < MAXLEN; n += 3) {
			pattern();
			memmove(src + 40 + d, src + 40, (size_t)n);
			for (int i = 0; i < 160; i++)
				mix(src[i]);
		}
	report("memmove");
	for (int al = 0; al < 8; al++)
		for (int n = 0; n < MAXLEN; n++) {
			memset(dst, 0x11, sizeof dst);
			memset(dst + al, al * 9, (size_t)n);
			for (int i = 0; i < MAXLEN + 8; i++)
				mix(dst[i]);
		}
	report("memset");
	pattern();
	for (int al = 0; al < 8; al++)
		for (int n = 0; n < MAXLEN; n++) {
			memcpy(dst, src, sizeof src);
			dst[al + n] = 0;
			mix((uint32_t)strlen((char *)dst + al));
			mix((uint32_t)(uintptr_t)(strchr((char *)dst + al, src[al + n / 2]) ?
				strchr((char *)dst + al, src[al + n / 2]) - (char *)dst : -1));
			mix((uint32_t)(strrchr((char *)dst + al, src[al + n / 3]) ?
				strrchr((char *)dst + al, src[al + n / 3]) - (char *)dst : -1));
			mix(memchr(dst + al, 0, 200) ? (uint32_t)((unsigned char *)memchr(dst + al, 0, 200) - dst) : 0);
		}
	report("strlen+");
	for (int n = 0; n < MAXLEN; n++)
		for (int k = 0; k < 4; k++) {
			memcpy(dst, src, sizeof src);
			dst[n] = (unsigned char)(dst[n] + k - 2);
			int c1 = memcmp(src, dst, MAXLEN), c2 = strncmp((char *)src, (char *)dst, (size_t)n + 1);
			dst[MAXLEN] = 0;
			src[MAXLEN] = 0;
			int c3 = strcmp((char *)src, (char *)dst);
			mix((uint32_t)((c1 > 0) - (c1 < 0) + 3 * ((c2 > 0) - (c2 < 0)) + 9 * ((c3 > 0) - (c3 < 0))));
			pattern();
		}
	report("compare");
	char text[] = "alpha,beta;;gamma,,delta epsilon;zeta";
	char *save = NULL;
	for (char *t = strtok_r(text, ",; ", &save); t; t = strtok_r(NULL, ",; ", &save))
		printf("[%s]", t);
	printf("\n");
	const char *hay = "the quick brown fox jumps over the lazy dog";
	printf("strstr %d %d %s\n", (int)(strstr(hay, "the lazy") - hay), (int)(strstr(hay, "fox") - hay),
	       strstr(hay, "cat") ? "cat" : "no cat");
	printf("strspn %zu strcspn %zu\n", strspn(hay, "eht "), strcspn(hay, "xyz"));
	char *dup = strdup(hay);
	char cat[64] = "head:";
	strncat(cat, dup + 4, 5);
	strcat(cat, "|");
	size_t at = strlen(cat);
	strncpy(cat + at, "tail", sizeof cat - at - 1);
	cat[sizeof cat - 1] = 0;
	printf("%s %zu\n", cat, strnlen(cat, 8));
	free(dup);
	return 0;
}
