namespace HvSim.Core;

/// <summary>
/// A counted kind as written in runs, profiles and reports: "Hypercall" or, for one named part of
/// it, "Hypercall.mmu_update". The one home of that spelling (the cost model's PriceKey reads it back).
/// </summary>
public static class CountedKindName
{
    public static string Of(EventKind kind, string? subkind) => subkind is null ? kind.ToString() : $"{kind}.{subkind}";
}
