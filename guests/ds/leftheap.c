/*
 * leftheap.c - leftist heap (cf. Weiss ch. 6): a min-heap-ordered binary tree in which, at every
 * node, the null path length (npl) of the left child is >= that of the right child, so the
 * right path has O(log n) nodes; everything is done by merging along right paths.
 * npl(NULL) = -1, npl(node) = 1 + min(npl(left), npl(right)) = 1 + npl(right).
 * The root and the count live in a header struct in the CDA.
 *
 * insert: merge the heap with a one-node heap. Duplicates are allowed.
 * delete: deleteMin - the key argument is ignored; the root is removed and its two subtrees
 *         merged. An empty heap returns 0 and changes nothing.
 * Approximate CDA words written per operation: a node's right link and npl (and a child swap,
 * two words) for each node on the merged right paths: insert ~4 + 2-4 per right-path node,
 * about 15-25 for n = 10000; deleteMin about twice that.
 */
#include "ds.h"

const char ds_name[] = "leftheap";
const int ds_supports_delete = 1;

struct node {
    unsigned long key;
    struct node *left, *right;
    long npl;
};

struct lheap {
    struct node *root;
    unsigned long count;
};

static struct lheap *H;

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
}

static struct node *merge(struct node *h1, struct node *h2);

/* h1 has the smaller root: merge h2 into its right subtree, then restore the leftist property. */
static struct node *merge1(struct node *h1, struct node *h2)
{
    if (!h1->left) { /* single node: npl stays 0 */
        h1->left = h2;
    } else {
        h1->right = merge(h1->right, h2);
        if (h1->left->npl < h1->right->npl) {
            struct node *t = h1->left;
            h1->left = h1->right;
            h1->right = t;
        }
        h1->npl = h1->right->npl + 1;
    }
    return h1;
}

static struct node *merge(struct node *h1, struct node *h2)
{
    if (!h1)
        return h2;
    if (!h2)
        return h1;
    return h1->key <= h2->key ? merge1(h1, h2) : merge1(h2, h1);
}

void ds_insert(unsigned long key)
{
    struct node *n = cda_alloc(sizeof *n); /* zeroed: no children, npl 0 */
    n->key = key;
    H->root = merge(n, H->root);
    H->count++;
}

int ds_delete(unsigned long key)
{
    (void)key;
    struct node *r = H->root;
    if (!r)
        return 0;
    H->root = merge(r->left, r->right);
    H->count--;
    cda_free(r, sizeof *r);
    return 1;
}

/* Traversal stack for check and digest (the checker's, not the structure's: outside the CDA).
 * A leftist heap can have O(n) left paths, so recursion is avoided. */
static struct node *s_stack[(1ul << 20) + 64];

unsigned long ds_check(void)
{
    unsigned long bad = 0, seen = 0, sp = 0;
    const unsigned char *lo = ds_cda, *hi = ds_cda + CDA_BYTES;
    if (H->root)
        s_stack[sp++] = H->root;
    while (sp) {
        struct node *n = s_stack[--sp];
        if ((const unsigned char *)n < lo || (const unsigned char *)n >= hi) {
            bad++;
            continue;
        }
        if (++seen > H->count) { /* more nodes than counted (or a cycle) */
            bad++;
            break;
        }
        long nl = n->left ? n->left->npl : -1;
        long nr = n->right ? n->right->npl : -1;
        if (nl < nr) /* leftist property */
            bad++;
        if (n->npl != nr + 1) /* stored npl = 1 + min(npl children) = 1 + npl(right) */
            bad++;
        if (n->key == 0)
            bad++;
        if (n->left) {
            if (n->left->key < n->key) /* heap order */
                bad++;
            if (sp < RT_ARRAY_LEN(s_stack))
                s_stack[sp++] = n->left;
            else
                bad++;
        }
        if (n->right) {
            if (n->right->key < n->key)
                bad++;
            if (sp < RT_ARRAY_LEN(s_stack))
                s_stack[sp++] = n->right;
            else
                bad++;
        }
    }
    if (seen != H->count)
        bad++;
    return bad;
}

unsigned long ds_count(void)
{
    return H->count;
}

/* Order-independent: a sum of mixed keys. */
unsigned long ds_digest(void)
{
    unsigned long h = 0, sp = 0, seen = 0;
    if (H->root)
        s_stack[sp++] = H->root;
    while (sp && seen++ <= H->count) { /* bounded: a cycle */
        struct node *n = s_stack[--sp];
        h += ds_key_mix(n->key);
        if (n->left && sp < RT_ARRAY_LEN(s_stack))
            s_stack[sp++] = n->left;
        if (n->right && sp < RT_ARRAY_LEN(s_stack))
            s_stack[sp++] = n->right;
    }
    return h;
}
