namespace HvSim.Cli;

/// <summary>hvsim bench: interpreter throughput on a bundled compute-bound guest.</summary>
public static class BenchCommand
{
    public static int Run(string[] args)
    {
        throw new UsageException("bench: not built yet");
    }
}
