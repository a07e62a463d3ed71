namespace HvSim.Core;

/// <summary>
/// The event vocabulary shared by the simulator and the cost model. The names are a contract:
/// JSON output and cost profiles use them, so add new kinds at the end and never rename one.
/// </summary>
public enum EventKind : byte
{
    /// <summary>One guest instruction retired.</summary>
    Instruction,
    /// <summary>The MMU raised #PF (error code and CR2 are kept in the trace).</summary>
    PageFault,
    /// <summary>An exception or interrupt entered the hypervisor.</summary>
    TrapToHypervisor,
    /// <summary>The hypervisor reflected an exception to the guest kernel.</summary>
    BounceToGuest,
    /// <summary>User to kernel transition for a system call.</summary>
    SyscallEntry,
    /// <summary>Kernel to user return from a system call.</summary>
    SyscallExit,
    /// <summary>A signal frame was built on the user stack.</summary>
    SignalDelivery,
    /// <summary>A signal frame was unwound by rt_sigreturn.</summary>
    SigReturn,
    /// <summary>Kernel to hypervisor call (mmu_update, mmuext_op, iret, ...).</summary>
    Hypercall,
    /// <summary>User to hypervisor call through int 0x84.</summary>
    UserHypercall,
    /// <summary>One page-table entry written.</summary>
    PteUpdate,
    /// <summary>A trapped write to a page-table page was emulated.</summary>
    PtWriteEmulated,
    /// <summary>The whole (non-global) TLB was flushed.</summary>
    TlbFlush,
    /// <summary>One TLB entry was invalidated (invlpg).</summary>
    TlbFlushPage,
    /// <summary>A TLB miss walked the page tables.</summary>
    PageWalk,
    /// <summary>mprotect/mmap/munmap split, merged or changed a VMA.</summary>
    VmaChange,
    /// <summary>A technique decoded a faulting instruction.</summary>
    InstructionDecode,
    /// <summary>A technique performed a write on the application's behalf.</summary>
    WriteEmulated,
    /// <summary>A page or word was appended to a dirty log.</summary>
    DirtyLogAppend,
    /// <summary>Scanxen examined one PTE.</summary>
    PteScan,
    /// <summary>Checkpoint data copied to the helper or backup (count = bytes).</summary>
    CopyBytes,
    /// <summary>A handler decided what a fault means (populate the page, signal, fix a shadow entry).</summary>
    FaultHandled,
    /// <summary>Control went back to user mode (iret/sysret natively; the iret hypercall's exit under Xen).</summary>
    ReturnToUser,
    /// <summary>
    /// The shadow pool could not hold one more fill: every shadow table was dropped, to be rebuilt
    /// on demand from the guest's tables (Xen's shadow_prealloc falling back to shadow_blow_tables);
    /// one per eviction, beside the hypervisor's TlbFlush that goes with it.
    /// </summary>
    ShadowEviction,
    /// <summary>
    /// Hardware virtualization (platform hvm): one VM exit and the VM entry that resumes the guest,
    /// counted at the hypervisor; the subkind is the exit reason (ept_violation, vmcall, pml_full, ...:
    /// Intel's basic exit reasons, SDM vol. 3C appendix C, in snake case).
    /// </summary>
    VmExit,
    /// <summary>The hypervisor invalidated EPT-derived translations (invept, single- or all-context).</summary>
    Invept,
}
