using HvSim.Core;
using HvSim.Cpu;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// A guest under the Xen-like hypervisor, with direct paging (xen-pv) or shadow paging
/// (xen-shadow). Every exception enters the hypervisor first; what is not its own is bounced to
/// the guest kernel. The guest kernel goes back to user mode as its PV flavour does: a 32-bit PV
/// kernel (ring 1; system calls through a trap gate, the paper's setting) with a plain iret to
/// ring 3, a 64-bit PV kernel (ring 3, system calls through the hypervisor) with the iret hypercall.
/// </summary>
public sealed class XenPlatform : IPlatform
{
    private readonly Machine _machine;
    private readonly ShadowPager? _shadow;

    public XenPlatform(Machine machine, PlatformOptions options, ulong seed)
    {
        _machine = machine;
        Options = options;
        Hypervisor = new XenHypervisor(machine, seed);
        if (options.Platform == Platform.XenShadow)
        {
            _shadow = new ShadowPager(machine, options);
            Paging = new ShadowPaging(machine, Hypervisor, _shadow);
        }
        else
        {
            Paging = new PvPaging(machine, Hypervisor, options.PteUpdates);
        }
        Hypervisor.AttachTechniques(new CheckpointTechniques(machine, Hypervisor.Processes, _shadow));
    }

    public PlatformOptions Options { get; }

    public IPagingOps Paging { get; }

    public XenHypervisor Hypervisor { get; }

    XenHypervisor? IPlatform.Hypervisor => Hypervisor;

    public Dom0Policy? Dom0 => Hypervisor.Dom0;

    /// <summary>The shadow pager (xen-shadow only).</summary>
    public ShadowPager? Shadow => _shadow;

    private EventLedger Ledger => _machine.Ledger;

    private HvSim.Cpu.Cpu Cpu => _machine.Cpu;

    public void Deliver(ExitReason exit, IGuestKernelEntry kernel)
    {
        switch (exit)
        {
            case ExitReason.Syscall:
                if (SyscallPathNames.EntersHypervisor(Options.SyscallPath))
                {
                    bool compat = Options.SyscallPath == SyscallPath.Compat;
                    Hypervisor.TrapEntry(!Ledger.IsTracing ? null
                        : compat ? new TraceData("int 0x80 from a 32-bit guest on 64-bit Xen") { Entry = TraceEntry.Int80, Vector = 0x80 }
                        : new TraceData("syscall") { Entry = TraceEntry.Syscall });
                    Hypervisor.Bounce(!Ledger.IsTracing ? null
                        : new TraceData("to the guest kernel's syscall callback") { Entry = compat ? TraceEntry.Int80 : TraceEntry.Syscall });
                }
                kernel.OnSyscall();
                return;
            case ExitReason.SoftwareInterrupt when Cpu.ExitInterrupt == XenHypervisor.UserVector:
                Hypervisor.TrapEntry(!Ledger.IsTracing ? null
                    : new TraceData("int 0x84 from user mode") { Entry = TraceEntry.UserHypercall, Vector = XenHypervisor.UserVector });
                Hypervisor.ServeUserHypercall();
                Ledger.Add(EventKind.ReturnToUser, Layer.Hypervisor, !Ledger.IsTracing ? null : TraceResumes.Step(TraceResume.AfterUserHypercall, Cpu.Rip, ""));
                return;
            case ExitReason.SoftwareInterrupt:
                Hypervisor.TrapEntry(!Ledger.IsTracing ? null
                    : new TraceData("int {vector}") { Entry = TraceEntry.SoftwareInterrupt, Vector = Cpu.ExitInterrupt });
                Hypervisor.Bounce(!Ledger.IsTracing ? null
                    : new TraceData("to the guest kernel's handler") { Entry = TraceEntry.SoftwareInterrupt, Vector = Cpu.ExitInterrupt });
                kernel.OnSoftwareInterrupt();
                return;
            default:
                DeliverException(kernel);
                return;
        }
    }

