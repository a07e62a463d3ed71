/*
 * heap.c - binary min-heap in an array (the textbook priority queue, cf. Weiss ch. 6).
 *
 * Elements live in a 1-based array in the CDA; slot 0 holds a sentinel 0 that is smaller than
 * every key (keys are >= 1), so percolate-up needs no bounds test. The array grows by doubling
 * (a fresh cda_alloc'd array, contents copied; the old one is abandoned). The size, capacity and
 * array pointer live in a header in the CDA.
 *
 * insert: percolate the hole up, place the key. Duplicates are allowed.
 * delete: deleteMin - the key argument is ignored; the smallest key is removed. An empty heap
 *         returns 0 and changes nothing.
 * Approximate CDA words written per operation: insert 1 (size) + 1 per level the hole moves up
 * + 1 (the key), about 2-4 for random keys; deleteMin 1 (size) + ~log2(n) (hole moving down)
 * + 1, about 14-16 for n = 10000.
 */
#include "ds.h"

const char ds_name[] = "heap";
const int ds_supports_delete = 1;

#define HEAP_INITIAL 1024ul

struct heap {
    unsigned long size;     /* number of keys, in a[1..size] */
    unsigned long capacity; /* usable slots: a[1..capacity] */
    unsigned long *a;       /* a[0] is the sentinel */
};

static struct heap *H;

void ds_init(void)
{
    H = cda_alloc(sizeof *H);
    H->capacity = HEAP_INITIAL;
    H->a = cda_alloc((H->capacity + 1) * sizeof(unsigned long));
    H->a[0] = 0; /* sentinel */
    H->size = 0;
}

static void grow(void)
{
    unsigned long ncap = H->capacity * 2;
    unsigned long *na = cda_alloc((ncap + 1) * sizeof(unsigned long));
    memcpy(na, H->a, (H->size + 1) * sizeof(unsigned long));
    cda_free(H->a, (H->capacity + 1) * sizeof(unsigned long));
    H->a = na;
    H->capacity = ncap;
}

void ds_insert(unsigned long key)
{
    if (H->size == H->capacity)
        grow();
    unsigned long *a = H->a;
    unsigned long i = ++H->size;
    for (; a[i / 2] > key; i /= 2) /* stops at the sentinel a[0] = 0 */
        a[i] = a[i / 2];
    a[i] = key;
}

int ds_delete(unsigned long key)
{
    (void)key;
    if (H->size == 0)
        return 0;
    unsigned long *a = H->a;
    unsigned long last = a[H->size--];
    unsigned long n = H->size, i, child;
    for (i = 1; i * 2 <= n; i = child) {
        child = i * 2;
        if (child != n && a[child + 1] < a[child])
            child++;
        if (last > a[child])
            a[i] = a[child];
        else
            break;
    }
    if (n > 0)
        a[i] = last;
    return 1;
}

unsigned long ds_check(void)
{
    unsigned long bad = 0;
    if (!H || !H->a)
        return 1;
    if (H->size > H->capacity)
        return 1;
    if (H->a[0] != 0)
        bad++;
    for (unsigned long i = 1; i <= H->size; i++) {
        if (H->a[i] == 0) /* keys are >= 1 */
            bad++;
        if (i > 1 && H->a[i / 2] > H->a[i])
            bad++;
    }
    return bad;
}

unsigned long ds_count(void)
{
    return H->size;
}

/* Order-independent: a sum of mixed keys. */
unsigned long ds_digest(void)
{
    unsigned long h = 0;
    for (unsigned long i = 1; i <= H->size; i++)
        h += ds_key_mix(H->a[i]);
    return h;
}
