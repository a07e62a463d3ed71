namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// The record buffer the application allocates and a technique fills (docs/checkpoint-abi.md):
/// a 64-byte header of little-endian u64 fields, then pages[page_cap], then words[word_cap] of
/// 32 bytes (u64 address, u64 size, 16 data bytes). Shared by the hypervisor's techniques, the
/// user-level Emul engine and the checkpoint data path, so all three read the same layout.
/// </summary>
public static class RecordLayout
{
    public const int NPages = 0;
    public const int NWords = 8;
    public const int PageCap = 16;
    public const int WordCap = 24;
    public const int Fallbacks = 32;
    public const int Lost = 40;
    public const int HeaderBytes = 64;
    public const int PageEntryBytes = 8;
    public const int WordEntryBytes = 32;
    public const int WordDataBytes = 16;

    /// <summary>
    /// Most logged words one record may hold (2 Mi words, 64 MiB of log; the guest library's log
    /// holds 64 Ki): COMMIT refuses a record claiming more, and the hypervisor reads no header as
    /// stating more room than this, whatever buffer length it was given (issue 13: a header
    /// claiming 2^28 words in a 1 TiB buffer made it copy the log into an 8 GiB host array).
    /// </summary>
    public const ulong MaxWords = 1UL << 21;

    /// <summary>Address of pages[index].</summary>
    public static ulong PageEntry(ulong record, ulong index) => record + HeaderBytes + index * PageEntryBytes;

    /// <summary>Address of words[index], given the record's page capacity.</summary>
    public static ulong WordEntry(ulong record, ulong pageCap, ulong index) =>
        record + HeaderBytes + pageCap * PageEntryBytes + index * WordEntryBytes;

    /// <summary>Smallest record that holds <paramref name="pageCap"/> pages and <paramref name="wordCap"/> words.</summary>
    public static ulong Bytes(ulong pageCap, ulong wordCap) => HeaderBytes + pageCap * PageEntryBytes + wordCap * WordEntryBytes;
}
