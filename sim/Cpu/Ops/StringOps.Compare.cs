using System.Runtime.CompilerServices;

namespace HvSim.Cpu.Ops;

/// <summary>
/// cmps and scas: each element sets the flags as cmp does (cmps: [RSI] - [RDI]; scas:
/// rAX - [RDI]). repe stops after the first unequal element, repne after the first equal one;
/// both also stop when the count runs out. The flags are those of the last element compared.
/// </summary>
internal static unsafe partial class StringOps
{
    // ---- cmps -------------------------------------------------------------------------------

    public static int Cmps(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong rsi = c.R(Reg.Rsi) & mask;
        ulong rdi = c.R(Reg.Rdi) & mask;
        int size = op.Size;
        // SDM CMPS: temp = SRC1 - SRC2, SRC1 being seg:RSI, read first.
        if (!c.Read(c.R(op.Seg) + rsi, size, out ulong a) || !c.Read(rdi, size, out ulong b))
        {
            return Exec.ExitFault;
        }
        c.SetFlags(FlagOp.Sub, size, a, b, Cpu.Mask(a - b, size));
        ulong step = Step(c, size);
        c.R(Reg.Rsi) = (rsi + step) & mask;
        c.R(Reg.Rdi) = (rdi + step) & mask;
        return Exec.Next;
    }

    public static int RepCmps(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong count = c.R(Reg.Rcx) & mask;
        if (count == 0)
        {
            return Exec.Next; // no iteration: flags unchanged
        }
        int size = op.Size;
        bool down = c.DF;
        bool untilEqual = (op.Flags & OpFlags.RepNe) != 0;
        ulong seg = c.R(op.Seg);
        ulong rsi = c.R(Reg.Rsi) & mask;
        ulong rdi = c.R(Reg.Rdi) & mask;
        ulong left = IterationsThisCall(c, count);
        ulong done = 0;
        bool faulted = false;
        bool terminated = false;
        while (done < left)
        {
            ulong source = seg + rsi;
            ulong n = Math.Min(left - done, Math.Min(RunInPage(c, source, rsi, size, down, mask), RunInPage(c, rdi, rdi, size, down, mask)));
            ulong a;
            ulong b;
            if (n == 0)
            {
                if (!c.Read(source, size, out a) || !c.Read(rdi, size, out b))
                {
                    faulted = true;
                    break;
                }
                n = 1;
                terminated = (a == b) == untilEqual;
            }
            else
            {
                byte* s = ReadPointer(c, source);
                byte* d = s == null ? null : ReadPointer(c, rdi);
                if (d == null)
                {
                    faulted = true;
                    break;
                }
                int stop = size switch
                {
                    8 => FindCmps<ulong>(s, d, (int)n, down, untilEqual),
                    4 => FindCmps<uint>(s, d, (int)n, down, untilEqual),
                    2 => FindCmps<ushort>(s, d, (int)n, down, untilEqual),
                    _ => FindCmps<byte>(s, d, (int)n, down, untilEqual),
                };
                if (stop >= 0)
                {
                    n = (ulong)stop + 1;
                    terminated = true;
                }
                a = Load(s, n - 1, size, down);
                b = Load(d, n - 1, size, down);
            }
            c.SetFlags(FlagOp.Sub, size, a, b, Cpu.Mask(a - b, size));
            Advance(ref rsi, n, size, down, mask);
            Advance(ref rdi, n, size, down, mask);
            done += n;
            if (terminated)
            {
                break;
            }
        }
        return Finish(c, ref op, count, done, faulted, terminated, rsi, rdi, writeRsi: true, writeRdi: true);
    }

