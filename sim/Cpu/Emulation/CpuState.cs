using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// The user-visible register state an emulated instruction reads and changes: what a signal
/// frame saves (Emul reads it from the ucontext) and what the hypervisor sees of a trapped CPU
/// (Emulxen captures it from the CPU).
/// </summary>
public sealed class CpuState
{
    /// <summary>RAX..R15 in encoding order (Reg.Rax = 0 ... Reg.R15 = 15).</summary>
    public ulong[] Gpr { get; } = new ulong[16];
    public ulong Rip { get; set; }
    public ulong Rflags { get; set; }
    public Vector128<byte>[] Xmm { get; } = new Vector128<byte>[16];

    /// <summary>Bits 255:128 of YMM0..15 (what VEX.256 stores write; zero where the state has no AVX part).</summary>
    public Vector128<byte>[] YmmHigh { get; } = new Vector128<byte>[16];
    public ulong FsBase { get; set; }
    public ulong GsBase { get; set; }
    public uint Mxcsr { get; set; } = 0x1F80;

    /// <summary>The x87 FPU (x87 stores change TOP, tags and the status word).</summary>
    public X87.X87State X87 { get; } = new();

    /// <summary>Back to a new state's values, so one state serves emulation after emulation (no allocation per fault).</summary>
    public void Clear()
    {
        Array.Clear(Gpr);
        Array.Clear(Xmm);
        Array.Clear(YmmHigh);
        Rip = 0;
        Rflags = 0;
        FsBase = 0;
        GsBase = 0;
        Mxcsr = 0x1F80;
        X87.Reset();
        Array.Clear(X87.Registers);
    }
}
