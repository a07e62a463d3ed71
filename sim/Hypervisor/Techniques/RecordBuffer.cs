using System.Buffers.Binary;
using HvSim.Core;
using HvSim.Cpu.Emulation;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// The hypervisor's side of the application's record buffer (docs/checkpoint-abi.md): it appends
/// pages and words, counts fallbacks, marks the record lost, lists last cycle's pages and zeroes
/// the counters, all through the guest's page tables (<see cref="GuestVirtualMemory"/>). The
/// header is the application's, so every capacity it states is bounded by the buffer length
/// given at registration (the hypervisor never writes outside the buffer it was handed) and by
/// the most words a record may hold (its host cost never grows with what the header claims).
/// </summary>
internal sealed class RecordBuffer
{
    /// <summary>Words read at a time when a page's logged words are dropped (4 KiB of entries).</summary>
    private const int DropChunkWords = 128;

    private readonly GuestVirtualMemory _memory;
    private readonly EventLedger _ledger;
    private byte[] _pageEntries = []; // pages[] as read at CycleBegin, reused

    public RecordBuffer(GuestVirtualMemory memory, EventLedger ledger)
    {
        _memory = memory;
        _ledger = ledger;
    }

    /// <summary>The header fields the hypervisor uses, with capacities bounded by the buffer.</summary>
    private readonly record struct Header(ulong NPages, ulong NWords, ulong PageCap, ulong WordCap, ulong Fallbacks, ulong RawPageCap);

    /// <summary>Appends a page to pages[] (one DirtyLogAppend); false when the record is unwritable or full.</summary>
    public bool TryAppendPage(HvProcess process, Registration registration, ulong page)
    {
        if (!TryReadHeader(process, registration, out Header header) || header.NPages >= header.PageCap)
        {
            return false;
        }
        Span<byte> entry = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(entry, page);
        if (!Write(process, RecordLayout.PageEntry(registration.RecordBuffer, header.NPages), entry)
            || !WriteField(process, registration, RecordLayout.NPages, header.NPages + 1))
        {
            return false;
        }
        _ledger.Add(EventKind.DirtyLogAppend, Layer.Hypervisor, !_ledger.IsTracing ? null
            : new TraceData("page {page} appended to pages[{index}] of the record at {record}") { Page = page, Index = header.NPages, Record = registration.RecordBuffer });
        return true;
    }

    /// <summary>
    /// Appends one entry per write to words[] (one DirtyLogAppend each), all or none: false when
    /// there is no room for all of them or the record cannot be written.
    /// </summary>
    public bool TryAppendWords(HvProcess process, Registration registration, ReadOnlySpan<StagedWrite> writes)
    {
        if (writes.IsEmpty)
        {
            return true;
        }
        if (!TryReadHeader(process, registration, out Header header) || header.NWords + (ulong)writes.Length > header.WordCap)
        {
            return false;
        }
        int length = writes.Length * RecordLayout.WordEntryBytes;
        // Usually one word per emulated write: built on the stack, not in a fresh array.
        Span<byte> entries = length <= 256 ? stackalloc byte[256] : new byte[length];
        entries = entries[..length];
        for (int i = 0; i < writes.Length; i++)
        {
            Span<byte> entry = entries.Slice(i * RecordLayout.WordEntryBytes, RecordLayout.WordEntryBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, writes[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], (ulong)writes[i].Size);
            BinaryPrimitives.WriteUInt128LittleEndian(entry[16..], writes[i].Data);
        }
        ulong first = RecordLayout.WordEntry(registration.RecordBuffer, header.RawPageCap, header.NWords);
        if (!Write(process, first, entries) || !WriteField(process, registration, RecordLayout.NWords, header.NWords + (ulong)writes.Length))
        {
            return false;
        }
        for (int i = 0; i < writes.Length; i++)
        {
            _ledger.Add(EventKind.DirtyLogAppend, Layer.Hypervisor, !_ledger.IsTracing ? null
                : new TraceData("word ({address}, {size} bytes) appended to words[{index}]") { Address = writes[i].Address, Size = writes[i].Size, Index = header.NWords + (ulong)i });
        }
        return true;
    }

    /// <summary>
    /// Drops the words logged for <paramref name="page"/> (keeping the others in order): the page
    /// is about to be listed whole and written natively, and COMMIT applies words after pages, so
    /// a word logged before would overwrite a later native write with its older value. The log is
    /// compacted in place a chunk at a time (the kept entries move down over the dropped ones,
    /// never past what has been read), so the host's cost is a fixed buffer however many words the
    /// header claims. False when the log cannot be read or written: it may then be half compacted,
    /// and the caller marks the record lost, so COMMIT refuses it.
    /// </summary>
    public bool TryDropWordsOf(HvProcess process, Registration registration, ulong page)
    {
        if (!TryReadHeader(process, registration, out Header header) || header.NWords > header.WordCap)
        {
            return false;
        }
        ulong first = RecordLayout.WordEntry(registration.RecordBuffer, header.RawPageCap, 0);
        Span<byte> chunk = stackalloc byte[DropChunkWords * RecordLayout.WordEntryBytes];
        ulong kept = 0;
        for (ulong read = 0; read < header.NWords;)
        {
            int count = (int)Math.Min(DropChunkWords, header.NWords - read);
            Span<byte> entries = chunk[..(count * RecordLayout.WordEntryBytes)];
            if (!_memory.TryRead(process.Cr3, first + (read * RecordLayout.WordEntryBytes), entries, AccessKind.Read, out _))
            {
                return false;
            }
            int keptHere = 0;
            for (int i = 0; i < count; i++)
            {
                Span<byte> entry = entries.Slice(i * RecordLayout.WordEntryBytes, RecordLayout.WordEntryBytes);
                if (PageGeometry.PageBase(BinaryPrimitives.ReadUInt64LittleEndian(entry)) != page)
                {
                    entry.CopyTo(entries[(keptHere * RecordLayout.WordEntryBytes)..]);
                    keptHere++;
                }
            }
            // Nothing moves until a word has been dropped (here or in an earlier chunk): a log
            // without the page's words is left untouched.
            bool moved = kept != read || keptHere != count;
            if (moved && keptHere > 0
                && !Write(process, first + (kept * RecordLayout.WordEntryBytes), entries[..(keptHere * RecordLayout.WordEntryBytes)]))
            {
                return false;
            }
            kept += (ulong)keptHere;
            read += (ulong)count;
        }
        return kept == header.NWords || WriteField(process, registration, RecordLayout.NWords, kept);
    }

