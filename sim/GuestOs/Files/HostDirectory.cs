using System.Text;

namespace HvSim.GuestOs.Files;

/// <summary>
/// An open host directory. Its entries are listed once, at the first getdents64, and sorted by
/// the bytes of their names so every run sees the same order whatever the host file system's is.
/// </summary>
public sealed class HostDirectory : OpenFile
{
    private List<DirectoryEntry>? _entries;

    public HostDirectory(ResolvedPath path, int statusFlags)
        : base(path, statusFlags)
    {
    }

    /// <summary>".", ".." and the directory's entries, in name order.</summary>
    public IReadOnlyList<DirectoryEntry> Entries => _entries ??= List();

    private List<DirectoryEntry> List()
    {
        var entries = new List<DirectoryEntry>
        {
            new(".", DirectoryEntry.DtDir, Path.Node.Inode),
            new("..", DirectoryEntry.DtDir, Path.Node.Inode),
        };
        var named = new List<DirectoryEntry>();
        foreach (string full in Directory.EnumerateFileSystemEntries(Path.HostPath))
        {
            string name = System.IO.Path.GetFileName(full);
            HostNode node = HostNode.Probe(full);
            byte type = node.Kind switch
            {
                HostNodeKind.Regular => DirectoryEntry.DtReg,
                HostNodeKind.Directory => DirectoryEntry.DtDir,
                HostNodeKind.Symlink => DirectoryEntry.DtLnk, // listed as what it is; opening it is ELOOP
                _ => DirectoryEntry.DtUnknown,
            };
            named.Add(new DirectoryEntry(name, type, node.Inode));
        }
        named.Sort((a, b) => a.NameBytes.AsSpan().SequenceCompareTo(b.NameBytes));
        entries.AddRange(named);
        return entries;
    }

    protected override void Dispose()
    {
    }
}

/// <summary>One getdents64 entry: a name, its d_type and its inode number.</summary>
public sealed record DirectoryEntry(string Name, byte Type, ulong Inode)
{
    public const byte DtUnknown = 0, DtDir = 4, DtReg = 8, DtLnk = 10;

    public byte[] NameBytes { get; } = Encoding.UTF8.GetBytes(Name);
}
