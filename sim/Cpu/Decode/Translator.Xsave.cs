using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>XGETBV and the XSAVE family (user-mode forms only; XSAVES/XRSTORS are privileged).</summary>
internal static unsafe partial class Translator
{
    private static void RegisterXsave(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateXgetbv, Mnemonic.Xgetbv);
        Add(table, XsaveMemory(&XsaveOps.Xsave), Mnemonic.Xsave, Mnemonic.Xsave64, Mnemonic.Xsaveopt, Mnemonic.Xsaveopt64);
        Add(table, XsaveMemory(&XsaveOps.Xsavec), Mnemonic.Xsavec, Mnemonic.Xsavec64);
        Add(table, XsaveMemory(&XsaveOps.Xrstor), Mnemonic.Xrstor, Mnemonic.Xrstor64);
    }

    private static bool TranslateXgetbv(in Instruction instruction, ref DecodedOp op)
    {
        op.Handler = &XsaveOps.Xgetbv;
        return (op.Flags & OpFlags.Lock) == 0;
    }

    private static TranslateFn XsaveMemory(delegate*<Cpu, ref DecodedOp, int> handler)
    {
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            op.Handler = handler;
            op.Sub = (byte)(instruction.Mnemonic is Mnemonic.Xsave64 or Mnemonic.Xsaveopt64 or Mnemonic.Xsavec64 or Mnemonic.Xrstor64 ? 1 : 0);
            return (op.Flags & OpFlags.Lock) == 0 && instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
        };
    }
}
