using System.Collections.Frozen;
using System.Runtime.Intrinsics.X86;
using FsCheck;
using FsCheck.Fluent;
using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Oracle;

/// <summary>Instruction families of the differential property; each has its own property so a failure names it.</summary>
public enum OracleCategory
{
    Alu,
    ShiftRotate,
    MulDiv,
    Bits,
    Moves,
    Sse2,
    /// <summary>SSE3 moves, SSSE3, SSE4.1, SSE4.2, PCLMULQDQ and MOVBE (the legacy-encoded part of x86-64-v2/v3).</summary>
    Sse4,
    Mixed,
}

/// <summary>
/// FsCheck generators of instructions that are safe to run natively inside the host oracle. A "step" is
/// one instruction, sometimes preceded by setup instructions that make it interesting or safe (a
/// nonzero divisor and an extended dividend before div/idiv, an in-range bit offset before bt [mem], reg,
/// a count in CL before a shift by CL).
/// </summary>
/// <remarks>
/// Every legacy-encoded 64-bit-mode Iced <see cref="Code"/> of a category's mnemonics is a candidate;
/// operands are filled from the opcode's operand kinds. Rules that keep native execution safe and the two
/// sides comparable:
/// <list type="bullet">
/// <item>GPR operands never name RSP or RDI (any size): RSP is the host's own stack pointer natively, and
/// RDI holds the scratch block's host address natively but its guest address in the
/// interpreter, so neither may be read or written as data.</item>
/// <item>Memory operands are [rdi+disp] inside the 256-byte scratch block, 16-byte aligned for legacy SSE
/// m128 operands except movdqu. lea alone gets arbitrary base/index/scale/disp (it does not access memory).</item>
/// <item>No implicit RDI/RSI/RSP/RIP use (no string, stack or branch instructions, no RIP-relative operands).</item>
/// <item>lock only with a memory destination, on instructions that allow it.</item>
/// <item>Instructions the host lacks (lzcnt, tzcnt, popcnt) are not generated there: the CPU would run
/// lzcnt/tzcnt as bsr/bsf.</item>
/// </list>
/// Division faults and out-of-block bit-string accesses depend on run-time values, so
/// <see cref="OracleRunner"/> checks each against the host's actual state before the instruction and
/// drops it when it would fault.
/// </remarks>
internal static class InstructionGenerators
{
    public const int ScratchSize = MachineSnapshot.DefaultMemorySize;

    /// <summary>The GPRs (as 64-bit registers) instructions may use: everything but RSP and RDI.</summary>
    public static readonly Register[] Gprs =
    [
        Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RBP, Register.RSI,
        Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15,
    ];

    private static readonly Register[] AccumulatorGprs = [Register.RAX, Register.RCX, Register.RDX, Register.RBX];

    /// <summary>GPRs encodable without REX, for instructions that use AH..BH.</summary>
    private static readonly Register[] NoRexGprs = [Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RBP, Register.RSI];

    private static readonly Register[] NoRexBytes =
    [
        Register.AL, Register.CL, Register.DL, Register.BL, Register.AH, Register.CH, Register.DH, Register.BH,
    ];

    private static readonly string[] ConditionSuffixes = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

    private static readonly Mnemonic[] AluMnemonics =
    [
        Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test,
        Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not,
    ];

    private static readonly Mnemonic[] ShiftMnemonics =
    [
        Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shld, Mnemonic.Shrd,
    ];

    private static readonly Mnemonic[] MulDivMnemonics = [Mnemonic.Mul, Mnemonic.Imul, Mnemonic.Div, Mnemonic.Idiv];

    private static readonly Mnemonic[] BitMnemonics =
    [
        Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Tzcnt, Mnemonic.Lzcnt, Mnemonic.Popcnt,
    ];

    private static readonly Mnemonic[] MoveMnemonics =
    [
        Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Bswap, Mnemonic.Xchg, Mnemonic.Xadd, Mnemonic.Cmpxchg,
        Mnemonic.Lea, Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cdqe, Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo,
        .. ConditionSuffixes.Select(cc => Enum.Parse<Mnemonic>("Cmov" + cc, ignoreCase: true)),
        .. ConditionSuffixes.Select(cc => Enum.Parse<Mnemonic>("Set" + cc, ignoreCase: true)),
    ];

