using HvSim.Core;
using HvSim.Cpu;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// What the guest kernel runs on: who sees a CPU exit first, how page tables change, how user
/// mode is re-entered. A platform changes who owns each step of the path, never whether the
/// step happens (DESIGN.md).
/// </summary>
public interface IPlatform
{
    PlatformOptions Options { get; }

    /// <summary>The kernel's page-table and TLB operations on this platform.</summary>
    IPagingOps Paging { get; }

    /// <summary>The hypervisor, or null on native hardware.</summary>
    XenHypervisor? Hypervisor { get; }

    /// <summary>The administrator's policy that issues checkpoint tokens, or null on native hardware.</summary>
    Dom0Policy? Dom0 { get; }

    /// <summary>Routes a CPU exit (not a budget exit) to whoever takes it first: the hypervisor, then the kernel.</summary>
    void Deliver(ExitReason exit, IGuestKernelEntry kernel);

    /// <summary>The kernel has finished and user code resumes (sysret/iret natively; the iret hypercall under Xen).</summary>
    void ReturnToUser(TraceResume resume);

    /// <summary>
    /// A fault taken by the kernel's own access to user memory (copy_from_user): true when the
    /// platform fixed it below the kernel (shadow paging fills its entry) and the access may be retried.
    /// </summary>
    bool TryFixKernelFault(MemoryFault fault, AccessKind access);
}
