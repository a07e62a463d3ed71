using HvSim.Core;
using HvSim.Models;
using HvSim.Models.Profiles;

namespace HvSim.Tests.Models;

/// <summary>Profiles as JSON: a faithful round trip, and one clear message for each kind of mistake.</summary>
public sealed class ProfileJsonTests
{
    private const string Valid = """
        {
          "name": "small",
          "description": "two prices",
          "prices": [
            { "kind": "SyscallEntry", "layer": "kernel", "platform": "*", "ns": 70,
              "provenance": { "basis": "measured", "source": "sources.md [M] null syscall", "note": "split assumed" } },
            { "kind": "CopyBytes", "layer": "user", "platform": "xen-pv", "ns": 0.15,
              "provenance": { "basis": "assumed", "source": "none" } }
          ]
        }
        """;

    [Fact]
    public void AProfileSurvivesARoundTrip()
    {
        CostProfile profile = ProfileJson.Parse(Valid, "small.json");
        Assert.Equal("small", profile.Name);
        Assert.Equal(2, profile.Prices.Count);
        Assert.Equal(ProvenanceBasis.Measured, profile.Prices[0].Provenance.Basis);
        Assert.Equal("", profile.Prices[1].Provenance.Note);

        CostProfile again = ProfileJson.Parse(ProfileJson.Serialize(profile), "again.json");
        Assert.Equal(profile.Name, again.Name);
        Assert.Equal(profile.Description, again.Description);
        Assert.Equal(profile.Prices, again.Prices);
        Assert.Equal(0.15, again.Find(EventKind.CopyBytes, Layer.User, Platforms.XenPv)!.Ns);
    }

    [Theory]
    [InlineData("{", "profile p.json: not valid JSON")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("""{ "prices": [] }""", "missing string field 'name'")]
    [InlineData("""{ "name": "x", "prices": {} }""", "'prices' must be an array")]
    [InlineData("""{ "name": "x", "prices": [ 3 ] }""", "prices[0]: expected an object")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFalt", "layer": "user", "platform": "*", "ns": 1, "provenance": { "basis": "assumed", "source": "s" } } ] }""", "prices[0]: unknown event kind 'PageFalt'")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "User", "platform": "*", "ns": 1, "provenance": { "basis": "assumed", "source": "s" } } ] }""", "unknown layer 'User' (expected user, kernel, hypervisor)")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "xen", "ns": 1, "provenance": { "basis": "assumed", "source": "s" } } ] }""", "unknown platform 'xen'")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": -1, "provenance": { "basis": "assumed", "source": "s" } } ] }""", "prices[0] (PageFault@user@*): ns must be >= 0")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": "1", "provenance": { "basis": "assumed", "source": "s" } } ] }""", "'ns' must be a finite number")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 1 } ] }""", "'provenance' must be an object")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 1, "provenance": { "basis": "guessed", "source": "s" } } ] }""", "basis 'guessed' is not sourced, measured, fitted or assumed")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 1, "provenance": { "basis": "sourced", "source": "a paper" } } ] }""", "a sourced price needs a range [low, high]")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 300, "provenance": { "basis": "sourced", "source": "a paper", "range": [60, 200] } } ] }""", "ns 300 lies outside its own range [60, 200]")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 100, "provenance": { "basis": "sourced", "source": "a paper", "range": [200, 60] } } ] }""", "'range' must be [low, high] with 0 <= low <= high")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "Hypercall", "subkind": "mmu update", "layer": "kernel", "platform": "*", "ns": 100, "provenance": { "basis": "assumed", "source": "s" } } ] }""", "subkind 'mmu update' must be a name")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 1, "provenance": { "basis": "assumed", "source": " " } } ] }""", "source is empty")]
    [InlineData("""{ "name": "x", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 1, "provenance": { "basis": "assumed", "source": "s" } }, { "kind": "PageFault", "layer": "user", "platform": "*", "ns": 2, "provenance": { "basis": "assumed", "source": "s" } } ] }""", "PageFault@user@* is priced twice")]
    public void AMalformedProfileGivesOneClearLine(string json, string message)
    {
        var error = Assert.Throws<ModelInputException>(() => ProfileJson.Parse(json, "p.json"));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("profile p.json", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void AMissingFileIsABadInput()
    {
        var error = Assert.Throws<ModelInputException>(() => BundledProfiles.Load("/nonexistent/profile.json"));
        Assert.Contains("no such file", error.Message);
        Assert.Throws<ModelInputException>(() => BundledProfiles.Load("no-such-bundled-profile"));
    }
}
