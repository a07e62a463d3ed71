/*
 * uffdwp.c - userfaultfd write-protection in its asynchronous mode with the PAGEMAP_SCAN ioctl,
 * used the way CRIU's incremental dumps use it (criu/pagemap_scan.h, criu/mem.c: a userfaultfd
 * with UFFD_FEATURE_WP_ASYNC, the memory registered in WP mode, then PAGEMAP_SCAN with
 * PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC and category PAGE_IS_WRITTEN, which returns the
 * pages written since the last scan and write-protects them again in the same call).
 * Documentation/admin-guide/mm/userfaultfd.rst and pagemap.rst define the interface; the
 * structures are spelled out here (include/uapi/linux/userfaultfd.h and fs.h, Linux 6.7) so the
 * program builds against older headers.
 *
 * It prints one line per probe, page numbers relative to its own mappings, so the output of two
 * kernels can be compared line for line (tests/HvSim.Tests/GuestOs/UffdWpTests.cs). Soft-dirty
 * is left out of every mask: the development machine's kernel has none (softdirty.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096ul
#define HUGE (2ul << 20)
#define PAGES 16

#define SYS_USERFAULTFD 323
#define UFFD_USER_MODE_ONLY 1
#define UFFD_API 0xAAull
#define UFFD_FEATURE_WP_UNPOPULATED (1ull << 13)
#define UFFD_FEATURE_WP_ASYNC (1ull << 15)
#define UFFDIO_REGISTER_MODE_MISSING 1ull
#define UFFDIO_REGISTER_MODE_WP 2ull
#define UFFDIO_WRITEPROTECT_MODE_WP 1ull
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE 2ull
#define UFFDIO_API_NR 0xc018aa3ful
#define UFFDIO_REGISTER_NR 0xc020aa00ul
#define UFFDIO_UNREGISTER_NR 0x8010aa01ul
#define UFFDIO_WRITEPROTECT_NR 0xc018aa06ul

#define PAGEMAP_SCAN_NR 0xc0606610ul
#define PAGE_IS_WPALLOWED (1ull << 0)
#define PAGE_IS_WRITTEN (1ull << 1)
#define PAGE_IS_FILE (1ull << 2)
#define PAGE_IS_PRESENT (1ull << 3)
#define PAGE_IS_SWAPPED (1ull << 4)
#define PAGE_IS_PFNZERO (1ull << 5)
#define PAGE_IS_HUGE (1ull << 6)
#define PM_SCAN_WP_MATCHING (1ull << 0)
#define PM_SCAN_CHECK_WPASYNC (1ull << 1)
/* Every 6.7 category but soft-dirty. */
#define CATS (PAGE_IS_WPALLOWED | PAGE_IS_WRITTEN | PAGE_IS_FILE | PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO | PAGE_IS_HUGE)

#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_UFFD_WP (1ull << 57)

struct uffdio_api_ { uint64_t api, features, ioctls; };
struct uffdio_range_ { uint64_t start, len; };
struct uffdio_register_ { struct uffdio_range_ range; uint64_t mode, ioctls; };
struct uffdio_writeprotect_ { struct uffdio_range_ range; uint64_t mode; };
struct page_region_ { uint64_t start, end, categories; };
struct pm_scan_arg_ {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

static int uffd, pagemap;
static char *m;            /* PAGES private anonymous pages, alone in their 2 MiB */
static struct page_region_ regions[32];

static long result(long r) { return r < 0 ? -errno : r; }

static void touch(int page) { m[page * PAGE] = (char)(page + 1); }

static int peek(int page) { return *(volatile char *)(m + page * PAGE); }

static long wp(char *base, unsigned long pages, uint64_t mode)
{
    struct uffdio_writeprotect_ w = { { (uintptr_t)base, pages * PAGE }, mode };
    return result(ioctl(uffd, UFFDIO_WRITEPROTECT_NR, &w));
}

/* One PAGEMAP_SCAN; prints "name ret=N walk_end=P regions" with pages relative to base. */
static long scan(const char *name, char *base, unsigned long from, unsigned long to, uint64_t flags, uint64_t vec_len,
                 uint64_t max_pages, uint64_t inverted, uint64_t mask, uint64_t anyof, uint64_t ret_mask)
{
    struct pm_scan_arg_ a = {
        sizeof a, flags, (uintptr_t)base + from * PAGE, (uintptr_t)base + to * PAGE, 0,
        (uintptr_t)regions, vec_len, max_pages, inverted, mask, anyof, ret_mask,
    };
    memset(regions, 0xee, sizeof regions);
    long r = result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a));
    printf("%s ret=%ld walk_end=%ld", name, r, (long)((a.walk_end - (uintptr_t)base) / PAGE));
    for (long i = 0; i < r && i < 32; i++)
        printf(" [%ld,%ld)=%#llx", (long)((regions[i].start - (uintptr_t)base) / PAGE),
               (long)((regions[i].end - (uintptr_t)base) / PAGE), (unsigned long long)regions[i].categories);
    printf("\n");
    return r;
}

