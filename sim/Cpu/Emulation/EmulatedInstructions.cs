using System.Collections.Frozen;
using Iced.Intel;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// The instructions the write emulator agrees to run, by Iced mnemonic: the writes a
/// checkpointing technique meets in application code (stores, read-modify-writes, atomics,
/// string stores, stack pushes, SSE and VEX stores). An explicit allow-list, because emulation is
/// a promise that the instruction's whole effect can be staged and committed at once; an
/// instruction outside it falls back to page tracking even when the interpreter runs it.
/// </summary>
/// <remarks>
/// A listed mnemonic is still refused when the interpreter does not implement the particular
/// form (its translator yields #UD: e.g. mov cs, push fs, MMX movq) or when
/// its handler raises an exception (#GP for a misaligned movdqa, #UD for a misplaced lock).
/// Deliberately absent: fnstcw and stmxcsr (the engine could run them; fnstcw is the checkpoint
/// tests' and guests/src/txprog.c's canonical instruction the engine refuses, so it stays refused
/// until they get another), system calls and
/// software interrupts (they leave the CPU), and anything that only reads. pushf and enter are
/// absent only because no technique has needed them: their handlers would run here unchanged.
/// </remarks>
internal static class EmulatedInstructions
{
    private static readonly FrozenSet<Mnemonic> s_supported = new[]
    {
        // Plain stores, immediate or register source.
        Mnemonic.Mov,
        // Read-modify-write arithmetic and logic (with or without lock).
        Mnemonic.Add, Mnemonic.Sub, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor,
        Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not,
        // Shifts and rotates by 1, imm8 and CL; double shifts.
        Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr,
        Mnemonic.Shld, Mnemonic.Shrd,
        // Exchanges and atomics (successful and failed compares both write).
        Mnemonic.Xchg, Mnemonic.Cmpxchg, Mnemonic.Cmpxchg8b, Mnemonic.Cmpxchg16b, Mnemonic.Xadd,
        // Bit test-and-modify.
        Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc,
        // setcc m8.
        Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne,
        Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp,
        Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
        // String stores, one element per call under rep (Movsd is also the SSE scalar store).
        Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq,
        Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq,
        // The stack, in memory the view writes.
        Mnemonic.Push, Mnemonic.Pop, Mnemonic.Call,
        // SSE stores.
        Mnemonic.Movdqa, Mnemonic.Movdqu, Mnemonic.Movaps, Mnemonic.Movups, Mnemonic.Movapd, Mnemonic.Movupd,
        Mnemonic.Movq, Mnemonic.Movd, Mnemonic.Movss,
        Mnemonic.Movhps, Mnemonic.Movlps, Mnemonic.Movhpd, Mnemonic.Movlpd,
        Mnemonic.Movnti, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd,
        Mnemonic.Pextrw, Mnemonic.Maskmovdqu,
        // x87 stores (the x87 state travels in the CpuState) and the x87 environment stores.
        Mnemonic.Fst, Mnemonic.Fstp, Mnemonic.Fist, Mnemonic.Fistp, Mnemonic.Fisttp, Mnemonic.Fbstp,
        Mnemonic.Fnstsw, Mnemonic.Fnstenv, Mnemonic.Fnsave, Mnemonic.Fxsave, Mnemonic.Fxsave64,
        // SSE4.1 element stores and movbe's byte-reversed store.
        Mnemonic.Pextrb, Mnemonic.Pextrd, Mnemonic.Pextrq, Mnemonic.Extractps, Mnemonic.Movbe,
        // VEX stores (and the loads of the same mnemonics): whole registers, scalars, halves, lanes, masked elements.
        Mnemonic.Vmovdqa, Mnemonic.Vmovdqu, Mnemonic.Vmovaps, Mnemonic.Vmovups, Mnemonic.Vmovapd, Mnemonic.Vmovupd,
        Mnemonic.Vmovntdq, Mnemonic.Vmovntps, Mnemonic.Vmovntpd,
        Mnemonic.Vmovq, Mnemonic.Vmovd, Mnemonic.Vmovss, Mnemonic.Vmovsd,
        Mnemonic.Vmovhps, Mnemonic.Vmovlps, Mnemonic.Vmovhpd, Mnemonic.Vmovlpd,
        Mnemonic.Vextracti128, Mnemonic.Vextractf128, Mnemonic.Vpextrw,
        Mnemonic.Vmaskmovps, Mnemonic.Vmaskmovpd, Mnemonic.Vpmaskmovd, Mnemonic.Vpmaskmovq, Mnemonic.Vmaskmovdqu,
        Mnemonic.Vpextrb, Mnemonic.Vpextrd, Mnemonic.Vpextrq, Mnemonic.Vextractps, Mnemonic.Vcvtps2ph,
    }.ToFrozenSet();

    /// <summary>True when the engine emulates instructions of this mnemonic (in the forms the interpreter implements).</summary>
    public static bool Supports(Mnemonic mnemonic) => s_supported.Contains(mnemonic);
}
