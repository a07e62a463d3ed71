using System.Buffers.Binary;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;
using Xunit.Abstractions;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Issue 13's fuzzing that stays: seeded programs that make thousands of address-space and I/O
/// system calls with hostile arguments (addresses at 0, in the kernel half, non-canonical, on the
/// program's own code; lengths that wrap, span the address space or are unaligned; random flags
/// and protections), on every platform. Each case is one system call. Every run must end without
/// an internal error (an exception out of the kernel), within its instruction limit, and leave
/// the isolation invariants intact: the VMAs sorted, disjoint and in the user half above
/// mmap_min_addr, and no user-reachable page-table entry mapping a page-table frame.
/// </summary>
public sealed class SyscallFuzzTests(ITestOutputHelper output)
{
    /// <summary>Runs per platform and calls per run: 3 x 115 x 3,000 planned, about 1.02 million made (a run ends early when a call takes its image).</summary>
    private const int RunsPerPlatform = 115, CallsPerRun = 3000;

    private const int RecordBytes = 7 * 8;

    /// <summary>The runner's image: its code and its table of calls, from TinyElf.LoadAddress.</summary>
    private const ulong ImageBytes = (CallsPerRun * RecordBytes) + 0x1000;

    /// <summary>An address argument the runner replaces with the last mapping mmap or mremap returned.</summary>
    private const ulong Last = 0xDEAD_0000_0000_0001;

    private static readonly ulong[] s_addresses =
    [
        0, 0x1000, 0xFFFF, 0x1_0000, Last, Last, Last, Last, Last, 0x1000_0000, 0x7FFF_EFF0_0000, 0x7FFF_FFFF_F000, 0x7FFF_FFFF_E000,
        0x0000_8000_0000_0000, 0xFFFF_8000_0000_0000, ulong.MaxValue - 4095, 0x5000_0000_0000,
    ];

    private static readonly ulong[] s_lengths =
    [
        0, 1, 4095, 4096, 8192, 3 * 4096, 1UL << 20, 1UL << 30, 1UL << 40, 1UL << 46, 1UL << 47, ulong.MaxValue - 4095, ulong.MaxValue, 0x7FFF_FFFF_F000,
    ];

    private static readonly ulong[] s_copyLengths = [0, 1, 8, 4096, 4097, 1UL << 16];

    private enum Nr : ulong
    {
        Read = 0, Write = 1, Mmap = 9, Mprotect = 10, Munmap = 11, Brk = 12, Mremap = 25, Msync = 26, Mincore = 27, Madvise = 28,
    }

    /// <summary>
    /// A read or write count from the pool. Counts past MAX_RW_COUNT go to reads only (stdin holds
    /// 8 KiB, so they end at once): a write of 2 GiB of never-written memory is cut to MAX_RW_COUNT
    /// and reads the zero page 2 GiB long, a second of a run and, under xen-shadow, 0.7 GB of
    /// short-lived host objects to learn nothing new (ZeroPageTests has that case).
    /// </summary>
    private static ulong CopyLength(Random random, bool read) => read && random.Next(1000) == 0 ? ulong.MaxValue : s_copyLengths[random.Next(s_copyLengths.Length)];

    private static ulong Pick(Random random, ulong[] pool) => random.Next(8) == 0 ? (ulong)random.NextInt64() & ~0xFFFUL & 0x7FFF_FFFF_FFFF : pool[random.Next(pool.Length)];

    /// <summary>One system call with hostile arguments: number and six arguments.</summary>
    private static ulong[] RandomCall(Random random)
    {
        ulong address = Pick(random, s_addresses);
        ulong length = Pick(random, s_lengths);
        ulong protection = random.Next(10) == 0 ? (ulong)random.Next() : (ulong)random.Next(8);
        // The program's own code now and then: taking it away ends the run, as it should.
        if (random.Next(5000) == 0)
        {
            address = TinyElf.LoadAddress;
        }
        address = SparingTheImage(random, address, length);
        return (Nr)random.Next(10) switch
        {
            Nr.Read or Nr.Write when random.Next(2) == 0 => [(ulong)Nr.Read, 0, address, CopyLength(random, read: true), 0, 0, 0],
            Nr.Read or Nr.Write => [(ulong)Nr.Write, 1, address, CopyLength(random, read: false), 0, 0, 0],
            Nr.Mmap or (Nr)2 or (Nr)3 => [(ulong)Nr.Mmap, address, length, protection, MapFlags(random), random.Next(8) == 0 ? 3UL : ulong.MaxValue, 0],
            Nr.Mprotect or (Nr)4 => [(ulong)Nr.Mprotect, address, length, protection, 0, 0, 0],
            Nr.Munmap or (Nr)5 => [(ulong)Nr.Munmap, address, length, 0, 0, 0, 0],
            Nr.Brk or (Nr)6 => [(ulong)Nr.Brk, random.Next(3) == 0 ? 0 : address + length, 0, 0, 0, 0, 0],
            Nr.Mremap or (Nr)7 => MremapCall(random, address, length),
            _ => [(ulong)(random.Next(3) switch { 0 => Nr.Msync, 1 => Nr.Mincore, _ => Nr.Madvise }), address, length, (ulong)random.Next(16), 0, 0, 0],
        };
    }

