/*
 * ckptvma.c - the dirty-tracking bug classes that involve the CDA's mappings and stacks (issue 17
 * item 4, after ckptscenario.c), one per argument; the audit (hvsim --audit) checks each under
 * every technique (tests/HvSim.Tests/Checkpoint/Audit/VmaScenarioTests.cs):
 *
 *   mremap-back      four transactions on a 16-page CDA: page 3 written; pages 3-5 moved out of
 *                    the CDA with mremap(MREMAP_MAYMOVE|MREMAP_FIXED) and straight back; page 4
 *                    written. Page 5 moves but is never written.
 *   mremap-away      the same, but page 4 is written while it lies outside the CDA, then moved back.
 *   stack            a hand-made stack switch onto the top half of a 16-page CDA (a coroutine's
 *                    stack): a recursion pushes frames into it, then a signal (SIGUSR1, a handler
 *                    without SA_ONSTACK) is delivered there, so the kernel writes its frame into
 *                    CDA pages; four transactions.
 *   isolated N       one transaction writing N isolated pages (every other page of a CDA of 2N + 2
 *                    pages): under pt each write splits a VMA in three, so past about 32,760 pages
 *                    mprotect fails with ENOMEM (vm.max_map_count) and the library falls back to
 *                    tracking the whole CDA (guests/ckpt/ckpt_mapcount.h); then a second transaction
 *                    writing one page, tracked page by page again.
 *
 * Prints one line with a checksum of the CDA so that every technique can be compared.
 */
#include "rt.h"
#include "ckpt.h"

#define PAGE 4096ul
#define PAGES 16
#define TRANSACTIONS 4
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define SYS_rt_sigaction 13
#define SYS_mremap 25
#define SYS_kill 62
#define SIGUSR1 10
#define SA_RESTORER 0x04000000ul

static unsigned char *cda;
static unsigned long cda_pages;
static volatile unsigned long handled;

static long mremap_fixed(void *from, unsigned long len, void *to)
{
    return rt_syscall6(SYS_mremap, (long)from, (long)len, (long)len, MREMAP_MAYMOVE | MREMAP_FIXED, (long)to, 0);
}

/* ---- a signal handler of our own (no C library): rt_sigreturn through SA_RESTORER ---- */

void ckptvma_restorer(void);
__asm__(".text\n"
        ".globl ckptvma_restorer\n"
        "ckptvma_restorer:\n"
        "    mov $15, %eax\n"
        "    syscall\n");

struct k_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

/* ---- the coroutine: runs on a stack inside the CDA ---- */

static volatile unsigned long depth_sum;

/* Each level writes a 512-byte local: the pushes and stores land in the CDA stack's pages. */
static __attribute__((noinline)) unsigned long recurse(int level)
{
    volatile unsigned char local[512];
    for (unsigned i = 0; i < sizeof local; i += 64)
        local[i] = (unsigned char)(level + i);
    unsigned long below = level > 0 ? recurse(level - 1) : 0;
    return below + local[64];
}

/*
 * Deep first, then the signal at a shallow depth: the kernel's signal frame lands in stack pages
 * the recursion has written in this transaction already (what a careful coroutine library does).
 */
static void coroutine(void)
{
    depth_sum += recurse(12);
    rt_syscall6(SYS_kill, sys_getpid(), SIGUSR1, 0, 0, 0, 0);
}

