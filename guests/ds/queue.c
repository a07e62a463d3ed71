/*
 * queue.c - linked FIFO queue (cf. Weiss ch. 3): front and rear pointers and a count in a header
 * struct in the CDA, nodes linked front to rear.
 *
 * insert: enqueue the key at the rear. Duplicates are allowed.
 * delete: dequeue from the front; the key argument is ignored. An empty queue returns 0 and
 *         changes nothing.
 * Approximate CDA words written per operation: enqueue 4 (node key, the old rear's next or the
 * front, rear, count; node next is already zero); dequeue 2-3 (front, count, rear when it
 * empties) plus the freed node's link word.
 */
#include "ds.h"

const char ds_name[] = "queue";
const int ds_supports_delete = 1;

struct node {
    unsigned long key;
    struct node *next;
};

struct queue {
    struct node *front, *rear;
    unsigned long count;
};

static struct queue *Q;

void ds_init(void)
{
    Q = cda_alloc(sizeof *Q);
}

void ds_insert(unsigned long key)
{
    struct node *n = cda_alloc(sizeof *n); /* zeroed: n->next == 0 */
    n->key = key;
    if (Q->rear)
        Q->rear->next = n;
    else
        Q->front = n;
    Q->rear = n;
    Q->count++;
}

int ds_delete(unsigned long key)
{
    (void)key;
    struct node *n = Q->front;
    if (!n)
        return 0;
    Q->front = n->next;
    if (!Q->front)
        Q->rear = 0;
    Q->count--;
    cda_free(n, sizeof *n);
    return 1;
}

unsigned long ds_check(void)
{
    unsigned long bad = 0, seen = 0;
    const unsigned char *lo = ds_cda, *hi = ds_cda + CDA_BYTES;
    struct node *last = 0;
    if ((Q->front == 0) != (Q->rear == 0))
        bad++;
    if ((Q->front == 0) != (Q->count == 0))
        bad++;
    for (struct node *n = Q->front; n; n = n->next) {
        if ((const unsigned char *)n < lo || (const unsigned char *)n >= hi) {
            bad++;
            break;
        }
        if (n->key == 0)
            bad++;
        if (++seen > Q->count) {
            bad++;
            break;
        }
        last = n;
    }
    if (seen != Q->count)
        bad++;
    if (last != Q->rear) /* the rear must be the last node reached from the front */
        bad++;
    if (Q->rear && Q->rear->next)
        bad++;
    return bad;
}

unsigned long ds_count(void)
{
    return Q->count;
}

/* Structure-dependent: keys hashed front to rear. */
unsigned long ds_digest(void)
{
    unsigned long h = 0, seen = 0;
    for (struct node *n = Q->front; n && seen++ <= Q->count; n = n->next) /* bounded: a cycle */
        h = rt_mix(h, n->key);
    return h;
}
