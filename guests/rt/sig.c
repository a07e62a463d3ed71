/*
 * sig.c - signal syscalls, the rt_sigreturn trampoline and fault probes
 * (see sig.h). Linked only into the guests that handle signals.
 */
#include "sig.h"

/*
 * x86-64 has no kernel-provided return path from a handler: the handler's
 * final ret pops sa_restorer, which must call rt_sigreturn with rsp pointing
 * just past the popped return address (exactly glibc's __restore_rt).
 */
__asm__(".text\n"
        "        .globl  rt_sigreturn_tramp\n"
        "        .type   rt_sigreturn_tramp, @function\n"
        "rt_sigreturn_tramp:\n"
        "        movl    $15, %eax\n"
        "        syscall\n"
        "        hlt\n"
        "        .size   rt_sigreturn_tramp, .-rt_sigreturn_tramp\n");

int sys_rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old)
{
    return (int)rt_syscall6(SYS_rt_sigaction, sig, (long)act, (long)old, 8, 0, 0);
}

int sys_rt_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
    return (int)rt_syscall6(SYS_rt_sigprocmask, how, (long)set, (long)old, 8, 0, 0);
}

int rt_install(int sig, rt_sighandler handler, unsigned long extra_flags)
{
    struct k_sigaction act = {
        .handler = (void *)handler,
        .flags = SA_SIGINFO | SA_RESTORER | extra_flags,
        .restorer = rt_sigreturn_tramp,
        .mask = 0,
    };
    return sys_rt_sigaction(sig, &act, NULL);
}

uint64_t rt_sigmask(void)
{
    uint64_t old = 0;
    sys_rt_sigprocmask(SIG_BLOCK, NULL, &old);
    return old;
}

volatile uint64_t rt_recover_rip;
struct rt_fault rt_probe_last;
long rt_probe_faults;

void rt_probe_handler(int sig, void *info, void *uc)
{
    if (!rt_recover_rip) {
        /* Not inside a probe: fall back to the default action, and returning
         * restarts the instruction, which faults again and ends the process. */
        rt_install(sig, 0, 0);
        return;
    }
    rt_probe_last.signo = sig;
    rt_probe_last.code = si_code(info);
    rt_probe_last.addr = si_addr(info);
    rt_probe_last.err = *uc_reg(uc, MC_ERR);
    rt_probe_last.trapno = *uc_reg(uc, MC_TRAPNO);
    rt_probe_last.cr2 = *uc_reg(uc, MC_CR2);
    rt_probe_faults++;
    *uc_reg(uc, MC_RIP) = rt_recover_rip;
    *uc_reg(uc, MC_RAX) = ((uint64_t)sig << 8) | (uint64_t)si_code(info);
    rt_recover_rip = 0;
}

long rt_probe_read64(const volatile uint64_t *p, uint64_t *value)
{
    long r;
    uint64_t v;
    __asm__ volatile("leaq    1f(%%rip), %%rax\n\t"
                     "movq    %%rax, %[slot]\n\t"
                     "xorl    %%eax, %%eax\n\t"
                     "movq    (%[p]), %[v]\n"
                     "1:"
                     : "=&a"(r), [slot] "=m"(rt_recover_rip), [v] "=&r"(v)
                     : [p] "r"(p)
                     : "memory");
    rt_recover_rip = 0;
    if (r == 0)
        *value = v;
    return r;
}

long rt_probe_write64(volatile uint64_t *p, uint64_t value)
{
    long r;
    __asm__ volatile("leaq    1f(%%rip), %%rax\n\t"
                     "movq    %%rax, %[slot]\n\t"
                     "xorl    %%eax, %%eax\n\t"
                     "movq    %[v], (%[p])\n"
                     "1:"
                     : "=&a"(r), [slot] "=m"(rt_recover_rip)
                     : [p] "r"(p), [v] "r"(value)
                     : "memory");
    rt_recover_rip = 0;
    return r;
}