    private static readonly Mnemonic[] SseMnemonics =
    [
        Mnemonic.Movdqa, Mnemonic.Movdqu, Mnemonic.Movq, Mnemonic.Movd,
        Mnemonic.Pxor, Mnemonic.Por, Mnemonic.Pand, Mnemonic.Pandn,
        Mnemonic.Paddb, Mnemonic.Paddw, Mnemonic.Paddd, Mnemonic.Paddq, Mnemonic.Paddsb, Mnemonic.Paddsw, Mnemonic.Paddusb, Mnemonic.Paddusw,
        Mnemonic.Psubb, Mnemonic.Psubw, Mnemonic.Psubd, Mnemonic.Psubq, Mnemonic.Psubsb, Mnemonic.Psubsw, Mnemonic.Psubusb, Mnemonic.Psubusw,
        Mnemonic.Pcmpeqb, Mnemonic.Pcmpeqw, Mnemonic.Pcmpeqd, Mnemonic.Pcmpgtb, Mnemonic.Pcmpgtw, Mnemonic.Pcmpgtd,
        Mnemonic.Punpcklbw, Mnemonic.Punpcklwd, Mnemonic.Punpckldq, Mnemonic.Punpcklqdq,
        Mnemonic.Punpckhbw, Mnemonic.Punpckhwd, Mnemonic.Punpckhdq, Mnemonic.Punpckhqdq,
        Mnemonic.Pshufd, Mnemonic.Pshuflw, Mnemonic.Pshufhw, Mnemonic.Pmovmskb,
        Mnemonic.Psllw, Mnemonic.Pslld, Mnemonic.Psllq, Mnemonic.Psrlw, Mnemonic.Psrld, Mnemonic.Psrlq, Mnemonic.Psraw, Mnemonic.Psrad,
        Mnemonic.Pslldq, Mnemonic.Psrldq,
        Mnemonic.Pmuludq, Mnemonic.Pmullw, Mnemonic.Pmaddwd, Mnemonic.Pminub, Mnemonic.Pmaxub, Mnemonic.Pminsw, Mnemonic.Pmaxsw,
        Mnemonic.Packuswb, Mnemonic.Packsswb, Mnemonic.Packssdw,
    ];

    private static readonly Mnemonic[] Sse4Mnemonics =
    [
        Mnemonic.Movddup, Mnemonic.Movshdup, Mnemonic.Movsldup, Mnemonic.Lddqu,
        Mnemonic.Pshufb, Mnemonic.Phaddw, Mnemonic.Phaddd, Mnemonic.Phaddsw, Mnemonic.Phsubw, Mnemonic.Phsubd, Mnemonic.Phsubsw,
        Mnemonic.Pmaddubsw, Mnemonic.Pmulhrsw, Mnemonic.Psignb, Mnemonic.Psignw, Mnemonic.Psignd, Mnemonic.Pabsb, Mnemonic.Pabsw, Mnemonic.Pabsd,
        Mnemonic.Palignr,
        Mnemonic.Pblendvb, Mnemonic.Blendvps, Mnemonic.Blendvpd, Mnemonic.Pblendw, Mnemonic.Blendps, Mnemonic.Blendpd,
        Mnemonic.Pminsb, Mnemonic.Pminsd, Mnemonic.Pminuw, Mnemonic.Pminud, Mnemonic.Pmaxsb, Mnemonic.Pmaxsd, Mnemonic.Pmaxuw, Mnemonic.Pmaxud,
        Mnemonic.Pmulld, Mnemonic.Pmuldq, Mnemonic.Pcmpeqq, Mnemonic.Packusdw, Mnemonic.Phminposuw, Mnemonic.Mpsadbw, Mnemonic.Ptest, Mnemonic.Movntdqa,
        Mnemonic.Pmovsxbw, Mnemonic.Pmovsxbd, Mnemonic.Pmovsxbq, Mnemonic.Pmovsxwd, Mnemonic.Pmovsxwq, Mnemonic.Pmovsxdq,
        Mnemonic.Pmovzxbw, Mnemonic.Pmovzxbd, Mnemonic.Pmovzxbq, Mnemonic.Pmovzxwd, Mnemonic.Pmovzxwq, Mnemonic.Pmovzxdq,
        Mnemonic.Pinsrb, Mnemonic.Pinsrd, Mnemonic.Pinsrq, Mnemonic.Pextrb, Mnemonic.Pextrw, Mnemonic.Pextrd, Mnemonic.Pextrq,
        Mnemonic.Insertps, Mnemonic.Extractps,
        Mnemonic.Pcmpgtq, Mnemonic.Crc32, Mnemonic.Pcmpestri, Mnemonic.Pcmpestri64, Mnemonic.Pcmpestrm, Mnemonic.Pcmpestrm64,
        Mnemonic.Pcmpistri, Mnemonic.Pcmpistrm, Mnemonic.Pclmulqdq, Mnemonic.Movbe,
    ];

