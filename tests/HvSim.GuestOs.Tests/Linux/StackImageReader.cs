using System.Buffers.Binary;
using System.Text;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Tests.Linux;

/// <summary>Reads a built stack image by guest address, the way the guest program would.</summary>
internal sealed class StackImageReader(InitialStackImage image)
{
    public ulong Word(ulong address) =>
        BinaryPrimitives.ReadUInt64LittleEndian(image.Bytes.Span[Index(address)..]);

    public string CString(ulong address)
    {
        ReadOnlySpan<byte> rest = image.Bytes.Span[Index(address)..];
        int end = rest.IndexOf((byte)0);
        Assert.True(end >= 0, $"no NUL after 0x{address:x}");
        return Encoding.UTF8.GetString(rest[..end]);
    }

    public byte[] Bytes(ulong address, int count) => image.Bytes.Span.Slice(Index(address), count).ToArray();

    public List<ulong> NullTerminatedWords(ulong address)
    {
        var words = new List<ulong>();
        for (ulong a = address; ; a += 8)
        {
            ulong w = Word(a);
            if (w == 0)
            {
                return words;
            }

            words.Add(w);
        }
    }

    private int Index(ulong address)
    {
        Assert.InRange(address, image.StackPointer, image.Top - 1);
        return (int)(address - image.StackPointer);
    }
}
