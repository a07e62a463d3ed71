/*
 * ckpt_hvm.h - the checkpoint library's side of platform hvm (docs/checkpoint-abi.md, "vmcall"):
 * the hypervisor-level techniques that run on VT-x with EPT, and the vmcall that reaches them.
 * The interface mirrors int 0x84's: the same call numbers in RAX (version 0, register 1, cycle
 * begin 2, cycle end 3), the same argument registers, the result in RAX. Only included by ckpt.c.
 */
#ifndef HVSIM_CKPT_HVM_H
#define HVSIM_CKPT_HVM_H

/* QUERY's technique numbers for hvm (softdirty is 16; 6 and 7 are free). */
enum ckpt_hvm_technique { T_EPTWP = 8, T_EPTSCAN = 9, T_PML = 10, T_EPML = 11, T_SPP = 12 };

/* Sub-page write protection's granularity (Intel SDM Vol. 3C, 29.3.4): 32 blocks per page. */
#define CKPT_SPP_BLOCKS_PER_PAGE 32ul

static inline int ckpt_hvm_technique(long technique)
{
    return technique >= T_EPTWP && technique <= T_SPP;
}

/* Entries the record's pages[] needs: spp lists 128-byte blocks (block | 1) as well as whole pages. */
static inline unsigned long ckpt_hvm_record_entries(long technique, unsigned long cda_pages)
{
    return technique == T_SPP ? cda_pages * (1 + CKPT_SPP_BLOCKS_PER_PAGE) : cda_pages;
}

/*
 * vmcall (0f 01 c1): a VM exit to the hypervisor, which serves the call and resumes after it.
 * Only made when QUERY reported an hvm technique (outside VMX non-root operation it is #UD).
 */
static inline long ckpt_vmcall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                               unsigned long a4, unsigned long a5, unsigned long a6)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    register unsigned long r9 __asm__("r9") = a6;
    unsigned long rax = nr;
    __asm__ volatile("vmcall"
                     : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return (long)rax;
}

#endif
