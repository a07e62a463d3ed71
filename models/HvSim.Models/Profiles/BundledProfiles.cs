namespace HvSim.Models.Profiles;

/// <summary>
/// Finds a profile given on the command line: a path to a JSON file, or the bare name of a profile
/// in models/profiles/ (e.g. "prior-xen-4.1-pv"), found as every bundled file is (<see cref="HvSim.Core.BundledFiles"/>).
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
            if (HvSim.Core.BundledFiles.Find(Path.Combine(Directory, file)) is string found)
            {
                return found;
            }
        }
        throw new ModelInputException(bareName
            ? $"profile '{nameOrPath}': no such file, and no {Directory}/{nameOrPath}.json {HvSim.Core.BundledFiles.SearchedPlaces()} (give a path or a bundled profile's name)"
            : $"profile {nameOrPath}: no such file");
    }
}
