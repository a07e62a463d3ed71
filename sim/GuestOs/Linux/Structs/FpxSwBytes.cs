using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// struct _fpx_sw_bytes (arch/x86/include/uapi/asm/sigcontext.h): the 48 bytes Linux writes into
/// the software-reserved end of the FXSAVE legacy area (bytes 464..511) of a signal frame's
/// fpstate when that fpstate is an XSAVE image, announcing its extent; FP_XSTATE_MAGIC2 follows
/// the XSAVE image (at fpstate + xstate_size). Written by save_sw_bytes and save_xstate_epilog,
/// checked by check_xstate_in_sigframe (arch/x86/kernel/fpu/signal.c).
/// </summary>
public readonly record struct FpxSwBytes(uint Magic1, uint ExtendedSize, ulong Xfeatures, uint XstateSize)
{
    /// <summary>Where the struct lies in the fpstate (fxregs_state.sw_reserved).</summary>
    public const int Offset = 464;

    public const int Size = 48;

    public const uint FP_XSTATE_MAGIC1 = 0x46505853;
    public const uint FP_XSTATE_MAGIC2 = 0x46505845;
    public const int FP_XSTATE_MAGIC2_SIZE = 4;

    /// <summary>min_xstate_size: the legacy area and the XSAVE header.</summary>
    public const uint MinXstateSize = 512 + 64;

    /// <summary>The bytes for an XSAVE image of <paramref name="xstateSize"/> bytes holding <paramref name="xfeatures"/> (padding zero).</summary>
    public static FpxSwBytes ForXstate(uint xstateSize, ulong xfeatures) =>
        new(FP_XSTATE_MAGIC1, xstateSize + FP_XSTATE_MAGIC2_SIZE, xfeatures, xstateSize);

    /// <summary>Writes the struct at <see cref="Offset"/> of <paramref name="fpstate"/>.</summary>
    public void WriteTo(Span<byte> fpstate)
    {
        Span<byte> d = fpstate.Slice(Offset, Size);
        d.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(d, Magic1);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], ExtendedSize);
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], Xfeatures);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], XstateSize);
    }

    public static FpxSwBytes ReadFrom(ReadOnlySpan<byte> fpstate)
    {
        ReadOnlySpan<byte> s = fpstate.Slice(Offset, Size);
        return new FpxSwBytes(
            BinaryPrimitives.ReadUInt32LittleEndian(s),
            BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[16..]));
    }

    /// <summary>
    /// check_xstate_in_sigframe's first test: magic1 present and xstate_size within
    /// [<see cref="MinXstateSize"/>, <paramref name="userSize"/>] and not above extended_size (the
    /// caller then checks magic2 at xstate_size). Otherwise the kernel restores the legacy area only.
    /// </summary>
    public bool Announces(uint userSize) =>
        Magic1 == FP_XSTATE_MAGIC1 && XstateSize >= MinXstateSize && XstateSize <= userSize && XstateSize <= ExtendedSize;
}
