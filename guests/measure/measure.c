/*
 * measure.c - times the primitives of the paper's checkpoint path on a real machine (native
 * Linux or a real Xen guest), for `hvsim calibrate` (see README.md here).
 *
 *   measure [--rounds R] [--batches B] [--scale S] [--cpu N]
 *                                                   time every operation; CSV on stdout
 *   measure count OP N                              run N iterations of OP, untimed (to count the
 *                                                   events of one iteration under hvsim exec)
 *   measure list                                    the operations, one per line
 *
 * An operation is one loop iteration:
 *
 *   getppid           one null system call
 *   mprotect-1        mprotect(RO) + mprotect(RW) of one page in the middle of a 16-page mapping
 *                     (the kernel splits the VMA in three and merges it back)
 *   mprotect-N        the same for a whole mapping of N pages (N = 8, 64, 512), populated
 *   copy-page         memcpy of one 4 KiB page (16 source pages in turn) into a helper buffer
 *   segv-pt           mprotect(RO) of one page in a 16-page mapping, then one store to it: #PF,
 *                     SIGSEGV, the handler mprotects the page RW, sigreturn, the store retried
 *                     (one PT fault cycle plus the protection that precedes it)
 *   segv-emul         one store `movl %eax,(%rdi)` to a read-only shared page: #PF, SIGSEGV, the
 *                     handler emulates it through a writable alias (mremap of size 0), logs
 *                     (address, value) and advances RIP by 2, sigreturn - no mprotect
 *   pt:K:W:P          one transaction of the paper's microbenchmark (guests/src/micro.c) on a
 *                     K KiB CDA, W writes per page, P pages per transaction (integers), with the
 *                     PT technique exactly as guests/ckpt/ckpt.c does it: begin mprotects the
 *                     whole CDA RO, the SIGSEGV handler lists the page and mprotects it RW, end
 *                     "commits" by copying each listed page (memcpy of 4 KiB into a helper
 *                     buffer: what hvsim counts as CopyBytes at COMMIT)
 *   none:K:W:P        the same transaction with no technique
 *
 * Timing: clock_gettime(CLOCK_MONOTONIC) around a batch of iterations. R rounds (default 5), each
 * timing every operation in turn: fresh mappings, one warm-up batch, B batches (default 5). The
 * CSV gives the median, min and max over all R x B batches of ns per iteration (S scales the
 * iterations per batch; --cpu pins the process to one CPU), between two comment lines with the
 * date and /proc/loadavg:
 *
 *   op,ns_median,ns_min,ns_max,batches,iterations
 *
 * Emul's real engine (any instruction) exists only in the simulator; segv-emul is the Emul-style
 * cycle for one known instruction, as in ../shared/calibration/sources.md's [M] row.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096ul
#define WORDS_PER_PAGE (PAGE / 4)

static void die(const char *what)
{
    fprintf(stderr, "measure: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The current operation's mappings, unmapped by teardown. */
static struct { void *p; unsigned long bytes; } maps[8];
static int nmaps;

static void remember(void *p, unsigned long bytes)
{
    if (nmaps == (int)(sizeof maps / sizeof *maps)) {
        fprintf(stderr, "measure: too many mappings\n");
        exit(1);
    }
    maps[nmaps].p = p;
    maps[nmaps++].bytes = bytes;
}

static void *map(unsigned long bytes, int flags)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    remember(p, bytes);
    for (unsigned long off = 0; off < bytes; off += PAGE)
        ((volatile char *)p)[off] = 0;
    return p;
}

static void protect(void *p, unsigned long bytes, int prot)
{
    if (mprotect(p, bytes, prot) != 0)
        die("mprotect");
}

static void on_sigsegv(void (*handler)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        die("sigaction");
}

/* ---- the primitives ---- */

static char *region;          /* the current operation's mapping */
static unsigned long region_pages;

static void op_getppid(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        syscall(SYS_getppid);
}

static void op_mprotect1(unsigned long n)
{
    char *page = region + 8 * PAGE;
    for (unsigned long i = 0; i < n; i++) {
        protect(page, PAGE, PROT_READ);
        protect(page, PAGE, PROT_READ | PROT_WRITE);
    }
}

static void op_mprotect_all(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        protect(region, region_pages * PAGE, PROT_READ);
        protect(region, region_pages * PAGE, PROT_READ | PROT_WRITE);
    }
}

