/*
 * list.c - Weiss's singly linked list with a header node (list.c, Fig. 3.8-3.16): Insert(X, L, P)
 * puts a new cell after position P (TmpCell->Element, TmpCell->Next = P->Next, P->Next =
 * TmpCell); Delete(X, L) finds X's predecessor (FindPrevious) and unlinks X's cell (P->Next =
 * TmpCell->Next; free). Driver (testlist.c): the header from MakeEmpty, Insert(i, L, P) with
 * P = Advance(P) after each (the keys 0 .. N-1 appended in order), then Delete(i) for i = 0 ..
 * N-1 (testlist.c deletes in ascending order; we delete every key). Layout: {Element, Next},
 * 8 bytes (16-byte chunks); L, the header's address, and P are the driver's variables.
 */
#include "tb.h"

const char tb_name[] = "list";
const enum tb_order tb_insert_order = TB_ASCENDING;
const enum tb_delete tb_delete_kind = TB_DELETE_ASCENDING;

struct Node {
    int Element;
    Ptr Next;
};

#define N(p) AT(struct Node, p)

static Ptr L = NIL, P = NIL;

static Ptr MakeEmpty(void)
{
    Ptr L = tb_malloc(sizeof(struct Node));
    N(L)->Next = NIL;
    return L;
}

/* Insert (after legal position P); header implementation assumed. */
static void Insert(int X, Ptr L, Ptr P)
{
    (void)L;
    Ptr TmpCell = tb_malloc(sizeof(struct Node));
    N(TmpCell)->Element = X;
    N(TmpCell)->Next = N(P)->Next;
    N(P)->Next = TmpCell;
}

/* If X is not found, then Next field of returned Position is NULL. */
static Ptr FindPrevious(int X, Ptr L)
{
    Ptr P = L;
    while (N(P)->Next != NIL && N(N(P)->Next)->Element != X)
        P = N(P)->Next;
    return P;
}

static int Delete(int X, Ptr L)
{
    Ptr P = FindPrevious(X, L), TmpCell;
    if (N(P)->Next != NIL) { /* !IsLast(P, L): X is found; delete it */
        TmpCell = N(P)->Next;
        N(P)->Next = N(TmpCell)->Next; /* Bypass deleted cell */
        tb_free(TmpCell);
        return 1;
    }
    return 0;
}

void tb_init(unsigned long n)
{
    (void)n;
    L = MakeEmpty();
    P = L; /* P = Header(L) */
}

void tb_insert(int key)
{
    Insert(key, L, P);
    P = N(P)->Next; /* P = Advance(P) */
}

int tb_delete(int key)
{
    return Delete(key, L);
}

/* Cells inside the heap, no cycle, keys strictly increasing (appended in order). */
static unsigned long s_count, s_digest;

unsigned long tb_check(void)
{
    unsigned long bad = 0, limit = tb_used() / 16;
    long prev = -1;
    s_count = s_digest = 0;
    for (Ptr p = N(L)->Next; p != NIL; p = N(p)->Next) {
        if (!tb_valid(p) || ++s_count > limit)
            return bad + 1;
        if ((long)N(p)->Element <= prev)
            bad++;
        prev = N(p)->Element;
        s_digest += tb_mix((unsigned long)(unsigned int)N(p)->Element);
    }
    return bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_check();
    *count = s_count;
    *digest = s_digest;
}
