using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// The SSE/SSE2 group (integer, moves, shuffles; floating point in Translator.SseFloat.cs). One
/// line per mnemonic: the generic form helper picks the operand shapes, the struct the operation.
/// Only the baseline x86-64 set is here; SSE3 moves and SSSE3, SSE4.1 and SSE4.2 have their own
/// group files. AVX encodings and the MMX forms of these mnemonics stay #UD.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterSse(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateMoveAligned, Mnemonic.Movdqa, Mnemonic.Movaps, Mnemonic.Movapd);
        Add(table, TranslateMoveUnaligned, Mnemonic.Movdqu, Mnemonic.Movups, Mnemonic.Movupd);
        Add(table, TranslateMoveNonTemporal, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd, Mnemonic.Movnti);
        Add(table, TranslateMovq, Mnemonic.Movq);
        Add(table, TranslateMovd, Mnemonic.Movd);
        Add(table, TranslateMovss, Mnemonic.Movss);
        Add(table, TranslateMoveHigh, Mnemonic.Movhps, Mnemonic.Movhpd);
        Add(table, TranslateMoveLow, Mnemonic.Movlps, Mnemonic.Movlpd);
        Add(table, RegisterOnly<MoveHighToLow>, Mnemonic.Movhlps);
        Add(table, RegisterOnly<MoveLowToHigh>, Mnemonic.Movlhps);
        Add(table, TranslateMoveMask, Mnemonic.Pmovmskb, Mnemonic.Movmskps, Mnemonic.Movmskpd);
        Add(table, TranslatePextrw, Mnemonic.Pextrw);
        Add(table, TranslatePinsrw, Mnemonic.Pinsrw);
        Add(table, TranslateMaskmovdqu, Mnemonic.Maskmovdqu);

        Add(table, Packed<Pand>, Mnemonic.Pand, Mnemonic.Andps, Mnemonic.Andpd);
        Add(table, Packed<Pandn>, Mnemonic.Pandn, Mnemonic.Andnps, Mnemonic.Andnpd);
        Add(table, Packed<Por>, Mnemonic.Por, Mnemonic.Orps, Mnemonic.Orpd);
        Add(table, Packed<Pxor>, Mnemonic.Pxor, Mnemonic.Xorps, Mnemonic.Xorpd);

        Add(table, Packed<Paddb>, Mnemonic.Paddb);
        Add(table, Packed<Paddw>, Mnemonic.Paddw);
        Add(table, Packed<Paddd>, Mnemonic.Paddd);
        Add(table, Packed<Paddq>, Mnemonic.Paddq);
        Add(table, Packed<Psubb>, Mnemonic.Psubb);
        Add(table, Packed<Psubw>, Mnemonic.Psubw);
        Add(table, Packed<Psubd>, Mnemonic.Psubd);
        Add(table, Packed<Psubq>, Mnemonic.Psubq);
        Add(table, Packed<Paddsb>, Mnemonic.Paddsb);
        Add(table, Packed<Paddsw>, Mnemonic.Paddsw);
        Add(table, Packed<Paddusb>, Mnemonic.Paddusb);
        Add(table, Packed<Paddusw>, Mnemonic.Paddusw);
        Add(table, Packed<Psubsb>, Mnemonic.Psubsb);
        Add(table, Packed<Psubsw>, Mnemonic.Psubsw);
        Add(table, Packed<Psubusb>, Mnemonic.Psubusb);
        Add(table, Packed<Psubusw>, Mnemonic.Psubusw);
        Add(table, Packed<Pmullw>, Mnemonic.Pmullw);
        Add(table, Packed<Pmulhw>, Mnemonic.Pmulhw);
        Add(table, Packed<Pmulhuw>, Mnemonic.Pmulhuw);
        Add(table, Packed<Pmuludq>, Mnemonic.Pmuludq);
        Add(table, Packed<Pmaddwd>, Mnemonic.Pmaddwd);
        Add(table, Packed<Psadbw>, Mnemonic.Psadbw);
        Add(table, Packed<Pavgb>, Mnemonic.Pavgb);
        Add(table, Packed<Pavgw>, Mnemonic.Pavgw);
        Add(table, Packed<Pminub>, Mnemonic.Pminub);
        Add(table, Packed<Pmaxub>, Mnemonic.Pmaxub);
        Add(table, Packed<Pminsw>, Mnemonic.Pminsw);
        Add(table, Packed<Pmaxsw>, Mnemonic.Pmaxsw);
        Add(table, Packed<Pcmpeqb>, Mnemonic.Pcmpeqb);
        Add(table, Packed<Pcmpeqw>, Mnemonic.Pcmpeqw);
        Add(table, Packed<Pcmpeqd>, Mnemonic.Pcmpeqd);
        Add(table, Packed<Pcmpgtb>, Mnemonic.Pcmpgtb);
        Add(table, Packed<Pcmpgtw>, Mnemonic.Pcmpgtw);
        Add(table, Packed<Pcmpgtd>, Mnemonic.Pcmpgtd);

        Add(table, Shift<Psllw>, Mnemonic.Psllw);
        Add(table, Shift<Pslld>, Mnemonic.Pslld);
        Add(table, Shift<Psllq>, Mnemonic.Psllq);
        Add(table, Shift<Psrlw>, Mnemonic.Psrlw);
        Add(table, Shift<Psrld>, Mnemonic.Psrld);
        Add(table, Shift<Psrlq>, Mnemonic.Psrlq);
        Add(table, Shift<Psraw>, Mnemonic.Psraw);
        Add(table, Shift<Psrad>, Mnemonic.Psrad);
        Add(table, ByteShift<Pslldq>, Mnemonic.Pslldq);
        Add(table, ByteShift<Psrldq>, Mnemonic.Psrldq);

        Add(table, Packed<Punpcklbw>, Mnemonic.Punpcklbw);
        Add(table, Packed<Punpcklwd>, Mnemonic.Punpcklwd);
        Add(table, Packed<Punpckldq>, Mnemonic.Punpckldq, Mnemonic.Unpcklps);
        Add(table, Packed<Punpcklqdq>, Mnemonic.Punpcklqdq, Mnemonic.Unpcklpd);
        Add(table, Packed<Punpckhbw>, Mnemonic.Punpckhbw);
        Add(table, Packed<Punpckhwd>, Mnemonic.Punpckhwd);
        Add(table, Packed<Punpckhdq>, Mnemonic.Punpckhdq, Mnemonic.Unpckhps);
        Add(table, Packed<Punpckhqdq>, Mnemonic.Punpckhqdq, Mnemonic.Unpckhpd);
        Add(table, Packed<Packsswb>, Mnemonic.Packsswb);
        Add(table, Packed<Packssdw>, Mnemonic.Packssdw);
        Add(table, Packed<Packuswb>, Mnemonic.Packuswb);
        Add(table, PackedImm<Pshufd>, Mnemonic.Pshufd);
        Add(table, PackedImm<Pshuflw>, Mnemonic.Pshuflw);
        Add(table, PackedImm<Pshufhw>, Mnemonic.Pshufhw);
        Add(table, PackedImm<Shufps>, Mnemonic.Shufps);
        Add(table, PackedImm<Shufpd>, Mnemonic.Shufpd);

        RegisterSseFloat(table);
    }

    /// <summary>
    /// The SSE forms of the mnemonics shared with string instructions (movsd xmm, cmpsd xmm, imm8);
    /// the string group calls this for every Movsd/Cmpsd code that is not a string operation.
    /// </summary>
    internal static bool TranslateSseScalarDouble(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Code)
        {
            case Code.Movsd_xmm_xmmm64:
                return XmmSource(instruction, ref op, &SseOps.RR<MoveMergeLow64>, &SseOps.RM64<MoveSource>);
            case Code.Movsd_xmmm64_xmm:
                return instruction.Op0Kind == OpKind.Register
                    ? RegisterOnly<MoveMergeLow64>(instruction, ref op)
                    : Store(instruction, ref op, &SseMoveOps.StoreLow64);
            case Code.Cmpsd_xmm_xmmm64_imm8:
                return FloatLow64Imm<Cmpsd>(instruction, ref op);
            default:
                return false;
        }
    }

    private static bool TranslateMoveAligned(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Op0Kind == OpKind.Memory
            ? Store(instruction, ref op, &SseMoveOps.StoreAligned)
            : Packed<MoveSource>(instruction, ref op);
    }

    private static bool TranslateMoveUnaligned(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Op0Kind == OpKind.Memory
            ? Store(instruction, ref op, &SseMoveOps.StoreUnaligned)
            : XmmSource(instruction, ref op, &SseOps.RR<MoveSource>, &SseOps.RM128U<MoveSource>);
    }

    /// <summary>movnt*: the non-temporal hint has no architectural effect; movntdq/ps/pd need 16-byte alignment.</summary>
    private static bool TranslateMoveNonTemporal(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Mnemonic != Mnemonic.Movnti)
        {
            return Store(instruction, ref op, &SseMoveOps.StoreAligned);
        }
        op.Size = (byte)OperandSize(instruction, 0);
        op.Handler = MovFast.MemoryRegister(op.Size);
        return (op.Flags & OpFlags.Lock) == 0
            && instruction.Op0Kind == OpKind.Memory
            && Gpr(instruction.Op1Register, out op.Src)
            && SetMemory(instruction, ref op);
    }

    private static bool TranslateMovq(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Code)
        {
            case Code.Movq_xmm_xmmm64:
                return XmmSource(instruction, ref op, &SseOps.RR<MoveZeroExtend64>, &SseOps.RM64<MoveSource>);
            case Code.Movq_xmmm64_xmm:
            case Code.Movq_rm64_xmm:
                if (instruction.Op0Kind == OpKind.Memory)
                {
                    return Store(instruction, ref op, &SseMoveOps.StoreLow64);
                }
                return instruction.Code == Code.Movq_xmmm64_xmm
                    ? RegisterOnly<MoveZeroExtend64>(instruction, ref op)
                    : GprFromXmm(instruction, ref op, 8);
            case Code.Movq_xmm_rm64:
                return instruction.Op1Kind == OpKind.Memory
                    ? XmmSource(instruction, ref op, null, &SseOps.RM64<MoveSource>)
                    : XmmFromGpr(instruction, ref op, 8);
            default:
                return false; // MMX forms
        }
    }

    private static bool TranslateMovd(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Code)
        {
            case Code.Movd_xmm_rm32:
                return instruction.Op1Kind == OpKind.Memory
                    ? XmmSource(instruction, ref op, null, &SseOps.RM32<MoveSource>)
                    : XmmFromGpr(instruction, ref op, 4);
            case Code.Movd_rm32_xmm:
                return instruction.Op0Kind == OpKind.Memory
                    ? Store(instruction, ref op, &SseMoveOps.StoreLow32)
                    : GprFromXmm(instruction, ref op, 4);
            default:
                return false; // MMX forms
        }
    }

    private static bool TranslateMovss(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Code)
        {
            case Code.Movss_xmm_xmmm32:
                return XmmSource(instruction, ref op, &SseOps.RR<MoveMergeLow32>, &SseOps.RM32<MoveSource>);
            case Code.Movss_xmmm32_xmm:
                return instruction.Op0Kind == OpKind.Register
                    ? RegisterOnly<MoveMergeLow32>(instruction, ref op)
                    : Store(instruction, ref op, &SseMoveOps.StoreLow32);
            default:
                return false;
        }
    }

    /// <summary>movhps/movhpd: m64 to or from the high quadword.</summary>
    private static bool TranslateMoveHigh(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Op0Kind == OpKind.Memory
            ? Store(instruction, ref op, &SseMoveOps.StoreHigh64)
            : XmmSource(instruction, ref op, null, &SseOps.RM64<MoveLowToHigh>);
    }

    /// <summary>movlps/movlpd: m64 to or from the low quadword (the register forms decode as movhlps/movlhps).</summary>
    private static bool TranslateMoveLow(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Op0Kind == OpKind.Memory
            ? Store(instruction, ref op, &SseMoveOps.StoreLow64)
            : XmmSource(instruction, ref op, null, &SseOps.RM64<MoveMergeLow64>);
    }

    private static bool TranslateMoveMask(in Instruction instruction, ref DecodedOp op)
    {
        op.Handler = instruction.Mnemonic switch
        {
            Mnemonic.Pmovmskb => &SseMoveOps.Pmovmskb,
            Mnemonic.Movmskps => &SseMoveOps.Movmskps,
            _ => &SseMoveOps.Movmskpd,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        return (op.Flags & OpFlags.Lock) == 0
            && Gpr(instruction.Op0Register, out op.Dst)
            && instruction.Op1Kind == OpKind.Register
            && Xmm(instruction.Op1Register, out op.Src);
    }

    /// <summary>pextrw r32/r64, xmm, imm8; the SSE4.1 encoding 66 0F 3A 15 (r/m16 destination) goes to the SSE4.1 extracts.</summary>
    private static bool TranslatePextrw(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Code is Code.Pextrw_r32m16_xmm_imm8 or Code.Pextrw_r64m16_xmm_imm8)
        {
            return TranslateElementExtract(instruction, ref op);
        }
        if (instruction.Code != Code.Pextrw_r32_xmm_imm8 && instruction.Code != Code.Pextrw_r64_xmm_imm8)
        {
            return false;
        }
        op.Handler = &SseMoveOps.Pextrw;
        op.Imm = instruction.Immediate8;
        return (op.Flags & OpFlags.Lock) == 0
            && Gpr(instruction.Op0Register, out op.Dst)
            && Xmm(instruction.Op1Register, out op.Src);
    }

    private static bool TranslatePinsrw(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Code != Code.Pinsrw_xmm_r32m16_imm8 && instruction.Code != Code.Pinsrw_xmm_r64m16_imm8)
        {
            return false;
        }
        op.Imm = instruction.Immediate8;
        if ((op.Flags & OpFlags.Lock) != 0 || !Xmm(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &SseMoveOps.PinsrwR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &SseMoveOps.PinsrwM;
        return SetMemory(instruction, ref op);
    }

    /// <summary>maskmovdqu xmm1, xmm2: the implicit operand is seg:[rDI] (seg DS unless overridden).</summary>
    private static bool TranslateMaskmovdqu(in Instruction instruction, ref DecodedOp op)
    {
        if ((op.Flags & OpFlags.Lock) != 0 || instruction.Code != Code.Maskmovdqu_rDI_xmm_xmm)
        {
            return false;
        }
        return SetMaskmovDestination(instruction, ref op)
            && Xmm(instruction.Op1Register, out op.Dst)
            && Xmm(instruction.Op2Register, out op.Src);
    }

    /// <summary>
    /// (V)MASKMOVDQU's handler and implicit destination seg:[rDI] (DS unless overridden; [EDI] with
    /// an address-size prefix). False when operand 0 is not that implicit operand.
    /// </summary>
    private static bool SetMaskmovDestination(in Instruction instruction, ref DecodedOp op)
    {
        op.Handler = &SseMoveOps.Maskmovdqu;
        op.Base = Reg.Rdi;
        op.Disp = 0;
        op.Seg = instruction.MemorySegment switch
        {
            Register.FS => Reg.FsBase,
            Register.GS => Reg.GsBase,
            _ => Reg.Zero,
        };
        if (instruction.Op0Kind == OpKind.MemorySegEDI)
        {
            op.Flags |= OpFlags.Addr32;
        }
        return instruction.Op0Kind is OpKind.MemorySegRDI or OpKind.MemorySegEDI;
    }

    // Operand-shape helpers. Dst is always the first operand; lock is #UD on every SSE instruction.

    /// <summary>xmm, xmm/m128 with the m128 16-byte aligned (the legacy SSE rule).</summary>
    private static bool Packed<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return XmmSource(instruction, ref op, &SseOps.RR<T>, &SseOps.RM128<T>);
    }

    /// <summary>xmm, xmm/m64 (scalar double and the half-width conversions; no alignment).</summary>
    private static bool Low64<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return XmmSource(instruction, ref op, &SseOps.RR<T>, &SseOps.RM64<T>);
    }

    /// <summary>xmm, xmm/m32 (scalar single; no alignment).</summary>
    private static bool Low32<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return XmmSource(instruction, ref op, &SseOps.RR<T>, &SseOps.RM32<T>);
    }

    private static bool PackedImm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseOps.RRI<T>, &SseOps.RM128I<T>);
    }

    private static bool Low64Imm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseOps.RRI<T>, &SseOps.RM64I<T>);
    }

    private static bool Low32Imm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseOps.RRI<T>, &SseOps.RM32I<T>);
    }

    /// <summary>Register-only forms: movhlps, movlhps, and the store-direction encodings with a register destination (movss/movsd/movq xmm1, xmm2 via 0F 11 / 0F D6).</summary>
    private static bool RegisterOnly<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return XmmSource(instruction, ref op, &SseOps.RR<T>, null);
    }

    /// <summary>psllw..psrad: by imm8, or by the count in an XMM register or aligned m128.</summary>
    private static bool Shift<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (instruction.Op1Kind == OpKind.Immediate8)
        {
            op.Imm = instruction.Immediate8;
            op.Size = 16;
            op.Handler = &SseOps.ShiftImm<T>;
            return (op.Flags & OpFlags.Lock) == 0 && Xmm(instruction.Op0Register, out op.Dst);
        }
        return Packed<T>(instruction, ref op);
    }

    /// <summary>pslldq/psrldq xmm, imm8: the register is both operands.</summary>
    private static bool ByteShift<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        op.Size = 16;
        op.Handler = &SseOps.RRI<T>;
        bool ok = (op.Flags & OpFlags.Lock) == 0 && Xmm(instruction.Op0Register, out op.Dst);
        op.Src = op.Dst;
        return ok && instruction.Op1Kind == OpKind.Immediate8;
    }

    /// <summary>Destination XMM register; source XMM register (<paramref name="registerForm"/>) or memory (<paramref name="memoryForm"/>); a null form is #UD.</summary>
    private static bool XmmSource(
        in Instruction instruction,
        ref DecodedOp op,
        delegate*<Cpu, ref DecodedOp, int> registerForm,
        delegate*<Cpu, ref DecodedOp, int> memoryForm)
    {
        op.Size = 16;
        if ((op.Flags & OpFlags.Lock) != 0 || instruction.Op0Kind != OpKind.Register || !Xmm(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = registerForm;
            return registerForm != null && Xmm(instruction.Op1Register, out op.Src);
        }
        op.Handler = memoryForm;
        return memoryForm != null && instruction.Op1Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>m, xmm stores: Src is the XMM register.</summary>
    private static bool Store(in Instruction instruction, ref DecodedOp op, delegate*<Cpu, ref DecodedOp, int> handler)
    {
        op.Size = 16;
        op.Handler = handler;
        return (op.Flags & OpFlags.Lock) == 0
            && instruction.Op0Kind == OpKind.Memory
            && instruction.Op1Kind == OpKind.Register
            && Xmm(instruction.Op1Register, out op.Src)
            && SetMemory(instruction, ref op);
    }

    /// <summary>movd/movq xmm, r32/r64.</summary>
    private static bool XmmFromGpr(in Instruction instruction, ref DecodedOp op, int size)
    {
        op.Size = (byte)size;
        op.Handler = &SseMoveOps.XmmFromGpr;
        return (op.Flags & OpFlags.Lock) == 0
            && Xmm(instruction.Op0Register, out op.Dst)
            && Gpr(instruction.Op1Register, out op.Src);
    }

    /// <summary>movd/movq r32/r64, xmm.</summary>
    private static bool GprFromXmm(in Instruction instruction, ref DecodedOp op, int size)
    {
        op.Size = (byte)size;
        op.Handler = &SseMoveOps.GprFromXmm;
        return (op.Flags & OpFlags.Lock) == 0
            && Gpr(instruction.Op0Register, out op.Dst)
            && Xmm(instruction.Op1Register, out op.Src);
    }

    /// <summary>XMM register number of a legacy-encodable XMM register (XMM0..15); false for anything else.</summary>
    private static bool Xmm(Register register, out byte number)
    {
        int n = Reg.XmmNumber(register);
        number = (byte)n;
        return n is >= 0 and < 16;
    }
}
