using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Mmu;
using HvSim.Tests.Guests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// The shared zero page (issue 13: reads of never-written memory allocated a frame per page, so a
/// guest could fill its RAM, and the host's, by reading): reading untouched private memory costs
/// no frame, the first write gives a page a frame of its own, and no write ever reaches the zero
/// frame, on every platform.
/// </summary>
public sealed class ZeroPageTests
{
    private const int MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;
    private const int ProtRead = 1, ProtReadWrite = 3;
    private const int Write = 1, Mmap = 9, Mprotect = 10, ExitGroup = 231;

    public static TheoryData<Platform> Platforms() => new() { Platform.Native, Platform.XenPv, Platform.XenShadow };

    private static (GuestKernel Kernel, HvSim.GuestOs.Kernel.Process Process) Run(byte[] elf, Platform platform, ulong guestRam)
    {
        var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 50_000_000, PhysicalMemoryBytes = guestRam },
            new MemoryStream(), Stream.Null, Stream.Null);
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(elf, "zero", ["zero"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.True(process.FatalReport is null, $"{platform}: {process.FatalReport}");
        return (kernel, process);
    }

    private static void Syscall(Assembler a, int number, params ulong[] args)
    {
        AssemblerRegister64[] registers = [rdi, rsi, rdx, r10, r8, r9];
        for (int i = 0; i < args.Length; i++)
        {
            a.mov(registers[i], args[i]);
        }
        a.mov(eax, number);
        a.syscall();
    }

    private static void Exit(Assembler a, AssemblerRegister64 status)
    {
        a.mov(rdi, status);
        a.mov(eax, ExitGroup);
        a.syscall();
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Reading_four_times_the_guest_RAM_costs_no_frames(Platform platform)
    {
        const ulong length = 256UL << 20, guestRam = 64UL << 20;
        byte[] elf = TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
        {
            Label loop = a.CreateLabel();
            Syscall(a, Mmap, 0, length, ProtReadWrite, MapPrivate | MapAnonymous | MapNoReserve, ulong.MaxValue, 0);
            a.mov(r12, rax);
            // One byte of every page read by the program, OR-ed into rbx (must stay 0)...
            a.xor(ebx, ebx);
            a.mov(r13, r12);
            a.mov(ecx, (int)(length / 4096));
            a.Label(ref loop);
            a.or(bl, __byte_ptr[r13]);
            a.add(r13, 4096);
            a.dec(ecx);
            a.jnz(loop);
            // ...and the kernel's copy_from_user of all of it (write(2) to /dev/null-like stdout).
            a.mov(rdi, 1);
            a.mov(rsi, r12);
            a.mov(rdx, length);
            a.mov(eax, Write);
            a.syscall();
            a.mov(rcx, length);
            a.cmp(rax, rcx);
            Label whole = a.CreateLabel();
            a.je(whole);
            a.mov(bl, 77);
            a.Label(ref whole);
            Exit(a, rbx);
        }));
        (GuestKernel kernel, HvSim.GuestOs.Kernel.Process process) = Run(elf, platform, guestRam);
        Assert.Equal(0, process.ExitStatus);
        // Page tables for 256 MiB take 128 frames; a frame per page read would be 65,536.
        Assert.True(kernel.Frames.InUse < 1024, $"{platform}: {kernel.Frames.InUse} frames in use after reading");
        Assert.True(kernel.Memory.ResidentFrames < 4096, $"{platform}: {kernel.Memory.ResidentFrames} frames resident on the host");
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_written_page_gets_its_own_frame_and_the_zero_page_stays_zero(Platform platform)
    {
        byte[] elf = TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
        {
            Label bad = a.CreateLabel();
            Syscall(a, Mmap, 0, 3 * 4096, ProtReadWrite, MapPrivate | MapAnonymous, ulong.MaxValue, 0);
            a.mov(r12, rax);
            // Read all three pages (zero page), write the first.
            a.movzx(eax, __byte_ptr[r12]);
            a.or(al, __byte_ptr[r12 + 4096]);
            a.or(al, __byte_ptr[r12 + 8192]);
            a.jnz(bad);
            a.mov(__byte_ptr[r12 + 5], 0x55);
            // mprotect read-only and back to read-write: the zero page must stay read-only under it.
            a.mov(rdi, r12); a.mov(esi, 3 * 4096); a.mov(edx, ProtRead); a.mov(eax, Mprotect); a.syscall();
            a.mov(rdi, r12); a.mov(esi, 3 * 4096); a.mov(edx, ProtReadWrite); a.mov(eax, Mprotect); a.syscall();
            a.mov(__byte_ptr[r12 + 4096 + 7], 0x66);
            // The third page still reads zero, the others what was written.
            a.cmp(__byte_ptr[r12 + 8192 + 5], 0);
            a.jne(bad);
            a.cmp(__byte_ptr[r12 + 8192 + 7], 0);
            a.jne(bad);
            a.cmp(__byte_ptr[r12 + 5], 0x55);
            a.jne(bad);
            a.cmp(__byte_ptr[r12 + 4096 + 7], 0x66);
            a.jne(bad);
            a.xor(ebx, ebx);
            Exit(a, rbx);
            a.Label(ref bad);
            a.mov(ebx, 1);
            Exit(a, rbx);
        }));
        (GuestKernel kernel, HvSim.GuestOs.Kernel.Process process) = Run(elf, platform, 64UL << 20);
        Assert.Equal(0, process.ExitStatus);
        Frame zero = kernel.ZeroPage.Get()!.Value;
        var bytes = new byte[PageGeometry.PageSize];
        kernel.Memory.Read(zero.Base, bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    /// <summary>
    /// write(2) of 4 GiB of never-written memory with a count of 2^64 - 1: Linux cuts the count to
    /// MAX_RW_COUNT, so the call moves 2 GiB and returns (a fuzzing run hung on such a call once
    /// reading stopped running out of memory).
    /// </summary>
    [Fact]
    public void A_write_of_an_enormous_count_moves_at_most_MAX_RW_COUNT()
    {
        byte[] elf = TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
        {
            Syscall(a, Mmap, 0, 4UL << 30, ProtRead, MapPrivate | MapAnonymous | MapNoReserve, ulong.MaxValue, 0);
            a.mov(rsi, rax);
            a.mov(rdi, 1);
            a.mov(rdx, ulong.MaxValue);
            a.mov(eax, Write);
            a.syscall();
            a.mov(rcx, 0x7FFF_F000UL);
            a.xor(ebx, ebx);
            a.cmp(rax, rcx);
            Label cut = a.CreateLabel();
            a.je(cut);
            a.mov(ebx, 1);
            a.Label(ref cut);
            Exit(a, rbx);
        }));
        (GuestKernel kernel, HvSim.GuestOs.Kernel.Process process) = Run(elf, Platform.Native, 64UL << 20);
        Assert.Equal(0, process.ExitStatus);
        Assert.True(kernel.Frames.InUse < 2048, $"{kernel.Frames.InUse} frames in use");
    }
}
