namespace HvSim.Hypervisor;

/// <summary>
/// A guest process as the hypervisor knows it: an address space seen from its first CR3 load
/// until the guest kernel releases it. A page-table root frame that is reused later is a new
/// process, with no registration of its own.
/// </summary>
public sealed class HvProcess
{
    public HvProcess(int id, ulong cr3)
    {
        Id = id;
        Cr3 = cr3;
    }

    /// <summary>The hypervisor's own number for it (not the guest's pid).</summary>
    public int Id { get; }

    public ulong Cr3 { get; }

    /// <summary>The checkpoint registration made through int 0x84, if any.</summary>
    public Registration? Registration { get; set; }
}
