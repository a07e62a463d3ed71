namespace HvSim.Cpu;

/// <summary>
/// What the CPU reports about itself and which instruction-set extensions it executes. rdtsc
/// counts retired instructions, so it is deterministic.
/// </summary>
/// <remarks>
/// Three levels, each a superset of the one below so that a program built for a lower level runs
/// unchanged on a higher one: <see cref="Baseline"/> (x86-64 with SSE2, plus popcnt, lzcnt and
/// BMI1, which HvSim has always advertised), <see cref="V2"/> (adds the x86-64-v2 psABI level —
/// SSE3, SSSE3, SSE4.1, SSE4.2, CMPXCHG16B — and PCLMULQDQ, as the Westmere-era CPUs of that level
/// have it) and <see cref="V3"/> (adds the x86-64-v3 level: AVX, AVX2, BMI2, FMA, F16C, MOVBE and
/// XSAVE with OSXSAVE). The psABI levels are defined in the x86-64 psABI, section 3.1.1
/// ("Microarchitecture levels").
/// </remarks>
public sealed record CpuIdentity(string Name, string Vendor, uint Family, uint Model, CpuFeatures Features)
{
    /// <summary>SSE2, plus popcnt/lzcnt/tzcnt and andn (BMI1).</summary>
    public static CpuIdentity Baseline { get; } = new(
        "baseline", "GenuineIntel", 6, 0x3A, CpuFeatures.Popcnt | CpuFeatures.Lzcnt | CpuFeatures.Bmi1);

    public static CpuIdentity V2 { get; } = Baseline with
    {
        Name = "v2",
        Features = Baseline.Features | CpuFeatures.Sse3 | CpuFeatures.Ssse3 | CpuFeatures.Sse41 | CpuFeatures.Sse42
            | CpuFeatures.Cx16 | CpuFeatures.Pclmulqdq,
    };

    public static CpuIdentity V3 { get; } = V2 with
    {
        Name = "v3",
        Features = V2.Features | CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Bmi2 | CpuFeatures.Fma
            | CpuFeatures.F16c | CpuFeatures.Movbe | CpuFeatures.Xsave,
    };

    /// <summary>
    /// The level a program gets from <c>hvsim exec</c> unless --cpu says otherwise: the widest, so a
    /// program built for any level runs, as on today's hardware (issue 14: "default v3 once it is complete").
    /// </summary>
    public static CpuIdentity Default => V3;

    /// <summary>
    /// The level of the paper's experiments (micro, workload, trace, reproduce, the claims) unless --cpu
    /// says otherwise. Its guest, a 2.6.18 PV Linux, predates XSAVE signal frames (Linux 2.6.30), so its
    /// handlers get FXSAVE frames as on <see cref="Baseline"/>; the larger XSAVE frame of
    /// <see cref="V3"/> moves some stack writes to other pages and changes tree insert's PT time by 0.01 %.
    /// </summary>
    public static CpuIdentity Paper => Baseline;

    /// <summary>The levels by the names --cpu takes.</summary>
    public static IReadOnlyList<CpuIdentity> Levels { get; } = [Baseline, V2, V3];

    /// <summary>The level called <paramref name="name"/>, or null.</summary>
    public static CpuIdentity? Level(string name) => Levels.FirstOrDefault(level => level.Name == name);

    /// <summary>Cycles per retired instruction reported through rdtsc.</summary>
    public ulong TscPerInstruction { get; init; } = 1;

    public bool Has(CpuFeatures features) => (Features & features) == features;

    /// <summary>
    /// XCR0 as Linux sets it on this CPU (what xgetbv reads): x87 and SSE state, plus the upper
    /// halves of the YMM registers with AVX. 0 without XSAVE (xgetbv is then #UD).
    /// </summary>
    public ulong Xcr0 => !Has(CpuFeatures.Xsave) ? 0 : Has(CpuFeatures.Avx) ? 0b111UL : 0b011UL;
}
