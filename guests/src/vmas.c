/*
 * vmas.c - how VMAs split, merge and disappear, observed from user space.
 *
 * There is no /proc here, so every claim is checked by behaviour: a probe
 * (rt/sig.h) loads or stores one word, and a SIGSEGV handler turns a fault
 * into a result by moving the saved RIP to the probe's recovery label. A row
 * of probes over a region prints one letter per page:
 *
 *   w / r   the store / load succeeded
 *   A       SIGSEGV with SEGV_ACCERR (a VMA is there, but forbids it)
 *   M       SIGSEGV with SEGV_MAPERR (no VMA)
 *
 * and every fault must report the probed address in si_addr and cr2.
 *
 * Covered: mprotect splitting a mapping in three and merging it back,
 * PROT_NONE, munmap of a middle part, an munmap straddling three VMAs,
 * mprotect over a hole (-ENOMEM, but Linux has already changed the part
 * before the hole), MAP_FIXED replacing part of a mapping (zero afterwards),
 * MAP_FIXED_NOREPLACE, an mmap hint (honoured when free, ignored when not),
 * PROT_EXEC on anonymous memory (code written, run, rewritten, run again;
 * an NX fetch faults with the instruction-fetch error code), and brk growth
 * and shrinking (the released pages are gone, regrown ones are zero).
 *
 * Only addresses fixed by MAP_FIXED or a hint are printed.
 */
#include "sig.h"

#define PAGE 4096ul

static const int RW = PROT_READ | PROT_WRITE;
static uint64_t digest;
static long addr_mismatch;

static void result(const char *what, long value, long expect)
{
    rt_printf("%-48s %ld\n", what, value);
    rt_check(value == expect, what);
    digest = rt_mix(digest, (uint64_t)value);
}

static void result_str(const char *what, const char *value, const char *expect)
{
    rt_printf("%-48s %s\n", what, value);
    rt_check(!rt_strcmp(value, expect), what);
    for (const char *c = value; *c; c++)
        digest = rt_mix(digest, (uint64_t)*c);
}

static uint64_t value_at(uint64_t key, uint64_t page, uint64_t word)
{
    return (key << 48) ^ (page << 24) ^ (word * 0x9e3779b97f4a7c15ull);
}

static void fill(uint8_t *base, uint64_t first_page, uint64_t pages, uint64_t key)
{
    for (uint64_t p = first_page; p < first_page + pages; p++) {
        uint64_t *w = (uint64_t *)(base + p * PAGE);
        for (uint64_t i = 0; i < PAGE / 8; i++)
            w[i] = value_at(key, p, i);
    }
}

static bool holds(const uint8_t *base, uint64_t first_page, uint64_t pages, uint64_t key)
{
    for (uint64_t p = first_page; p < first_page + pages; p++) {
        const uint64_t *w = (const uint64_t *)(base + p * PAGE);
        for (uint64_t i = 0; i < PAGE / 8; i++)
            if (w[i] != value_at(key, p, i))
                return false;
    }
    return true;
}

static bool zero(const uint8_t *base, uint64_t first_page, uint64_t pages)
{
    const uint64_t *w = (const uint64_t *)(base + first_page * PAGE);
    for (uint64_t i = 0; i < pages * PAGE / 8; i++)
        if (w[i])
            return false;
    return true;
}

static char letter(long r, char ok, uint64_t address)
{
    if (r == 0)
        return ok;
    if (rt_probe_last.addr != address || rt_probe_last.cr2 != address || rt_probe_last.trapno != 14)
        addr_mismatch++;
    if (r == ((SIGSEGV << 8) | SEGV_ACCERR))
        return 'A';
    if (r == ((SIGSEGV << 8) | SEGV_MAPERR))
        return 'M';
    return '?';
}

/*
 * One probe per page of base[0 .. pages): a store of the value the page's
 * probe word holds under `key` (so contents do not change), or a load.
 */
static const char *row(uint8_t *base, int pages, bool write, uint64_t key)
{
    static char text[64];
    for (int p = 0; p < pages; p++) {
        uint64_t word = (uint64_t)(p * 7 % 512);
        volatile uint64_t *at = (volatile uint64_t *)(base + (uint64_t)p * PAGE) + word;
        if (write) {
            text[p] = letter(rt_probe_write64(at, value_at(key, (uint64_t)p, word)), 'w', (uint64_t)at);
        } else {
            uint64_t v;
            text[p] = letter(rt_probe_read64(at, &v), 'r', (uint64_t)at);
        }
    }
    text[pages] = 0;
    return text;
}

