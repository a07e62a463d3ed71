/*
 * dsl.c - deterministic 1-2-3 skip list (Munro, Papadakis and Sedgewick 1992), in its linked
 * "right/down" representation (cf. Weiss ch. 12.4): insert, top down.
 *
 * Every level is a list sorted by key and ending with a node of key INF whose right link is
 * the tail sentinel; a node of a level above the bottom has a down link to the first node of
 * its gap below, and its key is the key of that gap's last node (so every key of a level is
 * also in the level below). The gap of a node is the number of nodes below before its own
 * copy, and must be 1, 2 or 3. The bottom sentinel's key is set to the key being inserted, so
 * that the insertion at the bottom level is the same "split" that keeps gaps at most 3 above.
 * When the top level gets a second node, a new top (header) node is put above it.
 * Duplicates: an insert of a key already present adds nothing (gaps on the way down may still
 * be split, which keeps every invariant).
 * Everything lives in the CDA: the nodes, the bottom and tail sentinels and a header holding
 * the top node.
 * Invariants checked: the top node has key INF and links to the tail; each level is strictly
 * increasing and ends with an INF node linking to the tail; every gap has 1 to 3 nodes and ends
 * with the copy of its parent's key; the gaps of a level tile the whole level below; all nodes
 * of the bottom level link down to the bottom sentinel; the count of bottom keys matches.
 * CDA words written per insert (approx.): 1 (bottom sentinel key) + 4 per split (new node,
 * right link, key) - about 1 split per level on average - plus 3-4 when the list grows a level.
 */
#include "ds.h"

const char ds_name[] = "dsl";
const int ds_supports_delete = 0;

#define INF (~0ul)

struct node {
    unsigned long key;
    struct node *right, *down;
};

struct head {
    struct node *top, *bottom, *tail;
    unsigned long count;
};

static struct head *H;

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
    struct node *b = cda_alloc(sizeof *b), *z = cda_alloc(sizeof *z), *t = cda_alloc(sizeof *t);
    b->right = b->down = b;
    z->key = INF;
    z->right = z;
    t->key = INF;
    t->right = z;
    t->down = b;
    H->bottom = b;
    H->tail = z;
    H->top = t;
}

void ds_insert(unsigned long key)
{
    struct node *bottom = H->bottom, *cur = H->top;
    bottom->key = key;
    while (cur != bottom) {
        while (key > cur->key)
            cur = cur->right;
        /* A gap of 3 below (or, at the bottom level, a key to insert): promote the middle. */
        if (cur->down->right->right->key < cur->key) {
            struct node *n = cda_alloc(sizeof *n);
            n->right = cur->right;
            n->down = cur->down->right->right;
            n->key = cur->key;
            cur->right = n;
            cur->key = cur->down->right->key;
            if (cur->down == bottom)
                H->count++;
        } else {
            cur = cur->down;
        }
    }
    if (H->top->right != H->tail) {
        struct node *n = cda_alloc(sizeof *n);
        n->down = H->top;
        n->right = H->tail;
        n->key = INF;
        H->top = n;
    }
}

int ds_delete(unsigned long key)
{
    (void)key;
    return 0;
}

static unsigned long s_bad;
static struct ds_sorted s_keys; /* the bottom level, in order */

static void run_check(void)
{
    const struct node *bottom = H->bottom, *tail = H->tail;
    unsigned long steps = 0, limit = 64ul * (CDA_BYTES / 16); /* guards against cycles */
    s_bad = 0;
    ds_sorted_start(&s_keys);
    const struct node *first = H->top;
    if (first->key != INF || first->right != tail)
        s_bad++;
    while (first != bottom) {
        int bottom_level = first->down == bottom;
        const struct node *expect = first->down; /* where the next gap must start */
        const struct node *p = first;
        unsigned long prev = 0;
        int any = 0;
        for (; p != tail; p = p->right) {
            if (++steps > limit) {
                s_bad++;
                return;
            }
            if (any && p->key <= prev)
                s_bad++;
            prev = p->key;
            any = 1;
            if (p->right == tail && p->key != INF)
                s_bad++;
            if (bottom_level) {
                if (p->down != bottom)
                    s_bad++;
                if (p->key != INF) {
                    ds_sorted_visit(&s_keys, p->key);
                }
                continue;
            }
            if (p->down != expect || p->down == bottom) {
                s_bad++;
                return; /* the levels below cannot be walked reliably */
            }
            unsigned long gap = 0;
            const struct node *q = p->down;
            while (q != tail && q->key < p->key) {
                gap++;
                q = q->right;
            }
            if (q == tail || q->key != p->key || gap < 1 || gap > 3)
                s_bad++;
            expect = q == tail ? tail : q->right;
        }
        if (!bottom_level && expect != tail)
            s_bad++; /* the gaps do not cover the whole level below */
        first = first->down;
    }
    s_bad += s_keys.bad;
    if (s_keys.n != H->count)
        s_bad++;
}

unsigned long ds_check(void)
{
    run_check();
    return s_bad;
}

unsigned long ds_count(void)
{
    return H->count;
}

unsigned long ds_digest(void)
{
    run_check();
    return s_keys.hash;
}
