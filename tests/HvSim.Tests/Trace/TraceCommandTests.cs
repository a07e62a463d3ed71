using System.Text.Json;
using System.Text.RegularExpressions;
using HvSim.Cli;
using HvSim.Core;
using HvSim.Tests.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Trace;

/// <summary>
/// hvsim trace in its three output forms (text, json, mermaid) on native and xen-pv, the guest
/// it traces, and its usage errors. The exact step sequences are the fault-path tests' business;
/// these check the forms: that they parse, carry the fields, and draw the lanes.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed partial class TraceCommandTests
{
    private static readonly string[] s_layers = { "user", "kernel", "hypervisor" };
    private static readonly string[] s_lanes = { "cpu", "user", "kernel", "hypervisor" };

    private static (int Status, string Stdout, string Stderr) Hvsim(params string[] args) => HvsimConsole.Run(args);

    private static string Trace(string platform, string technique, string format)
    {
        (int status, string stdout, string stderr) = Hvsim("trace", "--platform", platform, "--technique", technique, "--format", format);
        Assert.True(status == 0, $"hvsim trace --platform {platform} --technique {technique} --format {format}: status {status}\n{stderr}");
        Assert.Equal("", stderr);
        return stdout;
    }

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    public void TextIsANumberedAlignedTableWithASummary(string platform)
    {
        string[] lines = Lines(Trace(platform, "pt", "text"));
        Assert.Matches(@"^step  lane +event +detail$", lines[0]);
        int layerAt = lines[0].IndexOf("lane", StringComparison.Ordinal);
        int eventAt = lines[0].IndexOf("event", StringComparison.Ordinal);
        int detailAt = lines[0].IndexOf("detail", StringComparison.Ordinal);
        string[] rows = lines[1..^2];
        Assert.True(rows.Length >= 10, $"too few steps:\n{string.Join('\n', lines)}");
        for (int i = 0; i < rows.Length; i++)
        {
            string row = rows[i];
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), row[..layerAt].Trim());
            string lane = row[layerAt..eventAt].Trim();
            Assert.Contains(lane, s_lanes);
            Assert.True(Enum.TryParse(row[eventAt..detailAt].Trim(), out EventKind _), $"row {i + 1}: no event in '{row}'");
            Assert.Equal(' ', row[detailAt - 1]);
            Assert.NotEqual(' ', row[detailAt]);
        }
        // The CPU raises the #PF: the cpu lane; the handler and its return are named from the symbol table.
        Assert.Equal("cpu", rows[0][layerAt..eventAt].Trim());
        Assert.Contains("PageFault", rows[0]);
        Assert.Contains(rows, row => row.Contains("handler pt_handler gets it, returns through rt_sigreturn_tramp", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.Contains("SyscallEntry", StringComparison.Ordinal) && row.Contains("mprotect(", StringComparison.Ordinal));
        Assert.Equal(platform == "xen-pv", rows.Any(row => row[layerAt..eventAt].Trim() == "hypervisor"));

        string summary = lines[^2];
        Assert.StartsWith($"{rows.Length} steps (cpu 1, user ", summary);
        Assert.EndsWith(TraceFormats.GlossaryPath, lines[^1]);
        Assert.Contains($"on {platform}", summary);
        Assert.Contains("technique pt", summary);
        Assert.Contains("succeeded", summary);
    }

    [Theory]
    [InlineData("native", "pt")]
    [InlineData("xen-pv", "pt")]
    [InlineData("xen-pv", "none")]
    public void JsonHasPlatformTechniqueAndSteps(string platform, string technique)
    {
        using JsonDocument json = JsonDocument.Parse(Trace(platform, technique, "json"));
        JsonElement root = json.RootElement;
        Assert.Equal(new[] { HvSim.Core.BuildVersion.JsonName, "platform", "technique", "steps" }, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(platform, root.GetProperty("platform").GetString());
        Assert.Equal(technique, root.GetProperty("technique").GetString());
        JsonElement[] steps = root.GetProperty("steps").EnumerateArray().ToArray();
        Assert.NotEmpty(steps);
        foreach (JsonElement step in steps)
        {
            string[] names = step.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(new[] { "layer", "lane", "event", "detail" }, names[..4]);
            Assert.All(names[4..], name => Assert.True(TraceFields.Names.Contains(name) || (name.EndsWith("_symbol", StringComparison.Ordinal)
                && TraceFields.Names.Contains(name[..^"_symbol".Length])), $"undocumented field {name}"));
            Assert.Contains(step.GetProperty("layer").GetString(), s_layers);
            Assert.Contains(step.GetProperty("lane").GetString(), s_lanes);
            Assert.True(Enum.TryParse(step.GetProperty("event").GetString(), out EventKind _), step.ToString());
            Assert.False(string.IsNullOrWhiteSpace(step.GetProperty("detail").GetString()), step.ToString());
        }
        Assert.Equal("PageFault", steps[0].GetProperty("event").GetString());
        // Charged to user code (the cost model prices it there), drawn in the CPU's lane.
        Assert.Equal("user", steps[0].GetProperty("layer").GetString());
        Assert.Equal("cpu", steps[0].GetProperty("lane").GetString());
        Assert.Equal(14, steps[0].GetProperty("vector").GetInt32());
        Assert.Equal(platform == "xen-pv", steps.Any(s => s.GetProperty("layer").GetString() == "hypervisor"));
        if (technique == "none")
        {
            // The store kills the process: the trace ends with the kernel's decision.
            Assert.Equal("FaultHandled", steps[^1].GetProperty("event").GetString());
            Assert.Contains("SIGSEGV", steps[^1].GetProperty("detail").GetString());
        }
    }

    [Fact]
    public void JsonFlagIsFormatJson()
    {
        (int status, string stdout, string stderr) = Hvsim("trace", "--platform", "xen-pv", "--technique", "pt", "--json");
        Assert.True(status == 0, stderr);
        Assert.Equal(Trace("xen-pv", "pt", "json"), stdout);
    }

    [GeneratedRegex(@"^    (User|Kernel|Hypervisor|Cpu)(->>|-->>)(User|Kernel|Hypervisor|Cpu): \S.*$")]
    private static partial Regex Message();

    [GeneratedRegex(@"^    Note over (User|Kernel|Hypervisor|Cpu): \S.*$")]
    private static partial Regex NoteLine();

    [GeneratedRegex(@"#\w+;")]
    private static partial Regex Entity();

    [Theory]
    [InlineData("native", "pt")]
    [InlineData("native", "none")]
    [InlineData("xen-pv", "pt")]
    [InlineData("xen-shadow", "pt")]
    public void MermaidIsASequenceDiagramWithOneLanePerLayer(string platform, string technique)
    {
        string[] lines = Lines(Trace(platform, technique, "mermaid"));
        Assert.Equal("sequenceDiagram", lines[0]);
        Assert.StartsWith("    title ", lines[1]);
        bool xen = platform != "native";
        string[] participants = lines.Where(l => l.StartsWith("    participant ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(xen ? 4 : 3, participants.Length);
        Assert.StartsWith("    participant User", participants[0]);
        Assert.StartsWith("    participant Kernel", participants[1]);
        if (xen)
        {
            Assert.StartsWith("    participant Hypervisor", participants[2]);
        }
        Assert.Equal("    participant Cpu as CPU", participants[^1]);
        foreach (string line in lines[(2 + participants.Length)..])
        {
            Assert.True(Message().IsMatch(line) || NoteLine().IsMatch(line), $"not a message or a note: '{line}'");
            Assert.True(xen || !line.Contains("Hypervisor", StringComparison.Ordinal), line);
            // What Mermaid's sequence grammar chokes on: '#' starts a comment, ';' ends a
            // statement, '%%' is a comment. Only entity codes (#35; ...) may carry them.
            string text = Entity().Replace(line, "");
            Assert.DoesNotContain('#', text);
            Assert.DoesNotContain(';', text);
            Assert.DoesNotContain("%%", text);
        }
        string diagram = string.Join('\n', lines);
        if (xen)
        {
            // Figure 3(b): the fault enters the hypervisor, which bounces it to the guest kernel;
            // the kernel's page-table work goes through the hypervisor; the 32-bit PV kernel
            // returns to user mode with a plain iret from ring 1.
            Assert.Contains("User->>Cpu: mov byte ptr [rbx+8],2Ah", diagram);
            Assert.Contains("Cpu->>Hypervisor: #35;PF", diagram);
            Assert.Contains("Hypervisor->>Kernel: bounce #35;PF", diagram);
            Assert.Contains("Kernel->>Hypervisor:", diagram);
            Assert.Contains("Kernel-->>User: iret", diagram);
            Assert.DoesNotContain("sysret", diagram);
        }
        else
        {
            // Figure 3(a): fault, signal, mprotect, rt_sigreturn between user and kernel only.
            Assert.Contains("User->>Cpu: mov byte ptr [rbx+8],2Ah", diagram);
            Assert.Contains("Cpu->>Kernel: #35;PF", diagram);
        }
        if (technique == "pt")
        {
            // Natively the system call enters the kernel; a 32-bit guest on 64-bit Xen (the paper's)
            // enters Xen with int 0x80 and is bounced to its kernel.
            Assert.Contains(platform == "native" ? "User->>Kernel: mprotect()" : "User->>Hypervisor: int 0x80", diagram);
            Assert.Contains(platform == "native" ? ": rt_sigreturn()" : "Hypervisor->>Kernel: bounce syscall", diagram);
            Assert.Contains("rt_sigreturn()", diagram);
        }
        else
        {
            Assert.EndsWith("the process is killed (status 139)", lines[^1]);
        }
    }

    [Fact]
    public void XenPvDiagramShowsThePageTableHypercalls()
    {
        string diagram = Trace("xen-pv", "pt", "mermaid");
        Assert.Contains("Kernel->>Hypervisor: mmu_update", diagram);
        Assert.Contains("Kernel->>Hypervisor: mmuext_op", diagram);
        // The paper's 2.6.18-xen guest flushes the whole TLB once per changed VMA.
        Assert.Contains("MMUEXT_TLB_FLUSH_LOCAL", diagram);
        Assert.Contains("Hypervisor-->>Kernel: return", diagram);
    }

    [Fact]
    public void MermaidEscapesWhatTheGrammarReserves()
    {
        Assert.Equal("#35;PF at 1#59; 50#37;#37; #lt;br#gt;", TraceMermaid.Escape("#PF at 1; 50%% <br>"));
    }

    [Fact]
    public void TheTraceGuestBehavesTheSameNativelyAndSimulatedWithoutAHandler()
    {
        // programs.tsv runs "trace pt"; "trace none" dies of SIGSEGV at the store.
        string path = RepositoryPaths.Guest(TraceRecorder.GuestName);
        GuestRun simulated = GuestRun.Simulated(path, new[] { "none" }, new[] { "LANG=C" });
        Assert.Equal(139, simulated.ExitStatus);
        Assert.Equal("trace none: one write to a read-only page\n", simulated.StdoutText);
        Assert.Equal("", simulated.StderrText);
        if (GuestRun.HostCanRunGuests)
        {
            GuestRun native = GuestRun.Native(path, new[] { "none" }, new[] { "LANG=C" });
            Assert.Equal(simulated.ExitStatus, native.ExitStatus);
            Assert.Equal(simulated.StdoutText, native.StdoutText);
            Assert.Equal(simulated.StderrText, native.StderrText);
        }
    }

    /// <summary>
    /// The library techniques trace one write and the cycle's end of the real checkpoint library:
    /// the hypervisor techniques never enter the guest kernel; Emul's path runs through the
    /// kernel's signal delivery and the user-level emulator; every trace ends with the commit.
    /// </summary>
    [Theory]
    [InlineData("native", "emul", "InstructionDecode", true)]
    [InlineData("xen-pv", "emul", "WriteEmulated", true)]
    [InlineData("xen-pv", "ptxen", "PteUpdate", false)]
    [InlineData("xen-shadow", "ptxen", "PteUpdate", false)]
    [InlineData("xen-pv", "emulxen", "WriteEmulated", false)]
    [InlineData("xen-shadow", "scanxen", "PteScan", false)]
    public void LibraryTechniquesTraceTheWriteAndTheCommit(string platform, string technique, string characteristic, bool kernelRuns)
    {
        string[] lines = Lines(Trace(platform, technique, "text"));
        Assert.Contains(lines, l => l.Contains($" {characteristic} ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" CopyBytes ", StringComparison.Ordinal) && l.Contains("applied by the backup", StringComparison.Ordinal));
        Assert.Equal(kernelRuns, lines.Skip(1).SkipLast(2).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "kernel"));
        Assert.EndsWith($"technique {technique}: the guest ended with status 0", lines[^2]);
    }

    [Fact]
    public void VerboseShowsTheGuestsOutputOnStderr()
    {
        (int status, string stdout, string stderr) = Hvsim("trace", "--platform", "native", "--technique", "pt", "--verbose");
        Assert.Equal(0, status);
        Assert.Contains("trace pt: write done: value 42, faults 1", stderr);
        Assert.DoesNotContain("trace pt:", stdout);
    }

    [Theory]
    [InlineData("trace")]
    [InlineData("trace --technique pt")]
    [InlineData("trace --platform native")]
    [InlineData("trace --platform xen --technique pt")]
    [InlineData("trace --platform native --technique ptxen")]
    [InlineData("trace --platform xen-pv --technique scanxen")]
    [InlineData("trace --platform native --technique turbo")]
    [InlineData("trace --platform native --technique pt --format svg")]
    [InlineData("trace --platform native --technique pt --syscall-path sysenter")]
    [InlineData("trace --platform native --technique pt --pte-updates direct")]
    [InlineData("trace --platform native --technique pt --no-such-option")]
    [InlineData("trace --platform native --technique pt extra")]
    [InlineData("trace --platform native --technique")]
    public void BadOptionsAreOneLineUsageErrors(string commandLine)
    {
        (int status, string stdout, string stderr) = Hvsim(commandLine.Split(' '));
        Assert.Equal(Program.UsageError, status);
        Assert.Equal("", stdout);
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("hvsim: ", lines[0]);
    }
}
