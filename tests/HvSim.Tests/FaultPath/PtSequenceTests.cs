namespace HvSim.Tests.FaultPath;

using HvSim.Core;
using Xunit.Abstractions;

/// <summary>
/// The PT fault path of ONE write to a write-protected page (paper Section II.D, Figure 3;
/// DESIGN.md "The fault path per platform"), as the exact sequence of (layer, event) steps the
/// simulator records between the guest's two markers. The guest (<see cref="PtGuest.OneProtectedWrite"/>)
/// has a SIGSEGV handler that mprotects the page RW and returns through an SA_RESTORER trampoline
/// that calls rt_sigreturn; the store is restarted and succeeds (the guest exits with the stored 7).
///
/// Each table is one step per line: layer, event, then a piece of text the step's detail must
/// contain (empty: anything). The comments say which part of the paper's path a step is.
/// </summary>
public sealed class PtSequenceTests
{
    /// <summary>Bare hardware: the kernel takes the #PF, writes its own PTE and runs invlpg.</summary>
    private const string Native = """
        # the store faults; the kernel's fault handler finds a read-only VMA and pushes a SIGSEGV frame
        user       PageFault          (protection, write, user) by mov qword ptr [r12],7
        kernel     FaultHandled       r-- anon : write -> SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser
        # the handler computes the page and calls mprotect(page, 4096, RW)
        user       Instruction        mov rdi,[rsi+10h]
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     PteUpdate          P RW US
        kernel     TlbFlushPage       invlpg
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser
        # the handler returns into the restorer, which calls rt_sigreturn
        user       Instruction        (ret)
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser
        # the store is restarted and succeeds (then the closing marker)
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>
    /// Xen PV, the paper's setting (a 32-bit PV guest on 64-bit Xen): the #PF enters the hypervisor
    /// and is bounced, and so is every int 0x80 (no trap gate reaches ring 1 in long mode); the PTE
    /// change is one mmu_update hypercall (the hypervisor validates and writes the entry), the
    /// invalidation a whole-TLB flush by mmuext_op (2.6.18-xen's flush_tlb_range); the ring-1 kernel
    /// returns to user mode with a plain iret (no hypercall).
    /// </summary>
    private const string XenPv = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     Hypercall          HYPERVISOR_mmu_update
        hypervisor PteUpdate          P RW US
        kernel     Hypercall          HYPERVISOR_mmuext_op
        hypervisor TlbFlush           MMUEXT_TLB_FLUSH_LOCAL
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>Xen PV with 64-bit PV's syscall path: each system call enters the hypervisor first and is bounced.</summary>
    private const string XenPvHypervisorSyscall = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     Hypercall          HYPERVISOR_iret
        hypervisor ReturnToUser
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   syscall
        hypervisor BounceToGuest      syscall
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     Hypercall          HYPERVISOR_mmu_update
        hypervisor PteUpdate          P RW US
        kernel     Hypercall          HYPERVISOR_mmuext_op
        hypervisor TlbFlushPage       INVLPG
        kernel     SyscallExit        returns 0
        kernel     Hypercall          HYPERVISOR_iret
        hypervisor ReturnToUser
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   syscall
        hypervisor BounceToGuest      syscall
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     Hypercall          HYPERVISOR_iret
        hypervisor ReturnToUser
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>
    /// Xen PV whose kernel writes its (read-only) page-table page with a plain store: the store
    /// faults, the hypervisor decodes and emulates it (ptwr); the flush is still an mmuext_op.
    /// </summary>
    private const string XenPvTrappedWrite = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     PageFault          page-table page
        hypervisor TrapToHypervisor   page-table page
        hypervisor InstructionDecode  mov [rdi],rsi
        hypervisor PtWriteEmulated    P RW US
        kernel     Hypercall          HYPERVISOR_mmuext_op
        hypervisor TlbFlush           MMUEXT_TLB_FLUSH_LOCAL
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>
    /// Xen with shadow page tables. The shadow entry mirrors the guest's read-only one, so the
    /// store faults; the hypervisor walks the guest's tables, finds the page read-only there too,
    /// and bounces the guest's own protection fault. The kernel's PTE store traps, is decoded and
    /// emulated, and propagated to the shadow entry; its invlpg traps and drops the TLB entry.
    /// The page is dirty (it was written before), so the propagated shadow entry is writable and
    /// the restarted store goes straight through.
    /// </summary>
    private const string XenShadow = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor PageWalk           guest tables forbid it: #PF at 0x7fffeffff000 (protection, write, user)
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     PageFault          page-table page
        hypervisor TrapToHypervisor   page-table page
        hypervisor InstructionDecode  mov [rdi],rsi
        hypervisor PtWriteEmulated    P RW US A D
        hypervisor PteUpdate          shadow PTE for 0x7fffeffff000 := 0xb000 P RW US A D
        hypervisor TrapToHypervisor   mov cr3
        hypervisor TlbFlush
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>
    /// Shadow paging with a page that was only read before it was protected (guest D clear): the
    /// propagated shadow entry stays read-only until the guest's D bit is set, so the restarted
    /// store takes a shadow fault that the hypervisor fixes alone — it walks the guest's tables
    /// (setting D there: A/D flow back), fills a writable shadow entry and returns straight to the
    /// store. The guest kernel never runs for it.
    /// </summary>
    private const string XenShadowCleanPage = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor PageWalk           guest tables forbid it
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     PageFault          page-table page
        hypervisor TrapToHypervisor   page-table page
        hypervisor InstructionDecode  mov [rdi],rsi
        hypervisor PtWriteEmulated    P RW US A NX
        hypervisor PteUpdate          shadow PTE for 0x7fffeffff000 := 0xb000 P US A NX
        hypervisor TrapToHypervisor   mov cr3
        hypervisor TlbFlush
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser       ring-1 kernel
        # the restarted store: a shadow fault fixed in the hypervisor alone
        user       PageFault          (protection, write, user) by mov qword ptr [r12],7
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor PageWalk           guest tables allow it
        hypervisor PteUpdate          P RW US A D
        hypervisor FaultHandled       shadow fault
        hypervisor ReturnToUser
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>
    /// A page that was only read before it was protected, in a private mapping: it maps the zero
    /// page, so the handler's mprotect leaves its PTE read-only (Linux never makes the zero page
    /// writable) and changes no entry; the restarted store faults again and the kernel gives the
    /// page a frame of its own (do_wp_page), flushing the old translation, as Linux 2.6.18 did.
    /// </summary>
    private const string NativeZeroPage = """
        user       PageFault          (protection, write, user) by mov qword ptr [r12],7
        kernel     FaultHandled       r-- anon : write -> SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser
        user       Instruction        mov rdi,[rsi+10h]
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser
        user       Instruction        (ret)
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser
        # the restarted store: the zero page is copied on write
        user       PageFault          (protection, write, user) by mov qword ptr [r12],7
        kernel     PteUpdate          P RW US
        kernel     TlbFlushPage       invlpg
        kernel     FaultHandled       rw- anon : write -> zero page replaced by a page of its own
        kernel     ReturnToUser
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>The zero-page case on Xen PV: the copy's PTE is an mmu_update, its flush an MMUEXT_INVLPG_LOCAL.</summary>
    private const string XenPvZeroPage = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        kernel     Hypercall          HYPERVISOR_mmuext_op
        hypervisor TlbFlush           MMUEXT_TLB_FLUSH_LOCAL
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser       ring-1 kernel
        user       PageFault          (protection, write, user) by mov qword ptr [r12],7
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor BounceToGuest
        kernel     Hypercall          HYPERVISOR_mmu_update
        hypervisor PteUpdate          P RW US
        kernel     Hypercall          HYPERVISOR_mmuext_op
        hypervisor TlbFlushPage       MMUEXT_INVLPG_LOCAL
        kernel     FaultHandled       zero page replaced by a page of its own
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov qword ptr [r12],7
        """;

    /// <summary>
    /// The zero-page case under shadow paging: the kernel's copy is a trapped, emulated PTE store
    /// that drops the shadow entry, so the store faults a third time and the hypervisor alone
    /// fills the new shadow entry.
    /// </summary>
    private const string XenShadowZeroPage = """
        user       PageFault          (protection, write, user)
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor PageWalk           guest tables forbid it
        hypervisor BounceToGuest
        kernel     FaultHandled       SIGSEGV (SEGV_ACCERR)
        kernel     SignalDelivery     SIGSEGV (SEGV_ACCERR
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        mov rdi,[rsi+10h]
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       mprotect(
        kernel     VmaChange          rw-
        hypervisor TrapToHypervisor   mov cr3
        hypervisor TlbFlush
        kernel     SyscallExit        returns 0
        kernel     ReturnToUser       ring-1 kernel
        user       Instruction        (ret)
        hypervisor TrapToHypervisor   int 0x80 from a 32-bit guest on 64-bit Xen
        hypervisor BounceToGuest      syscall callback
        kernel     SyscallEntry       rt_sigreturn(
        kernel     SigReturn
        kernel     SyscallExit
        kernel     ReturnToUser       ring-1 kernel
        # the restarted store: the guest's own fault (read-only in its tables), the zero page copied
        user       PageFault          (protection, write, user) by mov qword ptr [r12],7
        hypervisor TrapToHypervisor   (protection, write, user)
        hypervisor PageWalk           guest tables forbid it
        hypervisor BounceToGuest
        kernel     PageFault          page-table page
        hypervisor TrapToHypervisor   page-table page
        hypervisor InstructionDecode  mov [rdi],rsi
        hypervisor PtWriteEmulated    P RW US
        hypervisor PteUpdate          dropped
        hypervisor TrapToHypervisor   invlpg
        hypervisor TlbFlushPage
        kernel     FaultHandled       zero page replaced by a page of its own
        kernel     ReturnToUser       ring-1 kernel
        # and once more: the shadow entry is filled by the hypervisor alone
        user       PageFault          (not present, write, user) by mov qword ptr [r12],7
        hypervisor TrapToHypervisor   (not present, write, user)
        hypervisor PageWalk           guest tables allow it
        hypervisor PteUpdate          P RW US A D
        hypervisor FaultHandled       shadow fault
        hypervisor ReturnToUser
        user       Instruction        mov qword ptr [r12],7
        """;

    private readonly ITestOutputHelper _output;

    public PtSequenceTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>
    /// The cases: a platform; "+clean" when the page was only read before it was protected, in a
    /// shared mapping (its own frame, writable, D clear); "+zero" when it was only read in a
    /// private one (the zero page, which the restarted store must copy).
    /// </summary>
    public static TheoryData<string> Cases() => new(
        "native", "xen-pv", "xen-pv/hypervisor-syscall", "xen-pv/trapped-write", "xen-shadow",
        "native+clean", "xen-pv+clean", "xen-shadow+clean", "native+zero", "xen-pv+zero", "xen-shadow+zero");

    private static string ExpectedTable(string testCase) => testCase switch
    {
        "native" or "native+clean" => Native, // the hardware sets D itself on the restarted store
        "xen-pv" or "xen-pv+clean" => XenPv,
        "xen-pv/hypervisor-syscall" => XenPvHypervisorSyscall,
        "xen-pv/trapped-write" => XenPvTrappedWrite,
        "xen-shadow" => XenShadow,
        "xen-shadow+clean" => XenShadowCleanPage,
        "native+zero" => NativeZeroPage,
        "xen-pv+zero" => XenPvZeroPage,
        "xen-shadow+zero" => XenShadowZeroPage,
        _ => throw new ArgumentException(testCase, nameof(testCase)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_protected_write_takes_exactly_the_expected_steps(string testCase)
    {
        PlatformRun run = RunOneWrite(testCase);
        StepTable.AssertMatches(ExpectedTable(testCase), run.Ledger.Trace, testCase);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_event_counted_in_the_window_is_a_step_of_the_trace(string testCase)
    {
        AssertEveryCountedEventIsTraced(RunOneWrite(testCase), testCase);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void Every_event_counted_is_traced_when_the_handler_splits_a_VMA(string platform)
    {
        // Four pages protected together: the handler's mprotect of one page splits the VMA in two
        // (and the closing marker comes before any merge), so the window holds VMA splits.
        PlatformRun run = RunOneWrite(platform, pages: 4);
        AssertEveryCountedEventIsTraced(run, platform);
        Assert.True(run.Ledger.Trace.Count(s => s.Kind == EventKind.VmaChange) >= 2, run.TraceText());
    }

    private static void AssertEveryCountedEventIsTraced(PlatformRun run, string what)
    {
        LedgerSnapshot window = run.Between(0, 1);
        foreach (((EventKind kind, Layer layer), long count) in window.Counts)
        {
            // Instruction counts instructions, traced as one step per run of them; the MMU's
            // own walks (user and kernel layers) are counted but not traced.
            if (kind == EventKind.Instruction || (kind == EventKind.PageWalk && layer != Layer.Hypervisor))
            {
                continue;
            }
            int steps = run.Ledger.Trace.Count(s => s.Kind == kind && s.Layer == layer);
            Assert.True(steps == count, $"{what}: {kind}/{layer} counted {count} times in the window, traced {steps} times\n{run.TraceText()}");
        }
        Assert.True(window.Count(EventKind.Instruction, Layer.User) > 0 && run.Ledger.Trace.Any(s => s.Kind == EventKind.Instruction),
            "user code ran in the window and is traced");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_guest_kernel_handles_the_fault_once_and_only_the_hypervisor_fixes_a_shadow_fault(string testCase)
    {
        PlatformRun run = RunOneWrite(testCase);
        LedgerSnapshot window = run.Between(0, 1);
        // On the zero page the kernel handles a second fault: the copy on the restarted store.
        bool zero = testCase.EndsWith("+zero", StringComparison.Ordinal);
        Assert.Equal(zero ? 2 : 1, window.Count(EventKind.FaultHandled, Layer.Kernel));
        Assert.Equal(1, window.Count(EventKind.SignalDelivery, Layer.Kernel));
        Assert.Equal(1, window.Count(EventKind.SigReturn, Layer.Kernel));
        Assert.Equal(2, window.Count(EventKind.SyscallEntry, Layer.Kernel));
        bool shadowFault = testCase is "xen-shadow+clean" or "xen-shadow+zero";
        Assert.Equal(shadowFault ? 1 : 0, window.Count(EventKind.FaultHandled, Layer.Hypervisor));
        Assert.Equal(1 + (shadowFault ? 1 : 0) + (zero ? 1 : 0), window.Count(EventKind.PageFault, Layer.User));
        // Three returns to user mode (into the handler, after mprotect, after rt_sigreturn): a plain
        // iret in the kernel's layer natively and from a 32-bit PV guest's ring-1 kernel, the iret
        // hypercall from a 64-bit PV guest's; plus the copy's and the shadow fix's own returns.
        bool iretHypercall = testCase == "xen-pv/hypervisor-syscall";
        Assert.Equal(iretHypercall ? 0 : zero ? 4 : 3, window.Count(EventKind.ReturnToUser, Layer.Kernel));
        Assert.Equal(iretHypercall ? 3 : 0, window.Subkind("Hypercall.iret"));
        Assert.Equal(iretHypercall ? 3 : shadowFault ? 1 : 0, window.Count(EventKind.ReturnToUser, Layer.Hypervisor));
    }

    private PlatformRun RunOneWrite(string testCase, int pages = 1)
    {
        string platform = testCase.Split('+')[0];
        var run = new PlatformRun(PlatformRun.Options(platform));
        FirstTouch touch = testCase.EndsWith("+clean", StringComparison.Ordinal) ? FirstTouch.ReadShared
            : testCase.EndsWith("+zero", StringComparison.Ordinal) ? FirstTouch.ReadPrivate
            : FirstTouch.Write;
        HvSim.GuestOs.Kernel.Process process = run.Run(PtGuest.OneProtectedWrite(pages, touch));
        _output.WriteLine($"{testCase}:\n{run.TraceText()}");
        Assert.True(process.ExitStatus == 7, $"the restarted store took effect and the guest exited with it: status {process.ExitStatus} ({process.FatalReport})");
        Assert.Equal(2, run.MarkersPassed);
        return run;
    }
}

/// <summary>A readable table of expected (layer, event, detail fragment) steps, and its comparison with a trace.</summary>
internal static class StepTable
{
    public sealed record Row(Layer Layer, EventKind Kind, string DetailFragment);

    public static IReadOnlyList<Row> Parse(string table)
    {
        var rows = new List<Row>();
        foreach (string raw in table.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] parts = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            rows.Add(new Row(
                Enum.Parse<Layer>(parts[0], ignoreCase: true),
                Enum.Parse<EventKind>(parts[1]),
                parts.Length > 2 ? parts[2].Trim() : ""));
        }
        return rows;
    }

    public static void AssertMatches(string table, IReadOnlyList<TraceStep> actual, string what)
    {
        IReadOnlyList<Row> expected = Parse(table);
        int mismatch = -1;
        for (int i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            if (i >= expected.Count || i >= actual.Count || !Matches(expected[i], actual[i]))
            {
                mismatch = i;
                break;
            }
        }
        if (mismatch < 0)
        {
            return;
        }
        var report = new System.Text.StringBuilder($"{what}: step {mismatch + 1} differs\n   expected                                        | actual\n");
        for (int i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            string e = i < expected.Count ? $"{expected[i].Layer,-10} {expected[i].Kind,-17} {expected[i].DetailFragment}" : "";
            string a = i < actual.Count ? $"{actual[i].Layer,-10} {actual[i].Kind,-17} {HvSim.Cli.TraceFields.Detail(actual[i].Data)}" : "";
            string mark = i == mismatch ? ">>" : "  ";
            report.Append($"{mark} {(e.Length > 48 ? e[..48] : e),-48}| {a}\n");
        }
        Assert.Fail(report.ToString());
    }

    private static bool Matches(Row row, TraceStep step) =>
        row.Layer == step.Layer && row.Kind == step.Kind && HvSim.Cli.TraceFields.Detail(step.Data).Contains(row.DetailFragment, StringComparison.Ordinal);
}
