/*
 * bst.c - the in-order walk the search trees' checks share. Weiss's tree nodes (tree.c,
 * avltree.c, splay.c, aatree.c, redblack.c) all begin {Element; Left; Right}, so one walk reads
 * every one of them: it counts the nodes, sums their mixed keys and counts order violations.
 */
#include "bst.h"

struct bst_node {
    int Element;
    Ptr Left;
    Ptr Right;
};

unsigned long tb_bst_walk(Ptr root, Ptr nil, struct tb_bst_result *r)
{
    unsigned long bad = 0, sp = 0, limit = tb_used() / 16 + 1; /* no more nodes than 16-byte chunks */
    const unsigned long depth = sizeof tb_stack / sizeof tb_stack[0];
    int have_prev = 0, prev = 0;
    r->count = 0;
    r->digest = 0;
    Ptr t = root;
    while (t != nil || sp > 0) {
        while (t != nil) {
            if (!tb_valid(t) || sp == depth || r->count + sp > limit)
                return bad + 1; /* a link outside the heap, or a cycle */
            tb_stack[sp++] = t;
            t = AT(struct bst_node, t)->Left;
        }
        t = tb_stack[--sp];
        int key = AT(struct bst_node, t)->Element;
        if (have_prev && key <= prev)
            bad++;
        have_prev = 1;
        prev = key;
        r->count++;
        r->digest += tb_mix((unsigned long)(unsigned int)key);
        t = AT(struct bst_node, t)->Right;
    }
    return bad;
}
