using System.Text;
using Iced.Intel;
using Encoder = Iced.Intel.Encoder;

namespace HvSim.Tests.Cpu.Oracle;

/// <summary>Encoding and NASM-style formatting of generated instructions, for running and for failure messages.</summary>
internal static class Disassembly
{
    [ThreadStatic]
    private static NasmFormatter? t_formatter;

    /// <summary>One instruction in NASM syntax, e.g. "lock add dword [rdi+0x10], eax".</summary>
    public static string Format(in Instruction instruction)
    {
        var formatter = t_formatter ??= CreateFormatter();
        var output = new StringOutput();
        formatter.Format(instruction, output);
        return output.ToStringAndReset();
    }

    /// <summary>Encodes one instruction (position independent: nothing generated is IP-relative).</summary>
    public static byte[] Encode(in Instruction instruction)
    {
        var writer = new BytesWriter();
        var encoder = Encoder.Create(64, writer);
        if (!encoder.TryEncode(instruction, 0, out _, out string? error))
        {
            throw new InvalidOperationException($"Cannot encode {instruction.Code}: {error}");
        }

        return writer.ToArray();
    }

    /// <summary>True when Iced can encode the instruction in 64-bit mode (e.g. AH is not combined with a REX prefix).</summary>
    public static bool CanEncode(in Instruction instruction)
    {
        var encoder = Encoder.Create(64, new BytesWriter());
        return encoder.TryEncode(instruction, 0, out _, out _);
    }

    public static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(part => part).ToArray();

    /// <summary>One numbered line per instruction with its encoding, e.g. "  0: add rax, rbx    ; 48 01 D8".</summary>
    public static string Listing(IReadOnlyList<Instruction> instructions, string indent = "  ")
    {
        if (instructions.Count == 0)
        {
            return indent + "(no instructions)" + Environment.NewLine;
        }

        var text = new StringBuilder();
        for (int i = 0; i < instructions.Count; i++)
        {
            text.Append(indent).Append($"{i,2}: ").Append(Line(instructions[i])).AppendLine();
        }

        return text.ToString();
    }

    /// <summary>"add rax, rbx    ; 48 01 D8".</summary>
    public static string Line(in Instruction instruction)
    {
        string bytes = CanEncode(instruction) ? Convert.ToHexString(Encode(instruction)) : "(unencodable)";
        var spaced = new StringBuilder();
        for (int i = 0; i < bytes.Length; i += 2)
        {
            spaced.Append(i == 0 ? string.Empty : " ").Append(bytes, i, Math.Min(2, bytes.Length - i));
        }

        return $"{Format(instruction),-40} ; {spaced}";
    }

    private static NasmFormatter CreateFormatter()
    {
        var formatter = new NasmFormatter();
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = null;
        formatter.Options.SpaceAfterOperandSeparator = true;
        formatter.Options.UppercaseHex = true;
        formatter.Options.ShowBranchSize = false;
        return formatter;
    }

    private sealed class BytesWriter : CodeWriter
    {
        private readonly List<byte> _bytes = new(16);

        public override void WriteByte(byte value) => _bytes.Add(value);

        public byte[] ToArray() => _bytes.ToArray();
    }
}
