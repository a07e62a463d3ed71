using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterSystem(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, Simple(&SystemOps.Syscall), Mnemonic.Syscall);
        Add(table, TranslateInt, Mnemonic.Int);
        Add(table, Simple(&SystemOps.Int3), Mnemonic.Int3);
        Add(table, Simple(&SystemOps.Undefined), Mnemonic.Ud2, Mnemonic.Ud0, Mnemonic.Ud1);
        Add(table, Simple(&SystemOps.Hlt), Mnemonic.Hlt);
        Add(table, Simple(&SystemOps.Vmcall), Mnemonic.Vmcall);
        Add(table, Simple(&SystemOps.Cpuid), Mnemonic.Cpuid);
        Add(table, Simple(&SystemOps.Rdtsc), Mnemonic.Rdtsc);
        Add(table, Simple(&SystemOps.Rdtscp), Mnemonic.Rdtscp);
        Add(table, Simple(&SystemOps.Cld), Mnemonic.Cld);
        Add(table, Simple(&SystemOps.Std), Mnemonic.Std);
        Add(table, Simple(&SystemOps.Clc), Mnemonic.Clc);
        Add(table, Simple(&SystemOps.Stc), Mnemonic.Stc);
        Add(table, Simple(&SystemOps.Cmc), Mnemonic.Cmc);
        Add(table, Simple(&SystemOps.Lahf), Mnemonic.Lahf);
        Add(table, Simple(&SystemOps.Sahf), Mnemonic.Sahf);
    }

    private static TranslateFn Simple(delegate*<Cpu, ref DecodedOp, int> handler)
    {
        nint pointer = (nint)handler;
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            op.Handler = (delegate*<Cpu, ref DecodedOp, int>)pointer;
            return true;
        };
    }

    private static bool TranslateInt(in Instruction instruction, ref DecodedOp op)
    {
        op.Imm = instruction.Immediate8;
        op.Handler = &SystemOps.Int;
        return true;
    }
}
