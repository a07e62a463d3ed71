using BenchmarkDotNet.Attributes;
using HvSim.GuestOs.Kernel;

namespace HvSim.Benchmarks;

/// <summary>
/// The block translator (issue 15 item 1): the same guest runs with translation off (the
/// interpreter alone) and on, so the ratio of the two means is the translator's gain on that
/// guest, compilation of its hot blocks included (each run starts with an empty block cache).
/// Divide the returned instruction count by the mean for MIPS.
/// </summary>
[MemoryDiagnoser]
public class TranslatorBenchmarks
{
    private byte[] _elf = Array.Empty<byte>();
    private string _path = "";

    [Params("bench-O2", "hash-O2", "ds-rb")]
    public string Guest { get; set; } = "bench-O2";

    [Params(false, true)]
    public bool Jit { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = GuestBenchmarks.FindGuest(Guest);
        _elf = File.ReadAllBytes(_path);
    }

    /// <summary>Returns the retired instructions so the run cannot be optimised away.</summary>
    [Benchmark]
    public long Run()
    {
        var kernel = new GuestKernel(new KernelOptions { Jit = Jit }, Stream.Null, Stream.Null, Stream.Null);
        string[] argv = Guest switch
        {
            "bench-O2" => [_path, "1"],
            "ds-rb" => [_path, "insert", "1", "10000", "1"],
            _ => [_path],
        };
        Process process = kernel.CreateProcess(_elf, _path, argv, Array.Empty<string>());
        kernel.Run(process);
        return kernel.Cpu.InstructionsRetired;
    }
}
