using System.Buffers.Binary;
using HvSim.Mmu;

namespace HvSim.Cpu.Ops;

/// <summary>
/// The x87 environment instructions (control word, status word, fninit/fnclex, fnstenv/fldenv,
/// wait). No x87 arithmetic exists, so no exception can be pending: wait never raises #MF and
/// the tag word always reads as all-empty.
/// </summary>
internal static unsafe class X87ControlOps
{
    /// <summary>Size of the 64-bit-mode (32-bit operand size) x87 environment image.</summary>
    public const int EnvironmentSize = 28;

    // fnclex clears the exception flags (bits 0..5), SF (6), ES (7) and B (15).
    private const ushort FswExceptionBits = 0x80FF;
    // fnstenv masks every exception after storing the environment.
    private const ushort FcwExceptionMasks = 0x003F;

    public static int Fnstcw(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 2, c.Fcw) ? Exec.Next : Exec.ExitFault;
    }

    public static int Fldcw(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 2, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.Fcw = Cpu.LoadedFcw(value);
        return Exec.Next;
    }

    public static int FnstswMemory(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 2, c.Fsw) ? Exec.Next : Exec.ExitFault;
    }

    public static int FnstswAx(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(Reg.Rax, 2, c.Fsw);
        return Exec.Next;
    }

    public static int Fninit(Cpu c, ref DecodedOp op)
    {
        c.Fcw = Cpu.FcwDefault;
        c.Fsw = 0;
        return Exec.Next;
    }

    public static int Fnclex(Cpu c, ref DecodedOp op)
    {
        c.Fsw = (ushort)(c.Fsw & ~FswExceptionBits);
        return Exec.Next;
    }

    /// <summary>wait/fwait: checks for pending unmasked x87 exceptions; there never are any.</summary>
    public static int Wait(Cpu c, ref DecodedOp op)
    {
        return Exec.Next;
    }

    /// <summary>
    /// fnstenv m28: FCW, FSW, FTW (all empty), then zero instruction and operand pointers; each
    /// 16-bit field in a dword whose upper half reads as 0xFFFF, as the host CPU writes it.
    /// </summary>
    public static int Fnstenv(Cpu c, ref DecodedOp op)
    {
        Span<byte> image = stackalloc byte[EnvironmentSize];
        image.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(image, 0xFFFF_0000u | c.Fcw);
        BinaryPrimitives.WriteUInt32LittleEndian(image[4..], 0xFFFF_0000u | c.Fsw);
        BinaryPrimitives.WriteUInt32LittleEndian(image[8..], 0xFFFF_FFFFu);
        BinaryPrimitives.WriteUInt32LittleEndian(image[24..], 0xFFFF_0000u);
        if (!c._bus.TryWrite(c.Ea(ref op), image, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }
        c.Fcw |= FcwExceptionMasks;
        return Exec.Next;
    }

    /// <summary>fldenv m28: loads FCW and FSW (the tag word and pointers have nothing to describe).</summary>
    public static int Fldenv(Cpu c, ref DecodedOp op)
    {
        Span<byte> image = stackalloc byte[EnvironmentSize];
        if (!c._bus.TryRead(c.Ea(ref op), image, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }
        c.Fcw = Cpu.LoadedFcw(BinaryPrimitives.ReadUInt16LittleEndian(image));
        c.Fsw = BinaryPrimitives.ReadUInt16LittleEndian(image[4..]);
        return Exec.Next;
    }
}
