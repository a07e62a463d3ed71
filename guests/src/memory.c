/*
 * memory.c - the address-space syscalls: mmap (anonymous private, shared,
 * fixed), munmap (whole and partial), mprotect (read-only, none, and back),
 * brk (grow, shrink), plus the error returns Linux gives for bad arguments.
 *
 * Why: these are the calls a guest kernel model must get exactly right for
 * checkpointing (VMAs split and merge, permissions change without losing
 * contents, new anonymous memory reads as zero). The program never reads or
 * writes memory it does not currently have the right to, so it runs to
 * completion; fault.c covers the faulting case.
 *
 * Only deltas and contents are printed, never addresses: brk and mmap bases
 * are randomised by the kernel.
 */
#include "rt.h"

#define PAGE 4096ul

static uint64_t digest;

/* Fills n bytes with a position-dependent pattern keyed by k. */
static void fill(uint8_t *p, size_t n, uint32_t k)
{
    uint64_t *w = (uint64_t *)p;
    for (size_t i = 0; i < n / 8; i++)
        w[i] = (i + 1) * 0x9e3779b97f4a7c15ull ^ k;
}

static bool check(const uint8_t *p, size_t n, uint32_t k)
{
    const uint64_t *w = (const uint64_t *)p;
    for (size_t i = 0; i < n / 8; i++)
        if (w[i] != ((i + 1) * 0x9e3779b97f4a7c15ull ^ k))
            return false;
    return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)p;
    for (size_t i = 0; i < n / 8; i++)
        if (w[i])
            return false;
    return true;
}

static uint64_t sum(const uint8_t *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)p;
    uint64_t s = 0;
    for (size_t i = 0; i < n / 8; i++)
        s = rt_mix(s, w[i]);
    return s;
}

static void result(const char *what, long value, long expect)
{
    rt_printf("%-40s %ld\n", what, value);
    rt_check(value == expect, what);
    digest = rt_mix(digest, (uint64_t)value);
}

