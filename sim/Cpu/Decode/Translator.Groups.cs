using Iced.Intel;

namespace HvSim.Cpu.Decode;

internal static partial class Translator
{
    /// <summary>Every instruction group's registration; one line per group file.</summary>
    // A method, not a static field: field initialisers in partial files run in no fixed order.
    private static Action<Dictionary<Mnemonic, TranslateFn>>[] Groups() => new Action<Dictionary<Mnemonic, TranslateFn>>[]
    {
        RegisterAlu,
        RegisterMov,
        RegisterBranch,
        RegisterStack,
        RegisterSystem,
        RegisterShift,
        RegisterMulDiv,
        RegisterBits,
        RegisterString,
        RegisterSse,
        RegisterSsse3,
        RegisterSse41,
        RegisterSse42,
        RegisterBmi2,
        RegisterAvx,
        RegisterXsave,
        RegisterX87Control,
        RegisterAvxSse4,
        RegisterX87,
        RegisterAvxFloat,
        RegisterFma,
        RegisterF16c,
    };
}
