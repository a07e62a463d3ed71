/*
 * driver.c - the test driver shared by the textbook workloads (tb.h, README.md).
 *
 * argv: OP OPT OPS SEED [CDA_KIB], defaults "insert 1 10000 1 8192" (the arguments of the ds
 * suite, so both suites run alike).
 *   insert: tb_init(OPS), then OPS inserts of the structure's key order (tb.h's tb_order), OPT
 *           per transaction.
 *   delete: tb_init(OPS) and the OPS inserts outside any transaction, before the CDA is
 *           registered (the warm-up), the book driver's in-between work (tb_before_deletes),
 *           then OPS deletes, OPT per transaction: Delete(i) for i = 0 .. OPS - 1, or DeleteMin
 *           (Dequeue) OPS times: the structure ends empty, as the book's drivers leave it.
 * The key orders have no randomness: SEED is accepted (and printed) but changes nothing.
 * The invariants are checked after the inserts and at the end, and half way through a delete
 * run, with the element count each point must have.
 * Status 0 when the invariants hold, 1 when not, 2 on bad arguments or a full CDA.
 */
#include "tb.h"

unsigned char tb_cda[TB_CDA_BYTES] __attribute__((aligned(4096)));
Ptr tb_stack[1 << 20];

static unsigned long s_top;                    /* arena bytes carved */
static unsigned long s_cda_bytes = TB_CDA_BYTES; /* the part of tb_cda in use and registered */
/* Free chunks: LIFO lists by chunk size (s_free_head, for chunks up to 4 KiB) linked through
 * s_free_next, indexed by chunk offset / 8: the allocator's own data, not the CDA's. */
static Ptr s_free_head[4096 / 8 + 1];
static Ptr s_free_next[TB_CDA_BYTES / 8];

static unsigned long chunk_bytes(unsigned long size)
{
    unsigned long c = (size + 4 + 7) & ~7ul;
    return c < 16 ? 16 : c;
}

Ptr tb_malloc(unsigned long size)
{
    unsigned long chunk = chunk_bytes(size);
    Ptr block;
    unsigned long cls = chunk / 8;
    if (cls < sizeof s_free_head / sizeof s_free_head[0] && s_free_head[cls] != NIL) {
        block = s_free_head[cls];
        s_free_head[cls] = s_free_next[block / 8];
    } else {
        if (s_top + chunk > s_cda_bytes) {
            rt_printf("tb-%s: CDA full (%lu bytes)\n", tb_name, s_cda_bytes);
            rt_exit(2);
        }
        block = (Ptr)(s_top + 8);
        s_top += chunk;
    }
    /* The chunk's size word (with glibc's PREV_INUSE bit): the one store malloc makes. */
    *AT(unsigned int, block - 4) = (unsigned int)(chunk | 1);
    return block;
}

void tb_free(Ptr p)
{
    if (p == NIL)
        return;
    unsigned long cls = (*AT(unsigned int, p - 4) & ~7u) / 8;
    if (cls < sizeof s_free_head / sizeof s_free_head[0]) {
        s_free_next[p / 8] = s_free_head[cls];
        s_free_head[cls] = p;
    }
}

unsigned long tb_used(void)
{
    return s_top;
}

int tb_valid(Ptr p)
{
    return p >= 8 && p < s_top && p % 8 == 0;
}

/* FNV-1a over the arena's carved bytes: the whole heap, layout included, so that two runs can be
 * compared even when the structure ends empty. */
static unsigned long arena_hash(void)
{
    unsigned long h = 0xcbf29ce484222325ul;
    for (unsigned long i = 0; i < s_top; i++)
        h = (h ^ tb_cda[i]) * 0x100000001b3ul;
    return h;
}

unsigned long tb_mix(unsigned long k)
{
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ul;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebul;
    return k ^ (k >> 31);
}

#include "args.h"

/* The i-th key of the structure's insert order (i counts from 0), as the book's loops step j. */
static int key_at(unsigned long i, unsigned long n, unsigned long *j)
{
    unsigned long k = *j;
    switch (tb_insert_order) {
    case TB_STEP7:
        *j = (k + 7) % n;
        break;
    case TB_STEP71:
        *j = k + 71;
        break;
    case TB_STEP71_HALF:
        *j = (k + 71) % n;
        break;
    case TB_ASCENDING:
        *j = k + 1;
        break;
    }
    (void)i;
    return (int)k;
}

