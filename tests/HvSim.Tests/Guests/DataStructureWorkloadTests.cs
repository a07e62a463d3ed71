namespace HvSim.Tests.Guests;

/// <summary>
/// The paper's data-structure workloads, both suites (guests/ds, guests/textbook), keep their
/// invariants and print the same line natively and under the simulator for the operations and
/// transaction sizes the evaluation uses (programs.tsv covers inserts at OPT=1; these cover
/// deletes and OPT=5). The textbook guests' line includes a hash of their whole heap.
/// </summary>
public sealed class DataStructureWorkloadTests
{
    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (string prefix in new[] { "ds-", "tb-" })
        {
            foreach (string name in new[] { "aa", "tree", "splay", "heap", "leftheap", "list", "queue" })
            {
                data.Add(prefix + name, "delete 1 2000 3");
            }
            foreach (string name in new[] { "aa", "avl", "rb", "splay", "tree", "dsl", "heap", "leftheap", "bin", "list", "queue", "hashquad", "hashsepchain" })
            {
                data.Add(prefix + name, "insert 5 2000 4");
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void InvariantsHoldAndTheRunMatchesTheHost(string guest, string arguments)
    {
        string path = RepositoryPaths.Guest(guest);
        string[] args = arguments.Split(' ');
        GuestRun simulated = GuestRun.Simulated(path, args, Array.Empty<string>());
        Assert.True(simulated.ExitStatus == 0, $"{guest} {arguments}: status {simulated.ExitStatus} {simulated.FatalReport}\n{simulated.StdoutText}");
        Assert.Contains("invariants=ok", simulated.StdoutText);
        if (GuestRun.HostCanRunGuests)
        {
            GuestRun native = GuestRun.Native(path, args, Array.Empty<string>());
            Assert.Equal(native.StdoutText, simulated.StdoutText);
            Assert.Equal(native.ExitStatus, simulated.ExitStatus);
        }
    }

    [Fact]
    public void AStructureWithoutDeleteRefusesIt()
    {
        GuestRun run = GuestRun.Simulated(RepositoryPaths.Guest("ds-avl"), new[] { "delete", "1", "10", "1" }, Array.Empty<string>());
        Assert.Equal(2, run.ExitStatus);
        Assert.Contains("delete is not one of this structure's operations", run.StdoutText);
    }
}
