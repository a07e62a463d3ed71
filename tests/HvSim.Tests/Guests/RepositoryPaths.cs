namespace HvSim.Tests.Guests;

/// <summary>Finds files of the repository from the test's output directory.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Guest(string name) => Path.Combine(Root, "guests", "bin", name);

    private static string FindRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "HvSim.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }
        return directory ?? throw new InvalidOperationException("HvSim.sln not found above the test directory");
    }
}
