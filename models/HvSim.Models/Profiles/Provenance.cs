namespace HvSim.Models.Profiles;

/// <summary>How a price came to be (DESIGN.md: provenance per price).</summary>
public enum ProvenanceBasis
{
    /// <summary>Measured directly on a real machine.</summary>
    Measured,
    /// <summary>Fitted by calibration to measurements or to the paper's claims.</summary>
    Fitted,
    /// <summary>Chosen by hand, possibly derived from a source; the weakest basis.</summary>
    Assumed,
}

/// <summary>
/// Where a price comes from: its basis, a source (a row of ../shared/calibration/sources.md, a CSV
/// and its rows, a paper) and a note on how the figure was derived. A price resting on an [R] row
/// (an unverified recollection) must say so in its note.
/// </summary>
public sealed record Provenance(ProvenanceBasis Basis, string Source, string Note = "")
{
    public static string BasisName(ProvenanceBasis basis) => basis switch
    {
        ProvenanceBasis.Measured => "measured",
        ProvenanceBasis.Fitted => "fitted",
        _ => "assumed",
    };

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
}