/* Switches rsp to top, calls fn, switches back (rbx holds the old rsp; callee-saved). */
static void run_on_stack(void *top, void (*fn)(void))
{
    __asm__ volatile("mov %%rsp, %%rbx\n\t"
                     "mov %0, %%rsp\n\t"
                     "call *%1\n\t"
                     "mov %%rbx, %%rsp\n\t"
                     :
                     : "r"(top), "r"(fn)
                     : "rbx", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc",
                       "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static int map_cda(unsigned long pages, int populate)
{
    cda_pages = pages;
    cda = sys_mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(cda))
        return 3;
    if (populate)
        for (unsigned long i = 0; i < pages; i++)
            cda[i * PAGE] = (unsigned char)i;
    int r = ckpt_register(cda, pages * PAGE);
    if (r) {
        rt_printf("ckpt_register failed (%d)\n", r);
        return 4;
    }
    return 0;
}

static int mremap_scenario(int write_away)
{
    int r = map_cda(PAGES, 1);
    if (r)
        return r;
    /* A free place for the pages to visit: mapped and unmapped again. */
    unsigned char *away = sys_mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(away) || sys_munmap(away, 4 * PAGE))
        return 3;
    for (int t = 0; t < TRANSACTIONS; t++) {
        if (ckpt_begin())
            return 5;
        unsigned char v = (unsigned char)(t + 10);
        cda[3 * PAGE + 8] = v;
        if (mremap_fixed(cda + 3 * PAGE, 3 * PAGE, away) != (long)away)
            return 7;
        if (write_away)
            away[1 * PAGE + 8] = v; /* CDA page 4, written while outside the CDA */
        if (mremap_fixed(away, 3 * PAGE, cda + 3 * PAGE) != (long)(cda + 3 * PAGE))
            return 8;
        if (!write_away)
            cda[4 * PAGE + 8] = v;
        if (ckpt_end())
            return 6;
    }
    return 0;
}

static int stack_scenario(void)
{
    int r = map_cda(PAGES, 1);
    if (r)
        return r;
    struct k_sigaction sa = { .handler = (void *)on_usr1, .flags = SA_RESTORER, .restorer = ckptvma_restorer, .mask = 0 };
    if (rt_syscall6(SYS_rt_sigaction, SIGUSR1, (long)&sa, 0, 8, 0, 0))
        return 3;
    for (int t = 0; t < TRANSACTIONS; t++) {
        if (ckpt_begin())
            return 5;
        cda[0] = (unsigned char)(t + 10);
        run_on_stack(cda + PAGES * PAGE, coroutine);
        if (ckpt_end())
            return 6;
    }
    rt_printf("signals handled %lu\n", handled);
    return 0;
}

static int isolated_scenario(unsigned long n)
{
    int r = map_cda(2 * n + 2, 0);
    if (r)
        return r;
    if (ckpt_begin())
        return 5;
    for (unsigned long i = 0; i < n; i++)
        cda[(2 * i + 1) * PAGE + (i & 0xff) * 8] = (unsigned char)(i | 1);
    if (ckpt_end())
        return 6;
    if (ckpt_begin())
        return 5;
    cda[2 * PAGE] = 1;
    if (ckpt_end())
        return 6;
    return 0;
}

static unsigned long parse(const char *s)
{
    unsigned long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned long)(*s++ - '0');
    return v;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *what = argc >= 2 ? argv[1] : "";
    int r;
    if (rt_strcmp(what, "mremap-back") == 0 && argc == 2) {
        r = mremap_scenario(0);
    } else if (rt_strcmp(what, "mremap-away") == 0 && argc == 2) {
        r = mremap_scenario(1);
    } else if (rt_strcmp(what, "stack") == 0 && argc == 2) {
        r = stack_scenario();
    } else if (rt_strcmp(what, "isolated") == 0 && argc == 3 && parse(argv[2]) > 0) {
        r = isolated_scenario(parse(argv[2]));
    } else {
        eprint_str("usage: ckptvma mremap-back|mremap-away|stack|isolated N\n");
        return 2;
    }
    if (r)
        return r;
    unsigned long sum = 0;
    if (cda_pages <= PAGES) {
        for (unsigned long i = 0; i < cda_pages * PAGE; i += 8)
            sum = sum * 31 + *(unsigned long *)(cda + i);
    } else {
        for (unsigned long i = 1; i < cda_pages; i += 2) /* the written words only: the even pages were never touched */
            sum = sum * 31 + *(unsigned long *)(cda + i * PAGE + ((i / 2) & 0xff) * 8);
        sum = sum * 31 + cda[2 * PAGE];
    }
    rt_printf("%s sum %lu\n", what, sum);
    return 0;
}
