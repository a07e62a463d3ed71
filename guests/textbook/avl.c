/*
 * avl.c - Weiss's AVL tree (avltree.c, Fig. 4.40-4.44): recursive Insert storing the returned
 * subtree back at every level, single and double rotations, the height stored again at every
 * node on the way up (T->Height = Max(...) + 1). The book's Delete is "unimplemented", so Table 2
 * has insert only. Driver (testavl.c): keys (j + 7) % N.
 * Layout: {Element, Left, Right, Height}, 16 bytes (24-byte chunks); T is the driver's variable.
 */
#include "bst.h"

const char tb_name[] = "avl";
const enum tb_order tb_insert_order = TB_STEP7;
const enum tb_delete tb_delete_kind = TB_DELETE_NONE;

struct AvlNode {
    int Element;
    Ptr Left;
    Ptr Right;
    int Height;
};

#define N(p) AT(struct AvlNode, p)

static Ptr T = NIL;

static int Height(Ptr P)
{
    return P == NIL ? -1 : N(P)->Height;
}

static int Max(int Lhs, int Rhs)
{
    return Lhs > Rhs ? Lhs : Rhs;
}

/* K2 has a left child: rotate it up; update heights, return the new root. */
static Ptr SingleRotateWithLeft(Ptr K2)
{
    Ptr K1 = N(K2)->Left;
    N(K2)->Left = N(K1)->Right;
    N(K1)->Right = K2;
    N(K2)->Height = Max(Height(N(K2)->Left), Height(N(K2)->Right)) + 1;
    N(K1)->Height = Max(Height(N(K1)->Left), N(K2)->Height) + 1;
    return K1;
}

static Ptr SingleRotateWithRight(Ptr K1)
{
    Ptr K2 = N(K1)->Right;
    N(K1)->Right = N(K2)->Left;
    N(K2)->Left = K1;
    N(K1)->Height = Max(Height(N(K1)->Left), Height(N(K1)->Right)) + 1;
    N(K2)->Height = Max(Height(N(K2)->Right), N(K1)->Height) + 1;
    return K2;
}

static Ptr DoubleRotateWithLeft(Ptr K3)
{
    N(K3)->Left = SingleRotateWithRight(N(K3)->Left);
    return SingleRotateWithLeft(K3);
}

static Ptr DoubleRotateWithRight(Ptr K1)
{
    N(K1)->Right = SingleRotateWithLeft(N(K1)->Right);
    return SingleRotateWithRight(K1);
}

static Ptr Insert(int X, Ptr T)
{
    if (T == NIL) {
        T = tb_malloc(sizeof(struct AvlNode));
        N(T)->Element = X;
        N(T)->Height = 0;
        N(T)->Left = N(T)->Right = NIL;
    } else if (X < N(T)->Element) {
        N(T)->Left = Insert(X, N(T)->Left);
        if (Height(N(T)->Left) - Height(N(T)->Right) == 2) {
            if (X < N(N(T)->Left)->Element)
                T = SingleRotateWithLeft(T);
            else
                T = DoubleRotateWithLeft(T);
        }
    } else if (X > N(T)->Element) {
        N(T)->Right = Insert(X, N(T)->Right);
        if (Height(N(T)->Right) - Height(N(T)->Left) == 2) {
            if (X > N(N(T)->Right)->Element)
                T = SingleRotateWithRight(T);
            else
                T = DoubleRotateWithRight(T);
        }
    }
    /* Else X is in the tree already; we'll do nothing */
    N(T)->Height = Max(Height(N(T)->Left), Height(N(T)->Right)) + 1;
    return T;
}

void tb_init(unsigned long n)
{
    (void)n;
    T = NIL;
}

void tb_insert(int key)
{
    T = Insert(key, T);
}

int tb_delete(int key)
{
    (void)key;
    return 0;
}

/* Heights: every stored height is the recomputed one and every balance factor is -1..1. */
static unsigned long s_bad;

static int check_heights(Ptr t, unsigned long depth)
{
    if (t == NIL || depth > 64)
        return -1;
    int l = check_heights(N(t)->Left, depth + 1), r = check_heights(N(t)->Right, depth + 1);
    int h = Max(l, r) + 1;
    if (N(t)->Height != h || l - r > 1 || r - l > 1)
        s_bad++;
    return h;
}

static struct tb_bst_result s_walk;

unsigned long tb_check(void)
{
    unsigned long bad = tb_bst_walk(T, NIL, &s_walk);
    if (bad)
        return bad;
    s_bad = 0;
    check_heights(T, 0);
    return s_bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_bst_walk(T, NIL, &s_walk);
    *count = s_walk.count;
    *digest = s_walk.digest;
}
