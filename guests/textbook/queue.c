/*
 * queue.c - Weiss's array queue (queue.c, Fig. 3.57-3.60): a QueueRecord {Capacity, Front, Rear,
 * Size, Array} in the heap and the circular array allocated after it; Enqueue stores Size, Rear
 * and the element; Dequeue stores Size and Front. Driver (testque.c): CreateQueue(N), Enqueue(i)
 * for i = 0 .. N-1, then Dequeue until empty, checking that the i-th one returns i (the book's
 * FrontAndDequeue). Layout: 20-byte record, 4-byte elements.
 */
#include "tb.h"

const char tb_name[] = "queue";
const enum tb_order tb_insert_order = TB_ASCENDING;
const enum tb_delete tb_delete_kind = TB_DELETE_MIN;

struct QueueRecord {
    int Capacity;
    int Front;
    int Rear;
    int Size;
    Ptr Array;
};

static Ptr Q = NIL;

#define QR AT(struct QueueRecord, Q)
#define A(i) (AT(int, QR->Array)[i])

static void MakeEmpty(Ptr Q)
{
    AT(struct QueueRecord, Q)->Size = 0;
    AT(struct QueueRecord, Q)->Front = 1;
    AT(struct QueueRecord, Q)->Rear = 0;
}

static Ptr CreateQueue(int MaxElements)
{
    Ptr Q = tb_malloc(sizeof(struct QueueRecord));
    AT(struct QueueRecord, Q)->Array = tb_malloc(sizeof(int) * (unsigned long)MaxElements);
    AT(struct QueueRecord, Q)->Capacity = MaxElements;
    MakeEmpty(Q);
    return Q;
}

static int Succ(int Value)
{
    if (++Value == QR->Capacity)
        Value = 0;
    return Value;
}

static void Enqueue(int X)
{
    if (QR->Size == QR->Capacity)
        return; /* the book: Error("Full queue") */
    QR->Size++;
    QR->Rear = Succ(QR->Rear);
    A(QR->Rear) = X;
}

static int FrontAndDequeue(void)
{
    int X = A(QR->Front);
    QR->Size--;
    QR->Front = Succ(QR->Front);
    return X;
}

void tb_init(unsigned long n)
{
    Q = CreateQueue((int)n);
}

void tb_insert(int key)
{
    Enqueue(key);
}

int tb_delete(int key)
{
    if (QR->Size == 0)
        return 0; /* the book: Error("Empty queue") */
    return FrontAndDequeue() == key;
}

/* 0 <= Size <= Capacity, Front and Rear in the array and Size apart, elements increasing. */
unsigned long tb_check(void)
{
    int cap = QR->Capacity, size = QR->Size;
    if (size < 0 || size > cap || QR->Front < 0 || QR->Front >= cap || QR->Rear < 0 || QR->Rear >= cap)
        return 1;
    unsigned long bad = (QR->Front + size - 1 + cap) % cap != QR->Rear;
    for (int i = 1, at = QR->Front; i < size; i++, at = (at + 1) % cap)
        bad += A(at) >= A((at + 1) % cap);
    return bad;
}

void tb_census(unsigned long *count, unsigned long *digest)
{
    unsigned long d = 0;
    for (int i = 0, at = QR->Front; i < QR->Size; i++, at = (at + 1) % QR->Capacity)
        d += tb_mix((unsigned long)(unsigned int)A(at));
    *count = (unsigned long)QR->Size;
    *digest = d;
}
