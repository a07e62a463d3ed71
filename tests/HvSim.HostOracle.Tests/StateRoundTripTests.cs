using System.Diagnostics;
using Iced.Intel;
using Xunit.Abstractions;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.HostOracle.Tests;

public sealed class StateRoundTripTests(ExecutorFixture fixture, ITestOutputHelper log) : IClassFixture<ExecutorFixture>
{
    private readonly NativeExecutor _executor = fixture.Executor;

    [Fact]
    public void NopReturnsRandomStatesUnchanged()
    {
        var random = new Random(10);
        var code = CodeEncoder.Encode(x => x.nop());
        for (var i = 0; i < 10_000; i++)
        {
            var input = SnapshotFactory.Random(random);

            var output = _executor.Run(code, input);

            Assert.True(input.Equals(output), input.Describe(output));
        }
    }

    [Fact]
    public void EmptyCodeReturnsStateUnchanged()
    {
        var input = SnapshotFactory.Random(new Random(11));

        var output = _executor.Run([], input, Register.RSI);

        Assert.True(input.Equals(output), input.Describe(output));
    }

    [Fact]
    public void DirectionFlagIsLoadedAndReported()
    {
        var input = new MachineSnapshot { Rflags = Rflags.Df | Rflags.Cf };

        var kept = _executor.Run(CodeEncoder.Encode(x => x.nop()), input);
        var cleared = _executor.Run(CodeEncoder.Encode(x => x.cld()), input);
        var set = _executor.Run(CodeEncoder.Encode(x => x.std()), new MachineSnapshot());

        Assert.Equal(Rflags.Df | Rflags.Cf, kept.Rflags);
        Assert.Equal(Rflags.Cf, cleared.Rflags);
        Assert.Equal(Rflags.Df, set.Rflags);
    }

    [Fact]
    public void DirectionFlagIsVisibleToStringInstructions()
    {
        var input = new MachineSnapshot { Rflags = Rflags.Df };
        input[Register.RSI] = 0x1000;
        BitConverter.TryWriteBytes(input.Memory.AsSpan(0x40), 0x0123456789ABCDEFUL);

        var output = _executor.Run(CodeEncoder.Encode(x =>
        {
            x.add(rsi, 0x40);
            x.lodsq();
        }), input, Register.RSI);

        Assert.Equal(0x0123456789ABCDEFUL, output[Register.RAX]);
        Assert.Equal(0x1038UL, output[Register.RSI]);
    }

    [Fact]
    public void DirectionFlagDoesNotLeakIntoTheRuntime()
    {
        _executor.Run(CodeEncoder.Encode(x => x.std()), new MachineSnapshot());

        // Large overlapping copies reach the C library's memmove, which uses rep movs and trusts DF = 0.
        var buffer = new byte[1 << 20];
        new Random(12).NextBytes(buffer);
        var expected = buffer[..^64];
        Buffer.BlockCopy(buffer, 0, buffer, 64, buffer.Length - 64);

        Assert.True(expected.AsSpan().SequenceEqual(buffer.AsSpan(64)));
    }

    [Fact]
    public void RflagsBitsOutsideTheSettableSetAreIgnored()
    {
        // TF, IF, IOPL, NT, AC, ID, ...: loading any of these would crash the process or leak into it.
        var input = new MachineSnapshot { Rflags = ulong.MaxValue };
        var code = CodeEncoder.Encode(x =>
        {
            x.pushfq();
            x.pop(rax);
        });

        var output = _executor.Run(code, input);

        Assert.Equal(Rflags.Settable, output.Rflags);
        Assert.Equal(Rflags.Settable, output[Register.RAX] & Rflags.Settable);
        Assert.Equal(0UL, output[Register.RAX] & (Rflags.Tf | Rflags.Ac | Rflags.Nt));
    }

    [Fact]
    public void RspIsReportedAsTheInputValue()
    {
        var input = new MachineSnapshot();
        input[Register.RSP] = 0xDEAD_BEEF;

        var output = _executor.Run(CodeEncoder.Encode(x => x.mov(rax, rsp)), input);

        Assert.Equal(0xDEAD_BEEFUL, output[Register.RSP]);
        Assert.NotEqual(0xDEAD_BEEFUL, output[Register.RAX]);
        Assert.Equal(0UL, output[Register.RAX] % 16);
    }

