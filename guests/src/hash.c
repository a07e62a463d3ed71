/*
 * hash.c - integer hashing: FNV-1a, CRC32 (table and bitwise), 64-bit PRNG
 * mixers (splitmix, xorshift*, PCG32, murmur3 fmix), and rotates.
 *
 * Why: these are the bread-and-butter of integer code — xor/shift/imul
 * chains, byte loads with zero extension, table lookups indexed by a byte,
 * 32-bit ops whose results must zero the upper half of the 64-bit register,
 * and rol/ror that gcc pattern-matches from (x << n) | (x >> (w - n)).
 *
 * Exit status: the low 7 bits of the final digest (tests exit-status
 * forwarding with a value that is neither 0 nor 1).
 */
#include "rt.h"

static uint32_t fnv1a32(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint32_t crc_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_table(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* Branch-free bitwise form: -(c & 1) is an all-ones mask, a typical neg/and. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

/* CRC-32C (Castagnoli), bitwise with a branch, to vary the code shape. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            if (c & 1)
                c = (c >> 1) ^ 0x82f63b78u;
            else
                c >>= 1;
        }
    }
    return ~c;
}

static uint64_t xorshift64star(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* PCG32 (XSH RR): 64-bit LCG state, 32-bit output with a data-dependent rotate. */
static uint32_t pcg32(uint64_t *state)
{
    uint64_t old = *state;
    *state = old * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/* Rotates written the idiomatic, UB-free way; gcc turns them into rol/ror. */
static uint8_t rotl8(uint8_t x, unsigned n) { n &= 7; return (uint8_t)((x << n) | (x >> ((8 - n) & 7))); }
static uint16_t rotr16(uint16_t x, unsigned n) { n &= 15; return (uint16_t)((x >> n) | (x << ((16 - n) & 15))); }
static uint32_t rotl32(uint32_t x, unsigned n) { n &= 31; return (x << n) | (x >> ((-n) & 31)); }
static uint32_t rotr32(uint32_t x, unsigned n) { n &= 31; return (x >> n) | (x << ((-n) & 31)); }
static uint64_t rotl64(uint64_t x, unsigned n) { n &= 63; return (x << n) | (x >> ((-n) & 63)); }
static uint64_t rotr64(uint64_t x, unsigned n) { n &= 63; return (x >> n) | (x << ((-n) & 63)); }

/* A tiny sip-like ARX round: add, rotate, xor on four 64-bit lanes. */
static void arx_round(uint64_t v[4])
{
    v[0] += v[1]; v[1] = rotl64(v[1], 13); v[1] ^= v[0]; v[0] = rotl64(v[0], 32);
    v[2] += v[3]; v[3] = rotl64(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = rotl64(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = rotl64(v[1], 17); v[1] ^= v[2]; v[2] = rotl64(v[2], 32);
}

static uint8_t buf[4096];

int main(int argc, char **argv, char **envp)
{
    uint64_t digest = 0;
    uint64_t seed = rt_hide(12345);

    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(rt_rand64(&seed) >> 56);

    /* Known-answer tests from the algorithms' specifications. */
    const char *check = (const char *)rt_hide_ptr("123456789");
    crc32_init();
    uint32_t c1 = crc32_table((const uint8_t *)check, 9);
    uint32_t c2 = crc32_bitwise((const uint8_t *)check, 9);
    uint32_t c3 = crc32c_bitwise((const uint8_t *)check, 9);
    rt_printf("crc32(\"123456789\") table=%08x bitwise=%08x crc32c=%08x\n", c1, c2, c3);
    rt_check(c1 == 0xcbf43926u && c2 == 0xcbf43926u, "crc32 check value");
    rt_check(c3 == 0xe3069283u, "crc32c check value");
    const char *empty = (const char *)rt_hide_ptr("");
    const char *a = (const char *)rt_hide_ptr("a");
    rt_printf("fnv1a32(\"\")=%08x fnv1a32(\"a\")=%08x fnv1a64(\"a\")=%016lx\n",
              fnv1a32((const uint8_t *)empty, 0), fnv1a32((const uint8_t *)a, 1),
              fnv1a64((const uint8_t *)a, 1));
    rt_check(fnv1a32((const uint8_t *)a, 1) == 0xe40c292cu, "fnv1a32 a");
    rt_check(fnv1a64((const uint8_t *)a, 1) == 0xaf63dc4c8601ec8cull, "fnv1a64 a");

    /* Lengths that are not multiples of anything, from odd offsets. */
    static const size_t lens[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 63, 64, 100, 255, 256, 1000, 4000};
    for (size_t i = 0; i < RT_ARRAY_LEN(lens); i++) {
        size_t off = i * 5 % 31, n = lens[i];
        uint32_t t = crc32_table(buf + off, n), b = crc32_bitwise(buf + off, n);
        uint32_t f32 = fnv1a32(buf + off, n);
        uint64_t f64 = fnv1a64(buf + off, n);
        rt_printf("len=%4zu off=%2zu crc32=%08x fnv32=%08x fnv64=%016lx crc32c=%08x\n",
                  n, off, t, f32, f64, crc32c_bitwise(buf + off, n));
        rt_check(t == b, "crc32 table == bitwise");
        digest = rt_mix(digest, t ^ f64 ^ f32);
    }

    /* PRNG streams: print a few, fold many. */
    uint64_t xs = rt_hide(88172645463325252ull), pcg = rt_hide(42), sm = rt_hide(7);
    uint64_t fold = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = xorshift64star(&xs);
        uint32_t p = pcg32(&pcg);
        uint64_t s = rt_rand64(&sm);
        rt_printf("prng[%d] xorshift*=%016lx pcg32=%08x splitmix=%016lx fmix=%016lx\n",
                  i, x, p, s, fmix64(s));
    }
    for (int i = 0; i < 10000; i++)
        fold = rt_mix(fold, xorshift64star(&xs) ^ pcg32(&pcg) ^ fmix64(rt_rand64(&sm)));
    rt_printf("prng fold=%016lx\n", fold);
    digest = rt_mix(digest, fold);

    /* Rotates by every count, including 0 and counts >= width (masked). */
    uint64_t rot = 0;
    uint64_t x64 = rt_hide(0x0123456789abcdefull);
    for (unsigned n = 0; n < 130; n++) {
        uint32_t x32 = (uint32_t)(x64 >> (n & 31));
        rot = rt_mix(rot, rotl64(x64, n) ^ rotr64(x64, n + 3));
        rot = rt_mix(rot, (uint64_t)rotl32(x32, n) << 32 | rotr32(x32, n));
        rot = rt_mix(rot, (uint64_t)rotl8((uint8_t)x32, n) << 16 | rotr16((uint16_t)x32, n));
        rt_check(rotr64(rotl64(x64, n), n) == x64, "rotl64/rotr64 inverse");
        rt_check(rotr32(rotl32(x32, n), n) == x32, "rotl32/rotr32 inverse");
    }
    rt_printf("rotl64(x,4)=%016lx rotr32(x,8)=%08x rotl8(0x81,1)=%02x rotr16(0x8001,4)=%04x\n",
              rotl64(x64, 4), rotr32((uint32_t)x64, 8), rotl8((uint8_t)rt_hide(0x81), 1),
              rotr16((uint16_t)rt_hide(0x8001), 4));
    rt_printf("rotate fold=%016lx\n", rot);
    digest = rt_mix(digest, rot);

    uint64_t v[4] = {rt_hide(1), 2, 3, 4};
    for (int i = 0; i < 1000; i++)
        arx_round(v);
    rt_printf("arx=%016lx %016lx %016lx %016lx\n", v[0], v[1], v[2], v[3]);
    digest = rt_mix(digest, v[0] ^ v[1] ^ v[2] ^ v[3]);

    rt_printf("digest=%016lx exit=%d\n", digest, (int)(digest & 0x7f));
    rt_report("hash");
    return (int)(digest & 0x7f);
}
