/*
 * ckpt_mapcount.h - what the page-protecting techniques (pt, and emul's page fallback) do when
 * mprotect fails with ENOMEM: the process has reached vm.max_map_count (65,530 by default).
 *
 * Making one page of a read-only CDA writable splits its VMA in three (two more maps); pages
 * written far apart never merge again, so about 32,760 isolated dirty pages in one cycle reach
 * the limit, and the next mprotect(page, RW) fails with ENOMEM (mm/vma.c split_vma). The write
 * that faulted must still happen, and the backup must still get it.
 *
 * What real users do: bdwgc aborts ("un-mprotect failed", bdwgc issues #426 and #579; the fix it
 * discusses is to count its own regions and stop making protection changes that add maps once
 * near the limit); MPS treats mprotect as infallible (Ravenbrook/mps issue #304). Neither loses
 * a write silently, but both end the process. This library degrades instead, for the rest of
 * the cycle:
 *   - the whole CDA is made writable in one mprotect (it merges the CDA's VMAs back into one,
 *     which frees maps rather than using them), so no further write in the cycle faults;
 *   - every CDA page is listed as dirty, so the commit copies the whole CDA: pages written before
 *     the failure, the faulting one, and any written after it, whatever their number.
 * The cost is one full copy of the CDA for that cycle (the audit counts the unwritten pages as
 * extra, never as missed). pt's next ckpt_begin write-protects the whole CDA again, which merges
 * it back to one VMA (emul's re-protects the listed pages, all of them, in order: two VMAs at most
 * at any time), so the next cycle starts with page tracking as usual. The check sits on the
 * failure path only (ckpt.c track_whole_cda): a tracked page costs the instructions it did.
 *
 * Async-signal-safe: raw system calls and the library's own record only.
 */
#ifndef HVSIM_CKPT_MAPCOUNT_H
#define HVSIM_CKPT_MAPCOUNT_H

#include "ckpt_sys.h"

/*
 * The CDA [cda, cda + len) made writable and all of its pages listed in pages[] (cap entries,
 * one per CDA page, so they fit). 0, or the mprotect's -errno (then nothing was listed).
 */
static inline long ckpt_track_whole_cda(ckpt_uptr cda, unsigned long len, ckpt_u64 *pages, ckpt_u64 cap,
                                        ckpt_u64 *npages)
{
    long r = ckpt_mprotect((void *)cda, len, CKPT_PROT_READ | CKPT_PROT_WRITE);
    if (r)
        return r;
    ckpt_u64 n = 0;
    for (unsigned long off = 0; off < len && n < cap; off += 4096ul)
        pages[n++] = cda + off;
    *npages = n;
    return 0;
}

#endif
