using System.Buffers;
using System.Buffers.Binary;
using HvSim.Hypervisor.Techniques;

namespace HvSim.Checkpoint;

/// <summary>One logged write of a record: at most 16 bytes inside one page of the CDA.</summary>
public readonly record struct LoggedWord(ulong Address, int Size, UInt128 Data);

/// <summary>
/// A cycle's record as the technique left it in the application's record buffer
/// (docs/checkpoint-abi.md): whole dirty pages and logged words. Parsing validates every entry
/// against the CDA, so a malformed record (a buggy or hostile guest) is refused whole.
/// </summary>
public sealed class CheckpointRecord
{
    // Filled by parsing; a session reuses one record from commit to commit (issue 15: no
    // allocation per cycle), and hands observers a copy.
    private readonly List<ulong> _pages = [];
    private readonly List<LoggedWord> _words = [];
    private readonly List<ulong> _blocks = [];

    private CheckpointRecord()
    {
    }

    /// <summary>A record to parse into again and again with <see cref="TryReadInto"/>.</summary>
    internal static CheckpointRecord Reusable() => new();

    /// <summary>A copy that later parses into this one do not change (for observers).</summary>
    internal CheckpointRecord Copy()
    {
        var copy = new CheckpointRecord { Fallbacks = Fallbacks };
        copy._pages.AddRange(_pages);
        copy._words.AddRange(_words);
        copy._blocks.AddRange(_blocks);
        return copy;
    }

    /// <summary>Most logged words one record may hold (the ABI's bound, <see cref="RecordLayout.MaxWords"/>).</summary>
    public const ulong MaxWords = RecordLayout.MaxWords;

    public IReadOnlyList<ulong> Pages => _pages;

    public IReadOnlyList<LoggedWord> Words => _words;

    /// <summary>
    /// Dirty 128-byte blocks (spp on hvm): pages[] entries holding a block's address with bit 0
    /// set (docs/checkpoint-abi.md); the block is copied from the primary at commit, as a page is.
    /// </summary>
    public IReadOnlyList<ulong> Blocks => _blocks;

    /// <summary>Bytes of one block entry's block.</summary>
    public const int BlockBytes = 128;

    /// <summary>The pages as a list, for the session's loops (no enumerator object).</summary>
    internal List<ulong> PageList => _pages;

    /// <summary>The words as a list, for the session's loops.</summary>
    internal List<LoggedWord> WordList => _words;

    /// <summary>Writes the emulation engine could not emulate this cycle (tracked as whole pages instead).</summary>
    public ulong Fallbacks { get; private set; }

    /// <summary>Bytes appended to the dirty logs: one entry per page, one per word.</summary>
    public long LoggedBytes => ((Pages.Count + Blocks.Count) * (long)RecordLayout.PageEntryBytes) + (Words.Count * (long)RecordLayout.WordEntryBytes);

    /// <summary>
    /// Reads and validates the record at <paramref name="record"/>; null with <paramref name="error"/>
    /// when it cannot be read or an entry lies outside the CDA.
    /// </summary>
    /// <param name="read">Reads guest memory (false: not readable).</param>
    public static CheckpointRecord? Read(GuestReader read, ulong record, ulong cda, ulong length, out string error)
    {
        var parsed = new CheckpointRecord();
        return TryReadInto(read, record, cda, length, parsed, out error) ? parsed : null;
    }

