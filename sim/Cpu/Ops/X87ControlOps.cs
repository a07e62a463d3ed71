using HvSim.Cpu.State;
using HvSim.Cpu.X87;
using HvSim.Mmu;

namespace HvSim.Cpu.Ops;

/// <summary>
/// The x87 control instructions: control and status words, fninit/fnclex, the environment
/// (fnstenv/fldenv), the whole state (fnsave/frstor, fxsave/fxrstor) and wait. They never change
/// FOP, FIP or FDP. The no-wait forms never raise #MF; the waiting ones (fldcw, fldenv, frstor,
/// wait, and the fstcw/fstsw/finit/fclex/fstenv/fsave forms when the decoder joins them with their
/// wait prefix, marked by <see cref="WaitFirst"/> in Sub) raise it while an unmasked exception is
/// pending (measured on the host: fldcw, fldenv and frstor trap; fxsave and fxrstor do not).
/// </summary>
internal static unsafe class X87ControlOps
{
    /// <summary>Size of the 64-bit-mode (32-bit operand size) x87 environment image.</summary>
    public const int EnvironmentSize = X87EnvironmentImage.Size;

    /// <summary>Sub value of the waiting forms of fstcw, fstsw, finit, fclex, fstenv and fsave.</summary>
    public const byte WaitFirst = 1;

    // fnclex clears the exception flags (bits 0..5), SF (6), ES (7) and B (15).
    private const ushort FswExceptionBits = 0x80FF;
    // fnstenv masks every exception after storing the environment.
    private const ushort FcwExceptionMasks = 0x003F;

    private static bool Trapped(Cpu c, ref DecodedOp op, bool waits)
    {
        if (waits && c.X87.Pending)
        {
            c.Raise(Vector.X87FloatingPoint);
            return true;
        }

        return false;
    }

    public static int Fnstcw(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        return c.Write(c.Ea(ref op), 2, c.Fcw) ? Exec.Next : Exec.ExitFault;
    }

    public static int Fldcw(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, true) || !c.Read(c.Ea(ref op), 2, out ulong value))
        {
            return Exec.ExitFault;
        }

        c.Fcw = Cpu.LoadedFcw(value);
        c.X87.UpdateErrorSummary();
        return Exec.Next;
    }

    public static int FnstswMemory(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        return c.Write(c.Ea(ref op), 2, c.Fsw) ? Exec.Next : Exec.ExitFault;
    }

    public static int FnstswAx(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        c.WriteReg(Reg.Rax, 2, c.Fsw);
        return Exec.Next;
    }

    public static int Fninit(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        c.X87.Reset();
        return Exec.Next;
    }

    public static int Fnclex(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        c.Fsw = (ushort)(c.Fsw & ~FswExceptionBits);
        return Exec.Next;
    }

    /// <summary>wait/fwait: raises #MF when an unmasked x87 exception is pending.</summary>
    public static int Wait(Cpu c, ref DecodedOp op)
    {
        return Trapped(c, ref op, true) ? Exec.ExitFault : Exec.Next;
    }

    /// <summary>
    /// fnstenv m28: the environment (<see cref="X87EnvironmentImage"/>), then every exception masked;
    /// ES and B follow the new masks (measured on the host: a pending ZE no longer traps afterwards).
    /// </summary>
    public static int Fnstenv(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        Span<byte> image = stackalloc byte[EnvironmentSize];
        X87EnvironmentImage.Store(c.X87, image);
        if (!c._bus.TryWrite(c.Ea(ref op), image, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }

        c.Fcw |= FcwExceptionMasks;
        c.X87.UpdateErrorSummary();
        return Exec.Next;
    }

    /// <summary>fldenv m28: control, status and tag words and the last-instruction pointers.</summary>
    public static int Fldenv(Cpu c, ref DecodedOp op)
    {
        Span<byte> image = stackalloc byte[EnvironmentSize];
        if (Trapped(c, ref op, true) || !Read(c, c.Ea(ref op), image))
        {
            return Exec.ExitFault;
        }

        X87EnvironmentImage.Load(c.X87, image);
        return Exec.Next;
    }

    /// <summary>fnsave m108: the environment and the eight registers, then the state fninit leaves.</summary>
    public static int Fnsave(Cpu c, ref DecodedOp op)
    {
        if (Trapped(c, ref op, op.Sub == WaitFirst))
        {
            return Exec.ExitFault;
        }

        Span<byte> image = stackalloc byte[X87EnvironmentImage.SaveSize];
        X87EnvironmentImage.Save(c.X87, image);
        if (!c._bus.TryWrite(c.Ea(ref op), image, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }

        c.X87.Reset();
        return Exec.Next;
    }

    public static int Frstor(Cpu c, ref DecodedOp op)
    {
        Span<byte> image = stackalloc byte[X87EnvironmentImage.SaveSize];
        if (Trapped(c, ref op, true) || !Read(c, c.Ea(ref op), image))
        {
            return Exec.ExitFault;
        }

        X87EnvironmentImage.Restore(c.X87, image);
        return Exec.Next;
    }

    /// <summary>fxsave/fxsave64 m512 (Sub = 1 for the 64-bit layout): #GP unless 16-byte aligned (SDM Vol. 2A FXSAVE).</summary>
    public static int Fxsave(Cpu c, ref DecodedOp op)
    {
        ulong address = c.Ea(ref op);
        if ((address & 15) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }

        Span<byte> image = stackalloc byte[FxsaveImage.WrittenLength];
        FxsaveImage.Save(c, image, wide: op.Sub == 1);
        if (!c._bus.TryWrite(address, image, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }

        return Exec.Next;
    }

    /// <summary>fxrstor/fxrstor64 m512: #GP unless 16-byte aligned or when MXCSR sets a reserved bit.</summary>
    public static int Fxrstor(Cpu c, ref DecodedOp op)
    {
        ulong address = c.Ea(ref op);
        if ((address & 15) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }

        Span<byte> image = stackalloc byte[FxsaveImage.WrittenLength];
        if (!Read(c, address, image))
        {
            return Exec.ExitFault;
        }

        if ((FxsaveImage.MxcsrOf(image) & ~FxsaveImage.MxcsrMask) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }

        FxsaveImage.Load(c, image, wide: op.Sub == 1);
        return Exec.Next;
    }

    private static bool Read(Cpu c, ulong address, Span<byte> image)
    {
        if (!c._bus.TryRead(address, image, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return false;
        }

        return true;
    }
}
