using Iced.Intel;

namespace HvSim.HostOracle;

/// <summary>Collects the bytes Iced's encoder emits.</summary>
internal sealed class ByteCodeWriter : CodeWriter
{
    private readonly List<byte> _bytes = [];

    public override void WriteByte(byte value) => _bytes.Add(value);

    public byte[] ToArray() => _bytes.ToArray();
}
