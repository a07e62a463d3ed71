using System.Runtime.CompilerServices;
using HvSim.Mmu;

namespace HvSim.Cpu.Ops;

/// <summary>
/// String instructions: movs, stos, lods here; cmps and scas in StringOps.Compare.cs. The source
/// is seg:RSI (DS, or an FS/GS override in <see cref="DecodedOp.Seg"/>), the destination ES:RDI
/// (no override; ES base is 0 in 64-bit mode). With 0x67 the registers are ESI, EDI and ECX, and
/// every write of them zero-extends.
/// <para>
/// Rep forms are architecturally element by element: when an iteration faults, RCX, RSI and RDI
/// describe the iterations completed and RIP stays on the instruction, so it resumes once the
/// fault is fixed. One handler call performs at most <see cref="MaxIterationsPerCall"/>
/// iterations (one on the write emulator's elementwise CPU); if the count is not exhausted it leaves RIP on the instruction, so the run loop
/// counts each chunk as one instruction and the budget holds even for RCX = 2^63.
/// </para>
/// <para>
/// Fast path: a run of whole elements inside one source page and one destination page is
/// handled at once through host pointers. Every byte of a page shares its permissions, so when
/// the run's first element may be accessed, all may; the page's host pointer comes from the
/// TLB's fast path or, failing that, from a full <see cref="Mmu.Mmu.Translate"/> (which checks
/// permissions, sets A/D and drops decoded code on the frame exactly as a single write would).
/// Elements that straddle a page boundary go through <see cref="Cpu.Read"/>/<see cref="Cpu.Write"/>.
/// </para>
/// </summary>
internal static unsafe partial class StringOps
{
    /// <summary>Most iterations one handler call performs before it returns to the run loop.</summary>
    public const int MaxIterationsPerCall = 4096;

    private const ulong PageMask = 0xFFF;
    private const ulong PageSize = 0x1000;
    private const ulong Addr32Mask = 0xFFFF_FFFF;

    // ---- movs -------------------------------------------------------------------------------

    public static int Movs(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong rsi = c.R(Reg.Rsi) & mask;
        ulong rdi = c.R(Reg.Rdi) & mask;
        int size = op.Size;
        if (!c.Read(c.R(op.Seg) + rsi, size, out ulong value) || !c.Write(rdi, size, value))
        {
            return Exec.ExitFault;
        }
        ulong step = Step(c, size);
        c.R(Reg.Rsi) = (rsi + step) & mask;
        c.R(Reg.Rdi) = (rdi + step) & mask;
        return Exec.Next;
    }

    public static int RepMovs(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong count = c.R(Reg.Rcx) & mask;
        if (count == 0)
        {
            return Exec.Next;
        }
        int size = op.Size;
        bool down = c.DF;
        ulong seg = c.R(op.Seg);
        ulong rsi = c.R(Reg.Rsi) & mask;
        ulong rdi = c.R(Reg.Rdi) & mask;
        ulong left = IterationsThisCall(c, count);
        ulong done = 0;
        bool faulted = false;
        while (done < left)
        {
            ulong source = seg + rsi;
            ulong n = Math.Min(left - done, Math.Min(RunInPage(c, source, rsi, size, down, mask), RunInPage(c, rdi, rdi, size, down, mask)));
            if (n == 0)
            {
                // An element straddles a page (or the 4 GiB wrap): one element the careful way.
                if (!c.Read(source, size, out ulong value) || !c.Write(rdi, size, value))
                {
                    faulted = true;
                    break;
                }
                n = 1;
            }
            else
            {
                // Read before write: a source fault wins when both would fault.
                byte* s = ReadPointer(c, source);
                PhysicalFrame? watched = null;
                byte* d = s == null ? null : WritePointer(c, rdi, out watched);
                if (d == null)
                {
                    faulted = true;
                    break;
                }
                ulong bytes = n * (ulong)size;
                // movs is element by element: a destination just ahead of the source (in the
                // direction of travel) rereads bytes it has written, replicating them. Copy
                // only as many elements as do not overlap the bytes still to be read; memmove
                // of the whole run would be wrong.
                long ahead = down ? s - d : d - s;
                if (ahead > 0 && (ulong)ahead < bytes)
                {
                    n = Math.Max(1, (ulong)ahead / (ulong)size);
                    bytes = n * (ulong)size;
                }
                ulong back = down ? bytes - (ulong)size : 0;
                Buffer.MemoryCopy(s - back, d - back, bytes, bytes);
                NoteRun(watched, d - back, bytes);
            }
            Advance(ref rsi, n, size, down, mask);
            Advance(ref rdi, n, size, down, mask);
            done += n;
        }
        return Finish(c, ref op, count, done, faulted, terminated: false, rsi, rdi, writeRsi: true, writeRdi: true);
    }

    // ---- stos -------------------------------------------------------------------------------

