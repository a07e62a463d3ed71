using System.Collections.Frozen;
using FsCheck;
using FsCheck.Fluent;
using HvSim.Cpu.Emulation;
using HvSim.HostOracle;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>The instruction families of the differential property, one property each so that a failure names its family.</summary>
public enum WriteFamily
{
    /// <summary>mov, the ALU read-modify-writes, shifts and rotates, bts/btr/btc, setcc.</summary>
    Stores,
    /// <summary>xchg, cmpxchg (success and failure), cmpxchg8b, cmpxchg16b, xadd; with and without lock.</summary>
    Atomics,
    /// <summary>SSE stores (and the loads of the same mnemonics), maskmovdqu.</summary>
    Sse,
    /// <summary>VEX stores (and the loads of the same mnemonics), 128 and 256 bits, masked stores, lane extraction.</summary>
    Avx,
    /// <summary>movs and stos of every element size, with and without rep, DF clear and set, 0x67, fs:/gs: sources.</summary>
    Strings,
    /// <summary>push, pop, call in every form, with the stack in generated memory.</summary>
    Stack,
    /// <summary>x87 stores (fst/fstp, fist/fistp/fisttp, fbstp) and environment stores (fnstsw, fnstenv, fnsave, fxsave).</summary>
    X87,
}

/// <summary>
/// FsCheck generators of <see cref="WriteCase"/>s. Every legacy 64-bit-mode Iced <see cref="Code"/> of a
/// family's (supported) mnemonics that touches memory is a candidate; operands are filled from its operand
/// kinds, the r/m operand always as memory [base + index*scale + disp], with an fs:/gs: override now and
/// then. Addresses are chosen first (aligned, unaligned, straddling a page boundary, running into the
/// read-only page or off the mapped range) and the base register solved for them when the case runs.
/// </summary>
internal static class WriteCaseGenerators
{
    private const int WritableBytes = EmulationLayout.WritablePages * (int)EmulationLayout.PageSize;

    private static readonly Mnemonic[] StoreMnemonics =
    [
        Mnemonic.Mov, Mnemonic.Add, Mnemonic.Sub, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor,
        Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not,
        Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr,
        Mnemonic.Shld, Mnemonic.Shrd, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc,
        Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
        Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
        Mnemonic.Movbe,
    ];

    private static readonly Mnemonic[] AtomicMnemonics =
        [Mnemonic.Xchg, Mnemonic.Cmpxchg, Mnemonic.Cmpxchg8b, Mnemonic.Cmpxchg16b, Mnemonic.Xadd];

    private static readonly Mnemonic[] SseMnemonics =
    [
        Mnemonic.Movdqa, Mnemonic.Movdqu, Mnemonic.Movaps, Mnemonic.Movups, Mnemonic.Movapd, Mnemonic.Movupd,
        Mnemonic.Movq, Mnemonic.Movd, Mnemonic.Movss, Mnemonic.Movsd, Mnemonic.Movhps, Mnemonic.Movlps, Mnemonic.Movhpd, Mnemonic.Movlpd,
        Mnemonic.Movnti, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd, Mnemonic.Pextrw, Mnemonic.Maskmovdqu,
        Mnemonic.Pextrb, Mnemonic.Pextrd, Mnemonic.Pextrq, Mnemonic.Extractps,
    ];

    private static readonly Mnemonic[] AvxMnemonics =
    [
        Mnemonic.Vmovdqa, Mnemonic.Vmovdqu, Mnemonic.Vmovaps, Mnemonic.Vmovups, Mnemonic.Vmovapd, Mnemonic.Vmovupd,
        Mnemonic.Vmovntdq, Mnemonic.Vmovntps, Mnemonic.Vmovntpd,
        Mnemonic.Vmovq, Mnemonic.Vmovd, Mnemonic.Vmovss, Mnemonic.Vmovsd, Mnemonic.Vmovhps, Mnemonic.Vmovlps, Mnemonic.Vmovhpd, Mnemonic.Vmovlpd,
        Mnemonic.Vextracti128, Mnemonic.Vextractf128, Mnemonic.Vpextrw,
        Mnemonic.Vmaskmovps, Mnemonic.Vmaskmovpd, Mnemonic.Vpmaskmovd, Mnemonic.Vpmaskmovq, Mnemonic.Vmaskmovdqu,
        Mnemonic.Vpextrb, Mnemonic.Vpextrd, Mnemonic.Vpextrq, Mnemonic.Vextractps, Mnemonic.Vcvtps2ph,
    ];

