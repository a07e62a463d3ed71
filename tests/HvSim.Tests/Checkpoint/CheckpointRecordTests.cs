using System.Buffers.Binary;
using HvSim.Checkpoint;
using HvSim.Hypervisor.Techniques;

namespace HvSim.Tests.Checkpoint;

/// <summary>A record is validated whole: a hostile or buggy guest's record is refused, never applied in part or trusted for sizes.</summary>
public sealed class CheckpointRecordTests
{
    private const ulong Record = 0x10000, Cda = 0x100000, Length = 4 * 4096;

    private static (CheckpointRecord? Record, string Error) Parse(Action<byte[]> fill)
    {
        var memory = new byte[64 * 1024];
        ulong pageCap = 4, wordCap = 16;
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(RecordLayout.PageCap), pageCap);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(RecordLayout.WordCap), wordCap);
        fill(memory);
        bool Read(ulong address, Span<byte> destination)
        {
            if (address < Record || address - Record + (ulong)destination.Length > (ulong)memory.Length)
            {
                return false;
            }
            memory.AsSpan((int)(address - Record), destination.Length).CopyTo(destination);
            return true;
        }
        CheckpointRecord? record = CheckpointRecord.Read(Read, Record, Cda, Length, out string error);
        return (record, error);
    }

    private static void U64(byte[] memory, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(offset), value);

    [Fact]
    public void AWellFormedRecordParses()
    {
        (CheckpointRecord? record, _) = Parse(m =>
        {
            U64(m, RecordLayout.NPages, 1);
            U64(m, RecordLayout.HeaderBytes, Cda + 4096);
            U64(m, RecordLayout.NWords, 1);
            int word = RecordLayout.HeaderBytes + (4 * RecordLayout.PageEntryBytes);
            U64(m, word, Cda + 8);
            U64(m, word + 8, 8);
        });
        Assert.NotNull(record);
        Assert.Equal([Cda + 4096], record.Pages);
        Assert.Equal(Cda + 8, Assert.Single(record.Words).Address);
    }

    [Theory]
    [InlineData("page outside the CDA")]
    [InlineData("unaligned page")]
    [InlineData("word across a page")]
    [InlineData("word of 17 bytes")]
    [InlineData("counts beyond capacity")]
    [InlineData("huge capacity")]
    [InlineData("lost")]
    public void AMalformedRecordIsRefusedWhole(string defect)
    {
        (CheckpointRecord? record, string error) = Parse(m =>
        {
            int word = RecordLayout.HeaderBytes + (4 * RecordLayout.PageEntryBytes);
            switch (defect)
            {
                case "page outside the CDA":
                    U64(m, RecordLayout.NPages, 1);
                    U64(m, RecordLayout.HeaderBytes, Cda + Length);
                    break;
                case "unaligned page":
                    U64(m, RecordLayout.NPages, 1);
                    U64(m, RecordLayout.HeaderBytes, Cda + 8);
                    break;
                case "word across a page":
                    U64(m, RecordLayout.NWords, 1);
                    U64(m, word, Cda + 4090);
                    U64(m, word + 8, 8);
                    break;
                case "word of 17 bytes":
                    U64(m, RecordLayout.NWords, 1);
                    U64(m, word, Cda);
                    U64(m, word + 8, 17);
                    break;
                case "counts beyond capacity":
                    U64(m, RecordLayout.NPages, 5);
                    break;
                case "huge capacity":
                    U64(m, RecordLayout.WordCap, 1UL << 40);
                    U64(m, RecordLayout.NWords, 1UL << 30);
                    break;
                default:
                    U64(m, RecordLayout.Lost, 1);
                    break;
            }
        });
        Assert.Null(record);
        Assert.NotEmpty(error);
    }
}
