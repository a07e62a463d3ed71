/*
 * hashsep.c - Weiss's separate-chaining hash table (hashsep.c, Fig. 5.8-5.10): a HashTbl
 * {TableSize, TheLists} in the heap, an array of TableSize list pointers, and a header cell per
 * list; Insert finds the key in its list and, when absent, puts a new cell right after the
 * list's header. Hash(Key) = Key % TableSize. No delete in Table 2.
 * Driver (testhash.c): InitializeTable(13) (NextPrime(13) = 13 lists; the chaining table never
 * rehashes), keys j = 0, j += 71. Layout: {Element, Next}, 8 bytes (16-byte chunks).
 * Table 2 calls it hashsepchain; the guest is tb-hashsepchain.
 */
#include "tb.h"

const char tb_name[] = "hashsepchain";
const enum tb_order tb_insert_order = TB_STEP71;
const enum tb_delete tb_delete_kind = TB_DELETE_NONE;

#define MinTableSize 10

struct ListNode {
    int Element;
    Ptr Next;
};

struct HashTbl {
    int TableSize;
    Ptr TheLists;
};

#define N(p) AT(struct ListNode, p)
#define HT AT(struct HashTbl, H)
#define LIST(i) (AT(Ptr, HT->TheLists)[i])

static Ptr H = NIL;

#include "prime.h"

static int Hash(int Key, int TableSize)
{
    return Key % TableSize;
}

static Ptr InitializeTable(int TableSize)
{
    Ptr H;
    int i;
    if (TableSize < MinTableSize)
        return NIL; /* the book: Error("Table size too small") */
    H = tb_malloc(sizeof(struct HashTbl));
    HT->TableSize = NextPrime(TableSize);
    HT->TheLists = tb_malloc(sizeof(Ptr) * (unsigned long)HT->TableSize);
    /* Allocate list headers */
    for (i = 0; i < HT->TableSize; i++) {
        LIST(i) = tb_malloc(sizeof(struct ListNode));
        N(LIST(i))->Next = NIL;
    }
    return H;
}

static Ptr Find(int Key)
{
    Ptr P = N(LIST(Hash(Key, HT->TableSize)))->Next;
    while (P != NIL && N(P)->Element != Key)
        P = N(P)->Next;
    return P;
}

static void Insert(int Key)
{
    Ptr Pos = Find(Key), NewCell, L;
    if (Pos == NIL) { /* Key is not found */
        NewCell = tb_malloc(sizeof(struct ListNode));
        L = LIST(Hash(Key, HT->TableSize));
        N(NewCell)->Next = N(L)->Next;
        N(NewCell)->Element = Key;
        N(L)->Next = NewCell;
    }
}

void tb_init(unsigned long n)
{
    (void)n;
    H = InitializeTable(13);
}

void tb_insert(int key)
{
    Insert(key);
}

int tb_delete(int key)
{
    (void)key;
    return 0;
}

/* Every cell in the heap and in its own key's list, no key twice in a list, no cycle. */
static unsigned long s_count, s_digest;

unsigned long tb_check(void)
{
    unsigned long bad = 0, limit = tb_used() / 16;
    s_count = s_digest = 0;
    for (int i = 0; i < HT->TableSize; i++) {
        for (Ptr p = N(LIST(i))->Next; p != NIL; p = N(p)->Next) {
            if (!tb_valid(p) || ++s_count > limit)
                return bad + 1;
            bad += Hash(N(p)->Element, HT->TableSize) != i;
            for (Ptr q = N(p)->Next; q != NIL && bad < 16; q = N(q)->Next)
                bad += N(q)->Element == N(p)->Element;
            s_digest += tb_mix((unsigned long)(unsigned int)N(p)->Element);
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
