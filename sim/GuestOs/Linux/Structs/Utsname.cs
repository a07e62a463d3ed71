using System.Text;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// struct new_utsname for uname(2): six NUL-terminated char[65] fields, 390 bytes. Longer values
/// are cut to 64 bytes so that each field stays terminated.
/// </summary>
public readonly record struct Utsname(
    string SystemName,
    string NodeName,
    string Release,
    string Version,
    string Machine,
    string DomainName)
{
    public const int FieldLength = 65;
    public const int Size = 6 * FieldLength;

    public const int SysnameOffset = 0;
    public const int NodenameOffset = 65;
    public const int ReleaseOffset = 130;
    public const int VersionOffset = 195;
    public const int MachineOffset = 260;
    public const int DomainnameOffset = 325;

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct utsname");
        WriteField(destination, SysnameOffset, SystemName);
        WriteField(destination, NodenameOffset, NodeName);
        WriteField(destination, ReleaseOffset, Release);
        WriteField(destination, VersionOffset, Version);
        WriteField(destination, MachineOffset, Machine);
        WriteField(destination, DomainnameOffset, DomainName);
    }

    public static Utsname ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct utsname");
        return new(
            ReadField(source, SysnameOffset),
            ReadField(source, NodenameOffset),
            ReadField(source, ReleaseOffset),
            ReadField(source, VersionOffset),
            ReadField(source, MachineOffset),
            ReadField(source, DomainnameOffset));
    }

    private static void WriteField(Span<byte> destination, int offset, string value)
    {
        Span<byte> field = destination.Slice(offset, FieldLength);
        field.Clear();
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        bytes.AsSpan(0, Math.Min(bytes.Length, FieldLength - 1)).CopyTo(field);
    }

    private static string ReadField(ReadOnlySpan<byte> source, int offset)
    {
        ReadOnlySpan<byte> field = source.Slice(offset, FieldLength);
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
