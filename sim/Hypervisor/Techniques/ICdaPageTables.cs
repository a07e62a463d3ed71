namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// The entries the MMU uses for a process's CDA pages, as the techniques change them: under
/// xen-pv the guest's own (hardware) page tables, under xen-shadow the hypervisor's shadows. The
/// guest kernel keeps owning its PTEs; the hypervisor only takes write permission away from CDA
/// pages and gives it back, and tells what the guest itself meant to allow.
/// </summary>
internal interface ICdaPageTables
{
    /// <summary>
    /// Whether the guest's own tables let this access write the page (present, user for a user
    /// access, writable), counting a page the hypervisor made read-only as writable.
    /// </summary>
    bool GuestAllowsWrite(HvProcess process, ulong page, bool user);

    /// <summary>
    /// Takes write permission away from the page's entry if it is present and writable; true when
    /// an entry changed (one PteUpdate at the hypervisor layer). The caller flushes the TLB.
    /// </summary>
    bool Protect(HvProcess process, ulong page);

    /// <summary>
    /// Gives the page's write permission back (the process is the current one; one PteUpdate). The
    /// caller invalidates the TLB entry.
    /// </summary>
    void Unprotect(HvProcess process, ulong page, bool user);
}