    /// <summary>SSE shifts are generated by immediate only.</summary>
    private static readonly FrozenSet<Mnemonic> SseImmediateShifts = new[]
    {
        Mnemonic.Psllw, Mnemonic.Pslld, Mnemonic.Psllq, Mnemonic.Psrlw, Mnemonic.Psrld, Mnemonic.Psrlq, Mnemonic.Psraw, Mnemonic.Psrad,
    }.ToFrozenSet();

    private static readonly FrozenSet<OpCodeOperandKind> SupportedKinds = new[]
    {
        OpCodeOperandKind.r8_or_mem, OpCodeOperandKind.r16_or_mem, OpCodeOperandKind.r32_or_mem, OpCodeOperandKind.r64_or_mem,
        OpCodeOperandKind.r8_reg, OpCodeOperandKind.r16_reg, OpCodeOperandKind.r32_reg, OpCodeOperandKind.r64_reg,
        OpCodeOperandKind.r8_opcode, OpCodeOperandKind.r16_opcode, OpCodeOperandKind.r32_opcode, OpCodeOperandKind.r64_opcode,
        OpCodeOperandKind.mem, OpCodeOperandKind.xmm_or_mem, OpCodeOperandKind.xmm_reg, OpCodeOperandKind.xmm_rm,
        OpCodeOperandKind.al, OpCodeOperandKind.ax, OpCodeOperandKind.eax, OpCodeOperandKind.rax, OpCodeOperandKind.cl,
        OpCodeOperandKind.imm8, OpCodeOperandKind.imm8_const_1, OpCodeOperandKind.imm8sex16, OpCodeOperandKind.imm8sex32,
        OpCodeOperandKind.imm8sex64, OpCodeOperandKind.imm16, OpCodeOperandKind.imm32, OpCodeOperandKind.imm32sex64,
        OpCodeOperandKind.imm64,
    }.ToFrozenSet();

    private static readonly FrozenDictionary<OracleCategory, Mnemonic[]> MnemonicsByCategory = BuildCategories();

    private static readonly FrozenDictionary<Mnemonic, Code[]> CodesByMnemonic = BuildCodes();

    /// <summary>The mnemonics a category generates (those the host supports).</summary>
    public static IReadOnlyList<Mnemonic> Mnemonics(OracleCategory category) => MnemonicsByCategory[category];

    /// <summary>The encodings generated for a mnemonic.</summary>
    public static IReadOnlyList<Code> Codes(Mnemonic mnemonic) => CodesByMnemonic[mnemonic];

    /// <summary>A step of the category: setup instructions (possibly none) followed by the instruction under test.</summary>
    public static Gen<Instruction[]> Step(OracleCategory category)
    {
        if (category == OracleCategory.Mixed)
        {
            return Gen.OneOf(Enum.GetValues<OracleCategory>().Where(c => c != OracleCategory.Mixed).Select(Step));
        }

        return from mnemonic in Gen.Elements(MnemonicsByCategory[category])
               from code in Gen.Elements(CodesByMnemonic[mnemonic])
               from step in StepFor(code)
               select step;
    }

