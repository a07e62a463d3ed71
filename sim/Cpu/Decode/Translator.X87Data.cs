using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    /// <summary>
    /// The x87 data instructions: loads and stores, constants, arithmetic, comparisons, conditional
    /// moves and stack management (see <see cref="X87LoadStoreOps"/>, <see cref="X87ArithmeticOps"/>,
    /// <see cref="X87CompareOps"/>). Each op carries in Imm the FOP value and the memory operand's
    /// selector, which the handlers record for FNSAVE/FNSTENV/FXSAVE.
    /// </summary>
    private static void RegisterX87(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, X87Op(&X87LoadStoreOps.LoadMemory, &X87LoadStoreOps.LoadRegister, 0), Mnemonic.Fld, Mnemonic.Fild, Mnemonic.Fbld);
        Add(table, X87Op(&X87LoadStoreOps.StoreMemory, &X87LoadStoreOps.StoreRegister, 0), Mnemonic.Fst, Mnemonic.Fist);
        Add(table, X87Op(&X87LoadStoreOps.StoreMemory, &X87LoadStoreOps.StoreRegister, X87LoadStoreOps.PopAfter),
            Mnemonic.Fstp, Mnemonic.Fistp, Mnemonic.Fbstp, Mnemonic.Fstpnce);
        Add(table, X87Op(&X87LoadStoreOps.StoreMemory, null, X87LoadStoreOps.PopAfter | X87LoadStoreOps.Truncating), Mnemonic.Fisttp);
        Add(table, X87Op(null, &X87LoadStoreOps.Exchange, 0), Mnemonic.Fxch);

        Mnemonic[] constants = [Mnemonic.Fld1, Mnemonic.Fldz, Mnemonic.Fldpi, Mnemonic.Fldl2t, Mnemonic.Fldl2e, Mnemonic.Fldlg2, Mnemonic.Fldln2];
        for (var i = 0; i < constants.Length; i++)
        {
            Add(table, X87Op(null, &X87LoadStoreOps.LoadConstant, (byte)i), constants[i]);
        }

        RegisterX87Arithmetic(table, X87ArithmeticOps.Add, Mnemonic.Fadd, Mnemonic.Faddp, Mnemonic.Fiadd);
        RegisterX87Arithmetic(table, X87ArithmeticOps.Multiply, Mnemonic.Fmul, Mnemonic.Fmulp, Mnemonic.Fimul);
        RegisterX87Arithmetic(table, X87ArithmeticOps.Subtract, Mnemonic.Fsub, Mnemonic.Fsubp, Mnemonic.Fisub);
        RegisterX87Arithmetic(table, X87ArithmeticOps.SubtractReversed, Mnemonic.Fsubr, Mnemonic.Fsubrp, Mnemonic.Fisubr);
        RegisterX87Arithmetic(table, X87ArithmeticOps.Divide, Mnemonic.Fdiv, Mnemonic.Fdivp, Mnemonic.Fidiv);
        RegisterX87Arithmetic(table, X87ArithmeticOps.DivideReversed, Mnemonic.Fdivr, Mnemonic.Fdivrp, Mnemonic.Fidivr);

        Add(table, X87Op(null, &X87LoadStoreOps.SignOperation, 0), Mnemonic.Fchs);
        Add(table, X87Op(null, &X87LoadStoreOps.SignOperation, 1), Mnemonic.Fabs);
        Add(table, X87Op(null, &X87ArithmeticOps.Unary, X87ArithmeticOps.SquareRoot), Mnemonic.Fsqrt);
        Add(table, X87Op(null, &X87ArithmeticOps.Unary, X87ArithmeticOps.RoundToIntegral), Mnemonic.Frndint);
        Add(table, X87Op(null, &X87ArithmeticOps.Scale, 0), Mnemonic.Fscale);
        Add(table, X87Op(null, &X87ArithmeticOps.Extract, 0), Mnemonic.Fxtract);
        Add(table, X87Op(null, &X87ArithmeticOps.Remainder, 0), Mnemonic.Fprem);
        Add(table, X87Op(null, &X87ArithmeticOps.Remainder, 1), Mnemonic.Fprem1);

        Add(table, X87Op(null, &X87TranscendentalOps.TwoToXMinusOne, 0), Mnemonic.F2xm1);
        Add(table, X87Op(null, &X87TranscendentalOps.Binary, X87TranscendentalOps.YLog2X), Mnemonic.Fyl2x);
        Add(table, X87Op(null, &X87TranscendentalOps.Binary, X87TranscendentalOps.YLog2XPlusOne), Mnemonic.Fyl2xp1);
        Add(table, X87Op(null, &X87TranscendentalOps.Binary, X87TranscendentalOps.Arctangent), Mnemonic.Fpatan);
        Add(table, X87Op(null, &X87TranscendentalOps.SineOrCosine, X87TranscendentalOps.Sine), Mnemonic.Fsin);
        Add(table, X87Op(null, &X87TranscendentalOps.SineOrCosine, X87TranscendentalOps.Cosine), Mnemonic.Fcos);
        Add(table, X87Op(null, &X87TranscendentalOps.TangentOrSineCosine, X87TranscendentalOps.SineAndCosine), Mnemonic.Fsincos);
        Add(table, X87Op(null, &X87TranscendentalOps.TangentOrSineCosine, X87TranscendentalOps.TangentAndOne), Mnemonic.Fptan);

        const int pop = 1 << X87CompareOps.PopShift;
        Add(table, X87Op(&X87CompareOps.Memory, &X87CompareOps.Register, 0), Mnemonic.Fcom, Mnemonic.Ficom);
        Add(table, X87Op(&X87CompareOps.Memory, &X87CompareOps.Register, pop), Mnemonic.Fcomp, Mnemonic.Ficomp);
        Add(table, X87Op(null, &X87CompareOps.Register, X87CompareOps.Unordered), Mnemonic.Fucom);
        Add(table, X87Op(null, &X87CompareOps.Register, X87CompareOps.Unordered | pop), Mnemonic.Fucomp);
        Add(table, X87Op(null, &X87CompareOps.Register, 2 * pop, source: 1), Mnemonic.Fcompp);
        Add(table, X87Op(null, &X87CompareOps.Register, X87CompareOps.Unordered | (2 * pop), source: 1), Mnemonic.Fucompp);
        Add(table, X87Op(null, &X87CompareOps.Register, X87CompareOps.AgainstZero), Mnemonic.Ftst);
        Add(table, X87Op(null, &X87CompareOps.ToFlags, 0), Mnemonic.Fcomi);
        Add(table, X87Op(null, &X87CompareOps.ToFlags, pop), Mnemonic.Fcomip);
        Add(table, X87Op(null, &X87CompareOps.ToFlags, X87CompareOps.Unordered), Mnemonic.Fucomi);
        Add(table, X87Op(null, &X87CompareOps.ToFlags, X87CompareOps.Unordered | pop), Mnemonic.Fucomip);
        Add(table, X87Op(null, &X87CompareOps.Examine, 0), Mnemonic.Fxam);

        // FCMOVcc by the Jcc condition number it tests (b 2, e 4, be 6, u 10 and their negations).
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 2), Mnemonic.Fcmovb);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 3), Mnemonic.Fcmovnb);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 4), Mnemonic.Fcmove);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 5), Mnemonic.Fcmovne);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 6), Mnemonic.Fcmovbe);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 7), Mnemonic.Fcmovnbe);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 10), Mnemonic.Fcmovu);
        Add(table, X87Op(null, &X87CompareOps.ConditionalMove, 11), Mnemonic.Fcmovnu);

        Add(table, X87Op(null, &X87LoadStoreOps.Free, 0), Mnemonic.Ffree);
        Add(table, X87Op(null, &X87LoadStoreOps.Free, X87LoadStoreOps.PopAfter), Mnemonic.Ffreep);
        Add(table, X87Op(null, &X87LoadStoreOps.MoveTop, 1), Mnemonic.Fincstp);
        Add(table, X87Op(null, &X87LoadStoreOps.MoveTop, 7), Mnemonic.Fdecstp);
        Add(table, X87Op(null, &X87LoadStoreOps.Nop, 0), Mnemonic.Fnop);
    }

    private static void RegisterX87Arithmetic(Dictionary<Mnemonic, TranslateFn> table, byte operation, Mnemonic plain, Mnemonic popping, Mnemonic integer)
    {
        Add(table, X87Op(&X87ArithmeticOps.Memory, &X87ArithmeticOps.Register, operation), plain, integer);
        Add(table, X87Op(null, &X87ArithmeticOps.Register, (byte)(operation | X87ArithmeticOps.PopAfter)), popping);
    }

    /// <summary>
    /// An x87 data instruction: the memory form goes to <paramref name="memory"/> with its format in Size,
    /// the register (or operand-less) form to <paramref name="register"/> with ST(i) in Src (the
    /// destination in Dst for two-register arithmetic), <paramref name="source"/> when no ST(i) is encoded.
    /// </summary>
    private static TranslateFn X87Op(
        delegate*<Cpu, ref DecodedOp, int> memory, delegate*<Cpu, ref DecodedOp, int> register, int sub, int source = 0)
    {
        nint memoryPointer = (nint)memory;
        nint registerPointer = (nint)register;
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            op.Sub = (byte)sub;
            bool isMemory = instruction.OpCount > 0 && instruction.Op0Kind == OpKind.Memory;
            if (isMemory)
            {
                if (memoryPointer == 0 || !SetMemory(instruction, ref op) || X87MemoryFormat(instruction.MemorySize) is not { } format)
                {
                    return false;
                }
                op.Size = format;
                op.Handler = (delegate*<Cpu, ref DecodedOp, int>)memoryPointer;
                op.Imm = X87Opcode(instruction, isMemory) | ((ulong)UserSelectors.Of(instruction.MemorySegment) << 16);
                return true;
            }

            if (registerPointer == 0)
            {
                return false;
            }
            op.Dst = 0;
            op.Src = (byte)source;
            if (instruction.OpCount == 2)
            {
                op.Dst = (byte)(instruction.Op0Register - Register.ST0);
                op.Src = (byte)(instruction.Op1Register - Register.ST0);
            }
            else if (instruction.OpCount == 1)
            {
                op.Src = (byte)(instruction.Op0Register - Register.ST0);
            }
            op.Handler = (delegate*<Cpu, ref DecodedOp, int>)registerPointer;
            op.Imm = X87Opcode(instruction, isMemory);
            return true;
        };
    }

    private static byte? X87MemoryFormat(MemorySize size) => size switch
    {
        MemorySize.Float32 => X87Format.Single,
        MemorySize.Float64 => X87Format.Double,
        MemorySize.Float80 => X87Format.Extended,
        MemorySize.Int16 => X87Format.Int16,
        MemorySize.Int32 => X87Format.Int32,
        MemorySize.Int64 => X87Format.Int64,
        MemorySize.Bcd => X87Format.Bcd,
        _ => null,
    };

    /// <summary>
    /// FOP: the low three bits of the first opcode byte and the ModR/M byte (SDM Vol. 1, 8.1.9.1). Iced
    /// keeps no raw bytes, so the ModR/M byte is rebuilt from the operands: for register forms the
    /// two-byte opcode plus the ST(i) number; for memory forms mod from the displacement's encoded size,
    /// rm 100 when a SIB byte is needed, 101 for RIP-relative.
    /// </summary>
    private static uint X87Opcode(in Instruction instruction, bool isMemory)
    {
        OpCodeInfo info = instruction.OpCode;
        uint code = info.OpCode;
        if (isMemory)
        {
            int reg = info.GroupIndex & 7;
            return ((code & 7) << 8) | (uint)((X87MemoryMod(instruction) << 6) | (reg << 3) | X87MemoryRm(instruction));
        }

        int stIndex = 0;
        for (int i = 0; i < instruction.OpCount; i++)
        {
            if (instruction.GetOpKind(i) == OpKind.Register && instruction.GetOpRegister(i) is >= Register.ST0 and <= Register.ST7)
            {
                stIndex |= instruction.GetOpRegister(i) - Register.ST0;
            }
        }

        if (info.OpCodeLength == 2)
        {
            return (((code >> 8) & 7) << 8) | ((code & 0xFF) | (uint)stIndex);
        }

        int rm = info.IsRmGroup ? info.RmGroupIndex : stIndex;
        return ((code & 7) << 8) | (uint)(0xC0 | ((info.GroupIndex & 7) << 3) | (rm & 7));
    }

    private static int X87MemoryMod(in Instruction instruction)
    {
        Register baseRegister = instruction.MemoryBase;
        if (baseRegister is Register.None or Register.RIP or Register.EIP)
        {
            return 0;
        }
        return instruction.MemoryDisplSize switch { 0 => 0, 1 => 1, _ => 2 };
    }

    private static int X87MemoryRm(in Instruction instruction)
    {
        Register baseRegister = instruction.MemoryBase;
        if (baseRegister is Register.RIP or Register.EIP)
        {
            return 5;
        }
        if (instruction.MemoryIndex != Register.None || baseRegister == Register.None || (baseRegister.GetNumber() & 7) == 4)
        {
            return 4;
        }
        return baseRegister.GetNumber() & 7;
    }
}