    private static readonly Mnemonic[] StackMnemonics = [Mnemonic.Push, Mnemonic.Pop, Mnemonic.Call];

    private static readonly Mnemonic[] X87Mnemonics =
    [
        Mnemonic.Fst, Mnemonic.Fstp, Mnemonic.Fist, Mnemonic.Fistp, Mnemonic.Fisttp, Mnemonic.Fbstp,
        Mnemonic.Fnstsw, Mnemonic.Fnstenv, Mnemonic.Fnsave, Mnemonic.Fxsave, Mnemonic.Fxsave64,
    ];

    /// <summary>Legacy SSE stores and cmpxchg16b: #GP(0) unless the operand is 16-byte aligned.</summary>
    private static readonly FrozenSet<Mnemonic> Aligned16 = new[]
    {
        Mnemonic.Movdqa, Mnemonic.Movaps, Mnemonic.Movapd, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd, Mnemonic.Cmpxchg16b,
        Mnemonic.Vmovdqa, Mnemonic.Vmovaps, Mnemonic.Vmovapd, Mnemonic.Vmovntdq, Mnemonic.Vmovntps, Mnemonic.Vmovntpd,
        Mnemonic.Fxsave, Mnemonic.Fxsave64,
    }.ToFrozenSet();

    private static readonly FrozenSet<OpCodeOperandKind> MemoryKinds = new[]
    {
        OpCodeOperandKind.r8_or_mem, OpCodeOperandKind.r16_or_mem, OpCodeOperandKind.r32_or_mem, OpCodeOperandKind.r64_or_mem,
        OpCodeOperandKind.mem, OpCodeOperandKind.xmm_or_mem, OpCodeOperandKind.seg_rDI, OpCodeOperandKind.ymm_or_mem,
    }.ToFrozenSet();

    private static readonly FrozenSet<OpCodeOperandKind> OtherKinds = new[]
    {
        OpCodeOperandKind.r8_reg, OpCodeOperandKind.r16_reg, OpCodeOperandKind.r32_reg, OpCodeOperandKind.r64_reg,
        OpCodeOperandKind.r8_opcode, OpCodeOperandKind.r16_opcode, OpCodeOperandKind.r32_opcode, OpCodeOperandKind.r64_opcode,
        OpCodeOperandKind.xmm_reg, OpCodeOperandKind.xmm_rm,
        OpCodeOperandKind.ymm_reg, OpCodeOperandKind.ymm_rm, OpCodeOperandKind.xmm_vvvv, OpCodeOperandKind.ymm_vvvv,
        OpCodeOperandKind.al, OpCodeOperandKind.ax, OpCodeOperandKind.eax, OpCodeOperandKind.rax, OpCodeOperandKind.cl,
        OpCodeOperandKind.imm8, OpCodeOperandKind.imm8_const_1, OpCodeOperandKind.imm8sex16, OpCodeOperandKind.imm8sex32,
        OpCodeOperandKind.imm8sex64, OpCodeOperandKind.imm16, OpCodeOperandKind.imm32, OpCodeOperandKind.imm32sex64,
        OpCodeOperandKind.br64_4,
    }.ToFrozenSet();

    private static readonly Register[] Bases =
    [
        Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RBP, Register.RSI, Register.RDI,
        Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15,
    ];

    private static readonly FrozenDictionary<WriteFamily, Code[]> CodesByFamily = BuildCodes();

    /// <summary>The encodings generated for a family (for tests of the generators).</summary>
    public static IReadOnlyList<Code> Codes(WriteFamily family) => CodesByFamily[family];

