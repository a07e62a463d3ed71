using System.Runtime.Intrinsics;
using HvSim.HostOracle;
using Iced.Intel;
using CpuExit = HvSim.Cpu.ExitReason;
using CpuVector = HvSim.Cpu.Vector;

namespace HvSim.Tests.Cpu.Oracle;

/// <summary>What the interpreter made of a code sequence: its final state, or why it stopped early.</summary>
/// <param name="State">The state at the closing int3 (same coordinates as <see cref="NativeExecutor"/>), or null.</param>
/// <param name="Failure">Why the sequence did not run to its end, e.g. "not implemented: pmaddwd (...)"; null on success.</param>
/// <param name="NotImplemented">The mnemonic that raised #UD, when that is the failure.</param>
internal sealed record InterpreterOutcome(MachineSnapshot? State, string? Failure, Mnemonic? NotImplemented);

/// <summary>
/// Runs code in the interpreter from a <see cref="MachineSnapshot"/> and reads the result back as a
/// snapshot in the coordinate system <see cref="NativeExecutor"/> reports in, so the two compare directly.
/// </summary>
/// <remarks>
/// <see cref="MemoryBase"/> (RDI) holds the scratch block's address, its input value: normally
/// <see cref="ScratchAddress"/> (= <see cref="TestMachine.DataBase"/>), sometimes
/// <see cref="StraddlingScratchAddress"/>. The interpreter maps the block there; the native executor
/// swaps that value for its host buffer and rebases it on output, so both sides report the input value. RSP is not loaded
/// (the interpreter keeps its own stack, the host uses the host's) and is reported as the input value,
/// exactly as the native executor does. Only the settable RFLAGS bits are reported.
/// </remarks>
internal static class OracleBridge
{
    /// <summary>The register that holds the scratch block's address on both sides.</summary>
    public const Register MemoryBase = Register.RDI;

    /// <summary>The usual scratch block address (the input value of <see cref="MemoryBase"/>): the start of the data area.</summary>
    public const ulong ScratchAddress = TestMachine.DataBase;

    /// <summary>
    /// An alternative scratch address 128 bytes before a page boundary, so that in the interpreter the block
    /// straddles two pages and accesses may cross them. It is 16-byte aligned, like the host's block, so
    /// alignment (movdqa) is the same on both sides.
    /// </summary>
    public const ulong StraddlingScratchAddress = TestMachine.DataBase + 4096 - 128;

    private const long InstructionBudget = 100_000;

    /// <summary>Runs <paramref name="code"/> (followed by an int3 added here) in a fresh interpreter.</summary>
    public static InterpreterOutcome Run(ReadOnlySpan<byte> code, MachineSnapshot input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ulong scratch = input[MemoryBase];
        if (scratch % 16 != 0 || scratch < TestMachine.DataBase
            || scratch + (ulong)input.Memory.Length > TestMachine.DataBase + (TestMachine.DataPages * 4096UL))
        {
            throw new ArgumentException($"The input's {MemoryBase} (the scratch address) must be 16-byte aligned inside the test machine's data area.", nameof(input));
        }

        var program = new byte[code.Length + 1];
        code.CopyTo(program);
        program[^1] = 0xCC; // int3: hands control back with #BP, RIP after it

        var machine = new TestMachine();
        machine.LoadCode(program);
        Load(machine, input);

        CpuExit exit = machine.Run(InstructionBudget);
        var cpu = machine.Cpu;
        ulong end = TestMachine.CodeBase + (ulong)program.Length;
        if (exit == CpuExit.Exception && cpu.ExitVector == CpuVector.Breakpoint && cpu.Rip == end)
        {
            return new InterpreterOutcome(Read(machine, input), null, null);
        }

        ulong offset = cpu.Rip - TestMachine.CodeBase;
        Instruction? at = DecodeAt(program, offset);
        string where = at is { } instruction
            ? $"at +0x{offset:X}: {Disassembly.Format(instruction)}"
            : $"at RIP 0x{cpu.Rip:X}";
        if (exit == CpuExit.Exception && cpu.ExitVector == CpuVector.InvalidOpcode && at is { } undefined)
        {
            return new InterpreterOutcome(null, $"not implemented: {undefined.Mnemonic.ToString().ToLowerInvariant()} (#UD {where})", undefined.Mnemonic);
        }

        string detail = exit == CpuExit.Exception
            ? $"raised #{VectorName(cpu.ExitVector)}" + (cpu.ExitVector == CpuVector.PageFault ? $" (address 0x{cpu.ExitFault.Address:X})" : string.Empty)
            : $"stopped with {exit}";
        return new InterpreterOutcome(null, $"interpreter {detail} {where}", null);
    }

    private static void Load(TestMachine machine, MachineSnapshot input)
    {
        var cpu = machine.Cpu;
        for (int i = 0; i < HostOracle.Gpr.Count; i++)
        {
            if (i != HostOracle.Gpr.RspIndex)
            {
                cpu.R(i) = input.Gpr[i];
            }
        }

        cpu.Rflags = input.Rflags & Rflags.Settable;
        for (int i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            cpu.Xmm(i) = Vector128.Create(input.Xmm[i].Lo, input.Xmm[i].Hi).AsByte();
        }

        machine.WritePhysical(input[MemoryBase], input.Memory);
    }

    private static MachineSnapshot Read(TestMachine machine, MachineSnapshot input)
    {
        var cpu = machine.Cpu;
        var output = new MachineSnapshot(input.Memory.Length);
        for (int i = 0; i < HostOracle.Gpr.Count; i++)
        {
            output.Gpr[i] = cpu.R(i);
        }

        output.Gpr[HostOracle.Gpr.RspIndex] = input.Gpr[HostOracle.Gpr.RspIndex];
        output.Rflags = cpu.Rflags & Rflags.Settable;
        for (int i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            Vector128<ulong> lanes = cpu.Xmm(i).AsUInt64();
            output.Xmm[i] = new Xmm128(lanes.GetElement(0), lanes.GetElement(1));
        }

        machine.ReadPhysical(input[MemoryBase], input.Memory.Length).CopyTo(output.Memory, 0);
        return output;
    }

    private static Instruction? DecodeAt(byte[] program, ulong offset)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(program), 0);
        while (decoder.IP < (ulong)program.Length)
        {
            decoder.Decode(out Instruction instruction);
            if (instruction.IP == offset)
            {
                return instruction;
            }

            if (instruction.IP > offset)
            {
                break;
            }
        }

        return null;
    }

    private static string VectorName(CpuVector vector) => vector switch
    {
        CpuVector.DivideError => "DE",
        CpuVector.Breakpoint => "BP",
        CpuVector.InvalidOpcode => "UD",
        CpuVector.GeneralProtection => "GP",
        CpuVector.PageFault => "PF",
        _ => vector.ToString(),
    };
}
