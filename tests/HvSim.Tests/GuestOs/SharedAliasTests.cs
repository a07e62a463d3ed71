using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// A second writable mapping of the same frames (mremap with old_size 0 on a MAP_SHARED mapping),
/// which the Emul technique writes through: both views see every write, on every platform.
/// </summary>
public sealed class SharedAliasTests
{
    private const int MapShared = 0x01, MapPrivate = 0x02, MapAnonymous = 0x20, MremapMayMove = 1;

    /// <summary>
    /// mmap(2 pages, RW, type|anon) -> r12; mremap(r12, 0, 2 pages, MAYMOVE) -> r13;
    /// on success: store 42 through r13+4096, mprotect(r12, 2 pages, PROT_READ), store 7 through
    /// r13 (the alias stays writable), exit(byte [r12+4096] + byte [r12]); on failure exit(100 + errno).
    /// </summary>
    private static byte[] Program(int mapType)
    {
        var a = new Assembler(64);
        Label failed = a.CreateLabel();
        a.mov(eax, 9); a.xor(edi, edi); a.mov(esi, 8192); a.mov(edx, 3); a.mov(r10d, mapType | MapAnonymous); a.mov(r8, -1L); a.xor(r9d, r9d);
        a.syscall();
        a.mov(r12, rax);
        a.mov(eax, 25); a.mov(rdi, r12); a.xor(esi, esi); a.mov(edx, 8192); a.mov(r10d, MremapMayMove);
        a.syscall();
        a.test(rax, rax);
        a.js(failed);
        a.mov(r13, rax);
        a.mov(__byte_ptr[r13 + 4096], 42);
        a.mov(eax, 10); a.mov(rdi, r12); a.mov(esi, 8192); a.mov(edx, 1);
        a.syscall();
        a.mov(__byte_ptr[r13], 7);
        a.movzx(edi, __byte_ptr[r12 + 4096]);
        a.movzx(eax, __byte_ptr[r12]);
        a.add(edi, eax);
        a.mov(eax, 231);
        a.syscall();
        a.Label(ref failed);
        a.neg(rax);
        a.lea(edi, __[rax + 100]);
        a.mov(eax, 231);
        a.syscall();
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), TinyElf.Entry);
        return TinyElf.Build(stream.ToArray());
    }

    private static int? Run(Platform platform, int mapType)
    {
        var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 100_000 },
            new MemoryStream(), new MemoryStream(), new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(Program(mapType), "alias", new[] { "alias" }, Array.Empty<string>());
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.True(process.FatalReport is null, process.FatalReport);
        return process.ExitStatus;
    }

    [Theory]
    [InlineData(MapShared, 49)]
    [InlineData(MapPrivate, 122)]
    public void TheHostKernelAgrees(int mapType, int expected)
    {
        if (!HvSim.Tests.Guests.GuestRun.HostCanRunGuests || !OperatingSystem.IsLinux())
        {
            return;
        }
        string path = Path.Combine(Path.GetTempPath(), $"hvsim-alias-{mapType}-{Environment.ProcessId}");
        File.WriteAllBytes(path, Program(mapType));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            Assert.Equal(expected, HvSim.Tests.Guests.GuestRun.Native(path, Array.Empty<string>(), Array.Empty<string>()).ExitStatus);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(Platform.Native)]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    public void WritesThroughTheAliasAreSeenThroughTheOriginal(Platform platform)
    {
        Assert.True(49 == Run(platform, MapShared), "42 and 7 written through the alias must read back through the original (exit 49)");
    }

    [Theory]
    [InlineData(Platform.Native)]
    [InlineData(Platform.XenShadow)]
    public void APrivateMappingCannotBeAliased(Platform platform)
    {
        Assert.True(100 + 22 == Run(platform, MapPrivate), "mremap(old_size 0) of a private mapping is EINVAL, as on Linux");
    }
}
