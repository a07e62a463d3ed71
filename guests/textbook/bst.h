/* bst.h - the search trees' shared in-order walk (bst.c). */
#ifndef HVSIM_TB_BST_H
#define HVSIM_TB_BST_H

#include "tb.h"

struct tb_bst_result {
    unsigned long count;  /* nodes reached */
    unsigned long digest; /* sum of tb_mix(key) */
};

/* Walks the tree at root in order (nil: the empty tree, NIL or the structure's NullNode);
 * returns the violations: keys not strictly increasing, a link that is not a heap block, or
 * more nodes than the heap can hold (a cycle). */
unsigned long tb_bst_walk(Ptr root, Ptr nil, struct tb_bst_result *r);

#endif
