using System.Globalization;
using System.Text;
using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// The human report of a calibration: fitted prices (with their prior and how far the data fixes
/// them), the residual of every target, the condition of the problem, and the contradictions.
/// </summary>
public static class CalibrationText
{
    /// <summary>Null-space directions shown at most (the rest are summarised by their count).</summary>
    public const int MaxDirections = 12;

    public static string Format(CalibrationResult result)
    {
        var text = new StringBuilder();
        if (!result.Converged)
        {
            text.AppendLine(Inv($"warning: the fit had not settled after {result.Passes} passes: the prices below are the best found"));
        }
        AppendDetermination(text, result);
        AppendPrices(text, result);
        AppendResiduals(text, result);
        AppendCondition(text, result.Condition);
        AppendContradictions(text, result.Contradictions);
        return text.ToString();
    }

    /// <summary>What the rows determine, first: a fit is only worth the prices it pins down.</summary>
    private static void AppendDetermination(StringBuilder text, CalibrationResult result)
    {
        ConditionReport c = result.Condition;
        text.AppendLine(Inv($"determination: {result.Prices.Count} free prices, numerical rank {c.Rank}, condition number {c.ConditionNumber:0.###e+0}; {result.Problem.Fixed.Count} prices held fixed (sourced or measured)"));
        IReadOnlyList<FittedPrice> undetermined = result.Undetermined;
        text.AppendLine(undetermined.Count == 0
            ? "  every free price is determined by the rows"
            : $"  NOT determined by the rows ({undetermined.Count}): {string.Join(", ", undetermined.Select(p => p.Key))}");
        if (result.Problem.Fixed.Count > 0)
        {
            text.AppendLine($"  held fixed: {string.Join(", ", result.Problem.Fixed.Keys.OrderBy(k => k, Comparer<PriceKey>.Create(PriceKey.Compare)).Select(k => Inv($"{k}={PriceKey.FormatNs(result.Problem.Fixed[k])}")))}");
        }
    }

    private static void AppendPrices(StringBuilder text, CalibrationResult result)
    {
        int determined = result.Prices.Count(p => p.Determination == Determination.Determined);
        int partly = result.Prices.Count(p => p.Determination == Determination.PartlyDetermined);
        int undetermined = result.Prices.Count - determined - partly;
        text.AppendLine(Inv($"fitted prices ({result.Prices.Count}: {determined} determined by the targets, {partly} partly, {undetermined} not):"));
        int width = Math.Max(32, result.Prices.Select(p => p.Key.ToString().Length).DefaultIfEmpty(0).Max() + 2);
        text.AppendLine(Inv($"  {"price".PadRight(width)}{"ns",12}{"prior ns",12}{"null share",12}  status"));
        foreach (FittedPrice price in result.Prices)
        {
            string prior = price.Prior is null ? "-" : PriceKey.FormatNs(price.Prior.Ns);
            string status = price.Determination switch
            {
                Determination.Determined => "determined",
                Determination.PartlyDetermined => "partly determined",
                _ when price.Prior is null => "NOT determined, no prior: arbitrary",
                _ => price.NullSpaceShare > 0.999 ? "NOT determined: rests on its prior" : "NOT determined alone: rests mostly on its prior",
            };
            text.AppendLine(Inv($"  {price.Key.ToString().PadRight(width)}{PriceKey.FormatNs(price.Ns),12}{prior,12}{price.NullSpaceShare,12:0.000}  {status}"));
        }
    }

    private static void AppendResiduals(StringBuilder text, CalibrationResult result)
    {
        text.AppendLine("residuals per target (achieved - wanted):");
        int width = Math.Max(24, result.Residuals.Select(r => r.Target.Name.Length).DefaultIfEmpty(0).Max() + 2);
        text.AppendLine(Inv($"  {"target".PadRight(width)}{"weight",8}{"wanted",16}{"achieved",16}{"abs ns",14}{"relative",10}"));
        foreach (TargetResidual r in result.Residuals)
        {
            bool ratio = r.Target is RelationTarget;
            string wanted = ratio ? Inv($"ratio {r.Wanted:0.####}") : Inv($"{r.Wanted:0.###} ns");
            string achieved = ratio ? Inv($"ratio {r.Achieved:0.####}") : Inv($"{r.Achieved:0.###} ns");
            text.AppendLine(Inv($"  {r.Target.Name.PadRight(width)}{r.Target.Weight,8:0.###}{wanted,16}{achieved,16}{r.AbsoluteNs,14:0.###}{Percent(r.Relative),10}"));
        }
        if (result.Residuals.Any(r => r.Target is RelationTarget && double.IsNaN(r.Achieved)))
        {
            text.AppendLine("  (ratio n/a: time(B) is 0 at the fit — nothing fixes the scale; add a measured row or a prior)");
        }
    }

