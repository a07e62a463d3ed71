using HvSim.HostOracle;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Builds the oracle forms of a VEX mnemonic from Iced's own operand tables: every VEX code of
/// the mnemonic (VEX.128 and VEX.256, every operand order), each with register operands in three
/// patterns (low registers, REX registers, one register for all), with its memory operand aligned
/// and, where the instruction has no alignment rule, misaligned, and with several imm8 values.
/// The form's name is its disassembly, so a failure names the exact instruction.
/// </summary>
internal static class AvxForms
{
    /// <summary>Memory offsets in the scratch block: 32-byte aligned, and misaligned for everything else.</summary>
    public const int Aligned = 0x40;
    public const int Unaligned = 0x53;

    private static readonly int[][] VectorPatterns = [[1, 2, 3, 4], [12, 7, 9, 14], [3, 3, 3, 3]];

    // Never rdi (the scratch base) or rsp.
    private static readonly Register[][] GprPatterns = [[Register.RAX, Register.RCX], [Register.R9, Register.R14], [Register.RBX, Register.RBX]];

    /// <summary>The forms of <paramref name="mnemonic"/>; <paramref name="immediates"/> for its imm8 forms.</summary>
    public static List<SseOracle.Form> Of(Mnemonic mnemonic, byte[] immediates, Action<MachineSnapshot, Random, Instruction>? prepare = null)
    {
        var forms = new List<SseOracle.Form>();
        foreach (Code code in Enum.GetValues<Code>())
        {
            if (code.Mnemonic() != mnemonic)
            {
                continue;
            }
            OpCodeInfo info = code.ToOpCode();
            if (info.Encoding != EncodingKind.VEX || !info.Mode64)
            {
                continue;
            }
            bool aligned = mnemonic is Mnemonic.Vmovdqa or Mnemonic.Vmovaps or Mnemonic.Vmovapd
                or Mnemonic.Vmovntdq or Mnemonic.Vmovntps or Mnemonic.Vmovntpd or Mnemonic.Vmovntdqa;
            bool hasMemory = false;
            bool memoryOnly = false;
            bool hasImm = false;
            for (int i = 0; i < info.OpCount; i++)
            {
                OpCodeOperandKind kind = info.GetOpKind(i);
                hasMemory |= kind is OpCodeOperandKind.xmm_or_mem or OpCodeOperandKind.ymm_or_mem or OpCodeOperandKind.mem
                    or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem;
                memoryOnly |= kind == OpCodeOperandKind.mem;
                hasImm |= kind == OpCodeOperandKind.imm8;
            }
            byte[] imms = hasImm ? immediates : [0];
            for (int p = 0; p < VectorPatterns.Length && !memoryOnly; p++)
            {
                foreach (byte imm in p == 0 ? imms : imms.Take(1))
                {
                    Add(forms, Build(code, info, p, memory: null, imm), prepare);
                }
            }
            if (hasMemory)
            {
                foreach (int offset in aligned ? [Aligned] : new[] { Aligned, Unaligned })
                {
                    foreach (byte imm in imms.Take(3))
                    {
                        Add(forms, Build(code, info, 0, offset, imm), prepare);
                    }
                }
            }
        }
        if (forms.Count == 0)
        {
            throw new InvalidOperationException($"no VEX forms of {mnemonic}");
        }
        return forms;
    }

    private static void Add(List<SseOracle.Form> forms, Instruction instruction, Action<MachineSnapshot, Random, Instruction>? prepare)
    {
        string name = Disassembly.Format(instruction);
        forms.Add(new SseOracle.Form(name, a => a.AddInstruction(instruction), (s, r) =>
        {
            RandomUpperHalves(s, r);
            prepare?.Invoke(s, r, instruction);
        }));
    }

