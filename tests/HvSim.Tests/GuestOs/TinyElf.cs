namespace HvSim.Tests.GuestOsTests;

using System.Buffers.Binary;

/// <summary>
/// The smallest static x86-64 executable the loader accepts: an ELF header, one program header
/// (PT_LOAD, R+X, the whole file at 0x400000) and the code right after them, which is the
/// entry point. Built byte by byte (the pattern of the ELF tests' TestElf), so tests can run
/// hand-assembled code without a compiler.
/// </summary>
internal static class TinyElf
{
    public const ulong LoadAddress = 0x400000;
    private const int HeaderSize = 64, PhdrSize = 56;
    public const ulong Entry = LoadAddress + HeaderSize + PhdrSize;

    public static byte[] Build(ReadOnlySpan<byte> code) => Build(code, gnuStackFlags: null);

    /// <summary>
    /// As <see cref="Build(ReadOnlySpan{byte})"/>, plus a PT_GNU_STACK header with
    /// <paramref name="gnuStackFlags"/> (PF_X 1, PF_W 2, PF_R 4) when given. The two headers then
    /// sit after the code (e_phoff points there), so the entry point stays at <see cref="Entry"/>.
    /// </summary>
    public static byte[] Build(ReadOnlySpan<byte> code, uint? gnuStackFlags)
    {
        byte[] file = BuildFile(code, gnuStackFlags is null ? 0 : 2);
        if (gnuStackFlags is { } flags)
        {
            Span<byte> f = file;
            int table = (int)BinaryPrimitives.ReadUInt64LittleEndian(f[32..]);
            f.Slice(HeaderSize, PhdrSize).CopyTo(f[table..]);      // the PT_LOAD, moved
            f.Slice(HeaderSize, PhdrSize).Clear();
            Span<byte> stack = f[(table + PhdrSize)..];
            BinaryPrimitives.WriteUInt32LittleEndian(stack, 0x6474E551);       // PT_GNU_STACK
            BinaryPrimitives.WriteUInt32LittleEndian(stack[4..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(stack[48..], 16);         // p_align
        }
        return file;
    }

    private static byte[] BuildFile(ReadOnlySpan<byte> code, int trailingHeaders)
    {
        int table = trailingHeaders == 0 ? HeaderSize : (HeaderSize + PhdrSize + code.Length + 7) & ~7;
        byte[] file = new byte[trailingHeaders == 0 ? HeaderSize + PhdrSize + code.Length : table + (trailingHeaders * PhdrSize)];
        byte[] ident = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0];
        ident.CopyTo(file, 0);
        Span<byte> f = file;
        BinaryPrimitives.WriteUInt16LittleEndian(f[16..], 2);              // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(f[18..], 62);             // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(f[20..], 1);              // EV_CURRENT
        BinaryPrimitives.WriteUInt64LittleEndian(f[24..], Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(f[32..], (ulong)table);   // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(f[52..], HeaderSize);     // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(f[54..], PhdrSize);       // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(f[56..], (ushort)Math.Max(1, trailingHeaders)); // e_phnum
        Span<byte> ph = f[HeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);                   // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);              // R+X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], 0);              // p_offset
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], LoadAddress);   // p_vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], LoadAddress);   // p_paddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)file.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)file.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        code.CopyTo(f[(HeaderSize + PhdrSize)..]);
        return file;
    }

    /// <summary>Tiny assembler for the few instructions the tests need.</summary>
    public sealed class Code
    {
        private readonly List<byte> _bytes = [];

        public int Length => _bytes.Count;

        public byte[] ToArray() => [.. _bytes];

        public Code Bytes(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        /// <summary>mov r64, imm64 (REX.W B8+r); r is the register number 0..15 (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15).</summary>
        public Code MovImm64(int register, ulong value)
        {
            _bytes.Add((byte)(register >= 8 ? 0x49 : 0x48));
            _bytes.Add((byte)(0xB8 + (register & 7)));
            Span<byte> imm = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(imm, value);
            _bytes.AddRange(imm.ToArray());
            return this;
        }

        public Code Syscall() => Bytes(0x0F, 0x05);

        /// <summary>mov r64, rax (REX.W 89 /r).</summary>
        public Code MovFromRax(int register) => Bytes(0x48, 0x89, (byte)(0xC0 | register));

        /// <summary>exit_group(rdi) as written.</summary>
        public Code ExitGroup() => MovImm64(Rax, 231).Syscall();

        /// <summary>The address the next byte will have once the code is loaded at <see cref="Entry"/>.</summary>
        public ulong Here => Entry + (ulong)_bytes.Count;

        public const int Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7, R10 = 10;
    }
}
