using System.Text;
using HvSim.Validation.Claims;

namespace HvSim.Cli;

/// <summary>
/// The claims as `claims` and `reproduce` print them: the profile and tolerance, how the bands were
/// made, one table row per claim (paper value, simulated value, error, pass, band), then what each
/// verdict rests on, then the pass counts.
/// </summary>
internal static class ClaimsConsole
{
    public static string Text(IReadOnlyList<ClaimResult> results, string profile, BandSummary? bands)
    {
        var text = new StringBuilder();
        text.Append($"claims of the paper under profile {profile}; {ClaimsTable.ToleranceText}\n");
        if (bands is not null)
        {
            text.Append(ClaimsTable.BandText(bands)).Append('\n');
        }
        var table = new ConsoleTable("id", "role", "paper", "simulated", ">error", "pass", "band");
        foreach (ClaimResult r in results)
        {
            table.AddRow(r.Claim.Id, PaperClaims.RoleName(r.Claim.Role), r.Claim.PaperValue, r.Simulated, ClaimsTable.ErrorText(r), r.Pass ? "yes" : "NO", ClaimsTable.BandRange(r));
        }
        text.Append(table.Render());
        text.Append("what each verdict rests on:\n");
        foreach (ClaimResult r in results)
        {
            IReadOnlyList<string> details = ClaimsTable.Details(r);
            text.Append($"{r.Claim.Id,-4} {details[0]}\n");
            foreach (string line in details.Skip(1))
            {
                text.Append($"     {line}\n");
            }
        }
        text.Append(ClaimsTable.Summary(results, bands)).Append('\n');
        return text.ToString();
    }
}
