/*
 * vector.c - integer loops that gcc -O3 auto-vectorises with SSE2, checked
 * against scalar versions that cannot be vectorised, plus a few explicit
 * SSE2 intrinsics (memchr-like scans) that every -O level compiles to SSE.
 *
 * Why: baseline x86-64 has SSE2 only, so gcc must synthesise what later
 * extensions provide in one instruction: 32-bit multiply (pmuludq +
 * pshufd + punpckldq), signed 32-bit min/max (pcmpgtd + pand/pandn/por),
 * unsigned compares (bias with pxor 0x80000000 then pcmpgtd), byte/word
 * widening (punpck* with a sign mask from pcmpgtb/psraw), horizontal sums
 * (psrldq / pshufd + paddd), and partial vectors with scalar epilogues.
 * Arrays are accessed both aligned (movdqa) and misaligned (movdqu).
 *
 * The scalar references keep an empty asm in their loop body, which stops
 * the vectoriser without changing the arithmetic.
 */
#include "rt.h"
#include <emmintrin.h>

#define N 1024
#define SCALAR_BARRIER() __asm__ volatile("")

static int32_t a32[N + 8] __attribute__((aligned(16)));
static int32_t b32[N + 8] __attribute__((aligned(16)));
static int32_t c32[N + 8] __attribute__((aligned(16)));
static int32_t r32[N + 8] __attribute__((aligned(16)));
/* +8: kernels also run on inputs offset by up to 3 elements. */
static uint32_t ua[N + 8], ub[N + 8], uc[N + 8], ur[N + 8];
static int16_t a16[N + 8], b16[N + 8], c16[N + 8], r16[N + 8];
static uint8_t bytes[4 * N + 64] __attribute__((aligned(16)));
static int8_t s8[N + 8];
static int64_t a64[N + 8], c64[N + 8], r64[N + 8];

static uint64_t digest;

static uint64_t fold32(const int32_t *p, int n)
{
    uint64_t h = 0;
    for (int i = 0; i < n; i++)
        h = rt_mix(h, (uint32_t)p[i]);
    return h;
}

static void report(const char *what, bool same, uint64_t ck)
{
    rt_printf("%-24s same=%d ck=%016lx\n", what, same, ck);
    rt_check(same, what);
    digest = rt_mix(digest, ck);
}

/* ---- vectorisable kernels (noinline so each is a separate loop) ---- */

#define KERNEL __attribute__((noinline)) static

