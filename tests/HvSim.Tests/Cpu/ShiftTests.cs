using System.Text;
using HvSim.Core;
using HvSim.Cpu;
using HvSim.HostOracle;
using HvSim.Mmu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// shl/sal, shr, sar, rol, ror, rcl, rcr, shld, shrd: the SDM's rules as table tests, and every
/// form against the host CPU.
/// </summary>
public sealed class ShiftTests
{
    private const ulong Cf = FlagBits.CF, Pf = FlagBits.PF, Af = FlagBits.AF, Zf = FlagBits.ZF, Sf = FlagBits.SF, Of = FlagBits.OF;

    /// <summary>Runs one instruction on rax (and rdx, cl) from the given state; returns (rax, status flags).</summary>
    private static (ulong Rax, ulong Flags) Run(Action<Assembler> instruction, ulong rax, ulong rcx = 0, ulong rdx = 0, ulong flags = 0)
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
        Assert.Equal(ExitReason.Exception, m.Run());
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        return (m.Cpu.R(Reg.Rax), m.Cpu.Rflags & FlagBits.Status);
    }

    [Fact]
    public void CountIsMaskedToFiveBitsForNarrowOperands()
    {
        // SDM: "The count is masked to 5 bits (or 6 bits with a 64-bit operand)": 33 acts as 1.
        Assert.Equal(0x2UL, Run(a => a.shl(eax, cl), 1, rcx: 33).Rax);
        Assert.Equal(0x2UL, Run(a => a.shl(rax, cl), 1, rcx: 65).Rax);
        Assert.Equal(1UL << 33, Run(a => a.shl(rax, cl), 1, rcx: 33).Rax);
    }

    [Fact]
    public void ZeroCountLeavesFlagsButStillZeroExtends32BitDestination()
    {
        // SDM: "If the count is 0, the flags are not affected"; the host still writes (zero-extends) a 32-bit register.
        ulong all = Cf | Pf | Af | Zf | Sf | Of;
        (ulong value, ulong flags) = Run(a => a.shl(eax, cl), 0xFFFF_FFFF_8000_0001, rcx: 32, flags: all);
        Assert.Equal(0x8000_0001UL, value);
        Assert.Equal(all, flags);
        (value, flags) = Run(a => a.rcl(eax, cl), 0x1234_5678_0000_0001, rcx: 0, flags: Cf);
        Assert.Equal(1UL, value);
        Assert.Equal(Cf, flags);
    }

    [Fact]
    public void ShlSetsCarryFromLastBitOutAndClearsAdjust()
    {
        // SDM: CF = last bit shifted out; AF undefined (host: 0); OF for count 1 = MSB(result) xor CF.
        (ulong value, ulong flags) = Run(a => a.shl(al, 1), 0xC0, flags: Af);
        Assert.Equal(0x80UL, value);
        Assert.Equal(Cf | Sf, flags); // MSB(result)=1 xor CF=1 → OF=0
        (_, flags) = Run(a => a.shl(al, 1), 0x40);
        Assert.Equal(Sf | Of, flags);
    }

    [Fact]
    public void NarrowShlByMoreThanWidthShiftsEverythingOut()
    {
        // An 8-bit count of 9..31 survives the 5-bit mask: every bit is shifted out, CF = 0.
        (ulong value, ulong flags) = Run(a => a.shl(al, cl), 0xFF, rcx: 9);
        Assert.Equal(0UL, value);
        Assert.Equal(Zf | Pf, flags); // OF as if by 1: bit 7 xor bit 6 of 0xFF = 0
    }

    [Fact]
    public void OverflowForCountsAboveOneIsComputedAsIfByOne()
    {
        // SDM: "OF is undefined for counts > 1"; the host computes it from the original operand as for a count of 1.
        Assert.Equal(Of, Run(a => a.shl(al, 3), 0x40).Flags & Of);   // bit7=0 xor bit6=1
        Assert.Equal(Of, Run(a => a.shr(al, 3), 0x80).Flags & Of);   // shr: OF = MSB(original)
        Assert.Equal(0UL, Run(a => a.sar(al, 3), 0x80).Flags & Of);  // sar: OF = 0
        Assert.Equal(Of, Run(a => a.rol(al, cl), 0x40, rcx: 3).Flags & Of);   // rol: MSB(x) xor bit6(x)
        Assert.Equal(Of, Run(a => a.ror(al, cl), 0x01, rcx: 3).Flags & Of);   // ror: MSB(x) xor LSB(x)
        Assert.Equal(Of, Run(a => a.rcr(al, 3), 0x00, flags: Cf).Flags & Of); // rcr: MSB(x) xor CF
    }

    [Fact]
    public void RotatesChangeOnlyCarryAndOverflow()
    {
        // SDM: rotates affect only CF and OF; SF, ZF, AF and PF keep their values.
        (ulong value, ulong flags) = Run(a => a.rol(al, 1), 0x81, flags: Zf | Sf | Af | Pf);
        Assert.Equal(0x03UL, value);
        Assert.Equal(Zf | Sf | Af | Pf | Cf | Of, flags);
    }

    [Fact]
    public void RotateOfRegisterByImmediateLeavesOverflow()
    {
        // Host quirk: rol/ror reg, imm8 (masked count other than 1) write CF only; OF keeps its value.
        Assert.Equal(Of, Run(a => a.rol(eax, 3), 0x1, flags: Of).Flags & Of);
        Assert.Equal(0UL, Run(a => a.ror(rax, 5), 0x1, flags: 0).Flags & Of);
        // ...while the by-1 form computes it (MSB(x) xor bit 30 = 1); the C1-encoded imm8 1 is checked against the host below.
        Assert.Equal(Of, Run(a => a.rol(eax, 1), 0x4000_0000, flags: 0).Flags & Of);
    }

    [Fact]
    public void RotateByMultipleOfWidthStillSetsCarry()
    {
        // SDM: for 8/16-bit rol/ror the count is reduced modulo the width, but CF/OF are written when the masked count is non-zero.
        (ulong value, ulong flags) = Run(a => a.rol(al, cl), 0x01, rcx: 8);
        Assert.Equal(0x01UL, value);
        Assert.Equal(Cf, flags & Cf);
    }

    [Fact]
    public void RotateThroughCarryCountIsModulo9And17()
    {
        // SDM: rcl/rcr "tempCOUNT ← (COUNT AND 1FH) MOD 9" (8-bit) / "MOD 17" (16-bit); a zero tempCOUNT changes nothing.
        ulong all = Cf | Of | Zf;
        (ulong value, ulong flags) = Run(a => a.rcl(al, cl), 0x5A, rcx: 9, flags: all);
        Assert.Equal(0x5AUL, value);
        Assert.Equal(all, flags);
        (value, _) = Run(a => a.rcl(al, cl), 0x80, rcx: 10);
        Assert.Equal(0x00UL, value); // 10 mod 9 = 1: bit 7 goes to CF, CF-in (0) to bit 0
        (value, flags) = Run(a => a.rcr(ax, cl), 0x0001, rcx: 18, flags: Cf);
        Assert.Equal(0x8000UL, value); // 18 mod 17 = 1: CF-in to bit 15, bit 0 to CF
        Assert.Equal(Cf, flags & Cf);
    }

    [Fact]
    public void RotateThroughCarry64ByOneUsesCarryIn()
    {
        // SDM: rcl/rcr rotate the operand and CF together as one 65-bit quantity.
        (ulong value, ulong flags) = Run(a => a.rcr(rax, 1), 0x2, flags: Cf);
        Assert.Equal(0x8000_0000_0000_0001UL, value);
        Assert.Equal(0UL, flags & Cf);
        (value, flags) = Run(a => a.rcl(rax, 1), 0x8000_0000_0000_0000, flags: Cf);
        Assert.Equal(1UL, value);
        Assert.Equal(Cf, flags & Cf);
    }

    [Fact]
    public void SarFillsWithSignAndCarriesLastBitOut()
    {
        // SDM: sar fills with the sign bit; a 16-bit count up to 31 is not reduced further.
        (ulong value, ulong flags) = Run(a => a.sar(ax, cl), 0x8001, rcx: 31);
        Assert.Equal(0xFFFFUL, value & 0xFFFF);
        Assert.Equal(Cf | Sf | Pf, flags); // CF = last bit out = bit 30 of the sign-extended value: the sign
    }

    [Fact]
    public void ShldShrdTakeBitsFromTheSource()
    {
        // SDM: shld fills the vacated low bits from the source's high bits; shrd the high bits from the source's low bits.
        Assert.Equal((0x1234_5678_9ABC_DEF0UL << 8) | 0xAA, Run(a => a.shld(rax, rdx, 8), 0x1234_5678_9ABC_DEF0, rdx: 0xAA00_0000_0000_0000).Rax);
        Assert.Equal(0xBB12_3456_789A_BCDEUL, Run(a => a.shrd(rax, rdx, cl), 0x1234_5678_9ABC_DEF0, rcx: 8, rdx: 0xBB).Rax);
    }

    [Fact]
    public void Shld16WithCountAbove16ShiftsThroughDestSourceDest()
    {
        // SDM: "If the count is greater than the operand size, the result is undefined"; the host
        // shifts the 48-bit string dest:src:dest, so shld ax, dx, 21 gives its bits 11..26 and CF = bit 27.
        (ulong value, ulong flags) = Run(a => a.shld(ax, dx, cl), 0x1234, rcx: 21, rdx: 0xABCD);
        Assert.Equal(0x79A2UL, value & 0xFFFF);
        Assert.Equal(Cf, flags & Cf);
    }

    [Fact]
    public void ZeroCountShldLeavesFlags()
    {
        // SDM: "If the count operand is 0, the flags are not affected" (the 32-bit destination is still zero-extended).
        (ulong value, ulong flags) = Run(a => a.shld(eax, edx, cl), 0xFFFF_0000_0000_0001, rcx: 32, rdx: 0, flags: Of | Cf);
        Assert.Equal(1UL, value);
        Assert.Equal(Of | Cf, flags);
    }

    [Fact]
    public void MemoryShiftFaultsWithoutChangingAnything()
    {
        // A faulting instruction has no architectural effect; a shift of memory is checked as a write.
        var m = new TestMachine();
        m.MapRange(0x70_0000, 1, Pte.US); // read-only
        m.Load(a =>
        {
            a.mov(rbx, 0x70_0000);
            a.shl(__dword_ptr[rbx], 1);
            a.int3();
        });
        m.Cpu.Rflags = Cf | Zf;
        Assert.Equal(ExitReason.Exception, m.Run());
        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.True((m.Cpu.ExitFault.ErrorCode & PageFaultErrorCode.Write) != 0, "a shift of memory is a write access");
        Assert.Equal(Cf | Zf, m.Cpu.Rflags & FlagBits.Status);
    }

    [Fact]
    public void EveryShiftFormMatchesTheHost()
    {
        using var oracle = new GroupOracle();
        var forms = new List<OracleForm>();
        string[] kinds = { "rol", "ror", "rcl", "rcr", "shl", "sal", "shr", "sar" };
        foreach (string kind in kinds)
        {
            foreach (int size in new[] { 1, 2, 4, 8 })
            {
                foreach (bool memory in new[] { false, true })
                {
                    string operand = $"{(memory ? "m" : "r")}{size * 8}";
                    forms.Add(new OracleForm($"{kind} {operand}, 1", a => EmitShift(a, kind, size, "1", 0, memory)));
                    forms.Add(new OracleForm($"{kind} {operand}, cl", a => EmitShift(a, kind, size, "cl", 0, memory)));
                    foreach (byte count in ImmediateCounts(size))
                    {
                        forms.Add(new OracleForm($"{kind} {operand}, {count}", a => EmitShift(a, kind, size, "imm", count, memory), Cases: 250));
                    }
                }
            }
        }
        // The imm8 encoding (C0/C1) with a count of 1, which Iced's assembler would encode as D0/D1.
        forms.Add(new OracleForm("rol al, imm8 1", a => a.db(0xC0, 0xC0, 0x01)));
        forms.Add(new OracleForm("ror eax, imm8 1", a => a.db(0xC1, 0xC8, 0x01)));
        forms.Add(new OracleForm("rol rax, imm8 65", a => a.db(0x48, 0xC1, 0xC0, 0x41)));
        foreach (string kind in new[] { "shld", "shrd" })
        {
            foreach (int size in new[] { 2, 4, 8 })
            {
                foreach (bool memory in new[] { false, true })
                {
                    string operand = $"{(memory ? "m" : "r")}{size * 8}";
                    forms.Add(new OracleForm($"{kind} {operand}, cl", a => EmitDouble(a, kind, size, 0, byCl: true, memory)));
                    foreach (byte count in DoubleImmediateCounts(size))
                    {
                        forms.Add(new OracleForm($"{kind} {operand}, {count}", a => EmitDouble(a, kind, size, count, byCl: false, memory), Cases: 250));
                    }
                }
            }
        }
        oracle.CheckAll(forms, casesPerForm: 1000, seed: 1);
    }

    /// <summary>Immediate counts worth checking: 0, small, width-1, width, width+1 (rcl/rcr modulo 9 and 17), and ones the mask folds.</summary>
    private static byte[] ImmediateCounts(int size) => size switch
    {
        1 => new byte[] { 0, 2, 7, 8, 9, 17, 31, 33 },
        2 => new byte[] { 0, 3, 15, 16, 17, 31, 33 },
        4 => new byte[] { 0, 5, 31, 33 },
        _ => new byte[] { 0, 6, 33, 63, 65 },
    };

    private static byte[] DoubleImmediateCounts(int size) => size switch
    {
        2 => new byte[] { 0, 1, 15, 16, 17, 31 },
        4 => new byte[] { 0, 1, 13, 31 },
        _ => new byte[] { 0, 1, 47, 63 },
    };

    private static void EmitShift(Assembler a, string kind, int size, string count, byte imm, bool memory)
    {
        switch (size, memory)
        {
            case (1, false): Shift8(a, kind, count, imm, al); break;
            case (2, false): Shift16(a, kind, count, imm, ax); break;
            case (4, false): Shift32(a, kind, count, imm, eax); break;
            case (8, false): Shift64(a, kind, count, imm, rax); break;
            default: ShiftMemory(a, kind, size, count, imm); break;
        }
    }

    private static void Shift8(Assembler a, string kind, string count, byte imm, AssemblerRegister8 r)
    {
        Action<AssemblerRegister8, byte> byImm = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        Action<AssemblerRegister8, AssemblerRegister8> byCl = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        if (count == "cl") { byCl(r, cl); } else { byImm(r, count == "1" ? (byte)1 : imm); }
    }

    private static void Shift16(Assembler a, string kind, string count, byte imm, AssemblerRegister16 r)
    {
        Action<AssemblerRegister16, byte> byImm = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        Action<AssemblerRegister16, AssemblerRegister8> byCl = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        if (count == "cl") { byCl(r, cl); } else { byImm(r, count == "1" ? (byte)1 : imm); }
    }

    private static void Shift32(Assembler a, string kind, string count, byte imm, AssemblerRegister32 r)
    {
        Action<AssemblerRegister32, byte> byImm = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        Action<AssemblerRegister32, AssemblerRegister8> byCl = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        if (count == "cl") { byCl(r, cl); } else { byImm(r, count == "1" ? (byte)1 : imm); }
    }

    private static void Shift64(Assembler a, string kind, string count, byte imm, AssemblerRegister64 r)
    {
        Action<AssemblerRegister64, byte> byImm = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        Action<AssemblerRegister64, AssemblerRegister8> byCl = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        if (count == "cl") { byCl(r, cl); } else { byImm(r, count == "1" ? (byte)1 : imm); }
    }

    private static void ShiftMemory(Assembler a, string kind, int size, string count, byte imm)
    {
        AssemblerMemoryOperand m = size switch
        {
            1 => __byte_ptr[rdi + 0x13],
            2 => __word_ptr[rdi + 0x25],
            4 => __dword_ptr[rdi + 0x40],
            _ => __qword_ptr[rdi + 0x7B],
        };
        Action<AssemblerMemoryOperand, byte> byImm = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        Action<AssemblerMemoryOperand, AssemblerRegister8> byCl = kind switch
        {
            "rol" => a.rol, "ror" => a.ror, "rcl" => a.rcl, "rcr" => a.rcr, "shl" => a.shl, "sal" => a.sal, "shr" => a.shr, _ => a.sar,
        };
        if (count == "cl") { byCl(m, cl); } else { byImm(m, count == "1" ? (byte)1 : imm); }
    }

    private static void EmitDouble(Assembler a, string kind, int size, byte imm, bool byCl, bool memory)
    {
        bool left = kind == "shld";
        switch (size, memory, byCl)
        {
            case (2, false, true): if (left) { a.shld(ax, dx, cl); } else { a.shrd(ax, dx, cl); } break;
            case (2, false, false): if (left) { a.shld(ax, dx, imm); } else { a.shrd(ax, dx, imm); } break;
            case (4, false, true): if (left) { a.shld(eax, edx, cl); } else { a.shrd(eax, edx, cl); } break;
            case (4, false, false): if (left) { a.shld(eax, edx, imm); } else { a.shrd(eax, edx, imm); } break;
            case (8, false, true): if (left) { a.shld(rax, rdx, cl); } else { a.shrd(rax, rdx, cl); } break;
            case (8, false, false): if (left) { a.shld(rax, rdx, imm); } else { a.shrd(rax, rdx, imm); } break;
            case (2, true, true): if (left) { a.shld(__word_ptr[rdi + 0x31], dx, cl); } else { a.shrd(__word_ptr[rdi + 0x31], dx, cl); } break;
            case (2, true, false): if (left) { a.shld(__word_ptr[rdi + 0x31], dx, imm); } else { a.shrd(__word_ptr[rdi + 0x31], dx, imm); } break;
            case (4, true, true): if (left) { a.shld(__dword_ptr[rdi + 0x52], edx, cl); } else { a.shrd(__dword_ptr[rdi + 0x52], edx, cl); } break;
            case (4, true, false): if (left) { a.shld(__dword_ptr[rdi + 0x52], edx, imm); } else { a.shrd(__dword_ptr[rdi + 0x52], edx, imm); } break;
            case (8, true, true): if (left) { a.shld(__qword_ptr[rdi + 0x88], rdx, cl); } else { a.shrd(__qword_ptr[rdi + 0x88], rdx, cl); } break;
            default: if (left) { a.shld(__qword_ptr[rdi + 0x88], rdx, imm); } else { a.shrd(__qword_ptr[rdi + 0x88], rdx, imm); } break;
        }
    }
}

