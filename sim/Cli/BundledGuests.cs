using HvSim.Core;

namespace HvSim.Cli;

/// <summary>The prebuilt guests in guests/bin, as every command finds them (<see cref="BundledFiles"/>).</summary>
public static class BundledGuests
{
    /// <summary>The full path of the bundled guest <paramref name="name"/>; a usage error (status 2) when it is nowhere.</summary>
    public static string Find(string name) =>
        BundledFiles.Find(Path.Combine("guests", "bin", name))
        ?? throw new UsageException($"bundled guest {name} not found {BundledFiles.SearchedPlaces()}");

    /// <summary>The directory of the bundled guests (where the micro guest is).</summary>
    public static string Directory => Path.GetDirectoryName(Find(MicroCommand.GuestName))!;
}
