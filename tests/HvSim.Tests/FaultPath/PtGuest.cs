namespace HvSim.Tests.FaultPath;

using Iced.Intel;
using HvSim.Tests.GuestOsTests;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// Tiny guests for the fault path, assembled with Iced and wrapped in <see cref="TinyElf"/>.
/// </summary>
internal static class PtGuest
{
    public const int SysMmap = 9, SysMprotect = 10, SysRtSigaction = 13, SysRtSigreturn = 15, SysExitGroup = 231;
    public const int ProtRead = 1, ProtWrite = 2;
    public const int MapPrivateAnonymous = 0x22, MapSharedAnonymous = 0x21, MapNoReserve = 0x4000;
    public const ulong SaSiginfo = 0x4, SaRestorer = 0x0400_0000;
    public const int Sigsegv = 11;

    /// <summary>
    /// The PT cycle of one write, as the paper's Figure 3 draws it: mmap <paramref name="pages"/>
    /// pages RW and touch each; install a SIGSEGV handler (SA_SIGINFO|SA_RESTORER, a restorer
    /// that calls rt_sigreturn) which mprotects the faulting page RW and returns; mprotect all
    /// pages RO; marker; one store to the first page; marker; exit with the stored value (7) as
    /// status, so a lost write shows in the status. <paramref name="touch"/> says how the pages
    /// were first touched, and so what their PTEs hold when the store comes.
    /// </summary>
    public static byte[] OneProtectedWrite(int pages = 1, FirstTouch touch = FirstTouch.Write) => TinyElf.Build(Assemble(a =>
    {
        Label handler = a.CreateLabel("handler");
        Label restorer = a.CreateLabel("restorer");
        ulong length = (ulong)pages * 4096;

        Mmap(a, length, shared: touch == FirstTouch.ReadShared);
        a.mov(r12, rax);
        TouchPages(a, r12, pages, write: touch == FirstTouch.Write); // each page gets a present PTE, which mprotect then rewrites

        InstallSigsegvHandler(a, handler, restorer);
        Mprotect(a, r12, length, ProtRead);

        a.xchg(bx, bx);
        a.mov(__qword_ptr[r12], 7);
        a.xchg(bx, bx);

        a.mov(rdi, __qword_ptr[r12]);
        a.mov(eax, SysExitGroup);
        a.syscall();

        // handler(sig, info, uc): mprotect(page of info->si_addr, 4096, RW); return.
        a.Label(ref handler);
        a.mov(rdi, __qword_ptr[rsi + 16]);
        a.and(rdi, -4096);
        a.mov(esi, 4096);
        a.mov(edx, ProtRead | ProtWrite);
        a.mov(eax, SysMprotect);
        a.syscall();
        a.ret();

        EmitRestorer(a, restorer);
    }));

    /// <summary>
    /// mmap <paramref name="pages"/> pages RW and touch each; then, for each protection in turn, a
    /// marker and mprotect(all pages, protection); a last marker; exit 0. Between markers i and
    /// i+1 lies exactly the i-th mprotect system call.
    /// </summary>
    public static byte[] MprotectSequence(int pages, params int[] protections) => TinyElf.Build(Assemble(a =>
    {
        ulong length = (ulong)pages * 4096;
        Mmap(a, length);
        a.mov(r12, rax);
        TouchPages(a, r12, pages);
        foreach (int protection in protections)
        {
            a.xchg(bx, bx);
            Mprotect(a, r12, length, protection);
        }
        a.xchg(bx, bx);
        a.xor(edi, edi);
        a.mov(eax, SysExitGroup);
        a.syscall();
    }));

    /// <summary>
    /// No stale TLB entry survives mprotect: mmap <paramref name="pages"/> pages plus a counter
    /// page, write every page (the TLB now caches writable, dirty entries), marker, mprotect the
    /// pages RO, write every page again, marker, exit with the counter. The SIGSEGV handler counts
    /// the fault and makes the page RW, so the status is the number of writes that faulted:
    /// <paramref name="pages"/> when mprotect left no writable translation behind.
    /// </summary>
    public static byte[] WritesAfterMprotect(int pages) => TinyElf.Build(Assemble(a =>
    {
        Label handler = a.CreateLabel("handler");
        Label restorer = a.CreateLabel("restorer");
        Label again = a.CreateLabel("again");
        ulong length = (ulong)pages * 4096;

        Mmap(a, length + 4096);
        a.mov(r12, rax);
        a.lea(r14, __[r12 + (int)length]); // the counter, in the last page (never protected)
        TouchPages(a, r12, pages);
        InstallSigsegvHandler(a, handler, restorer);
        a.xchg(bx, bx);
        Mprotect(a, r12, length, ProtRead);
        a.mov(rbx, r12);
        a.mov(r13, (ulong)pages);
        a.Label(ref again);
        a.mov(__qword_ptr[rbx], 2);
        a.add(rbx, 4096);
        a.dec(r13);
        a.jnz(again);
        a.xchg(bx, bx);
        a.mov(rdi, __qword_ptr[r14]);
        a.mov(eax, SysExitGroup);
        a.syscall();

        a.Label(ref handler);
        a.inc(__qword_ptr[r14]);
        a.mov(rdi, __qword_ptr[rsi + 16]);
        a.and(rdi, -4096);
        a.mov(esi, 4096);
        a.mov(edx, ProtRead | ProtWrite);
        a.mov(eax, SysMprotect);
        a.syscall();
        a.ret();

        EmitRestorer(a, restorer);
    }));

