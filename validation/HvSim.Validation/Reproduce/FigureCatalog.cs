using System.Globalization;
using HvSim.Checkpoint;
using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>One figure: the points it needs (run with everything else in one pass) and how its series are computed from them.</summary>
public sealed record FigureDefinition(string Id, IReadOnlyList<MicroPoint> MicroPoints, IReadOnlyList<WorkloadPoint> WorkloadPoints, Func<FigureContext, FigureData> Build);

/// <summary>
/// The paper's evaluation figures (6 to 18) on our grids (<see cref="FigureGrid"/>): micro figures on
/// xen-pv (Scanxen on xen-shadow), seconds per 100000 transactions; workload figures per (structure,
/// operation) pair of Table 2 on xen-pv, per 10000 operations.
/// </summary>
public static class FigureCatalog
{
    private static readonly Technique[] Four = ClaimMeasurements.Four;

    /// <summary>Every figure id, in the paper's order.</summary>
    public static IReadOnlyList<string> Ids { get; } =
        ["fig06", "fig07", "fig08a", "fig08b", "fig09a", "fig09b", "fig10", "fig11", "fig12", "fig13", "fig14", "fig15", "fig16", "fig17", "fig18"];

    /// <summary>The figures to produce under <paramref name="s"/> (all, or those of <see cref="ReproduceSettings.Figures"/>).</summary>
    public static IReadOnlyList<FigureDefinition> For(ReproduceSettings s) =>
        All(s).Where(f => s.Figures is null || s.Figures.Contains(f.Id)).ToArray();

    public static IReadOnlyList<FigureDefinition> All(ReproduceSettings s)
    {
        FigureGrid g = s.Grid;
        int cda = s.Claims.CdaKib;
        string p8 = s.Claims.Fig8Ppt;
        return
        [
            Fig6(g, cda),
            Fig7(g, cda),
            Fig8("fig08a", "Figure 8(a): Emulation vs. Page-tracking, user level", Technique.Pt, Technique.Emul, g, cda, p8),
            Fig8("fig08b", "Figure 8(b): Emulation vs. Page-tracking, hypervisor-assisted", Technique.PtXen, Technique.EmulXen, g, cda, p8),
            Fig9("fig09a", "Figure 9(a): Scanxen performance vs. user level (PT)", Technique.Pt, g),
            Fig9("fig09b", "Figure 9(b): Scanxen performance vs. hypervisor-assisted (PTxen)", Technique.PtXen, g),
            Fig10(g, cda, p8),
            WorkloadTimes("fig11", "Figure 11: Workload performance (OPT=1)", 1, withCopy: false),
            Speedups("fig12", "Figure 12: Speedup from hypervisor-assistance (OPT=1)", 1, withCopy: false),
            WorkloadTimes("fig13", "Figure 13: Data structure performance with OPT=5", 5, withCopy: false),
            Speedups("fig14", "Figure 14: Speedup with hypervisor assistance (OPT=5)", 5, withCopy: false),
            DataProcessed("fig15", "Figure 15: Amount of data processed: Page-tracking", Technique.Pt, Technique.PtXen),
            DataProcessed("fig16", "Figure 16: Amount of data processed: Emulation", Technique.Emul, Technique.EmulXen),
            WorkloadTimes("fig17", "Figure 17: Total time for each approach (with the copy, OPT=1)", 1, withCopy: true),
            Speedups("fig18", "Figure 18: Net speedup of hypervisor-assisted over user level (with the copy)", 1, withCopy: true),
        ];
    }

    private const string MicroSeconds = "seconds per 100000 transactions";

    /// <summary>A line series: its name and, per x, the point that gives its y.</summary>
    private sealed record Line(string Name, IReadOnlyList<(double X, MicroPoint Point)> Points);

    private static FigureDefinition MicroLines(string id, string title, string xLabel, IReadOnlyList<Line> lines, string shows,
        Func<FigureData, string> finding, Func<FigureData, IReadOnlyList<FigureMarker>>? markers = null)
    {
        MicroPoint[] points = lines.SelectMany(l => l.Points.Select(p => p.Point)).Distinct().ToArray();
        return new FigureDefinition(id, points, [], c =>
        {
            FigureSeries[] series = lines.Select(l => new FigureSeries(l.Name, l.Points.Select(p => new FigurePoint(p.X, c.MicroSeconds(p.Point))).ToArray())).ToArray();
            var data = new FigureData(id, title, xLabel, $"time ({MicroSeconds})", "s", FigureKind.Line, series) { Shows = shows };
            data = data with { Markers = markers?.Invoke(data) ?? [] };
            return data with { Finding = finding(data) };
        });
    }

