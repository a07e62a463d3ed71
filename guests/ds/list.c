/*
 * list.c - singly linked list (the textbook list ADT, cf. Weiss ch. 3, without a dummy header:
 * the head pointer is in a header struct in the CDA).
 *
 * insert: a new node at the head. Duplicates are allowed (each insert adds a node).
 * delete: find the first node with the key and unlink it (O(n)); an absent key returns 0 and
 *         changes nothing.
 * Approximate CDA words written per operation: insert 4 (node key and next, head, count);
 * delete 2 (the predecessor's next or the head, count) plus the freed node's link word.
 */
#include "ds.h"

const char ds_name[] = "list";
const int ds_supports_delete = 1;

struct node {
    unsigned long key;
    struct node *next;
};

struct list {
    struct node *head;
    unsigned long count;
};

static struct list *L;

void ds_init(void)
{
    L = cda_alloc(sizeof *L);
}

void ds_insert(unsigned long key)
{
    struct node *n = cda_alloc(sizeof *n);
    n->key = key;
    n->next = L->head;
    L->head = n;
    L->count++;
}

int ds_delete(unsigned long key)
{
    struct node **link = &L->head;
    while (*link && (*link)->key != key)
        link = &(*link)->next;
    struct node *n = *link;
    if (!n)
        return 0;
    *link = n->next;
    L->count--;
    cda_free(n, sizeof *n);
    return 1;
}

unsigned long ds_check(void)
{
    unsigned long bad = 0, seen = 0;
    const unsigned char *lo = ds_cda, *hi = ds_cda + CDA_BYTES;
    for (struct node *n = L->head; n; n = n->next) {
        if ((const unsigned char *)n < lo || (const unsigned char *)n >= hi) {
            bad++; /* a link out of the CDA */
            break;
        }
        if (n->key == 0)
            bad++;
        if (++seen > L->count) { /* longer than counted (or a cycle) */
            bad++;
            break;
        }
    }
    if (seen != L->count)
        bad++;
    return bad;
}

unsigned long ds_count(void)
{
    return L->count;
}

/* Structure-dependent: keys hashed in list order, head first. */
unsigned long ds_digest(void)
{
    unsigned long h = 0, seen = 0;
    for (struct node *n = L->head; n && seen++ <= L->count; n = n->next) /* bounded: a cycle */
        h = rt_mix(h, n->key);
    return h;
}