    public static Gen<WriteCase> Cases(WriteFamily family)
    {
        // Mnemonic first, then one of its encodings: each mnemonic gets its share however many forms it has.
        Gen<(Instruction Instruction, Placement Placement)> shape = family == WriteFamily.Strings
            ? StringShape
            : from codes in Gen.Elements(CodesByFamily[family].GroupBy(code => code.Mnemonic()).Select(g => g.ToArray()).ToArray())
              from code in Gen.Elements(codes)
              from shaped in ShapeFor(code)
              select shaped;
        return from s in shape.Where(s => CaseInput.CanEncode(s.Instruction))
               from gprs in Gen.ArrayOf(Values.Gpr, HvSim.HostOracle.Gpr.Count)
               from status in Values.Flags
               from down in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
               from xmm in Gen.ArrayOf(Values.Xmm, 16)
               from seed in Gen.Frequency((1, Gen.Constant(-1)), (6, Gen.Choose(0, int.MaxValue)))
               select new WriteCase(family.ToString(), s.Instruction, gprs, status | (down ? Rflags.Df : 0), xmm, seed, s.Placement);
    }

    /// <summary>Simpler versions of a failing case: registers to 0, no flags, XMM to 0, memory to zeros (placement kept).</summary>
    public static IEnumerable<WriteCase> Shrink(WriteCase c)
    {
        if (c.MemorySeed >= 0)
        {
            yield return c with { MemorySeed = -1 };
        }
        if ((c.Flags & Rflags.Status) != 0)
        {
            yield return c with { Flags = c.Flags & Rflags.Df };
        }
        for (int i = 0; i < c.Gpr.Length; i++)
        {
            if (c.Gpr[i] != 0)
            {
                ulong[] gprs = (ulong[])c.Gpr.Clone();
                gprs[i] = 0;
                yield return c with { Gpr = gprs };
            }
        }
        for (int i = 0; i < c.Xmm.Length; i++)
        {
            if (c.Xmm[i] != default)
            {
                Xmm128[] xmm = (Xmm128[])c.Xmm.Clone();
                xmm[i] = default;
                yield return c with { Xmm = xmm };
            }
        }
    }

    // --- Instructions with explicit operands ---

    private static Gen<(Instruction, Placement)> ShapeFor(Code code)
    {
        OpCodeInfo info = code.ToOpCode();
        if (code is Code.Maskmovdqu_rDI_xmm_xmm or Code.VEX_Vmaskmovdqu_rDI_xmm_xmm)
        {
            return from a in Xmm
                   from b in Xmm
                   from target in Address(16, aligned16: false)
                   select (code == Code.Maskmovdqu_rDI_xmm_xmm
                       ? Instruction.CreateMaskmovdqu(64, a, b, Register.None)
                       : Instruction.CreateVmaskmovdqu(64, a, b, Register.None), Place(target));
        }
        if (code == Code.Call_rel32_64)
        {
            return from offset in Gen.Choose(-0x10_0000, 0x10_0000).Where(o => o != 0)
                   from stack in StackSlot
                   select (Instruction.CreateBranch(code, EmulationLayout.Code + (ulong)(long)offset), Place(0) with { Stack = stack });
        }

        int memorySize = Math.Max(1, info.MemorySize.GetSize());
        bool isStack = StackMnemonics.Contains(info.Mnemonic);
        return from memory in MemoryOperand
               from operands in Operands(info, memory, isStack)
               let instruction = Build(code, operands)
               from locked in info.CanUseLockPrefix && operands[0].IsMemory ? Gen.Elements(false, true) : Gen.Constant(false)
               from target in Address(memorySize, Aligned16.Contains(info.Mnemonic))
               from slot in StackSlot
               from equal in Gen.Elements(false, true)
               from bitOffset in Gen.Frequency((3, Gen.Choose(-64, 127)), (1, Gen.Choose(-4000, 4000)))
               from segmentBases in SegmentBases
               select (WithLock(instruction, locked), new Placement(target, slot, 0, 0, equal, bitOffset, segmentBases.Fs, segmentBases.Gs));
    }

    private static Instruction WithLock(Instruction instruction, bool locked)
    {
        instruction.HasLockPrefix = locked;
        return instruction;
    }

