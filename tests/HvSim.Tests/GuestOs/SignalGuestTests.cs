namespace HvSim.Tests.GuestOsTests;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Tests.Guests;
using Xunit.Abstractions;

/// <summary>
/// The signal and VMA guests (guests/src/signals.c, vmas.c, sigblocked.c) under the simulated
/// kernel, with the kernel's own account of what happened: one SignalDelivery and one SigReturn
/// per handler run, the PT cycle's faults and mprotects, and a blocked SIGSEGV that kills.
/// Their output must equal the native recording in guests/expected/ (the differential test
/// checks that too; here a part can be run alone, so its events can be counted).
/// </summary>
public sealed class SignalGuestTests
{
    private readonly ITestOutputHelper _output;

    public SignalGuestTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static string Expected(string name) =>
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".out"));

    private KernelRun RunChecked(string name, params string[] args)
    {
        KernelRun run = KernelRun.Guest(name, args);
        _output.WriteLine($"{name} {string.Join(' ', args)}: {run.Kernel.Cpu.InstructionsRetired} instructions\n{run.LedgerText()}");
        Assert.True(run.Outcome == RunOutcome.Exited && run.ExitStatus == 0, run.Describe());
        Assert.Contains("checks: 0 failed", run.Stdout);
        return run;
    }

    [Theory]
    [InlineData("signals-O0")]
    [InlineData("signals-O2")]
    public void Pt_page_tracking_takes_one_fault_per_page_and_each_is_one_delivery_and_one_sigreturn(string name)
    {
        KernelRun run = RunChecked(name, "pt");
        Assert.Contains("cycle 1: faults taken (one per page)         64\n", run.Stdout);
        Assert.Contains("cycle 2: faults taken                        32\n", run.Stdout);
        Assert.StartsWith(Expected(name)[..Expected(name).IndexOf("(b)", StringComparison.Ordinal)], run.Stdout);

        const int faults = 64 + 32;
        Assert.Equal(faults, run.Ledger.Count(EventKind.SignalDelivery, Layer.Kernel));
        Assert.Equal(faults, run.Ledger.Count(EventKind.SigReturn, Layer.Kernel));
        Assert.Equal(faults, run.Ledger.Count(EventKind.SignalDelivery));
        // Each PT fault is a #PF the kernel turned into SIGSEGV; the others populated pages.
        Assert.True(run.Ledger.Count(EventKind.PageFault) >= faults);
        // Each handler's mprotect(RW) of one populated page rewrites one PTE and invalidates it.
        Assert.True(run.Ledger.Count(EventKind.TlbFlushPage) >= faults,
            "one invalidation per handler mprotect of one page");
        // Re-protecting all 64 pages exceeds Linux's single-page flush ceiling (33): one full flush each time.
        Assert.True(run.Ledger.Count(EventKind.TlbFlush) >= 2, "a full TLB flush per protect-all of 64 pages");
    }

    [Theory]
    [InlineData("pt", 96)]
    [InlineData("maperr", 4)]
    [InlineData("sigill", 3)]
    [InlineData("sigfpe", 3)]
    [InlineData("nested", 2)]
    [InlineData("xmm", 1)]
    public void Every_handler_run_is_one_delivery_and_one_sigreturn(string part, int handlerRuns)
    {
        KernelRun run = RunChecked("signals-O2", part);
        Assert.Equal(handlerRuns, run.Ledger.Count(EventKind.SignalDelivery));
        Assert.Equal(handlerRuns, run.Ledger.Count(EventKind.SigReturn));
    }

    [Theory]
    [InlineData("signals-O0")]
    [InlineData("signals-O2")]
    [InlineData("vmas-O0")]
    [InlineData("vmas-O2")]
    public void The_whole_program_prints_what_it_prints_natively(string name)
    {
        KernelRun run = RunChecked(name);
        Assert.Equal(Expected(name), run.Stdout);
        Assert.Equal("", run.Stderr);
        Assert.Equal(run.Ledger.Count(EventKind.SignalDelivery), run.Ledger.Count(EventKind.SigReturn));
        int expectedDeliveries = name.StartsWith("signals", StringComparison.Ordinal)
            ? 96 + 4 + 3 + 3 + 2 + 1
            : 57 + 1; // the probe faults it prints, plus the exec-fault handler
        Assert.Equal(expectedDeliveries, run.Ledger.Count(EventKind.SignalDelivery));
    }

    [Fact]
    public void Vmas_mprotect_and_munmap_record_vma_changes_and_leave_no_frame_behind()
    {
        KernelRun run = RunChecked("vmas-O2");
        Assert.True(run.Ledger.Count(EventKind.VmaChange) > 30, run.LedgerText());
        // exit_group destroyed the address space: every frame, page tables included, is free; only
        // the kernel's zero page stays (the program reads memory it never wrote).
        Assert.True(run.Kernel.ZeroPage.Taken);
        Assert.Equal(1, run.Kernel.Frames.InUse);
    }

    [Fact]
    public void A_fault_while_sigsegv_is_blocked_kills_the_process_and_the_handler_never_runs()
    {
        KernelRun run = KernelRun.Guest("sigblocked");
        Assert.True(run.ExitStatus == 139, run.Describe());
        Assert.Equal(Expected("sigblocked"), run.Stdout);
        Assert.DoesNotContain("handler ran", run.Stdout);
        Assert.Equal(0, run.Ledger.Count(EventKind.SignalDelivery));
        Assert.Contains("SIGSEGV (SEGV_ACCERR)", run.Process.FatalReport);
        Assert.Contains("mov byte ptr", run.Process.FatalReport);
    }
}
