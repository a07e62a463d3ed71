using Iced.Intel;

namespace HvSim.Cpu.Decode;

/// <summary>Feeds Iced's decoder from host memory (a frame, or a small buffer for a page-crossing instruction).</summary>
internal sealed unsafe class PointerCodeReader : CodeReader
{
    private readonly byte* _bytes;
    private readonly int _length;

    public PointerCodeReader(byte* bytes, int length)
    {
        _bytes = bytes;
        _length = length;
    }

    public int Position { get; private set; }

    public override int ReadByte() => Position < _length ? _bytes[Position++] : -1;
}