/* PT's handler (ckpt.c pt_handler): a write to the protected region -> list it, make it RW. */
static uintptr_t pt_lo, pt_len;
static uint64_t *pt_list, pt_count;

static void pt_handler(int sig, siginfo_t *info, void *uc)
{
    uintptr_t addr = (uintptr_t)info->si_addr;
    if (info->si_code != SEGV_ACCERR || addr - pt_lo >= pt_len) {
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    uintptr_t page = addr & ~(PAGE - 1);
    pt_list[pt_count++] = page;
    if (mprotect((void *)page, PAGE, PROT_READ | PROT_WRITE) != 0)
        signal(SIGSEGV, SIG_DFL);
}

static uint64_t pt_list_small[4];

static void op_segv_pt(unsigned long n)
{
    char *page = region + 8 * PAGE;
    pt_lo = (uintptr_t)region;
    pt_len = region_pages * PAGE;
    pt_list = pt_list_small;
    for (unsigned long i = 0; i < n; i++) {
        pt_count = 0;
        protect(page, PAGE, PROT_READ);
        *(volatile uint32_t *)(page + 8) = (uint32_t)i;
    }
}

/* Emul-style: the region is shared, `alias` maps the same pages writable. */
static char *emul_alias;
static uint64_t emul_log[3];

static void emul_handler(int sig, siginfo_t *info, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    uintptr_t addr = (uintptr_t)info->si_addr;
    const uint8_t *ip = (const uint8_t *)g[REG_RIP];
    if (info->si_code != SEGV_ACCERR || addr - pt_lo >= pt_len || ip[0] != 0x89 || ip[1] != 0x07
        || (uintptr_t)g[REG_RDI] != addr) {
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    uint32_t value = (uint32_t)g[REG_RAX];
    *(volatile uint32_t *)(emul_alias + (addr - pt_lo)) = value;
    emul_log[0] = addr;
    emul_log[1] = 4;
    emul_log[2] = value;
    g[REG_RIP] += 2;
}

static void op_segv_emul(unsigned long n)
{
    char *target = region + 8 * PAGE + 8;
    for (unsigned long i = 0; i < n; i++)
        __asm__ volatile("movl %%eax, (%%rdi)" : : "a"((uint32_t)i), "D"(target) : "memory");
}

/* The commit's copy of one dirty page (what hvsim counts as CopyBytes 4096 at COMMIT): 16 source
 * pages in turn, each copied to its place in a helper buffer. */
static void op_copy_page(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        unsigned long off = (i & 15) * PAGE;
        memcpy(region + 16 * PAGE + off, region + off, PAGE);
        __asm__ volatile("" : : : "memory");
    }
}

/* ---- the microbenchmark's transaction (guests/src/micro.c), PT as in guests/ckpt/ckpt.c ---- */

static struct {
    int pt;
    unsigned long npages, wpp, ppt;
    uint32_t *cda, *perm;
    char *helper;
    uint64_t rng;
} tx;

static inline uint64_t rand64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void op_tx(unsigned long count)
{
    unsigned long npages = tx.npages, bytes = npages * PAGE;
    for (unsigned long t = 0; t < count; t++) {
        if (tx.pt) { /* ckpt_begin */
            pt_count = 0;
            protect(tx.cda, bytes, PROT_READ);
        }
        for (unsigned long k = 0; k < tx.ppt; k++) {
            uint64_t x = rand64(&tx.rng);
            uint64_t j = k + x % (npages - k);
            uint32_t page = tx.perm[j];
            tx.perm[j] = tx.perm[k];
            tx.perm[k] = page;
            x = rand64(&tx.rng);
            uint32_t idx = (uint32_t)x & (WORDS_PER_PAGE - 1);
            uint32_t step = ((uint32_t)(x >> 10) & (WORDS_PER_PAGE - 1)) | 1;
            uint32_t value = (uint32_t)(x >> 32);
            volatile uint32_t *base = tx.cda + (uint64_t)page * WORDS_PER_PAGE;
            for (unsigned long i = 0; i < tx.wpp; i++) {
                base[idx] = value + (uint32_t)i;
                idx = (idx + step) & (WORDS_PER_PAGE - 1);
            }
        }
        if (tx.pt) /* ckpt_end: COMMIT copies each listed page */
            for (uint64_t i = 0; i < pt_count; i++)
                memcpy(tx.helper + (pt_list[i] - pt_lo), (const void *)pt_list[i], PAGE);
    }
}

/* ---- operations by name ---- */

typedef void (*op_fn)(unsigned long);

static op_fn setup(const char *name, unsigned long *per_batch)
{
    unsigned long k, w, p;
    char kind[8];
    if (strcmp(name, "getppid") == 0) {
        *per_batch = 200000;
        return op_getppid;
    }
    if (strcmp(name, "mprotect-1") == 0) {
        region_pages = 16;
        region = map(16 * PAGE, MAP_PRIVATE);
        *per_batch = 20000;
        return op_mprotect1;
    }
    if (sscanf(name, "mprotect-%lu", &k) == 1 && k > 1) {
        region_pages = k;
        region = map(k * PAGE, MAP_PRIVATE);
        *per_batch = 2000000 / (k + 100);
        return op_mprotect_all;
    }
    if (strcmp(name, "copy-page") == 0) {
        region_pages = 32;
        region = map(32 * PAGE, MAP_PRIVATE);
        *per_batch = 50000;
        return op_copy_page;
    }
    if (strcmp(name, "segv-pt") == 0) {
        region_pages = 16;
        region = map(16 * PAGE, MAP_PRIVATE);
        on_sigsegv(pt_handler);
        *per_batch = 5000;
        return op_segv_pt;
    }
    if (strcmp(name, "segv-emul") == 0) {
        region_pages = 16;
        region = map(16 * PAGE, MAP_SHARED);
        emul_alias = mremap(region, 0, 16 * PAGE, MREMAP_MAYMOVE);
        if (emul_alias == MAP_FAILED)
            die("mremap");
        remember(emul_alias, 16 * PAGE);
        for (unsigned long off = 0; off < 16 * PAGE; off += PAGE)
            emul_alias[off] = emul_alias[off];
        pt_lo = (uintptr_t)region;
        pt_len = 16 * PAGE;
        on_sigsegv(emul_handler);
        protect(region, 16 * PAGE, PROT_READ);
        *per_batch = 5000;
        return op_segv_emul;
    }
    if (sscanf(name, "%4[a-z]:%lu:%lu:%lu", kind, &k, &w, &p) == 4
        && (strcmp(kind, "pt") == 0 || strcmp(kind, "none") == 0) && k > 0 && k % 4 == 0 && p <= k / 4) {
        tx.pt = strcmp(kind, "pt") == 0;
        tx.npages = k / 4;
        tx.wpp = w;
        tx.ppt = p;
        tx.cda = map(k * 1024, MAP_PRIVATE);
        tx.perm = map(tx.npages * 4, MAP_PRIVATE);
        for (unsigned long i = 0; i < tx.npages; i++)
            tx.perm[i] = (uint32_t)i;
        tx.helper = map(k * 1024, MAP_PRIVATE);
        tx.rng = 1;
        pt_lo = (uintptr_t)tx.cda;
        pt_len = k * 1024;
        pt_list = map((tx.npages * 8 + PAGE - 1) & ~(PAGE - 1), MAP_PRIVATE);
        if (tx.pt)
            on_sigsegv(pt_handler);
        unsigned long cost = 1 + p * (tx.pt ? 8 : 0) + p * w / 64 + (tx.pt ? tx.npages / 64 : 0);
        *per_batch = 20000 / cost + 1;
        return op_tx;
    }
    return NULL;
}

static void teardown(void)
{
    signal(SIGSEGV, SIG_DFL);
    while (nmaps > 0) {
        nmaps--;
        munmap(maps[nmaps].p, maps[nmaps].bytes);
    }
    region = NULL;
}

static const char *const ops[] = {
    "getppid", "mprotect-1", "mprotect-8", "mprotect-64", "mprotect-512", "copy-page", "segv-pt", "segv-emul",
    /* the grid: CDA 64 KiB and 1 MiB; WPP 1 and 16; PPT 1, 4, 16 */
    "none:64:1:1", "pt:64:1:1", "none:64:1:4", "pt:64:1:4", "none:64:1:16", "pt:64:1:16",
    "none:64:16:1", "pt:64:16:1", "none:64:16:4", "pt:64:16:4", "none:64:16:16", "pt:64:16:16",
    "none:1024:1:1", "pt:1024:1:1", "none:1024:1:4", "pt:1024:1:4", "none:1024:1:16", "pt:1024:1:16",
    "none:1024:16:4", "pt:1024:16:4",
    /* held out of the fit (make_csv.py gives them weight 0): the model's test */
    "none:4:1:1", "pt:4:1:1", "none:256:4:8", "pt:256:4:8", "none:1024:4:32", "pt:1024:4:32",
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* "# measure: WHAT 2026-01-01 12:00:00 UTC, load average 1.00 0.90 0.80, cpu N" */
static void stamp(const char *what, int cpu)
{
    char date[64] = "?", load[64] = "?";
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(load, sizeof load, f))
            strcpy(load, "?");
        fclose(f);
        load[strcspn(load, "\n")] = 0;
    }
    printf("# measure: %s %s, /proc/loadavg %s, %s\n", what, date, load,
           cpu >= 0 ? "pinned to one cpu" : "not pinned");
}

