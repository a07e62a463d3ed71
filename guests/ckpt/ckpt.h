/*
 * ckpt.h - the application checkpointing API of the paper (Section II.B).
 *
 * The application names its critical data area (CDA) once and brackets each transaction with
 * begin/end; whatever technique the simulator was started with (none, pt, emul, ptxen,
 * emulxen, scanxen; hvsim --technique) tracks the writes in between, and each ckpt_end sends
 * them to the backup. The same binary runs under every technique, and natively, where the
 * library finds technique "none" and every call only checks its arguments and state.
 *
 * The guest side of docs/checkpoint-abi.md; implemented in ckpt.c, which needs no C library:
 *   gcc -static -O2 -Iguests/ckpt prog.c guests/ckpt/ckpt.c guests/ckpt/ckpt_softdirty.c guests/ckpt/ckpt_uffdwp.c
 *
 * Rules for the application:
 *   - the CDA is page-aligned and consists of whole pages (len is rounded up to a page);
 *   - after ckpt_register, the CDA is written only between ckpt_begin and ckpt_end: under the
 *     page-tracking techniques a write between transactions is not tracked, so the backup
 *     would miss it;
 *   - the stack may lie inside the CDA: pt and emul handle the write faults with a signal
 *     handler that runs on an alternate signal stack (sigaltstack) of the library's own, unless
 *     the application set one up already;
 *   - the library owns SIGSEGV (pt, emul) once the CDA is registered.
 *
 * Every call returns 0 on success or a negative errno:
 *   ckpt_register: -22 (EINVAL) the CDA is not page-aligned, empty, wraps around, or a CDA is
 *                  already registered; -12 (ENOMEM) no memory for the record buffer; other
 *                  negative values from the failing system call or hypervisor call.
 *   ckpt_begin:    -1 (EPERM) nothing registered; -22 a transaction is already open.
 *   ckpt_end:      -1 (EPERM) nothing registered; -22 no transaction is open; -22 from COMMIT
 *                  when the simulator refused the record.
 * The state checks do not depend on the technique, so a program sees the same return values
 * natively and under every technique.
 */
#ifndef HVSIM_CKPT_H
#define HVSIM_CKPT_H

int ckpt_register(void *cda, unsigned long len);
int ckpt_begin(void);
int ckpt_end(void);

#endif
