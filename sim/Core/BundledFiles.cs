namespace HvSim.Core;

/// <summary>
/// Finds the files HvSim ships beside its code — the prebuilt guests (guests/bin) and the cost
/// profiles (models/profiles) — by their path relative to the repository root: in $HVSIM_HOME when
/// it is set (and nowhere else: a wrong home should fail, not fall back), else upwards from the
/// program's own directory (a build inside the repository, or an installed .NET tool, which carries
/// them in its directory), else upwards from the current directory.
/// </summary>
public static class BundledFiles
{
    /// <summary>The environment variable that names the directory holding guests/ and models/.</summary>
    public const string HomeVariable = "HVSIM_HOME";

    /// <summary>The full path of <paramref name="relativePath"/> (e.g. "guests/bin/micro"), or null when it is nowhere.</summary>
    public static string? Find(string relativePath)
    {
        string? home = Environment.GetEnvironmentVariable(HomeVariable);
        if (!string.IsNullOrEmpty(home))
        {
            string candidate = Path.Combine(Path.GetFullPath(home), relativePath);
            return File.Exists(candidate) ? candidate : null;
        }

        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (string? directory = start; directory is not null; directory = Path.GetDirectoryName(directory))
            {
                string candidate = Path.Combine(directory, relativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The name a bundled guest runs under, its argv[0] and exec file name (AT_EXECFN), whatever
    /// directory it was found in: the initial stack holds both strings, so a host path would move the
    /// stack, and with it the pages a run touches, with the place HvSim is installed or cloned.
    /// </summary>
    public static string GuestRunName(string path) => Path.GetFileName(path);

    /// <summary>Where <see cref="Find"/> looked, for an error message.</summary>
    public static string SearchedPlaces()
    {
        string? home = Environment.GetEnvironmentVariable(HomeVariable);
        return string.IsNullOrEmpty(home)
            ? $"above {AppContext.BaseDirectory.TrimEnd('/')} and the current directory; set {HomeVariable} to the directory holding guests/ and models/"
            : $"in {HomeVariable}={home}";
    }
}
