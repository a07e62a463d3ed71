namespace HvSim.HostOracle.Tests;

/// <summary>One executor per test class: mapping the stub once is the intended usage.</summary>
public sealed class ExecutorFixture : IDisposable
{
    public NativeExecutor Executor { get; } = new();

    public void Dispose() => Executor.Dispose();
}
