using HvSim.Core;
using HvSim.Cpu;

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

    private const long EPERM = 1, EFAULT = 14, EBUSY = 16, EINVAL = 22;
    private const ulong UserSpaceEnd = 0x0000_8000_0000_0000UL;

    private readonly Machine _machine;

    public XenHypervisor(Machine machine, ulong seed)
    {
        _machine = machine;
        Dom0 = new Dom0Policy(seed);
    }

    public ProcessTable Processes { get; } = new();

    public Dom0Policy Dom0 { get; }

    private EventLedger Ledger => _machine.Ledger;

    private HvSim.Cpu.Cpu Cpu => _machine.Cpu;

    /// <summary>An exception, interrupt or trapping instruction enters the hypervisor.</summary>
    public void TrapEntry(string what)
    {
        Ledger.Add(EventKind.TrapToHypervisor, Layer.Hypervisor, what);
    }

    /// <summary>Reflects what entered to the guest kernel's registered handler through a bounce frame.</summary>
    public void Bounce(string what)
    {
        Ledger.Add(EventKind.BounceToGuest, Layer.Hypervisor, what);
    }

    /// <summary>A hypercall from the guest kernel (int 0x82 semantics): counted by its Xen name.</summary>
    public void Hypercall(HypercallNumber number, string detail)
    {
        Ledger.AddSubkind(EventKind.Hypercall, Layer.Kernel, number.ToString(), detail);
    }

    /// <summary>
    /// Serves int 0x84 from user mode. Only allow-listed calls, only on the caller's own address
    /// space (the CR3 that is loaded), only for registered callers beyond Register itself; a call
    /// that breaks a rule returns an error and has no effect.
    /// </summary>
    public void ServeUserHypercall()
    {
        ulong number = Cpu.R(Reg.Rax);
        HvProcess? caller = Processes.Current;
        long result = caller is null ? -EPERM : (UserHypercall)number switch
        {
            UserHypercall.Version => Version,
            UserHypercall.Register => Register(caller, Cpu.R(Reg.Rdi), Cpu.R(Reg.Rsi), Cpu.R(Reg.Rdx)),
            UserHypercall.CycleBegin or UserHypercall.CycleEnd => caller.Registration is null ? -EPERM : 0,
            _ => -EINVAL,
        };
        Cpu.R(Reg.Rax) = (ulong)result;
        string name = Enum.IsDefined(typeof(UserHypercall), number) ? ((UserHypercall)number).ToString() : $"#{number}";
        Ledger.Add(EventKind.UserHypercall, Layer.Hypervisor,
            Ledger.IsTracing ? $"int 0x84 {name} from process {caller?.Id.ToString() ?? "?"} -> {result}" : "");
    }

    private long Register(HvProcess caller, ulong token, ulong cda, ulong length)
    {
        if (Dom0.ApplicationOf(token) is null)
        {
            return -EPERM;
        }
        if (caller.Registration is not null)
        {
            return -EBUSY;
        }
        if (length == 0 || (cda & 0xFFF) != 0 || cda + length < cda || cda + length > UserSpaceEnd)
        {
            return length == 0 || (cda & 0xFFF) != 0 ? -EINVAL : -EFAULT;
        }
        caller.Registration = new Registration(token, cda, length);
        return 0;
    }
}
