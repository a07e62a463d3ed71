namespace HvSim.Models.Profiles;

/// <summary>
/// Platform names as runs' JSON and profiles spell them. Models cannot see the simulator's own
/// platform type (models/ depends only on Core), so the names are the contract, as in DESIGN.md.
/// </summary>
public static class Platforms
{
    public const string Native = "native";
    public const string XenPv = "xen-pv";
    public const string XenShadow = "xen-shadow";
    /// <summary>Hardware virtualization with EPT (issue 16).</summary>
    public const string Hvm = "hvm";

    /// <summary>In a profile: the price applies on every platform unless a platform-specific one overrides it.</summary>
    public const string Any = "*";

    /// <summary>The platforms a run can have, in the order the simulator lists them.</summary>
    public static readonly IReadOnlyList<string> Concrete = [Native, XenPv, XenShadow, Hvm];

    public static bool IsConcrete(string name) => Concrete.Contains(name, StringComparer.Ordinal);

    /// <summary>What a price's platform may be: a concrete platform or <see cref="Any"/>.</summary>
    public static bool IsValidForPrice(string name) => name == Any || IsConcrete(name);

    public static string Expected => $"{Native}, {XenPv}, {XenShadow}, {Hvm} or {Any}";
}
