using HvSim.Core;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// How the guest kernel changes the hardware's view of memory: writing a PTE, invalidating a
/// TLB entry, flushing the TLB. On native hardware the kernel does these itself; under a
/// paravirtualised hypervisor they become hypercalls (Xen's paging_mode has this shape).
/// </summary>
public interface IPagingOps
{
    /// <summary>Writes one page-table entry at a guest-physical address.</summary>
    void WritePte(GuestPhysical entryAddress, ulong value);

    /// <summary>invlpg for one virtual page.</summary>
    void InvalidatePage(ulong virtualAddress);

    /// <summary>Flushes the whole (non-global) TLB.</summary>
    void FlushTlb();

    /// <summary>Switches to another address space.</summary>
    void LoadCr3(ulong cr3);
}