    /// <summary>
    /// mremap with hostile sizes and flags. Its old range is spared from the image as well, with
    /// its own size: mremap moves private mappings, so an old range over the image moves the
    /// program away (issue 17).
    /// </summary>
    private static ulong[] MremapCall(Random random, ulong address, ulong length)
    {
        ulong oldSize = Pick(random, s_lengths);
        return [(ulong)Nr.Mremap, SparingTheImage(random, address, oldSize), oldSize, length, (ulong)random.Next(8), SparingTheImage(random, Pick(random, s_addresses), length), 0];
    }

    /// <summary>
    /// A range over the program's own code and table ends the run (as it should: nothing then runs
    /// the table), so most such ranges move to the last mapping; one in a thousand is kept.
    /// </summary>
    private static ulong SparingTheImage(Random random, ulong address, ulong length) =>
        address < TinyElf.LoadAddress + ImageBytes && (address + length > TinyElf.LoadAddress || address + length < address) && random.Next(1000) != 0
            ? Last
            : address;

    private static ulong MapFlags(Random random)
    {
        ulong flags = random.Next(4) switch { 0 => 0x01UL, 1 => 0x03, _ => 0x02 }; // shared, shared-validate, private
        if (random.Next(8) != 0) { flags |= 0x20; }        // MAP_ANONYMOUS
        if (random.Next(4) == 0) { flags |= 0x10; }        // MAP_FIXED
        if (random.Next(8) == 0) { flags |= 0x100000; }    // MAP_FIXED_NOREPLACE
        if (random.Next(2) == 0) { flags |= 0x4000; }      // MAP_NORESERVE
        if (random.Next(16) == 0) { flags |= 1UL << random.Next(32); }
        return flags;
    }

    /// <summary>A program that makes the calls of its table in order, keeping the last mapping mmap/mremap returned in r15, then exits 0.</summary>
    private static byte[] Runner(IReadOnlyList<ulong[]> calls)
    {
        var a = new Assembler(64);
        Label table = a.CreateLabel(), loop = a.CreateLabel(), keepAddress = a.CreateLabel(), call = a.CreateLabel(), next = a.CreateLabel(), remember = a.CreateLabel();
        a.lea(rbx, __[table]);
        a.mov(ebp, calls.Count);
        a.mov(r14, Last);
        a.mov(r15, 0x1000_0000UL);
        a.Label(ref loop);
        a.mov(rax, __qword_ptr[rbx]);
        a.mov(rdi, __qword_ptr[rbx + 8]);
        a.mov(rsi, __qword_ptr[rbx + 16]);
        a.mov(rdx, __qword_ptr[rbx + 24]);
        a.mov(r10, __qword_ptr[rbx + 32]);
        a.mov(r8, __qword_ptr[rbx + 40]);
        a.mov(r9, __qword_ptr[rbx + 48]);
        a.cmp(rdi, r14);
        a.jne(keepAddress);
        a.mov(rdi, r15);
        a.Label(ref keepAddress);
        a.cmp(rsi, r14); // read and write take the buffer second
        a.jne(call);
        a.mov(rsi, r15);
        a.Label(ref call);
        a.cmp(r8, r14);
        a.jne(remember);
        a.mov(r8, r15);
        a.Label(ref remember);
        a.syscall();
        a.cmp(__qword_ptr[rbx], (int)Nr.Mmap);
        Label keep = a.CreateLabel();
        a.je(keep);
        a.cmp(__qword_ptr[rbx], (int)Nr.Mremap);
        a.jne(next);
        a.Label(ref keep);
        a.cmp(rax, -4096);
        a.ja(next);
        // A mapping below the image's end (a hint of 0x10000 is honoured) is not remembered: a
        // later call on "the last mapping" with a large length would take the image with it.
        a.mov(rcx, TinyElf.LoadAddress + ImageBytes);
        a.cmp(rax, rcx);
        a.jb(next);
        a.mov(r15, rax);
        a.Label(ref next);
        a.add(rbx, RecordBytes);
        a.dec(ebp);
        a.jnz(loop);
        a.xor(edi, edi);
        a.mov(eax, 231);
        a.syscall();
        a.Label(ref table);
        var bytes = new byte[calls.Count * RecordBytes];
        for (int i = 0; i < calls.Count; i++)
        {
            for (int j = 0; j < 7; j++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((i * RecordBytes) + (j * 8)), calls[i][j]);
            }
        }
        a.db(bytes);
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), TinyElf.Entry);
        return TinyElf.Build(stream.ToArray());
    }

    [Theory]
    [MemberData(nameof(FuzzHarness.Platforms), MemberType = typeof(FuzzHarness))]
    public void Hostile_system_calls_never_break_the_kernel_or_its_isolation(string platformName)
    {
        int runs = FuzzHarness.Runs(RunsPerPlatform);
        long cases = 0;
        for (int run = 0; run < runs; run++)
        {
            int seed = (run * 7919) + platformName.Length;
            var random = new Random(seed);
            var calls = new ulong[CallsPerRun][];
            for (int i = 0; i < calls.Length; i++)
            {
                calls[i] = RandomCall(random);
            }
            byte[] elf = Runner(calls);
            GuestKernel kernel = FuzzHarness.NewKernel(platformName, CallsPerRun * 200L);
            FuzzHarness.Run(kernel, () => kernel.CreateProcess(elf, "fuzz", ["fuzz"], []), $"{platformName}, seed {seed}");
            cases += kernel.Ledger.Count(EventKind.SyscallEntry, Layer.Kernel);
        }
        output.WriteLine($"{platformName}: {cases} system calls in {runs} runs");
        // Most runs make all their calls: the fuzzing is not lost to early deaths.
        Assert.True(cases >= runs * CallsPerRun * 9L / 10, $"most calls ran ({cases})");
    }
}
