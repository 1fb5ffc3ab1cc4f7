/* guest-tests/rt/malloc.c: malloc/free on top of brk.
 *
 * Every block starts with an 8-byte header (total size including the header,
 * a multiple of 8, and a tag saying used, free or binned); payloads are
 * 8-aligned.  Small blocks (up to SMALL_MAX bytes) are recycled through
 * exact-size LIFO bins, so freeing them is O(1).  Larger blocks sit on one
 * free list sorted by address, so free() can merge them with their
 * neighbours; malloc() takes the first block that fits, splitting off the
 * rest.  When nothing fits, the heap grows with brk by at least 64 KiB.
 * Deliberately simple: it is a workload, not a fast allocator. */
#include "rt.h"

#define TAG_FREE 0xf2eeb10cu
#define TAG_USED 0x05edb10cu
#define TAG_BIN  0xb1bb10cu
#define SMALL_MAX 256u
#define NBINS (SMALL_MAX / 8 + 1)
#define MIN_BLOCK 16u
#define GROW_MIN 65536u

struct blk {
    uint32_t size;              /* whole block, header included */
    uint32_t tag;               /* TAG_FREE or TAG_USED */
    struct blk *next;           /* free list link (free blocks only) */
};

static char *heap_start, *heap_end;
static struct blk *free_list;
static struct blk *bins[NBINS];     /* bins[size / 8]: free blocks of that size */

static uint32_t round8(uint32_t n)
{
    return (n + 7u) & ~7u;
}

/* Inserts b into the address-ordered free list, merging with neighbours. */
static void insert_free(struct blk *b)
{
    struct blk *prev = 0, *cur = free_list;
    while (cur && cur < b) {
        prev = cur;
        cur = cur->next;
    }
    b->tag = TAG_FREE;
    b->next = cur;
    if (cur && (char *)b + b->size == (char *)cur) {
        b->size += cur->size;
        b->next = cur->next;
        cur->tag = 0;
    }
    if (prev && (char *)prev + prev->size == (char *)b) {
        prev->size += b->size;
        prev->next = b->next;
        b->tag = 0;
    } else if (prev) {
        prev->next = b;
    } else {
        free_list = b;
    }
}

static int grow(uint32_t need)
{
    if (!heap_start) {
        char *cur = sys_brk(0);
        heap_start = heap_end = (char *)(((uintptr_t)cur + 7u) & ~(uintptr_t)7u);
    }
    uint32_t n = need < GROW_MIN ? GROW_MIN : (need + 4095u) & ~4095u;
    char *want = heap_end + n;
    char *got = sys_brk(want);
    if (got != want)
        return -1;
    struct blk *b = (struct blk *)(void *)heap_end;
    b->size = n;
    heap_end = want;
    insert_free(b);
    return 0;
}

void *malloc(size_t n)
{
    if (n > 0x10000000u)
        return 0;
    uint32_t need = round8((uint32_t)n + 8u);
    if (need < MIN_BLOCK)
        need = MIN_BLOCK;
    if (need <= SMALL_MAX && bins[need / 8]) {
        struct blk *b = bins[need / 8];
        bins[need / 8] = b->next;
        b->tag = TAG_USED;
        return (char *)b + 8;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        struct blk *prev = 0, *b = free_list;
        for (; b; prev = b, b = b->next) {
            if (b->size < need)
                continue;
            struct blk *rest = b->next;
            if (b->size - need >= MIN_BLOCK) {
                struct blk *tail = (struct blk *)(void *)((char *)b + need);
                tail->size = b->size - need;
                tail->tag = TAG_FREE;
                tail->next = b->next;
                rest = tail;
                b->size = need;
            }
            if (prev)
                prev->next = rest;
            else
                free_list = rest;
            b->tag = TAG_USED;
            return (char *)b + 8;
        }
        if (grow(need) != 0)
            return 0;
    }
    return 0;
}

void free(void *p)
{
    if (!p)
        return;
    struct blk *b = (struct blk *)(void *)((char *)p - 8);
    if (b->tag != TAG_USED) {
        static const char msg[] = "free: bad pointer\n";
        sys_write(2, msg, sizeof msg - 1);
        sys_exit_group(127);
    }
    if (b->size <= SMALL_MAX) {
        b->tag = TAG_BIN;
        b->next = bins[b->size / 8];
        bins[b->size / 8] = b;
        return;
    }
    insert_free(b);
}

void *calloc(size_t n, size_t size)
{
    if (size && n > 0x10000000u / size)
        return 0;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    struct blk *b = (struct blk *)(void *)((char *)p - 8);
    size_t have = b->size - 8;
    if (n <= have)
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, have);
        free(p);
    }
    return q;
}

int rt_heap_check(unsigned *free_blocks, unsigned *free_bytes)
{
    int bad = 0;
    unsigned nfree = 0, bytes = 0, listed = 0, nbinned = 0, binlisted = 0;
    char *p = heap_start;
    while (p && p < heap_end) {
        struct blk *b = (struct blk *)(void *)p;
        if (b->size < MIN_BLOCK || (b->size & 7u) || p + b->size > heap_end ||
            (b->tag != TAG_FREE && b->tag != TAG_USED && b->tag != TAG_BIN)) {
            bad++;
            break;
        }
        if (b->tag != TAG_USED) {
            bytes += b->size;
            if (b->tag == TAG_FREE)
                nfree++;
            else
                nbinned++;
        }
        p += b->size;
    }
    for (unsigned i = 0; i < NBINS; i++)
        for (struct blk *b = bins[i]; b && binlisted <= nbinned; b = b->next) {
            binlisted++;
            if (b->tag != TAG_BIN || b->size != i * 8)
                bad++;
        }
    if (binlisted != nbinned)
        bad++;
    for (struct blk *b = free_list; b; b = b->next) {
        listed++;
        if (b->tag != TAG_FREE)
            bad++;
        if (b->next && (char *)b + b->size >= (char *)b->next)
            bad++;          /* unsorted, overlapping or unmerged */
        if (listed > nfree + 1)
            break;
    }
    if (listed != nfree)
        bad++;
    *free_blocks = nfree + nbinned;
    *free_bytes = bytes;
    return bad;
}
