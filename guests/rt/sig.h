/*
 * sig.h - signal support for the guests that use it (signals, sigblocked,
 * vmas): raw rt_sigaction / rt_sigprocmask, the SA_RESTORER trampoline that
 * calls rt_sigreturn, the kernel's struct offsets, and "probes" - a load or a
 * store that a SIGSEGV handler can abandon by moving the saved RIP to a
 * recovery label (a longjmp done through the signal frame).
 *
 * Linked only into the programs that include it (rt/sig.c), so the other
 * guests' ELFs do not change.
 *
 * Offsets are the kernel's (x86-64), as the handler receives them:
 *   siginfo_t:  si_signo +0, si_code +8, si_addr +16
 *   ucontext:   uc_mcontext (struct sigcontext) at +40, uc_sigmask at +296
 *   sigcontext: r8 +0 ... rdi +64, rsi +72, rbp +80, rbx +88, rdx +96,
 *               rax +104, rcx +112, rsp +120, rip +128, eflags +136,
 *               err +152, trapno +160, oldmask +168, cr2 +176, fpstate +184
 *   fpstate:    FXSAVE image; xmm0..xmm15 at +160, 16 bytes each
 */
#ifndef HVSIM_GUEST_SIG_H
#define HVSIM_GUEST_SIG_H

#include "rt.h"

#define SYS_rt_sigaction   13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn   15

#define SIGILL   4
#define SIGTRAP  5
#define SIGBUS   7
#define SIGFPE   8
#define SIGSEGV 11

#define SA_SIGINFO   0x00000004ul
#define SA_RESTORER  0x04000000ul
#define SA_NODEFER   0x40000000ul
#define SA_RESETHAND 0x80000000ul

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN  2
#define FPE_INTDIV  1

#define SIGBIT(sig) (1ull << ((sig) - 1))

/* struct sigaction as the kernel reads it (not glibc's layout). */
struct k_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

#define SI_SIGNO 0
#define SI_CODE  8
#define SI_ADDR  16

#define UC_MCONTEXT 40
#define UC_SIGMASK  296

#define MC_RDI      64
#define MC_RSI      72
#define MC_RBX      88
#define MC_RDX      96
#define MC_RAX     104
#define MC_RCX     112
#define MC_RSP     120
#define MC_RIP     128
#define MC_EFLAGS  136
#define MC_ERR     152
#define MC_TRAPNO  160
#define MC_CR2     176
#define MC_FPSTATE 184

#define FX_XMM 160

typedef void (*rt_sighandler)(int sig, void *info, void *uc);

int sys_rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old);
int sys_rt_sigprocmask(int how, const uint64_t *set, uint64_t *old);

/* The SA_RESTORER trampoline: mov $15, %eax; syscall (rt_sigreturn). */
void rt_sigreturn_tramp(void);

/* Installs an SA_SIGINFO|SA_RESTORER handler (extra_flags added); handler 0 = SIG_DFL. */
int rt_install(int sig, rt_sighandler handler, unsigned long extra_flags);

/* The current signal mask (rt_sigprocmask with a NULL set). */
uint64_t rt_sigmask(void);

static inline int si_signo(const void *info) { return *(const int *)((const char *)info + SI_SIGNO); }
static inline int si_code(const void *info) { return *(const int *)((const char *)info + SI_CODE); }
static inline uint64_t si_addr(const void *info) { return *(const uint64_t *)((const char *)info + SI_ADDR); }
/* A saved register in the ucontext, e.g. *uc_reg(uc, MC_RIP) += 2. */
static inline uint64_t *uc_reg(void *uc, int offset) { return (uint64_t *)((char *)uc + UC_MCONTEXT + offset); }
/* The saved xmm register n in the frame's FXSAVE image. */
static inline uint8_t *uc_xmm(void *uc, int n) { return (uint8_t *)*uc_reg(uc, MC_FPSTATE) + FX_XMM + 16 * n; }

/*
 * Probes: one 8-byte load or store that may fault. A fault in it is caught
 * by rt_probe_handler (install it for SIGSEGV/SIGBUS first), which moves the
 * saved RIP to the probe's recovery label; the probe then returns
 * (signal << 8) | si_code instead of 0. rt_probe_last holds that fault.
 */
struct rt_fault {
    int signo;
    int code;
    uint64_t addr;
    uint64_t err;       /* sigcontext err: the #PF error code */
    uint64_t trapno;    /* sigcontext trapno: 14 for #PF */
    uint64_t cr2;
};
extern volatile uint64_t rt_recover_rip;
extern struct rt_fault rt_probe_last;
extern long rt_probe_faults;
void rt_probe_handler(int sig, void *info, void *uc);
long rt_probe_read64(const volatile uint64_t *p, uint64_t *value);
long rt_probe_write64(volatile uint64_t *p, uint64_t value);

#endif
