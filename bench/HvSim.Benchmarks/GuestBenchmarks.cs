using BenchmarkDotNet.Attributes;
using HvSim.GuestOs.Kernel;

namespace HvSim.Benchmarks;

/// <summary>Whole-program runs of bundled guests: interpreter (with block translation, the default), MMU, TLB and kernel together.</summary>
[MemoryDiagnoser]
public class GuestBenchmarks
{
    private byte[] _elf = Array.Empty<byte>();
    private string _path = "";

    [Params("bench-O2", "sort-O2", "glibc-malloc")]
    public string Guest { get; set; } = "bench-O2";

    [GlobalSetup]
    public void Setup()
    {
        _path = FindGuest(Guest);
        _elf = File.ReadAllBytes(_path);
    }

    /// <summary>Returns the retired instructions so the run cannot be optimised away.</summary>
    [Benchmark]
    public long Run()
    {
        var kernel = new GuestKernel(new KernelOptions(), Stream.Null, Stream.Null, Stream.Null);
        string[] argv = Guest == "bench-O2" ? new[] { _path, "1" } : new[] { _path };
        Process process = kernel.CreateProcess(_elf, _path, argv, Array.Empty<string>());
        kernel.Run(process);
        return kernel.Cpu.InstructionsRetired;
    }

    /// <summary>guests/bin/<paramref name="name"/> of the repository this benchmark was built in.</summary>
    internal static string FindGuest(string name)
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "HvSim.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }
        return Path.Combine(directory ?? ".", "guests", "bin", name);
    }
}