/// <summary>
/// Differential runner shared by the shift, mul/div, bit and atomic tests: runs instruction bytes
/// on the host CPU (<see cref="NativeExecutor"/>) and in the interpreter from the same random
/// state, with the 256-byte scratch block at <see cref="TestMachine.DataBase"/> addressed through
/// RDI, and reports every difference. (A general bridge is being written under Cpu/Oracle; this
/// one is kept small and local to these groups.)
/// </summary>
internal sealed class GroupOracle : IDisposable
{
    public const int MaxFailuresReported = 5;

    /// <summary>Where the forms' code pages go (clear of the test machine's code, data and stack).</summary>
    private const ulong CodeArea = 0x1000_0000;

    private readonly NativeExecutor _native = new();

    /// <summary>
    /// Changes a random state before it runs (e.g. narrows a bit offset, avoids #DE); return false
    /// to skip the case. <paramref name="instruction"/> is the form's first instruction.
    /// </summary>
    public delegate bool Prepare(TestRandom random, MachineSnapshot state, in Instruction instruction);

    public void Dispose() => _native.Dispose();

    /// <summary>Checks every form on <paramref name="casesPerForm"/> random states; fails listing the first differences.</summary>
    public void CheckAll(IEnumerable<OracleForm> forms, int casesPerForm, int seed)
    {
        var report = new StringBuilder();
        var machine = new TestMachine();
        ulong dataPhysical = PteFormat.Address(machine.Tables.ReadLeaf(machine.Cr3, TestMachine.DataBase));
        int failures = 0;
        int formIndex = 0;
        foreach (OracleForm form in forms)
        {
            // Each form gets a code page of its own in one machine (a machine per form costs more than its cases).
            ulong codeAddress = CodeArea + ((ulong)formIndex * 4096);
            machine.MapRange(codeAddress, 1, Pte.US);
            var random = new TestRandom((ulong)((seed * 7919) + formIndex++));
            int cases = form.Cases > 0 ? form.Cases : casesPerForm;
            failures += Check(machine, dataPhysical, codeAddress, form, cases, random, report);
        }
        Assert.True(failures == 0, $"{failures} cases differ from the host:\n{report}");
    }

