/*
 * trace.c - one write to a write-protected page, for `hvsim trace`.
 *
 * An anonymous page is mapped and written once (so it is populated and the
 * traced write does not include demand paging), then made read-only. Between
 * two markers - `xchg %bx, %bx`, a no-op on hardware that the simulator
 * reports to its kernel (Bochs' magic breakpoint) - the program does ONE
 * store to the page:
 *
 *   trace pt    the paper's PT technique: a SIGSEGV handler (SA_SIGINFO,
 *               SA_RESTORER -> rt_sigreturn) records the faulting page and
 *               mprotects it PROT_READ|PROT_WRITE; the store is restarted and
 *               succeeds. Exits 0.
 *   trace none  no handler: the store kills the process with SIGSEGV
 *               (status 139); the second marker is never reached.
 *
 * `hvsim trace` starts recording at the first marker and stops at the second
 * (or at the process's death), so what it shows is exactly the path of that
 * store: fault, (trap, bounce,) signal, handler, mprotect, PTE update, TLB
 * invalidation, rt_sigreturn, the retried store. Natively the markers do
 * nothing and the program behaves the same. No address is printed.
 */
#include "sig.h"

#define PAGE 4096ul
#define OFFSET 8                /* the traced store's offset in the page */

static volatile uint64_t page_base;     /* the page being written */
static volatile uint64_t recorded_page; /* what the handler recorded */
static volatile long faults;
static volatile long mprotect_result = -1;

static void pt_handler(int sig, void *info, void *uc)
{
    uint64_t page = si_addr(info) & ~(PAGE - 1);
    recorded_page = page;
    faults++;
    mprotect_result = sys_mprotect((void *)page, PAGE, PROT_READ | PROT_WRITE);
}

static inline void marker(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

int main(int argc, char **argv, char **envp)
{
    int pt = argc == 2 && rt_strcmp(argv[1], "pt") == 0;
    if (!pt && !(argc == 2 && rt_strcmp(argv[1], "none") == 0)) {
        eprint_str("usage: trace pt|none\n");
        return 2;
    }
    volatile uint8_t *p = sys_mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(p)) {
        rt_printf("trace: mmap failed\n");
        return 1;
    }
    page_base = (uint64_t)p;
    p[0] = 1;                                   /* populate the page */
    if (pt && rt_install(SIGSEGV, pt_handler, 0) != 0) {
        rt_printf("trace: rt_sigaction failed\n");
        return 1;
    }
    if (sys_mprotect((void *)p, PAGE, PROT_READ) != 0) {
        rt_printf("trace: mprotect PROT_READ failed\n");
        return 1;
    }
    rt_printf("trace %s: one write to a read-only page\n", pt ? "pt" : "none");

    marker();
    p[OFFSET] = 42;                             /* the traced write */
    marker();

    rt_printf("trace %s: write done: value %d, faults %ld, handler recorded the page %d, mprotect %ld\n",
              pt ? "pt" : "none", p[OFFSET], faults, recorded_page == page_base, mprotect_result);
    return 0;
}
