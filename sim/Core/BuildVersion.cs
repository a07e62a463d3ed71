using System.Reflection;
using System.Text.Json;

namespace HvSim.Core;

/// <summary>
/// The version of this build of HvSim: the package version and the git commit it was built from
/// (the SDK's informational version, e.g. "1.0.0+3b18fb90…"), for `hvsim --version` and for the
/// outputs that must say what made them (report.md). Every HvSim assembly is built from one commit,
/// so the core's version stands for all.
/// </summary>
public static class BuildVersion
{
    public static string Text { get; } =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// The field every JSON object hvsim prints carries the version in (a run's, a claim's, a Table 2
    /// row's, a trace's, bench's): "version", the name docs/design.md reserves for it.
    /// </summary>
    public const string JsonName = "version";

    /// <summary>Writes the version field into the object being written.</summary>
    public static void WriteJson(Utf8JsonWriter json) => json.WriteString(JsonName, Text);
}