    private static void AppendCondition(StringBuilder text, ConditionReport condition)
    {
        text.AppendLine("condition of the weighted target matrix (priors left out; columns scaled to unit length, so units do not matter):");
        text.AppendLine(Inv($"  singular values: {string.Join(" ", condition.SingularValues.Select(s => s.ToString("0.###e+0", CultureInfo.InvariantCulture)))}"));
        text.AppendLine(Inv($"  numerical rank {condition.Rank} of {condition.Prices} prices; condition number {condition.ConditionNumber:0.###e+0}"));
        if (condition.Rank == condition.Prices)
        {
            text.AppendLine("  every price is determined by the targets");
            return;
        }
        if (condition.Unused.Count > 0)
        {
            text.AppendLine($"  no target involves (they rest on their priors, if any): {string.Join(", ", condition.Unused)}");
        }
        if (condition.NullDirections.Count > 0)
        {
            text.AppendLine("  null space (each line: raise the first price by 1 ns and change the others as shown, and no target sees it):");
            foreach (IReadOnlyList<(PriceKey Key, double Component)> direction in condition.NullDirections.Take(MaxDirections))
            {
                text.AppendLine("    " + string.Join("  ", direction.Take(6).Select(c => $"{Signed(c.Component)} {c.Key}")) + (direction.Count > 6 ? $"  ... ({direction.Count - 6} more)" : ""));
            }
            if (condition.NullDirections.Count > MaxDirections)
            {
                text.AppendLine(Inv($"    ... and {condition.NullDirections.Count - MaxDirections} more directions"));
            }
        }
    }

    private static void AppendContradictions(StringBuilder text, ContradictionReport report)
    {
        if (!report.Any)
        {
            text.AppendLine(Inv($"contradictions: none (fitted alone, with the priors weakened, every target holds within {report.Tolerance:0.##%})"));
        }
        else
        {
            text.AppendLine(Inv($"contradictions: these targets cannot hold together (relative residual when the targets are fitted alone, priors weakened; tolerance {report.Tolerance:0.##%}):"));
            foreach (TargetResidual r in report.Contradicted)
            {
                text.AppendLine(Inv($"  {r.Target.Name}: {Percent(r.Relative)}"));
            }
            text.AppendLine(report.ResolvedByDropping.Count == 0
                ? "  no single one of them can be dropped to let the others hold"
                : $"  dropping any one of these alone lets the others hold: {string.Join(", ", report.ResolvedByDropping)}");
        }
        if (report.HeldByPriors.Count > 0)
        {
            text.AppendLine($"held back by the priors (these miss here but hold when the targets are fitted alone): {string.Join(", ", report.HeldByPriors.Select(r => $"{r.Target.Name} {Percent(r.Relative)}"))}");
        }
        if (report.MovedAlone.Count > 0)
        {
            text.AppendLine("the targets alone would move these prices furthest from their priors:");
            foreach ((PriceKey key, double prior, double alone) in report.MovedAlone)
            {
                text.AppendLine(Inv($"  {key}: {PriceKey.FormatNs(prior)} -> {PriceKey.FormatNs(alone)} ns"));
            }
        }
    }

    /// <summary>A null-direction component with four significant digits and its sign ("+1", "-0.0001221").</summary>
    private static string Signed(double value) => (value >= 0 ? "+" : "-") + Math.Abs(value).ToString("G4", CultureInfo.InvariantCulture);

    private static string Percent(double relative) => double.IsNaN(relative)
        ? "n/a"
        : relative.ToString("+0.00%;-0.00%;0.00%", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
