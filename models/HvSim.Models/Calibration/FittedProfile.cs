using System.Globalization;
using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// Turns a calibration into a profile: the fitted prices with provenance "fitted" (source: the
/// measurements file and the targets that involve each price), and every price of the prior
/// profile the calibration did not touch, unchanged, so the profile still prices every event.
/// A price the targets did not determine at all keeps its prior's provenance and says so.
/// </summary>
public static class FittedProfile
{
    public static CostProfile Build(CalibrationResult result, string name, string description, string measurements, CostProfile? prior)
    {
        var fittedByKey = result.Prices.ToDictionary(p => p.Key, p => ToPrice(p, measurements, prior));
        var prices = new List<Price>();
        if (prior is not null)
        {
            foreach (Price price in prior.Prices)
            {
                prices.Add(fittedByKey.Remove(price.Key, out Price? fitted) ? fitted : price);
            }
        }
        prices.AddRange(fittedByKey.Values.OrderBy(p => p.Key, Comparer<PriceKey>.Create(PriceKey.Compare)));
        return new CostProfile(name, description, prices);
    }

    private static Price ToPrice(FittedPrice fitted, string measurements, CostProfile? prior)
    {
        Price? priorPrice = prior?.Resolve(fitted.Key);
        string share = fitted.NullSpaceShare.ToString("0.###", CultureInfo.InvariantCulture);
        if (fitted.Determination == Determination.Undetermined && fitted.NullSpaceShare > 0.999 && priorPrice is not null)
        {
            string note = $"{priorPrice.Provenance.Note} Not determined by {measurements} (null-space share {share}): kept at its prior from profile '{prior!.Name}'.".Trim();
            return new Price(fitted.Key, fitted.Ns, priorPrice.Provenance with { Note = note });
        }
        string source = fitted.Targets.Count == 0
            ? $"{measurements} (no row involves it)"
            : $"{measurements}: {string.Join(", ", fitted.Targets)}";
        string how = fitted.Determination switch
        {
            Determination.Determined => "Determined by the rows.",
            Determination.PartlyDetermined => $"Partly determined (null-space share {share}): the rows fix combinations with other prices and the prior settles the rest.",
            // At the bound the prior did not settle it: the rows pushed it to 0 ns along a combination they do not see.
            _ when fitted.Ns <= 0 => $"NOT determined by the rows (null-space share {share}), and at the bound: the rows pushed it to 0 ns along a combination they cannot see, against its prior.",
            _ => $"NOT determined by the rows (null-space share {share}): rests on its prior.",
        };
        string priorText = fitted.Prior is null || priorPrice is null
            ? (fitted.Determination == Determination.Determined ? "" : " No prior: the value is arbitrary within what the rows allow.")
            : $" Prior {PriceKey.FormatNs(fitted.Prior.Ns)} ns ({Provenance.BasisName(priorPrice.Provenance.Basis)}, {priorPrice.Provenance.Source}) from profile '{prior!.Name}'."
              // Said even when the rows determine it: a row may itself be an anchor at the prior's value.
              + (priorPrice.Provenance.Note.Contains("unverified", StringComparison.OrdinalIgnoreCase)
                  ? " That prior rests on an unverified recollection ([R])."
                  : "");
        return new Price(fitted.Key, fitted.Ns, new Provenance(ProvenanceBasis.Fitted, source, how + priorText,
            Determined: fitted.Determination == Determination.Determined));
    }
}