    private static Placement Place(ulong target) => new(target, EmulationLayout.Data + 0x800, 0, 0, false, 0, 0, 0);

    /// <summary>One generated operand: a register, the memory operand or an immediate.</summary>
    private readonly record struct Operand(Register Register, MemoryOperand? Memory, int Immediate)
    {
        public bool IsMemory => Memory is not null;

        public bool IsRegister => Register != Register.None;
    }

    private static Gen<Operand[]> Operands(OpCodeInfo info, MemoryOperand memory, bool stack)
    {
        var operands = Gen.Constant(Array.Empty<Operand>());
        for (int i = 0; i < info.OpCount; i++)
        {
            Gen<Operand> next = OperandFor(info, info.GetOpKind(i), memory, stack);
            operands = from list in operands from operand in next select (Operand[])[.. list, operand];
        }
        return operands;
    }

    private static Gen<Operand> OperandFor(OpCodeInfo info, OpCodeOperandKind kind, MemoryOperand memory, bool stack)
    {
        var mem = Gen.Constant(new Operand(Register.None, memory, 0));
        Gen<Operand> RegisterOrMemory(int size) => stack
            ? Gen.OneOf(mem, GprOfSize(size).Select(r => new Operand(r, null, 0)))
            : mem;
        return kind switch
        {
            OpCodeOperandKind.r8_or_mem => RegisterOrMemory(1),
            OpCodeOperandKind.r16_or_mem => RegisterOrMemory(2),
            OpCodeOperandKind.r32_or_mem => RegisterOrMemory(4),
            OpCodeOperandKind.r64_or_mem => RegisterOrMemory(8),
            OpCodeOperandKind.mem or OpCodeOperandKind.xmm_or_mem or OpCodeOperandKind.ymm_or_mem => mem,
            OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode => GprOfSize(1).Select(r => new Operand(r, null, 0)),
            OpCodeOperandKind.r16_reg or OpCodeOperandKind.r16_opcode => GprOfSize(2).Select(r => new Operand(r, null, 0)),
            OpCodeOperandKind.r32_reg or OpCodeOperandKind.r32_opcode => GprOfSize(4).Select(r => new Operand(r, null, 0)),
            OpCodeOperandKind.r64_reg or OpCodeOperandKind.r64_opcode => GprOfSize(8).Select(r => new Operand(r, null, 0)),
            OpCodeOperandKind.xmm_reg or OpCodeOperandKind.xmm_rm or OpCodeOperandKind.xmm_vvvv => Xmm.Select(r => new Operand(r, null, 0)),
            OpCodeOperandKind.ymm_reg or OpCodeOperandKind.ymm_rm or OpCodeOperandKind.ymm_vvvv => Ymm.Select(r => new Operand(r, null, 0)),
            OpCodeOperandKind.al => Gen.Constant(new Operand(Register.AL, null, 0)),
            OpCodeOperandKind.ax => Gen.Constant(new Operand(Register.AX, null, 0)),
            OpCodeOperandKind.eax => Gen.Constant(new Operand(Register.EAX, null, 0)),
            OpCodeOperandKind.rax => Gen.Constant(new Operand(Register.RAX, null, 0)),
            OpCodeOperandKind.cl => Gen.Constant(new Operand(Register.CL, null, 0)),
            OpCodeOperandKind.imm8_const_1 => Gen.Constant(new Operand(Register.None, null, 1)),
            OpCodeOperandKind.imm8 => Gen.Frequency((2, Gen.Elements(0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 0x7F, 0x80, 0xFF)), (3, Gen.Choose(0, 255)))
                .Select(v => new Operand(Register.None, null, v)),
            OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32 or OpCodeOperandKind.imm8sex64 =>
                Gen.Frequency((2, Gen.Elements(0, 1, -1, 0x7F, -0x80)), (1, Gen.Choose(-128, 127))).Select(v => new Operand(Register.None, null, v)),
            OpCodeOperandKind.imm16 =>
                Gen.Frequency((2, Gen.Elements(0, 1, -1, 0x7FFF, -0x8000, 0xFFFF)), (1, Gen.Choose(-0x8000, 0xFFFF))).Select(v => new Operand(Register.None, null, v)),
            OpCodeOperandKind.imm32 or OpCodeOperandKind.imm32sex64 =>
                Gen.Frequency((2, Gen.Elements(0, 1, -1, int.MaxValue, int.MinValue, 0x8000)), (1, Values.Random32)).Select(v => new Operand(Register.None, null, v)),
            _ => throw new NotSupportedException($"{info.Code}: operand kind {kind}"),
        };
    }

