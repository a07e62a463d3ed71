namespace HvSim.Models.Profiles;

/// <summary>
/// Finds a profile given on the command line: a path to a JSON file, or the bare name of a profile
/// in models/profiles/ (e.g. "prior-xen-4.1-pv"), looked for upwards from the program's directory
/// and then from the current one, as the bundled guests are.
/// </summary>
public static class BundledProfiles
{
    public const string Directory = "models/profiles";

    public static CostProfile Load(string nameOrPath) => ProfileJson.Load(Locate(nameOrPath));

    public static string Locate(string nameOrPath)
    {
        if (File.Exists(nameOrPath))
        {
            return nameOrPath;
        }
        bool bareName = nameOrPath.IndexOfAny(['/', '\\']) < 0;
        if (bareName)
        {
            string file = nameOrPath.EndsWith(".json", StringComparison.Ordinal) ? nameOrPath : nameOrPath + ".json";
            foreach (string start in new[] { AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory() })
            {
                for (string? directory = start; directory is not null; directory = Path.GetDirectoryName(directory))
                {
                    string candidate = Path.Combine(directory, Directory, file);
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }
        }
        throw new ModelInputException(bareName
            ? $"profile '{nameOrPath}': no such file, and no {Directory}/{nameOrPath}.json found (give a path or a bundled profile's name)"
            : $"profile {nameOrPath}: no such file");
    }
}
