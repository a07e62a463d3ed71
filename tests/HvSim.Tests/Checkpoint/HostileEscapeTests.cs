using HvSim.Checkpoint;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Checkpoint;

/// <summary>
/// Issue 13: the checkpoint escape (xchg cx, cx) with hostile arguments. REGISTER of a 2-4 GiB
/// CDA made the host allocate the whole backup and ended in an internal error (status 70), even
/// with technique none; a CDA larger than the ABI's largest (1 GiB then, 4 GiB since the backup is
/// sparse) is EINVAL and nothing is copied.
/// </summary>
public sealed class HostileEscapeTests
{
    private const int ExitGroup = HvSim.Tests.FaultPath.PtGuest.SysExitGroup;

    /// <summary>mmap <paramref name="mapped"/> bytes (default: <paramref name="length"/>), REGISTER <paramref name="length"/> bytes there through the escape, exit with the negated result (0 on success).</summary>
    private static byte[] RegisterProgram(ulong length, ulong? mapped = null) => TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
    {
        HvSim.Tests.FaultPath.PtGuest.Mmap(a, mapped ?? length, noReserve: true);
        a.mov(rsi, rax);                             // cda
        a.mov(edi, (int)EscapeFunction.Register);
        a.mov(rdx, length);
        a.xor(r10d, r10d);
        a.xchg(cx, cx);
        a.neg(rax);
        a.mov(rdi, rax);
        a.mov(eax, ExitGroup);
        a.syscall();
    }));

    [Theory]
    [InlineData(Technique.None, (4UL << 30) + 4096)]
    [InlineData(Technique.Pt, 6UL << 30)]
    [InlineData(Technique.Emul, (8UL << 30) - 4096)]
    public void A_cda_beyond_the_ABI_s_largest_is_refused_before_anything_is_copied(Technique technique, ulong length)
    {
        var kernel = new GuestKernel(new KernelOptions { MaxInstructions = 10_000 }, new MemoryStream(), new MemoryStream(), new MemoryStream());
        var session = new CheckpointSession(kernel, new CheckpointOptions { Technique = technique }, "hostile");
        long before = GC.GetAllocatedBytesForCurrentThread(); // the run is on this thread; other tests allocate on theirs
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(RegisterProgram(length), "hostile", ["hostile"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.Equal(22, process.ExitStatus); // EINVAL
        Assert.False(session.Registered);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256L << 20, "the host copied no CDA-sized buffer");
    }

    /// <summary>
    /// A 1 GiB CDA (the ABI's largest) of which 32 KiB is mapped: REGISTER is EINVAL, as before,
    /// but it allocated the 1 GiB backup first and found out while copying into it, so every such
    /// call cost the host 1 GiB. Found by the escape fuzzer (EscapeFuzzTests, none on native, seed
    /// 524290). The range is now checked against the mappings before anything is allocated.
    /// </summary>
    [Theory]
    [InlineData(Technique.None)]
    [InlineData(Technique.Pt)]
    public void A_cda_that_is_not_all_mapped_is_refused_before_its_backup_is_allocated(Technique technique)
    {
        var kernel = new GuestKernel(new KernelOptions { MaxInstructions = 10_000 }, new MemoryStream(), new MemoryStream(), new MemoryStream());
        var session = new CheckpointSession(kernel, new CheckpointOptions { Technique = technique }, "hostile");
        long before = GC.GetAllocatedBytesForCurrentThread();
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(RegisterProgram(1UL << 30, mapped: 32 << 10), "hostile", ["hostile"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.Equal(22, process.ExitStatus); // EINVAL
        Assert.False(session.Registered);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "the host allocated no CDA-sized buffer");
    }

    /// <summary>
    /// A CDA whose length ends inside a page (4097 bytes: the ABI asks only for an aligned start)
    /// and a record listing that last page: COMMIT copied the whole 4 KiB page into the backup's
    /// 4097-byte image, an ArgumentException out of the session (an internal error). PTxen, which
    /// tracks the last page whole, lists it for any write to it. Found by the escape fuzzer
    /// (EscapeFuzzTests, scanxen on xen-shadow, seed 7864275, HVSIM_FUZZ_SOAK=8). The backup now
    /// takes the part of the page inside the CDA.
    /// </summary>
    [Theory]
    [InlineData(Technique.None)]
    [InlineData(Technique.Pt)]
    public void A_cda_ending_inside_a_page_commits_its_last_page(Technique technique)
    {
        byte[] elf = TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
        {
            HvSim.Tests.FaultPath.PtGuest.Mmap(a, 8192);
            a.mov(r12, rax);
            a.mov(__byte_ptr[r12], 1);
            a.mov(__byte_ptr[r12 + 4096], 2);
            a.mov(edi, (int)EscapeFunction.Register); a.mov(rsi, r12); a.mov(edx, 4097); a.xor(r10d, r10d); a.xor(eax, eax);
            a.xchg(cx, cx);
            HvSim.Tests.FaultPath.PtGuest.RecordListingOnePage(a, r12, 4096);
            a.mov(__byte_ptr[r12 + 4096], 3);                           // the CDA's last byte changes
            HvSim.Tests.FaultPath.PtGuest.CommitAndExit(a);
        }));
        CheckpointedResult result = CheckpointedRun.Run(elf, "hostile", ["hostile"], [], new KernelOptions { MaxInstructions = 10_000 },
            new CheckpointOptions { Technique = technique }, new MemoryStream(), new MemoryStream(), new MemoryStream());
        Assert.Equal(0, result.ExitStatus);
        Assert.True(result.Check.Equal, result.Check.Detail);
        Assert.Equal(3, result.Session.BackupImage![4096]);
    }
}
