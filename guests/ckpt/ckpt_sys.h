/*
 * ckpt_sys.h - the checkpoint library's own interface to Linux (x86-64): raw system calls, the
 * constants and kernel structures it needs, and its signal-return trampoline. Nothing here comes
 * from a C library or from the freestanding runtime (guests/rt), so ckpt.c builds into a glibc
 * program (gcc -static -O2 -Iguests/ckpt prog.c guests/ckpt/ckpt.c guests/ckpt/ckpt_softdirty.c guests/ckpt/ckpt_uffdwp.c) and into a freestanding one
 * alike. Every name is prefixed ckpt_/CKPT_ so that none clashes with glibc's.
 *
 * Values are the kernel's: arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic
 * (mman-common.h, errno-base.h, signal-defs.h), arch/x86/include/uapi/asm/signal.h.
 */
#ifndef HVSIM_CKPT_SYS_H
#define HVSIM_CKPT_SYS_H

typedef __UINT64_TYPE__ ckpt_u64;
typedef __UINTPTR_TYPE__ ckpt_uptr;

#define CKPT_SYS_mmap         9
#define CKPT_SYS_mprotect    10
#define CKPT_SYS_munmap      11
#define CKPT_SYS_rt_sigaction 13
#define CKPT_SYS_rt_sigreturn 15
#define CKPT_SYS_mremap      25
#define CKPT_SYS_sigaltstack 131

#define CKPT_PROT_READ  1
#define CKPT_PROT_WRITE 2
#define CKPT_MAP_SHARED    0x01
#define CKPT_MAP_PRIVATE   0x02
#define CKPT_MAP_FIXED     0x10
#define CKPT_MAP_ANONYMOUS 0x20
#define CKPT_MREMAP_MAYMOVE 1

#define CKPT_EPERM   1
#define CKPT_ENOMEM 12
#define CKPT_EINVAL 22

#define CKPT_SIGSEGV 11
#define CKPT_SEGV_ACCERR 2
#define CKPT_SA_SIGINFO  0x00000004ul
#define CKPT_SA_ONSTACK  0x08000000ul
#define CKPT_SA_RESTORER 0x04000000ul
#define CKPT_SS_DISABLE  2

/* A raw system call's result is an error when it lies in [-4095, -1]. */
#define CKPT_IS_ERR(v) ((unsigned long)(v) >= (unsigned long)-4095L)

/* The same instruction sequence as rt/sys.c's rt_syscall6: the library keeps its own copy so that
 * it needs nothing but -Iguests/ckpt (a program built with glibc has no guests/rt). */
static inline long ckpt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline void *ckpt_mmap(void *addr, unsigned long len, int prot, int flags)
{
    return (void *)ckpt_syscall6(CKPT_SYS_mmap, (long)addr, (long)len, prot, flags, -1, 0);
}

static inline long ckpt_munmap(void *addr, unsigned long len)
{
    return ckpt_syscall6(CKPT_SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long ckpt_mprotect(void *addr, unsigned long len, int prot)
{
    return ckpt_syscall6(CKPT_SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

/* struct sigaction as the kernel reads it (not glibc's layout). */
struct ckpt_k_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    ckpt_u64 mask;
};

/* stack_t (sigaltstack). */
struct ckpt_stack {
    void *sp;
    int flags;
    unsigned long size;
};

/* siginfo_t offsets: si_code at +8, si_addr at +16. */
static inline int ckpt_si_code(void *info) { return *(int *)((char *)info + 8); }
static inline ckpt_uptr ckpt_si_addr(void *info) { return *(ckpt_uptr *)((char *)info + 16); }

/* The SA_RESTORER trampoline: the handler returns here, and rt_sigreturn restores the frame. */
void ckpt_sigreturn_trampoline(void) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".type ckpt_sigreturn_trampoline,@function\n"
        "ckpt_sigreturn_trampoline:\n"
        "    movl $15, %eax\n"
        "    syscall\n"
        "    hlt\n"
        ".size ckpt_sigreturn_trampoline,.-ckpt_sigreturn_trampoline\n");

/* Installs handler(sig, info, ucontext) with SA_SIGINFO and SA_ONSTACK; a null handler restores the default action. */
static inline long ckpt_install(int sig, void (*handler)(int, void *, void *))
{
    struct ckpt_k_sigaction act = {
        .handler = (void *)handler,
        .flags = CKPT_SA_SIGINFO | CKPT_SA_RESTORER | CKPT_SA_ONSTACK,
        .restorer = ckpt_sigreturn_trampoline,
        .mask = 0,
    };
    return ckpt_syscall6(CKPT_SYS_rt_sigaction, sig, (long)&act, 0, 8, 0, 0);
}

/* memcpy without a C library: one rep movsb (and no call the compiler could route to memcpy). */
static inline void ckpt_copy(void *dst, const void *src, unsigned long n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

#endif
