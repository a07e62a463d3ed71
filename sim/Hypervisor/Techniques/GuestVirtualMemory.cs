using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// The hypervisor's reads and writes of a process's user memory, translated with a software walk
/// of the guest's own page tables (under xen-pv these are the hardware's; under xen-shadow the
/// guest's, never the shadows, which may lack an entry the guest has) and performed on the frames
/// through <see cref="PhysicalMemory"/>, so decoded code in a written frame is dropped. Accesses
/// have user-mode rights (the process's own memory, nothing of its kernel's) and set A, and D for
/// a write, in the guest's leaf as the hardware access would, so the guest kernel never sees a
/// page the hypervisor modified as clean.
/// </summary>
internal sealed class GuestVirtualMemory
{
    private readonly PhysicalMemory _memory;

    public GuestVirtualMemory(PhysicalMemory memory)
    {
        _memory = memory;
    }

    public PhysicalMemory Physical => _memory;

    /// <summary>The page's leaf in the tables rooted at <paramref name="cr3"/>, unchanged.</summary>
    public GuestLeaf Inspect(ulong cr3, ulong va) => GuestPageWalk.Inspect(_memory, cr3, va);

    /// <summary>
    /// Reads bytes (may cross pages) that user code could read (or, for
    /// <see cref="AccessKind.Execute"/>, fetch); every page is checked before anything is read.
    /// </summary>
    public bool TryRead(ulong cr3, ulong va, Span<byte> destination, AccessKind access, out MemoryFault fault) =>
        TryAccess(cr3, va, destination, access, requireWritable: false, out fault);

