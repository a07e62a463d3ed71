/*
 * vectorize.c (glibc) - loops a compiler turns into vector code.
 *
 * Why: built twice, -march=x86-64-v2 -O2 (SSE4.1/4.2 and SSSE3: pshufb,
 * pblendvb, pminsd, pmovzx, ptest, ...) and -march=x86-64-v3 -O3 (VEX AVX2
 * on YMM registers, FMA, BMI2 shifts, vzeroupper, gathers from indexed
 * loads, masked tails), the shapes of code distributions and -march=native
 * users now run. Every result is folded into a checksum and printed, with
 * a few samples in full, so any wrong lane shows.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 1000

static int32_t ia[N + 8], ib[N + 8], ic[N + 8];
static int16_t sa[N + 8], sb[N + 8];
static uint8_t ua[N + 8], ub[N + 8];
static float fa[N + 8], fb[N + 8], fc[N + 8];
static double da[N + 8], db[N + 8], dc[N + 8];
static int64_t la[N + 8];
static uint32_t idx[N + 8];

static uint64_t ck = 1469598103934665603ull;
static void mix(uint64_t v) { ck = (ck ^ v) * 1099511628211ull; }
static void mixd(double v) { uint64_t b; memcpy(&b, &v, 8); mix(b); }
static void mixf(float v) { uint32_t b; memcpy(&b, &v, 4); mix(b); }

static uint32_t seed = 12345;
static uint32_t next(void) { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; return seed; }

__attribute__((noinline)) static void fill(void)
{
    for (int i = 0; i < N + 8; i++) {
        ia[i] = (int32_t)next() >> (i % 7);
        ib[i] = (int32_t)next() % 1000 - 500;
        sa[i] = (int16_t)next();
        sb[i] = (int16_t)(next() % 300);
        ua[i] = (uint8_t)next();
        ub[i] = (uint8_t)(next() >> 5);
        fa[i] = (float)((int32_t)next() % 100000) / 7.0f;
        fb[i] = (float)((int32_t)next() % 1000) / 13.0f + 0.5f;
        da[i] = (double)(int32_t)next() / 3.0;
        db[i] = (double)((int32_t)next() % 5000) / 11.0 + 0.25;
        la[i] = ((int64_t)next() << 32) | next();
        idx[i] = next() % N;
    }
}

__attribute__((noinline)) static void integer_loops(int n)
{
    for (int i = 0; i < n; i++) ic[i] = ia[i] > ib[i] ? ia[i] : ib[i];          /* pmaxsd */
    for (int i = 0; i < n; i++) ic[i] += ia[i] * ib[i];                          /* pmulld */
    for (int i = 0; i < n; i++) ic[i] ^= (ia[i] >> (ib[i] & 15));                /* vpsravd */
    for (int i = 0; i < n; i++) ic[i] += (uint32_t)ua[i] + sb[i];                /* pmovzx/pmovsx */
    for (int i = 0; i < n; i++) ic[i] = ia[i] < 0 ? -ia[i] : ic[i];              /* pabsd, blends */
    for (int i = 0; i < n; i++) la[i] = la[i] * 3 + (la[i] > ia[i] ? 1 : -1);    /* pcmpgtq */
    for (int i = 0; i < n; i++) ua[i] = ua[i] > ub[i] ? ua[i] - ub[i] : ub[i] - ua[i]; /* psubusb/pmaxub */
    for (int i = 0; i < n; i++) sa[i] = (int16_t)((sa[i] * sb[i]) >> 8);         /* pmulhw-like */
    for (int i = 0; i < n; i++) ic[i] += ia[idx[i]];                              /* gather */
    int64_t sum = 0;
    int32_t mn = INT32_MAX;
    for (int i = 0; i < n; i++) { sum += ic[i]; mn = ic[i] < mn ? ic[i] : mn; }    /* reductions */
    mix((uint64_t)sum);
    mix((uint32_t)mn);
    for (int i = 0; i < n; i++) { mix((uint32_t)ic[i]); mix((uint64_t)la[i]); mix(ua[i]); mix((uint16_t)sa[i]); }
    printf("int n=%d sum=%lld min=%d ic[7]=%d la[3]=%lld ua[5]=%u sa[9]=%d\n", n, (long long)sum, mn, ic[7], (long long)la[3], ua[5], sa[9]);
}

__attribute__((noinline)) static void float_loops(int n)
{
    for (int i = 0; i < n; i++) fc[i] = fa[i] * fb[i] + fc[i];                    /* FMA under v3 */
    for (int i = 0; i < n; i++) dc[i] = da[i] / db[i] - dc[i] * 0.5;
    for (int i = 0; i < n; i++) fc[i] = fc[i] > 0 ? sqrtf(fc[i]) : -fc[i];
    for (int i = 0; i < n; i++) dc[i] = fmax(dc[i], da[i] * 1e-3);
    for (int i = 0; i < n; i++) fc[i] = (float)dc[i] + fc[i];                     /* cvtpd2ps */
    for (int i = 0; i < n; i++) ic[i] = (int32_t)fc[i];                           /* cvttps2dq */
    float fs = 0;
    double ds = 0;
    for (int i = 0; i < n; i++) { fs += fa[i] * fb[i]; ds += da[i] * db[i]; }    /* dot products */
    for (int i = 0; i < n; i++) { mixf(fc[i]); mixd(dc[i]); mix((uint32_t)ic[i]); }
    mixf(fs);
    mixd(ds);
    printf("float n=%d fs=%a ds=%a fc[1]=%a dc[2]=%a ic[3]=%d\n", n, fs, ds, fc[1], dc[2], ic[3]);
}

__attribute__((noinline)) static void string_loops(void)
{
    char text[600];
    for (int i = 0; i < 599; i++) text[i] = (char)('a' + next() % 26);
    text[599] = 0;
    int counts[26] = { 0 };
    for (int i = 0; i < 599; i++) counts[text[i] - 'a']++;
    for (int i = 0; i < 26; i++) mix((uint32_t)counts[i]);
    size_t spans = 0;
    for (const char *p = text; *p; p++) spans += strcspn(p, "xyz") + strspn(p, "abcdefghijklm");
    mix(spans);
    printf("strings spans=%zu strstr=%td count[e]=%d\n", spans, strstr(text, "qu") ? strstr(text, "qu") - text : -1, counts[4]);
}

int main(void)
{
    fill();
    static const int sizes[] = { 1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 999, 1000 };
    for (unsigned k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        integer_loops(sizes[k]);
        float_loops(sizes[k]);
    }
    string_loops();
    printf("checksum %016llx\n", (unsigned long long)ck);
    return 0;
}
