namespace HvSim.GuestOs.Files;

/// <summary>The two files of a process's procfs directory the kernel serves (fs/proc/task_mmu.c).</summary>
public enum ProcSelfKind
{
    /// <summary>/proc/PID/clear_refs: write-only; "4" clears the soft-dirty bits.</summary>
    ClearRefs,
    /// <summary>/proc/PID/pagemap: read-only, one 64-bit entry per virtual page, read at the page's offset.</summary>
    Pagemap,
}

/// <summary>
/// An open /proc/self/clear_refs or /proc/self/pagemap. It names no host file: the kernel answers
/// reads and writes from the process's own tables, as procfs does.
/// </summary>
public sealed class ProcSelfFile : OpenFile
{
    public ProcSelfFile(ProcSelfKind kind, IReadOnlyList<string> components, int statusFlags)
        : base(new ResolvedPath(s_proc, components, "", new HostNode(HostNodeKind.Regular, 0, kind == ProcSelfKind.Pagemap ? 0x8100u : 0x8080u, 0, 1)), statusFlags)
    {
        Kind = kind;
    }

    /// <summary>procfs is no mount of a host directory: a stand-in that no path resolves through.</summary>
    private static readonly MountPoint s_proc = new("", "/proc", ReadOnly: true);

    public ProcSelfKind Kind { get; }

    protected override void Dispose()
    {
    }
}
