namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;
using Mmu = HvSim.Mmu.Mmu;

/// <summary>
/// A small machine for MMU tests: sparse physical memory, a frame allocator, a page-table editor,
/// one address space (CR3 loaded) and an MMU with a chosen TLB geometry.
/// </summary>
internal sealed unsafe class MmuRig
{
    public const Pte UserRw = Pte.RW | Pte.US;
    public const Pte UserRo = Pte.US;

    public MmuRig(TlbGeometry? geometry = null, ulong memoryBytes = 64UL << 20, EventLedger? ledger = null)
    {
        Memory = new PhysicalMemory(memoryBytes);
        Allocator = new FrameAllocator(Memory);
        Editor = new PageTableEditor(Memory, Allocator);
        Cr3 = Editor.CreateRoot();
        Mmu = new Mmu(Memory, geometry, ledger);
        Mmu.LoadCr3(Cr3);
    }

    public PhysicalMemory Memory { get; }

    public FrameAllocator Allocator { get; }

    public PageTableEditor Editor { get; }

    public Mmu Mmu { get; }

    public ulong Cr3 { get; }

    public Frame NewFrame() => Allocator.TryAllocate() ?? throw new InvalidOperationException("test rig out of frames");

    /// <summary>Maps <paramref name="va"/> to a fresh frame with the given bits (P is added).</summary>
    public Frame Map(ulong va, Pte bits)
    {
        Frame frame = NewFrame();
        Map(va, frame, bits);
        return frame;
    }

    public void Map(ulong va, Frame frame, Pte bits)
    {
        Assert.True(Editor.Map(Cr3, va, frame, bits), "test setup: the editor maps the page");
    }

    /// <summary>Guest-physical address of the paging-structure entry of <paramref name="level"/> (4 = PML4E, 1 = PTE) for <paramref name="va"/>.</summary>
    public GuestPhysical EntryAddress(ulong va, int level)
    {
        ulong table = PteFormat.Address(Cr3);
        for (int l = 4; l > level; l--)
        {
            ulong entry = Memory.ReadU64(new GuestPhysical(table + ((ulong)PteFormat.Index(va, l) * 8)));
            Assert.True(PteFormat.Has(entry, Pte.P), $"test setup: level-{l} entry for 0x{va:x} is present");
            table = PteFormat.Address(entry);
        }
        return new GuestPhysical(table + ((ulong)PteFormat.Index(va, level) * 8));
    }

    public ulong ReadEntry(ulong va, int level) => Memory.ReadU64(EntryAddress(va, level));

    public void WriteEntry(ulong va, int level, ulong value) => Memory.WriteU64(EntryAddress(va, level), value);

    public void ClearBits(ulong va, int level, Pte bits) => WriteEntry(va, level, ReadEntry(va, level) & ~(ulong)bits);

    public void SetBits(ulong va, int level, Pte bits) => WriteEntry(va, level, ReadEntry(va, level) | (ulong)bits);

    public ulong Leaf(ulong va) => ReadEntry(va, 1);

    /// <summary>One access through <see cref="Mmu.Translate"/>; the fault, or null on success.</summary>
    public MemoryFault? Access(ulong va, AccessKind access, bool user = true)
    {
        byte* p = Mmu.Translate(va, access, user, out MemoryFault fault);
        return p is null ? fault : null;
    }

    /// <summary>Asserts the access succeeds and returns the host pointer of the byte.</summary>
    public byte* Must(ulong va, AccessKind access, bool user = true, string rule = "the access succeeds")
    {
        byte* p = Mmu.Translate(va, access, user, out MemoryFault fault);
        Assert.True(p is not null, $"{rule} (got {fault})");
        return p;
    }

    /// <summary>Asserts the access faults with #PF and returns the fault.</summary>
    public MemoryFault MustFault(ulong va, AccessKind access, bool user, string rule)
    {
        byte* p = Mmu.Translate(va, access, user, out MemoryFault fault);
        Assert.True(p is null, $"{rule}: expected a fault, the access succeeded");
        return fault;
    }

    public byte PhysicalByte(Frame frame, int offset)
    {
        Span<byte> one = stackalloc byte[1];
        Memory.Read(new GuestPhysical(frame.Base.Value + (ulong)offset), one);
        return one[0];
    }

    public void FillFrame(Frame frame, byte value)
    {
        byte[] bytes = new byte[PageGeometry.PageSize];
        Array.Fill(bytes, value);
        Memory.Write(frame.Base, bytes);
    }
}

internal static class FaultAssert
{
    /// <summary>Asserts a #PF with exactly this error code at exactly this CR2.</summary>
    public static void PageFault(MemoryFault fault, ulong cr2, PageFaultErrorCode code, string rule)
    {
        Assert.True(fault.Kind == FaultKind.PageFault, $"{rule}: expected #PF, got {fault.Kind} ({fault})");
        Assert.True(fault.ErrorCode == code, $"{rule}: error code should be [{MemoryFault.Describe(code)}] = 0x{(uint)code:x}, got [{MemoryFault.Describe(fault.ErrorCode)}] = 0x{(uint)fault.ErrorCode:x}");
        Assert.True(fault.Address == cr2, $"{rule}: CR2 should be the faulting address 0x{cr2:x}, got 0x{fault.Address:x}");
    }

    /// <summary>The error-code bits an access contributes (W, I, U).</summary>
    public static PageFaultErrorCode AccessBits(AccessKind access, bool user)
    {
        PageFaultErrorCode code = access switch
        {
            AccessKind.Write => PageFaultErrorCode.Write,
            AccessKind.Execute => PageFaultErrorCode.InstructionFetch,
            _ => PageFaultErrorCode.None,
        };
        return user ? code | PageFaultErrorCode.User : code;
    }
}
