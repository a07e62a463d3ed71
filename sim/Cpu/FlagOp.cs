namespace HvSim.Cpu;

/// <summary>
/// How the status flags of the last flag-writing instruction are to be computed (lazy flags, as
/// in Bochs and QEMU): the instruction stores its operands and result, and a flag is derived
/// only when something reads it. <see cref="Materialized"/> means the flags are stored as bits.
/// </summary>
public enum FlagOp : byte
{
    Materialized,
    Add,   // res = dst + src
    Adc,   // res = dst + src + carry-in (Aux)
    Sub,   // res = dst - src (also cmp)
    Sbb,   // res = dst - src - borrow-in (Aux)
    Logic, // and/or/xor/test: CF = OF = AF = 0
    Inc,   // res = dst + 1, CF kept (Aux)
    Dec,   // res = dst - 1, CF kept (Aux)
    Neg,   // res = 0 - dst
}