    private static FigureDefinition Fig6(FigureGrid g, int cda)
    {
        Line[] lines = [.. new[] { Technique.Pt, Technique.PtXen }.SelectMany(t => g.Fig6Wpp.Select(wpp =>
            new Line($"{Techniques.PaperName(t)} WPP={FigureContext.Arg(wpp)}", g.Fig6Ppt.Select(ppt => (ppt, FigureContext.Micro(t, cda, wpp, ppt))).ToArray())))];
        return MicroLines("fig06", "Figure 6: PT vs. PTxen with varying PPT", "PPT (pages per transaction)", lines,
            Inv($"PT and PTxen time against PPT, one line per WPP in {{{Join(g.Fig6Wpp)}}}; CDA {cda} KiB, xen-pv. The paper: linear in PPT, the same for every WPP, PTxen ten times faster."),
            d =>
            {
                string wpp = FigureContext.Arg(g.Fig6Wpp[0]);
                double pt = Slope(Series(d, $"PT WPP={wpp}")), ptxen = Slope(Series(d, $"PTxen WPP={wpp}"));
                return Inv($"Slope at WPP {wpp}: PT {pt:G4} s, PTxen {ptxen:G4} s per dirty page per 100000 transactions; PT/PTxen {pt / ptxen:G3} (paper: 10). ") +
                    Inv($"At PPT {g.Fig6Ppt[^1]}, WPP {FigureContext.Arg(g.Fig6Wpp[^1])} / WPP {wpp}: PT {Ratio(d, "PT", g.Fig6Wpp):G4}, PTxen {Ratio(d, "PTxen", g.Fig6Wpp):G4} (paper: 1).");
            });
    }

    private static double Ratio(FigureData d, string technique, IReadOnlyList<double> wpps) =>
        Series(d, $"{technique} WPP={FigureContext.Arg(wpps[^1])}").Points[^1].Y / Series(d, $"{technique} WPP={FigureContext.Arg(wpps[0])}").Points[^1].Y;

    private static FigureDefinition Fig7(FigureGrid g, int cda)
    {
        Line[] lines = [.. new[] { Technique.Emul, Technique.EmulXen }.SelectMany(t => g.Fig7Wpp.Select(wpp =>
            new Line($"{Techniques.PaperName(t)} WPP={FigureContext.Arg(wpp)}", g.Fig7Tsize.Select(tsize => (tsize, FigureContext.Micro(t, cda, wpp, tsize / wpp))).ToArray())))];
        return MicroLines("fig07", "Figure 7: Emul vs. Emulxen with varying Tsize", "Tsize = WPP x PPT (writes per transaction)", lines,
            Inv($"Emul and Emulxen time against Tsize, one line per WPP in {{{Join(g.Fig7Wpp)}}} (PPT = Tsize / WPP); CDA {cda} KiB, xen-pv. The paper: time depends on Tsize only, Emulxen four times faster."),
            d =>
            {
                string wpp = FigureContext.Arg(g.Fig7Wpp[^1]);
                double emul = Slope(Series(d, $"Emul WPP={wpp}")), emulxen = Slope(Series(d, $"Emulxen WPP={wpp}"));
                return Inv($"Slope at WPP {wpp}: Emul {emul:G4} s, Emulxen {emulxen:G4} s per write per 100000 transactions; Emul/Emulxen {emul / emulxen:G3} (paper: 4). ") +
                    Inv($"At Tsize {g.Fig7Tsize[^1]}, WPP {FigureContext.Arg(g.Fig7Wpp[0])} / WPP {wpp}: Emul {Series(d, $"Emul WPP={FigureContext.Arg(g.Fig7Wpp[0])}").Points[^1].Y / Series(d, $"Emul WPP={wpp}").Points[^1].Y:G4}, ") +
                    Inv($"Emulxen {Series(d, $"Emulxen WPP={FigureContext.Arg(g.Fig7Wpp[0])}").Points[^1].Y / Series(d, $"Emulxen WPP={wpp}").Points[^1].Y:G4} (paper: 1).");
            });
    }