KERNEL void v_add(int32_t *restrict c, const int32_t *restrict a, const int32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] + b[i]; }
KERNEL void v_mul(int32_t *restrict c, const int32_t *restrict a, const int32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = (int32_t)((uint32_t)a[i] * (uint32_t)b[i]); }
KERNEL void v_min(int32_t *restrict c, const int32_t *restrict a, const int32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] < b[i] ? a[i] : b[i]; }
KERNEL void v_max(int32_t *restrict c, const int32_t *restrict a, const int32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] > b[i] ? a[i] : b[i]; }
KERNEL void v_select(int32_t *restrict c, const int32_t *restrict a, const int32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] > b[i] ? a[i] - b[i] : (b[i] ^ 0x55); }
KERNEL void v_cmpmask(int32_t *restrict c, const int32_t *restrict a, const int32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = -(a[i] == b[i]) | (a[i] < b[i] ? 2 : 4); }
KERNEL void v_shift(int32_t *restrict c, const int32_t *restrict a, int n)
{ for (int i = 0; i < n; i++) c[i] = (a[i] >> 3) ^ (int32_t)((uint32_t)a[i] << 5) ^ (int32_t)((uint32_t)a[i] >> 7); }
KERNEL void v_abs(int32_t *restrict c, const int32_t *restrict a, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] < 0 ? (int32_t)(0u - (uint32_t)a[i]) : a[i]; }
KERNEL void v_umax(uint32_t *restrict c, const uint32_t *restrict a, const uint32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] > b[i] ? a[i] : b[i]; }
KERNEL void v_ugt(uint32_t *restrict c, const uint32_t *restrict a, const uint32_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] > b[i] ? 1u : 7u; }
KERNEL void v_mul16(int16_t *restrict c, const int16_t *restrict a, const int16_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = (int16_t)(a[i] * b[i]); }
KERNEL void v_min16(int16_t *restrict c, const int16_t *restrict a, const int16_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] < b[i] ? a[i] : b[i]; }
KERNEL void v_avgu8(uint8_t *restrict c, const uint8_t *restrict a, const uint8_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = (uint8_t)((a[i] + b[i] + 1) >> 1); }
KERNEL void v_maxu8(uint8_t *restrict c, const uint8_t *restrict a, const uint8_t *restrict b, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] > b[i] ? a[i] : b[i]; }
KERNEL void v_add64(int64_t *restrict c, const int64_t *restrict a, int n)
{ for (int i = 0; i < n; i++) c[i] = (int64_t)((uint64_t)a[i] + 0x100000001ull) ^ (a[i] >> 9); }
KERNEL void v_widen8(int32_t *restrict c, const int8_t *restrict a, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] * 3; }
KERNEL void v_widenu8(int32_t *restrict c, const uint8_t *restrict a, int n)
{ for (int i = 0; i < n; i++) c[i] = a[i] + 1000; }
KERNEL void v_narrow(int16_t *restrict c, const int32_t *restrict a, int n)
{ for (int i = 0; i < n; i++) c[i] = (int16_t)(a[i] >> 8); }
KERNEL int32_t v_sum(const int32_t *a, int n)
{ uint32_t s = 0; for (int i = 0; i < n; i++) s += (uint32_t)a[i]; return (int32_t)s; }
KERNEL int64_t v_sum_wide(const int32_t *a, int n)
{ int64_t s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
KERNEL int32_t v_dot16(const int16_t *a, const int16_t *b, int n)
{ uint32_t s = 0; for (int i = 0; i < n; i++) s += (uint32_t)(a[i] * b[i]); return (int32_t)s; }
KERNEL int32_t v_maxred(const int32_t *a, int n)
{ int32_t m = INT32_MIN; for (int i = 0; i < n; i++) m = a[i] > m ? a[i] : m; return m; }
KERNEL int v_count_eq(const uint8_t *p, int n, uint8_t k)
{ int c = 0; for (int i = 0; i < n; i++) c += p[i] == k; return c; }
KERNEL int v_count_lt(const int32_t *a, int n, int32_t k)
{ int c = 0; for (int i = 0; i < n; i++) c += a[i] < k; return c; }

/* ---- scalar references ---- */

#define REF __attribute__((noinline)) static
REF void s_add(int32_t *c, const int32_t *a, const int32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] + b[i]; } }
REF void s_mul(int32_t *c, const int32_t *a, const int32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = (int32_t)((uint32_t)a[i] * (uint32_t)b[i]); } }
REF void s_min(int32_t *c, const int32_t *a, const int32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] < b[i] ? a[i] : b[i]; } }
REF void s_max(int32_t *c, const int32_t *a, const int32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] > b[i] ? a[i] : b[i]; } }
REF void s_select(int32_t *c, const int32_t *a, const int32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] > b[i] ? a[i] - b[i] : (b[i] ^ 0x55); } }
REF void s_cmpmask(int32_t *c, const int32_t *a, const int32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = -(a[i] == b[i]) | (a[i] < b[i] ? 2 : 4); } }
REF void s_shift(int32_t *c, const int32_t *a, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = (a[i] >> 3) ^ (int32_t)((uint32_t)a[i] << 5) ^ (int32_t)((uint32_t)a[i] >> 7); } }
REF void s_abs(int32_t *c, const int32_t *a, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] < 0 ? (int32_t)(0u - (uint32_t)a[i]) : a[i]; } }
REF void s_umax(uint32_t *c, const uint32_t *a, const uint32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] > b[i] ? a[i] : b[i]; } }
REF void s_ugt(uint32_t *c, const uint32_t *a, const uint32_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] > b[i] ? 1u : 7u; } }
REF void s_mul16(int16_t *c, const int16_t *a, const int16_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = (int16_t)(a[i] * b[i]); } }
REF void s_min16(int16_t *c, const int16_t *a, const int16_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] < b[i] ? a[i] : b[i]; } }
REF void s_avgu8(uint8_t *c, const uint8_t *a, const uint8_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = (uint8_t)((a[i] + b[i] + 1) >> 1); } }
REF void s_maxu8(uint8_t *c, const uint8_t *a, const uint8_t *b, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] > b[i] ? a[i] : b[i]; } }
REF void s_add64(int64_t *c, const int64_t *a, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = (int64_t)((uint64_t)a[i] + 0x100000001ull) ^ (a[i] >> 9); } }
REF void s_widen8(int32_t *c, const int8_t *a, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] * 3; } }
REF void s_widenu8(int32_t *c, const uint8_t *a, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = a[i] + 1000; } }
REF void s_narrow(int16_t *c, const int32_t *a, int n)
{ for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c[i] = (int16_t)(a[i] >> 8); } }
REF int32_t s_sum(const int32_t *a, int n)
{ uint32_t s = 0; for (int i = 0; i < n; i++) { SCALAR_BARRIER(); s += (uint32_t)a[i]; } return (int32_t)s; }
REF int64_t s_sum_wide(const int32_t *a, int n)
{ int64_t s = 0; for (int i = 0; i < n; i++) { SCALAR_BARRIER(); s += a[i]; } return s; }
REF int32_t s_dot16(const int16_t *a, const int16_t *b, int n)
{ uint32_t s = 0; for (int i = 0; i < n; i++) { SCALAR_BARRIER(); s += (uint32_t)(a[i] * b[i]); } return (int32_t)s; }
REF int32_t s_maxred(const int32_t *a, int n)
{ int32_t m = INT32_MIN; for (int i = 0; i < n; i++) { SCALAR_BARRIER(); m = a[i] > m ? a[i] : m; } return m; }
REF int s_count_eq(const uint8_t *p, int n, uint8_t k)
{ int c = 0; for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c += p[i] == k; } return c; }
REF int s_count_lt(const int32_t *a, int n, int32_t k)
{ int c = 0; for (int i = 0; i < n; i++) { SCALAR_BARRIER(); c += a[i] < k; } return c; }

