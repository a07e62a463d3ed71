/*
 * ckpt.h - the application checkpointing API of the paper (Section II.B): the application names
 * its critical data area (CDA) once and brackets each transaction with begin/end; whatever
 * technique the simulator was started with (none, pt, emul, ptxen, emulxen, scanxen) tracks the
 * writes in between. The same binary runs under every technique, and natively (where the calls
 * do nothing).
 *
 * The implementation in ckpt.c is a placeholder that does nothing; the techniques issue replaces
 * it with the real calls into the simulator.
 */
#ifndef HVSIM_CKPT_H
#define HVSIM_CKPT_H

int ckpt_register(void *cda, unsigned long len);
int ckpt_begin(void);
int ckpt_end(void);

#endif
