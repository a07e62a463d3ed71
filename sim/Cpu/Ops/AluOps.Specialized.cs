using System.Runtime.CompilerServices;

namespace HvSim.Cpu.Ops;

/// <summary>An ALU kind as a type, so that a generic handler is compiled once per kind with the kind folded in.</summary>
internal interface IAluKind
{
    static abstract byte Kind { get; }
}

/// <summary>An operand size as a type, for the same reason.</summary>
internal interface IOperandSize
{
    static abstract int Bytes { get; }
}

internal struct AddKind : IAluKind { public static byte Kind => AluOps.Add; }
internal struct OrKind : IAluKind { public static byte Kind => AluOps.Or; }
internal struct AdcKind : IAluKind { public static byte Kind => AluOps.Adc; }
internal struct SbbKind : IAluKind { public static byte Kind => AluOps.Sbb; }
internal struct AndKind : IAluKind { public static byte Kind => AluOps.And; }
internal struct SubKind : IAluKind { public static byte Kind => AluOps.Sub; }
internal struct XorKind : IAluKind { public static byte Kind => AluOps.Xor; }
internal struct CmpKind : IAluKind { public static byte Kind => AluOps.Cmp; }
internal struct TestKind : IAluKind { public static byte Kind => AluOps.Test; }

internal struct Size8 : IOperandSize { public static int Bytes => 1; }
internal struct Size16 : IOperandSize { public static int Bytes => 2; }
internal struct Size32 : IOperandSize { public static int Bytes => 4; }
internal struct Size64 : IOperandSize { public static int Bytes => 8; }

/// <summary>
/// The register and immediate ALU forms of 32- and 64-bit operands, specialised per kind and
/// size through generic type arguments: the JIT compiles each instantiation with the kind switch
/// and the size masking folded away. These forms are most of what compiled integer code runs.
/// </summary>
internal static unsafe class AluFast
{
    /// <summary>Handler for the register-register form, or null when the generic one must serve.</summary>
    public static delegate*<Cpu, ref DecodedOp, int> RegisterForm(byte kind, int size) => size switch
    {
        4 => s_rr32[kind],
        8 => s_rr64[kind],
        _ => null,
    };

    /// <summary>Handler for the register-immediate form, or null when the generic one must serve.</summary>
    public static delegate*<Cpu, ref DecodedOp, int> ImmediateForm(byte kind, int size) => size switch
    {
        4 => s_ri32[kind],
        8 => s_ri64[kind],
        _ => null,
    };

    private static readonly delegate*<Cpu, ref DecodedOp, int>[] s_rr32 =
    {
        &RR<AddKind, Size32>, &RR<OrKind, Size32>, &RR<AdcKind, Size32>, &RR<SbbKind, Size32>, &RR<AndKind, Size32>,
        &RR<SubKind, Size32>, &RR<XorKind, Size32>, &RR<CmpKind, Size32>, &RR<TestKind, Size32>,
    };

    private static readonly delegate*<Cpu, ref DecodedOp, int>[] s_rr64 =
    {
        &RR<AddKind, Size64>, &RR<OrKind, Size64>, &RR<AdcKind, Size64>, &RR<SbbKind, Size64>, &RR<AndKind, Size64>,
        &RR<SubKind, Size64>, &RR<XorKind, Size64>, &RR<CmpKind, Size64>, &RR<TestKind, Size64>,
    };

    private static readonly delegate*<Cpu, ref DecodedOp, int>[] s_ri32 =
    {
        &RI<AddKind, Size32>, &RI<OrKind, Size32>, &RI<AdcKind, Size32>, &RI<SbbKind, Size32>, &RI<AndKind, Size32>,
        &RI<SubKind, Size32>, &RI<XorKind, Size32>, &RI<CmpKind, Size32>, &RI<TestKind, Size32>,
    };

    private static readonly delegate*<Cpu, ref DecodedOp, int>[] s_ri64 =
    {
        &RI<AddKind, Size64>, &RI<OrKind, Size64>, &RI<AdcKind, Size64>, &RI<SbbKind, Size64>, &RI<AndKind, Size64>,
        &RI<SubKind, Size64>, &RI<XorKind, Size64>, &RI<CmpKind, Size64>, &RI<TestKind, Size64>,
    };

    private static int RR<TKind, TSize>(Cpu c, ref DecodedOp op)
        where TKind : struct, IAluKind
        where TSize : struct, IOperandSize
    {
        ulong r = AluOps.Compute(c, TKind.Kind, TSize.Bytes, c.ReadReg(op.Dst, TSize.Bytes), c.ReadReg(op.Src, TSize.Bytes));
        if (TKind.Kind < AluOps.Cmp)
        {
            c.WriteReg(op.Dst, TSize.Bytes, r);
        }
        return Exec.Next;
    }

    private static int RI<TKind, TSize>(Cpu c, ref DecodedOp op)
        where TKind : struct, IAluKind
        where TSize : struct, IOperandSize
    {
        ulong r = AluOps.Compute(c, TKind.Kind, TSize.Bytes, c.ReadReg(op.Dst, TSize.Bytes), op.Imm);
        if (TKind.Kind < AluOps.Cmp)
        {
            c.WriteReg(op.Dst, TSize.Bytes, r);
        }
        return Exec.Next;
    }
}
