using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// VEX data movement: whole-register loads and stores (aligned, unaligned, non-temporal),
/// scalar and half-register moves, transfers to and from general registers, sign masks,
/// vpinsrw/vpextrw, vmaskmovdqu and vzeroupper/vzeroall. The merging forms reuse the legacy
/// merge structs with the VEX.vvvv register as the merged-into operand.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterAvxMoves(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateVexMoveAligned, Mnemonic.Vmovdqa, Mnemonic.Vmovaps, Mnemonic.Vmovapd);
        Add(table, TranslateVexMoveUnaligned, Mnemonic.Vmovdqu, Mnemonic.Vmovups, Mnemonic.Vmovupd, Mnemonic.Vlddqu);
        Add(table, TranslateVexMoveNonTemporal, Mnemonic.Vmovntdq, Mnemonic.Vmovntps, Mnemonic.Vmovntpd, Mnemonic.Vmovntdqa);
        Add(table, TranslateVmovq, Mnemonic.Vmovq);
        Add(table, TranslateVmovd, Mnemonic.Vmovd);
        Add(table, TranslateVexScalarMove, Mnemonic.Vmovss, Mnemonic.Vmovsd);
        Add(table, TranslateVexMoveHigh, Mnemonic.Vmovhps, Mnemonic.Vmovhpd);
        Add(table, TranslateVexMoveLow, Mnemonic.Vmovlps, Mnemonic.Vmovlpd);
        Add(table, Lanes<MoveHighToLow>, Mnemonic.Vmovhlps);
        Add(table, Lanes<MoveLowToHigh>, Mnemonic.Vmovlhps);
        Add(table, TranslateVexMoveMask, Mnemonic.Vpmovmskb, Mnemonic.Vmovmskps, Mnemonic.Vmovmskpd);
        Add(table, TranslateVpextrw, Mnemonic.Vpextrw);
        Add(table, TranslateVpinsrw, Mnemonic.Vpinsrw);
        Add(table, TranslateVmaskmovdqu, Mnemonic.Vmaskmovdqu);
        Add(table, TranslateVzero, Mnemonic.Vzeroupper, Mnemonic.Vzeroall);
        Add(table, TranslateVexMxcsr, Mnemonic.Vldmxcsr, Mnemonic.Vstmxcsr);
    }

    /// <summary>vldmxcsr/vstmxcsr m32: the legacy handlers (the VEX form differs only in encoding).</summary>
    private static bool TranslateVexMxcsr(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = 4;
        op.Handler = instruction.Mnemonic == Mnemonic.Vldmxcsr ? &SseFloatOps.Ldmxcsr : &SseFloatOps.Stmxcsr;
        return IsVex(instruction, ref op) && instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>vmovdqa/vmovaps/vmovapd: the memory forms need 16- (VEX.128) or 32-byte (VEX.256) alignment.</summary>
    private static bool TranslateVexMoveAligned(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Op0Kind == OpKind.Memory)
        {
            return VexStore(instruction, ref op, &SseMoveOps.StoreAligned, &AvxMoveOps.StoreAligned256);
        }
        return VexForm(instruction, ref op, &AvxOps.L128R<MoveSource>, &AvxMoveOps.LoadAligned128, &AvxOps.L256R<MoveSource>, &AvxMoveOps.LoadAligned256);
    }

    private static bool TranslateVexMoveUnaligned(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Op0Kind == OpKind.Memory)
        {
            return instruction.Mnemonic != Mnemonic.Vlddqu
                && VexStore(instruction, ref op, &SseMoveOps.StoreUnaligned, &AvxMoveOps.Store256);
        }
        return Lanes<MoveSource>(instruction, ref op);
    }

    /// <summary>vmovntdq/ps/pd stores and the vmovntdqa load: the hint has no architectural effect; alignment is required.</summary>
    private static bool TranslateVexMoveNonTemporal(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Mnemonic == Mnemonic.Vmovntdqa)
        {
            return VexForm(instruction, ref op, null, &AvxMoveOps.LoadAligned128, null, &AvxMoveOps.LoadAligned256);
        }
        return VexStore(instruction, ref op, &SseMoveOps.StoreAligned, &AvxMoveOps.StoreAligned256);
    }

    private static bool TranslateVmovq(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Code)
        {
            case Code.VEX_Vmovq_xmm_xmmm64:
            case Code.VEX_Vmovq_xmmm64_xmm when instruction.Op0Kind == OpKind.Register:
                return VexForm(instruction, ref op, &AvxOps.L128R<MoveZeroExtend64>, &AvxOps.L128M<MoveSource>, null, null);
            case Code.VEX_Vmovq_xmmm64_xmm:
                return VexStore(instruction, ref op, &SseMoveOps.StoreLow64, null);
            case Code.VEX_Vmovq_rm64_xmm:
                return instruction.Op0Kind == OpKind.Memory
                    ? VexStore(instruction, ref op, &SseMoveOps.StoreLow64, null)
                    : VexGprFromXmm(instruction, ref op, 8);
            case Code.VEX_Vmovq_xmm_rm64:
                return instruction.Op1Kind == OpKind.Memory
                    ? VexForm(instruction, ref op, null, &AvxOps.L128M<MoveSource>, null, null)
                    : VexXmmFromGpr(instruction, ref op, 8);
            default:
                return false;
        }
    }

    private static bool TranslateVmovd(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Code)
        {
            case Code.VEX_Vmovd_xmm_rm32:
                return instruction.Op1Kind == OpKind.Memory
                    ? VexForm(instruction, ref op, null, &AvxOps.L128M<MoveSource>, null, null)
                    : VexXmmFromGpr(instruction, ref op, 4);
            case Code.VEX_Vmovd_rm32_xmm:
                return instruction.Op0Kind == OpKind.Memory
                    ? VexStore(instruction, ref op, &SseMoveOps.StoreLow32, null)
                    : VexGprFromXmm(instruction, ref op, 4);
            default:
                return false;
        }
    }

    /// <summary>
    /// vmovss/vmovsd: xmm1, xmm2, xmm3 merges (low element from xmm3, the rest of bits 127:0 from
    /// xmm2); xmm1, m32/m64 loads zero-extended; m32/m64, xmm1 stores the low element.
    /// </summary>
    private static bool TranslateVexScalarMove(in Instruction instruction, ref DecodedOp op)
    {
        bool single = instruction.Mnemonic == Mnemonic.Vmovss;
        if (instruction.Op0Kind == OpKind.Memory)
        {
            return VexStore(instruction, ref op, single ? &SseMoveOps.StoreLow32 : &SseMoveOps.StoreLow64, null);
        }
        if (instruction.Op1Kind == OpKind.Memory)
        {
            return VexForm(instruction, ref op, null, &AvxOps.L128M<MoveSource>, null, null);
        }
        return single
            ? VexForm(instruction, ref op, &AvxOps.L128R<MoveMergeLow32>, null, null, null)
            : VexForm(instruction, ref op, &AvxOps.L128R<MoveMergeLow64>, null, null, null);
    }

    /// <summary>vmovhps/vmovhpd xmm1, xmm2, m64 (m64 into the high quadword, the low from xmm2) and m64, xmm1.</summary>
    private static bool TranslateVexMoveHigh(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Op0Kind == OpKind.Memory
            ? VexStore(instruction, ref op, &SseMoveOps.StoreHigh64, null)
            : VexForm(instruction, ref op, null, &AvxOps.L128M<MoveLowToHigh>, null, null);
    }

    /// <summary>vmovlps/vmovlpd xmm1, xmm2, m64 (m64 into the low quadword, the high from xmm2) and m64, xmm1.</summary>
    private static bool TranslateVexMoveLow(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Op0Kind == OpKind.Memory
            ? VexStore(instruction, ref op, &SseMoveOps.StoreLow64, null)
            : VexForm(instruction, ref op, null, &AvxOps.L128M<MoveMergeLow64>, null, null);
    }

    private static bool TranslateVexMoveMask(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.Op1Kind != OpKind.Register || !Vector(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        bool wide = instruction.Op1Register.IsYMM();
        op.Handler = instruction.Mnemonic switch
        {
            Mnemonic.Vpmovmskb => wide ? &AvxMoveOps.Pmovmskb256 : &SseMoveOps.Pmovmskb,
            Mnemonic.Vmovmskps => wide ? &AvxMoveOps.Movmskps256 : &SseMoveOps.Movmskps,
            _ => wide ? &AvxMoveOps.Movmskpd256 : &SseMoveOps.Movmskpd,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        return Gpr(instruction.Op0Register, out op.Dst);
    }

    /// <summary>vpextrw r32/r64, xmm, imm8 (both encodings) and m16, xmm, imm8 (VEX.66.0F3A 15).</summary>
    private static bool TranslateVpextrw(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || !Vector(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        op.Imm = instruction.Immediate8;
        if (instruction.Op0Kind == OpKind.Memory)
        {
            op.Handler = &AvxMoveOps.PextrwStore;
            return SetMemory(instruction, ref op);
        }
        op.Handler = &SseMoveOps.Pextrw;
        return Gpr(instruction.Op0Register, out op.Dst);
    }

    /// <summary>vpinsrw xmm1, xmm2, r32/m16, imm8.</summary>
    private static bool TranslateVpinsrw(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || !Vector(instruction.Op0Register, out op.Dst) || !Vector(instruction.Op1Register, out op.Sub))
        {
            return false;
        }
        op.Imm = instruction.Immediate8;
        op.Size = 16;
        if (instruction.Op2Kind == OpKind.Register)
        {
            op.Handler = &AvxMoveOps.PinsrwR;
            return Gpr(instruction.Op2Register, out op.Src);
        }
        op.Handler = &AvxMoveOps.PinsrwM;
        return SetMemory(instruction, ref op);
    }

    /// <summary>vmaskmovdqu xmm1, xmm2: as maskmovdqu (the implicit operand is seg:[rDI]).</summary>
    private static bool TranslateVmaskmovdqu(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.Code != Code.VEX_Vmaskmovdqu_rDI_xmm_xmm)
        {
            return false;
        }
        return SetMaskmovDestination(instruction, ref op)
            && Vector(instruction.Op1Register, out op.Dst)
            && Vector(instruction.Op2Register, out op.Src);
    }

    private static bool TranslateVzero(in Instruction instruction, ref DecodedOp op)
    {
        op.Handler = instruction.Mnemonic == Mnemonic.Vzeroupper ? &AvxMoveOps.Vzeroupper : &AvxMoveOps.Vzeroall;
        return IsVex(instruction, ref op);
    }

    /// <summary>vmovd/vmovq xmm, r32/r64.</summary>
    private static bool VexXmmFromGpr(in Instruction instruction, ref DecodedOp op, int size)
    {
        op.Size = (byte)size;
        op.Handler = &AvxMoveOps.XmmFromGpr;
        return IsVex(instruction, ref op)
            && Vector(instruction.Op0Register, out op.Dst)
            && Gpr(instruction.Op1Register, out op.Src);
    }

    /// <summary>vmovd/vmovq r32/r64, xmm (reads only the XMM part, as the legacy form).</summary>
    private static bool VexGprFromXmm(in Instruction instruction, ref DecodedOp op, int size)
    {
        op.Size = (byte)size;
        op.Handler = &SseMoveOps.GprFromXmm;
        return IsVex(instruction, ref op)
            && Gpr(instruction.Op0Register, out op.Dst)
            && Vector(instruction.Op1Register, out op.Src);
    }
}