    private int Check(TestMachine machine, ulong dataPhysical, ulong codeAddress, OracleForm form, int cases, TestRandom random, StringBuilder report)
    {
        byte[] code = CodeEncoder.Encode(form.Emit);
        var withBreak = new byte[code.Length + 1];
        code.CopyTo(withBreak, 0);
        withBreak[^1] = 0xCC; // int3 ends the run
        machine.WritePhysical(codeAddress, withBreak);
        // Register-only forms run without scratch memory: copying it would only cost time. XMM
        // registers stay zero on both sides (none of these groups touches them).
        Instruction first = Iced.Intel.Decoder.Create(64, code).Decode();
        ulong ignored = HostVendor.MatchesSimulated ? 0 : UndefinedFlags(code);
        int memorySize = UsesMemory(code) ? MachineSnapshot.DefaultMemorySize : 0;
        var input = new MachineSnapshot(memorySize);
        var expected = new MachineSnapshot(memorySize);
        var actual = new MachineSnapshot(memorySize);
        int failures = 0;
        for (int i = 0; i < cases; i++)
        {
            FillRandom(random, input);
            if (form.Prepare is not null && !form.Prepare(random, input, first))
            {
                continue;
            }
            if (!HostVendor.MatchesSimulated && ResultUndefined(first, input))
            {
                continue;
            }
            _native.Run(code, input, expected, Register.RDI);
            string? problem = RunInterpreter(machine, dataPhysical, codeAddress, input, actual);
            problem ??= SameState(expected, actual, ignored) ? null : expected.Describe(actual);
            if (problem is not null && failures++ < MaxFailuresReported)
            {
                report.AppendLine($"{form.Name}: input {Format(input)}\n    {problem}");
            }
        }
        return failures;
    }

