using HvSim.Cpu.Emulation;
using HvSim.Mmu;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>Page permissions of a <see cref="PagedView"/>.</summary>
[Flags]
public enum PageAccess
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
    ReadWrite = Read | Write,
    ReadExecute = Read | Execute,
}

/// <summary>
/// A test <see cref="IEmulationView"/>: 4 KiB pages in a dictionary, each with its permissions.
/// Its faults are the ones the MMU reports for a user access to the same layout (first failing
/// byte of the access, P set for a mapped page, W or I/D by access kind, U always, #GP for a
/// non-canonical address), so the engine's faults can be compared with the interpreter's.
/// Commits are checked against the contract (one page, 1..16 bytes, checked writable) and logged.
/// </summary>
public sealed class PagedView : IEmulationView
{
    private const ulong PageSize = 4096;

    private readonly Dictionary<ulong, (byte[] Bytes, PageAccess Access)> _pages = new();

    /// <summary>Every accepted commit, in order.</summary>
    public List<StagedWrite[]> Commits { get; } = [];

    /// <summary>Commit calls, accepted or not.</summary>
    public int CommitCalls { get; private set; }

    /// <summary>What <see cref="Commit"/> answers (false: a full log).</summary>
    public bool AcceptCommits { get; set; } = true;

    /// <summary>Maps the page holding <paramref name="page"/> with <paramref name="access"/> and the given bytes (zero-filled beyond them).</summary>
    public void Map(ulong page, PageAccess access, ReadOnlySpan<byte> bytes = default)
    {
        var frame = new byte[PageSize];
        bytes.CopyTo(frame);
        _pages[page & ~(PageSize - 1)] = (frame, access);
    }

    /// <summary>The bytes of a mapped page (live: commits change them).</summary>
    public byte[] Page(ulong page) => _pages[page & ~(PageSize - 1)].Bytes;

    /// <summary>Bytes at <paramref name="va"/> regardless of permissions (all pages must be mapped).</summary>
    public byte[] Peek(ulong va, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            ulong at = va + (ulong)i;
            bytes[i] = Page(at)[(int)(at & (PageSize - 1))];
        }
        return bytes;
    }

    public bool Fetch(ulong va, Span<byte> destination, out MemoryFault fault) =>
        Copy(va, destination, PageAccess.Execute, out fault);

    public bool Read(ulong va, Span<byte> destination, out MemoryFault fault) =>
        Copy(va, destination, PageAccess.Read, out fault);

    public bool CheckWrite(ulong va, int length, out MemoryFault fault) =>
        Check(va, length, PageAccess.Write, out fault);

    public bool Commit(ReadOnlySpan<StagedWrite> writes)
    {
        CommitCalls++;
        if (!AcceptCommits)
        {
            return false;
        }
        Span<byte> data = stackalloc byte[16];
        foreach (StagedWrite write in writes)
        {
            if (write.Size is < 1 or > 16 || (write.Address & ~(PageSize - 1)) != ((write.Address + (ulong)write.Size - 1) & ~(PageSize - 1)))
            {
                throw new InvalidOperationException($"staged write breaks the contract: {write}");
            }
            if (!Check(write.Address, write.Size, PageAccess.Write, out MemoryFault fault))
            {
                throw new InvalidOperationException($"staged write to a page the view refused: {write} ({fault})");
            }
            write.CopyTo(data);
            data[..write.Size].CopyTo(Page(write.Address).AsSpan((int)(write.Address & (PageSize - 1))));
        }
        Commits.Add(writes.ToArray());
        return true;
    }

    private bool Copy(ulong va, Span<byte> destination, PageAccess access, out MemoryFault fault)
    {
        if (!Check(va, destination.Length, access, out fault))
        {
            return false;
        }
        for (int i = 0; i < destination.Length; i++)
        {
            ulong at = va + (ulong)i;
            destination[i] = Page(at)[(int)(at & (PageSize - 1))];
        }
        return true;
    }

    private bool Check(ulong va, int length, PageAccess access, out MemoryFault fault)
    {
        int offset = 0;
        while (offset < length)
        {
            ulong at = va + (ulong)offset;
            if (!PageWalker.IsCanonical(at))
            {
                fault = new MemoryFault(FaultKind.GeneralProtection, at, PageFaultErrorCode.None);
                return false;
            }
            bool mapped = _pages.TryGetValue(at & ~(PageSize - 1), out var page);
            if (!mapped || (page.Access & access) == 0)
            {
                PageFaultErrorCode code = PageFaultErrorCode.User
                    | (mapped ? PageFaultErrorCode.Present : PageFaultErrorCode.None)
                    | access switch
                    {
                        PageAccess.Write => PageFaultErrorCode.Write,
                        PageAccess.Execute => PageFaultErrorCode.InstructionFetch,
                        _ => PageFaultErrorCode.None,
                    };
                fault = new MemoryFault(FaultKind.PageFault, at, code);
                return false;
            }
            offset += (int)Math.Min((ulong)(length - offset), PageSize - (at & (PageSize - 1)));
        }
        fault = default;
        return true;
    }
}
