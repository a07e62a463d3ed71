using HvSim.Core;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Tests.Models;

/// <summary>Simulated time = Σ count × price(kind, layer, platform), with nothing unpriced counted as zero.</summary>
public sealed class PricingTests
{
    private static Price P(EventKind kind, Layer layer, string platform, double ns) =>
        new(new PriceKey(kind, layer, platform), ns, new Provenance(ProvenanceBasis.Assumed, "test"));

    private static readonly CostProfile s_profile = new("test", "", [
        P(EventKind.SyscallEntry, Layer.Kernel, Platforms.Any, 70),
        P(EventKind.SyscallEntry, Layer.Kernel, Platforms.XenPv, 90),
        P(EventKind.Instruction, Layer.User, Platforms.Any, 0.5),
        P(EventKind.CopyBytes, Layer.User, Platforms.Any, 0.25),
        P(EventKind.Hypercall, Layer.Kernel, Platforms.XenPv, 450),
    ]);

    [Fact]
    public void TheTotalIsTheSumOfCountTimesPrice()
    {
        PricingResult result = Pricer.Price(s_profile, Platforms.Native, [
            new EventCount(EventKind.SyscallEntry, Layer.Kernel, 3),
            new EventCount(EventKind.Instruction, Layer.User, 1000),
            new EventCount(EventKind.CopyBytes, Layer.User, 4096), // bytes: the price is ns per byte
        ]);
        Assert.Equal(3 * 70 + 1000 * 0.5 + 4096 * 0.25, result.TotalNs, 9);
        Assert.True(result.IsComplete);
        Assert.Equal(3 * 70, result.NsIn(Layer.Kernel), 9);
        Assert.Equal(0, result.NsIn(Layer.Hypervisor));
        Assert.Equal(EventKind.CopyBytes, result.Top(1)[0].Kind);
    }

    [Fact]
    public void APlatformPriceOverridesTheCommonOne()
    {
        EventCount entry = new(EventKind.SyscallEntry, Layer.Kernel, 2);
        Assert.Equal(140, Pricer.Price(s_profile, Platforms.Native, [entry]).TotalNs);
        Assert.Equal(140, Pricer.Price(s_profile, Platforms.XenShadow, [entry]).TotalNs);
        Assert.Equal(180, Pricer.Price(s_profile, Platforms.XenPv, [entry]).TotalNs);
    }

    [Fact]
    public void AHypercallIsPricedByItsNameAndTheRestByTheKind()
    {
        CostProfile profile = new("named", "", [
            P(EventKind.Hypercall, Layer.Kernel, Platforms.Any, 250),
            new Price(new PriceKey(EventKind.Hypercall, Layer.Kernel, Platforms.Any, "mmu_update"), 900, new Provenance(ProvenanceBasis.Assumed, "test")),
            new Price(new PriceKey(EventKind.Hypercall, Layer.Kernel, Platforms.XenShadow, "mmu_update"), 1000, new Provenance(ProvenanceBasis.Assumed, "test")),
        ]);
        EventCount[] counts =
        [
            new(EventKind.Hypercall, Layer.Kernel, 10), // the whole count: 3 mmu_update, 2 mmuext_op, 5 unnamed
            new(EventKind.Hypercall, Layer.Kernel, 3, "mmu_update"),
            new(EventKind.Hypercall, Layer.Kernel, 2, "mmuext_op"), // no price of its own: the kind's
        ];
        PricingResult xenPv = Pricer.Price(profile, Platforms.XenPv, counts);
        Assert.Equal((3 * 900) + (2 * 250) + (5 * 250), xenPv.TotalNs, 9);
        Assert.Contains(xenPv.Priced, e => e.KindName == "Hypercall.mmu_update" && e.Count == 3 && e.Price.Ns == 900);
        // A subkind's platform price comes before its "*" one.
        Assert.Equal((3 * 1000) + (7 * 250), Pricer.Price(profile, Platforms.XenShadow, counts).TotalNs, 9);
        // Without a price for the kind, a named part with its own price is priced and the rest is listed.
        CostProfile onlyNamed = new("only", "", [new Price(new PriceKey(EventKind.Hypercall, Layer.Kernel, Platforms.Any, "mmu_update"), 900, new Provenance(ProvenanceBasis.Assumed, "test"))]);
        PricingResult partial = Pricer.Price(onlyNamed, Platforms.XenPv, counts);
        Assert.Equal(2700, partial.TotalNs, 9);
        Assert.Equal([(null, 5L), ("mmuext_op", 2L)], partial.Unpriced.Select(u => (u.Subkind, u.Count)).OrderBy(u => u.Subkind, StringComparer.Ordinal));
    }

    [Fact]
    public void ASubkindKeyIsWrittenAndReadBack()
    {
        PriceKey key = PriceKey.Parse("Hypercall.mmu_update@kernel@xen-pv", "test");
        Assert.Equal(new PriceKey(EventKind.Hypercall, Layer.Kernel, Platforms.XenPv, "mmu_update"), key);
        Assert.Equal("Hypercall.mmu_update@kernel@xen-pv", key.ToString());
        CostProfile profile = new("round", "", [new Price(key, 900, new Provenance(ProvenanceBasis.Sourced, "a paper", "why", new PriceRange(500, 1000)))]);
        CostProfile again = ProfileJson.Parse(ProfileJson.Serialize(profile), "round.json");
        Assert.Equal(profile.Prices, again.Prices);
    }

    [Fact]
    public void UnpricedEventsAreListedNotZeroed()
    {
        PricingResult result = Pricer.Price(s_profile, Platforms.XenShadow, [
            new EventCount(EventKind.Hypercall, Layer.Kernel, 5), // priced on xen-pv only
            new EventCount(EventKind.SyscallEntry, Layer.User, 1), // a layer the profile does not price
            new EventCount(EventKind.PteScan, Layer.Hypervisor, 0), // zero counts need no price
            new EventCount(EventKind.SyscallEntry, Layer.Kernel, 1),
        ]);
        Assert.False(result.IsComplete);
        Assert.Equal([EventKind.Hypercall, EventKind.SyscallEntry], result.Unpriced.Select(u => u.Kind));
        Assert.Equal(5, result.Unpriced[0].Count);
        Assert.Equal(70, result.TotalNs);
    }

    [Fact]
    public void APriceTwiceForOneKeyIsRefused()
    {
        var error = Assert.Throws<HvSim.Models.ModelInputException>(() => new CostProfile("dup", "", [
            P(EventKind.TlbFlush, Layer.Kernel, Platforms.Native, 1),
            P(EventKind.TlbFlush, Layer.Kernel, Platforms.Native, 2),
        ]));
        Assert.Contains("TlbFlush@kernel@native is priced twice", error.Message);
    }
}
