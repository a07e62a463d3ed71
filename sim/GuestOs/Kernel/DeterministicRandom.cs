namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The guest's entropy source (AT_RANDOM, getrandom): SplitMix64 from a seed, so the same seed
/// gives the same bytes on every machine.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed)
    {
        _state = seed;
    }

    public ulong Next()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i += 8)
        {
            ulong value = Next();
            for (int j = 0; j < 8 && i + j < destination.Length; j++)
            {
                destination[i + j] = (byte)(value >> (8 * j));
            }
        }
    }
}
