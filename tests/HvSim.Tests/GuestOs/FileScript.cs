using System.Buffers.Binary;
using System.Text;
using HvSim.GuestOs.Files;
using HvSim.GuestOs.Kernel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// An assembled guest that makes a list of system calls and reports every result: the calls'
/// arguments are immediates, NUL-terminated strings placed after the code, an address in a 32 KiB
/// scratch buffer, or an earlier call's result (an fd). At the end the guest writes the results
/// (8 bytes each) and then the first <see cref="ShownBytes"/> of the buffer to stdout.
/// </summary>
internal sealed class FileScript
{
    public const int ShownBytes = 4096;
    private const int ResultsBytes = 16 * 1024;
    private const int BufferBytes = 32 * 1024;

    private readonly List<(int Number, Arg[] Args)> _calls = [];

    public abstract record Arg;

    public sealed record Imm(long Value) : Arg;

    public sealed record Str(byte[] Bytes) : Arg
    {
        public Str(string text) : this(Encoding.UTF8.GetBytes(text))
        {
        }
    }

    /// <summary>The scratch buffer plus an offset.</summary>
    public sealed record Buf(int Offset = 0) : Arg;

    /// <summary>The result of call number <paramref name="Index"/> (0-based).</summary>
    public sealed record Result(int Index) : Arg;

    /// <summary>Adds a call; returns its index for <see cref="Result"/>.</summary>
    public int Call(int number, params Arg[] args)
    {
        _calls.Add((number, args));
        return _calls.Count - 1;
    }

    public int Call(int number, params object[] args) =>
        Call(number, args.Select(a => a switch
        {
            Arg arg => arg,
            string s => new Str(s),
            int i => new Imm(i),
            long l => new Imm(l),
            _ => throw new ArgumentException($"argument {a}"),
        }).ToArray());

    public byte[] Build() => OsCallGuest.Program(Emit);

    private void Emit(Assembler a)
    {
        AssemblerRegister64[] registers = [rdi, rsi, rdx, r10, r8, r9];
        var strings = new List<(Label Label, byte[] Bytes)>();
        a.sub(rsp, ResultsBytes + BufferBytes + 64);
        a.mov(r12, rsp);
        for (int c = 0; c < _calls.Count; c++)
        {
            (int number, Arg[] args) = _calls[c];
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case Imm imm:
                        a.mov(registers[i], imm.Value);
                        break;
                    case Str str:
                        Label label = a.CreateLabel();
                        strings.Add((label, str.Bytes));
                        a.lea(registers[i], __[label]);
                        break;
                    case Buf buf:
                        a.lea(registers[i], __[r12 + ResultsBytes + buf.Offset]);
                        break;
                    case Result result:
                        a.mov(registers[i], __[r12 + (result.Index * 8)]);
                        break;
                }
            }
            a.mov(eax, number);
            a.syscall();
            a.mov(__[r12 + (c * 8)], rax);
        }
        a.mov(rsi, r12);
        a.mov(edi, 1);
        a.mov(edx, _calls.Count * 8);
        a.mov(eax, 1);
        a.syscall();
        a.lea(rsi, __[r12 + ResultsBytes]);
        a.mov(edi, 1);
        a.mov(edx, ShownBytes);
        a.mov(eax, 1);
        a.syscall();
        OsCallGuest.Exit(a, 0);
        foreach ((Label placed, byte[] bytes) in strings)
        {
            Label label = placed; // a copy carries the same label id
            a.Label(ref label);
            a.db(bytes);
            a.db(0);
        }
    }

    /// <summary>Runs the script with <paramref name="mounts"/>: each call's result, and the buffer's start.</summary>
    public (long[] Results, byte[] Buffer) Run(params MountPoint[] mounts)
    {
        var stdout = new MemoryStream();
        var kernel = new GuestKernel(new KernelOptions { MaxInstructions = 10_000_000, Mounts = mounts },
            new MemoryStream(), stdout, new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(Build(), "script", ["script"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.True(process.ExitStatus == 0, process.FatalReport);
        byte[] output = stdout.ToArray();
        int resultBytes = _calls.Count * 8;
        Assert.Equal(resultBytes + ShownBytes, output.Length);
        long[] results = new long[_calls.Count];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = BinaryPrimitives.ReadInt64LittleEndian(output.AsSpan(i * 8));
        }
        return (results, output[resultBytes..]);
    }
}
