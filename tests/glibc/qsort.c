/* tests/glibc/qsort.c: glibc's qsort (a merge sort through a temporary
 * buffer, or quicksort for large arrays) and bsearch on integers, strings
 * and structures with a stable tie-break; prints checksums and samples. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	int key;
	unsigned id;
	char name[12];
};

static uint32_t seed = 2024;
static uint32_t rnd(void)
{
	seed = seed * 1664525u + 1013904223u;
	return seed;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

int main(void)
{
	enum { N = 5000, S = 300, R = 2000 };
	static int a[N];
	static char words[S][8];
	static char *w[S];
	static struct rec r[R];
	uint32_t sum = 0;

	for (int i = 0; i < N; i++)
		a[i] = (int)(rnd() % 100000) - 50000;
	qsort(a, N, sizeof a[0], cmp_int);
	for (int i = 1; i < N; i++)
		if (a[i - 1] > a[i])
			return 1;
	for (int i = 0; i < N; i++)
		sum = sum * 33 + (uint32_t)a[i];
	printf("ints: min %d max %d median %d checksum %08x\n", a[0], a[N - 1], a[N / 2],
	       (unsigned)sum);
	int key = a[1234];
	int *hit = bsearch(&key, a, N, sizeof a[0], cmp_int);
	printf("bsearch %d: %s\n", key, hit && *hit == key ? "found" : "missing");
	key = 50001;
	printf("bsearch %d: %s\n", key, bsearch(&key, a, N, sizeof a[0], cmp_int) ? "found" : "missing");

	for (int i = 0; i < S; i++) {
		int len = 1 + (int)(rnd() % 6);
		for (int j = 0; j < len; j++)
			words[i][j] = (char)('a' + rnd() % 26);
		words[i][len] = 0;
		w[i] = words[i];
	}
	qsort(w, S, sizeof w[0], cmp_str);
	printf("strings: %s %s %s ... %s\n", w[0], w[1], w[2], w[S - 1]);

	for (int i = 0; i < R; i++) {
		r[i].key = (int)(rnd() % 50);
		r[i].id = (unsigned)i;
		snprintf(r[i].name, sizeof r[i].name, "r%u", (unsigned)(rnd() % 100000));
	}
	qsort(r, R, sizeof r[0], cmp_rec);
	sum = 0;
	for (int i = 0; i < R; i++)
		sum = sum * 31 + (uint32_t)r[i].key * 7919u + r[i].id;
	printf("records: first %d/%u/%s last %d/%u/%s checksum %08x\n", r[0].key, r[0].id,
	       r[0].name, r[R - 1].key, r[R - 1].id, r[R - 1].name, (unsigned)sum);
	return 0;
}
