/*
 * dsl.c - Weiss's deterministic skip list (dsl.c, Fig. 10.60-10.61): the 1-2-3 skip list in
 * right/down linked form, a Bottom node (its Element set to the item being inserted) and a Tail
 * node (Element Infinity), both in the heap; Insert goes down from the top, splitting every gap
 * of three by raising its middle element one level (at the bottom level the split is the insert
 * itself), and raises the list by a new top node when the top level is no longer one gap.
 * L, Bottom and Tail are the driver's and the file's variables (program data).
 * The book has no delete, so Table 2 has insert only. Driver (testdsl.c): keys (j + 7) % N, as
 * the search trees' drivers (our choice: README.md).
 * Layout: {Element, Right, Down}, 12 bytes (16-byte chunks).
 */
#include "tb.h"

const char tb_name[] = "dsl";
const enum tb_order tb_insert_order = TB_STEP7;
const enum tb_delete tb_delete_kind = TB_DELETE_NONE;

#define Infinity 2147483647

struct SkipNode {
    int Element;
    Ptr Right;
    Ptr Down;
};

#define N(p) AT(struct SkipNode, p)

static Ptr Bottom = NIL;
static Ptr Tail = NIL;
static Ptr L = NIL;

static Ptr Initialize(void)
{
    Ptr L;
    if (Bottom == NIL) {
        Bottom = tb_malloc(sizeof(struct SkipNode));
        N(Bottom)->Right = N(Bottom)->Down = Bottom;
        Tail = tb_malloc(sizeof(struct SkipNode));
        N(Tail)->Element = Infinity;
        N(Tail)->Right = Tail;
    }
    /* Create the header node */
    L = tb_malloc(sizeof(struct SkipNode));
    N(L)->Element = Infinity;
    N(L)->Right = Tail;
    N(L)->Down = Bottom;
    return L;
}

static Ptr Insert(int Item, Ptr L)
{
    Ptr Current = L;
    Ptr NewNode;

    N(Bottom)->Element = Item;
    while (Current != Bottom) {
        while (Item > N(Current)->Element)
            Current = N(Current)->Right;

        /* If gap size is 3 or at bottom level and must insert, then promote middle element */
        if (N(Current)->Element > N(N(N(N(Current)->Down)->Right)->Right)->Element) {
            NewNode = tb_malloc(sizeof(struct SkipNode));
            N(NewNode)->Right = N(Current)->Right;
            N(NewNode)->Down = N(N(N(Current)->Down)->Right)->Right;
            N(NewNode)->Element = N(Current)->Element;
            N(Current)->Right = NewNode;
            N(Current)->Element = N(N(N(Current)->Down)->Right)->Element;
        } else
            Current = N(Current)->Down;
    }

    /* Raise height of DSL if necessary */
    if (N(L)->Right != Tail) {
        NewNode = tb_malloc(sizeof(struct SkipNode));
        N(NewNode)->Down = L;
        N(NewNode)->Right = Tail;
        N(NewNode)->Element = Infinity;
        L = NewNode;
    }
    return L;
}

void tb_init(unsigned long n)
{
    (void)n;
    L = Initialize();
}

void tb_insert(int key)
{
    L = Insert(key, L);
}

int tb_delete(int key)
{
    (void)key;
    return 0;
}

/*
 * The 1-2-3 rules, level by level from the top: the top level is the header alone (Element
 * Infinity, Right = Tail); along every level the elements increase strictly and end at Tail;
 * every node's Down is the first node of its span on the level below, which ends at the node
 * holding the same element and has 1..3 elements before it (the book's gap of 1, 2 or 3: the
 * elements between two consecutive nodes of the level above); the spans tile the level below;
 * the bottom level's Down links are Bottom.
 */
static unsigned long s_count, s_digest;

unsigned long tb_check(void)
{
    unsigned long bad = 0, limit = tb_used() / 16 + 1;
    s_count = s_digest = 0;
    if (N(L)->Right != Tail || N(L)->Element != Infinity || N(Tail)->Element != Infinity)
        bad++;
    for (Ptr level = L; level != Bottom && bad == 0; level = N(level)->Down) {
        int bottom = N(N(level)->Down)->Right == N(level)->Down && N(level)->Down == Bottom;
        Ptr below = N(level)->Down;
        long prev = -1;
        unsigned long seen = 0;
        for (Ptr x = level; x != Tail; x = N(x)->Right) {
            if (!tb_valid(x) || ++seen > limit)
                return bad + 1;
            if ((long)N(x)->Element <= prev)
                bad++;
            prev = N(x)->Element;
            if (bottom) {
                if (N(x)->Down != Bottom)
                    bad++;
                if (N(x)->Element != Infinity) {
                    s_count++;
                    s_digest += tb_mix((unsigned long)(unsigned int)N(x)->Element);
                }
                continue;
            }
            /* The gap below x: from `below` up to the node holding x's element. */
            if (N(x)->Down != below)
                bad++;
            unsigned long gap = 0;
            Ptr y = below;
            while (y != Tail && N(y)->Element < N(x)->Element && gap < 5) {
                y = N(y)->Right;
                gap++;
            }
            if (y == Tail || N(y)->Element != N(x)->Element || gap < 1 || gap > 3)
                bad++;
            else
                below = N(y)->Right;
        }
    }
    return bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_check();
    *count = s_count;
    *digest = s_digest;
}
