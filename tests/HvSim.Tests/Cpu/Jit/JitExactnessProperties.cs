using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace HvSim.Tests.Cpu.Jit;

/// <summary>
/// Issue 15 item 2: translating blocks to IL changes nothing observable. Random programs (steps from
/// the host-oracle generators in a loop, with branches, calls and stack traffic around them; scratch
/// memory within a page, across two pages, or running into an unmapped page) run with translation
/// off and on, in random budget slices; every slice's exit, RIP and instruction count, and the final
/// registers, flags, XMM registers, TLB miss counts and memory must agree. Blocks are translated
/// after one interpreted run, so most of each loop runs compiled. A failure prints the program
/// disassembled and both runs' observations.
/// </summary>
public sealed class JitExactnessProperties
{
    [Property(MaxTest = 10_000, QuietOnSuccess = true, Arbitrary = [typeof(JitCases)])]
    public Property TranslationIsExact(JitCase c)
    {
        string interpreted = JitProgram.Run(c, jit: false);
        string translated = JitProgram.Run(c, jit: true);
        return (interpreted == translated).Label($"--jit off:\n{interpreted}\n--jit on:\n{translated}");
    }
}
