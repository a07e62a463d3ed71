/*
 * hashsepchain.c - hash table with separate chaining (cf. Weiss ch. 5): a prime-sized array of
 * chain heads in the CDA, each chain a singly linked list of nodes; hash(key) = key mod size.
 *
 * insert: if the key is already in its chain the insert is ignored (a set: no duplicates);
 *         otherwise a new node goes at the head of the chain.
 * delete: not one of this structure's operations (ds_supports_delete = 0).
 * Approximate CDA words written per insert of a new key: 4 (node key and next, chain head,
 * count); 0 for a present key.
 */
#include "ds.h"

const char ds_name[] = "hashsepchain";
const int ds_supports_delete = 0;

#define TABLE_SIZE 10007ul /* prime */

struct node {
    unsigned long key;
    struct node *next;
};

struct table {
    unsigned long count;
    unsigned long size;
    struct node **lists;
};

static struct table *T;

static unsigned long hash(unsigned long key)
{
    return key % T->size;
}

void ds_init(void)
{
    T = cda_alloc(sizeof *T);
    T->size = TABLE_SIZE;
    T->lists = cda_alloc(T->size * sizeof(struct node *));
}

void ds_insert(unsigned long key)
{
    struct node **head = &T->lists[hash(key)];
    for (struct node *p = *head; p; p = p->next)
        if (p->key == key)
            return; /* present: ignored */
    struct node *n = cda_alloc(sizeof *n);
    n->key = key;
    n->next = *head;
    *head = n;
    T->count++;
}

int ds_delete(unsigned long key)
{
    (void)key;
    return 0;
}

unsigned long ds_check(void)
{
    unsigned long bad = 0, total = 0;
    const unsigned char *lo = ds_cda, *hi = ds_cda + CDA_BYTES;
    for (unsigned long b = 0; b < T->size; b++) {
        unsigned long len = 0;
        for (struct node *n = T->lists[b]; n; n = n->next) {
            if ((const unsigned char *)n < lo || (const unsigned char *)n >= hi) {
                bad++;
                break;
            }
            if (n->key == 0 || hash(n->key) != b) /* every node in its own chain */
                bad++;
            for (struct node *m = n->next; m; m = m->next) /* no key twice in a chain */
                if (m->key == n->key) {
                    bad++;
                    break;
                }
            if (++len > T->count) { /* a cycle */
                bad++;
                break;
            }
        }
        total += len;
    }
    if (total != T->count)
        bad++;
    return bad;
}

unsigned long ds_count(void)
{
    return T->count;
}

/* Order-independent: a sum of mixed keys. */
unsigned long ds_digest(void)
{
    unsigned long h = 0, seen = 0;
    for (unsigned long b = 0; b < T->size; b++)
        for (struct node *n = T->lists[b]; n && seen++ <= T->count; n = n->next) /* bounded */
            h += ds_key_mix(n->key);
    return h;
}
