namespace HvSim.Core;

// Typed addresses, after Xen's gfn_t/mfn_t: a guest-virtual and a guest-physical address are
// different types so that mixing them is a compile error rather than a silent bug.

/// <summary>A guest-virtual (linear) address, as software in the guest sees it.</summary>
public readonly record struct GuestVirtual(ulong Value)
{
    public ulong PageNumber => Value >> PageGeometry.PageShift;
    public int PageOffset => (int)(Value & PageGeometry.PageMask);
    public override string ToString() => $"0x{Value:x}";
}

/// <summary>A guest-physical address: what the guest's page tables map to.</summary>
public readonly record struct GuestPhysical(ulong Value)
{
    public Frame Frame => new(Value >> PageGeometry.PageShift);
    public int PageOffset => (int)(Value & PageGeometry.PageMask);
    public override string ToString() => $"0x{Value:x}";
}

/// <summary>A guest-physical frame number (a 4 KiB page of guest physical memory).</summary>
public readonly record struct Frame(ulong Number)
{
    public GuestPhysical Base => new(Number << PageGeometry.PageShift);
    public override string ToString() => $"frame 0x{Number:x}";
}

/// <summary>x86-64 paging geometry with 4 KiB base pages.</summary>
public static class PageGeometry
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    public const ulong PageMask = PageSize - 1;

    public static ulong PageBase(ulong address) => address & ~PageMask;

    public static ulong RoundUp(ulong address) => (address + PageMask) & ~PageMask;
}
