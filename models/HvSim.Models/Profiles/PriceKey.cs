using System.Globalization;
using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>
/// What a price applies to: an event kind in a layer on a platform (or on every platform, "*").
/// Written Kind@layer@platform, e.g. SyscallEntry@kernel@native, in measurements and reports.
/// </summary>
public readonly record struct PriceKey(EventKind Kind, Layer Layer, string Platform)
{
    public override string ToString() => $"{Kind}@{LayerNames.Name(Layer)}@{Platform}";

    /// <summary>Parses Kind@layer@platform; <paramref name="where"/> prefixes the error message.</summary>
    public static PriceKey Parse(string text, string where)
    {
        string[] parts = text.Split('@');
        if (parts.Length != 3)
        {
            throw new ModelInputException($"{where}: '{text}' is not Kind@layer@platform (e.g. SyscallEntry@kernel@native)");
        }
        if (!EventKindNames.TryParse(parts[0], out EventKind kind))
        {
            throw new ModelInputException($"{where}: unknown event kind '{parts[0]}' (known: {EventKindNames.Expected})");
        }
        if (!LayerNames.TryParse(parts[1], out Layer layer))
        {
            throw new ModelInputException($"{where}: unknown layer '{parts[1]}' (expected {LayerNames.Expected})");
        }
        if (!Platforms.IsValidForPrice(parts[2]))
        {
            throw new ModelInputException($"{where}: unknown platform '{parts[2]}' (expected {Platforms.Expected})");
        }
        return new PriceKey(kind, layer, parts[2]);
    }

    /// <summary>A stable order for reports and files: kind (vocabulary order), layer, then platform ("*" first).</summary>
    public static int Compare(PriceKey a, PriceKey b)
    {
        int byKind = a.Kind.CompareTo(b.Kind);
        if (byKind != 0)
        {
            return byKind;
        }
        int byLayer = a.Layer.CompareTo(b.Layer);
        return byLayer != 0 ? byLayer : PlatformRank(a.Platform).CompareTo(PlatformRank(b.Platform));
    }

    private static int PlatformRank(string platform) => platform == Platforms.Any
        ? -1
        : ((IList<string>)Platforms.Concrete).IndexOf(platform);

    internal static string FormatNs(double ns) => ns.ToString("0.####", CultureInfo.InvariantCulture);
}
