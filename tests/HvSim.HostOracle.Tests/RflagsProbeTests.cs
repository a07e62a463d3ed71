using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.HostOracle.Tests;

/// <summary>
/// Documents, on the real host, which RFLAGS bits user-mode POPFQ changes (see <see cref="Rflags"/>).
/// TF is deliberately not probed: setting it raises #DB on the next instruction and kills the process.
/// </summary>
public sealed class RflagsProbeTests(ExecutorFixture fixture) : IClassFixture<ExecutorFixture>
{
    private readonly NativeExecutor _executor = fixture.Executor;

    [Theory]
    [InlineData(Rflags.Nt)]
    [InlineData(Rflags.Ac)]
    [InlineData(Rflags.Id)]
    [InlineData(Rflags.Df)]
    public void UserModeCanToggleBit(ulong bit)
    {
        var (original, afterSet, afterClear) = Probe(bit);

        Assert.Equal(bit, afterSet & bit);
        Assert.Equal(0UL, afterClear & bit);
        Assert.Equal(0UL, original & bit & ~Rflags.Id);
    }

    [Theory]
    [InlineData(Rflags.If)]
    [InlineData(3UL << 12)] // IOPL
    [InlineData(1UL << 16)] // RF
    [InlineData(1UL << 17)] // VM
    [InlineData(1UL << 19)] // VIF
    [InlineData(1UL << 20)] // VIP
    [InlineData(1UL << 1)] // reserved, reads as 1
    [InlineData(1UL << 3)] // reserved, reads as 0
    [InlineData(1UL << 22)] // reserved, reads as 0
    public void UserModeCannotChangeBit(ulong bit)
    {
        var (original, afterSet, afterClear) = Probe(bit);

        Assert.Equal(original & bit, afterSet & bit);
        Assert.Equal(original & bit, afterClear & bit);
    }

    [Fact]
    public void HostFlagsAreRestoredAfterGuestSetsAcIdAndNt()
    {
        var read = CodeEncoder.Encode(x =>
        {
            x.pushfq();
            x.pop(rax);
        });
        var before = _executor.Run(read, new MachineSnapshot())[Register.RAX];

        _executor.Run(CodeEncoder.Encode(x =>
        {
            x.pushfq();
            x.or(__qword_ptr[rsp], (int)(Rflags.Ac | Rflags.Id | Rflags.Nt | Rflags.Df));
            x.popfq();
        }), new MachineSnapshot());
        var after = _executor.Run(read, new MachineSnapshot())[Register.RAX];

        Assert.Equal($"0x{before:X}", $"0x{after:X}");

        // A misaligned load in the runtime would raise #AC (SIGBUS) if AC had leaked.
        var bytes = new byte[16];
        Assert.Equal(0L, BitConverter.ToInt64(bytes, 3));
    }

    /// <summary>Reads RFLAGS, then with <paramref name="bit"/> forced on via popfq, then forced off.</summary>
    private (ulong Original, ulong AfterSet, ulong AfterClear) Probe(ulong bit)
    {
        var code = CodeEncoder.Encode(x =>
        {
            x.pushfq();
            x.mov(rax, __qword_ptr[rsp]);
            x.or(__qword_ptr[rsp], rbx);
            x.popfq();
            x.pushfq();
            x.mov(rcx, __qword_ptr[rsp]);
            x.and(__qword_ptr[rsp], rdx);
            x.popfq();
            x.pushfq();
            x.pop(rsi);
        });
        var input = new MachineSnapshot();
        input[Register.RBX] = bit;
        input[Register.RDX] = ~bit;

        var output = _executor.Run(code, input);

        return (output[Register.RAX], output[Register.RCX], output[Register.RSI]);
    }
}