    private static bool UsesMemory(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, code);
        while (decoder.IP < (ulong)code.Length)
        {
            Instruction instruction = decoder.Decode();
            for (int n = 0; n < instruction.OpCount; n++)
            {
                if (instruction.GetOpKind(n) == OpKind.Memory)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>MachineSnapshot.Equals without the XMM registers (zero on both sides here), which it compares slowly.</summary>
    /// <summary>
    /// The RFLAGS bits the SDM leaves undefined after any of the form's instructions (Iced's
    /// RflagsUndefined). The interpreter reproduces the undefined flags of the vendor it reports
    /// (CpuIdentity: GenuineIntel, as measured on an Intel host); another vendor's CPU sets them
    /// its own way, so on such a host the oracle compares only what the architecture defines.
    /// </summary>
    private static ulong UndefinedFlags(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, code);
        ulong mask = 0;
        while (decoder.IP < (ulong)code.Length)
        {
            Instruction instruction = decoder.Decode();
            RflagsBits undefined = instruction.RflagsUndefined;
            // OF of a shift or rotate is defined for a count of 1 only (SDM); Iced marks it modified.
            if (IsShiftOrRotate(instruction.Mnemonic) && !(instruction.OpCount == 2 && instruction.GetOpKind(1) == OpKind.Immediate8 && instruction.Immediate8 == 1))
            {
                undefined |= RflagsBits.OF;
            }
            mask |= (undefined.HasFlag(RflagsBits.CF) ? FlagBits.CF : 0) | (undefined.HasFlag(RflagsBits.PF) ? FlagBits.PF : 0)
                | (undefined.HasFlag(RflagsBits.AF) ? FlagBits.AF : 0) | (undefined.HasFlag(RflagsBits.ZF) ? FlagBits.ZF : 0)
                | (undefined.HasFlag(RflagsBits.SF) ? FlagBits.SF : 0) | (undefined.HasFlag(RflagsBits.OF) ? FlagBits.OF : 0);
        }
        return mask;
    }

    private static bool IsShiftOrRotate(Mnemonic m) => m is Mnemonic.Rcl or Mnemonic.Rcr or Mnemonic.Rol or Mnemonic.Ror
        or Mnemonic.Shl or Mnemonic.Sal or Mnemonic.Shr or Mnemonic.Sar or Mnemonic.Shld or Mnemonic.Shrd;

    /// <summary>
    /// SDM: a 16-bit shld/shrd whose count (mod 32) exceeds 16 leaves the destination and the flags
    /// undefined — a foreign vendor's host is no oracle for it.
    /// </summary>
    private static bool ResultUndefined(in Instruction instruction, MachineSnapshot input)
    {
        if (instruction.Mnemonic is not (Mnemonic.Shld or Mnemonic.Shrd))
        {
            return false;
        }
        bool sixteen = instruction.Op0Kind == OpKind.Memory ? instruction.MemorySize == MemorySize.UInt16 : instruction.Op0Register.IsGPR16();
        if (!sixteen)
        {
            return false;
        }
        ulong count = instruction.Op2Kind == OpKind.Register ? input[Register.RCX] : instruction.Immediate8;
        return (count & 31) > 16;
    }

    private static bool SameState(MachineSnapshot expected, MachineSnapshot actual, ulong ignoredFlags)
    {
        return ((expected.Rflags ^ actual.Rflags) & Rflags.Settable & ~ignoredFlags) == 0
            && expected.Gpr.AsSpan().SequenceEqual(actual.Gpr)
            && expected.Memory.AsSpan().SequenceEqual(actual.Memory);
    }

    /// <summary>Random GPRs (one in eight an edge value such as 0, -1 or a lone sign bit), flags and scratch memory.</summary>
    private static void FillRandom(TestRandom random, MachineSnapshot state)
    {
        for (int r = 0; r < 16; r++)
        {
            state.Gpr[r] = random.Next(8) == 0 ? s_edges[random.Next(s_edges.Length)] : random.Next64();
        }
        state[Register.RDI] = TestMachine.DataBase;
        state.Rflags = random.Next64() & Rflags.Settable;
        random.Fill(state.Memory);
    }

    private static readonly ulong[] s_edges =
    {
        0, 1, 2, ulong.MaxValue, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_0000_0000, 0x1_0000_0000, 0x10, 0x3F, 0x40,
    };

    private static string? RunInterpreter(TestMachine machine, ulong dataPhysical, ulong codeAddress, MachineSnapshot input, MachineSnapshot output)
    {
        HvSim.Cpu.Cpu cpu = machine.Cpu;
        for (int r = 0; r < 16; r++)
        {
            cpu.R(r) = input.Gpr[r];
        }
        cpu.R(Reg.Rsp) = TestMachine.StackTop;
        cpu.Rflags = input.Rflags;
        if (input.Memory.Length != 0)
        {
            machine.Memory.Write(new GuestPhysical(dataPhysical), input.Memory);
        }
        cpu.Rip = codeAddress;
        ExitReason exit = cpu.Run(100);
        if (exit != ExitReason.Exception || cpu.ExitVector != Vector.Breakpoint)
        {
            return $"interpreter stopped with {exit} {cpu.ExitVector} at 0x{cpu.Rip:X}";
        }
        for (int r = 0; r < 16; r++)
        {
            output.Gpr[r] = cpu.R(r);
        }
        output.Gpr[Reg.Rsp] = input.Gpr[Reg.Rsp]; // not part of the state under test
        output.Rflags = cpu.Rflags;
        if (output.Memory.Length != 0)
        {
            machine.Memory.Read(new GuestPhysical(dataPhysical), output.Memory);
        }
        return null;
    }

    private static string Format(MachineSnapshot s) =>
        $"rax={s.Gpr[0]:X} rcx={s.Gpr[1]:X} rdx={s.Gpr[2]:X} rbx={s.Gpr[3]:X} rsi={s.Gpr[6]:X} flags=[{Rflags.Format(s.Rflags)}]";
}

/// <summary>One instruction form for <see cref="GroupOracle.CheckAll"/>: its name, its code, and how to shape its inputs.</summary>
/// <remarks><paramref name="Cases"/> overrides the per-form case count when positive (fixed-count forms need fewer).</remarks>
internal readonly record struct OracleForm(string Name, Action<Assembler> Emit, GroupOracle.Prepare? Prepare = null, int Cases = 0);

/// <summary>
/// SplitMix64: a seeded, fast generator for the differential tests (a seeded System.Random is
/// several times slower, which matters at hundreds of thousands of cases).
/// </summary>
internal sealed class TestRandom
{
    private ulong _state;

    public TestRandom(ulong seed) => _state = seed;

    public ulong Next64()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, max) (max is small here, so the modulo bias is negligible).</summary>
    public int Next(int max) => (int)(Next64() % (ulong)max);

    public void Fill(Span<byte> bytes)
    {
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[i..], Next64());
        }
        for (; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Next64();
        }
    }
}
