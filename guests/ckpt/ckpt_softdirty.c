/*
 * ckpt_softdirty.c - technique softdirty (issue 17): the kernel tracks the writes.
 *
 * Writing "4" to /proc/self/clear_refs clears every soft-dirty bit of the process and
 * write-protects its PTEs; the next write to a page faults inside the kernel only, which makes
 * the PTE writable and soft-dirty again (no signal reaches the application). At the end of a
 * cycle, pagemap bit 55 (PM_SOFT_DIRTY) of each CDA page, read with pread at the page's offset
 * (virtual page number * 8), says whether it was written. This is how CRIU's incremental dumps
 * use it (criu/mem.c, criu/pagemap-cache.c): clear_refs after a dump, pagemap at the next.
 *
 * The library collects then clears at ckpt_end (and clears once at registration), so a write
 * between ckpt_end and the next ckpt_begin belongs to the next cycle rather than being lost.
 */
#include "ckpt_softdirty.h"

#define CKPT_SYS_read     0
#define CKPT_SYS_write    1
#define CKPT_SYS_pread64  17
#define CKPT_SYS_openat   257
#define CKPT_AT_FDCWD     (-100)
#define CKPT_O_RDONLY     0
#define CKPT_O_WRONLY     1
#define CKPT_O_CLOEXEC    0x80000

#define PM_SOFT_DIRTY (1ull << 55)
#define PAGE 4096ul
#define CHUNK 512 /* pagemap entries per pread: 4 KiB */

static struct {
    long clear_refs;
    long pagemap;
    ckpt_u64 entries[CHUNK];
} sd = { -1, -1, { 0 } };

static long clear(void)
{
    long r = ckpt_syscall6(CKPT_SYS_write, sd.clear_refs, (long)"4", 1, 0, 0, 0);
    return r == 1 ? 0 : (r < 0 ? r : -5 /* EIO */);
}

long ckpt_softdirty_register(void)
{
    sd.clear_refs = ckpt_syscall6(CKPT_SYS_openat, CKPT_AT_FDCWD, (long)"/proc/self/clear_refs",
                                  CKPT_O_WRONLY | CKPT_O_CLOEXEC, 0, 0, 0);
    if (sd.clear_refs < 0)
        return sd.clear_refs;
    sd.pagemap = ckpt_syscall6(CKPT_SYS_openat, CKPT_AT_FDCWD, (long)"/proc/self/pagemap",
                               CKPT_O_RDONLY | CKPT_O_CLOEXEC, 0, 0, 0);
    if (sd.pagemap < 0)
        return sd.pagemap;
    return clear();
}

long ckpt_softdirty_collect(ckpt_uptr cda, unsigned long len, ckpt_u64 *pages, ckpt_u64 cap,
                            ckpt_u64 *npages, ckpt_u64 *lost)
{
    unsigned long total = len / PAGE;
    for (unsigned long done = 0; done < total;) {
        unsigned long n = total - done < CHUNK ? total - done : CHUNK;
        long offset = (long)((cda / PAGE + done) * 8);
        long r = ckpt_syscall6(CKPT_SYS_pread64, sd.pagemap, (long)sd.entries, (long)(n * 8), offset, 0, 0);
        if (r < 0)
            return r;
        if (r != (long)(n * 8))
            return -5; /* EIO: a short read of the CDA's own entries */
        for (unsigned long i = 0; i < n; i++) {
            if (!(sd.entries[i] & PM_SOFT_DIRTY))
                continue;
            if (*npages < cap)
                pages[(*npages)++] = cda + (done + i) * PAGE;
            else
                *lost = 1;
        }
        done += n;
    }
    return clear();
}
