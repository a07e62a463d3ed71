namespace HvSim.Tests.FaultPath;

using System.Buffers.Binary;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// The user-to-hypervisor interface (DESIGN.md: int 0x84, only allow-listed calls, only on the
/// caller's own address space identified by CR3, only for applications Dom0 registered with a
/// token; a call that breaks a rule gets an error code, never an effect), and the paper's
/// process identification by CR3 (Section III.A): an address space the guest released is
/// forgotten, so a later process whose page-table root reuses the frame starts unregistered.
/// </summary>
public sealed class UserHypercallTests
{
    private const long EPERM = 1, EBUSY = 16, EINVAL = 22;
    private const ulong Unknown = 99;

    /// <summary>Not a call: the guest reads the first 8 bytes of its own (read-only) code page into the results.</summary>
    private const UserHypercall ReadCodeWord = (UserHypercall)0xC0DE;

    /// <summary>The guest of <see cref="UserCallGuest"/>, making its calls with int 0x84.</summary>
    private static byte[] Guest(params UserCall[] calls) => UserCallGuest.Build(calls, (a, call) =>
    {
        if (call.Number == ReadCodeWord)
        {
            a.mov(rax, __qword_ptr[TinyElf.LoadAddress]);
        }
        else
        {
            a.@int((byte)XenHypervisor.UserVector);
        }
    });

    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void Only_allow_listed_calls_with_a_Dom0_token_have_an_effect(string platform)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        XenHypervisor hv = run.Hypervisor!;
        ulong token = hv.Dom0.Allow("fault-path test");
        ulong badToken = token + 1;
        Assert.Null(hv.Dom0.ApplicationOf(badToken));
        UserCall[] calls =
        [
            new(UserHypercall.Version),                                                    // 0: 1
            new(UserHypercall.CycleBegin),                                                 // 1: -EPERM, not registered
            new(UserHypercall.Register, badToken, null, 4096),                             // 2: -EPERM, bad token
            new((UserHypercall)Unknown, token, null, 4096),                                // 3: -EINVAL, not on the allow-list
            new(UserHypercall.Register, token, null, 0),                                   // 4: -EINVAL, empty CDA
            new(UserHypercall.Register, token, 0x7000_0000_0010, 4096),                    // 5: -EINVAL, CDA not page aligned
            new(UserHypercall.CycleBegin, MarkerAfter: true),                              // 6: -EPERM: none of the above registered anything
            new(UserHypercall.Register, token, null, 4096, MarkerAfter: true),             // 7: 0
            new(UserHypercall.Register, token, null, 8192),                                // 8: -EBUSY
            new(UserHypercall.Register, badToken, null, 4096),                             // 9: -EPERM
            new((UserHypercall)Unknown, MarkerAfter: true),                                // 10: -EINVAL
            new(UserHypercall.CycleBegin),                                                 // 11: 0
            new(UserHypercall.CycleEnd),                                                   // 12: 0
        ];
        HvSim.GuestOs.Kernel.Process process = run.Run(Guest(calls));
        Assert.True(process.ExitStatus == 0, $"status {process.ExitStatus} ({process.FatalReport})");

        long[] results = run.LastWords(calls.Length);
        Assert.Equal([XenHypervisor.Version, -EPERM, -EPERM, -EINVAL, -EINVAL, -EINVAL, -EPERM, 0, -EBUSY, -EPERM, -EINVAL, 0, 0], results);

        Assert.Equal(3, run.MarkersPassed);
        Assert.Null(run.Snapshots[0].CurrentRegistration); // the refused calls left no registration
        Registration? registered = run.Snapshots[1].CurrentRegistration;
        Assert.NotNull(registered);
        Assert.Equal(token, registered.Token);
        Assert.Equal(4096UL, registered.CdaLength);
        Assert.Equal(0UL, registered.CdaStart & 0xFFF);
        // The refused double registration, bad token and unknown call changed nothing.
        Assert.Same(registered, run.Snapshots[2].CurrentRegistration);

