/*
 * divide.c - integer division and remainder at every width.
 *
 * Why: div/idiv are the x86 instructions with the most implicit state
 * (ah:al, dx:ax, edx:eax, rdx:rax halves; #DE on a quotient overflow), and
 * gcc replaces division by a constant with multiply-high + shift sequences
 * (mul/imul one-operand forms, sar/shr fix-ups, lea tricks) that are only
 * correct if the high half of the product is exactly right.
 *
 * Covered: C '/' and '%' on 8/16/32/64-bit signed and unsigned values
 * (truncation toward zero, remainder takes the dividend's sign), explicit
 * div/idiv of every operand size in inline asm (including a full 128-bit
 * rdx:rax dividend), __int128 division through libgcc (__divti3, __udivti3,
 * __modti3, __umodti3), division by many constants, and 64x64->128
 * multiplies. INT_MIN / -1 is never executed: it traps (#DE -> SIGFPE).
 */
#include "rt.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

static uint64_t digest;

static void fold(uint64_t v) { digest = rt_mix(digest, v); }

/* ---- C operators, operands hidden from the optimiser so real div runs ---- */

/* Works for any type, __int128 included: the value must go through memory. */
#define HIDE(x) __asm__ volatile("" : "+m"(x))

#define C_DIV_TEST(T, UT, NAME, SIGNED, MINV)                                   \
    static void NAME##_c_test(const T *v, int n)                                \
    {                                                                           \
        uint64_t ck = 0;                                                        \
        int pairs = 0;                                                          \
        for (int i = 0; i < n; i++)                                             \
            for (int j = 0; j < n; j++) {                                       \
                T a = v[i], b = v[j];                                           \
                HIDE(a);                                                        \
                HIDE(b);                                                        \
                if (b == 0 || (SIGNED && a == (T)MINV && b == (T)-1))           \
                    continue;                                                   \
                T q = (T)(a / b), r = (T)(a % b);                               \
                /* a == q*b + r, computed modulo 2^w to stay UB-free. */        \
                rt_check((UT)((UT)q * (UT)b + (UT)r) == (UT)a, #NAME " q*b+r");  \
                /* |r| < |b| and r has the sign of a (or is zero). */           \
                UT ar = r < 0 ? (UT)-(UT)r : (UT)r;                             \
                UT ab = b < 0 ? (UT)-(UT)b : (UT)b;                             \
                rt_check(ar < ab, #NAME " |r|<|b|");                            \
                rt_check(r == 0 || (r < 0) == (a < 0), #NAME " sign(r)");       \
                ck = rt_mix(ck, (uint64_t)(UT)q << 8 ^ (uint64_t)(UT)r);        \
                ck = rt_mix(ck, (uint64_t)((u128)(UT)q >> 64));                 \
                pairs++;                                                        \
            }                                                                   \
        rt_printf("c-ops %-7s pairs=%4d ck=%016lx\n", #NAME, pairs, ck);         \
        fold(ck);                                                               \
    }

/* -Wtype-limits would flag "r < 0" on unsigned instances; it is intended. */
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wbool-operation"
C_DIV_TEST(int8_t, uint8_t, int8, 1, INT8_MIN)
C_DIV_TEST(uint8_t, uint8_t, uint8, 0, 0)
C_DIV_TEST(int16_t, uint16_t, int16, 1, INT16_MIN)
C_DIV_TEST(uint16_t, uint16_t, uint16, 0, 0)
C_DIV_TEST(int32_t, uint32_t, int32, 1, INT32_MIN)
C_DIV_TEST(uint32_t, uint32_t, uint32, 0, 0)
C_DIV_TEST(int64_t, uint64_t, int64, 1, INT64_MIN)
C_DIV_TEST(uint64_t, uint64_t, uint64, 0, 0)
C_DIV_TEST(i128, u128, int128, 1, ((i128)1 << 127))
C_DIV_TEST(u128, u128, uint128, 0, 0)

/* ---- explicit div/idiv forms ---- */

/* divb: ax / r8 -> al = quotient, ah = remainder. */
static void asm_divb(uint16_t ax, uint8_t d, uint8_t *q, uint8_t *r)
{
    uint16_t x = ax;
    __asm__("divb %1" : "+a"(x) : "q"(d) : "cc");
    *q = (uint8_t)x;
    *r = (uint8_t)(x >> 8);
}

/* idivb with the dividend sign-extended by cbw. */
static void asm_idivb(int8_t a, int8_t d, int8_t *q, int8_t *r)
{
    uint16_t x = (uint8_t)a;
    __asm__("cbw\n\tidivb %1" : "+a"(x) : "q"(d) : "cc");
    *q = (int8_t)x;
    *r = (int8_t)(x >> 8);
}

static void asm_divw(uint16_t hi, uint16_t lo, uint16_t d, uint16_t *q, uint16_t *r)
{
    __asm__("divw %4" : "=a"(*q), "=d"(*r) : "0"(lo), "1"(hi), "rm"(d) : "cc");
}

static void asm_idivw(int16_t a, int16_t d, int16_t *q, int16_t *r)
{
    __asm__("cwd\n\tidivw %3" : "=a"(*q), "=&d"(*r) : "0"(a), "rm"(d) : "cc");
}

static void asm_divl(uint32_t hi, uint32_t lo, uint32_t d, uint32_t *q, uint32_t *r)
{
    __asm__("divl %4" : "=a"(*q), "=d"(*r) : "0"(lo), "1"(hi), "rm"(d) : "cc");
}

static void asm_idivl(int32_t a, int32_t d, int32_t *q, int32_t *r)
{
    __asm__("cltd\n\tidivl %3" : "=a"(*q), "=&d"(*r) : "0"(a), "rm"(d) : "cc");
}

static void asm_divq(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r)
{
    __asm__("divq %4" : "=a"(*q), "=d"(*r) : "0"(lo), "1"(hi), "rm"(d) : "cc");
}

static void asm_idivq(int64_t a, int64_t d, int64_t *q, int64_t *r)
{
    __asm__("cqto\n\tidivq %3" : "=a"(*q), "=&d"(*r) : "0"(a), "rm"(d) : "cc");
}

static void asm_tests(const int64_t *v, int n)
{
    uint64_t ck = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            uint64_t a = (uint64_t)v[i], b = (uint64_t)v[j];
            /* 8-bit: keep the high byte below the divisor so al cannot overflow. */
            uint8_t d8 = (uint8_t)b;
            if (d8) {
                uint16_t ax = (uint16_t)(((a >> 8) % d8) << 8 | (uint8_t)a);
                uint8_t q, r;
                asm_divb(ax, d8, &q, &r);
                rt_check(q == ax / d8 && r == ax % d8, "divb");
                ck = rt_mix(ck, q | r << 8);
            }
            if ((int8_t)b && !((int8_t)a == INT8_MIN && (int8_t)b == -1)) {
                int8_t q, r;
                asm_idivb((int8_t)a, (int8_t)b, &q, &r);
                rt_check(q == (int8_t)a / (int8_t)b && r == (int8_t)a % (int8_t)b, "idivb");
                ck = rt_mix(ck, (uint8_t)q | (uint8_t)r << 8);
            }
            uint16_t d16 = (uint16_t)b;
            if (d16) {
                uint16_t hi = (uint16_t)((a >> 16) % d16), lo = (uint16_t)a, q, r;
                asm_divw(hi, lo, d16, &q, &r);
                uint32_t full = (uint32_t)hi << 16 | lo;
                rt_check(q == full / d16 && r == full % d16, "divw");
                ck = rt_mix(ck, q | (uint32_t)r << 16);
            }
            if ((int16_t)b && !((int16_t)a == INT16_MIN && (int16_t)b == -1)) {
                int16_t q, r;
                asm_idivw((int16_t)a, (int16_t)b, &q, &r);
                rt_check(q == (int16_t)a / (int16_t)b && r == (int16_t)a % (int16_t)b, "idivw");
                ck = rt_mix(ck, (uint16_t)q | (uint32_t)(uint16_t)r << 16);
            }
            uint32_t d32 = (uint32_t)b;
            if (d32) {
                uint32_t hi = (uint32_t)((a >> 32) % d32), lo = (uint32_t)a, q, r;
                asm_divl(hi, lo, d32, &q, &r);
                uint64_t full = (uint64_t)hi << 32 | lo;
                rt_check(q == full / d32 && r == full % d32, "divl");
                ck = rt_mix(ck, q | (uint64_t)r << 32);
            }
            if ((int32_t)b && !((int32_t)a == INT32_MIN && (int32_t)b == -1)) {
                int32_t q, r;
                asm_idivl((int32_t)a, (int32_t)b, &q, &r);
                rt_check(q == (int32_t)a / (int32_t)b && r == (int32_t)a % (int32_t)b, "idivl");
                ck = rt_mix(ck, (uint32_t)q | (uint64_t)(uint32_t)r << 32);
            }
            if (b) {
                /* A real 128-by-64 division: the high half is a*7 mod b < b. */
                uint64_t hi = (a * 7) % b, q, r;
                asm_divq(hi, a, b, &q, &r);
                u128 full = (u128)hi << 64 | a;
                rt_check(q == (uint64_t)(full / b) && r == (uint64_t)(full % b), "divq");
                ck = rt_mix(ck, q ^ r);
            }
            if (b && !((int64_t)a == INT64_MIN && (int64_t)b == -1)) {
                int64_t q, r;
                asm_idivq((int64_t)a, (int64_t)b, &q, &r);
                rt_check(q == (int64_t)a / (int64_t)b && r == (int64_t)a % (int64_t)b, "idivq");
                ck = rt_mix(ck, (uint64_t)q ^ (uint64_t)r);
            }
        }
    rt_printf("asm div/idiv b/w/l/q ck=%016lx\n", ck);
    fold(ck);
}

/* ---- division by constants: gcc emits multiply-high sequences ---- */

#define CONST_DIV(T, NAME, K)                                                   \
    static uint64_t NAME(T x, T hidden_k, bool *ok)                             \
    {                                                                           \
        T q = x / (K), r = x % (K);                                             \
        *ok = q == x / hidden_k && r == x % hidden_k;                           \
        return (uint64_t)q * 31 + (uint64_t)r;                                  \
    }

CONST_DIV(uint32_t, u32_div3, 3u)
CONST_DIV(uint32_t, u32_div7, 7u)
CONST_DIV(uint32_t, u32_div10, 10u)
CONST_DIV(uint32_t, u32_div641, 641u)
CONST_DIV(uint32_t, u32_div16, 16u)
CONST_DIV(uint32_t, u32_div_big, 0x80000001u)
CONST_DIV(int32_t, s32_div3, 3)
CONST_DIV(int32_t, s32_div7, 7)
CONST_DIV(int32_t, s32_div10, 10)
CONST_DIV(int32_t, s32_divm5, -5)
CONST_DIV(int32_t, s32_div16, 16)
CONST_DIV(int32_t, s32_divm1024, -1024)
CONST_DIV(uint64_t, u64_div3, 3u)
CONST_DIV(uint64_t, u64_div7, 7u)
CONST_DIV(uint64_t, u64_div10, 10u)
CONST_DIV(uint64_t, u64_div1e9p7, 1000000007u)
CONST_DIV(uint64_t, u64_div_big, 0x8000000000000001ull)
CONST_DIV(int64_t, s64_div3, 3)
CONST_DIV(int64_t, s64_div7, 7)
CONST_DIV(int64_t, s64_div10, 10)
CONST_DIV(int64_t, s64_divm5, -5)
CONST_DIV(int64_t, s64_div1e9p7, 1000000007)
CONST_DIV(int64_t, s64_div4096, 4096)
CONST_DIV(uint16_t, u16_div3, 3)
CONST_DIV(int16_t, s16_div7, 7)
CONST_DIV(uint8_t, u8_div10, 10)
CONST_DIV(int8_t, s8_divm3, -3)

#define RUN_CONST(NAME, T, K)                                                   \
    do {                                                                        \
        uint64_t ck = 0;                                                        \
        bool all = true;                                                        \
        for (int i = 0; i < n; i++) {                                           \
            bool ok;                                                            \
            ck = rt_mix(ck, NAME((T)v[i], (T)rt_hide((uint64_t)(T)(K)), &ok));  \
            all &= ok;                                                          \
        }                                                                       \
        rt_printf("const %-13s ok=%d ck=%016lx\n", #NAME, all, ck);             \
        rt_check(all, #NAME);                                                   \
        fold(ck);                                                               \
    } while (0)

static void const_tests(const int64_t *v, int n)
{
    RUN_CONST(u32_div3, uint32_t, 3u);
    RUN_CONST(u32_div7, uint32_t, 7u);
    RUN_CONST(u32_div10, uint32_t, 10u);
    RUN_CONST(u32_div641, uint32_t, 641u);
    RUN_CONST(u32_div16, uint32_t, 16u);
    RUN_CONST(u32_div_big, uint32_t, 0x80000001u);
    RUN_CONST(s32_div3, int32_t, 3);
    RUN_CONST(s32_div7, int32_t, 7);
    RUN_CONST(s32_div10, int32_t, 10);
    RUN_CONST(s32_divm5, int32_t, -5);
    RUN_CONST(s32_div16, int32_t, 16);
    RUN_CONST(s32_divm1024, int32_t, -1024);
    RUN_CONST(u64_div3, uint64_t, 3u);
    RUN_CONST(u64_div7, uint64_t, 7u);
    RUN_CONST(u64_div10, uint64_t, 10u);
    RUN_CONST(u64_div1e9p7, uint64_t, 1000000007u);
    RUN_CONST(u64_div_big, uint64_t, 0x8000000000000001ull);
    RUN_CONST(s64_div3, int64_t, 3);
    RUN_CONST(s64_div7, int64_t, 7);
    RUN_CONST(s64_div10, int64_t, 10);
    RUN_CONST(s64_divm5, int64_t, -5);
    RUN_CONST(s64_div1e9p7, int64_t, 1000000007);
    RUN_CONST(s64_div4096, int64_t, 4096);
    RUN_CONST(u16_div3, uint16_t, 3);
    RUN_CONST(s16_div7, int16_t, 7);
    RUN_CONST(u8_div10, uint8_t, 10);
    RUN_CONST(s8_divm3, int8_t, -3);
}

/* ---- 64x64 -> 128 multiplies (mul / imul one-operand forms) ---- */

static void mul_tests(const int64_t *v, int n)
{
    uint64_t ck = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            uint64_t a = rt_hide((uint64_t)v[i]), b = (uint64_t)v[j];
            u128 up = (u128)a * b;
            i128 sp = (i128)(int64_t)a * (int64_t)b;
            /* Schoolbook check of the unsigned high half with 32-bit limbs. */
            uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
            uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
            uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
            uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
            rt_check((uint64_t)(up >> 64) == hi, "mul high");
            /* signed high = unsigned high - (a<0 ? b : 0) - (b<0 ? a : 0) */
            uint64_t shi = hi - ((int64_t)a < 0 ? b : 0) - ((int64_t)b < 0 ? a : 0);
            rt_check((uint64_t)((u128)sp >> 64) == shi, "imul high");
            ck = rt_mix(ck, (uint64_t)(up >> 64) ^ (uint64_t)up);
            ck = rt_mix(ck, (uint64_t)((u128)sp >> 64));
        }
    rt_printf("mul 64x64->128 ck=%016lx\n", ck);
    fold(ck);
}

static void print_u128(u128 v)
{
    rt_printf("%016lx%016lx", (uint64_t)(v >> 64), (uint64_t)v);
}

static const int64_t values[] = {
    0, 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 127, -128, 255, 256, -32768, 32767,
    65535, 65536, 12345, -12345, 1000000007, 0x7fffffff, -0x7fffffff - 1,
    0xffffffff, 0x100000000, 0x123456789abcdef, -0x123456789abcdef,
    INT64_MAX, INT64_MIN, INT64_MIN + 1, 0x5555555555555555, -0x3333333333333333,
};

int main(int argc, char **argv, char **envp)
{
    enum { NV = RT_ARRAY_LEN(values) };
    int8_t v8[NV]; uint8_t u8[NV]; int16_t v16[NV]; uint16_t u16[NV];
    int32_t v32[NV]; uint32_t u32[NV]; uint64_t u64[NV];
    i128 v128[NV + 4]; u128 w128[NV + 4];
    for (int i = 0; i < NV; i++) {
        int64_t x = values[i];
        v8[i] = (int8_t)x; u8[i] = (uint8_t)x; v16[i] = (int16_t)x; u16[i] = (uint16_t)x;
        v32[i] = (int32_t)x; u32[i] = (uint32_t)x; u64[i] = (uint64_t)x;
        v128[i] = (i128)x * (i % 3 == 0 ? 1 : x ^ 0x1234); /* spans all 128 bits */
        w128[i] = (u128)(uint64_t)x << (i % 65);
    }
    /* Extremes of the 128-bit range. */
    v128[NV] = (i128)((u128)1 << 127);          /* INT128_MIN */
    v128[NV + 1] = (i128)(((u128)1 << 127) - 1);  /* INT128_MAX */
    v128[NV + 2] = -(i128)1000000007;
    v128[NV + 3] = (i128)1 << 64;
    w128[NV] = ~(u128)0;
    w128[NV + 1] = (u128)1 << 127;
    w128[NV + 2] = (u128)0xffffffffffffffffull;
    w128[NV + 3] = ((u128)1 << 64) + 1;

    int8_c_test(v8, NV);
    uint8_c_test(u8, NV);
    int16_c_test(v16, NV);
    uint16_c_test(u16, NV);
    int32_c_test(v32, NV);
    uint32_c_test(u32, NV);
    int64_c_test(values, NV);
    uint64_c_test(u64, NV);
    int128_c_test(v128, NV + 4);
    uint128_c_test(w128, NV + 4);

    i128 big = v128[NV + 1];
    rt_printf("INT128_MAX / 1000000007 = ");
    print_u128((u128)(big / (i128)rt_hide(1000000007)));
    rt_printf(" rem %lu\n", (uint64_t)(big % (i128)rt_hide(1000000007)));
    rt_printf("-INT128_MAX / 3 = ");
    print_u128((u128)(-big / (i128)rt_hide(3)));
    rt_printf("\n");

    asm_tests(values, NV);
    const_tests(values, NV);
    mul_tests(values, NV);

    rt_printf("digest=%016lx\n", digest);
    return rt_report("divide");
}
