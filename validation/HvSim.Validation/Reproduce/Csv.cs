using System.Globalization;

namespace HvSim.Validation.Reproduce;

/// <summary>RFC 4180 fields and invariant-culture numbers (shortest round-trip form): the same run gives the same bytes anywhere.</summary>
public static class Csv
{
    public static string Field(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    public static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A measured value to 7 significant digits (the simulator's per-transaction averages carry no more).</summary>
    public static string Value(double value) => value.ToString("G7", CultureInfo.InvariantCulture);

    public static string Line(IEnumerable<string> fields) => string.Join(',', fields) + "\n";
}
