using HvSim.Cpu;
using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// bt, bts, btr, btc, bsf, bsr, tzcnt, lzcnt, popcnt, andn, bextr, blsi, blsmsk, blsr: the SDM's
/// rules as table tests, and every form against the host CPU.
/// </summary>
public sealed class BitTests
{
    private const ulong Cf = FlagBits.CF, Pf = FlagBits.PF, Af = FlagBits.AF, Zf = FlagBits.ZF, Sf = FlagBits.SF, Of = FlagBits.OF;
    private const ulong AllFlags = Cf | Pf | Af | Zf | Sf | Of;

    private static TestMachine Run(Action<Assembler> instruction, ulong rax = 0, ulong rcx = 0, ulong rdx = 0, ulong flags = 0)
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
        m.Cpu.R(Reg.Rbx) = TestMachine.DataBase + 0x800;
        m.Cpu.Rflags = flags;
        m.Run();
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        return m;
    }

    private static ulong Flags(TestMachine m) => m.Cpu.Rflags & FlagBits.Status;

    [Fact]
    public void BtChangesOnlyCarry()
    {
        // SDM: CF = the selected bit; OF, SF, AF, PF undefined (host: unchanged); ZF unaffected.
        Assert.Equal(AllFlags, Flags(Run(a => a.bt(eax, ecx), rax: 0x10, rcx: 4, flags: AllFlags)));
        Assert.Equal(AllFlags & ~Cf, Flags(Run(a => a.bt(eax, ecx), rax: 0x10, rcx: 5, flags: AllFlags)));
    }

    [Fact]
    public void RegisterBitOffsetIsTakenModuloTheWidth()
    {
        // SDM: for a register operand the offset is taken modulo 16, 32 or 64.
        TestMachine m = Run(a => a.bts(ax, cx), rax: 0, rcx: 17);
        Assert.Equal(2UL, m.Cpu.R(Reg.Rax));
        m = Run(a => a.btc(rax, 65), rax: 0);
        Assert.Equal(2UL, m.Cpu.R(Reg.Rax));
    }

    [Fact]
    public void MemoryBitStringExtendsBeyondTheOperandWithSignedRegisterOffset()
    {
        // SDM: with a register offset the bit string starts at the operand and extends both ways:
        // offset -1 is bit 7 of the byte before; offset 35 (dword) is bit 3 of the next dword.
        var m = new TestMachine();
        m.Load(a =>
        {
            a.bts(__dword_ptr[rbx], ecx);
            a.bts(__dword_ptr[rbx], edx);
            a.int3();
        });
        m.Cpu.R(Reg.Rbx) = TestMachine.DataBase + 0x100;
        m.Cpu.R(Reg.Rcx) = 0xFFFF_FFFF; // -1 as a 32-bit offset (upper half ignored)
        m.Cpu.R(Reg.Rdx) = 0xABCD_0000_0000_0023; // 35
        m.Run();
        Assert.Equal(new byte[] { 0, 0, 0, 0x80 }, m.ReadPhysical(TestMachine.DataBase + 0xFC, 4)); // dword before: bit 31
        Assert.Equal(new byte[] { 0x08, 0, 0, 0 }, m.ReadPhysical(TestMachine.DataBase + 0x104, 4));
    }

    [Fact]
    public void MemoryBitImmediateStaysInsideTheOperand()
    {
        // SDM: an immediate offset is taken modulo the operand size even for memory operands.
        TestMachine m = Run(a => a.bts(__word_ptr[rbx], 17));
        Assert.Equal(new byte[] { 2, 0, 0, 0 }, m.ReadPhysical(TestMachine.DataBase + 0x800, 4));
    }

    [Fact]
    public void LockedBitTestAndSetIsAccepted()
    {
        TestMachine m = Run(a => a.@lock.btr(__qword_ptr[rbx], rcx), rcx: 0);
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
    }

    [Fact]
    public void LockWithRegisterDestinationIsInvalid()
    {
        // SDM: lock with a register destination (or with bt) raises #UD. Raw bytes: Iced's assembler refuses to emit them.
        var m = new TestMachine();
        m.LoadCode(new byte[] { 0xF0, 0x0F, 0xAB, 0xC8, 0xCC }); // lock bts eax, ecx
        m.Run();
        Assert.Equal(Vector.InvalidOpcode, m.Cpu.ExitVector);
    }

    [Fact]
    public void BsfOfZeroLeavesDestinationAndSetsZeroAndParity()
    {
        // SDM: "If the content of the source operand is 0, the content of the destination operand is
        // undefined"; the host keeps it whole (no 32-bit zero extension) and sets ZF and PF, clearing the rest.
        TestMachine m = Run(a => a.bsf(eax, ecx), rax: 0xDEAD_BEEF_1234_5678, rcx: 0xFFFF_FFFF_0000_0000, flags: Cf | Of | Sf | Af);
        Assert.Equal(0xDEAD_BEEF_1234_5678UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Zf | Pf, Flags(m));
    }

    [Fact]
    public void BsrFindsHighestSetBitAndSetsParityFromIndex()
    {
        TestMachine m = Run(a => a.bsr(eax, ecx), rax: ulong.MaxValue, rcx: 0x0000_0000_0010_0000, flags: AllFlags);
        Assert.Equal(20UL, m.Cpu.R(Reg.Rax)); // 32-bit destination written: zero-extended
        Assert.Equal(Pf, Flags(m)); // 20 = 0b10100: even parity; CF, OF, SF, AF cleared (host)
    }

    [Fact]
    public void TzcntAndLzcntOfZeroGiveTheWidthAndSetCarry()
    {
        // SDM: "If the source operand is zero, the destination is the operand size in bits and CF is set."
        TestMachine m = Run(a => a.tzcnt(ax, cx), rax: 0xFFFF_FFFF, rcx: 0);
        Assert.Equal(0xFFFF_0010UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Cf, Flags(m));
        m = Run(a => a.lzcnt(rax, rcx), rcx: 1, flags: AllFlags);
        Assert.Equal(63UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0UL, Flags(m)); // ZF only for a zero result; PF, AF, SF, OF cleared (host)
        m = Run(a => a.lzcnt(rax, rcx), rcx: 0x8000_0000_0000_0000);
        Assert.Equal(Zf, Flags(m));
    }

    [Fact]
    public void PopcntClearsAllFlagsButZero()
    {
        // SDM: "OF, SF, ZF, AF, CF, PF are all cleared. ZF is set if SRC = 0, otherwise ZF is cleared."
        Assert.Equal(0UL, Flags(Run(a => a.popcnt(rax, rcx), rcx: 0xFF, flags: AllFlags)));
        TestMachine m = Run(a => a.popcnt(eax, ecx), rax: ulong.MaxValue, rcx: 0, flags: AllFlags);
        Assert.Equal(Zf, Flags(m));
        Assert.Equal(0UL, m.Cpu.R(Reg.Rax));
    }

    [Fact]
    public void BextrTakesStartAndLengthFromControl()
    {
        // SDM: start = control[7:0], length = control[15:8]; bits past the operand read as 0.
        Assert.Equal(0x0876_5432UL, Run(a => a.bextr(eax, ecx, edx), rcx: 0xFFFF_FFFF_8765_4321, rdx: 0x2004).Cpu.R(Reg.Rax));
        Assert.Equal(1UL, Run(a => a.bextr(eax, ecx, edx), rcx: 0x8765_4321, rdx: 0x081F).Cpu.R(Reg.Rax));
        TestMachine m = Run(a => a.bextr(rax, rcx, rdx), rax: 5, rcx: ulong.MaxValue, rdx: 0x1050, flags: AllFlags);
        Assert.Equal(0UL, m.Cpu.R(Reg.Rax)); // start 80 ≥ 64
        Assert.Equal(Zf, Flags(m));
    }

    [Fact]
    public void LowestSetBitInstructionsSetCarryFromTheSource()
    {
        // SDM: blsi CF = (source != 0); blsmsk and blsr CF = (source == 0); blsmsk clears ZF.
        TestMachine m = Run(a => a.blsi(rax, rcx), rcx: 0b1011000);
        Assert.Equal(0b1000UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Cf, Flags(m));
        m = Run(a => a.blsmsk(eax, ecx), rcx: 0);
        Assert.Equal(0xFFFF_FFFFUL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Cf | Sf, Flags(m));
        m = Run(a => a.blsr(rax, rcx), rcx: 0b1000);
        Assert.Equal(0UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Zf, Flags(m));
    }

    [Fact]
    public void AndnComplementsTheFirstSource()
    {
        TestMachine m = Run(a => a.andn(rax, rcx, rdx), rcx: 0xFF00, rdx: 0xFFFF, flags: AllFlags);
        Assert.Equal(0xFFUL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0UL, Flags(m)); // CF, OF cleared; AF, PF undefined (host: cleared)
    }

    [Fact]
    public void EveryBitFormMatchesTheHost()
    {
        using var oracle = new GroupOracle();
        var forms = new List<OracleForm>();
        foreach (string kind in new[] { "bt", "bts", "btr", "btc" })
        {
            foreach (int size in new[] { 2, 4, 8 })
            {
                forms.Add(new OracleForm($"{kind} r{size * 8}, r", a => EmitBitTest(a, kind, size, "rr")));
                forms.Add(new OracleForm($"{kind} r{size * 8}, imm", a => EmitBitTest(a, kind, size, "ri")));
                forms.Add(new OracleForm($"{kind} m{size * 8}, r", a => EmitBitTest(a, kind, size, "mr"), KeepBitOffsetInScratch));
                forms.Add(new OracleForm($"{kind} m{size * 8}, imm", a => EmitBitTest(a, kind, size, "mi")));
                if (kind != "bt")
                {
                    forms.Add(new OracleForm($"lock {kind} m{size * 8}, r", a => EmitBitTest(a, kind, size, "lock"), KeepBitOffsetInScratch));
                }
            }
        }
        foreach (string kind in new[] { "bsf", "bsr", "tzcnt", "lzcnt", "popcnt" })
        {
            foreach (int size in new[] { 2, 4, 8 })
            {
                forms.Add(new OracleForm($"{kind} r{size * 8}, r", a => EmitScan(a, kind, size, memory: false), BiasSource));
                forms.Add(new OracleForm($"{kind} r{size * 8}, m", a => EmitScan(a, kind, size, memory: true), BiasSource));
            }
        }
        foreach (string kind in new[] { "andn", "bextr", "blsi", "blsmsk", "blsr" })
        {
            foreach (int size in new[] { 4, 8 })
            {
                GroupOracle.Prepare prepare = kind == "bextr" ? BiasBextrControl : BiasSource;
                forms.Add(new OracleForm($"{kind} r{size * 8}, r", a => EmitBmi(a, kind, size, memory: false), prepare));
                forms.Add(new OracleForm($"{kind} r{size * 8}, m", a => EmitBmi(a, kind, size, memory: true), prepare));
            }
        }
        oracle.CheckAll(forms, casesPerForm: 1200, seed: 3);
    }

    private const int BitBaseDisplacement = 0x80; // the middle of the 256-byte scratch block

    /// <summary>A register bit offset for a memory operand at [rdi+0x80] that keeps the access inside the scratch block; the bits above the operand size stay random.</summary>
    private static bool KeepBitOffsetInScratch(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        int size = instruction.MemorySize.GetSize();
        long lowest = -BitBaseDisplacement * 8;
        long highest = ((256 - BitBaseDisplacement - size) * 8) + (size * 8) - 1;
        long offset = lowest + (long)(random.Next64() % (ulong)(highest - lowest + 1));
        ulong mask = size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        state[Register.RSI] = (state[Register.RSI] & ~mask) | ((ulong)offset & mask);
        return true;
    }

    /// <summary>Makes the source operand (register or memory) 0, a single bit or a small value now and then.</summary>
    private static bool BiasSource(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        int choice = random.Next(6);
        if (choice >= 3)
        {
            return true;
        }
        ulong value = choice switch
        {
            0 => 0,
            1 => 1UL << random.Next(64),
            _ => random.Next64() & 0xFF,
        };
        if (instruction.Op1Kind == OpKind.Memory || instruction.Op2Kind == OpKind.Memory)
        {
            int at = (int)instruction.MemoryDisplacement64;
            BitConverter.TryWriteBytes(state.Memory.AsSpan(at, 8), value);
        }
        else
        {
            Register source = instruction.Mnemonic == Mnemonic.Andn ? instruction.Op2Register : instruction.Op1Register;
            state[source.GetFullRegister()] = value;
        }
        return true;
    }

    /// <summary>bextr control (in RDX here): start and length mostly within 0..70 so that extraction is exercised.</summary>
    private static bool BiasBextrControl(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        if (random.Next(4) != 0)
        {
            ulong start = (ulong)random.Next(71);
            ulong length = (ulong)random.Next(71);
            state[Register.RDX] = (state[Register.RDX] & ~0xFFFFUL) | (length << 8) | start;
        }
        return true;
    }

    private static void EmitBitTest(Assembler a, string kind, int size, string shape)
    {
        if (shape == "lock")
        {
            a = a.@lock;
            shape = "mr";
        }
        byte imm = (byte)(size * 9 + kind.Length); // exceeds the width for 16-bit: exercises the modulo
        Action<AssemblerRegister16, AssemblerRegister16> rr16 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerRegister32, AssemblerRegister32> rr32 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerRegister64, AssemblerRegister64> rr64 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerRegister16, byte> ri16 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerRegister32, byte> ri32 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerRegister64, byte> ri64 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerMemoryOperand, AssemblerRegister16> mr16 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerMemoryOperand, AssemblerRegister32> mr32 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerMemoryOperand, AssemblerRegister64> mr64 = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        Action<AssemblerMemoryOperand, byte> mi = kind switch { "bt" => a.bt, "bts" => a.bts, "btr" => a.btr, _ => a.btc };
        AssemblerMemoryOperand m = size switch
        {
            2 => __word_ptr[rdi + BitBaseDisplacement],
            4 => __dword_ptr[rdi + BitBaseDisplacement],
            _ => __qword_ptr[rdi + BitBaseDisplacement],
        };
        switch (shape, size)
        {
            case ("rr", 2): rr16(ax, si); break;
            case ("rr", 4): rr32(eax, esi); break;
            case ("rr", 8): rr64(rax, rsi); break;
            case ("ri", 2): ri16(ax, imm); break;
            case ("ri", 4): ri32(eax, imm); break;
            case ("ri", 8): ri64(rax, imm); break;
            case ("mr", 2): mr16(m, si); break;
            case ("mr", 4): mr32(m, esi); break;
            case ("mr", 8): mr64(m, rsi); break;
            default: mi(m, imm); break;
        }
    }

    private static void EmitScan(Assembler a, string kind, int size, bool memory)
    {
        Action<AssemblerRegister16, AssemblerRegister16> r16 = kind switch { "bsf" => a.bsf, "bsr" => a.bsr, "tzcnt" => a.tzcnt, "lzcnt" => a.lzcnt, _ => a.popcnt };
        Action<AssemblerRegister32, AssemblerRegister32> r32 = kind switch { "bsf" => a.bsf, "bsr" => a.bsr, "tzcnt" => a.tzcnt, "lzcnt" => a.lzcnt, _ => a.popcnt };
        Action<AssemblerRegister64, AssemblerRegister64> r64 = kind switch { "bsf" => a.bsf, "bsr" => a.bsr, "tzcnt" => a.tzcnt, "lzcnt" => a.lzcnt, _ => a.popcnt };
        Action<AssemblerRegister16, AssemblerMemoryOperand> m16 = kind switch { "bsf" => a.bsf, "bsr" => a.bsr, "tzcnt" => a.tzcnt, "lzcnt" => a.lzcnt, _ => a.popcnt };
        Action<AssemblerRegister32, AssemblerMemoryOperand> m32 = kind switch { "bsf" => a.bsf, "bsr" => a.bsr, "tzcnt" => a.tzcnt, "lzcnt" => a.lzcnt, _ => a.popcnt };
        Action<AssemblerRegister64, AssemblerMemoryOperand> m64 = kind switch { "bsf" => a.bsf, "bsr" => a.bsr, "tzcnt" => a.tzcnt, "lzcnt" => a.lzcnt, _ => a.popcnt };
        switch (size, memory)
        {
            case (2, false): r16(bx, cx); break;
            case (4, false): r32(ebx, ecx); break;
            case (8, false): r64(rbx, rcx); break;
            case (2, true): m16(bx, __word_ptr[rdi + 0x36]); break;
            case (4, true): m32(ebx, __dword_ptr[rdi + 0x36]); break;
            default: m64(rbx, __qword_ptr[rdi + 0x36]); break;
        }
    }

    private static void EmitBmi(Assembler a, string kind, int size, bool memory)
    {
        bool wide = size == 8;
        AssemblerMemoryOperand m = wide ? __qword_ptr[rdi + 0x58] : __dword_ptr[rdi + 0x58];
        switch (kind, wide, memory)
        {
            case ("andn", false, false): a.andn(ebx, edx, ecx); break;
            case ("andn", false, true): a.andn(ebx, edx, m); break;
            case ("andn", true, false): a.andn(rbx, rdx, rcx); break;
            case ("andn", true, true): a.andn(rbx, rdx, m); break;
            case ("bextr", false, false): a.bextr(ebx, ecx, edx); break;
            case ("bextr", false, true): a.bextr(ebx, m, edx); break;
            case ("bextr", true, false): a.bextr(rbx, rcx, rdx); break;
            case ("bextr", true, true): a.bextr(rbx, m, rdx); break;
            case ("blsi", false, false): a.blsi(ebx, ecx); break;
            case ("blsi", false, true): a.blsi(ebx, m); break;
            case ("blsi", true, false): a.blsi(rbx, rcx); break;
            case ("blsi", true, true): a.blsi(rbx, m); break;
            case ("blsmsk", false, false): a.blsmsk(ebx, ecx); break;
            case ("blsmsk", false, true): a.blsmsk(ebx, m); break;
            case ("blsmsk", true, false): a.blsmsk(rbx, rcx); break;
            case ("blsmsk", true, true): a.blsmsk(rbx, m); break;
            case ("blsr", false, false): a.blsr(ebx, ecx); break;
            case ("blsr", false, true): a.blsr(ebx, m); break;
            case ("blsr", true, false): a.blsr(rbx, rcx); break;
            default: a.blsr(rbx, m); break;
        }
    }
}
