namespace HvSim.Mmu;

/// <summary>
/// Where the processor's second dimension sends the VM exits it raises (the hypervisor). Each is
/// handled before the access completes, and the access is then retried from the start: on
/// hardware the exit saves the guest state at the faulting instruction and VM entry restarts it
/// (SDM Vol. 3C, 28.2 and 29.3.3); here nothing of the access has happened yet when the exit is
/// raised, so retrying it is the same as restarting the instruction.
/// </summary>
public interface IVmExitSink
{
    /// <summary>
    /// An EPT violation (SDM 29.3.3.2). True when the hypervisor changed the EPT (or the sub-page
    /// permissions) so that a retry may succeed; false is a guest the hypervisor cannot serve.
    /// </summary>
    bool OnEptViolation(in EptViolation violation);

    /// <summary>The page-modification log is full (SDM 29.3.6): drain it and reset the index to 511.</summary>
    void OnPmlFull();

    /// <summary>
    /// The registered process's guest-virtual log is full (OoH's EPML, SC'22): drain it and
    /// reset its count. The log could not be written at all is the same exit with <paramref name="unwritable"/>.
    /// </summary>
    void OnEpmlFull(bool unwritable);
}

/// <summary>What an EPT violation reports in its exit qualification (SDM Vol. 3C, Table 28-7).</summary>
/// <param name="GuestPhysical">The guest-physical address accessed.</param>
/// <param name="GuestLinear">The guest-linear address, when the access had one (not for a guest paging-structure access).</param>
/// <param name="Access">Read, write or fetch (a guest paging-structure access with EPT A/D on counts as a write).</param>
/// <param name="GuestTableAccess">The access was to a guest paging-structure entry during a walk.</param>
/// <param name="SubPage">The write was refused by the sub-page permissions of an SPP leaf (bit 11 of the qualification).</param>
/// <param name="Entry">The EPT leaf as it was (0 when the walk stopped above the leaf).</param>
public readonly record struct EptViolation(ulong GuestPhysical, ulong? GuestLinear, AccessKind Access, bool GuestTableAccess, bool SubPage, ulong Entry);
