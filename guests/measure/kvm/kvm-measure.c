/*
 * kvm-measure.c - times, through /dev/kvm on this machine, what hvsim's hvm platform prices: a VM
 * exit handled in the kernel and one handled in user space, the first guest write to a page under
 * dirty logging, harvesting the dirty log (KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG) per page and per
 * slot size, and the dirty ring. Writes the measurements CSV of `hvsim calibrate`
 * (models/README.md) with the machine, module and date in its comments. See README.md here.
 *
 *   kvm-measure [--quick] [--reps R] [--out FILE] [--device PATH]
 *
 * Status 0 measured; 77 skipped (no usable /dev/kvm, or PATH: the message says why); 1 an error;
 * 2 a usage error.
 */
#define _GNU_SOURCE
#include "kvm-vm.h"

#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifdef __x86_64__
/* arch/x86/include/uapi/asm/kvm.h; some installed headers lack it and fall back to 0. */
#undef KVM_DIRTY_LOG_PAGE_OFFSET
#define KVM_DIRTY_LOG_PAGE_OFFSET 64
#endif

#define STATUS_SKIPPED 77
#define MAX_REPS 64
#define MIB (1ul << 20)

/* One quantity: its value per repetition (ns), or why it was not measured. */
struct figure {
    const char *name;
    const char *what;
    int count; /* a number of events per occurrence (the vCPU's "exits" statistic), not ns */
    double ns[MAX_REPS];
    int reps;
    char unavailable[200];
};

static int s_quick, s_reps = 7;

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const struct figure *f, double *lo, double *hi)
{
    double v[MAX_REPS];
    memcpy(v, f->ns, sizeof(double) * (size_t)f->reps);
    qsort(v, (size_t)f->reps, sizeof(double), cmp_double);
    *lo = v[0];
    *hi = v[f->reps - 1];
    return f->reps % 2 ? v[f->reps / 2] : (v[f->reps / 2 - 1] + v[f->reps / 2]) / 2;
}

static void add(struct figure *f, double ns)
{
    if (f->reps < MAX_REPS) {
        f->ns[f->reps++] = ns;
    }
}

static void run_or_die(struct vm *vm, const char *what)
{
    const char *why;
    if (vm_run_to_end(vm, &why) < 0) {
        fprintf(stderr, "kvm-measure: %s: %s\n", what, why);
        exit(1);
    }
}

/* ---- the machine ---- */

struct machine {
    char cpu[128], kernel[160], module[64], params[256], vendor[16];
    int nested, pml;
};

static void read_line(const char *path, char *out, size_t size)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(out, (int)size, f)) {
            out[strcspn(out, "\n")] = 0;
        }
        fclose(f);
    }
}

/* The module serving /dev/kvm: the loaded kvm_* module other than kvm itself (kvm_intel, kvm_amd,
 * kvm_pvm, ...), from /sys/module; with the parameters that decide how dirty logging works. */
static void find_module(struct machine *m)
{
    strcpy(m->module, "unknown");
    DIR *d = opendir("/sys/module");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "kvm_", 4) == 0) {
            snprintf(m->module, sizeof m->module, "%.63s", e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    static const char *const params[] = { "ept", "enable_pml", "npt", "pvm_native", "tdp_mmu" };
    m->params[0] = 0;
    for (size_t i = 0; i < sizeof params / sizeof *params; i++) {
        char path[256], value[64];
        snprintf(path, sizeof path, "/sys/module/%s/parameters/%s", m->module, params[i]);
        if (access(path, R_OK) != 0) {
            snprintf(path, sizeof path, "/sys/module/kvm/parameters/%s", params[i]);
        }
        read_line(path, value, sizeof value);
        if (value[0]) {
            size_t n = strlen(m->params);
            snprintf(m->params + n, sizeof m->params - n, "%s%s=%s", n ? " " : "", params[i], value);
            if (strcmp(params[i], "enable_pml") == 0 && (value[0] == 'Y' || value[0] == '1')) {
                m->pml = 1;
            }
        }
    }
}

static void describe_machine(struct machine *m)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        if (!m->cpu[0] && strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(m->cpu, sizeof m->cpu, "%s", strchr(line, ':') + 2);
            m->cpu[strcspn(m->cpu, "\n")] = 0;
        }
        if (strncmp(line, "flags", 5) == 0 && strstr(line, " hypervisor")) {
            m->nested = 1;
        }
    }
    if (f) {
        fclose(f);
    }
    struct utsname u;
    uname(&u);
    snprintf(m->kernel, sizeof m->kernel, "%.64s %.64s", u.sysname, u.release);
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    memcpy(m->vendor, &b, 4);
    memcpy(m->vendor + 4, &d, 4);
    memcpy(m->vendor + 8, &c, 4);
    find_module(m);
}

