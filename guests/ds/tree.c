/*
 * tree.c - unbalanced binary search tree (textbook, cf. Weiss ch. 4.3): insert and delete.
 *
 * Duplicates: an insert of a key already present is ignored (the tree is a set).
 * Delete of an absent key returns 0 and writes nothing. Delete of a node with two children
 * copies the in-order successor's key into it and unlinks the successor.
 * Everything lives in the CDA: the nodes and a header {root, count}.
 * Insert and delete are iterative (no recursion on a degenerate path); ds_check and
 * ds_digest walk the tree with an explicit stack kept outside the CDA.
 * Invariants checked: strict BST order (in-order sequence strictly increasing), the header's
 * count equals the number of nodes reached.
 * CDA words written per operation (approx.): insert 3 (new node) + 1 link + 1 count;
 * delete 1-2 links + 1 key copy + 1 count (+ free-list link of the freed node).
 */
#include "ds.h"

const char ds_name[] = "tree";
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

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
}

void ds_insert(unsigned long key)
{
    struct node **link = &H->root;
    while (*link) {
        if (key < (*link)->key)
            link = &(*link)->left;
        else if (key > (*link)->key)
            link = &(*link)->right;
        else
            return; /* present: ignored */
    }
    struct node *n = cda_alloc(sizeof *n);
    n->key = key;
    *link = n;
    H->count++;
}

int ds_delete(unsigned long key)
{
    struct node **link = &H->root;
    while (*link && (*link)->key != key)
        link = key < (*link)->key ? &(*link)->left : &(*link)->right;
    struct node *n = *link;
    if (!n)
        return 0;
    if (n->left && n->right) {
        struct node **sl = &n->right; /* successor: leftmost of the right subtree */
        while ((*sl)->left)
            sl = &(*sl)->left;
        struct node *s = *sl;
        n->key = s->key;
        *sl = s->right;
        cda_free(s, sizeof *s);
    } else {
        *link = n->left ? n->left : n->right;
        cda_free(n, sizeof *n);
    }
    H->count--;
    return 1;
}

/* In-order walk with an explicit stack; returns the number of violations. */
#define STACK (1u << 16)
static struct node *s_stack[STACK];

/* In-order walk with an explicit stack: every key into `keys`; 1 if the tree is too deep to walk. */
static unsigned long walk(struct ds_sorted *keys)
{
    unsigned sp = 0;
    struct node *p = H->root;
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