    /// <summary>One instruction of the given encoding with random operands, plus its setup.</summary>
    public static Gen<Instruction[]> StepFor(Code code)
    {
        Gen<Instruction> instruction = InstructionFor(code);
        Mnemonic mnemonic = code.Mnemonic();
        if (mnemonic is Mnemonic.Div or Mnemonic.Idiv)
        {
            return instruction.SelectMany(DivisionSetup, (div, setup) => setup.Append(div).ToArray());
        }

        if (mnemonic is Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc)
        {
            return instruction.SelectMany(BitOffsetSetup, (bt, setup) => setup.Append(bt).ToArray());
        }

        if (UsesClCount(code))
        {
            return from shift in instruction
                   from set in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
                   from count in ShiftCount
                   select set
                       ? new[] { Instruction.Create(Code.Mov_r8_imm8, Register.CL, count), shift }
                       : new[] { shift };
        }

        return instruction.Select(single => new[] { single });
    }

    /// <summary>One instruction of the given encoding with random operands (retried until Iced can encode it).</summary>
    public static Gen<Instruction> InstructionFor(Code code)
    {
        OpCodeInfo info = code.ToOpCode();
        bool hasByteRegister = Enumerable.Range(0, info.OpCount).Any(i => info.GetOpKind(i) is OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode);
        Gen<bool> noRex = hasByteRegister && !IsForced64(info)
            ? Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
            : Gen.Constant(false);
        return (from legacy in noRex
                from operands in Gen.CollectToArray(Enumerable.Range(0, info.OpCount), i => OperandFor(info, info.GetOpKind(i), legacy))
                from locked in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
                select Build(code, operands, locked && info.CanUseLockPrefix && operands.Length > 0 && operands[0].IsMemory))
            .Where(instruction => Disassembly.CanEncode(instruction) && !IsSimulatorEscape(instruction));
    }

    /// <summary>
    /// xchg bx, bx and xchg cx, cx are no-ops on hardware but hvsim's trace marker and checkpoint
    /// escape: they leave the interpreter, so they are not instructions to compare.
    /// </summary>
    private static bool IsSimulatorEscape(in Instruction instruction) =>
        instruction.Mnemonic == Mnemonic.Xchg && instruction.Op0Kind == OpKind.Register && instruction.Op1Kind == OpKind.Register
        && instruction.Op0Register == instruction.Op1Register && instruction.Op0Register is Register.BX or Register.CX;

    /// <summary>Shift and rotate counts: mostly the edges (0, 1, operand size +- 1, beyond the mask).</summary>
    public static readonly Gen<int> ShiftCount = Gen.Frequency(
        (3, Gen.Elements(0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255)),
        (1, Gen.Choose(0, 255)));

    private static bool IsForced64(OpCodeInfo info) => info.OperandSize == 64 || Enumerable.Range(0, info.OpCount).Any(i =>
        info.GetOpKind(i) is OpCodeOperandKind.r64_or_mem or OpCodeOperandKind.r64_reg or OpCodeOperandKind.r64_opcode or OpCodeOperandKind.rax);

    private static bool UsesClCount(Code code)
    {
        OpCodeInfo info = code.ToOpCode();
        return Enumerable.Range(0, info.OpCount).Any(i => info.GetOpKind(i) == OpCodeOperandKind.cl);
    }

    // --- Setup for division and bit strings ---

