using HvSim.Core;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using static HvSim.Tests.Models.CalibrationFixtures;

namespace HvSim.Tests.Models;

/// <summary>
/// Issue 6's warning, on a toy model: with per-fault costs only, the paper's four headline ratios
/// (PT/PTxen 10 per dirty page, Emul/Emulxen 4 per write, break-even WPP 5 for Emul against PT and
/// 1.3 for Emulxen against PTxen) contradict each other — 5 × 4 / 1.3 ≈ 15.4, not 10 — and a
/// per-transaction fixed cost of PT (its mprotect of the whole CDA at each begin) reconciles them.
/// </summary>
public sealed class HeadlineRatioTests
{
    private static readonly PriceKey s_ptPage = new(EventKind.SignalDelivery, Layer.Kernel, Platforms.XenPv);
    private static readonly PriceKey s_ptxenPage = new(EventKind.FaultHandled, Layer.Hypervisor, Platforms.XenPv);
    private static readonly PriceKey s_emulWrite = new(EventKind.InstructionDecode, Layer.User, Platforms.XenPv);
    private static readonly PriceKey s_emulxenWrite = new(EventKind.InstructionDecode, Layer.Hypervisor, Platforms.XenPv);
    private static readonly PriceKey s_ptBegin = new(EventKind.VmaChange, Layer.Kernel, Platforms.XenPv);

    private static CalibrationResult Fit(bool fixedCostOfPt)
    {
        var ptTransaction = fixedCostOfPt ? Exp("pt-wpp5", (s_ptPage, 1), (s_ptBegin, 1)) : Exp("pt-wpp5", (s_ptPage, 1));
        Experiment[] experiments =
        [
            Exp("pt-page", (s_ptPage, 1)),
            Exp("ptxen-page", (s_ptxenPage, 1)),
            Exp("emul-write", (s_emulWrite, 1)),
            Exp("emulxen-write", (s_emulxenWrite, 1)),
            ptTransaction,
            Exp("emul-wpp5", (s_emulWrite, 5)),
            Exp("ptxen-wpp1.3", (s_ptxenPage, 1)),
            Exp("emulxen-wpp1.3", (s_emulxenWrite, 1.3)),
        ];
        Target[] targets =
        [
            new RelationTarget("C2", "pt-page", 10, "ptxen-page", 1),
            new RelationTarget("C4", "emul-write", 4, "emulxen-write", 1),
            new RelationTarget("C6", "emul-wpp5", 1, "pt-wpp5", 1),
            new RelationTarget("C7", "emulxen-wpp1.3", 1, "ptxen-wpp1.3", 1),
            new MeasuredTarget("scale", "ptxen-page", 1000, 1),
        ];
        return Calibrator.Fit(new CalibrationProblem(experiments, targets, []), new CalibrationOptions { RelativeResiduals = true });
    }

    [Fact]
    public void PerFaultCostsAloneCannotMeetTheFourRatios()
    {
        CalibrationResult result = Fit(fixedCostOfPt: false);
        Assert.True(result.Contradictions.Any);
        Assert.True(result.Contradictions.Contradicted.Count >= 2);
        Assert.True(result.Residuals.Where(r => r.Target is RelationTarget).Max(r => Math.Abs(r.Relative)) > 0.05);
        // Any one of the four ratios can be given up to let the other three hold.
        Assert.Equal(["C2", "C4", "C6", "C7"], result.Contradictions.ResolvedByDropping.Order());
    }

    [Fact]
    public void APerTransactionCostOfPtReconcilesThem()
    {
        CalibrationResult result = Fit(fixedCostOfPt: true);
        Assert.False(result.Contradictions.Any);
        Assert.All(result.Residuals, r => Assert.True(Math.Abs(r.Relative) < 1e-6, $"{r.Target.Name}: {r.Relative}"));
        // 5 × Emul write = PT page + begin: 5 × 4 × (1000 / 1.3) = 10 × 1000 + begin.
        Assert.Equal(5 * 4 * 1000 / 1.3 - 10 * 1000, result.Price(s_ptBegin).Ns, 3);
    }
}