    private static Instruction Build(Code code, Operand[] ops)
    {
        return ops.Length switch
        {
            1 when ops[0].IsMemory => Instruction.Create(code, ops[0].Memory!.Value),
            1 when ops[0].IsRegister => Instruction.Create(code, ops[0].Register),
            1 => Instruction.Create(code, ops[0].Immediate),
            2 => (ops[0], ops[1]) switch
            {
                ({ IsMemory: true }, { IsRegister: true }) => Instruction.Create(code, ops[0].Memory!.Value, ops[1].Register),
                ({ IsMemory: true }, _) => Instruction.Create(code, ops[0].Memory!.Value, ops[1].Immediate),
                ({ IsRegister: true }, { IsMemory: true }) => Instruction.Create(code, ops[0].Register, ops[1].Memory!.Value),
                ({ IsRegister: true }, { IsRegister: true }) => Instruction.Create(code, ops[0].Register, ops[1].Register),
                _ => Instruction.Create(code, ops[0].Register, ops[1].Immediate),
            },
            3 => (ops[0], ops[1], ops[2]) switch
            {
                ({ IsMemory: true }, _, { IsRegister: true }) => Instruction.Create(code, ops[0].Memory!.Value, ops[1].Register, ops[2].Register),
                ({ IsMemory: true }, _, _) => Instruction.Create(code, ops[0].Memory!.Value, ops[1].Register, ops[2].Immediate),
                (_, { IsMemory: true }, _) => Instruction.Create(code, ops[0].Register, ops[1].Memory!.Value, ops[2].Immediate),
                (_, _, { IsMemory: true }) => Instruction.Create(code, ops[0].Register, ops[1].Register, ops[2].Memory!.Value),
                _ => Instruction.Create(code, ops[0].Register, ops[1].Register, ops[2].Immediate),
            },
            _ => throw new NotSupportedException(code.ToString()),
        };
    }

