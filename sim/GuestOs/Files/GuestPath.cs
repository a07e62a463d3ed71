namespace HvSim.GuestOs.Files;

/// <summary>
/// A guest path normalised in the guest's own namespace: absolute, "." and empty components
/// dropped, ".." removing the component before it (and staying at "/" at the top, as Linux does).
/// Lexical normalisation is exact here because mounts never follow symbolic links
/// (<see cref="MountTable"/>), so a ".." always means the directory named before it.
/// </summary>
public static class GuestPath
{
    /// <summary>PATH_MAX: a path of this many bytes or more (with its NUL) is ENAMETOOLONG.</summary>
    public const int MaxPathBytes = 4096;

    /// <summary>NAME_MAX: the longest single component.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// The components of <paramref name="path"/>, relative paths taken from
    /// <paramref name="baseComponents"/> (the directory of a dirfd, or the root for the cwd).
    /// Null with <paramref name="error"/> set for an empty path (ENOENT) or an over-long name.
    /// </summary>
    public static List<string>? Normalise(IReadOnlyList<string> baseComponents, string path, out Linux.Errno error)
    {
        error = 0;
        if (path.Length == 0)
        {
            error = Linux.Errno.ENOENT;
            return null;
        }
        var components = new List<string>();
        if (path[0] != '/')
        {
            components.AddRange(baseComponents);
        }
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (System.Text.Encoding.UTF8.GetByteCount(part) > MaxNameBytes)
            {
                error = Linux.Errno.ENAMETOOLONG;
                return null;
            }
            if (part == "..")
            {
                if (components.Count > 0)
                {
                    components.RemoveAt(components.Count - 1);
                }
                continue;
            }
            if (part.Contains('\0'))
            {
                error = Linux.Errno.ENOENT; // cannot come from a C string; refused rather than passed to the host
                return null;
            }
            components.Add(part);
        }
        return components;
    }

    /// <summary>"/a/b" for ["a", "b"]; "/" for none.</summary>
    public static string Join(IReadOnlyList<string> components) => "/" + string.Join('/', components);
}