/* ---- explicit SSE2: memchr-style scan (pcmpeqb + pmovmskb + bsf) ---- */

static size_t sse2_memchr(const uint8_t *p, uint8_t c, size_t n)
{
    __m128i needle = _mm_set1_epi8((char)c);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(p + i));
        int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle));
        if (mask)
            return i + (size_t)__builtin_ctz((unsigned)mask);
    }
    for (; i < n; i++)
        if (p[i] == c)
            return i;
    return n;
}

/* strlen with aligned 16-byte loads: reads past the terminator, but never
 * past the 16-byte block containing it (so never into another page). */
static size_t sse2_strlen(const char *s)
{
    uintptr_t mis = (uintptr_t)s & 15;
    const __m128i *blk = (const __m128i *)(s - mis);
    __m128i zero = _mm_setzero_si128();
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(blk), zero)) >> mis;
    if (mask)
        return (size_t)__builtin_ctz(mask);
    for (size_t off = 16 - mis;; off += 16) {
        mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(++blk), zero));
        if (mask)
            return off + (size_t)__builtin_ctz(mask);
    }
}

/* Saturating arithmetic and shuffles have no plain-C idiom: intrinsics. */
static uint64_t sse2_misc(void)
{
    __m128i x = _mm_loadu_si128((const __m128i *)bytes);
    __m128i y = _mm_loadu_si128((const __m128i *)(bytes + 16));
    __m128i r = _mm_adds_epu8(x, y);
    r = _mm_xor_si128(r, _mm_subs_epi16(x, y));
    r = _mm_xor_si128(r, _mm_shuffle_epi32(r, 0x1b));
    r = _mm_add_epi64(r, _mm_shufflelo_epi16(r, 0xb1));
    r = _mm_xor_si128(r, _mm_shufflehi_epi16(r, 0x4e));
    r = _mm_add_epi32(r, _mm_madd_epi16(x, y));
    r = _mm_xor_si128(r, _mm_sad_epu8(x, y));
    r = _mm_add_epi16(r, _mm_packs_epi32(x, y));
    r = _mm_xor_si128(r, _mm_packus_epi16(x, y));
    r = _mm_add_epi8(r, _mm_unpackhi_epi8(x, y));
    r = _mm_sub_epi64(r, _mm_unpacklo_epi64(x, y));
    r = _mm_xor_si128(r, _mm_mulhi_epi16(x, y));
    r = _mm_xor_si128(r, _mm_mul_epu32(x, y));
    r = _mm_or_si128(_mm_slli_si128(r, 3), _mm_srli_epi64(r, 13));
    r = _mm_andnot_si128(_mm_srai_epi16(x, 3), r);
    uint64_t lo = (uint64_t)_mm_cvtsi128_si64(r);
    uint64_t hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(r, r));
    return lo ^ (hi * 3) ^ (uint64_t)_mm_extract_epi16(r, 5);
}

