namespace HvSim.GuestOs.Files;

/// <summary>
/// One --mount: the host directory <paramref name="HostRoot"/> (an absolute, normalised host
/// path) seen by the guest at <paramref name="GuestRoot"/> (an absolute guest path), read-only
/// when <paramref name="ReadOnly"/>.
/// </summary>
public sealed record MountPoint(string HostRoot, string GuestRoot, bool ReadOnly)
{
    /// <summary>The guest root's components ("/data/in" → ["data", "in"]; "/" → none).</summary>
    public IReadOnlyList<string> GuestComponents { get; } =
        GuestRoot.Split('/', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"{HostRoot}:{GuestRoot}{(ReadOnly ? ":ro" : "")}";
}
