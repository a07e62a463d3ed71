/*
 * splay.c - Weiss's top-down splay tree (splay.c, Fig. 12.5-12.9): Splay with a header node
 * (static, not heap data) and a NullNode sentinel in the heap whose Element is set to the item
 * sought; Insert reuses a node allocated by a previous insert that found its key (static
 * NewNode); Remove splays the item to the root, then the left subtree's maximum to its root.
 * Driver (testsply.c): keys (j + 7) % N; before the deletes, two passes of Find(i) for
 * i = 0 .. N - 1 (outside any transaction); then Remove(i) in ascending order.
 * Layout: {Element, Left, Right}, 12 bytes (16-byte chunks); T is the driver's variable.
 */
#include "bst.h"

const char tb_name[] = "splay";
const enum tb_order tb_insert_order = TB_STEP7;
const enum tb_delete tb_delete_kind = TB_DELETE_ASCENDING;

struct SplayNode {
    int Element;
    Ptr Left;
    Ptr Right;
};

#define N(p) AT(struct SplayNode, p)

static Ptr NullNode = NIL;
static Ptr T = NIL;
/* static struct SplayNode Header: in the program's data, not the heap; ours are two plain
 * variables standing for Header.Left and Header.Right. */
static Ptr HeaderLeft, HeaderRight;

/* The header's fields and the nodes' are both written through these: the header is the
 * splay's LeftTreeMax/RightTreeMin until a node replaces it. HEADER is a value no block has. */
#define HEADER 1u

static void SetLeft(Ptr P, Ptr V)
{
    if (P == HEADER)
        HeaderLeft = V;
    else
        N(P)->Left = V;
}

static void SetRight(Ptr P, Ptr V)
{
    if (P == HEADER)
        HeaderRight = V;
    else
        N(P)->Right = V;
}

static Ptr SingleRotateWithLeft(Ptr K2)
{
    Ptr K1 = N(K2)->Left;
    N(K2)->Left = N(K1)->Right;
    N(K1)->Right = K2;
    return K1;
}

static Ptr SingleRotateWithRight(Ptr K1)
{
    Ptr K2 = N(K1)->Right;
    N(K1)->Right = N(K2)->Left;
    N(K2)->Left = K1;
    return K2;
}

static Ptr Splay(int Item, Ptr X)
{
    Ptr LeftTreeMax, RightTreeMin;
    HeaderLeft = HeaderRight = NullNode;
    LeftTreeMax = RightTreeMin = HEADER;
    N(NullNode)->Element = Item;

    while (Item != N(X)->Element) {
        if (Item < N(X)->Element) {
            if (Item < N(N(X)->Left)->Element)
                X = SingleRotateWithLeft(X);
            if (N(X)->Left == NullNode)
                break;
            /* Link right */
            SetLeft(RightTreeMin, X);
            RightTreeMin = X;
            X = N(X)->Left;
        } else {
            if (Item > N(N(X)->Right)->Element)
                X = SingleRotateWithRight(X);
            if (N(X)->Right == NullNode)
                break;
            /* Link left */
            SetRight(LeftTreeMax, X);
            LeftTreeMax = X;
            X = N(X)->Right;
        }
    } /* while Item != X->Element */

    /* Reassemble */
    SetRight(LeftTreeMax, N(X)->Left);
    SetLeft(RightTreeMin, N(X)->Right);
    N(X)->Left = HeaderRight;
    N(X)->Right = HeaderLeft;
    return X;
}

static Ptr Insert(int Item, Ptr T)
{
    static Ptr NewNode = NIL;

    if (NewNode == NIL)
        NewNode = tb_malloc(sizeof(struct SplayNode));
    N(NewNode)->Element = Item;

    if (T == NullNode) {
        N(NewNode)->Left = N(NewNode)->Right = NullNode;
        T = NewNode;
    } else {
        T = Splay(Item, T);
        if (Item < N(T)->Element) {
            N(NewNode)->Left = N(T)->Left;
            N(NewNode)->Right = T;
            N(T)->Left = NullNode;
            T = NewNode;
        } else if (N(T)->Element < Item) {
            N(NewNode)->Right = N(T)->Right;
            N(NewNode)->Left = T;
            N(T)->Right = NullNode;
            T = NewNode;
        } else
            return T; /* Already in the tree */
    }
    NewNode = NIL; /* So next insert will call malloc */
    return T;
}

static int s_removed;

static Ptr Remove(int Item, Ptr T)
{
    Ptr NewTree;
    if (T != NullNode) {
        T = Splay(Item, T);
        if (Item == N(T)->Element) {
            /* Found it! */
            if (N(T)->Left == NullNode)
                NewTree = N(T)->Right;
            else {
                NewTree = N(T)->Left;
                NewTree = Splay(Item, NewTree);
                N(NewTree)->Right = N(T)->Right;
            }
            tb_free(T);
            T = NewTree;
            s_removed = 1;
        }
    }
    return T;
}

void tb_init(unsigned long n)
{
    (void)n;
    /* Initialize: the sentinel is a heap node (MakeEmpty returns NullNode). */
    NullNode = tb_malloc(sizeof(struct SplayNode));
    N(NullNode)->Left = N(NullNode)->Right = NullNode;
    T = NullNode;
}

void tb_insert(int key)
{
    T = Insert(key, T);
}

/* testsply.c: every key found, twice, in ascending order, before the removes. */
void tb_before_deletes(unsigned long n)
{
    for (int pass = 0; pass < 2; pass++)
        for (unsigned long i = 0; i < n; i++)
            T = Splay((int)i, T); /* Find(i, T) is Splay(i, T) */
}

int tb_delete(int key)
{
    s_removed = 0;
    T = Remove(key, T);
    return s_removed;
}

static struct tb_bst_result s_walk;

unsigned long tb_check(void)
{
    unsigned long bad = tb_bst_walk(T, NullNode, &s_walk);
    /* The sentinel's links point at itself. */
    return bad + (N(NullNode)->Left != NullNode) + (N(NullNode)->Right != NullNode);
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_bst_walk(T, NullNode, &s_walk);
    *count = s_walk.count;
    *digest = s_walk.digest;
}
