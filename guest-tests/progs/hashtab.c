/* guest-tests/progs/hashtab.c: two hash tables with string keys: separate
 * chaining with a growing bucket array (rehash on load factor 2), and open
 * addressing with linear probing and tombstones.  Words are generated
 * deterministically; counts, lookups and deletions are checked against
 * each other.  Size argument: more words. */
#include "rt.h"

struct entry {
    struct entry *next;
    uint32_t hash;
    int count;
    char key[16];
};

struct chained {
    struct entry **b;
    unsigned nb, n;
};

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static void ch_grow(struct chained *t)
{
    unsigned nb = t->nb ? t->nb * 2 : 16;
    struct entry **b = calloc(nb, sizeof *b);
    for (unsigned i = 0; i < t->nb; i++) {
        struct entry *e = t->b[i];
        while (e) {
            struct entry *next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

static void ch_add(struct chained *t, const char *k)
{
    uint32_t h = fnv(k);
    if (t->n >= t->nb * 2)
        ch_grow(t);
    for (struct entry *e = t->b[h & (t->nb - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->key, k) == 0) {
            e->count++;
            return;
        }
    struct entry *e = malloc(sizeof *e);
    e->hash = h;
    e->count = 1;
    strcpy(e->key, k);
    e->next = t->b[h & (t->nb - 1)];
    t->b[h & (t->nb - 1)] = e;
    t->n++;
}

static int ch_get(const struct chained *t, const char *k)
{
    uint32_t h = fnv(k);
    for (struct entry *e = t->b[h & (t->nb - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->key, k) == 0)
            return e->count;
    return 0;
}

static int ch_del(struct chained *t, const char *k)
{
    uint32_t h = fnv(k);
    for (struct entry **pp = &t->b[h & (t->nb - 1)]; *pp; pp = &(*pp)->next)
        if ((*pp)->hash == h && strcmp((*pp)->key, k) == 0) {
            struct entry *dead = *pp;
            *pp = dead->next;
            free(dead);
            t->n--;
            return 1;
        }
    return 0;
}

#define OA_SIZE 8192
#define TOMB ((char *)1)
static char *oa_key[OA_SIZE];
static int oa_count[OA_SIZE];

static int oa_find(const char *k, int insert)
{
    unsigned i = fnv(k) & (OA_SIZE - 1), tomb = OA_SIZE;
    for (unsigned probes = 0; probes < OA_SIZE; probes++, i = (i + 1) & (OA_SIZE - 1)) {
        if (!oa_key[i]) {
            if (!insert)
                return -1;
            if (tomb != OA_SIZE)
                i = tomb;
            oa_key[i] = malloc(strlen(k) + 1);
            strcpy(oa_key[i], k);
            oa_count[i] = 0;
            return (int)i;
        }
        if (oa_key[i] == TOMB) {
            if (tomb == OA_SIZE)
                tomb = i;
        } else if (strcmp(oa_key[i], k) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void word(uint32_t *seed, char *w)
{
    static const char syl[][4] = { "ka", "to", "mi", "re", "su", "na", "lo", "vi", "ex", "qu", "zo", "ba" };
    unsigned n = 1 + rt_rand(seed) % 4, len = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *s = syl[rt_rand(seed) % 12];
        while (*s)
            w[len++] = *s++;
    }
    w[len] = 0;
}

int main(int argc, char **argv)
{
    int n = 1200 * rt_scale(argc, argv);
    struct chained t = { 0, 0, 0 };
    uint32_t seed = 161803;
    char w[16];
    for (int i = 0; i < n; i++) {
        word(&seed, w);
        ch_add(&t, w);
        oa_count[oa_find(w, 1)]++;
    }
    printf("%d words, %u distinct, %u buckets\n", n, t.n, t.nb);
    int agree = 1;
    uint32_t ck = 0;
    unsigned maxc = 0, longest = 0;
    for (unsigned i = 0; i < t.nb; i++) {
        unsigned chain = 0;
        for (struct entry *e = t.b[i]; e; e = e->next, chain++) {
            int j = oa_find(e->key, 0);
            if (j < 0 || oa_count[j] != e->count)
                agree = 0;
            if ((unsigned)e->count > maxc)
                maxc = (unsigned)e->count;
            ck += e->hash ^ (uint32_t)e->count;
        }
        if (chain > longest)
            longest = chain;
    }
    printf("tables agree: %s, max count %u, longest chain %u, sum %08x\n",
           agree ? "yes" : "NO", maxc, longest, ck);
    printf("count(kaka)=%d count(quzo)=%d count(mi)=%d\n", ch_get(&t, "kaka"),
           ch_get(&t, "quzo"), ch_get(&t, "mi"));
    /* delete the words with an even hash from both tables */
    seed = 161803;
    unsigned deleted = 0;
    for (int i = 0; i < n; i++) {
        word(&seed, w);
        if (fnv(w) & 1)
            continue;
        if (ch_del(&t, w)) {
            deleted++;
            int j = oa_find(w, 0);
            free(oa_key[j]);
            oa_key[j] = TOMB;
        }
    }
    unsigned live = 0;
    for (unsigned i = 0; i < OA_SIZE; i++)
        if (oa_key[i] && oa_key[i] != TOMB)
            live++;
    printf("deleted %u, chained left %u, open addressing left %u\n", deleted, t.n, live);
    /* re-adding a deleted word reuses a tombstone */
    oa_count[oa_find("kaka", 1)] += 100;
    printf("kaka after re-add: %d\n", oa_count[oa_find("kaka", 0)]);
    return agree && live == t.n ? 0 : 1;
}
