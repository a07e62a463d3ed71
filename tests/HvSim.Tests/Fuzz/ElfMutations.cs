using System.Buffers.Binary;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Mutations of a valid static ELF for the ELF fuzzer: flipped bytes (mostly in the ELF and
/// program headers), hostile ELF header fields (e_type, e_machine, e_entry inside, at the end of
/// and outside the segments, in the kernel half; e_phoff past the end, unaligned, huge; e_phentsize;
/// e_phnum 0, one more, 0xffff), hostile program header fields (p_type turned into PT_INTERP, PT_TLS,
/// PT_GNU_STACK, PT_LOAD; p_flags; p_offset past the end; p_vaddr at 0, below mmap_min_addr, in the
/// kernel half, non-canonical, at the end of the user half, over the previous segment; p_filesz
/// above p_memsz or past the file; p_memsz huge; p_align not a power of two), headers swapped,
/// and truncations and garbage appended. Each mutation says what it did, for a failure's report.
/// </summary>
internal static class ElfMutations
{
    private const int EhdrBytes = 64, PhdrBytes = 56;

    private static readonly ulong[] s_addresses =
    [
        0, 0x1000, 0xFFFF, 0x1_0000, 0x40_0000, 0x40_1000, 0x7FFF_EFFF_F000, 0x7FFF_FFFF_F000, 0x7FFF_FFFF_FFFF, 0x0000_8000_0000_0000,
        0xFFFF_8000_0000_0000, 0xFFFF_FFFF_FFFF_F000, ulong.MaxValue, 0x8000_0000_0000_0000,
    ];

    private static readonly ulong[] s_sizes =
        [0, 1, 0x38, 0x40, 0xFFF, 0x1000, 0x1001, 1UL << 20, 1UL << 30, 1UL << 32, 1UL << 40, 1UL << 47, 1UL << 63, ulong.MaxValue];

    private static readonly uint[] s_types = [0, 1, 2, 3, 4, 6, 7, 0x6474_E550, 0x6474_E551, 0x6474_E552, 0x7000_0000, 0xFFFF_FFFF];

    /// <summary>A mutant of <paramref name="original"/> and what was done to it.</summary>
    public static (byte[] Elf, string What) Mutate(Random random, byte[] original)
    {
        byte[] elf = (byte[])original.Clone();
        var what = new List<string>();
        // Mostly one mutation: most single ones are already refused, and a run needs a mutant that loads.
        for (int i = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 }; i > 0; i--)
        {
            elf = random.Next(12) switch
            {
                < 3 => FlipBytes(random, elf, what),
                < 5 => HeaderField(random, elf, what),
                < 10 => ProgramHeaderField(random, elf, what),
                10 => SwapProgramHeaders(random, elf, what),
                _ => Resize(random, elf, what),
            };
        }
        return (elf, string.Join("; ", what));
    }

    private static byte[] FlipBytes(Random random, byte[] elf, List<string> what)
    {
        // The ELF header and the program headers (where e_phoff says, when that is near the start).
        int headers = (int)Math.Min((ulong)elf.Length, Math.Max(EhdrBytes, Math.Min(PhOff(elf), 4096) + (ulong)(PhdrCount(elf) * PhdrBytes)));
        for (int i = random.Next(1, 9); i > 0 && elf.Length > 0; i--)
        {
            int at = random.Next(2) == 0 && headers > 0 ? random.Next(headers) : random.Next(elf.Length);
            byte value = (byte)(random.Next(2) == 0 ? elf[at] ^ (1 << random.Next(8)) : random.Next(256));
            what.Add($"byte 0x{at:x} = 0x{value:x2}");
            elf[at] = value;
        }
        return elf;
    }

    private static byte[] HeaderField(Random random, byte[] elf, List<string> what)
    {
        if (elf.Length < EhdrBytes)
        {
            return elf;
        }
        Span<byte> h = elf;
        switch (random.Next(7))
        {
            case 0:
                Set16(h, 16, random.Next(3) == 0 ? (ushort)random.Next(0x10000) : (ushort)random.Next(5), "e_type", what);
                break;
            case 1:
                Set16(h, 18, random.Next(2) == 0 ? (ushort)3 : (ushort)random.Next(0x10000), "e_machine", what);
                break;
            case 2:
                Set64(h, 24, EntryCandidate(random, elf), "e_entry", what);
                break;
            case 3:
                Set64(h, 32, random.Next(4) switch { 0 => (ulong)elf.Length, 1 => (ulong)elf.Length - PhdrBytes + 1, 2 => 65, _ => Pick(random, s_sizes) }, "e_phoff", what);
                break;
            case 4:
                Set16(h, 54, (ushort)(random.Next(2) == 0 ? 0 : random.Next(0x10000)), "e_phentsize", what);
                break;
            case 5:
                ushort count = (ushort)PhdrCount(elf);
                Set16(h, 56, (ushort)(random.Next(5) switch { 0 => 0, 1 => 0xFFFF, 2 => count + 1, 3 => 1170, _ => random.Next(0x10000) }), "e_phnum", what);
                break;
            default:
                int at = random.Next(16);
                h[at] = (byte)random.Next(256);
                what.Add($"e_ident[{at}] = 0x{h[at]:x2}");
                break;
        }
        return elf;
    }

    private static byte[] ProgramHeaderField(Random random, byte[] elf, List<string> what)
    {
        int count = PhdrCount(elf);
        ulong phoff = PhOff(elf);
        if (count == 0 || phoff >= (ulong)elf.Length)
        {
            return elf;
        }
        int index = random.Next(count);
        int at = (int)phoff + (index * PhdrBytes);
        if (at + PhdrBytes > elf.Length)
        {
            return elf;
        }
        Span<byte> p = elf.AsSpan(at, PhdrBytes);
        string name = $"phdr[{index}].";
        switch (random.Next(7))
        {
            case 0:
                uint type = s_types[random.Next(s_types.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(p, type);
                what.Add($"{name}p_type = 0x{type:x}");
                break;
            case 1:
                uint flags = random.Next(3) == 0 ? (uint)random.Next() : (uint)random.Next(8);
                BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
                what.Add($"{name}p_flags = 0x{flags:x}");
                break;
            case 2:
                Set64(p, 8, random.Next(3) switch { 0 => (ulong)elf.Length, 1 => (ulong)elf.Length - 1, _ => Pick(random, s_sizes) }, name + "p_offset", what);
                break;
            case 3:
                ulong vaddr = random.Next(3) switch
                {
                    0 => Pick(random, s_addresses),
                    1 => PreviousVaddr(elf, phoff, index) + (ulong)(random.Next(2) * 0x1000), // over the previous segment
                    _ => BinaryPrimitives.ReadUInt64LittleEndian(p[16..]) + (ulong)random.Next(-0x2000, 0x2000),
                };
                Set64(p, 16, vaddr, name + "p_vaddr", what);
                break;
            case 4:
                ulong memsz = BinaryPrimitives.ReadUInt64LittleEndian(p[40..]);
                Set64(p, 32, random.Next(3) switch { 0 => memsz + 1, 1 => (ulong)elf.Length, _ => Pick(random, s_sizes) }, name + "p_filesz", what);
                break;
            case 5:
                ulong filesz = BinaryPrimitives.ReadUInt64LittleEndian(p[32..]);
                Set64(p, 40, random.Next(3) switch { 0 => filesz == 0 ? 0 : filesz - 1, 1 => Pick(random, s_sizes), _ => filesz + (1UL << random.Next(48)) }, name + "p_memsz", what);
                break;
            default:
                Set64(p, 48, random.Next(2) == 0 ? Pick(random, s_sizes) : (ulong)random.Next(1, 100), name + "p_align", what);
                break;
        }
        return elf;
    }

    private static byte[] SwapProgramHeaders(Random random, byte[] elf, List<string> what)
    {
        int count = PhdrCount(elf);
        ulong phoff = PhOff(elf);
        if (count < 2 || !TableFits(elf, phoff, count))
        {
            return elf;
        }
        int i = random.Next(count), j = random.Next(count);
        byte[] copy = elf.AsSpan((int)phoff + (i * PhdrBytes), PhdrBytes).ToArray();
        elf.AsSpan((int)phoff + (j * PhdrBytes), PhdrBytes).CopyTo(elf.AsSpan((int)phoff + (i * PhdrBytes)));
        if (random.Next(2) == 0)
        {
            copy.CopyTo(elf.AsSpan((int)phoff + (j * PhdrBytes))); // swapped, else duplicated
        }
        what.Add($"phdr[{i}] <- phdr[{j}]");
        return elf;
    }

    private static byte[] Resize(Random random, byte[] elf, List<string> what)
    {
        if (random.Next(3) == 0)
        {
            byte[] garbage = new byte[random.Next(1, 8192)];
            random.NextBytes(garbage);
            what.Add($"{garbage.Length} bytes appended");
            return [.. elf, .. garbage];
        }
        int length = random.Next(2) == 0 ? random.Next(Math.Min(elf.Length, EhdrBytes + (PhdrCount(elf) * PhdrBytes) + 64)) : random.Next(elf.Length);
        what.Add($"truncated to {length} bytes");
        return elf[..length];
    }

    private static ulong EntryCandidate(Random random, byte[] elf)
    {
        ulong entry = elf.Length >= 32 ? BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(24)) : 0;
        return random.Next(4) switch
        {
            0 => Pick(random, s_addresses),
            1 => entry + (ulong)random.Next(-0x10000, 0x10000),
            2 => (ulong)random.NextInt64(),
            _ => LastLoadEnd(elf) - (ulong)random.Next(2),
        };
    }

    /// <summary>The end of the last PT_LOAD (an entry there lies just inside, or just outside, every segment).</summary>
    private static ulong LastLoadEnd(byte[] elf)
    {
        ulong end = 0, phoff = PhOff(elf);
        for (int i = 0; i < PhdrCount(elf) && TableFits(elf, phoff, i + 1); i++)
        {
            ReadOnlySpan<byte> p = elf.AsSpan((int)phoff + (i * PhdrBytes), PhdrBytes);
            if (BinaryPrimitives.ReadUInt32LittleEndian(p) == 1)
            {
                end = BinaryPrimitives.ReadUInt64LittleEndian(p[16..]) + BinaryPrimitives.ReadUInt64LittleEndian(p[40..]);
            }
        }
        return end;
    }

    /// <summary>Whether <paramref name="count"/> program headers at <paramref name="phoff"/> lie in the file (without overflow: e_phoff may be anything).</summary>
    private static bool TableFits(byte[] elf, ulong phoff, int count) =>
        phoff <= (ulong)elf.Length && (ulong)count * PhdrBytes <= (ulong)elf.Length - phoff;

    private static ulong PreviousVaddr(byte[] elf, ulong phoff, int index) =>
        index == 0 ? 0x40_0000 : BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)phoff + ((index - 1) * PhdrBytes) + 16));

    private static int PhdrCount(byte[] elf) => elf.Length >= EhdrBytes ? Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(56)), 64) : 0;

    private static ulong PhOff(byte[] elf) => elf.Length >= EhdrBytes ? BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32)) : ulong.MaxValue;

    private static ulong Pick(Random random, ulong[] pool) => random.Next(8) == 0 ? (ulong)random.NextInt64() : pool[random.Next(pool.Length)];

    private static void Set16(Span<byte> bytes, int offset, ushort value, string field, List<string> what)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[offset..], value);
        what.Add($"{field} = 0x{value:x}");
    }

    private static void Set64(Span<byte> bytes, int offset, ulong value, string field, List<string> what)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[offset..], value);
        what.Add($"{field} = 0x{value:x}");
    }
}
