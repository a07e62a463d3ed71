/*
 * leftheap.c - Weiss's leftist heap (leftheap.c, Fig. 6.25-6.29): Merge compares the roots and
 * Merge1 merges the larger-rooted heap into the smaller root's right subtree, recursively,
 * storing H1->Right back, swapping the children when the left's null path length falls below
 * the right's, and storing Npl at every level; Insert1 merges a one-node heap; DeleteMin1 frees
 * the root and merges its subtrees. Driver (testleft.c, our choice of order: README.md): keys
 * j = N/2, (j + 71) % N, as testheap.c, then DeleteMin until empty, checking that the i-th one
 * returns i. Layout: {Element, Left, Right, Npl}, 16 bytes (24-byte chunks); H is the driver's.
 */
#include "tb.h"

const char tb_name[] = "leftheap";
const enum tb_order tb_insert_order = TB_STEP71_HALF;
const enum tb_delete tb_delete_kind = TB_DELETE_MIN;

struct TreeNode {
    int Element;
    Ptr Left;
    Ptr Right;
    int Npl;
};

#define N(p) AT(struct TreeNode, p)

static Ptr H = NIL;

static Ptr Merge1(Ptr H1, Ptr H2);

static Ptr Merge(Ptr H1, Ptr H2)
{
    if (H1 == NIL)
        return H2;
    if (H2 == NIL)
        return H1;
    if (N(H1)->Element < N(H2)->Element)
        return Merge1(H1, H2);
    else
        return Merge1(H2, H1);
}

static void SwapChildren(Ptr H)
{
    Ptr Tmp = N(H)->Left;
    N(H)->Left = N(H)->Right;
    N(H)->Right = Tmp;
}

static Ptr Merge1(Ptr H1, Ptr H2)
{
    if (N(H1)->Left == NIL) /* Single node */
        N(H1)->Left = H2;   /* H1->Right is already NULL, H1->Npl is already 0 */
    else {
        N(H1)->Right = Merge(N(H1)->Right, H2);
        if (N(N(H1)->Left)->Npl < N(N(H1)->Right)->Npl)
            SwapChildren(H1);
        N(H1)->Npl = N(N(H1)->Right)->Npl + 1;
    }
    return H1;
}

static Ptr Insert1(int X, Ptr H)
{
    Ptr SingleNode = tb_malloc(sizeof(struct TreeNode));
    N(SingleNode)->Element = X;
    N(SingleNode)->Npl = 0;
    N(SingleNode)->Left = N(SingleNode)->Right = NIL;
    H = Merge(SingleNode, H);
    return H;
}

/* DeleteMin1 returns the new tree; the book's DeleteMin macro reads the minimum first. */
static Ptr DeleteMin1(Ptr H)
{
    Ptr LeftHeap, RightHeap;
    LeftHeap = N(H)->Left;
    RightHeap = N(H)->Right;
    tb_free(H);
    return Merge(LeftHeap, RightHeap);
}

void tb_init(unsigned long n)
{
    (void)n;
    H = NIL; /* Initialize() */
}

void tb_insert(int key)
{
    H = Insert1(key, H);
}

int tb_delete(int key)
{
    if (H == NIL)
        return 0;
    int min = N(H)->Element; /* FindMin(H) */
    H = DeleteMin1(H);
    return min == key;
}

/* Heap order, the leftist property npl(left) >= npl(right), every stored Npl = 1 + npl(right)
 * (a node without a left child has none on the right and Npl 0). */
static unsigned long s_bad, s_count, s_digest;

static int npl(Ptr t)
{
    return t == NIL ? -1 : N(t)->Npl;
}

static void walk(Ptr t, unsigned long depth)
{
    if (t == NIL)
        return;
    if (!tb_valid(t) || depth > 1000000 || ++s_count > tb_used() / 16) {
        s_bad++;
        return;
    }
    s_digest += tb_mix((unsigned long)(unsigned int)N(t)->Element);
    Ptr l = N(t)->Left, r = N(t)->Right;
    if ((l != NIL && N(l)->Element < N(t)->Element) || (r != NIL && N(r)->Element < N(t)->Element))
        s_bad++;
    if (npl(l) < npl(r) || N(t)->Npl != npl(r) + 1)
        s_bad++;
    walk(l, depth + 1);
    walk(r, depth + 1);
}

unsigned long tb_check(void)
{
    s_bad = s_count = s_digest = 0;
    walk(H, 0);
    return s_bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_check();
    *count = s_count;
    *digest = s_digest;
}
