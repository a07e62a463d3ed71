using HvSim.Core;
using HvSim.Cpu;
using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Syscalls;
using HvSim.Hypervisor;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The simulated guest kernel of one machine: it owns physical memory, the CPU and its MMU,
/// loads a program, and runs it — taking every CPU exit (system call, exception) the way Linux
/// would: system calls are dispatched, page faults are fixed or turned into SIGSEGV, and other
/// exceptions become their signals.
/// </summary>
public sealed partial class GuestKernel : IGuestKernelEntry
{
    private readonly KernelOptions _options;
    private readonly SyscallDispatcher _syscalls;

    public GuestKernel(KernelOptions options, Stream stdin, Stream stdout, Stream stderr)
    {
        _options = options;
        Machine = new Machine(options.PhysicalMemoryBytes, options.Tlb, options.Cpu);
        Ledger = Machine.Ledger;
        Memory = Machine.Memory;
        Frames = Machine.GuestFrames;
        ZeroPage = new ZeroPage(Frames);
        Mmu = Machine.Mmu;
        Cpu = Machine.Cpu;
        Cpu.Jit = options.Jit;
        Cpu.JitInBackground = options.JitInBackground;
        Platform = PlatformFactory.Create(Machine, options.Platform, options.Seed);
        Paging = Platform.Paging;
        UserMemory = new UserMemory(Mmu, Platform.TryFixKernelFault);
        Random = new DeterministicRandom(options.Seed);
        FileSystem = new HvSim.GuestOs.Files.GuestFileSystem(new HvSim.GuestOs.Files.MountTable(options.Mounts));
        _syscalls = new SyscallDispatcher(this, stdin, stdout, stderr);
    }

    /// <summary>The hardware the kernel runs on.</summary>
    public Machine Machine { get; }

    /// <summary>Native hardware or the hypervisor: who sees each exit first.</summary>
    public IPlatform Platform { get; }

    public EventLedger Ledger { get; }
    public PhysicalMemory Memory { get; }
    public FrameAllocator Frames { get; }

    /// <summary>The one zero page every process's never-written memory reads through.</summary>
    public ZeroPage ZeroPage { get; }
    public HvSim.Mmu.Mmu Mmu { get; }
    public HvSim.Cpu.Cpu Cpu { get; }
    public IPagingOps Paging { get; }
    public UserMemory UserMemory { get; }
    public DeterministicRandom Random { get; }

    /// <summary>The host directories under --mount: the only files a guest can reach.</summary>
    public HvSim.GuestOs.Files.GuestFileSystem FileSystem { get; }
    public KernelOptions Options => _options;

    /// <summary>Simulated wall-clock time: a fixed epoch plus the retired instructions.</summary>
    public ulong NowNanoseconds => 1_300_000_000UL * 1_000_000_000UL + ((ulong)Cpu.InstructionsRetired * _options.ClockNanosecondsPerInstruction);

    /// <summary>
    /// Called when the guest runs the marker instruction (xchg bx, bx; a no-op on hardware).
    /// <c>hvsim trace</c> uses a pair of markers to bracket the write it traces.
    /// </summary>
    public Action? MarkerPassed { get; set; }

    /// <summary>
    /// Serves the checkpoint library's escape instruction (xchg cx, cx; docs/checkpoint-abi.md)
    /// for the process that ran it. Without a handler the escape is the no-op it is on hardware.
    /// </summary>
    public Action<Process>? EscapeCalled { get; set; }

    /// <summary>The process being run (null between runs).</summary>
    public Process? CurrentProcess => _current;

    /// <summary>Creates a process from an ELF file and makes it current (loads its CR3, sets registers).</summary>
    public Process CreateProcess(byte[] elf, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        ElfImage image = ElfImage.Parse(elf);
        var space = new AddressSpace(Memory, Frames, Paging, Ledger, RangeFlushRule.For(_options.Platform), ZeroPage, _options.MaxMapCount);
        var process = new Process(1000, space, path);
        Span<byte> random = stackalloc byte[16];
        Random.Fill(random);
        (ulong entry, ulong rsp) = ProcessLoader.Load(process, image, argv, envp, random);
        Paging.LoadCr3(space.Cr3);
        Cpu.Rip = entry;
        Cpu.R(Reg.Rsp) = rsp;
        return process;
    }

