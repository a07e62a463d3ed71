namespace HvSim.Tests.Hypervisor;

using HvSim.Hypervisor;
using HvSim.Tests.FaultPath;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// Tiny guests for the hypervisor's techniques, assembled with Iced. The prologue maps a CDA of
/// <c>cdaPages</c> pages (r12), writes the pages asked for (the others stay unpopulated: no PTE
/// until the kernel maps them on a fault), maps a record buffer (r13) with every page touched and
/// page_cap/word_cap set as the guest library does, and a results page (r15). The steps follow;
/// each int 0x84 stores its RAX in the next results slot. The epilogue writes the results to
/// stdout (8 bytes each) and exits 0. Steps never clobber r12, r13 or r15.
/// </summary>
internal sealed class TechniqueGuest
{
    private readonly List<Action<Assembler>> _steps = [];
    private readonly int _cdaPages;
    private readonly int[] _populated;
    private readonly ulong _wordCap;

    public TechniqueGuest(int cdaPages, int[]? populated = null, ulong wordCap = 64)
    {
        _cdaPages = cdaPages;
        _populated = populated ?? Enumerable.Range(0, cdaPages).ToArray();
        _wordCap = wordCap;
    }

    /// <summary>int 0x84 calls made so far (the results slots used).</summary>
    public int Calls { get; private set; }

    public ulong CdaBytes => (ulong)_cdaPages * 4096;

    /// <summary>The record buffer's length: header, one entry per CDA page, word_cap words, rounded up to pages.</summary>
    public ulong RecordBytes => ((64 + (8 * (ulong)_cdaPages) + (32 * _wordCap)) + 4095) & ~4095UL;

    /// <summary>int 0x84 Register with the guest's own CDA and record (any argument may be overridden; null means the guest's own).</summary>
    public TechniqueGuest Register(ulong token, ulong mode, ulong? recordLength = null, ulong? record = null, ulong? cdaLength = null, long recordOffsetFromCda = 0)
    {
        return Hypercall(UserHypercall.Register, a =>
        {
            a.mov(rdi, token);
            a.mov(rsi, r12);
            a.mov(rdx, cdaLength ?? CdaBytes);
            if (record is ulong fixedRecord)
            {
                a.mov(r10, fixedRecord);
            }
            else if (recordOffsetFromCda != 0)
            {
                a.lea(r10, __[r12 + (int)recordOffsetFromCda]);
            }
            else
            {
                a.mov(r10, r13);
            }
            a.mov(r8, recordLength ?? RecordBytes);
            a.mov(r9, mode);
        });
    }

    public TechniqueGuest Begin() => Hypercall(UserHypercall.CycleBegin, _ => { });

    public TechniqueGuest End() => Hypercall(UserHypercall.CycleEnd, _ => { });

    /// <summary>The simulator's marker (xchg bx, bx): the test's callback runs here.</summary>
    public TechniqueGuest Marker() => Code(a => a.xchg(bx, bx));

    /// <summary>mov qword ptr [cda + page*4096 + offset], value.</summary>
    public TechniqueGuest Store(int page, int offset, int value) => Code(a => a.mov(__qword_ptr[r12 + ((page * 4096) + offset)], value));

    /// <summary>mov rax, qword ptr [cda + page*4096 + offset] (a read).</summary>
    public TechniqueGuest Load(int page, int offset = 0) => Code(a => a.mov(rax, __qword_ptr[r12 + ((page * 4096) + offset)]));

    /// <summary>mprotect(cda + page*4096, pages*4096, protection).</summary>
    public TechniqueGuest Mprotect(int page, int pages, int protection) => Code(a =>
    {
        a.lea(rdi, __[r12 + (page * 4096)]);
        a.mov(esi, pages * 4096);
        a.mov(edx, protection);
        a.mov(eax, PtGuest.SysMprotect);
        a.syscall();
    });

    /// <summary>Any instructions (they must keep r12, r13 and r15).</summary>
    public TechniqueGuest Code(Action<Assembler> emit)
    {
        _steps.Add(emit);
        return this;
    }

    public byte[] Build() => TinyElf.Build(PtGuest.Assemble(a =>
    {
        PtGuest.Mmap(a, CdaBytes);
        a.mov(r12, rax);
        foreach (int page in _populated)
        {
            a.mov(__qword_ptr[r12 + (page * 4096)], 1);
        }
        PtGuest.Mmap(a, RecordBytes);
        a.mov(r13, rax);
        for (int page = 0; page < (int)(RecordBytes / 4096); page++)
        {
            a.mov(__qword_ptr[r13 + (page * 4096)], 0);
        }
        a.mov(rax, (ulong)_cdaPages);
        a.mov(__qword_ptr[r13 + 16], rax);
        a.mov(rax, _wordCap);
        a.mov(__qword_ptr[r13 + 24], rax);
        PtGuest.Mmap(a, 4096);
        a.mov(r15, rax);
        foreach (Action<Assembler> step in _steps)
        {
            step(a);
        }
        a.mov(eax, 1); // write(1, results, 8 * calls)
        a.mov(edi, 1);
        a.mov(rsi, r15);
        a.mov(edx, 8 * Calls);
        a.syscall();
        a.xor(edi, edi);
        a.mov(eax, PtGuest.SysExitGroup);
        a.syscall();
    }));

    private TechniqueGuest Hypercall(UserHypercall number, Action<Assembler> arguments)
    {
        int slot = Calls++;
        return Code(a =>
        {
            arguments(a);
            a.mov(rax, (ulong)number);
            a.@int((byte)XenHypervisor.UserVector);
            a.mov(__qword_ptr[r15 + (8 * slot)], rax);
        });
    }
}
