using HvSim.Core;

namespace HvSim.Hypervisor;

/// <summary>
/// How the guest kernel changes the hardware's view of memory. On native hardware it writes its
/// own PTEs and runs invlpg and mov cr3; under Xen's direct paging these are hypercalls
/// (mmu_update, mmuext_op) or writes that trap and are emulated; under shadow paging they trap so
/// the hypervisor can keep its shadow tables in step. Xen's paging_mode has this shape.
/// </summary>
public interface IPagingOps
{
    /// <summary>Writes one page-table entry; <paramref name="virtualAddress"/> is the address being mapped (for traces).</summary>
    void WritePte(GuestPhysical entryAddress, ulong value, ulong virtualAddress);

    /// <summary>invlpg for one virtual page.</summary>
    void InvalidatePage(ulong virtualAddress);

    /// <summary>Flushes the whole (non-global) TLB.</summary>
    void FlushTlb();

    /// <summary>Switches to another address space (its page-table root).</summary>
    void LoadCr3(ulong cr3);

    /// <summary>Starts a batch of updates (Linux's lazy MMU mode): a hypervisor may take them in one call.</summary>
    void BeginBatch();

    /// <summary>Ends a batch: everything queued has taken effect when this returns.</summary>
    void EndBatch();

    /// <summary>The kernel is done with an address space whose root is <paramref name="cr3"/> (Xen: unpin).</summary>
    void ReleaseAddressSpace(ulong cr3);
}
