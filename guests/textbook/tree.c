/*
 * tree.c - Weiss's unbalanced binary search tree (tree.c, Fig. 4.16-4.25): recursive Insert and
 * Delete that store the returned subtree back at every level (T->Left = Insert(X, T->Left)), so
 * an insert writes one link per node of its path. Delete of a node with two children copies the
 * right subtree's minimum up and deletes it below. Driver (testtree.c): keys (j + 7) % N, then
 * Delete(i) in ascending order.
 * Layout: {Element, Left, Right}, 12 bytes (16-byte chunks). T, the root, is the driver's
 * variable (main's local in testtree.c), not heap data.
 */
#include "bst.h"

const char tb_name[] = "tree";
const enum tb_order tb_insert_order = TB_STEP7;
const enum tb_delete tb_delete_kind = TB_DELETE_ASCENDING;

struct TreeNode {
    int Element;
    Ptr Left;
    Ptr Right;
};

#define N(p) AT(struct TreeNode, p)

static Ptr T = NIL;
static int s_removed;

static Ptr Insert(int X, Ptr T)
{
    if (T == NIL) {
        T = tb_malloc(sizeof(struct TreeNode));
        N(T)->Element = X;
        N(T)->Left = N(T)->Right = NIL;
    } else if (X < N(T)->Element)
        N(T)->Left = Insert(X, N(T)->Left);
    else if (X > N(T)->Element)
        N(T)->Right = Insert(X, N(T)->Right);
    /* Else X is in the tree already; we'll do nothing */
    return T;
}

static Ptr FindMin(Ptr T)
{
    while (N(T)->Left != NIL)
        T = N(T)->Left;
    return T;
}

static Ptr Delete(int X, Ptr T)
{
    Ptr TmpCell;
    if (T == NIL)
        return NIL; /* the book: Error("Element not found") */
    else if (X < N(T)->Element)
        N(T)->Left = Delete(X, N(T)->Left);
    else if (X > N(T)->Element)
        N(T)->Right = Delete(X, N(T)->Right);
    else if (N(T)->Left != NIL && N(T)->Right != NIL) {
        TmpCell = FindMin(N(T)->Right);
        N(T)->Element = N(TmpCell)->Element;
        N(T)->Right = Delete(N(T)->Element, N(T)->Right);
    } else {
        TmpCell = T;
        if (N(T)->Left == NIL)
            T = N(T)->Right;
        else if (N(T)->Right == NIL)
            T = N(T)->Left;
        tb_free(TmpCell);
        s_removed = 1;
    }
    return T;
}

void tb_init(unsigned long n)
{
    (void)n;
    T = NIL; /* MakeEmpty(NULL) */
}

void tb_insert(int key)
{
    T = Insert(key, T);
}

int tb_delete(int key)
{
    s_removed = 0;
    T = Delete(key, T);
    return s_removed;
}

static struct tb_bst_result s_walk;

unsigned long tb_check(void)
{
    return tb_bst_walk(T, NIL, &s_walk);
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_bst_walk(T, NIL, &s_walk);
    *count = s_walk.count;
    *digest = s_walk.digest;
}
