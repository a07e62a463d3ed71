using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 13: a privileged instruction in user code raises #GP, which Linux delivers as SIGSEGV —
/// they used to be #UD (SIGILL). Each program runs one and would exit 0 after it; the host kernel,
/// where it can run them, agrees.
/// </summary>
public sealed class PrivilegedInstructionTests
{
    private const int SigsegvStatus = 128 + 11;

    private static readonly Dictionary<string, Action<Assembler>> s_instructions = new()
    {
        ["cli"] = a => a.cli(),
        ["sti"] = a => a.sti(),
        ["in al, dx"] = a => a.@in(al, dx),
        ["out dx, al"] = a => a.@out(dx, al),
        ["rdmsr"] = a => a.rdmsr(),
        ["wrmsr"] = a => a.wrmsr(),
        ["wbinvd"] = a => a.wbinvd(),
        ["invlpg"] = a => a.invlpg(__byte_ptr[rsp]),
        ["mov rax, cr0"] = a => a.mov(rax, cr0),
        ["mov cr3, rax"] = a => a.mov(cr3, rax),
        ["mov rax, dr7"] = a => a.mov(rax, dr7),
        ["swapgs"] = a => a.swapgs(),
        ["lgdt"] = a => a.lgdt(__[rsp]),
        ["hlt"] = a => a.hlt(),
    };

    public static TheoryData<string> Instructions() => new(s_instructions.Keys);

    private static byte[] Program(string name) => TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(a =>
    {
        a.mov(edx, 0x80);
        s_instructions[name](a);
        a.xor(edi, edi);
        a.mov(eax, 231);
        a.syscall();
    }));

    [Theory]
    [MemberData(nameof(Instructions))]
    public void A_privileged_instruction_kills_with_SIGSEGV(string name)
    {
        foreach (Platform platform in new[] { Platform.Native, Platform.XenPv })
        {
            var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 1000 },
                new MemoryStream(), new MemoryStream(), new MemoryStream());
            HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(Program(name), "priv", ["priv"], []);
            Assert.Equal(RunOutcome.Exited, kernel.Run(process));
            Assert.True(process.ExitStatus == SigsegvStatus, $"{name} on {platform}: status {process.ExitStatus} ({process.FatalReport})");
        }
    }

    [Theory]
    [MemberData(nameof(Instructions))]
    public void The_host_kernel_agrees(string name)
    {
        if (GuestRun.NativeStatus(Program(name), name) is int status)
        {
            Assert.Equal(SigsegvStatus, status);
        }
    }
}

/// <summary>Issue 13: a PT_LOAD segment at address 0 (below vm.mmap_min_addr) is refused, as Linux's execve refuses it.</summary>
public sealed class LowSegmentTests
{
    [Theory]
    [InlineData(0x0UL)]
    [InlineData(0xF000UL)]
    public void A_segment_below_mmap_min_addr_is_refused(ulong address)
    {
        byte[] elf = TinyElf.Build([0xF4]);
        Span<byte> f = elf;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f[24..], address + 120);   // e_entry
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f[(64 + 16)..], address);  // p_vaddr
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f[(64 + 24)..], address); // p_paddr
        var kernel = new GuestKernel(new KernelOptions(), new MemoryStream(), new MemoryStream(), new MemoryStream());
        var error = Assert.Throws<ProcessLoader.LoadException>(() => kernel.CreateProcess(elf, "low", ["low"], []));
        Assert.Contains("mmap_min_addr", error.Message);
    }

    [Fact]
    public void The_lowest_mappable_page_still_loads()
    {
        byte[] elf = TinyElf.Build([0x31, 0xFF, 0xB8, 0xE7, 0, 0, 0, 0x0F, 0x05]); // exit_group(0)
        Span<byte> f = elf;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f[24..], UserRange.MmapMinAddr + 120);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f[(64 + 16)..], UserRange.MmapMinAddr);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f[(64 + 24)..], UserRange.MmapMinAddr);
        var kernel = new GuestKernel(new KernelOptions { MaxInstructions = 100 }, new MemoryStream(), new MemoryStream(), new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(elf, "low", ["low"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.Equal(0, process.ExitStatus);
    }
}

/// <summary>Issue 13: readlink("/proc/self/exe") showed the host's full path; the guest sees its program at its own root.</summary>
public sealed class ProcSelfExeTests
{
    [Fact]
    public void The_link_names_the_program_at_the_guest_root_not_the_host_path()
    {
        var a = new Assembler(64);
        Label path = a.CreateLabel();
        a.sub(rsp, 256);
        a.mov(eax, 89); // readlink(path, rsp, 256)
        a.lea(rdi, __[path]);
        a.mov(rsi, rsp);
        a.mov(edx, 256);
        a.syscall();
        a.mov(rdx, rax); // write(1, rsp, n)
        a.mov(rsi, rsp);
        a.mov(edi, 1);
        a.mov(eax, 1);
        a.syscall();
        a.xor(edi, edi);
        a.mov(eax, 231);
        a.syscall();
        a.Label(ref path);
        a.db("/proc/self/exe\0"u8.ToArray());
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), TinyElf.Entry);
        var stdout = new MemoryStream();
        var kernel = new GuestKernel(new KernelOptions { MaxInstructions = 1000 }, new MemoryStream(), stdout, new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(TinyElf.Build(stream.ToArray()), "/home/someone/secret/dir/prog", ["prog"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.Equal("/prog", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
    }
}