    /// <summary>fallbacks += 1.</summary>
    public bool TryCountFallback(HvProcess process, Registration registration) =>
        TryReadHeader(process, registration, out Header header)
        && WriteField(process, registration, RecordLayout.Fallbacks, header.Fallbacks + 1);

    /// <summary>Sets lost: COMMIT then refuses the record instead of missing a write silently.</summary>
    public bool TryMarkLost(HvProcess process, Registration registration) =>
        registration.RecordLength >= RecordLayout.HeaderBytes && WriteField(process, registration, RecordLayout.Lost, 1);

    /// <summary>
    /// The pages listed in pages[] (as many as the record holds) into <paramref name="pages"/>
    /// (cleared first), or false when they cannot be read. The caller's list is reused from cycle
    /// to cycle, and the entries are read through a buffer kept here: no allocation per cycle.
    /// </summary>
    public bool TryReadPages(HvProcess process, Registration registration, List<ulong> pages)
    {
        pages.Clear();
        if (!TryReadHeader(process, registration, out Header header))
        {
            return false;
        }
        // Never more than the CDA has pages: a longer list repeats or invents entries.
        int count = (int)Math.Min(Math.Min(header.NPages, header.PageCap), (ulong)registration.CdaPages);
        int length = count * RecordLayout.PageEntryBytes;
        if (_pageEntries.Length < length)
        {
            _pageEntries = new byte[Math.Max(length, _pageEntries.Length * 2)];
        }
        Span<byte> bytes = _pageEntries.AsSpan(0, length);
        if (!_memory.TryRead(process.Cr3, RecordLayout.PageEntry(registration.RecordBuffer, 0), bytes, AccessKind.Read, out _))
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            pages.Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * RecordLayout.PageEntryBytes)..]));
        }
        return true;
    }

    /// <summary>
    /// Zeroes npages, nwords and fallbacks: a new cycle starts with an empty record. All or
    /// nothing: a header that runs onto a page the application cannot write is left as it is
    /// (a call that fails writes nothing).
    /// </summary>
    public bool TryResetCounters(HvProcess process, Registration registration)
    {
        if (!_memory.CanWrite(process.Cr3, registration.RecordBuffer, RecordLayout.Fallbacks + 8, out _))
        {
            return false;
        }
        Span<byte> zero = stackalloc byte[16];
        zero.Clear();
        return Write(process, registration.RecordBuffer + RecordLayout.NPages, zero)
            && WriteField(process, registration, RecordLayout.Fallbacks, 0);
    }

    private bool TryReadHeader(HvProcess process, Registration registration, out Header header)
    {
        header = default;
        Span<byte> bytes = stackalloc byte[RecordLayout.HeaderBytes];
        if (registration.RecordLength < RecordLayout.HeaderBytes
            || !_memory.TryRead(process.Cr3, registration.RecordBuffer, bytes, AccessKind.Read, out _))
        {
            return false;
        }
        ulong rawPageCap = BinaryPrimitives.ReadUInt64LittleEndian(bytes[RecordLayout.PageCap..]);
        ulong rawWordCap = BinaryPrimitives.ReadUInt64LittleEndian(bytes[RecordLayout.WordCap..]);
        // What fits in the buffer: pages[] right after the header, words[] right after pages[page_cap].
        ulong room = registration.RecordLength - RecordLayout.HeaderBytes;
        ulong pageCap = Math.Min(rawPageCap, room / RecordLayout.PageEntryBytes);
        // Nor more words than a record may hold (COMMIT refuses more): a huge buffer bounds nothing.
        ulong wordCap = rawPageCap > room / RecordLayout.PageEntryBytes
            ? 0
            : Math.Min(Math.Min(rawWordCap, (room - (rawPageCap * RecordLayout.PageEntryBytes)) / RecordLayout.WordEntryBytes), RecordLayout.MaxWords);
        header = new Header(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[RecordLayout.NPages..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[RecordLayout.NWords..]),
            pageCap,
            wordCap,
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[RecordLayout.Fallbacks..]),
            rawPageCap);
        return true;
    }

    private bool WriteField(HvProcess process, Registration registration, int offset, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return Write(process, registration.RecordBuffer + (ulong)offset, bytes);
    }

    /// <summary>
    /// copy_to_guest: the record buffer is the application's memory, written with the
    /// application's own rights — a buffer over its read-only code is refused, never written.
    /// </summary>
    private bool Write(HvProcess process, ulong va, ReadOnlySpan<byte> bytes) =>
        _memory.TryWrite(process.Cr3, va, bytes, requireWritable: true, out _);
}
