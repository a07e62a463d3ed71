using HvSim.Core;
using HvSim.Cpu;
using HvSim.Hypervisor.Techniques;

namespace HvSim.Hypervisor;

/// <summary>What serves the checkpoint calls for a hypervisor: Xen's techniques (int 0x84) or hvm's (vmcall).</summary>
internal interface IUserHypercallTechniques
{
    /// <summary>The checks of Register that depend on the technique (mode, CDA, record size); 0 or a negative errno.</summary>
    long CheckRegistration(ulong modeValue, ulong cda, ulong cdaLength, ulong record, ulong recordLength, out CheckpointMode mode);

    /// <summary>A registration was stored on <paramref name="process"/>.</summary>
    void OnRegistered(HvProcess process, Registration registration);

    long CycleBegin(HvProcess process, Registration registration);

    long CycleEnd(HvProcess process, Registration registration);
}

/// <summary>
/// The checkpoint calls' rules, the one home for both ways in (int 0x84 under Xen, vmcall on hvm;
/// docs/checkpoint-abi.md): the call number in RAX, Register's arguments in RDI, RSI, RDX, R10, R8,
/// R9, every check before any effect, and the cycle calls only for a registered caller.
/// </summary>
internal static class UserHypercallCalls
{
    /// <summary>The result (negative errno on refusal) of call <paramref name="number"/> by <paramref name="caller"/>; <paramref name="version"/> answers Version.</summary>
    public static long Serve(ulong number, HvProcess caller, Cpu.Cpu cpu, Dom0Policy dom0, IUserHypercallTechniques techniques, long version) =>
        (UserHypercall)number switch
        {
            UserHypercall.Version => version,
            UserHypercall.Register => Register(caller, cpu, dom0, techniques),
            UserHypercall.CycleBegin => caller.Registration is Registration begin ? techniques.CycleBegin(caller, begin) : -XenHypervisor.EPERM,
            UserHypercall.CycleEnd => caller.Registration is Registration end ? techniques.CycleEnd(caller, end) : -XenHypervisor.EPERM,
            _ => -XenHypervisor.EINVAL,
        };

    /// <summary>Register: RDI token, RSI cda, RDX length, R10 record buffer, R8 its length, R9 mode. Every check comes before any effect.</summary>
    private static long Register(HvProcess caller, Cpu.Cpu cpu, Dom0Policy dom0, IUserHypercallTechniques techniques)
    {
        ulong token = cpu.R(Reg.Rdi), cda = cpu.R(Reg.Rsi), length = cpu.R(Reg.Rdx);
        ulong record = cpu.R(Reg.R10), recordLength = cpu.R(Reg.R8), mode = cpu.R(Reg.R9);
        if (dom0.ApplicationOf(token) is null)
        {
            return -XenHypervisor.EPERM;
        }
        if (caller.Registration is not null)
        {
            return -XenHypervisor.EBUSY;
        }
        if (!dom0.Permits(token, mode))
        {
            return -XenHypervisor.EPERM; // Dom0 granted this application another technique
        }
        if (length == 0 || (cda & 0xFFF) != 0)
        {
            return -XenHypervisor.EINVAL;
        }
        // The CDA must be user memory a process can map: nothing below the lowest mappable page
        // (Linux's mmap_min_addr) and nothing past the user half (access_ok).
        if (!UserRange.IsUserBuffer(cda, length))
        {
            return -XenHypervisor.EFAULT;
        }
        long check = techniques.CheckRegistration(mode, cda, length, record, recordLength, out CheckpointMode technique);
        if (check != 0)
        {
            return check;
        }
        caller.Registration = technique == CheckpointMode.RegistrationOnly
            ? new Registration(token, cda, length)
            : new Registration(token, cda, length, technique, record, recordLength);
        techniques.OnRegistered(caller, caller.Registration);
        return 0;
    }
}
