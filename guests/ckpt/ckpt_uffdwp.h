/*
 * ckpt_uffdwp.h - technique uffdwp of the checkpoint library (ckpt_uffdwp.c): userfaultfd's
 * asynchronous write-protection and the PAGEMAP_SCAN ioctl of /proc/self/pagemap, real system
 * calls only (Linux 6.7 or later).
 */
#ifndef HVSIM_CKPT_UFFDWP_H
#define HVSIM_CKPT_UFFDWP_H

#include "ckpt_sys.h"

/* Opens a userfaultfd (WP_ASYNC) and pagemap, registers [cda, cda + len) in WP mode and write-protects it: the first cycle starts clean. 0 or -errno. */
long ckpt_uffdwp_register(ckpt_uptr cda, unsigned long len);

/*
 * Ends a cycle: lists every page of [cda, cda + len) written since the last call in pages[] (at most
 * cap; more sets *lost) and write-protects them again, in the same PAGEMAP_SCAN calls. 0 or -errno.
 */
long ckpt_uffdwp_collect(ckpt_uptr cda, unsigned long len, ckpt_u64 *pages, ckpt_u64 cap,
                         ckpt_u64 *npages, ckpt_u64 *lost);

#endif
