/*
 * sort.c - insertion, quick, merge and heap sort over int8/16/32/64, signed
 * and unsigned, plus a qsort-style generic sort through a comparator pointer.
 *
 * Why: the same algorithm instantiated for eight element types makes gcc
 * emit every load width with sign or zero extension (movsbl, movzwl,
 * movslq...), signed vs unsigned compares (jl/jg vs jb/ja, cmovl vs cmovb),
 * scaled-index addressing with scales 1, 2, 4 and 8, and stores of each
 * width. Inputs include duplicates, sorted and reverse-sorted runs.
 *
 * The four algorithms must agree element-for-element; each result must be
 * sorted and a permutation of the input (order-independent sum + xor).
 */
#include "rt.h"

#define N 160

static uint64_t seed;

/* Input shapes: random, random with few distinct values, ascending,
 * descending, and organ-pipe. */
static uint64_t gen(int shape, int i)
{
    switch (shape) {
    case 0: return rt_rand64(&seed);
    case 1: return rt_rand64(&seed) % 5 - 2;
    case 2: return (uint64_t)i * 0x01010101010101ull - 600;
    case 3: return (uint64_t)(N - i) * 0x0100000001ull;
    default: return (uint64_t)(i < N / 2 ? i : N - i) << (i % 8);
    }
}

