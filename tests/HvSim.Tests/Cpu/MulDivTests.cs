using HvSim.Cpu;
using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>mul, imul (1/2/3 operands), div, idiv: the SDM's rules as table tests, and every form against the host CPU.</summary>
public sealed class MulDivTests
{
    private const ulong Cf = FlagBits.CF, Pf = FlagBits.PF, Af = FlagBits.AF, Zf = FlagBits.ZF, Sf = FlagBits.SF, Of = FlagBits.OF;

    private static TestMachine Run(Action<Assembler> instruction, ulong rax, ulong rdx = 0, ulong rcx = 0, ulong flags = 0)
    {
        var m = new TestMachine();
        m.Load(a =>
        {
            instruction(a);
            a.int3();
        });
        m.Cpu.R(Reg.Rax) = rax;
        m.Cpu.R(Reg.Rcx) = rcx;
        m.Cpu.R(Reg.Rdx) = rdx;
        m.Cpu.Rflags = flags;
        m.Run();
        return m;
    }

    private static void AssertCompleted(TestMachine m)
    {
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
    }

    private static void AssertDivideError(TestMachine m, ulong rax, ulong rdx, ulong flags)
    {
        Assert.Equal(Vector.DivideError, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip); // RIP stays at the faulting division
        Assert.Equal(rax, m.Cpu.R(Reg.Rax));
        Assert.Equal(rdx, m.Cpu.R(Reg.Rdx));
        Assert.Equal(flags, m.Cpu.Rflags & FlagBits.Status);
    }

    [Fact]
    public void ByteMulWritesAxAndFlagsHighHalf()
    {
        // SDM: "AX ← AL * SRC"; CF = OF = 0 when the upper half (AH) is 0, else 1.
        TestMachine m = Run(a => a.mul(cl), 0xFFFF_FFFF_FFFF_0010, rcx: 0x10);
        AssertCompleted(m);
        Assert.Equal(0xFFFF_FFFF_FFFF_0100UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Cf | Of | Pf, m.Cpu.Rflags & FlagBits.Status); // AL=0: PF=1; ZF stays 0 (host)
    }

    [Fact]
    public void MulClearsZeroFlagEvenForAZeroProduct()
    {
        // SDM: SF, ZF, AF, PF undefined; the host clears ZF and AF and sets SF, PF from the low half.
        TestMachine m = Run(a => a.mul(ecx), 0, rcx: 5, flags: Zf | Af);
        Assert.Equal(Pf, m.Cpu.Rflags & FlagBits.Status);
    }

    [Fact]
    public void DoubleWordMulZeroExtendsBothHalves()
    {
        TestMachine m = Run(a => a.mul(ecx), 0xAAAA_AAAA_FFFF_FFFF, rdx: 0xBBBB_BBBB_0000_0000, rcx: 2);
        Assert.Equal(0xFFFF_FFFEUL, m.Cpu.R(Reg.Rax));
        Assert.Equal(1UL, m.Cpu.R(Reg.Rdx));
    }

    [Fact]
    public void SignedMulOverflowMeansProductDoesNotFitLowHalf()
    {
        // SDM (IMUL): CF = OF = 0 when the result sign-extended from the low half equals the full result.
        TestMachine m = Run(a => a.imul(cl), 0xFF, rcx: 0x80); // -1 * -128 = 128: does not fit AL
        Assert.Equal(0x0080UL, m.Cpu.R(Reg.Rax) & 0xFFFF);
        Assert.Equal(Cf | Of | Sf, m.Cpu.Rflags & (Cf | Of | Sf));
        m = Run(a => a.imul(cl), 0xFF, rcx: 0x7F); // -1 * 127 = -127 fits
        Assert.Equal(0xFF81UL, m.Cpu.R(Reg.Rax) & 0xFFFF);
        Assert.Equal(0UL, m.Cpu.Rflags & (Cf | Of));
    }

