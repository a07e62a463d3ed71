using HvSim.Cpu;
using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// BMI2 (bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx), movbe and crc32: the SDM's rules as
/// table tests, and every form (32 and 64 bits, register and memory) against the host CPU.
/// </summary>
/// <remarks>
/// bzhi leaves AF and PF undefined: the interpreter clears them as the Intel CPU it reports does;
/// on a host of another vendor <see cref="GroupOracle"/> compares only the defined flags.
/// </remarks>
public sealed class Bmi2Tests
{
    private const ulong Cf = FlagBits.CF, Zf = FlagBits.ZF, Sf = FlagBits.SF, Of = FlagBits.OF, Pf = FlagBits.PF, Af = FlagBits.AF;

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

    [Fact]
    public void BzhiClearsFromTheIndexAndSetsCarryWhenTheIndexIsPastTheWidth()
    {
        // SDM BZHI: N = SRC2[7:0]; DEST = SRC1 with bits N and up cleared when N < width; CF = N > width - 1.
        TestMachine m = Run(a => a.bzhi(eax, ecx, edx), rcx: 0xFFFF_FFFF_FFFF_FFFF, rdx: 0x1_0000_0104); // N = 4
        Assert.Equal(0xFUL, m.Cpu.R(Reg.Rax));
        Assert.Equal(0UL, m.Cpu.Rflags & (Cf | Zf | Sf | Of));
        m = Run(a => a.bzhi(rax, rcx, rdx), rcx: 0x8000_0000_0000_0001, rdx: 64, flags: Zf | Of);
        Assert.Equal(0x8000_0000_0000_0001UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Cf | Sf, m.Cpu.Rflags & (Cf | Zf | Sf | Of | Pf | Af));
    }

    [Fact]
    public void MulxWithOneRegisterForBothHalvesKeepsTheHighHalf()
    {
        // SDM MULX: "If the first and second operand are identical, it will contain the high half of the multiplication result."
        TestMachine m = Run(a => a.mulx(rax, rax, rcx), rcx: 0x1_0000_0000, rdx: 0x3_0000_0005, flags: Cf | Zf);
        Assert.Equal(3UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Cf | Zf, m.Cpu.Rflags & FlagBits.Status); // flags not affected
    }

    [Fact]
    public void MovbeHasNoRegisterForm()
    {
        var m = new TestMachine();
        m.LoadCode([0x0F, 0x38, 0xF0, 0xC1, 0xCC]); // 0F 38 F0 with mod = 11
        m.Run();
        Assert.Equal(Vector.InvalidOpcode, m.Cpu.ExitVector);
    }

    [Theory]
    [InlineData("C4E26CF5C1", "bzhi eax, ecx, edx with VEX.L = 1")]
    [InlineData("C4E26DF7C1", "shlx eax, ecx, edx with VEX.L = 1")]
    [InlineData("C4E3FFF0C105", "rorx rax, rcx, 5 with VEX.L = 1")]
    [InlineData("F0C4E268F5C1", "lock bzhi eax, ecx, edx")]
    public void InvalidEncodingsAreUndefined(string hex, string what)
    {
        // SDM BMI2 instructions: "#UD if VEX.L = 1" and with a lock prefix.
        var m = new TestMachine();
        m.LoadCode([.. Convert.FromHexString(hex), 0xCC]);
        m.Run();
        Assert.True(m.Cpu.ExitVector == Vector.InvalidOpcode, $"{what} should raise #UD");
    }

    [Theory]
    [InlineData("v2", "bzhi eax, ecx, edx", false)]
    [InlineData("v2", "movbe eax, [rbx]", false)]
    [InlineData("v2", "pcmpistri xmm0, xmm1, 0", true)]
    [InlineData("v2", "pshufb xmm0, xmm1", true)]
    [InlineData("baseline", "pshufb xmm0, xmm1", false)]
    [InlineData("baseline", "crc32 eax, cl", false)]
    [InlineData("v3", "movbe eax, [rbx]", true)]
    public void RunsOnlyOnTheLevelThatHasIt(string level, string form, bool runs)
    {
        // x86-64-v2 has SSE3..SSE4.2 but not BMI2 or MOVBE (v3); the baseline has none of them.
        var m = new TestMachine(identity: CpuIdentity.Level(level));
        m.Load(a =>
        {
            switch (form)
            {
                case "bzhi eax, ecx, edx": a.bzhi(eax, ecx, edx); break;
                case "movbe eax, [rbx]": a.movbe(eax, __dword_ptr[rbx]); break;
                case "pcmpistri xmm0, xmm1, 0": a.pcmpistri(xmm0, xmm1, 0); break;
                case "pshufb xmm0, xmm1": a.pshufb(xmm0, xmm1); break;
                default: a.crc32(eax, cl); break;
            }
            a.int3();
        });
        m.Cpu.R(Reg.Rbx) = TestMachine.DataBase;
        m.Run();
        Assert.Equal(runs ? Vector.Breakpoint : Vector.InvalidOpcode, m.Cpu.ExitVector);
    }

