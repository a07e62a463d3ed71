using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Kernel;
using HvSim.Tests.Guests;
using Xunit.Abstractions;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Issue 13's ELF fuzzer: mutants of the bundled guests (guests/bin, see <see cref="ElfMutations"/>)
/// are loaded by the guest kernel's loader and run briefly. Each case is one mutated ELF. It must be
/// refused cleanly — with the exceptions hvsim exec reports as a bad program in one line (status 2):
/// <see cref="ElfFormatException"/> from the parser, <see cref="ProcessLoader.LoadException"/> from
/// the loader — or run cleanly: no other exception, no hang, the isolation invariants, and a host
/// cost bounded by the guest's memory (64 MiB of frames) whatever sizes the headers claim.
/// </summary>
public sealed class ElfFuzzTests(ITestOutputHelper output)
{
    /// <summary>Instructions a mutant may run: its start (glibc's takes longer), not its whole program.</summary>
    private const long Instructions = 20_000;

    private static readonly Lazy<(string Name, byte[] Elf)[]> s_guests = new(() => Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "guests", "bin"))
        .Order(StringComparer.Ordinal)
        .Select(path => (Path.GetFileName(path), File.ReadAllBytes(path)))
        .ToArray());

    public static TheoryData<string, int> Platforms() => new() { { "native", 1800 }, { "xen-pv", 600 }, { "xen-shadow", 600 } };

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Mutated_guest_ELFs_are_refused_cleanly_or_run_cleanly(string platformName, int elvesPerCi)
    {
        (string Name, byte[] Elf)[] guests = s_guests.Value;
        Assert.True(guests.Length > 10, "the bundled guests are built (guests/bin)");
        int elves = FuzzHarness.Runs(elvesPerCi);
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < elves; i++)
        {
            int seed = (i * 7_919) + platformName.Length;
            var random = new Random(seed);
            (string name, byte[] original) = guests[random.Next(guests.Length)];
            (byte[] elf, string what) = ElfMutations.Mutate(random, original);
            GuestKernel kernel = FuzzHarness.NewKernel(platformName, Instructions, seed: (ulong)seed);
            FuzzResult result = FuzzHarness.Run(kernel, () => kernel.CreateProcess(elf, "/" + name, [name], ["LANG=C"]),
                $"{platformName}, seed {seed}: {name} with {what}", e => e is ElfFormatException or ProcessLoader.LoadException);
            string outcome = result.Refusal switch
            {
                ElfFormatException => "refused by the parser",
                ProcessLoader.LoadException => "refused by the loader",
                _ => result.Outcome == RunOutcome.InstructionLimit ? "ran to the instruction limit"
                    : result.ExitStatus > 128 ? "killed by a signal" : "exited",
            };
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"{platformName}: {elves} mutated ELFs: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Value} {o.Key}"))}");
        // Mutants of every kind: some refused, some run (a mutation of an unused byte changes nothing).
        Assert.True(outcomes.Count >= 3, "refusals and runs alike");
    }
}