    /// <summary>The wall-clock limit of the run under way (null without one).</summary>
    internal WallClockLimit? WallClock { get; private set; }

    /// <summary>Runs the process until it ends or the instruction or wall-clock limit is reached.</summary>
    public RunOutcome Run(Process process)
    {
        _current = process;
        WallClockLimit? clock = WallClock = WallClockLimit.Start(_options.MaxWallTime);
        while (process.ExitStatus is null)
        {
            long remaining = _options.MaxInstructions - Cpu.InstructionsRetired;
            if (remaining <= 0)
            {
                return RunOutcome.InstructionLimit;
            }
            if (clock is not null)
            {
                if (clock.Passed)
                {
                    return RunOutcome.TimeLimit;
                }
                remaining = Math.Min(remaining, WallClockLimit.InstructionsBetweenReads);
            }
            long before = Cpu.InstructionsRetired;
            ulong startRip = Cpu.Rip;
            ExitReason exit = Cpu.Run(remaining);
            long retired = Cpu.InstructionsRetired - before;
            Ledger.Add(EventKind.Instruction, Layer.User, retired, !Ledger.IsTracing || retired == 0 ? null
                : new TraceData(retired == 1 ? "{count} instruction from {rip} ({instruction}) to {next_rip}" : "{count} instructions from {rip} ({instruction}) to {next_rip}")
                {
                    Count = retired,
                    Rip = startRip,
                    Instruction = DisassembleAt(startRip),
                    NextRip = Cpu.Rip,
                });
            if (exit == ExitReason.Budget)
            {
                if (clock is null)
                {
                    return RunOutcome.InstructionLimit;
                }
                continue; // a slice ended: the loop looks at both limits
            }
            if (exit == ExitReason.Marker)
            {
                MarkerPassed?.Invoke();
                continue;
            }
            if (exit == ExitReason.Escape)
            {
                EscapeCalled?.Invoke(process);
                continue;
            }
            if (exit == ExitReason.Exception && Cpu.ExitVector == Vector.PageFault)
            {
                // The hardware raised it while user code ran; who handles it is the platform's business.
                // The ledger charges it to user code (the cost model prices it there); the trace
                // draws it in the CPU's lane, with the leaf entry the CPU's walk met (on xen-shadow
                // the shadow entry: the tables the MMU walks).
                Ledger.Add(EventKind.PageFault, Layer.User, !Ledger.IsTracing ? null : HardwareFault());
            }
            Platform.Deliver(exit, this);
        }
        return RunOutcome.Exited;
    }

    void IGuestKernelEntry.OnSyscall()
    {
        Process process = _current!;
        bool sigreturn = (SyscallNumber)Cpu.R(Reg.Rax) == SyscallNumber.RtSigreturn;
        Ledger.Add(EventKind.SyscallEntry, Layer.Kernel, !Ledger.IsTracing ? null : _syscalls.TraceStep());
        _syscalls.Dispatch(process);
        if (process.ExitStatus is null)
        {
            // rt_sigreturn has no result of its own: RAX is the interrupted code's, restored.
            Ledger.Add(EventKind.SyscallExit, Layer.Kernel, !Ledger.IsTracing ? null
                : sigreturn ? new TraceData("back to the interrupted code (no return value)") : new TraceData("returns {result}") { Result = (long)Cpu.R(Reg.Rax) });
            // Signals the call sent, or unblocked, are delivered before user code runs again.
            int handlers = process.Pending.Mask == 0 ? 0 : DeliverPendingSignals(process);
            if (process.ExitStatus is null)
            {
                Platform.ReturnToUser(handlers > 0 ? TraceResume.IntoSignalHandler
                    : sigreturn ? TraceResume.ToInterruptedCode : TraceResume.AfterSyscall);
            }
        }
    }

    void IGuestKernelEntry.OnException()
    {
        Process process = _current!;
        long deliveries = Ledger.Count(EventKind.SignalDelivery);
        HandleException(process);
        if (process.ExitStatus is null)
        {
            Platform.ReturnToUser(Ledger.Count(EventKind.SignalDelivery) > deliveries
                ? TraceResume.IntoSignalHandler
                : TraceResume.RetryFault);
        }
    }

