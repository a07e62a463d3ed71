using HvSim.Core;
using HvSim.Cpu.Emulation;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// Emulxen's memory view for the write-emulation engine (Xen's x86_emulate_ops for this
/// technique): fetches and reads go through the guest's page tables with user rights; a write may
/// go to a CDA page the guest means writable although the hypervisor keeps it read-only, or to any
/// page user code may write; the commit writes the frames directly and logs each CDA write in the
/// record's words[].
/// </summary>
internal sealed class HypervisorFrameView : IEmulationView
{
    private readonly GuestVirtualMemory _memory;
    private readonly ICdaPageTables _tables;
    private readonly RecordBuffer _record;
    private readonly EventLedger _ledger;
    private HvProcess _process;
    private Registration _registration;

    public HypervisorFrameView(GuestVirtualMemory memory, ICdaPageTables tables, RecordBuffer record, EventLedger ledger,
        HvProcess process, Registration registration)
    {
        _memory = memory;
        _tables = tables;
        _record = record;
        _ledger = ledger;
        _process = process;
        _registration = registration;
    }

    /// <summary>Points the view at the faulting process (Emulxen keeps one view: no allocation per fault).</summary>
    public void Bind(HvProcess process, Registration registration)
    {
        _process = process;
        _registration = registration;
    }

    private ulong Cr3 => _process.Cr3;

    public bool Fetch(ulong va, Span<byte> destination, out MemoryFault fault) =>
        _memory.TryRead(Cr3, va, destination, AccessKind.Execute, out fault);

    public bool Read(ulong va, Span<byte> destination, out MemoryFault fault) =>
        _memory.TryRead(Cr3, va, destination, AccessKind.Read, out fault);

    public bool CheckWrite(ulong va, int length, out MemoryFault fault)
    {
        ulong end = va + (ulong)length;
        if (length <= 0 || end < va)
        {
            fault = GuestVirtualMemory.UserFault(va, AccessKind.Write, present: false);
            return length == 0;
        }
        for (ulong at = va; at < end; at = PageGeometry.PageBase(at) + PageGeometry.PageSize)
        {
            int chunk = (int)Math.Min(end - at, PageGeometry.PageSize - (at & PageGeometry.PageMask));
            if (_registration.ContainsPage(at))
            {
                if (!_tables.GuestAllowsWrite(_process, PageGeometry.PageBase(at), user: true))
                {
                    fault = GuestVirtualMemory.UserFault(at, AccessKind.Write, _memory.Inspect(Cr3, at).Present);
                    return false;
                }
            }
            else if (!_memory.CanWrite(Cr3, at, chunk, out fault))
            {
                return false;
            }
        }
        fault = default;
        return true;
    }

    /// <summary>
    /// Logs first, then writes: a log without room refuses the whole instruction before any frame
    /// changes. A write to a CDA page already listed whole this cycle (a fallback page) needs no
    /// word: COMMIT copies that page as it is then.
    /// </summary>
    public bool Commit(ReadOnlySpan<StagedWrite> writes)
    {
        // One commit per emulated write: the words to log are gathered on the stack (an
        // instruction stages a few writes at most; a rep string element one).
        Span<StagedWrite> logged = writes.Length <= 8 ? stackalloc StagedWrite[8] : new StagedWrite[writes.Length];
        int count = 0;
        foreach (StagedWrite write in writes)
        {
            if (!CheckWrite(write.Address, write.Size, out _))
            {
                return false;
            }
            if (_registration.ContainsPage(write.Address) && !_registration.IsMarked(_registration.PageIndex(write.Address))
                && ClipToCda(write) is StagedWrite inside)
            {
                logged[count++] = inside;
            }
        }
        if (!_record.TryAppendWords(_process, _registration, logged[..count]))
        {
            return false;
        }
        Span<byte> data = stackalloc byte[RecordLayout.WordDataBytes];
        foreach (StagedWrite write in writes)
        {
            write.CopyTo(data);
            _memory.TryWrite(Cr3, write.Address, data[..write.Size], requireWritable: false, out _);
            _ledger.Add(EventKind.WriteEmulated, Layer.Hypervisor, !_ledger.IsTracing ? null
                : new TraceData("{size} bytes written at {address} in the frame directly: {value}") { Size = write.Size, Address = write.Address, Value = Value(write) });
        }
        return true;
    }

    /// <summary>
    /// The part of a write that lies in the CDA (a record's words may not reach past its end,
    /// which can fall inside the last page), or null when none does.
    /// </summary>
    private StagedWrite? ClipToCda(StagedWrite write)
    {
        ulong start = Math.Max(write.Address, _registration.CdaStart);
        ulong end = Math.Min(write.Address + (ulong)write.Size, _registration.CdaStart + _registration.CdaLength);
        if (start >= end)
        {
            return null;
        }
        int skip = (int)(start - write.Address);
        int size = (int)(end - start);
        UInt128 data = (write.Data >> (8 * skip)) & (size >= 16 ? UInt128.MaxValue : (UInt128.One << (8 * size)) - 1);
        return new StagedWrite(start, size, data);
    }

    private static UInt128 Value(StagedWrite write) =>
        write.Data & (write.Size >= 16 ? UInt128.MaxValue : (UInt128.One << (8 * write.Size)) - 1);
}