static void criu_scan(const char *name, uint64_t vec_len, uint64_t max_pages, unsigned long from)
{
    scan(name, m, from, PAGES, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, vec_len, max_pages,
         0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
}

static void all(const char *name) { scan(name, m, 0, PAGES, 0, 32, 0, 0, 0, 0, CATS); }

static void entries(const char *name)
{
    printf("%s", name);
    for (int i = 0; i < PAGES; i++) {
        uint64_t e = 0;
        if (pread(pagemap, &e, 8, (off_t)((uintptr_t)(m + i * PAGE) / PAGE * 8)) != 8)
            e = ~0ull;
        printf(" %c%c%c", e & PM_PRESENT ? 'p' : '-', e & PM_SWAP ? 's' : '-', e & PM_UFFD_WP ? 'w' : '-');
    }
    printf("\n");
}

/* PAGES private pages at a 2 MiB boundary, the rest of the 2 MiB unmapped: their page table holds nothing else. */
static char *aligned(int flags, unsigned long pages)
{
    char *big = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    if (big == MAP_FAILED)
        return NULL;
    char *base = (char *)(((uintptr_t)big + HUGE - 1) & ~(HUGE - 1));
    if (base > big)
        munmap(big, (size_t)(base - big));
    munmap(base + pages * PAGE, (size_t)(big + 2 * HUGE - (base + pages * PAGE)));
    return base;
}

int main(void)
{
    uffd = (int)syscall(SYS_USERFAULTFD, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (uffd < 0) {
        printf("userfaultfd: errno %d\n", errno);
        return 0;
    }
    pagemap = open("/proc/self/pagemap", O_RDONLY);
    char msg[32];
    printf("read-before-api %ld\n", result(read(uffd, msg, sizeof msg)));
    printf("ioctl-before-api %ld\n", wp((char *)HUGE, 1, UFFDIO_WRITEPROTECT_MODE_WP));

    struct uffdio_api_ api = { 0xAB, 0, 0 };
    printf("api-bad-version %ld features=%#llx\n", result(ioctl(uffd, UFFDIO_API_NR, &api)), (unsigned long long)api.features);
    api = (struct uffdio_api_){ UFFD_API, UFFD_FEATURE_WP_ASYNC, 0 };
    long r = result(ioctl(uffd, UFFDIO_API_NR, &api));
    printf("api %ld wp_async=%d wp_unpopulated=%d ioctls=%#llx\n", r, !!(api.features & UFFD_FEATURE_WP_ASYNC),
           !!(api.features & UFFD_FEATURE_WP_UNPOPULATED), (unsigned long long)api.ioctls);
    struct uffdio_api_ again = { UFFD_API, UFFD_FEATURE_WP_ASYNC, 0 };
    printf("api-again %ld\n", result(ioctl(uffd, UFFDIO_API_NR, &again)));
    printf("read-no-message %ld\n", result(read(uffd, msg, sizeof msg)));
    printf("read-short %ld\n", result(read(uffd, msg, 8)));

    m = aligned(MAP_PRIVATE, PAGES);
    for (int i = 0; i < 8; i++)
        touch(i);
    (void)peek(8); /* the zero page */

    struct uffdio_register_ reg = { { (uintptr_t)m, PAGES * PAGE }, UFFDIO_REGISTER_MODE_WP, 0 };
    r = result(ioctl(uffd, UFFDIO_REGISTER_NR, &reg));
    printf("register %ld writeprotect_ioctl=%d\n", r, !!(reg.ioctls & (1ull << 6)));
    struct uffdio_register_ bad = { { (uintptr_t)m + 1, PAGE }, UFFDIO_REGISTER_MODE_WP, 0 };
    printf("register-unaligned %ld\n", result(ioctl(uffd, UFFDIO_REGISTER_NR, &bad)));
    bad = (struct uffdio_register_){ { (uintptr_t)m, PAGE }, 0, 0 };
    printf("register-no-mode %ld\n", result(ioctl(uffd, UFFDIO_REGISTER_NR, &bad)));
    bad = (struct uffdio_register_){ { (uintptr_t)m, PAGE }, 8, 0 };
    printf("register-bad-mode %ld\n", result(ioctl(uffd, UFFDIO_REGISTER_NR, &bad)));
    bad = (struct uffdio_register_){ { (uintptr_t)m + HUGE, PAGE }, UFFDIO_REGISTER_MODE_WP, 0 };
    printf("register-no-vma %ld\n", result(ioctl(uffd, UFFDIO_REGISTER_NR, &bad)));

    all("registered");
    entries("registered-pagemap");
    printf("writeprotect %ld\n", wp(m, PAGES, UFFDIO_WRITEPROTECT_MODE_WP));
    printf("writeprotect-both-modes %ld\n", wp(m, PAGES, UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE));
    all("protected");
    entries("protected-pagemap");

    touch(1);
    touch(3);
    touch(10);     /* unpopulated: the marker's page is populated protected, then its write faults */
    (void)peek(12); /* a read of a marker: the zero page, still protected */
    all("written");
    entries("written-pagemap");
    criu_scan("criu-scan", 32, 0, 0);
    criu_scan("criu-scan-again", 32, 0, 0);
    all("rescanned");

    for (int i = 2; i <= 5; i++)
        touch(i);
    criu_scan("max-pages-2", 32, 2, 0);
    criu_scan("max-pages-rest", 32, 0, 4);
    touch(0);
    touch(2);
    touch(4);
    criu_scan("vec-len-2", 2, 0, 0);
    criu_scan("vec-len-rest", 32, 0, 0);
    touch(12); /* the protected zero page: copied, written */
    criu_scan("zero-page-written", 32, 0, 0);

    touch(6);
    scan("no-wp-matching", m, 0, PAGES, 0, 32, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
    scan("no-wp-matching-again", m, 0, PAGES, 0, 32, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
    scan("inverted", m, 0, PAGES, 0, 32, 0, PAGE_IS_WRITTEN, PAGE_IS_WRITTEN, 0, CATS);
    scan("anyof", m, 0, PAGES, 0, 32, 0, 0, 0, PAGE_IS_PFNZERO | PAGE_IS_SWAPPED, CATS);
    scan("wp-no-vector", m, 0, PAGES, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, 0, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
    all("after-wp-no-vector");

    /* pagemap_scan_get_args' checks. */
    struct pm_scan_arg_ a = { sizeof a, 0, (uintptr_t)m, (uintptr_t)m + PAGE, 0, 0, 0, 0, 0, 0, 0, 0 };
    a.size = 8;
    printf("scan-bad-size %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a)));
    a.size = sizeof a;
    a.flags = 4;
    printf("scan-bad-flags %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a)));
    a.flags = 0;
    a.category_mask = 1ull << 9;
    printf("scan-bad-category %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a)));
    a.category_mask = 0;
    a.start = (uintptr_t)m + 8;
    printf("scan-unaligned %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a)));
    a.start = (uintptr_t)m;
    a.vec_len = 4;
    printf("scan-no-vec %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a)));
    a.vec_len = 0;
    a.end = (uintptr_t)m - PAGE;
    printf("scan-end-below-start %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a)));
    a.end = (uintptr_t)m + PAGE + 1;
    r = result(ioctl(pagemap, PAGEMAP_SCAN_NR, &a));
    printf("scan-end-rounded %ld walk_end=%ld\n", r, (long)((a.walk_end - (uintptr_t)m) / PAGE));
    printf("scan-bad-ioctl %ld\n", result(ioctl(pagemap, PAGEMAP_SCAN_NR + 1, &a)));

    /* Memory the userfaultfd does not cover. */
    char *other = aligned(MAP_PRIVATE, 4);
    other[0] = 1;
    scan("unregistered-check", other, 0, 4, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, 32, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
    scan("unregistered-wp", other, 0, 4, PM_SCAN_WP_MATCHING, 32, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
    scan("unregistered-plain", other, 0, 4, 0, 32, 0, 0, 0, 0, CATS);
    printf("writeprotect-unregistered %ld\n", wp(other, 4, UFFDIO_WRITEPROTECT_MODE_WP));

    /* Shared memory (shmem): markers whatever the features, file pages. */
    char *s = aligned(MAP_SHARED, 4);
    s[0] = 1;
    (void)*(volatile char *)(s + PAGE);
    reg = (struct uffdio_register_){ { (uintptr_t)s, 4 * PAGE }, UFFDIO_REGISTER_MODE_WP, 0 };
    printf("shmem-register %ld\n", result(ioctl(uffd, UFFDIO_REGISTER_NR, &reg)));
    printf("shmem-writeprotect %ld\n", wp(s, 4, UFFDIO_WRITEPROTECT_MODE_WP));
    scan("shmem-protected", s, 0, 4, 0, 32, 0, 0, 0, 0, CATS);
    s[2 * PAGE] = 1;
    scan("shmem-criu", s, 0, 4, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, 32, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);

    /* Resolving: the bits cleared, the markers dropped. */
    printf("unprotect %ld\n", wp(m, PAGES, 0));
    all("unprotected");
    entries("unprotected-pagemap");
    struct uffdio_range_ range = { (uintptr_t)m, PAGES * PAGE };
    printf("unregister %ld\n", result(ioctl(uffd, UFFDIO_UNREGISTER_NR, &range)));
    scan("unregistered-after", m, 0, PAGES, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, 32, 0, 0, PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
    printf("writeprotect-after-unregister %ld\n", wp(m, PAGES, UFFDIO_WRITEPROTECT_MODE_WP));
    close(uffd);
    scan("closed", s, 0, 4, 0, 32, 0, 0, 0, 0, CATS);
    return 0;
}
