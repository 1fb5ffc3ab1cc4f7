/* guest-tests/progs/bintree.c: an unbalanced binary search tree on the
 * heap: random inserts (with duplicates counted), lookups, deletions of
 * nodes with zero, one and two children, recursive and iterative
 * traversals, height and a structural checksum.
 * Size argument: more keys. */
#include "rt.h"

struct tnode {
    struct tnode *left, *right;
    int key, count;
};

static struct tnode *insert(struct tnode *t, int key)
{
    struct tnode **pp = &t;
    while (*pp) {
        if (key == (*pp)->key) {
            (*pp)->count++;
            return t;
        }
        pp = key < (*pp)->key ? &(*pp)->left : &(*pp)->right;
    }
    struct tnode *n = malloc(sizeof *n);
    n->left = n->right = 0;
    n->key = key;
    n->count = 1;
    *pp = n;
    return t;
}

static struct tnode *find(struct tnode *t, int key)
{
    while (t && t->key != key)
        t = key < t->key ? t->left : t->right;
    return t;
}

static struct tnode *delete(struct tnode *t, int key)
{
    if (!t)
        return 0;
    if (key < t->key) {
        t->left = delete(t->left, key);
    } else if (key > t->key) {
        t->right = delete(t->right, key);
    } else if (!t->left || !t->right) {
        struct tnode *child = t->left ? t->left : t->right;
        free(t);
        return child;
    } else {
        struct tnode *m = t->right;
        while (m->left)
            m = m->left;
        t->key = m->key;
        t->count = m->count;
        t->right = delete(t->right, m->key);
    }
    return t;
}

static int height(const struct tnode *t)
{
    if (!t)
        return 0;
    int l = height(t->left), r = height(t->right);
    return 1 + (l > r ? l : r);
}

static uint32_t shape(const struct tnode *t)
{
    if (!t)
        return 0x9e3779b9u;
    return rt_mix(rt_mix(shape(t->left), (uint32_t)t->key * 3u + (uint32_t)t->count), shape(t->right));
}

/* iterative in-order walk with an explicit stack; checks the order */
static int inorder(const struct tnode *t, unsigned *nodes, uint32_t *sum)
{
    const struct tnode *stack[256];
    int sp = 0, ok = 1, last = -2147483647 - 1;
    *nodes = 0;
    *sum = 0;
    while (t || sp) {
        while (t) {
            if (sp == 256)
                return 0;
            stack[sp++] = t;
            t = t->left;
        }
        t = stack[--sp];
        if (t->key <= last)
            ok = 0;
        last = t->key;
        (*nodes)++;
        *sum += (uint32_t)t->key * (uint32_t)t->count;
        t = t->right;
    }
    return ok;
}

static void destroy(struct tnode *t)
{
    if (!t)
        return;
    destroy(t->left);
    destroy(t->right);
    free(t);
}

int main(int argc, char **argv)
{
    int n = 1500 * rt_scale(argc, argv);
    uint32_t seed = 2718281;
    struct tnode *root = 0;
    for (int i = 0; i < n; i++)
        root = insert(root, (int)(rt_rand(&seed) % (unsigned)(n * 2)));
    unsigned nodes;
    uint32_t sum;
    int ok = inorder(root, &nodes, &sum);
    printf("inserted %d keys: %u distinct, height %d, sum %u, order %s, shape %08x\n",
           n, nodes, height(root), sum, ok ? "ok" : "BAD", shape(root));
    unsigned hits = 0;
    for (int k = 0; k < n * 2; k += 3)
        if (find(root, k))
            hits++;
    printf("lookups: %u hits\n", hits);
    for (int k = 0; k < n * 2; k += 2)
        root = delete(root, k);
    ok &= inorder(root, &nodes, &sum);
    printf("after deleting even keys: %u nodes, height %d, sum %u, order %s, shape %08x\n",
           nodes, height(root), sum, ok ? "ok" : "BAD", shape(root));
    destroy(root);
    unsigned fb, fbytes;
    int bad = rt_heap_check(&fb, &fbytes);
    printf("heap check: %s, %u free block(s)\n", bad ? "CORRUPT" : "ok", fb);
    return ok && !bad ? 0 : 1;
}
