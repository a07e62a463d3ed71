using System.Runtime.Intrinsics;
using HvSim.Cpu.Emulation;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// The write engine runs the SSE4.1 element stores (pextrb/pextrw/pextrd/pextrq, extractps), their
/// VEX forms and movbe's store, and stages exactly the element's bytes; across a page boundary as two writes.
/// (The differential property checks them against the interpreter on random cases.)
/// </summary>
public sealed class Sse4WriteTests
{
    private const ulong CodeBase = 0x40_0000;
    private const ulong PageA = 0x60_0000;
    private const ulong PageB = PageA + 0x1000;
    private const int Rax = 0, Rbx = 3;

    private static readonly MemoryOperand AtRbx = new(Register.RBX);

    public static TheoryData<string> Forms => new(s_forms.Keys);

    /// <summary>Each form with the bytes it must store (XMM3 = 00 01 02 .. 0F, RAX = 11 22 .. 88).</summary>
    private static readonly Dictionary<string, (Instruction Instruction, byte[] Bytes)> s_forms = new()
    {
        ["pextrb [rbx], xmm3, 17"] = (Instruction.Create(Code.Pextrb_r32m8_xmm_imm8, AtRbx, Register.XMM3, 17), [0x01]),
        ["pextrw [rbx], xmm3, 6"] = (Instruction.Create(Code.Pextrw_r32m16_xmm_imm8, AtRbx, Register.XMM3, 6), [0x0C, 0x0D]),
        ["pextrd [rbx], xmm3, 2"] = (Instruction.Create(Code.Pextrd_rm32_xmm_imm8, AtRbx, Register.XMM3, 2), [8, 9, 10, 11]),
        ["pextrq [rbx], xmm3, 1"] = (Instruction.Create(Code.Pextrq_rm64_xmm_imm8, AtRbx, Register.XMM3, 1), [8, 9, 10, 11, 12, 13, 14, 15]),
        ["extractps [rbx], xmm3, 3"] = (Instruction.Create(Code.Extractps_rm32_xmm_imm8, AtRbx, Register.XMM3, 3), [12, 13, 14, 15]),
        ["vpextrb [rbx], xmm3, 17"] = (Instruction.Create(Code.VEX_Vpextrb_r32m8_xmm_imm8, AtRbx, Register.XMM3, 17), [0x01]),
        ["vpextrd [rbx], xmm3, 2"] = (Instruction.Create(Code.VEX_Vpextrd_rm32_xmm_imm8, AtRbx, Register.XMM3, 2), [8, 9, 10, 11]),
        ["vpextrq [rbx], xmm3, 1"] = (Instruction.Create(Code.VEX_Vpextrq_rm64_xmm_imm8, AtRbx, Register.XMM3, 1), [8, 9, 10, 11, 12, 13, 14, 15]),
        ["vextractps [rbx], xmm3, 3"] = (Instruction.Create(Code.VEX_Vextractps_rm32_xmm_imm8, AtRbx, Register.XMM3, 3), [12, 13, 14, 15]),
        ["movbe [rbx], ax"] = (Instruction.Create(Code.Movbe_m16_r16, AtRbx, Register.AX), [0x22, 0x11]),
        ["movbe [rbx], eax"] = (Instruction.Create(Code.Movbe_m32_r32, AtRbx, Register.EAX), [0x44, 0x33, 0x22, 0x11]),
        ["movbe [rbx], rax"] = (Instruction.Create(Code.Movbe_m64_r64, AtRbx, Register.RAX), [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]),
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void StoresTheElementAcrossAPageBoundary(string form)
    {
        (Instruction instruction, byte[] bytes) = s_forms[form];
        var view = new PagedView();
        view.Map(CodeBase, PageAccess.ReadExecute, Encode(instruction));
        view.Map(PageA, PageAccess.ReadWrite);
        view.Map(PageB, PageAccess.ReadWrite);
        var state = new CpuState { Rip = CodeBase, Rflags = 0x202 };
        state.Gpr[Rax] = 0x8877_6655_4433_2211;
        ulong at = bytes.Length > 1 ? PageB - 1 : PageB - 3;
        state.Gpr[Rbx] = at;
        state.Xmm[3] = Vector128<byte>.Indices;

        EmulationResult result = new WriteEmulator(HvSim.Cpu.CpuIdentity.V3).Emulate(state, view); // movbe is a v3 instruction

        Assert.Equal(EmulationStatus.Emulated, result.Status);
        Assert.Equal(bytes.Length > 1 ? 2 : 1, result.Writes);
        Assert.Equal(bytes, view.Peek(at, bytes.Length));
        Assert.Equal(CodeBase + (ulong)Encode(instruction).Length, state.Rip);
    }

    private static byte[] Encode(Instruction instruction)
    {
        var writer = new Writer();
        Iced.Intel.Encoder.Create(64, writer).Encode(instruction, CodeBase);
        return [.. writer.Bytes];
    }

    private sealed class Writer : CodeWriter
    {
        public List<byte> Bytes { get; } = [];

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
