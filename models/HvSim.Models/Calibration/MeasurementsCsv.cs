using System.Globalization;
using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// Reads the measurements CSV of `hvsim calibrate` (models/README.md). Header: name,ns,weight,events.
/// Rows by what the ns column holds:
/// <list type="bullet">
/// <item>a number: a measured operation — ns per occurrence, the weight of its squared relative
/// error (empty: 1), and its events, space-separated Kind@layer@platform=count (one occurrence;
/// a count may be fractional, or negative for a difference of two runs);</item>
/// <item>empty: an experiment with events but no time (weight empty), for relations to name;</item>
/// <item>ratio=R: a relation time(A) = R × time(B), weight, and "A / B" in the events column.</item>
/// </list>
/// Blank lines and lines starting with # are ignored.
/// </summary>
public static class MeasurementsCsv
{
    public const string Header = "name,ns,weight,events";

    public static MeasurementSet Load(string path)
    {
        string text = InputFile.ReadAllText(path);
        return Parse(text, Path.GetFileName(path));
    }

    public static MeasurementSet Parse(string text, string source)
    {
        var experiments = new List<Experiment>();
        var targets = new List<Target>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool headerSeen = false;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string where = $"{source}:{i + 1}";
            List<string> fields = CsvFields.Split(line) ?? throw new ModelInputException($"{where}: unterminated quote");
            if (!headerSeen)
            {
                if (string.Join(",", fields) != Header)
                {
                    throw new ModelInputException($"{where}: the first line must be the header '{Header}'");
                }
                headerSeen = true;
                continue;
            }
            if (fields.Count != 4)
            {
                throw new ModelInputException($"{where}: expected 4 fields ({Header}), found {fields.Count}");
            }
            (string name, string ns, string weight, string events) = (fields[0], fields[1], fields[2], fields[3]);
            CheckName(name, where);
            if (!names.Add(name))
            {
                throw new ModelInputException($"{where}: the name '{name}' is used by an earlier row");
            }
            if (ns.StartsWith("ratio=", StringComparison.Ordinal))
            {
                double ratio = Number(ns["ratio=".Length..], "ratio", where);
                string[] pair = events.Split('/');
                if (pair.Length != 2 || pair[0].Trim().Length == 0 || pair[1].Trim().Length == 0)
                {
                    throw new ModelInputException($"{where}: a ratio row's events column is 'A / B' (two row names), not '{events}'");
                }
                targets.Add(new RelationTarget(name, pair[0].Trim(), ratio, pair[1].Trim(), Weight(weight, where)));
                continue;
            }
            experiments.Add(new Experiment(name, Events(events, where)));
            if (ns.Length == 0)
            {
                if (weight.Length != 0)
                {
                    throw new ModelInputException($"{where}: a row without a time is an experiment only and takes no weight");
                }
                continue;
            }
            targets.Add(new MeasuredTarget(name, name, Number(ns, "ns", where), Weight(weight, where)));
        }
        if (!headerSeen)
        {
            throw new ModelInputException($"{source}: empty (expected the header '{Header}' and rows)");
        }
        if (targets.Count == 0)
        {
            throw new ModelInputException($"{source}: no measured row and no ratio row: nothing to fit");
        }
        return new MeasurementSet(source, experiments, targets);
    }

    private static Dictionary<PriceKey, double> Events(string text, string where)
    {
        var counts = new Dictionary<PriceKey, double>();
        foreach (string token in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = token.LastIndexOf('=');
            if (equals < 0)
            {
                throw new ModelInputException($"{where}: '{token}' is not Kind@layer@platform=count");
            }
            PriceKey key = PriceKey.Parse(token[..equals], where);
            double count = Number(token[(equals + 1)..], $"count of {key}", where, allowNegative: true);
            if (!counts.TryAdd(key, count))
            {
                throw new ModelInputException($"{where}: {key} is counted twice in one row");
            }
        }
        if (counts.Count == 0)
        {
            throw new ModelInputException($"{where}: no events (expected Kind@layer@platform=count ...)");
        }
        return counts;
    }

    private static double Weight(string text, string where) => text.Length == 0 ? 1 : Number(text, "weight", where);

    private static double Number(string text, string what, string where, bool allowNegative = false)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || (value < 0 && !allowNegative))
        {
            throw new ModelInputException($"{where}: {what} '{text}' is not a number{(allowNegative ? "" : " >= 0")}");
        }
        return value;
    }

    private static void CheckName(string name, string where)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c is '/' or '=' or '@'))
        {
            throw new ModelInputException($"{where}: a row needs a name without spaces, '/', '=' or '@', not '{name}'");
        }
    }
}
