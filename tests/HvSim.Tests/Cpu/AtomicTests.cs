using HvSim.Cpu;
using HvSim.HostOracle;
using HvSim.Mmu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>cmpxchg, xadd, cmpxchg8b, cmpxchg16b: the SDM's rules as table tests, and every form against the host CPU.</summary>
public sealed class AtomicTests
{
    private const ulong Cf = FlagBits.CF, Zf = FlagBits.ZF, Sf = FlagBits.SF, Of = FlagBits.OF;
    private const ulong ReadOnlyPage = 0x70_0000;

    private static TestMachine Load(Action<Assembler> instruction)
    {
        var m = new TestMachine();
        m.MapRange(ReadOnlyPage, 1, Pte.US);
        m.Load(a =>
        {
            instruction(a);
            a.int3();
        });
        m.Cpu.R(Reg.Rbx) = TestMachine.DataBase;
        return m;
    }

    private static void WriteData(TestMachine m, int offset, ulong value) =>
        m.WritePhysical(TestMachine.DataBase + (ulong)offset, BitConverter.GetBytes(value));

    private static ulong ReadData(TestMachine m, int offset) =>
        BitConverter.ToUInt64(m.ReadPhysical(TestMachine.DataBase + (ulong)offset, 8));

    [Fact]
    public void CmpxchgSuccessWritesDestinationAndKeepsAccumulator()
    {
        // SDM: "IF accumulator = DEST THEN ZF ← 1; DEST ← SRC". The accumulator is not written, so a
        // 32-bit compare leaves RAX's upper half alone.
        TestMachine m = Load(a => a.cmpxchg(ecx, edx));
        m.Cpu.R(Reg.Rax) = 0x1234_5678_0000_0007;
        m.Cpu.R(Reg.Rcx) = 0xAAAA_AAAA_0000_0007;
        m.Cpu.R(Reg.Rdx) = 0xBBBB_BBBB_0000_0009;
        m.Run();
        Assert.Equal(0x1234_5678_0000_0007UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(9UL, m.Cpu.R(Reg.Rcx)); // written: zero-extended
        Assert.Equal(Zf, m.Cpu.Rflags & Zf);
    }

    [Fact]
    public void CmpxchgFailureLoadsAccumulatorAndLeavesRegisterDestination()
    {
        // SDM: "ELSE ZF ← 0; accumulator ← DEST"; flags as cmp accumulator, DEST. The host does not
        // write a register destination back (its upper half survives); EAX is zero-extended.
        TestMachine m = Load(a => a.cmpxchg(ecx, edx));
        m.Cpu.R(Reg.Rax) = 0x1234_5678_0000_0001;
        m.Cpu.R(Reg.Rcx) = 0xAAAA_AAAA_0000_0002;
        m.Run();
        Assert.Equal(2UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0xAAAA_AAAA_0000_0002UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Cf | Sf, m.Cpu.Rflags & (Cf | Sf | Zf | Of)); // 1 - 2 borrows and is negative
    }

    [Fact]
    public void CmpxchgToReadOnlyMemoryFaultsAsWriteEvenWhenTheCompareWouldFail()
    {
        // SDM: "The destination operand is written back if the comparison fails" — always a write access.
        TestMachine m = Load(a => a.@lock.cmpxchg(__qword_ptr[rsi], rcx));
        m.Cpu.R(Reg.Rsi) = ReadOnlyPage;
        m.Cpu.R(Reg.Rax) = 0x5555; // memory holds 0: the compare would fail
        m.Cpu.Rflags = Cf;
        m.Run();
        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.True((m.Cpu.ExitFault.ErrorCode & PageFaultErrorCode.Write) != 0);
        Assert.Equal(0x5555UL, m.Cpu.R(Reg.Rax)); // the accumulator was not loaded
        Assert.Equal(Cf, m.Cpu.Rflags & FlagBits.Status);
    }

    [Fact]
    public void XaddExchangesThenAdds()
    {
        // SDM: "TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP"; flags as add.
        TestMachine m = Load(a => a.xadd(__dword_ptr[rbx], ecx));
        WriteData(m, 0, 0xFFFF_FFFF);
        m.Cpu.R(Reg.Rcx) = 0xDEAD_0000_0000_0001;
        m.Run();
        Assert.Equal(0UL, ReadData(m, 0) & 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFFUL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Cf | Zf, m.Cpu.Rflags & (Cf | Zf));
    }

    [Fact]
    public void XaddOfOneRegisterLeavesTheSum()
    {
        TestMachine m = Load(a => a.xadd(rcx, rcx));
        m.Cpu.R(Reg.Rcx) = 21;
        m.Run();
        Assert.Equal(42UL, m.Cpu.R(Reg.Rcx)); // DEST ← TEMP is the last write
    }

    [Fact]
    public void Cmpxchg8bComparesEdxEax()
    {
        // SDM: "IF (EDX:EAX = TEMP64) THEN ZF ← 1; DEST ← ECX:EBX ELSE ZF ← 0; EDX:EAX ← TEMP64"; only ZF changes.
        TestMachine m = Load(a => a.cmpxchg8b(__qword_ptr[rsi]));
        m.Cpu.R(Reg.Rsi) = TestMachine.DataBase + 0x10;
        WriteData(m, 0x10, 0x1111_1111_2222_2222);
        m.Cpu.R(Reg.Rdx) = 0xFFFF_FFFF_1111_1111;
        m.Cpu.R(Reg.Rax) = 0xFFFF_FFFF_2222_2222;
        m.Cpu.R(Reg.Rcx) = 0x3333_3333;
        m.Cpu.R(Reg.Rbx) = 0x4444_4444;
        m.Cpu.Rflags = Cf;
        m.Run();
        Assert.Equal(0x3333_3333_4444_4444UL, ReadData(m, 0x10));
        Assert.Equal(Cf | Zf, m.Cpu.Rflags & FlagBits.Status);
        Assert.Equal(0xFFFF_FFFF_2222_2222UL, m.Cpu.R(Reg.Rax)); // untouched on success
    }

    [Fact]
    public void Cmpxchg8bFailureLoadsEdxEaxZeroExtended()
    {
        TestMachine m = Load(a => a.cmpxchg8b(__qword_ptr[rbx]));
        WriteData(m, 0, 0x1111_1111_2222_2222);
        m.Cpu.R(Reg.Rdx) = ulong.MaxValue;
        m.Cpu.R(Reg.Rax) = ulong.MaxValue;
        m.Cpu.Rflags = Zf;
        m.Run();
        Assert.Equal(0x2222_2222UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0x1111_1111UL, m.Cpu.R(Reg.Rdx));
        Assert.Equal(0UL, m.Cpu.Rflags & Zf);
    }

    [Fact]
    public void Cmpxchg16bNeedsSixteenByteAlignment()
    {
        // SDM: "#GP(0) If the memory operand for CMPXCHG16B is not aligned on a 16-byte boundary."
        TestMachine m = Load(a => a.cmpxchg16b(__xmmword_ptr[rbx + 8]));
        m.Run();
        Assert.Equal(Vector.GeneralProtection, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
    }

    [Fact]
    public void Cmpxchg16bSwapsOnMatch()
    {
        TestMachine m = Load(a => a.cmpxchg16b(__xmmword_ptr[rbx + 0x20]));
        WriteData(m, 0x20, 5);
        WriteData(m, 0x28, 6);
        m.Cpu.R(Reg.Rax) = 5;
        m.Cpu.R(Reg.Rdx) = 6;
        m.Cpu.R(Reg.Rbx) = TestMachine.DataBase; // also the new low half: the base is read before
        m.Cpu.R(Reg.Rcx) = 8;
        m.Run();
        Assert.Equal(TestMachine.DataBase, ReadData(m, 0x20));
        Assert.Equal(8UL, ReadData(m, 0x28));
        Assert.Equal(Zf, m.Cpu.Rflags & Zf);
    }

    [Fact]
    public void LockWithRegisterDestinationIsInvalid()
    {
        var m = new TestMachine();
        m.LoadCode(new byte[] { 0xF0, 0x0F, 0xB1, 0xC8, 0xCC }); // lock cmpxchg eax, ecx
        m.Run();
        Assert.Equal(Vector.InvalidOpcode, m.Cpu.ExitVector);
    }

    [Fact]
    public void EveryAtomicFormMatchesTheHost()
    {
        using var oracle = new GroupOracle();
        var forms = new List<OracleForm>();
        foreach (string kind in new[] { "cmpxchg", "xadd" })
        {
            foreach (int size in new[] { 1, 2, 4, 8 })
            {
                forms.Add(new OracleForm($"{kind} r{size * 8}, r", a => EmitExchange(a, kind, size, "rr"), MakeAccumulatorMatch));
                forms.Add(new OracleForm($"{kind} m{size * 8}, r", a => EmitExchange(a, kind, size, "mr"), MakeAccumulatorMatch));
                forms.Add(new OracleForm($"lock {kind} m{size * 8}, r", a => EmitExchange(a, kind, size, "lock"), MakeAccumulatorMatch));
                forms.Add(new OracleForm($"{kind} r{size * 8}, acc", a => EmitExchange(a, kind, size, "racc"), MakeAccumulatorMatch));
                forms.Add(new OracleForm($"{kind} acc{size * 8}, r", a => EmitExchange(a, kind, size, "accr"), MakeAccumulatorMatch));
            }
            forms.Add(new OracleForm($"{kind} bh, dl", a => { if (kind == "xadd") { a.xadd(bh, dl); } else { a.cmpxchg(bh, dl); } }, MakeAccumulatorMatch));
            forms.Add(new OracleForm($"{kind} cl, ah", a => { if (kind == "xadd") { a.xadd(cl, ah); } else { a.cmpxchg(cl, ah); } }, MakeAccumulatorMatch));
            forms.Add(new OracleForm($"{kind} rcx, rcx", a => { if (kind == "xadd") { a.xadd(rcx, rcx); } else { a.cmpxchg(rcx, rcx); } }, MakeAccumulatorMatch));
        }
        forms.Add(new OracleForm("cmpxchg8b m64", a => a.cmpxchg8b(__qword_ptr[rdi + 0x63]), MakeWideMatch));
        forms.Add(new OracleForm("lock cmpxchg8b m64", a => a.@lock.cmpxchg8b(__qword_ptr[rdi + 0x18]), MakeWideMatch));
        forms.Add(new OracleForm("cmpxchg16b m128", a => a.cmpxchg16b(__xmmword_ptr[rdi + 0x40]), MakeWideMatch));
        forms.Add(new OracleForm("lock cmpxchg16b m128", a => a.@lock.cmpxchg16b(__xmmword_ptr[rdi + 0xB0]), MakeWideMatch));
        oracle.CheckAll(forms, casesPerForm: 1500, seed: 4);
    }

    /// <summary>Half the time the accumulator equals the destination, so that both outcomes are exercised.</summary>
    private static bool MakeAccumulatorMatch(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        if (instruction.Mnemonic != Mnemonic.Cmpxchg || random.Next(2) == 0)
        {
            return true;
        }
        int size = instruction.Op0Kind == OpKind.Memory ? instruction.MemorySize.GetSize() : instruction.Op0Register.GetSize();
        ulong destination = instruction.Op0Kind == OpKind.Memory
            ? BitConverter.ToUInt64(state.Memory, (int)instruction.MemoryDisplacement64)
            : state.ReadRegister(instruction.Op0Register);
        ulong mask = size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        state[Register.RAX] = (state[Register.RAX] & ~mask) | (destination & mask);
        return true;
    }

    /// <summary>Half the time EDX:EAX (RDX:RAX) equals the memory operand; the upper halves stay random.</summary>
    private static bool MakeWideMatch(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        if (random.Next(2) == 0)
        {
            return true;
        }
        int at = (int)instruction.MemoryDisplacement64;
        if (instruction.Mnemonic == Mnemonic.Cmpxchg8b)
        {
            state[Register.RAX] = (state[Register.RAX] & ~0xFFFF_FFFFUL) | BitConverter.ToUInt32(state.Memory, at);
            state[Register.RDX] = (state[Register.RDX] & ~0xFFFF_FFFFUL) | BitConverter.ToUInt32(state.Memory, at + 4);
        }
        else
        {
            state[Register.RAX] = BitConverter.ToUInt64(state.Memory, at);
            state[Register.RDX] = BitConverter.ToUInt64(state.Memory, at + 8);
        }
        return true;
    }

    private static void EmitExchange(Assembler a, string kind, int size, string shape)
    {
        if (shape == "lock")
        {
            a = a.@lock;
            shape = "mr";
        }
        bool x = kind == "xadd";
        switch (shape, size)
        {
            case ("rr", 1): if (x) { a.xadd(bl, dl); } else { a.cmpxchg(bl, dl); } break;
            case ("rr", 2): if (x) { a.xadd(bx, dx); } else { a.cmpxchg(bx, dx); } break;
            case ("rr", 4): if (x) { a.xadd(ebx, edx); } else { a.cmpxchg(ebx, edx); } break;
            case ("rr", 8): if (x) { a.xadd(rbx, rdx); } else { a.cmpxchg(rbx, rdx); } break;
            case ("mr", 1): if (x) { a.xadd(__byte_ptr[rdi + 0x11], dl); } else { a.cmpxchg(__byte_ptr[rdi + 0x11], dl); } break;
            case ("mr", 2): if (x) { a.xadd(__word_ptr[rdi + 0x23], dx); } else { a.cmpxchg(__word_ptr[rdi + 0x23], dx); } break;
            case ("mr", 4): if (x) { a.xadd(__dword_ptr[rdi + 0x3D], edx); } else { a.cmpxchg(__dword_ptr[rdi + 0x3D], edx); } break;
            case ("mr", 8): if (x) { a.xadd(__qword_ptr[rdi + 0x70], rdx); } else { a.cmpxchg(__qword_ptr[rdi + 0x70], rdx); } break;
            case ("racc", 1): if (x) { a.xadd(bl, al); } else { a.cmpxchg(bl, al); } break;
            case ("racc", 2): if (x) { a.xadd(bx, ax); } else { a.cmpxchg(bx, ax); } break;
            case ("racc", 4): if (x) { a.xadd(ebx, eax); } else { a.cmpxchg(ebx, eax); } break;
            case ("racc", 8): if (x) { a.xadd(rbx, rax); } else { a.cmpxchg(rbx, rax); } break;
            case ("accr", 1): if (x) { a.xadd(al, dl); } else { a.cmpxchg(al, dl); } break;
            case ("accr", 2): if (x) { a.xadd(ax, dx); } else { a.cmpxchg(ax, dx); } break;
            case ("accr", 4): if (x) { a.xadd(eax, edx); } else { a.cmpxchg(eax, edx); } break;
            default: if (x) { a.xadd(rax, rdx); } else { a.cmpxchg(rax, rdx); } break;
        }
    }
}
