/*
 * malloc.c (glibc) - the allocator under a deterministic workload.
 *
 * Why: glibc malloc exercises brk growth (main arena), mmap for large
 * blocks (>= 128 KiB by default) and munmap on free, tcache and bin
 * management, realloc in place and by moving, calloc zeroing (on fresh
 * mmap memory it may skip the memset, trusting the kernel's zero pages).
 * Contents are verified after every operation; only checksums and
 * counters are printed, never addresses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct { unsigned char *p; size_t n; unsigned char tag; } slot[SLOTS];
static int errors;

static void fill(int i)
{
    memset(slot[i].p, slot[i].tag, slot[i].n);
}

/* Index of the first byte in p[0..n) that differs from v, or n. Checks the
 * first and last 64 bytes and one byte in every 512 between: enough to
 * catch lost or misplaced blocks while keeping the instruction count
 * modest under an interpreter. */
static size_t sampled_mismatch(const unsigned char *p, size_t n, unsigned char v)
{
    size_t head = n < 64 ? n : 64, tail = n < 64 ? 0 : n - 64;
    for (size_t k = 0; k < head; k++)
        if (p[k] != v)
            return k;
    for (size_t k = head; k < tail; k += 512)
        if (p[k] != v)
            return k;
    for (size_t k = tail > head ? tail : head; k < n; k++)
        if (p[k] != v)
            return k;
    return n;
}

static void verify(int i, size_t n)
{
    if (sampled_mismatch(slot[i].p, n, slot[i].tag) != n)
        errors++;
}

static size_t pick_size(void)
{
    uint64_t r = next();
    switch (r % 32) {
    case 0: return (size_t)(r >> 8) % (64 * 1024) + 128 * 1024;   /* mmap-sized */
    case 1: case 2: return (size_t)(r >> 8) % 65536;
    case 3: case 4: case 5: return (size_t)(r >> 8) % 4096;
    default: return (size_t)(r >> 8) % 256;
    }
}

int main(void)
{
    uint64_t allocs = 0, frees = 0, reallocs = 0, callocs = 0, bytes = 0;

    for (int round = 0; round < 4000; round++) {
        int i = (int)(next() % SLOTS);
        uint64_t action = next() % 10;
        if (!slot[i].p) {
            size_t n = pick_size();
            if (action < 2) {
                slot[i].p = calloc(n, 1);
                callocs++;
                if (sampled_mismatch(slot[i].p, n, 0) != n)
                    errors++;
            } else {
                slot[i].p = malloc(n);
                allocs++;
            }
            if (!slot[i].p && n) {
                printf("allocation of %zu failed\n", n);
                return 1;
            }
            slot[i].n = n;
            slot[i].tag = (unsigned char)(round * 7 + 1);
            fill(i);
            bytes += n;
        } else if (action < 3) {
            size_t n = pick_size();
            size_t keep = n < slot[i].n ? n : slot[i].n;
            unsigned char *q = realloc(slot[i].p, n);
            reallocs++;
            if (!q && n) {
                printf("realloc to %zu failed\n", n);
                return 1;
            }
            slot[i].p = q;
            verify(i, keep);     /* old contents preserved up to min size */
            slot[i].n = n;
            fill(i);
            bytes += n;
        } else {
            verify(i, slot[i].n);
            free(slot[i].p);
            frees++;
            slot[i].p = NULL;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slot[i].p) {
            verify(i, slot[i].n);
            free(slot[i].p);
            frees++;
        }
    }

    /* Alignment requests. */
    int misaligned = 0;
    for (size_t align = 16; align <= 65536; align *= 4) {
        void *p = NULL;
        if (posix_memalign(&p, align, 1000) != 0 || ((uintptr_t)p & (align - 1)))
            misaligned++;
        free(p);
        p = aligned_alloc(align, align * 2);
        if (!p || ((uintptr_t)p & (align - 1)))
            misaligned++;
        free(p);
    }
    /* malloc's own guarantee is 16-byte alignment on x86-64. */
    for (int i = 1; i < 200; i += 7) {
        void *p = malloc((size_t)i);
        misaligned += ((uintptr_t)p & 15) != 0;
        free(p);
    }

    printf("malloc: allocs=%llu callocs=%llu reallocs=%llu frees=%llu bytes=%llu\n",
           (unsigned long long)allocs, (unsigned long long)callocs,
           (unsigned long long)reallocs, (unsigned long long)frees,
           (unsigned long long)bytes);
    printf("malloc: content errors=%d misaligned=%d\n", errors, misaligned);
    return errors || misaligned;
}
