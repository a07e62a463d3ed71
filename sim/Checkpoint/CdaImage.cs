using System.Security.Cryptography;

namespace HvSim.Checkpoint;

/// <summary>
/// The contents of a critical data area, page by page, holding host memory only for pages that
/// are not all zero: a 1 GiB CDA of which a few MiB are written costs the host a few MiB (issue 15;
/// the backup and the primary's image at exit were each a 1 GiB array). The last page may be
/// partial (a CDA need only start on a page boundary): only its bytes inside the CDA exist.
/// </summary>
public sealed class CdaImage
{
    private const int PageSize = 4096;

    private static readonly byte[] s_zeroPage = new byte[PageSize];

    private readonly byte[]?[] _pages; // null: every byte zero

    /// <summary>An image of <paramref name="length"/> zero bytes.</summary>
    public CdaImage(ulong length)
    {
        Length = length;
        _pages = new byte[(length + PageSize - 1) / PageSize][];
    }

    /// <summary>The CDA's length in bytes.</summary>
    public ulong Length { get; }

    /// <summary>Its pages, the last one possibly partial.</summary>
    public int PageCount => _pages.Length;

    /// <summary>Pages that hold host memory (not all zero when they were stored).</summary>
    public int StoredPages
    {
        get
        {
            int stored = 0;
            foreach (byte[]? page in _pages)
            {
                stored += page is null ? 0 : 1;
            }
            return stored;
        }
    }

    /// <summary>An image of <paramref name="bytes"/>.</summary>
    public static CdaImage FromBytes(ReadOnlySpan<byte> bytes)
    {
        var image = new CdaImage((ulong)bytes.Length);
        for (int i = 0; i < image.PageCount; i++)
        {
            image.SetPage(i, bytes.Slice(i * PageSize, image.PageLength(i)));
        }
        return image;
    }

    /// <summary>Bytes of page <paramref name="index"/> inside the CDA (4096 but for a partial last page).</summary>
    public int PageLength(int index) => (int)Math.Min(PageSize, Length - ((ulong)index * PageSize));

    /// <summary>Page <paramref name="index"/>'s bytes inside the CDA.</summary>
    public ReadOnlySpan<byte> Page(int index) => (_pages[index] ?? s_zeroPage).AsSpan(0, PageLength(index));

    /// <summary>Replaces page <paramref name="index"/> with <paramref name="contents"/> (its bytes inside the CDA; longer input is cut).</summary>
    public void SetPage(int index, ReadOnlySpan<byte> contents)
    {
        contents = contents[..Math.Min(contents.Length, PageLength(index))];
        byte[]? page = _pages[index];
        if (page is null)
        {
            if (!contents.ContainsAnyExcept((byte)0))
            {
                return; // zero stays unstored
            }
            page = _pages[index] = new byte[PageSize];
        }
        contents.CopyTo(page);
    }

    /// <summary>
    /// Takes <paramref name="contents"/> (a whole 4096-byte page) as page <paramref name="index"/>
    /// and hands back the array it replaces, whose bytes the caller must treat as garbage: the
    /// backup applies each dirty page of a commit this way, so the helper's copy is the last one
    /// (a 16 MiB CDA dirtied whole was copied twice per page). A page not stored yet, or the
    /// partial last page, is copied as <see cref="SetPage"/> does and the caller keeps its array.
    /// </summary>
    public void ExchangePage(int index, ref byte[] contents)
    {
        byte[]? page = _pages[index];
        if (page is null || contents.Length != PageSize || PageLength(index) != PageSize)
        {
            SetPage(index, contents);
            return;
        }
        _pages[index] = contents;
        contents = page;
    }

    /// <summary>Writes <paramref name="bytes"/> at CDA offset <paramref name="offset"/>, inside one page.</summary>
    public void Write(ulong offset, ReadOnlySpan<byte> bytes)
    {
        int index = (int)(offset / PageSize);
        int inPage = (int)(offset % PageSize);
        byte[]? page = _pages[index];
        if (page is null)
        {
            if (!bytes.ContainsAnyExcept((byte)0))
            {
                return;
            }
            page = _pages[index] = new byte[PageSize];
        }
        bytes.CopyTo(page.AsSpan(inPage));
    }

    /// <summary>The whole image as one array (for callers that want it: its cost is the CDA's size).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        for (int i = 0; i < PageCount; i++)
        {
            Page(i).CopyTo(bytes.AsSpan(i * PageSize));
        }
        return bytes;
    }

    /// <summary>SHA-256 of the image's bytes, lowercase hex (the same digest as of <see cref="ToArray"/>).</summary>
    public string Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < PageCount; i++)
        {
            hash.AppendData(Page(i));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The first CDA offset where the two images differ, or -1 when they are equal (lengths included).</summary>
    public long FirstDifference(CdaImage other)
    {
        int common = Math.Min(PageCount, other.PageCount);
        for (int i = 0; i < common; i++)
        {
            ReadOnlySpan<byte> a = Page(i), b = other.Page(i);
            int same = a.CommonPrefixLength(b);
            if (same < a.Length || a.Length != b.Length)
            {
                return ((long)i * PageSize) + same;
            }
        }
        return Length == other.Length ? -1 : (long)Math.Min(Length, other.Length);
    }

    /// <summary>How many bytes differ (bytes past the shorter image's end count as different).</summary>
    public long CountDifferences(CdaImage other)
    {
        long count = Math.Abs((long)Length - (long)other.Length);
        int common = Math.Min(PageCount, other.PageCount);
        for (int i = 0; i < common; i++)
        {
            ReadOnlySpan<byte> a = Page(i), b = other.Page(i);
            int n = Math.Min(a.Length, b.Length);
            for (int j = 0; j < n; j++)
            {
                count += a[j] != b[j] ? 1 : 0;
            }
        }
        return count;
    }
}
