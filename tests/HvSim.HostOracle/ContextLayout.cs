namespace HvSim.HostOracle;

/// <summary>
/// Byte layout of the executor's native mapping and of the context block the stubs read and write.
/// </summary>
internal static class ContextLayout
{
    // --- Mapping layout (offsets from the mapping base) ---

    /// <summary>The epilogue sits first so user code can always reach it with a backward jmp rel32.</summary>
    public const int EpilogueOffset = 0x0000;

    /// <summary>Entry point; user code is copied directly after the prologue.</summary>
    public const int PrologueOffset = 0x0400;

    /// <summary>Code pages (RWX) end here; data lives on separate pages so stores to it do not
    /// trigger the CPU's self-modifying-code machinery.</summary>
    public const int ExecutableLength = 0x4000;

    public const int ContextOffset = 0x4000;

    /// <summary>
    /// The scratch block starts page-aligned in the middle of 64 KiB of private slack, so a stray
    /// [base+disp] a little outside the block lands in our own pages rather than in the runtime's.
    /// </summary>
    public const int ScratchOffset = 0x10000;
    public const int MaxScratchSize = 0x1000;
    public const int MappingLength = 0x20000;

    // --- Context block (offsets from ContextOffset) ---

    public const int InGpr = 0x000;
    public const int InRflags = 0x080;
    public const int HostRsp = 0x088;
    public const int HostRflags = 0x090;
    public const int GuestMxcsr = 0x098;
    public const int InXmm = 0x100;
    public const int OutGpr = 0x200;
    public const int OutRflags = 0x280;
    public const int OutXmm = 0x300;

    /// <summary>Bits 255:128 of YMM0..15 in and out (16 bytes each), used when the host has AVX.</summary>
    public const int InYmmHigh = 0x600;
    public const int OutYmmHigh = 0x700;

    /// <summary>FXSAVE64 image of the host's x87/SSE state; needs 16-byte alignment and 512 bytes.</summary>
    public const int Fxsave = 0x400;

    /// <summary>MXCSR the guest code starts with: all exceptions masked, round-to-nearest, no FTZ/DAZ,
    /// no sticky flags. Fixed so SSE results are reproducible in the interpreter.</summary>
    public const uint GuestMxcsrValue = 0x1F80;
}
