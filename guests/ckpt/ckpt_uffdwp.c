/*
 * ckpt_uffdwp.c - technique uffdwp (issue 17): the kernel tracks the writes, through userfaultfd.
 *
 * A userfaultfd with UFFD_FEATURE_WP_ASYNC (which brings WP_UNPOPULATED) registers the CDA in
 * write-protect mode, and UFFDIO_WRITEPROTECT protects every page of it, populated or not (PTE
 * markers). A write to a protected page faults inside the kernel only, which clears the uffd-wp
 * bit and lets the write through: no message, no signal. At the end of a cycle PAGEMAP_SCAN on
 * /proc/self/pagemap with PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC and category PAGE_IS_WRITTEN
 * returns the written pages as regions and write-protects them again in the same call: the next
 * cycle starts clean with no second system call. This is CRIU's use (criu/pagemap_scan.h, its
 * PAGEMAP_SCAN dirty tracking) and the kernel's own selftest's (tools/testing/selftests/mm/
 * pagemap_ioctl.c). Documentation/admin-guide/mm/userfaultfd.rst and pagemap.rst define it.
 *
 * UFFD_USER_MODE_ONLY lets an unprivileged process in (vm.unprivileged_userfaultfd=0 refuses it
 * otherwise); CHECK_WPASYNC makes a CDA the userfaultfd does not cover an error (EPERM), not a
 * silent skip.
 */
#include "ckpt_uffdwp.h"

#define CKPT_SYS_ioctl       16
#define CKPT_SYS_openat      257
#define CKPT_SYS_userfaultfd 323
#define CKPT_AT_FDCWD     (-100)
#define CKPT_O_RDONLY     0
#define CKPT_O_CLOEXEC    0x80000
#define CKPT_O_NONBLOCK   0x800

/* include/uapi/linux/userfaultfd.h */
#define UFFD_USER_MODE_ONLY 1
#define UFFD_API 0xAAul
#define UFFD_FEATURE_WP_UNPOPULATED (1ul << 13)
#define UFFD_FEATURE_WP_ASYNC (1ul << 15)
#define UFFDIO_REGISTER_MODE_WP 2ul
#define UFFDIO_WRITEPROTECT_MODE_WP 1ul
#define UFFDIO_API 0xc018aa3ful
#define UFFDIO_REGISTER 0xc020aa00ul
#define UFFDIO_WRITEPROTECT 0xc018aa06ul

/* include/uapi/linux/fs.h */
#define PAGEMAP_SCAN 0xc0606610ul
#define PAGE_IS_WRITTEN (1ul << 1)
#define PM_SCAN_WP_MATCHING (1ul << 0)
#define PM_SCAN_CHECK_WPASYNC (1ul << 1)

#define PAGE 4096ul
#define REGIONS 64 /* page_regions per scan (1.5 KiB); a fuller CDA takes more scans, each from walk_end */

struct page_region { ckpt_u64 start, end, categories; };

struct pm_scan_arg {
    ckpt_u64 size, flags, start, end, walk_end, vec, vec_len, max_pages;
    ckpt_u64 category_inverted, category_mask, category_anyof_mask, return_mask;
};

static struct {
    long uffd;
    long pagemap;
    struct page_region regions[REGIONS];
} uw = { -1, -1, { { 0, 0, 0 } } };

static long uffd_ioctl(unsigned long request, void *argument)
{
    return ckpt_syscall6(CKPT_SYS_ioctl, uw.uffd, (long)request, (long)argument, 0, 0, 0);
}

long ckpt_uffdwp_register(ckpt_uptr cda, unsigned long len)
{
    uw.uffd = ckpt_syscall6(CKPT_SYS_userfaultfd, CKPT_O_CLOEXEC | CKPT_O_NONBLOCK | UFFD_USER_MODE_ONLY, 0, 0, 0, 0, 0);
    if (uw.uffd < 0)
        return uw.uffd;
    ckpt_u64 api[3] = { UFFD_API, UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED, 0 };
    long r = uffd_ioctl(UFFDIO_API, api);
    if (r < 0)
        return r;
    ckpt_u64 reg[4] = { cda, len, UFFDIO_REGISTER_MODE_WP, 0 };
    if ((r = uffd_ioctl(UFFDIO_REGISTER, reg)) < 0)
        return r;
    ckpt_u64 wp[3] = { cda, len, UFFDIO_WRITEPROTECT_MODE_WP };
    if ((r = uffd_ioctl(UFFDIO_WRITEPROTECT, wp)) < 0)
        return r;
    uw.pagemap = ckpt_syscall6(CKPT_SYS_openat, CKPT_AT_FDCWD, (long)"/proc/self/pagemap",
                               CKPT_O_RDONLY | CKPT_O_CLOEXEC, 0, 0, 0);
    return uw.pagemap < 0 ? uw.pagemap : 0;
}

long ckpt_uffdwp_collect(ckpt_uptr cda, unsigned long len, ckpt_u64 *pages, ckpt_u64 cap,
                         ckpt_u64 *npages, ckpt_u64 *lost)
{
    struct pm_scan_arg arg = {
        .size = sizeof arg,
        .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
        .start = cda,
        .end = cda + len,
        .vec = (ckpt_u64)(ckpt_uptr)uw.regions,
        .vec_len = REGIONS,
        .category_mask = PAGE_IS_WRITTEN,
        .return_mask = PAGE_IS_WRITTEN,
    };
    /* A full vector stops the walk at walk_end: scan on from there until the end. */
    for (;;) {
        long n = ckpt_syscall6(CKPT_SYS_ioctl, uw.pagemap, (long)PAGEMAP_SCAN, (long)&arg, 0, 0, 0);
        if (n < 0)
            return n;
        for (long i = 0; i < n; i++) {
            for (ckpt_u64 page = uw.regions[i].start; page < uw.regions[i].end; page += PAGE) {
                if (*npages < cap)
                    pages[(*npages)++] = page;
                else
                    *lost = 1;
            }
        }
        if (arg.walk_end >= cda + len)
            return 0;
        arg.start = arg.walk_end;
    }
}
