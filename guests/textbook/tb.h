/*
 * tb.h - what the textbook workloads share: the paper's Section VI structures as Weiss writes
 * them in "Data Structures and Algorithm Analysis in C" (2nd ed.), run on the data layout of
 * the paper's 32-bit guest (README.md in this directory says what follows the book and what is
 * our choice).
 *
 *   - The heap: one page-aligned arena, the CDA, from which tb_malloc carves blocks with glibc's
 *     32-bit chunk rules as validation/paper/weiss_model.py states them: a chunk of
 *     max(16, (size + 4 + 7) & ~7) bytes, carved in order from the arena's start, the block 8
 *     bytes into its chunk, and one store per malloc (the chunk's size word, 4 bytes before the
 *     block): the paper's counts have one write per malloc more than the book's statements.
 *   - Pointers are 32 bits: a Ptr is a block's offset in the arena (0, never a block, is NULL),
 *     so a link, a key or a count is one 4-byte store, as on the paper's guest.
 *   - Every structure reaches its nodes through volatile pointers, so that each assignment of
 *     the book's C is exactly one store (gcc -O2 would otherwise drop stores it can prove dead
 *     or merge two into one SSE store; the paper's counts follow the statements).
 */
#ifndef HVSIM_TB_H
#define HVSIM_TB_H

#include "rt.h"
#include "ckpt.h"

/* 8 MiB of arena, the CDA: room for 10000 operations of every structure (the largest, the
 * binomial queue's and the quadratic-probing table's, use under 1 MiB). The driver's CDA_KIB
 * argument registers and allocates from a smaller prefix. */
#define TB_CDA_BYTES (8ul << 20)

extern unsigned char tb_cda[TB_CDA_BYTES];

typedef unsigned int Ptr;
#define NIL 0u

/* The block at p, seen through a volatile pointer of the caller's node type. */
#define AT(type, p) ((volatile type *)(tb_cda + (p)))

/* glibc-like 32-bit malloc (see above); exits with status 2 when the CDA is full. */
Ptr tb_malloc(unsigned long size);
/* free: the chunk goes on a LIFO list of its size kept in the allocator's own data, outside the
 * CDA (glibc's bins live in libc's data; weiss_model.py counts no store for free). */
void tb_free(Ptr p);
/* Bytes of the arena carved so far. */
unsigned long tb_used(void);
/* Whether p is a block tb_malloc handed out (for the invariant checks). */
int tb_valid(Ptr p);

/* The key orders of the book's test drivers (README.md: which file each comes from). */
enum tb_order {
    TB_STEP7,        /* j = 0; j = (j + 7) % N: the search trees' test drivers */
    TB_STEP71,       /* j = 0; j += 71: testhash.c */
    TB_STEP71_HALF,  /* j = N / 2; j = (j + 71) % N: the priority queues' test drivers */
    TB_ASCENDING,    /* 0, 1, ..., N - 1: testlist.c, testque.c */
};

/* How a structure's deletes pick their element. */
enum tb_delete {
    TB_DELETE_NONE,       /* the book's file has no delete (Table 2 has insert only) */
    TB_DELETE_ASCENDING,  /* Delete(i) for i = 0 .. N - 1: every key, in ascending order */
    TB_DELETE_MIN,        /* DeleteMin / Dequeue until empty (the key plays no part) */
};

/* Implemented by each workload. */
extern const char tb_name[];
extern const enum tb_order tb_insert_order;
extern const enum tb_delete tb_delete_kind;
void tb_init(unsigned long n);   /* the book's Initialize / MakeEmpty / CreateQueue, capacity n */
void tb_insert(int key);
int tb_delete(int key);          /* 1 when an element was removed */
unsigned long tb_check(void);    /* invariant violations (0: intact) */
/* The elements held, counted by walking the structure, and an order-independent digest of them. */
void tb_census(unsigned long *count, unsigned long *digest);
/* Optional: what the book's driver does between its inserts and its deletes (testsply.c's Find
 * passes); outside any transaction, like the inserts of a delete run. */
void tb_before_deletes(unsigned long n) __attribute__((weak));

/* The per-key mixer of the digests (a sum of mixed keys is order-independent). */
unsigned long tb_mix(unsigned long key);

/* An explicit stack for the checks' walks, kept outside the CDA. */
extern Ptr tb_stack[1 << 20];

#endif
