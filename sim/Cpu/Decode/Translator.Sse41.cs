using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// SSE4.1 without its floating-point rounding and dot products (roundps/pd/ss/sd, dpps, dppd live
/// with the floating point): blends, packed min/max/multiply/compare, sign and zero extension,
/// element inserts and extracts, ptest, phminposuw, mpsadbw, movntdqa. Legacy m128 operands must
/// be 16-byte aligned; the narrower memory operands have no alignment rule.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterSse41(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, MaskBlend<Pblendvb>, Mnemonic.Pblendvb);
        Add(table, MaskBlend<Blendvps>, Mnemonic.Blendvps);
        Add(table, MaskBlend<Blendvpd>, Mnemonic.Blendvpd);
        Add(table, PackedImm<Pblendw>, Mnemonic.Pblendw);
        Add(table, PackedImm<Blendps>, Mnemonic.Blendps);
        Add(table, PackedImm<Blendpd>, Mnemonic.Blendpd);

        Add(table, Packed<Pminsb>, Mnemonic.Pminsb);
        Add(table, Packed<Pminsd>, Mnemonic.Pminsd);
        Add(table, Packed<Pminuw>, Mnemonic.Pminuw);
        Add(table, Packed<Pminud>, Mnemonic.Pminud);
        Add(table, Packed<Pmaxsb>, Mnemonic.Pmaxsb);
        Add(table, Packed<Pmaxsd>, Mnemonic.Pmaxsd);
        Add(table, Packed<Pmaxuw>, Mnemonic.Pmaxuw);
        Add(table, Packed<Pmaxud>, Mnemonic.Pmaxud);
        Add(table, Packed<Pmulld>, Mnemonic.Pmulld);
        Add(table, Packed<Pmuldq>, Mnemonic.Pmuldq);
        Add(table, Packed<Pcmpeqq>, Mnemonic.Pcmpeqq);
        Add(table, Packed<Packusdw>, Mnemonic.Packusdw);
        Add(table, Packed<Phminposuw>, Mnemonic.Phminposuw);
        Add(table, PackedImm<Mpsadbw>, Mnemonic.Mpsadbw);

        Add(table, Low64<Pmovsxbw>, Mnemonic.Pmovsxbw);
        Add(table, Low32<Pmovsxbd>, Mnemonic.Pmovsxbd);
        Add(table, Low16<Pmovsxbq>, Mnemonic.Pmovsxbq);
        Add(table, Low64<Pmovsxwd>, Mnemonic.Pmovsxwd);
        Add(table, Low32<Pmovsxwq>, Mnemonic.Pmovsxwq);
        Add(table, Low64<Pmovsxdq>, Mnemonic.Pmovsxdq);
        Add(table, Low64<Pmovzxbw>, Mnemonic.Pmovzxbw);
        Add(table, Low32<Pmovzxbd>, Mnemonic.Pmovzxbd);
        Add(table, Low16<Pmovzxbq>, Mnemonic.Pmovzxbq);
        Add(table, Low64<Pmovzxwd>, Mnemonic.Pmovzxwd);
        Add(table, Low32<Pmovzxwq>, Mnemonic.Pmovzxwq);
        Add(table, Low64<Pmovzxdq>, Mnemonic.Pmovzxdq);

        Add(table, TranslatePinsr, Mnemonic.Pinsrb, Mnemonic.Pinsrd, Mnemonic.Pinsrq);
        Add(table, TranslateElementExtract, Mnemonic.Pextrb, Mnemonic.Pextrd, Mnemonic.Pextrq, Mnemonic.Extractps);
        Add(table, TranslateInsertps, Mnemonic.Insertps);
        Add(table, TranslatePtest, Mnemonic.Ptest);
        Add(table, TranslateMovntdqa, Mnemonic.Movntdqa);
    }

    /// <summary>pblendvb/blendvps/blendvpd xmm1, xmm2/m128 (aligned), with the mask in XMM0.</summary>
    private static bool MaskBlend<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmMaskOp
    {
        return XmmSource(instruction, ref op, &Sse4Handlers.MaskRR<T>, &Sse4Handlers.MaskRM128<T>);
    }

    /// <summary>xmm, xmm/m16 (pmovsxbq, pmovzxbq; no alignment).</summary>
    private static bool Low16<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return XmmSource(instruction, ref op, &SseOps.RR<T>, &Sse4Handlers.RM16<T>);
    }

    /// <summary>pinsrb xmm, r32/m8, imm8; pinsrd xmm, r/m32, imm8; pinsrq xmm, r/m64, imm8.</summary>
    private static bool TranslatePinsr(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = instruction.Mnemonic switch { Mnemonic.Pinsrb => 1, Mnemonic.Pinsrd => 4, _ => 8 };
        op.Imm = instruction.Immediate8;
        if ((op.Flags & OpFlags.Lock) != 0 || !Xmm(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &Sse4Handlers.PinsrR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &Sse4Handlers.PinsrM;
        return instruction.Op1Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>
    /// pextrb/pextrw/pextrd/pextrq and extractps r/m, xmm, imm8: a register destination is written
    /// whole (zero-extended), a memory one gets the element's bytes. pextrw's SSE4.1 encoding
    /// (66 0F 3A 15) arrives here through TranslatePextrw, which keeps the SSE2 one (66 0F C5).
    /// </summary>
    private static bool TranslateElementExtract(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = instruction.Mnemonic switch
        {
            Mnemonic.Pextrb => 1,
            Mnemonic.Pextrw => 2,
            Mnemonic.Pextrq => 8,
            _ => 4, // pextrd, extractps
        };
        op.Imm = instruction.Immediate8;
        if ((op.Flags & OpFlags.Lock) != 0 || instruction.Op1Kind != OpKind.Register || !Xmm(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &Sse4Handlers.PextrR;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = &Sse4Handlers.PextrM;
        return instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>insertps xmm, xmm/m32, imm8: the register form picks the source element by imm8[7:6], the m32 form ignores those bits.</summary>
    private static bool TranslateInsertps(in Instruction instruction, ref DecodedOp op)
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseOps.RRI<Insertps>, &SseOps.RM32I<InsertpsMemory>);
    }

    private static bool TranslatePtest(in Instruction instruction, ref DecodedOp op)
    {
        return XmmSource(instruction, ref op, &Sse4Handlers.FlagsRR<Ptest>, &Sse4Handlers.FlagsRM128<Ptest>);
    }

    /// <summary>movntdqa xmm, m128: an aligned load (the non-temporal hint has no architectural effect).</summary>
    private static bool TranslateMovntdqa(in Instruction instruction, ref DecodedOp op)
    {
        return XmmSource(instruction, ref op, null, &SseOps.RM128<MoveSource>);
    }
}
