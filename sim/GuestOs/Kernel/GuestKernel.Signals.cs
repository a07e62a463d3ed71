using HvSim.GuestOs.Linux;
using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.GuestOs.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>
    /// Delivers a synchronous signal raised by the current instruction. Handlers installed with
    /// rt_sigaction are not yet invoked (signal frames come with the fault-path work); a signal
    /// raised by a fault cannot be ignored, so it ends the process with its default action:
    /// status 128+n and a one-line report naming the signal, RIP, the address and the instruction.
    /// </summary>
    public void RaiseSignal(Process process, Signal signal, int code, ulong address)
    {
        string instruction = DisassembleAt(Cpu.Rip);
        process.FatalReport =
            $"hvsim: guest killed by {signal} ({SigCodes.Name(signal, code)}) at rip 0x{Cpu.Rip:x}, address 0x{address:x}: {instruction}";
        Exit(process, 128 + (int)signal);
    }

    /// <summary>The instruction at a user address in Intel syntax, or a note why it cannot be read.</summary>
    public string DisassembleAt(ulong rip)
    {
        var bytes = new byte[15];
        int available = 0;
        for (; available < bytes.Length; available++)
        {
            if (!Mmu.Walker.TryWalk(Mmu.Cr3, rip + (ulong)available, AccessKind.Read, user: false, out Translation t, out _))
            {
                break;
            }
            bytes[available] = Memory.TryGet(new HvSim.Core.Frame(t.PhysicalPage >> 12))?.Bytes[(int)((rip + (ulong)available) & 0xFFF)] ?? 0;
        }
        if (available == 0)
        {
            return "(instruction not readable)";
        }
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes, 0, available), rip);
        decoder.Decode(out Instruction instruction);
        if (instruction.IsInvalid)
        {
            return $"(invalid opcode bytes {Convert.ToHexString(bytes, 0, Math.Min(available, 4)).ToLowerInvariant()})";
        }
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        formatter.Format(instruction, output);
        return output.ToStringAndReset();
    }
}