    /// <summary>[base + index*scale + disp], sometimes with fs: or gs:; never RSP (the stack instructions move it).</summary>
    private static readonly Gen<MemoryOperand> MemoryOperand =
        from baseRegister in Gen.Elements(Bases)
        from index in Gen.Frequency((3, Gen.Constant(Register.None)), (2, Gen.Elements(Bases)))
        from scale in Gen.Elements(1, 2, 4, 8)
        from disp in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Choose(-128, 127)), (2, Values.Random32))
        from segment in Gen.Frequency((8, Gen.Constant(Register.None)), (1, Gen.Constant(Register.FS)), (1, Gen.Constant(Register.GS)))
        where index != baseRegister
        select new MemoryOperand(baseRegister, index, index == Register.None ? 1 : scale, disp,
            disp == 0 ? 0 : disp is >= -128 and <= 127 ? 1 : 4, false, segment);

    private static readonly Gen<(ulong Fs, ulong Gs)> SegmentBases =
        from fs in Gen.Choose(0, 0x5F_0000)
        from gs in Values.Gpr
        select ((ulong)fs, gs & 0x7FFF_FFFF_FFFF);

    private static readonly Gen<Register> Xmm = Gen.Choose(0, 15).Select(i => Register.XMM0 + i);

    private static readonly Gen<Register> Ymm = Gen.Choose(0, 15).Select(i => Register.YMM0 + i);

    /// <summary>Any GPR of the size (AH..BH now and then; encodings that cannot take them are filtered out).</summary>
    private static Gen<Register> GprOfSize(int size)
    {
        Gen<Register> any = Gen.Choose(0, 15).Select(i => InstructionGenerators.Sized(Register.RAX + i, size));
        return size == 1
            ? Gen.Frequency((6, any), (1, Gen.Elements(Register.AH, Register.CH, Register.DH, Register.BH)))
            : any;
    }

    // --- Addresses ---

    /// <summary>
    /// Where an access of <paramref name="size"/> bytes goes: mostly inside the writable pages (aligned or
    /// not), often straddling a boundary between two of them, and sometimes into the read-only page or off the
    /// mapped range, where both sides must fault alike.
    /// </summary>
    private static Gen<ulong> Address(int size, bool aligned16)
    {
        int align = Math.Min(size, 32);
        Gen<ulong> inside = Gen.Choose(0, (WritableBytes - size) / align).Select(i => EmulationLayout.Data + (ulong)(i * align));
        Gen<ulong> anywhere = Gen.Choose(0, WritableBytes - size).Select(o => EmulationLayout.Data + (ulong)o);
        Gen<ulong> readOnly = Gen.Choose(0, (int)EmulationLayout.PageSize - size).Select(o => EmulationLayout.ReadOnly + (ulong)o);
        if (aligned16)
        {
            return Gen.Frequency(
                (10, inside),
                (1, anywhere),
                (1, readOnly.Select(a => a & ~15UL)));
        }
        if (size == 1)
        {
            return Gen.Frequency((8, anywhere), (2, Gen.Elements(EmulationLayout.Data, EmulationLayout.ReadOnly - 1)), (1, readOnly), (1, Gen.Constant(EmulationLayout.End)));
        }
        Gen<ulong> Straddling(Gen<ulong> boundary) => from b in boundary from k in Gen.Choose(1, size - 1) select b - (ulong)k;
        return Gen.Frequency(
            (6, inside),
            (4, anywhere),
            (5, Straddling(Gen.Choose(1, EmulationLayout.WritablePages - 1).Select(p => EmulationLayout.Data + ((ulong)p * EmulationLayout.PageSize)))),
            (1, Straddling(Gen.Constant(EmulationLayout.ReadOnly))),
            (1, readOnly),
            (1, Straddling(Gen.Elements(EmulationLayout.Data, EmulationLayout.End))));
    }

    /// <summary>The stack slot push/call write (RSP = slot + size) or pop reads (RSP = slot).</summary>
    private static readonly Gen<ulong> StackSlot = Gen.Frequency(
        (8, Gen.Choose(1, (WritableBytes / 8) - 2).Select(i => EmulationLayout.Data + (ulong)(i * 8))),
        (3, from page in Gen.Choose(1, EmulationLayout.WritablePages - 1)
            from k in Gen.Choose(1, 7)
            select EmulationLayout.Data + ((ulong)page * EmulationLayout.PageSize) - (ulong)k),
        (1, Gen.Elements(EmulationLayout.ReadOnly - 4, EmulationLayout.ReadOnly + 0x100, EmulationLayout.Data - 8)));

    // --- String instructions ---

    private static readonly (Func<int, Register, RepPrefixKind, Instruction> Create, bool Reads)[] StringForms =
    [
        ((a, s, r) => Instruction.CreateMovsb(a, s, r), true),
        ((a, s, r) => Instruction.CreateMovsw(a, s, r), true),
        ((a, s, r) => Instruction.CreateMovsd(a, s, r), true),
        ((a, s, r) => Instruction.CreateMovsq(a, s, r), true),
        ((a, _, r) => Instruction.CreateStosb(a, r), false),
        ((a, _, r) => Instruction.CreateStosw(a, r), false),
        ((a, _, r) => Instruction.CreateStosd(a, r), false),
        ((a, _, r) => Instruction.CreateStosq(a, r), false),
    ];

    /// <summary>
    /// movs/stos of each element size; rep (counts 0, 1 and many) or not; 0x67 now and then; fs:/gs: on a movs
    /// source; destination runs inside the writable pages, across their boundaries, into the read-only page or
    /// below the mapped range (DF set), and sources that overlap the destination.
    /// </summary>
    private static readonly Gen<(Instruction, Placement)> StringShape =
        from form in Gen.Elements(StringForms)
        from rep in Gen.Elements(RepPrefixKind.None, RepPrefixKind.Repe)
        from addr32 in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        from segment in form.Reads ? Gen.Frequency((6, Gen.Constant(Register.None)), (1, Gen.Constant(Register.FS)), (1, Gen.Constant(Register.GS))) : Gen.Constant(Register.None)
        from count in Gen.Frequency((2, Gen.Constant(0UL)), (2, Gen.Constant(1UL)), (5, Gen.Choose(2, 40).Select(n => (ulong)n)))
        from destination in Gen.Frequency(
            (5, Gen.Choose(0, WritableBytes - 1).Select(o => EmulationLayout.Data + (ulong)o)),
            (3, from page in Gen.Choose(1, EmulationLayout.WritablePages - 1)
                from k in Gen.Choose(-20, 20)
                select EmulationLayout.Data + ((ulong)page * EmulationLayout.PageSize) + (ulong)(long)k),
            (1, Gen.Choose(1, 40).Select(k => EmulationLayout.ReadOnly - (ulong)k)),
            (1, Gen.Choose(0, 40).Select(k => EmulationLayout.Data + (ulong)k)))
        from source in Gen.Frequency(
            (4, Gen.Choose(0, EmulationLayout.ImageSize - 1).Select(o => EmulationLayout.Data + (ulong)o)),
            (2, Gen.Choose(-9, 9).Select(d => destination + (ulong)(long)d)),
            (1, Gen.Choose(1, 40).Select(k => EmulationLayout.End - (ulong)k)))
        from bases in SegmentBases
        let instruction = form.Create(addr32 ? 32 : 64, segment, rep)
        select (instruction, new Placement(destination, EmulationLayout.Data + 0x800, source, count, false, 0, bases.Fs, bases.Gs & 0x3F_FFFF));

    // --- Tables ---

    private static FrozenDictionary<WriteFamily, Code[]> BuildCodes()
    {
        var families = new Dictionary<WriteFamily, Mnemonic[]>
        {
            [WriteFamily.Stores] = StoreMnemonics,
            [WriteFamily.Atomics] = AtomicMnemonics,
            [WriteFamily.Sse] = SseMnemonics,
            [WriteFamily.Avx] = AvxMnemonics,
            [WriteFamily.Stack] = StackMnemonics,
            [WriteFamily.X87] = X87Mnemonics,
        };
        var codes = new Dictionary<WriteFamily, Code[]>();
        foreach ((WriteFamily family, Mnemonic[] mnemonics) in families)
        {
            var missing = mnemonics.Where(m => !WriteEmulator.Supports(m)).ToArray();
            if (missing.Length > 0)
            {
                throw new InvalidOperationException($"{family}: the engine does not support {string.Join(", ", missing)}");
            }
            codes[family] = Enum.GetValues<Code>().Where(code => Generated(code, mnemonics, family == WriteFamily.Stack, family == WriteFamily.Avx ? EncodingKind.VEX : EncodingKind.Legacy)).ToArray();
        }
        codes[WriteFamily.Strings] = [];
        return codes.ToFrozenDictionary();
    }

    private static bool Generated(Code code, Mnemonic[] mnemonics, bool stack, EncodingKind encoding)
    {
        OpCodeInfo info = code.ToOpCode();
        if (!info.IsInstruction || !info.Mode64 || info.Encoding != encoding || !mnemonics.Contains(info.Mnemonic)
            || code is Code.Call_m1616 or Code.Call_m1632 or Code.Call_m1664) // far calls: #UD in the interpreter, not worth a third of the calls
        {
            return false;
        }
        bool touchesMemory = stack;
        for (int i = 0; i < info.OpCount; i++)
        {
            OpCodeOperandKind kind = info.GetOpKind(i);
            touchesMemory |= MemoryKinds.Contains(kind);
            if (!MemoryKinds.Contains(kind) && !OtherKinds.Contains(kind))
            {
                return false; // MMX forms, segment registers, moffs, far branches, string operands...
            }
        }
        return touchesMemory;
    }
}
