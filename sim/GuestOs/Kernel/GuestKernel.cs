using HvSim.Core;
using HvSim.Cpu;
using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Syscalls;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The simulated guest kernel of one machine: it owns physical memory, the CPU and its MMU,
/// loads a program, and runs it — taking every CPU exit (system call, exception) the way Linux
/// would: system calls are dispatched, page faults are fixed or turned into SIGSEGV, and other
/// exceptions become their signals.
/// </summary>
public sealed partial class GuestKernel
{
    private readonly KernelOptions _options;
    private readonly SyscallDispatcher _syscalls;

    public GuestKernel(KernelOptions options, Stream stdin, Stream stdout, Stream stderr)
    {
        _options = options;
        Ledger = new EventLedger();
        Memory = new PhysicalMemory(options.PhysicalMemoryBytes);
        Frames = new FrameAllocator(Memory);
        Mmu = new HvSim.Mmu.Mmu(Memory, options.Tlb, Ledger);
        Cpu = new HvSim.Cpu.Cpu(Mmu);
        Paging = new NativePaging(Mmu, Ledger);
        UserMemory = new UserMemory(Mmu);
        Random = new DeterministicRandom(options.Seed);
        _syscalls = new SyscallDispatcher(this, stdin, stdout, stderr);
    }

    public EventLedger Ledger { get; }
    public PhysicalMemory Memory { get; }
    public FrameAllocator Frames { get; }
    public HvSim.Mmu.Mmu Mmu { get; }
    public HvSim.Cpu.Cpu Cpu { get; }
    public IPagingOps Paging { get; }
    public UserMemory UserMemory { get; }
    public DeterministicRandom Random { get; }
    public KernelOptions Options => _options;

    /// <summary>Simulated wall-clock time: a fixed epoch plus the retired instructions.</summary>
    public ulong NowNanoseconds => 1_300_000_000UL * 1_000_000_000UL + ((ulong)Cpu.InstructionsRetired * _options.ClockNanosecondsPerInstruction);

    /// <summary>Creates a process from an ELF file and makes it current (loads its CR3, sets registers).</summary>
    public Process CreateProcess(byte[] elf, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        ElfImage image = ElfImage.Parse(elf);
        var space = new AddressSpace(Memory, Frames, Paging, Ledger);
        var process = new Process(1000, space, path);
        Span<byte> random = stackalloc byte[16];
        Random.Fill(random);
        (ulong entry, ulong rsp) = ProcessLoader.Load(process, image, argv, envp, random);
        Paging.LoadCr3(space.Cr3);
        Cpu.Rip = entry;
        Cpu.R(Reg.Rsp) = rsp;
        return process;
    }

    /// <summary>Runs the process until it ends or the instruction limit is reached.</summary>
    public RunOutcome Run(Process process)
    {
        while (process.ExitStatus is null)
        {
            long remaining = _options.MaxInstructions - Cpu.InstructionsRetired;
            if (remaining <= 0)
            {
                return RunOutcome.InstructionLimit;
            }
            long before = Cpu.InstructionsRetired;
            ExitReason exit = Cpu.Run(remaining);
            Ledger.Add(EventKind.Instruction, Layer.User, Cpu.InstructionsRetired - before);
            switch (exit)
            {
                case ExitReason.Budget:
                    return RunOutcome.InstructionLimit;
                case ExitReason.Syscall:
                    Ledger.Add(EventKind.SyscallEntry, Layer.Kernel);
                    _syscalls.Dispatch(process);
                    Ledger.Add(EventKind.SyscallExit, Layer.Kernel);
                    break;
                case ExitReason.SoftwareInterrupt:
                    // int n through a DPL-0 gate: #GP(n*8+2), which Linux turns into SIGSEGV.
                    Cpu.Rip -= 2;
                    RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0);
                    break;
                case ExitReason.Exception:
                    HandleException(process);
                    break;
                case ExitReason.Halt:
                    RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0);
                    break;
            }
        }
        return RunOutcome.Exited;
    }

    /// <summary>Ends the process with a status as a shell reports it.</summary>
    public void Exit(Process process, int status)
    {
        process.ExitStatus = status & 0xFF;
        process.Space.Destroy();
    }

    private void HandleException(Process process)
    {
        switch (Cpu.ExitVector)
        {
            case Vector.PageFault:
            {
                MemoryFault fault = Cpu.ExitFault;
                Ledger.Add(EventKind.PageFault, Layer.Kernel);
                AccessKind access = fault.ErrorCode.HasFlag(PageFaultErrorCode.InstructionFetch) ? AccessKind.Execute
                    : fault.ErrorCode.HasFlag(PageFaultErrorCode.Write) ? AccessKind.Write
                    : AccessKind.Read;
                FaultOutcome outcome = process.Space.HandleFault(fault.Address, access);
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
            case Vector.Breakpoint:
                RaiseSignal(process, Signal.SIGTRAP, SigCodes.SI_KERNEL, 0, 0, (ulong)Vector.Breakpoint);
                return;
            default:
                RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0);
                return;
        }
    }
}
