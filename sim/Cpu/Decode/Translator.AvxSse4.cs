using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// The VEX forms of SSSE3, SSE4.1 (integer and shuffle), SSE4.2 and PCLMULQDQ: VEX.128 everywhere,
/// VEX.256 where AVX2 defines it. Each reuses the legacy struct of its operation; the lane-wise
/// ones through AvxOps' L shapes (the 256-bit form applies the struct to each 128-bit lane, as
/// AVX2 defines them: vpshufb, vpalignr, vphadd*, vpblendw's imm8, vpackusdw... all per lane).
/// Forms that exist only as VEX.128 (vphminposuw, the inserts and extracts, the packed string
/// compares, vpclmulqdq: its VEX.256 form is the separate VPCLMULQDQ extension) have no 256-bit
/// handler, so a VEX.256 encoding stays #UD.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterAvxSse4(Dictionary<Mnemonic, TranslateFn> table)
    {
        // SSSE3.
        Add(table, Lanes<Pshufb>, Mnemonic.Vpshufb);
        Add(table, Lanes<Phaddw>, Mnemonic.Vphaddw);
        Add(table, Lanes<Phaddd>, Mnemonic.Vphaddd);
        Add(table, Lanes<Phaddsw>, Mnemonic.Vphaddsw);
        Add(table, Lanes<Phsubw>, Mnemonic.Vphsubw);
        Add(table, Lanes<Phsubd>, Mnemonic.Vphsubd);
        Add(table, Lanes<Phsubsw>, Mnemonic.Vphsubsw);
        Add(table, Lanes<Pmaddubsw>, Mnemonic.Vpmaddubsw);
        Add(table, Lanes<Pmulhrsw>, Mnemonic.Vpmulhrsw);
        Add(table, Lanes<Psignb>, Mnemonic.Vpsignb);
        Add(table, Lanes<Psignw>, Mnemonic.Vpsignw);
        Add(table, Lanes<Psignd>, Mnemonic.Vpsignd);
        Add(table, Lanes<Pabsb>, Mnemonic.Vpabsb);
        Add(table, Lanes<Pabsw>, Mnemonic.Vpabsw);
        Add(table, Lanes<Pabsd>, Mnemonic.Vpabsd);
        Add(table, LanesImm<Palignr>, Mnemonic.Vpalignr);

        // SSE4.1.
        Add(table, LanesImm<Pblendw>, Mnemonic.Vpblendw);
        Add(table, Lanes<Pminsb>, Mnemonic.Vpminsb);
        Add(table, Lanes<Pminsd>, Mnemonic.Vpminsd);
        Add(table, Lanes<Pminuw>, Mnemonic.Vpminuw);
        Add(table, Lanes<Pminud>, Mnemonic.Vpminud);
        Add(table, Lanes<Pmaxsb>, Mnemonic.Vpmaxsb);
        Add(table, Lanes<Pmaxsd>, Mnemonic.Vpmaxsd);
        Add(table, Lanes<Pmaxuw>, Mnemonic.Vpmaxuw);
        Add(table, Lanes<Pmaxud>, Mnemonic.Vpmaxud);
        Add(table, Lanes<Pmulld>, Mnemonic.Vpmulld);
        Add(table, Lanes<Pmuldq>, Mnemonic.Vpmuldq);
        Add(table, Lanes<Pcmpeqq>, Mnemonic.Vpcmpeqq);
        Add(table, Lanes<Packusdw>, Mnemonic.Vpackusdw);
        Add(table, Vex128Only<Phminposuw>, Mnemonic.Vphminposuw);
        Add(table, TranslateVmpsadbw, Mnemonic.Vmpsadbw);

        Add(table, Widening<Pmovsxbw, WidenTwice>, Mnemonic.Vpmovsxbw);
        Add(table, Widening<Pmovsxbd, WidenFourTimes>, Mnemonic.Vpmovsxbd);
        Add(table, Widening<Pmovsxbq, WidenEightTimes>, Mnemonic.Vpmovsxbq);
        Add(table, Widening<Pmovsxwd, WidenTwice>, Mnemonic.Vpmovsxwd);
        Add(table, Widening<Pmovsxwq, WidenFourTimes>, Mnemonic.Vpmovsxwq);
        Add(table, Widening<Pmovsxdq, WidenTwice>, Mnemonic.Vpmovsxdq);
        Add(table, Widening<Pmovzxbw, WidenTwice>, Mnemonic.Vpmovzxbw);
        Add(table, Widening<Pmovzxbd, WidenFourTimes>, Mnemonic.Vpmovzxbd);
        Add(table, Widening<Pmovzxbq, WidenEightTimes>, Mnemonic.Vpmovzxbq);
        Add(table, Widening<Pmovzxwd, WidenTwice>, Mnemonic.Vpmovzxwd);
        Add(table, Widening<Pmovzxwq, WidenFourTimes>, Mnemonic.Vpmovzxwq);
        Add(table, Widening<Pmovzxdq, WidenTwice>, Mnemonic.Vpmovzxdq);

        Add(table, TranslateVpinsr, Mnemonic.Vpinsrb, Mnemonic.Vpinsrd, Mnemonic.Vpinsrq);
        Add(table, TranslateVexElementExtract, Mnemonic.Vpextrb, Mnemonic.Vpextrd, Mnemonic.Vpextrq, Mnemonic.Vextractps);
        Add(table, TranslateVinsertps, Mnemonic.Vinsertps);

        // SSE4.2 and PCLMULQDQ.
        Add(table, Lanes<Pcmpgtq>, Mnemonic.Vpcmpgtq);
        Add(table, TranslateVexPackedStringCompare,
            Mnemonic.Vpcmpestri, Mnemonic.Vpcmpestri64, Mnemonic.Vpcmpestrm, Mnemonic.Vpcmpestrm64, Mnemonic.Vpcmpistri, Mnemonic.Vpcmpistrm);
        Add(table, TranslateVpclmulqdq, Mnemonic.Vpclmulqdq);
    }

    /// <summary>A VEX.128-only operation (no 256-bit handler: a VEX.256 encoding is #UD).</summary>
    private static bool Vex128Only<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmOp
    {
        return VexForm(instruction, ref op, &AvxOps.L128R<T>, &AvxOps.L128M<T>, null, null);
    }

    /// <summary>vpmovsx*/vpmovzx*: the 128-bit form is the legacy struct (memory: the m64/m32/m16 it reads), the 256-bit form widens a whole xmm/m128 (or m64, m32).</summary>
    private static bool Widening<T, TWidening>(in Instruction instruction, ref DecodedOp op)
        where T : struct, IXmmOp
        where TWidening : struct, IWidening
    {
        return VexForm(instruction, ref op, &AvxOps.L128R<T>, &AvxOps.L128M<T>,
            &AvxSse4Ops.Widen256R<T, TWidening>, &AvxSse4Ops.Widen256M<T, TWidening>);
    }

    /// <summary>vmpsadbw: the 256-bit form's upper lane reads imm8[5:3], so it is not the lane-wise shape.</summary>
    private static bool TranslateVmpsadbw(in Instruction instruction, ref DecodedOp op)
    {
        return VexForm(instruction, ref op, &AvxOps.L128RI<Mpsadbw>, &AvxOps.L128MI<Mpsadbw>, &AvxOps.Y256R<MpsadbwLanes>, &AvxOps.Y256M<MpsadbwLanes>);
    }

    /// <summary>vinsertps xmm1, xmm2, xmm3/m32, imm8: the legacy structs (the m32 form ignores imm8[7:6]) with xmm2 merged into.</summary>
    private static bool TranslateVinsertps(in Instruction instruction, ref DecodedOp op)
    {
        return VexForm(instruction, ref op, &AvxOps.L128RI<Insertps>, &AvxOps.L128MI<InsertpsMemory>, null, null);
    }

    /// <summary>vpclmulqdq xmm1, xmm2, xmm3/m128, imm8 (AVX + PCLMULQDQ).</summary>
    private static bool TranslateVpclmulqdq(in Instruction instruction, ref DecodedOp op)
    {
        return VexForm(instruction, ref op, &AvxOps.L128RI<Pclmulqdq>, &AvxOps.L128MI<Pclmulqdq>, null, null);
    }

    /// <summary>vpinsrb xmm1, xmm2, r32/m8, imm8; vpinsrd xmm1, xmm2, r/m32, imm8; vpinsrq xmm1, xmm2, r/m64, imm8.</summary>
    private static bool TranslateVpinsr(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.Op0Kind != OpKind.Register || instruction.Op1Kind != OpKind.Register
            || !Vector(instruction.Op0Register, out op.Dst) || !Vector(instruction.Op1Register, out op.Sub))
        {
            return false;
        }
        op.Size = instruction.Mnemonic switch { Mnemonic.Vpinsrb => 1, Mnemonic.Vpinsrd => 4, _ => 8 };
        op.Imm = instruction.Immediate8;
        if (instruction.Op2Kind == OpKind.Register)
        {
            op.Handler = &AvxSse4Ops.PinsrR;
            return Gpr(instruction.Op2Register, out op.Src);
        }
        op.Handler = &AvxSse4Ops.PinsrM;
        return instruction.Op2Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>
    /// vpextrb/vpextrd/vpextrq and vextractps r/m, xmm, imm8: the legacy handlers (a register
    /// destination is written whole, zero-extended; a memory one gets the element's bytes). The
    /// destination is not a vector register, so nothing is zeroed. vpextrw lives with the moves.
    /// </summary>
    private static bool TranslateVexElementExtract(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.Op1Kind != OpKind.Register || !Vector(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        op.Size = instruction.Mnemonic switch
        {
            Mnemonic.Vpextrb => 1,
            Mnemonic.Vpextrq => 8,
            _ => 4, // vpextrd, vextractps
        };
        op.Imm = instruction.Immediate8;
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &Sse4Handlers.PextrR;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = &Sse4Handlers.PextrM;
        return instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>
    /// vpcmpestri/vpcmpestrm (lengths in EAX/EDX, RAX/RDX with VEX.W1: the "64" mnemonics) and
    /// vpcmpistri/vpcmpistrm xmm1, xmm2/m128 (unaligned), imm8: the legacy engine; the mask forms
    /// also zero bits 255:128 of YMM0. DecodedOp as <see cref="Sse42Ops"/> describes.
    /// </summary>
    private static bool TranslateVexPackedStringCompare(in Instruction instruction, ref DecodedOp op)
    {
        bool index = instruction.Mnemonic is Mnemonic.Vpcmpestri or Mnemonic.Vpcmpestri64 or Mnemonic.Vpcmpistri;
        bool explicitLengths = instruction.Mnemonic is not (Mnemonic.Vpcmpistri or Mnemonic.Vpcmpistrm);
        bool ok = index
            ? VexForm(instruction, ref op, &Sse42Ops.StringIndexRR, &Sse42Ops.StringIndexRM, null, null)
            : VexForm(instruction, ref op, &AvxSse4Ops.StringMaskR, &AvxSse4Ops.StringMaskM, null, null);
        op.Sub = explicitLengths ? Sse42Ops.ExplicitLengths : (byte)0;
        op.Size = (byte)(instruction.Mnemonic is Mnemonic.Vpcmpestri64 or Mnemonic.Vpcmpestrm64 ? 8 : 4);
        return ok;
    }
}
