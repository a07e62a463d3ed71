using HvSim.Cpu.X87;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// The transcendentals' values against references computed elsewhere: mpmath at 600 bits
/// (tests' generator: x = the operand, y = ST(1)), each rounded to 64 bits in the four rounding
/// modes, with the trigonometric arguments reduced by π rounded to 66 bits as the hardware does.
/// The host oracle (<see cref="X87TranscendentalTests"/>) cannot show these: the AMD host is not
/// correctly rounded (its fyl2x(3, ln 2) is ...4BC, the exact value being 0.488 ulp above ...4BB).
/// "frac" is where the exact value lies between its two 64-bit neighbours.
/// </summary>
public sealed class Float80TranscendentalTests
{
    private sealed record Case(
        string Function, string Operands, ushort XSe, ulong XSig, ushort YSe, ulong YSig,
        (ushort, ulong) Nearest, (ushort, ulong) Down, (ushort, ulong) Up, (ushort, ulong) TowardZero);

    private static readonly Case[] s_cases =
    [
        new("f2xm1", "0.5", 0x3FFE, 0x8000000000000000, 0x0000, 0x0000000000000000, (0x3FFD, 0xD413CCCFE7799211), (0x3FFD, 0xD413CCCFE7799211), (0x3FFD, 0xD413CCCFE7799212), (0x3FFD, 0xD413CCCFE7799211)), // frac 0.398
        new("f2xm1", "-0.75", 0xBFFE, 0xC000000000000000, 0x0000, 0x0000000000000000, (0xBFFD, 0xCF901F5CE48EAD21), (0xBFFD, 0xCF901F5CE48EAD22), (0xBFFD, 0xCF901F5CE48EAD21), (0xBFFD, 0xCF901F5CE48EAD21)), // frac 0.448
        new("fyl2x", "x=3, y=fldln2 (log1pl(2) in glibc: 0.488 ulp above ...4BB)", 0x4000, 0xC000000000000000, 0x3FFE, 0xB17217F7D1CF79AC, (0x3FFF, 0x8C9F53D5681854BB), (0x3FFF, 0x8C9F53D5681854BB), (0x3FFF, 0x8C9F53D5681854BC), (0x3FFF, 0x8C9F53D5681854BB)), // frac 0.488
        new("fyl2x", "x=10, y=1", 0x4002, 0xA000000000000000, 0x3FFF, 0x8000000000000000, (0x4000, 0xD49A784BCD1B8AFE), (0x4000, 0xD49A784BCD1B8AFE), (0x4000, 0xD49A784BCD1B8AFF), (0x4000, 0xD49A784BCD1B8AFE)), // frac 0.286
        new("fyl2xp1", "x=0.25, y=-3", 0x3FFD, 0x8000000000000000, 0xC000, 0xC000000000000000, (0xBFFE, 0xF73DA38D9D4A83EB), (0xBFFE, 0xF73DA38D9D4A83EC), (0xBFFE, 0xF73DA38D9D4A83EB), (0xBFFE, 0xF73DA38D9D4A83EB)), // frac 0.430
        new("fpatan", "x=1, y=1 (pi/4)", 0x3FFF, 0x8000000000000000, 0x3FFF, 0x8000000000000000, (0x3FFE, 0xC90FDAA22168C235), (0x3FFE, 0xC90FDAA22168C234), (0x3FFE, 0xC90FDAA22168C235), (0x3FFE, 0xC90FDAA22168C234)), // frac 0.769
        new("fpatan", "x=-2, y=3", 0xC000, 0x8000000000000000, 0x4000, 0xC000000000000000, (0x4000, 0x8A29C2FD1D7B8BF5), (0x4000, 0x8A29C2FD1D7B8BF4), (0x4000, 0x8A29C2FD1D7B8BF5), (0x4000, 0x8A29C2FD1D7B8BF4)), // frac 0.651
        new("fsin", "1", 0x3FFF, 0x8000000000000000, 0x0000, 0x0000000000000000, (0x3FFE, 0xD76AA47848677021), (0x3FFE, 0xD76AA47848677020), (0x3FFE, 0xD76AA47848677021), (0x3FFE, 0xD76AA47848677020)), // frac 0.797
        new("fcos", "1", 0x3FFF, 0x8000000000000000, 0x0000, 0x0000000000000000, (0x3FFE, 0x8A51407DA8345C92), (0x3FFE, 0x8A51407DA8345C91), (0x3FFE, 0x8A51407DA8345C92), (0x3FFE, 0x8A51407DA8345C91)), // frac 0.727
        new("fsin", "2^62 (reduced by pi rounded to 66 bits)", 0x403D, 0x8000000000000000, 0x0000, 0x0000000000000000, (0xBFFE, 0xB506A9DD559CF157), (0xBFFE, 0xB506A9DD559CF158), (0xBFFE, 0xB506A9DD559CF157), (0xBFFE, 0xB506A9DD559CF157)), // frac 0.244
        new("fptan", "-0.5", 0xBFFE, 0x8000000000000000, 0x0000, 0x0000000000000000, (0xBFFE, 0x8BDA7ADF9A3A5219), (0xBFFE, 0x8BDA7ADF9A3A5219), (0xBFFE, 0x8BDA7ADF9A3A5218), (0xBFFE, 0x8BDA7ADF9A3A5218)), // frac 0.737
    ];

    public static TheoryData<int, int> Indexes()
    {
        var data = new TheoryData<int, int>();
        for (var i = 0; i < s_cases.Length; i++)
        {
            for (var mode = 0; mode < 4; mode++)
            {
                data.Add(i, mode);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public void Rounds_the_exact_value_in_every_mode(int index, int mode)
    {
        Case c = s_cases[index];
        var control = new X87Control((ushort)(0x037F | (mode << 10)));
        var x = new Float80(c.XSe, c.XSig);
        var y = new Float80(c.YSe, c.YSig);
        X87Result result = c.Function switch
        {
            "f2xm1" => Float80Transcendental.TwoToXMinusOne(x, control),
            "fyl2x" => Float80Transcendental.YLog2X(x, y, control),
            "fyl2xp1" => Float80Transcendental.YLog2XPlusOne(x, y, control),
            "fpatan" => Float80Transcendental.PartialArctangent(x, y, control),
            "fsin" => Float80Transcendental.SineCosine(x, control).Sin,
            "fcos" => Float80Transcendental.SineCosine(x, control).Cos,
            _ => Float80Transcendental.Tangent(x, control),
        };
        var expected = mode switch { 0 => c.Nearest, 1 => c.Down, 2 => c.Up, _ => c.TowardZero };
        var name = $"{c.Function}({c.Operands}), RC={mode}";
        Assert.True(new Float80(expected.Item1, expected.Item2) == result.Value, $"{name}: expected {new Float80(expected.Item1, expected.Item2)}, got {result.Value}");
        Assert.Equal(X87Exceptions.Precision, result.Exceptions);

        // C1: set when the magnitude was rounded up, i.e. the result is not the truncated one.
        Assert.Equal(expected != c.TowardZero, result.RoundedUp);
    }
}
