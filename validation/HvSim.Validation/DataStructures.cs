namespace HvSim.Validation;

/// <summary>An operation of the data-structure suite, as the guest driver takes it (argv[1]).</summary>
public enum DsOperation
{
    Insert,
    Delete,
}

/// <summary>One data structure of the paper's Section VI suite: the guest program guests/bin/tb-NAME or ds-NAME (<see cref="WorkloadSuites.GuestName"/>).</summary>
/// <param name="Name">The paper's short name (Table 2), also the guests': tb-NAME, ds-NAME.</param>
/// <param name="Description">What it is, in a few words.</param>
/// <param name="SupportsDelete">Whether the guest implements delete (its ds_supports_delete).</param>
public sealed record DataStructure(string Name, string Description, bool SupportsDelete)
{
    /// <summary>The operations the guest runs, insert first.</summary>
    public IReadOnlyList<DsOperation> Operations => SupportsDelete ? [DsOperation.Insert, DsOperation.Delete] : [DsOperation.Insert];
}

/// <summary>
/// The structures of both suites (guests/textbook, guests/ds; the paper's Table 2): 13 structures, 20 (structure, operation) pairs —
/// every structure inserts; aa, leftheap, heap, list, queue, splay and tree also delete. The
/// catalogue mirrors the guests' ds_supports_delete (a test runs every pair and checks that the
/// others are refused).
/// </summary>
public static class DataStructures
{
    /// <summary>Every structure, in Table 2's order.</summary>
    public static IReadOnlyList<DataStructure> All { get; } =
    [
        new("aa", "AA tree", SupportsDelete: true),
        new("avl", "AVL tree", SupportsDelete: false),
        new("bin", "binomial queue", SupportsDelete: false),
        new("dsl", "deterministic skip list", SupportsDelete: false),
        new("hashquad", "hash table, quadratic probing", SupportsDelete: false),
        new("hashsepchain", "hash table, separate chaining", SupportsDelete: false),
        new("leftheap", "leftist heap", SupportsDelete: true),
        new("heap", "binary heap", SupportsDelete: true),
        new("list", "linked list", SupportsDelete: true),
        new("queue", "queue", SupportsDelete: true),
        new("rb", "red-black tree", SupportsDelete: false),
        new("splay", "splay tree", SupportsDelete: true),
        new("tree", "unbalanced binary search tree", SupportsDelete: true),
    ];

    /// <summary>Every (structure, operation) pair the suite runs, in Table 2's order.</summary>
    public static IReadOnlyList<(DataStructure Structure, DsOperation Operation)> Suite { get; } =
        All.SelectMany(s => s.Operations.Select(op => (s, op))).ToArray();

    /// <summary>The structure called <paramref name="name"/>, or null.</summary>
    public static DataStructure? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>The operation's name as the guest and the command line take it.</summary>
    public static string Name(DsOperation operation) => operation == DsOperation.Insert ? "insert" : "delete";

    public static bool TryParse(string text, out DsOperation operation)
    {
        switch (text)
        {
            case "insert":
                operation = DsOperation.Insert;
                return true;
            case "delete":
                operation = DsOperation.Delete;
                return true;
            default:
                operation = DsOperation.Insert;
                return false;
        }
    }
}
