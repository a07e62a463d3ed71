/*
 * bin.c - binomial queue (cf. Weiss ch. 6): a forest of binomial trees, at most one of each order
 * k (B_k has 2^k nodes), kept in trees[k]; nodes use the left-child/next-sibling
 * representation, the children of a B_k root being B_{k-1}, ..., B_0 in that order. The size
 * and the forest array live in a header struct in the CDA.
 *
 * insert: like merging a one-node queue: a carry tree starts as the new node and is combined
 * with trees[0], trees[1], ... while those are occupied (binary increment of the size).
 * Combining two B_k makes the root with the larger key the first child of the other.
 * Duplicates are allowed.
 * delete: not one of this structure's operations here (ds_supports_delete = 0).
 * Approximate CDA words written per insert: 2 (node key, size) + 3 per combine (the child's
 * sibling, the root's child, the emptied slot) + 1 (the slot filled), about 6 on average
 * (the average carry chain is 1 combine).
 */
#include "ds.h"

const char ds_name[] = "bin";
const int ds_supports_delete = 0;

#define MAX_TREES 40 /* 2^40 - 1 keys */

struct node {
    unsigned long key;
    struct node *child;   /* first child: the highest order */
    struct node *sibling; /* next child of the parent: one order lower */
};

struct binq {
    unsigned long size;
    struct node *trees[MAX_TREES];
};

static struct binq *Q;

void ds_init(void)
{
    Q = cda_alloc(sizeof *Q);
}

/* Two trees of equal order: the larger root becomes the first child of the smaller. */
static struct node *combine(struct node *t1, struct node *t2)
{
    if (t1->key > t2->key) {
        struct node *t = t1;
        t1 = t2;
        t2 = t;
    }
    t2->sibling = t1->child;
    t1->child = t2;
    return t1;
}

void ds_insert(unsigned long key)
{
    struct node *carry = cda_alloc(sizeof *carry); /* zeroed: no child, no sibling */
    carry->key = key;
    unsigned long k = 0;
    while (Q->trees[k]) {
        carry = combine(Q->trees[k], carry);
        Q->trees[k] = 0;
        k++;
        if (k == MAX_TREES) {
            rt_printf("%s: too many keys\n", ds_name);
            rt_exit(2);
        }
    }
    Q->trees[k] = carry;
    Q->size++;
}

int ds_delete(unsigned long key)
{
    (void)key;
    return 0;
}

static const unsigned char *s_lo, *s_hi;

static int in_cda(const struct node *n)
{
    return (const unsigned char *)n >= s_lo && (const unsigned char *)n < s_hi;
}

/* Checks that t is a heap-ordered B_k; returns the number of violations, adds its nodes to
 * *nodes. Recursion depth is at most k + 1 (k < MAX_TREES). */
static unsigned long check_tree(const struct node *t, unsigned long k, unsigned long *nodes)
{
    unsigned long bad = 0;
    (*nodes)++;
    if (t->key == 0)
        bad++;
    const struct node *c = t->child;
    for (unsigned long order = k; order-- > 0; c = c->sibling) {
        if (!c) { /* fewer than k children */
            bad++;
            return bad;
        }
        if (!in_cda(c))
            return bad + 1;
        if (c->key < t->key) /* heap order */
            bad++;
        bad += check_tree(c, order, nodes);
    }
    if (c) /* more than k children */
        bad++;
    return bad;
}

unsigned long ds_check(void)
{
    unsigned long bad = 0, nodes = 0;
    s_lo = ds_cda;
    s_hi = ds_cda + CDA_BYTES;
    for (unsigned long k = 0; k < MAX_TREES; k++) {
        const struct node *t = Q->trees[k];
        int bit = k < 64 && ((Q->size >> k) & 1);
        if (!t) {
            if (bit) /* trees present exactly at the set bits of the size */
                bad++;
            continue;
        }
        if (!bit)
            bad++;
        if (!in_cda(t)) {
            bad++;
            continue;
        }
        if (t->sibling) /* a root has no siblings */
            bad++;
        unsigned long n = 0;
        bad += check_tree(t, k, &n);
        if (n != 1ul << k) /* B_k has 2^k nodes */
            bad++;
        nodes += n;
    }
    if (nodes != Q->size)
        bad++;
    return bad;
}

unsigned long ds_count(void)
{
    return Q->size;
}

static unsigned long digest_tree(const struct node *t)
{
    unsigned long h = 0;
    for (; t; t = t->sibling)
        h += ds_key_mix(t->key) + digest_tree(t->child);
    return h;
}

/* Order-independent: a sum of mixed keys. */
unsigned long ds_digest(void)
{
    unsigned long h = 0;
    for (unsigned long k = 0; k < MAX_TREES; k++)
        if (Q->trees[k])
            h += digest_tree(Q->trees[k]);
    return h;
}
