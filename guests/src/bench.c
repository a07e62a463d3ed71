/*
 * bench.c - a compute-bound workload for measuring interpreter speed.
 *
 * Usage: bench-O2 [ITERATIONS]   (default 105: about 200 million
 * instructions natively; each iteration is roughly 1.9 million).
 *
 * Each iteration mixes four kernels with different instruction profiles:
 * table-driven CRC32 (loads, xor, shifts: memory-latency bound), quicksort
 * of 2048 ints (unpredictable branches, swaps), a sieve of Eratosthenes
 * (byte stores with a stride), and open-addressing hash-table probes
 * (multiplicative hashing, compares, data-dependent loops). Results feed
 * the next iteration's inputs so nothing can be skipped, and the final
 * checksum is printed. Only stdout and the exit status (0) are observable;
 * time it from outside.
 */
#include "rt.h"

#define DEFAULT_ITERS 105
#define CRC_BYTES 16384
#define SORT_N 2048
#define SIEVE_N 65536
#define HT_SLOTS 8192
#define HT_KEYS 5000

static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_BYTES];
static int32_t sort_buf[SORT_N];
static uint8_t sieve[SIEVE_N];
static uint64_t ht_keys[HT_SLOTS];
static uint32_t ht_vals[HT_SLOTS];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, size_t n, uint32_t c)
{
    c = ~c;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static void quicksort(int32_t *a, int lo, int hi)
{
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                int32_t t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static uint32_t sieve_count(uint32_t n)
{
    memset(sieve, 1, n);
    sieve[0] = sieve[1] = 0;
    for (uint32_t i = 2; i * i < n; i++)
        if (sieve[i])
            for (uint32_t j = i * i; j < n; j += i)
                sieve[j] = 0;
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        count += sieve[i];
    return count;
}

/* Open addressing with linear probing; key 0 marks an empty slot. */
static uint64_t hash_probe(uint64_t seed)
{
    memset(ht_keys, 0, sizeof ht_keys);
    uint64_t s = seed, found = 0, sum = 0;
    for (uint32_t i = 0; i < HT_KEYS; i++) {
        uint64_t k = rt_rand64(&s) | 1;
        uint32_t h = (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 51);   /* 13 bits */
        while (ht_keys[h] && ht_keys[h] != k)
            h = (h + 1) & (HT_SLOTS - 1);
        ht_keys[h] = k;
        ht_vals[h] = i;
    }
    /* Look up every inserted key (hits) and as many fresh ones (misses). */
    s = seed;
    uint64_t miss = seed ^ 0xabcdef;
    for (uint32_t i = 0; i < 2 * HT_KEYS; i++) {
        uint64_t k = (i & 1) ? rt_rand64(&miss) | 1 : rt_rand64(&s) | 1;
        uint32_t h = (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 51);
        while (ht_keys[h]) {
            if (ht_keys[h] == k) {
                found++;
                sum += ht_vals[h];
                break;
            }
            h = (h + 1) & (HT_SLOTS - 1);
        }
    }
    return found << 32 ^ sum;
}

int main(int argc, char **argv, char **envp)
{
    uint64_t iters = DEFAULT_ITERS;
    if (argc > 1) {
        bool ok;
        iters = rt_parse_u64(argv[1], &ok);
        if (!ok) {
            eprint_str("usage: bench [iterations]\n");
            return 2;
        }
    }
    crc_init();
    uint64_t seed = 1, check = 0;
    for (size_t i = 0; i < CRC_BYTES; i++)
        crc_buf[i] = (uint8_t)rt_rand64(&seed);

    for (uint64_t it = 0; it < iters; it++) {
        uint32_t crc = crc32(crc_buf, CRC_BYTES, (uint32_t)check);
        crc_buf[it % CRC_BYTES] ^= (uint8_t)crc;

        uint64_t s = check ^ crc;
        for (int i = 0; i < SORT_N; i++)
            sort_buf[i] = (int32_t)rt_rand64(&s);
        quicksort(sort_buf, 0, SORT_N - 1);
        uint64_t sorted_ck = 0;
        for (int i = 0; i < SORT_N; i += 64)
            sorted_ck = rt_mix(sorted_ck, (uint32_t)sort_buf[i]);

        uint32_t primes = sieve_count(SIEVE_N - (uint32_t)(it % 7) * 1000);
        uint64_t probe = hash_probe(check + it);

        check = rt_mix(check, crc);
        check = rt_mix(check, sorted_ck);
        check = rt_mix(check, primes);
        check = rt_mix(check, probe);
    }
    rt_printf("bench iterations=%lu checksum=%016lx\n", iters, check);
    return 0;
}
