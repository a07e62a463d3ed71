using HvSim.Checkpoint;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>--technique: parsed, and refused with one line when the platform cannot run it.</summary>
public static class TechniqueOption
{
    public const string Names = "none|pt|emul|ptxen|emulxen|scanxen";

    public static Technique Parse(string value)
    {
        if (!Techniques.TryParse(value, out Technique technique))
        {
            throw new UsageException($"--technique {value}: expected one of {Names.Replace('|', ' ')}");
        }
        return technique;
    }

    /// <summary>Refuses a technique the platform cannot support (e.g. PTxen on native hardware).</summary>
    public static void CheckSupported(Technique technique, Platform platform)
    {
        if (!Techniques.SupportedOn(technique, platform))
        {
            throw new UsageException(Techniques.WhyUnsupported(technique, platform));
        }
    }
}
