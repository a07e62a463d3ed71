namespace HvSim.Mmu;

/// <summary>
/// The data accesses a CPU makes when its TLB fast path cannot serve them: byte-range reads and
/// writes and the write-permission probe of a read-modify-write. <see cref="Mmu"/> implements it
/// over real page tables; the single-instruction write emulator implements it over an emulation
/// view (whose writes are staged, not performed), so the same instruction handlers serve both.
/// </summary>
/// <remarks>
/// Host pointers and frames (Translate, TranslateToFrame) are deliberately not part of the bus:
/// they are how the interpreter fetches code and runs in-page string loops, and a view has no
/// host memory to hand out. A CPU whose bus is not its MMU never takes those paths.
/// </remarks>
public interface IMemoryBus
{
    /// <summary>Reads bytes that may cross pages; on a fault nothing is read and the fault names the first bad page.</summary>
    bool TryRead(ulong va, Span<byte> destination, bool user, out MemoryFault fault);

    /// <summary>Writes bytes that may cross pages; every page is checked first, so a fault writes nothing.</summary>
    bool TryWrite(ulong va, ReadOnlySpan<byte> source, bool user, out MemoryFault fault);

    /// <summary>
    /// Whether <paramref name="length"/> bytes at <paramref name="va"/> may be written, without
    /// writing them: the check a read-modify-write makes before its read, because hardware treats
    /// the whole access as a write (a fault reports W=1).
    /// </summary>
    bool CheckWrite(ulong va, int length, bool user, out MemoryFault fault);
}
