using HvSim.GuestOs.Kernel;

namespace HvSim.GuestOs.Files;

/// <summary>
/// An open userfaultfd (fs/userfaultfd.c: an anonymous inode, "[userfaultfd]"). Its last close
/// unregisters every VMA registered with it (userfaultfd_release).
/// </summary>
public sealed class UserfaultfdFile : OpenFile
{
    public UserfaultfdFile(UserfaultfdContext context, int statusFlags)
        : base(new ResolvedPath(s_anon, ["[userfaultfd]"], "", new HostNode(HostNodeKind.Regular, 0, 0x180u, 0, 1)), statusFlags)
    {
        Context = context;
    }

    /// <summary>anon_inode_getfd's files live on no mount: a stand-in that no path resolves through.</summary>
    private static readonly MountPoint s_anon = new("", "/anon_inode:", ReadOnly: true);

    public UserfaultfdContext Context { get; }

    protected override void Dispose() => Context.Space.ReleaseUffd(Context);
}
