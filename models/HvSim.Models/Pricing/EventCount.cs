using HvSim.Core;

namespace HvSim.Models.Pricing;

/// <summary>
/// How many times an event of a kind happened in a layer during one run. With a
/// <see cref="Subkind"/> (a hypercall's name) it is a part of the kind's total, which a run also
/// lists: the parts are priced by their own prices where a profile has them, the rest of the
/// total by the kind's price (<see cref="Pricer"/>).
/// </summary>
public readonly record struct EventCount(EventKind Kind, Layer Layer, long Count, string? Subkind = null)
{
    /// <summary>"Hypercall.mmu_update" or "Hypercall": the kind as it was counted.</summary>
    public string KindName => CountedKindName.Of(Kind, Subkind);
}