    void IGuestKernelEntry.OnSoftwareInterrupt()
    {
        Process process = _current!;
        // int n through a DPL-0 gate: #GP with error code n*8+2 (an IDT vector), which Linux turns
        // into SIGSEGV with that error code and trap number 13 in the frame, RIP at the int.
        Cpu.Rip -= 2;
        RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0, ((ulong)Cpu.ExitInterrupt * 8) + 2, (ulong)Vector.GeneralProtection);
        if (process.ExitStatus is null)
        {
            Platform.ReturnToUser(TraceResume.IntoSignalHandler);
        }
    }

    /// <summary>
    /// Called when a process ends (exit_group or a fatal signal), before its address space is torn
    /// down. <c>hvsim trace</c> ends its trace here when the traced write kills the process.
    /// </summary>
    public Action<Process>? ProcessExiting { get; set; }

    /// <summary>Ends the process with a status as a shell reports it.</summary>
    public void Exit(Process process, int status)
    {
        ProcessExiting?.Invoke(process);
        process.ExitStatus = status & 0xFF;
        process.Space.Destroy();
        process.Files.CloseAll(); // host handles are not left for the finaliser
    }

    private Process? _current;

    private void HandleException(Process process)
    {
        switch (Cpu.ExitVector)
        {
            case Vector.PageFault:
            {
                MemoryFault fault = Cpu.ExitFault;
                AccessKind access = (fault.ErrorCode & PageFaultErrorCode.InstructionFetch) != 0 ? AccessKind.Execute
                    : (fault.ErrorCode & PageFaultErrorCode.Write) != 0 ? AccessKind.Write
                    : AccessKind.Read;
                FaultOutcome outcome = process.Space.HandleFault(fault.Address, access, out FaultFix fix);
                Ledger.Add(EventKind.FaultHandled, Layer.Kernel, !Ledger.IsTracing ? null : FaultHandlerStep(process, fault.Address, access, outcome, fix));
                switch (outcome)
                {
                    case FaultOutcome.Fixed:
                        return; // retry the instruction
                    case FaultOutcome.MapError:
                        RaiseSignal(process, Signal.SIGSEGV, SigCodes.SEGV_MAPERR, fault.Address, (ulong)fault.ErrorCode, (ulong)Vector.PageFault);
                        return;
                    case FaultOutcome.AccessError:
                        RaiseSignal(process, Signal.SIGSEGV, SigCodes.SEGV_ACCERR, fault.Address, (ulong)fault.ErrorCode, (ulong)Vector.PageFault);
                        return;
                    default:
                        RaiseSignal(process, Signal.SIGBUS, SigCodes.BUS_ADRERR, fault.Address, (ulong)fault.ErrorCode, (ulong)Vector.PageFault);
                        return;
                }
            }
            case Vector.GeneralProtection:
                RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0, 0, (ulong)Vector.GeneralProtection);
                return;
            case Vector.InvalidOpcode:
                RaiseSignal(process, Signal.SIGILL, SigCodes.ILL_ILLOPN, Cpu.Rip, 0, (ulong)Vector.InvalidOpcode);
                return;
            case Vector.DivideError:
                RaiseSignal(process, Signal.SIGFPE, SigCodes.FPE_INTDIV, Cpu.Rip, 0, (ulong)Vector.DivideError);
                return;
            case Vector.X87FloatingPoint:
            case Vector.SimdFloatingPoint:
            {
                // Linux's exc_coprocessor_error / exc_simd_coprocessor_error: si_addr is the
                // instruction that trapped, si_code from the raised, unmasked flags. Linux sends
                // nothing when that code is 0 and returns to the same instruction; the CPU raises
                // these vectors only with an unmasked flag raised, so 0 means an inconsistent
                // state, and the signal (with code 0) ends it rather than retrying forever.
                int code = Cpu.ExitVector == Vector.X87FloatingPoint
                    ? FloatingPointSignalCode.ForX87(Cpu.Fsw, Cpu.Fcw)
                    : FloatingPointSignalCode.ForSimd(Cpu.Mxcsr);
                RaiseSignal(process, Signal.SIGFPE, code, Cpu.Rip, 0, (ulong)Cpu.ExitVector);
                return;
            }
            case Vector.Breakpoint:
                RaiseSignal(process, Signal.SIGTRAP, SigCodes.SI_KERNEL, 0, 0, (ulong)Vector.Breakpoint);
                return;
            default:
                RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0);
                return;
        }
    }
}
