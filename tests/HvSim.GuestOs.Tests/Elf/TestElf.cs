using System.Buffers.Binary;

namespace HvSim.GuestOs.Tests.Elf;

/// <summary>One program header of a <see cref="TestElf"/>, mutable so tests can break it.</summary>
internal sealed class TestPhdr
{
    public const uint PtLoad = 1;
    public const uint PtInterp = 3;
    public const uint PtNote = 4;
    public const uint PtTls = 7;
    public const uint PtGnuStack = 0x6474e551;

    public uint Type { get; set; }
    public uint Flags { get; set; }
    public ulong Offset { get; set; }
    public ulong Vaddr { get; set; }
    public ulong Filesz { get; set; }
    public ulong Memsz { get; set; }
    public ulong Align { get; set; }
}

/// <summary>
/// Builds a small but complete static x86-64 executable byte by byte, so the ELF tests need no
/// compiler. Layout of <see cref="Valid"/>:
/// <code>
///   0x000  Elf64_Ehdr
///   0x040  4 program headers: LOAD r-x, LOAD rw-, TLS, GNU_STACK rw-
///   0x140  code: mov eax, 60; xor edi, edi; syscall   (exit(0); the entry point)
///   0x180  .tdata/.data, 0x20 bytes; .bss follows in memory only
/// </code>
/// </summary>
internal sealed class TestElf
{
    public const ulong TextAddress = 0x400000;
    public const ulong DataAddress = 0x401180;
    public const int CodeOffset = 0x140;
    public const int DataOffset = 0x180;

    public static readonly byte[] Code = [0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05];

    public byte[] Ident { get; } = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    public ushort Type { get; set; } = 2;
    public ushort Machine { get; set; } = 62;
    public ulong Entry { get; set; } = TextAddress + CodeOffset;
    public ulong Phoff { get; set; } = 64;
    public ushort Phentsize { get; set; } = 56;
    public ushort? PhnumOverride { get; set; }
    public int FileSize { get; set; } = 0x1a0;
    public List<TestPhdr> Headers { get; } = [];

    public static TestElf Valid()
    {
        var elf = new TestElf();
        elf.Headers.Add(new TestPhdr { Type = TestPhdr.PtLoad, Flags = 5, Offset = 0, Vaddr = TextAddress, Filesz = 0x160, Memsz = 0x160, Align = 0x1000 });
        elf.Headers.Add(new TestPhdr { Type = TestPhdr.PtLoad, Flags = 6, Offset = DataOffset, Vaddr = DataAddress, Filesz = 0x20, Memsz = 0x1000, Align = 0x1000 });
        elf.Headers.Add(new TestPhdr { Type = TestPhdr.PtTls, Flags = 4, Offset = DataOffset, Vaddr = DataAddress, Filesz = 8, Memsz = 0x10, Align = 8 });
        elf.Headers.Add(new TestPhdr { Type = TestPhdr.PtGnuStack, Flags = 6, Align = 0x10 });
        return elf;
    }

    public TestPhdr Load(int n) => Headers.Where(h => h.Type == TestPhdr.PtLoad).ElementAt(n);

    public byte[] Build()
    {
        int tableEnd = (int)Phoff + (Headers.Count * 56);
        byte[] file = new byte[Math.Max(FileSize, tableEnd)];
        Ident.CopyTo(file, 0);
        PutU16(file, 16, Type);
        PutU16(file, 18, Machine);
        PutU32(file, 20, 1);
        PutU64(file, 24, Entry);
        PutU64(file, 32, Phoff);
        PutU16(file, 52, 64);
        PutU16(file, 54, Phentsize);
        PutU16(file, 56, PhnumOverride ?? (ushort)Headers.Count);
        for (int i = 0; i < Headers.Count; i++)
        {
            TestPhdr h = Headers[i];
            int at = (int)Phoff + (i * 56);
            PutU32(file, at, h.Type);
            PutU32(file, at + 4, h.Flags);
            PutU64(file, at + 8, h.Offset);
            PutU64(file, at + 16, h.Vaddr);
            PutU64(file, at + 24, h.Vaddr);
            PutU64(file, at + 32, h.Filesz);
            PutU64(file, at + 40, h.Memsz);
            PutU64(file, at + 48, h.Align);
        }

        if (file.Length >= CodeOffset + Code.Length)
        {
            Code.CopyTo(file, CodeOffset);
        }

        for (int i = DataOffset; i < Math.Min(file.Length, DataOffset + 0x20); i++)
        {
            file[i] = (byte)(i - DataOffset + 1);
        }

        return file;
    }

    public static void PutU16(byte[] file, int at, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), value);

    public static void PutU32(byte[] file, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), value);

    public static void PutU64(byte[] file, int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at), value);
}
