namespace HvSim.Tests.Hypervisor;

using System.Text;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// Issue 13: the shadow pool is bounded and evicted under pressure, as Xen's shadow code does. A
/// guest that touches pages sparsely makes one shadow page table per page; before, the
/// hypervisor's frames ran out after about 80,000 of them and the run ended in an internal error.
/// </summary>
public sealed class ShadowEvictionTests
{
    private const int SparsePages = 100_000;

    /// <summary>
    /// Touches <paramref name="pages"/> pages 2 MiB apart in a MAP_NORESERVE mapping (each needs a
    /// page table of its own, in the guest and in the shadows), then exits 0; a failed mmap exits with its errno.
    /// </summary>
    internal static byte[] SparseToucher(int pages) => TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
    {
        Label loop = a.CreateLabel(), failed = a.CreateLabel();
        a.mov(eax, 9); a.xor(edi, edi); a.mov(rsi, (ulong)pages << 21); a.mov(edx, 3); a.mov(r10d, 0x22 | 0x4000); a.mov(r8, -1L); a.xor(r9d, r9d);
        a.syscall();
        a.test(rax, rax);
        a.js(failed);
        a.mov(rbx, rax);
        a.xor(ecx, ecx);
        a.Label(ref loop);
        a.mov(rdx, rcx);
        a.shl(rdx, 21);
        a.mov(__byte_ptr[rbx + rdx], 1);
        a.inc(rcx);
        a.cmp(rcx, pages);
        a.jb(loop);
        a.xor(edi, edi);
        a.mov(eax, 231);
        a.syscall();
        a.Label(ref failed);
        a.neg(rax);
        a.mov(rdi, rax);
        a.mov(eax, 231);
        a.syscall();
    }));

    [Fact]
    public void A_hundred_thousand_sparse_pages_evict_shadows_and_end_cleanly()
    {
        // A 1 GiB machine: the hypervisor's eighth (32,768 frames) holds a third of the tables.
        var kernel = new GuestKernel(new KernelOptions { PhysicalMemoryBytes = 1UL << 30, Platform = new PlatformOptions { Platform = Platform.XenShadow } },
            new MemoryStream(), new MemoryStream(), new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(SparseToucher(SparsePages), "sparse", ["sparse"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.True(process.ExitStatus == 0, $"status {process.ExitStatus}: {process.FatalReport}");
        ShadowPager shadow = ((XenPlatform)kernel.Platform).Shadow!;
        Assert.InRange(shadow.Evictions, 3, 10);
        Assert.Equal(shadow.Evictions, kernel.Ledger.Count(EventKind.ShadowEviction, Layer.Hypervisor));
        Assert.True(shadow.PeakPoolFramesInUse <= shadow.PoolFrames, $"the pool held {shadow.PeakPoolFramesInUse} of {shadow.PoolFrames} frames");
        // Host memory: the guest's own pages (a page and a page table per touched page) and the
        // pool, nothing that grows with the evictions.
        long bound = (2L * SparsePages) + 1_000 + shadow.PoolFrames;
        Assert.True(kernel.Memory.ResidentFrames <= bound, $"{kernel.Memory.ResidentFrames} frames resident, bound {bound}");
    }

    /// <summary>
    /// The microbenchmark with a 48 MiB CDA (24 page tables) under every technique on xen-shadow
    /// with the smallest pool (25 frames): the shadows are dropped again and again, mid-cycle
    /// included, and the backup must still equal the primary at exit, with the same dirty pages,
    /// logged and copied bytes and final checksum as with the default pool. (The backup is checked
    /// after every commit by <see cref="HvSim.Tests.Checkpoint.ShadowEvictionProperties"/>.)
    /// </summary>
    [Theory]
    [InlineData(Technique.None)]
    [InlineData(Technique.Pt)]
    [InlineData(Technique.Emul)]
    [InlineData(Technique.PtXen)]
    [InlineData(Technique.EmulXen)]
    [InlineData(Technique.ScanXen)]
    public void Micro_under_the_smallest_pool_keeps_every_write(Technique technique)
    {
        (CheckpointedResult roomy, string roomyOut) = Micro(technique, new PlatformOptions { Platform = Platform.XenShadow });
        (CheckpointedResult starved, string starvedOut) = Micro(technique, new PlatformOptions { Platform = Platform.XenShadow, ShadowPoolFrames = ShadowPager.MinPoolFrames });
        foreach ((CheckpointedResult r, string name) in new[] { (roomy, "default pool"), (starved, "smallest pool") })
        {
            Assert.True(r.ExitStatus == 0 && r.Session.Failure is null && r.Check.Equal,
                $"{name}: status {r.ExitStatus} {r.Process.FatalReport}; {r.Session.Failure ?? r.Check.Detail}");
        }
        Assert.Equal(0, roomy.Kernel.Ledger.Count(EventKind.ShadowEviction));
        // 16 to 28 evictions; 6 under Emulxen, whose CDA writes are emulated before any fill.
        Assert.True(starved.Kernel.Ledger.Count(EventKind.ShadowEviction) >= 5, $"only {starved.Kernel.Ledger.Count(EventKind.ShadowEviction)} evictions");
        Assert.Equal(roomyOut, starvedOut);
        Assert.Equal(roomy.Session.Stats.DirtyPages, starved.Session.Stats.DirtyPages);
        Assert.Equal(roomy.Session.Stats.LoggedBytes, starved.Session.Stats.LoggedBytes);
        Assert.Equal(roomy.Session.Stats.CopiedBytes, starved.Session.Stats.CopiedBytes);
    }

    private static (CheckpointedResult, string) Micro(Technique technique, PlatformOptions platform)
    {
        string path = RepositoryPaths.Guest("micro");
        var stdout = new MemoryStream();
        CheckpointedResult result = CheckpointedRun.Run(File.ReadAllBytes(path), path, [path, "49152", "2", "8", "40", "3"], [],
            new KernelOptions { Platform = platform }, new CheckpointOptions { Technique = technique },
            Stream.Null, stdout, new MemoryStream());
        return (result, Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void A_pool_too_small_for_one_instruction_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuestKernel(
            new KernelOptions { Platform = new PlatformOptions { Platform = Platform.XenShadow, ShadowPoolFrames = ShadowPager.MinPoolFrames - 1 } },
            new MemoryStream(), new MemoryStream(), new MemoryStream()));
    }
}
