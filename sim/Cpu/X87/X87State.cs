namespace HvSim.Cpu.X87;

/// <summary>
/// The x87 FPU's architectural state (SDM Vol. 1, 8.1, Figure 8-1): eight 80-bit physical data
/// registers addressed as a stack through TOP (status word bits 13:11), the control and status
/// words, the tag word, and the last instruction's opcode and instruction and data pointers.
/// Kept in its own object, touched only by x87 instructions, so non-x87 code never pays for it.
/// </summary>
/// <remarks>
/// Tags are kept as the "abridged" form FXSAVE stores (one bit per physical register: not empty);
/// the full two-bit tags FNSTENV and FNSAVE report are derived from the register contents, as the
/// hardware derives them (SDM Vol. 1, 10.5.1.1: FXRSTOR recomputes them the same way).
/// </remarks>
public sealed class X87State
{
    /// <summary>The control word after FNINIT: all exceptions masked, 64-bit precision, round to nearest.</summary>
    public const ushort DefaultControl = 0x037F;

    public const ushort C0 = 0x0100, C1 = 0x0200, C2 = 0x0400, C3 = 0x4000;
    public const ushort ConditionCodes = C0 | C1 | C2 | C3;

    /// <summary>SF, the stack-fault flag (status word bit 6): IE came from a stack overflow or underflow.</summary>
    public const ushort StackFault = 0x0040;

    /// <summary>ES, the error summary (bit 7), and B (bit 15), which mirrors it.</summary>
    public const ushort ErrorSummary = 0x0080, Busy = 0x8000;

    private const ushort TopMask = 0x3800;

    /// <summary>Physical registers R0..R7; ST(i) is R[(TOP + i) mod 8].</summary>
    public Float80[] Registers { get; } = new Float80[8];

    public ushort Control { get; set; } = DefaultControl;

    public ushort Status { get; set; }

    /// <summary>Abridged tag word: bit i set when physical register i is not empty.</summary>
    public byte Valid { get; set; }

    /// <summary>FOP: the low 11 bits of the last non-control instruction's opcode (SDM Vol. 1, 8.1.9).</summary>
    public ushort Opcode { get; set; }

    /// <summary>FIP: the address of the last non-control x87 instruction.</summary>
    public ulong InstructionPointer { get; set; }

    /// <summary>FDP: the address of the last x87 memory operand (register-only instructions leave it).</summary>
    public ulong DataPointer { get; set; }

    /// <summary>FCS and FDS, as FNSAVE/FNSTENV store them (FXRSTOR64 zeroes them).</summary>
    public ushort CodeSelector { get; set; }

    public ushort DataSelector { get; set; }

    public int Top
    {
        get => (Status >> 11) & 7;
        set => Status = (ushort)((Status & ~TopMask) | ((value & 7) << 11));
    }

    public X87Control ControlWord => new(Control);

    /// <summary>An unmasked exception is pending: the next waiting x87 instruction raises #MF.</summary>
    public bool Pending => (Status & ErrorSummary) != 0;

    public int Physical(int stackIndex) => (Top + stackIndex) & 7;

    public bool IsEmpty(int stackIndex) => (Valid & (1 << Physical(stackIndex))) == 0;

    public ref Float80 St(int stackIndex) => ref Registers[Physical(stackIndex)];

    public void Push(Float80 value)
    {
        var top = (Top - 1) & 7;
        Top = top;
        Registers[top] = value;
        Valid |= (byte)(1 << top);
    }

    public void Pop()
    {
        var top = Top;
        Valid &= (byte)~(1 << top);
        Top = top + 1;
    }

    /// <summary>Marks ST(i) empty (FFREE): its contents stay.</summary>
    public void Free(int stackIndex) => Valid &= (byte)~(1 << Physical(stackIndex));

    public void SetValid(int stackIndex) => Valid |= (byte)(1 << Physical(stackIndex));

    /// <summary>FNINIT: default control word, status and pointers cleared, every register empty (contents kept).</summary>
    public void Reset()
    {
        Control = DefaultControl;
        Status = 0;
        Valid = 0;
        Opcode = 0;
        InstructionPointer = 0;
        DataPointer = 0;
        CodeSelector = 0;
        DataSelector = 0;
    }

    /// <summary>Whether <paramref name="other"/> holds the same state, field for field (what <see cref="CopyTo"/> copies).</summary>
    public bool SameAs(X87State other) =>
        Control == other.Control && Status == other.Status && Valid == other.Valid && Opcode == other.Opcode
        && InstructionPointer == other.InstructionPointer && DataPointer == other.DataPointer
        && CodeSelector == other.CodeSelector && DataSelector == other.DataSelector
        && Registers.AsSpan().SequenceEqual(other.Registers);

    /// <summary>Copies the whole state into <paramref name="other"/> (the write emulator's scratch CPU and its callers).</summary>
    public void CopyTo(X87State other)
    {
        Registers.CopyTo(other.Registers, 0);
        other.Control = Control;
        other.Status = Status;
        other.Valid = Valid;
        other.Opcode = Opcode;
        other.InstructionPointer = InstructionPointer;
        other.DataPointer = DataPointer;
        other.CodeSelector = CodeSelector;
        other.DataSelector = DataSelector;
    }

    /// <summary>
    /// Sets ES from the exception flags and masks (set when a flag is raised whose mask is clear), as the
    /// host recomputes it whenever a control or status word is loaded. B follows ES after a control word
    /// load (fldcw, fnstenv); after a status word load (fldenv, frstor, fxrstor) B stays only if the image
    /// had it and ES is set (measured on the AMD host: fldenv of 0xB8A1 under 0x0B7F reads 0x3821, of
    /// 0x0021 under 0x0B7E reads 0x80A1; fxrstor of 0x8081 under 0x037F reads 0x0001).
    /// </summary>
    public void UpdateErrorSummary(bool statusLoaded = false)
    {
        var pending = (Status & ~Control & 0x3F) != 0;
        var busy = pending && (!statusLoaded || (Status & Busy) != 0);
        var status = Status & ~(ErrorSummary | Busy);
        Status = (ushort)(status | (pending ? ErrorSummary : 0) | (busy ? Busy : 0));
    }

    /// <summary>
    /// The full tag word (SDM Vol. 1, 8.1.7, Figure 8-7), two bits per physical register: 00 valid,
    /// 01 zero, 10 special (NaN, infinity, denormal, unsupported), 11 empty.
    /// </summary>
    public ushort TagWord()
    {
        var word = 0;
        for (var r = 0; r < 8; r++)
        {
            word |= Tag(r) << (2 * r);
        }

        return (ushort)word;
    }

    /// <summary>Loads a full tag word (FLDENV, FRSTOR): only "empty or not" is kept.</summary>
    public void LoadTagWord(ushort word)
    {
        byte valid = 0;
        for (var r = 0; r < 8; r++)
        {
            if (((word >> (2 * r)) & 3) != 3)
            {
                valid |= (byte)(1 << r);
            }
        }

        Valid = valid;
    }

    private int Tag(int physical)
    {
        if ((Valid & (1 << physical)) == 0)
        {
            return 3;
        }

        return Registers[physical].Class switch
        {
            Float80Class.Normal => 0,
            Float80Class.Zero => 1,
            _ => 2,
        };
    }
}
