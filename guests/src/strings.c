/*
 * strings.c - block copy/fill/compare/scan at many lengths and alignments.
 *
 * Why: gcc expands constant-size __builtin_memcpy/memset inline with every
 * move width (byte, word, dword, qword, 16-byte SSE, overlapping tail
 * stores), calls memcpy for the rest, and the string instructions have
 * architectural details an interpreter can easily get wrong:
 *   - rep movs/stos with rcx == 0 do nothing (and leave flags alone);
 *   - with DF=1 (std) they walk downwards, by the element size;
 *   - overlapping rep movsb with dst = src + 1 is defined byte by byte, so it
 *     replicates the first byte (a bulk memmove would not);
 *   - repe cmpsb / repne scasb stop on ZF and leave rcx, rsi, rdi and the
 *     flags of the last comparison.
 * Every result is checked byte-for-byte, including guard bytes around the
 * destination, and folded into checksums that are printed.
 */
#include "rt.h"

#define BUF 2048
#define GUARD 0xa5

static uint8_t src_buf[BUF] __attribute__((aligned(64)));
static uint8_t dst_buf[BUF] __attribute__((aligned(64)));
static uint64_t digest;

static const size_t lengths[] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 23, 24, 25,
    31, 32, 33, 47, 48, 49, 63, 64, 65, 95, 127, 128, 129, 255, 256, 257, 1000,
};

static uint8_t pattern(size_t i) { return (uint8_t)(i * 7 + (i >> 8) + 1); }

static void init(void)
{
    for (size_t i = 0; i < BUF; i++) {
        src_buf[i] = pattern(i);
        dst_buf[i] = GUARD;
    }
}

/* Restores the guard value around and inside a destination window; cheaper
 * than re-initialising 2 KiB per case (matters under a slow interpreter). */
static void scrub(uint8_t *p, size_t n)
{
    memset(p - 16, GUARD, n + 32);
}

/* dst[0..n) must equal the source bytes, bytes just outside must be GUARD.
 * (src_buf holds pattern(i) at index i and is never written.) */
static bool verify_copy(const uint8_t *dst, size_t n, size_t src_off)
{
    bool ok = memcmp(dst, src_buf + src_off, n) == 0;
    for (size_t k = 1; k <= 16; k++)
        ok &= dst[-(ptrdiff_t)k] == GUARD && dst[n + k - 1] == GUARD;
    return ok;
}

static bool verify_fill(const uint8_t *dst, size_t n, uint8_t v)
{
    bool ok = true;
    for (size_t k = 0; k < n; k++)
        ok &= dst[k] == v;
    for (size_t k = 1; k <= 16; k++)
        ok &= dst[-(ptrdiff_t)k] == GUARD && dst[n + k - 1] == GUARD;
    return ok;
}

/* ---- explicit string instructions ---- */

static void rep_movsb(void *d, const void *s, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

/* rep movsq for the bulk, rep movsb for the tail, like a classic memcpy. */
static void rep_movsq_tail(void *d, const void *s, size_t n)
{
    size_t q = n / 8, r = n % 8;
    __asm__ volatile("rep movsq\n\t"
                     "mov %3, %%rcx\n\t"
                     "rep movsb"
                     : "+D"(d), "+S"(s), "+c"(q) : "r"(r) : "memory");
}

static void rep_movsd_movsw(void *d, const void *s, size_t n)
{
    size_t dw = n / 4, w = (n % 4) / 2, b = n % 2;
    __asm__ volatile("rep movsl\n\t"
                     "mov %3, %%rcx\n\t"
                     "rep movsw\n\t"
                     "mov %4, %%rcx\n\t"
                     "rep movsb"
                     : "+D"(d), "+S"(s), "+c"(dw) : "r"(w), "r"(b) : "memory");
}

/* Backwards copy with DF=1; DF must be clear again when the asm ends. */
static void std_rep_movsb(void *d, const void *s, size_t n)
{
    if (!n)
        return;
    uint8_t *de = (uint8_t *)d + n - 1;
    const uint8_t *se = (const uint8_t *)s + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(de), "+S"(se), "+c"(n) : : "memory");
}

