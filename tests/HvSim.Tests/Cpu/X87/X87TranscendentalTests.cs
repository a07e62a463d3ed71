using System.Buffers.Binary;
using HvSim.Cpu.State;
using HvSim.Cpu.X87;
using HvSim.HostOracle;
using Iced.Intel;
using Xunit.Abstractions;
using static HvSim.Tests.Cpu.X87.X87Oracle;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// The x87 transcendentals against the host FPU (<see cref="X87Oracle"/>), with operands drawn from each
/// instruction's domain most of the time and from every class otherwise (NaNs, infinities, zeros,
/// denormals, empty and full stacks, out-of-range angles), under random rounding control and masks.
/// </summary>
/// <remarks>
/// The interpreter rounds the exact value correctly; the AMD host keeps only a few guard bits, so where
/// the exact value lies very near a rounding boundary it may land on the other neighbour (see
/// <see cref="Float80Transcendental"/>). Such a case is counted, not failed, and its count is bounded:
/// every other difference (a value two places away, a flag, a tag, TOP, C2) fails.
/// </remarks>
public sealed class X87TranscendentalTests(ITestOutputHelper output)
{
    private const int TranscendentalCases = 400;

    /// <summary>
    /// Measured (30,000 cases per form, 2026-12-07): 0.4 % (fsincos) to 2.9 % (f2xm1) of cases land on the other
    /// neighbour or report the other C1; allow 6 % so a 400-case run stays clear of chance.
    /// </summary>
    private const double MaxLastPlaceShare = 0.06;

    public static TheoryData<string> Forms => new(s_forms.Keys);

    private static readonly Dictionary<string, Form> s_forms = new Form[]
    {
        new("f2xm1", a => a.f2xm1(), (input, random) => SetOperands(input, random, () => Uniform(random, -1, 1, -40))),
        new("fyl2x", a => a.fyl2x(), (input, random) => SetOperands(input, random, () => Positive(random, -300, 300), () => Any(random, -20, 20))),
        new("fyl2xp1", a => a.fyl2xp1(), (input, random) => SetOperands(input, random, () => Uniform(random, -0.29, 0.29, -60), () => Any(random, -20, 20))),
        new("fpatan", a => a.fpatan(), (input, random) => SetOperands(input, random, () => Any(random, -40, 40), () => Any(random, -40, 40))),
        new("fsin", a => a.fsin(), (input, random) => SetOperands(input, random, () => Any(random, -40, 66))),
        new("fcos", a => a.fcos(), (input, random) => SetOperands(input, random, () => Any(random, -40, 66))),
        new("fsincos", a => a.fsincos(), (input, random) => SetOperands(input, random, () => Any(random, -40, 66))),
        new("fptan", a => a.fptan(), (input, random) => SetOperands(input, random, () => Any(random, -40, 66))),
    }.ToDictionary(f => f.Name);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHostToTheLastPlace(string form)
    {
        if (!NativeExecutor.IsSupported)
        {
            return;
        }

        var forgiven = Check(s_forms[form], TranscendentalCases, lastPlace: true);
        output.WriteLine($"{form}: {forgiven} of {TranscendentalCases} cases one unit in the last place from the host");
        Assert.True(forgiven <= TranscendentalCases * MaxLastPlaceShare, $"{form}: {forgiven} of {TranscendentalCases} cases differ in the last place");
    }

    /// <summary>Three quarters of the cases put domain values in ST(0) (and ST(1)), marked valid; the rest keep the random stack.</summary>
    private static void SetOperands(MachineSnapshot input, Random random, Func<Float80> st0, Func<Float80>? st1 = null)
    {
        if (random.Next(4) == 0)
        {
            return;
        }

        Span<byte> image = input.Memory.AsSpan(0, FxsaveImage.Size);
        var top = (BinaryPrimitives.ReadUInt16LittleEndian(image[FxsaveImage.Fsw..]) >> 11) & 7;
        st0().WriteBytes(image[FxsaveImage.St0..]);
        image[FxsaveImage.AbridgedFtw] |= (byte)(1 << top);
        if (st1 is not null)
        {
            st1().WriteBytes(image[(FxsaveImage.St0 + FxsaveImage.StStride)..]);
            image[FxsaveImage.AbridgedFtw] |= (byte)(1 << ((top + 1) & 7));
        }
    }

    /// <summary>A value of random sign with a binary exponent in [low, high).</summary>
    private static Float80 Any(Random random, int low, int high) =>
        new(random.Next(2) == 0, Float80.ExponentBias + random.Next(low, high), (ulong)random.NextInt64() | Float80.IntegerBit);

    private static Float80 Positive(Random random, int low, int high) => Any(random, low, high).Abs();

    /// <summary>Uniform in [low, high] one time in two, else of random sign and exponent down to <paramref name="smallest"/> within the range.</summary>
    private static Float80 Uniform(Random random, double low, double high, int smallest)
    {
        if (random.Next(2) == 0)
        {
            return Float80Binary.FromDouble(BitConverter.DoubleToUInt64Bits(low + ((high - low) * random.NextDouble()))).Value;
        }

        var limit = Math.Max(Math.Abs(low), Math.Abs(high));
        return Any(random, smallest, (int)Math.Floor(Math.Log2(limit)));
    }
}