    [Fact]
    public void GuestMayMoveRspAndTheEpilogueRecovers()
    {
        // Keep rsp pointing into the stack: a signal (e.g. the runtime's thread-suspension signal)
        // delivered while rsp is garbage would kill the process.
        var output = _executor.Run(CodeEncoder.Encode(x =>
        {
            x.sub(rsp, 0x108);
            x.and(rsp, -64);
        }), new MachineSnapshot());

        Assert.Equal(0UL, output[Register.RSP]);
        Assert.Equal(0UL, output.Rflags & (Rflags.Cf | Rflags.Of | Rflags.Zf));
    }

    [Fact]
    public void GuestAlwaysStartsWithDefaultMxcsr()
    {
        var input = new MachineSnapshot();
        input[Register.RDI] = 0x2000;
        input.Xmm[1] = new Xmm128(0, 0);
        input.Xmm[0] = new Xmm128(0x3F800000, 0);

        // 1/0 sets the sticky ZE flag and clearing the mask bits unmasks everything; the next run
        // must start from 0x1F80 again, and the host must not inherit either change.
        _executor.Run(CodeEncoder.Encode(x =>
        {
            x.divss(xmm0, xmm1);
            x.mov(__dword_ptr[rdi], 0x0000);
            x.ldmxcsr(__dword_ptr[rdi]);
        }), input, Register.RDI);
        var output = _executor.Run(CodeEncoder.Encode(x => x.stmxcsr(__dword_ptr[rdi])), input, Register.RDI);

        Assert.Equal(0x1F80U, BitConverter.ToUInt32(output.Memory, 0));
        Assert.Equal(float.PositiveInfinity, 1.0f / Volatile.Read(ref _zero));
    }

    [Fact]
    public void HundredThousandRunsOfASequenceClobberingCalleeSavedRegisters()
    {
        var random = new Random(13);
        var code = CodeEncoder.Encode(x =>
        {
            x.add(rbx, rbp);
            x.imul(r12, r13);
            x.xor(r14, r15);
            x.not(rbp);
            x.shl(r15, cl);
            x.paddq(xmm6, xmm15);
            x.std();
        });
        var output = new MachineSnapshot();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            var input = SnapshotFactory.Random(random);
            var expected = input.Clone();
            expected[Register.RBX] = input[Register.RBX] + input[Register.RBP];
            expected[Register.R12] = input[Register.R12] * input[Register.R13];
            expected[Register.R14] = input[Register.R14] ^ input[Register.R15];
            expected[Register.RBP] = ~input[Register.RBP];
            expected[Register.R15] = input[Register.R15] << (int)(input[Register.RCX] & 63);
            expected.Xmm[6] = new Xmm128(input.Xmm[6].Lo + input.Xmm[15].Lo, input.Xmm[6].Hi + input.Xmm[15].Hi);

            _executor.Run(code, input, output);

            // Flags depend on the shift count; compare them only through DF, which std fixes.
            Assert.Equal(Rflags.Df, output.Rflags & Rflags.Df);
            output.Rflags = expected.Rflags;
            Assert.True(expected.Equals(output), expected.Describe(output));
        }

        log.WriteLine($"100000 runs (with snapshot generation and checks): {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void TimingOfBareRuns()
    {
        var input = SnapshotFactory.Random(new Random(14));
        var output = new MachineSnapshot();
        var code = CodeEncoder.Encode(x => x.add(rax, rbx));
        for (var i = 0; i < 1000; i++)
        {
            _executor.Run(code, input, output);
        }

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            _executor.Run(code, input, output);
        }

        var reusing = stopwatch.Elapsed;
        stopwatch.Restart();
        for (var i = 0; i < 100_000; i++)
        {
            _ = _executor.Run(code, input);
        }

        var allocating = stopwatch.Elapsed;
        log.WriteLine($"100000 Run calls: {reusing.TotalMilliseconds:F1} ms reusing output, {allocating.TotalMilliseconds:F1} ms allocating");
    }

    private static float _zero = 0.0f;
}
