using HvSim.GuestOs.Elf;

namespace HvSim.GuestOs.Tests.Elf;

/// <summary>
/// Hostile input must end in ElfFormatException or in an image whose invariants hold; never in
/// IndexOutOfRange, overflow or any other exception. Deterministic: a fixed seed.
/// </summary>
public sealed class ElfFuzzTests
{
    private const int Seed = 20251127;
    private const int Mutations = 5000;

    private static readonly ulong[] NastyWords =
    [
        0, 1, 7, 8, 56, 64, 0x1000, 0x7fff_ffff, 0xffff_ffff, 0x7fff_ffff_f000, 0x8000_0000_0000_0000,
        ulong.MaxValue, ulong.MaxValue - 7, ulong.MaxValue - 0xfff,
    ];

    private static readonly ushort[] NastyHalves = [0, 1, 2, 3, 55, 56, 57, 62, 1170, 1171, 0x7fff, 0xffff];

    [Fact]
    public void MutatedImagesOnlyEverThrowElfFormatException()
    {
        byte[] original = TestElf.Valid().Build();
        var random = new Random(Seed);
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < Mutations; i++)
        {
            byte[] mutated = Mutate(original, random);
            ElfImage image;
            try
            {
                image = ElfImage.Parse(mutated);
            }
            catch (ElfFormatException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                Assert.DoesNotContain('\n', ex.Message);
                rejected++;
                continue;
            }

            AssertInvariants(image, mutated.Length);
            accepted++;
        }

        // Both outcomes must actually be exercised, or the mutations are too gentle or too rough.
        Assert.InRange(accepted, Mutations / 20, Mutations - (Mutations / 20));
        Assert.InRange(rejected, Mutations / 20, Mutations - (Mutations / 20));
    }

    private static void AssertInvariants(ElfImage image, int fileLength)
    {
        Assert.NotEmpty(image.LoadSegments);
        Assert.Contains(image.LoadSegments, s => image.Entry >= s.VirtualAddress && image.Entry < s.EndAddress);
        ElfSegment? previous = null;
        foreach (ElfSegment s in image.LoadSegments)
        {
            Assert.True(s.FileSize <= s.MemorySize);
            Assert.Equal((long)s.FileSize, s.FileData.Length);
            Assert.True(s.FileOffset + s.FileSize <= (ulong)fileLength);
            Assert.True(s.EndAddress <= ElfImage.UserAddressLimit);
            if (s.MemorySize == 0)
            {
                continue;
            }

            if (previous is not null)
            {
                Assert.True(s.VirtualAddress >= previous.EndAddress);
            }

            previous = s;
        }

        if (image.Tls is { } tls)
        {
            Assert.True(tls.FileSize <= tls.MemorySize);
            Assert.Equal((long)tls.FileSize, tls.FileData.Length);
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] m = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                return m[..random.Next(m.Length)];
            case 1:
                for (int flips = 1 + random.Next(4); flips > 0; flips--)
                {
                    m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                }

                return m;
            case 2:
                TestElf.PutU64(m, random.Next(m.Length - 8), NastyWords[random.Next(NastyWords.Length)]);
                return m;
            case 3:
                TestElf.PutU16(m, random.Next(m.Length - 2), NastyHalves[random.Next(NastyHalves.Length)]);
                return m;
            default:
                random.NextBytes(m.AsSpan(random.Next(m.Length - 16), 1 + random.Next(16)));
                return m;
        }
    }
}
