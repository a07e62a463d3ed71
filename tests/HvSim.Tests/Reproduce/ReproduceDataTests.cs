using HvSim.Checkpoint;
using HvSim.Tests.Guests;
using HvSim.Validation.Claims;
using HvSim.Validation.Reproduce;

namespace HvSim.Tests.Reproduce;

/// <summary>The figures' plumbing on made-up data (no simulation): the point union, crossings, CSV layout.</summary>
public sealed class ReproduceDataTests
{
    private static ReproduceSettings Settings(bool quick) => ReproduceSettings.Create(Path.Combine(RepositoryPaths.Root, "guests", "bin"), quick);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryPointRunsOnceAndTheClaimsPointsAreAmongThem(bool quick)
    {
        ReproduceSettings s = Settings(quick);
        IReadOnlyList<object> jobs = ReproduceRun.Jobs(s);
        Assert.Equal(jobs.Count, jobs.Distinct().Count());
        Assert.All(ClaimMeasurements.MicroPoints(s.Claims), p => Assert.Contains(p, jobs));
        Assert.All(ClaimMeasurements.WorkloadPoints(), p => Assert.Contains(p, jobs));
        Assert.All(FigureCatalog.For(s), f =>
        {
            Assert.All(f.MicroPoints, p => Assert.Contains(p, jobs));
            Assert.All(f.WorkloadPoints, p => Assert.Contains(p, jobs));
        });
        // Scanxen runs on xen-shadow, everything else on xen-pv; a claim's WPP "4" and a figure's 4.0 are one point.
        Assert.All(jobs.OfType<MicroPoint>(), p => Assert.Equal(ClaimMeasurements.MicroPlatform(p.Technique), p.Platform));
        Assert.DoesNotContain(jobs.OfType<MicroPoint>(), p => p.Wpp.Contains(".0", StringComparison.Ordinal) || p.Ppt.Contains(".0", StringComparison.Ordinal));
    }

    [Fact]
    public void TheQuickGridKeepsEveryFigureWithFewerPoints()
    {
        Assert.Equal(FigureCatalog.Ids, FigureCatalog.For(Settings(true)).Select(f => f.Id));
        Assert.Equal(FigureCatalog.Ids, FigureCatalog.For(Settings(false)).Select(f => f.Id));
        Assert.True(ReproduceRun.Jobs(Settings(true)).Count < ReproduceRun.Jobs(Settings(false)).Count);
        Assert.Equal(["fig10"], FigureCatalog.For(Settings(true) with { Figures = ["fig10"] }).Select(f => f.Id));
    }

    [Fact]
    public void BreakEvenIsWhereTheLinesCross()
    {
        // Tracking flat at 3, emulation 1 per write: they cross at WPP 3.
        FigureData d = Lines(("PT", [(1, 3), (2, 3), (4, 3), (8, 3)]), ("Emul", [(1, 1), (2, 2), (4, 4), (8, 8)]));
        Assert.Equal(3, FigureCatalog.BreakEven(d)!.Value, 9);
        Assert.Null(FigureCatalog.BreakEven(Lines(("PT", [(1, 10), (8, 10)]), ("Emul", [(1, 1), (8, 8)]))));
    }

    [Fact]
    public void SlopeIsLeastSquares()
    {
        Assert.Equal(0.5, FigureCatalog.Slope(new FigureSeries("s", [new(1, 1), new(3, 2), new(5, 3)])), 12);
    }

    [Fact]
    public void LineCsvHasOneRowPerXAndOneColumnPerSeries()
    {
        FigureData d = Lines(("PT WPP=4", [(1, 0.5), (2, 1.25)]), ("PTxen WPP=4", [(1, 0.125), (2, 1.0 / 3)])) with { XLabel = "PPT (pages per transaction)" };
        Assert.Equal("ppt,PT WPP=4 [s],PTxen WPP=4 [s]\n1,0.5,0.125\n2,1.25,0.3333333\n", FigureCsv.Text(d));
    }

    [Fact]
    public void BarCsvHasOneRowPerCategory()
    {
        var d = new FigureData("fig99", "t", "operation", "y", "x", FigureKind.Bar,
            [new FigureSeries("PTxen/PT", [new(0, 6), new(1, 5.5)]), new FigureSeries("Emulxen/Emul", [new(0, 1.5), new(1, 2)])])
        {
            Categories = ["aa insert", "a,b"],
        };
        Assert.Equal("operation,PTxen/PT [x],Emulxen/Emul [x]\naa insert,6,1.5\n\"a,b\",5.5,2\n", FigureCsv.Text(d));
    }

    [Fact]
    public void ThePngIsAPng()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hvsim-figure-{Guid.NewGuid():N}.png");
        try
        {
            FigurePlot.SavePng(Lines(("PT", [(1, 3), (2, 3)]), ("Emul", [(1, 1), (2, 4)])) with { Markers = [new FigureMarker(1.5, "break-even")] }, path);
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TechniquesHaveThePapersNames()
    {
        Assert.Equal(["PT", "Emul", "PTxen", "Emulxen", "Scanxen"], Techniques.Tracking.Select(Techniques.PaperName));
    }

    private static FigureData Lines(params (string Name, (double X, double Y)[] Points)[] series) =>
        new("fig99", "test", "WPP (writes per page)", "time (s)", "s", FigureKind.Line,
            series.Select(s => new FigureSeries(s.Name, s.Points.Select(p => new FigurePoint(p.X, p.Y)).ToArray())).ToArray());
}
