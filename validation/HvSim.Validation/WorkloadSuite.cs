namespace HvSim.Validation;

/// <summary>
/// Which implementation of the 13 structures a workload runs. Both suites run the same 20
/// (structure, operation) pairs of Table 2 with the same driver arguments (OP OPT OPS SEED
/// [CDA_KIB]); they differ in the code, the data layout and the keys.
/// </summary>
public enum WorkloadSuite
{
    /// <summary>
    /// guests/textbook, bin/tb-NAME: Weiss's textbook code (the paper's reference [25]) statement
    /// by statement on the paper's 32-bit data layout, driven by the book's test drivers' key
    /// orders (no randomness; the seed changes nothing). The default.
    /// </summary>
    Textbook,

    /// <summary>guests/ds, bin/ds-NAME: our own 64-bit implementations under seeded random keys, kept for contrast.</summary>
    Ours,
}

/// <summary>The suites' names on the command line and their guests.</summary>
public static class WorkloadSuites
{
    /// <summary>The suite of reproduce, claims, workload and workload --table2 when none is named.</summary>
    public const WorkloadSuite Default = WorkloadSuite.Textbook;

    public static IReadOnlyList<WorkloadSuite> All { get; } = [WorkloadSuite.Textbook, WorkloadSuite.Ours];

    public static string Name(WorkloadSuite suite) => suite == WorkloadSuite.Textbook ? "textbook" : "ours";

    public static bool TryParse(string text, out WorkloadSuite suite)
    {
        switch (text)
        {
            case "textbook":
                suite = WorkloadSuite.Textbook;
                return true;
            case "ours":
                suite = WorkloadSuite.Ours;
                return true;
            default:
                suite = Default;
                return false;
        }
    }

    /// <summary>The bundled guest's file name in guests/bin: tb-NAME or ds-NAME.</summary>
    public static string GuestName(WorkloadSuite suite, DataStructure structure) =>
        (suite == WorkloadSuite.Textbook ? "tb-" : "ds-") + structure.Name;

    /// <summary>
    /// Whether the suite's driver takes <paramref name="ops"/> operations: the textbook's key
    /// orders step by 7 or 71 modulo OPS (keys would repeat when OPS is a multiple of the step).
    /// </summary>
    public static bool AcceptsOps(WorkloadSuite suite, long ops) => suite == WorkloadSuite.Ours || (ops % 7 != 0 && ops % 71 != 0);

    /// <summary>One line for the tables' headers: what the suite is.</summary>
    public static string Description(WorkloadSuite suite) => suite == WorkloadSuite.Textbook
        ? "Weiss's code and his test drivers' key orders, 32-bit layout (4-byte keys, counts and links)"
        : "our own x86-64 implementations (8-byte keys and pointers), seeded random keys";
}
