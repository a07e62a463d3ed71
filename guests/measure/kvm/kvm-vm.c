/*
 * kvm-vm.c - see kvm-vm.h. The ioctls and structures are those of Linux's
 * Documentation/virt/kvm/api.rst; long mode is entered directly (CR0.PG|PE, CR4.PAE, EFER.LME|LMA
 * and a 64-bit code segment in KVM_SET_SREGS), with the first 4 GiB identity-mapped by 2 MiB
 * pages (Intel SDM vol. 3A 4.5), so the routines can reach the data slot at 1 GiB.
 */
#define _GNU_SOURCE
#include "kvm-vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The guest routines, assembled into the host program and copied into the low slot. Only
 * relative jumps, so they run at any address. */
extern const uint8_t guest_begin[], guest_end[], guest_out_user[], guest_out_count[],
    guest_hcall_count[], guest_hcall_insn[], guest_touch[];
__asm__(
    ".section .rodata\n"
    ".globl guest_begin, guest_end, guest_out_user, guest_out_count, guest_hcall_count, guest_hcall_insn, guest_touch\n"
    "guest_begin:\n"
    "guest_out_user:\n"
    "1: out %al, %dx\n"
    "   jmp 1b\n"
    "guest_out_count:\n"
    "1: out %al, %dx\n"
    "   dec %rcx\n"
    "   jnz 1b\n"
    "   mov %esi, %edx\n"
    "   out %al, %dx\n"
    "   hlt\n"
    "guest_hcall_count:\n"
    "1: mov %r8, %rax\n"
    "guest_hcall_insn:\n"
    "   vmcall\n"
    "   dec %rcx\n"
    "   jnz 1b\n"
    "   mov %esi, %edx\n"
    "   out %al, %dx\n"
    "   hlt\n"
    "guest_touch:\n"
    "2: mov %rdi, %r10\n"
    "   mov %rcx, %r11\n"
    "1: movb $1, (%r10)\n"
    "   add $4096, %r10\n"
    "   dec %r11\n"
    "   jnz 1b\n"
    "   dec %r9\n"
    "   jnz 2b\n"
    "   mov %esi, %edx\n"
    "   out %al, %dx\n"
    "   hlt\n"
    "guest_end:\n"
    ".previous\n");

static int s_vmmcall;

void vm_use_vmmcall(int amd) { s_vmmcall = amd; }

static void fail(const char *what)
{
    fprintf(stderr, "kvm-measure: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *map_anon(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        fail("mmap guest memory");
    }
    return p;
}

static void set_slot(struct vm *vm, uint32_t slot, uint64_t gpa, void *host, size_t bytes, uint32_t flags)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = bytes,
        .userspace_addr = (uint64_t)(uintptr_t)host,
    };
    if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        fail("KVM_SET_USER_MEMORY_REGION");
    }
}

/* Page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000-0x6fff (four PDs): 2 MiB pages for the
 * first 4 GiB, except the data slot's first DATA_MAX_BYTES, mapped by 4 KiB pages (page tables
 * from PT_GPA) as a checkpointed process's memory is, so each guest page is one EPT (or shadow)
 * entry, whatever the host's backing. */
static void build_page_tables(uint8_t *low)
{
    uint64_t *pml4 = (uint64_t *)(low + 0x1000), *pdpt = (uint64_t *)(low + 0x2000);
    pml4[0] = 0x2000 | 7; /* present, writable, user */
    for (uint64_t g = 0; g < 4; g++) {
        uint64_t *pd = (uint64_t *)(low + 0x3000 + 0x1000 * g);
        pdpt[g] = (0x3000 + 0x1000 * g) | 7;
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t va = (g << 30) + (i << 21);
            if (va >= DATA_GPA && va < DATA_GPA + DATA_MAX_BYTES) {
                uint64_t pt_gpa = PT_GPA + ((va - DATA_GPA) >> 21) * KVM_PAGE;
                uint64_t *pt = (uint64_t *)(low + pt_gpa);
                for (uint64_t j = 0; j < 512; j++) {
                    pt[j] = (va + (j << 12)) | 7;
                }
                pd[i] = pt_gpa | 7;
            } else {
                pd[i] = va | 0x87; /* present, writable, user, 2 MiB */
            }
        }
    }
    /* A GDT as the segment registers below describe it (only read if KVM has to emulate). */
    uint64_t *gdt = (uint64_t *)(low + 0x800);
    gdt[0] = 0;
    gdt[1] = 0x00af9b000000ffffull; /* 64-bit code, DPL 0 */
    gdt[2] = 0x00cf93000000ffffull; /* data, DPL 0 */
    gdt[3] = 0x00affb000000ffffull; /* 64-bit code, DPL 3 */
    gdt[4] = 0x00cff3000000ffffull; /* data, DPL 3 */
}