    public static int Stos(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong rdi = c.R(Reg.Rdi) & mask;
        if (!c.Write(rdi, op.Size, c.R(Reg.Rax)))
        {
            return Exec.ExitFault;
        }
        c.R(Reg.Rdi) = (rdi + Step(c, op.Size)) & mask;
        return Exec.Next;
    }

    public static int RepStos(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong count = c.R(Reg.Rcx) & mask;
        if (count == 0)
        {
            return Exec.Next;
        }
        int size = op.Size;
        bool down = c.DF;
        ulong value = c.R(Reg.Rax);
        ulong rdi = c.R(Reg.Rdi) & mask;
        ulong left = IterationsThisCall(c, count);
        ulong done = 0;
        bool faulted = false;
        while (done < left)
        {
            ulong n = Math.Min(left - done, RunInPage(c, rdi, rdi, size, down, mask));
            if (n == 0)
            {
                if (!c.Write(rdi, size, value))
                {
                    faulted = true;
                    break;
                }
                n = 1;
            }
            else
            {
                byte* d = WritePointer(c, rdi, out PhysicalFrame? watched);
                if (d == null)
                {
                    faulted = true;
                    break;
                }
                byte* first = down ? d - ((n - 1) * (ulong)size) : d;
                Fill(first, (int)n, size, value);
                NoteRun(watched, first, n * (ulong)size);
            }
            Advance(ref rdi, n, size, down, mask);
            done += n;
        }
        return Finish(c, ref op, count, done, faulted, terminated: false, 0, rdi, writeRsi: false, writeRdi: true);
    }

    // ---- lods -------------------------------------------------------------------------------

