using System.Globalization;
using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>
/// What a price applies to: an event kind — or one named subkind of it, such as the hypercall
/// mmu_update — in a layer on a platform (or on every platform, "*"). Written
/// Kind@layer@platform or Kind.subkind@layer@platform, e.g. SyscallEntry@kernel@native or
/// Hypercall.mmu_update@kernel@xen-pv, in measurements and reports.
/// </summary>
public readonly record struct PriceKey(EventKind Kind, Layer Layer, string Platform, string? Subkind = null)
{
    /// <summary>The kind part as written: "Hypercall" or "Hypercall.mmu_update".</summary>
    public string KindName => CountedKindName.Of(Kind, Subkind);

    /// <summary>The same key without its subkind (the price a subkind falls back to).</summary>
    public PriceKey WholeKind => this with { Subkind = null };

    public override string ToString() => $"{KindName}@{LayerNames.Name(Layer)}@{Platform}";

    /// <summary>Parses Kind[.subkind]@layer@platform; <paramref name="where"/> prefixes the error message.</summary>
    public static PriceKey Parse(string text, string where)
    {
        string[] parts = text.Split('@');
        if (parts.Length != 3)
        {
            throw new ModelInputException($"{where}: '{text}' is not Kind@layer@platform (e.g. SyscallEntry@kernel@native, Hypercall.mmu_update@kernel@xen-pv)");
        }
        (EventKind kind, string? subkind) = ParseKind(parts[0], where);
        return Of(kind, subkind, parts[1], parts[2], where);
    }

    /// <summary>A key from its parts as written separately (a profile's JSON fields): checks the layer's and the platform's names.</summary>
    public static PriceKey Of(EventKind kind, string? subkind, string layerName, string platform, string where)
    {
        if (!LayerNames.TryParse(layerName, out Layer layer))
        {
            throw new ModelInputException($"{where}: unknown layer '{layerName}' (expected {LayerNames.Expected})");
        }
        if (!Platforms.IsValidForPrice(platform))
        {
            throw new ModelInputException($"{where}: unknown platform '{platform}' (expected {Platforms.Expected})");
        }
        return new PriceKey(kind, layer, platform, subkind);
    }

    /// <summary>Parses "Kind" or "Kind.subkind" (a subkind is a name: letters, digits, '_' and '-').</summary>
    public static (EventKind Kind, string? Subkind) ParseKind(string text, string where)
    {
        int dot = text.IndexOf('.');
        string kindName = dot < 0 ? text : text[..dot];
        if (!EventKindNames.TryParse(kindName, out EventKind kind))
        {
            throw new ModelInputException($"{where}: unknown event kind '{kindName}' (known: {EventKindNames.Expected})");
        }
        if (dot < 0)
        {
            return (kind, null);
        }
        string subkind = text[(dot + 1)..];
        if (!IsSubkindName(subkind))
        {
            throw new ModelInputException($"{where}: '{text}': a subkind after '{kindName}.' must be a name of letters, digits, '_' or '-'");
        }
        return (kind, subkind);
    }

    public static bool IsSubkindName(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>A stable order for reports and files: kind (vocabulary order), subkind (the whole kind first), layer, then platform ("*" first).</summary>
    public static int Compare(PriceKey a, PriceKey b)
    {
        int byKind = a.Kind.CompareTo(b.Kind);
        if (byKind != 0)
        {
            return byKind;
        }
        int bySubkind = string.CompareOrdinal(a.Subkind ?? "", b.Subkind ?? "");
        if (bySubkind != 0)
        {
            return bySubkind;
        }
        int byLayer = a.Layer.CompareTo(b.Layer);
        return byLayer != 0 ? byLayer : PlatformRank(a.Platform).CompareTo(PlatformRank(b.Platform));
    }

    private static int PlatformRank(string platform) => platform == Platforms.Any
        ? -1
        : ((IList<string>)Platforms.Concrete).IndexOf(platform);

    internal static string FormatNs(double ns) => ns.ToString("0.####", CultureInfo.InvariantCulture);
}