int main(int argc, char **argv, char **envp)
{
    uint64_t seed = rt_hide(777);
    for (int i = 0; i < N + 8; i++) {
        uint64_t x = rt_rand64(&seed);
        a32[i] = (int32_t)x;
        b32[i] = (int32_t)(x >> 32) >> (i % 9);   /* varied magnitudes */
        if (i % 11 == 0)
            b32[i] = a32[i];                      /* some equal pairs */
    }
    for (int i = 0; i < N + 8; i++) {
        ua[i] = (uint32_t)a32[i];
        ub[i] = (uint32_t)b32[(i + 1) % (N + 8)];
        a16[i] = (int16_t)a32[i];
        b16[i] = (int16_t)(b32[i] >> 3);
        s8[i] = (int8_t)(a32[i] >> 11);
        a64[i] = (int64_t)((uint64_t)(uint32_t)a32[i] << 32 | (uint32_t)b32[i]);
    }
    for (int i = 0; i < 2 * N; i++)
        bytes[i] = (uint8_t)(rt_rand64(&seed) % 61);
    for (int i = 2 * N; i < 4 * N + 64; i++)   /* scratch area, restored per round */
        bytes[i] = (uint8_t)(i * 13 % 61);

    /* n values that are not multiples of the vector width, and misaligned
     * starting points, exercise the prologue/epilogue paths. */
    static const int ns[] = {N, N - 1, 13, 3, 0};
    for (size_t k = 0; k < RT_ARRAY_LEN(ns); k++) {
        int n = ns[k];
        int off = (int)(k % 4);  /* misalign by 0..3 ints */
        const int32_t *pa = a32 + off, *pb = b32 + off;
        uint64_t ck = 0;
        bool same = true;
#define CMP32(VF, SF, ...)                                                      \
        VF(c32, __VA_ARGS__, n); SF(r32, __VA_ARGS__, n);                        \
        same &= memcmp(c32, r32, (size_t)n * 4) == 0;                          \
        ck = rt_mix(ck, fold32(c32, n));
        CMP32(v_add, s_add, pa, pb)
        CMP32(v_mul, s_mul, pa, pb)
        CMP32(v_min, s_min, pa, pb)
        CMP32(v_max, s_max, pa, pb)
        CMP32(v_select, s_select, pa, pb)
        CMP32(v_cmpmask, s_cmpmask, pa, pb)
        CMP32(v_shift, s_shift, pa)
        CMP32(v_abs, s_abs, pa)
        CMP32(v_widen8, s_widen8, s8 + off)
        CMP32(v_widenu8, s_widenu8, bytes + off)
        v_umax(uc, ua + off, ub, n); s_umax(ur, ua + off, ub, n);
        same &= memcmp(uc, ur, (size_t)n * 4) == 0;
        ck = rt_mix(ck, fold32((int32_t *)uc, n));
        v_ugt(uc, ua, ub + off, n); s_ugt(ur, ua, ub + off, n);
        same &= memcmp(uc, ur, (size_t)n * 4) == 0;
        ck = rt_mix(ck, fold32((int32_t *)uc, n));
        v_mul16(c16, a16 + off, b16, n); s_mul16(r16, a16 + off, b16, n);
        same &= memcmp(c16, r16, (size_t)n * 2) == 0;
        v_min16(c16 + 1, a16, b16 + off, n - (n > 0)); s_min16(r16 + 1, a16, b16 + off, n - (n > 0));
        same &= memcmp(c16, r16, (size_t)n * 2) == 0;
        v_narrow(c16, a32 + off, n); s_narrow(r16, a32 + off, n);
        same &= memcmp(c16, r16, (size_t)n * 2) == 0;
        for (int i = 0; i < n; i++)
            ck = rt_mix(ck, (uint16_t)c16[i]);
        uint8_t *cb = bytes + 2 * N, *rb = bytes + 3 * N;
        v_avgu8(cb, bytes + off, bytes + N, n); s_avgu8(rb, bytes + off, bytes + N, n);
        same &= memcmp(cb, rb, (size_t)n) == 0;
        v_maxu8(cb, bytes, bytes + N + off, n); s_maxu8(rb, bytes, bytes + N + off, n);
        same &= memcmp(cb, rb, (size_t)n) == 0;
        v_add64(c64, a64 + off, n); s_add64(r64, a64 + off, n);
        same &= memcmp(c64, r64, (size_t)n * 8) == 0;
        for (int i = 0; i < n; i++)
            ck = rt_mix(ck, (uint64_t)c64[i] ^ cb[i]);
        /* Restore the byte source region used as scratch above. */
        for (int i = 2 * N; i < 4 * N + 64; i++)
            bytes[i] = (uint8_t)(i * 13 % 61);

        int32_t vs = v_sum(pa, n), ss = s_sum(pa, n);
        int64_t vw = v_sum_wide(pa, n), sw = s_sum_wide(pa, n);
        int32_t vd = v_dot16(a16 + off, b16, n) , sd = s_dot16(a16 + off, b16, n);
        int32_t vm = v_maxred(pa, n), sm = s_maxred(pa, n);
        int vc = v_count_eq(bytes + off, 4 * n, 17), sc = s_count_eq(bytes + off, 4 * n, 17);
        int vl = v_count_lt(pa, n, 12345), sl = s_count_lt(pa, n, 12345);
        same &= vs == ss && vw == sw && vd == sd && vm == sm && vc == sc && vl == sl;
        rt_printf("n=%4d off=%d sum=%d wide=%ld dot16=%d max=%d count_eq=%d count_lt=%d\n",
                  n, off, vs, vw, vd, vm, vc, vl);
        char label[32] = "kernels round=";
        label[14] = (char)('0' + k);
        label[15] = 0;
        report(label, same, ck);
    }

    /* Explicit SSE2 scans at every alignment and position. */
    {
        bool same = true;
        uint64_t ck = 0;
        for (int al = 0; al < 16; al++)
            for (int n = 0; n < 80; n += 7) {
                const uint8_t *p = bytes + al;
                for (int v = 0; v < 61; v += 15) {
                    size_t got = sse2_memchr(p, (uint8_t)v, (size_t)n);
                    size_t want = (size_t)n;
                    for (int i = 0; i < n; i++) {
                        SCALAR_BARRIER();
                        if (p[i] == v) { want = (size_t)i; break; }
                    }
                    same &= got == want;
                    ck = rt_mix(ck, got);
                }
            }
        static char str[128] __attribute__((aligned(16)));
        for (int al = 0; al < 16; al++)
            for (int len = 0; len < 100; len += 3) {
                memset(str, 'x', sizeof str);
                str[al + len] = 0;
                size_t got = sse2_strlen(str + al);
                same &= got == (size_t)len;
                ck = rt_mix(ck, got);
            }
        report("sse2 memchr/strlen", same, ck);
    }
    report("sse2 misc intrinsics", true, sse2_misc());

    rt_printf("digest=%016lx\n", digest);
    return rt_report("vector");
}
