/*
 * signals.c - synchronous signals delivered to handlers, and what a handler
 * may do with the frame the kernel gives it.
 *
 *   (a) pt:     the paper's PT page tracking: a 64-page region is made
 *               read-only; the first write to each page raises SIGSEGV
 *               (SEGV_ACCERR, si_addr = the store's address), the handler
 *               records the page and mprotects it read-write, and on return
 *               the store is restarted and succeeds. One fault per page, in
 *               the order the pages were first written; a second cycle
 *               re-protects everything and dirties only the odd pages.
 *   (b) maperr: a load from 0x10 and a store to an unmapped page
 *               (SEGV_MAPERR); the handler moves the saved RIP to a recovery
 *               label and changes the saved RAX and RDX, which the code then
 *               prints. Also the #PF error code / trapno / cr2 in the frame.
 *   (c) sigill: ud2 handled; the handler advances RIP by 2.
 *   (d) sigfpe: div/idiv by zero and idiv overflow (FPE_INTDIV); the handler
 *               decodes the (known) division, sets the result registers and
 *               skips it.
 *   (e) nested: a SIGILL raised inside the SIGSEGV handler runs on top of it.
 *   (f) xmm:    xmm0..xmm15 are saved in the frame's FXSAVE image, survive a
 *               handler that clobbers them all, and a handler's change to a
 *               saved xmm register is what the interrupted code sees after
 *               rt_sigreturn.
 *   mask:       the signal being handled is blocked in its handler, and the
 *               old mask is restored by rt_sigreturn.
 *
 * Usage: signals [pt|maperr|sigill|sigfpe|nested|xmm] - one part only (the
 * simulator tests count the kernel's events for part (a) alone); no argument
 * runs them all. A process whose SIGSEGV is blocked dies instead: see
 * sigblocked.c.
 *
 * Handlers never print: they record into globals that main reports. No
 * address is printed except the fixed 0x10.
 */
#include "sig.h"

#define PAGE 4096ul
#define NPAGES 64

static uint64_t digest;

static void result(const char *what, long value, long expect)
{
    rt_printf("%-44s %ld\n", what, value);
    rt_check(value == expect, what);
    digest = rt_mix(digest, (uint64_t)value);
}

static void result_hex(const char *what, uint64_t value, uint64_t expect)
{
    rt_printf("%-44s 0x%lx\n", what, value);
    rt_check(value == expect, what);
    digest = rt_mix(digest, value);
}

/* ---------------------------------------------------------------- (a) PT */

static uint8_t *cda;
static volatile uint64_t pt_expect;     /* address of the store about to fault */
static int pt_dirty[2 * NPAGES];
static int pt_ndirty;
static long pt_faults, pt_bad, pt_mprotect_failed, pt_masked_in_handler;

static void pt_handler(int sig, void *info, void *uc)
{
    uint64_t a = si_addr(info);
    pt_faults++;
    if (rt_sigmask() & SIGBIT(SIGSEGV))
        pt_masked_in_handler++;
    if (sig != SIGSEGV || si_code(info) != SEGV_ACCERR || a != pt_expect ||
        *uc_reg(uc, MC_TRAPNO) != 14 || *uc_reg(uc, MC_CR2) != a ||
        (*uc_reg(uc, MC_ERR) & 7) != 7)         /* present, write, user */
        pt_bad++;
    if (a < (uint64_t)cda || a >= (uint64_t)cda + NPAGES * PAGE || pt_ndirty == 2 * NPAGES) {
        rt_install(SIGSEGV, 0, 0);              /* not ours: die on the retry */
        return;
    }
    uint64_t page = (a - (uint64_t)cda) / PAGE;
    pt_dirty[pt_ndirty++] = (int)page;
    if (sys_mprotect(cda + page * PAGE, PAGE, PROT_READ | PROT_WRITE) != 0)
        pt_mprotect_failed++;
}

static uint64_t word_value(uint64_t page, uint64_t word, uint64_t round)
{
    return (page << 32) ^ (word << 8) ^ (round * 0x9e3779b97f4a7c15ull);
}