/* Long mode at privilege level `cpl` (0: the guest kernel; 3: a guest process, with IOPL 3 so
 * that its out instructions exit rather than fault). The selectors match the GDT above. */
static void set_long_mode(struct vm *vm, int cpl)
{
    struct kvm_sregs s;
    if (ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0) {
        fail("KVM_GET_SREGS");
    }
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = cpl ? 0x1b : 0x08, .type = 11, .present = 1,
        .dpl = (uint8_t)cpl, .db = 0, .s = 1, .l = 1, .g = 1,
    };
    struct kvm_segment data = code;
    data.selector = cpl ? 0x23 : 0x10;
    data.type = 3;
    data.l = 0;
    data.db = 1;
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    s.gdt.base = 0x800;
    s.gdt.limit = 39;
    s.cr3 = 0x1000;
    s.cr4 = 1u << 5;                                 /* PAE */
    s.cr0 = 0x80050033;                              /* PG, AM, WP, NE, ET, MP, PE */
    s.efer = (1u << 8) | (1u << 10);                 /* LME, LMA */
    if (ioctl(vm->vcpu, KVM_SET_SREGS, &s) < 0) {
        fail("KVM_SET_SREGS (64-bit mode)");
    }
}

void vm_create(struct vm *vm, int kvm, uint32_t ring_bytes, int manual_protect)
{
    memset(vm, 0, sizeof *vm);
    vm->kvm = kvm;
    vm->timeout_s = VM_RUN_TIMEOUT_S;
    vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm->fd < 0) {
        fail("KVM_CREATE_VM");
    }
    if (ring_bytes > 0) {
        struct kvm_enable_cap cap = { .cap = KVM_CAP_DIRTY_LOG_RING, .args = { ring_bytes } };
        if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0) {
            cap.cap = KVM_CAP_DIRTY_LOG_RING_ACQ_REL;
            if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0) {
                fail("KVM_ENABLE_CAP dirty ring");
            }
        }
    }
    if (manual_protect) {
        struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE } };
        if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0) {
            fail("KVM_ENABLE_CAP KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
        }
    }
    vm->low = map_anon(LOW_SLOT_BYTES);
    build_page_tables(vm->low);
    memcpy(vm->low + CODE_GPA, guest_begin, (size_t)(guest_end - guest_begin));
    if (s_vmmcall) {
        /* vmcall is 0f 01 c1, vmmcall 0f 01 d9 (SDM vol. 2B; AMD APM vol. 3). */
        vm->low[CODE_GPA + (size_t)(guest_hcall_insn - guest_begin) + 2] = 0xd9;
    }
    set_slot(vm, 0, 0, vm->low, LOW_SLOT_BYTES, 0);
    vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu < 0) {
        fail("KVM_CREATE_VCPU");
    }
    int bytes = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (bytes <= 0) {
        fail("KVM_GET_VCPU_MMAP_SIZE");
    }
    vm->run_bytes = (size_t)bytes;
    vm->run = mmap(NULL, vm->run_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
    if (vm->run == MAP_FAILED) {
        fail("mmap kvm_run");
    }
}

void vm_add_data(struct vm *vm, size_t bytes, uint32_t flags)
{
    vm->data = map_anon(bytes);
    vm->data_bytes = bytes;
    vm->data_flags = flags;
    set_slot(vm, 1, DATA_GPA, vm->data, bytes, flags);
}

void vm_set_data_flags(struct vm *vm, uint32_t flags)
{
    vm->data_flags = flags;
    set_slot(vm, 1, DATA_GPA, vm->data, vm->data_bytes, flags);
}

void vm_start(struct vm *vm, enum routine r, int cpl, uint64_t rcx, uint64_t rdx, uint64_t rdi, uint64_t r8, uint64_t r9)
{
    set_long_mode(vm, cpl);
    const uint8_t *entry = r == R_OUT_USER ? guest_out_user
        : r == R_OUT_COUNT ? guest_out_count
        : r == R_HCALL_COUNT ? guest_hcall_count
        : guest_touch;
    struct kvm_regs regs = {
        .rip = CODE_GPA + (uint64_t)(entry - guest_begin), .rflags = 0x3002, .rsp = LOW_SLOT_BYTES - 64,
        .rcx = rcx, .rdx = rdx, .rdi = rdi, .r8 = r8, .r9 = r9, .rsi = PORT_END,
    };
    if (ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0) {
        fail("KVM_SET_REGS");
    }
}

