using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// Handler shapes of SSSE3/SSE4 that the generic shapes of <see cref="SseOps"/> do not cover: the
/// blendv group's implicit XMM0 mask, ptest's flags-only result, the m16 source of pmovsxbq and
/// pmovzxbq, and the element inserts and extracts between XMM and general registers or memory.
/// </summary>
/// <remarks>
/// DecodedOp: Dst and Src are XMM numbers or GPR slots as each handler says; Size is the element
/// size in bytes for the inserts and extracts; Imm is the imm8.
/// </remarks>
internal static unsafe class Sse4Handlers
{
    /// <summary>pblendvb/blendvps/blendvpd xmm1, xmm2, &lt;XMM0&gt;.</summary>
    public static int MaskRR<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmMaskOp
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, c.Xmm(op.Src), c.Xmm(0));
        return Exec.Next;
    }

    /// <summary>As <see cref="MaskRR{T}"/> with an aligned m128 source (legacy SSE rule: #GP(0) otherwise).</summary>
    public static int MaskRM128<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmMaskOp
    {
        if (!SseOps.LoadAligned(c, ref op, out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, source, c.Xmm(0));
        return Exec.Next;
    }

    /// <summary>ptest xmm1, xmm2: only the status flags change.</summary>
    public static int FlagsRR<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmFlagsOp
    {
        c.SetFlagBits(T.Flags(c.Xmm(op.Dst), c.Xmm(op.Src)));
        return Exec.Next;
    }

    public static int FlagsRM128<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmFlagsOp
    {
        if (!SseOps.LoadAligned(c, ref op, out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        c.SetFlagBits(T.Flags(c.Xmm(op.Dst), source));
        return Exec.Next;
    }

    /// <summary>xmm, m16 (pmovsxbq, pmovzxbq): the source vector holds the 2 bytes, the rest zero.</summary>
    public static int RM16<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!c.Read(c.Ea(ref op), 2, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, Vector128.CreateScalar((ushort)value).AsByte());
        return Exec.Next;
    }

    /// <summary>pinsrb/pinsrd/pinsrq xmm, r32/r64, imm8: the register's low element into element imm8 (modulo the count). Src is a GPR slot.</summary>
    public static int PinsrR(Cpu c, ref DecodedOp op)
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = Insert(d, op.Size, (int)op.Imm, c.R(op.Src));
        return Exec.Next;
    }

    /// <summary>pinsrb/pinsrd/pinsrq xmm, m8/m32/m64, imm8 (no alignment rule).</summary>
    public static int PinsrM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = Insert(d, op.Size, (int)op.Imm, value);
        return Exec.Next;
    }

    /// <summary>
    /// pextrb/pextrw/pextrd/pextrq and extractps r32/r64, xmm, imm8: element imm8 (modulo the
    /// count), zero-extended into the whole 64-bit register (SDM: "the upper bits of r32 or r64
    /// are zeroed"). Dst is a GPR slot, Src the XMM register.
    /// </summary>
    public static int PextrR(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = Extract(c.Xmm(op.Src), op.Size, (int)op.Imm);
        return Exec.Next;
    }

    /// <summary>As <see cref="PextrR"/> into m8/m16/m32/m64 (no alignment rule).</summary>
    public static int PextrM(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), op.Size, Extract(c.Xmm(op.Src), op.Size, (int)op.Imm)) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>d with <paramref name="value"/>'s low <paramref name="size"/> bytes at element <paramref name="imm"/> (modulo the count); the VEX inserts share it.</summary>
    internal static Vector128<byte> Insert(Vector128<byte> d, int size, int imm, ulong value) => size switch
    {
        1 => d.WithElement(imm & 15, (byte)value),
        2 => d.AsUInt16().WithElement(imm & 7, (ushort)value).AsByte(),
        4 => d.AsUInt32().WithElement(imm & 3, (uint)value).AsByte(),
        _ => d.AsUInt64().WithElement(imm & 1, value).AsByte(),
    };

    private static ulong Extract(Vector128<byte> s, int size, int imm) => size switch
    {
        1 => s.GetElement(imm & 15),
        2 => s.AsUInt16().GetElement(imm & 7),
        4 => s.AsUInt32().GetElement(imm & 3),
        _ => s.AsUInt64().GetElement(imm & 1),
    };
}
