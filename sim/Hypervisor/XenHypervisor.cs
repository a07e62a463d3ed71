using HvSim.Core;
using HvSim.Cpu;
using HvSim.Hypervisor.Techniques;

namespace HvSim.Hypervisor;

/// <summary>
/// The Xen-like hypervisor: it owns the hardware, takes every exception and interrupt first,
/// bounces to the guest kernel what is not its own, serves hypercalls, tracks processes by CR3,
/// and serves the allow-listed int 0x84 calls of applications that Dom0 registered.
/// </summary>
public sealed class XenHypervisor
{
    public const int Version = 1;
    public const byte UserVector = 0x84;

    internal const long EPERM = 1, EFAULT = 14, EBUSY = 16, EINVAL = 22;

    private readonly Machine _machine;
    private CheckpointTechniques? _techniques;

    public XenHypervisor(Machine machine, ulong seed)
    {
        _machine = machine;
        Dom0 = new Dom0Policy(seed);
    }

    public ProcessTable Processes { get; } = new();

    public Dom0Policy Dom0 { get; }

    /// <summary>PTxen, Emulxen and Scanxen, and the hooks the paging code consults.</summary>
    public CheckpointTechniques Techniques => _techniques ?? throw new InvalidOperationException("the platform has not attached the techniques");

    private EventLedger Ledger => _machine.Ledger;

    private HvSim.Cpu.Cpu Cpu => _machine.Cpu;

    /// <summary>The platform attaches the techniques once it knows its paging mode (they need the shadow pager, if any).</summary>
    internal void AttachTechniques(CheckpointTechniques techniques) => _techniques = techniques;

    /// <summary>An exception, interrupt or trapping instruction enters the hypervisor.</summary>
    /// <param name="step">What entered (its <see cref="TraceData.Entry"/> set); null unless tracing.</param>
    public void TrapEntry(TraceData? step)
    {
        Ledger.Add(EventKind.TrapToHypervisor, Layer.Hypervisor, step);
    }

    /// <summary>Reflects what entered to the guest kernel's registered handler through a bounce frame.</summary>
    /// <param name="step">What is bounced (its <see cref="TraceData.Entry"/> set); null unless tracing.</param>
    public void Bounce(TraceData? step)
    {
        Ledger.Add(EventKind.BounceToGuest, Layer.Hypervisor, step);
    }

    /// <summary>A hypercall from the guest kernel (int 0x82 semantics): counted by its Xen name.</summary>
    /// <param name="operation">The one operation it carries, when it names it (MMUEXT_UNPIN_TABLE).</param>
    /// <param name="operations">How many operations it carries (a batch's), when it counts them.</param>
    public void Hypercall(HypercallNumber number, string? operation = null, int? operations = null, bool batched = false)
    {
        string name = Name(number);
        Ledger.AddSubkind(EventKind.Hypercall, Layer.Kernel, name, !Ledger.IsTracing ? null
            : new TraceData(operation is not null ? "HYPERVISOR_{hypercall}({operation})"
                : operations is null ? "HYPERVISOR_{hypercall}"
                : (operations == 1 ? "HYPERVISOR_{hypercall} ({operations} operation" : "HYPERVISOR_{hypercall} ({operations} operations") + (batched ? " batched)" : ")"))
            {
                Hypercall = name,
                Operation = operation,
                Operations = operations,
                Batched = operations is null ? null : batched,
            });
    }

    /// <summary>
    /// The hypercall's Xen name (its enum name), as one string instance per call: several
    /// hypercalls per simulated fault, so no Enum.ToString each time.
    /// </summary>
    private static string Name(HypercallNumber number) => number switch
    {
        HypercallNumber.set_trap_table => nameof(HypercallNumber.set_trap_table),
        HypercallNumber.mmu_update => nameof(HypercallNumber.mmu_update),
        HypercallNumber.set_callbacks => nameof(HypercallNumber.set_callbacks),
        HypercallNumber.multicall => nameof(HypercallNumber.multicall),
        HypercallNumber.iret => nameof(HypercallNumber.iret),
        HypercallNumber.mmuext_op => nameof(HypercallNumber.mmuext_op),
        _ => number.ToString(),
    };

    /// <summary>
    /// Serves int 0x84 from user mode. Only allow-listed calls, only on the caller's own address
    /// space (the CR3 that is loaded), only for registered callers beyond Register itself; a call
    /// that breaks a rule returns an error and has no effect.
    /// </summary>
    public void ServeUserHypercall()
    {
        ulong number = Cpu.R(Reg.Rax);
        HvProcess? caller = Processes.Current;
        long result = caller is null ? -EPERM : UserHypercallCalls.Serve(number, caller, Cpu, Dom0, Techniques, Version);
        Cpu.R(Reg.Rax) = (ulong)result;
        // Two of these per cycle under the hypervisor techniques: no name lookup when nobody reads it.
        Ledger.Add(EventKind.UserHypercall, Layer.Hypervisor, !Ledger.IsTracing ? null
            : new TraceData(caller is null ? "int 0x84 {hypercall} from an unknown process -> {result}" : "int 0x84 {hypercall} from process {pid} -> {result}")
            {
                Hypercall = Enum.IsDefined(typeof(UserHypercall), number) ? ((UserHypercall)number).ToString() : $"#{number}",
                Pid = caller?.Id,
                Result = result,
            });
    }
}
