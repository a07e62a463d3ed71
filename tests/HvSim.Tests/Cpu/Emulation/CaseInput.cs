using System.Runtime.Intrinsics;
using Iced.Intel;
using Encoder = Iced.Intel.Encoder;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// A case made concrete: the instruction's bytes and the exact registers, flags, XMM registers
/// and memory image both sides start from. Placement is applied here, in an order that keeps
/// every access where the case says: strings' and the stack's registers, then the bit offset,
/// then the memory operand's base (solved for the target, after every other register is final),
/// then, for a successful compare, the accumulator copied into memory.
/// </summary>
internal sealed class CaseInput
{
    public const ulong ReservedFlags = 0x202; // bit 1 and IF, as every user context has them

    private CaseInput(byte[] code, ulong[] gpr, ulong rflags, Vector128<byte>[] xmm, byte[] image, ulong fsBase, ulong gsBase)
    {
        Code = code;
        Gpr = gpr;
        Rflags = rflags;
        Xmm = xmm;
        Image = image;
        FsBase = fsBase;
        GsBase = gsBase;
    }

    /// <summary>The instruction encoded at <see cref="EmulationLayout.Code"/>, then int3.</summary>
    public byte[] Code { get; }

    public ulong[] Gpr { get; }

    public ulong Rflags { get; }

    public Vector128<byte>[] Xmm { get; }

    /// <summary>
    /// Bits 255:128 of YMM0..15: derived from the XMM values (the complement of another register's),
    /// so that VEX.256 stores write non-zero upper lanes without a second generated array.
    /// </summary>
    public Vector128<byte>[] YmmHigh => Xmm.Select((_, i) => ~Xmm[(i + 7) % 16]).ToArray();

    /// <summary>The bytes of the image pages (<see cref="EmulationLayout.Data"/> onwards).</summary>
    public byte[] Image { get; }

    public ulong FsBase { get; }

    public ulong GsBase { get; }

    public static CaseInput From(WriteCase c)
    {
        Instruction instruction = c.Instruction;
        Placement p = c.Placement;
        ulong[] gpr = (ulong[])c.Gpr.Clone();
        byte[] image = new byte[EmulationLayout.ImageSize];
        if (c.MemorySeed >= 0)
        {
            new Random(c.MemorySeed).NextBytes(image);
        }

        gpr[Index(Register.RSP)] = p.Stack;
        if (InstructionKinds.IsStack(instruction))
        {
            int increment = instruction.StackPointerIncrement;
            gpr[Index(Register.RSP)] = increment < 0 ? p.Stack + (ulong)(-increment) : p.Stack;
        }

        if (InstructionKinds.IsString(instruction))
        {
            bool addr32 = InstructionKinds.IsAddress32String(instruction);
            ulong segment = Segment(instruction.MemorySegment, p);
            gpr[Index(Register.RCX)] = addr32 ? (gpr[Index(Register.RCX)] & ~0xFFFF_FFFFUL) | p.Count : p.Count;
            gpr[Index(Register.RDI)] = addr32 ? (gpr[Index(Register.RDI)] & ~0xFFFF_FFFFUL) | (uint)p.Target : p.Target;
            ulong rsi = p.Source - segment;
            gpr[Index(Register.RSI)] = addr32 ? (gpr[Index(Register.RSI)] & ~0xFFFF_FFFFUL) | (uint)rsi : rsi;
        }
        else if (instruction.Code is Iced.Intel.Code.Maskmovdqu_rDI_xmm_xmm or Iced.Intel.Code.VEX_Vmaskmovdqu_rDI_xmm_xmm)
        {
            gpr[Index(Register.RDI)] = p.Target;
        }
        else if (InstructionKinds.HasMemoryOperand(instruction))
        {
            if (InstructionKinds.BitOffsetRegister(instruction) is Register offset)
            {
                gpr[Index(offset)] = (ulong)p.BitOffset;
            }
            ulong index = instruction.MemoryIndex == Register.None ? 0 : gpr[Index(instruction.MemoryIndex)] << ScaleShift(instruction.MemoryIndexScale);
            gpr[Index(instruction.MemoryBase)] = p.Target - instruction.MemoryDisplacement64 - Segment(instruction.MemorySegment, p) - index;
        }

        if (p.Equal)
        {
            PlantAccumulator(instruction, gpr, image, p.Target);
        }

        var xmm = c.Xmm.Select(x => Vector128.Create(x.Lo, x.Hi).AsByte()).ToArray();
        return new CaseInput(Encode(instruction), gpr, c.Flags | ReservedFlags, xmm, image, p.FsBase, p.GsBase);
    }

    /// <summary>The instruction's bytes at <see cref="EmulationLayout.Code"/> followed by int3.</summary>
    public static byte[] Encode(in Instruction instruction)
    {
        var writer = new ListWriter();
        Encoder.Create(64, writer).Encode(instruction, EmulationLayout.Code);
        writer.WriteByte(0xCC);
        return writer.Bytes.ToArray();
    }

    /// <summary>True when Iced can encode the instruction at <see cref="EmulationLayout.Code"/>.</summary>
    public static bool CanEncode(in Instruction instruction) =>
        Encoder.Create(64, new ListWriter()).TryEncode(instruction, EmulationLayout.Code, out _, out _);

    private static int Index(Register register) => register.GetFullRegister() - Register.RAX;

    private static int ScaleShift(int scale) => scale switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 };

    private static ulong Segment(Register segment, Placement p) => segment switch
    {
        Register.FS => p.FsBase,
        Register.GS => p.GsBase,
        _ => 0,
    };

    /// <summary>Writes what the compare instruction compares memory with at <paramref name="target"/>.</summary>
    private static void PlantAccumulator(in Instruction instruction, ulong[] gpr, byte[] image, ulong target)
    {
        Span<byte> value = stackalloc byte[16];
        ulong rax = gpr[Index(Register.RAX)];
        ulong rdx = gpr[Index(Register.RDX)];
        int size;
        switch (instruction.Mnemonic)
        {
            case Mnemonic.Cmpxchg:
                size = instruction.MemorySize.GetSize();
                BitConverter.TryWriteBytes(value, rax);
                break;
            case Mnemonic.Cmpxchg8b:
                size = 8;
                BitConverter.TryWriteBytes(value, ((ulong)(uint)rdx << 32) | (uint)rax);
                break;
            case Mnemonic.Cmpxchg16b:
                size = 16;
                BitConverter.TryWriteBytes(value, rax);
                BitConverter.TryWriteBytes(value[8..], rdx);
                break;
            default:
                return;
        }
        for (int i = 0; i < size; i++)
        {
            ulong offset = target + (ulong)i - EmulationLayout.Data;
            if (offset < (ulong)image.Length)
            {
                image[offset] = value[i];
            }
        }
    }

    private sealed class ListWriter : CodeWriter
    {
        public List<byte> Bytes { get; } = new(16);

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