/* Busy jiffies of the whole machine (/proc/stat's cpu line, steal counted as busy), so the CSV can
 * say how much else ran during the measurement: a loaded machine slows every exit. */
static unsigned long long machine_busy_jiffies(void)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    if (!f) {
        return 0;
    }
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    return n < 8 ? 0 : v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static double own_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- VM exits ---- */

/* Exits are taken at CPL 3 (`cpl`), where a checkpointed process takes them (its stores' EPT
 * violations, the checkpoint library's vmcalls), and at CPL 0 for comparison: a hardware hypervisor
 * exits alike at both, while kvm_pvm emulates guest-kernel code in batches (its parameter
 * pvm_emul_batch), so that its CPL-0 "exits" are mostly emulation, not world switches. */

/* Exits to user space: each KVM_RUN of guest_out_user returns at its next out (KVM_EXIT_IO). */
static void exit_user(struct figure *f, struct figure *exits, int kvm, int cpl)
{
    struct vm vm;
    vm_create(&vm, kvm, 0, 0);
    int n = s_quick ? 100 : 1000;
    vm_start(&vm, R_OUT_USER, cpl, 0, PORT_USER, 0, 0, 0);
    vm_run(&vm); /* warm */
    for (int r = 0; r < s_reps; r++) {
        long long x0 = vm_vcpu_stat(&vm, "exits");
        double t = now_ns();
        for (int i = 0; i < n; i++) {
            if (vm_run(&vm) != KVM_EXIT_IO) {
                snprintf(f->unavailable, sizeof f->unavailable, "an out did not exit to user space");
                vm_destroy(&vm);
                return;
            }
        }
        add(f, (now_ns() - t) / n);
        long long x1 = vm_vcpu_stat(&vm, "exits");
        if (exits && x0 >= 0 && x1 >= 0) {
            add(exits, (double)(x1 - x0) / n);
        }
    }
    if (exits && exits->reps == 0) {
        snprintf(exits->unavailable, sizeof exits->unavailable, "the vCPU's exits statistic (KVM_GET_STATS_FD) is not offered");
    }
    vm_destroy(&vm);
}

/* Exits the kernel handles: n1 and n2 exits in one KVM_RUN each; the difference over n2 - n1 removes
 * the ioctl's own cost. `hcall`: vmcall/vmmcall with an unknown hypercall number (KVM answers
 * -KVM_ENOSYS itself); otherwise out to a port bound to an ioeventfd (KVM_IOEVENTFD). */