/* A routine that never reaches its end (a hypercall the hypervisor answers by re-entering at the
 * same instruction, say) is stopped by SIGALRM: KVM_RUN then returns EINTR. */
static void on_alarm(int sig) { (void)sig; }

int vm_run(struct vm *vm)
{
    static int armed;
    if (!armed) {
        struct sigaction sa = { .sa_handler = on_alarm };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */
        armed = 1;
    }
    alarm(vm->timeout_s);
    int rc;
    while ((rc = ioctl(vm->vcpu, KVM_RUN, 0)) < 0 && errno == EAGAIN) {
    }
    alarm(0);
    if (rc < 0 && errno == EINTR) {
        return KVM_EXIT_INTR;
    }
    if (rc < 0) {
        fail("KVM_RUN");
    }
    return (int)vm->run->exit_reason;
}

int vm_run_to_end(struct vm *vm, const char **why)
{
    static char text[160];
    int reason = vm_run(vm);
    if (reason == KVM_EXIT_IO && vm->run->io.port == PORT_END) {
        return 0;
    }
    if (reason == KVM_EXIT_IO) {
        snprintf(text, sizeof text, "exit to user space at port 0x%x, not the end", vm->run->io.port);
    } else if (reason == KVM_EXIT_INTR) {
        struct kvm_regs regs;
        ioctl(vm->vcpu, KVM_GET_REGS, &regs);
        snprintf(text, sizeof text, "no end within %u s (stopped at rip 0x%llx, rax 0x%llx)", vm->timeout_s,
                 (unsigned long long)regs.rip, (unsigned long long)regs.rax);
    } else if (reason == KVM_EXIT_INTERNAL_ERROR) {
        snprintf(text, sizeof text, "KVM_EXIT_INTERNAL_ERROR suberror %u", vm->run->internal.suberror);
    } else if (reason == KVM_EXIT_FAIL_ENTRY) {
        snprintf(text, sizeof text, "KVM_EXIT_FAIL_ENTRY reason 0x%llx", (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
    } else {
        snprintf(text, sizeof text, "exit reason %d", reason);
    }
    *why = text;
    return -1;
}

/* The vCPU's binary statistics (KVM_GET_STATS_FD, Linux 5.14+; api.rst 4.133): the offset of the
 * first data item of the statistic named `name` in the stats file, or -1. */
static long stat_offset(int fd, const char *name)
{
    struct kvm_stats_header h;
    if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        return -1;
    }
    size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
    char *descs = malloc(desc_size * h.num_desc);
    long offset = -1;
    if (descs && pread(fd, descs, desc_size * h.num_desc, h.desc_offset) == (ssize_t)(desc_size * h.num_desc)) {
        for (uint32_t i = 0; i < h.num_desc; i++) {
            const struct kvm_stats_desc *d = (const struct kvm_stats_desc *)(descs + i * desc_size);
            if (strncmp(d->name, name, h.name_size) == 0) {
                offset = (long)h.data_offset + (long)d->offset;
                break;
            }
        }
    }
    free(descs);
    return offset;
}

long long vm_vcpu_stat(struct vm *vm, const char *name)
{
    if (vm->stats_fd == 0) {
        vm->stats_fd = ioctl(vm->vcpu, KVM_GET_STATS_FD, NULL);
    }
    long offset = vm->stats_fd < 0 ? -1 : stat_offset(vm->stats_fd, name);
    uint64_t value;
    if (offset < 0 || pread(vm->stats_fd, &value, sizeof value, offset) != (ssize_t)sizeof value) {
        return -1;
    }
    return (long long)value;
}

void vm_destroy(struct vm *vm)
{
    if (vm->stats_fd > 0) {
        close(vm->stats_fd);
    }
    munmap(vm->run, vm->run_bytes);
    close(vm->vcpu);
    close(vm->fd);
    munmap(vm->low, LOW_SLOT_BYTES);
    if (vm->data) {
        munmap(vm->data, vm->data_bytes);
    }
    memset(vm, 0, sizeof *vm);
}
