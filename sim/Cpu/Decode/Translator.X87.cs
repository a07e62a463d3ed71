using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    /// <summary>
    /// The x87 environment only (see <see cref="X87ControlOps"/>): enough for glibc's rounding-mode
    /// and fenv code. The waiting forms (fstcw, fstsw, finit, fclex, fstenv) are registered too
    /// in case the decoder joins them with their wait prefix.
    /// </summary>
    private static void RegisterX87Control(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, X87Memory(&X87ControlOps.Fnstcw), Mnemonic.Fnstcw, Mnemonic.Fstcw);
        Add(table, X87Memory(&X87ControlOps.Fldcw), Mnemonic.Fldcw);
        Add(table, X87Memory(&X87ControlOps.Fnstenv), Mnemonic.Fnstenv, Mnemonic.Fstenv);
        Add(table, X87Memory(&X87ControlOps.Fldenv), Mnemonic.Fldenv);
        Add(table, TranslateFnstsw, Mnemonic.Fnstsw, Mnemonic.Fstsw);
        Add(table, Simple(&X87ControlOps.Fninit), Mnemonic.Fninit, Mnemonic.Finit);
        Add(table, Simple(&X87ControlOps.Fnclex), Mnemonic.Fnclex, Mnemonic.Fclex);
        Add(table, Simple(&X87ControlOps.Wait), Mnemonic.Wait);
    }

    private static TranslateFn X87Memory(delegate*<Cpu, ref DecodedOp, int> handler)
    {
        nint pointer = (nint)handler;
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            if (instruction.Op0Kind != OpKind.Memory || !SetMemory(instruction, ref op))
            {
                return false;
            }
            op.Handler = (delegate*<Cpu, ref DecodedOp, int>)pointer;
            return true;
        };
    }

    private static bool TranslateFnstsw(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &X87ControlOps.FnstswAx;
            return instruction.Op0Register == Register.AX;
        }
        if (!SetMemory(instruction, ref op))
        {
            return false;
        }
        op.Handler = &X87ControlOps.FnstswMemory;
        return true;
    }
}
