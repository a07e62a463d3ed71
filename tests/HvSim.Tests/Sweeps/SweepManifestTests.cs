using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using HvSim.Tests.Guests;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HvSim.Tests.Sweeps;

/// <summary>
/// The Kubernetes recipe (deploy/k8s) without a cluster: each Job manifest validates against the
/// batch/v1 Job schema the recipes use (deploy/k8s/schema, from Kubernetes' OpenAPI document), and
/// the manifests agree with each other and with hvsim's command line.
/// </summary>
public sealed class SweepManifestTests
{
    private static readonly string s_k8s = Path.Combine(RepositoryPaths.Root, "deploy", "k8s");

    private static readonly JsonSchema s_job = JsonSchema.FromFile(Path.Combine(s_k8s, "schema", "job-batch-v1.subset.json"));

    [Theory]
    [InlineData("sweep-job.yaml")]
    [InlineData("merge-job.yaml")]
    public void A_job_manifest_is_a_valid_batch_v1_job(string file)
    {
        JsonNode manifest = Load(file);
        EvaluationResults results = s_job.Evaluate(JsonDocument.Parse(manifest.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, $"{file}: {Errors(results)}");
    }

    /// <summary>The validation can fail: a misspelled field, a wrong type or an unknown enum value is refused.</summary>
    [Theory]
    [InlineData("completionMode: Indexed", "completionMode: Indexd")]
    [InlineData("completions: 4", "completions: four")]
    [InlineData("restartPolicy: Never", "restartPolicy: Sometimes")]
    [InlineData("parallelism: 4", "paralelism: 4")]
    public void A_broken_job_manifest_is_refused(string from, string to)
    {
        string text = File.ReadAllText(Path.Combine(s_k8s, "sweep-job.yaml"));
        Assert.Contains(from, text);
        JsonNode manifest = Convert(text.Replace(from, to, StringComparison.Ordinal));
        EvaluationResults results = s_job.Evaluate(JsonDocument.Parse(manifest.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.False(results.IsValid);
    }

    /// <summary>What the schema cannot say: an Indexed Job of N completions runs shard JOB_COMPLETION_INDEX of N, and the merge reads the volume the shards write.</summary>
    [Fact]
    public void The_sweep_job_runs_one_shard_per_index_and_the_merge_reads_its_results()
    {
        JsonNode sweep = Load("sweep-job.yaml");
        JsonNode spec = sweep["spec"]!;
        Assert.Equal("Indexed", spec["completionMode"]!.GetValue<string>());
        long completions = spec["completions"]!.GetValue<long>();
        JsonNode container = spec["template"]!["spec"]!["containers"]![0]!;
        string shards = container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "SHARDS")!["value"]!.GetValue<string>();
        Assert.Equal(completions.ToString(CultureInfo.InvariantCulture), shards);
        string command = string.Join(' ', container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains("hvsim sweep ", command);
        Assert.Contains("--shard \"$JOB_COMPLETION_INDEX/$SHARDS\"", command);
        Assert.Equal("Never", spec["template"]!["spec"]!["restartPolicy"]!.GetValue<string>()); // backoffLimitPerIndex needs it

        JsonNode merge = Load("merge-job.yaml");
        Assert.Equal(Claim(sweep), Claim(merge));
        Assert.Equal(Claim(sweep), Load("results-pvc.yaml")["metadata"]!["name"]!.GetValue<string>());
        string mergeCommand = string.Join(' ', merge["spec"]!["template"]!["spec"]!["containers"]![0]!["command"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.StartsWith("hvsim sweep merge /results --out", mergeCommand);
    }

    private static string Claim(JsonNode job) => job["spec"]!["template"]!["spec"]!["volumes"]!.AsArray()
        .Single(v => v!["persistentVolumeClaim"] is not null)!["persistentVolumeClaim"]!["claimName"]!.GetValue<string>();

    private static JsonNode Load(string file) => Convert(File.ReadAllText(Path.Combine(s_k8s, file)));

    /// <summary>YAML to JSON with YAML 1.2's core schema: a plain scalar is a number, boolean or null when it reads as one; a quoted one is a string.</summary>
    private static JsonNode Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Node(stream.Documents.Single().RootNode)!;
    }

    private static JsonNode? Node(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Node(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Node).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => scalar.Value switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            "null" or "~" or "" => null,
            var text when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) => JsonValue.Create(n),
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => JsonValue.Create(d),
            var text => JsonValue.Create(text),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidDataException($"unexpected YAML node {node.NodeType}"),
    };

    private static string Errors(EvaluationResults results) => string.Join("; ",
        (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
}
