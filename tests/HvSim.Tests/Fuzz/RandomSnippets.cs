using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// The random-code fuzzer's snippets: random bytes (with random prefixes), and instructions built
/// with Iced's assembler from templates that go where user code must not: privileged
/// instructions, lock prefixes on everything, far jumps, calls and returns, segment loads,
/// int n, syscall/sysenter/sysret, string instructions with huge counts, faulting divisions,
/// misaligned SSE, x87 and MXCSR loads, stack switches. A snippet that could loop on itself
/// (a branch back into its own slot) is drawn again: no timer interrupts a guest here, so such
/// a loop would only burn the run's instruction budget. Nor may a snippet branch elsewhere near
/// its slot: into the runner's code it could restart the runner.
/// </summary>
internal static class RandomSnippets
{
    /// <summary>Bytes a snippet may take in its slot.</summary>
    public const int MaxBytes = 40;

    private static readonly AssemblerRegister64[] s_registers = [rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15];

    /// <summary>System calls a snippet makes on purpose: none takes the runner's image or its handlers away (random bytes may still make any).</summary>
    private static readonly int[] s_syscalls = [0, 1, 12, 15, 24, 39, 96, 102, 158, 186, 201, 228, 318, 334, 500];

    private static readonly byte[][] s_rawForms =
    [
        [0xFF, 0x28], [0x48, 0xFF, 0x28], [0xFF, 0x18], [0x48, 0xFF, 0x18], [0xCB], [0x48, 0xCB], [0xCA, 0x08, 0x00], [0xCF], [0x48, 0xCF], // far jmp/call/ret, iret
        [0xEA, 0, 0, 0, 0, 0x33, 0], [0x9A, 0, 0, 0, 0, 0x33, 0],                                                                       // invalid in 64-bit mode
        [0x8E, 0xD8], [0x8E, 0xC0], [0x8E, 0xE0], [0x8E, 0xE8], [0x8E, 0xD0], [0x0F, 0xA1], [0x0F, 0xA9], [0x0F, 0xA0], [0x1E], [0x07], // segment loads
        [0x0F, 0xB2, 0x00], [0x0F, 0xB4, 0x00], [0x0F, 0xB5, 0x00], [0x8C, 0xD8], [0x8C, 0xC8],
        [0xCC], [0xF1], [0xCE], [0x0F, 0x0B], [0x0F, 0xFF, 0xC0], [0x0F, 0xB9, 0xC0], [0xD4, 0x00], [0x62, 0x00], [0x27], [0x37],   // traps, invalid opcodes
        [0x0F, 0x34], [0x0F, 0x35], [0x0F, 0x07], [0x0F, 0x05], [0xCD, 0x80], [0xCD, 0x84], [0xCD, 0x82],                          // system entries
        [0xFA], [0xFB], [0xF4], [0xEC], [0xEE], [0x6C], [0x6E], [0x0F, 0x30], [0x0F, 0x32], [0x0F, 0x33], [0x0F, 0x06], [0x0F, 0x08], [0x0F, 0x09],
        [0x0F, 0x01, 0xF8], [0x0F, 0x01, 0xD1], [0x0F, 0x01, 0xD0], [0x0F, 0x01, 0xC1], [0x0F, 0x01, 0xD9], [0x0F, 0x01, 0xC8], [0x0F, 0x01, 0xC9],
        [0x0F, 0x20, 0xC0], [0x0F, 0x22, 0xD8], [0x0F, 0x21, 0xF8], [0x0F, 0x23, 0xC0], [0x0F, 0x00, 0xD8], [0x0F, 0x00, 0xC0], [0x0F, 0x01, 0x00],
        [0x0F, 0x01, 0x10], [0x0F, 0x01, 0x38], [0x0F, 0x01, 0xF0], [0x0F, 0x01, 0xE0], [0x0F, 0x37],                               // mov cr/dr, lldt/sldt, sgdt/lgdt, invlpg, swapgs, smsw, getsec
        [0xF0, 0x01, 0xC0], [0xF0, 0x90], [0xF0, 0x89, 0x00], [0xF0, 0x0F, 0xC7, 0x08], [0xF0, 0x48, 0x0F, 0xC7, 0x08], [0xF0, 0xF0, 0xFF, 0x00], // lock misuse, cmpxchg8b/16b
        [0x66, 0x87, 0xDB], [0x66, 0x87, 0xC9],                                                                                    // the marker and the escape
    ];

