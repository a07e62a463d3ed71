using System.Reflection;
using HvSim.Cpu;
using Iced.Intel;
using Xunit.Abstractions;
using Code = Iced.Intel.Code;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Issue 14's "x86-64-v2 and v3 complete", checked encoding by encoding: every instruction encoding
/// (Iced's <see cref="Code"/>) of the extensions the levels add — SSE3 to SSE4.2, CMPXCHG16B,
/// PCLMULQDQ, POPCNT, LZCNT, BMI1, BMI2, MOVBE, AVX, AVX2, FMA, F16C, XSAVE — that is valid in
/// 64-bit user code is built from Iced's opcode table, in its register form and, where it has one,
/// its memory form, and run once on a v3 CPU: none may be #UD. What the results are is the host
/// oracle's business (SseTests, Sse4Tests, AvxTests...); this test finds the encodings nobody wrote.
/// </summary>
/// <remarks>
/// MMX is not modelled at all (no compiler emits it for x86-64 without intrinsics), so SSSE3's forms
/// on the 64-bit mm registers are left out here, and are #UD at every level.
/// </remarks>
public sealed class InstructionSetCompletenessTests(ITestOutputHelper output)
{
    private static readonly HashSet<CpuidFeature> s_levelFeatures =
    [
        CpuidFeature.SSE3, CpuidFeature.SSSE3, CpuidFeature.SSE4_1, CpuidFeature.SSE4_2, CpuidFeature.CMPXCHG16B,
        CpuidFeature.PCLMULQDQ, CpuidFeature.POPCNT, CpuidFeature.LZCNT, CpuidFeature.BMI1, CpuidFeature.BMI2,
        CpuidFeature.MOVBE, CpuidFeature.AVX, CpuidFeature.AVX2, CpuidFeature.FMA, CpuidFeature.F16C, CpuidFeature.XSAVE,
    ];

    /// <summary>Features every x86-64 CPU has, which may accompany a level's feature.</summary>
    private static readonly HashSet<CpuidFeature> s_everyCpu =
        [CpuidFeature.X64, CpuidFeature.SSE, CpuidFeature.SSE2, CpuidFeature.FXSR, CpuidFeature.FPU, CpuidFeature.INTEL386];

    [Fact]
    public void Every_encoding_of_the_v3_extensions_runs()
    {
        var undefined = new List<string>();
        var unbuilt = new List<string>();
        var checkedForms = 0;
        foreach (Code code in Enum.GetValues<Code>())
        {
            if (!InScope(code))
            {
                continue;
            }

            foreach (var memoryForm in new[] { false, true })
            {
                OpCodeInfo info = code.ToOpCode();
                if (memoryForm && !HasMemoryOperand(info))
                {
                    continue;
                }

                if (!memoryForm && !HasRegisterForm(info))
                {
                    continue;
                }

                if (!TryEncode(code, info, memoryForm, out var bytes, out var text))
                {
                    unbuilt.Add($"{code}{(memoryForm ? " (memory)" : string.Empty)}: {text}");
                    continue;
                }

                checkedForms++;
                var machine = new TestMachine(identity: CpuIdentity.V3);
                machine.LoadCode([.. bytes, 0xCC]);
                machine.Cpu.R(Reg.Rax) = TestMachine.DataBase;
                machine.Run(10);
                if (machine.Cpu.ExitVector == Vector.InvalidOpcode)
                {
                    undefined.Add($"{text}  ({code})");
                }
            }
        }

        output.WriteLine($"{checkedForms} encodings run");
        Assert.True(unbuilt.Count == 0, "could not build:\n" + string.Join("\n", unbuilt));
        Assert.True(undefined.Count == 0, $"{undefined.Count} encodings are #UD on v3:\n" + string.Join("\n", undefined));
    }

    /// <summary>An encoding of a level's extension (and nothing beyond the levels), valid in 64-bit mode, not privileged.</summary>
    private static bool InScope(Code code)
    {
        if (code == Code.INVALID)
        {
            return false;
        }

        var features = code.CpuidFeatures();
        if (!features.Any(s_levelFeatures.Contains) || !features.All(f => s_levelFeatures.Contains(f) || s_everyCpu.Contains(f)))
        {
            return false;
        }

        OpCodeInfo info = code.ToOpCode();
        if (Enumerable.Range(0, info.OpCount).Any(i => info.GetOpKind(i).ToString().StartsWith("mm_", StringComparison.Ordinal)))
        {
            return false;
        }

        return info.Mode64 && info.Encoding is EncodingKind.Legacy or EncodingKind.VEX && info.Cpl3 && code != Code.Xsetbv;
    }

