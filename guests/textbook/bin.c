/*
 * bin.c - Weiss's binomial queue (binomial.c, Fig. 6.52-6.56): a BinQueue {CurrentSize,
 * TheTrees[MaxTrees]} in the heap, trees as left-child/next-sibling nodes; Insert allocates the
 * node and a whole one-item queue (Initialize stores its size and every tree slot) and merges it
 * into H; Merge adds the sizes and runs its carry loop over every tree slot up to log2 of the
 * new size ("not optimized for early termination"), clearing the one-item queue's slots as it
 * takes its trees. The one-item queue is never freed (as in the book). Table 2 has insert only.
 * Driver (testbin.c): keys j = N/2, (j + 71) % N.
 * Layout: {Element, LeftChild, NextSibling}, 12 bytes (16-byte chunks); a queue is 4 + 4 x 14
 * bytes (MaxTrees 14: capacity 16383).
 */
#include "tb.h"

const char tb_name[] = "bin";
const enum tb_order tb_insert_order = TB_STEP71_HALF;
const enum tb_delete tb_delete_kind = TB_DELETE_NONE;

#define MaxTrees 14
#define Capacity 16383

struct BinNode {
    int Element;
    Ptr LeftChild;
    Ptr NextSibling;
};

struct Collection {
    int CurrentSize;
    Ptr TheTrees[MaxTrees];
};

#define N(p) AT(struct BinNode, p)
#define Q(p) AT(struct Collection, p)

static Ptr H = NIL;

static Ptr Initialize(void)
{
    Ptr H = tb_malloc(sizeof(struct Collection));
    Q(H)->CurrentSize = 0;
    for (int i = 0; i < MaxTrees; i++)
        Q(H)->TheTrees[i] = NIL;
    return H;
}

/* Return the result of merging equal-sized T1 and T2 */
static Ptr CombineTrees(Ptr T1, Ptr T2)
{
    if (N(T1)->Element > N(T2)->Element)
        return CombineTrees(T2, T1);
    N(T2)->NextSibling = N(T1)->LeftChild;
    N(T1)->LeftChild = T2;
    return T1;
}

/* Merge two binomial queues; not optimized for early termination. H1 contains the result. */
static Ptr Merge(Ptr H1, Ptr H2)
{
    Ptr T1, T2, Carry = NIL;
    int i, j;
    if (Q(H1)->CurrentSize + Q(H2)->CurrentSize > Capacity)
        return H1; /* the book: Error("Merge would exceed capacity") */
    Q(H1)->CurrentSize += Q(H2)->CurrentSize;
    for (i = 0, j = 1; j <= Q(H1)->CurrentSize; i++, j *= 2) {
        T1 = Q(H1)->TheTrees[i];
        T2 = Q(H2)->TheTrees[i];
        switch (!!T1 + 2 * !!T2 + 4 * !!Carry) {
        case 0: /* No trees */
        case 1: /* Only H1 */
            break;
        case 2: /* Only H2 */
            Q(H1)->TheTrees[i] = T2;
            Q(H2)->TheTrees[i] = NIL;
            break;
        case 4: /* Only Carry */
            Q(H1)->TheTrees[i] = Carry;
            Carry = NIL;
            break;
        case 3: /* H1 and H2 */
            Carry = CombineTrees(T1, T2);
            Q(H1)->TheTrees[i] = Q(H2)->TheTrees[i] = NIL;
            break;
        case 5: /* H1 and Carry */
            Carry = CombineTrees(T1, Carry);
            Q(H1)->TheTrees[i] = NIL;
            break;
        case 6: /* H2 and Carry */
            Carry = CombineTrees(T2, Carry);
            Q(H2)->TheTrees[i] = NIL;
            break;
        case 7: /* All three */
            Q(H1)->TheTrees[i] = Carry;
            Carry = CombineTrees(T1, T2);
            Q(H2)->TheTrees[i] = NIL;
            break;
        }
    }
    return H1;
}

static Ptr Insert(int Item, Ptr H)
{
    Ptr NewNode = tb_malloc(sizeof(struct BinNode));
    N(NewNode)->LeftChild = N(NewNode)->NextSibling = NIL;
    N(NewNode)->Element = Item;
    Ptr OneItem = Initialize();
    Q(OneItem)->CurrentSize = 1;
    Q(OneItem)->TheTrees[0] = NewNode;
    return Merge(H, OneItem);
}

void tb_init(unsigned long n)
{
    (void)n;
    H = Initialize();
}

void tb_insert(int key)
{
    H = Insert(key, H);
}

int tb_delete(int key)
{
    (void)key;
    return 0;
}

/* Trees exactly at the set bits of CurrentSize; each root has no sibling; a B_k root's children
 * are B_(k-1) .. B_0 in that order, each a binomial tree of its own; heap order. */
static unsigned long s_bad, s_digest;

static unsigned long tree(Ptr t, int k, unsigned long depth)
{
    if (!tb_valid(t) || depth > 64) {
        s_bad++;
        return 0;
    }
    s_digest += tb_mix((unsigned long)(unsigned int)N(t)->Element);
    unsigned long nodes = 1;
    Ptr c = N(t)->LeftChild;
    for (int j = k - 1; j >= 0; j--) {
        if (c == NIL) {
            s_bad++;
            return nodes;
        }
        if (N(c)->Element < N(t)->Element)
            s_bad++;
        unsigned long sub = tree(c, j, depth + 1);
        if (sub != 1ul << j)
            s_bad++;
        nodes += sub;
        c = N(c)->NextSibling;
    }
    if (c != NIL)
        s_bad++;
    return nodes;
}

static unsigned long s_count;

unsigned long tb_check(void)
{
    s_bad = s_digest = s_count = 0;
    unsigned long size = (unsigned long)Q(H)->CurrentSize;
    for (int k = 0; k < MaxTrees; k++) {
        Ptr t = Q(H)->TheTrees[k];
        if ((t != NIL) != ((size >> k) & 1)) {
            s_bad++;
            continue;
        }
        if (t == NIL)
            continue;
        if (N(t)->NextSibling != NIL)
            s_bad++;
        s_count += tree(t, k, 0);
    }
    return s_bad + (s_count != size);
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_check();
    *count = s_count;
    *digest = s_digest;
}
