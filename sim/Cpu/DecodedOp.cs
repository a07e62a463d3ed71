namespace HvSim.Cpu;

/// <summary>
/// One instruction resolved once, at decode time, into what its handler needs: the handler
/// itself, register slots, the memory operand's parts and the immediate. The hot loop reads
/// only this record, never Iced's Instruction.
/// </summary>
public unsafe struct DecodedOp
{
    public delegate*<Cpu, ref DecodedOp, int> Handler; // returns an Exec.* status
    public ulong Ip;      // address of the instruction
    public ulong Imm;     // immediate, branch target, or second immediate field
    public ulong Disp;    // displacement; absolute address for RIP-relative operands
    public byte Len;      // instruction length in bytes
    public byte Size;     // operand size in bytes (1, 2, 4, 8; 16 for XMM)
    public byte Dst;      // destination register slot (or XMM number)
    public byte Src;      // source register slot (or XMM number)
    public byte Base;     // memory base slot (Reg.Zero when absent)
    public byte Index;    // memory index slot (Reg.Zero when absent)
    public byte Scale;    // index shift 0..3
    public byte Seg;      // Reg.Zero, Reg.FsBase or Reg.GsBase
    public byte Sub;      // operation selector within a handler family (ALU kind, condition code, ...)
    public byte Flags;    // OpFlags
    public ushort Slot;   // index into the block's side table of Iced instructions

    public readonly ulong NextIp => Ip + Len;
}

/// <summary>Bits of <see cref="DecodedOp.Flags"/>.</summary>
public static class OpFlags
{
    /// <summary>The effective address is truncated to 32 bits (0x67 prefix).</summary>
    public const byte Addr32 = 1;
    /// <summary>rep/repe prefix.</summary>
    public const byte Rep = 2;
    /// <summary>repne prefix.</summary>
    public const byte RepNe = 4;
    /// <summary>lock prefix.</summary>
    public const byte Lock = 8;
}

/// <summary>Handler return values.</summary>
public static class Exec
{
    /// <summary>Completed; fall through to the next instruction of the block.</summary>
    public const int Next = 0;
    /// <summary>Completed and RIP was set (a taken or untaken branch ends the block).</summary>
    public const int Jump = 1;
    /// <summary>Completed; leave the run loop (syscall, int n). RIP was set.</summary>
    public const int ExitAfter = 2;
    /// <summary>Did not complete; leave the run loop with RIP at this instruction (exceptions).</summary>
    public const int ExitFault = 3;
}
