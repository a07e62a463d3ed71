using System.Globalization;
using System.Text;
using HvSim.Core;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Models.Runs;

/// <summary>
/// The human report of a re-priced run: technique, platform, simulated time, the time per layer
/// and the five (kind, layer) pairs that take the most, with the counts and prices behind them, so
/// a reader can see at once which step of the path the total rests on.
/// </summary>
public static class RunPriceText
{
    public const int TopKinds = 5;

    public static string Format(RunRecord run, PricingResult price)
    {
        var text = new StringBuilder();
        string parameters = run.Parameters.Length == 0 ? "" : $" ({run.Parameters})";
        text.Append(Inv($"{run.Technique} on {run.Platform}{parameters}: {Ms(price.TotalNs)} ms simulated"));
        if (run.Transactions is long transactions)
        {
            text.Append(Inv($", {price.TotalNs / transactions / 1000.0:0.000} µs per transaction"));
        }
        text.AppendLine(price.IsComplete ? "" : " (a lower bound: some events are unpriced)");
        double total = price.TotalNs;
        foreach (Layer layer in Enum.GetValues<Layer>())
        {
            double ns = price.NsIn(layer);
            text.AppendLine(Inv($"  {LayerNames.Name(layer),-12}{Ms(ns),14} ms {Share(ns, total),7}"));
        }
        text.AppendLine(Inv($"  {"top kinds by time",-28}{"count",12}{"ns each",14}{"ms",14}{"share",8}"));
        foreach (PricedEvent e in price.Top(TopKinds))
        {
            string name = $"{e.KindName}@{LayerNames.Name(e.Layer)}";
            string each = PriceKey.FormatNs(e.Price.Ns) + EventUnits.PerSuffix(e.Kind);
            text.AppendLine(Inv($"  {name,-28}{e.Count,12}{each,14}{Ms(e.Ns),14}{Share(e.Ns, total),8}"));
        }
        foreach (EventCount missing in price.Unpriced)
        {
            text.AppendLine(Inv($"  unpriced: {missing.KindName}@{LayerNames.Name(missing.Layer)}@{run.Platform} x{missing.Count}: the profile has no price for it; its time is missing from the total"));
        }
        return text.ToString();
    }

    private static string Ms(double ns) => (ns / 1e6).ToString("0.000000", CultureInfo.InvariantCulture);

    private static string Share(double part, double total) => total > 0
        ? (part / total).ToString("0.0%", CultureInfo.InvariantCulture)
        : "-";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
