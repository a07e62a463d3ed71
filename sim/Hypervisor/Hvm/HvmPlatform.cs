using HvSim.Core;
using HvSim.Cpu;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Hvm;

/// <summary>
/// A guest under VT-x with EPT (platform hvm): the guest kernel owns its page tables and the
/// exits of user code (system calls, interrupts, faults, a user #PF included) go straight to it
/// as on bare hardware; the hypervisor sees only the VM exits the hardware raises for it (EPT
/// violations and a full page-modification log, from inside the MMU, and vmcall, here).
/// </summary>
public sealed class HvmPlatform : IPlatform
{
    private readonly Machine _machine;
    private readonly NativePlatform _native;

    public HvmPlatform(Machine machine, PlatformOptions options, ulong seed)
    {
        _machine = machine;
        Options = options;
        Vmm = new HvmHypervisor(machine, seed);
        _native = new NativePlatform(machine, options);
        Paging = new HvmPaging(_native.Paging, Vmm);
    }

    public PlatformOptions Options { get; }

    public IPagingOps Paging { get; }

    /// <summary>No Xen hypervisor: the VT-x one is <see cref="Vmm"/>.</summary>
    public XenHypervisor? Hypervisor => null;

    public Dom0Policy? Dom0 => Vmm.Dom0;

    /// <summary>The VT-x hypervisor.</summary>
    public HvmHypervisor Vmm { get; }

    public void Deliver(ExitReason exit, IGuestKernelEntry kernel)
    {
        if (exit == ExitReason.Vmcall)
        {
            Vmm.ServeVmcall();
            return;
        }
        _native.Deliver(exit, kernel);
    }

    public void ReturnToUser(TraceResume resume) => _native.ReturnToUser(resume);

    public bool TryFixKernelFault(MemoryFault fault, AccessKind access) => false;
}

/// <summary>The guest kernel's paging under EPT: native (ordinary stores, invlpg, mov cr3), and the release of an address space told to the hypervisor.</summary>
internal sealed class HvmPaging : IPagingOps
{
    private readonly IPagingOps _native;
    private readonly HvmHypervisor _vmm;

    public HvmPaging(IPagingOps native, HvmHypervisor vmm)
    {
        _native = native;
        _vmm = vmm;
    }

    public void WritePte(GuestPhysical entryAddress, ulong value, ulong virtualAddress) => _native.WritePte(entryAddress, value, virtualAddress);

    public void InvalidatePage(ulong virtualAddress) => _native.InvalidatePage(virtualAddress);

    public void FlushTlb() => _native.FlushTlb();

    public void LoadCr3(ulong cr3) => _native.LoadCr3(cr3);

    public void BeginBatch() => _native.BeginBatch();

    public void EndBatch() => _native.EndBatch();

    public void ReleaseAddressSpace(ulong cr3)
    {
        _native.ReleaseAddressSpace(cr3);
        _vmm.OnAddressSpaceReleased(cr3);
    }
}
