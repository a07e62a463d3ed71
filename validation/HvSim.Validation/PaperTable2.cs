using System.Globalization;
using System.Reflection;

namespace HvSim.Validation;

/// <summary>One row of the paper's Table 2: average writes and unique pages per transaction, OPT 1 and 5.</summary>
public sealed record PaperRow(string Structure, DsOperation Operation, double Opt1Writes, double Opt1Pages, double Opt5Writes, double Opt5Pages)
{
    public double Writes(long opt) => opt == 1 ? Opt1Writes : opt == 5 ? Opt5Writes : throw new ArgumentOutOfRangeException(nameof(opt), "the paper has OPT 1 and 5 only");

    public double Pages(long opt) => opt == 1 ? Opt1Pages : opt == 5 ? Opt5Pages : throw new ArgumentOutOfRangeException(nameof(opt), "the paper has OPT 1 and 5 only");
}

/// <summary>
/// The paper's Table 2 (validation/paper/table2.csv, embedded in this assembly; the file's header
/// comment says how it was cleaned from the text extraction). 20 rows in the paper's order.
/// </summary>
public static class PaperTable2
{
    private const string Resource = "HvSim.Validation.paper.table2.csv";

    public static IReadOnlyList<PaperRow> Rows { get; } = Parse(ReadResource());

    /// <summary>The CSV as committed, comments included.</summary>
    public static string Text => ReadResource();

    /// <summary>The row of (structure, operation), or null when the paper has none.</summary>
    public static PaperRow? Find(string structure, DsOperation operation) =>
        Rows.FirstOrDefault(r => r.Structure == structure && r.Operation == operation);

    /// <summary>Parses the CSV: '#' comment lines, one header line, then structure,operation,opt1_writes,opt1_pages,opt5_writes,opt5_pages.</summary>
    public static IReadOnlyList<PaperRow> Parse(string csv)
    {
        var rows = new List<PaperRow>();
        bool header = true;
        foreach (string raw in csv.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (header)
            {
                header = false;
                if (line != "structure,operation,opt1_writes,opt1_pages,opt5_writes,opt5_pages")
                {
                    throw new FormatException($"table2.csv: unexpected header '{line}'");
                }
                continue;
            }
            string[] f = line.Split(',');
            if (f.Length != 6 || !DataStructures.TryParse(f[1], out DsOperation operation))
            {
                throw new FormatException($"table2.csv: bad row '{line}'");
            }
            rows.Add(new PaperRow(f[0], operation, Number(f[2]), Number(f[3]), Number(f[4]), Number(f[5])));
        }
        return rows;
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string ReadResource()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"embedded resource {Resource} missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