static void *map(void *hint, size_t len, int prot, int flags)
{
    return sys_mmap(hint, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

#define MAP_FIXED_NOREPLACE 0x100000
#define RT_EEXIST 17

static void split_and_merge(void)
{
    rt_printf("-- mprotect splits a mapping and merges it back\n");
    uint8_t *a = map(NULL, 16 * PAGE, RW, 0);
    result("mmap 16 pages", !RT_IS_ERR(a), 1);
    fill(a, 0, 16, 1);
    result("mprotect pages 6..9 PROT_READ", sys_mprotect(a + 6 * PAGE, 4 * PAGE, PROT_READ), 0);
    result_str("stores", row(a, 16, true, 1), "wwwwwwAAAAwwwwww");
    result_str("loads", row(a, 16, false, 1), "rrrrrrrrrrrrrrrr");
    result("contents kept", holds(a, 0, 16, 1), 1);
    result("mprotect pages 6..9 back to RW", sys_mprotect(a + 6 * PAGE, 4 * PAGE, RW), 0);
    result_str("stores after merging", row(a, 16, true, 1), "wwwwwwwwwwwwwwww");
    result("mprotect page 3 PROT_NONE", sys_mprotect(a + 3 * PAGE, PAGE, PROT_NONE), 0);
    result("mprotect page 12 PROT_READ", sys_mprotect(a + 12 * PAGE, PAGE, PROT_READ), 0);
    result_str("loads", row(a, 16, false, 1), "rrrArrrrrrrrrrrr");
    result_str("stores", row(a, 16, true, 1), "wwwAwwwwwwwwAwww");
    result("mprotect all 16 RW in one call", sys_mprotect(a, 16 * PAGE, RW), 0);
    result_str("stores", row(a, 16, true, 1), "wwwwwwwwwwwwwwww");
    result("contents kept", holds(a, 0, 16, 1), 1);

    rt_printf("-- munmap of a middle part\n");
    result("munmap pages 6..9", sys_munmap(a + 6 * PAGE, 4 * PAGE), 0);
    result_str("loads", row(a, 16, false, 1), "rrrrrrMMMMrrrrrr");
    result("both ends kept", holds(a, 0, 6, 1) && holds(a, 10, 6, 1), 1);

    rt_printf("-- mprotect over a hole\n");
    /* -ENOMEM, yet Linux has applied it to the VMAs before the hole. */
    result("mprotect pages 0..15 PROT_READ -> -ENOMEM", sys_mprotect(a, 16 * PAGE, PROT_READ), -RT_ENOMEM);
    result_str("stores", row(a, 16, true, 1), "AAAAAAMMMMwwwwww");
    result("mprotect pages 6..9 (unmapped) -> -ENOMEM", sys_mprotect(a + 6 * PAGE, 4 * PAGE, RW), -RT_ENOMEM);
    result("mprotect pages 0..5 RW", sys_mprotect(a, 6 * PAGE, RW), 0);
    result_str("stores", row(a, 16, true, 1), "wwwwwwMMMMwwwwww");
    result("munmap pages 0..15 (with the hole)", sys_munmap(a, 16 * PAGE), 0);
    result_str("loads", row(a, 16, false, 1), "MMMMMMMMMMMMMMMM");

    rt_printf("-- munmap straddling three VMAs\n");
    uint8_t *c = map(NULL, 6 * PAGE, RW, 0);
    fill(c, 0, 6, 2);
    result("mprotect pages 2..3 PROT_READ", sys_mprotect(c + 2 * PAGE, 2 * PAGE, PROT_READ), 0);
    result("munmap pages 1..4", sys_munmap(c + PAGE, 4 * PAGE), 0);
    result_str("loads", row(c, 6, false, 2), "rMMMMr");
    result("pages 0 and 5 kept", holds(c, 0, 1, 2) && holds(c, 5, 1, 2), 1);
    result("munmap", sys_munmap(c, 6 * PAGE), 0);
}

static void fixed_and_hints(void)
{
    rt_printf("-- MAP_FIXED replacing part of a mapping\n");
    uint8_t *b = map(NULL, 8 * PAGE, RW, 0);
    fill(b, 0, 8, 3);
    uint8_t *r = map(b + 2 * PAGE, 3 * PAGE, RW, MAP_FIXED);
    result("MAP_FIXED over pages 2..4 returns the address", r == b + 2 * PAGE, 1);
    result("  pages 2..4 read as zero", zero(b, 2, 3), 1);
    result("  pages 0..1 and 5..7 kept", holds(b, 0, 2, 3) && holds(b, 5, 3, 3), 1);
    r = map(b + 6 * PAGE, PAGE, PROT_READ, MAP_FIXED);
    result("MAP_FIXED PROT_READ over page 6", r == b + 6 * PAGE, 1);
    result_str("  stores", row(b, 8, true, 3), "wwwwwwAw");
    result("  page 6 reads as zero", zero(b, 6, 1), 1);
    result("MAP_FIXED_NOREPLACE over page 0 -> -EEXIST",
           (long)map(b, PAGE, RW, MAP_FIXED_NOREPLACE), -RT_EEXIST);
    result("  page 0 kept", holds(b, 0, 1, 3), 1);
    result("munmap", sys_munmap(b, 8 * PAGE), 0);

    rt_printf("-- fixed addresses and hints\n");
    uint8_t *want = (uint8_t *)0x300000000ul;
    uint8_t *f = map(want, 4 * PAGE, RW, MAP_FIXED);
    rt_printf("%-48s 0x%lx\n", "MAP_FIXED at", (uint64_t)f);
    result("  at the address asked for", f == want, 1);
    result("  reads as zero", zero(f, 0, 4), 1);
    fill(f, 0, 4, 4);
    uint8_t *n = map(f + 4 * PAGE, 2 * PAGE, RW, MAP_FIXED_NOREPLACE);
    result("MAP_FIXED_NOREPLACE right after it (free)", n == f + 4 * PAGE, 1);
    fill(f, 4, 2, 4);
    result_str("  stores over both", row(f, 6, true, 4), "wwwwww");
    result("munmap both at once", sys_munmap(f, 6 * PAGE), 0);
    result_str("  loads", row(f, 6, false, 4), "MMMMMM");

    uint8_t *hint = (uint8_t *)0x400000000ul;
    uint8_t *h = map(hint, 2 * PAGE, RW, 0);
    rt_printf("%-48s 0x%lx\n", "mmap with a free hint at", (uint64_t)h);
    result("  hint honoured", h == hint, 1);
    fill(h, 0, 2, 5);
    uint8_t *h2 = map(hint + PAGE, 2 * PAGE, RW, 0);
    result("mmap with a hint overlapping it: elsewhere", !RT_IS_ERR(h2) && h2 != hint + PAGE, 1);
    result("  no overlap with the first", h2 + 2 * PAGE <= h || h2 >= h + 2 * PAGE, 1);
    result("  first mapping kept", holds(h, 0, 2, 5), 1);
    result("  new mapping reads as zero", zero(h2, 0, 2), 1);
    result("munmap both", sys_munmap(h, 2 * PAGE) | sys_munmap(h2, 2 * PAGE), 0);
    /* Only a fixed address must be page-aligned; a hint is rounded down. */
    uint8_t *u = map((void *)0x500000123ul, PAGE, RW, 0);
    rt_printf("%-48s 0x%lx\n", "mmap with the unaligned hint 0x500000123 at", (uint64_t)u);
    result("  rounded down to the page", u == (uint8_t *)0x500000000ul, 1);
    result("MAP_FIXED at 0x500000123 -> -EINVAL",
           (long)map((void *)0x500000123ul, PAGE, RW, MAP_FIXED), -RT_EINVAL);
    result("munmap", sys_munmap(u, PAGE), 0);
}

/* Calls code at fn with the red zone protected; returns its eax (or the handler's). */
static volatile int exec_mode;

static void exec_handler(int sig, void *info, void *uc)
{
    /* The fetch faulted at the call's target: emulate the target's ret. */
    uint64_t *rsp = (uint64_t *)*uc_reg(uc, MC_RSP);
    rt_probe_last.signo = sig;
    rt_probe_last.code = si_code(info);
    rt_probe_last.addr = si_addr(info);
    rt_probe_last.err = *uc_reg(uc, MC_ERR);
    rt_probe_last.cr2 = *uc_reg(uc, MC_CR2);
    if (!exec_mode || si_addr(info) != *uc_reg(uc, MC_RIP)) {
        rt_install(SIGSEGV, 0, 0);
        return;
    }
    *uc_reg(uc, MC_RIP) = rsp[0];
    *uc_reg(uc, MC_RSP) = (uint64_t)(rsp + 1);
    *uc_reg(uc, MC_RAX) = (uint64_t)-1;
}

static long call_code(const void *fn)
{
    long rax;
    __asm__ volatile("subq    $128, %%rsp\n\t"
                     "call    *%[fn]\n\t"
                     "addq    $128, %%rsp"
                     : "=a"(rax)
                     : [fn] "r"(fn)
                     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    return rax;
}

static void exec_memory(void)
{
    rt_printf("-- PROT_EXEC on anonymous memory\n");
    uint8_t *code = map(NULL, PAGE, RW, 0);
    static const uint8_t ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 };     /* mov $42, %eax; ret */
    memcpy(code, ret42, sizeof ret42);
    result("mprotect PROT_READ|PROT_EXEC", sys_mprotect(code, PAGE, PROT_READ | PROT_EXEC), 0);
    result("call it", call_code(code), 42);
    result("mprotect RW, rewrite the immediate", sys_mprotect(code, PAGE, RW), 0);
    code[1] = 43;
    result("mprotect PROT_READ|PROT_EXEC again", sys_mprotect(code, PAGE, PROT_READ | PROT_EXEC), 0);
    result("call the rewritten code", call_code(code), 43);
    result("mprotect PROT_READ (no exec)", sys_mprotect(code, PAGE, PROT_READ), 0);
    result("install the exec-fault handler", rt_install(SIGSEGV, exec_handler, 0), 0);
    exec_mode = 1;
    result("call it: the handler returns -1", call_code(code), -1);
    exec_mode = 0;
    result("  si_code (2 = SEGV_ACCERR)", rt_probe_last.code, SEGV_ACCERR);
    result("  si_addr and cr2 are the target",
           rt_probe_last.addr == (uint64_t)code && rt_probe_last.cr2 == (uint64_t)code, 1);
    result("  sigcontext err (present, user, fetch)", (long)rt_probe_last.err, 0x15);
    result("munmap", sys_munmap(code, PAGE), 0);
    result("reinstall the probe handler", rt_install(SIGSEGV, rt_probe_handler, 0), 0);
}

static void heap(void)
{
    rt_printf("-- brk\n");
    long b0 = sys_brk(0);
    uint8_t *base = (uint8_t *)((b0 + PAGE - 1) & ~(PAGE - 1));
    long grown = sys_brk(base + 4 * PAGE);
    result("brk grow to base + 4 pages", grown == (long)(base + 4 * PAGE), 1);
    result("  new heap reads as zero", zero(base, 0, 4), 1);
    fill(base, 0, 4, 6);
    result_str("  stores", row(base, 5, true, 6), "wwwwM");
    long shrunk = sys_brk(base + PAGE);
    result("brk shrink to base + 1 page", shrunk == (long)(base + PAGE), 1);
    result_str("  loads", row(base, 4, false, 6), "rMMM");
    result("  first page kept", holds(base, 0, 1, 6), 1);
    long regrown = sys_brk(base + 3 * PAGE);
    result("brk regrow to base + 3 pages", regrown == (long)(base + 3 * PAGE), 1);
    result("  regrown pages read as zero", zero(base, 1, 2), 1);
    result_str("  stores", row(base, 4, true, 6), "wwwM");
    result("brk back to the start", sys_brk((void *)b0) == b0, 1);
}

int main(int argc, char **argv, char **envp)
{
    result("install the probe handler", rt_install(SIGSEGV, rt_probe_handler, 0), 0);
    split_and_merge();
    fixed_and_hints();
    exec_memory();
    heap();
    result("probe faults with wrong si_addr/cr2/trapno", addr_mismatch, 0);
    rt_printf("probe faults: %ld\n", rt_probe_faults);
    rt_printf("digest=%016lx\n", digest);
    return rt_report("vmas");
}