/* Busy and total jiffies of the whole machine (/proc/stat's cpu line; steal counts as busy). */
static int machine_jiffies(unsigned long long *busy, unsigned long long *total)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 5)
        return 0;
    *total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    *busy = *total - v[3] - v[4];
    return 1;
}

static double own_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
            printf("%s\n", ops[i]);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "count") == 0) {
        unsigned long per_batch, n = strtoul(argv[3], NULL, 10);
        op_fn fn = setup(argv[2], &per_batch);
        if (!fn) {
            fprintf(stderr, "measure: unknown operation '%s'\n", argv[2]);
            return 2;
        }
        fn(n);
        return 0;
    }
    int batches = 5, rounds = 5, cpu = -1;
    double scale = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
            batches = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
            scale = atof(argv[++i]);
        else if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc)
            cpu = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: measure [--rounds R] [--batches B] [--scale S] [--cpu N] | count OP N | list\n");
            return 2;
        }
    }
    if (batches < 1 || batches > 1000 || rounds < 1 || rounds > 1000 || scale <= 0) {
        fprintf(stderr, "measure: bad --batches, --rounds or --scale\n");
        return 2;
    }
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            die("sched_setaffinity");
    }
    /* Rounds outer, operations inner: a burst of load elsewhere on the machine then spoils a few
     * batches of every operation rather than all batches of one. */
    size_t nops = sizeof ops / sizeof *ops, samples = (size_t)rounds * (size_t)batches;
    double *t = calloc(nops * samples, sizeof *t);
    unsigned long *iters = calloc(nops, sizeof *iters);
    if (!t || !iters)
        die("calloc");
    stamp("started", cpu);
    unsigned long long busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
    int have_stat = machine_jiffies(&busy0, &total0);
    double own0 = own_cpu_seconds(), wall0 = now_ns();
    for (int r = 0; r < rounds; r++) {
        for (size_t o = 0; o < nops; o++) {
            unsigned long per_batch;
            op_fn fn = setup(ops[o], &per_batch);
            per_batch = (unsigned long)(per_batch * scale);
            if (per_batch < 1)
                per_batch = 1;
            iters[o] = per_batch;
            fn(per_batch); /* warm-up */
            for (int b = 0; b < batches; b++) {
                double start = now_ns();
                fn(per_batch);
                t[o * samples + (size_t)r * (size_t)batches + (size_t)b] = (now_ns() - start) / (double)per_batch;
            }
            teardown();
        }
    }
    double own = own_cpu_seconds() - own0, wall = (now_ns() - wall0) * 1e-9;
    if (have_stat && machine_jiffies(&busy1, &total1) && wall > 0) {
        double hz = (double)sysconf(_SC_CLK_TCK);
        double others = ((double)(busy1 - busy0) / hz - own) / wall;
        printf("# measure: %.1f s, this process %.0f%% of one CPU, everything else %.0f%% of one CPU "
               "(/proc/stat busy incl. steal, %ld CPUs online)\n", wall, 100 * own / wall,
               100 * (others < 0 ? 0 : others), sysconf(_SC_NPROCESSORS_ONLN));
    }
    printf("op,ns_median,ns_min,ns_max,batches,iterations\n");
    for (size_t o = 0; o < nops; o++) {
        double *x = t + o * samples;
        qsort(x, samples, sizeof *x, cmp_double);
        double median = samples % 2 ? x[samples / 2] : (x[samples / 2 - 1] + x[samples / 2]) / 2;
        printf("%s,%.1f,%.1f,%.1f,%zu,%lu\n", ops[o], median, x[0], x[samples - 1], samples, iters[o]);
    }
    stamp("finished", cpu);
    return 0;
}
