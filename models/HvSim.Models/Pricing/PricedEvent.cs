using HvSim.Core;
using HvSim.Models.Profiles;

namespace HvSim.Models.Pricing;

/// <summary>One (kind, layer) of a run with the price that applied and the time it contributes.</summary>
public sealed record PricedEvent(EventKind Kind, Layer Layer, long Count, Price Price)
{
    public double Ns => Count * Price.Ns;
}
