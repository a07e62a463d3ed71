namespace HvSim.Hypervisor;

/// <summary>
/// The int 0x84 user-to-hypervisor calls. RAX holds the number, RDI/RSI/RDX the arguments, RAX
/// the result (negative errno on failure). Only these numbers are accepted.
/// </summary>
public enum UserHypercall : ulong
{
    /// <summary>Returns the interface version.</summary>
    Version = 0,
    /// <summary>register(token, cda, length): binds the calling address space to a checkpointed data area.</summary>
    Register = 1,
    /// <summary>Starts a checkpoint cycle (registered callers only).</summary>
    CycleBegin = 2,
    /// <summary>Ends a checkpoint cycle (registered callers only).</summary>
    CycleEnd = 3,
}