static void exit_kernel(struct figure *f, struct figure *exits, int kvm, int hcall, int cpl)
{
    struct vm vm;
    vm_create(&vm, kvm, 0, 0);
    enum routine routine = hcall ? R_HCALL_COUNT : R_OUT_COUNT;
    if (!hcall) {
        int efd = eventfd(0, EFD_CLOEXEC);
        struct kvm_ioeventfd io = { .addr = PORT_EVENT, .len = 1, .fd = efd, .flags = KVM_IOEVENTFD_FLAG_PIO };
        if (efd < 0 || ioctl(vm.fd, KVM_IOEVENTFD, &io) < 0) {
            snprintf(f->unavailable, sizeof f->unavailable, "KVM_IOEVENTFD: %s", strerror(errno));
            vm_destroy(&vm);
            return;
        }
    }
    const char *why;
    vm_start(&vm, routine, cpl, 2, PORT_EVENT, 0, 0x7fff0000, 0);
    vm.timeout_s = 2; /* a hypercall the module re-executes forever is reported, not waited for */
    int ended = vm_run_to_end(&vm, &why);
    vm.timeout_s = VM_RUN_TIMEOUT_S;
    if (ended < 0) {
        snprintf(f->unavailable, sizeof f->unavailable, "%s", why);
        vm_destroy(&vm);
        return;
    }
    int n1 = s_quick ? 20 : 100, n2 = s_quick ? 220 : 1100;
    for (int r = 0; r < s_reps; r++) {
        double t[2];
        long long x[2];
        for (int k = 0; k < 2; k++) {
            vm_start(&vm, routine, cpl, k ? n2 : n1, PORT_EVENT, 0, 0x7fff0000, 0);
            long long x0 = vm_vcpu_stat(&vm, "exits");
            double t0 = now_ns();
            run_or_die(&vm, f->name);
            t[k] = now_ns() - t0;
            x[k] = vm_vcpu_stat(&vm, "exits") - x0;
        }
        add(f, (t[1] - t[0]) / (n2 - n1));
        if (exits && x[0] >= 0 && x[1] >= 0) {
            add(exits, (double)(x[1] - x[0]) / (n2 - n1));
        }
    }
    if (exits && exits->reps == 0) {
        snprintf(exits->unavailable, sizeof exits->unavailable, "the vCPU's exits statistic (KVM_GET_STATS_FD) is not offered");
    }
    vm_destroy(&vm);
}

/* ---- dirty logging ---- */

static void touch(struct vm *vm, size_t pages, int passes, const char *what)
{
    /* At CPL 3, as a checkpointed process writes (a software hypervisor such as kvm_pvm may
     * emulate guest-kernel code but runs guest user code directly). */
    vm_start(vm, R_TOUCH, 3, pages, 0, DATA_GPA, 0, (uint64_t)passes);
    run_or_die(vm, what);
}

/* One pass over the pages: its time, and in *exits the vCPU's exits during it (-1 if not offered). */
static double timed_touch(struct vm *vm, size_t pages, const char *what, long long *exits)
{
    long long x0 = vm_vcpu_stat(vm, "exits");
    double t = now_ns();
    touch(vm, pages, 1, what);
    double elapsed = now_ns() - t;
    long long x1 = vm_vcpu_stat(vm, "exits");
    *exits = x0 < 0 || x1 < 0 ? -1 : x1 - x0;
    return elapsed;
}

static void add_exits(struct figure *f, long long armed, long long writable, size_t pages)
{
    if (armed >= 0 && writable >= 0) {
        add(f, (double)(armed - writable) / (double)pages);
    }
}

static unsigned long *s_bitmap;

static double get_log(struct vm *vm)
{
    struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = s_bitmap };
    double t = now_ns();
    if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0) {
        fprintf(stderr, "kvm-measure: KVM_GET_DIRTY_LOG: %s\n", strerror(errno));
        exit(1);
    }
    return now_ns() - t;
}

/* KVM_CLEAR_DIRTY_LOG of the whole slot with every bit set: KVM re-protects the pages that are
 * dirty and only scans the rest (virt/kvm/kvm_main.c, kvm_clear_dirty_log_protect). */
static double clear_log(struct vm *vm, size_t pages, unsigned long *ones)
{
    struct kvm_clear_dirty_log c = { .slot = 1, .first_page = 0, .num_pages = (uint32_t)pages, .dirty_bitmap = ones };
    double t = now_ns();
    if (ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c) < 0) {
        fprintf(stderr, "kvm-measure: KVM_CLEAR_DIRTY_LOG: %s\n", strerror(errno));
        exit(1);
    }
    return now_ns() - t;
}

