namespace HvSim.Models.Profiles;

/// <summary>How a price came to be (DESIGN.md: provenance per price).</summary>
public enum ProvenanceBasis
{
    /// <summary>Measured directly on a real machine (guests/measure), with the rows it came from.</summary>
    Measured,
    /// <summary>Fitted by calibration to measurements or to the paper's claims.</summary>
    Fitted,
    /// <summary>Chosen by hand, possibly derived from a source; the weakest basis (never in the default profile).</summary>
    Assumed,
    /// <summary>A public measurement of the same primitive on comparable hardware, converted to the paper's machine, with the range it supports.</summary>
    Sourced,
}

/// <summary>The interval a source (or a measurement's spread) supports for a price, in the price's units.</summary>
public readonly record struct PriceRange(double Low, double High)
{
    public bool Contains(double ns) => ns >= Low && ns <= High;

    public override string ToString() => $"[{PriceKey.FormatNs(Low)}, {PriceKey.FormatNs(High)}]";
}

/// <summary>
/// Where a price comes from: its basis, a source (a publication with its table and hardware, a CSV
/// and its rows) and a note on how the figure was derived. A sourced price carries the
/// <see cref="Range"/> its source supports (a measured one may); a fitted one says whether the
/// calibration rows <see cref="Determined"/> it. A price resting on an [R] row (an unverified
/// recollection) must say so in its note.
/// </summary>
public sealed record Provenance(ProvenanceBasis Basis, string Source, string Note = "", PriceRange? Range = null, bool? Determined = null)
{
    public static string BasisName(ProvenanceBasis basis) => basis switch
    {
        ProvenanceBasis.Measured => "measured",
        ProvenanceBasis.Fitted => "fitted",
        ProvenanceBasis.Sourced => "sourced",
        _ => "assumed",
    };

    /// <summary>Whether calibration holds the price at its value (sourced and measured) rather than fitting it.</summary>
    public bool IsFixed => Basis is ProvenanceBasis.Sourced or ProvenanceBasis.Measured;

    public static bool TryParseBasis(string name, out ProvenanceBasis basis)
    {
        foreach (ProvenanceBasis candidate in Enum.GetValues<ProvenanceBasis>())
        {
            if (BasisName(candidate) == name)
            {
                basis = candidate;
                return true;
            }
        }
        basis = default;
        return false;
    }

    public static string ExpectedBases => "sourced, measured, fitted or assumed";
}
