using Iced.Intel;

namespace HvSim.Cpu.Decode;

/// <summary>Turns one Iced instruction into a <see cref="DecodedOp"/>; false when the form is not implemented.</summary>
internal delegate bool TranslateFn(in Instruction instruction, ref DecodedOp op);

/// <summary>
/// Resolves instructions into ops, once, at decode time. Each instruction group registers the
/// mnemonics it implements (one file per group under Decode/); an unregistered mnemonic or an
/// unsupported form becomes an op that raises #UD.
/// </summary>
internal static unsafe partial class Translator
{
    private static readonly Dictionary<Mnemonic, TranslateFn> s_table = BuildTable();

    /// <summary>
    /// Fills <paramref name="op"/> for a CPU with the extensions <paramref name="available"/>;
    /// returns true when the instruction ends a block.
    /// </summary>
    public static bool Translate(in Instruction instruction, ref DecodedOp op, CpuFeatures available)
    {
        op.Ip = instruction.IP;
        op.Len = (byte)instruction.Length;
        op.Base = Reg.Zero;
        op.Index = Reg.Zero;
        op.Seg = Reg.Zero;
        if (instruction.HasRepPrefix)
        {
            op.Flags |= OpFlags.Rep;
        }
        if (instruction.HasRepnePrefix)
        {
            op.Flags |= OpFlags.RepNe;
        }
        if (instruction.HasLockPrefix)
        {
            op.Flags |= OpFlags.Lock;
        }
        CpuFeatures required = FeatureGate.Required(instruction);
        if ((required & available) != required)
        {
            return TranslateUnavailable(instruction, ref op);
        }
        if (instruction.Code == Code.INVALID
            || !s_table.TryGetValue(instruction.Mnemonic, out TranslateFn? translate)
            || !translate(instruction, ref op))
        {
            // Only what has no translation is looked at again (off the hot path): a privileged
            // instruction raises #GP in user mode, anything else is #UD.
            bool privileged = instruction.Code != Code.INVALID && !instruction.HasLockPrefix && PrivilegedInstructions.Are(instruction);
            op.Handler = privileged ? &Ops.SystemOps.Privileged : &Ops.SystemOps.Undefined;
            return true;
        }
        return instruction.FlowControl != FlowControl.Next;
    }

    /// <summary>
    /// An instruction whose extension the CPU lacks: #UD, as on such hardware — except tzcnt and
    /// lzcnt, whose encodings (F3 0F BC/BD) older CPUs run as bsf and bsr, ignoring the prefix
    /// (SDM Vol. 2B, TZCNT and LZCNT); compilers rely on that for tzcnt.
    /// </summary>
    private static bool TranslateUnavailable(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Mnemonic is Mnemonic.Tzcnt or Mnemonic.Lzcnt && TranslateBitScan(instruction, ref op))
        {
            op.Sub = instruction.Mnemonic == Mnemonic.Tzcnt ? Ops.BitOps.Bsf : Ops.BitOps.Bsr;
            return false;
        }
        op.Handler = &Ops.SystemOps.Undefined;
        return true;
    }

    /// <summary>True when <paramref name="mnemonic"/> has a translator (for diagnostics and tests).</summary>
    public static bool Implements(Mnemonic mnemonic) => s_table.ContainsKey(mnemonic);

    private static Dictionary<Mnemonic, TranslateFn> BuildTable()
    {
        var table = new Dictionary<Mnemonic, TranslateFn>();
        foreach (Action<Dictionary<Mnemonic, TranslateFn>> register in Groups())
        {
            register(table);
        }
        return table;
    }

    private static void Add(Dictionary<Mnemonic, TranslateFn> table, TranslateFn translate, params Mnemonic[] mnemonics)
    {
        foreach (Mnemonic mnemonic in mnemonics)
        {
            table.Add(mnemonic, translate);
        }
    }

    /// <summary>Fills the memory-operand fields; false for forms not supported in 64-bit user mode.</summary>
    internal static bool SetMemory(in Instruction instruction, ref DecodedOp op)
    {
        Register baseRegister = instruction.MemoryBase;
        Register indexRegister = instruction.MemoryIndex;
        if (baseRegister == Register.RIP || baseRegister == Register.EIP)
        {
            op.Base = Reg.Zero;
            op.Disp = instruction.MemoryDisplacement64; // Iced gives the absolute target
        }
        else
        {
            if (!Reg.TryFromIced(baseRegister, out op.Base) || op.Base >= Reg.HighByte)
            {
                return false;
            }
            op.Disp = instruction.MemoryDisplacement64;
        }
        if (!Reg.TryFromIced(indexRegister, out op.Index) || op.Index >= Reg.HighByte)
        {
            return false;
        }
        op.Scale = instruction.MemoryIndexScale switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 };
        op.Seg = instruction.MemorySegment switch
        {
            Register.FS => Reg.FsBase,
            Register.GS => Reg.GsBase,
            _ => Reg.Zero,
        };
        if (instruction.MemoryBase.IsGPR32() || instruction.MemoryIndex.IsGPR32() || baseRegister == Register.EIP)
        {
            op.Flags |= OpFlags.Addr32;
        }
        return true;
    }

    /// <summary>The slot of a GPR operand; false for anything else.</summary>
    internal static bool Gpr(Register register, out byte slot)
    {
        return Reg.TryFromIced(register, out slot) && register != Register.None;
    }

    /// <summary>Operand size in bytes of operand <paramref name="n"/> (register or memory).</summary>
    internal static int OperandSize(in Instruction instruction, int n)
    {
        return instruction.GetOpKind(n) switch
        {
            OpKind.Register => instruction.GetOpRegister(n).GetSize(),
            OpKind.Memory => instruction.MemorySize.GetSize(),
            _ => 0,
        };
    }

    /// <summary>The immediate of operand <paramref name="n"/>, sign- or zero-extended as the encoding says, masked to <paramref name="size"/>.</summary>
    internal static ulong Immediate(in Instruction instruction, int n, int size)
    {
        return Cpu.Mask(instruction.GetImmediate(n), size);
    }
}
