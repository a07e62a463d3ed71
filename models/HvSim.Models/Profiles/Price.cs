namespace HvSim.Models.Profiles;

/// <summary>One price of a profile: nanoseconds per count of <see cref="PriceKey"/> (see <see cref="EventUnits"/>).</summary>
public sealed record Price(PriceKey Key, double Ns, Provenance Provenance);
