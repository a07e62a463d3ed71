using System.Text.Json.Nodes;
using HvSim.Models.Pricing;

namespace HvSim.Models.Runs;

/// <summary>
/// One run as `hvsim exec --json` or `hvsim micro --json` printed it: what re-pricing needs
/// (technique, platform, counts per layer) and the whole object, so that it can be written back
/// with every other field kept as it was.
/// </summary>
public sealed record RunRecord(int Number, string Technique, string Platform, IReadOnlyList<EventCount> Counts, JsonObject Json)
{
    /// <summary>The run's parameters that say which point it is (micro's CDA, WPP, PPT, Tcount; a workload's structure and operation), as "cda_kib 64, wpp 4, ...".</summary>
    public string Parameters => string.Join(", ", s_parameterFields
        .Where(name => Json[name] is JsonValue)
        .Select(name => $"{name} {Json[name]!.ToJsonString().Trim('"')}"));

    /// <summary>Transactions in the run (micro's tcount, a workload's transactions), when the run says.</summary>
    public long? Transactions => s_transactionFields
        .Select(name => Json[name] is JsonValue value && value.TryGetValue(out long count) && count > 0 ? count : (long?)null)
        .FirstOrDefault(count => count is not null);

    private static readonly string[] s_parameterFields = ["structure", "operation", "opt", "ops", "cda_kib", "wpp", "ppt", "tcount", "syscall_path", "pte_updates"];

    private static readonly string[] s_transactionFields = ["tcount", "transactions"];
}