    [Fact]
    public void ThreeOperandImulSignExtendsImmediateAndTruncates()
    {
        TestMachine m = Run(a => a.imul(rax, rcx, -2), 0, rcx: 0x4000_0000_0000_0000);
        Assert.Equal(0x8000_0000_0000_0000UL, m.Cpu.R(Reg.Rax)); // -2^63: fits, no overflow
        Assert.Equal(Sf, m.Cpu.Rflags & (Cf | Of | Sf));
        m = Run(a => a.imul(rax, rcx, 2), 0, rcx: 0x4000_0000_0000_0000);
        Assert.Equal(Cf | Of | Sf, m.Cpu.Rflags & (Cf | Of | Sf)); // +2^63 does not fit
    }

    [Fact]
    public void SixtyFourBitMulUsesFullProduct()
    {
        TestMachine m = Run(a => a.mul(rcx), ulong.MaxValue, rcx: ulong.MaxValue);
        Assert.Equal(1UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(ulong.MaxValue - 1, m.Cpu.R(Reg.Rdx));
        m = Run(a => a.imul(rcx), ulong.MaxValue, rcx: ulong.MaxValue); // -1 * -1 = 1
        Assert.Equal(1UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0UL, m.Cpu.R(Reg.Rdx));
        Assert.Equal(0UL, m.Cpu.Rflags & (Cf | Of));
    }

    [Fact]
    public void DivideByZeroRaisesDivideErrorAndChangesNothing()
    {
        // SDM: "IF SRC = 0 THEN #DE"; a fault leaves every register and flag as it was.
        TestMachine m = Run(a => a.div(ecx), 1234, rdx: 0, rcx: 0, flags: Cf | Zf);
        AssertDivideError(m, 1234, 0, Cf | Zf);
    }

    [Fact]
    public void QuotientTooLargeRaisesDivideError()
    {
        // SDM: "IF temp > FFH THEN #DE" (and likewise per size).
        AssertDivideError(Run(a => a.div(cl), 0x0200, rcx: 2), 0x0200, 0, 0);
        AssertDivideError(Run(a => a.div(rcx), 5, rdx: 7, rcx: 7), 5, 7, 0);
        // idiv: -2^31 / -1 = 2^31 does not fit EAX (and would throw in .NET if divided naively).
        AssertDivideError(Run(a => a.idiv(ecx), 0x8000_0000, rdx: 0xFFFF_FFFF, rcx: 0xFFFF_FFFF), 0x8000_0000, 0xFFFF_FFFF, 0);
        // idiv r64 of RDX:RAX = -2^127 by -1: the 128-bit corner.
        AssertDivideError(Run(a => a.idiv(rcx), 0, rdx: 0x8000_0000_0000_0000, rcx: ulong.MaxValue), 0, 0x8000_0000_0000_0000, 0);
    }

    [Fact]
    public void SignedDivideAllowsMostNegativeQuotient()
    {
        // SDM (IDIV): the quotient range is -2^(n-1)..2^(n-1)-1, so 2^63 / -1 = -2^63 fits.
        TestMachine m = Run(a => a.idiv(rcx), 0x8000_0000_0000_0000, rdx: 0, rcx: ulong.MaxValue);
        AssertCompleted(m);
        Assert.Equal(0x8000_0000_0000_0000UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0UL, m.Cpu.R(Reg.Rdx));
        m = Run(a => a.idiv(cl), unchecked((ulong)-256), rcx: 2); // AX = -256 / 2 = -128 fits AL
        Assert.Equal(0x0080UL, m.Cpu.R(Reg.Rax) & 0xFFFF);
    }

    [Fact]
    public void RemainderTakesTheDividendSign()
    {
        // SDM: IDIV truncates toward zero; the remainder has the dividend's sign: -7 / 2 = -3 rem -1.
        TestMachine m = Run(a => a.idiv(ecx), unchecked((uint)-7), rdx: 0xFFFF_FFFF, rcx: 2);
        Assert.Equal(unchecked((uint)-3), m.Cpu.R(Reg.Rax));
        Assert.Equal(unchecked((uint)-1), m.Cpu.R(Reg.Rdx));
    }

    [Fact]
    public void ByteDivideSplitsAxIntoQuotientAndRemainder()
    {
        TestMachine m = Run(a => a.div(cl), 0x1234_0000_0000_0107, rcx: 0x10);
        Assert.Equal(0x1234_0000_0000_0710UL, m.Cpu.R(Reg.Rax)); // AH = 263 mod 16 = 7, AL = 16
    }

    [Fact]
    public void DivideLeavesFlagsUnchanged()
    {
        // SDM: all flags undefined after div/idiv; the host leaves them as they were.
        ulong all = Cf | Pf | Af | Zf | Sf | Of;
        Assert.Equal(all, Run(a => a.div(rcx), 100, rcx: 7, flags: all).Cpu.Rflags & FlagBits.Status);
        Assert.Equal(0UL, Run(a => a.idiv(rcx), 100, rcx: 7, flags: 0).Cpu.Rflags & FlagBits.Status);
    }

    [Fact]
    public void EveryMulDivFormMatchesTheHost()
    {
        using var oracle = new GroupOracle();
        var forms = new List<OracleForm>();
        foreach (string kind in new[] { "mul", "imul", "div", "idiv" })
        {
            GroupOracle.Prepare? prepare = kind.EndsWith("div", StringComparison.Ordinal) ? AvoidDivideError : null;
            foreach (int size in new[] { 1, 2, 4, 8 })
            {
                forms.Add(new OracleForm($"{kind} r{size * 8}", a => EmitOneOperand(a, kind, size, memory: false), prepare));
                forms.Add(new OracleForm($"{kind} m{size * 8}", a => EmitOneOperand(a, kind, size, memory: true), prepare));
            }
            // A high-byte source (AH..BH encodings) and the accumulator itself as the source.
            forms.Add(new OracleForm($"{kind} bh", a => EmitByKind(a, kind, bh), prepare));
            forms.Add(new OracleForm($"{kind} rax", a => EmitByKind(a, kind, rax), prepare));
        }
        foreach (int size in new[] { 2, 4, 8 })
        {
            forms.Add(new OracleForm($"imul r{size * 8}, r", a => EmitImul(a, size, memory: false, immediate: null)));
            forms.Add(new OracleForm($"imul r{size * 8}, m", a => EmitImul(a, size, memory: true, immediate: null)));
            forms.Add(new OracleForm($"imul r{size * 8}, r, imm8", a => EmitImul(a, size, memory: false, immediate: -3)));
            forms.Add(new OracleForm($"imul r{size * 8}, m, imm8", a => EmitImul(a, size, memory: true, immediate: 0x75)));
            forms.Add(new OracleForm($"imul r{size * 8}, r, imm", a => EmitImul(a, size, memory: false, immediate: -0x1235)));
            forms.Add(new OracleForm($"imul r{size * 8}, m, imm", a => EmitImul(a, size, memory: true, immediate: 0x7B1D)));
        }
        forms.Add(new OracleForm("imul eax, eax", a => a.imul(eax, eax)));
        oracle.CheckAll(forms, casesPerForm: 2000, seed: 2);
    }

    /// <summary>Shapes the dividend's high half so that most cases divide (a native #DE would kill the test process).</summary>
    private static bool AvoidDivideError(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        int size = instruction.Code switch
        {
            Code.Div_rm8 or Code.Idiv_rm8 => 1,
            Code.Div_rm16 or Code.Idiv_rm16 => 2,
            Code.Div_rm32 or Code.Idiv_rm32 => 4,
            _ => 8,
        };
        bool signed = instruction.Mnemonic == Mnemonic.Idiv;
        int bits = size * 8;
        // The dividend's high half: AH for bytes, else the low `size` bytes of RDX.
        ulong low = size == 1 ? state[Register.RAX] & 0xFF : state[Register.RAX] & Mask(size);
        ulong signFill = signed && (low >> (bits - 1)) != 0 ? Mask(size) : 0;
        ulong high = random.Next(3) switch
        {
            0 => size == 1 ? (state[Register.RAX] >> 8) & 0xFF : state[Register.RDX] & Mask(size), // as drawn
            1 => (random.Next64() & Mask(size)) >> random.Next(bits + 1),                        // a shrunken high half
            _ => signFill ^ (random.Next64() & 1),                                              // near a narrow dividend
        };
        for (int attempt = 0; attempt < 2; attempt++)
        {
            SetHigh(state, size, high);
            if (!DivisionFilter.WouldFault(instruction, state, Register.RDI))
            {
                return true;
            }
            high = signFill; // the dividend then fits the operand size: only 0 or MIN / -1 can fault
        }
        return false;
    }

    private static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    private static void SetHigh(MachineSnapshot state, int size, ulong high)
    {
        if (size == 1)
        {
            state[Register.RAX] = (state[Register.RAX] & ~0xFF00UL) | (high << 8);
        }
        else
        {
            state[Register.RDX] = (state[Register.RDX] & ~Mask(size)) | high;
        }
    }

    private static void EmitOneOperand(Assembler a, string kind, int size, bool memory)
    {
        if (memory)
        {
            AssemblerMemoryOperand m = size switch
            {
                1 => __byte_ptr[rdi + 0x21],
                2 => __word_ptr[rdi + 0x32],
                4 => __dword_ptr[rdi + 0x47],
                _ => __qword_ptr[rdi + 0x90],
            };
            switch (kind)
            {
                case "mul": a.mul(m); break;
                case "imul": a.imul(m); break;
                case "div": a.div(m); break;
                default: a.idiv(m); break;
            }
            return;
        }
        switch (size)
        {
            case 1: EmitByKind(a, kind, cl); break;
            case 2: EmitByKind(a, kind, cx); break;
            case 4: EmitByKind(a, kind, ecx); break;
            default: EmitByKind(a, kind, rcx); break;
        }
    }

    private static void EmitByKind(Assembler a, string kind, AssemblerRegister8 r)
    {
        switch (kind) { case "mul": a.mul(r); break; case "imul": a.imul(r); break; case "div": a.div(r); break; default: a.idiv(r); break; }
    }

    private static void EmitByKind(Assembler a, string kind, AssemblerRegister16 r)
    {
        switch (kind) { case "mul": a.mul(r); break; case "imul": a.imul(r); break; case "div": a.div(r); break; default: a.idiv(r); break; }
    }

    private static void EmitByKind(Assembler a, string kind, AssemblerRegister32 r)
    {
        switch (kind) { case "mul": a.mul(r); break; case "imul": a.imul(r); break; case "div": a.div(r); break; default: a.idiv(r); break; }
    }

    private static void EmitByKind(Assembler a, string kind, AssemblerRegister64 r)
    {
        switch (kind) { case "mul": a.mul(r); break; case "imul": a.imul(r); break; case "div": a.div(r); break; default: a.idiv(r); break; }
    }

    private static void EmitImul(Assembler a, int size, bool memory, int? immediate)
    {
        switch (size, memory, immediate)
        {
            case (2, false, null): a.imul(bx, si); break;
            case (2, true, null): a.imul(bx, __word_ptr[rdi + 0x12]); break;
            case (2, false, int i): a.imul(bx, si, (short)i); break;
            case (2, true, int i): a.imul(bx, __word_ptr[rdi + 0x12], (short)i); break;
            case (4, false, null): a.imul(ebx, esi); break;
            case (4, true, null): a.imul(ebx, __dword_ptr[rdi + 0x54]); break;
            case (4, false, int i): a.imul(ebx, esi, i); break;
            case (4, true, int i): a.imul(ebx, __dword_ptr[rdi + 0x54], i); break;
            case (8, false, null): a.imul(rbx, rsi); break;
            case (8, true, null): a.imul(rbx, __qword_ptr[rdi + 0xA8]); break;
            case (8, false, int i): a.imul(rbx, rsi, i); break;
            default: a.imul(rbx, __qword_ptr[rdi + 0xA8], immediate!.Value); break;
        }
    }
}
