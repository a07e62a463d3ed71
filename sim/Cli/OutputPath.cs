namespace HvSim.Cli;

/// <summary>
/// Checks, before any work, that an output the user named can be written: a run of minutes must not
/// end in "cannot write" (issue 19). The check makes the directory (as the write would) and writes
/// and removes a probe file in it; a failure is one line naming the option, status 2.
/// </summary>
public static class OutputPath
{
    /// <summary>An output directory (reproduce --out).</summary>
    public static void CheckDirectory(string path, string option)
    {
        if (File.Exists(path))
        {
            throw new UsageException($"{option} {path}: is a file, not a directory");
        }

        Probe(path, option, () => Directory.CreateDirectory(path).FullName);
    }

    /// <summary>An output file (calibrate --out, claims --calibration-csv): its directory must take a new file.</summary>
    public static void CheckFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"{option} {path}: is a directory, not a file");
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Probe(path, option, () => Directory.Exists(directory) ? directory : throw new DirectoryNotFoundException($"no directory {directory}"));
    }

    private static void Probe(string path, string option, Func<string> directory)
    {
        try
        {
            string probe = Path.Combine(directory(), $".hvsim-write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path}: cannot write there ({e.Message})");
        }
    }
}
