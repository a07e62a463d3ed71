using Iced.Intel;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>What a generated instruction does with memory, as placement and the runners need to know.</summary>
internal static class InstructionKinds
{
    /// <summary>push, pop, call: the stack is memory the instruction writes or reads.</summary>
    public static bool IsStack(in Instruction instruction) =>
        instruction.Mnemonic is Mnemonic.Push or Mnemonic.Pop or Mnemonic.Call;

    /// <summary>movs/stos: ES:rDI (and seg:rSI) operands.</summary>
    public static bool IsString(in Instruction instruction) =>
        instruction.Op0Kind is OpKind.MemoryESRDI or OpKind.MemoryESEDI;

    /// <summary>A string instruction under 0x67: ESI, EDI and ECX.</summary>
    public static bool IsAddress32String(in Instruction instruction) => instruction.Op0Kind == OpKind.MemoryESEDI;

    /// <summary>Runs element by element: a rep-prefixed string instruction.</summary>
    public static bool IsRepString(in Instruction instruction) => IsString(instruction) && instruction.HasRepPrefix;

    public static bool HasMemoryOperand(in Instruction instruction)
    {
        for (int i = 0; i < instruction.OpCount; i++)
        {
            if (instruction.GetOpKind(i) == OpKind.Memory)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>bts/btr/btc m, r: the register whose value offsets the address (as a bit index).</summary>
    public static Register? BitOffsetRegister(in Instruction instruction) =>
        instruction.Mnemonic is Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc
            && instruction.Op0Kind == OpKind.Memory && instruction.Op1Kind == OpKind.Register
            ? instruction.Op1Register
            : null;
}
