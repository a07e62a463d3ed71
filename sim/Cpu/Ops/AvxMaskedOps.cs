using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>Turns the mask operand of a variable blend into whole-element masks from each element's sign bit.</summary>
internal interface ISignMask
{
    static abstract Vector256<byte> Expand(Vector256<byte> mask);
}

/// <summary>vpblendvb: byte elements.</summary>
internal struct ByteSigns : ISignMask
{
    public static Vector256<byte> Expand(Vector256<byte> mask) => Vector256.ShiftRightArithmetic(mask.AsSByte(), 7).AsByte();
}

/// <summary>vblendvps: dword elements.</summary>
internal struct DwordSigns : ISignMask
{
    public static Vector256<byte> Expand(Vector256<byte> mask) => Vector256.ShiftRightArithmetic(mask.AsInt32(), 31).AsByte();
}

/// <summary>vblendvpd: qword elements.</summary>
internal struct QwordSigns : ISignMask
{
    public static Vector256<byte> Expand(Vector256<byte> mask) => Vector256.ShiftRightArithmetic(mask.AsInt64(), 63).AsByte();
}

/// <summary>
/// The element-masked VEX instructions: variable blends (four operands), masked loads and
/// stores (vmaskmovps/pd, vpmaskmovd/q) and gathers. Facts from the SDM Vol. 2 pages of each.
/// </summary>
internal static unsafe class AvxMaskedOps
{
    // Variable blends: xmm1 = element i of xmm3/m when the sign of element i of xmm4 is set, else
    // of xmm2. DecodedOp: Dst, Sub = xmm2, Src = xmm3, Imm[7:0] = xmm4 (the is4 register), Imm[15:8] memory width.

    public static int Blendv128R<T>(Cpu c, ref DecodedOp op) where T : struct, ISignMask
    {
        Vector256<byte> mask = T.Expand(c.Xmm((byte)op.Imm).ToVector256());
        c.SetXmmVex(op.Dst, Vector256.ConditionalSelect(mask, c.Xmm(op.Src).ToVector256(), c.Xmm(op.Sub).ToVector256()).GetLower());
        return Exec.Next;
    }