    [Fact]
    public void EveryFormMatchesTheHost()
    {
        using var oracle = new GroupOracle();
        var forms = new List<OracleForm>();
        foreach (string kind in new[] { "bzhi", "pdep", "pext", "sarx", "shlx", "shrx", "mulx", "rorx" })
        {
            foreach (int size in new[] { 4, 8 })
            {
                GroupOracle.Prepare? prepare = kind == "bzhi" ? SmallIndexInRdx : kind is "pdep" or "pext" ? SparseMask : null;
                forms.Add(new OracleForm($"{kind} r{size * 8}, r", a => EmitBmi2(a, kind, size, memory: false), prepare));
                forms.Add(new OracleForm($"{kind} r{size * 8}, m", a => EmitBmi2(a, kind, size, memory: true), prepare));
            }
        }
        forms.Add(new OracleForm("mulx rdx, rdx, rdx", a => a.mulx(rdx, rdx, rdx)));
        forms.Add(new OracleForm("mulx ecx, ecx, edx", a => a.mulx(ecx, ecx, edx)));
        forms.Add(new OracleForm("mulx rbx, rcx, rbx", a => a.mulx(rbx, rcx, rbx)));
        forms.Add(new OracleForm("shlx eax, eax, eax", a => a.shlx(eax, eax, eax)));
        foreach (byte count in new byte[] { 0, 1, 31, 32, 63, 64, 0xFF })
        {
            forms.Add(new OracleForm($"rorx ebx, ecx, {count}", a => a.rorx(ebx, ecx, count), Cases: 60));
            forms.Add(new OracleForm($"rorx rbx, [rdi+0x23], {count}", a => a.rorx(rbx, __qword_ptr[rdi + 0x23], count), Cases: 60));
        }

        forms.Add(new OracleForm("movbe bx, [rdi+0x31]", a => a.movbe(bx, __word_ptr[rdi + 0x31])));
        forms.Add(new OracleForm("movbe ebx, [rdi+0x31]", a => a.movbe(ebx, __dword_ptr[rdi + 0x31])));
        forms.Add(new OracleForm("movbe r9, [rdi+0x31]", a => a.movbe(r9, __qword_ptr[rdi + 0x31])));
        forms.Add(new OracleForm("movbe [rdi+0x45], cx", a => a.movbe(__word_ptr[rdi + 0x45], cx)));
        forms.Add(new OracleForm("movbe [rdi+0x45], r10d", a => a.movbe(__dword_ptr[rdi + 0x45], r10d)));
        forms.Add(new OracleForm("movbe [rdi+0x45], rsi", a => a.movbe(__qword_ptr[rdi + 0x45], rsi)));

        forms.Add(new OracleForm("crc32 eax, cl", a => a.crc32(eax, cl)));
        forms.Add(new OracleForm("crc32 eax, ah", a => a.crc32(eax, ah)));
        forms.Add(new OracleForm("crc32 r8d, r9w", a => a.crc32(r8d, r9w)));
        forms.Add(new OracleForm("crc32 ebx, esi", a => a.crc32(ebx, esi)));
        forms.Add(new OracleForm("crc32 rbx, sil", a => a.crc32(rbx, sil)));
        forms.Add(new OracleForm("crc32 r11, r12", a => a.crc32(r11, r12)));
        forms.Add(new OracleForm("crc32 eax, byte [rdi+0x17]", a => a.crc32(eax, __byte_ptr[rdi + 0x17])));
        forms.Add(new OracleForm("crc32 eax, word [rdi+0x17]", a => a.crc32(eax, __word_ptr[rdi + 0x17])));
        forms.Add(new OracleForm("crc32 eax, dword [rdi+0x17]", a => a.crc32(eax, __dword_ptr[rdi + 0x17])));
        forms.Add(new OracleForm("crc32 rax, byte [rdi+0x17]", a => a.crc32(rax, __byte_ptr[rdi + 0x17])));
        forms.Add(new OracleForm("crc32 rax, qword [rdi+0x17]", a => a.crc32(rax, __qword_ptr[rdi + 0x17])));
        oracle.CheckAll(forms, casesPerForm: 400, seed: 14);
    }

