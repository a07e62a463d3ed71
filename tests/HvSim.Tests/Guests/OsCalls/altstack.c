/* sigaltstack and SA_ONSTACK: the errors and old values, handlers running on the alternate
 * stack (a sent signal and a SIGSEGV), uc_stack in the frame, EPERM while on it, a nested
 * signal staying on it, a handler without SA_ONSTACK staying off it, SS_AUTODISARM, and what
 * rt_sigreturn restores. Addresses are printed relative to the alternate stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define ALT_SIZE 65536
static char alt[ALT_SIZE] __attribute__((aligned(64)));
static sigjmp_buf back;

#define CHECK(label, expr) do { errno = 0; long r_ = (long)(expr); int e_ = errno; \
    printf("%-40s %ld %s\n", label, r_, r_ < 0 ? strerrorname_np(e_) : "-"); } while (0)

static long altstack(void *sp, size_t size, int flags, stack_t *old)
{
    stack_t ss = { .ss_sp = sp, .ss_size = size, .ss_flags = flags };
    return syscall(SYS_sigaltstack, &ss, old);
}

static void show(const char *label, const stack_t *s)
{
    long off = s->ss_sp ? (long)((char *)s->ss_sp - alt) : -1;
    printf("%s: sp %s%ld flags %#x size %zu\n", label, s->ss_sp ? "alt+" : "", s->ss_sp ? off : 0L, (unsigned)s->ss_flags, s->ss_size);
}

static const char *where(const void *p)
{
    return (const char *)p >= alt && (const char *)p < alt + ALT_SIZE ? "alt" : "main";
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    int local;
    stack_t now;
    /* Not how far below the top: the host's frame holds its XSAVE area, larger than FXSAVE. */
    printf("sig %d (code %d) runs on the %s stack\n", sig, si->si_code, where(&local));
    show("  uc_stack", &uc->uc_stack);
    syscall(SYS_sigaltstack, NULL, &now);
    show("  sigaltstack(NULL) in handler", &now);
    CHECK("  change while on it", altstack(alt, ALT_SIZE, 0, NULL));
    if (sig == SIGUSR1)
        raise(SIGUSR2);
    if (sig == SIGSEGV)
        siglongjmp(back, 1);
}

static void on(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    stack_t old;
    CHECK("query", syscall(SYS_sigaltstack, NULL, &old));
    show("initial", &old);
    CHECK("size 0", altstack(alt, 0, 0, NULL));
    CHECK("size 2047", altstack(alt, 2047, 0, NULL));
    CHECK("flags 5", altstack(alt, ALT_SIZE, 5, NULL));
    CHECK("flags SS_ONSTACK|SS_DISABLE", altstack(alt, ALT_SIZE, SS_ONSTACK | SS_DISABLE, NULL));
    CHECK("unreadable new", syscall(SYS_sigaltstack, (void *)8, NULL));
    CHECK("unwritable old", syscall(SYS_sigaltstack, NULL, (void *)8));
    CHECK("size 2048, SS_ONSTACK", altstack(alt, 2048, SS_ONSTACK, &old));
    show("  old", &old);
    CHECK("query", syscall(SYS_sigaltstack, NULL, &old));
    show("  now", &old);
    CHECK("disable (sp and size ignored)", altstack(alt + 64, 12, SS_DISABLE, &old));
    show("  old", &old);
    CHECK("query", syscall(SYS_sigaltstack, NULL, &old));
    show("  now", &old);

    /* No alternate stack installed: SA_ONSTACK changes nothing. */
    on(SIGUSR2, SA_ONSTACK);
    raise(SIGUSR2);

    CHECK("install 64 KiB", altstack(alt, ALT_SIZE, 0, NULL));
    on(SIGUSR1, SA_ONSTACK);
    on(SIGUSR2, SA_ONSTACK);
    raise(SIGUSR1); /* its handler raises SIGUSR2, which nests on the alternate stack */

    on(SIGUSR2, 0);
    raise(SIGUSR2); /* without SA_ONSTACK: on the main stack, uc_stack still reports the alternate one */

    on(SIGSEGV, SA_ONSTACK);
    if (sigsetjmp(back, 1) == 0)
        *(volatile int *)16 = 1;
    printf("back from the SIGSEGV handler\n");

    CHECK("install with SS_AUTODISARM", altstack(alt, ALT_SIZE, SS_AUTODISARM, NULL));
    CHECK("query", syscall(SYS_sigaltstack, NULL, &old));
    show("  now", &old);
    on(SIGUSR1, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK("query after the handler", syscall(SYS_sigaltstack, NULL, &old));
    show("  now", &old);
    fflush(stdout);
    return 0;
}
