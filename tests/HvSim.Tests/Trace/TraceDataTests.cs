using HvSim.Checkpoint;
using HvSim.Cli;
using HvSim.Core;
using HvSim.Hypervisor;

namespace HvSim.Tests.Trace;

/// <summary>
/// The trace's steps carry typed data, and every output is rendered from it (issue 19, item 5):
/// on every platform and every technique that runs there, each step has the fields its kind
/// promises, its wording fills every hole, the CPU's own #PF is in the cpu lane (and only it),
/// and the Mermaid diagram does not depend on any step's wording.
/// </summary>
public sealed class TraceDataTests
{
    /// <summary>Every (platform, technique) pair hvsim trace accepts, recorded once for all the tests here.</summary>
    private static readonly Lazy<IReadOnlyList<TraceRecording>> s_recordings = new(() =>
        (from platform in new[] { Platform.Native, Platform.XenPv, Platform.XenShadow, Platform.Hvm }
         from technique in TraceRecorder.Techniques
         where Techniques.SupportedOn(TechniqueOption.Parse(technique), platform)
         select TraceRecorder.Record(new PlatformOptions { Platform = platform }, technique)).ToArray());

    /// <summary>
    /// The fields each kind of step must have (every one of a group separated by '|' may stand for
    /// the group). A kind missing here fails the test: a new kind of step says what it carries.
    /// </summary>
    private static readonly Dictionary<EventKind, string[]> s_required = new()
    {
        [EventKind.PageFault] = ["vector", "error_code", "address|pte_address"],
        [EventKind.TrapToHypervisor] = ["entry"],
        [EventKind.BounceToGuest] = ["entry"],
        [EventKind.Hypercall] = ["hypercall"],
        [EventKind.UserHypercall] = ["hypercall", "result"],
        [EventKind.SyscallEntry] = ["syscall", "args"],
        [EventKind.SyscallExit] = [],
        [EventKind.ReturnToUser] = ["resume", "next_rip"],
        [EventKind.SignalDelivery] = ["signal", "signal_code", "sigframe", "handler", "restorer"],
        [EventKind.SigReturn] = ["sigframe", "next_rip"],
        [EventKind.Instruction] = ["count", "rip", "instruction", "next_rip"],
        // A guest PTE names its page and value; an EPT entry (hvm) its guest-physical page and its bits in the EPT's letters.
        [EventKind.PteUpdate] = ["page|address", "pte_after|operation"],
        [EventKind.PtWriteEmulated] = ["page", "pte_before", "pte_after"],
        [EventKind.TlbFlushPage] = ["page"],
        [EventKind.TlbFlush] = [],
        [EventKind.PageWalk] = ["address"],
        [EventKind.VmaChange] = ["vma_start", "vma_end"],
        [EventKind.InstructionDecode] = ["rip|instruction"],
        [EventKind.WriteEmulated] = ["address", "size", "value"],
        [EventKind.DirtyLogAppend] = ["index", "page|address"],
        [EventKind.PteScan] = ["count"],
        [EventKind.CopyBytes] = ["count"],
        [EventKind.FaultHandled] = ["page|address"],
        [EventKind.ShadowEviction] = ["tables", "entries"],
        [EventKind.VmExit] = ["operation"],
        [EventKind.Invept] = ["count"],
    };

    private static string Name(TraceRecording r) => $"{PlatformNames.Name(r.Platform.Platform)} {r.Technique}";

    [Fact]
    public void Every_step_on_every_platform_and_technique_has_its_kinds_typed_fields()
    {
        IReadOnlyList<TraceRecording> recordings = s_recordings.Value;
        Assert.Equal(30, recordings.Count); // native 5, xen-pv 7, xen-shadow 8, hvm 10
        foreach (TraceRecording recording in recordings)
        {
            Assert.True(recording.GuestBehavedAsExpected, $"{Name(recording)}: status {recording.ExitStatus}");
            Assert.NotEmpty(recording.Steps);
            foreach (TraceStep step in recording.Steps)
            {
                string where = $"{Name(recording)}: {step.Layer} {step.Kind} '{step.Data.Template}'";
                Assert.True(s_required.TryGetValue(step.Kind, out string[]? required), $"{where}: no field list for this kind");
                HashSet<string> present = TraceFields.Present(step.Data).ToHashSet(StringComparer.Ordinal);
                foreach (string group in required!)
                {
                    Assert.True(group.Split('|').Any(present.Contains), $"{where}: no {group} (has {string.Join(", ", present)})");
                }
                if (step.Kind == EventKind.Hypercall)
                {
                    Assert.Equal(step.Subkind, step.Data.Hypercall); // the ledger's subkind and the step's name agree
                }
                if (step.Kind == EventKind.FaultHandled && step.Layer == Layer.Kernel)
                {
                    Assert.True(present.IsSupersetOf(["access", "outcome"]), where);
                }
                string detail = TraceFields.Detail(step.Data, recording.Symbols);
                Assert.False(string.IsNullOrWhiteSpace(detail), where);
                Assert.DoesNotContain('{', detail);
            }
        }
    }

