using Iced.Intel;

namespace HvSim.HostOracle;

/// <summary>Encodes instruction sequences to bytes for <see cref="NativeExecutor.Run(ReadOnlySpan{byte}, MachineSnapshot, Register)"/>.</summary>
public static class CodeEncoder
{
    /// <summary>Encodes with Iced's assembler, e.g. <c>Encode(a => a.add(rax, rbx))</c>.</summary>
    public static byte[] Encode(Action<Assembler> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var assembler = new Assembler(64);
        build(assembler);
        var writer = new ByteCodeWriter();
        assembler.Assemble(writer, 0);
        return writer.ToArray();
    }

    /// <summary>Encodes already-built instructions in order (64-bit mode, position 0).</summary>
    public static byte[] Encode(IEnumerable<Instruction> instructions)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var assembler = new Assembler(64);
        foreach (var instruction in instructions)
        {
            assembler.AddInstruction(instruction);
        }

        var writer = new ByteCodeWriter();
        assembler.Assemble(writer, 0);
        return writer.ToArray();
    }
}
