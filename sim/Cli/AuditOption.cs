using System.CommandLine;
using HvSim.Cli.CommandLine;

namespace HvSim.Cli;

/// <summary>--audit: the ground-truth audit of the technique's dirty set (issue 17), one definition for exec, micro and workload.</summary>
internal static class AuditOption
{
    public static Option<bool> Create() => CliOptions.Flag("--audit",
        "audit the technique against the ground truth: at every commit, the CDA pages and 128-byte blocks really written against what the technique recorded; a missed page fails the run, naming the cycle, the page and the instruction that wrote it");
}
