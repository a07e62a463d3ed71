using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>
/// What one count of a kind is, hence what its price is per: Instruction counts instructions,
/// CopyBytes counts bytes (its price is ns per byte), every other kind counts occurrences.
/// </summary>
public static class EventUnits
{
    public static string Of(EventKind kind) => kind switch
    {
        EventKind.Instruction => "instruction",
        EventKind.CopyBytes => "byte",
        _ => "occurrence",
    };

    /// <summary>What a price is per, for a price column: "/byte" or "/instr", nothing for occurrences.</summary>
    public static string PerSuffix(EventKind kind) => kind switch
    {
        EventKind.Instruction => "/instr",
        EventKind.CopyBytes => "/byte",
        _ => "",
    };
}