    private static FigureDefinition Fig8(string id, string title, Technique tracking, Technique emulation, FigureGrid g, int cda, string ppt)
    {
        Line[] lines = [.. new[] { tracking, emulation }.Select(t =>
            new Line(Techniques.PaperName(t), g.Fig8Wpp.Select(wpp => (wpp, FigureContext.Micro(t, cda, wpp, ppt))).ToArray()))];
        string paper = tracking == Technique.Pt ? "5" : "1.3";
        return MicroLines(id, title, "WPP (writes per page)", lines,
            $"{Techniques.PaperName(tracking)} and {Techniques.PaperName(emulation)} time against WPP at PPT {ppt}; CDA {cda} KiB, xen-pv. The lines cross at the break-even WPP (paper: {paper}): below it emulation is cheaper.",
            d => BreakEven(d) is double x
                ? Inv($"Break-even WPP (where the lines cross, interpolated between grid points): {x:0.##} (paper: {paper}).")
                : Inv($"The lines do not cross between WPP {Join(g.Fig8Wpp.Take(1))} and {Join(g.Fig8Wpp.TakeLast(1))} (paper: {paper})."),
            d => BreakEven(d) is double x ? [new FigureMarker(x, Inv($"break-even WPP {x:0.##}"))] : []);
    }

    /// <summary>Where the emulation line (the second series) crosses the tracking line (the first): linear between the grid points around the first sign change.</summary>
    public static double? BreakEven(FigureData d)
    {
        IReadOnlyList<FigurePoint> tracking = d.Series[0].Points, emulation = d.Series[1].Points;
        for (int i = 1; i < tracking.Count; i++)
        {
            double before = emulation[i - 1].Y - tracking[i - 1].Y, after = emulation[i].Y - tracking[i].Y;
            if (before == 0)
            {
                return tracking[i - 1].X;
            }
            if (Math.Sign(before) != Math.Sign(after))
            {
                double x0 = tracking[i - 1].X, x1 = tracking[i].X;
                return x0 + ((x1 - x0) * before / (before - after));
            }
        }
        return null;
    }

    private static FigureDefinition Fig9(string id, string title, Technique tracking, FigureGrid g)
    {
        Line[] lines = [.. new[] { Technique.ScanXen, tracking }.SelectMany(t => g.Fig9CdaKib.Select(cda =>
            new Line($"{Techniques.PaperName(t)} CDA {CdaName(cda)}", g.Fig9Ppt.Select(ppt => (ppt, FigureContext.Micro(t, cda, g.Fig9Wpp, ppt))).ToArray())))];
        return MicroLines(id, title, "PPT (pages per transaction)", lines,
            Inv($"Scanxen (xen-shadow) and {Techniques.PaperName(tracking)} (xen-pv) time against PPT, one line per CDA in {{{string.Join(", ", g.Fig9CdaKib.Select(CdaName))}}}, WPP {FigureContext.Arg(g.Fig9Wpp)}. The paper: Scanxen = 0.0625 s x PPT + 2.5 s x CDA in MB; it beats page tracking only for small CDAs and many pages."),
            d =>
            {
                int low = g.Fig9CdaKib[0], high = g.Fig9CdaKib[^1];
                string mid = CdaName(g.Fig9CdaKib.Contains(1024) ? 1024 : low);
                double perPage = Slope(Series(d, $"Scanxen CDA {mid}"));
                double perMb = (Series(d, $"Scanxen CDA {CdaName(high)}").Points[0].Y - Series(d, $"Scanxen CDA {CdaName(low)}").Points[0].Y) / ((high - low) / 1024.0);
                string wins = string.Join("; ", g.Fig9CdaKib.Select(cda =>
                {
                    FigureSeries scan = Series(d, $"Scanxen CDA {CdaName(cda)}"), other = Series(d, $"{Techniques.PaperName(tracking)} CDA {CdaName(cda)}");
                    double[] better = scan.Points.Zip(other.Points).Where(p => p.First.Y < p.Second.Y).Select(p => p.First.X).ToArray();
                    return better.Length == 0 ? $"{CdaName(cda)}: never" : Inv($"{CdaName(cda)}: PPT >= {better.Min()}");
                }));
                return Inv($"Scanxen: {perPage:G4} s per dirty page (CDA {mid}; paper 0.0625) and {perMb:G4} s per MB of CDA (PPT {g.Fig9Ppt[0]}; paper 2.5), per 100000 transactions. ") +
                    $"Scanxen faster than {Techniques.PaperName(tracking)} at — {wins}.";
            });
    }

