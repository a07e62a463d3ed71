using HvSim.Mmu;
using HvSim.Cpu.Decode;
using Iced.Intel;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// Fetches and decodes the one instruction at RIP through the view. It asks for the longest
/// instruction x86 allows (15 bytes); when that fails because the next page is not readable, it
/// retries with the bytes up to the end of RIP's page, which suffice whenever the instruction
/// ends there — as a CPU fetches only the bytes an instruction has.
/// </summary>
internal static class InstructionFetch
{
    private const int MaxLength = 15;

    /// <summary>
    /// The decoded instruction (Iced's invalid instruction when the bytes are not one) and its
    /// translation for a CPU with the extensions <paramref name="available"/>, taken from
    /// <paramref name="cache"/> when it holds the same bytes at the same address (and put there when
    /// not); or false with the fault of the first byte the instruction needs but the view cannot fetch.
    /// </summary>
    public static bool TryDecode(IEmulationView view, ulong rip, CpuFeatures available, DecodeCache? cache, out Instruction instruction, out DecodedOp op, out MemoryFault fault)
    {
        Span<byte> bytes = stackalloc byte[MaxLength];
        instruction = default;
        op = default;
        if (view.Fetch(rip, bytes, out fault))
        {
            if (cache is not null && cache.TryGet(rip, bytes, out instruction, out op))
            {
                return true;
            }
            instruction = Decode(bytes, rip, out _);
            Translator.Translate(instruction, ref op, available);
            if (!instruction.IsInvalid)
            {
                cache?.Add(rip, bytes, instruction, op);
            }
            return true;
        }
        int inPage = 4096 - (int)(rip & 0xFFF);
        if (inPage >= MaxLength)
        {
            return false;
        }
        MemoryFault crossing = fault;
        if (!view.Fetch(rip, bytes[..inPage], out fault))
        {
            return false;
        }
        instruction = Decode(bytes[..inPage], rip, out DecoderError error);
        if (error == DecoderError.NoMoreBytes)
        {
            fault = crossing; // the instruction runs into the page that could not be fetched
            return false;
        }
        Translator.Translate(instruction, ref op, available);
        fault = default;
        return true;
    }

    private static Instruction Decode(ReadOnlySpan<byte> bytes, ulong rip, out DecoderError error)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes.ToArray()), rip, DecoderOptions.None);
        decoder.Decode(out Instruction instruction);
        error = decoder.LastError;
        return instruction;
    }
}
