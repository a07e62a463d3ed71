using Iced.Intel;

namespace HvSim.HostOracle.Tests;

public sealed class MachineSnapshotTests
{
    [Fact]
    public void CloneIsEqualAndIndependent()
    {
        var original = SnapshotFactory.Random(new Random(30));
        var copy = original.Clone();

        Assert.Equal(original, copy);
        Assert.Equal(original.GetHashCode(), copy.GetHashCode());
        Assert.Equal("", original.Describe(copy));

        copy.Memory[5] ^= 1;
        Assert.NotEqual(original, copy);
    }

    [Fact]
    public void EqualityIgnoresRflagsBitsOutsideTheSettableSet()
    {
        var a = new MachineSnapshot { Rflags = Rflags.Cf | Rflags.If | 0x2 };
        var b = new MachineSnapshot { Rflags = Rflags.Cf };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void DescribeListsEveryDifferenceInHex()
    {
        var a = new MachineSnapshot();
        var b = a.Clone();
        b[Register.R10] = 0xABCD;
        b.Rflags = Rflags.Zf | Rflags.Df;
        b.Xmm[7] = new Xmm128(1, 2);
        b.Memory[0x11] = 0xEE;

        var lines = a.Describe(b).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
            [
                "R10: 0x0000000000000000 != 0x000000000000ABCD",
                "RFLAGS: [-] != [ZF DF] (differ: ZF DF)",
                "XMM7: 0x0000000000000000_0000000000000000 != 0x0000000000000002_0000000000000001",
                "MEM+0x010: 0000000000000000 != 00EE000000000000",
            ],
            lines);
    }

    [Fact]
    public void ReadsSubRegisters()
    {
        var state = new MachineSnapshot();
        state[Register.RAX] = 0x1122334455667788;
        state[Register.RSI] = 0x99AABBCCDDEEFF00;
        state[Register.R9] = 0x0102030405060708;

        Assert.Equal(0x55667788UL, state.ReadRegister(Register.EAX));
        Assert.Equal(0x7788UL, state.ReadRegister(Register.AX));
        Assert.Equal(0x88UL, state.ReadRegister(Register.AL));
        Assert.Equal(0x77UL, state.ReadRegister(Register.AH));
        Assert.Equal(0x00UL, state.ReadRegister(Register.SIL));
        Assert.Equal(0x0708UL, state.ReadRegister(Register.R9W));
        Assert.Equal(0x08UL, state.ReadRegister(Register.R9L));
        Assert.Equal(0x0102030405060708UL, state.ReadRegister(Register.R9));
    }

    [Fact]
    public void IndexerAcceptsOnly64BitRegisters()
    {
        var state = new MachineSnapshot();

        Assert.Throws<ArgumentException>(() => state[Register.EAX]);
        Assert.Throws<ArgumentException>(() => state.ReadRegister(Register.XMM0));
    }
}