/* Writes `writes` words of `page`; the first one faults (the page is read-only). */
static void pt_write_page(uint64_t page, int writes, uint64_t round)
{
    volatile uint64_t *w = (volatile uint64_t *)(cda + page * PAGE);
    for (int j = 0; j < writes; j++) {
        uint64_t word = (page * 5 + (uint64_t)j * 131) % 512;
        if (j == 0)
            pt_expect = (uint64_t)&w[word];
        w[word] = word_value(page, word, round);
    }
}

static uint64_t region_sum(void)
{
    const volatile uint64_t *w = (const volatile uint64_t *)cda;
    uint64_t s = 0;
    for (size_t i = 0; i < NPAGES * PAGE / 8; i++)
        s = rt_mix(s, w[i]);
    return s;
}

static void part_pt(void)
{
    const int RW = PROT_READ | PROT_WRITE;
    rt_printf("(a) PT: write-protect, fault, record, unprotect, retry\n");
    result("install SIGSEGV handler", rt_install(SIGSEGV, pt_handler, 0), 0);
    cda = sys_mmap(NULL, NPAGES * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    result("mmap 64 pages", !RT_IS_ERR(cda), 1);
    memset(cda, 0x5a, NPAGES * PAGE);       /* populate every page */

    /* Cycle 1: all 64 pages, 4 writes each, in a scattered order. */
    result("mprotect region PROT_READ", sys_mprotect(cda, NPAGES * PAGE, PROT_READ), 0);
    for (uint64_t k = 0; k < NPAGES; k++)
        pt_write_page(k * 37 % NPAGES, 4, 1);
    result("cycle 1: faults taken (one per page)", pt_faults, NPAGES);
    result("cycle 1: pages recorded", pt_ndirty, NPAGES);
    long order_ok = 0;
    for (int k = 0; k < pt_ndirty; k++)
        order_ok += pt_dirty[k] == k * 37 % NPAGES;
    result("cycle 1: recorded in first-write order", order_ok, NPAGES);
    uint64_t s1 = region_sum();
    rt_printf("%-44s %016lx\n", "cycle 1: region checksum", s1);
    digest = rt_mix(digest, s1);

    /* Cycle 2: re-protect all, dirty only the odd pages (3 writes each). */
    int first = pt_ndirty;
    result("re-protect region PROT_READ", sys_mprotect(cda, NPAGES * PAGE, PROT_READ), 0);
    for (int k = NPAGES - 1; k >= 0; k--)
        if (k & 1)
            pt_write_page((uint64_t)k, 3, 2);
    result("cycle 2: faults taken", pt_faults - first, NPAGES / 2);
    long odd_ok = 0;
    for (int k = first; k < pt_ndirty; k++)
        odd_ok += pt_dirty[k] == NPAGES - 1 - 2 * (k - first);
    result("cycle 2: odd pages recorded, descending", odd_ok, NPAGES / 2);
    uint64_t s2 = region_sum();
    rt_printf("%-44s %016lx\n", "cycle 2: region checksum", s2);
    digest = rt_mix(digest, s2);

    /* The writes themselves: every written word holds its value. */
    long wrong = 0;
    const volatile uint64_t *w = (const volatile uint64_t *)cda;
    for (uint64_t page = 0; page < NPAGES; page++)
        for (int j = 0; j < 4; j++) {
            uint64_t word = (page * 5 + (uint64_t)j * 131) % 512;
            uint64_t round = (page & 1) && j < 3 ? 2 : 1;
            wrong += w[page * 512 + word] != word_value(page, word, round);
        }
    result("written words wrong", wrong, 0);
    result("faults with wrong si_code/si_addr/err/cr2", pt_bad, 0);
    result("handler's mprotect failures", pt_mprotect_failed, 0);
    result("SIGSEGV blocked inside the handler", pt_masked_in_handler, pt_faults);
    result("SIGSEGV unblocked after rt_sigreturn", (rt_sigmask() & SIGBIT(SIGSEGV)) != 0, 0);
    result("munmap region", sys_munmap(cda, NPAGES * PAGE), 0);
    result("restore SIG_DFL", rt_install(SIGSEGV, 0, 0), 0);
}

/* ------------------------------------------------------------ (b) MAPERR */

static volatile uint64_t b_recover;     /* the recovery label, stored by the asm */
static long b_calls;
static int b_code;
static uint64_t b_addr, b_err, b_trapno, b_cr2;

static void maperr_handler(int sig, void *info, void *uc)
{
    b_calls++;
    b_code = si_code(info);
    b_addr = si_addr(info);
    b_err = *uc_reg(uc, MC_ERR);
    b_trapno = *uc_reg(uc, MC_TRAPNO);
    b_cr2 = *uc_reg(uc, MC_CR2);
    if (!b_recover) {
        rt_install(SIGSEGV, 0, 0);
        return;
    }
    *uc_reg(uc, MC_RIP) = b_recover;
    *uc_reg(uc, MC_RAX) = 0x5afe0000 + (uint64_t)b_calls;
    *uc_reg(uc, MC_RDX) = 0xd00d0000 + (uint64_t)b_calls;
    b_recover = 0;
}

/* A load from p; if it faults the handler resumes at 1: with its own rax/rdx. */
static uint64_t load_or_handler(uint64_t p, uint64_t *rdx)
{
    uint64_t rax, d = 0x1111;
    __asm__ volatile("leaq    1f(%%rip), %%rax\n\t"
                     "movq    %%rax, %[slot]\n\t"
                     "movl    $0x1234, %%eax\n\t"
                     "movq    (%[p]), %%rax\n"
                     "1:"
                     : "=&a"(rax), "+d"(d), [slot] "=m"(b_recover)
                     : [p] "r"(p)
                     : "memory");
    *rdx = d;
    return rax;
}

static uint64_t store_or_handler(uint64_t p, uint64_t *rdx)
{
    uint64_t rax, d = 0x2222;
    __asm__ volatile("leaq    1f(%%rip), %%rax\n\t"
                     "movq    %%rax, %[slot]\n\t"
                     "movl    $0x4321, %%eax\n\t"
                     "movq    %%rax, (%[p])\n"
                     "1:"
                     : "=&a"(rax), "+d"(d), [slot] "=m"(b_recover)
                     : [p] "r"(p)
                     : "memory");
    *rdx = d;
    return rax;
}

static void part_maperr(void)
{
    rt_printf("(b) SEGV_MAPERR: the handler moves RIP and changes RAX/RDX\n");
    result("install SIGSEGV handler", rt_install(SIGSEGV, maperr_handler, 0), 0);
    uint64_t rdx;
    uint64_t rax = load_or_handler(rt_hide(0x10), &rdx);
    result("load from 0x10: handler calls", b_calls, 1);
    result("  si_code (1 = SEGV_MAPERR)", b_code, SEGV_MAPERR);
    result_hex("  si_addr", b_addr, 0x10);
    result_hex("  rax set by the handler", rax, 0x5afe0001);
    result_hex("  rdx set by the handler", rdx, 0xd00d0001);
    result("  sigcontext err (user read, not present)", (long)b_err, 4);
    result("  sigcontext trapno", (long)b_trapno, 14);
    result_hex("  sigcontext cr2", b_cr2, 0x10);

    uint8_t *p = sys_mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    result("mmap 2 pages, munmap the second", sys_munmap(p + PAGE, PAGE), 0);
    uint64_t target = (uint64_t)(p + PAGE + 0x18);
    rax = store_or_handler(target, &rdx);
    result("store to the unmapped page: handler calls", b_calls, 2);
    result("  si_code (1 = SEGV_MAPERR)", b_code, SEGV_MAPERR);
    result("  si_addr is the store's address", b_addr == target, 1);
    result_hex("  rax set by the handler", rax, 0x5afe0002);
    result_hex("  rdx set by the handler", rdx, 0xd00d0002);
    result("  sigcontext err (user write, not present)", (long)b_err, 6);
    result("  sigcontext cr2 is si_addr", b_cr2 == target, 1);

    /* A store to a read-only page and a load from a PROT_NONE page: ACCERR. */
    /* The first page was never touched: no PTE yet, so the error code says
     * "not present" although the VMA exists (hence ACCERR, not MAPERR). */
    result("mprotect untouched first page PROT_READ", sys_mprotect(p, PAGE, PROT_READ), 0);
    rax = store_or_handler((uint64_t)p + 8, &rdx);
    result("store to it: si_code (2 = SEGV_ACCERR)", b_code, SEGV_ACCERR);
    result("  sigcontext err (user write, not present)", (long)b_err, 6);
    result_hex("  rax set by the handler", rax, 0x5afe0003);
    result("mprotect first page PROT_NONE", sys_mprotect(p, PAGE, PROT_NONE), 0);
    rax = load_or_handler((uint64_t)p + 16, &rdx);
    result("load from a PROT_NONE page: si_code", b_code, SEGV_ACCERR);
    result("  sigcontext err (user read, not present)", (long)b_err, 4);
    result("  si_addr is the load's address", b_addr == (uint64_t)p + 16, 1);
    result("mprotect back to RW", sys_mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
    rax = load_or_handler((uint64_t)p + 16, &rdx);
    result("load after mprotect RW: no fault, value", (long)rax, 0);
    result_hex("  rdx untouched", rdx, 0x1111);
    result("  handler calls in total", b_calls, 4);
    result("munmap", sys_munmap(p, PAGE), 0);
    result("restore SIG_DFL", rt_install(SIGSEGV, 0, 0), 0);
}

/* ------------------------------------------------------------ (c) SIGILL */

static long ill_calls, ill_bad;
static int ill_code;

static void ill_handler(int sig, void *info, void *uc)
{
    uint64_t rip = *uc_reg(uc, MC_RIP);
    const uint8_t *ip = (const uint8_t *)rip;
    ill_calls++;
    ill_code = si_code(info);
    if (sig != SIGILL || si_addr(info) != rip || ip[0] != 0x0f || ip[1] != 0x0b ||
        *uc_reg(uc, MC_TRAPNO) != 6) {
        ill_bad++;
        rt_install(SIGILL, 0, 0);
        return;
    }
    *uc_reg(uc, MC_RIP) = rip + 2;
}

static void part_sigill(void)
{
    rt_printf("(c) SIGILL: ud2 skipped by the handler\n");
    result("install SIGILL handler", rt_install(SIGILL, ill_handler, 0), 0);
    uint64_t x = rt_hide(5);
    for (int i = 0; i < 3; i++) {
        __asm__ volatile("ud2" ::: "memory");
        x = rt_hide(x * 3 + 1);
    }
    result("code after each ud2 ran (x)", (long)x, 148);
    result("  handler calls", ill_calls, 3);
    result("  si_code (2 = ILL_ILLOPN)", ill_code, ILL_ILLOPN);
    result("  bad (si_addr != rip, bytes, trapno)", ill_bad, 0);
    result("restore SIG_DFL", rt_install(SIGILL, 0, 0), 0);
}

/* ------------------------------------------------------------ (d) SIGFPE */

static long fpe_calls, fpe_bad;
static int fpe_code;

static void fpe_handler(int sig, void *info, void *uc)
{
    uint64_t rip = *uc_reg(uc, MC_RIP);
    const uint8_t *ip = (const uint8_t *)rip;
    int len = 0;
    fpe_calls++;
    fpe_code = si_code(info);
    if (ip[0] == 0x48 && ip[1] == 0xf7 && (ip[2] == 0xf1 || ip[2] == 0xf9))
        len = 3;                        /* divq %rcx / idivq %rcx */
    else if (ip[0] == 0xf7 && ip[1] == 0xf1)
        len = 2;                        /* divl %ecx */
    if (sig != SIGFPE || si_addr(info) != rip || len == 0 || *uc_reg(uc, MC_TRAPNO) != 0) {
        fpe_bad++;
        rt_install(SIGFPE, 0, 0);
        return;
    }
    *uc_reg(uc, MC_RAX) = 0xfe0 + (uint64_t)fpe_calls;   /* "quotient" */
    *uc_reg(uc, MC_RDX) = 0;                             /* "remainder" */
    *uc_reg(uc, MC_RIP) = rip + (uint64_t)len;
}

static void part_sigfpe(void)
{
    rt_printf("(d) SIGFPE: division faults skipped by the handler\n");
    result("install SIGFPE handler", rt_install(SIGFPE, fpe_handler, 0), 0);
    uint64_t q, r = 0;
    __asm__ volatile("divq %%rcx" : "=a"(q), "+d"(r) : "0"(rt_hide(100)), "c"(rt_hide(0)));
    result_hex("divq by zero: quotient from the handler", q, 0xfe1);
    uint32_t q32, r32 = 0;
    __asm__ volatile("divl %%ecx" : "=a"(q32), "+d"(r32) : "0"((uint32_t)rt_hide(7)), "c"((uint32_t)rt_hide(0)));
    result_hex("divl by zero: quotient from the handler", q32, 0xfe2);
    uint64_t hi = (uint64_t)-1;
    __asm__ volatile("idivq %%rcx" : "=a"(q), "+d"(hi) : "0"(rt_hide(0x8000000000000000ull)), "c"(rt_hide((uint64_t)-1)));
    result_hex("idivq INT64_MIN / -1: quotient from handler", q, 0xfe3);
    r = 0;
    __asm__ volatile("divq %%rcx" : "=a"(q), "+d"(r) : "0"(rt_hide(100)), "c"(rt_hide(7)));
    result("divq 100 / 7 (no fault)", (long)q * 100 + (long)r, 1402);
    result("  handler calls", fpe_calls, 3);
    result("  si_code (1 = FPE_INTDIV)", fpe_code, FPE_INTDIV);
    result("  bad (si_addr != rip, bytes, trapno)", fpe_bad, 0);
    result("restore SIG_DFL", rt_install(SIGFPE, 0, 0), 0);
}

/* ------------------------------------------------------------ (e) nested */

static long nest_segv, nest_ill_inside;

static void nest_ill_handler(int sig, void *info, void *uc)
{
    nest_ill_inside += (rt_sigmask() & (SIGBIT(SIGSEGV) | SIGBIT(SIGILL))) == (SIGBIT(SIGSEGV) | SIGBIT(SIGILL));
    *uc_reg(uc, MC_RIP) += 2;
}

static void nest_segv_handler(int sig, void *info, void *uc)
{
    nest_segv++;
    __asm__ volatile("ud2" ::: "memory");      /* SIGILL on top of this frame */
    if (!b_recover) {
        rt_install(SIGSEGV, 0, 0);
        return;
    }
    *uc_reg(uc, MC_RIP) = b_recover;
    *uc_reg(uc, MC_RAX) = 0x4e57;
    b_recover = 0;
}

static void part_nested(void)
{
    rt_printf("(e) nested: SIGILL raised inside the SIGSEGV handler\n");
    result("install handlers", rt_install(SIGSEGV, nest_segv_handler, 0) | rt_install(SIGILL, nest_ill_handler, 0), 0);
    uint64_t rdx;
    uint64_t rax = load_or_handler(rt_hide(0x20), &rdx);
    result_hex("rax from the outer handler", rax, 0x4e57);
    result("SIGSEGV handler calls", nest_segv, 1);
    result("SIGILL handler ran with SIGSEGV|SIGILL blocked", nest_ill_inside, 1);
    result("mask empty again", (long)rt_sigmask(), 0);
    result("restore SIG_DFL", rt_install(SIGSEGV, 0, 0) | rt_install(SIGILL, 0, 0), 0);
}

/* --------------------------------------------------------------- (f) xmm */

static uint8_t xmm_in[16][16] __attribute__((aligned(16)));
static uint8_t xmm_out[16][16] __attribute__((aligned(16)));
static long xmm_frame_ok, xmm_calls;

static void xmm_handler(int sig, void *info, void *uc)
{
    xmm_calls++;
    for (int i = 0; i < 16; i++)
        xmm_frame_ok += memcmp(uc_xmm(uc, i), xmm_in[i], 16) == 0;
    uint8_t *x7 = uc_xmm(uc, 7);               /* seen by the code after return */
    for (int b = 0; b < 16; b++)
        x7[b] = (uint8_t)(0xa0 + b);
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"   "pcmpeqd %%xmm1, %%xmm1\n\t"
                     "pxor    %%xmm2, %%xmm2\n\t"   "pcmpeqd %%xmm3, %%xmm3\n\t"
                     "pxor    %%xmm4, %%xmm4\n\t"   "pcmpeqd %%xmm5, %%xmm5\n\t"
                     "pxor    %%xmm6, %%xmm6\n\t"   "pcmpeqd %%xmm7, %%xmm7\n\t"
                     "pxor    %%xmm8, %%xmm8\n\t"   "pcmpeqd %%xmm9, %%xmm9\n\t"
                     "pxor    %%xmm10, %%xmm10\n\t" "pcmpeqd %%xmm11, %%xmm11\n\t"
                     "pxor    %%xmm12, %%xmm12\n\t" "pcmpeqd %%xmm13, %%xmm13\n\t"
                     "pxor    %%xmm14, %%xmm14\n\t" "pcmpeqd %%xmm15, %%xmm15"
                     ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                         "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    *uc_reg(uc, MC_RIP) += 2;                  /* the ud2 */
}

#define LD(n) "movdqa " #n "*16(%[in]), %%xmm" #n "\n\t"
#define ST(n) "movdqa %%xmm" #n ", " #n "*16(%[out])\n\t"

static void part_xmm(void)
{
    rt_printf("(f) xmm registers across a handler that clobbers them\n");
    uint64_t seed = 0x5151;
    for (int i = 0; i < 16; i++)
        for (int b = 0; b < 16; b += 8) {
            uint64_t v = rt_rand64(&seed);
            memcpy(&xmm_in[i][b], &v, 8);
        }
    result("install SIGILL handler", rt_install(SIGILL, xmm_handler, 0), 0);
    __asm__ volatile(LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7)
                     LD(8) LD(9) LD(10) LD(11) LD(12) LD(13) LD(14) LD(15)
                     "ud2\n\t"
                     ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7)
                     ST(8) ST(9) ST(10) ST(11) ST(12) ST(13) ST(14) ST(15)
                     :
                     : [in] "r"(xmm_in), [out] "r"(xmm_out)
                     : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    result("handler calls", xmm_calls, 1);
    result("xmm saved in the frame's fpstate", xmm_frame_ok, 16);
    long kept = 0;
    for (int i = 0; i < 16; i++)
        if (i != 7)
            kept += memcmp(xmm_out[i], xmm_in[i], 16) == 0;
    result("xmm registers restored (all but xmm7)", kept, 15);
    long x7 = 0;
    for (int b = 0; b < 16; b++)
        x7 += xmm_out[7][b] == 0xa0 + b;
    result("xmm7 = what the handler wrote in the frame", x7, 16);
    result("restore SIG_DFL", rt_install(SIGILL, 0, 0), 0);
}

int main(int argc, char **argv, char **envp)
{
    const char *only = argc > 1 ? argv[1] : "";
    bool all = only[0] == 0;
    if (all || !rt_strcmp(only, "pt"))
        part_pt();
    if (all || !rt_strcmp(only, "maperr"))
        part_maperr();
    if (all || !rt_strcmp(only, "sigill"))
        part_sigill();
    if (all || !rt_strcmp(only, "sigfpe"))
        part_sigfpe();
    if (all || !rt_strcmp(only, "nested"))
        part_nested();
    if (all || !rt_strcmp(only, "xmm"))
        part_xmm();
    rt_printf("digest=%016lx\n", digest);
    return rt_report("signals");
}