/* The first write to a page after the log is armed, less the same loop once the pages are writable. */
static void first_write(struct figure *f, struct figure *exits, int kvm)
{
    size_t pages = s_quick ? 256 : 1024;
    struct vm vm;
    vm_create(&vm, kvm, 0, 0);
    vm_add_data(&vm, pages * KVM_PAGE, KVM_MEM_LOG_DIRTY_PAGES);
    touch(&vm, pages, 1, f->name); /* allocate the host pages */
    get_log(&vm);
    for (int r = 0; r < s_reps; r++) {
        get_log(&vm); /* re-arms: every page written since is protected again */
        long long xa, xw;
        double armed = timed_touch(&vm, pages, f->name, &xa);
        double writable = timed_touch(&vm, pages, f->name, &xw);
        add(f, (armed - writable) / (double)pages);
        add_exits(exits, xa, xw, pages);
    }
    if (exits->reps == 0) {
        snprintf(exits->unavailable, sizeof exits->unavailable, "the vCPU's exits statistic (KVM_GET_STATS_FD) is not offered");
    }
    vm_destroy(&vm);
}

/* Harvest per dirty page and per slot: GET (and, with manual protection, GET then CLEAR) with no
 * page dirty and with every page dirty. */
struct harvest {
    struct figure get_empty, get_page, mget_empty, mget_page, clear_empty, clear_page;
};

static void harvest(struct harvest *h, int kvm, size_t bytes, int manual)
{
    size_t pages = bytes / KVM_PAGE;
    unsigned long *ones = malloc(pages / 8 + 8);
    memset(ones, 0xff, pages / 8 + 8);
    for (int mode = 0; mode < 1 + manual; mode++) {
        struct vm vm;
        vm_create(&vm, kvm, 0, mode);
        vm_add_data(&vm, bytes, KVM_MEM_LOG_DIRTY_PAGES);
        touch(&vm, pages, 1, "harvest");
        get_log(&vm);
        if (mode) {
            clear_log(&vm, pages, ones);
        }
        int reps = bytes > 64 * MIB && s_reps > 5 ? 5 : s_reps;
        for (int r = 0; r < reps; r++) {
            double g0 = get_log(&vm), c0 = mode ? clear_log(&vm, pages, ones) : 0;
            touch(&vm, pages, 1, "harvest");
            double g1 = get_log(&vm), c1 = mode ? clear_log(&vm, pages, ones) : 0;
            if (!mode) {
                add(&h->get_empty, g0);
                add(&h->get_page, (g1 - g0) / (double)pages);
            } else {
                add(&h->mget_empty, g0);
                add(&h->mget_page, (g1 - g0) / (double)pages);
                add(&h->clear_empty, c0);
                add(&h->clear_page, (c1 - c0) / (double)pages);
            }
        }
        vm_destroy(&vm);
    }
    free(ones);
}

/* The dirty ring (Documentation/virt/kvm/api.rst, KVM_CAP_DIRTY_LOG_RING): the first write per
 * page logs a GFN into the vCPU's ring; harvesting marks each entry for reset and
 * KVM_RESET_DIRTY_RINGS re-protects them. */
