using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace HvSim.Checkpoint;

/// <summary>
/// The backup's copy of the critical data area. It changes only by applying a whole record that
/// has already arrived in the helper buffer, so a crash at any instruction of the primary leaves
/// it at the last completed ckpt_end (all or nothing).
/// </summary>
public sealed class BackupCda
{
    /// <summary>The initial full checkpoint, taken at registration (pages of zeros cost the host nothing).</summary>
    public BackupCda(ulong start, CdaImage initialImage)
    {
        Start = start;
        Image = initialImage;
    }

    public ulong Start { get; }

    /// <summary>The backup's bytes, page by page.</summary>
    public CdaImage Image { get; }

    /// <summary>
    /// Applies a staged record: whole pages first, then words in log order. A CDA may end inside
    /// its last page (only its start must be aligned): of that page, only the bytes inside the CDA
    /// are the backup's.
    /// </summary>
    public void Apply(HelperBuffer staged)
    {
        // The staged copies become the backup's pages (the arrays they replace go back to the
        // buffer as spares): nothing reads a staged page after it is applied.
        foreach (ref (ulong Page, byte[] Contents) entry in CollectionsMarshal.AsSpan(staged.Pages))
        {
            Image.ExchangePage((int)((entry.Page - Start) >> 12), ref entry.Contents);
        }
        Span<byte> data = stackalloc byte[16];
        foreach (LoggedWord word in staged.Words)
        {
            BinaryPrimitives.WriteUInt128LittleEndian(data, word.Data);
            Image.Write(word.Address - Start, data[..word.Size]);
        }
    }

    public static string Sha256(ReadOnlySpan<byte> image) => Convert.ToHexStringLower(SHA256.HashData(image));
}

/// <summary>
/// The helper's buffer: one cycle's record, copied out of the primary (whole dirty pages as they
/// are at ckpt_end, logged words as logged) before the backup applies any of it.
/// </summary>
public sealed class HelperBuffer
{
    // Page copies from earlier cycles, handed out again by RentPage (a buffer that is reused
    // from one commit to the next allocates nothing once it has held its largest record).
    private readonly List<byte[]> _spare = [];

    /// <summary>The dirty pages' copies; once <see cref="BackupCda.Apply"/> has run, the arrays are the backup's replaced pages (garbage until the next commit rents them).</summary>
    public List<(ulong Page, byte[] Contents)> Pages { get; } = [];

    public List<LoggedWord> Words { get; } = [];

    /// <summary>Bytes copied into the helper: 4096 per page, the data bytes of each word.</summary>
    public long Bytes
    {
        get
        {
            long bytes = Pages.Count * 4096L;
            foreach (LoggedWord word in Words)
            {
                bytes += word.Size;
            }
            return bytes;
        }
    }

    /// <summary>A 4096-byte array for one page's copy (its old contents are overwritten by the copy).</summary>
    public byte[] RentPage()
    {
        if (_spare.Count == 0)
        {
            return new byte[4096];
        }
        byte[] page = _spare[^1];
        _spare.RemoveAt(_spare.Count - 1);
        return page;
    }

    /// <summary>Empties the buffer for the next record, keeping its page arrays for <see cref="RentPage"/>.</summary>
    public void Clear()
    {
        foreach ((_, byte[] contents) in Pages)
        {
            _spare.Add(contents);
        }
        Pages.Clear();
        Words.Clear();
    }
}
