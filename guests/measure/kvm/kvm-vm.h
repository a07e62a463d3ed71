/*
 * kvm-vm.h - the smallest virtual machine /dev/kvm can run, for kvm-measure.c: one vCPU in
 * 64-bit long mode (set up through KVM_SET_SREGS, no firmware), a low memory slot holding page
 * tables and the guest routines below, and an optional data slot that the routines write to.
 *
 * The guest routines (kvm-guest.S) take their arguments in registers:
 *   guest_out_user     out %al,%dx forever: every out is an exit to user space (KVM_EXIT_IO)
 *   guest_out_count    %rcx outs to port %dx, then one out to port %si (the end, KVM_EXIT_IO)
 *   guest_hcall_count  %rcx hypercalls (vmcall or vmmcall, %rax = %r8), then out to port %si
 *   guest_touch        %r9 passes of one byte store to each of %rcx pages from %rdi, then out
 *                      to port %si
 */
#ifndef KVM_VM_H
#define KVM_VM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define KVM_PAGE 4096ul
/* Guest-physical layout: low slot 0 at 0 (2 MiB), data slot 1 at 1 GiB. */
#define LOW_SLOT_BYTES (2ul << 20)
#define CODE_GPA 0x10000ul
#define DATA_GPA (1ul << 30)
/* The data slot's largest size; the guest maps it by 4 KiB pages, page tables from PT_GPA. */
#define DATA_MAX_BYTES (256ul << 20)
#define PT_GPA 0x100000ul
/* The ports the routines use: END exits to user space; EVENT is bound to an ioeventfd. */
#define PORT_END 0x10
#define PORT_USER 0x11
#define PORT_EVENT 0x12
/* A KVM_RUN that has not come back after this long is stopped (SIGALRM) and reported; a probe
 * of whether a routine ends at all sets vm.timeout_s lower. */
#define VM_RUN_TIMEOUT_S 120

struct vm {
    int kvm, fd, vcpu;
    struct kvm_run *run;
    size_t run_bytes;
    uint8_t *low;
    uint8_t *data;
    size_t data_bytes;
    uint32_t data_flags;
    unsigned timeout_s;
    int stats_fd; /* 0 until first read; -1 where KVM_GET_STATS_FD is not offered */
};

enum routine { R_OUT_USER, R_OUT_COUNT, R_HCALL_COUNT, R_TOUCH };

/* Creates the VM; `ring_bytes` > 0 enables the dirty ring (before the vCPU, as KVM requires),
 * `manual_protect` enables KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2. Exits with a message on failure. */
void vm_create(struct vm *vm, int kvm, uint32_t ring_bytes, int manual_protect);
/* Adds the data slot of `bytes` at DATA_GPA with `flags` (KVM_MEM_LOG_DIRTY_PAGES or 0). */
void vm_add_data(struct vm *vm, size_t bytes, uint32_t flags);
/* Changes the data slot's flags (arms or disarms dirty logging). */
void vm_set_data_flags(struct vm *vm, uint32_t flags);
/* Points the vCPU at a routine, at privilege level `cpl` (0 or 3), with its registers; run it
 * with vm_run. */
void vm_start(struct vm *vm, enum routine r, int cpl, uint64_t rcx, uint64_t rdx, uint64_t rdi, uint64_t r8, uint64_t r9);
/* One KVM_RUN; returns the exit reason. */
int vm_run(struct vm *vm);
/* Runs until the routine's end (out to PORT_END); returns 0, or -1 with `why` on another exit. */
int vm_run_to_end(struct vm *vm, const char **why);
/* A vCPU statistic by name ("exits", ...), or -1 where the module does not offer it. */
long long vm_vcpu_stat(struct vm *vm, const char *name);
void vm_destroy(struct vm *vm);

/* The vendor's hypercall instruction: vmcall (Intel) or vmmcall (AMD), patched into the routine. */
void vm_use_vmmcall(int amd);

#endif
