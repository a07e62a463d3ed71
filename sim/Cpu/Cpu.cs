using HvSim.Mmu;

namespace HvSim.Cpu;

/// <summary>
/// One x86-64 CPU running user-mode code. It knows nothing of kernels: it runs instructions
/// against its <see cref="Mmu"/> and returns to its owner (the guest kernel or the hypervisor)
/// with an <see cref="ExitReason"/> whenever something needs a higher privilege level —
/// a system call, a software interrupt, an exception.
/// </summary>
public sealed unsafe partial class Cpu
{
    public Cpu(Mmu.Mmu mmu, CpuIdentity? identity = null)
    {
        Mmu = mmu;
        _tlb = mmu.Tlb;
        Identity = identity ?? CpuIdentity.Baseline;
        mmu.Memory.CodeWritten += _ => _attention = 1;
    }

    public Mmu.Mmu Mmu { get; }

    // The TLB's fast path, held directly: the hot handlers reach it in one load.
    internal readonly Mmu.Tlb _tlb;

    /// <summary>What cpuid and rdtsc report.</summary>
    public CpuIdentity Identity { get; }

    /// <summary>Instructions retired so far (each rep-string chunk counts as one).</summary>
    public long InstructionsRetired { get; internal set; }

    /// <summary>The exception vector (for <see cref="ExitReason.Exception"/>) or interrupt number (for <see cref="ExitReason.SoftwareInterrupt"/>).</summary>
    public Vector ExitVector { get; internal set; }

    /// <summary>The interrupt number of the last int n.</summary>
    public byte ExitInterrupt { get; internal set; }

    /// <summary>
    /// The memory fault behind a #PF or a non-canonical #GP. A hypervisor that reflects a fault to
    /// its guest may replace it with the fault as the guest's own tables describe it.
    /// </summary>
    public MemoryFault ExitFault { get; set; }

    // Set by handlers that return Exec.ExitAfter.
    internal ExitReason _pendingExit;

    // Non-zero when the run loop must leave the current block after this instruction
    // (its code was overwritten).
    internal int _attention;
}
