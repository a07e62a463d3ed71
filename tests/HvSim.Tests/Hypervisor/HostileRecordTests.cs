namespace HvSim.Tests.Hypervisor;

using HvSim.Hypervisor.Techniques;
using HvSim.Tests.FaultPath;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// Issue 13: the record header is the application's, and a hostile one must cost the host no more
/// than a sane one. Found by the int 0x84 fuzzer (UserHypercallFuzzTests, xen-pv seed 1703968).
/// </summary>
public sealed class HostileRecordTests
{
    private const ulong Record = 0x3000_0000, Words = 1UL << 28;
    private const int SysMmap = 9, SysClockGettime = 228;

    /// <summary>
    /// Emulxen registered with a 1 TiB record buffer (only its first pages mapped) whose header
    /// then claims 2^28 logged words and as much room; the kernel writes into a protected CDA page
    /// (clock_gettime's timespec), which Emulxen tracks whole, dropping the page's logged words
    /// first. That read the whole word log into one host array: 8 GiB, an OverflowException out of
    /// the hypervisor (an internal error, status 70). Now the hypervisor trusts no header beyond
    /// the most words COMMIT accepts, and reads the log a bounded chunk at a time: the record is
    /// marked lost (COMMIT will refuse it), the kernel's write lands, the run goes on.
    /// </summary>
    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void A_record_header_claiming_two_to_the_28_words_costs_the_host_nothing(string platform)
    {
        var run = new TechniqueRun(platform);
        long before = GC.GetAllocatedBytesForCurrentThread();
        run.Execute(new TechniqueGuest(2)
            .Code(a =>
            {
                // A record buffer low in the address space, so that 1 TiB of it fits in the user half.
                a.mov(eax, SysMmap); a.mov(edi, (uint)Record); a.mov(esi, 4 * 4096); a.mov(edx, 3);
                a.mov(r10d, 0x22 | 0x10); a.mov(r8, -1L); a.xor(r9d, r9d);
                a.syscall();
                a.mov(r13d, (uint)Record);
                a.mov(__qword_ptr[r13 + 16], 2);                   // page_cap: the CDA's pages
                a.mov(rax, Words);
                a.mov(__qword_ptr[r13 + 24], rax);                 // word_cap
            })
            .Register(run.Token, (ulong)CheckpointMode.EmulXen, recordLength: 1UL << 40, record: Record)
            .Begin()
            .Code(a =>
            {
                a.mov(rax, Words);
                a.mov(__qword_ptr[r13 + 8], rax);                  // nwords
                a.xor(edi, edi);                                   // clock_gettime(CLOCK_REALTIME, cda)
                a.mov(rsi, r12);
                a.mov(eax, SysClockGettime);
                a.syscall();
            })
            .Marker()
            .End());
        Assert.Equal([0L, 0L, 0L], run.Results(3));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "no host copy of the word log");
        MarkerView end = run.Markers[0];
        Assert.Equal(1UL, end.Record.Lost);
        Assert.NotEqual(1UL, end.CdaU64(0)); // the timespec's seconds replaced the prologue's 1
    }

    /// <summary>
    /// A record buffer whose header runs off the end of its mapping: CycleBegin cannot reset the
    /// counters (fallbacks lies on the unmapped page) and says so with -EFAULT, but it had already
    /// zeroed npages and nwords. A call that fails writes nothing; the hypervisor now checks the
    /// whole header before it writes any of it.
    /// </summary>
    [Theory]
    [InlineData("xen-pv", CheckpointMode.PtXen)]
    [InlineData("xen-shadow", CheckpointMode.ScanXen)]
    public void A_cycle_begin_that_cannot_reset_the_record_writes_none_of_it(string platform, CheckpointMode mode)
    {
        const ulong header = Record + 4096 - 16; // npages and nwords on the mapped page, the rest beyond it
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Code(a =>
            {
                a.mov(eax, SysMmap); a.mov(edi, (uint)Record); a.mov(esi, 4096); a.mov(edx, 3);
                a.mov(r10d, 0x22 | 0x10); a.mov(r8, -1L); a.xor(r9d, r9d);
                a.syscall();
                a.mov(r14d, (uint)header);
                a.mov(__qword_ptr[r14], 5);                         // npages
                a.mov(__qword_ptr[r14 + 8], 6);                     // nwords
            })
            .Register(run.Token, (ulong)mode, recordLength: 4096, record: header)
            .Begin()
            .Begin()                                                // its result slot takes what follows
            .Code(a =>
            {
                a.mov(rax, __qword_ptr[r14]);
                a.add(rax, __qword_ptr[r14 + 8]);
                a.mov(__qword_ptr[r15 + 16], rax);                  // npages + nwords after both, as the third result
            }));
        Assert.Equal([0L, -14L, 11L], run.Results(3));
    }

    /// <summary>
    /// The words logged for a page that falls back to whole-page tracking are dropped, the others
    /// kept in order: the in-place compaction (a chunk of the log at a time) writes the kept words
    /// back even when the first dropped one lies in the first chunk.
    /// </summary>
    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void A_fallback_drops_its_pages_words_and_keeps_the_others_in_order(string platform)
    {
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, (ulong)CheckpointMode.EmulXen).Begin()
            .Store(0, 8, 0x11)
            .Store(1, 8, 0x22)
            .Store(0, 16, 0x33)
            .Code(a =>
            {
                a.xor(edi, edi);                                   // clock_gettime(CLOCK_REALTIME, cda + 4096): the kernel's write
                a.lea(rsi, __[r12 + 4096]);
                a.mov(eax, SysClockGettime);
                a.syscall();
            })
            .Marker()
            .End());
        RecordImage record = run.Markers[0].Record;
        Assert.Equal([new LoggedWrite(8, 8, 0x11), new LoggedWrite(16, 8, 0x33)], record.Words);
        Assert.Equal([1], record.PageNumbers);
        Assert.Equal(0UL, record.Lost);
    }
}
