using HvSim.Core;
using HvSim.Models.Profiles;

namespace HvSim.Models.Pricing;

/// <summary>One (kind or subkind, layer) of a run with the price that applied and the time it contributes.</summary>
public sealed record PricedEvent(EventKind Kind, Layer Layer, long Count, Price Price, string? Subkind = null)
{
    public double Ns => Count * Price.Ns;

    /// <summary>"Hypercall.mmu_update" or "Hypercall": the kind as it was counted.</summary>
    public string KindName => CountedKindName.Of(Kind, Subkind);
}
