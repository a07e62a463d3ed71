/*
 * splay.c - splay tree (Sleator and Tarjan's top-down splay, cf. Weiss ch. 12.1): insert and
 * delete.
 *
 * Insert splays the key to the root and, when absent, makes a new root with the two halves as
 * children. Delete splays the key to the root, then joins the two subtrees by splaying the
 * largest key of the left subtree to its root and hanging the right subtree from it.
 * Duplicates: an insert of a key already present is ignored (the tree is a set; the splay still
 * moves it to the root, as a search would). Delete of an absent key returns 0 and writes
 * nothing: the key is looked up first without splaying.
 * Nodes and a header {root, count} live in the CDA; the splay's temporary header node is on
 * the stack. ds_check and ds_digest walk the tree with an explicit stack outside the CDA.
 * Invariants checked: strict BST order (in-order sequence strictly increasing), count matches.
 * CDA words written per operation (approx.): about 2-3 links per node on the access path
 * (amortised O(log n), ~ 30-60 at n = 10000) + 3 for a new node + 1 root + 1 count.
 */
#include "ds.h"

const char ds_name[] = "splay";
const int ds_supports_delete = 1;

struct node {
    unsigned long key;
    struct node *left, *right;
};

struct head {
    struct node *root;
    unsigned long count;
};

static struct head *H;

/* Top-down splay of key in t (t not NULL): returns the new root, the last node on the path. */
static struct node *splay(unsigned long key, struct node *t)
{
    struct node hdr = {0, 0, 0};
    struct node *l = &hdr, *r = &hdr; /* ends of the left tree (keys < key), right tree (> key) */
    for (;;) {
        if (key < t->key) {
            if (!t->left)
                break;
            if (key < t->left->key) { /* zig-zig: rotate right */
                struct node *y = t->left;
                t->left = y->right;
                y->right = t;
                t = y;
                if (!t->left)
                    break;
            }
            r->left = t; /* link right */
            r = t;
            t = t->left;
        } else if (key > t->key) {
            if (!t->right)
                break;
            if (key > t->right->key) { /* zig-zig: rotate left */
                struct node *y = t->right;
                t->right = y->left;
                y->left = t;
                t = y;
                if (!t->right)
                    break;
            }
            l->right = t; /* link left */
            l = t;
            t = t->right;
        } else {
            break;
        }
    }
    /* Reassemble. */
    l->right = t->left;
    r->left = t->right;
    t->left = hdr.right;
    t->right = hdr.left;
    return t;
}

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
}

void ds_insert(unsigned long key)
{
    struct node *t = H->root;
    if (t) {
        t = splay(key, t);
        if (t->key == key) {
            H->root = t; /* present: ignored (but now at the root) */
            return;
        }
    }
    struct node *n = cda_alloc(sizeof *n);
    n->key = key;
    if (t) {
        if (key < t->key) {
            n->left = t->left;
            n->right = t;
            t->left = 0;
        } else {
            n->right = t->right;
            n->left = t;
            t->right = 0;
        }
    }
    H->root = n;
    H->count++;
}

int ds_delete(unsigned long key)
{
    const struct node *p = H->root;
    while (p && p->key != key)
        p = key < p->key ? p->left : p->right;
    if (!p)
        return 0;
    struct node *t = splay(key, H->root); /* t->key == key */
    struct node *nr;
    if (!t->left) {
        nr = t->right;
    } else {
        nr = splay(key, t->left); /* key exceeds all of the left subtree: its maximum rises */
        nr->right = t->right;
    }
    cda_free(t, sizeof *t);
    H->root = nr;
    H->count--;
    return 1;
}

#define STACK (1u << 16)
static const struct node *s_stack[STACK];

/* In-order walk with an explicit stack: every key into `keys`; 1 if the tree is too deep to walk. */
static unsigned long walk(struct ds_sorted *keys)
{
    unsigned sp = 0;
    const struct node *p = H->root;
    ds_sorted_start(keys);
    while (p || sp) {
        while (p) {
            if (sp == STACK)
                return 1;
            s_stack[sp++] = p;
            p = p->left;
        }
        p = s_stack[--sp];
        ds_sorted_visit(keys, p->key);
        p = p->right;
    }
    return 0;
}

unsigned long ds_check(void)
{
    struct ds_sorted keys;
    unsigned long bad = walk(&keys) + keys.bad;
    if (keys.n != H->count)
        bad++;
    return bad;
}

unsigned long ds_count(void)
{
    return H->count;
}

unsigned long ds_digest(void)
{
    struct ds_sorted keys;
    walk(&keys);
    return keys.hash;
}
