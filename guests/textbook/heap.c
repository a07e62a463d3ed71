/*
 * heap.c - Weiss's binary heap (binheap.c, Fig. 6.4-6.12): a HeapStruct {Capacity, Size,
 * Elements} in the heap, the array of Capacity + 1 elements allocated after it with a sentinel
 * (MinData) in Elements[0]; Insert percolates a hole up (++H->Size, one store per level moved,
 * then the element), DeleteMin percolates the hole down from the root (H->Size--, one store per
 * level, then the last element). Driver (testheap.c): Initialize(N), keys j = N/2,
 * (j + 71) % N, then DeleteMin until empty, checking that the i-th one returns i.
 * Layout: 12-byte HeapStruct, 4-byte elements.
 */
#include "tb.h"

const char tb_name[] = "heap";
const enum tb_order tb_insert_order = TB_STEP71_HALF;
const enum tb_delete tb_delete_kind = TB_DELETE_MIN;

#define MinData (-2147483647 - 1)

struct HeapStruct {
    int Capacity;
    int Size;
    Ptr Elements;
};

static Ptr H = NIL;

#define HS AT(struct HeapStruct, H)
#define E(i) (AT(int, HS->Elements)[i])

static Ptr Initialize(int MaxElements)
{
    Ptr H = tb_malloc(sizeof(struct HeapStruct));
    /* Allocate the array plus one extra for sentinel */
    Ptr Elements = tb_malloc((unsigned long)(MaxElements + 1) * sizeof(int));
    AT(struct HeapStruct, H)->Elements = Elements;
    AT(struct HeapStruct, H)->Capacity = MaxElements;
    AT(struct HeapStruct, H)->Size = 0;
    AT(int, Elements)[0] = MinData;
    return H;
}

static void Insert(int X)
{
    int i;
    if (HS->Size == HS->Capacity)
        return; /* the book: Error("Priority queue is full") */
    for (i = ++HS->Size; E(i / 2) > X; i /= 2)
        E(i) = E(i / 2);
    E(i) = X;
}

static int DeleteMin(void)
{
    int i, Child;
    int MinElement, LastElement;
    if (HS->Size == 0)
        return E(0); /* the book: Error("Priority queue is empty") */
    MinElement = E(1);
    LastElement = E(HS->Size--);
    for (i = 1; i * 2 <= HS->Size; i = Child) {
        /* Find smaller child */
        Child = i * 2;
        if (Child != HS->Size && E(Child + 1) < E(Child))
            Child++;
        /* Percolate one level */
        if (LastElement > E(Child))
            E(i) = E(Child);
        else
            break;
    }
    E(i) = LastElement;
    return MinElement;
}

void tb_init(unsigned long n)
{
    H = Initialize((int)n);
}

void tb_insert(int key)
{
    Insert(key);
}

int tb_delete(int key)
{
    if (HS->Size == 0)
        return 0;
    return DeleteMin() == key;
}

/* Heap order at every slot, the sentinel in place, 0 <= Size <= Capacity. */
unsigned long tb_check(void)
{
    unsigned long bad = E(0) != MinData || HS->Size < 0 || HS->Size > HS->Capacity;
    for (int i = 2; !bad && i <= HS->Size; i++)
        bad += E(i / 2) > E(i);
    return bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    unsigned long d = 0;
    for (int i = 1; i <= HS->Size; i++)
        d += tb_mix((unsigned long)(unsigned int)E(i));
    *count = (unsigned long)HS->Size;
    *digest = d;
}
