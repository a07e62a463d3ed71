using Iced.Intel;

namespace HvSim.HostOracle;

/// <summary>
/// Predicts whether a DIV or IDIV raises #DE, which natively kills the process, so generators
/// can avoid emitting it (or change the inputs) before handing code to <see cref="NativeExecutor"/>.
/// </summary>
/// <remarks>
/// #DE is raised when the divisor is zero or the quotient does not fit the destination
/// (AL, AX, EAX or RAX). For IDIV the quotient range is the full two's-complement range, so
/// e.g. AX = -256, divisor 2, quotient -128 is fine (the SDM's "temp &lt; 80H" check).
/// The state must be the one immediately before the instruction executes: for a division in the
/// middle of a sequence, run the prefix first (e.g. in the interpreter) or keep the divisor and
/// dividend registers untouched by earlier instructions.
/// </remarks>
public static class DivisionFilter
{
    /// <summary>True for every form of DIV and IDIV (8/16/32/64-bit, register or memory).</summary>
    public static bool IsDivision(in Instruction instruction) =>
        instruction.Mnemonic is Mnemonic.Div or Mnemonic.Idiv;

    /// <summary>
    /// True when <paramref name="instruction"/> is a DIV/IDIV that would raise #DE in
    /// <paramref name="state"/>; false for a safe division and for any other instruction.
    /// </summary>
    /// <param name="instruction">Decoded or created Iced instruction.</param>
    /// <param name="state">Register state (and scratch memory, for a memory divisor) right before it.</param>
    /// <param name="memBaseRegister">
    /// The register holding the scratch block's guest address, as passed to the executor; needed only
    /// for a memory divisor.
    /// </param>
    public static bool WouldFault(in Instruction instruction, MachineSnapshot state, Register memBaseRegister = Register.None)
    {
        ArgumentNullException.ThrowIfNull(state);
        var size = instruction.Code switch
        {
            Code.Div_rm8 or Code.Idiv_rm8 => 1,
            Code.Div_rm16 or Code.Idiv_rm16 => 2,
            Code.Div_rm32 or Code.Idiv_rm32 => 4,
            Code.Div_rm64 or Code.Idiv_rm64 => 8,
            _ => 0,
        };
        if (size == 0)
        {
            return false;
        }

        var divisor = ReadDivisor(instruction, state, size, memBaseRegister);
        var dividend = ReadDividend(state, size);
        return instruction.Mnemonic == Mnemonic.Div
            ? UnsignedFaults(dividend, divisor, size)
            : SignedFaults(dividend, divisor, size);
    }

    private static bool UnsignedFaults(UInt128 dividend, ulong divisor, int size)
    {
        if (divisor == 0)
        {
            return true;
        }

        var maxQuotient = size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
        return dividend / divisor > maxQuotient;
    }

    private static bool SignedFaults(UInt128 dividendBits, ulong divisorBits, int size)
    {
        var bits = 8 * size;
        var divisor = SignExtend(divisorBits, bits);
        if (divisor == 0)
        {
            return true;
        }

        var dividend = SignExtend(dividendBits, 2 * bits);
        var max = (Int128.One << (bits - 1)) - 1;
        var min = -max - 1;

        // Dividing by -1 is just negation, done without dividing: for 64-bit operands the dividend can
        // be Int128.MinValue, whose negation (and division by -1) overflows even Int128.
        if (divisor == -1)
        {
            return dividend < -max || dividend > -min;
        }

        // x86 truncates toward zero, as does Int128 division; |quotient| <= |dividend| so it cannot overflow here.
        var quotient = dividend / divisor;
        return quotient < min || quotient > max;
    }

    private static Int128 SignExtend(UInt128 value, int bits)
    {
        if (bits == 128)
        {
            return (Int128)value;
        }

        var shift = 128 - bits;
        return (Int128)(value << shift) >> shift;
    }

    // The dividend is AX, DX:AX, EDX:EAX or RDX:RAX; it is twice the operand size.
    private static UInt128 ReadDividend(MachineSnapshot state, int size)
    {
        var rax = state[Register.RAX];
        var rdx = state[Register.RDX];
        return size switch
        {
            1 => rax & 0xFFFF,
            2 => ((rdx & 0xFFFF) << 16) | (rax & 0xFFFF),
            4 => ((rdx & 0xFFFF_FFFF) << 32) | (rax & 0xFFFF_FFFF),
            _ => new UInt128(rdx, rax),
        };
    }

    private static ulong ReadDivisor(in Instruction instruction, MachineSnapshot state, int size, Register memBaseRegister)
    {
        if (instruction.Op0Kind == OpKind.Register)
        {
            return state.ReadRegister(instruction.Op0Register);
        }

        if (instruction.Op0Kind != OpKind.Memory)
        {
            throw new ArgumentException($"Unexpected divisor operand kind {instruction.Op0Kind}.", nameof(instruction));
        }

        if (instruction.IsIPRelativeMemoryOperand)
        {
            throw new ArgumentException("RIP-relative divisors are not supported by the executor.", nameof(instruction));
        }

        if (memBaseRegister == Register.None)
        {
            throw new ArgumentException("A memory divisor needs the scratch base register.", nameof(memBaseRegister));
        }

        // Segment registers read as 0: the executor runs with flat CS/DS/ES/SS, and FS/GS overrides are unsupported.
        var address = instruction.GetVirtualAddress(0, 0,
            (register, _, _) => Gpr.IsGpr(register) ? state.ReadRegister(register) : 0);
        var offset = address - state[memBaseRegister];
        if (offset > (ulong)state.Memory.Length || (ulong)state.Memory.Length - offset < (ulong)size)
        {
            throw new ArgumentException(
                $"Divisor at offset 0x{offset:X} is outside the {state.Memory.Length}-byte scratch block.",
                nameof(instruction));
        }

        var value = 0UL;
        for (var i = size - 1; i >= 0; i--)
        {
            value = (value << 8) | state.Memory[(int)offset + i];
        }

        return value;
    }
}
