using HvSim.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Cli;

/// <summary>
/// The checkpoint library in an ordinary glibc program (issue 19): guests/glibc/ckptstack.c, built
/// with the one gcc line the README gives users, keeps every write under every technique on every
/// platform that runs it, although its coroutine's stack lies inside the CDA (the library's SIGSEGV
/// handler runs on an alternate signal stack). Status 0 means the guest exited 0 and hvsim found the
/// backup equal to the primary.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CheckpointLibraryTests
{
    public static TheoryData<string, string> TechniquesAndPlatforms() => new()
    {
        { "none", "native" }, { "pt", "native" }, { "emul", "native" },
        { "pt", "xen-pv" }, { "emul", "xen-pv" }, { "ptxen", "xen-pv" }, { "emulxen", "xen-pv" },
        { "pt", "xen-shadow" }, { "emul", "xen-shadow" }, { "ptxen", "xen-shadow" }, { "emulxen", "xen-shadow" }, { "scanxen", "xen-shadow" },
    };

    [Theory]
    [MemberData(nameof(TechniquesAndPlatforms))]
    public void A_glibc_program_with_its_stack_in_the_CDA_keeps_every_write(string technique, string platform)
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--technique", technique, "--platform", platform, RepositoryPaths.Guest("glibc-ckptstack"));
        Assert.True(status == 0, $"{technique} on {platform}: status {status}\n{stderr}");
        if (technique != "none")
        {
            Assert.Contains($"hvsim: {technique} on {platform}: 41 commits", stderr);
            Assert.Contains("backup equals the primary", stderr);
        }
    }
}
