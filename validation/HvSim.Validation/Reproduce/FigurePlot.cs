using ScottPlot;

namespace HvSim.Validation.Reproduce;

/// <summary>A figure as a PNG (ScottPlot 5): lines with markers over x, or grouped bars over categories.</summary>
public static class FigurePlot
{
    public const int Width = 800, Height = 500;

    public static void SavePng(FigureData d, string path)
    {
        using var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(d.Title, size: 14);
        plot.XLabel(d.XLabel);
        plot.YLabel(d.YLabel);
        var palette = new ScottPlot.Palettes.Category10();
        plot.Axes.AutoScale();
        if (d.Kind == FigureKind.Line)
        {
            Lines(plot, d, palette);
        }
        else
        {
            Bars(plot, d, palette);
        }
        // Times, sizes and speedups all start from 0, as the paper's axes do.
        double top = d.Series.SelectMany(s => s.Points).Select(p => p.Y).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsY(0, top > 0 ? top * 1.15 : 1);
        plot.SavePng(path, Width, Height);
    }

    private static void Lines(Plot plot, FigureData d, IPalette palette)
    {
        // Series that share a technique share a colour; the second parameter (WPP, CDA) changes the marker and the dash.
        string[] techniques = d.Series.Select(s => s.Name.Split(' ')[0]).Distinct().ToArray();
        MarkerShape[] markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle];
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
        var seen = new Dictionary<string, int>();
        foreach (FigureSeries s in d.Series)
        {
            string technique = s.Name.Split(' ')[0];
            int variant = seen[technique] = seen.TryGetValue(technique, out int n) ? n + 1 : 0;
            var scatter = plot.Add.Scatter(s.Points.Select(p => p.X).ToArray(), s.Points.Select(p => p.Y).ToArray(), palette.GetColor(Array.IndexOf(techniques, technique)));
            scatter.LegendText = s.Name;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
            scatter.MarkerShape = markers[variant % markers.Length];
            scatter.LinePattern = patterns[variant % patterns.Length];
        }
        foreach (FigureMarker marker in d.Markers)
        {
            var line = plot.Add.VerticalLine(marker.X, 1.5f, Colors.Gray, LinePattern.Dashed);
            line.LegendText = marker.Label;
        }
        plot.Axes.AutoScale();
        plot.ShowLegend(Alignment.UpperLeft);
    }

    private static void Bars(Plot plot, FigureData d, IPalette palette)
    {
        int groups = d.Series.Count;
        double width = 0.8 / groups;
        for (int si = 0; si < groups; si++)
        {
            FigureSeries s = d.Series[si];
            Color color = palette.GetColor(si);
            Bar[] bars = s.Points.Select(p => new Bar
            {
                Position = p.X + ((si - ((groups - 1) / 2.0)) * width),
                Value = p.Y,
                Size = width,
                // One series (Figure 10): a colour per category, as the paper's bars.
                FillColor = groups == 1 ? palette.GetColor((int)p.X) : color,
                LineWidth = 0,
            }).ToArray();
            plot.Add.Bars(bars);
            if (groups > 1)
            {
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = s.Name, FillColor = color });
            }
        }
        double[] positions = Enumerable.Range(0, d.Categories.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, d.Categories.ToArray());
        if (d.Categories.Count > 6)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.MinimumSize = 110;
        }
        plot.Axes.SetLimitsX(-0.6, d.Categories.Count - 0.4);
        if (groups > 1)
        {
            // Outside the data area: the bars fill it.
            plot.ShowLegend(Edge.Right);
        }
    }
}
