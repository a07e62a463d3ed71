using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>
/// The x axes of the figures' grids (the paper draws the figures without giving their points; these
/// are ours, stated in report.md). Values are the microbenchmark's arguments: WPP may be decimal.
/// </summary>
public sealed record FigureGrid
{
    /// <summary>Figure 6: PPT axis.</summary>
    public required IReadOnlyList<double> Fig6Ppt { get; init; }

    /// <summary>Figure 6: one series per WPP (the paper's 4, 8 and 16).</summary>
    public required IReadOnlyList<double> Fig6Wpp { get; init; }

    /// <summary>Figure 7: Tsize = WPP × PPT axis.</summary>
    public required IReadOnlyList<double> Fig7Tsize { get; init; }

    /// <summary>Figure 7: one series per WPP (PPT = Tsize / WPP).</summary>
    public required IReadOnlyList<double> Fig7Wpp { get; init; }

    /// <summary>Figure 8: WPP axis (PPT fixed at <see cref="ClaimSettings.Fig8Ppt"/>).</summary>
    public required IReadOnlyList<double> Fig8Wpp { get; init; }

    /// <summary>Figure 9: PPT axis.</summary>
    public required IReadOnlyList<double> Fig9Ppt { get; init; }

    /// <summary>Figure 9: one series per CDA size, KiB.</summary>
    public required IReadOnlyList<int> Fig9CdaKib { get; init; }

    /// <summary>Figure 9 and 10: writes per page.</summary>
    public double Fig9Wpp { get; init; } = 4;

    /// <summary>The full grids.</summary>
    public static FigureGrid Full { get; } = new()
    {
        Fig6Ppt = [1, 2, 4, 8, 16, 32],
        Fig6Wpp = [4, 8, 16],
        Fig7Tsize = [4, 8, 16, 32, 64],
        Fig7Wpp = [1, 4],
        Fig8Wpp = [1, 1.5, 2, 3, 4, 5, 6, 8],
        Fig9Ppt = [1, 2, 4, 8, 16, 32],
        Fig9CdaKib = [256, 1024, 4096],
    };

    /// <summary>The reduced grids of --quick: fewer x points per series, every series and figure kept.</summary>
    public static FigureGrid Quick { get; } = new()
    {
        Fig6Ppt = [1, 4, 16],
        Fig6Wpp = [4, 8, 16],
        Fig7Tsize = [4, 16, 64],
        Fig7Wpp = [1, 4],
        Fig8Wpp = [1, 2, 4, 8],
        Fig9Ppt = [1, 4, 16],
        Fig9CdaKib = [256, 1024, 4096],
    };
}

/// <summary>What `hvsim reproduce` runs: the claims' settings (Tcount, operations, CDA, Fig 8's PPT, seed) and the figures' grids.</summary>
public sealed record ReproduceSettings
{
    /// <summary>Full mode: transactions per microbenchmark point and operations per workload run (the paper's literal 10000).</summary>
    public const long FullTcount = 2000, FullOps = ClaimSettings.PaperOps;

    /// <summary>Quick mode: transactions per microbenchmark point and operations per workload run.</summary>
    public const long QuickTcount = 200, QuickOps = 1000;

    public required ClaimSettings Claims { get; init; }

    public required FigureGrid Grid { get; init; }

    /// <summary>Whether this is --quick (reported; the grids and lengths are what count).</summary>
    public bool Quick { get; init; }

    /// <summary>The figure ids to produce (null: every figure). The claims and Table 2 are always produced.</summary>
    public IReadOnlyCollection<string>? Figures { get; init; }

    public string Mode => Quick ? "quick" : "full";

    /// <summary>Draws of the claims' prediction bands (0: no bands).</summary>
    public int BandDraws { get; init; } = PredictionBands.DefaultDraws;

    public static ReproduceSettings Create(string guestDirectory, bool quick) => new()
    {
        Quick = quick,
        Grid = quick ? FigureGrid.Quick : FigureGrid.Full,
        Claims = new ClaimSettings
        {
            GuestDirectory = guestDirectory,
            Tcount = quick ? QuickTcount : FullTcount,
            WorkloadOps = quick ? QuickOps : FullOps,
        },
    };
}
