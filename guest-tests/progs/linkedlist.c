/* guest-tests/progs/linkedlist.c: singly and doubly linked lists on the
 * heap: build, reverse, merge sort by relinking, delete every third node,
 * splice, and walk while checksumming.  Size argument: longer lists. */
#include "rt.h"

struct node {
    struct node *next;
    int key;
};

struct dnode {
    struct dnode *prev, *next;
    int key;
};

static struct node *push(struct node *head, int key)
{
    struct node *n = malloc(sizeof *n);
    n->key = key;
    n->next = head;
    return n;
}

static struct node *reverse(struct node *h)
{
    struct node *prev = 0;
    while (h) {
        struct node *next = h->next;
        h->next = prev;
        prev = h;
        h = next;
    }
    return prev;
}

static struct node *merge(struct node *a, struct node *b)
{
    struct node head, *t = &head;
    while (a && b) {
        if (b->key < a->key) {
            t->next = b;
            b = b->next;
        } else {
            t->next = a;
            a = a->next;
        }
        t = t->next;
    }
    t->next = a ? a : b;
    return head.next;
}

static struct node *sort(struct node *h)
{
    if (!h || !h->next)
        return h;
    struct node *slow = h, *fast = h->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    struct node *second = slow->next;
    slow->next = 0;
    return merge(sort(h), sort(second));
}

static uint32_t walk(const struct node *h, unsigned *len)
{
    uint32_t c = 2166136261u;
    *len = 0;
    for (; h; h = h->next) {
        c = rt_mix(c, (uint32_t)h->key);
        (*len)++;
    }
    return c;
}

int main(int argc, char **argv)
{
    int n = 2000 * rt_scale(argc, argv);
    uint32_t seed = 4242;
    struct node *list = 0;
    unsigned len;
    for (int i = 0; i < n; i++)
        list = push(list, (int)(rt_rand(&seed) % 100000));
    printf("built:    len %u hash %08x\n", (walk(list, &len), len), walk(list, &len));
    list = reverse(list);
    printf("reversed: hash %08x head %d\n", walk(list, &len), list->key);
    list = sort(list);
    int sorted = 1;
    for (struct node *p = list; p->next; p = p->next)
        if (p->key > p->next->key)
            sorted = 0;
    printf("sorted:   %s min %d hash %08x\n", sorted ? "yes" : "NO", list->key, walk(list, &len));
    /* delete every third node */
    int idx = 0;
    for (struct node **pp = &list; *pp;) {
        if (idx++ % 3 == 2) {
            struct node *dead = *pp;
            *pp = dead->next;
            free(dead);
        } else {
            pp = &(*pp)->next;
        }
    }
    printf("pruned:   len %u hash %08x\n", (walk(list, &len), len), walk(list, &len));

    /* doubly linked ring with a sentinel: insert sorted, remove odd keys,
     * walk both directions */
    struct dnode ring = { &ring, &ring, -1 };
    for (int i = 0; i < n / 4; i++) {
        struct dnode *d = malloc(sizeof *d);
        d->key = (int)(rt_rand(&seed) % 1000);
        struct dnode *at = ring.next;
        while (at != &ring && at->key < d->key)
            at = at->next;
        d->next = at;
        d->prev = at->prev;
        at->prev->next = d;
        at->prev = d;
    }
    unsigned removed = 0;
    for (struct dnode *d = ring.next; d != &ring;) {
        struct dnode *next = d->next;
        if (d->key & 1) {
            d->prev->next = d->next;
            d->next->prev = d->prev;
            free(d);
            removed++;
        }
        d = next;
    }
    uint32_t fw = 0, bw = 0;
    unsigned cnt = 0;
    for (struct dnode *d = ring.next; d != &ring; d = d->next, cnt++)
        fw = fw * 31 + (uint32_t)d->key;
    for (struct dnode *d = ring.prev; d != &ring; d = d->prev)
        bw = bw * 37 + (uint32_t)d->key;
    printf("ring:     %u nodes, removed %u, forward %08x backward %08x\n", cnt, removed, fw, bw);

    while (list) {
        struct node *next = list->next;
        free(list);
        list = next;
    }
    unsigned fb, fbytes;
    int bad = rt_heap_check(&fb, &fbytes);
    printf("heap check: %s\n", bad ? "CORRUPT" : "ok");
    return sorted && !bad ? 0 : 1;
}
