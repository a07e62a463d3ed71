using System.Text.Json;
using HvSim.Tests.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Checkpoint.Audit;

/// <summary>--audit on exec, micro and workload: the JSON's audit object and the summary line.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class AuditCommandTests
{
    [Fact]
    public void Exec_audit_adds_the_audit_object_and_the_summary()
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--technique", "pt", "--audit", "--json", RepositoryPaths.Guest("micro"), "16", "2", "2", "5");
        Assert.Equal(0, status);
        using JsonDocument report = JsonDocument.Parse(stderr.Trim().Split('\n')[^1]);
        JsonElement audit = report.RootElement.GetProperty("audit");
        Assert.Equal(5, audit.GetProperty("cycles").GetInt64());
        Assert.Equal(0, audit.GetProperty("missed_pages").GetInt64());
        Assert.Equal(0, audit.GetProperty("extra_pages").GetInt64());
        Assert.Equal(0, audit.GetProperty("missed_blocks").GetInt64());

        (status, _, stderr) = HvsimConsole.Run("exec", "--technique", "emul", "--audit", RepositoryPaths.Guest("micro"), "16", "2", "2", "5");
        Assert.Equal(0, status);
        Assert.Contains("audit: 5 cycles, 10 pages written, 0 missed, 0 extra, 0 missed 128-byte blocks", stderr);
    }

    [Fact]
    public void Without_audit_the_object_is_null()
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--technique", "pt", "--json", RepositoryPaths.Guest("micro"), "16", "2", "2", "3");
        Assert.Equal(0, status);
        using JsonDocument report = JsonDocument.Parse(stderr.Trim().Split('\n')[^1]);
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("audit").ValueKind);
    }

    [Fact]
    public void Micro_and_workload_take_audit()
    {
        (int status, string stdout, _) = HvsimConsole.Run("micro", "--technique", "ptxen", "--platform", "xen-pv", "--audit", "--json", "--cda-kib", "64", "--tcount", "5");
        Assert.Equal(0, status);
        using (JsonDocument micro = JsonDocument.Parse(stdout))
        {
            Assert.Equal(5, micro.RootElement.GetProperty("audit").GetProperty("cycles").GetInt64());
        }
        (status, stdout, _) = HvsimConsole.Run("workload", "--ds", "list", "--technique", "emulxen", "--platform", "xen-shadow", "--audit", "--json", "--ops", "40");
        Assert.Equal(0, status);
        using JsonDocument workload = JsonDocument.Parse(stdout);
        JsonElement audit = workload.RootElement.GetProperty("audit");
        Assert.Equal(workload.RootElement.GetProperty("transactions").GetInt64(), audit.GetProperty("cycles").GetInt64());
        Assert.Equal(0, audit.GetProperty("missed_pages").GetInt64());
    }
}
