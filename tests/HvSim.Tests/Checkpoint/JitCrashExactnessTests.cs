using System.Globalization;
using System.Text;
using HvSim.Checkpoint;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Checkpoint;

/// <summary>
/// Issue 15 item 2 for --crash-at: the micro guest under every technique on every platform that
/// supports it, crashed part-way and recovered from its last checkpoint, ends the same with block
/// translation off and on — the same instruction, ledger, recovery verdict and backup image.
/// </summary>
public sealed class JitCrashExactnessTests
{
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void CrashAndRecoveryAreTheSameWithTranslation(Technique technique, Platform platform)
    {
        string interpreted = Observe(technique, platform, jit: false);
        string translated = Observe(technique, platform, jit: true);
        Assert.StartsWith("end Crashed", interpreted, StringComparison.Ordinal);
        Assert.True(interpreted == translated, $"{technique} on {platform}: --jit on differs from --jit off\n--- off ---\n{interpreted}\n--- on ---\n{translated}");
    }

    private static string Observe(Technique technique, Platform platform, bool jit)
    {
        const long CrashAt = 150_001;
        string path = RepositoryPaths.Guest("micro");
        string[] argv = ["micro", "64", "4", "8", "200", "1"];
        var stdout = new MemoryStream();
        CheckpointedResult result = CheckpointedRun.Run(File.ReadAllBytes(path), "micro", argv, [],
            new KernelOptions { Platform = new PlatformOptions { Platform = platform }, Jit = jit },
            new CheckpointOptions { Technique = technique }, Stream.Null, stdout, Stream.Null, CrashAt);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"end {result.End}, status {result.ExitStatus}, instructions {result.Kernel.Cpu.InstructionsRetired}, rip {result.Kernel.Cpu.Rip:X}");
        text.AppendLine(CultureInfo.InvariantCulture, $"check {result.Check.Equal} {result.Check.Detail} {result.Check.PrimarySha256} {result.Check.BackupSha256}");
        foreach ((HvSim.Core.EventKind kind, HvSim.Core.Layer layer, long count) in result.Kernel.Ledger.NonZero())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{kind} {layer} {count}");
        }
        text.AppendLine(Convert.ToHexString(stdout.ToArray()));
        return text.ToString();
    }
}