    /// <summary>bzhi's index (RDX here) mostly around the operand width, so that both outcomes of CF occur.</summary>
    private static bool SmallIndexInRdx(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        if (random.Next(4) != 0)
        {
            state[Register.RDX] = (state[Register.RDX] & ~0xFFUL) | (uint)random.Next(70);
        }
        return true;
    }

    /// <summary>pdep/pext masks (RDX here) with few bits now and then, and sources that are all ones.</summary>
    private static bool SparseMask(TestRandom random, MachineSnapshot state, in Instruction instruction)
    {
        if (random.Next(3) == 0)
        {
            state[Register.RDX] &= random.Next64() & random.Next64();
        }
        if (random.Next(5) == 0)
        {
            state[Register.RCX] = ulong.MaxValue;
        }
        return true;
    }

    /// <summary>
    /// One form: the vvvv operand is RDX (mulx reads RDX implicitly), the r/m operand RCX or
    /// [rdi+0x58], the destination RBX (mulx: RBX high, RSI low).
    /// </summary>
    private static void EmitBmi2(Assembler a, string kind, int size, bool memory)
    {
        bool wide = size == 8;
        AssemblerMemoryOperand m = wide ? __qword_ptr[rdi + 0x58] : __dword_ptr[rdi + 0x58];
        switch (kind, wide, memory)
        {
            case ("bzhi", false, false): a.bzhi(ebx, ecx, edx); break;
            case ("bzhi", false, true): a.bzhi(ebx, m, edx); break;
            case ("bzhi", true, false): a.bzhi(rbx, rcx, rdx); break;
            case ("bzhi", true, true): a.bzhi(rbx, m, rdx); break;
            case ("pdep", false, false): a.pdep(ebx, ecx, edx); break;
            case ("pdep", false, true): a.pdep(ebx, ecx, m); break;
            case ("pdep", true, false): a.pdep(rbx, rcx, rdx); break;
            case ("pdep", true, true): a.pdep(rbx, rcx, m); break;
            case ("pext", false, false): a.pext(ebx, ecx, edx); break;
            case ("pext", false, true): a.pext(ebx, ecx, m); break;
            case ("pext", true, false): a.pext(rbx, rcx, rdx); break;
            case ("pext", true, true): a.pext(rbx, rcx, m); break;
            case ("sarx", false, false): a.sarx(ebx, ecx, edx); break;
            case ("sarx", false, true): a.sarx(ebx, m, edx); break;
            case ("sarx", true, false): a.sarx(rbx, rcx, rdx); break;
            case ("sarx", true, true): a.sarx(rbx, m, rdx); break;
            case ("shlx", false, false): a.shlx(ebx, ecx, edx); break;
            case ("shlx", false, true): a.shlx(ebx, m, edx); break;
            case ("shlx", true, false): a.shlx(rbx, rcx, rdx); break;
            case ("shlx", true, true): a.shlx(rbx, m, rdx); break;
            case ("shrx", false, false): a.shrx(ebx, ecx, edx); break;
            case ("shrx", false, true): a.shrx(ebx, m, edx); break;
            case ("shrx", true, false): a.shrx(rbx, rcx, rdx); break;
            case ("shrx", true, true): a.shrx(rbx, m, rdx); break;
            case ("mulx", false, false): a.mulx(ebx, esi, ecx); break;
            case ("mulx", false, true): a.mulx(ebx, esi, m); break;
            case ("mulx", true, false): a.mulx(rbx, rsi, rcx); break;
            case ("mulx", true, true): a.mulx(rbx, rsi, m); break;
            case ("rorx", false, false): a.rorx(ebx, ecx, 13); break;
            case ("rorx", false, true): a.rorx(ebx, m, 45); break;
            case ("rorx", true, false): a.rorx(rbx, rcx, 45); break;
            default: a.rorx(rbx, m, 13); break;
        }
    }
}
