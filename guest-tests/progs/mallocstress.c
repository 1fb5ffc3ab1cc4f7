/* guest-tests/progs/mallocstress.c: stresses the brk-based allocator:
 * random malloc / free / realloc / calloc of sizes from 1 byte to 20 KiB
 * with every block marked with a pattern derived from its slot and checked
 * before it is freed or resized (and the kept part after a realloc), periodic heap consistency checks, and a
 * final free-everything that must leave the heap in few free blocks.
 * Size argument: more operations. */
#include "rt.h"

#define SLOTS 256

static unsigned char *ptr[SLOTS];
static unsigned size[SLOTS], stamp[SLOTS];

/* Every 11th byte and the last byte of a block carry the pattern: enough
 * to catch overlapping blocks without touching every byte. */
static void fill(int i)
{
    for (unsigned k = 0; k < size[i]; k += 11)
        ptr[i][k] = (unsigned char)(stamp[i] + k * 7);
    ptr[i][size[i] - 1] = (unsigned char)(stamp[i] ^ 0x5a);
}

static int check(int i)
{
    for (unsigned k = 0; k < size[i]; k += 11)
        if (ptr[i][k] != (unsigned char)(stamp[i] + k * 7) && k != size[i] - 1)
            return 0;
    return ptr[i][size[i] - 1] == (unsigned char)(stamp[i] ^ 0x5a);
}

static unsigned pick_size(uint32_t *seed)
{
    uint32_t r = rt_rand(seed);
    switch (r % 8) {
    case 0: return 1 + r % 8;
    case 1: case 2: case 3: return 8 + (r >> 8) % 120;
    case 4: case 5: return 128 + (r >> 8) % 400;
    case 6: return 512 + (r >> 8) % 3000;
    default: return 4096 + (r >> 8) % 12288;
    }
}

int main(int argc, char **argv)
{
    int ops = 1200 * rt_scale(argc, argv);
    uint32_t seed = 0xc0ffee;
    unsigned nmalloc = 0, nfree = 0, nrealloc = 0, ncalloc = 0, bad = 0, live = 0;
    unsigned long long bytes = 0;
    for (int op = 0; op < ops; op++) {
        int i = (int)(rt_rand(&seed) % SLOTS);
        uint32_t what = rt_rand(&seed) % 10;
        if (!ptr[i]) {
            size[i] = pick_size(&seed);
            stamp[i] = (unsigned)op;
            if (what < 2) {
                ptr[i] = calloc(size[i], 1);
                for (unsigned k = 0; k < size[i]; k += 5)
                    if (ptr[i][k])
                        bad++;
                ncalloc++;
            } else {
                ptr[i] = malloc(size[i]);
                nmalloc++;
            }
            if (!ptr[i]) {
                printf("out of memory at op %d\n", op);
                return 2;
            }
            if (((uintptr_t)ptr[i] & 7) != 0)
                bad++;
            bytes += size[i];
            fill(i);
            live++;
        } else if (what < 6) {
            if (!check(i))
                bad++;
            free(ptr[i]);
            ptr[i] = 0;
            nfree++;
            live--;
        } else {
            /* realloc keeps the old contents up to the smaller size */
            unsigned old = size[i], nsz = pick_size(&seed);
            if (!check(i))
                bad++;
            unsigned char last = ptr[i][old - 1];
            ptr[i] = realloc(ptr[i], nsz);
            for (unsigned k = 0; k < old && k < nsz; k += 11)
                if (ptr[i][k] != (unsigned char)(stamp[i] + k * 7) && k != old - 1)
                    bad++;
            if (nsz >= old && ptr[i][old - 1] != last)
                bad++;
            size[i] = nsz;
            fill(i);
            nrealloc++;
        }
        if (op % 300 == 299) {
            unsigned fb, fbytes;
            int corrupt = rt_heap_check(&fb, &fbytes);
            printf("op %5d: live %3u, free blocks %4u, heap %s\n", op + 1, live, fb,
                   corrupt ? "CORRUPT" : "ok");
            bad += (unsigned)corrupt;
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (ptr[i]) {
            if (!check(i))
                bad++;
            free(ptr[i]);
        }
    unsigned fb, fbytes;
    bad += (unsigned)rt_heap_check(&fb, &fbytes);
    printf("malloc %u calloc %u realloc %u free %u, %llu bytes requested\n", nmalloc, ncalloc,
           nrealloc, nfree, bytes);
    printf("after freeing all: %u free blocks, %s\n", fb, bad ? "ERRORS" : "no errors");
    return bad ? 1 : 0;
}
