using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// SSE3's data movement (movddup, movshdup, movsldup, lddqu) and SSSE3, XMM forms only: the MMX
/// (mm register) forms of the SSSE3 mnemonics stay #UD, as every MMX instruction does here (the
/// operand-shape helpers accept XMM registers only). SSE3's arithmetic (addsub, hadd, hsub) lives
/// with the floating point.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterSsse3(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, Low64<Movddup>, Mnemonic.Movddup);
        Add(table, Packed<Movshdup>, Mnemonic.Movshdup);
        Add(table, Packed<Movsldup>, Mnemonic.Movsldup);
        Add(table, TranslateLddqu, Mnemonic.Lddqu);

        Add(table, Packed<Pshufb>, Mnemonic.Pshufb);
        Add(table, Packed<Phaddw>, Mnemonic.Phaddw);
        Add(table, Packed<Phaddd>, Mnemonic.Phaddd);
        Add(table, Packed<Phaddsw>, Mnemonic.Phaddsw);
        Add(table, Packed<Phsubw>, Mnemonic.Phsubw);
        Add(table, Packed<Phsubd>, Mnemonic.Phsubd);
        Add(table, Packed<Phsubsw>, Mnemonic.Phsubsw);
        Add(table, Packed<Pmaddubsw>, Mnemonic.Pmaddubsw);
        Add(table, Packed<Pmulhrsw>, Mnemonic.Pmulhrsw);
        Add(table, Packed<Psignb>, Mnemonic.Psignb);
        Add(table, Packed<Psignw>, Mnemonic.Psignw);
        Add(table, Packed<Psignd>, Mnemonic.Psignd);
        Add(table, Packed<Pabsb>, Mnemonic.Pabsb);
        Add(table, Packed<Pabsw>, Mnemonic.Pabsw);
        Add(table, Packed<Pabsd>, Mnemonic.Pabsd);
        Add(table, PackedImm<Palignr>, Mnemonic.Palignr);
    }

    /// <summary>lddqu xmm, m128: an unaligned load (memory operand only).</summary>
    private static bool TranslateLddqu(in Instruction instruction, ref DecodedOp op)
    {
        return XmmSource(instruction, ref op, null, &SseOps.RM128U<MoveSource>);
    }
}
