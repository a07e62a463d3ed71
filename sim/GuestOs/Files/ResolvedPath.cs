namespace HvSim.GuestOs.Files;

/// <summary>
/// A guest path found inside a mount: the host path it stands for (always under the mount's host
/// root) and what is there now. The parent directories have been checked: they exist, are
/// directories and none is a symbolic link.
/// </summary>
public sealed record ResolvedPath(MountPoint Mount, IReadOnlyList<string> GuestComponents, string HostPath, HostNode Node)
{
    /// <summary>Whether the path is the mount's root itself (which cannot be removed).</summary>
    public bool IsMountRoot => GuestComponents.Count == Mount.GuestComponents.Count;
}
