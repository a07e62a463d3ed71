/*
 * avl.c - AVL tree (textbook, cf. Weiss ch. 4.4): insert.
 *
 * Recursive insert with single/double rotations; a node stores its height (an empty tree has
 * height -1, a leaf 0). Duplicates: an insert of a key already present is ignored (the tree is
 * a set), though, as in the textbook code, the links and heights along the search path are
 * rewritten with their unchanged values. Nodes and a header {root, count} live in the CDA.
 * Invariants checked: strict BST order (in-order sequence strictly increasing), every stored
 * height equals the recomputed one, every balance factor is -1, 0 or 1, count matches.
 * CDA words written per insert (approx.): 3-4 for the new node, plus one link and one height
 * per level of the search path (about 2 * 1.44 log2 n, ~ 30 at n = 10000), plus 4-8 per rotation.
 */
#include "ds.h"

const char ds_name[] = "avl";
const int ds_supports_delete = 0;

struct node {
    unsigned long key;
    struct node *left, *right;
    long height;
};

struct head {
    struct node *root;
    unsigned long count;
};

static struct head *H;

static long height(const struct node *n)
{
    return n ? n->height : -1;
}

static long max2(long a, long b)
{
    return a > b ? a : b;
}

static void fix(struct node *n)
{
    n->height = max2(height(n->left), height(n->right)) + 1;
}

/* k2's left child k1 becomes the root of the subtree. */
static struct node *rot_left_child(struct node *k2)
{
    struct node *k1 = k2->left;
    k2->left = k1->right;
    k1->right = k2;
    fix(k2);
    fix(k1);
    return k1;
}

static struct node *rot_right_child(struct node *k1)
{
    struct node *k2 = k1->right;
    k1->right = k2->left;
    k2->left = k1;
    fix(k1);
    fix(k2);
    return k2;
}

static struct node *insert(unsigned long key, struct node *t)
{
    if (!t) {
        t = cda_alloc(sizeof *t);
        t->key = key; /* height 0, children NULL: zeroed by cda_alloc */
        H->count++;
        return t;
    }
    if (key < t->key) {
        t->left = insert(key, t->left);
        if (height(t->left) - height(t->right) == 2) {
            if (key < t->left->key) {
                t = rot_left_child(t);
            } else {
                t->left = rot_right_child(t->left);
                t = rot_left_child(t);
            }
        }
    } else if (key > t->key) {
        t->right = insert(key, t->right);
        if (height(t->right) - height(t->left) == 2) {
            if (key > t->right->key) {
                t = rot_right_child(t);
            } else {
                t->right = rot_left_child(t->right);
                t = rot_right_child(t);
            }
        }
    } /* else present: ignored */
    fix(t);
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
    (void)key;
    return 0;
}

static unsigned long s_bad;
static struct ds_sorted s_keys;

/* Returns the recomputed height; checks order, heights and balance. */
static long check(const struct node *t)
{
    if (!t)
        return -1;
    long hl = check(t->left);
    ds_sorted_visit(&s_keys, t->key);
    long hr = check(t->right);
    long h = max2(hl, hr) + 1;
    if (h != t->height)
        s_bad++;
    if (hl - hr > 1 || hr - hl > 1)
        s_bad++;
    return h;
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
