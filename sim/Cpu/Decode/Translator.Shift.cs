using Iced.Intel;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterShift(Dictionary<Mnemonic, TranslateFn> table)
    {
    }
}
