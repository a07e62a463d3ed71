using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// copy_from_user / copy_to_user: the kernel's accesses to user memory go through the MMU with
/// supervisor privilege, so they fault like any access; a fault on a valid VMA is fixed by the
/// page-fault handler and retried, anything else is EFAULT.
/// </summary>
public sealed class UserMemory
{
    private readonly HvSim.Mmu.Mmu _mmu;
    private readonly Func<MemoryFault, AccessKind, bool> _platformFix;

    /// <param name="platformFix">Gives the platform the first look at a fault (shadow paging fills its own entries).</param>
    public UserMemory(HvSim.Mmu.Mmu mmu, Func<MemoryFault, AccessKind, bool>? platformFix = null)
    {
        _mmu = mmu;
        _platformFix = platformFix ?? ((_, _) => false);
    }

    /// <summary>Copies from user memory; false means EFAULT.</summary>
    public bool CopyFrom(AddressSpace space, ulong address, Span<byte> destination)
    {
        return Access(space, address, destination, AccessKind.Read);
    }

    /// <summary>Copies to user memory; false means EFAULT.</summary>
    public unsafe bool CopyTo(AddressSpace space, ulong address, ReadOnlySpan<byte> source)
    {
        fixed (byte* p = source)
        {
            return Access(space, address, new Span<byte>(p, source.Length), AccessKind.Write);
        }
    }

    public bool ReadU64(AddressSpace space, ulong address, out ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        bool ok = CopyFrom(space, address, buffer);
        value = BitConverter.ToUInt64(buffer);
        return ok;
    }

    public bool WriteU64(AddressSpace space, ulong address, ulong value)
    {
        return CopyTo(space, address, BitConverter.GetBytes(value));
    }

    /// <summary>Reads a NUL-terminated string of at most <paramref name="maxLength"/> bytes; null on EFAULT or no terminator.</summary>
    public string? ReadCString(AddressSpace space, ulong address, int maxLength = 4096)
    {
        var bytes = new List<byte>();
        Span<byte> one = stackalloc byte[1];
        for (int i = 0; i < maxLength; i++)
        {
            if (!CopyFrom(space, address + (ulong)i, one))
            {
                return null;
            }
            if (one[0] == 0)
            {
                return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
            }
            bytes.Add(one[0]);
        }
        return null;
    }

    private bool Access(AddressSpace space, ulong address, Span<byte> buffer, AccessKind access)
    {
        if (buffer.IsEmpty)
        {
            return true;
        }
        if (address + (ulong)buffer.Length < address)
        {
            return false; // wraps around
        }
        // Page by page, as copy_from_user/copy_to_user go: a fault is fixed (demand paging, a
        // shadow fill) and that page retried, so a copy costs one pass however many of its pages
        // were not mapped yet. A page that cannot be fixed ends the copy: EFAULT, with the pages
        // before it already copied, as Linux leaves them.
        int done = 0;
        while (done < buffer.Length)
        {
            ulong at = address + (ulong)done;
            int chunk = Math.Min(buffer.Length - done, 4096 - (int)(at & 0xFFF));
            if (!AccessPage(space, at, buffer.Slice(done, chunk), access))
            {
                return false;
            }
            done += chunk;
        }
        return true;
    }

    /// <summary>One access within one page, retried after each fault that gets fixed.</summary>
    private bool AccessPage(AddressSpace space, ulong address, Span<byte> buffer, AccessKind access)
    {
        // A fix maps the page or drops a stale TLB entry; a shadow fill may need one more round
        // (the guest entry first, then the shadow one). More than that is a fault that stays.
        for (int attempt = 0; attempt < 4; attempt++)
        {
            bool ok = access == AccessKind.Write
                ? _mmu.TryWrite(address, buffer, user: false, out MemoryFault fault)
                : _mmu.TryRead(address, buffer, user: false, out fault);
            if (ok)
            {
                return true;
            }
            if (fault.Kind == FaultKind.PageFault && _platformFix(fault, access))
            {
                continue;
            }
            if (fault.Kind != FaultKind.PageFault || space.HandleFault(fault.Address, access) != FaultOutcome.Fixed)
            {
                return false;
            }
        }
        return false;
    }
}
