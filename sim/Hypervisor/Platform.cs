namespace HvSim.Hypervisor;

/// <summary>The machine a guest runs on (DESIGN.md: one path, many platforms).</summary>
public enum Platform
{
    /// <summary>Bare hardware: the kernel owns the MMU.</summary>
    Native,
    /// <summary>Xen paravirtualised guest with direct paging: guest tables are the hardware's, updated by hypercall.</summary>
    XenPv,
    /// <summary>Xen with shadow page tables: the MMU walks the hypervisor's copies of the guest's tables.</summary>
    XenShadow,
    /// <summary>Hardware virtualization, Intel VT-x with EPT: the guest kernel owns its page tables, the MMU walks two dimensions.</summary>
    Hvm,
}

/// <summary>The PV flavour: how a system call reaches a paravirtualised guest kernel, and how the kernel returns to user mode.</summary>
public enum SyscallPath
{
    /// <summary>32-bit PV guest on 32-bit Xen: int 0x80 through a trap gate straight into the ring-1 guest kernel, which returns to user mode with a plain iret.</summary>
    TrapGate,
    /// <summary>64-bit PV: syscall enters the hypervisor, which bounces it to the guest kernel (in ring 3), which returns to user mode through the iret hypercall.</summary>
    ThroughHypervisor,
    /// <summary>
    /// 32-bit PV guest on 64-bit Xen (compat mode; the paper's setting: its Dom0 is a 64-bit Linux,
    /// which needs a 64-bit hypervisor): long mode has no trap gate into ring 1, so int 0x80 enters
    /// Xen's dedicated ring-0 handler and is bounced to the guest kernel (Xen changeset 3e1b9525,
    /// "Implement faster int 0x80 handling for compat mode guests", 2007); the ring-1 kernel still
    /// returns to user mode with a plain iret.
    /// </summary>
    Compat,
}

/// <summary>The PV flavours' names on the command line and in JSON (one home for them).</summary>
public static class SyscallPathNames
{
    public static readonly IReadOnlyList<(SyscallPath Path, string Name)> All =
        [(SyscallPath.Compat, "compat"), (SyscallPath.TrapGate, "trap-gate"), (SyscallPath.ThroughHypervisor, "hypervisor")];

    public static string Name(SyscallPath path) => All.First(p => p.Path == path).Name;

    public static bool TryParse(string text, out SyscallPath path)
    {
        foreach ((SyscallPath candidate, string name) in All)
        {
            if (name == text)
            {
                path = candidate;
                return true;
            }
        }
        path = default;
        return false;
    }

    /// <summary>Whether the guest kernel is the paper's 32-bit Linux 2.6.18-xen (compat or trap-gate) rather than a 64-bit one.</summary>
    public static bool Is32BitGuest(SyscallPath path) => path != SyscallPath.ThroughHypervisor;

    /// <summary>Whether a system call enters the hypervisor before the guest kernel.</summary>
    public static bool EntersHypervisor(SyscallPath path) => path != SyscallPath.TrapGate;
}

/// <summary>How a paravirtualised guest kernel updates its page tables under direct paging.</summary>
public enum PteUpdateMode
{
    /// <summary>mmu_update hypercalls, batched the way Linux batches an mprotect range.</summary>
    Hypercall,
    /// <summary>A plain store to the read-only page-table page, trapped and emulated by the hypervisor (ptwr).</summary>
    TrappedWrite,
}

/// <summary>Names used on the command line and in JSON.</summary>
public static class PlatformNames
{
    public static string Name(Platform platform) => platform switch
    {
        Platform.Native => "native",
        Platform.XenPv => "xen-pv",
        Platform.Hvm => "hvm",
        _ => "xen-shadow",
    };

    public static bool TryParse(string text, out Platform platform)
    {
        switch (text)
        {
            case "native":
                platform = Platform.Native;
                return true;
            case "xen-pv":
                platform = Platform.XenPv;
                return true;
            case "xen-shadow":
                platform = Platform.XenShadow;
                return true;
            case "hvm":
                platform = Platform.Hvm;
                return true;
            default:
                platform = Platform.Native;
                return false;
        }
    }
}

/// <summary>A platform and its knobs.</summary>
public sealed record PlatformOptions
{
    public Platform Platform { get; init; } = Platform.Native;

    public SyscallPath SyscallPath { get; init; } = SyscallPath.Compat;

    public PteUpdateMode PteUpdates { get; init; } = PteUpdateMode.Hypercall;

    /// <summary>
    /// Fault injection for the regression tests (never set by the command line): on native
    /// hardware the kernel "forgets" the invlpg and TLB flush after changing PTEs (CR3 loads still
    /// flush), which shows what goes wrong when a re-protected PTE stays cached writable.
    /// </summary>
    public bool OmitTlbInvalidations { get; init; }

    /// <summary>
    /// xen-shadow: how many frames the hypervisor's shadow page tables may hold (Xen's
    /// shadow_memory); null for the hypervisor's whole share of the machine (its top eighth). At
    /// least <see cref="ShadowPager.MinPoolFrames"/>. A full pool drops every shadow, which is
    /// rebuilt on demand (<see cref="Core.EventKind.ShadowEviction"/>).
    /// </summary>
    public long? ShadowPoolFrames { get; init; }

    /// <summary>
    /// Fault injection for the regression tests (never set by the command line): xen-shadow drops
    /// every shadow at every Nth fill (0: never), as a full pool would, wherever in a run that
    /// falls. At least <see cref="ShadowPager.MinFillsBetweenEvictions"/>.
    /// </summary>
    public int ShadowEvictEveryFills { get; init; }
}