    /// <summary>
    /// Before div/idiv: usually a nonzero divisor (when it is a register other than RAX/RDX) and a dividend
    /// whose upper half is the extension of the lower (xor edx,edx / zero AH for div; cbw/cwd/cdq/cqo for idiv),
    /// which cannot overflow. Sometimes nothing: then the runner drops the division if it would fault.
    /// </summary>
    private static Gen<Instruction[]> DivisionSetup(Instruction div)
    {
        int size = Size(div);
        Register divisor = div.Op0Kind == OpKind.Register ? div.Op0Register : Register.None;
        Register divisorFull = divisor == Register.None ? Register.None : FullOf(divisor);
        bool canSetDivisor = divisorFull is not (Register.None or Register.RAX or Register.RDX);
        Instruction extend = (div.Mnemonic, size) switch
        {
            (Mnemonic.Div, 1) => Instruction.Create(Code.Movzx_r32_rm8, Register.EAX, Register.AL),
            (Mnemonic.Div, _) => Instruction.Create(Code.Xor_r32_rm32, Register.EDX, Register.EDX),
            (_, 1) => Instruction.Create(Code.Cbw),
            (_, 2) => Instruction.Create(Code.Cwd),
            (_, 4) => Instruction.Create(Code.Cdq),
            _ => Instruction.Create(Code.Cqo),
        };
        Gen<int> divisorValue = Gen.Elements(1, 2, 3, 5, 7, 10, 0x7F, 0x81, -1, -2, -3, -0x7F, 0x12345, 0x7FFF_FFFF, -0x7FFF_FFFF);
        return from setDivisor in Gen.Frequency((1, Gen.Constant(false)), (3, Gen.Constant(canSetDivisor)))
               from value in divisorValue
               from setDividend in Gen.Frequency((1, Gen.Constant(false)), (3, Gen.Constant(true)))
               select (setDivisor ? new[] { Instruction.Create(Code.Mov_rm64_imm32, divisorFull, value) } : [])
                   .Concat(setDividend ? new[] { extend } : [])
                   .ToArray();
    }

    /// <summary>
    /// Before bt/bts/btr/btc [mem], reg: usually loads the offset register with a bit offset that keeps the
    /// accessed word inside the scratch block (the offset is signed and may reach far outside otherwise).
    /// </summary>
    private static Gen<Instruction[]> BitOffsetSetup(Instruction bt)
    {
        if (bt.Op0Kind != OpKind.Memory || bt.Op1Kind != OpKind.Register)
        {
            return Gen.Constant(Array.Empty<Instruction>());
        }

        int size = Size(bt);
        int disp = (int)bt.MemoryDisplacement64;
        int lowestUnit = -(disp / size);
        int highestUnit = (ScratchSize - size - disp) / size;
        return from set in Gen.Frequency((1, Gen.Constant(false)), (4, Gen.Constant(true)))
               from unit in Gen.Choose(lowestUnit, highestUnit)
               from bit in Gen.Choose(0, (8 * size) - 1)
               select set
                   ? new[] { Instruction.Create(Code.Mov_rm64_imm32, FullOf(bt.Op1Register), (unit * 8 * size) + bit) }
                   : [];
    }

    // --- Operands ---

    private readonly record struct Operand(Register Register, MemoryOperand Memory, long Immediate, int Kind)
    {
        public const int RegisterKind = 0;
        public const int MemoryKind = 1;
        public const int ImmediateKind = 2;
        public const int Immediate64Kind = 3;

        public bool IsMemory => Kind == MemoryKind;

        public static Operand Reg(Register register) => new(register, default, 0, RegisterKind);

        public static Operand Mem(MemoryOperand memory) => new(Register.None, memory, 0, MemoryKind);

        public static Operand Imm(long value, bool is64 = false) => new(Register.None, default, value, is64 ? Immediate64Kind : ImmediateKind);
    }

