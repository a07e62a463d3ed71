using HvSim.Cli;
using HvSim.Tests.FaultPath;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;

namespace HvSim.Tests.Cli;

/// <summary>
/// Issue 13: --guest-ram, --max-instructions and --max-seconds on every command that runs a guest
/// (exec, micro, workload, trace). Bad values are one line naming the option and status 2; a guest
/// stopped by a limit is one line and the limit's status. No assertion is on time.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class GuestLimitOptionTests
{
    [Theory]
    [InlineData("64M", 64UL << 20)]
    [InlineData("512MiB", 512UL << 20)]
    [InlineData("4G", 4UL << 30)]
    [InlineData("4GiB", 4UL << 30)]
    [InlineData("1t", 1UL << 40)]
    [InlineData("16384k", 16UL << 20)]
    [InlineData("16777216", 16UL << 20)]
    public void Sizes_are_bytes_or_binary_units(string text, ulong bytes)
    {
        Assert.True(ByteSize.TryParse(text, out ulong parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("-1")]
    [InlineData("+64M")]
    [InlineData("1.5G")]
    [InlineData("64 M")]
    [InlineData("64MB")]
    [InlineData("99999999999T")]
    [InlineData("99999999999999999999")]
    public void Anything_else_is_not_a_size(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    public static TheoryData<string[]> BadValues()
    {
        var data = new TheoryData<string[]>();
        string[][] commands =
        [
            ["exec"],
            ["micro", "--technique", "pt", "--platform", "native"],
            ["workload", "--ds", "avl"],
            ["trace", "--platform", "native", "--technique", "pt"],
        ];
        foreach (string[] command in commands)
        {
            foreach (string[] bad in new[] { ["--guest-ram", "lots"], ["--guest-ram", "8M"], ["--guest-ram", "2T"], ["--guest-ram", "16777217"], ["--max-seconds", "0"], ["--max-seconds", "-1"], ["--max-seconds", "soon"], new[] { "--max-instructions", "0" } })
            {
                data.Add([.. command, .. bad, .. command[0] == "exec" ? new[] { "prog" } : []]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_limit_is_one_line_naming_the_option_and_status_2(string[] args)
    {
        (int status, _, string stderr) = HvsimConsole.Run(args);
        Assert.Equal(Program.UsageError, status);
        string option = args.First(a => a.StartsWith("--guest-ram", StringComparison.Ordinal) || a.StartsWith("--max-", StringComparison.Ordinal));
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1 && lines[0].StartsWith("hvsim: " + option, StringComparison.Ordinal), $"{string.Join(' ', args)}:\n{stderr}");
    }

    [Fact]
    public void An_endless_guest_stops_at_max_seconds_with_its_own_status()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hvsim-loop-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, TinyElf.Build(PtGuest.Assemble(a =>
        {
            Label top = a.CreateLabel();
            a.Label(ref top);
            a.jmp(top);
        })));
        try
        {
            (int status, _, string stderr) = HvsimConsole.Run("exec", "--max-seconds", "0.1", path);
            Assert.Equal(GuestLimitOption.TimeLimitStatus, status);
            Assert.Matches(@"^hvsim: guest exceeded --max-seconds \(0\.1\) after \d+ instructions, at rip 0x[0-9a-f]+\n$", stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Micro_stops_at_max_seconds_with_its_own_status()
    {
        (int status, _, string stderr) = HvsimConsole.Run("micro", "--technique", "ptxen", "--platform", "xen-pv", "--tcount", "100000000", "--max-seconds", "0.1");
        Assert.Equal(GuestLimitOption.TimeLimitStatus, status);
        Assert.Contains("hvsim: micro under ptxen on xen-pv: guest exceeded --max-seconds (0.1)", stderr);
    }

    [Fact]
    public void Workload_and_trace_stop_at_max_instructions_with_its_status()
    {
        (int status, _, string stderr) = HvsimConsole.Run("workload", "--ds", "avl", "--max-instructions", "1000");
        Assert.Equal(GuestLimitOption.InstructionLimitStatus, status);
        Assert.Contains("guest exceeded --max-instructions (1000)", stderr);

        (status, _, stderr) = HvsimConsole.Run("trace", "--platform", "xen-pv", "--technique", "ptxen", "--max-instructions", "100");
        Assert.Equal(GuestLimitOption.InstructionLimitStatus, status);
        Assert.Matches(@"^hvsim: trace: guest exceeded --max-instructions \(100\) at rip 0x[0-9a-f]+\n$", stderr);
    }

    /// <summary>A guest that needs more than --guest-ram dies of SIGBUS, as the one line says: a guest's death, not hvsim's.</summary>
    [Fact]
    public void Micro_with_a_CDA_larger_than_the_guest_RAM_is_the_guests_SIGBUS()
    {
        (int status, _, string stderr) = HvsimConsole.Run("micro", "--technique", "ptxen", "--platform", "xen-shadow", "--guest-ram", "16M", "--cda-kib", "65536", "--tcount", "1");
        Assert.Equal(1, status);
        Assert.Contains("failed (status 135)", stderr);
        Assert.Contains("SIGBUS", stderr);
        Assert.DoesNotContain("internal error", stderr);
    }
}
