using System.Runtime.InteropServices;
using Iced.Intel;
using static HvSim.HostOracle.ContextLayout;

namespace HvSim.HostOracle;

/// <summary>
/// Runs short x86-64 code sequences on the host CPU with a chosen register, flag, XMM and
/// scratch-memory state, and captures the resulting state. Linux x86-64 only.
/// </summary>
/// <remarks>
/// <para>
/// The code runs in-process, in user mode, on the host stack. Anything that traps natively kills
/// the whole process, so callers must filter: #DE from div/idiv (see <see cref="DivisionFilter"/>),
/// misaligned movdqa/movaps and other aligned SSE memory operands (#GP), memory operands outside the
/// scratch block (#PF), privileged or invalid instructions (hlt, ud2, int, in/out, ...), and
/// anything that sets TF. Sequences must not use the stack (push/pop/call/ret/enter/leave),
/// must not branch outside themselves, and must not use RIP-relative operands (the code's
/// address is not under the caller's control) or 32-bit address size (the scratch block lives
/// above 4 GiB).
/// </para>
/// <para>
/// Signals can arrive while guest code runs (the runtime uses one to suspend threads for GC), and
/// the kernel runs the handler on the current stack with the current RFLAGS.AC. So guest code must
/// keep rsp pointing into the stack and must not set AC, even briefly; the epilogue's cleanup only
/// protects the code that runs after it.
/// </para>
/// <para>
/// RSP is not part of the loaded state: the guest starts with the host's rsp and the output
/// reports RSP equal to the input. RFLAGS: only <see cref="Rflags.Settable"/> is loaded and
/// reported. MXCSR starts at 0x1F80 for every run and the host's is restored afterwards.
/// </para>
/// <para>
/// Scratch memory: when <c>memBaseRegister</c> is given, <see cref="MachineSnapshot.Memory"/> is
/// copied to a native block (4096-byte aligned, so alignment of [base+disp] depends only on disp when
/// the guest address is page aligned too) and that register is loaded with the block's host address
/// instead of its input value. On output the block is copied back and the register is rebased:
/// <c>out = hostOut - hostAddress + input</c>. The register's input value is thus the block's
/// guest address, and the interpreter should map the block there. Generators should not write the
/// base register except by adding or subtracting (other writes would expose the host address, and
/// even add/sub compute flags from the host address).
/// </para>
/// <para>Thread-safe (runs are serialized), but one executor per thread is faster.</para>
/// </remarks>
public sealed unsafe class NativeExecutor : IDisposable
{
    private const int JmpRel32Length = 5;

    private readonly ExecutableMapping _mapping;
    private readonly byte* _base;
    private readonly byte* _context;
    private readonly byte* _scratch;
    private readonly int _codeOffset;
    private readonly Lock _gate = new();
    private bool _disposed;

