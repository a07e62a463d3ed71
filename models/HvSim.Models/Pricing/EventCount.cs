using HvSim.Core;

namespace HvSim.Models.Pricing;

/// <summary>How many times an event of a kind happened in a layer during one run.</summary>
public readonly record struct EventCount(EventKind Kind, Layer Layer, long Count);
