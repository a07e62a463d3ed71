using HvSim.Tests.FaultPath;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// The pieces of a guest that survives its own faults, for the fuzzers that run hostile code
/// (forged sigreturn frames, random instructions): a page of runner variables and a safe stack
/// at fixed addresses, a junk region for hostile stack pointers to land in, and one handler for
/// every signal a fault raises (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV), installed with
/// SA_NODEFER so that a handler left by a jump (not by rt_sigreturn) blocks nothing. The handler
/// jumps back to the runner's next case with the safe stack, as a longjmp would.
/// </summary>
internal static class RecoveringGuest
{
    /// <summary>The runner's variables (one page, read-write), below the safe stack.</summary>
    public const ulong State = 0x1000_0000;

    /// <summary>Top of the safe stack the runner resets RSP to before every case (124 KiB below it are mapped).</summary>
    public const ulong SafeStackTop = 0x1002_0000;

    /// <summary>
    /// A read-write region where hostile stack pointers usually point, so that a fault after them
    /// can still push its signal frame. Over 1 GiB above the runner's variables (a disp32 from a
    /// pointer into it cannot reach them) and below 4 GiB (a pointer truncated to 32 bits still
    /// points into it).
    /// </summary>
    public const ulong Junk = 0x6000_0000;

    public const ulong JunkBytes = 256 << 10;

    // The runner's variables (absolute addresses: below 2 GiB, so a disp32 reaches them).
    public const ulong CaseIndex = State + 8;       // cases started so far
    public const ulong CasePointer = State + 16;    // the next case's record
    public const ulong Recoveries = State + 24;     // handler entries that went on to the next case
    public const ulong Phase = State + 32;          // fuzzer-specific (1: the next handler entry is not a recovery)
    public const ulong CurrentCase = State + 40;    // the running case's record
    public const ulong ZeroMask = State + 48;       // an empty signal set, for rt_sigprocmask
    public const ulong Landings = State + 56;       // cases that reached their landing without a fault

    private const int SysMmap = 9, SysRtSigprocmask = 14, SigSetMask = 2;
    private const ulong SaNodefer = 0x4000_0000;

    /// <summary>The signals a fault can raise; the handler takes all of them.</summary>
    public static readonly int[] HandledSignals = [4, 5, 7, 8, 11];

    /// <summary><see cref="HandledSignals"/> as a signal mask.</summary>
    public static ulong HandledMask => HandledSignals.Aggregate(0UL, (mask, signal) => mask | (1UL << (signal - 1)));

    /// <summary>Maps the variables, the safe stack and the junk region, and installs <paramref name="handler"/> for every handled signal.</summary>
    public static void EmitSetup(Assembler a, Label handler, Label restorer)
    {
        MapFixed(a, State, SafeStackTop - State);
        MapFixed(a, Junk, JunkBytes);
        foreach (int signal in HandledSignals)
        {
            PtGuest.Sigaction(a, signal, handler, restorer, PtGuest.SaSiginfo | SaNodefer);
        }
    }

    /// <summary>rt_sigprocmask(SIG_SETMASK, {}, NULL, 8): a case starts with nothing blocked, whatever the last one restored.</summary>
    public static void EmitUnblockAll(Assembler a)
    {
        a.mov(eax, SysRtSigprocmask);
        a.mov(edi, SigSetMask);
        a.mov(esi, (uint)ZeroMask);
        a.xor(edx, edx);
        a.mov(r10d, 8);
        a.syscall();
    }

    /// <summary>mmap(address, length, RW, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0).</summary>
    public static void MapFixed(Assembler a, ulong address, ulong length, int protection = PtGuest.ProtRead | PtGuest.ProtWrite)
    {
        a.mov(eax, SysMmap);
        a.mov(rdi, address);
        a.mov(rsi, length);
        a.mov(edx, protection);
        a.mov(r10d, PtGuest.MapPrivateAnonymous | 0x10);
        a.mov(r8, -1L);
        a.xor(r9d, r9d);
        a.syscall();
    }

    /// <summary>
    /// Ends a runner's code the way every fuzzer's does — <paramref name="done"/>: exit_group(0),
    /// then the data label — and assembles it (<see cref="Assemble"/>).
    /// </summary>
    public static AssembledRunner Finish(Assembler a, Label done, Label data)
    {
        a.Label(ref done);
        a.xor(edi, edi);
        a.mov(eax, PtGuest.SysExitGroup);
        a.syscall();
        a.Label(ref data);
        a.db(0);
        return Assemble(a, data);
    }

    /// <summary>
    /// Assembles <paramref name="a"/> at TinyElf's entry, where the code ends with
    /// <c>Label(ref data); db(0)</c>: the code up to <paramref name="data"/>, and where each label
    /// landed. The fuzzers append their case table at that address, so the cases can name the code's
    /// addresses (a landing, a trap) without assembling the program twice.
    /// </summary>
    public static AssembledRunner Assemble(Assembler a, Label data)
    {
        var stream = new MemoryStream();
        AssemblerResult result = a.Assemble(new StreamCodeWriter(stream), GuestOsTests.TinyElf.Entry, BlockEncoderOptions.ReturnNewInstructionOffsets);
        ulong dataAddress = result.GetLabelRIP(data);
        byte[] code = stream.ToArray()[..(int)(dataAddress - GuestOsTests.TinyElf.Entry)];
        return new AssembledRunner(code, result, dataAddress);
    }
}

/// <summary>A runner's code (up to its data label), the assembler's result for label addresses, and where its data goes.</summary>
internal sealed record AssembledRunner(byte[] Code, AssemblerResult Result, ulong DataAddress)
{
    public ulong Address(Label label) => Result.GetLabelRIP(label);

    /// <summary>The ELF of the code followed by <paramref name="data"/> (at <see cref="DataAddress"/>).</summary>
    public byte[] Elf(byte[] data) => GuestOsTests.TinyElf.Build([.. Code, .. data]);
}
