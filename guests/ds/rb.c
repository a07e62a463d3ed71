/*
 * rb.c - red-black tree (textbook bottom-up insertion with parent links, cf. Cormen et al.
 * ch. 13 / Weiss ch. 12.2): insert.
 *
 * NULL children are the black leaves. Duplicates: an insert of a key already present is
 * ignored (the tree is a set; nothing is written). Nodes and a header {root, count} live in
 * the CDA.
 * Invariants checked: strict BST order (in-order sequence strictly increasing), the root is
 * black, no red node has a red child, every root-to-leaf path has the same number of black
 * nodes, every child's parent link points back to its parent (and the root's is NULL),
 * colours are only red or black, count matches.
 * CDA words written per insert (approx.): 4 for the new node + 1 link + 1 count, plus 2-3
 * colour writes per recolouring step (amortised O(1)) and about 6 per rotation (at most 2).
 */
#include "ds.h"

const char ds_name[] = "rb";
const int ds_supports_delete = 0;

enum { BLACK = 0, RED = 1 };

struct node {
    unsigned long key;
    struct node *left, *right, *parent;
    long color;
};

struct head {
    struct node *root;
    unsigned long count;
};

static struct head *H;

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
}

static void replace_child(struct node *p, struct node *old, struct node *new)
{
    if (!p)
        H->root = new;
    else if (p->left == old)
        p->left = new;
    else
        p->right = new;
}

static void rotate_left(struct node *x)
{
    struct node *y = x->right;
    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    y->parent = x->parent;
    replace_child(x->parent, x, y);
    y->left = x;
    x->parent = y;
}

static void rotate_right(struct node *x)
{
    struct node *y = x->left;
    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    y->parent = x->parent;
    replace_child(x->parent, x, y);
    y->right = x;
    x->parent = y;
}

void ds_insert(unsigned long key)
{
    struct node *p = 0, *t = H->root;
    while (t) {
        p = t;
        if (key < t->key)
            t = t->left;
        else if (key > t->key)
            t = t->right;
        else
            return; /* present: ignored */
    }
    struct node *z = cda_alloc(sizeof *z);
    z->key = key;
    z->parent = p;
    z->color = RED;
    if (!p)
        H->root = z;
    else if (key < p->key)
        p->left = z;
    else
        p->right = z;
    H->count++;

    while (z->parent && z->parent->color == RED) {
        struct node *zp = z->parent, *g = zp->parent; /* g exists: a red node is not the root */
        if (zp == g->left) {
            struct node *u = g->right;
            if (u && u->color == RED) {
                zp->color = BLACK;
                u->color = BLACK;
                g->color = RED;
                z = g;
            } else {
                if (z == zp->right) {
                    z = zp;
                    rotate_left(z);
                    zp = z->parent;
                }
                zp->color = BLACK;
                g->color = RED;
                rotate_right(g);
            }
        } else {
            struct node *u = g->left;
            if (u && u->color == RED) {
                zp->color = BLACK;
                u->color = BLACK;
                g->color = RED;
                z = g;
            } else {
                if (z == zp->left) {
                    z = zp;
                    rotate_right(z);
                    zp = z->parent;
                }
                zp->color = BLACK;
                g->color = RED;
                rotate_left(g);
            }
        }
    }
    if (H->root->color != BLACK)
        H->root->color = BLACK;
}

int ds_delete(unsigned long key)
{
    (void)key;
    return 0;
}

static unsigned long s_bad;
static struct ds_sorted s_keys;

/* Returns the black height of t (NULL leaves count 1); checks everything else on the way. */
static long check(const struct node *t, const struct node *parent)
{
    if (!t)
        return 1;
    if (t->parent != parent)
        s_bad++;
    if (t->color != RED && t->color != BLACK)
        s_bad++;
    if (t->color == RED && ((t->left && t->left->color == RED) || (t->right && t->right->color == RED)))
        s_bad++;
    long bl = check(t->left, t);
    ds_sorted_visit(&s_keys, t->key);
    long br = check(t->right, t);
    if (bl != br)
        s_bad++;
    return bl + (t->color == BLACK);
}

static void run_check(void)
{
    s_bad = 0;
    ds_sorted_start(&s_keys);
    if (H->root && H->root->color != BLACK)
        s_bad++;
    check(H->root, 0);
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
