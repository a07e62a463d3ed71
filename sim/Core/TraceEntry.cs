namespace HvSim.Core;

/// <summary>What entered the hypervisor (a trap) or what it reflects to the guest kernel (a bounce).</summary>
public enum TraceEntry : byte
{
    /// <summary>A #PF the CPU raised in user code or in the guest kernel.</summary>
    PageFault,
    /// <summary>A #PF raised by the guest kernel's store to one of its own (write-protected) page tables.</summary>
    PageTableWrite,
    /// <summary>Another exception (by vector).</summary>
    Exception,
    /// <summary>A 64-bit guest's syscall instruction (Xen takes it first, then bounces it).</summary>
    Syscall,
    /// <summary>int 0x80 of a 32-bit guest on 64-bit Xen (no trap gate reaches ring 1 in long mode).</summary>
    Int80,
    /// <summary>int 0x84: an application's call to the hypervisor's checkpoint interface.</summary>
    UserHypercall,
    /// <summary>Any other int n.</summary>
    SoftwareInterrupt,
    /// <summary>The guest kernel's invlpg (shadow paging traps it).</summary>
    Invlpg,
    /// <summary>The guest kernel's mov to cr3 (shadow paging traps it).</summary>
    MovCr3,
}
