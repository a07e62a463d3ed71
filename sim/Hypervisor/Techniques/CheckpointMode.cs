namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// int 0x84 Register's mode (R9): which technique the hypervisor runs for the process. The
/// numbers are the technique numbers of the checkpoint ABI's QUERY (docs/checkpoint-abi.md).
/// </summary>
public enum CheckpointMode : ulong
{
    /// <summary>Registration only: the CDA is known, nothing is tracked (the interface's first version).</summary>
    RegistrationOnly = 0,
    /// <summary>Page tracking in the hypervisor's page-fault handler (paper Section IV.A).</summary>
    PtXen = 3,
    /// <summary>Write emulation in the hypervisor's page-fault handler (Section IV.C).</summary>
    EmulXen = 4,
    /// <summary>Scanning the CDA's shadow PTEs for D bits at each cycle's end (Section IV.D; shadow paging only).</summary>
    ScanXen = 5,
    // 6 and 7 are left to issue 17's user-level techniques (soft-dirty, userfaultfd).
    /// <summary>hvm: the CDA's EPT entries write-protected at cycle begin; each first write per page is an EPT violation.</summary>
    EptWp = 8,
    /// <summary>hvm: the CDA's EPT D bits scanned and cleared at cycle end (Scanxen with EPT).</summary>
    EptScan = 9,
    /// <summary>hvm: Intel PML, the log of guest-physical pages mapped back to the CDA by the hypervisor (SPML).</summary>
    Pml = 10,
    /// <summary>hvm: OoH's EPML, guest-virtual pages logged by the CPU into the process's record, an exit only when full.</summary>
    Epml = 11,
    /// <summary>hvm: Intel SPP, 128-byte sub-page write protection; only the dirty sub-pages are copied.</summary>
    Spp = 12,
}
