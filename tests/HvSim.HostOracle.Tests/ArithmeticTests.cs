using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.HostOracle.Tests;

public sealed class ArithmeticTests(ExecutorFixture fixture) : IClassFixture<ExecutorFixture>
{
    private readonly NativeExecutor _executor = fixture.Executor;

    [Theory]
    [InlineData(1UL, 2UL, 3UL, Rflags.Pf)]
    [InlineData(0x7FFF_FFFF_FFFF_FFFFUL, 1UL, 0x8000_0000_0000_0000UL, Rflags.Of | Rflags.Sf | Rflags.Af | Rflags.Pf)]
    [InlineData(ulong.MaxValue, 1UL, 0UL, Rflags.Cf | Rflags.Zf | Rflags.Af | Rflags.Pf)]
    public void AddSetsResultAndFlags(ulong a, ulong b, ulong sum, ulong flags)
    {
        var input = new MachineSnapshot();
        input[Register.RAX] = a;
        input[Register.RBX] = b;

        var output = _executor.Run(CodeEncoder.Encode(x => x.add(rax, rbx)), input);

        Assert.Equal(sum, output[Register.RAX]);
        Assert.Equal(b, output[Register.RBX]);
        Assert.Equal(Rflags.Format(flags), Rflags.Format(output.Rflags));
    }

    [Theory]
    [InlineData(0UL, 15UL, Rflags.Pf)]
    [InlineData(Rflags.Cf, 16UL, Rflags.Af)]
    public void AdcAddsCarryIn(ulong flagsIn, ulong sum, ulong flagsOut)
    {
        var input = new MachineSnapshot { Rflags = flagsIn };
        input[Register.RAX] = 5;
        input[Register.RBX] = 10;

        var output = _executor.Run(CodeEncoder.Encode(x => x.adc(rax, rbx)), input);

        Assert.Equal(sum, output[Register.RAX]);
        Assert.Equal(Rflags.Format(flagsOut), Rflags.Format(output.Rflags));
    }

    [Fact]
    public void PxorXorsXmmAndLeavesEverythingElse()
    {
        var input = SnapshotFactory.Random(new Random(1));
        var expected = input.Clone();
        expected.Xmm[0] = new Xmm128(input.Xmm[0].Lo ^ input.Xmm[1].Lo, input.Xmm[0].Hi ^ input.Xmm[1].Hi);

        var output = _executor.Run(CodeEncoder.Encode(x => x.pxor(xmm0, xmm1)), input);

        Assert.True(expected.Equals(output), expected.Describe(output));
    }

    [Fact]
    public void ShiftByZeroLeavesFlagsUnchanged()
    {
        var random = new Random(2);
        var code = CodeEncoder.Encode(x => x.shl(rax, cl));
        for (var i = 0; i < 256; i++)
        {
            var input = SnapshotFactory.Random(random);
            input[Register.RCX] = (input[Register.RCX] & ~0xFFUL) | (i % 2 == 0 ? 0UL : 64UL);

            var output = _executor.Run(code, input);

            Assert.True(input.Equals(output), input.Describe(output));
        }
    }

    [Fact]
    public void AddToMemoryGoesThroughScratchBlock()
    {
        const ulong guestBase = 0x0000_7F00_0000_0000;
        var input = new MachineSnapshot();
        input[Register.RDI] = guestBase;
        input[Register.RAX] = 7;
        BitConverter.TryWriteBytes(input.Memory.AsSpan(8), 5UL);
        input.Memory[0] = 0xAA;
        input.Memory[16] = 0xBB;

        var output = _executor.Run(CodeEncoder.Encode(x => x.add(__qword_ptr[rdi + 8], rax)), input, Register.RDI);

        Assert.Equal(12UL, BitConverter.ToUInt64(output.Memory, 8));
        Assert.Equal(0xAA, output.Memory[0]);
        Assert.Equal(0xBB, output.Memory[16]);
        Assert.Equal(guestBase, output[Register.RDI]);
        Assert.Equal(Rflags.Format(Rflags.Pf), Rflags.Format(output.Rflags));
    }

    [Fact]
    public void BaseRegisterIsRebasedAfterPointerArithmetic()
    {
        const ulong guestBase = 0x10000;
        var input = new MachineSnapshot();
        input[Register.R9] = guestBase;
        input[Register.RAX] = 0x1122334455667788;
        var code = CodeEncoder.Encode(x =>
        {
            x.add(r9, 0x20);
            x.mov(__qword_ptr[r9 + 8], rax);
            x.lea(rsi, __[r9 + 8]);
        });

        var output = _executor.Run(code, input, Register.R9);

        Assert.Equal(guestBase + 0x20, output[Register.R9]);
        Assert.Equal(0x1122334455667788UL, BitConverter.ToUInt64(output.Memory, 0x28));

        // Only the base register is rebased: a copy of the pointer exposes the host address.
        Assert.NotEqual(guestBase + 0x28, output[Register.RSI]);
    }

    [Fact]
    public void MemoryOfMaximumSizeRoundTrips()
    {
        var input = SnapshotFactory.Random(new Random(3), NativeExecutor.MaxMemorySize);
        input[Register.RBX] = 0x4000_0000;

        var output = _executor.Run(CodeEncoder.Encode(x => x.not(__qword_ptr[rbx + (NativeExecutor.MaxMemorySize - 8)])), input, Register.RBX);

        var expected = input.Clone();
        for (var i = NativeExecutor.MaxMemorySize - 8; i < NativeExecutor.MaxMemorySize; i++)
        {
            expected.Memory[i] = (byte)~expected.Memory[i];
        }

        Assert.True(expected.Equals(output), expected.Describe(output));
    }
}
