/*
 * ckpt_softdirty.h - technique softdirty of the checkpoint library (ckpt_softdirty.c): Linux's
 * own dirty tracking through /proc/self/clear_refs and /proc/self/pagemap, real system calls only.
 */
#ifndef HVSIM_CKPT_SOFTDIRTY_H
#define HVSIM_CKPT_SOFTDIRTY_H

#include "ckpt_sys.h"

/* Opens clear_refs and pagemap and starts the first cycle (clear_refs 4). 0 or -errno. */
long ckpt_softdirty_register(void);

/*
 * Ends a cycle: lists every soft-dirty page of [cda, cda + len) in pages[] (at most cap; more sets
 * *lost), then clears the soft-dirty state for the next cycle. 0 or -errno.
 */
long ckpt_softdirty_collect(ckpt_uptr cda, unsigned long len, ckpt_u64 *pages, ckpt_u64 cap,
                            ckpt_u64 *npages, ckpt_u64 *lost);

#endif