    public static int Lods(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong rsi = c.R(Reg.Rsi) & mask;
        if (!c.Read(c.R(op.Seg) + rsi, op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(Reg.Rax, op.Size, value);
        c.R(Reg.Rsi) = (rsi + Step(c, op.Size)) & mask;
        return Exec.Next;
    }

    public static int RepLods(Cpu c, ref DecodedOp op)
    {
        ulong mask = AddressMask(ref op);
        ulong count = c.R(Reg.Rcx) & mask;
        if (count == 0)
        {
            return Exec.Next;
        }
        int size = op.Size;
        bool down = c.DF;
        ulong seg = c.R(op.Seg);
        ulong rsi = c.R(Reg.Rsi) & mask;
        ulong left = IterationsThisCall(c, count);
        ulong done = 0;
        bool faulted = false;
        ulong value = 0;
        while (done < left)
        {
            ulong source = seg + rsi;
            ulong n = Math.Min(left - done, RunInPage(c, source, rsi, size, down, mask));
            if (n == 0)
            {
                if (!c.Read(source, size, out ulong element))
                {
                    faulted = true; // rAX keeps the last element read before the fault
                    break;
                }
                value = element;
                n = 1;
            }
            else
            {
                byte* s = ReadPointer(c, source);
                if (s == null)
                {
                    faulted = true;
                    break;
                }
                // Only the last element of the run survives in rAX.
                value = Load(s, n - 1, size, down);
            }
            Advance(ref rsi, n, size, down, mask);
            done += n;
        }
        if (done != 0)
        {
            c.WriteReg(Reg.Rax, size, value);
        }
        return Finish(c, ref op, count, done, faulted, terminated: false, rsi, 0, writeRsi: true, writeRdi: false);
    }

    // ---- shared machinery -------------------------------------------------------------------

    /// <summary>All ones, or the low 32 bits under a 0x67 prefix (ESI/EDI/ECX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddressMask(ref DecodedOp op)
    {
        return (op.Flags & OpFlags.Addr32) != 0 ? Addr32Mask : ulong.MaxValue;
    }

    /// <summary>The per-element change of RSI/RDI: +size, or -size when DF is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(Cpu c, int size)
    {
        return c.DF ? (ulong)(-size) : (ulong)size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Advance(ref ulong register, ulong elements, int size, bool down, ulong mask)
    {
        ulong bytes = elements * (ulong)size;
        register = (down ? register - bytes : register + bytes) & mask;
    }

    /// <summary>
    /// The iterations one handler call may perform: <see cref="MaxIterationsPerCall"/>, or one on
    /// an elementwise CPU (the write emulator's), so that each call is one architectural element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong IterationsThisCall(Cpu c, ulong count)
    {
        return Math.Min(count, c._elementwise ? 1UL : MaxIterationsPerCall);
    }

    /// <summary>
    /// How many whole elements, starting with the one at <paramref name="linear"/> and moving in
    /// the direction of travel, stay inside its page (and, under 0x67, do not wrap the 32-bit
    /// <paramref name="register"/>). 0 when the first element itself straddles a boundary, and
    /// always 0 on an elementwise CPU: its elements must go through <see cref="Cpu.Read"/> and
    /// <see cref="Cpu.Write"/> (its memory bus), never through host pointers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RunInPage(Cpu c, ulong linear, ulong register, int size, bool down, ulong mask)
    {
        if (c._elementwise)
        {
            return 0;
        }
        // A page, or a 128-byte sub-page while EPT sub-page permissions are in use: the span whose
        // bytes share their write permission (Mmu.AccessGranule).
        ulong granule = (ulong)c.Mmu.AccessGranule;
        ulong offset = linear & (granule - 1);
        if (offset + (ulong)size > granule)
        {
            return 0;
        }
        ulong n = down ? (offset / (ulong)size) + 1 : (granule - offset) / (ulong)size;
        if (mask == Addr32Mask)
        {
            // The register wraps at 4 GiB; with an FS/GS base that need not be a page boundary.
            ulong room = down ? (register / (ulong)size) + 1 : (Addr32Mask - register + 1) / (ulong)size;
            n = Math.Min(n, room);
        }
        return n;
    }

    /// <summary>Host pointer of a readable page's byte, or null with the fault recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* ReadPointer(Cpu c, ulong va)
    {
        byte* p = c.Mmu.FastRead(va);
        return p != null ? p : TranslateSlow(c, va, AccessKind.Read);
    }

    /// <summary>
    /// Host pointer of a writable page's byte, or null with the fault recorded. A frame some audit
    /// watches (never on the fast path) comes back in <paramref name="watched"/>: the caller reports
    /// the run it wrote there with <see cref="NoteRun"/>, since a run is written through the
    /// pointer, past the MMU's own write path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* WritePointer(Cpu c, ulong va, out PhysicalFrame? watched)
    {
        watched = null;
        byte* p = c.Mmu.FastWrite(va);
        return p != null ? p : TranslateWriteSlow(c, va, out watched);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte* TranslateWriteSlow(Cpu c, ulong va, out PhysicalFrame? watched)
    {
        PhysicalFrame? frame = c.Mmu.TranslateToFrame(va, AccessKind.Write, user: true, out MemoryFault fault);
        if (frame is null)
        {
            c.RecordFault(fault);
            watched = null;
            return null;
        }
        watched = frame.WriteWatch is null ? null : frame;
        return frame.Pointer + (va & PageMask);
    }

    /// <summary>Reports a run of <paramref name="bytes"/> written from <paramref name="first"/> to the frame's audit (none: nothing to do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NoteRun(PhysicalFrame? watched, byte* first, ulong bytes)
    {
        if (watched is not null)
        {
            watched.WriteWatch?.Written(watched, (int)(first - watched.Pointer), (int)bytes, user: true);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte* TranslateSlow(Cpu c, ulong va, AccessKind access)
    {
        byte* p = c.Mmu.Translate(va, access, user: true, out MemoryFault fault);
        if (p == null)
        {
            c.RecordFault(fault);
        }
        return p;
    }

    /// <summary>Element <paramref name="index"/> of a run that starts at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Load(byte* p, ulong index, int size, bool down)
    {
        ulong offset = index * (ulong)size;
        byte* at = down ? p - offset : p + offset;
        return size switch
        {
            8 => Unsafe.ReadUnaligned<ulong>(at),
            4 => Unsafe.ReadUnaligned<uint>(at),
            2 => Unsafe.ReadUnaligned<ushort>(at),
            _ => *at,
        };
    }

    private static void Fill(byte* p, int count, int size, ulong value)
    {
        switch (size)
        {
            case 8: new Span<ulong>(p, count).Fill(value); break;
            case 4: new Span<uint>(p, count).Fill((uint)value); break;
            case 2: new Span<ushort>(p, count).Fill((ushort)value); break;
            default: new Span<byte>(p, count).Fill((byte)value); break;
        }
    }

    /// <summary>
    /// Stores the registers after <paramref name="done"/> completed iterations and picks the
    /// status: a fault leaves RIP on the instruction (the run loop does that); a count not yet
    /// exhausted (and no cmps/scas termination) re-runs the instruction from the run loop.
    /// </summary>
    private static int Finish(Cpu c, ref DecodedOp op, ulong count, ulong done, bool faulted, bool terminated,
        ulong rsi, ulong rdi, bool writeRsi, bool writeRdi)
    {
        if (done != 0)
        {
            // Under 0x67 these are ECX/ESI/EDI: the 32-bit write clears the upper halves.
            count -= done;
            c.R(Reg.Rcx) = count;
            if (writeRsi)
            {
                c.R(Reg.Rsi) = rsi;
            }
            if (writeRdi)
            {
                c.R(Reg.Rdi) = rdi;
            }
        }
        if (faulted)
        {
            return Exec.ExitFault;
        }
        if (count != 0 && !terminated)
        {
            c.Rip = op.Ip;
            return Exec.Jump;
        }
        return Exec.Next;
    }
}