static void dirty_ring(struct figure *fw, struct figure *exits, struct figure *reset, int kvm, int ring_max)
{
    uint32_t ring_bytes = 65536; /* 4096 entries of 16 bytes */
    if ((uint32_t)ring_max < ring_bytes) {
        ring_bytes = (uint32_t)ring_max;
    }
    size_t entries = ring_bytes / sizeof(struct kvm_dirty_gfn);
    size_t pages = s_quick ? 256 : 1024;
    if (pages > entries / 2) {
        pages = entries / 2; /* below the soft limit: no KVM_EXIT_DIRTY_RING_FULL */
    }
    struct vm vm;
    vm_create(&vm, kvm, ring_bytes, 0);
    vm_add_data(&vm, pages * KVM_PAGE, KVM_MEM_LOG_DIRTY_PAGES);
    struct kvm_dirty_gfn *ring = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vm.vcpu,
                                      KVM_DIRTY_LOG_PAGE_OFFSET * (long)KVM_PAGE);
    if (ring == MAP_FAILED) {
        snprintf(fw->unavailable, sizeof fw->unavailable, "mmap of the dirty ring: %s", strerror(errno));
        snprintf(reset->unavailable, sizeof reset->unavailable, "%s", fw->unavailable);
        snprintf(exits->unavailable, sizeof exits->unavailable, "%s", fw->unavailable);
        vm_destroy(&vm);
        return;
    }
    size_t next = 0;
    for (int r = -1; r < s_reps; r++) {
        long long xa, xw;
        double armed = timed_touch(&vm, pages, fw->name, &xa);
        double writable = timed_touch(&vm, pages, fw->name, &xw);
        double t = now_ns();
        size_t n = 0;
        while (ring[next % entries].flags & KVM_DIRTY_GFN_F_DIRTY) {
            __atomic_store_n(&ring[next % entries].flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
            next++;
            n++;
        }
        if (ioctl(vm.fd, KVM_RESET_DIRTY_RINGS, 0) < 0) {
            fprintf(stderr, "kvm-measure: KVM_RESET_DIRTY_RINGS: %s\n", strerror(errno));
            exit(1);
        }
        double harvest = now_ns() - t;
        if (r >= 0 && n > 0) { /* the first round allocated the pages */
            add(fw, (armed - writable) / (double)pages);
            add(reset, harvest / (double)n);
            add_exits(exits, xa, xw, pages);
        }
    }
    if (exits->reps == 0) {
        snprintf(exits->unavailable, sizeof exits->unavailable, "the vCPU's exits statistic (KVM_GET_STATS_FD) is not offered");
    }
    munmap(ring, ring_bytes);
    vm_destroy(&vm);
}

/* ---- output ---- */

static FILE *s_out;

static void raw(const struct figure *f)
{
    const char *line = f->count ? "count" : "raw";
    if (f->unavailable[0] || f->reps == 0) {
        fprintf(s_out, "# %s,%s,unavailable,,,0,%s: %s\n", line, f->name, f->what, f->unavailable[0] ? f->unavailable : "not measured");
        return;
    }
    double lo, hi, med = median(f, &lo, &hi);
    fprintf(s_out, f->count ? "# %s,%s,%.3f,%.3f,%.3f,%d,%s\n" : "# %s,%s,%.1f,%.1f,%.1f,%d,%s\n", line, f->name, med, lo, hi, f->reps, f->what);
}

static void row(const char *name, const struct figure *f, double weight, const char *events, const char *why)
{
    if (f->unavailable[0] || f->reps == 0) {
        return;
    }
    double lo, hi, med = median(f, &lo, &hi);
    fprintf(s_out, "# %s: %s\n", name, why);
    fprintf(s_out, "%s,%.1f,%g,%s\n", name, med, weight, events);
}

