using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// The memory an emulated instruction sees, supplied by whoever emulates (Xen's
/// x86_emulate_ops): Emul's view reads through the process's page tables and writes through the
/// CDA's writable alias; Emulxen's reads through the guest's tables and writes the frames
/// directly. The engine never writes through a view until the whole instruction has succeeded;
/// then it hands every write to <see cref="Commit"/> at once.
/// </summary>
public interface IEmulationView
{
    /// <summary>Instruction bytes at <paramref name="va"/> (may cross a page); false with the fault.</summary>
    bool Fetch(ulong va, Span<byte> destination, out MemoryFault fault);

    /// <summary>A data read (may cross a page); false with the fault.</summary>
    bool Read(ulong va, Span<byte> destination, out MemoryFault fault);

    /// <summary>Whether this view may write <paramref name="length"/> bytes at <paramref name="va"/>; false with the fault.</summary>
    bool CheckWrite(ulong va, int length, out MemoryFault fault);

    /// <summary>
    /// Performs every write of one emulated instruction, in order, or none of them. False when
    /// the view cannot take them all (e.g. its log is full): the engine then reports
    /// <see cref="EmulationStatus.Unsupported"/> and the instruction has not happened.
    /// </summary>
    bool Commit(ReadOnlySpan<StagedWrite> writes);
}

/// <summary>One write of an emulated instruction: 1 to 16 bytes that never cross a page boundary.</summary>
public readonly record struct StagedWrite(ulong Address, int Size, UInt128 Data)
{
    /// <summary>The bytes written, little-endian.</summary>
    public void CopyTo(Span<byte> destination)
    {
        Span<byte> all = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(all, Data);
        all[..Size].CopyTo(destination);
    }
}

/// <summary>What an emulation attempt did.</summary>
public enum EmulationStatus
{
    /// <summary>The instruction (or one element of a rep string instruction) happened: state and memory updated.</summary>
    Emulated,
    /// <summary>Not an instruction the engine emulates, or the view refused the commit: nothing changed.</summary>
    Unsupported,
    /// <summary>An access failed in the view (see <see cref="EmulationResult.Fault"/>): nothing changed.</summary>
    Fault,
}

/// <summary>The outcome of <see cref="WriteEmulator.Emulate"/>.</summary>
public readonly record struct EmulationResult
{
    private readonly string? _disassembly;
    private readonly Instruction _instruction;

    public EmulationResult(EmulationStatus status, MemoryFault fault, string disassembly, int writes)
    {
        Status = status;
        Fault = fault;
        Writes = writes;
        _disassembly = disassembly;
    }

    /// <summary>
    /// A result whose disassembly is formatted only if someone asks for it: one emulation per
    /// simulated Emul/Emulxen fault, and the text is read only by traces and fallbacks.
    /// </summary>
    internal EmulationResult(EmulationStatus status, MemoryFault fault, in Instruction instruction, int writes)
    {
        Status = status;
        Fault = fault;
        Writes = writes;
        _instruction = instruction;
    }

    public EmulationStatus Status { get; }

    public MemoryFault Fault { get; }

    /// <summary>The instruction in Intel syntax (Iced's IntelFormatter with its default options).</summary>
    public string Disassembly => _disassembly ?? Format(_instruction);

    public int Writes { get; }

    [ThreadStatic]
    private static IntelFormatter? t_formatter;

    [ThreadStatic]
    private static StringOutput? t_output;

    private static string Format(in Instruction instruction)
    {
        IntelFormatter formatter = t_formatter ??= new IntelFormatter();
        StringOutput output = t_output ??= new StringOutput();
        formatter.Format(instruction, output);
        return output.ToStringAndReset();
    }
}