#define DEFINE_SORTS(T, NAME, SIGNED)                                               \
    static void NAME##_insertion(T *a, int n)                                   \
    {                                                                           \
        for (int i = 1; i < n; i++) {                                           \
            T v = a[i];                                                         \
            int j = i - 1;                                                      \
            while (j >= 0 && a[j] > v) {                                        \
                a[j + 1] = a[j];                                                \
                j--;                                                            \
            }                                                                   \
            a[j + 1] = v;                                                       \
        }                                                                       \
    }                                                                           \
    /* Hoare partition, median-of-three pivot, recurse on the smaller side. */  \
    static void NAME##_quick(T *a, int lo, int hi)                              \
    {                                                                           \
        while (lo < hi) {                                                       \
            int mid = lo + (hi - lo) / 2;                                       \
            T x = a[lo], y = a[mid], z = a[hi];                                 \
            T pivot = x < y ? (y < z ? y : (x < z ? z : x))                     \
                            : (x < z ? x : (y < z ? z : y));                    \
            int i = lo - 1, j = hi + 1;                                         \
            for (;;) {                                                          \
                do i++; while (a[i] < pivot);                                   \
                do j--; while (a[j] > pivot);                                   \
                if (i >= j)                                                     \
                    break;                                                      \
                T t = a[i]; a[i] = a[j]; a[j] = t;                              \
            }                                                                   \
            if (j - lo < hi - j) {                                              \
                NAME##_quick(a, lo, j);                                         \
                lo = j + 1;                                                     \
            } else {                                                            \
                NAME##_quick(a, j + 1, hi);                                     \
                hi = j;                                                         \
            }                                                                   \
        }                                                                       \
    }                                                                           \
    static void NAME##_merge(T *a, T *tmp, int lo, int hi)                      \
    {                                                                           \
        if (hi - lo < 2)                                                        \
            return;                                                             \
        int mid = lo + (hi - lo) / 2;                                           \
        NAME##_merge(a, tmp, lo, mid);                                          \
        NAME##_merge(a, tmp, mid, hi);                                          \
        int i = lo, j = mid, k = lo;                                            \
        while (i < mid && j < hi)                                               \
            tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];                           \
        while (i < mid)                                                         \
            tmp[k++] = a[i++];                                                  \
        while (j < hi)                                                          \
            tmp[k++] = a[j++];                                                  \
        for (k = lo; k < hi; k++)                                               \
            a[k] = tmp[k];                                                      \
    }                                                                           \
    static void NAME##_sift(T *a, int root, int n)                              \
    {                                                                           \
        for (;;) {                                                              \
            int child = 2 * root + 1;                                           \
            if (child >= n)                                                     \
                return;                                                         \
            if (child + 1 < n && a[child] < a[child + 1])                       \
                child++;                                                        \
            if (!(a[root] < a[child]))                                          \
                return;                                                         \
            T t = a[root]; a[root] = a[child]; a[child] = t;                    \
            root = child;                                                       \
        }                                                                       \
    }                                                                           \
    static void NAME##_heap(T *a, int n)                                        \
    {                                                                           \
        for (int i = n / 2 - 1; i >= 0; i--)                                    \
            NAME##_sift(a, i, n);                                               \
        for (int end = n - 1; end > 0; end--) {                                 \
            T t = a[0]; a[0] = a[end]; a[end] = t;                              \
            NAME##_sift(a, 0, end);                                             \
        }                                                                       \
    }                                                                           \
    static int NAME##_cmp(const void *p, const void *q)                         \
    {                                                                           \
        T x = *(const T *)p, y = *(const T *)q;                                 \
        return (x > y) - (x < y);                                               \
    }                                                                           \
    static void NAME##_test(const char *tname, int shape)                       \
    {                                                                           \
        static T in[N], out[5][N], tmp[N];                                      \
        for (int i = 0; i < N; i++)                                             \
            in[i] = (T)gen(shape, i);                                           \
        for (int k = 0; k < 5; k++)                                             \
            memcpy(out[k], in, sizeof in);                                      \
        NAME##_insertion(out[0], N);                                            \
        NAME##_quick(out[1], 0, N - 1);                                         \
        NAME##_merge(out[2], tmp, 0, N);                                        \
        NAME##_heap(out[3], N);                                                 \
        generic_sort(out[4], N, sizeof(T), NAME##_cmp);                         \
        uint64_t in_sum = 0, in_xor = 0, out_sum = 0, out_xor = 0, ck = 0;      \
        for (int i = 0; i < N; i++) {                                           \
            in_sum += (uint64_t)in[i];                                          \
            in_xor ^= (uint64_t)in[i];                                          \
            out_sum += (uint64_t)out[0][i];                                     \
            out_xor ^= (uint64_t)out[0][i];                                     \
            ck = rt_mix(ck, (uint64_t)out[0][i]);                               \
        }                                                                       \
        bool sorted = true, agree = true;                                       \
        for (int i = 1; i < N; i++)                                             \
            sorted &= !(out[0][i] < out[0][i - 1]);                             \
        for (int k = 1; k < 5; k++)                                             \
            agree &= memcmp(out[0], out[k], sizeof in) == 0;                    \
        rt_printf(SIGNED ?      "%-8s shape=%d min=%lld max=%lld "                \
                            : "%-8s shape=%d min=%llu max=%llu ",               \
                  tname, shape, (long long)out[0][0], (long long)out[0][N - 1]);\
        rt_printf("sorted=%d agree=%d perm=%d ck=%016llx\n", sorted, agree,     \
                  in_sum == out_sum && in_xor == out_xor,                       \
                  (unsigned long long)ck);                                      \
        rt_check(sorted, "sorted");                                             \
        rt_check(agree, "algorithms agree");                                    \
        rt_check(in_sum == out_sum && in_xor == out_xor, "permutation");        \
    }

/* Byte-wise generic shell sort through a comparator: indirect calls and a
 * variable element size (memcpy with a non-constant length). */
static void generic_sort(void *base, size_t n, size_t size,
                         int (*cmp)(const void *, const void *))
{
    unsigned char *a = base;
    unsigned char tmp[16];
    static const size_t gaps[] = {132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < RT_ARRAY_LEN(gaps); g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            memcpy(tmp, a + i * size, size);
            size_t j = i;
            while (j >= gap && cmp(a + (j - gap) * size, tmp) > 0) {
                memcpy(a + j * size, a + (j - gap) * size, size);
                j -= gap;
            }
            memcpy(a + j * size, tmp, size);
        }
    }
}

DEFINE_SORTS(int8_t, s8, 1)
DEFINE_SORTS(uint8_t, u8, 0)
DEFINE_SORTS(int16_t, s16, 1)
DEFINE_SORTS(uint16_t, u16, 0)
DEFINE_SORTS(int32_t, s32, 1)
DEFINE_SORTS(uint32_t, u32, 0)
DEFINE_SORTS(int64_t, s64, 1)
DEFINE_SORTS(uint64_t, u64, 0)

int main(int argc, char **argv, char **envp)
{
    for (int shape = 0; shape < 5; shape++) {
        seed = rt_hide(2024 + shape);
        s8_test("int8", shape);
        u8_test("uint8", shape);
        s16_test("int16", shape);
        u16_test("uint16", shape);
        s32_test("int32", shape);
        u32_test("uint32", shape);
        s64_test("int64", shape);
        u64_test("uint64", shape);
    }
    return rt_report("sort");
}