    private static Gen<Operand> OperandFor(OpCodeInfo info, OpCodeOperandKind kind, bool noRex)
    {
        return kind switch
        {
            OpCodeOperandKind.r8_or_mem => RegisterOrMemory(info, Gpr(1, noRex)),
            OpCodeOperandKind.r16_or_mem => RegisterOrMemory(info, Gpr(2, noRex)),
            OpCodeOperandKind.r32_or_mem => RegisterOrMemory(info, Gpr(4, noRex)),
            OpCodeOperandKind.r64_or_mem => RegisterOrMemory(info, Gpr(8, noRex)),
            OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode => Gpr(1, noRex).Select(Operand.Reg),
            OpCodeOperandKind.r16_reg or OpCodeOperandKind.r16_opcode => Gpr(2, noRex).Select(Operand.Reg),
            OpCodeOperandKind.r32_reg or OpCodeOperandKind.r32_opcode => Gpr(4, noRex).Select(Operand.Reg),
            OpCodeOperandKind.r64_reg or OpCodeOperandKind.r64_opcode => Gpr(8, noRex).Select(Operand.Reg),
            OpCodeOperandKind.xmm_reg or OpCodeOperandKind.xmm_rm => Xmm.Select(Operand.Reg),
            OpCodeOperandKind.xmm_or_mem => RegisterOrMemory(info, Xmm),
            OpCodeOperandKind.mem => info.Mnemonic == Mnemonic.Lea ? LeaAddress.Select(Operand.Mem) : ScratchMemory(info).Select(Operand.Mem),
            OpCodeOperandKind.al => Gen.Constant(Operand.Reg(Register.AL)),
            OpCodeOperandKind.ax => Gen.Constant(Operand.Reg(Register.AX)),
            OpCodeOperandKind.eax => Gen.Constant(Operand.Reg(Register.EAX)),
            OpCodeOperandKind.rax => Gen.Constant(Operand.Reg(Register.RAX)),
            OpCodeOperandKind.cl => Gen.Constant(Operand.Reg(Register.CL)),
            OpCodeOperandKind.imm8_const_1 => Gen.Constant(Operand.Imm(1)),
            OpCodeOperandKind.imm8 => Immediate8(info).Select(v => Operand.Imm(v)),
            OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32 or OpCodeOperandKind.imm8sex64 =>
                Gen.Frequency((2, Gen.Elements(0, 1, -1, 2, -2, 0x7F, -0x80, 0x10)), (1, Gen.Choose(-128, 127))).Select(v => Operand.Imm(v)),
            OpCodeOperandKind.imm16 =>
                Gen.Frequency((2, Gen.Elements(0, 1, -1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, -0x8000)), (1, Gen.Choose(-0x8000, 0x7FFF))).Select(v => Operand.Imm(v)),
            OpCodeOperandKind.imm32 or OpCodeOperandKind.imm32sex64 =>
                Gen.Frequency((2, Gen.Elements(0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, int.MaxValue, int.MinValue)), (1, Values.Random32)).Select(v => Operand.Imm(v)),
            OpCodeOperandKind.imm64 => Values.Gpr.Select(v => Operand.Imm((long)v, is64: true)),
            _ => throw new NotSupportedException($"{info.Code}: operand kind {kind}"),
        };
    }

    private static Gen<int> Immediate8(OpCodeInfo info)
    {
        Mnemonic mnemonic = info.Mnemonic;
        bool isCount = mnemonic is Mnemonic.Shl or Mnemonic.Shr or Mnemonic.Sar or Mnemonic.Rol or Mnemonic.Ror or Mnemonic.Rcl or Mnemonic.Rcr
            or Mnemonic.Shld or Mnemonic.Shrd or Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc
            || SseImmediateShifts.Contains(mnemonic) || mnemonic is Mnemonic.Pslldq or Mnemonic.Psrldq;
        return isCount
            ? ShiftCount
            : Gen.Frequency((2, Gen.Elements(0, 1, 0x7F, 0x80, 0xFF, 0x1B, 0x4E, 0xE4)), (3, Gen.Choose(0, 255)));
    }

    private static Gen<Operand> RegisterOrMemory(OpCodeInfo info, Gen<Register> register) =>
        Gen.Frequency((7, register.Select(Operand.Reg)), (3, ScratchMemory(info).Select(Operand.Mem)));

    /// <summary>[rdi+disp] with the whole access inside the scratch block; 16-byte aligned for legacy SSE m128 (not movdqu).</summary>
    private static Gen<MemoryOperand> ScratchMemory(OpCodeInfo info)
    {
        int size = Math.Max(1, info.MemorySize.GetSize());
        if (size == 16 && info.Mnemonic != Mnemonic.Movdqu)
        {
            return Gen.Choose(0, (ScratchSize / 16) - 1).Select(i => new MemoryOperand(OracleBridge.MemoryBase, 16 * i));
        }

        return Gen.Frequency(
                (3, Gen.Choose(0, (ScratchSize / size) - 1).Select(i => i * size)),
                (2, Gen.Choose(0, ScratchSize - size)))
            .Select(disp => new MemoryOperand(OracleBridge.MemoryBase, disp));
    }