        // Each int 0x84 is one trap into the hypervisor, served there; the guest kernel never sees it.
        Assert.Equal(calls.Length, run.Ledger.Count(EventKind.UserHypercall, Layer.Hypervisor));
        Assert.Equal(0, run.Ledger.Count(EventKind.SignalDelivery));
    }

    /// <summary>
    /// Issue 13: a token registers only the technique Dom0 granted, a CDA must be mappable user
    /// memory, and the record buffer is written with the application's own rights — one over its
    /// read-only code was zeroed by CycleBegin (a W^X bypass through the hypervisor).
    /// </summary>
    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void Register_takes_only_the_granted_technique_mappable_memory_and_a_writable_record(string platform)
    {
        const ulong PtXen = 3, EmulXen = 4, EFAULT = 14;
        var run = new PlatformRun(PlatformRun.Options(platform));
        ulong token = run.Hypervisor!.Dom0.Allow("granted ptxen", PtXen);
        ulong code = TinyElf.LoadAddress;
        UserCall[] calls =
        [
            new(ReadCodeWord),                                                                    // 0: the code's first word
            new(UserHypercall.Register, token, null, 4096, R10: code, R8: 4096, R9: EmulXen),      // 1: -EPERM, not the granted technique
            new(UserHypercall.Register, token, 0, 4096, R10: code, R8: 4096, R9: PtXen),           // 2: -EFAULT, a CDA at address 0
            new(UserHypercall.Register, token, null, 4096, R10: 0x1000, R8: 4096, R9: PtXen),      // 3: -EFAULT, a record below mmap_min_addr
            new(UserHypercall.Register, token, null, 4096, R10: code, R8: 4096, R9: PtXen),        // 4: 0, the record over the code is readable
            new(UserHypercall.CycleBegin),                                                        // 5: -EFAULT, the record is not writable
            new(ReadCodeWord),                                                                    // 6: the code's first word, unchanged
        ];
        HvSim.GuestOs.Kernel.Process process = run.Run(Guest(calls));
        Assert.True(process.ExitStatus == 0, $"status {process.ExitStatus} ({process.FatalReport})");
        long[] results = run.LastWords(calls.Length);
        Assert.Equal([-EPERM, -(long)EFAULT, -(long)EFAULT, 0, -(long)EFAULT], results[1..6]);
        Assert.Equal(results[0], results[6]);
        Assert.Equal(0x464C457F, results[0] & 0xFFFF_FFFF); // "\x7fELF": the page really is the image's first
    }

    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void A_process_whose_page_table_root_reuses_a_registered_process_frame_is_not_registered(string platform)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        XenHypervisor hv = run.Hypervisor!;
        ulong token = hv.Dom0.Allow("first");

        HvSim.GuestOs.Kernel.Process first = run.Start(Guest(
            new UserCall(UserHypercall.Register, token, null, 4096),
            new UserCall(UserHypercall.CycleBegin, MarkerAfter: true)));
        ulong cr3 = first.Space.Cr3;
        HvProcess? firstHv = hv.Processes.Find(cr3);
        Assert.NotNull(firstHv);
        run.RunToEnd(first);
        Assert.Equal([0L, 0L], run.LastWords(2));
        Assert.Same(firstHv, run.Snapshots[0].CurrentHvProcess);
        Assert.NotNull(run.Snapshots[0].CurrentRegistration); // registered while it ran

        // Its address space is gone: the hypervisor forgot the CR3 and its registration.
        Assert.Null(hv.Processes.Find(cr3));
        Assert.Null(hv.Processes.Current);

        int stdoutBefore = run.StdoutBytes.Length;
        HvSim.GuestOs.Kernel.Process second = run.Start(Guest(
            new UserCall(UserHypercall.CycleBegin),
            new UserCall(UserHypercall.CycleEnd),
            new UserCall(UserHypercall.Version)));
        Assert.True(second.Space.Cr3 == cr3,
            $"the frame allocator hands out the lowest freed frame first, so the new root reuses the old one (0x{cr3:x}), got 0x{second.Space.Cr3:x}");
        HvProcess? secondHv = hv.Processes.Find(cr3);
        Assert.NotNull(secondHv);
        Assert.NotSame(firstHv, secondHv);
        Assert.NotEqual(firstHv.Id, secondHv.Id);
        Assert.Null(secondHv.Registration);

        run.RunToEnd(second);
        Assert.True(second.ExitStatus == 0, $"status {second.ExitStatus} ({second.FatalReport})");
        Assert.True(run.StdoutBytes.Length > stdoutBefore, "the second process wrote its results");
        Assert.Equal([-EPERM, -EPERM, XenHypervisor.Version], run.LastWords(3));
    }

    /// <summary>
    /// A guest that installs a SIGSEGV handler and runs int 0x84. The handler writes si_code, the
    /// sigcontext's err, trapno and rip, and the address of the int instruction, then exits 0.
    /// </summary>
    private static byte[] Int84WithHandler() => TinyElf.Build(PtGuest.Assemble(a =>
    {
        Label handler = a.CreateLabel("handler");
        Label restorer = a.CreateLabel("restorer");
        Label interrupt = a.CreateLabel("interrupt");
        PtGuest.InstallSigsegvHandler(a, handler, restorer);
        a.Label(ref interrupt);
        a.@int((byte)XenHypervisor.UserVector);
        a.mov(edi, 3); // not reached: the handler exits
        a.mov(eax, PtGuest.SysExitGroup);
        a.syscall();

        // handler(sig, info, uc): results on the stack, written out.
        a.Label(ref handler);
        a.sub(rsp, 40);
        a.movsxd(rax, __dword_ptr[rsi + 8]);          // si_code
        a.mov(__qword_ptr[rsp], rax);
        a.mov(rax, __qword_ptr[rdx + 40 + (19 * 8)]); // uc_mcontext.err
        a.mov(__qword_ptr[rsp + 8], rax);
        a.mov(rax, __qword_ptr[rdx + 40 + (20 * 8)]); // uc_mcontext.trapno
        a.mov(__qword_ptr[rsp + 16], rax);
        a.mov(rax, __qword_ptr[rdx + 40 + (16 * 8)]); // uc_mcontext.rip
        a.mov(__qword_ptr[rsp + 24], rax);
        a.lea(rax, __[interrupt]);
        a.mov(__qword_ptr[rsp + 32], rax);
        a.mov(eax, 1);
        a.mov(edi, 1);
        a.mov(rsi, rsp);
        a.mov(edx, 40);
        a.syscall();
        a.xor(edi, edi);
        a.mov(eax, PtGuest.SysExitGroup);
        a.syscall();
        PtGuest.EmitRestorer(a, restorer);
    }));

    [Fact]
    public void Natively_int_0x84_is_a_general_protection_fault_and_kills_with_SIGSEGV()
    {
        var run = new PlatformRun(PlatformRun.Options("native"));
        byte[] code = PtGuest.Assemble(a =>
        {
            a.mov(eax, (int)UserHypercall.Version);
            a.@int((byte)XenHypervisor.UserVector);
            a.mov(edi, 3);
            a.mov(eax, PtGuest.SysExitGroup);
            a.syscall();
        });
        HvSim.GuestOs.Kernel.Process process = run.Run(TinyElf.Build(code));
        Assert.Equal(128 + 11, process.ExitStatus);
        Assert.Contains("SIGSEGV (SI_KERNEL)", process.FatalReport);
        Assert.Contains($"rip 0x{TinyElf.Entry + 5:x}", process.FatalReport); // the int instruction, after the 5-byte mov
        Assert.Equal(0, run.Ledger.Count(EventKind.UserHypercall));
    }

    [Fact]
    public void Natively_the_SIGSEGV_of_int_0x84_carries_what_Linux_puts_in_the_frame()
    {
        // Linux: int n through a gate of DPL 0 is #GP with error code n*8+2 (IDT, external=0);
        // the SIGSEGV has si_code SI_KERNEL, trapno 13, and rip at the int instruction.
        byte[] elf = Int84WithHandler();
        var run = new PlatformRun(PlatformRun.Options("native"));
        HvSim.GuestOs.Kernel.Process process = run.Run(elf);
        Assert.True(process.ExitStatus == 0, $"status {process.ExitStatus} ({process.FatalReport})");
        long[] simulated = run.LastWords(5);
        Assert.Equal([0x80, (0x84 * 8) + 2, 13, simulated[4], simulated[4]], simulated);

        if (GuestRun.HostCanRunGuests && OperatingSystem.IsLinux())
        {
            string path = Path.Combine(Path.GetTempPath(), $"hvsim-int84-{Environment.ProcessId}");
            File.WriteAllBytes(path, elf);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                GuestRun host = GuestRun.Native(path, [], ["LANG=C"]);
                Assert.Equal(0, host.ExitStatus);
                long[] hostResults = Enumerable.Range(0, 5).Select(i => BinaryPrimitives.ReadInt64LittleEndian(host.Stdout.AsSpan(8 * i))).ToArray();
                Assert.Equal(hostResults, simulated);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