static void *map_anon(size_t len, int prot, int flags)
{
    return sys_mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

int main(int argc, char **argv, char **envp)
{
    const int RW = PROT_READ | PROT_WRITE;

    /* Private anonymous: zero-filled, writable, then gone. */
    uint8_t *p = map_anon(16 * PAGE, RW, MAP_PRIVATE);
    result("mmap private 64K ok", !RT_IS_ERR(p), 1);
    result("  page-aligned", ((uintptr_t)p & (PAGE - 1)) == 0, 1);
    result("  reads as zero", all_zero(p, 16 * PAGE), 1);
    fill(p, 16 * PAGE, 1);
    result("  pattern survives", check(p, 16 * PAGE, 1), 1);
    digest = rt_mix(digest, sum(p, 16 * PAGE));
    result("munmap 64K", sys_munmap(p, 16 * PAGE), 0);

    /* Shared anonymous (no fork here: behaves like private memory, but takes
     * the shared-mapping path in the kernel). */
    uint8_t *s = map_anon(4 * PAGE, RW, MAP_SHARED);
    result("mmap shared 16K ok", !RT_IS_ERR(s), 1);
    result("  reads as zero", all_zero(s, 4 * PAGE), 1);
    fill(s, 4 * PAGE, 2);
    result("  pattern survives", check(s, 4 * PAGE, 2), 1);
    result("munmap shared", sys_munmap(s, 4 * PAGE), 0);

    /* mprotect: RW -> R (read still works) -> NONE -> RW (contents kept). */
    uint8_t *q = map_anon(3 * PAGE, RW, MAP_PRIVATE);
    for (int i = 0; i < 3; i++)
        fill(q + i * PAGE, PAGE, 3);
    result("mprotect middle page read-only", sys_mprotect(q + PAGE, PAGE, PROT_READ), 0);
    result("  read-only page still readable", check(q + PAGE, PAGE, 3), 1);
    fill(q, PAGE, 4);                       /* the neighbours stay writable */
    fill(q + 2 * PAGE, PAGE, 4);
    result("  neighbours writable", check(q, PAGE, 4) && check(q + 2 * PAGE, PAGE, 4), 1);
    result("mprotect all PROT_NONE", sys_mprotect(q, 3 * PAGE, PROT_NONE), 0);
    result("mprotect all back to RW", sys_mprotect(q, 3 * PAGE, RW), 0);
    result("  contents kept", check(q, PAGE, 4) && check(q + PAGE, PAGE, 3) &&
                                  check(q + 2 * PAGE, PAGE, 4), 1);
    fill(q + PAGE, PAGE, 5);
    result("  middle page writable again", check(q + PAGE, PAGE, 5), 1);

    /* Partial munmap punches a hole; MAP_FIXED fills it with a fresh page. */
    result("munmap middle page", sys_munmap(q + PAGE, PAGE), 0);
    result("  outer pages intact", check(q, PAGE, 4) && check(q + 2 * PAGE, PAGE, 4), 1);
    uint8_t *hole = sys_mmap(q + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    result("mmap MAP_FIXED into the hole", hole == q + PAGE, 1);
    result("  new page reads as zero", all_zero(hole, PAGE), 1);
    /* MAP_FIXED over existing pages replaces them with zero pages. */
    uint8_t *over = sys_mmap(q, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    result("mmap MAP_FIXED over a mapped page", over == q, 1);
    result("  replaced page reads as zero", all_zero(q, PAGE), 1);
    result("  last page untouched", check(q + 2 * PAGE, PAGE, 4), 1);
    result("munmap 3 pages", sys_munmap(q, 3 * PAGE), 0);

    /* A fixed address far from everything else: the kernel must honour it. */
    uint8_t *want = (uint8_t *)0x200000000ul;
    uint8_t *f = sys_mmap(want, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    result("mmap MAP_FIXED at 0x200000000", f == want, 1);
    fill(f, 2 * PAGE, 6);
    result("  pattern survives", check(f, 2 * PAGE, 6), 1);
    result("munmap fixed", sys_munmap(f, 2 * PAGE), 0);

    /* A bigger region touched once per page: 1024 first-touch page faults. */
    size_t big = 1024 * PAGE;
    uint8_t *b = map_anon(big, RW, MAP_PRIVATE);
    result("mmap 4M ok", !RT_IS_ERR(b), 1);
    for (size_t i = 0; i < big; i += PAGE)
        *(uint64_t *)(b + i + (i / PAGE % 512) * 8) = i / PAGE * 3 + 1;
    uint64_t t = 0;
    for (size_t i = 0; i < big; i += PAGE)
        t += *(uint64_t *)(b + i + (i / PAGE % 512) * 8);
    result("  per-page sum", (long)t, 1024 * 1023 / 2 * 3 + 1024);
    result("munmap 4M", sys_munmap(b, big), 0);

    /* Error returns (-errno in rax). */
    uint8_t *e = map_anon(2 * PAGE, RW, MAP_PRIVATE);
    result("munmap unaligned -> -EINVAL", sys_munmap(e + 1, PAGE), -RT_EINVAL);
    result("mprotect unaligned -> -EINVAL", sys_mprotect(e + 1, PAGE, PROT_READ), -RT_EINVAL);
    result("mmap length 0 -> -EINVAL", (long)map_anon(0, RW, MAP_PRIVATE), -RT_EINVAL);
    result("mmap without PRIVATE/SHARED -> -EINVAL", (long)map_anon(PAGE, RW, 0), -RT_EINVAL);
    result("munmap e (2 pages)", sys_munmap(e, 2 * PAGE), 0);
    result("mprotect unmapped -> -ENOMEM", sys_mprotect(e, PAGE, PROT_READ), -RT_ENOMEM);
    result("munmap unmapped range -> 0", sys_munmap(e, 2 * PAGE), 0);
    result("write(-1) -> -EBADF", sys_write(-1, "x", 1), -9);
    result("read(-1) -> -EBADF", sys_read(-1, e, 1), -9);
    result("write(1, len 0) -> 0", sys_write(1, "", 0), 0);
    result("getpid() > 0", sys_getpid() > 0, 1);

    /* brk: grow, use, grow more, shrink, restore. */
    long b0 = sys_brk(0);
    long b1 = sys_brk((void *)(b0 + 64 * 1024));
    result("brk grow 64K delta", b1 - b0, 64 * 1024);
    uint8_t *heap = (uint8_t *)b0;
    result("  new heap reads as zero", all_zero(heap, 64 * 1024), 1);
    fill(heap, 64 * 1024, 7);
    long b2 = sys_brk((void *)(b0 + 256 * 1024));
    result("brk grow 256K delta", b2 - b0, 256 * 1024);
    result("  first 64K intact", check(heap, 64 * 1024, 7), 1);
    result("  grown part zero", all_zero(heap + 64 * 1024, 192 * 1024), 1);
    fill(heap + 64 * 1024, 192 * 1024, 8);
    long b3 = sys_brk((void *)(b0 + 4096));
    result("brk shrink to 4K delta", b3 - b0, 4096);
    result("  brk(0) agrees", sys_brk(0) - b0, 4096);
    result("  first page intact", check(heap, 4096, 7), 1);
    long b4 = sys_brk((void *)(b0 + 8192));
    result("brk regrow to 8K delta", b4 - b0, 8192);
    /* Linux zeroes pages released by a shrink, so the regrown page is zero. */
    result("  regrown page zero", all_zero(heap + 4096, 4096), 1);
    long huge = sys_brk((void *)(b0 + (1l << 46)));
    result("brk absurd size fails (unchanged)", huge - b0, 8192);
    result("brk restore", sys_brk((void *)b0) - b0, 0);

    rt_printf("digest=%016lx\n", digest);
    return rt_report("memory");
}
