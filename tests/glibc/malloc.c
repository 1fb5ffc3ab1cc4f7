/* tests/glibc/malloc.c: glibc's allocator on cdvm's address space: many
 * small and medium blocks from brk, blocks over glibc's 128 KiB mmap
 * threshold (mmap2/munmap), realloc growing and shrinking across that
 * threshold, calloc's zeroing, and frees in a scrambled order.  Every block
 * is filled and checked; the output is a checksum per phase. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBLK 600

static uint32_t seed = 12345;
static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* the pattern of block TAG at byte I */
static unsigned char pat(unsigned tag, size_t i)
{
	return (unsigned char)(tag + i * 7);
}

/* blocks of a page or less are filled whole, larger ones in every 53rd
 * byte (each of their pages is still written and faulted in) */
static size_t step_of(size_t n)
{
	return n > 4096 ? 53 : 1;
}

static void fill(unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i += step_of(n))
		p[i] = pat(tag, i);
}

/* 0 when the first N bytes of P still hold fill(P, FILLED, TAG) */
static int bad(const unsigned char *p, size_t n, size_t filled, unsigned tag)
{
	for (size_t i = 0; i < n; i += step_of(filled))
		if (p[i] != pat(tag, i))
			return 1;
	return 0;
}

int main(void)
{
	static unsigned char *blk[NBLK];
	static size_t len[NBLK];
	static const size_t big[] = {128 * 1024, 200 * 1024, 1 << 20, 3 * 1024 * 1024 + 17};
	uint32_t sum = 0;
	int errors = 0;

	for (int i = 0; i < NBLK; i++) {
		len[i] = (i % 10 == 9) ? 4096 + rnd() % 20000 : 1 + rnd() % 700;
		blk[i] = malloc(len[i]);
		if (!blk[i])
			return 10;
		fill(blk[i], len[i], (unsigned)i);
	}
	/* free every third block, scrambled, then reuse the holes */
	for (int k = 0; k < NBLK; k++) {
		int i = (int)((k * 397u) % NBLK);
		if (i % 3 == 0) {
			errors += bad(blk[i], len[i], len[i], (unsigned)i);
			free(blk[i]);
			len[i] = 1 + rnd() % 2000;
			blk[i] = malloc(len[i]);
			if (!blk[i])
				return 11;
			fill(blk[i], len[i], (unsigned)i);
		}
	}
	for (int i = 0; i < NBLK; i++) {
		errors += bad(blk[i], len[i], len[i], (unsigned)i);
		sum = sum * 31 + (uint32_t)len[i] + blk[i][len[i] / 2];
	}
	printf("small: %d blocks, checksum %08x, errors %d\n", NBLK, (unsigned)sum, errors);

	/* large blocks: mmap'd by glibc */
	for (size_t b = 0; b < sizeof big / sizeof big[0]; b++) {
		unsigned char *p = malloc(big[b]);
		if (!p)
			return 12;
		fill(p, big[b], (unsigned)b);
		errors += bad(p, big[b], big[b], (unsigned)b);
		p[big[b] - 1] = (unsigned char)(b + 250);
		printf("large %zu: last byte %u\n", big[b], p[big[b] - 1]);
		free(p);
	}
	/* realloc from small to beyond the threshold and back */
	size_t n = 100;
	unsigned char *r = malloc(n);
	fill(r, n, 3);
	for (int step = 0; step < 6; step++) {
		size_t m = step < 4 ? n * 8 : n / 16;
		unsigned char *q = realloc(r, m);
		if (!q)
			return 13;
		errors += bad(q, m < n ? m : n, n, 3);
		r = q;
		n = m;
		fill(r, n, 3);
		printf("realloc to %zu ok\n", n);
	}
	free(r);
	unsigned *z = calloc(40000, sizeof *z); /* 160 KB: mmap'd */
	if (!z)
		return 14;
	for (int i = 0; i < 40000; i += 7)
		errors += z[i] != 0;
	free(z);
	for (int i = 0; i < NBLK; i++)
		free(blk[i]);
	printf("errors %d\n", errors);
	return errors ? 1 : 0;
}
