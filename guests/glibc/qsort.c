/*
 * qsort.c (glibc) - qsort and bsearch on integers and strings.
 *
 * Why: qsort calls back into program code through a function pointer for
 * every comparison (glibc's qsort is a mergesort with a temporary buffer
 * from the stack or malloc); inputs come from srand(1)/rand(), which is
 * deterministic for a given glibc.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NINT 5000
#define NSTR 600

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ints[NINT];
static char words[NSTR][16];
static const char *ptrs[NSTR];

int main(void)
{
    srand(1);
    for (int i = 0; i < NINT; i++)
        ints[i] = rand() % 100000 - 50000;
    qsort(ints, NINT, sizeof ints[0], cmp_int);
    int sorted = 1;
    uint64_t ck = 0;
    for (int i = 1; i < NINT; i++)
        sorted &= ints[i - 1] <= ints[i];
    for (int i = 0; i < NINT; i++)
        ck = ck * 1000003u + (uint32_t)ints[i];
    printf("ints: sorted=%d min=%d median=%d max=%d ck=%016llx\n", sorted, ints[0],
           ints[NINT / 2], ints[NINT - 1], (unsigned long long)ck);

    int hits = 0, misses = 0;
    for (int k = -50000; k < 50000; k += 37) {
        int *p = bsearch(&k, ints, NINT, sizeof ints[0], cmp_int);
        if (p) {
            hits++;
            if (*p != k)
                sorted = 0;
        } else {
            misses++;
        }
    }
    printf("bsearch: hits=%d misses=%d\n", hits, misses);

    qsort(ints, NINT, sizeof ints[0], cmp_int_desc);
    printf("descending: first=%d last=%d\n", ints[0], ints[NINT - 1]);

    for (int i = 0; i < NSTR; i++) {
        int len = 3 + rand() % 10;
        for (int k = 0; k < len; k++)
            words[i][k] = (char)('a' + rand() % 6);   /* many shared prefixes */
        words[i][len] = 0;
        ptrs[i] = words[i];
    }
    qsort(ptrs, NSTR, sizeof ptrs[0], cmp_str);
    int sorted_s = 1;
    for (int i = 1; i < NSTR; i++)
        sorted_s &= strcmp(ptrs[i - 1], ptrs[i]) <= 0;
    printf("strings: sorted=%d first=%s second=%s last=%s\n", sorted_s, ptrs[0], ptrs[1],
           ptrs[NSTR - 1]);
    const char *key = words[123];
    const char **found = bsearch(&key, ptrs, NSTR, sizeof ptrs[0], cmp_str);
    printf("bsearch string \"%s\": %s\n", key, found && strcmp(*found, key) == 0 ? "found" : "missing");
    const char *absent = "zzz";
    printf("bsearch string \"zzz\": %s\n",
           bsearch(&absent, ptrs, NSTR, sizeof ptrs[0], cmp_str) ? "found" : "missing");
    return !(sorted && sorted_s);
}
