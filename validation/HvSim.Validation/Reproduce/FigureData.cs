namespace HvSim.Validation.Reproduce;

/// <summary>How a figure is drawn: lines over a numeric x axis, or grouped bars over categories.</summary>
public enum FigureKind
{
    Line,
    Bar,
}

/// <summary>One point of a series: x is the axis value (line) or the category's index (bar).</summary>
public readonly record struct FigurePoint(double X, double Y);

public sealed record FigureSeries(string Name, IReadOnlyList<FigurePoint> Points);

/// <summary>A vertical mark on a line figure (e.g. Figure 8's break-even WPP).</summary>
public sealed record FigureMarker(double X, string Label);

/// <summary>
/// One figure of the paper as we reproduce it: its data (CSV), how it is drawn (PNG), and what it
/// shows (report.md).
/// </summary>
/// <param name="Id">The file name stem: fig06, fig08a, ...</param>
/// <param name="Title">The paper's caption.</param>
/// <param name="XLabel">The x axis (line) or the category column's name (bar).</param>
/// <param name="YLabel">The y axis, with its unit.</param>
/// <param name="Unit">The unit of every y value, short (s, MB, x).</param>
public sealed record FigureData(string Id, string Title, string XLabel, string YLabel, string Unit, FigureKind Kind, IReadOnlyList<FigureSeries> Series)
{
    /// <summary>Bar figures: the categories, in order (a point's X is an index into them).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<FigureMarker> Markers { get; init; } = [];

    /// <summary>One line: what the figure shows (its axes and series).</summary>
    public string Shows { get; init; } = "";

    /// <summary>What our numbers say, one line (computed from the data: slopes, crossings, means).</summary>
    public string Finding { get; init; } = "";

    /// <summary>Every x of every series, ascending (line figures: the CSV's rows).</summary>
    public IReadOnlyList<double> Xs => Series.SelectMany(s => s.Points).Select(p => p.X).Distinct().Order().ToArray();

    /// <summary>The y of <paramref name="series"/> at <paramref name="x"/>, or null.</summary>
    public double? Y(FigureSeries series, double x) =>
        series.Points.Where(p => p.X == x).Select(p => (double?)p.Y).FirstOrDefault();
}
