using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>stack_t (24 bytes): sigaltstack's argument and ucontext's uc_stack. 4 bytes of padding follow ss_flags.</summary>
public readonly record struct SignalStack(ulong Pointer, int Flags, ulong Size)
{
    public const int StructSize = 24;

    public const int SsSpOffset = 0;
    public const int SsFlagsOffset = 8;
    public const int SsSizeOffset = 16;

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, StructSize, "stack_t");
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SsSpOffset..], Pointer);
        BinaryPrimitives.WriteInt32LittleEndian(destination[SsFlagsOffset..], Flags);
        BinaryPrimitives.WriteInt32LittleEndian(destination[(SsFlagsOffset + 4)..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SsSizeOffset..], Size);
    }

    public static SignalStack ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, StructSize, "stack_t");
        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(source[SsSpOffset..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[SsFlagsOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[SsSizeOffset..]));
    }
}
