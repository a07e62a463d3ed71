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
        : this(mmu, mmu, elementwise: false, identity)
    {
    }

    /// <summary>
    /// A CPU whose data accesses off the TLB fast path go to <paramref name="bus"/> instead of its
    /// MMU. With <paramref name="elementwise"/> set, rep string instructions perform one element
    /// per call, each through <see cref="Read"/>/<see cref="Write"/> and so through the bus, never
    /// through host pointers: what the single-instruction write emulator needs.
    /// </summary>
    internal Cpu(Mmu.Mmu mmu, IMemoryBus bus, bool elementwise, CpuIdentity? identity)
    {
        Mmu = mmu;
        _tlb = mmu.Tlb;
        _bus = bus;
        _mmuBus = bus as Mmu.Mmu;
        _elementwise = elementwise;
        Identity = identity ?? CpuIdentity.Default;
        mmu.Memory.CodeWritten += _ => _attention = 1;
    }

    public Mmu.Mmu Mmu { get; }

    // The TLB's fast path, held directly: the hot handlers reach it in one load.
    internal readonly Mmu.Tlb _tlb;

    // Where reads, writes and write probes go when the fast path cannot serve them (the MMU,
    // or the write emulator's view of memory).
    internal readonly IMemoryBus _bus;

    // The same bus when it is the MMU itself (every CPU but the write emulator's scratch one):
    // the slow paths (every TLB miss and slow hit, a few dozen per simulated fault cycle) then
    // make a direct call the JIT can see through, rather than an interface dispatch.
    internal readonly Mmu.Mmu? _mmuBus;

    // Rep string instructions do one element per call, through Read/Write only (see the ctor).
    internal readonly bool _elementwise;

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
