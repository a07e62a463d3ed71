namespace HvSim.Tests.Hypervisor;

using HvSim.Core;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;
using HvSim.Tests.FaultPath;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// Emulxen (paper Section IV.C): the CDA stays read-only; the hypervisor's page-fault handler
/// emulates each write with the shared engine, writing the frame directly and logging (address,
/// size, value) in the application's record, and resumes after the instruction — the guest kernel
/// never runs and the page never becomes writable. What the engine cannot emulate is tracked as a
/// whole page for the cycle (a write is never lost).
/// </summary>
public sealed class EmulXenTests
{
    private const ulong EmulXenMode = (ulong)CheckpointMode.EmulXen;

    public static TheoryData<string> Platforms => new() { "xen-pv", "xen-shadow" };

    private static bool Writable(ulong pte) => PteFormat.Has(pte, Pte.P | Pte.RW);

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Each_write_is_emulated_and_logged_and_the_page_never_becomes_writable(string platform)
    {
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, EmulXenMode).Begin().Marker()                  // marker 0
            .Store(0, 8, 0x1234)                                                // mov qword [cda+8], 0x1234
            .Code(a => a.mov(__dword_ptr[r12 + 4096 + 16], 7))                  // mov dword [cda+4096+16], 7
            .Store(0, 8, 0x5678)
            .Marker()                                                           // marker 1
            .End());
        Assert.Equal([0L, 0L, 0L], run.Results(3));

        LedgerSnapshot window = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(window.Count(EventKind.PageFault, Layer.User) == 3, trace);
        Assert.True(window.Count(EventKind.InstructionDecode, Layer.Hypervisor) == 3, trace);
        Assert.True(window.Count(EventKind.WriteEmulated, Layer.Hypervisor) == 3, trace);
        Assert.True(window.Count(EventKind.DirtyLogAppend, Layer.Hypervisor) == 3, trace);
        Assert.True(window.Count(EventKind.FaultHandled, Layer.Hypervisor) == 3, trace);
        Assert.True(window.Count(EventKind.ReturnToUser, Layer.Hypervisor) == 3, trace);
        Assert.True(window.Count(EventKind.BounceToGuest) == 0, trace);
        Assert.True(window.Count(EventKind.PteUpdate, Layer.Hypervisor) == 0, trace);
        Assert.True(window.Count(EventKind.TlbFlushPage, Layer.Hypervisor) == 0, trace);
        string[] one = ["user PageFault", "hypervisor TrapToHypervisor", "hypervisor InstructionDecode", "hypervisor DirtyLogAppend",
            "hypervisor WriteEmulated", "hypervisor FaultHandled", "hypervisor ReturnToUser"];
        Assert.True(one.Concat(one).Concat(one).SequenceEqual(run.StepsBetween(0, 1)), trace);

        RecordImage record = run.Markers[1].Record;
        Assert.Equal([new LoggedWrite(8, 8, 0x1234), new LoggedWrite(4096 + 16, 4, 7), new LoggedWrite(8, 8, 0x5678)], record.Words);
        Assert.Empty(record.Pages);
        Assert.Equal(0UL, record.Fallbacks);
        Assert.False(Writable(run.Markers[1].MmuPte(0, shadow)));
        Assert.False(Writable(run.Markers[1].MmuPte(1, shadow)));
        Assert.Equal(0x5678UL, run.Markers[1].CdaU64(8));
        Assert.Equal(7UL, run.Markers[1].CdaU64(4096 + 16));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void An_instruction_the_engine_does_not_emulate_falls_back_to_page_tracking_for_the_cycle(string platform)
    {
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, EmulXenMode).Begin().Marker()                  // marker 0
            .Code(a => a.fnstcw(__word_ptr[r12 + 4096 + 32])).Marker()          // marker 1: x87 environment stores are not emulated
            .Code(a => a.mov(__word_ptr[r12 + 4096 + 34], 1)).Marker()          // marker 2: the page is writable this cycle
            .End().Begin().Marker()                                             // marker 3: re-protected
            .End());

        LedgerSnapshot fallback = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(fallback.Count(EventKind.FaultHandled, Layer.Hypervisor) == 1, trace);
        Assert.True(fallback.Subkind("FaultHandled.emulxen-fallback") == 1, trace);
        Assert.True(fallback.Count(EventKind.InstructionDecode, Layer.Hypervisor) == 1, trace);
        Assert.True(fallback.Count(EventKind.WriteEmulated) == 0, trace);
        Assert.True(fallback.Count(EventKind.BounceToGuest) == 0, trace);
        RecordImage record = run.Markers[1].Record;
        Assert.Equal([1], record.PageNumbers);
        Assert.Equal(1UL, record.Fallbacks);
        Assert.Empty(record.Words);
        Assert.True(Writable(run.Markers[1].MmuPte(1, shadow)));
        Assert.Equal((ulong)HvSim.Cpu.Cpu.FcwDefault, run.Markers[1].CdaU64(4096 + 32) & 0xFFFF); // the restarted fnstcw ran natively

        Assert.Equal(0, run.Between(1, 2).Count(EventKind.PageFault));

        LedgerSnapshot begin = run.Between(2, 3);
        Assert.Equal(1, begin.Count(EventKind.PteUpdate, Layer.Hypervisor));
        Assert.False(Writable(run.Markers[3].MmuPte(1, shadow)));
        Assert.Empty(run.Markers[3].Record.Pages);
        Assert.Equal(0UL, run.Markers[3].Record.Fallbacks);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Words_logged_for_a_page_before_it_falls_back_are_dropped_since_the_whole_page_is_listed(string platform)
    {
        // COMMIT applies words after pages: a word logged before the fallback would overwrite the
        // later native store at 4096+0 with its older value.
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, EmulXenMode).Begin()
            .Store(0, 0, 1).Store(1, 0, 2)                                      // two words
            .Code(a => a.fnstcw(__word_ptr[r12 + 4096 + 32]))                   // page 1 falls back
            .Store(1, 0, 3)                                                     // native
            .Marker()
            .End());
        RecordImage record = run.Markers[0].Record;
        Assert.Equal([new LoggedWrite(0, 8, 1)], record.Words);
        Assert.Equal([1], record.PageNumbers);
        Assert.Equal(3UL, run.Markers[0].CdaU64(4096));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_full_word_log_falls_back_to_page_tracking(string platform)
    {
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2, wordCap: 2)
            .Register(run.Token, EmulXenMode).Begin()
            .Store(0, 0, 1).Store(0, 8, 2).Store(1, 0, 3)
            .Marker()
            .End());
        RecordImage record = run.Markers[0].Record;
        Assert.Equal([new LoggedWrite(0, 8, 1), new LoggedWrite(8, 8, 2)], record.Words);
        Assert.Equal([1], record.PageNumbers);
        Assert.Equal(1UL, record.Fallbacks);
        Assert.Equal(3UL, run.Markers[0].CdaU64(4096));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_page_fault_the_emulation_meets_goes_to_the_guest_kernel_and_the_write_is_then_emulated(string platform)
    {
        // A store straddling CDA pages 0 and 1, page 1 never touched: the engine needs page 1,
        // which the guest has not mapped, so the fault is reflected to the kernel (demand paging);
        // the restarted store is emulated whole, logged as one word per page.
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2, populated: [0])
            .Register(run.Token, EmulXenMode).Begin().Marker()
            .Code(a =>
            {
                a.mov(rax, 0x1122_3344_5566_7788UL);
                a.mov(__qword_ptr[r12 + 4092], rax);
            })
            .Marker()
            .End());
        LedgerSnapshot window = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(window.Count(EventKind.BounceToGuest) == 1, trace);
        Assert.True(window.Count(EventKind.FaultHandled, Layer.Kernel) == 1, trace);
        // Two emulation attempts (under shadow paging the kernel's trapped PTE store is decoded too).
        Assert.True(window.Count(EventKind.InstructionDecode, Layer.Hypervisor) == (platform == "xen-shadow" ? 3 : 2), trace);
        Assert.True(window.Count(EventKind.FaultHandled, Layer.Hypervisor) == 1, trace);
        Assert.Equal([new LoggedWrite(4092, 4, 0x5566_7788), new LoggedWrite(4096, 4, 0x1122_3344)], run.Markers[1].Record.Words);
        Assert.Empty(run.Markers[1].Record.Pages);
        Assert.Equal(0x1122_3344_5566_7788UL, run.Markers[1].CdaU64(4092));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_kernel_copy_into_the_CDA_is_tracked_as_a_fallback_page(string platform)
    {
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, EmulXenMode).Begin()
            .Code(a =>
            {
                a.lea(rdi, __[r12 + 4096]); // getrandom(cda + 4096, 16, 0)
                a.mov(esi, 16);
                a.xor(edx, edx);
                a.mov(eax, 318);
                a.syscall();
            })
            .Marker()
            .End());
        Assert.Equal([1], run.Markers[0].Record.PageNumbers);
        Assert.Equal(1UL, run.Markers[0].Record.Fallbacks);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Only_the_bytes_inside_the_CDA_are_logged(string platform)
    {
        // A CDA of one page and 100 bytes: a store across its end logs its first 4 bytes; a store
        // beyond it (still in the protected last page) is emulated and not logged.
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, EmulXenMode, cdaLength: 4096 + 100).Begin()
            .Code(a =>
            {
                a.mov(rax, 0x1122_3344_5566_7788UL);
                a.mov(__qword_ptr[r12 + 4096 + 96], rax);
            })
            .Store(1, 200, 9)
            .Marker()
            .End());
        Assert.Equal([new LoggedWrite(4096 + 96, 4, 0x5566_7788)], run.Markers[0].Record.Words);
        Assert.Empty(run.Markers[0].Record.Pages);
        Assert.Equal(0x1122_3344_5566_7788UL, run.Markers[0].CdaU64(4096 + 96));
        Assert.Equal(9UL, run.Markers[0].CdaU64(4096 + 200));
        Assert.Equal(2, run.Ledger.Count(EventKind.WriteEmulated, Layer.Hypervisor));
    }

    [Fact]
    public void Emulxen_needs_room_for_one_word_in_the_record()
    {
        var run = new TechniqueRun("xen-pv");
        var guest = new TechniqueGuest(2);
        run.Execute(guest
            .Register(run.Token, EmulXenMode, recordLength: 64 + (8 * 2))
            .Register(run.Token, EmulXenMode, recordLength: 64 + (8 * 2) + 32));
        Assert.Equal([-22L, 0L], run.Results(2));
    }
}
