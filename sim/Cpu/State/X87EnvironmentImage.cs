using System.Buffers.Binary;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.State;

/// <summary>
/// The 28-byte x87 environment FNSTENV/FLDENV use in 64-bit mode with the default operand size, and
/// the 108-byte FNSAVE/FRSTOR image it starts (SDM Vol. 1, 8.1.10, Figures 8-9 and 8-10, 32-bit
/// protected-mode format). Each 16-bit field sits in a dword whose upper half the host writes as
/// 0xFFFF; FIP and FDP keep only their low 32 bits; FOP shares a dword with FCS.
/// </summary>
public static class X87EnvironmentImage
{
    public const int Size = 28;
    public const int SaveSize = Size + (8 * 10);

    public static void Store(X87State x87, Span<byte> image)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(image, 0xFFFF_0000u | x87.Control);
        BinaryPrimitives.WriteUInt32LittleEndian(image[4..], 0xFFFF_0000u | x87.Status);
        BinaryPrimitives.WriteUInt32LittleEndian(image[8..], 0xFFFF_0000u | x87.TagWord());
        BinaryPrimitives.WriteUInt32LittleEndian(image[12..], (uint)x87.InstructionPointer);
        BinaryPrimitives.WriteUInt32LittleEndian(image[16..], ((uint)x87.Opcode << 16) | x87.CodeSelector);
        BinaryPrimitives.WriteUInt32LittleEndian(image[20..], (uint)x87.DataPointer);
        BinaryPrimitives.WriteUInt32LittleEndian(image[24..], 0xFFFF_0000u | x87.DataSelector);
    }

    public static void Load(X87State x87, ReadOnlySpan<byte> image)
    {
        x87.Control = Cpu.LoadedFcw(BinaryPrimitives.ReadUInt16LittleEndian(image));
        x87.Status = BinaryPrimitives.ReadUInt16LittleEndian(image[4..]);
        x87.LoadTagWord(BinaryPrimitives.ReadUInt16LittleEndian(image[8..]));
        x87.InstructionPointer = BinaryPrimitives.ReadUInt32LittleEndian(image[12..]);
        x87.CodeSelector = BinaryPrimitives.ReadUInt16LittleEndian(image[16..]);
        x87.Opcode = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(image[18..]) & 0x7FF);
        x87.DataPointer = BinaryPrimitives.ReadUInt32LittleEndian(image[20..]);
        x87.DataSelector = BinaryPrimitives.ReadUInt16LittleEndian(image[24..]);
        x87.UpdateErrorSummary(statusLoaded: true);
    }

    /// <summary>FNSAVE's image: the environment, then ST(0) to ST(7), ten bytes each.</summary>
    public static void Save(X87State x87, Span<byte> image)
    {
        Store(x87, image);
        for (var i = 0; i < 8; i++)
        {
            x87.St(i).WriteBytes(image[(Size + (10 * i))..]);
        }
    }

    /// <summary>FRSTOR's image: registers first (the tags are then about the loaded TOP), then the environment.</summary>
    public static void Restore(X87State x87, ReadOnlySpan<byte> image)
    {
        x87.Status = BinaryPrimitives.ReadUInt16LittleEndian(image[4..]);
        for (var i = 0; i < 8; i++)
        {
            x87.St(i) = Float80.FromBytes(image[(Size + (10 * i))..]);
        }

        Load(x87, image);
    }
}
