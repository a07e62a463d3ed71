using HvSim.Core;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;

namespace HvSim.Tests.Models;

/// <summary>Small synthetic calibration problems: experiments over a few prices with known true values.</summary>
internal static class CalibrationFixtures
{
    public static readonly PriceKey Entry = new(EventKind.SyscallEntry, Layer.Kernel, Platforms.Native);
    public static readonly PriceKey Exit = new(EventKind.SyscallExit, Layer.Kernel, Platforms.Native);
    public static readonly PriceKey Signal = new(EventKind.SignalDelivery, Layer.Kernel, Platforms.Native);
    public static readonly PriceKey Fault = new(EventKind.PageFault, Layer.User, Platforms.Native);
    public static readonly PriceKey Copy = new(EventKind.CopyBytes, Layer.User, Platforms.Any);

    public static Experiment Exp(string name, params (PriceKey Key, double Count)[] counts) =>
        new(name, counts.ToDictionary(c => c.Key, c => c.Count));

    /// <summary>The time of an experiment under known prices.</summary>
    public static double Time(Experiment experiment, IReadOnlyDictionary<PriceKey, double> prices) =>
        experiment.Counts.Sum(c => c.Value * prices[c.Key]);
}