    /// <summary>Writes 1 to (or reads) the first qword of each of <paramref name="pages"/> pages from <paramref name="start"/> (clobbers rax, rcx, r13).</summary>
    public static void TouchPages(Assembler a, AssemblerRegister64 start, int pages, bool write = true)
    {
        Label touch = a.CreateLabel();
        a.mov(rcx, start);
        a.mov(r13, (ulong)pages);
        a.Label(ref touch);
        if (write)
        {
            a.mov(__qword_ptr[rcx], 1);
        }
        else
        {
            a.mov(rax, __qword_ptr[rcx]);
        }
        a.add(rcx, 4096);
        a.dec(r13);
        a.jnz(touch);
    }

    /// <summary>mmap(NULL, length, RW, MAP_PRIVATE|MAP_ANONYMOUS (or MAP_SHARED), -1, 0); the address in rax.</summary>
    /// <param name="noReserve">MAP_NORESERVE: a mapping larger than the guest's RAM (pages are allocated when touched).</param>
    public static void Mmap(Assembler a, ulong length, bool shared = false, bool noReserve = false)
    {
        a.mov(eax, SysMmap);
        a.xor(edi, edi);
        a.mov(rsi, length);
        a.mov(edx, ProtRead | ProtWrite);
        a.mov(r10d, (shared ? MapSharedAnonymous : MapPrivateAnonymous) | (noReserve ? MapNoReserve : 0));
        a.mov(r8, -1L);
        a.xor(r9d, r9d);
        a.syscall();
    }

    /// <summary>mprotect(address, length, protection).</summary>
    public static void Mprotect(Assembler a, AssemblerRegister64 address, ulong length, int protection)
    {
        a.mov(rdi, address);
        a.mov(rsi, length);
        a.mov(edx, protection);
        a.mov(eax, SysMprotect);
        a.syscall();
    }

    /// <summary>rt_sigaction(SIGSEGV, {handler, SA_SIGINFO|SA_RESTORER, restorer, 0}, NULL, 8), the struct built on the stack.</summary>
    public static void InstallSigsegvHandler(Assembler a, Label handler, Label restorer) => Sigaction(a, Sigsegv, handler, restorer, SaSiginfo);

    /// <summary>rt_sigaction(signal, {handler, flags|SA_RESTORER, restorer, 0}, NULL, 8), the struct built on the stack (clobbers rax, rdi, rsi, rdx, r10).</summary>
    public static void Sigaction(Assembler a, int signal, Label handler, Label restorer, ulong flags)
    {
        a.sub(rsp, 32);
        a.lea(rax, __[handler]);
        a.mov(__qword_ptr[rsp], rax);
        a.mov(rax, flags | SaRestorer);
        a.mov(__qword_ptr[rsp + 8], rax);
        a.lea(rax, __[restorer]);
        a.mov(__qword_ptr[rsp + 16], rax);
        a.mov(__qword_ptr[rsp + 24], 0);
        a.mov(eax, SysRtSigaction);
        a.mov(edi, signal);
        a.mov(rsi, rsp);
        a.xor(edx, edx);
        a.mov(r10d, 8);
        a.syscall();
        a.add(rsp, 32);
    }

    /// <summary>The SA_RESTORER trampoline: rt_sigreturn.</summary>
    public static void EmitRestorer(Assembler a, Label restorer)
    {
        a.Label(ref restorer);
        a.mov(eax, SysRtSigreturn);
        a.syscall();
    }

    /// <summary>
    /// Maps a checkpoint record in r13 (docs/checkpoint-abi.md) listing one dirty page, the address in
    /// <paramref name="page"/> (a register or its expression), with room for two.
    /// </summary>
    public static void RecordListingOnePage(Assembler a, AssemblerRegister64 page, int offset = 0)
    {
        Mmap(a, 4096);
        a.mov(r13, rax);
        a.mov(__qword_ptr[r13 + HvSim.Hypervisor.Techniques.RecordLayout.NPages], 1);
        a.mov(__qword_ptr[r13 + HvSim.Hypervisor.Techniques.RecordLayout.PageCap], 2);
        a.lea(rax, __[page + offset]);
        a.mov(__qword_ptr[r13 + HvSim.Hypervisor.Techniques.RecordLayout.HeaderBytes], rax);
    }

    /// <summary>COMMIT the record in r13 through the checkpoint escape, then exit with the negated result (0 on success).</summary>
    public static void CommitAndExit(Assembler a)
    {
        a.mov(edi, (int)HvSim.Checkpoint.EscapeFunction.Commit); a.mov(rsi, r13); a.xor(eax, eax);
        a.xchg(cx, cx);
        a.neg(rax);
        a.mov(rdi, rax);
        a.mov(eax, SysExitGroup);
        a.syscall();
    }

    /// <summary>Assembles code for the address <see cref="TinyElf.Entry"/>.</summary>
    public static byte[] Assemble(Action<Assembler> emit)
    {
        var a = new Assembler(64);
        emit(a);
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), TinyElf.Entry);
        return stream.ToArray();
    }
}

/// <summary>How <see cref="PtGuest.OneProtectedWrite"/> first touches its pages.</summary>
internal enum FirstTouch
{
    /// <summary>Written: a private frame, PTE writable and dirty.</summary>
    Write,
    /// <summary>Read in a shared mapping: a frame of the shared object, PTE writable but clean (D clear).</summary>
    ReadShared,
    /// <summary>Read in a private mapping: the shared zero page, read-only; the first write copies it.</summary>
    ReadPrivate,
}
