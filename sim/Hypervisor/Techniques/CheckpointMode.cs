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
}
