using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Mmu;
using HvSim.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// mremap moving private and shared mappings (issue 17): the VMA copied whole, the PTEs moved with
/// their frames and marked soft-dirty, the old translations flushed, vm.max_map_count's two
/// checks, and OsCalls/mremap.c against the host on every platform.
/// </summary>
public sealed class MremapTests : IClassFixture<OsCallDifferentialTests.Workspace>
{
    private const ulong Page = SpaceRig.Page;
    private readonly OsCallDifferentialTests.Workspace _workspace;

    public MremapTests(OsCallDifferentialTests.Workspace workspace)
    {
        _workspace = workspace;
    }

    /// <summary>
    /// The moved VMA equals the source but for its range (every property, so a field added to Vma
    /// later is checked without this test naming it); each PTE keeps its frame and gains the
    /// soft-dirty bit (move_soft_dirty_pte), the zero page stays read-only, and the old range is
    /// gone from the TLB.
    /// </summary>
    [Fact]
    public void Move_copies_the_vma_and_carries_the_ptes()
    {
        var rig = new SpaceRig();
        const ulong start = 0x1000_0000, target = 0x2000_0000;
        Assert.True(rig.Space.Map(start, 4 * Page, SpaceRig.RW, shared: false, "anon"));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(start + Page, AccessKind.Write, 7));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(start + 2 * Page, AccessKind.Read)); // the zero page
        rig.Space.ClearSoftDirty();
        Assert.Equal(7, rig.Read(start + Page)); // cached in the TLB now
        ulong frame = PteFormat.Address(rig.Pte(start + Page));
        Vma source = rig.Space.Find(start)! with { };

        Assert.True(rig.Space.Move(start + Page, 2 * Page, target, 2 * Page, keepSource: false));

        Vma moved = rig.Space.Find(target)!;
        Assert.Equal((target, target + 2 * Page), (moved.Start, moved.End));
        Assert.Equal(source.BackingOffset + Page, moved.BackingOffset); // the part moved starts a page in
        foreach (System.Reflection.PropertyInfo property in typeof(Vma).GetProperties())
        {
            if (property.Name is not (nameof(Vma.Start) or nameof(Vma.End) or nameof(Vma.Length) or nameof(Vma.BackingOffset) or "EqualityContract"))
            {
                Assert.True(Equals(property.GetValue(source), property.GetValue(moved)), $"{property.Name} did not move with the VMA");
            }
        }
        Assert.False(moved.SoftDirty); // VM_SOFTDIRTY travels as it was (cleared)
        ulong pte = rig.Pte(target);
        Assert.Equal(frame, PteFormat.Address(pte));
        Assert.NotEqual(0UL, pte & AddressSpace.SoftDirtyBit);
        Assert.NotEqual(0UL, rig.Space.PagemapEntry(target) & AddressSpace.PmSoftDirty);
        Assert.Equal(7, rig.Read(target));
        Assert.False(PteFormat.Has(rig.Pte(target + Page), Pte.RW)); // still the zero page, read-only
        Assert.Equal(0UL, rig.Pte(start + Page));
        Assert.NotNull(rig.UserAccess(start + Page, AccessKind.Read)); // no stale translation
        Assert.Equal(FaultOutcome.MapError, rig.Space.HandleFault(start + Page, AccessKind.Read));
        Assert.Equal([(start, start + Page), (start + 3 * Page, start + 4 * Page), (target, target + 2 * Page)],
            rig.Space.Vmas.Select(v => (v.Start, v.End)));
    }

    /// <summary>MREMAP_DONTUNMAP: the source VMA stays, with no PTE; its next read is a fresh zero page.</summary>
    [Fact]
    public void Dontunmap_keeps_an_empty_source()
    {
        var rig = new SpaceRig();
        const ulong start = 0x1000_0000, target = 0x2000_0000;
        Assert.True(rig.Space.Map(start, Page, SpaceRig.RW, shared: false, "anon"));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(start, AccessKind.Write, 9));
        Assert.True(rig.Space.Move(start, Page, target, Page, keepSource: true));
        Assert.NotNull(rig.Space.Find(start));
        Assert.Equal(0UL, rig.Pte(start));
        Assert.Equal(9, rig.Read(target));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(start, AccessKind.Read));
        Assert.Equal(0, rig.Read(start));
    }

    /// <summary>
    /// vm.max_map_count: a MREMAP_FIXED move is refused while the process is within 5 maps of the
    /// limit (check_mremap_params: map_count + 2 &gt;= max - 3, measured the same on Linux 6.18), a
    /// move that grows is refused within 3 (prep_move_vma: map_count &gt;= max - 3).
    /// </summary>
    [Theory]
    [InlineData(true, 5, 12)]
    [InlineData(true, 6, 0)]
    [InlineData(false, 3, 12)]
    [InlineData(false, 4, 0)]
    public void Map_count_limit(bool fixedTarget, int slack, int errno)
    {
        const ulong start = 0x1000_0000, target = 0x2000_0000, filler = 0x3000_0000;
        byte[] elf = TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
        {
            // mremap(start, 1 page, fixed ? 1 page : 2 pages, MAYMOVE | (fixed ? FIXED : 0), target); exit(-result or 0)
            a.mov(rdi, start); a.mov(esi, (int)Page); a.mov(edx, (int)(fixedTarget ? Page : 2 * Page));
            a.mov(r10d, fixedTarget ? 3 : 1); a.mov(r8, target); a.mov(eax, 25);
            a.syscall();
            a.xor(edi, edi);
            a.mov(rcx, rax); a.neg(rcx);
            a.test(rax, rax);
            a.cmovs(rdi, rcx);
            a.mov(eax, 231);
            a.syscall();
        }));
        const int limit = 200;
        var kernel = new GuestKernel(new KernelOptions { MaxMapCount = limit, MaxInstructions = 100_000 }, new MemoryStream(), new MemoryStream(), new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(elf, "remap", ["remap"], []);
        AddressSpace space = process.Space;
        Assert.True(space.Map(start, 4 * Page, SpaceRig.RW, shared: false, "anon"));
        Assert.True(space.Map(filler, 400 * Page, SpaceRig.RW, shared: false, "anon"));
        if ((limit - slack - space.MapCount) % 2 == 1)
        {
            Assert.True(space.Protect(filler, Page, SpaceRig.R)); // a VMA's first page: one more map
        }
        for (ulong page = 2; space.MapCount < limit - slack; page += 2)
        {
            Assert.True(space.Protect(filler + page * Page, Page, SpaceRig.R)); // a middle page: two more
        }
        Assert.Equal(limit - slack, space.MapCount);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.Equal(errno, process.ExitStatus);
    }

    public static TheoryData<Platform> VirtualPlatforms() => new() { Platform.XenPv, Platform.XenShadow, Platform.Hvm };

    /// <summary>
    /// OsCalls/mremap.c (moves, shrink, grow, DONTUNMAP, errors; native is in OsCallDifferentialTests)
    /// prints what the host prints on Xen's PV and shadow platforms and hvm too: the moved PTEs reach
    /// the hypervisor through the paths munmap's use.
    /// </summary>
    [OsCallTheory]
    [MemberData(nameof(VirtualPlatforms))]
    public void Mremap_program_matches_the_host(Platform platform)
    {
        string program = _workspace.Compiled("mremap");
        GuestRun native = GuestRun.Native(program, [], ["LANG=C"]);
        GuestRun simulated = GuestRun.Simulated(program, [], ["LANG=C"], platform: new PlatformOptions { Platform = platform });
        Assert.Equal(0, native.ExitStatus);
        Assert.True(native.StdoutText == simulated.StdoutText,
            $"{platform}: stdout differs (hvsim: {simulated.FatalReport})\n--- host ---\n{native.StdoutText}\n--- hvsim ---\n{simulated.StdoutText}");
        Assert.Equal(0, simulated.ExitStatus);
    }
}
