using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// siginfo_t (128 bytes) as the kernel fills it for a delivered signal. The union at offset 16
/// holds si_addr for a fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) or si_pid, si_uid for a
/// signal sent by a process; the rest of the 128 bytes is zero.
/// </summary>
public readonly record struct SigInfo
{
    public const int Size = 128;

    public const int SiSignoOffset = 0;
    public const int SiErrnoOffset = 4;
    public const int SiCodeOffset = 8;
    public const int SiAddrOffset = 16;
    public const int SiPidOffset = 16;
    public const int SiUidOffset = 20;

    public int Signo { get; init; }

    public int Errno { get; init; }

    /// <summary>si_code: a <see cref="SigCodes"/> value.</summary>
    public int Code { get; init; }

    /// <summary>si_addr: the faulting address (CR2 for a page fault, the instruction for SIGILL/SIGFPE); null for a sent signal.</summary>
    public ulong? FaultAddress { get; init; }

    public int SenderPid { get; init; }

    public uint SenderUid { get; init; }

    /// <summary>A fault signal, e.g. Fault(SIGSEGV, SEGV_ACCERR, cr2).</summary>
    public static SigInfo Fault(Signal signal, int code, ulong address) =>
        new() { Signo = (int)signal, Code = code, FaultAddress = address };

    /// <summary>A signal sent by kill/tgkill (si_code SI_USER or SI_TKILL).</summary>
    public static SigInfo Sent(Signal signal, int code, int pid, uint uid) =>
        new() { Signo = (int)signal, Code = code, SenderPid = pid, SenderUid = uid };

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "siginfo_t");
        Span<byte> d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(d[SiSignoOffset..], Signo);
        BinaryPrimitives.WriteInt32LittleEndian(d[SiErrnoOffset..], Errno);
        BinaryPrimitives.WriteInt32LittleEndian(d[SiCodeOffset..], Code);
        if (FaultAddress is { } address)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(d[SiAddrOffset..], address);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(d[SiPidOffset..], SenderPid);
            BinaryPrimitives.WriteUInt32LittleEndian(d[SiUidOffset..], SenderUid);
        }
    }
}
