using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    /// <summary>
    /// The x87 control instructions (see <see cref="X87ControlOps"/>). The waiting forms (fstcw,
    /// fstsw, finit, fclex, fstenv, fsave), when the decoder joins them with their wait prefix, get
    /// <see cref="X87ControlOps.WaitFirst"/> so that a pending exception traps first.
    /// </summary>
    private static void RegisterX87Control(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, X87Memory(&X87ControlOps.Fnstcw, 0), Mnemonic.Fnstcw);
        Add(table, X87Memory(&X87ControlOps.Fnstcw, X87ControlOps.WaitFirst), Mnemonic.Fstcw);
        Add(table, X87Memory(&X87ControlOps.Fldcw, 0), Mnemonic.Fldcw);
        Add(table, X87Memory(&X87ControlOps.Fnstenv, 0, MemorySize.FpuEnv28), Mnemonic.Fnstenv);
        Add(table, X87Memory(&X87ControlOps.Fnstenv, X87ControlOps.WaitFirst, MemorySize.FpuEnv28), Mnemonic.Fstenv);
        Add(table, X87Memory(&X87ControlOps.Fldenv, 0, MemorySize.FpuEnv28), Mnemonic.Fldenv);
        Add(table, X87Memory(&X87ControlOps.Fnsave, 0, MemorySize.FpuState108), Mnemonic.Fnsave);
        Add(table, X87Memory(&X87ControlOps.Fnsave, X87ControlOps.WaitFirst, MemorySize.FpuState108), Mnemonic.Fsave);
        Add(table, X87Memory(&X87ControlOps.Frstor, 0, MemorySize.FpuState108), Mnemonic.Frstor);
        Add(table, X87Memory(&X87ControlOps.Fxsave, 0), Mnemonic.Fxsave);
        Add(table, X87Memory(&X87ControlOps.Fxsave, 1), Mnemonic.Fxsave64);
        Add(table, X87Memory(&X87ControlOps.Fxrstor, 0), Mnemonic.Fxrstor);
        Add(table, X87Memory(&X87ControlOps.Fxrstor, 1), Mnemonic.Fxrstor64);
        Add(table, X87Fnstsw(0), Mnemonic.Fnstsw);
        Add(table, X87Fnstsw(X87ControlOps.WaitFirst), Mnemonic.Fstsw);
        Add(table, X87Control(&X87ControlOps.Fninit, 0), Mnemonic.Fninit);
        Add(table, X87Control(&X87ControlOps.Fninit, X87ControlOps.WaitFirst), Mnemonic.Finit);
        Add(table, X87Control(&X87ControlOps.Fnclex, 0), Mnemonic.Fnclex);
        Add(table, X87Control(&X87ControlOps.Fnclex, X87ControlOps.WaitFirst), Mnemonic.Fclex);
        Add(table, Simple(&X87ControlOps.Wait), Mnemonic.Wait);
    }

    private static TranslateFn X87Memory(delegate*<Cpu, ref DecodedOp, int> handler, byte sub, MemorySize only = MemorySize.Unknown)
    {
        nint pointer = (nint)handler;
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            if (instruction.Op0Kind != OpKind.Memory || (only != MemorySize.Unknown && instruction.MemorySize != only)
                || !SetMemory(instruction, ref op))
            {
                return false;
            }
            op.Sub = sub;
            op.Handler = (delegate*<Cpu, ref DecodedOp, int>)pointer;
            return true;
        };
    }

    private static TranslateFn X87Control(delegate*<Cpu, ref DecodedOp, int> handler, byte sub)
    {
        nint pointer = (nint)handler;
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            op.Sub = sub;
            op.Handler = (delegate*<Cpu, ref DecodedOp, int>)pointer;
            return true;
        };
    }

    private static TranslateFn X87Fnstsw(byte sub)
    {
        return (in Instruction instruction, ref DecodedOp op) =>
        {
            op.Sub = sub;
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
        };
    }
}
