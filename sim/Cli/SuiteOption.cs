using HvSim.Cli.CommandLine;
using HvSim.Validation;

namespace HvSim.Cli;

/// <summary>--suite textbook|ours of workload, workload --table2, claims and reproduce.</summary>
internal static class SuiteOption
{
    public static CliOption<WorkloadSuite> Create() => CliOptions.Value("--suite", "textbook|ours",
        $"the data-structure programs: textbook ({WorkloadSuites.Description(WorkloadSuite.Textbook)}) or ours ({WorkloadSuites.Description(WorkloadSuite.Ours)})",
        Parse, WorkloadSuites.Default, WorkloadSuites.Name(WorkloadSuites.Default));

    public static WorkloadSuite Parse(string text) => WorkloadSuites.TryParse(text, out WorkloadSuite suite)
        ? suite
        : throw new UsageException($"--suite {text}: expected textbook or ours");

    /// <summary>Refuses an operation count the suite's driver would refuse (its key orders step by 7 or 71 modulo OPS).</summary>
    public static void CheckOps(WorkloadSuite suite, long ops)
    {
        if (!WorkloadSuites.AcceptsOps(suite, ops))
        {
            throw new UsageException($"--ops {ops}: the textbook suite's key orders step by 7 and 71 modulo the operation count, which must not be a multiple of either");
        }
    }
}