    /// <summary>The general registers by number (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15).</summary>
    private static readonly AssemblerRegister64[] s_byNumber = [rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];

    /// <summary>
    /// One snippet for the slot at <paramref name="address"/>. The templates that switch stacks
    /// take their new RSP from one of <paramref name="pointers"/> (registers, by number, that hold
    /// a pointer into the junk region), so that the fault after them can still push its frame;
    /// random bytes switch stacks as they like.
    /// </summary>
    public static byte[] Next(Random random, ulong address, IReadOnlyList<int> pointers)
    {
        while (true)
        {
            byte[] snippet = random.Next(10) switch
            {
                < 3 => RandomBytes(random),
                < 5 => RawForms(random),
                _ => Assembled(random, address, pointers),
            };
            if (snippet.Length is > 0 and <= MaxBytes && !LoopsOnItself(snippet, address))
            {
                return snippet;
            }
        }
    }

    /// <summary>The snippet in Intel syntax, one instruction a line (for a failing case's report).</summary>
    public static string Disassemble(byte[] snippet, ulong address)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(snippet), address);
        var formatter = new IntelFormatter();
        var text = new System.Text.StringBuilder();
        while (decoder.IP < address + (ulong)snippet.Length)
        {
            decoder.Decode(out Instruction instruction);
            var output = new StringOutput();
            formatter.Format(instruction, output);
            int offset = (int)(instruction.IP - address);
            string bytes = Convert.ToHexString(snippet, offset, Math.Min(instruction.Length, snippet.Length - offset)).ToLowerInvariant();
            text.AppendLine($"  0x{instruction.IP:x}  {bytes,-32} {output.ToStringAndReset()}");
        }
        return text.ToString();
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 16)];
        random.NextBytes(bytes);
        if (random.Next(3) == 0)
        {
            byte[] prefixes = [0xF0, 0xF2, 0xF3, 0x66, 0x67, 0x2E, 0x64, 0x65, 0x48, 0x41, 0x4F];
            bytes[0] = prefixes[random.Next(prefixes.Length)];
        }
        return bytes;
    }

    private static byte[] RawForms(Random random)
    {
        var bytes = new List<byte>();
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            bytes.AddRange(s_rawForms[random.Next(s_rawForms.Length)]);
        }
        return [.. bytes];
    }

    private static byte[] Assembled(Random random, ulong address, IReadOnlyList<int> pointers)
    {
        var a = new Assembler(64);
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            Template(random, a, pointers.Count == 0 ? rsp : s_byNumber[pointers[random.Next(pointers.Count)]]);
        }
        var stream = new MemoryStream();
        try
        {
            a.Assemble(new StreamCodeWriter(stream), address);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return []; // a combination Iced cannot encode: drawn again
        }
        return stream.ToArray();
    }

    private static AssemblerRegister64 Register(Random random) => s_registers[random.Next(s_registers.Length)];

    private static void Template(Random random, Assembler a, AssemblerRegister64 stack)
    {
        AssemblerRegister64 r = Register(random), s = Register(random);
        int displacement = random.Next(4) == 0 ? random.Next() - (1 << 30) : random.Next(-64, 64);
        switch (random.Next(24))
        {
            case 0: a.@lock.add(__qword_ptr[r + displacement], s); break;
            case 1: a.@lock.xadd(__qword_ptr[r + displacement], s); break;
            case 2: a.@lock.cmpxchg(__qword_ptr[r + displacement], s); break;
            case 3: a.@lock.bts(__qword_ptr[r], s); break;
            case 4: a.@lock.inc(__byte_ptr[r + displacement]); break;
            case 5: a.@int((byte)random.Next(256)); break;
            case 6: a.mov(eax, s_syscalls[random.Next(s_syscalls.Length)]); a.syscall(); break;
            case 7: a.mov(r, (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63)); break;
            case 8: a.xor(ecx, ecx); a.div(rcx); break;
            case 9: a.mov(rax, long.MinValue); a.cqo(); a.mov(rcx, -1L); a.idiv(rcx); break;
            case 10: a.rep.movsb(); break;
            case 11: a.std(); a.rep.stosq(); break;
            case 12: a.rep.cmpsb(); break;
            case 13: a.movaps(__xmmword_ptr[r + 1], xmm0); break;
            case 14: a.ldmxcsr(__dword_ptr[r]); break;
            case 15: a.fxrstor(__[r + (random.Next(2) * 8)]); break;
            case 16: a.fninit(); a.fldcw(__word_ptr[r]); a.fld1(); a.fldz(); a.fdivp(st1, st0); break;
            case 17: a.push(stack); a.pop(rsp); break;
            case 18: a.mov(rsp, stack); a.push(s); break;
            case 19: a.enter((ushort)random.Next(0x10000), (byte)random.Next(32)); break;
            case 20: a.jmp(r); break;
            case 21: a.call(__qword_ptr[r + displacement]); break;
            case 22: a.mov(__qword_ptr[r + displacement], s); break;
            default: a.ret((ushort)(random.Next(2) * random.Next(0x10000))); break;
        }
    }

    /// <summary>
    /// Whether a branch of the snippet, decoded as the CPU will from its first byte, goes back into
    /// its slot at or before itself, or forward into it onto a byte that starts no instruction
    /// (from where the bytes decode afresh, and could loop).
    /// </summary>
    private static bool LoopsOnItself(byte[] snippet, ulong address)
    {
        var boundaries = new HashSet<ulong>();
        var targets = new List<(ulong Ip, ulong Target)>();
        // Decoded as the CPU sees the slot: the snippet's last instruction may take NOPs as operands.
        byte[] slot = [.. snippet, .. Enumerable.Repeat((byte)0x90, MaxBytes + 19 - snippet.Length)];
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(slot), address);
        while (decoder.IP < address + (ulong)snippet.Length)
        {
            decoder.Decode(out Instruction instruction);
            boundaries.Add(instruction.IP);
            if (instruction.Op0Kind is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64)
            {
                targets.Add((instruction.IP, instruction.NearBranchTarget));
            }
        }
        // Past the snippet the slot holds one-byte NOPs, each an instruction, then its jump out.
        for (ulong nop = decoder.IP; nop < address + (ulong)MaxBytes + 19; nop++)
        {
            boundaries.Add(nop);
        }
        return targets.Any(t => t.Target >= address && t.Target < address + SlotBytes
            ? t.Target <= t.Ip || !boundaries.Contains(t.Target)
            : t.Target - (address - NearBytes) < 2 * NearBytes);
    }

    /// <summary>
    /// How near a branch may not go outside its own slot: the runner's code and the other slots
    /// lie within it (the image is under 1 MiB), and jumping into the runner's code mid-instruction
    /// can restart it (a loop the instruction limit ends, but the cases after it would not run).
    /// Farther branches go to unmapped memory and fault, which is worth fuzzing.
    /// </summary>
    private const ulong NearBytes = 2UL << 20;

    /// <summary>A slot: the snippet, one-byte NOPs (at least 15, so that an instruction begun in the snippet ends in them) and a 5-byte jump on.</summary>
    public const int SlotBytes = 64;
}
