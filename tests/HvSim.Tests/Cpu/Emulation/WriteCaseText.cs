using System.Text;
using HvSim.HostOracle;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>A case as a reader wants it in a failure: the instruction disassembled with its bytes, the registers, flags and XMM registers it starts from, and the memory around its accesses.</summary>
internal static class WriteCaseText
{
    public static string Describe(WriteCase c)
    {
        CaseInput input = CaseInput.From(c);
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"{c.Family}: {Disassembly.Format(c.Instruction)}    ; {Hex(input.Code.AsSpan(0, input.Code.Length - 1))}");
        text.AppendLine("  input:");
        for (int i = 0; i < Gpr.Count; i++)
        {
            text.Append($"    {Gpr.Names[i],-3}=0x{input.Gpr[i]:X16}");
            if (i % 4 == 3)
            {
                text.AppendLine();
            }
        }
        text.AppendLine($"    RFLAGS=[{Rflags.Format(input.Rflags)}]  FS.base=0x{input.FsBase:X}  GS.base=0x{input.GsBase:X}");
        foreach (int n in XmmNumbers(c.Instruction))
        {
            text.AppendLine($"    XMM{n,-2}={c.Xmm[n]}");
        }
        Placement p = c.Placement;
        text.AppendLine($"  placement: target=0x{p.Target:X} stack=0x{p.Stack:X} source=0x{p.Source:X} count={p.Count} equal={p.Equal} bit-offset={p.BitOffset}");
        AppendMemory(text, "target", p.Target, input.Image);
        if (InstructionKinds.IsStack(c.Instruction))
        {
            AppendMemory(text, "stack", p.Stack, input.Image);
        }
        if (c.Instruction.Op1Kind is OpKind.MemorySegRSI or OpKind.MemorySegESI)
        {
            AppendMemory(text, "source", p.Source, input.Image);
        }
        text.AppendLine(c.MemorySeed < 0 ? "  memory: all zero" : $"  memory: random bytes (seed {c.MemorySeed})");
        return text.ToString();
    }

    /// <summary>"48 89 03".</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(b => b.ToString("X2")));

    /// <summary>The 32 bytes around <paramref name="address"/> that lie in the image.</summary>
    private static void AppendMemory(StringBuilder text, string name, ulong address, byte[] image)
    {
        ulong start = (address & ~0xFUL) - 16;
        var row = new StringBuilder();
        for (ulong at = start; at < start + 48; at++)
        {
            ulong offset = at - EmulationLayout.Data;
            row.Append(offset < (ulong)image.Length ? image[offset].ToString("X2") : "--");
            row.Append(at % 16 == 15 ? "  " : " ");
        }
        text.AppendLine($"    {name} 0x{start:X}: {row.ToString().TrimEnd()}");
    }

    private static IEnumerable<int> XmmNumbers(Instruction instruction) =>
        Enumerable.Range(0, instruction.OpCount)
            .Where(i => instruction.GetOpKind(i) == OpKind.Register && instruction.GetOpRegister(i).IsXMM())
            .Select(i => instruction.GetOpRegister(i) - Register.XMM0)
            .Distinct();
}
