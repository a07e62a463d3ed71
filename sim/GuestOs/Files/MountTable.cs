using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Files;

/// <summary>
/// The guest's view of host files: a path reaches the host only through the mount whose guest
/// root is its longest prefix; anything else does not exist (ENOENT), as before mounts existed.
///
/// Confinement rules: the guest path is normalised first in the guest's namespace
/// (<see cref="GuestPath"/>), so ".." cannot climb above a mount's root, and the host path is the
/// mount's host root joined with the remaining components, none of which can be "", "." or "..".
/// Symbolic links are never followed, anywhere below the root: a link met as a parent directory
/// or as the final component is ELOOP (O_NOFOLLOW semantics). Following links only when their
/// target stays inside the mount would need the host's view of every component at the moment
/// of the open; refusing them is simple and cannot be fooled. The guest has no call that creates
/// links (no symlink, link or rename), so it cannot plant one itself.
/// </summary>
public sealed class MountTable
{
    private readonly MountPoint[] _mounts;

    public MountTable(IEnumerable<MountPoint> mounts)
    {
        // Longest guest root first, so a mount inside another one wins for its own subtree.
        _mounts = [.. mounts.OrderByDescending(m => m.GuestComponents.Count)];
    }

    public bool IsEmpty => _mounts.Length == 0;

    /// <summary>The mount index of a path's mount, for a per-mount st_dev.</summary>
    public int IndexOf(MountPoint mount) => Array.IndexOf(_mounts, mount);

    /// <summary>
    /// True for a directory that exists only because a mount lies below it ("/" and "/srv" for a
    /// mount at /srv/in): it is not under any mount, yet mkdir -p and path walks must find it.
    /// </summary>
    public bool IsAncestorOfMount(IReadOnlyList<string> components) =>
        _mounts.Any(m => m.GuestComponents.Count > components.Count && StartsWith(m.GuestComponents, components));

    /// <summary>
    /// The host side of normalised guest path <paramref name="components"/>, or null with the
    /// error Linux would give: ENOENT outside every mount or for a missing parent, ENOTDIR for
    /// a parent that is a file, ELOOP for a symbolic link on the way, EACCES where the host
    /// refuses to look. The final component itself may be missing (for O_CREAT, mkdir).
    /// </summary>
    public ResolvedPath? Resolve(IReadOnlyList<string> components, out Errno error)
    {
        error = 0;
        MountPoint? mount = _mounts.FirstOrDefault(m => StartsWith(components, m.GuestComponents));
        if (mount is null)
        {
            error = Errno.ENOENT;
            return null;
        }
        string host = mount.HostRoot;
        try
        {
            HostNode node = HostNode.Probe(host);
            for (int i = mount.GuestComponents.Count; i < components.Count; i++)
            {
                switch (node.Kind)
                {
                    case HostNodeKind.Directory:
                        break;
                    case HostNodeKind.Missing:
                        error = Errno.ENOENT;
                        return null;
                    case HostNodeKind.Symlink:
                        error = Errno.ELOOP;
                        return null;
                    default:
                        error = Errno.ENOTDIR;
                        return null;
                }
                host = Path.Join(host, components[i]);
                node = HostNode.Probe(host);
            }
            if (!IsInside(host, mount.HostRoot))
            {
                // Cannot happen (components carry no "/", "." or ".."); checked so that a mistake
                // in normalisation is an error rather than a host path outside the mount.
                error = Errno.EACCES;
                return null;
            }
            return new ResolvedPath(mount, components, host, node);
        }
        catch (UnauthorizedAccessException)
        {
            error = Errno.EACCES;
            return null;
        }
        catch (IOException)
        {
            error = Errno.EIO;
            return null;
        }
    }

    private static bool StartsWith(IReadOnlyList<string> path, IReadOnlyList<string> prefix)
    {
        if (path.Count < prefix.Count)
        {
            return false;
        }
        for (int i = 0; i < prefix.Count; i++)
        {
            if (!string.Equals(path[i], prefix[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether <paramref name="host"/>, with any "." and ".." resolved, lies under <paramref name="root"/>.</summary>
    private static bool IsInside(string host, string root)
    {
        string full = Path.GetFullPath(host);
        return full == root || full.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);
    }
}
