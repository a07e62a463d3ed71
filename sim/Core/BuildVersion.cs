using System.Reflection;

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
}
