using System.Buffers.Binary;
using HvSim.Core;
using HvSim.Cpu.Emulation;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Checkpoint.UserLevel;

/// <summary>
/// Emul's memory view: the application's own address space, except that a write into the
/// read-only CDA goes through its writable alias (a second mapping of the same frames) and is
/// logged as (address, size, new value) in the record's words.
/// </summary>
internal sealed class AliasView : IEmulationView
{
    private readonly UserModeAccess _access;
    private readonly EventLedger _ledger;
    private ulong _cda, _length, _aliasDelta, _record, _pageCap, _wordCap;
    private ulong _nwords;

    public AliasView(UserModeAccess access, EventLedger ledger)
    {
        _access = access;
        _ledger = ledger;
    }

    /// <summary>Sets up the view for one emulation (the emulator keeps one view: no allocation per fault).</summary>
    public void Reset(ulong cda, ulong length, ulong aliasDelta, ulong record, ulong pageCap, ulong wordCap, ulong nwords)
    {
        _cda = cda;
        _length = length;
        _aliasDelta = aliasDelta;
        _record = record;
        _pageCap = pageCap;
        _wordCap = wordCap;
        _nwords = nwords;
    }

    public bool Fetch(ulong va, Span<byte> destination, out MemoryFault fault) =>
        _access.Read(va, destination, AccessKind.Execute, out fault);

    public bool Read(ulong va, Span<byte> destination, out MemoryFault fault) =>
        _access.Read(va, destination, AccessKind.Read, out fault);

    public bool CheckWrite(ulong va, int length, out MemoryFault fault)
    {
        // Page by page: a write may straddle the CDA's edge.
        ulong end = va + (ulong)length;
        for (ulong at = va; at < end; at = (at & ~0xFFFUL) + 4096)
        {
            int chunk = (int)Math.Min(end - at, 4096 - (at & 0xFFF));
            if (!_access.CanWrite(Target(at), chunk, out fault))
            {
                return false;
            }
        }
        fault = default;
        return true;
    }

    public bool Commit(ReadOnlySpan<StagedWrite> writes)
    {
        int logged = 0;
        foreach (StagedWrite write in writes)
        {
            logged += InCda(write.Address) ? 1 : 0;
        }
        ulong firstEntry = RecordLayout.WordEntry(_record, _pageCap, _nwords);
        if (_nwords + (ulong)logged > _wordCap
            || (logged > 0 && !_access.CanWrite(firstEntry, logged * RecordLayout.WordEntryBytes, out _)))
        {
            return false; // the log is full: the caller tracks the page instead
        }
        Span<byte> data = stackalloc byte[16];
        Span<byte> entry = stackalloc byte[RecordLayout.WordEntryBytes];
        foreach (StagedWrite write in writes)
        {
            write.CopyTo(data);
            if (!_access.Write(Target(write.Address), data[..write.Size], out _))
            {
                return false; // checked by CheckWrite a moment ago; cannot happen short of a racing remap
            }
            _ledger.Add(EventKind.WriteEmulated, Layer.User, !_ledger.IsTracing ? null
                : new TraceData(InCda(write.Address) ? "{size} bytes written at {address} through the alias at {alias}: {value}" : "{size} bytes written at {address}: {value}")
                {
                    Size = write.Size,
                    Address = write.Address,
                    Alias = InCda(write.Address) ? Target(write.Address) : null,
                    Value = write.Data,
                });
            if (!InCda(write.Address))
            {
                continue;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(entry, write.Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], (ulong)write.Size);
            BinaryPrimitives.WriteUInt128LittleEndian(entry[16..], write.Data);
            _access.Write(RecordLayout.WordEntry(_record, _pageCap, _nwords), entry, out _);
            _nwords++;
            _ledger.Add(EventKind.DirtyLogAppend, Layer.User, !_ledger.IsTracing ? null
                : new TraceData("word ({address}, {size} bytes) appended to words[{index}]") { Address = write.Address, Size = write.Size, Index = _nwords - 1 });
        }
        Span<byte> count = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(count, _nwords);
        return _access.Write(_record + RecordLayout.NWords, count, out _);
    }

    private bool InCda(ulong va) => va >= _cda && va - _cda < _length;

    private ulong Target(ulong va) => InCda(va) ? va + _aliasDelta : va;
}
