using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// The kernel's struct sigaction for rt_sigaction on x86-64 (32 bytes). Not glibc's struct
/// sigaction: the order is handler, flags, restorer, mask, and the mask is one 64-bit word
/// (rt_sigaction's sigsetsize argument must be 8).
/// </summary>
public readonly record struct KernelSigaction(ulong Handler, SigActionFlags Flags, ulong Restorer, ulong Mask)
{
    public const int Size = 32;

    public const int SaHandlerOffset = 0;
    public const int SaFlagsOffset = 8;
    public const int SaRestorerOffset = 16;
    public const int SaMaskOffset = 24;

    /// <summary>The only sigsetsize rt_sigaction and rt_sigprocmask accept on x86-64 (else EINVAL).</summary>
    public const int SigsetSize = 8;

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct sigaction");
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SaHandlerOffset..], Handler);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SaFlagsOffset..], (ulong)Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SaRestorerOffset..], Restorer);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SaMaskOffset..], Mask);
    }

    public static KernelSigaction ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct sigaction");
        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(source[SaHandlerOffset..]),
            (SigActionFlags)BinaryPrimitives.ReadUInt64LittleEndian(source[SaFlagsOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[SaRestorerOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[SaMaskOffset..]));
    }
}
