using Iced.Intel;

namespace HvSim.Cpu.Decode;

/// <summary>
/// Which <see cref="CpuFeatures"/> an instruction needs, from the CPUID features Iced lists for its
/// encoding (Code.CpuidFeatures(), taken from the SDM's opcode tables). Only the extensions the
/// levels tell apart are gated. Everything else needs nothing here: what every x86-64 CPU has
/// (SSE2, CMOV, CX8, FXSR, x87, ...), the hint-space encodings older CPUs run as NOPs (endbr64,
/// which glibc built with -fcf-protection starts every function with), and extensions no level
/// has (AES, SHA, AVX-512, ...), which the interpreter does not implement and so are #UD anyway.
/// Computed once per encoding (Iced's Code) and kept.
/// </summary>
internal static class FeatureGate
{
    private const ulong NotComputed = ulong.MaxValue;

    // Indexed by Code. Concurrent runs may fill an entry twice with the same value (an aligned
    // 64-bit store is atomic), so no lock is needed.
    private static readonly ulong[] s_required = CreateTable();

    /// <summary>The extensions <paramref name="instruction"/> needs (None for an invalid instruction).</summary>
    public static CpuFeatures Required(in Instruction instruction)
    {
        var code = (int)instruction.Code;
        ulong required = s_required[code];
        if (required == NotComputed)
        {
            required = (ulong)Compute(instruction);
            s_required[code] = required;
        }
        return (CpuFeatures)required;
    }

    private static ulong[] CreateTable()
    {
        var table = new ulong[Enum.GetValues<Code>().Length];
        Array.Fill(table, NotComputed);
        return table;
    }

    private static CpuFeatures Compute(in Instruction instruction)
    {
        if (instruction.Code == Code.INVALID)
        {
            return CpuFeatures.None;
        }
        CpuFeatures required = CpuFeatures.None;
        foreach (CpuidFeature feature in instruction.Code.CpuidFeatures())
        {
            required |= Map(feature);
        }
        return required;
    }

    private static CpuFeatures Map(CpuidFeature feature) => feature switch
    {
        CpuidFeature.SSE3 => CpuFeatures.Sse3,
        CpuidFeature.SSSE3 => CpuFeatures.Ssse3,
        CpuidFeature.SSE4_1 => CpuFeatures.Sse41,
        CpuidFeature.SSE4_2 => CpuFeatures.Sse42,
        CpuidFeature.POPCNT => CpuFeatures.Popcnt,
        CpuidFeature.CMPXCHG16B => CpuFeatures.Cx16,
        CpuidFeature.PCLMULQDQ => CpuFeatures.Pclmulqdq,
        CpuidFeature.MOVBE => CpuFeatures.Movbe,
        CpuidFeature.LZCNT => CpuFeatures.Lzcnt,
        CpuidFeature.BMI1 => CpuFeatures.Bmi1,
        CpuidFeature.BMI2 => CpuFeatures.Bmi2,
        CpuidFeature.AVX => CpuFeatures.Avx,
        CpuidFeature.AVX2 => CpuFeatures.Avx2,
        CpuidFeature.FMA => CpuFeatures.Fma,
        CpuidFeature.F16C => CpuFeatures.F16c,
        CpuidFeature.XSAVE or CpuidFeature.XSAVEOPT or CpuidFeature.XSAVEC => CpuFeatures.Xsave,
        _ => CpuFeatures.None,
    };
}
