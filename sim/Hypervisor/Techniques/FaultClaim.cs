using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// A write fault a technique takes as its own: a write by the current, registered process to a
/// CDA page the hypervisor keeps read-only, which the guest's own tables would allow.
/// </summary>
/// <param name="User">The faulting access was made in user mode (false: the guest kernel's copy_to_user, or host-implemented user code).</param>
internal readonly record struct FaultClaim(HvProcess Process, Registration Registration, ulong Page, bool User);

/// <summary>What the hypervisor does after a technique handled a user-mode fault.</summary>
internal enum FaultResolution
{
    /// <summary>Back to user mode; the guest kernel never ran (the return is already recorded).</summary>
    ReturnedToUser,
    /// <summary>Reflect <see cref="FaultDecision.Fault"/> to the guest kernel instead: a fault the emulation met that is the guest's to fix.</summary>
    Inject,
}

/// <summary>The outcome of a claimed user-mode fault.</summary>
internal readonly record struct FaultDecision(FaultResolution Resolution, MemoryFault Fault)
{
    public static FaultDecision Returned => new(FaultResolution.ReturnedToUser, default);
}
