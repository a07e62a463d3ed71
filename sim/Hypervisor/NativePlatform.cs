using HvSim.Core;
using HvSim.Cpu;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>Bare hardware: every exit goes straight to the kernel's IDT entry.</summary>
public sealed class NativePlatform : IPlatform
{
    private readonly Machine _machine;

    public NativePlatform(Machine machine, PlatformOptions options)
    {
        _machine = machine;
        Options = options;
        Paging = new NativePaging(machine.Mmu, machine.Ledger, options.OmitTlbInvalidations);
    }

    public PlatformOptions Options { get; }

    public IPagingOps Paging { get; }

    public XenHypervisor? Hypervisor => null;

    public Dom0Policy? Dom0 => null;

    public void Deliver(ExitReason exit, IGuestKernelEntry kernel)
    {
        switch (exit)
        {
            case ExitReason.Syscall:
                kernel.OnSyscall();
                break;
            case ExitReason.SoftwareInterrupt:
                kernel.OnSoftwareInterrupt();
                break;
            default:
                kernel.OnException();
                break;
        }
    }

    public void ReturnToUser(TraceResume resume)
    {
        _machine.Ledger.Add(EventKind.ReturnToUser, Layer.Kernel, !_machine.Ledger.IsTracing ? null
            : TraceResumes.Step(resume, _machine.Cpu.Rip, resume == TraceResume.AfterSyscall ? " (sysret)" : " (iret)"));
    }

    public bool TryFixKernelFault(MemoryFault fault, AccessKind access) => false;
}
