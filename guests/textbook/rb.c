/*
 * rb.c - Weiss's red-black tree (redblack.c, Fig. 12.14-12.18): top-down insertion. A header
 * node T (Element -infinity, the tree hangs on its Right) and a black NullNode sentinel, both in
 * the heap; on the way down every node with two red children is recoloured (HandleReorient),
 * with a single or double rotation when its parent is red too; the root is made black after
 * every reorientation. X, P, GP and GGP are the file's static variables (program data). The book
 * has no delete ("left as an exercise"), so Table 2 has insert only.
 * Driver (testrb.c): keys (j + 7) % N.
 * Layout: {Element, Left, Right, Color}, 16 bytes (24-byte chunks).
 */
#include "bst.h"

const char tb_name[] = "rb";
const enum tb_order tb_insert_order = TB_STEP7;
const enum tb_delete tb_delete_kind = TB_DELETE_NONE;

typedef enum ColorType { Red, Black } ColorType;

struct RedBlackNode {
    int Element;
    Ptr Left;
    Ptr Right;
    ColorType Color;
};

#define N(p) AT(struct RedBlackNode, p)

#define NegInfinity (-2147483647 - 1)
#define Infinity 2147483647

static Ptr NullNode = NIL;
static Ptr T = NIL;
static Ptr X, P, GP, GGP;

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

/* Perform a rotation at node X (whose parent is passed as a parameter); the child is deduced by
 * examining Item. */
static Ptr Rotate(int Item, Ptr Parent)
{
    if (Item < N(Parent)->Element)
        return N(Parent)->Left = Item < N(N(Parent)->Left)->Element
            ? SingleRotateWithLeft(N(Parent)->Left)
            : SingleRotateWithRight(N(Parent)->Left);
    else
        return N(Parent)->Right = Item < N(N(Parent)->Right)->Element
            ? SingleRotateWithLeft(N(Parent)->Right)
            : SingleRotateWithRight(N(Parent)->Right);
}

static void HandleReorient(int Item, Ptr T)
{
    N(X)->Color = Red; /* Do the color flip */
    N(N(X)->Left)->Color = Black;
    N(N(X)->Right)->Color = Black;

    if (N(P)->Color == Red) { /* Have to rotate */
        N(GP)->Color = Red;
        if ((Item < N(GP)->Element) != (Item < N(P)->Element))
            P = Rotate(Item, GP); /* Start double rotation */
        X = Rotate(Item, GGP);
        N(X)->Color = Black;
    }
    N(N(T)->Right)->Color = Black; /* Make root black */
}

static Ptr Insert(int Item, Ptr T)
{
    X = P = GP = T;
    N(NullNode)->Element = Item;
    while (N(X)->Element != Item) { /* Descend down the tree */
        GGP = GP;
        GP = P;
        P = X;
        if (Item < N(X)->Element)
            X = N(X)->Left;
        else
            X = N(X)->Right;
        if (N(N(X)->Left)->Color == Red && N(N(X)->Right)->Color == Red)
            HandleReorient(Item, T);
    }

    if (X != NullNode)
        return NullNode; /* Duplicate */

    X = tb_malloc(sizeof(struct RedBlackNode));
    N(X)->Element = Item;
    N(X)->Left = N(X)->Right = NullNode;

    if (Item < N(P)->Element) /* Attach to its parent */
        N(P)->Left = X;
    else
        N(P)->Right = X;
    HandleReorient(Item, T); /* Color it red; maybe rotate */

    return T;
}

void tb_init(unsigned long n)
{
    (void)n;
    NullNode = tb_malloc(sizeof(struct RedBlackNode));
    N(NullNode)->Left = N(NullNode)->Right = NullNode;
    N(NullNode)->Color = Black;
    N(NullNode)->Element = Infinity;
    /* Create the header node */
    T = tb_malloc(sizeof(struct RedBlackNode));
    N(T)->Element = NegInfinity;
    N(T)->Left = N(T)->Right = NullNode;
    N(T)->Color = Black;
}

void tb_insert(int key)
{
    Insert(key, T);
}

int tb_delete(int key)
{
    (void)key;
    return 0;
}

/* Red-black rules: a black root, no red node with a red child, the same number of black nodes
 * on every path down to the sentinel, only Red and Black as colours, a black sentinel. */
static unsigned long s_bad;

static int black_height(Ptr t, unsigned long depth)
{
    if (t == NullNode || depth > 128) {
        s_bad += depth > 128;
        return 1;
    }
    ColorType c = N(t)->Color;
    if (c != Red && c != Black)
        s_bad++;
    if (c == Red && (N(N(t)->Left)->Color == Red || N(N(t)->Right)->Color == Red))
        s_bad++;
    int l = black_height(N(t)->Left, depth + 1), r = black_height(N(t)->Right, depth + 1);
    if (l != r)
        s_bad++;
    return l + (c == Black);
}

static struct tb_bst_result s_walk;

unsigned long tb_check(void)
{
    Ptr root = N(T)->Right;
    unsigned long bad = tb_bst_walk(root, NullNode, &s_walk);
    if (bad)
        return bad;
    s_bad = N(NullNode)->Color != Black || N(root)->Color != Black || N(T)->Left != NullNode;
    black_height(root, 0);
    return s_bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_bst_walk(N(T)->Right, NullNode, &s_walk);
    *count = s_walk.count;
    *digest = s_walk.digest;
}
