using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// The VEX-encoded AVX/AVX2 integer, logic, move, shuffle, permute and blend group (no floating
/// point arithmetic). Each lane-wise instruction reuses the legacy SSE struct of its operation
/// (AvxOps' L shapes); the rest have their own IYmmOp structs (AvxOps' Y shapes). The vector
/// length is the destination's register kind (XMM: VEX.128, YMM: VEX.256). EVEX encodings of
/// the same mnemonics, and the registers only EVEX can name, stay #UD.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterAvx(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, Lanes<Pand>, Mnemonic.Vpand, Mnemonic.Vandps, Mnemonic.Vandpd);
        Add(table, Lanes<Pandn>, Mnemonic.Vpandn, Mnemonic.Vandnps, Mnemonic.Vandnpd);
        Add(table, Lanes<Por>, Mnemonic.Vpor, Mnemonic.Vorps, Mnemonic.Vorpd);
        Add(table, Lanes<Pxor>, Mnemonic.Vpxor, Mnemonic.Vxorps, Mnemonic.Vxorpd);

        Add(table, Lanes<Paddb>, Mnemonic.Vpaddb);
        Add(table, Lanes<Paddw>, Mnemonic.Vpaddw);
        Add(table, Lanes<Paddd>, Mnemonic.Vpaddd);
        Add(table, Lanes<Paddq>, Mnemonic.Vpaddq);
        Add(table, Lanes<Psubb>, Mnemonic.Vpsubb);
        Add(table, Lanes<Psubw>, Mnemonic.Vpsubw);
        Add(table, Lanes<Psubd>, Mnemonic.Vpsubd);
        Add(table, Lanes<Psubq>, Mnemonic.Vpsubq);
        Add(table, Lanes<Paddsb>, Mnemonic.Vpaddsb);
        Add(table, Lanes<Paddsw>, Mnemonic.Vpaddsw);
        Add(table, Lanes<Paddusb>, Mnemonic.Vpaddusb);
        Add(table, Lanes<Paddusw>, Mnemonic.Vpaddusw);
        Add(table, Lanes<Psubsb>, Mnemonic.Vpsubsb);
        Add(table, Lanes<Psubsw>, Mnemonic.Vpsubsw);
        Add(table, Lanes<Psubusb>, Mnemonic.Vpsubusb);
        Add(table, Lanes<Psubusw>, Mnemonic.Vpsubusw);
        Add(table, Lanes<Pmullw>, Mnemonic.Vpmullw);
        Add(table, Lanes<Pmulhw>, Mnemonic.Vpmulhw);
        Add(table, Lanes<Pmulhuw>, Mnemonic.Vpmulhuw);
        Add(table, Lanes<Pmuludq>, Mnemonic.Vpmuludq);
        Add(table, Lanes<Pmaddwd>, Mnemonic.Vpmaddwd);
        Add(table, Lanes<Psadbw>, Mnemonic.Vpsadbw);
        Add(table, Lanes<Pavgb>, Mnemonic.Vpavgb);
        Add(table, Lanes<Pavgw>, Mnemonic.Vpavgw);
        Add(table, Lanes<Pminub>, Mnemonic.Vpminub);
        Add(table, Lanes<Pmaxub>, Mnemonic.Vpmaxub);
        Add(table, Lanes<Pminsw>, Mnemonic.Vpminsw);
        Add(table, Lanes<Pmaxsw>, Mnemonic.Vpmaxsw);
        Add(table, Lanes<Pcmpeqb>, Mnemonic.Vpcmpeqb);
        Add(table, Lanes<Pcmpeqw>, Mnemonic.Vpcmpeqw);
        Add(table, Lanes<Pcmpeqd>, Mnemonic.Vpcmpeqd);
        Add(table, Lanes<Pcmpgtb>, Mnemonic.Vpcmpgtb);
        Add(table, Lanes<Pcmpgtw>, Mnemonic.Vpcmpgtw);
        Add(table, Lanes<Pcmpgtd>, Mnemonic.Vpcmpgtd);

        Add(table, VexShift<Psllw>, Mnemonic.Vpsllw);
        Add(table, VexShift<Pslld>, Mnemonic.Vpslld);
        Add(table, VexShift<Psllq>, Mnemonic.Vpsllq);
        Add(table, VexShift<Psrlw>, Mnemonic.Vpsrlw);
        Add(table, VexShift<Psrld>, Mnemonic.Vpsrld);
        Add(table, VexShift<Psrlq>, Mnemonic.Vpsrlq);
        Add(table, VexShift<Psraw>, Mnemonic.Vpsraw);
        Add(table, VexShift<Psrad>, Mnemonic.Vpsrad);
        Add(table, LanesImm<Pslldq>, Mnemonic.Vpslldq);
        Add(table, LanesImm<Psrldq>, Mnemonic.Vpsrldq);
        Add(table, Whole<ShiftLeftVarDwords>, Mnemonic.Vpsllvd);
        Add(table, Whole<ShiftLeftVarQwords>, Mnemonic.Vpsllvq);
        Add(table, Whole<ShiftRightVarDwords>, Mnemonic.Vpsrlvd);
        Add(table, Whole<ShiftRightVarQwords>, Mnemonic.Vpsrlvq);
        Add(table, Whole<ShiftRightArithmeticVarDwords>, Mnemonic.Vpsravd);

        Add(table, Lanes<Punpcklbw>, Mnemonic.Vpunpcklbw);
        Add(table, Lanes<Punpcklwd>, Mnemonic.Vpunpcklwd);
        Add(table, Lanes<Punpckldq>, Mnemonic.Vpunpckldq, Mnemonic.Vunpcklps);
        Add(table, Lanes<Punpcklqdq>, Mnemonic.Vpunpcklqdq, Mnemonic.Vunpcklpd);
        Add(table, Lanes<Punpckhbw>, Mnemonic.Vpunpckhbw);
        Add(table, Lanes<Punpckhwd>, Mnemonic.Vpunpckhwd);
        Add(table, Lanes<Punpckhdq>, Mnemonic.Vpunpckhdq, Mnemonic.Vunpckhps);
        Add(table, Lanes<Punpckhqdq>, Mnemonic.Vpunpckhqdq, Mnemonic.Vunpckhpd);
        Add(table, Lanes<Packsswb>, Mnemonic.Vpacksswb);
        Add(table, Lanes<Packssdw>, Mnemonic.Vpackssdw);
        Add(table, Lanes<Packuswb>, Mnemonic.Vpackuswb);
        Add(table, LanesImm<Pshufd>, Mnemonic.Vpshufd);
        Add(table, LanesImm<Pshuflw>, Mnemonic.Vpshuflw);
        Add(table, LanesImm<Pshufhw>, Mnemonic.Vpshufhw);
        Add(table, LanesImm<Shufps>, Mnemonic.Vshufps);
        Add(table, TranslateVshufpd, Mnemonic.Vshufpd);

        Add(table, Whole<BroadcastByte>, Mnemonic.Vpbroadcastb);
        Add(table, Whole<BroadcastWord>, Mnemonic.Vpbroadcastw);
        Add(table, Whole<BroadcastDword>, Mnemonic.Vpbroadcastd, Mnemonic.Vbroadcastss);
        Add(table, Whole<BroadcastQword>, Mnemonic.Vpbroadcastq, Mnemonic.Vbroadcastsd);
        Add(table, Whole<Broadcast128>, Mnemonic.Vbroadcasti128, Mnemonic.Vbroadcastf128);
        Add(table, Whole<Insert128>, Mnemonic.Vinserti128, Mnemonic.Vinsertf128);
        Add(table, TranslateExtract128, Mnemonic.Vextracti128, Mnemonic.Vextractf128);
        Add(table, Whole<Perm2x128>, Mnemonic.Vperm2i128, Mnemonic.Vperm2f128);
        Add(table, Whole<PermuteDwords>, Mnemonic.Vpermd, Mnemonic.Vpermps);
        Add(table, Whole<PermuteQwordsImm>, Mnemonic.Vpermq, Mnemonic.Vpermpd);
        Add(table, TranslateVpermil, Mnemonic.Vpermilps, Mnemonic.Vpermilpd);
        Add(table, Whole<BlendDwords>, Mnemonic.Vpblendd, Mnemonic.Vblendps);
        Add(table, Whole<BlendQwords>, Mnemonic.Vblendpd);
        Add(table, Blendv<ByteSigns>, Mnemonic.Vpblendvb);
        Add(table, Blendv<DwordSigns>, Mnemonic.Vblendvps);
        Add(table, Blendv<QwordSigns>, Mnemonic.Vblendvpd);
        Add(table, Whole<DuplicateEvenQwords>, Mnemonic.Vmovddup);
        Add(table, Whole<DuplicateEvenDwords>, Mnemonic.Vmovsldup);
        Add(table, Whole<DuplicateOddDwords>, Mnemonic.Vmovshdup);

        Add(table, TranslateVptest, Mnemonic.Vptest, Mnemonic.Vtestps, Mnemonic.Vtestpd);
        Add(table, TranslateGather,
            Mnemonic.Vpgatherdd, Mnemonic.Vpgatherdq, Mnemonic.Vpgatherqd, Mnemonic.Vpgatherqq,
            Mnemonic.Vgatherdps, Mnemonic.Vgatherdpd, Mnemonic.Vgatherqps, Mnemonic.Vgatherqpd);
        Add(table, TranslateMaskMove, Mnemonic.Vmaskmovps, Mnemonic.Vmaskmovpd, Mnemonic.Vpmaskmovd, Mnemonic.Vpmaskmovq);

        RegisterAvxMoves(table);
    }

    /// <summary>A lane-wise operation on 128 or 256 bits.</summary>
    private static bool Lanes<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return VexForm(instruction, ref op, &AvxOps.L128R<T>, &AvxOps.L128M<T>, &AvxOps.L256R<T>, &AvxOps.L256M<T>);
    }

    /// <summary>A lane-wise operation with an imm8 the two lanes share.</summary>
    private static bool LanesImm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        return VexForm(instruction, ref op, &AvxOps.L128RI<T>, &AvxOps.L128MI<T>, &AvxOps.L256RI<T>, &AvxOps.L256MI<T>);
    }

    /// <summary>An operation on the whole register.</summary>
    private static bool Whole<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IYmmOp
    {
        return VexForm(instruction, ref op, &AvxOps.Y128R<T>, &AvxOps.Y128M<T>, &AvxOps.Y256R<T>, &AvxOps.Y256M<T>);
    }

    /// <summary>vpsllw..vpsrad: by an XMM/m128 count (three operands) or by imm8 (two operands and the imm8).</summary>
    private static bool VexShift<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (instruction.Op2Kind == OpKind.Immediate8)
        {
            return VexForm(instruction, ref op, &AvxOps.ShiftImm128<T>, null, &AvxOps.ShiftImm256<T>, null);
        }
        return VexForm(instruction, ref op, &AvxOps.L128R<T>, &AvxOps.L128M<T>, &AvxOps.Shift256R<T>, &AvxOps.Shift256M<T>);
    }

    /// <summary>vshufpd: the 256-bit form gives each lane its own two imm8 bits, so it is not the lane-wise shape.</summary>
    private static bool TranslateVshufpd(in Instruction instruction, ref DecodedOp op)
    {
        return VexForm(instruction, ref op, &AvxOps.L128RI<Shufpd>, &AvxOps.L128MI<Shufpd>, &AvxOps.Y256R<ShufpdLanes>, &AvxOps.Y256M<ShufpdLanes>);
    }

    /// <summary>vpermilps/pd: the imm8 form has two operands and the imm8, the variable form three operands.</summary>
    private static bool TranslateVpermil(in Instruction instruction, ref DecodedOp op)
    {
        bool single = instruction.Mnemonic == Mnemonic.Vpermilps;
        if (instruction.Op2Kind == OpKind.Immediate8)
        {
            return single ? Whole<PermuteInLaneDwordsImm>(instruction, ref op) : Whole<PermuteInLaneQwordsImm>(instruction, ref op);
        }
        return single ? Whole<PermuteInLaneDwordsVar>(instruction, ref op) : Whole<PermuteInLaneQwordsVar>(instruction, ref op);
    }

    /// <summary>vextracti128/vextractf128 xmm/m128, ymm, imm8.</summary>
    private static bool TranslateExtract128(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Op0Kind == OpKind.Register)
        {
            return VexForm(instruction, ref op, &AvxOps.Y128R<Extract128>, null, null, null);
        }
        return VexStore(instruction, ref op, &AvxMoveOps.StoreLane128, &AvxMoveOps.StoreLane128);
    }

    /// <summary>vpblendvb/vblendvps/vblendvpd xmm1, xmm2, xmm3/m, xmm4: the is4 register goes in Imm.</summary>
    private static bool Blendv<T>(in Instruction instruction, ref DecodedOp op) where T : struct, ISignMask
    {
        if (instruction.OpCount != 4 || instruction.Op3Kind != OpKind.Register || !Vector(instruction.Op3Register, out byte mask))
        {
            return false;
        }
        bool ok = VexForm(instruction, ref op, &AvxMaskedOps.Blendv128R<T>, &AvxMaskedOps.Blendv128M<T>, &AvxMaskedOps.Blendv256R<T>, &AvxMaskedOps.Blendv256M<T>);
        op.Imm = (op.Imm & ~0xFFUL) | mask;
        return ok;
    }

    /// <summary>vptest/vtestps/vtestpd xmm/ymm, xmm/ymm/m: Sub is the tested-bits kind of AvxMoveOps.TestR.</summary>
    private static bool TranslateVptest(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.Op0Kind != OpKind.Register || !Vector(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        op.Size = (byte)(instruction.Op0Register.IsYMM() ? 32 : 16);
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Vtestps => 4,
            Mnemonic.Vtestpd => 8,
            _ => 0,
        };
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &AvxMoveOps.TestR;
            return Vector(instruction.Op1Register, out op.Src);
        }
        op.Handler = &AvxMoveOps.TestM;
        op.Imm = (ulong)op.Size << 8;
        return instruction.Op1Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>
    /// The gathers: dst, [base + vindex*scale + disp], mask. #UD when any two of the destination,
    /// index and mask registers are the same (SDM VPGATHERDD), or with a 32-bit index scaled into a
    /// segment-relative 32-bit address form Iced reports (handled as Addr32).
    /// </summary>
    private static bool TranslateGather(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op)
            || instruction.Op0Kind != OpKind.Register || instruction.Op1Kind != OpKind.Memory || instruction.Op2Kind != OpKind.Register
            || !Vector(instruction.Op0Register, out op.Dst) || !Vector(instruction.Op2Register, out op.Sub)
            || !Vector(instruction.MemoryIndex, out byte index))
        {
            return false;
        }
        if (op.Dst == op.Sub || op.Dst == index || op.Sub == index)
        {
            return false;
        }
        bool dwordIndex = instruction.Mnemonic is Mnemonic.Vpgatherdd or Mnemonic.Vpgatherdq or Mnemonic.Vgatherdps or Mnemonic.Vgatherdpd;
        bool dwordData = instruction.Mnemonic is Mnemonic.Vpgatherdd or Mnemonic.Vpgatherqd or Mnemonic.Vgatherdps or Mnemonic.Vgatherqps;
        op.Size = (byte)(instruction.Op0Register.IsYMM() || instruction.MemoryIndex.IsYMM() ? 32 : 16);
        op.Imm = (dwordIndex ? 4UL : 8UL) | ((dwordData ? 4UL : 8UL) << 8);
        op.Handler = &AvxMaskedOps.Gather;
        Register baseRegister = instruction.MemoryBase;
        if (baseRegister == Register.RIP || baseRegister == Register.EIP
            || !Reg.TryFromIced(baseRegister, out op.Base) || op.Base >= Reg.HighByte)
        {
            return false;
        }
        op.Disp = instruction.MemoryDisplacement64;
        op.Index = index;
        op.Scale = instruction.MemoryIndexScale switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 };
        op.Seg = instruction.MemorySegment switch
        {
            Register.FS => Reg.FsBase,
            Register.GS => Reg.GsBase,
            _ => Reg.Zero,
        };
        if (baseRegister.IsGPR32())
        {
            op.Flags |= OpFlags.Addr32;
        }
        return true;
    }

    /// <summary>vmaskmovps/pd, vpmaskmovd/q: load (xmm1, mask, m) or store (m, mask, xmm2). Imm is the element size.</summary>
    private static bool TranslateMaskMove(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.Op1Kind != OpKind.Register || !Vector(instruction.Op1Register, out op.Sub))
        {
            return false;
        }
        op.Imm = (ulong)(instruction.Mnemonic is Mnemonic.Vmaskmovps or Mnemonic.Vpmaskmovd ? 4 : 8);
        op.Size = (byte)(instruction.Op1Register.IsYMM() ? 32 : 16);
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &AvxMaskedOps.MaskLoad;
            return Vector(instruction.Op0Register, out op.Dst) && instruction.Op2Kind == OpKind.Memory && SetMemory(instruction, ref op);
        }
        op.Handler = &AvxMaskedOps.MaskStore;
        return instruction.Op0Kind == OpKind.Memory
            && instruction.Op2Kind == OpKind.Register
            && Vector(instruction.Op2Register, out op.Src)
            && SetMemory(instruction, ref op);
    }

    /// <summary>
    /// The generic VEX operand walk: op0 the destination register, then either the VEX.vvvv register
    /// and the ModRM.rm operand, or only the ModRM.rm operand (two-operand forms: Sub = Src), then an
    /// optional imm8. The handler is chosen by vector length (the destination's register kind) and
    /// by register or memory source; a null handler is #UD.
    /// </summary>
    private static bool VexForm(
        in Instruction instruction,
        ref DecodedOp op,
        delegate*<Cpu, ref DecodedOp, int> register128,
        delegate*<Cpu, ref DecodedOp, int> memory128,
        delegate*<Cpu, ref DecodedOp, int> register256,
        delegate*<Cpu, ref DecodedOp, int> memory256)
    {
        if (!IsVex(instruction, ref op) || instruction.Op0Kind != OpKind.Register || !Vector(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        bool wide = instruction.Op0Register.IsYMM();
        op.Size = (byte)(wide ? 32 : 16);
        int count = instruction.OpCount;
        if (count > 0 && instruction.GetOpKind(count - 1) == OpKind.Immediate8)
        {
            op.Imm = instruction.Immediate8;
            count--;
        }
        else
        {
            op.Imm = 0;
        }
        if (instruction.OpCount == 4 && instruction.Op3Kind == OpKind.Register)
        {
            count--; // the is4 register of the variable blends, handled by the caller
        }
        int rm;
        if (count == 3)
        {
            if (instruction.Op1Kind != OpKind.Register || !Vector(instruction.Op1Register, out op.Sub))
            {
                return false;
            }
            rm = 2;
        }
        else if (count == 2)
        {
            rm = 1;
        }
        else
        {
            return false;
        }
        if (instruction.GetOpKind(rm) == OpKind.Register)
        {
            op.Handler = wide ? register256 : register128;
            if (!Vector(instruction.GetOpRegister(rm), out op.Src))
            {
                return false;
            }
            if (count == 2)
            {
                op.Sub = op.Src;
            }
            return op.Handler != null;
        }
        op.Handler = wide ? memory256 : memory128;
        op.Imm |= (ulong)instruction.MemorySize.GetSize() << 8;
        if (count == 2)
        {
            op.Sub = op.Dst;
        }
        return op.Handler != null && instruction.GetOpKind(rm) == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>m, xmm/ymm stores (imm8 allowed): Src the register, Size its length; the handler by length.</summary>
    private static bool VexStore(
        in Instruction instruction,
        ref DecodedOp op,
        delegate*<Cpu, ref DecodedOp, int> store128,
        delegate*<Cpu, ref DecodedOp, int> store256)
    {
        if (!IsVex(instruction, ref op) || instruction.Op0Kind != OpKind.Memory
            || instruction.Op1Kind != OpKind.Register || !Vector(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        bool wide = instruction.Op1Register.IsYMM();
        op.Size = (byte)(wide ? 32 : 16);
        op.Imm = instruction.OpCount == 3 && instruction.Op2Kind == OpKind.Immediate8 ? instruction.Immediate8 : 0UL;
        op.Handler = wide ? store256 : store128;
        return op.Handler != null && SetMemory(instruction, ref op);
    }

    /// <summary>True for a VEX encoding without lock (lock is #UD on every VEX instruction, SDM Vol. 2A, 2.3.2).</summary>
    private static bool IsVex(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.Encoding == EncodingKind.VEX && (op.Flags & OpFlags.Lock) == 0;
    }

    /// <summary>The number of a vector register VEX can name (XMM0..15 or YMM0..15); false for anything else.</summary>
    private static bool Vector(Register register, out byte number)
    {
        int n = register.IsXMM() ? register - Register.XMM0 : register.IsYMM() ? register - Register.YMM0 : -1;
        number = (byte)n;
        return n is >= 0 and < 16;
    }
}