    private void DeliverException(IGuestKernelEntry kernel)
    {
        bool pageFault = Cpu.ExitVector == Vector.PageFault;
        MemoryFault fault = Cpu.ExitFault;
        Hypervisor.TrapEntry(!Ledger.IsTracing ? null
            : pageFault ? TraceFault.Of(fault, "{fault}", TraceEntry.PageFault)
            : new TraceData("exception vector {vector}") { Entry = TraceEntry.Exception, Vector = (int)Cpu.ExitVector });
        // The techniques' hook comes first: a write to a protected CDA page is theirs, whether or
        // not a shadow entry exists for it (a fill would make a dirty guest page writable).
        if (pageFault && Hypervisor.Techniques.TryClaim(fault, out FaultClaim claim))
        {
            FaultDecision decision = Hypervisor.Techniques.OnUserFault(claim);
            if (decision.Resolution == FaultResolution.ReturnedToUser)
            {
                return;
            }
            Cpu.ExitFault = decision.Fault;
            Hypervisor.Bounce(!Ledger.IsTracing ? null
                : TraceFault.Of(decision.Fault, "{fault} met while emulating, to the guest kernel's handler through a bounce frame", TraceEntry.PageFault));
            kernel.OnException();
            return;
        }
        if (pageFault && _shadow is not null && TryFillShadow(fault))
        {
            Ledger.Add(EventKind.ReturnToUser, Layer.Hypervisor, !Ledger.IsTracing ? null
                : new TraceData("back to the faulting instruction (the guest kernel never ran)") { Resume = TraceResume.RetryFault, NextRip = Cpu.Rip });
            return;
        }
        Hypervisor.Bounce(!Ledger.IsTracing ? null
            : pageFault ? TraceFault.Of(Cpu.ExitFault, "#PF to the guest kernel's handler through a bounce frame", TraceEntry.PageFault)
            : new TraceData("vector {vector} to the guest kernel's handler through a bounce frame") { Entry = TraceEntry.Exception, Vector = (int)Cpu.ExitVector });
        kernel.OnException();
    }

    private bool TryFillShadow(MemoryFault fault)
    {
        AccessKind access = (fault.ErrorCode & PageFaultErrorCode.InstructionFetch) != 0 ? AccessKind.Execute
            : (fault.ErrorCode & PageFaultErrorCode.Write) != 0 ? AccessKind.Write
            : AccessKind.Read;
        if (!_shadow!.TryFill(fault.Address, access, (fault.ErrorCode & PageFaultErrorCode.User) != 0, out MemoryFault guestFault))
        {
            Cpu.ExitFault = guestFault;
            return false;
        }
        Ledger.Add(EventKind.FaultHandled, Layer.Hypervisor, !Ledger.IsTracing ? null
            : new TraceData("shadow fault at {address}: fixed in the hypervisor") { Address = fault.Address });
        return true;
    }

    public void ReturnToUser(TraceResume resume)
    {
        if (SyscallPathNames.Is32BitGuest(Options.SyscallPath))
        {
            // Linux 2.6.18-xen's i386 entry.S (restore_nocheck) returns from ring 1 to ring 3 with a
            // plain iret; it takes HYPERVISOR_iret only for VM86 or NMI frames, which never occur here.
            Ledger.Add(EventKind.ReturnToUser, Layer.Kernel, !Ledger.IsTracing ? null
                : TraceResumes.Step(resume, Cpu.Rip, " (iret from the ring-1 kernel, no hypercall)"));
            return;
        }
        Hypervisor.Hypercall(HypercallNumber.iret);
        Ledger.Add(EventKind.ReturnToUser, Layer.Hypervisor, !Ledger.IsTracing ? null : TraceResumes.Step(resume, Cpu.Rip, ""));
    }

    public bool TryFixKernelFault(MemoryFault fault, AccessKind access)
    {
        if (fault.Kind != FaultKind.PageFault)
        {
            return false;
        }
        if (Hypervisor.Techniques.TryClaim(fault, out FaultClaim claim))
        {
            Hypervisor.TrapEntry(!Ledger.IsTracing ? null
                : TraceFault.Of(fault, "{fault} in the guest kernel, on a CDA page the hypervisor protects", TraceEntry.PageFault));
            Hypervisor.Techniques.OnAccessFault(claim);
            return true;
        }
        if (_shadow is null)
        {
            return false;
        }
        Hypervisor.TrapEntry(!Ledger.IsTracing ? null : TraceFault.Of(fault, "{fault} in the guest kernel", TraceEntry.PageFault));
        return TryFillShadow(fault);
    }
}

/// <summary>Makes the platform a set of options asks for.</summary>
public static class PlatformFactory
{
    public static IPlatform Create(Machine machine, PlatformOptions options, ulong seed) => options.Platform switch
    {
        Platform.Native => new NativePlatform(machine, options),
        Platform.Hvm => new Hvm.HvmPlatform(machine, options, seed),
        _ => new XenPlatform(machine, options, seed),
    };
}