    [Fact]
    public void The_cpus_own_page_fault_is_in_the_cpu_lane_charged_to_the_code_that_ran()
    {
        foreach (TraceRecording recording in s_recordings.Value)
        {
            foreach (TraceStep step in recording.Steps)
            {
                // Every #PF here is the CPU's (a user store, a guest kernel's page-table store); nothing else is.
                Assert.Equal(step.Kind == EventKind.PageFault, step.Lane == Lane.Cpu);
                Assert.NotEqual(Layer.Hypervisor, step.Kind == EventKind.PageFault ? step.Layer : Layer.User);
            }
            // Scanxen's store does not fault, nor do those of hvm's techniques (an EPT violation is a VM exit, not a #PF).
            if (recording.Technique is not ("scanxen" or "eptwp" or "eptscan" or "pml" or "epml" or "spp"))
            {
                // The traced store faults first: the CPU raises #PF in user code, with what its walk met.
                TraceStep first = recording.Steps[0];
                Assert.Equal((EventKind.PageFault, Lane.Cpu, Layer.User), (first.Kind, first.Lane, first.Layer));
                Assert.Equal(14, first.Data.Vector);
                Assert.NotNull(first.Data.PteBefore);
                Assert.Equal(0x7u, first.Data.ErrorCode & 0x7u); // P, W/R, U/S: a user write to a present read-only page
                Assert.Contains("->>Cpu: ", TraceMermaid.Diagram(recording));
            }
            Assert.Contains("    participant Cpu as CPU\n", TraceMermaid.Diagram(recording));
        }
    }

    [Fact]
    public void The_diagram_comes_from_typed_data_so_rewording_a_step_cannot_change_it()
    {
        foreach (TraceRecording recording in s_recordings.Value)
        {
            TraceRecording unworded = recording with
            {
                Steps = recording.Steps.Select(s => s with { Data = s.Data with { Template = "" } }).ToArray(),
            };
            Assert.Equal(TraceMermaid.Diagram(recording), TraceMermaid.Diagram(unworded));
        }
    }

    [Fact]
    public void Json_carries_the_typed_fields_and_names_code_addresses()
    {
        TraceRecording pt = s_recordings.Value.Single(r => r.Platform.Platform == Platform.XenPv && r.Technique == "pt");
        using var json = System.Text.Json.JsonDocument.Parse(TraceFormats.Json(pt));
        System.Text.Json.JsonElement delivery = json.RootElement.GetProperty("steps").EnumerateArray()
            .Single(s => s.GetProperty("event").GetString() == "SignalDelivery");
        TraceData data = pt.Steps.Single(s => s.Kind == EventKind.SignalDelivery).Data;
        Assert.Equal($"0x{data.Handler:x}", delivery.GetProperty("handler").GetString());
        Assert.Equal("pt_handler", delivery.GetProperty("handler_symbol").GetString());
        Assert.Equal("rt_sigreturn_tramp", delivery.GetProperty("restorer_symbol").GetString());
        Assert.Equal("SIGSEGV", delivery.GetProperty("signal").GetString());
        Assert.Equal("SEGV_ACCERR", delivery.GetProperty("signal_code").GetString());
        System.Text.Json.JsonElement update = json.RootElement.GetProperty("steps").EnumerateArray()
            .Single(s => s.GetProperty("event").GetString() == "PteUpdate");
        TraceData pte = pt.Steps.Single(s => s.Kind == EventKind.PteUpdate).Data;
        Assert.Equal($"0x{pte.PteAfter:x}", update.GetProperty("pte_after").GetString());
        Assert.Equal($"0x{pte.PteBefore:x}", update.GetProperty("pte_before").GetString());
        // mprotect made the page writable: RW (bit 1) was clear before and is set after.
        Assert.Equal((0UL, 2UL), (pte.PteBefore!.Value & 2, pte.PteAfter!.Value & 2));
    }
}
