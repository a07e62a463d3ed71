namespace HvSim.Validation.Reproduce;

/// <summary>
/// A figure as CSV, one row per x (line figures: the x value; bar figures: the category) and one
/// column per series, named "series [unit]"; every value column is a number.
/// </summary>
public static class FigureCsv
{
    public static string Text(FigureData d)
    {
        var text = new System.Text.StringBuilder();
        text.Append(Csv.Line([Csv.Field(KeyColumn(d)), .. d.Series.Select(s => Csv.Field($"{s.Name} [{d.Unit}]"))]));
        if (d.Kind == FigureKind.Bar)
        {
            for (int i = 0; i < d.Categories.Count; i++)
            {
                text.Append(Csv.Line([Csv.Field(d.Categories[i]), .. d.Series.Select(s => Value(d, s, i))]));
            }
        }
        else
        {
            foreach (double x in d.Xs)
            {
                text.Append(Csv.Line([Csv.Number(x), .. d.Series.Select(s => Value(d, s, x))]));
            }
        }
        return text.ToString();
    }

    /// <summary>The key column's name: the x label's first word, lower case (ppt, tsize, wpp, operation, technique).</summary>
    public static string KeyColumn(FigureData d) => d.XLabel.Split(' ', 2)[0].ToLowerInvariant();

    private static string Value(FigureData d, FigureSeries s, double x) => d.Y(s, x) is double y ? Csv.Value(y) : "";
}