static void usage(void)
{
    fprintf(stderr, "usage: kvm-measure [--quick] [--reps R] [--out FILE] [--device PATH]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *device = "/dev/kvm";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            s_quick = 1;
            s_reps = 3;
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            s_reps = atoi(argv[++i]);
            if (s_reps < 1 || s_reps > MAX_REPS) {
                usage();
            }
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device = argv[++i];
        } else {
            usage();
        }
    }
    int kvm = open(device, O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fprintf(stderr, "kvm-measure: skipped: cannot open %s (%s): no KVM on this machine, or no permission\n", device, strerror(errno));
        return STATUS_SKIPPED;
    }
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        fprintf(stderr, "kvm-measure: skipped: %s is not a KVM device of API version %d (%s %d)\n", device, KVM_API_VERSION,
                api < 0 ? "KVM_GET_API_VERSION failed:" : "it answers", api < 0 ? errno : api);
        return STATUS_SKIPPED;
    }
    struct machine m;
    describe_machine(&m);
    int amd = strcmp(m.vendor, "AuthenticAMD") == 0 || strcmp(m.vendor, "HygonGenuine") == 0;
    vm_use_vmmcall(amd);

    static struct figure xu = { .name = "exit_user", .what = "out at CPL 3 to a port no one handles: KVM_EXIT_IO to this program and KVM_RUN again (ns per exit)" };
    static struct figure xh = { .name = "exit_kernel_hcall", .what = "vmcall/vmmcall at CPL 3 with an unknown hypercall number, answered in the kernel (ns per exit)" };
    static struct figure xi = { .name = "exit_kernel_io", .what = "out at CPL 3 to a port bound to an ioeventfd, handled in the kernel (ns per exit)" };
    static struct figure xu0 = { .name = "exit_user_cpl0", .what = "the same as exit_user at CPL 0 (ns per exit)" };
    static struct figure xh0 = { .name = "exit_kernel_hcall_cpl0", .what = "the same as exit_kernel_hcall at CPL 0 (ns per exit)" };
    static struct figure xi0 = { .name = "exit_kernel_io_cpl0", .what = "the same as exit_kernel_io at CPL 0 (ns per exit)" };
    static struct figure fw = { .name = "first_write", .what = "first guest store to a page after KVM_GET_DIRTY_LOG re-armed logging, less the same store once writable (ns per page)" };
    static struct figure rfw = { .name = "ring_first_write", .what = "the same with the dirty ring instead of the bitmap (ns per page)" };
    static struct figure xun = { .name = "exits_per_user_exit", .count = 1, .what = "the vCPU's exits statistic per exit_user (exits per KVM_RUN)" };
    static struct figure xin = { .name = "exits_per_io", .count = 1, .what = "the vCPU's exits statistic per exit_kernel_io (exits per out)" };
    static struct figure xhn = { .name = "exits_per_hcall", .count = 1, .what = "the vCPU's exits statistic per exit_kernel_hcall (exits per hypercall)" };
    static struct figure fwn = { .name = "exits_per_first_write", .count = 1, .what = "the vCPU's exits statistic per first write, less the writable pass (exits per page)" };
    static struct figure rfwn = { .name = "exits_per_ring_first_write", .count = 1, .what = "the same with the dirty ring (exits per page)" };
    static struct figure rre = { .name = "ring_reset", .what = "harvesting the ring: entries marked for reset and KVM_RESET_DIRTY_RINGS (ns per entry)" };

    s_bitmap = malloc(DATA_MAX_BYTES / KVM_PAGE / 8);
    double wall0 = now_ns(), own0 = own_cpu_s();
    unsigned long long busy0 = machine_busy_jiffies();
    exit_user(&xu, &xun, kvm, 3);
    exit_kernel(&xh, &xhn, kvm, 1, 3);
    exit_kernel(&xi, &xin, kvm, 0, 3);
    exit_user(&xu0, NULL, kvm, 0);
    exit_kernel(&xh0, NULL, kvm, 1, 0);
    exit_kernel(&xi0, NULL, kvm, 0, 0);
    first_write(&fw, &fwn, kvm);

    int manual = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) > 0;
    static const size_t full_sizes[] = { 1 * MIB, 16 * MIB, 256 * MIB }, quick_sizes[] = { 1 * MIB, 4 * MIB };
    const size_t *sizes = s_quick ? quick_sizes : full_sizes;
    int nsizes = s_quick ? 2 : 3;
    static struct harvest hv[3];
    static char names[3][6][48], whats[3][6][160];
    for (int s = 0; s < nsizes; s++) {
        unsigned mib = (unsigned)(sizes[s] / MIB);
        struct figure *fs[6] = { &hv[s].get_empty, &hv[s].get_page, &hv[s].mget_empty, &hv[s].mget_page, &hv[s].clear_empty, &hv[s].clear_page };
        static const char *const kinds[6] = { "get_empty", "get_per_page", "manual_get_empty", "manual_get_per_page", "clear_empty", "clear_per_page" };
        static const char *const texts[6] = {
            "KVM_GET_DIRTY_LOG with no page dirty (ns per call)",
            "KVM_GET_DIRTY_LOG per dirty page: the bitmap and the page's re-protection (ns per page)",
            "KVM_GET_DIRTY_LOG with manual protection, no page dirty (ns per call)",
            "KVM_GET_DIRTY_LOG with manual protection per dirty page: the bitmap only (ns per page)",
            "KVM_CLEAR_DIRTY_LOG of the whole slot, no page dirty (ns per call)",
            "KVM_CLEAR_DIRTY_LOG per dirty page: its re-protection (ns per page)",
        };
        for (int k = 0; k < 6; k++) {
            snprintf(names[s][k], sizeof names[s][k], "%s_%umib", kinds[k], mib);
            snprintf(whats[s][k], sizeof whats[s][k], "%s, %u MiB slot", texts[k], mib);
            fs[k]->name = names[s][k];
            fs[k]->what = whats[s][k];
            if (k >= 2 && !manual) {
                snprintf(fs[k]->unavailable, sizeof fs[k]->unavailable, "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 not offered");
            }
        }
        harvest(&hv[s], kvm, sizes[s], manual);
    }
    int ring_max = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING);
    if (ring_max <= 0) {
        ring_max = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING_ACQ_REL);
    }
    if (ring_max > 0) {
        dirty_ring(&rfw, &rfwn, &rre, kvm, ring_max);
    } else {
        snprintf(rfw.unavailable, sizeof rfw.unavailable, "KVM_CAP_DIRTY_LOG_RING not offered");
        snprintf(rfwn.unavailable, sizeof rfwn.unavailable, "KVM_CAP_DIRTY_LOG_RING not offered");
        snprintf(rre.unavailable, sizeof rre.unavailable, "KVM_CAP_DIRTY_LOG_RING not offered");
    }

    double wall = (now_ns() - wall0) * 1e-9, own = own_cpu_s() - own0;
    double others = ((double)(machine_busy_jiffies() - busy0) / (double)sysconf(_SC_CLK_TCK) - own) / wall;

    s_out = out_path ? fopen(out_path, "w") : stdout;
    if (!s_out) {
        fprintf(stderr, "kvm-measure: cannot write %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    time_t t = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    fprintf(s_out, "# kvm-measure: VM exits and dirty logging through /dev/kvm (guests/measure/kvm/README.md)\n");
    fprintf(s_out, "# machine: cpu %s (%s)%s; kernel %s\n", m.cpu, m.vendor, m.nested ? ", itself a virtual machine (cpuinfo flag hypervisor)" : "", m.kernel);
    fprintf(s_out, "# module: %s (%s)\n", m.module, m.params[0] ? m.params : "no parameters read");
    fprintf(s_out, "# date: %s; repetitions %d (5 for slots above 64 MiB); %s\n", date, s_reps, s_quick ? "quick mode" : "full mode");
    fprintf(s_out, "# load: %.1f s, this process %.0f%% of one CPU, everything else %.0f%% of one CPU (/proc/stat, steal included; %ld CPUs online)\n",
            wall, 100 * own / wall, others < 0 ? 0 : 100 * others, sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(s_out, "# dirty logging: %s\n", m.pml ? "PML (the CPU logs first writes; an exit per 512)" : "write protection (one exit per first write per page per cycle)");
    fprintf(s_out, "# raw,quantity,median_ns,min_ns,max_ns,repetitions,what\n");
    raw(&xu);
    raw(&xh);
    raw(&xi);
    raw(&xu0);
    raw(&xh0);
    raw(&xi0);
    raw(&fw);
    for (int s = 0; s < nsizes; s++) {
        raw(&hv[s].get_empty);
        raw(&hv[s].get_page);
        raw(&hv[s].mget_empty);
        raw(&hv[s].mget_page);
        raw(&hv[s].clear_empty);
        raw(&hv[s].clear_page);
    }
    raw(&rfw);
    raw(&rre);
    fprintf(s_out, "# count,quantity,median,min,max,repetitions,what\n");
    raw(&xun);
    raw(&xhn);
    raw(&xin);
    raw(&fwn);
    raw(&rfwn);

    /* The rows hvsim calibrate fits: each timed quantity with the events of ONE occurrence on
     * hvsim's hvm platform (README.md here says why each maps as it does). */
    const char *exit_events = "VmExit.vmcall@hypervisor@hvm=1";
    const char *write_events = m.pml ? "VmExit.pml_full@hypervisor@hvm=0.001953125 DirtyLogAppend@hypervisor@hvm=1"
                                     : "VmExit.ept_violation@hypervisor@hvm=1 DirtyLogAppend@hypervisor@hvm=1 PteUpdate@hypervisor@hvm=1";
    const char *rearm_events = m.pml ? "PteScan@hypervisor@hvm=1" : "PteUpdate@hypervisor@hvm=1";
    /* The in-kernel exit row: the hypercall where it is one exit (a module may answer it without an
     * exit, as kvm_pvm does for vmmcall at CPL 3: its exits statistic stays put), else the ioeventfd out. */
    double lo, hi;
    int hcall = !xh.unavailable[0] && xh.reps > 0 && (xhn.reps == 0 || median(&xhn, &lo, &hi) > 0.5);
    fprintf(s_out, "name,ns,weight,events\n");
    row("exit-kernel-hcall", &xh, hcall ? 1 : 0, exit_events, hcall
        ? "a hypercall exit handled in the kernel: hvsim's vmcall exit"
        : "a hypercall this module answers without an exit (exits_per_hcall below 0.5): held out (weight 0)");
    row("exit-kernel-io", &xi, hcall ? 0 : 1, exit_events, hcall
        ? "an in-kernel exit by ioeventfd: held out (weight 0), predicted by the hypercall's price"
        : "an in-kernel exit by ioeventfd, standing for the hypercall exit (this module does not take one: see exits_per_hcall)");
    row("exit-user", &xu, 0, exit_events, "an exit handled in user space: held out (weight 0); hvsim's hypervisor handles every exit itself, so the prediction shows the VMM's share");
    row("first-write", &fw, 1, write_events, m.pml
        ? "the first write per page under PML: the CPU logs it; one PML-full exit per 512 pages drains the log into the bitmap (one append per page)"
        : "the first write per page under write protection: one EPT-violation (or shadow) exit, the page logged and its entry made writable");
    row("ring-first-write", &rfw, 1, write_events, "the same with the dirty ring");
    for (int s = 0; s < nsizes; s++) {
        char name[64];
        unsigned mib = (unsigned)(sizes[s] / MIB);
        snprintf(name, sizeof name, "get-per-page-%umib", mib);
        row(name, &hv[s].get_page, 1, rearm_events, m.pml ? "re-arming one logged page: its EPT dirty bit cleared" : "re-arming one logged page: its EPT entry write-protected again");
        snprintf(name, sizeof name, "clear-per-page-%umib", mib);
        row(name, &hv[s].clear_page, 1, rearm_events, "the same by KVM_CLEAR_DIRTY_LOG");
    }
    row("ring-reset", &rre, 1, rearm_events, "the same for one dirty-ring entry");
    if (out_path) {
        fclose(s_out);
    }
    fprintf(stderr, "kvm-measure: %s served by %s; %s\n", device, m.module, out_path ? out_path : "CSV on stdout");
    return 0;
}
