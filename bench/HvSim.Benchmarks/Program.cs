using BenchmarkDotNet.Running;

namespace HvSim.Benchmarks;

/// <summary>
/// BenchmarkDotNet suite: `dotnet run -c Release --project bench/HvSim.Benchmarks -- --filter '*'`.
/// `hvsim bench` is the quick everyday figure; this gives distributions and allocation counts.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