    /// <summary>
    /// Writes bytes (may cross pages) into present user pages. With <paramref name="requireWritable"/>
    /// clear, a page the guest maps read-only is written too: only for a CDA page the hypervisor
    /// protected itself (the guest's rights are the hypervisor's doing there); the record buffer is
    /// written with the guest's own rights.
    /// </summary>
    public bool TryWrite(ulong cr3, ulong va, ReadOnlySpan<byte> source, bool requireWritable, out MemoryFault fault) =>
        TryAccess(cr3, va, System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source), source.Length),
            AccessKind.Write, requireWritable, out fault);

    /// <summary>A read (into <paramref name="buffer"/>) or a write (from it); every page is checked before any byte moves.</summary>
    private bool TryAccess(ulong cr3, ulong va, Span<byte> buffer, AccessKind access, bool requireWritable, out MemoryFault fault)
    {
        // The data access the leaf's A/D bits record: a fetch sets A as a read does.
        AccessKind touch = access == AccessKind.Write ? AccessKind.Write : AccessKind.Read;
        if (WithinOnePage(va, buffer.Length))
        {
            // The usual case (a record header, a field, a page entry): one walk serves both the
            // check and the access, since nothing can change the tables in between.
            GuestLeaf leaf = Inspect(cr3, va);
            if (Denies(leaf, va, access, requireWritable, out fault))
            {
                return false;
            }
            Move(va, Touch(leaf, touch) + (va & PageGeometry.PageMask), buffer, access);
            return true;
        }
        if (!CheckAll(cr3, va, buffer.Length, access, requireWritable, out fault))
        {
            return false;
        }
        int done = 0;
        while (done < buffer.Length)
        {
            ulong at = va + (ulong)done;
            int chunk = Chunk(at, buffer.Length - done);
            Move(at, Touch(cr3, at, touch) + (at & PageGeometry.PageMask), buffer.Slice(done, chunk), access);
            done += chunk;
        }
        return true;
    }

    private void Move(ulong va, ulong physical, Span<byte> buffer, AccessKind access)
    {
        if (access == AccessKind.Write)
        {
            if (_memory.WriteAudit is { } audit && _memory.GetOrCreate(new Frame(physical >> PageGeometry.PageShift)) is { WriteWatch: null } frame)
            {
                audit.Reaching(va, frame); // the hypervisor's store reaches the frame without a TLB fill: the audit must see it too
            }
            _memory.Write(new GuestPhysical(physical), buffer);
        }
        else
        {
            _memory.Read(new GuestPhysical(physical), buffer);
        }
    }

    /// <summary>Whether user code may write <paramref name="length"/> bytes at <paramref name="va"/> (the guest's rights, unchanged).</summary>
    public bool CanWrite(ulong cr3, ulong va, int length, out MemoryFault fault) =>
        CheckAll(cr3, va, length, AccessKind.Write, requireWritable: true, out fault);

    /// <summary>The #PF a user access would take on <paramref name="va"/>, or false when it is allowed.</summary>
    public bool Denies(ulong cr3, ulong va, AccessKind access, bool requireWritable, out MemoryFault fault) =>
        Denies(Inspect(cr3, va), va, access, requireWritable, out fault);

    private static bool Denies(GuestLeaf leaf, ulong va, AccessKind access, bool requireWritable, out MemoryFault fault)
    {
        bool allowed = leaf.Present && leaf.User
            && (access != AccessKind.Write || !requireWritable || leaf.Writable)
            && (access != AccessKind.Execute || leaf.Executable);
        if (allowed)
        {
            fault = default;
            return false;
        }
        fault = UserFault(va, access, leaf.Present);
        return true;
    }

    /// <summary>The #PF a user-mode access takes, with the error code the SDM gives it.</summary>
    public static MemoryFault UserFault(ulong va, AccessKind access, bool present)
    {
        if (!PageWalker.IsCanonical(va))
        {
            return new MemoryFault(FaultKind.GeneralProtection, va, PageFaultErrorCode.None);
        }
        PageFaultErrorCode code = PageFaultErrorCode.User | (present ? PageFaultErrorCode.Present : PageFaultErrorCode.None);
        code |= access switch
        {
            AccessKind.Write => PageFaultErrorCode.Write,
            AccessKind.Execute => PageFaultErrorCode.InstructionFetch,
            _ => PageFaultErrorCode.None,
        };
        return new MemoryFault(FaultKind.PageFault, va, code);
    }

    private bool CheckAll(ulong cr3, ulong va, int length, AccessKind access, bool requireWritable, out MemoryFault fault)
    {
        if (length <= 0)
        {
            fault = default;
            return true;
        }
        if (va + (ulong)length < va)
        {
            fault = UserFault(va, access, present: false);
            return false;
        }
        ulong last = va + (ulong)length - 1;
        for (ulong page = PageGeometry.PageBase(va); ; page += PageGeometry.PageSize)
        {
            ulong at = page < va ? va : page;
            if (Denies(cr3, at, access, requireWritable, out fault))
            {
                return false;
            }
            if (page == PageGeometry.PageBase(last))
            {
                return true;
            }
        }
    }

    /// <summary>A non-empty access that does not wrap and stays inside one page.</summary>
    private static bool WithinOnePage(ulong va, int length) =>
        length > 0 && (va & PageGeometry.PageMask) + (ulong)length <= PageGeometry.PageSize;

    private static int Chunk(ulong at, int remaining) => Math.Min(remaining, PageGeometry.PageSize - (int)(at & PageGeometry.PageMask));

    /// <summary>Sets A (and D for a write) in the page's leaf, as the access would; returns the page's physical base.</summary>
    private ulong Touch(ulong cr3, ulong va, AccessKind access) => Touch(Inspect(cr3, va), access);

    /// <summary>As <see cref="Touch(ulong, ulong, AccessKind)"/>, with the leaf a walk just found.</summary>
    private ulong Touch(GuestLeaf leaf, AccessKind access)
    {
        ulong updated = leaf.Entry | (ulong)Pte.A | (access == AccessKind.Write ? (ulong)Pte.D : 0);
        if (updated != leaf.Entry)
        {
            _memory.WriteU64(new GuestPhysical(leaf.EntryAddress), updated);
        }
        return leaf.PhysicalPage;
    }
}