static void std_rep_movsq(void *d, const void *s, size_t nq)
{
    if (!nq)
        return;
    uint64_t *de = (uint64_t *)d + nq - 1;
    const uint64_t *se = (const uint64_t *)s + nq - 1;
    __asm__ volatile("std\n\trep movsq\n\tcld" : "+D"(de), "+S"(se), "+c"(nq) : : "memory");
}

static void rep_stosb(void *d, uint8_t v, size_t n)
{
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static void rep_stosw(void *d, uint16_t v, size_t n)
{
    __asm__ volatile("rep stosw" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static void rep_stosl(void *d, uint32_t v, size_t n)
{
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static void rep_stosq(void *d, uint64_t v, size_t n)
{
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

/* Index of the first differing byte (n if equal) with repe cmpsb. */
static size_t repe_cmpsb(const void *a, const void *b, size_t n, int *sign)
{
    size_t left = n;
    uint8_t ne, below;
    /* cmp of equal values sets ZF=1 first, so an rcx=0 run reads "equal". */
    __asm__ volatile("cmp %%rcx, %%rcx\n\t"
                     "repe cmpsb\n\t"
                     "setne %3\n\t"
                     "setb %4"
                     : "+S"(a), "+D"(b), "+c"(left), "=q"(ne), "=q"(below) : : "memory", "cc");
    if (!ne) {
        *sign = 0;
        return n;
    }
    *sign = below ? -1 : 1;
    return n - left - 1;
}

/* rcx = 0 must leave the flags of the preceding instruction untouched. */
static bool repe_cmpsb_zero_count_keeps_flags(void)
{
    const void *a = "x", *b = "y";
    size_t zero = rt_hide(0);
    uint8_t zf;
    __asm__ volatile("mov $1, %%eax\n\t"
                     "test %%eax, %%eax\n\t"  /* ZF = 0 */
                     "repe cmpsb\n\t"
                     "sete %3"
                     : "+S"(a), "+D"(b), "+c"(zero), "=q"(zf) : : "rax", "memory", "cc");
    return zf == 0;
}

/* strlen with repne scasb: rcx starts at -1 and counts down past the NUL. */
static size_t scasb_strlen(const char *s)
{
    size_t rcx = (size_t)-1;
    __asm__ volatile("repne scasb" : "+D"(s), "+c"(rcx) : "a"(0) : "memory", "cc");
    return ~rcx - 1;
}

/* memchr with repne scasb: returns index or n. */
static size_t scasb_memchr(const void *p, uint8_t c, size_t n)
{
    size_t left = n;
    uint8_t found;
    if (!n)
        return 0;
    __asm__ volatile("repne scasb\n\tsete %2"
                     : "+D"(p), "+c"(left), "=q"(found) : "a"(c) : "memory", "cc");
    return found ? n - left - 1 : n;
}

/* lodsb/stosb loop with no rep: transforms while copying. */
static void lods_stos_upper(char *d, const char *s)
{
    __asm__ volatile("1:\n\t"
                     "lodsb\n\t"
                     "cmp $'a', %%al\n\t"
                     "jb 2f\n\t"
                     "cmp $'z', %%al\n\t"
                     "ja 2f\n\t"
                     "sub $32, %%al\n"
                     "2:\n\t"
                     "stosb\n\t"
                     "test %%al, %%al\n\t"
                     "jnz 1b"
                     : "+S"(s), "+D"(d) : : "rax", "memory", "cc");
}

/* ---- the copy/fill test matrix ---- */

typedef void (*copy_fn)(void *, const void *, size_t);

static void copy_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
static void copy_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }

static void copy_matrix(const char *name, copy_fn fn)
{
    uint64_t ck = 0;
    int bad = 0, runs = 0;
    for (size_t li = 0; li < RT_ARRAY_LEN(lengths); li++)
        for (size_t so = 0; so < 4; so++)
            for (size_t d = 0; d < 8; d++) {
                size_t n = lengths[li], sOff = 64 + so * 3, dOff = 64 + d;
                fn(dst_buf + dOff, src_buf + sOff, n);
                bad += !verify_copy(dst_buf + dOff, n, sOff);
                ck = rt_mix(ck, n ? dst_buf[dOff + n - 1] : 0);
                scrub(dst_buf + dOff, n);
                runs++;
            }
    rt_printf("copy %-14s runs=%d bad=%d ck=%016lx\n", name, runs, bad, ck);
    rt_check(bad == 0, name);
    digest = rt_mix(digest, ck);
}

typedef void (*fill_fn)(void *, uint8_t, size_t);

static void fill_memset(void *d, uint8_t v, size_t n) { memset(d, v, n); }
static void fill_stosb(void *d, uint8_t v, size_t n) { rep_stosb(d, v, n); }
/* Wider stores: the byte is broadcast, then the tail is done with stosb. */
static void fill_stosq(void *d, uint8_t v, size_t n)
{
    rep_stosq(d, 0x0101010101010101ull * v, n / 8);
    rep_stosb((uint8_t *)d + n / 8 * 8, v, n % 8);
}
static void fill_stosl(void *d, uint8_t v, size_t n)
{
    rep_stosl(d, 0x01010101u * v, n / 4);
    rep_stosb((uint8_t *)d + n / 4 * 4, v, n % 4);
}
static void fill_stosw(void *d, uint8_t v, size_t n)
{
    rep_stosw(d, (uint16_t)(0x0101u * v), n / 2);
    rep_stosb((uint8_t *)d + n / 2 * 2, v, n % 2);
}

static void fill_matrix(const char *name, fill_fn fn)
{
    int bad = 0, runs = 0;
    for (size_t li = 0; li < RT_ARRAY_LEN(lengths); li++)
        for (size_t d = 0; d < 8; d++) {
            size_t n = lengths[li];
            uint8_t v = (uint8_t)(n * 13 + d);
            fn(dst_buf + 64 + d, v, n);
            bad += !verify_fill(dst_buf + 64 + d, n, v);
            scrub(dst_buf + 64 + d, n);
            runs++;
        }
    rt_printf("fill %-14s runs=%d bad=%d\n", name, runs, bad);
    rt_check(bad == 0, name);
}

/* ---- constant-size builtins: expanded inline by gcc ---- */

#define CONST_COPY(N)                                                           \
    do {                                                                        \
        uint8_t *d = rt_hide_ptr(dst_buf + 64 + (N) % 7);                       \
        const uint8_t *s = rt_hide_ptr(src_buf + 32 + (N) % 5);                 \
        __builtin_memcpy(d, s, N);                                              \
        bool ok = verify_copy(d, N, 32 + (N) % 5);                              \
        __builtin_memset(d, 0x3c, N);                                           \
        ok &= verify_fill(d, N, 0x3c);                                          \
        uint8_t v = (uint8_t)rt_hide(N);                                        \
        __builtin_memset(d, v, N);                                              \
        ok &= verify_fill(d, N, v);                                             \
        scrub(d, N);                                                            \
        bad += !ok;                                                             \
    } while (0)

static void const_size_tests(void)
{
    int bad = 0;
    CONST_COPY(1); CONST_COPY(2); CONST_COPY(3); CONST_COPY(4); CONST_COPY(5);
    CONST_COPY(6); CONST_COPY(7); CONST_COPY(8); CONST_COPY(9); CONST_COPY(12);
    CONST_COPY(15); CONST_COPY(16); CONST_COPY(17); CONST_COPY(24); CONST_COPY(31);
    CONST_COPY(32); CONST_COPY(33); CONST_COPY(48); CONST_COPY(64); CONST_COPY(100);
    CONST_COPY(128); CONST_COPY(256); CONST_COPY(1000);
    rt_printf("builtin const-size memcpy/memset sizes=23 bad=%d\n", bad);
    rt_check(bad == 0, "builtin const-size");
}

/* Struct assignment: gcc picks register moves, SSE moves or a memcpy call. */
struct small { uint8_t a; uint16_t b; uint32_t c; uint64_t d; uint8_t e[13]; };
struct big { uint64_t w[125]; };

static void struct_copy_tests(void)
{
    static struct big b1, b2;
    struct small s1, s2;
    uint64_t seed = rt_hide(99);
    memset(&s1, 0, sizeof s1);
    s1.a = 1; s1.b = 0x2233; s1.c = 0x44556677; s1.d = 0x8899aabbccddeeffull;
    for (int i = 0; i < 13; i++)
        s1.e[i] = (uint8_t)(i * 17);
    for (int i = 0; i < 125; i++)
        b1.w[i] = rt_rand64(&seed);
    s2 = *(struct small *)rt_hide_ptr(&s1);
    b2 = *(struct big *)rt_hide_ptr(&b1);
    bool ok = memcmp(&s1, &s2, sizeof s1) == 0 && memcmp(&b1, &b2, sizeof b1) == 0;
    uint64_t ck = 0;
    for (int i = 0; i < 125; i++)
        ck = rt_mix(ck, b2.w[i]);
    rt_printf("struct copy small=%zu big=%zu ok=%d ck=%016lx e12=%d\n",
              sizeof s1, sizeof b1, ok, ck, s2.e[12]);
    rt_check(ok, "struct copy");
}

int main(int argc, char **argv, char **envp)
{
    init();
    copy_matrix("memcpy", copy_memcpy);
    copy_matrix("memmove", copy_memmove);
    copy_matrix("rep-movsb", rep_movsb);
    copy_matrix("rep-movsq+b", rep_movsq_tail);
    copy_matrix("rep-movsl/w/b", rep_movsd_movsw);
    copy_matrix("std-rep-movsb", std_rep_movsb);
    fill_matrix("memset", fill_memset);
    fill_matrix("rep-stosb", fill_stosb);
    fill_matrix("rep-stosw+b", fill_stosw);
    fill_matrix("rep-stosl+b", fill_stosl);
    fill_matrix("rep-stosq+b", fill_stosq);
    const_size_tests();
    struct_copy_tests();

    /* Overlapping moves. memmove must act as if through a temporary buffer;
     * rep movsb forwards with dst = src + k replicates a k-byte period
     * (defined byte-at-a-time semantics); std rep movs copies downwards,
     * which is the correct memmove for dst > src. */
    {
        uint64_t ck = 0;
        int bad = 0;
        for (size_t li = 0; li < RT_ARRAY_LEN(lengths); li++) {
            size_t n = lengths[li];
            for (size_t shift = 1; shift <= 9; shift += 4) {
                memcpy(dst_buf + 100, src_buf, 1100);
                memmove(dst_buf + 100 + shift, dst_buf + 100, n);     /* dst > src */
                for (size_t k = 0; k < n; k++)
                    bad += dst_buf[100 + shift + k] != pattern(k);
                memcpy(dst_buf + 100, src_buf, 1100);
                memmove(dst_buf + 100, dst_buf + 100 + shift, n);     /* dst < src */
                for (size_t k = 0; k < n; k++)
                    bad += dst_buf[100 + k] != pattern(k + shift);
                memcpy(dst_buf + 100, src_buf, 1100);
                std_rep_movsb(dst_buf + 100 + shift, dst_buf + 100, n);
                for (size_t k = 0; k < n; k++)
                    bad += dst_buf[100 + shift + k] != pattern(k);
                memcpy(dst_buf + 100, src_buf, 1100);
                rep_movsb(dst_buf + 100 + shift, dst_buf + 100, n);   /* replicate */
                for (size_t k = 0; k < n; k++)
                    bad += dst_buf[100 + shift + k] != pattern(k % shift);
                ck = rt_mix(ck, dst_buf[100 + shift + n]);
            }
            /* Backwards qword copy, 8-byte overlap. */
            memcpy(dst_buf + 96, src_buf, 1100);
            std_rep_movsq(dst_buf + 104, dst_buf + 96, n / 8);
            for (size_t k = 0; k < n / 8 * 8; k++)
                bad += dst_buf[104 + k] != pattern(k);
            /* Forward qword copy with dst = src + 8 replicates the first qword. */
            memcpy(dst_buf + 96, src_buf, 1100);
            size_t q = n / 8;
            void *dq = dst_buf + 104;
            const void *sq = dst_buf + 96;
            __asm__ volatile("rep movsq" : "+D"(dq), "+S"(sq), "+c"(q) : : "memory");
            for (size_t k = 0; k < n / 8 * 8; k++)
                bad += dst_buf[104 + k] != pattern(k % 8);
            scrub(dst_buf + 96, 1104);
        }
        rt_printf("overlap memmove/std/rep-replicate bad=%d ck=%016lx\n", bad, ck);
        rt_check(bad == 0, "overlap");
    }

    /* Compares: mismatch at every position of a 70-byte run, at odd
     * alignments, both directions of difference. */
    {
        uint64_t ck = 0;
        int bad = 0;
        for (size_t al = 0; al < 4; al++)
            for (size_t n = 0; n <= 70; n += 3)
                for (size_t pos = 0; pos <= n; pos += 2) {
                    uint8_t *a = src_buf + 200 + al, *b = dst_buf + 300 + 2 * al;
                    memcpy(b, a, n);
                    int expect = 0;
                    if (pos < n) {
                        b[pos] = (uint8_t)(a[pos] + ((pos & 2) ? 1 : 0xff));
                        expect = a[pos] < b[pos] ? -1 : 1;
                    }
                    int sign, m = memcmp(a, b, n);
                    size_t at = repe_cmpsb(a, b, n, &sign);
                    bad += m != expect || sign != expect || at != (pos < n ? pos : n);
                    ck = rt_mix(ck, at * 4 + (size_t)(sign + 1));
                }
        rt_check(repe_cmpsb_zero_count_keeps_flags(), "repe cmpsb rcx=0 keeps flags");
        rt_printf("compare memcmp/repe-cmpsb bad=%d ck=%016lx\n", bad, ck);
        rt_check(bad == 0, "compare");
    }

    /* Scans: strlen at every alignment and length 0..70, memchr hits/misses. */
    {
        uint64_t ck = 0;
        int bad = 0;
        for (size_t al = 0; al < 16; al++)
            for (size_t n = 0; n <= 70; n++) {
                char *s = (char *)dst_buf + 512 + al;
                for (size_t k = 0; k < n; k++)
                    s[k] = (char)('a' + (k + al) % 26);
                s[n] = 0;
                size_t l1 = strlen(s), l2 = scasb_strlen(s);
                size_t c1 = scasb_memchr(s, (uint8_t)('a' + (n + al) % 26), n);
                size_t c2 = scasb_memchr(s, '#', n);
                bad += l1 != n || l2 != n || c2 != n;
                bad += c1 != (n >= 26 ? n % 26 : n);  /* first k with k = n mod 26 */
                ck = rt_mix(ck, l1 ^ c1 << 8);
            }
        rt_printf("scan strlen/repne-scasb bad=%d ck=%016lx\n", bad, ck);
        rt_check(bad == 0, "scan");
    }

    {
        char up[64];
        lods_stos_upper(up, (const char *)rt_hide_ptr("Hello, lodsb/stosb world! az{}`"));
        rt_printf("lods/stos upper: %s\n", up);
        rt_check(rt_strcmp(up, "HELLO, LODSB/STOSB WORLD! AZ{}`") == 0, "lods/stos");
    }

    rt_printf("digest=%016lx\n", digest);
    return rt_report("strings");
}
