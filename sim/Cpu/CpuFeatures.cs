namespace HvSim.Cpu;

/// <summary>
/// The instruction-set extensions a <see cref="CpuIdentity"/> may advertise beyond the x86-64
/// baseline (SSE2, FXSR, CMOV, CX8, MMX, x87). The translator makes an instruction that needs an
/// extension the CPU does not advertise raise #UD, as hardware without it does, and cpuid reports
/// exactly this set (<see cref="CpuidLeaves"/>): one list serves both.
/// </summary>
[Flags]
public enum CpuFeatures : uint
{
    None = 0,
    Sse3 = 1 << 0,
    Ssse3 = 1 << 1,
    Sse41 = 1 << 2,
    Sse42 = 1 << 3,
    Popcnt = 1 << 4,
    /// <summary>cmpxchg16b.</summary>
    Cx16 = 1 << 5,
    Pclmulqdq = 1 << 6,
    Movbe = 1 << 7,
    Lzcnt = 1 << 8,
    Bmi1 = 1 << 9,
    Bmi2 = 1 << 10,
    Avx = 1 << 11,
    Avx2 = 1 << 12,
    Fma = 1 << 13,
    F16c = 1 << 14,
    /// <summary>xsave/xrstor/xgetbv, with the OS having enabled them (CPUID.1:ECX.OSXSAVE, as Linux does).</summary>
    Xsave = 1 << 15,
}
