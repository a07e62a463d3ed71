using System.Text;

namespace HvSim.HostOracle;

/// <summary>Human-readable formatting and diffing of snapshots, for test failure messages.</summary>
public sealed partial class MachineSnapshot
{
    /// <summary>
    /// Lists every register, flag and memory qword that differs, one per line, formatted as
    /// "NAME: this != other" in hex. Returns an empty string when the snapshots are equal.
    /// </summary>
    public string Describe(MachineSnapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var text = new StringBuilder();
        for (var i = 0; i < Gpr.Length; i++)
        {
            if (Gpr[i] != other.Gpr[i])
            {
                text.AppendLine($"{HostOracle.Gpr.Names[i]}: 0x{Gpr[i]:X16} != 0x{other.Gpr[i]:X16}");
            }
        }

        var flagDiff = (Rflags ^ other.Rflags) & HostOracle.Rflags.Settable;
        if (flagDiff != 0)
        {
            text.AppendLine(
                $"RFLAGS: [{HostOracle.Rflags.Format(Rflags)}] != [{HostOracle.Rflags.Format(other.Rflags)}]"
                + $" (differ: {HostOracle.Rflags.Format(flagDiff)})");
        }

        for (var i = 0; i < Xmm.Length; i++)
        {
            if (Xmm[i] != other.Xmm[i])
            {
                text.AppendLine($"XMM{i}: {Xmm[i]} != {other.Xmm[i]}");
            }
        }

        for (var i = 0; i < YmmHigh.Length; i++)
        {
            if (YmmHigh[i] != other.YmmHigh[i])
            {
                text.AppendLine($"YMM{i}[255:128]: {YmmHigh[i]} != {other.YmmHigh[i]}");
            }
        }

        DescribeMemory(other, text);
        return text.ToString();
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Gpr.Length; i++)
        {
            text.Append($"{HostOracle.Gpr.Names[i],-3}=0x{Gpr[i]:X16}");
            text.Append(i % 4 == 3 ? Environment.NewLine : "  ");
        }

        text.AppendLine($"RFLAGS=0x{Rflags & HostOracle.Rflags.Settable:X} [{HostOracle.Rflags.Format(Rflags)}]");
        for (var i = 0; i < Xmm.Length; i++)
        {
            text.Append($"XMM{i,-2}={Xmm[i]}");
            text.Append(i % 2 == 1 ? Environment.NewLine : "  ");
        }

        for (var i = 0; i < YmmHigh.Length; i++)
        {
            if (YmmHigh[i] != default)
            {
                text.AppendLine($"YMM{i}[255:128]={YmmHigh[i]}");
            }
        }

        text.Append($"MEM[{Memory.Length}]");
        return text.ToString();
    }

    // Memory is compared in 8-byte rows so a single changed qword reads as one line.
    private void DescribeMemory(MachineSnapshot other, StringBuilder text)
    {
        if (Memory.Length != other.Memory.Length)
        {
            text.AppendLine($"MEM size: {Memory.Length} != {other.Memory.Length}");
        }

        var common = Math.Min(Memory.Length, other.Memory.Length);
        for (var row = 0; row < common; row += 8)
        {
            var length = Math.Min(8, common - row);
            var mine = Memory.AsSpan(row, length);
            var theirs = other.Memory.AsSpan(row, length);
            if (!mine.SequenceEqual(theirs))
            {
                text.AppendLine($"MEM+0x{row:X3}: {Convert.ToHexString(mine)} != {Convert.ToHexString(theirs)}");
            }
        }
    }
}