    /// <summary>
    /// Index (in the direction of travel) of the first element pair that ends a repe
    /// (unequal) or repne (equal) run, or -1 if none of the <paramref name="n"/> pairs does.
    /// </summary>
    private static int FindCmps<T>(byte* s, byte* d, int n, bool down, bool untilEqual)
        where T : unmanaged, IEquatable<T>
    {
        if (!down && !untilEqual)
        {
            // The common case (memcmp-like repe cmpsb): vectorised.
            int common = new ReadOnlySpan<T>(s, n).CommonPrefixLength(new ReadOnlySpan<T>(d, n));
            return common == n ? -1 : common;
        }
        int step = down ? -sizeof(T) : sizeof(T);
        for (int k = 0; k < n; k++)
        {
            T a = Unsafe.ReadUnaligned<T>(s + ((long)k * step));
            T b = Unsafe.ReadUnaligned<T>(d + ((long)k * step));
            if (a.Equals(b) == untilEqual)
            {
                return k;
            }
        }
        return -1;
    }

    // ---- scas -------------------------------------------------------------------------------

    public static int Scas(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong rdi = c.R(Reg.Rdi) & mask;
        int size = op.Size;
        if (!c.Read(rdi, size, out ulong b))
        {
            return Exec.ExitFault;
        }
        // SDM SCAS: temp = rAX - SRC.
        ulong a = Cpu.Mask(c.R(Reg.Rax), size);
        c.SetFlags(FlagOp.Sub, size, a, b, Cpu.Mask(a - b, size));
        c.R(Reg.Rdi) = (rdi + Step(c, size)) & mask;
        return Exec.Next;
    }

    public static int RepScas(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong count = c.R(Reg.Rcx) & mask;
        if (count == 0)
        {
            return Exec.Next;
        }
        int size = op.Size;
        bool down = c.DF;
        bool untilEqual = (op.Flags & OpFlags.RepNe) != 0;
        ulong a = Cpu.Mask(c.R(Reg.Rax), size);
        ulong rdi = c.R(Reg.Rdi) & mask;
        ulong left = IterationsThisCall(c, count);
        ulong done = 0;
        bool faulted = false;
        bool terminated = false;
        while (done < left)
        {
            ulong n = Math.Min(left - done, RunInPage(c, rdi, rdi, size, down, mask));
            ulong b;
            if (n == 0)
            {
                if (!c.Read(rdi, size, out b))
                {
                    faulted = true;
                    break;
                }
                n = 1;
                terminated = (a == b) == untilEqual;
            }
            else
            {
                byte* d = ReadPointer(c, rdi);
                if (d == null)
                {
                    faulted = true;
                    break;
                }
                int stop = size switch
                {
                    8 => FindScas(d, (int)n, a, down, untilEqual),
                    4 => FindScas(d, (int)n, (uint)a, down, untilEqual),
                    2 => FindScas(d, (int)n, (ushort)a, down, untilEqual),
                    _ => FindScas(d, (int)n, (byte)a, down, untilEqual),
                };
                if (stop >= 0)
                {
                    n = (ulong)stop + 1;
                    terminated = true;
                }
                b = Load(d, n - 1, size, down);
            }
            c.SetFlags(FlagOp.Sub, size, a, b, Cpu.Mask(a - b, size));
            Advance(ref rdi, n, size, down, mask);
            done += n;
            if (terminated)
            {
                break;
            }
        }
        return Finish(c, ref op, count, done, faulted, terminated, 0, rdi, writeRsi: false, writeRdi: true);
    }

    /// <summary>
    /// Index (in the direction of travel) of the first element that ends a repe (unequal to
    /// <paramref name="value"/>) or repne (equal) scan, or -1 if none of the <paramref name="n"/> does.
    /// </summary>
    private static int FindScas<T>(byte* d, int n, T value, bool down, bool untilEqual)
        where T : unmanaged, IEquatable<T>
    {
        if (!down)
        {
            var run = new ReadOnlySpan<T>(d, n);
            return untilEqual ? run.IndexOf(value) : run.IndexOfAnyExcept(value);
        }
        // Going down, the run occupies [d - (n-1) elements, d]; the first hit is the last index.
        var below = new ReadOnlySpan<T>(d - ((long)(n - 1) * sizeof(T)), n);
        int at = untilEqual ? below.LastIndexOf(value) : below.LastIndexOfAnyExcept(value);
        return at < 0 ? -1 : n - 1 - at;
    }
}
