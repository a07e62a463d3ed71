namespace HvSim.Tests.FaultPath;

using HvSim.Hypervisor;
using HvSim.Tests.GuestOsTests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// One call a test guest makes to the hypervisor's user interface (int 0x84 on Xen, vmcall on
/// hvm): the number and the argument registers as docs/checkpoint-abi.md assigns them. A null
/// <see cref="Rsi"/> is the guest's CDA (r12), a null <see cref="R10"/> its record (r14);
/// <see cref="MarkerAfter"/> puts a marker (xchg bx,bx) after the call.
/// </summary>
internal sealed record UserCall(UserHypercall Number, ulong Rdi = 0, ulong? Rsi = 0, ulong Rdx = 0, ulong? R10 = 0, ulong R8 = 0, ulong R9 = 0, bool MarkerAfter = false);

/// <summary>
/// The guest both interfaces' tests run: it mmaps a CDA page (r12), a results page (r13) and
/// <c>recordPages</c> record pages (r14, each touched so it is present, as the library makes
/// them), makes the calls in order through <c>emitCall</c>, stores each RAX in the results page,
/// writes the results to stdout as 8-byte values (<see cref="PlatformRun.LastWords"/> reads
/// them) and exits 0.
/// </summary>
internal static class UserCallGuest
{
    public static byte[] Build(IReadOnlyList<UserCall> calls, Action<Assembler, UserCall> emitCall, int recordPages = 0) =>
        TinyElf.Build(PtGuest.Assemble(a =>
        {
            PtGuest.Mmap(a, (ulong)(2 + recordPages) * 4096);
            a.mov(r12, rax);
            a.lea(r13, __[r12 + 4096]);
            a.lea(r14, __[r12 + 8192]);
            for (int page = 0; page < recordPages; page++)
            {
                a.mov(__qword_ptr[r14 + (4096 * page)], 0);
            }
            for (int i = 0; i < calls.Count; i++)
            {
                UserCall call = calls[i];
                a.mov(rax, (ulong)call.Number);
                a.mov(rdi, call.Rdi);
                MoveOr(a, rsi, call.Rsi, r12);
                a.mov(rdx, call.Rdx);
                MoveOr(a, r10, call.R10, r14);
                a.mov(r8, call.R8);
                a.mov(r9, call.R9);
                emitCall(a, call);
                a.mov(__qword_ptr[r13 + (8 * i)], rax);
                if (call.MarkerAfter)
                {
                    a.xchg(bx, bx);
                }
            }
            a.mov(eax, 1); // write(1, results, 8 * n)
            a.mov(edi, 1);
            a.mov(rsi, r13);
            a.mov(edx, 8 * calls.Count);
            a.syscall();
            a.xor(edi, edi);
            a.mov(eax, PtGuest.SysExitGroup);
            a.syscall();
        }));

    private static void MoveOr(Assembler a, AssemblerRegister64 target, ulong? value, AssemblerRegister64 otherwise)
    {
        if (value is ulong given)
        {
            a.mov(target, given);
        }
        else
        {
            a.mov(target, otherwise);
        }
    }
}
