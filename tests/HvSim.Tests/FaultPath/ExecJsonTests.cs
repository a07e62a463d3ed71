namespace HvSim.Tests.FaultPath;

using System.Text.Json;
using HvSim.Cli;
using HvSim.Core;

/// <summary>
/// hvsim exec --json: after the guest ends, one JSON object with DESIGN.md's fields (the names are
/// a contract for scripts). Built by <see cref="RunReport"/>, tested here on a kernel after a run.
/// </summary>
public sealed class ExecJsonTests
{
    private static readonly string[] s_fields =
    [
        HvSim.Core.BuildVersion.JsonName, "technique", "platform", "syscall_path", "pte_updates", "simulated_ns", "instructions", "events", "events_by_layer",
        "hypercalls", "vm_exits", "dirty_pages", "logged_bytes", "copied_bytes", "cda_sha256", "backup_sha256", "backup_equal", "exit_status", "audit",
    ];

    private static (PlatformRun Run, JsonElement Json) Report(string platform)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        HvSim.GuestOs.Kernel.Process process = run.Run(PtGuest.OneProtectedWrite(pages: 4));
        string text = RunReport.From(run.Kernel, process).ToJson();
        Assert.DoesNotContain('\n', text);
        using JsonDocument document = JsonDocument.Parse(text);
        return (run, document.RootElement.Clone());
    }

    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    [InlineData("xen-pv/hypervisor-syscall")]
    [InlineData("xen-pv/trapped-write")]
    [InlineData("xen-shadow")]
    public void The_report_has_exactly_the_design_fields_and_the_ledger_counts(string platform)
    {
        (PlatformRun run, JsonElement json) = Report(platform);
        Assert.Equal(s_fields, json.EnumerateObject().Select(p => p.Name).ToArray());

        Assert.Equal("none", json.GetProperty("technique").GetString());
        Assert.Equal(platform.Split('/')[0], json.GetProperty("platform").GetString());
        // The knobs that took effect: none natively; shadow paging always traps the guest's PTE stores.
        string? pteUpdates = platform switch
        {
            "native" => null,
            "xen-pv" or "xen-pv/hypervisor-syscall" => "hypercall",
            _ => "trapped-write",
        };
        Assert.Equal(pteUpdates, json.GetProperty("pte_updates").GetString());
        string? syscallPath = platform switch
        {
            "native" => null,
            "xen-pv/hypervisor-syscall" => "hypervisor",
            _ => "compat",
        };
        Assert.Equal(syscallPath, json.GetProperty("syscall_path").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("simulated_ns").ValueKind);
        Assert.Equal(run.Kernel.Cpu.InstructionsRetired, json.GetProperty("instructions").GetInt64());
        Assert.Equal(7, json.GetProperty("exit_status").GetInt32());
        foreach (string zero in new[] { "dirty_pages", "logged_bytes", "copied_bytes" })
        {
            Assert.Equal(0, json.GetProperty(zero).GetInt64());
        }
        Assert.Equal(JsonValueKind.Null, json.GetProperty("cda_sha256").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("backup_sha256").ValueKind);

        // events: kind -> count over all layers, non-zero kinds only, every one of them.
        JsonElement events = json.GetProperty("events");
        foreach (EventKind kind in Enum.GetValues<EventKind>())
        {
            long total = run.Ledger.Count(kind);
            Assert.Equal(total != 0, events.TryGetProperty(kind.ToString(), out JsonElement count));
            if (total != 0)
            {
                Assert.Equal(total, count.GetInt64());
            }
        }

        // events_by_layer: each layer by name, kind -> count in that layer.
        JsonElement byLayer = json.GetProperty("events_by_layer");
        Assert.Equal(["user", "kernel", "hypervisor"], byLayer.EnumerateObject().Select(p => p.Name).ToArray());
        foreach ((string name, Layer layer) in new[] { ("user", Layer.User), ("kernel", Layer.Kernel), ("hypervisor", Layer.Hypervisor) })
        {
            JsonElement kinds = byLayer.GetProperty(name);
            foreach (EventKind kind in Enum.GetValues<EventKind>())
            {
                long n = run.Ledger.Count(kind, layer);
                Assert.Equal(n != 0, kinds.TryGetProperty(kind.ToString(), out JsonElement count));
                if (n != 0)
                {
                    Assert.Equal(n, count.GetInt64());
                }
            }
        }

        // hypercalls: by name, matching the ledger's subkinds and adding up to the Hypercall events.
        JsonElement hypercalls = json.GetProperty("hypercalls");
        long sum = 0;
        foreach (JsonProperty call in hypercalls.EnumerateObject())
        {
            Assert.Equal(run.Ledger.Subkinds["Hypercall." + call.Name], call.Value.GetInt64());
            sum += call.Value.GetInt64();
        }
        Assert.Equal(run.Ledger.Count(EventKind.Hypercall), sum);
        if (platform == "native")
        {
            Assert.Empty(hypercalls.EnumerateObject());
            Assert.Empty(byLayer.GetProperty("hypervisor").EnumerateObject());
        }
        else
        {
            // Only a 64-bit PV kernel returns to user mode through the iret hypercall.
            Assert.Equal(platform.EndsWith("hypervisor-syscall", StringComparison.Ordinal), hypercalls.TryGetProperty("iret", out _));
            Assert.True(byLayer.GetProperty("hypervisor").GetProperty("TrapToHypervisor").GetInt64() > 0);
        }
        if (platform is "xen-pv" or "xen-pv/hypervisor-syscall")
        {
            Assert.True(hypercalls.GetProperty("mmu_update").GetInt64() > 0);
            Assert.True(hypercalls.GetProperty("mmuext_op").GetInt64() > 0);
        }
    }

    [Fact]
    public void A_guest_that_did_not_end_has_a_null_exit_status()
    {
        var run = new PlatformRun(PlatformRun.Options("xen-pv"), maxInstructions: 5);
        HvSim.GuestOs.Kernel.Process process = run.Start(PtGuest.OneProtectedWrite());
        Assert.Equal(HvSim.GuestOs.Kernel.RunOutcome.InstructionLimit, run.Kernel.Run(process));
        using JsonDocument document = JsonDocument.Parse(RunReport.From(run.Kernel, process).ToJson());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("exit_status").ValueKind);
        Assert.True(document.RootElement.GetProperty("instructions").GetInt64() >= 5);
    }
}

/// <summary>The command itself: hvsim exec --json ends with the report as the last line of stderr and keeps the guest's status.</summary>
[Collection(nameof(HvSim.Tests.Cli.ConsoleCollection))]
public sealed class ExecJsonCommandTests
{
    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void Exec_json_prints_one_report_on_stderr_and_returns_the_guest_status(string platform)
    {
        TextWriter original = Console.Error;
        var capture = new StringWriter();
        Console.SetError(capture);
        int status;
        try
        {
            status = Program.Main(["exec", "--platform", platform, "--json", HvSim.Tests.Guests.RepositoryPaths.Guest("exitcode")]);
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(42, status);
        string[] lines = capture.ToString().TrimEnd('\n').Split('\n');
        using JsonDocument report = JsonDocument.Parse(lines[^1]);
        Assert.Equal(platform, report.RootElement.GetProperty("platform").GetString());
        Assert.Equal(42, report.RootElement.GetProperty("exit_status").GetInt32());
        Assert.True(report.RootElement.GetProperty("instructions").GetInt64() > 0);
    }
}
