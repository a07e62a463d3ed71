namespace HvSim.Tests.Cpu;

/// <summary>
/// The VEX forms of SSSE3/SSE4/PCLMULQDQ that exist only as VEX.128 are #UD with VEX.L = 1 (SDM
/// Vol. 2, the exception lists of VPEXTRB/D/Q, VPINSRB/D/Q, VEXTRACTPS, VINSERTPS, VPHMINPOSUW,
/// VPCMPESTRI...: "#UD if VEX.L = 1"), and vpclmulqdq's VEX.256 form belongs to the VPCLMULQDQ
/// extension, which the interpreter does not implement. The host cannot be asked (the oracle has
/// no SIGILL path), so the raw encodings are checked against the interpreter alone.
/// </summary>
public sealed class AvxSse4UndefinedTests
{
    [Theory]
    [InlineData("C4E37D14C800", "vpextrb eax, xmm1, 0 with VEX.L = 1")]
    [InlineData("C4E37D16C800", "vpextrd eax, xmm1, 0 with VEX.L = 1")]
    [InlineData("C4E3FD16C800", "vpextrq rax, xmm1, 0 with VEX.L = 1")]
    [InlineData("C4E37D17C800", "vextractps eax, xmm1, 0 with VEX.L = 1")]
    [InlineData("C4E37520C800", "vpinsrb xmm1, xmm1, eax, 0 with VEX.L = 1")]
    [InlineData("C4E37522C800", "vpinsrd xmm1, xmm1, eax, 0 with VEX.L = 1")]
    [InlineData("C4E37521CA00", "vinsertps xmm1, xmm1, xmm2, 0 with VEX.L = 1")]
    [InlineData("C4E27D41CA", "vphminposuw xmm1, xmm2 with VEX.L = 1")]
    [InlineData("C4E37D61CA00", "vpcmpestri xmm1, xmm2, 0 with VEX.L = 1")]
    [InlineData("C4E37D62CA00", "vpcmpistrm xmm1, xmm2, 0 with VEX.L = 1")]
    [InlineData("C4E37544CA00", "vpclmulqdq ymm1, ymm1, ymm2, 0 (VPCLMULQDQ)")]
    public void Vex128OnlyFormsWithVexL1AreUndefined(string hex, string what)
    {
        var m = new TestMachine();
        m.LoadCode([.. Convert.FromHexString(hex), 0xCC]);
        m.Run();
        Assert.True(m.Cpu.ExitVector == HvSim.Cpu.Vector.InvalidOpcode, $"{what} should raise #UD");
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
    }
}