    private static FigureDefinition Fig10(FigureGrid g, int cda, string ppt)
    {
        Technique[] techniques = [.. Four, Technique.ScanXen];
        MicroPoint[] points = techniques.Select(t => FigureContext.Micro(t, cda, g.Fig9Wpp, ppt)).ToArray();
        string[] categories = techniques.Select(Techniques.PaperName).ToArray();
        return new FigureDefinition("fig10", points, [], c =>
        {
            double[] y = points.Select(c.MicroSeconds).ToArray();
            var data = new FigureData("fig10", Inv($"Figure 10: Comparison of approaches (WPP={FigureContext.Arg(g.Fig9Wpp)})"), "technique", $"time ({MicroSeconds})", "s", FigureKind.Bar,
                [new FigureSeries("time", y.Select((v, i) => new FigurePoint(i, v)).ToArray())])
            {
                Categories = categories,
                Shows = Inv($"The five techniques at WPP {FigureContext.Arg(g.Fig9Wpp)}, PPT {ppt}, CDA {cda} KiB (Scanxen on xen-shadow, the others on xen-pv). The paper: hypervisor assistance 4-10x faster; Emul beats PT, PTxen beats Emulxen."),
            };
            double user = Math.Min(y[0], y[1]), assisted = Math.Min(y[2], y[3]);
            return data with
            {
                Finding = Inv($"Best user level / best hypervisor-assisted: {user / assisted:G3} (paper: 4-10); Emul/PT {y[1] / y[0]:G3}, PTxen/Emulxen {y[2] / y[3]:G3} (paper: both < 1)."),
            };
        });
    }

    /// <summary>The 20 (structure, operation) pairs of Table 2, as the bar figures' categories.</summary>
    private static IReadOnlyList<(string Structure, DsOperation Operation, string Label)> Pairs { get; } =
        DataStructures.Suite.Select(p => (p.Structure.Name, p.Operation, $"{p.Structure.Name} {DataStructures.Name(p.Operation)}")).ToArray();

    private static WorkloadPoint W((string Structure, DsOperation Operation, string Label) pair, int opt, Technique t) => new(pair.Structure, pair.Operation, opt, t);

    private static FigureDefinition PairBars(string id, string title, string yLabel, string unit, string shows, IReadOnlyList<WorkloadPoint> points,
        IReadOnlyList<(string Name, Func<FigureContext, (string Structure, DsOperation Operation, string Label), double> Value)> series, Func<FigureContext, FigureData, string> finding) =>
        new(id, [], points, c =>
        {
            FigureSeries[] data = series.Select(s => new FigureSeries(s.Name, Pairs.Select((p, i) => new FigurePoint(i, s.Value(c, p))).ToArray())).ToArray();
            var figure = new FigureData(id, title, "operation", yLabel, unit, FigureKind.Bar, data) { Categories = Pairs.Select(p => p.Label).ToArray(), Shows = shows };
            return figure with { Finding = finding(c, figure) };
        });

    private static FigureDefinition WorkloadTimes(string id, string title, int opt, bool withCopy)
    {
        WorkloadPoint[] points = Pairs.SelectMany(p => Four.Select(t => W(p, opt, t))).ToArray();
        string copy = withCopy ? "including the copy of the checkpoint data to the helper" : "without the copy to the helper";
        return PairBars(id, title, "time for 10000 operations (s)", "s",
            Inv($"Time of {ClaimSettings.PaperOps} operations ({ClaimSettings.PaperOps / opt} transactions, OPT {opt}) {copy}, per (structure, operation) pair, under PT, Emul, PTxen and Emulxen on xen-pv."),
            points, Four.Select(t => (Techniques.PaperName(t), (Func<FigureContext, (string, DsOperation, string), double>)((c, p) => c.WorkloadSeconds(W(p, opt, t), withCopy)))).ToArray(),
            (c, d) =>
            {
                double[] pt = d.Series[0].Points.Select(p => p.Y).ToArray(), emul = d.Series[1].Points.Select(p => p.Y).ToArray();
                int best = Enumerable.Range(0, pt.Length).Count(i => d.Series[2].Points[i].Y <= d.Series.Min(s => s.Points[i].Y));
                string slower = string.Join(", ", Enumerable.Range(0, pt.Length).Where(i => emul[i] > pt[i]).Select(i => d.Categories[i]));
                string text = Inv($"PTxen fastest on {best} of {pt.Length} pairs; Emul slower than PT on {(slower.Length == 0 ? "none" : slower)}. ") +
                    string.Join(", ", d.Series.Select(s => Inv($"mean {s.Name} {s.Points.Average(p => p.Y):G3} s"))) + ".";
                if (withCopy)
                {
                    // The copy alone: the time with it minus the time without it (Fig 17's text: emulation < 5 ms, mean < 1 ms; page tracking 10-80 ms).
                    double[] Copy(Technique t) => Pairs.Select(p => (c.WorkloadSeconds(W(p, opt, t), true) - c.WorkloadSeconds(W(p, opt, t))) * 1e3).ToArray();
                    double[] tracking = [.. Copy(Technique.Pt), .. Copy(Technique.PtXen)], emulation = [.. Copy(Technique.Emul), .. Copy(Technique.EmulXen)];
                    text += Inv($" The copy alone: page tracking {tracking.Min():G3}-{tracking.Max():G3} ms, emulation max {emulation.Max():G3} ms, mean {emulation.Average():G3} ms (paper: 10-80 ms; < 5 ms, mean < 1 ms).");
                }
                return text;
            });
    }

