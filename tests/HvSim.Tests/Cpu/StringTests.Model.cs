using BitOperations = System.Numerics.BitOperations;
using HvSim.Core;
using HvSim.Cpu;
using HvSim.Mmu;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Random string instructions against a model that follows the SDM pseudo-code one element at a
/// time: sizes, rep/repe/repne, DF, 0x67, overlapping operands, page-crossing elements, and runs
/// into the read-only page or the unmapped pages on either side. With a one-entry TLB every
/// access takes the slow path, so the fast and slow paths are both held to the same model.
/// </summary>
public sealed partial class StringTests
{
    private enum Kind { Movs, Stos, Lods, Cmps, Scas }

    private enum Prefix { None, Rep, Repne }

    // Layout of Machine(): [Lo, Data) unmapped, [Data, ReadOnlyPage) writable,
    // [ReadOnlyPage, +4K) read-only, [+4K, Hi) unmapped.
    private const ulong Lo = Data - 4096;
    private const ulong Hi = ReadOnlyPage + 8192;

    public static TheoryData<int, int> Geometries => new()
    {
        { 64, 4 }, // default: the fast path serves almost everything
        { 1, 1 },  // one entry: source and destination evict each other on every access
        { 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void RandomStringInstructionsMatchTheElementwiseModel(int sets, int ways)
    {
        var random = new Random((sets * 131) + ways);
        for (int i = 0; i < 400; i++)
        {
            RunRandomCase(random, new TlbGeometry(sets, ways), i);
        }
    }

    private static void RunRandomCase(Random random, TlbGeometry tlb, int index)
    {
        var kind = (Kind)random.Next(5);
        int size = s_sizes[random.Next(4)];
        var prefix = (Prefix)random.Next(3);
        if (prefix == Prefix.None && random.Next(2) == 0)
        {
            prefix = Prefix.Rep; // rep forms are the interesting ones
        }
        bool address32 = random.Next(5) == 0;
        bool down = random.Next(2) == 0;

        var model = new StringModel { Df = down };
        FillMemory(random, kind, model.Memory);
        ulong rsi = Lo + (ulong)random.Next((int)(Hi - Lo));
        ulong rdi = Lo + (ulong)random.Next((int)(Hi - Lo));
        int shape = random.Next(4);
        if (shape == 0)
        {
            rdi = rsi + (ulong)(long)random.Next(-20, 21); // overlapping movs
        }
        else if (shape == 1 && kind == Kind.Cmps)
        {
            rdi = Data + ((rsi - Data) & 0xFF) + ((ulong)random.Next(40) * 256); // same phase: long equal runs
        }
        ulong count = random.Next(3) switch
        {
            0 => (ulong)random.Next(65),
            1 => (ulong)random.Next(2500),
            _ => (ulong)random.Next(2500, 9000),
        };
        ulong rax = random.Next(3) == 0 ? 0x5A5A_5A5A_5A5A_5A5A : NextUlong(random);
        if (address32)
        {
            // Garbage above bit 31 must be ignored and cleared by the writes of ESI/EDI/ECX.
            rsi |= NextUlong(random) & 0xFFFF_FFFF_0000_0000;
            rdi |= NextUlong(random) & 0xFFFF_FFFF_0000_0000;
            count |= NextUlong(random) & 0xFFFF_FFFF_0000_0000;
        }
        model.Rsi = rsi;
        model.Rdi = rdi;
        model.Rcx = count;
        model.Rax = rax;

        byte opcode = kind switch
        {
            Kind.Movs => 0xA4,
            Kind.Cmps => 0xA6,
            Kind.Stos => 0xAA,
            Kind.Lods => 0xAC,
            _ => 0xAE,
        };
        byte rep = prefix switch { Prefix.Rep => 0xF3, Prefix.Repne => 0xF2, _ => 0 };
        TestMachine m = Machine(StringCode(opcode, size, rep, address32), tlb);
        WriteRange(m, Data, model.Memory.AsSpan((int)(Data - Lo), (int)(ReadOnlyPage + 4096 - Data)));
        m.Cpu.Rflags = 0;
        m.Cpu.DF = down;
        SetStringRegisters(m, rsi, rdi, count);
        m.Cpu.R(Reg.Rax) = rax;

        model.Run(kind, size, prefix, address32);
        ExitReason exit = m.Run();

        string what = $"case {index}: {kind}{size} {prefix} a32={address32} df={down} rsi=0x{rsi:x} rdi=0x{rdi:x} rcx=0x{count:x}";
        Assert.Equal(ExitReason.Exception, exit);
        if (model.Fault is MemoryFault fault)
        {
            Assert.True(m.Cpu.ExitVector == Vector.PageFault, $"{what}: expected #PF, got {m.Cpu.ExitVector}");
            Assert.True(fault.Address == m.Cpu.ExitFault.Address && fault.ErrorCode == m.Cpu.ExitFault.ErrorCode,
                $"{what}: expected {fault}, got {m.Cpu.ExitFault}");
            Assert.True(m.Cpu.Rip == Code, $"{what}: RIP 0x{m.Cpu.Rip:x}");
        }
        else
        {
            Assert.True(m.Cpu.ExitVector == Vector.Breakpoint, $"{what}: expected int3, got {m.Cpu.ExitVector} {m.Cpu.ExitFault}");
        }
        Assert.True(model.Rsi == m.Cpu.R(Reg.Rsi), $"{what}: RSI 0x{m.Cpu.R(Reg.Rsi):x}, model 0x{model.Rsi:x}");
        Assert.True(model.Rdi == m.Cpu.R(Reg.Rdi), $"{what}: RDI 0x{m.Cpu.R(Reg.Rdi):x}, model 0x{model.Rdi:x}");
        Assert.True(model.Rcx == m.Cpu.R(Reg.Rcx), $"{what}: RCX 0x{m.Cpu.R(Reg.Rcx):x}, model 0x{model.Rcx:x}");
        Assert.True(model.Rax == m.Cpu.R(Reg.Rax), $"{what}: RAX 0x{m.Cpu.R(Reg.Rax):x}, model 0x{model.Rax:x}");
        Assert.True(model.Flags == m.Cpu.StatusFlags, $"{what}: flags 0x{m.Cpu.StatusFlags:x}, model 0x{model.Flags:x}");
        byte[] actual = ReadRange(m, Data, (int)(ReadOnlyPage + 4096 - Data));
        int mismatch = actual.AsSpan().CommonPrefixLength(model.Memory.AsSpan((int)(Data - Lo), actual.Length));
        Assert.True(mismatch == actual.Length, $"{what}: memory differs at 0x{Data + (ulong)mismatch:x}");
    }

    private static void FillMemory(Random random, Kind kind, byte[] memory)
    {
        switch (kind)
        {
            case Kind.Cmps:
                // Every 256-byte period alike, with a few differences to be found.
                for (int i = 0; i < memory.Length; i++)
                {
                    memory[i] = (byte)i;
                }
                Perturb(random, memory, random.Next(12));
                break;
            case Kind.Scas:
                Array.Fill(memory, (byte)0x5A);
                Perturb(random, memory, random.Next(12));
                for (int zeros = random.Next(6); zeros > 0; zeros--)
                {
                    memory.AsSpan(random.Next(memory.Length - 16), 16).Clear();
                }
                break;
            default:
                random.NextBytes(memory);
                break;
        }
        // Unmapped pages read as nothing; keep the model's bytes there zero to match ReadRange.
        memory.AsSpan(0, (int)(Data - Lo)).Clear();
        memory.AsSpan((int)(ReadOnlyPage + 4096 - Lo)).Clear();
    }

    private static void Perturb(Random random, byte[] memory, int changes)
    {
        for (int i = 0; i < changes; i++)
        {
            memory[random.Next(memory.Length)] ^= (byte)random.Next(1, 256);
        }
    }

    private static ulong NextUlong(Random random)
    {
        return (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
    }

    private static void WriteRange(TestMachine m, ulong va, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int chunk = Math.Min(bytes.Length, 4096 - (int)(va & 0xFFF));
            ulong leaf = m.Tables.ReadLeaf(m.Cr3, va);
            m.Memory.Write(new GuestPhysical(PteFormat.Address(leaf) + (va & 0xFFF)), bytes[..chunk]);
            bytes = bytes[chunk..];
            va += (ulong)chunk;
        }
    }

    private static byte[] ReadRange(TestMachine m, ulong va, int length)
    {
        var bytes = new byte[length];
        for (int offset = 0; offset < length;)
        {
            ulong at = va + (ulong)offset;
            int chunk = Math.Min(length - offset, 4096 - (int)(at & 0xFFF));
            ulong leaf = m.Tables.ReadLeaf(m.Cr3, at);
            m.Memory.Read(new GuestPhysical(PteFormat.Address(leaf) + (at & 0xFFF)), bytes.AsSpan(offset, chunk));
            offset += chunk;
        }
        return bytes;
    }

    /// <summary>The SDM's pseudo-code for the string instructions, one element at a time.</summary>
    private sealed class StringModel
    {
        public readonly byte[] Memory = new byte[Hi - Lo];
        public ulong Rsi;
        public ulong Rdi;
        public ulong Rcx;
        public ulong Rax;
        public bool Df;
        public ulong Flags;
        public MemoryFault? Fault;

        public void Run(Kind kind, int size, Prefix prefix, bool address32)
        {
            ulong mask = address32 ? 0xFFFF_FFFF : ulong.MaxValue;
            ulong step = Df ? (ulong)(-size) : (ulong)size;
            bool rep = prefix != Prefix.None;
            while (true)
            {
                if (rep && (Rcx & mask) == 0)
                {
                    return;
                }
                ulong rsi = Rsi & mask;
                ulong rdi = Rdi & mask;
                ulong a = 0;
                ulong b = 0;
                switch (kind)
                {
                    case Kind.Movs:
                        if (!Read(rsi, size, out a) || !Write(rdi, size, a))
                        {
                            return;
                        }
                        break;
                    case Kind.Stos:
                        if (!Write(rdi, size, Rax))
                        {
                            return;
                        }
                        break;
                    case Kind.Lods:
                        if (!Read(rsi, size, out a))
                        {
                            return;
                        }
                        Rax = size switch
                        {
                            8 => a,
                            4 => a, // a 32-bit register write zero-extends
                            2 => (Rax & ~0xFFFFUL) | a,
                            _ => (Rax & ~0xFFUL) | a,
                        };
                        break;
                    case Kind.Cmps:
                        if (!Read(rsi, size, out a) || !Read(rdi, size, out b))
                        {
                            return;
                        }
                        Flags = CmpFlags(a, b, size);
                        break;
                    default:
                        if (!Read(rdi, size, out b))
                        {
                            return;
                        }
                        a = Rax & (size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1);
                        Flags = CmpFlags(a, b, size);
                        break;
                }
                if (kind is Kind.Movs or Kind.Lods or Kind.Cmps)
                {
                    Rsi = (rsi + step) & mask;
                }
                if (kind is not Kind.Lods)
                {
                    Rdi = (rdi + step) & mask;
                }
                if (!rep)
                {
                    return;
                }
                Rcx = ((Rcx & mask) - 1) & mask;
                bool zf = (Flags & FlagBits.ZF) != 0;
                if (kind is Kind.Cmps or Kind.Scas && (prefix == Prefix.Rep ? !zf : zf))
                {
                    return; // repe ends on ZF=0, repne on ZF=1
                }
            }
        }

        private bool Read(ulong va, int size, out ulong value)
        {
            value = 0;
            if (!Check(va, size, write: false))
            {
                return false;
            }
            for (int i = size - 1; i >= 0; i--)
            {
                value = (value << 8) | Memory[va + (ulong)i - Lo];
            }
            return true;
        }

        private bool Write(ulong va, int size, ulong value)
        {
            if (!Check(va, size, write: true))
            {
                return false;
            }
            for (int i = 0; i < size; i++)
            {
                Memory[va + (ulong)i - Lo] = (byte)(value >> (8 * i));
            }
            return true;
        }

        /// <summary>An access faults on its first byte's page, or else on the second page's first byte.</summary>
        private bool Check(ulong va, int size, bool write)
        {
            ulong first = va & ~0xFFFUL;
            ulong last = (va + (ulong)size - 1) & ~0xFFFUL;
            if (!Allowed(first, write))
            {
                Fault = new MemoryFault(FaultKind.PageFault, va, ErrorCode(first, write));
                return false;
            }
            if (last != first && !Allowed(last, write))
            {
                Fault = new MemoryFault(FaultKind.PageFault, last, ErrorCode(last, write));
                return false;
            }
            return true;
        }

        private static bool Allowed(ulong page, bool write)
        {
            return page >= Data && page < (write ? ReadOnlyPage : ReadOnlyPage + 4096);
        }

        private static PageFaultErrorCode ErrorCode(ulong page, bool write)
        {
            PageFaultErrorCode code = PageFaultErrorCode.User;
            if (page >= Data && page < ReadOnlyPage + 4096)
            {
                code |= PageFaultErrorCode.Present;
            }
            return write ? code | PageFaultErrorCode.Write : code;
        }

        /// <summary>The status flags of cmp a, b at this operand size.</summary>
        private static ulong CmpFlags(ulong a, ulong b, int size)
        {
            int bits = size * 8;
            ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            ulong r = (a - b) & mask;
            ulong flags = 0;
            if (a < b) { flags |= FlagBits.CF; }
            if ((BitOperations.PopCount(r & 0xFF) & 1) == 0) { flags |= FlagBits.PF; }
            if (((a ^ b ^ r) & 0x10) != 0) { flags |= FlagBits.AF; }
            if (r == 0) { flags |= FlagBits.ZF; }
            if ((r >> (bits - 1)) != 0) { flags |= FlagBits.SF; }
            if ((((a ^ b) & (a ^ r)) >> (bits - 1) & 1) != 0) { flags |= FlagBits.OF; }
            return flags;
        }
    }
}
