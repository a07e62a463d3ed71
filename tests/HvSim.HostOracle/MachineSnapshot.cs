using Iced.Intel;

namespace HvSim.HostOracle;

/// <summary>
/// The architectural state compared between the host CPU and the interpreter: 16 GPRs, the
/// settable RFLAGS bits, 16 XMM registers and a small scratch memory block.
/// </summary>
/// <remarks>
/// A class rather than a struct because it owns arrays: a struct copy would alias them.
/// Use <see cref="Clone"/> for an independent copy.
/// <para>
/// Equality compares every GPR (RSP included: executors report it unchanged), only the
/// <see cref="HostOracle.Rflags.Settable"/> bits of RFLAGS, every XMM register and the memory contents.
/// </para>
/// </remarks>
public sealed partial class MachineSnapshot : IEquatable<MachineSnapshot>
{
    public const int XmmCount = 16;
    public const int DefaultMemorySize = 256;

    public MachineSnapshot(int memorySize = DefaultMemorySize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(memorySize);
        Gpr = new ulong[HostOracle.Gpr.Count];
        Xmm = new Xmm128[XmmCount];
        YmmHigh = new Xmm128[XmmCount];
        Memory = new byte[memorySize];
    }

    /// <summary>RAX..R15 in encoding order; see <see cref="HostOracle.Gpr"/>.</summary>
    public ulong[] Gpr { get; }

    /// <summary>RFLAGS. Executors load and report only <see cref="HostOracle.Rflags.Settable"/>.</summary>
    public ulong Rflags { get; set; }

    public Xmm128[] Xmm { get; }

    /// <summary>
    /// Bits 255:128 of YMM0..15 (all zero unless a test sets them; executors load and report them
    /// when the host has AVX, so legacy SSE tests that leave them zero compare as before).
    /// </summary>
    public Xmm128[] YmmHigh { get; }

    /// <summary>
    /// Scratch memory. Its guest address is the input value of the executor's memory base
    /// register; offset 0 of this array is at that address.
    /// </summary>
    public byte[] Memory { get; }

    /// <summary>Gets or sets a full 64-bit GPR by its Iced register (RAX..R15).</summary>
    public ulong this[Register register]
    {
        get => Gpr[FullIndex(register)];
        set => Gpr[FullIndex(register)] = value;
    }

    /// <summary>Reads any GPR or sub-register (EAX, R9W, AH, SIL, ...), zero-extended to 64 bits.</summary>
    public ulong ReadRegister(Register register) =>
        HostOracle.Gpr.Extract(register, Gpr[HostOracle.Gpr.IndexOf(register)]);

    public MachineSnapshot Clone()
    {
        var copy = new MachineSnapshot(Memory.Length) { Rflags = Rflags };
        Gpr.CopyTo(copy.Gpr, 0);
        Xmm.CopyTo(copy.Xmm, 0);
        YmmHigh.CopyTo(copy.YmmHigh, 0);
        Memory.CopyTo(copy.Memory, 0);
        return copy;
    }

    public bool Equals(MachineSnapshot? other)
    {
        if (other is null)
        {
            return false;
        }

        return ((Rflags ^ other.Rflags) & HostOracle.Rflags.Settable) == 0
            && Gpr.AsSpan().SequenceEqual(other.Gpr)
            && Xmm.AsSpan().SequenceEqual(other.Xmm)
            && YmmHigh.AsSpan().SequenceEqual(other.YmmHigh)
            && Memory.AsSpan().SequenceEqual(other.Memory);
    }

    public override bool Equals(object? obj) => obj is MachineSnapshot other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Rflags & HostOracle.Rflags.Settable);
        foreach (var value in Gpr)
        {
            hash.Add(value);
        }

        foreach (var value in Xmm)
        {
            hash.Add(value);
        }

        foreach (var value in YmmHigh)
        {
            hash.Add(value);
        }

        hash.AddBytes(Memory);
        return hash.ToHashCode();
    }

    private static int FullIndex(Register register)
    {
        if (register is < Register.RAX or > Register.R15)
        {
            throw new ArgumentException($"{register} is not a 64-bit general-purpose register.", nameof(register));
        }

        return register - Register.RAX;
    }
}
