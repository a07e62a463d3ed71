using System.Globalization;

namespace HvSim.Cli;

/// <summary>
/// A size on the command line: a whole number of bytes, or one with a binary unit — K, M, G, T or
/// KiB, MiB, GiB, TiB (64M = 64MiB = 2^26 bytes, as qemu's -m reads them), either case.
/// </summary>
public static class ByteSize
{
    private static readonly (string Suffix, int Shift)[] s_units =
        [("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40), ("K", 10), ("M", 20), ("G", 30), ("T", 40)];

    /// <summary>False when <paramref name="text"/> is not a size or overflows 64 bits.</summary>
    public static bool TryParse(string text, out ulong bytes)
    {
        bytes = 0;
        int shift = 0;
        string digits = text;
        foreach ((string suffix, int unitShift) in s_units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                digits = text[..^suffix.Length];
                shift = unitShift;
                break;
            }
        }
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            || value > (ulong.MaxValue >> shift))
        {
            return false;
        }
        bytes = value << shift;
        return true;
    }

    /// <summary>The size in the largest binary unit that divides it (16 MiB, 4 GiB, 12345 bytes).</summary>
    public static string Format(ulong bytes)
    {
        foreach ((string suffix, int shift) in s_units.Take(4).Reverse())
        {
            if (bytes != 0 && bytes % (1UL << shift) == 0)
            {
                return $"{bytes >> shift} {suffix}";
            }
        }
        return $"{bytes} bytes";
    }
}
