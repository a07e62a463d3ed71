/*
 * hashquad.c - hash table with open addressing and quadratic probing (cf. Weiss ch. 5).
 *
 * The table is an array of keys in the CDA, 0 marking an empty cell (keys are >= 1; there is no
 * delete, so no "deleted" state is needed). Its size is prime, 20011, so that 10000 keys fit
 * with load factor < 0.5 - which guarantees that quadratic probing finds an empty cell. Should
 * an insert push the load to 0.5 or beyond, the table is rehashed into a new prime table at
 * least twice as big (the old array is abandoned in the CDA).
 * Probe sequence: h, h+1, h+4, h+9, ... (mod size), computed incrementally as
 * pos += 2*i - 1.
 *
 * insert: if the key is present the insert is ignored (a set: no duplicates); otherwise it goes
 *         into the empty cell that ends its probe sequence.
 * delete: not one of this structure's operations (ds_supports_delete = 0).
 * Approximate CDA words written per insert of a new key: 2 (the cell, count); 0 for a present
 * key.
 */
#include "ds.h"

const char ds_name[] = "hashquad";
const int ds_supports_delete = 0;

#define TABLE_SIZE 20011ul /* prime, > 2 * 10000 */

struct table {
    unsigned long count;
    unsigned long size;
    unsigned long *cells;
};

static struct table *T;

static int is_prime(unsigned long n)
{
    if (n < 2)
        return 0;
    for (unsigned long d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

/* The cell holding key, or the empty cell where it would go. Terminates because the load
 * factor is kept below 0.5 and the size is prime. */
static unsigned long find(const unsigned long *cells, unsigned long size, unsigned long key)
{
    unsigned long pos = key % size;
    unsigned long i = 0;
    while (cells[pos] != 0 && cells[pos] != key) {
        pos += 2 * ++i - 1;
        if (pos >= size)
            pos -= size;
    }
    return pos;
}

void ds_init(void)
{
    T = cda_alloc(sizeof *T);
    T->size = TABLE_SIZE;
    T->cells = cda_alloc(T->size * sizeof(unsigned long));
}

static void rehash(void)
{
    unsigned long nsize = T->size * 2 + 1;
    while (!is_prime(nsize))
        nsize++;
    unsigned long *nc = cda_alloc(nsize * sizeof(unsigned long));
    for (unsigned long i = 0; i < T->size; i++)
        if (T->cells[i])
            nc[find(nc, nsize, T->cells[i])] = T->cells[i];
    cda_free(T->cells, T->size * sizeof(unsigned long));
    T->cells = nc;
    T->size = nsize;
}

void ds_insert(unsigned long key)
{
    unsigned long pos = find(T->cells, T->size, key);
    if (T->cells[pos] == key)
        return; /* present: ignored */
    if (2 * (T->count + 1) >= T->size) {
        rehash();
        pos = find(T->cells, T->size, key);
    }
    T->cells[pos] = key;
    T->count++;
}

int ds_delete(unsigned long key)
{
    (void)key;
    return 0;
}

unsigned long ds_check(void)
{
    unsigned long bad = 0, used = 0;
    if (!is_prime(T->size))
        bad++;
    if (2 * T->count >= T->size)
        bad++;
    for (unsigned long c = 0; c < T->size; c++) {
        unsigned long key = T->cells[c];
        if (key == 0)
            continue;
        used++;
        /* Reachability: the probe sequence of key must reach cell c without passing an empty
         * cell or another copy of key (which would also mean a duplicate). Bounded: at most
         * size probes. */
        unsigned long pos = key % T->size, i = 0;
        while (pos != c) {
            if (T->cells[pos] == 0 || T->cells[pos] == key || i >= T->size) {
                bad++;
                break;
            }
            pos += 2 * ++i - 1;
            pos %= T->size;
        }
    }
    if (used != T->count)
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
    unsigned long h = 0;
    for (unsigned long c = 0; c < T->size; c++)
        if (T->cells[c])
            h += ds_key_mix(T->cells[c]);
    return h;
}