    /// <summary>
    /// <see cref="Read"/> into <paramref name="into"/> (its earlier contents are replaced); false
    /// with <paramref name="error"/> when the record is refused (then <paramref name="into"/> holds nothing usable).
    /// </summary>
    internal static bool TryReadInto(GuestReader read, ulong record, ulong cda, ulong length, CheckpointRecord into, out string error)
    {
        into._pages.Clear();
        into._words.Clear();
        into._blocks.Clear();
        into.Fallbacks = 0;
        Span<byte> header = stackalloc byte[RecordLayout.HeaderBytes];
        if (!read(record, header))
        {
            error = $"record buffer at 0x{record:x} is not readable";
            return false;
        }
        ulong npages = U64(header, RecordLayout.NPages);
        ulong nwords = U64(header, RecordLayout.NWords);
        ulong pageCap = U64(header, RecordLayout.PageCap);
        ulong wordCap = U64(header, RecordLayout.WordCap);
        if (U64(header, RecordLayout.Lost) != 0)
        {
            error = "the technique could not log every write (the record says 'lost')";
            return false;
        }
        // Bounds a hostile or buggy guest cannot push the host past: a page may be listed again
        // within a cycle (re-protected by the kernel, then written), but not without limit, and
        // the word log is the library's (64 Ki words) or the buffer the hypervisor accepted.
        ulong cdaPages = (length + 4095) / 4096;
        if (npages > pageCap || nwords > wordCap || pageCap > (1UL << 24) || wordCap > (1UL << 24)
            || npages > (4 + (4096 / BlockBytes)) * cdaPages || nwords > MaxWords)
        {
            error = $"record counts out of range (pages {npages}/{pageCap}, words {nwords}/{wordCap})";
            return false;
        }
        // One record per commit: the raw entries go through a pooled buffer, not fresh arrays.
        int pageLength = (int)npages * RecordLayout.PageEntryBytes;
        int wordLength = (int)nwords * RecordLayout.WordEntryBytes;
        byte[] raw = ArrayPool<byte>.Shared.Rent(pageLength + wordLength);
        try
        {
            into.Fallbacks = U64(header, RecordLayout.Fallbacks);
            return Parse(read, record, cda, length, npages, nwords, pageCap, into,
                raw.AsSpan(0, pageLength), raw.AsSpan(pageLength, wordLength), out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static bool Parse(GuestReader read, ulong record, ulong cda, ulong length, ulong npages, ulong nwords,
        ulong pageCap, CheckpointRecord into, Span<byte> pageBytes, Span<byte> wordBytes, out string error)
    {
        if (!read(RecordLayout.PageEntry(record, 0), pageBytes) || !read(RecordLayout.WordEntry(record, pageCap, 0), wordBytes))
        {
            error = "record entries are not readable";
            return false;
        }
        for (int i = 0; i < (int)npages; i++)
        {
            ulong page = U64(pageBytes, i * RecordLayout.PageEntryBytes);
            if ((page & 1) != 0)
            {
                ulong block = page & ~1UL;
                if ((block & (BlockBytes - 1)) != 0 || block < cda || block - cda > length - BlockBytes || length < BlockBytes)
                {
                    error = $"block entry 0x{page:x} is not a 128-byte block of the CDA";
                    return false;
                }
                into._blocks.Add(block);
                continue;
            }
            if ((page & 0xFFF) != 0 || page < cda || page - cda >= length)
            {
                error = $"page entry 0x{page:x} is not a page of the CDA";
                return false;
            }
            into._pages.Add(page);
        }
        for (int i = 0; i < (int)nwords; i++)
        {
            ReadOnlySpan<byte> entry = wordBytes.Slice(i * RecordLayout.WordEntryBytes, RecordLayout.WordEntryBytes);
            ulong address = U64(entry, 0);
            ulong size = U64(entry, 8);
            bool inside = address >= cda && address - cda < length && size >= 1 && size <= RecordLayout.WordDataBytes
                && address + size - cda <= length && (address & 0xFFF) + size <= 4096;
            if (!inside)
            {
                error = $"word entry (0x{address:x}, {size} bytes) is not inside one page of the CDA";
                return false;
            }
            into._words.Add(new LoggedWord(address, (int)size, BinaryPrimitives.ReadUInt128LittleEndian(entry[16..])));
        }
        ulong cdaPages = (length + 4095) / 4096;
        if ((ulong)into._pages.Count > 4 * cdaPages)
        {
            error = $"record lists {into._pages.Count} pages for a CDA of {cdaPages}";
            return false;
        }
        error = "";
        return true;
    }

    private static ulong U64(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]);
}

/// <summary>Reads guest virtual memory of the current process; false when it is not readable.</summary>
public delegate bool GuestReader(ulong address, Span<byte> destination);
