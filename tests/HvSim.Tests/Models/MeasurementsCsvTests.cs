using HvSim.Models;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;

namespace HvSim.Tests.Models;

/// <summary>The measurements CSV of hvsim calibrate (models/README.md).</summary>
public sealed class MeasurementsCsvTests
{
    private const string Header = "name,ns,weight,events\n";

    [Fact]
    public void RowsBecomeExperimentsAndTargets()
    {
        MeasurementSet set = MeasurementsCsv.Parse(Header + """
            # a comment
            syscall,170,1,SyscallEntry@kernel@native=1 SyscallExit@kernel@native=1 ReturnToUser@kernel@native=1

            "fault,native",,,PageFault@user@native=1.5 CopyBytes@user@*=4096
            copy-vs-syscall,ratio=2.5,0.5,"fault,native / syscall"
            default-weight,300,,SyscallEntry@kernel@native=2
            slope,,,SyscallEntry@kernel@native=2 PageWalk@user@native=-0.5
            """, "m.csv");
        Assert.Equal(["syscall", "fault,native", "default-weight", "slope"], set.Experiments.Select(e => e.Name));
        Assert.Equal(-0.5, set.Experiments[3].Counts[PriceKey.Parse("PageWalk@user@native", "t")]); // a difference of two runs
        Assert.Equal(1.5, set.Experiments[1].Counts[PriceKey.Parse("PageFault@user@native", "t")]);
        Assert.Contains(PriceKey.Parse("CopyBytes@user@*", "t"), set.Keys);
        var measured = Assert.IsType<MeasuredTarget>(set.Targets[0]);
        Assert.Equal(170, measured.Ns);
        var ratio = Assert.IsType<RelationTarget>(set.Targets[1]);
        Assert.Equal(("fault,native", 2.5, "syscall", 0.5), (ratio.A, ratio.Ratio, ratio.B, ratio.Weight));
        Assert.Equal(1, set.Targets[2].Weight);
        CalibrationProblem problem = set.ToProblem(null, 1);
        Assert.Equal(6, problem.Keys.Count);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("name,ns,events\n", ":1: the first line must be the header")]
    [InlineData(Header + "a,1,1\n", ":2: expected 4 fields")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel=1\n", "is not Kind@layer@platform")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native\n", "is not Kind@layer@platform=count")]
    [InlineData(Header + "a,1,1,Syscall@kernel@native=1\n", "unknown event kind 'Syscall'")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native=x\n", "count of SyscallEntry@kernel@native 'x' is not a number")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native=1 SyscallEntry@kernel@native=2\n", "counted twice")]
    [InlineData(Header + "a,-1,1,SyscallEntry@kernel@native=1\n", "ns '-1' is not a number >= 0")]
    [InlineData(Header + "a,fast,1,SyscallEntry@kernel@native=1\n", "ns 'fast' is not a number")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native=1\na,2,1,SyscallExit@kernel@native=1\n", ":3: the name 'a' is used by an earlier row")]
    [InlineData(Header + "a,,1,SyscallEntry@kernel@native=1\n", "takes no weight")]
    [InlineData(Header + "a,,,SyscallEntry@kernel@native=1\n", "nothing to fit")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native=1\nr,ratio=2,1,a\n", "'A / B'")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native=1\nr,ratio=2,1,a / b\n", "m.csv: target 'r': no experiment named 'b'")]
    [InlineData(Header + "a,1,1,SyscallEntry@kernel@native=1\nr,ratio=0,1,a / a\n", "ratio must be a finite number > 0")]
    [InlineData(Header + "a b,1,1,SyscallEntry@kernel@native=1\n", "a row needs a name without spaces")]
    [InlineData(Header + "\"a,1,1,SyscallEntry@kernel@native=1\n", "unterminated quote")]
    public void BadRowsGiveOneLineWithTheLineNumber(string text, string message)
    {
        var error = Assert.Throws<ModelInputException>(() => MeasurementsCsv.Parse(text, "m.csv").ToProblem(null, 1));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("m.csv", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