    public static int Blendv128M<T>(Cpu c, ref DecodedOp op) where T : struct, ISignMask
    {
        if (!AvxOps.Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        Vector256<byte> mask = T.Expand(c.Xmm((byte)op.Imm).ToVector256());
        c.SetXmmVex(op.Dst, Vector256.ConditionalSelect(mask, source, c.Xmm(op.Sub).ToVector256()).GetLower());
        return Exec.Next;
    }

    public static int Blendv256R<T>(Cpu c, ref DecodedOp op) where T : struct, ISignMask
    {
        Vector256<byte> mask = T.Expand(c.Ymm((byte)op.Imm));
        c.SetYmm(op.Dst, Vector256.ConditionalSelect(mask, c.Ymm(op.Src), c.Ymm(op.Sub)));
        return Exec.Next;
    }

    public static int Blendv256M<T>(Cpu c, ref DecodedOp op) where T : struct, ISignMask
    {
        if (!c.Read256(c.Ea(ref op), out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        Vector256<byte> mask = T.Expand(c.Ymm((byte)op.Imm));
        c.SetYmm(op.Dst, Vector256.ConditionalSelect(mask, source, c.Ymm(op.Sub)));
        return Exec.Next;
    }

    /// <summary>
    /// vmaskmovps/pd, vpmaskmovd/q xmm1, xmm2, m: element i loaded when the sign of element i of
    /// xmm2 (Sub) is set, else zero. Masked-out elements are never accessed, so they never fault;
    /// a fault on a selected element leaves the destination unchanged. Imm is the element size.
    /// </summary>
    public static int MaskLoad(Cpu c, ref DecodedOp op)
    {
        int element = (int)op.Imm;
        ulong ea = c.Ea(ref op);
        Vector256<byte> mask = c.Ymm(op.Sub);
        Vector256<byte> result = default;
        byte* bytes = (byte*)&result;
        for (int offset = 0; offset < op.Size; offset += element)
        {
            if ((sbyte)mask.GetElement(offset + element - 1) >= 0)
            {
                continue;
            }
            if (!c.Read(ea + (ulong)offset, element, out ulong value))
            {
                return Exec.ExitFault;
            }
            if (element == 8)
            {
                Unsafe.WriteUnaligned(bytes + offset, value);
            }
            else
            {
                Unsafe.WriteUnaligned(bytes + offset, (uint)value);
            }
        }
        if (op.Size == 16)
        {
            c.SetXmmVex(op.Dst, result.GetLower());
        }
        else
        {
            c.SetYmm(op.Dst, result);
        }
        return Exec.Next;
    }

    /// <summary>
    /// vmaskmovps/pd, vpmaskmovd/q m, xmm1, xmm2: element i of xmm2 (Src) stored when the sign of
    /// element i of xmm1 (Sub) is set. Every selected element is checked for write permission
    /// before any is written, so a fault writes nothing; masked-out elements are never accessed.
    /// </summary>
    public static int MaskStore(Cpu c, ref DecodedOp op)
    {
        int element = (int)op.Imm;
        ulong ea = c.Ea(ref op);
        Vector256<byte> mask = c.Ymm(op.Sub);
        Vector256<byte> data = c.Ymm(op.Src);
        for (int offset = 0; offset < op.Size; offset += element)
        {
            if ((sbyte)mask.GetElement(offset + element - 1) < 0 && !c.RmwRead(ea + (ulong)offset, element, out _))
            {
                return Exec.ExitFault;
            }
        }
        for (int offset = 0; offset < op.Size; offset += element)
        {
            if ((sbyte)mask.GetElement(offset + element - 1) < 0)
            {
                ulong value = element == 8 ? data.AsUInt64().GetElement(offset / 8) : data.AsUInt32().GetElement(offset / 4);
                if (!c.Write(ea + (ulong)offset, element, value))
                {
                    return Exec.ExitFault;
                }
            }
        }
        return Exec.Next;
    }

    /// <summary>
    /// The gathers (vpgatherdd/dq/qd/qq, vgatherdps/dpd/qps/qpd), as the SDM's pseudocode runs
    /// them: the mask is first reduced to whole elements from each element's sign, then the
    /// elements are fetched lowest first; each element's mask is cleared once it is done (fetched,
    /// or not selected), and a fault stops the instruction with the destination and mask showing
    /// exactly the completed elements, so the instruction restarts where it stopped. On completion
    /// the mask is zero and the destination's bits above the gathered elements are zeroed.
    /// DecodedOp: Dst, Sub = the mask register, Index = the vector index register (a VSIB
    /// operand), Base/Disp/Scale/Seg as usual, Imm[7:0] the index size and Imm[15:8] the element
    /// size (4 or 8), Size the vector length of the encoding (VEX.L).
    /// </summary>
    public static int Gather(Cpu c, ref DecodedOp op)
    {
        int indexSize = (byte)op.Imm;
        int dataSize = (byte)(op.Imm >> 8);
        int count = op.Size / Math.Max(indexSize, dataSize);
        int destinationBytes = count * dataSize;
        Vector256<byte> destination = c.Ymm(op.Dst);
        Vector256<byte> mask = c.Ymm(op.Sub);
        Vector256<byte> index = c.Ymm(op.Index);
        byte* d = (byte*)&destination;
        byte* m = (byte*)&mask;
        for (int i = destinationBytes; i < 32; i++)
        {
            m[i] = 0;
        }
        for (int j = 0; j < count; j++)
        {
            bool selected = (sbyte)m[(j * dataSize) + dataSize - 1] < 0;
            new Span<byte>(m + (j * dataSize), dataSize).Fill(selected ? (byte)0xFF : (byte)0);
        }
        ulong baseAddress = op.Disp + c.R(op.Base);
        for (int j = 0; j < count; j++)
        {
            if (m[j * dataSize] != 0)
            {
                long element = indexSize == 4 ? index.AsInt32().GetElement(j) : index.AsInt64().GetElement(j);
                ulong address = baseAddress + ((ulong)element << op.Scale);
                if ((op.Flags & OpFlags.Addr32) != 0)
                {
                    address = (uint)address;
                }
                if (!c.Read(address + c.R(op.Seg), dataSize, out ulong value))
                {
                    c.SetYmm(op.Dst, destination);
                    c.SetYmm(op.Sub, mask);
                    return Exec.ExitFault;
                }
                if (dataSize == 8)
                {
                    Unsafe.WriteUnaligned(d + (j * 8), value);
                }
                else
                {
                    Unsafe.WriteUnaligned(d + (j * 4), (uint)value);
                }
            }
            new Span<byte>(m + (j * dataSize), dataSize).Clear();
        }
        for (int i = destinationBytes; i < 32; i++)
        {
            d[i] = 0;
        }
        c.SetYmm(op.Dst, destination);
        c.SetYmm(op.Sub, default);
        return Exec.Next;
    }
}
