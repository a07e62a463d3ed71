/*
 * sigblocked.c - a synchronous SIGSEGV while SIGSEGV is blocked.
 *
 * A handler is installed, then SIGSEGV is blocked with rt_sigprocmask and
 * the program writes to a read-only page. A fault cannot wait for the mask
 * to change (the instruction would fault again), so Linux's force_sig
 * unblocks the signal and resets it to the default action: the process dies
 * with SIGSEGV (status 139) and the handler never runs.
 */
#include "sig.h"

static void handler(int sig, void *info, void *uc)
{
    rt_printf("sigblocked: the handler ran?!\n");
    rt_exit(3);
}

int main(int argc, char **argv, char **envp)
{
    uint64_t set = SIGBIT(SIGSEGV), old = 1;
    rt_printf("sigblocked: install SIGSEGV handler %d\n", rt_install(SIGSEGV, handler, 0));
    rt_printf("sigblocked: block SIGSEGV %d\n", sys_rt_sigprocmask(SIG_BLOCK, &set, &old));
    rt_printf("sigblocked: old mask %lu, new mask has SIGSEGV %d\n", old,
              (rt_sigmask() & SIGBIT(SIGSEGV)) != 0);
    uint8_t *p = sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    rt_printf("sigblocked: mprotect PROT_READ %d\n", sys_mprotect(p, 4096, PROT_READ));
    rt_printf("sigblocked: about to write to the read-only page\n");
    *(volatile uint8_t *)p = 2;
    rt_printf("sigblocked: still alive?!\n");
    return 1;
}
