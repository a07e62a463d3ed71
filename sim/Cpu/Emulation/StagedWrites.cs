using System.Buffers.Binary;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// The two things done with staged bytes: cutting a write into <see cref="StagedWrite"/>s that
/// never cross a page and hold at most 16 bytes (the contract views rely on: one page, one
/// translation, one log entry), and laying staged writes over bytes read from the view.
/// </summary>
internal static class StagedWrites
{
    private const ulong PageSize = 4096;
    private const int MaxBytes = 16;

    /// <summary>Appends the pieces of a write of <paramref name="source"/> at <paramref name="va"/> to <paramref name="into"/>, in address order.</summary>
    public static void Split(ulong va, ReadOnlySpan<byte> source, List<StagedWrite> into)
    {
        Span<byte> piece = stackalloc byte[MaxBytes];
        int offset = 0;
        while (offset < source.Length)
        {
            ulong at = va + (ulong)offset;
            int toPageEnd = (int)(PageSize - (at & (PageSize - 1)));
            int size = Math.Min(Math.Min(source.Length - offset, MaxBytes), toPageEnd);
            piece.Clear();
            source.Slice(offset, size).CopyTo(piece);
            into.Add(new StagedWrite(at, size, BinaryPrimitives.ReadUInt128LittleEndian(piece)));
            offset += size;
        }
    }

    /// <summary>Replaces the bytes of <paramref name="destination"/> (read at <paramref name="va"/>) that <paramref name="write"/> covers.</summary>
    public static void Overlay(in StagedWrite write, ulong va, Span<byte> destination)
    {
        for (int i = 0; i < write.Size; i++)
        {
            // Unsigned distance: bytes below va wrap to huge values and fall outside.
            ulong index = write.Address + (ulong)i - va;
            if (index < (ulong)destination.Length)
            {
                destination[(int)index] = (byte)(write.Data >> (8 * i));
            }
        }
    }
}
