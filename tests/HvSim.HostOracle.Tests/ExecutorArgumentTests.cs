using Iced.Intel;

namespace HvSim.HostOracle.Tests;

public sealed class ExecutorArgumentTests(ExecutorFixture fixture) : IClassFixture<ExecutorFixture>
{
    private readonly NativeExecutor _executor = fixture.Executor;

    [Theory]
    [InlineData(Register.RSP)]
    [InlineData(Register.EDI)]
    [InlineData(Register.XMM0)]
    public void RejectsUnusableBaseRegisters(Register register)
    {
        Assert.Throws<ArgumentException>(() => _executor.Run([0x90], new MachineSnapshot(), register));
    }

    [Fact]
    public void RejectsOversizedCodeAndMemory()
    {
        Assert.Throws<ArgumentException>(() => _executor.Run(new byte[_executor.MaxCodeLength + 1], new MachineSnapshot()));
        Assert.Throws<ArgumentException>(() => _executor.Run([], new MachineSnapshot(NativeExecutor.MaxMemorySize + 1)));
    }

    [Fact]
    public void AcceptsCodeOfMaximumLength()
    {
        var code = new byte[_executor.MaxCodeLength];
        Array.Fill(code, (byte)0x90);
        var input = SnapshotFactory.Random(new Random(40));

        Assert.True(input.Equals(_executor.Run(code, input)));
    }

    [Fact]
    public void DisposedExecutorThrows()
    {
        var executor = new NativeExecutor();
        executor.Dispose();
        executor.Dispose();

        Assert.Throws<ObjectDisposedException>(() => executor.Run([], new MachineSnapshot()));
    }
}
