using System.Text;
using HvSim.Checkpoint;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Checkpoint;

/// <summary>A technique on a platform.</summary>
public sealed record TechniquePair(Technique Technique, Platform Platform)
{
    public override string ToString() => $"{Techniques.Name(Technique)} on {PlatformNames.Name(Platform)}";
}

/// <summary>Runs guests/bin/txprog on a script under a technique, in process.</summary>
internal static class TxRun
{
    private static readonly Lazy<byte[]> s_elf = new(() => File.ReadAllBytes(RepositoryPaths.Guest("txprog")));

    /// <summary>Every technique on every platform that supports it (none natively as the reference).</summary>
    public static readonly TechniquePair[] AllPairs =
        new[] { Platform.Native, Platform.XenPv, Platform.XenShadow }
            .SelectMany(p => Enum.GetValues<Technique>().Where(t => Techniques.SupportedOn(t, p)).Select(t => new TechniquePair(t, p)))
            .ToArray();

    /// <summary>Every technique that tracks writes (all but none) on every platform of <see cref="AllPairs"/>, as theory data.</summary>
    public static TheoryData<Technique, Platform> TrackingPairs()
    {
        var data = new TheoryData<Technique, Platform>();
        foreach (TechniquePair pair in AllPairs.Where(p => p.Technique != Technique.None))
        {
            data.Add(pair.Technique, pair.Platform);
        }
        return data;
    }

    /// <summary>The pairs where no signal handler runs for a CDA write (the CDA-stack forms are fine there).</summary>
    public static readonly TechniquePair[] HandlerFreePairs =
        AllPairs.Where(p => p.Technique is Technique.None or Technique.PtXen or Technique.EmulXen or Technique.ScanXen or Technique.SoftDirty or Technique.UffdWp).ToArray();

    public sealed record Outcome(CheckpointedResult Result, string Stdout, string Stderr);

    public static Outcome Run(TxScript script, TechniquePair pair, CheckpointOptions? options = null, long? crashAt = null,
        Action<CheckpointSession>? observe = null, PlatformOptions? platform = null)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        CheckpointedResult result = CheckpointedRun.Run(s_elf.Value, "txprog", ["txprog"], [],
            new KernelOptions { Platform = platform ?? new PlatformOptions { Platform = pair.Platform }, MaxInstructions = 50_000_000 },
            (options ?? new CheckpointOptions()) with { Technique = pair.Technique },
            new MemoryStream(script.Encode()), stdout, stderr, crashAt, observe);
        return new Outcome(result, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    /// <summary>Fails (with everything a reader needs) unless the run exited 0 with an intact backup.</summary>
    public static void AssertHealthy(Outcome outcome, TechniquePair pair)
    {
        CheckpointedResult r = outcome.Result;
        if (r.ExitStatus != 0 || r.Session.Failure is not null || !r.Check.Equal)
        {
            throw new Xunit.Sdk.XunitException(
                $"{pair}: status {r.ExitStatus?.ToString() ?? r.End.ToString()} {r.Process.FatalReport}; {r.Session.Failure ?? r.Check.Detail}; stderr: {outcome.Stderr.Trim()}");
        }
    }
}
