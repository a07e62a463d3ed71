namespace HvSim.Cpu;

/// <summary>
/// What the CPU reports about itself. A baseline x86-64 CPU (SSE2, no AVX, no OSXSAVE), so that
/// guest libraries pick baseline code paths; rdtsc counts retired instructions, so it is
/// deterministic.
/// </summary>
public sealed record CpuIdentity(string Vendor, uint Family, uint Model, bool Popcnt, bool Lzcnt, bool Bmi1)
{
    /// <summary>SSE2 only, plus popcnt/lzcnt/tzcnt, which the interpreter implements.</summary>
    public static CpuIdentity Baseline { get; } = new("GenuineIntel", 6, 0x3A, Popcnt: true, Lzcnt: true, Bmi1: true);

    /// <summary>Cycles per retired instruction reported through rdtsc.</summary>
    public ulong TscPerInstruction { get; init; } = 1;
}