    private static Instruction Build(Code code, OpCodeInfo info, int pattern, int? memory, byte imm)
    {
        Instruction instruction = Instruction.Create(code);
        int vector = 0;
        int gpr = 0;
        for (int i = 0; i < info.OpCount; i++)
        {
            OpCodeOperandKind kind = info.GetOpKind(i);
            switch (kind)
            {
                case OpCodeOperandKind.seg_rDI:
                    instruction.SetOpKind(i, OpKind.MemorySegRDI);
                    break;
                case OpCodeOperandKind.imm8:
                    instruction.SetOpKind(i, OpKind.Immediate8);
                    instruction.Immediate8 = imm;
                    break;
                case OpCodeOperandKind.mem:
                case OpCodeOperandKind.xmm_or_mem or OpCodeOperandKind.ymm_or_mem or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem
                    when memory is not null:
                    instruction.SetOpKind(i, OpKind.Memory);
                    instruction.MemoryBase = Register.RDI;
                    instruction.MemoryIndexScale = 1;
                    instruction.MemoryDisplacement64 = (ulong)(memory ?? Aligned);
                    instruction.MemoryDisplSize = 1;
                    break;
                case OpCodeOperandKind.xmm_reg or OpCodeOperandKind.xmm_rm or OpCodeOperandKind.xmm_vvvv or OpCodeOperandKind.xmm_is4 or OpCodeOperandKind.xmm_or_mem:
                    instruction.SetOpKind(i, OpKind.Register);
                    instruction.SetOpRegister(i, Register.XMM0 + VectorPatterns[pattern][vector++]);
                    break;
                case OpCodeOperandKind.ymm_reg or OpCodeOperandKind.ymm_rm or OpCodeOperandKind.ymm_vvvv or OpCodeOperandKind.ymm_is4 or OpCodeOperandKind.ymm_or_mem:
                    instruction.SetOpKind(i, OpKind.Register);
                    instruction.SetOpRegister(i, Register.YMM0 + VectorPatterns[pattern][vector++]);
                    break;
                case OpCodeOperandKind.r32_reg or OpCodeOperandKind.r32_rm or OpCodeOperandKind.r32_or_mem:
                    instruction.SetOpKind(i, OpKind.Register);
                    instruction.SetOpRegister(i, Register.EAX + (GprPatterns[pattern][gpr++] - Register.RAX));
                    break;
                case OpCodeOperandKind.r64_reg or OpCodeOperandKind.r64_rm or OpCodeOperandKind.r64_or_mem:
                    instruction.SetOpKind(i, OpKind.Register);
                    instruction.SetOpRegister(i, GprPatterns[pattern][gpr++]);
                    break;
                default:
                    throw new InvalidOperationException($"{code}: operand kind {kind} not generated");
            }
        }
        return instruction;
    }

    /// <summary>Bits 255:128 of every register: another register's spiced low half (equal lanes happen), or random.</summary>
    public static void RandomUpperHalves(MachineSnapshot s, Random random)
    {
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            s.YmmHigh[x] = random.Next(3) == 0
                ? new Xmm128((ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63))
                : s.Xmm[random.Next(MachineSnapshot.XmmCount)];
        }
    }

    /// <summary>The register number or memory offset of operand <paramref name="n"/>: fills it (32 bytes) with small per-element shift counts.</summary>
    public static void SmallCounts(MachineSnapshot s, Random random, Instruction instruction, int n, int elementBytes)
    {
        Span<byte> bytes = stackalloc byte[32];
        for (int offset = 0; offset < 32; offset += elementBytes)
        {
            ulong count = random.Next(8) == 0 ? (ulong)random.NextInt64() : (ulong)random.Next(elementBytes * 8 + 6);
            BitConverter.TryWriteBytes(bytes.Slice(offset, elementBytes), elementBytes == 8 ? count : (uint)count);
        }
        if (instruction.GetOpKind(n) == OpKind.Memory)
        {
            bytes.CopyTo(s.Memory.AsSpan((int)instruction.MemoryDisplacement64, 32));
            return;
        }
        int x = instruction.GetOpRegister(n).IsYMM() ? instruction.GetOpRegister(n) - Register.YMM0 : instruction.GetOpRegister(n) - Register.XMM0;
        s.Xmm[x] = new Xmm128(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]));
        s.YmmHigh[x] = new Xmm128(BitConverter.ToUInt64(bytes[16..]), BitConverter.ToUInt64(bytes[24..]));
    }
}