    public NativeExecutor()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("NativeExecutor needs Linux on x86-64.");
        }

        _mapping = new ExecutableMapping(MappingLength, ExecutableLength);
        _base = (byte*)_mapping.Address;
        _context = _base + ContextOffset;
        _scratch = _base + ScratchOffset;
        *(uint*)(_context + GuestMxcsr) = GuestMxcsrValue;

        var epilogue = StubAssembler.BuildEpilogue((ulong)(_base + EpilogueOffset), (ulong)_context);
        var prologue = StubAssembler.BuildPrologue((ulong)(_base + PrologueOffset), (ulong)_context);
        if (epilogue.Length > PrologueOffset - EpilogueOffset)
        {
            throw new InvalidOperationException("Epilogue overflows its slot.");
        }

        epilogue.CopyTo(new Span<byte>(_base + EpilogueOffset, epilogue.Length));
        prologue.CopyTo(new Span<byte>(_base + PrologueOffset, prologue.Length));
        _codeOffset = PrologueOffset + prologue.Length;
        MaxCodeLength = ExecutableLength - _codeOffset - JmpRel32Length;
    }

    /// <summary>True when this process can use the executor (Linux, x86-64).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Largest scratch block (<see cref="MachineSnapshot.Memory"/> length) supported.</summary>
    public static int MaxMemorySize => MaxScratchSize;

    /// <summary>Largest code sequence, in bytes, that fits between prologue and epilogue.</summary>
    public int MaxCodeLength { get; }

    /// <summary>Runs <paramref name="code"/> natively from <paramref name="input"/> and returns the resulting state.</summary>
    /// <param name="code">Complete, position-independent instructions (see the class remarks for what is allowed).</param>
    /// <param name="input">Initial state; not modified.</param>
    /// <param name="memBaseRegister">64-bit GPR (not RSP) that receives the scratch block address, or <see cref="Register.None"/>.</param>
    public MachineSnapshot Run(ReadOnlySpan<byte> code, MachineSnapshot input, Register memBaseRegister = Register.None)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = new MachineSnapshot(input.Memory.Length);
        Run(code, input, output, memBaseRegister);
        return output;
    }

    /// <summary>As <see cref="Run(ReadOnlySpan{byte}, MachineSnapshot, Register)"/>, writing into an existing snapshot
    /// (whose memory size must match the input's) to avoid allocation in hot loops.</summary>
    public void Run(ReadOnlySpan<byte> code, MachineSnapshot input, MachineSnapshot output, Register memBaseRegister = Register.None)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (code.Length > MaxCodeLength)
        {
            throw new ArgumentException($"Code is {code.Length} bytes; at most {MaxCodeLength} fit.", nameof(code));
        }

        if (input.Memory.Length > MaxScratchSize)
        {
            throw new ArgumentException($"Scratch memory is limited to {MaxScratchSize} bytes.", nameof(input));
        }

        if (output.Memory.Length != input.Memory.Length)
        {
            throw new ArgumentException("Output memory size must match the input's.", nameof(output));
        }

        var baseIndex = BaseRegisterIndex(memBaseRegister);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WriteCode(code);
            var scratchAddress = (ulong)_scratch;
            WriteInput(input, baseIndex, scratchAddress);
            ((delegate* unmanaged<void>)(_base + PrologueOffset))();
            ReadOutput(input, output, baseIndex, scratchAddress);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _mapping.Dispose();
            }
        }
    }

    private static int BaseRegisterIndex(Register memBaseRegister)
    {
        if (memBaseRegister == Register.None)
        {
            return -1;
        }

        if (memBaseRegister is < Register.RAX or > Register.R15 || memBaseRegister == Register.RSP)
        {
            throw new ArgumentException(
                $"{memBaseRegister} cannot hold the scratch address; use a 64-bit GPR other than RSP.",
                nameof(memBaseRegister));
        }

        return memBaseRegister - Register.RAX;
    }

    // User code goes right after the prologue and ends with jmp rel32 back to the epilogue.
    // x86 keeps instruction fetch coherent with these stores, so no cache flush is needed.
    private void WriteCode(ReadOnlySpan<byte> code)
    {
        var destination = _base + _codeOffset;
        code.CopyTo(new Span<byte>(destination, code.Length));
        var jmp = destination + code.Length;
        var next = jmp + JmpRel32Length;
        jmp[0] = 0xE9;
        *(int*)(jmp + 1) = checked((int)((_base + EpilogueOffset) - next));
    }

    private void WriteInput(MachineSnapshot input, int baseIndex, ulong scratchAddress)
    {
        var gprs = (ulong*)(_context + InGpr);
        for (var i = 0; i < Gpr.Count; i++)
        {
            gprs[i] = input.Gpr[i];
        }

        if (baseIndex >= 0)
        {
            gprs[baseIndex] = scratchAddress;
        }

        *(ulong*)(_context + InRflags) = input.Rflags;
        var xmms = (ulong*)(_context + InXmm);
        for (var i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            xmms[2 * i] = input.Xmm[i].Lo;
            xmms[(2 * i) + 1] = input.Xmm[i].Hi;
        }

        var ymmHighs = (ulong*)(_context + InYmmHigh);
        for (var i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            ymmHighs[2 * i] = input.YmmHigh[i].Lo;
            ymmHighs[(2 * i) + 1] = input.YmmHigh[i].Hi;
        }

        input.Memory.CopyTo(new Span<byte>(_scratch, input.Memory.Length));
    }

    private void ReadOutput(MachineSnapshot input, MachineSnapshot output, int baseIndex, ulong scratchAddress)
    {
        var gprs = (ulong*)(_context + OutGpr);
        for (var i = 0; i < Gpr.Count; i++)
        {
            output.Gpr[i] = gprs[i];
        }

        output.Gpr[Gpr.RspIndex] = input.Gpr[Gpr.RspIndex];
        if (baseIndex >= 0)
        {
            output.Gpr[baseIndex] = output.Gpr[baseIndex] - scratchAddress + input.Gpr[baseIndex];
        }

        output.Rflags = *(ulong*)(_context + OutRflags) & Rflags.Settable;
        var xmms = (ulong*)(_context + OutXmm);
        for (var i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            output.Xmm[i] = new Xmm128(xmms[2 * i], xmms[(2 * i) + 1]);
        }

        var ymmHighs = (ulong*)(_context + OutYmmHigh);
        for (var i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            output.YmmHigh[i] = new Xmm128(ymmHighs[2 * i], ymmHighs[(2 * i) + 1]);
        }

        new ReadOnlySpan<byte>(_scratch, output.Memory.Length).CopyTo(output.Memory);
    }
}
