using Iced.Intel;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterMulDiv(Dictionary<Mnemonic, TranslateFn> table)
    {
    }
}
