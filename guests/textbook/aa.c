/*
 * aa.c - Weiss's AA tree (aatree.c, Fig. 12.26-12.33): a NullNode sentinel of level 0 in the
 * heap; recursive Insert storing the returned subtree back at every level, then Skew and Split
 * at every node on the way up; Remove as Andersson's: go down remembering the last node and the
 * node to delete, copy the last node's element into it at the bottom, and on the way up, where a
 * level dropped, lower it and skew and split around it (three skews, two splits).
 * Driver (testaa.c): keys (j + 7) % N, then Remove(i) in ascending order.
 * Layout: {Element, Left, Right, Level}, 16 bytes (24-byte chunks); T is the driver's variable,
 * DeletePtr and LastPtr are Remove's static variables (program data, not heap).
 */
#include "bst.h"

const char tb_name[] = "aa";
const enum tb_order tb_insert_order = TB_STEP7;
const enum tb_delete tb_delete_kind = TB_DELETE_ASCENDING;

struct AANode {
    int Element;
    Ptr Left;
    Ptr Right;
    int Level;
};

#define N(p) AT(struct AANode, p)

static Ptr NullNode = NIL;
static Ptr T = NIL;

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

/* If T's left child is on the same level as T, perform a rotation. */
static Ptr Skew(Ptr T)
{
    if (N(N(T)->Left)->Level == N(T)->Level)
        T = SingleRotateWithLeft(T);
    return T;
}

/* If T's rightmost grandchild is on the same level, rotate the right child up. */
static Ptr Split(Ptr T)
{
    if (N(N(N(T)->Right)->Right)->Level == N(T)->Level) {
        T = SingleRotateWithRight(T);
        N(T)->Level++;
    }
    return T;
}

static Ptr Insert(int Item, Ptr T)
{
    if (T == NullNode) {
        /* Create and return a one-node tree */
        T = tb_malloc(sizeof(struct AANode));
        N(T)->Element = Item;
        N(T)->Level = 1;
        N(T)->Left = N(T)->Right = NullNode;
        return T;
    } else if (Item < N(T)->Element)
        N(T)->Left = Insert(Item, N(T)->Left);
    else if (Item > N(T)->Element)
        N(T)->Right = Insert(Item, N(T)->Right);
    /* Otherwise it's a duplicate; do nothing */

    T = Skew(T);
    T = Split(T);
    return T;
}

static int s_removed;
static Ptr DeletePtr, LastPtr;

static Ptr Remove(int Item, Ptr T)
{
    if (T != NullNode) {
        /* Step 1: Search down tree; set LastPtr and DeletePtr */
        LastPtr = T;
        if (Item < N(T)->Element)
            N(T)->Left = Remove(Item, N(T)->Left);
        else {
            DeletePtr = T;
            N(T)->Right = Remove(Item, N(T)->Right);
        }

        /* Step 2: If at the bottom of the tree and item is present, we remove it */
        if (T == LastPtr) {
            if (DeletePtr != NullNode && Item == N(DeletePtr)->Element) {
                N(DeletePtr)->Element = N(T)->Element;
                DeletePtr = NullNode;
                T = N(T)->Right;
                tb_free(LastPtr);
                s_removed = 1;
            }
        }

        /* Step 3: Otherwise, we are not at the bottom; rebalance */
        else if (N(N(T)->Left)->Level < N(T)->Level - 1 || N(N(T)->Right)->Level < N(T)->Level - 1) {
            if (N(N(T)->Right)->Level > --N(T)->Level)
                N(N(T)->Right)->Level = N(T)->Level;
            T = Skew(T);
            N(T)->Right = Skew(N(T)->Right);
            N(N(T)->Right)->Right = Skew(N(N(T)->Right)->Right);
            T = Split(T);
            N(T)->Right = Split(N(T)->Right);
        }
    }
    return T;
}

void tb_init(unsigned long n)
{
    (void)n;
    NullNode = tb_malloc(sizeof(struct AANode));
    N(NullNode)->Left = N(NullNode)->Right = NullNode;
    N(NullNode)->Level = 0;
    /* The book leaves DeletePtr to its first assignment (every Remove of a present key makes
     * one); starting it at the sentinel keeps a Remove of an absent key harmless. */
    DeletePtr = NullNode;
    T = NullNode;
}

void tb_insert(int key)
{
    T = Insert(key, T);
}

int tb_delete(int key)
{
    s_removed = 0;
    T = Remove(key, T);
    return s_removed;
}

/* AA levels: a leaf's is 1; a left child is one level lower than its parent; a right child the
 * same or one lower; a right grandchild strictly lower; a node above level 1 has two children. */
static unsigned long s_bad;

static void check_levels(Ptr t, unsigned long depth)
{
    if (t == NullNode || depth > 128) {
        s_bad += depth > 128;
        return;
    }
    Ptr l = N(t)->Left, r = N(t)->Right;
    int lv = N(t)->Level;
    if (l == NullNode && r == NullNode && lv != 1)
        s_bad++;
    if (N(l)->Level != lv - 1 && !(l == NullNode && lv == 1))
        s_bad++;
    if (N(r)->Level != lv && N(r)->Level != lv - 1)
        s_bad++;
    if (r != NullNode && N(N(r)->Right)->Level >= lv)
        s_bad++;
    if (lv > 1 && (l == NullNode || r == NullNode))
        s_bad++;
    check_levels(l, depth + 1);
    check_levels(r, depth + 1);
}

static struct tb_bst_result s_walk;

unsigned long tb_check(void)
{
    unsigned long bad = tb_bst_walk(T, NullNode, &s_walk);
    if (bad)
        return bad;
    s_bad = N(NullNode)->Level != 0 || N(NullNode)->Left != NullNode || N(NullNode)->Right != NullNode;
    check_levels(T, 0);
    return s_bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_bst_walk(T, NullNode, &s_walk);
    *count = s_walk.count;
    *digest = s_walk.digest;
}