    private static bool HasMemoryOperand(OpCodeInfo info) =>
        Enumerable.Range(0, info.OpCount).Any(i => IsMemory(info.GetOpKind(i)) || IsRegisterOrMemory(info.GetOpKind(i)));

    private static bool HasRegisterForm(OpCodeInfo info) =>
        Enumerable.Range(0, info.OpCount).All(i => !IsMemory(info.GetOpKind(i)));

    private static bool IsMemory(OpCodeOperandKind kind) => kind.ToString().StartsWith("mem", StringComparison.Ordinal);

    private static bool IsRegisterOrMemory(OpCodeOperandKind kind) => kind.ToString().EndsWith("_or_mem", StringComparison.Ordinal);

    /// <summary>Builds the instruction with distinct registers per operand and [rax] (or [rax + xmm2/ymm2] for VSIB) as memory.</summary>
    private static bool TryEncode(Code code, OpCodeInfo info, bool memoryForm, out byte[] bytes, out string text)
    {
        if (code == Code.VEX_Vmaskmovdqu_rDI_xmm_xmm)
        {
            // Its memory operand is implicit ([rdi]), which only the dedicated factory builds.
            return Encode(Instruction.CreateVmaskmovdqu(64, Register.XMM1, Register.XMM4), out bytes, out text);
        }

        var arguments = new List<object> { code };
        var types = new List<Type> { typeof(Code) };
        for (var i = 0; i < info.OpCount; i++)
        {
            var kind = info.GetOpKind(i);
            var name = kind.ToString();
            object? operand = name switch
            {
                "imm8" => 1,
                "mem_vsib32x" or "mem_vsib64x" => new MemoryOperand(Register.RAX, Register.XMM2, 1),
                "mem_vsib32y" or "mem_vsib64y" => new MemoryOperand(Register.RAX, Register.YMM2, 1),
                _ when IsMemory(kind) || (memoryForm && IsRegisterOrMemory(kind)) => new MemoryOperand(Register.RAX),
                _ => RegisterFor(name, i),
            };
            if (operand is null)
            {
                bytes = [];
                text = $"operand kind {name}";
                return false;
            }

            arguments.Add(operand);
            // Instruction.Create takes memory operands as "in" parameters.
            types.Add(operand switch { int => typeof(int), MemoryOperand => typeof(MemoryOperand).MakeByRefType(), _ => operand.GetType() });
        }

        MethodInfo? create = typeof(Instruction).GetMethod(nameof(Instruction.Create), [.. types]);
        if (create is null)
        {
            bytes = [];
            text = "no Instruction.Create(" + string.Join(", ", types.Select(t => t.Name)) + ")";
            return false;
        }

        return Encode((Instruction)create.Invoke(null, [.. arguments])!, out bytes, out text);
    }

    private static bool Encode(Instruction instruction, out byte[] bytes, out string text)
    {
        var writer = new CodeWriterImpl();
        var encoder = Encoder.Create(64, writer);
        if (!encoder.TryEncode(instruction, TestMachine.CodeBase, out _, out var error))
        {
            bytes = [];
            text = error;
            return false;
        }

        bytes = writer.ToArray();
        text = instruction.ToString();
        return true;
    }

    /// <summary>A register of the operand's class, distinct per operand position (xmm2/ymm2 are kept for VSIB indexes).</summary>
    private static Register? RegisterFor(string kind, int position)
    {
        Register[] gpr32 = [Register.ECX, Register.EDX, Register.EBX, Register.ESI];
        Register[] gpr64 = [Register.RCX, Register.RDX, Register.RBX, Register.RSI];
        Register[] gpr16 = [Register.CX, Register.DX, Register.BX, Register.SI];
        Register[] gpr8 = [Register.CL, Register.DL, Register.BL, Register.AH];
        Register[] xmm = [Register.XMM1, Register.XMM4, Register.XMM5, Register.XMM6];
        Register[] ymm = [Register.YMM1, Register.YMM4, Register.YMM5, Register.YMM6];
        return kind switch
        {
            _ when kind.StartsWith("r8", StringComparison.Ordinal) => gpr8[position],
            _ when kind.StartsWith("r16", StringComparison.Ordinal) => gpr16[position],
            _ when kind.StartsWith("r32", StringComparison.Ordinal) => gpr32[position],
            _ when kind.StartsWith("r64", StringComparison.Ordinal) => gpr64[position],
            _ when kind.StartsWith("xmm", StringComparison.Ordinal) => xmm[position],
            _ when kind.StartsWith("ymm", StringComparison.Ordinal) => ymm[position],
            _ => null,
        };
    }

    private sealed class CodeWriterImpl : CodeWriter
    {
        private readonly List<byte> _bytes = [];

        public override void WriteByte(byte value) => _bytes.Add(value);

        public byte[] ToArray() => [.. _bytes];
    }
}
