using System.Text.Json;
using HvSim.Checkpoint;
using HvSim.Hypervisor;

namespace HvSim.Tests.Cli;

/// <summary>hvsim compare: every technique on every platform that supports it, the same runs micro and workload make.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CompareCommandTests
{
    private static readonly string[] s_small = ["--tcount", "20", "--cda-kib", "64"];

    [Fact]
    public void Compare_micro_runs_every_supported_pair_once_with_micro_s_figures()
    {
        (int status, string stdout, string stderr) = HvsimConsole.Run(["compare", "micro", "--json", .. s_small]);
        Assert.True(status == 0, stderr);
        using JsonDocument compared = JsonDocument.Parse(stdout);
        JsonElement[] runs = compared.RootElement.GetProperty("runs").EnumerateArray().ToArray();
        var expected = new[] { Platform.Native, Platform.XenPv, Platform.XenShadow, Platform.Hvm }
            .SelectMany(p => Techniques.All.Where(t => Techniques.SupportedOn(t, p)).Select(t => (Techniques.Name(t), PlatformNames.Name(p))))
            .ToArray();
        Assert.Equal(expected, runs.Select(r => (r.GetProperty("technique").GetString()!, r.GetProperty("platform").GetString()!)));
        Assert.All(runs, r => Assert.True(r.GetProperty("ok").GetBoolean()));
        Assert.All(runs, r => Assert.Equal(0, r.GetProperty("audit_missed_pages").GetInt64())); // every run audited, none missed a page

        // The same run as micro's, for one pair.
        (status, stdout, stderr) = HvsimConsole.Run(["micro", "--technique", "ptxen", "--platform", "xen-shadow", "--json", .. s_small]);
        Assert.True(status == 0, stderr);
        using JsonDocument micro = JsonDocument.Parse(stdout);
        JsonElement same = runs.Single(r => r.GetProperty("technique").GetString() == "ptxen" && r.GetProperty("platform").GetString() == "xen-shadow");
        Assert.Equal(micro.RootElement.GetProperty("simulated_ns").GetInt64(), same.GetProperty("simulated_ns").GetInt64());
        Assert.Equal(micro.RootElement.GetProperty("dirty_pages").GetInt64(), same.GetProperty("dirty_pages").GetInt64());
        Assert.Equal(micro.RootElement.GetProperty("events").GetProperty("PageFault").GetInt64(), same.GetProperty("page_faults").GetInt64());
    }

    [Fact]
    public void Compare_draws_its_chart_and_refuses_what_it_varies_itself()
    {
        string png = Path.Combine(Path.GetTempPath(), $"hvsim-compare-{Guid.NewGuid():N}.png");
        try
        {
            (int status, string stdout, string stderr) = HvsimConsole.Run(["compare", "micro", "--png", png, .. s_small]);
            Assert.True(status == 0, stderr);
            Assert.Contains("| scanxen   | xen-shadow |", stdout);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            File.Delete(png);
        }
        (int refused, _, string error) = HvsimConsole.Run("compare", "micro", "--technique", "pt");
        Assert.Equal(2, refused);
        Assert.Contains("compare micro: unknown option --technique", error);
        (refused, _, error) = HvsimConsole.Run("compare", "workload", "--ds", "all");
        Assert.Equal(2, refused);
        Assert.Contains("--ds names one structure", error);
    }
}
