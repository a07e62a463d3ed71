/*
 * driver.c - the workload driver shared by every data structure (see ds.h).
 *
 * argv: OP OPT OPS SEED [CDA_KIB], defaults "insert 1 10000 1 8192".
 *   insert: OPS inserts of generated keys, OPT per transaction.
 *   delete: first 2*OPS inserts (outside any transaction, like a warm-up, before the CDA is
 *           registered), then OPS deletes, OPT per transaction, of distinct inserted keys in
 *           a seeded random order: each delete finds its key (the paper's "10000 unique
 *           operations"), and the structure still holds OPS keys when its invariants are
 *           checked at the end.
 * Keys are 1..2^31 from the seeded generator; duplicates are allowed to occur and each
 * structure decides what an insert of a present key does (documented in its file).
 * CDA_KIB: the size of the CDA that is allocated from and registered, a multiple of 4 up to
 * CDA_BYTES / 1024 (the default). A run that needs more stops with "CDA full" and status 2.
 * Only the registration and the techniques see the size (PT protects the whole CDA at each
 * ckpt_begin, Scanxen scans all of it at each ckpt_end); what the structure does is the same.
 */
#include "ds.h"

unsigned char ds_cda[CDA_BYTES] __attribute__((aligned(4096)));

static unsigned long s_bump;
static unsigned long s_cda_bytes = CDA_BYTES; /* the part of ds_cda in use and registered */
static void *s_free[64]; /* free lists by size / 16 */
static unsigned long s_rng = 0x9E3779B97F4A7C15ul;

void *cda_alloc(unsigned long size)
{
    size = (size + 15) & ~15ul;
    unsigned long cls = size / 16;
    if (cls < 64 && s_free[cls]) {
        void *p = s_free[cls];
        s_free[cls] = *(void **)p;
        memset(p, 0, size);
        return p;
    }
    if (s_bump + size > s_cda_bytes) {
        rt_printf("%s: CDA full (%lu bytes)\n", ds_name, s_cda_bytes);
        rt_exit(2);
    }
    void *p = ds_cda + s_bump;
    s_bump += size;
    return p; /* .bss: already zero */
}

void cda_free(void *p, unsigned long size)
{
    size = (size + 15) & ~15ul;
    unsigned long cls = size / 16;
    if (cls < 64) {
        *(void **)p = s_free[cls];
        s_free[cls] = p;
    }
}

unsigned long cda_used(void)
{
    return s_bump;
}

void rng_seed(unsigned long seed)
{
    s_rng = seed * 0x2545F4914F6CDD1Dul + 0x9E3779B97F4A7C15ul;
    if (s_rng == 0)
        s_rng = 1;
}

unsigned long rng_next(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 0x2545F4914F6CDD1Dul;
}

unsigned long ds_key_mix(unsigned long k)
{
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ul;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebul;
    return k ^ (k >> 31);
}

void ds_sorted_start(struct ds_sorted *s)
{
    s->n = 0;
    s->prev = 0;
    s->hash = 0xcbf29ce484222325ul;
    s->bad = 0;
}

void ds_sorted_visit(struct ds_sorted *s, unsigned long key)
{
    if (s->n && key <= s->prev)
        s->bad++;
    s->prev = key;
    s->hash = (s->hash ^ key) * 0x100000001b3ul;
    s->n++;
}

#include "args.h"

/* Keys inserted, so that deletes pick present keys (kept outside the CDA: it is the driver's). */
static unsigned long s_keys[1 << 21];

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *op = argc > 1 ? argv[1] : "insert";
    unsigned long opt = parse(argc > 2 ? argv[2] : 0, 1);
    unsigned long ops = parse(argc > 3 ? argv[3] : 0, 10000);
    unsigned long seed = parse(argc > 4 ? argv[4] : 0, 1);
    unsigned long cda_kib = parse(argc > 5 ? argv[5] : 0, CDA_BYTES >> 10);
    int deleting = same(op, "delete");
    if ((!deleting && !same(op, "insert")) || opt == 0 || ops == 0 || ops > (1ul << 20) || cda_kib == 0 ||
        cda_kib % 4 != 0 || cda_kib > (CDA_BYTES >> 10)) {
        rt_printf("usage: %s insert|delete OPT OPS SEED [CDA_KIB: 4..%lu, a multiple of 4]\n", ds_name, CDA_BYTES >> 10);
        return 2;
    }
    s_cda_bytes = cda_kib << 10;
    if (deleting && !ds_supports_delete) {
        rt_printf("%s: delete is not one of this structure's operations\n", ds_name);
        return 2;
    }
    rng_seed(seed);
    ds_init();
    if (deleting) {
        for (unsigned long i = 0; i < 2 * ops; i++) {
            s_keys[i] = (rng_next() >> 33) + 1;
            ds_insert(s_keys[i]);
        }
        /* Fisher-Yates: the order of the keys; the first OPS of it are deleted. */
        for (unsigned long i = 2 * ops - 1; i > 0; i--) {
            unsigned long k = rng_next() % (i + 1);
            unsigned long t = s_keys[i];
            s_keys[i] = s_keys[k];
            s_keys[k] = t;
        }
    }
    /* Registered only now: ds_init and the warm-up write the CDA outside any transaction, and
     * under page tracking such writes would escape the backup. The initial full checkpoint
     * taken at registration holds them; from here on the CDA is written only in transactions
     * (ds_check and ds_digest only read it). */
    int r = ckpt_register(ds_cda, s_cda_bytes);
    if (r != 0) {
        rt_printf("%s: ckpt_register failed (%d)\n", ds_name, r);
        return 1;
    }
    unsigned long removed = 0;
    for (unsigned long i = 0; i < ops; i += opt) {
        if (ckpt_begin() != 0) {
            rt_printf("%s: ckpt_begin failed\n", ds_name);
            return 1;
        }
        for (unsigned long j = i; j < i + opt && j < ops; j++) {
            if (deleting) {
                removed += (unsigned long)ds_delete(s_keys[j]);
            } else {
                ds_insert((rng_next() >> 33) + 1);
            }
        }
        if (ckpt_end() != 0) {
            rt_printf("%s: ckpt_end failed\n", ds_name);
            return 1;
        }
    }
    unsigned long bad = ds_check();
    rt_printf("%s %s opt=%lu ops=%lu seed=%lu: count=%lu removed=%lu cda=%lu digest=%lx invariants=%s\n",
              ds_name, op, opt, ops, seed, ds_count(), removed, cda_used(), ds_digest(),
              bad ? "BROKEN" : "ok");
    return bad ? 1 : 0;
}
