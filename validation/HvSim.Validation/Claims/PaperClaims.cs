using System.Reflection;

namespace HvSim.Validation.Claims;

/// <summary>Whether a claim may be fitted (calibration) or must be predicted (holdout).</summary>
public enum ClaimRole
{
    Calibration,
    Holdout,
}

/// <summary>One row of validation/paper/claims.csv (a copy of the paper's, embedded).</summary>
public sealed record PaperClaim(string Id, string Source, string Quantity, string PaperValue, ClaimRole Role);

/// <summary>The paper's quantitative claims, read from the embedded validation/paper/claims.csv.</summary>
public static class PaperClaims
{
    private const string Resource = "HvSim.Validation.paper.claims.csv";

    public static IReadOnlyList<PaperClaim> All { get; } = Parse(ReadResource());

    public static PaperClaim Get(string id) => All.First(c => c.Id == id);

    public static IReadOnlyList<PaperClaim> Parse(string text)
    {
        var claims = new List<PaperClaim>();
        bool header = false;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            List<string> fields = HvSim.Models.Calibration.CsvFields.Split(line) ?? throw new FormatException($"claims.csv: unterminated quote: {line}");
            if (!header)
            {
                header = true;
                continue;
            }
            if (fields.Count != 5)
            {
                throw new FormatException($"claims.csv: expected 5 fields (id,source,quantity,paper_value,role): {line}");
            }
            ClaimRole role = fields[4] == RoleName(ClaimRole.Calibration) ? ClaimRole.Calibration
                : fields[4] == RoleName(ClaimRole.Holdout) ? ClaimRole.Holdout
                : throw new FormatException($"claims.csv: unknown role '{fields[4]}'");
            claims.Add(new PaperClaim(fields[0], fields[1], fields[2], fields[3], role));
        }
        return claims;
    }

    /// <summary>A role as claims.csv spells it, and as every table, CSV and JSON we write spells it.</summary>
    public static string RoleName(ClaimRole role) => role == ClaimRole.Calibration ? "calibration" : "holdout";

    private static string ReadResource()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"embedded resource {Resource} missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
