using HvSim.Core;
using HvSim.Cpu;
using HvSim.GuestOs.Linux;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>The typed data of the kernel's traced steps that take more than a line to gather (built only while tracing).</summary>
public sealed partial class GuestKernel
{
    /// <summary>
    /// The #PF the CPU raised in user code, with the instruction and the leaf entry its page walk
    /// met in the tables the MMU walks (Intel SDM Vol. 3A, 4.5 and 4.7): the kernel's on native
    /// and xen-pv, the hypervisor's shadow on xen-shadow.
    /// </summary>
    private TraceData HardwareFault()
    {
        MemoryFault fault = Cpu.ExitFault;
        GuestLeaf leaf = GuestPageWalk.Inspect(Memory, Mmu.Cr3, fault.Address);
        return TraceFault.Of(fault, leaf.EntryAddress == 0 ? "{fault} by {instruction}: the walk found no page table" : "{fault} by {instruction}: the walk met {pte_before}") with
        {
            RaisedByCpu = true,
            Rip = Cpu.Rip,
            Instruction = DisassembleAt(Cpu.Rip),
            PteAddress = leaf.EntryAddress == 0 ? null : leaf.EntryAddress,
            PteBefore = leaf.EntryAddress == 0 ? null : leaf.Entry,
        };
    }

    /// <summary>What the page-fault handler found (the VMA) and decided.</summary>
    private static TraceData FaultHandlerStep(Process process, ulong address, AccessKind access, FaultOutcome outcome, FaultFix fix)
    {
        Vma? vma = process.Space.Find(address);
        string result = outcome switch
        {
            FaultOutcome.Fixed => fix switch
            {
                FaultFix.ZeroPageMapped => "zero page mapped read-only",
                FaultFix.ZeroPageCopied => "zero page replaced by a page of its own",
                FaultFix.Spurious => "stale TLB entry dropped",
                FaultFix.WriteProtectResolved => "write-protected PTE made writable and soft-dirty (no signal)",
                FaultFix.UffdWpResolved => "uffd-wp bit cleared, PTE made writable (userfaultfd async: no message, no signal)",
                _ => "page populated",
            },
            FaultOutcome.MapError or FaultOutcome.AccessError => "{signal} ({signal_code})",
            _ => "SIGBUS (out of memory)",
        };
        var step = new TraceData((vma is null ? "page-fault handler: no VMA" : "page-fault handler: VMA {vma}") + " : {access} -> " + result)
        {
            Address = address,
            Access = access.ToString().ToLowerInvariant(),
            Outcome = outcome == FaultOutcome.Fixed ? fix.ToString() : outcome.ToString(),
            Signal = outcome is FaultOutcome.MapError or FaultOutcome.AccessError ? nameof(Signal.SIGSEGV) : null,
            SignalCode = outcome switch
            {
                FaultOutcome.MapError => SigCodes.Name(Signal.SIGSEGV, SigCodes.SEGV_MAPERR),
                FaultOutcome.AccessError => SigCodes.Name(Signal.SIGSEGV, SigCodes.SEGV_ACCERR),
                _ => null,
            },
        };
        return vma?.InTrace(step) ?? step;
    }
}
