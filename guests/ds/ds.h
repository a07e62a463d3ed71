/*
 * ds.h - what every data-structure workload shares (the paper's Section VI suite):
 *   - the critical data area (CDA): one page-aligned region that holds every node, with a
 *     simple allocator (bump pointer plus a free list per node size), registered with ckpt;
 *   - a seeded generator of keys (xorshift64*): same seed, same run;
 *   - the driver: parse "OP OPT OPS SEED [CDA_KIB]" (insert|delete, operations per transaction, number of
 *     operations, seed, CDA size), run the operations in transactions of OPT operations each
 *     (ckpt_begin ... ckpt_end), check the structure's invariants, print a summary, exit 0 or 1.
 *
 * A workload defines: ds_name, ds_init(), ds_insert(key), ds_delete(key) (returns 1 when a key
 * was removed; a structure without delete returns 0 — see ds_supports_delete), ds_check()
 * (returns the number of invariant violations), ds_count() and ds_digest() (an order-independent
 * or structure-dependent hash, printed so runs can be compared across techniques).
 */
#ifndef HVSIM_DS_H
#define HVSIM_DS_H

#include "rt.h"
#include "ckpt.h"

/* 8 MiB of CDA: room for 10000 operations of any structure here (half a MiB is the most any
 * needs at 10000). The default size and the largest; the driver's CDA_KIB argument registers
 * and allocates from a smaller prefix. */
#define CDA_BYTES (8ul << 20)

extern unsigned char ds_cda[CDA_BYTES];

/* Allocate a zeroed node of `size` bytes (rounded to 16) inside the CDA; never returns NULL
 * (exits with status 2 when the CDA is full). */
void *cda_alloc(unsigned long size);
/* Return a node to the free list of its size. */
void cda_free(void *p, unsigned long size);
/* Bytes of the CDA handed out so far (high-water mark). */
unsigned long cda_used(void);

/* The key generator. */
void rng_seed(unsigned long seed);
unsigned long rng_next(void);

/* Digests, shared so every structure holding the same keys prints the same digest:
 * ds_key_mix is the per-key mixer of the order-independent digest (heaps, hash tables: the sum
 * of mixed keys); ds_sorted accumulates keys visited in ascending order (search trees, skip
 * list): it counts them, hashes them (FNV-1a over whole keys) and counts order violations. */
unsigned long ds_key_mix(unsigned long k);

struct ds_sorted {
    unsigned long n, prev, hash, bad;
};
void ds_sorted_start(struct ds_sorted *s);
void ds_sorted_visit(struct ds_sorted *s, unsigned long key);

/* Implemented by each workload. */
extern const char ds_name[];
extern const int ds_supports_delete;
void ds_init(void);
void ds_insert(unsigned long key);
int ds_delete(unsigned long key);
unsigned long ds_check(void);
unsigned long ds_count(void);
unsigned long ds_digest(void);

#endif