    private static FigureDefinition Speedups(string id, string title, int opt, bool withCopy)
    {
        WorkloadPoint[] points = Pairs.SelectMany(p => Four.Select(t => W(p, opt, t))).ToArray();
        (Technique Assisted, Technique User)[] ratios = [(Technique.PtXen, Technique.Pt), (Technique.EmulXen, Technique.Emul)];
        string copy = withCopy ? ", times including the copy to the helper" : "";
        string paper = (opt, withCopy) switch
        {
            (1, false) => "PTxen/PT mean 11.4, max 13; Emulxen/Emul mean 3.5, max 4",
            (5, false) => "PTxen/PT up to 13, Emulxen/Emul up to 4",
            _ => "PTxen/PT about 8, Emulxen/Emul about 4",
        };
        return PairBars(id, title, "speedup (user level / hypervisor-assisted)", "x",
            Inv($"Speedup of the hypervisor-assisted technique over its user-level counterpart per pair, OPT {opt}{copy}. The paper: {paper}."),
            points, ratios.Select(r => ($"{Techniques.PaperName(r.Assisted)}/{Techniques.PaperName(r.User)}",
                (Func<FigureContext, (string, DsOperation, string), double>)((c, p) => c.WorkloadSeconds(W(p, opt, r.User), withCopy) / c.WorkloadSeconds(W(p, opt, r.Assisted), withCopy)))).ToArray(),
            (_, d) => string.Join("; ", d.Series.Select(s => Inv($"{s.Name}: mean {s.Points.Average(p => p.Y):G3}, max {s.Points.Max(p => p.Y):G3} ({d.Categories[(int)s.Points.MaxBy(p => p.Y).X]})"))) + ".");
    }

    private static FigureDefinition DataProcessed(string id, string title, Technique user, Technique assisted)
    {
        WorkloadPoint[] points = Pairs.SelectMany(p => new[] { W(p, 1, user), W(p, 1, assisted) }).ToArray();
        bool tracking = user == Technique.Pt;
        return PairBars(id, title, "data copied to the helper for 10000 operations (MB)", "MB",
            $"Checkpoint data copied to the helper for 10000 operations (OPT 1) per pair, under {Techniques.PaperName(user)} and {Techniques.PaperName(assisted)}: " +
            (tracking ? "whole dirty pages. The paper: 100s of MB." : "the logged words. The paper: under 2 MB except tree insert (56 MB)."),
            points, new[] { user, assisted }.Select(t => (Techniques.PaperName(t), (Func<FigureContext, (string, DsOperation, string), double>)((c, p) => c.CopiedMiB(W(p, 1, t))))).ToArray(),
            (_, d) => string.Join("; ", d.Series.Select(s => Inv($"{s.Name}: mean {s.Points.Average(p => p.Y):G4} MB, max {s.Points.Max(p => p.Y):G4} MB ({d.Categories[(int)s.Points.MaxBy(p => p.Y).X]})"))) + ".");
    }

    /// <summary>Least-squares slope of a series (y per unit of x).</summary>
    public static double Slope(FigureSeries s)
    {
        double mx = s.Points.Average(p => p.X), my = s.Points.Average(p => p.Y);
        double sxx = s.Points.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx == 0 ? double.NaN : s.Points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    }

    private static FigureSeries Series(FigureData d, string name) => d.Series.First(s => s.Name == name);

    private static string CdaName(int kib) => kib % 1024 == 0 ? Inv($"{kib / 1024} MiB") : Inv($"{kib} KiB");

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(FigureContext.Arg));

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