    /// <summary>lea's address: any allowed base and index (either may be absent), any scale, edge displacements.</summary>
    private static readonly Gen<MemoryOperand> LeaAddress =
        from baseRegister in Gen.Frequency((4, Gen.Elements(Gprs)), (1, Gen.Constant(Register.None)))
        from index in Gen.Frequency((3, Gen.Elements(Gprs)), (2, Gen.Constant(Register.None)))
        from scale in Gen.Elements(1, 2, 4, 8)
        from disp in Gen.Frequency((2, Gen.Elements(0, 1, -1, 0x7F, -0x80, 0x1000, int.MaxValue, int.MinValue)), (1, Values.Random32))
        select new MemoryOperand(baseRegister, index, index == Register.None ? 1 : scale, disp, disp == 0 ? 0 : disp is >= -128 and <= 127 ? 1 : 4);

    private static readonly Gen<Register> Xmm = Gen.Choose(0, 15).Select(i => Register.XMM0 + i);

    /// <summary>A GPR of the given size; favours RAX..RBX so that instructions in a sequence depend on each other.</summary>
    private static Gen<Register> Gpr(int size, bool noRex)
    {
        if (noRex)
        {
            return size == 1 ? Gen.Elements(NoRexBytes) : Gen.Elements(NoRexGprs).Select(r => Sized(r, size));
        }

        return Gen.Frequency((3, Gen.Elements(AccumulatorGprs)), (2, Gen.Elements(Gprs))).Select(r => Sized(r, size));
    }

    /// <summary>The register of the given size within a 64-bit GPR (8-bit: AL..BL, SPL..DIL, R8L..R15L; never AH..BH).</summary>
    public static Register Sized(Register full, int size)
    {
        int index = full - Register.RAX;
        return size switch
        {
            8 => full,
            4 => Register.EAX + index,
            2 => Register.AX + index,
            _ => index < 4 ? Register.AL + index : index < 8 ? Register.SPL + (index - 4) : Register.R8L + (index - 8),
        };
    }

    public static Register FullOf(Register register) => register.GetFullRegister();

    /// <summary>Operand size in bytes of operand 0 (register or memory).</summary>
    public static int Size(in Instruction instruction) => instruction.Op0Kind == OpKind.Register
        ? instruction.Op0Register.GetSize()
        : instruction.MemorySize.GetSize();

    private static Instruction Build(Code code, Operand[] ops, bool locked)
    {
        Instruction instruction = ops.Length switch
        {
            0 => Instruction.Create(code),
            1 => ops[0].Kind switch
            {
                Operand.RegisterKind => Instruction.Create(code, ops[0].Register),
                Operand.MemoryKind => Instruction.Create(code, ops[0].Memory),
                _ => Instruction.Create(code, (int)ops[0].Immediate),
            },
            2 => (ops[0].Kind, ops[1].Kind) switch
            {
                (Operand.RegisterKind, Operand.RegisterKind) => Instruction.Create(code, ops[0].Register, ops[1].Register),
                (Operand.RegisterKind, Operand.MemoryKind) => Instruction.Create(code, ops[0].Register, ops[1].Memory),
                (Operand.MemoryKind, Operand.RegisterKind) => Instruction.Create(code, ops[0].Memory, ops[1].Register),
                (Operand.RegisterKind, Operand.Immediate64Kind) => Instruction.Create(code, ops[0].Register, ops[1].Immediate),
                (Operand.RegisterKind, _) => Instruction.Create(code, ops[0].Register, (int)ops[1].Immediate),
                (Operand.MemoryKind, _) => Instruction.Create(code, ops[0].Memory, (int)ops[1].Immediate),
                _ => throw new NotSupportedException(code.ToString()),
            },
            3 => (ops[0].Kind, ops[1].Kind, ops[2].Kind) switch
            {
                (Operand.RegisterKind, Operand.RegisterKind, Operand.RegisterKind) => Instruction.Create(code, ops[0].Register, ops[1].Register, ops[2].Register),
                (Operand.MemoryKind, Operand.RegisterKind, Operand.RegisterKind) => Instruction.Create(code, ops[0].Memory, ops[1].Register, ops[2].Register),
                (Operand.RegisterKind, Operand.RegisterKind, _) => Instruction.Create(code, ops[0].Register, ops[1].Register, (int)ops[2].Immediate),
                (Operand.RegisterKind, Operand.MemoryKind, _) => Instruction.Create(code, ops[0].Register, ops[1].Memory, (int)ops[2].Immediate),
                (Operand.MemoryKind, Operand.RegisterKind, _) => Instruction.Create(code, ops[0].Memory, ops[1].Register, (int)ops[2].Immediate),
                _ => throw new NotSupportedException(code.ToString()),
            },
            _ => throw new NotSupportedException(code.ToString()),
        };
        instruction.HasLockPrefix = locked;
        return instruction;
    }

