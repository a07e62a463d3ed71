namespace HvSim.Hypervisor;

/// <summary>
/// The int 0x84 user-to-hypervisor calls (docs/checkpoint-abi.md). RAX holds the number, RDI,
/// RSI, RDX, R10, R8, R9 the arguments, RAX the result (negative errno on failure). Only these
/// numbers are accepted.
/// </summary>
public enum UserHypercall : ulong
{
    /// <summary>Returns the interface version.</summary>
    Version = 0,
    /// <summary>
    /// register(token, cda, length, record, record length, mode): binds the calling address space
    /// to a checkpointed data area and, for modes 3-5, to a technique and its record buffer.
    /// </summary>
    Register = 1,
    /// <summary>Starts a checkpoint cycle (registered callers only): re-protect, or nothing for Scanxen; the record's counters are zeroed.</summary>
    CycleBegin = 2,
    /// <summary>Ends a checkpoint cycle (registered callers only): Scanxen lists the dirty pages.</summary>
    CycleEnd = 3,
}
