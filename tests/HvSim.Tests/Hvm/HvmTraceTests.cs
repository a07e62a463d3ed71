namespace HvSim.Tests.Hvm;

using HvSim.Cli;
using HvSim.Core;
using HvSim.Hypervisor;

/// <summary>hvsim trace on hvm: each technique's path step by step, the VM exits as steps of their own, in text, JSON and Mermaid.</summary>
public sealed class HvmTraceTests
{
    [Theory]
    [InlineData("eptwp", "ept_violation")]
    [InlineData("spp", "ept_violation")]
    [InlineData("pml", null)]
    [InlineData("epml", null)]
    [InlineData("eptscan", null)]
    public void The_traced_store_follows_the_techniques_mechanism(string technique, string? storeExit)
    {
        TraceRecording recording = TraceRecorder.Record(new PlatformOptions { Platform = Platform.Hvm }, technique);
        Assert.True(recording.GuestBehavedAsExpected, $"status {recording.ExitStatus}");
        TraceStep first = recording.Steps[0];
        if (storeExit is not null)
        {
            // The store exits to the hypervisor; the guest kernel never runs.
            Assert.Equal((EventKind.VmExit, storeExit), (first.Kind, first.Subkind));
        }
        else if (technique is "pml" or "epml")
        {
            // The CPU logs the page itself, in the guest's time.
            Assert.Equal((EventKind.DirtyLogAppend, Layer.User), (first.Kind, first.Layer));
        }
        Assert.DoesNotContain(recording.Steps, s => s.Layer == Layer.Kernel || s.Kind == EventKind.PageFault);
        Assert.Contains(recording.Steps, s => s.Kind == EventKind.VmExit && s.Subkind == "vmcall");
        TraceStep copy = recording.Steps.Single(s => s.Kind == EventKind.CopyBytes);
        Assert.Equal(technique == "spp" ? 128 : 4096, copy.Data.Count);

        Assert.Contains("VM exit", TraceFormats.Text(recording));
        Assert.Contains("\"VmExit\"", TraceFormats.Json(recording));
        Assert.Contains("->>Hypervisor: VM exit (vmcall)", TraceMermaid.Diagram(recording));
    }
}
