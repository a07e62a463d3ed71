using HvSim.Cpu.X87;
using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// Runs single x87 operations on the host FPU through <see cref="NativeExecutor"/>. The scratch block at rdi
/// holds the control word (0), operand b (16), operand a (32), the status word (48), the result (64) and an FNSAVE image (128).
/// Every snippet starts and ends with FNINIT, so the host thread's x87 state is left as Linux starts it;
/// the status word is stored right after the operation so later instructions cannot change C1.
/// </summary>
internal static class HostX87
{
    private const int ControlAt = 0;
    private const int BAt = 16;
    public const int AAt = 32;
    private const int StatusAt = 48;
    public const int ResultAt = 64;
    private const int SaveAt = 128;

    private static readonly ThreadLocal<NativeExecutor> Executor = new(() => new NativeExecutor());

    /// <summary>ST(0) = a, ST(1) = b, then <paramref name="operation"/>; returns ST(0) and the status word.</summary>
    public static (Float80 Result, ushort Status) Run(Action<Assembler> operation, Float80 a, Float80 b, X87Control control)
    {
        var memory = Execute(
            asm =>
            {
                asm.fld(__tword_ptr[rdi + BAt]);
                asm.fld(__tword_ptr[rdi + AAt]);
                operation(asm);
                asm.fnstsw(__word_ptr[rdi + StatusAt]);
                asm.fstp(__tword_ptr[rdi + ResultAt]);
            },
            a.ToBytes(),
            b.ToBytes(),
            control);
        return (Float80.FromBytes(memory.AsSpan(ResultAt, 10)), Status(memory));
    }

    /// <summary>
    /// As <see cref="Run"/>, but reads ST(0) and the status word with FNSAVE, which neither waits nor traps, so
    /// the control word may unmask exceptions: the pending exception is discarded by FNSAVE's reinitialization.
    /// </summary>
    public static (Float80 Result, ushort Status) RunUnmasked(Action<Assembler> operation, Float80 a, Float80 b, X87Control control)
    {
        var memory = Execute(
            asm =>
            {
                asm.fld(__tword_ptr[rdi + BAt]);
                asm.fld(__tword_ptr[rdi + AAt]);
                operation(asm);
                asm.fnsave(__[rdi + SaveAt]);
            },
            a.ToBytes(),
            b.ToBytes(),
            control);

        // 32-bit-format FNSAVE image (SDM Vol. 1, Figure 8-10): status word at 4, ST(0) at 28.
        return (Float80.FromBytes(memory.AsSpan(SaveAt + 28, 10)), BitConverter.ToUInt16(memory, SaveAt + 4));
    }

    /// <summary>Loads a, runs <paramref name="store"/> (which writes at most 8 bytes at rdi+ResultAt); returns them and the status word.</summary>
    public static (ulong Stored, ushort Status) Store(Action<Assembler> store, Float80 a, X87Control control)
    {
        var memory = Execute(
            asm =>
            {
                asm.fld(__tword_ptr[rdi + AAt]);
                store(asm);
                asm.fnstsw(__word_ptr[rdi + StatusAt]);
            },
            a.ToBytes(),
            new byte[10],
            control);
        return (BitConverter.ToUInt64(memory, ResultAt), Status(memory));
    }

    /// <summary>Loads the bytes at rdi+AAt with <paramref name="load"/>; returns ST(0) and the status word.</summary>
    public static (Float80 Result, ushort Status) Load(Action<Assembler> load, ulong bits, X87Control control)
    {
        var operand = new byte[10];
        BitConverter.GetBytes(bits).CopyTo(operand, 0);
        var memory = Execute(
            asm =>
            {
                load(asm);
                asm.fnstsw(__word_ptr[rdi + StatusAt]);
                asm.fstp(__tword_ptr[rdi + ResultAt]);
            },
            operand,
            new byte[10],
            control);
        return (Float80.FromBytes(memory.AsSpan(ResultAt, 10)), Status(memory));
    }

    private static byte[] Execute(Action<Assembler> body, byte[] a, byte[] b, X87Control control)
    {
        var code = CodeEncoder.Encode(asm =>
        {
            asm.fninit();
            asm.fldcw(__word_ptr[rdi + ControlAt]);
            body(asm);
            asm.fninit();
        });
        var input = new MachineSnapshot(256);
        input[Register.RDI] = 0x10_0000;
        BitConverter.GetBytes(control.Word).CopyTo(input.Memory, ControlAt);
        a.CopyTo(input.Memory, AAt);
        b.CopyTo(input.Memory, BAt);
        return Executor.Value!.Run(code, input, Register.RDI).Memory;
    }

    private static ushort Status(byte[] memory) => BitConverter.ToUInt16(memory, StatusAt);
}
