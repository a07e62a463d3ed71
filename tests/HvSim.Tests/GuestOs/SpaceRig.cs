namespace HvSim.Tests.GuestOsTests;

using HvSim.Hypervisor;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.Mmu;

/// <summary>
/// One address space on its own machine, wired as the guest kernel wires it: physical memory,
/// a frame allocator, an MMU whose CR3 is the space's root, native paging recording into a
/// ledger. Accesses go through the MMU as user-mode code's would.
/// </summary>
internal sealed class SpaceRig
{
    public const ulong Page = PageGeometry.PageSize;
    public const MemoryProtection RW = MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE;
    public const MemoryProtection R = MemoryProtection.PROT_READ;

    private readonly PageTableEditor _inspector;

    public SpaceRig(TlbGeometry? tlb = null, RangeFlush rangeFlush = RangeFlush.PerPageUpToCeiling)
    {
        Memory = new PhysicalMemory(256UL << 20);
        Frames = new FrameAllocator(Memory);
        Ledger = new EventLedger();
        Mmu = new HvSim.Mmu.Mmu(Memory, tlb, Ledger);
        Paging = new NativePaging(Mmu, Ledger);
        FramesBeforeSpace = Frames.InUse;
        Space = new AddressSpace(Memory, Frames, Paging, Ledger, rangeFlush);
        Paging.LoadCr3(Space.Cr3);
        _inspector = new PageTableEditor(Memory, Frames);
    }

    public PhysicalMemory Memory { get; }
    public FrameAllocator Frames { get; }
    public EventLedger Ledger { get; }
    public HvSim.Mmu.Mmu Mmu { get; }
    public NativePaging Paging { get; }
    public AddressSpace Space { get; }
    public long FramesBeforeSpace { get; }

    /// <summary>The leaf PTE for <paramref name="va"/> (0 when no page table covers it).</summary>
    public ulong Pte(ulong va) => _inspector.ReadLeaf(Space.Cr3, va);

    /// <summary>Page-table frames currently reachable from the root, the root included.</summary>
    public int TableFrames()
    {
        int count = 0;
        Count(PteFormat.Address(Space.Cr3), 4);
        return count;

        void Count(ulong table, int level)
        {
            count++;
            if (level == 1)
            {
                return;
            }
            for (int i = 0; i < 512; i++)
            {
                ulong entry = Memory.ReadU64(new GuestPhysical(table + ((ulong)i * 8)));
                if (PteFormat.Has(entry, HvSim.Mmu.Pte.P))
                {
                    Count(PteFormat.Address(entry), level - 1);
                }
            }
        }
    }

    /// <summary>A user-mode access through the MMU; null when it succeeded, else the fault.</summary>
    public MemoryFault? UserAccess(ulong va, AccessKind access, byte value = 0)
    {
        Span<byte> one = [value];
        bool ok = access == AccessKind.Write
            ? Mmu.TryWrite(va, one, user: true, out MemoryFault fault)
            : Mmu.TryRead(va, one, user: true, out fault);
        return ok ? null : fault;
    }

    /// <summary>A user access the way the kernel's fault path completes it: fault, HandleFault, retry.</summary>
    public FaultOutcome Touch(ulong va, AccessKind access, byte value = 0)
    {
        for (int i = 0; i < 3; i++)
        {
            MemoryFault? fault = UserAccess(va, access, value);
            if (fault is null)
            {
                return FaultOutcome.Fixed;
            }
            FaultOutcome outcome = Space.HandleFault(fault.Value.Address, access);
            if (outcome != FaultOutcome.Fixed)
            {
                return outcome;
            }
        }
        throw new InvalidOperationException($"0x{va:x}: the access still faults after HandleFault fixed it twice");
    }

    /// <summary>The byte at a user address, read with user privilege (throws if it faults).</summary>
    public byte Read(ulong va)
    {
        Span<byte> one = stackalloc byte[1];
        Assert.True(Mmu.TryRead(va, one, user: true, out MemoryFault fault), $"read of 0x{va:x} faulted: {fault}");
        return one[0];
    }
}
