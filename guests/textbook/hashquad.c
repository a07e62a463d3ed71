/*
 * hashquad.c - Weiss's open-addressing hash table with quadratic probing (hashquad.c, Fig.
 * 5.14-5.17, 5.22): a HashTbl {TableSize, TheCells} in the heap and an array of cells
 * {Element, Info}; InitializeTable marks every cell Empty; Find probes h, h + 1, h + 4, ...
 * (CurrentPos += 2 * ++CollisionNum - 1); Insert stores Info = Legitimate and the element;
 * Rehash builds a table of NextPrime(2 x the old size) and reinserts every key, then frees the
 * old cells (the old HashTbl is left behind, as in the book). No delete in Table 2.
 * Driver (testhash.c): InitializeTable(13), keys j = 0, j += 71, and before the i-th insert,
 * when i > CurrentSize / 2, H = Rehash(H) and CurrentSize *= 2 (the driver's own size counter):
 * the rehash runs in the transaction of the insert that triggers it.
 * Layout: cells of 8 bytes.
 */
#include "tb.h"

const char tb_name[] = "hashquad";
const enum tb_order tb_insert_order = TB_STEP71;
const enum tb_delete tb_delete_kind = TB_DELETE_NONE;

#define MinTableSize 10

enum KindOfEntry { Legitimate, Empty, Deleted };

struct HashEntry {
    int Element;
    enum KindOfEntry Info;
};

struct HashTbl {
    int TableSize;
    Ptr TheCells;
};

#define T(h) AT(struct HashTbl, h)
#define CELL(h, i) (AT(struct HashEntry, T(h)->TheCells)[i])

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
    T(H)->TableSize = NextPrime(TableSize);
    T(H)->TheCells = tb_malloc(sizeof(struct HashEntry) * (unsigned long)T(H)->TableSize);
    for (i = 0; i < T(H)->TableSize; i++)
        CELL(H, i).Info = Empty;
    return H;
}

static int Find(int Key, Ptr H)
{
    int CurrentPos, CollisionNum = 0;
    CurrentPos = Hash(Key, T(H)->TableSize);
    while (CELL(H, CurrentPos).Info != Empty && CELL(H, CurrentPos).Element != Key) {
        CurrentPos += 2 * ++CollisionNum - 1;
        if (CurrentPos >= T(H)->TableSize)
            CurrentPos -= T(H)->TableSize;
    }
    return CurrentPos;
}

static void Insert(int Key, Ptr H)
{
    int Pos = Find(Key, H);
    if (CELL(H, Pos).Info != Legitimate) { /* OK to insert here */
        CELL(H, Pos).Info = Legitimate;
        CELL(H, Pos).Element = Key;
    }
}

static Ptr Rehash(Ptr H)
{
    int i, OldSize;
    Ptr OldCells;
    OldCells = T(H)->TheCells;
    OldSize = T(H)->TableSize;
    /* Get a new, empty table */
    H = InitializeTable(2 * OldSize);
    /* Scan through old table, reinserting into new */
    for (i = 0; i < OldSize; i++)
        if (AT(struct HashEntry, OldCells)[i].Info == Legitimate)
            Insert(AT(struct HashEntry, OldCells)[i].Element, H);
    tb_free(OldCells);
    return H;
}

/* testhash.c's own counters: the inserts made and its size, doubled at every rehash. */
static unsigned long s_inserted, s_current_size;

void tb_init(unsigned long n)
{
    (void)n;
    s_current_size = 13;
    H = InitializeTable((int)s_current_size);
}

void tb_insert(int key)
{
    if (s_inserted > s_current_size / 2) {
        H = Rehash(H);
        s_current_size *= 2;
    }
    Insert(key, H);
    s_inserted++;
}

int tb_delete(int key)
{
    (void)key;
    return 0;
}

/* A prime size, Info values in range, every key found by Find where it is (so no Empty cell
 * and no other copy before it on its probe sequence), fewer keys than cells. */
static unsigned long s_count, s_digest;

unsigned long tb_check(void)
{
    unsigned long bad = 0;
    int size = T(H)->TableSize;
    s_count = s_digest = 0;
    bad += NextPrime(size) != size;
    for (int i = 0; i < size; i++) {
        enum KindOfEntry info = CELL(H, i).Info;
        if (info != Legitimate && info != Empty)
            bad++;
        if (info != Legitimate)
            continue;
        s_count++;
        s_digest += tb_mix((unsigned long)(unsigned int)CELL(H, i).Element);
        bad += Find(CELL(H, i).Element, H) != i;
    }
    return bad + (s_count >= (unsigned long)size);
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    tb_check();
    *count = s_count;
    *digest = s_digest;
}
