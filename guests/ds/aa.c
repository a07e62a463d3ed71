/*
 * aa.c - AA tree (Andersson 1993; cf. Weiss ch. 12.3): insert and delete.
 *
 * A NULL child has level 0, a leaf level 1. Insert and delete are recursive and rebalance
 * with skew (remove a left horizontal link) and split (remove two consecutive right
 * horizontal links). Delete of an internal node replaces its key with its in-order successor
 * (or predecessor when it has no right child) and deletes that key below; on the way up levels
 * are lowered and up to three skews and two splits restore the shape.
 * Duplicates: an insert of a key already present is ignored (the tree is a set; the textbook
 * recursion still rewrites the unchanged links of the search path). Delete of an absent key
 * returns 0 and writes nothing (the key is looked up first).
 * Nodes and a header {root, count} live in the CDA.
 * Invariants checked: strict BST order; level(leaf) = 1; level(left child) = level - 1;
 * level(right child) is level or level - 1; level(right grandchild) < level; every node above
 * level 1 has two children; count matches.
 * CDA words written per operation (approx.): insert 4 for the new node + one link per level of
 * the search path (~ log2 n to 2 log2 n) + 3-4 per skew/split; delete one link and a few
 * level writes per level of the path, plus the key copy and the rebalancing.
 */
#include "ds.h"

const char ds_name[] = "aa";
const int ds_supports_delete = 1;

struct node {
    unsigned long key;
    struct node *left, *right;
    long level;
};

struct head {
    struct node *root;
    unsigned long count;
};

static struct head *H;

static long level(const struct node *n)
{
    return n ? n->level : 0;
}

static struct node *skew(struct node *t)
{
    if (t && t->left && t->left->level == t->level) {
        struct node *l = t->left;
        t->left = l->right;
        l->right = t;
        return l;
    }
    return t;
}

static struct node *split(struct node *t)
{
    if (t && t->right && t->right->right && t->right->right->level == t->level) {
        struct node *r = t->right;
        t->right = r->left;
        r->left = t;
        r->level++;
        return r;
    }
    return t;
}

static struct node *insert(unsigned long key, struct node *t)
{
    if (!t) {
        t = cda_alloc(sizeof *t);
        t->key = key;
        t->level = 1;
        H->count++;
        return t;
    }
    if (key < t->key)
        t->left = insert(key, t->left);
    else if (key > t->key)
        t->right = insert(key, t->right);
    else
        return t; /* present: ignored */
    t = skew(t);
    t = split(t);
    return t;
}

static struct node *remove(unsigned long key, struct node *t)
{
    if (!t)
        return t; /* not reached: the key is known to be present */
    if (key < t->key) {
        t->left = remove(key, t->left);
    } else if (key > t->key) {
        t->right = remove(key, t->right);
    } else if (!t->left && !t->right) {
        cda_free(t, sizeof *t);
        return 0;
    } else if (!t->left) {
        struct node *s = t->right; /* successor */
        while (s->left)
            s = s->left;
        t->key = s->key;
        t->right = remove(s->key, t->right);
    } else {
        struct node *s = t->left; /* predecessor */
        while (s->right)
            s = s->right;
        t->key = s->key;
        t->left = remove(s->key, t->left);
    }
    /* Rebalance: lower the level if a child is now too low, then skew and split. */
    long should = (level(t->left) < level(t->right) ? level(t->left) : level(t->right)) + 1;
    if (should < t->level) {
        t->level = should;
        if (t->right && should < t->right->level)
            t->right->level = should;
    }
    t = skew(t);
    t->right = skew(t->right);
    if (t->right)
        t->right->right = skew(t->right->right);
    t = split(t);
    t->right = split(t->right);
    return t;
}

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
}

void ds_insert(unsigned long key)
{
    H->root = insert(key, H->root);
}

int ds_delete(unsigned long key)
{
    const struct node *t = H->root;
    while (t && t->key != key)
        t = key < t->key ? t->left : t->right;
    if (!t)
        return 0;
    H->root = remove(key, H->root);
    H->count--;
    return 1;
}

static unsigned long s_bad;
static struct ds_sorted s_keys;

static void check(const struct node *t)
{
    if (!t)
        return;
    long lv = t->level;
    if (!t->left && !t->right && lv != 1)
        s_bad++;
    if (lv > 1 && (!t->left || !t->right))
        s_bad++;
    if (level(t->left) != lv - 1)
        s_bad++;
    if (level(t->right) != lv && level(t->right) != lv - 1)
        s_bad++;
    if (t->right && level(t->right->right) >= lv)
        s_bad++;
    check(t->left);
    ds_sorted_visit(&s_keys, t->key);
    check(t->right);
}

static void run_check(void)
{
    s_bad = 0;
    ds_sorted_start(&s_keys);
    check(H->root);
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
