using HvSim.Core;
using HvSim.Cpu;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Hvm;

/// <summary>
/// The hypervisor of platform hvm (VT-x with EPT, KVM's shape): it owns the EPT, takes the VM
/// exits the hardware raises (EPT violations, a full page-modification log, vmcall), and serves
/// the checkpoint interface that mirrors int 0x84 through vmcall (docs/checkpoint-abi.md): the
/// same numbers in RAX and arguments, tokens from the same Dom0 policy, the caller identified by
/// the guest CR3 in the exit's saved state. Everything else the guest does, the guest kernel
/// handles itself: with EPT, page faults, CR3 loads and invlpg cause no exit.
/// </summary>
public sealed class HvmHypervisor : IVmExitSink
{
    /// <summary>The vmcall interface's version (int 0x84's is 1; this one serves the hvm techniques).</summary>
    public const int Version = 2;

    /// <summary>vmcall's length (0f 01 c1): the VM-exit instruction length the hypervisor skips.</summary>
    public const int VmcallLength = 3;

    private readonly Machine _machine;
    private readonly HvmTechniques _techniques;

    public HvmHypervisor(Machine machine, ulong seed)
    {
        _machine = machine;
        Dom0 = new Dom0Policy(seed);
        var ept = new EptTables(machine);
        Nested = new NestedPaging(machine.Memory, ept.Root, this, ept.Populate, machine.Ledger);
        _techniques = new HvmTechniques(machine, Nested);
        machine.Mmu.EnableNestedPaging(Nested);
    }

    public Dom0Policy Dom0 { get; }

    /// <summary>Processes by CR3, as the hypervisor learns them from the guest state of their vmcalls.</summary>
    public ProcessTable Processes { get; } = new();

    /// <summary>The VMCS's EPT-related state the MMU consults.</summary>
    public NestedPaging Nested { get; }

    private EventLedger Ledger => _machine.Ledger;

    private HvSim.Cpu.Cpu Cpu => _machine.Cpu;

    bool IVmExitSink.OnEptViolation(in EptViolation violation)
    {
        Ledger.AddSubkind(EventKind.VmExit, Layer.Hypervisor, "ept_violation", !Ledger.IsTracing ? null
            : new TraceData(violation.SubPage
                ? "VM exit: EPT violation (sub-page write) at guest-physical {address}, guest-linear {page}"
                : violation.GuestTableAccess ? "VM exit: EPT violation at guest-physical {address} (a guest page-table access)"
                : "VM exit: EPT violation ({access}) at guest-physical {address}, guest-linear {page}")
            {
                Address = violation.GuestPhysical,
                Page = violation.GuestLinear,
                Access = violation.Access.ToString().ToLowerInvariant(),
                Operation = "ept_violation",
            });
        return _techniques.OnEptViolation(violation);
    }

    void IVmExitSink.OnPmlFull()
    {
        Ledger.AddSubkind(EventKind.VmExit, Layer.Hypervisor, "pml_full", !Ledger.IsTracing ? null
            : new TraceData("VM exit: page-modification log full ({count} entries): logged pages mapped back to the CDA (SPML), index reset to 511")
            {
                Count = NestedPaging.PmlEntries,
                Operation = "pml_full",
            });
        _techniques.OnPmlFull();
    }

    void IVmExitSink.OnEpmlFull(bool unwritable)
    {
        Ledger.AddSubkind(EventKind.VmExit, Layer.Hypervisor, "epml_full", !Ledger.IsTracing ? null
            : new TraceData(unwritable ? "VM exit: the EPML log in the process could not be written" : "VM exit: EPML log full ({count} entries): taken in, log restarted")
            {
                Count = Nested.EpmlCapacity,
                Operation = "epml_full",
            });
        _techniques.OnEpmlFull(unwritable);
    }

    /// <summary>
    /// A vmcall exit: the call RAX names, served for the process whose CR3 is loaded, RIP moved past
    /// the instruction and RAX set to the result (negative errno). A call from a process that is
    /// not registered (but Register and Version), an unknown number, a token Dom0 did not issue
    /// or that grants another technique are refused and change nothing.
    /// </summary>
    public void ServeVmcall()
    {
        ulong number = Cpu.R(Reg.Rax);
        HvProcess caller = Processes.Find(_machine.Mmu.Cr3) ?? Processes.OnCr3Load(_machine.Mmu.Cr3);
        // The exit first, then what the handler does; the result is RAX at VM entry.
        Ledger.AddSubkind(EventKind.VmExit, Layer.Hypervisor, "vmcall", !Ledger.IsTracing ? null
            : new TraceData("VM exit: vmcall {hypercall} from process {pid}")
            {
                Hypercall = Enum.IsDefined(typeof(UserHypercall), number) ? ((UserHypercall)number).ToString() : $"#{number}",
                Pid = caller.Id,
                Operation = "vmcall",
            });
        long result = UserHypercallCalls.Serve(number, caller, Cpu, Dom0, _techniques, Version);
        Cpu.R(Reg.Rax) = (ulong)result;
        Cpu.Rip += VmcallLength;
    }

    /// <summary>The guest kernel released an address space: a registration on it ends (the guest's notification, one vmcall).</summary>
    internal void OnAddressSpaceReleased(ulong cr3)
    {
        if (Processes.Find(cr3) is not HvProcess process)
        {
            return;
        }
        if (process.Registration is not null)
        {
            Ledger.AddSubkind(EventKind.VmExit, Layer.Hypervisor, "vmcall", !Ledger.IsTracing ? null
                : new TraceData("VM exit: vmcall from the guest kernel: the address space {cr3} of process {pid} is released") { Cr3 = cr3, Pid = process.Id, Operation = "vmcall" });
            _techniques.OnReleased(process);
        }
        Processes.OnRelease(cr3);
    }
}