    // --- Tables ---

    private static FrozenDictionary<OracleCategory, Mnemonic[]> BuildCategories()
    {
        var categories = new Dictionary<OracleCategory, Mnemonic[]>
        {
            [OracleCategory.Alu] = AluMnemonics,
            [OracleCategory.ShiftRotate] = ShiftMnemonics,
            [OracleCategory.MulDiv] = MulDivMnemonics,
            [OracleCategory.Bits] = BitMnemonics.Where(HostSupports).ToArray(),
            [OracleCategory.Moves] = MoveMnemonics,
            [OracleCategory.Sse2] = SseMnemonics,
            [OracleCategory.Sse4] = Sse4Mnemonics,
        };
        categories[OracleCategory.Mixed] = categories.Values.SelectMany(m => m).ToArray();
        return categories.ToFrozenDictionary();
    }

    private static bool HostSupports(Mnemonic mnemonic) => mnemonic switch
    {
        Mnemonic.Lzcnt => Lzcnt.IsSupported,
        Mnemonic.Tzcnt => Bmi1.IsSupported,
        Mnemonic.Popcnt => Popcnt.IsSupported,
        _ => true,
    };

    private static FrozenDictionary<Mnemonic, Code[]> BuildCodes()
    {
        var wanted = AluMnemonics.Concat(ShiftMnemonics).Concat(MulDivMnemonics).Concat(BitMnemonics).Concat(MoveMnemonics).Concat(SseMnemonics).Concat(Sse4Mnemonics).ToHashSet();
        var codes = new Dictionary<Mnemonic, List<Code>>();
        foreach (Code code in Enum.GetValues<Code>())
        {
            OpCodeInfo info = code.ToOpCode();
            if (!info.IsInstruction || !info.Mode64 || info.Encoding != EncodingKind.Legacy || !wanted.Contains(info.Mnemonic) || Excluded(code, info))
            {
                continue;
            }

            if (!codes.TryGetValue(info.Mnemonic, out List<Code>? list))
            {
                codes[info.Mnemonic] = list = [];
            }

            list.Add(code);
        }

        var missing = wanted.Where(m => !codes.ContainsKey(m)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException("No encodings for " + string.Join(", ", missing));
        }

        return codes.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
    }

    private static bool Excluded(Code code, OpCodeInfo info)
    {
        for (int i = 0; i < info.OpCount; i++)
        {
            if (!SupportedKinds.Contains(info.GetOpKind(i)))
            {
                return true; // MMX forms, moffs, segment and control registers, ...
            }
        }

        string name = code.ToString();
        return name.EndsWith("_F6r1", StringComparison.Ordinal) // undocumented aliases of test r/m, imm
            || name.EndsWith("_F7r1", StringComparison.Ordinal)
            || info.Mnemonic == Mnemonic.Sal // D0-D3 /6: undocumented alias of shl (/4)
            || code is Code.Movsxd_r16_rm16 or Code.Movsxd_r32_rm32 // movsxd without REX.W: unusual, vendor-specific
            || code == Code.Bswap_r16 // result undefined
            || (SseImmediateShifts.Contains(info.Mnemonic) && !name.EndsWith("_imm8", StringComparison.Ordinal));
    }
}
