/* guest-tests/progs/sort.c: quicksort (recursive, median of three, with an
 * insertion sort for short ranges) and top-down mergesort on the same
 * pseudo-random arrays, including many duplicates and presorted input;
 * checks both results are sorted and equal.  Size argument: more rounds. */
#include "rt.h"

#define N 1000

static int a[N], b[N], tmp[N];

static void insertion(int *v, int lo, int hi)
{
    for (int i = lo + 1; i <= hi; i++) {
        int x = v[i], j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void swap(int *v, int i, int j)
{
    int t = v[i];
    v[i] = v[j];
    v[j] = t;
}

static unsigned qs_calls;

static void quicksort(int *v, int lo, int hi)
{
    qs_calls++;
    while (hi - lo > 12) {
        int mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap(v, mid, lo);
        if (v[hi] < v[lo])
            swap(v, hi, lo);
        if (v[hi] < v[mid])
            swap(v, hi, mid);
        int pivot = v[mid], i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j)
                swap(v, i++, j--);
        }
        /* recurse into the smaller side, loop on the larger */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
    insertion(v, lo, hi);
}

static void mergesort(int *v, int lo, int hi)
{
    if (hi - lo < 1)
        return;
    int mid = lo + (hi - lo) / 2;
    mergesort(v, lo, mid);
    mergesort(v, mid + 1, hi);
    int i = lo, j = mid + 1, k = lo;
    while (i <= mid && j <= hi)
        tmp[k++] = v[j] < v[i] ? v[j++] : v[i++];
    while (i <= mid)
        tmp[k++] = v[i++];
    while (j <= hi)
        tmp[k++] = v[j++];
    memcpy(v + lo, tmp + lo, (size_t)(hi - lo + 1) * sizeof v[0]);
}

static void fill(int kind, uint32_t *seed)
{
    for (int i = 0; i < N; i++) {
        uint32_t r = rt_rand(seed);
        switch (kind) {
        case 0: a[i] = (int)r; break;                      /* random */
        case 1: a[i] = (int)(r % 17) - 8; break;           /* duplicates */
        case 2: a[i] = i * 3 - (int)(r % 5); break;        /* almost sorted */
        default: a[i] = N - i; break;                      /* reversed */
        }
    }
    memcpy(b, a, sizeof a);
}

int main(int argc, char **argv)
{
    int rounds = rt_scale(argc, argv);
    uint32_t seed = 0x2545f491, ck = 0;
    for (int r = 0; r < rounds; r++) {
        for (int kind = 0; kind < 4; kind++) {
            fill(kind, &seed);
            qs_calls = 0;
            quicksort(a, 0, N - 1);
            mergesort(b, 0, N - 1);
            int sorted = 1;
            for (int i = 1; i < N; i++)
                if (a[i - 1] > a[i])
                    sorted = 0;
            int same = memcmp(a, b, sizeof a) == 0;
            uint32_t h = 0;
            for (int i = 0; i < N; i += 7)
                h = rt_mix(h, (uint32_t)a[i]);
            ck = rt_mix(ck, h);
            if (r == 0)
                printf("kind %d: sorted=%d same=%d min=%d max=%d median=%d qs_calls=%u hash=%08x\n",
                       kind, sorted, same, a[0], a[N - 1], a[N / 2], qs_calls, h);
            if (!sorted || !same) {
                printf("FAILED\n");
                return 1;
            }
        }
    }
    printf("checksum %08x\n", ck);
    return 0;
}