/* The step of an order that wraps modulo N: N must be prime to it, or keys would repeat. */
static unsigned long wrap_step(void)
{
    return tb_insert_order == TB_STEP7 ? 7 : tb_insert_order == TB_STEP71_HALF ? 71 : 0;
}

static unsigned long check(const char *when, unsigned long expected)
{
    unsigned long bad = tb_check();
    unsigned long count, digest;
    tb_census(&count, &digest);
    if (count != expected) {
        rt_printf("tb-%s: %lu elements %s, expected %lu\n", tb_name, count, when, expected);
        bad++;
    }
    return bad;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *op = argc > 1 ? argv[1] : "insert";
    unsigned long opt = parse(argc > 2 ? argv[2] : 0, 1);
    unsigned long ops = parse(argc > 3 ? argv[3] : 0, 10000);
    unsigned long seed = parse(argc > 4 ? argv[4] : 0, 1);
    unsigned long cda_kib = parse(argc > 5 ? argv[5] : 0, TB_CDA_BYTES >> 10);
    int deleting = same(op, "delete");
    if ((!deleting && !same(op, "insert")) || opt == 0 || ops == 0 || ops > (1ul << 20) || cda_kib == 0 ||
        cda_kib % 4 != 0 || cda_kib > (TB_CDA_BYTES >> 10)) {
        rt_printf("usage: tb-%s insert|delete OPT OPS SEED [CDA_KIB: 4..%lu, a multiple of 4]\n", tb_name, TB_CDA_BYTES >> 10);
        return 2;
    }
    if (wrap_step() && ops % wrap_step() == 0) {
        rt_printf("tb-%s: OPS must not be a multiple of %lu (the book's key order steps by %lu modulo OPS)\n", tb_name,
                  wrap_step(), wrap_step());
        return 2;
    }
    if (deleting && tb_delete_kind == TB_DELETE_NONE) {
        rt_printf("tb-%s: delete is not one of this structure's operations\n", tb_name);
        return 2;
    }
    s_cda_bytes = cda_kib << 10;
    unsigned long j = tb_insert_order == TB_STEP71_HALF ? ops / 2 : 0;
    unsigned long bad = 0, removed = 0;
    tb_init(ops);
    if (deleting) {
        for (unsigned long i = 0; i < ops; i++)
            tb_insert(key_at(i, ops, &j));
        bad += check("after the inserts", ops);
        if (tb_before_deletes)
            tb_before_deletes(ops);
    }
    /* Registered only now: tb_init and a delete run's inserts write the CDA outside any
     * transaction; the initial full checkpoint taken at registration holds them. */
    int r = ckpt_register(tb_cda, s_cda_bytes);
    if (r != 0) {
        rt_printf("tb-%s: ckpt_register failed (%d)\n", tb_name, r);
        return 1;
    }
    for (unsigned long i = 0; i < ops; i += opt) {
        if (ckpt_begin() != 0) {
            rt_printf("tb-%s: ckpt_begin failed\n", tb_name);
            return 1;
        }
        for (unsigned long k = i; k < i + opt && k < ops; k++) {
            if (deleting)
                removed += (unsigned long)tb_delete((int)k);
            else
                tb_insert(key_at(k, ops, &j));
        }
        if (ckpt_end() != 0) {
            rt_printf("tb-%s: ckpt_end failed\n", tb_name);
            return 1;
        }
        /* A delete run ends empty: check the structure half way too (reading only). */
        if (deleting && i < ops / 2 && i + opt >= ops / 2)
            bad += check("half way", ops - removed);
    }
    bad += check("at the end", deleting ? 0 : ops);
    unsigned long count, digest;
    tb_census(&count, &digest);
    if (deleting && removed != ops) {
        rt_printf("tb-%s: %lu of %lu deletes removed an element\n", tb_name, removed, ops);
        bad++;
    }
    rt_printf("tb-%s %s opt=%lu ops=%lu seed=%lu: count=%lu removed=%lu cda=%lu digest=%lx arena=%lx invariants=%s\n",
              tb_name, op, opt, ops, seed, count, removed, tb_used(), digest, arena_hash(), bad ? "BROKEN" : "ok");
    return bad ? 1 : 0;
}
