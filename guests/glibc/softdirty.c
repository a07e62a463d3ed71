/*
 * softdirty.c - Linux's soft-dirty interface used the way CRIU uses it (criu/mem.c,
 * criu/pagemap-cache.c): write "4" to /proc/self/clear_refs, let the program run, then read
 * /proc/self/pagemap with pread at each page's offset (virtual page number * 8) and look at
 * bit 55 (PM_SOFT_DIRTY), with 63 (present), 61 (file/shared) and 56 (exclusive) beside it.
 * Documentation/admin-guide/mm/soft-dirty.rst and pagemap.rst define the bits.
 *
 * It prints one line per probe. The first line says whether soft-dirty works on this kernel
 * (a page written after clear_refs reads soft-dirty): on a kernel built without
 * CONFIG_MEM_SOFT_DIRTY bit 55 stays 0, and only the other bits and the error codes can be
 * compared (tests/HvSim.Tests/GuestOs/SoftDirtyTests.cs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ul
#define PAGES 6

static int clear_refs, pagemap;
static char *m;

static uint64_t entry(const void *addr)
{
    uint64_t e = 0;
    if (pread(pagemap, &e, 8, (off_t)((uintptr_t)addr / PAGE * 8)) != 8)
        return ~0ull;
    return e;
}

static void clear(void)
{
    if (write(clear_refs, "4", 1) != 1)
        printf("clear_refs: errno %d\n", errno);
}

static void show(const char *step, int page)
{
    uint64_t e = entry(m + page * PAGE);
    printf("%s p%d present=%d sd=%d excl=%d file=%d\n", step, page, (int)(e >> 63 & 1), (int)(e >> 55 & 1),
           (int)(e >> 56 & 1), (int)(e >> 61 & 1));
}

int main(void)
{
    clear_refs = open("/proc/self/clear_refs", O_WRONLY);
    pagemap = open("/proc/self/pagemap", O_RDONLY);
    if (clear_refs < 0 || pagemap < 0) {
        printf("open: errno %d\n", errno);
        return 1;
    }
    m = mmap(0, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;

    /* Does soft-dirty work here? A page written after clear_refs must read soft-dirty. */
    char *probe = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    probe[0] = 1;
    clear();
    probe[0] = 2;
    printf("softdirty=%s\n", entry(probe) >> 55 & 1 ? "functional" : "absent");
    munmap(probe, PAGE);

    show("fresh", 0);                 /* never touched: a hole in a VM_SOFTDIRTY VMA */
    m[0] = 1;                         /* p0 written */
    volatile char r = m[PAGE];        /* p1 read: the zero page */
    (void)r;
    show("touched", 0);
    show("touched", 1);
    show("touched", 2);
    clear();
    show("cleared", 0);
    show("cleared", 1);
    show("cleared", 2);
    m[0] = 2;                         /* a write after clear_refs: the kernel's write-protect fault */
    m[2 * PAGE] = 2;                  /* a first write after clear_refs */
    show("rewritten", 0);
    show("rewritten", 1);
    show("rewritten", 2);

    /* mprotect splits and merges the VMA; it does not make it soft-dirty again. */
    mprotect(m + 3 * PAGE, PAGE, PROT_READ);
    mprotect(m + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE);
    m[4 * PAGE] = 4;
    show("split-merged", 3);
    show("split-merged", 4);

    /* mprotect RO then RW of pages not soft-dirty must keep them write-protected (the next
     * write still has to fault to set the bit: mm/mprotect.c can_change_pte_writable). */
    clear();
    mprotect(m, PAGES * PAGE, PROT_READ);
    mprotect(m, PAGES * PAGE, PROT_READ | PROT_WRITE);
    m[0] = 3;
    show("reprotected", 0);
    show("reprotected", 2);

    /* The interface's own errors. */
    uint64_t e;
    ssize_t n = pread(pagemap, &e, 8, 4);
    printf("pread misaligned offset: %zd errno %d\n", n, n < 0 ? errno : 0);
    n = pread(pagemap, &e, 4, 0);
    printf("pread count 4: %zd errno %d\n", n, n < 0 ? errno : 0);
    n = write(clear_refs, "9", 1);
    printf("clear_refs 9: %zd errno %d\n", n, n < 0 ? errno : 0);
    n = read(clear_refs, &e, 8);
    printf("read clear_refs: %zd errno %d\n", n, n < 0 ? errno : 0);
    return 0;
}
