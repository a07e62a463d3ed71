using System.Globalization;
using System.Text.Json;
using HvSim.Checkpoint;
using HvSim.Hypervisor;
using HvSim.Validation.Claims;
using HvSim.Validation.Reproduce;

namespace HvSim.Validation.Sweeps;

/// <summary>
/// `hvsim reproduce` as a sweep (docs/sweeps.md, "command": "reproduce"): the points are the
/// evaluation's distinct runs (<see cref="ReproduceRun.Jobs"/>), each point's result is its
/// measurement (<see cref="PointResultJson"/>), and the merged results are evaluated as
/// <see cref="ReproduceRun.Evaluate"/> evaluates one process's measurements: the same figures,
/// Table 2 and claims, byte for byte.
/// </summary>
public static class ReproduceSweep
{
    public const string Command = "reproduce";

    /// <summary>
    /// The points, in the order reproduce starts them, each with the run it stands for. A point's
    /// inputs name the run and every setting its counts depend on (Tcount or operations, seed), so
    /// two specs share a point only where they share its measurement.
    /// </summary>
    public static IReadOnlyList<(SweepPoint Point, object Job)> Plan(ReproduceSettings s)
    {
        ClaimSettings c = s.Claims;
        string seed = c.Seed.ToString(CultureInfo.InvariantCulture);
        var plan = new List<(SweepPoint, object)>();
        foreach (object job in ReproduceRun.Jobs(s))
        {
            IReadOnlyList<SweepInput> inputs = job switch
            {
                MicroPoint m =>
                [
                    new("kind", "micro"), new("technique", Techniques.Name(m.Technique)), new("platform", PlatformNames.Name(m.Platform)),
                    new("cda-kib", m.CdaKib.ToString(CultureInfo.InvariantCulture)), new("wpp", m.Wpp), new("ppt", m.Ppt),
                    new("tcount", c.Tcount.ToString(CultureInfo.InvariantCulture)), new("seed", seed),
                ],
                WorkloadPoint w =>
                [
                    new("kind", "workload"), new("technique", Techniques.Name(w.Technique)), new("ds", w.Structure),
                    new("op", DataStructures.Name(w.Operation)), new("opt", w.Opt.ToString(CultureInfo.InvariantCulture)),
                    new("suite", WorkloadSuites.Name(w.Suite ?? c.Suite)), new("ops", c.WorkloadOps.ToString(CultureInfo.InvariantCulture)), new("seed", seed),
                ],
                _ => throw new InvalidOperationException($"not a measured point: {job}"),
            };
            plan.Add((SweepPoint.Create(plan.Count, Command, inputs), job));
        }
        return plan;
    }

    /// <summary>Runs one point: its results line (no simulated_ns: the reproduction prices the merged measurements).</summary>
    public static (string Line, bool Ok) Run(SweepPoint point, object job, ClaimSettings settings)
    {
        PointResult result = job switch
        {
            MicroPoint m => ClaimExperiments.RunMicro(m, settings),
            WorkloadPoint w => ClaimExperiments.RunWorkload(w, settings),
            _ => throw new InvalidOperationException($"not a measured point: {job}"),
        };
        return (SweepResult.Line(point, result.Ok, result.Failure, [], PointResultJson.Write(result)), result.Ok);
    }

    /// <summary>The measurements the merged results lines hold (in the plan's order), as one process would have made them.</summary>
    public static ClaimMeasurements Read(ReproduceSettings s, IReadOnlyList<string> lines)
    {
        IReadOnlyList<(SweepPoint Point, object Job)> plan = Plan(s);
        var byId = plan.ToDictionary(p => p.Point.Id, p => p.Job, StringComparer.Ordinal);
        var results = new List<PointResult>();
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            string id = document.RootElement.GetProperty("id").GetString()!;
            PointResult result = PointResultJson.Read(document.RootElement.GetProperty("report"), $"point {id}");
            if (!byId.TryGetValue(id, out object? job) || !job.Equals(result.Point))
            {
                throw new PointResultFormatException($"point {id}: its measurement is of {result.Point}, not of the run the spec names");
            }
            results.Add(result);
        }
        return ClaimMeasurements.From(s.Claims, results);
    }
}
