using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>SSE4.2 (pcmpgtq, crc32, the packed string compares) and PCLMULQDQ.</summary>
internal static unsafe partial class Translator
{
    private static void RegisterSse42(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, Packed<Pcmpgtq>, Mnemonic.Pcmpgtq);
        Add(table, TranslateCrc32, Mnemonic.Crc32);
        Add(table, TranslatePackedStringCompare,
            Mnemonic.Pcmpestri, Mnemonic.Pcmpestri64, Mnemonic.Pcmpestrm, Mnemonic.Pcmpestrm64, Mnemonic.Pcmpistri, Mnemonic.Pcmpistrm);
        Add(table, PackedImm<Pclmulqdq>, Mnemonic.Pclmulqdq);
    }

    /// <summary>crc32 r32, r/m8/16/32; crc32 r64, r/m8/64.</summary>
    private static bool TranslateCrc32(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 1);
        if ((op.Flags & OpFlags.Lock) != 0 || !Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &Sse42Ops.Crc32RR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &Sse42Ops.Crc32RM;
        return instruction.Op1Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>
    /// pcmpestri/pcmpestrm (lengths in EAX/EDX, RAX/RDX with REX.W: the "64" mnemonics) and
    /// pcmpistri/pcmpistrm xmm1, xmm2/m128 (unaligned), imm8.
    /// </summary>
    private static bool TranslatePackedStringCompare(in Instruction instruction, ref DecodedOp op)
    {
        bool index = instruction.Mnemonic is Mnemonic.Pcmpestri or Mnemonic.Pcmpestri64 or Mnemonic.Pcmpistri;
        bool explicitLengths = instruction.Mnemonic is not (Mnemonic.Pcmpistri or Mnemonic.Pcmpistrm);
        op.Imm = instruction.Immediate8;
        bool ok = index
            ? XmmSource(instruction, ref op, &Sse42Ops.StringIndexRR, &Sse42Ops.StringIndexRM)
            : XmmSource(instruction, ref op, &Sse42Ops.StringMaskRR, &Sse42Ops.StringMaskRM);
        op.Sub = explicitLengths ? Sse42Ops.ExplicitLengths : (byte)0;
        op.Size = (byte)(instruction.Mnemonic is Mnemonic.Pcmpestri64 or Mnemonic.Pcmpestrm64 ? 8 : 4);
        return ok;
    }
}
