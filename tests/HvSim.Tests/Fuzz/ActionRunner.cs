using System.Buffers.Binary;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Fuzz;

/// <summary>What one action of an <see cref="ActionRunner"/> program does.</summary>
internal enum ActionKind : ulong
{
    /// <summary>int 0x84 with RAX, RDI, RSI, RDX, R10, R8, R9 = the arguments.</summary>
    Hypercall,
    /// <summary>The checkpoint escape (xchg cx, cx) with the same registers.</summary>
    Escape,
    /// <summary>A system call with the same registers (read into the CDA, mprotect, munmap, mmap).</summary>
    Syscall,
    /// <summary>A store of RSI at RDI; RDX picks the instruction (see <see cref="ActionRunner.StoreForms"/>), R10 is rep stosb's count.</summary>
    Store,
    /// <summary>A load from RDI.</summary>
    Load,
    /// <summary>A qword store of RSI at RDI whose fault the handler hands to the EMULATE escape (record RDX, alias distance R10) with the real ucontext.</summary>
    EmulatedStore,
}

/// <summary>One action: its kind and the seven values loaded into RAX, RDI, RSI, RDX, R10, R8, R9.</summary>
internal readonly record struct FuzzAction(ActionKind Kind, ulong Rax, ulong Rdi, ulong Rsi, ulong Rdx, ulong R10, ulong R8, ulong R9)
{
    public const int Bytes = 64;

    public void WriteTo(Span<byte> destination)
    {
        ulong[] values = [(ulong)Kind, Rax, Rdi, Rsi, Rdx, R10, R8, R9];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], values[i]);
        }
    }

    public override string ToString() =>
        $"{Kind}(rax 0x{Rax:x}, rdi 0x{Rdi:x}, rsi 0x{Rsi:x}, rdx 0x{Rdx:x}, r10 0x{R10:x}, r8 0x{R8:x}, r9 0x{R9:x})";
}

/// <summary>
/// The program the int 0x84 and escape fuzzers run: a CDA, a record buffer and a read-only page
/// at fixed addresses, then a table of actions, each between two markers (xchg bx, bx) so that
/// the test sees the guest's memory and registers just before and just after it (see
/// <see cref="ActionAudit"/>). A fault in an action goes to the recovering handler, which goes on
/// to the after-marker with RAX = <see cref="Faulted"/>.
/// </summary>
internal static class ActionRunner
{
    public const ulong Cda = 0x2000_0000;
    public const int CdaPages = 8;
    public const ulong CdaBytes = CdaPages * 4096;

    /// <summary>Where the escape fuzzer's Emul alias of the CDA lives (mremap of the shared CDA).</summary>
    public const ulong Alias = 0x2800_0000;

    public const ulong Record = 0x3000_0000;
    public const int RecordPages = 4;
    public const ulong RecordBytes = RecordPages * 4096;

    /// <summary>The record's word capacity: what fits after the header and one page entry per CDA page.</summary>
    public const ulong WordCap = (RecordBytes - 64 - (8 * CdaPages)) / 32;

    /// <summary>A page the guest maps read-only.</summary>
    public const ulong ReadOnly = 0x3100_0000;

    /// <summary>RAX at the after-marker when the action faulted and the handler recovered.</summary>
    public const ulong Faulted = 0xFA17_0000_0000_0000;

    public const ulong EmulRecord = RecoveringGuest.State + 64, EmulDelta = RecoveringGuest.State + 72;
    private const int PhaseEmulate = 2;

    /// <summary>The store instructions, by RDX: mov of 1, 2, 4 and 8 bytes, movdqu, rep stosb, lock xadd, xchg, add.</summary>
    public const int StoreForms = 9;

    private const int SysMremap = 25;

    /// <summary>The runner's addresses the test needs.</summary>
    public sealed record Program(AssembledRunner Code, ulong AfterMarked);

    /// <param name="sharedCda">Map the CDA shared and make its alias (what Emul needs).</param>
    public static Program Assemble(bool sharedCda)
    {
        var a = new Assembler(64);
        Label handler = a.CreateLabel(), restorer = a.CreateLabel(), next = a.CreateLabel(), after = a.CreateLabel(),
            recover = a.CreateLabel(), done = a.CreateLabel(), data = a.CreateLabel();
        RecoveringGuest.EmitSetup(a, handler, restorer);
        MapCda(a, sharedCda);
        RecoveringGuest.MapFixed(a, Record, RecordBytes);
        for (ulong page = 0; page < RecordPages; page++)
        {
            a.mov(rax, Record + (page * 4096));
            a.mov(__qword_ptr[rax], 0);
        }
        a.mov(rax, Record);
        a.mov(__qword_ptr[rax + 16], CdaPages);
        a.mov(__qword_ptr[rax + 24], (int)WordCap);
        RecoveringGuest.MapFixed(a, ReadOnly, 4096, protection: 1);
        a.mov(rax, ReadOnly);
        a.mov(rax, __qword_ptr[rax]);
        a.lea(rax, __[data]);
        a.mov(__qword_ptr[RecoveringGuest.CasePointer], rax);

        a.Label(ref next);
        a.cld();
        a.mov(rsp, RecoveringGuest.SafeStackTop - 64);
        a.mov(__qword_ptr[RecoveringGuest.Phase], 0);
        a.mov(rbx, __qword_ptr[RecoveringGuest.CasePointer]);
        a.cmp(__qword_ptr[rbx], -1);
        a.je(done);
        a.lea(rax, __[rbx + FuzzAction.Bytes]);
        a.mov(__qword_ptr[RecoveringGuest.CasePointer], rax);
        a.mov(__qword_ptr[RecoveringGuest.CurrentCase], rbx);
        a.inc(__qword_ptr[RecoveringGuest.CaseIndex]);
        a.mov(rax, __qword_ptr[rbx + 8]);
        a.mov(rdi, __qword_ptr[rbx + 16]);
        a.mov(rsi, __qword_ptr[rbx + 24]);
        a.mov(rdx, __qword_ptr[rbx + 32]);
        a.mov(r10, __qword_ptr[rbx + 40]);
        a.mov(r8, __qword_ptr[rbx + 48]);
        a.mov(r9, __qword_ptr[rbx + 56]);
        Label[] kinds = Enum.GetValues<ActionKind>().Select(_ => a.CreateLabel()).ToArray();
        for (int k = 0; k < kinds.Length; k++)
        {
            a.cmp(__qword_ptr[rbx], k);
            a.je(kinds[k]);
        }
        a.jmp(after);

        Emit(a, ref kinds[(int)ActionKind.Hypercall], after, t => t.@int((byte)HvSim.Hypervisor.XenHypervisor.UserVector));
        Emit(a, ref kinds[(int)ActionKind.Escape], after, t => t.xchg(cx, cx));
        Emit(a, ref kinds[(int)ActionKind.Syscall], after, t => t.syscall());
        Emit(a, ref kinds[(int)ActionKind.Load], after, t => t.mov(rax, __qword_ptr[rdi]));

        a.Label(ref kinds[(int)ActionKind.Store]);
        a.mov(rax, rsi);
        a.movq(xmm0, rsi);
        a.mov(rcx, r10);
        a.xchg(bx, bx);
        Label[] forms = Enumerable.Range(0, StoreForms).Select(_ => a.CreateLabel()).ToArray();
        for (int f = 0; f < StoreForms; f++)
        {
            a.cmp(rdx, f);
            a.je(forms[f]);
        }
        a.jmp(after);
        Action<Assembler>[] stores =
        [
            t => t.mov(__byte_ptr[rdi], al), t => t.mov(__word_ptr[rdi], ax), t => t.mov(__dword_ptr[rdi], eax),
            t => t.mov(__qword_ptr[rdi], rax), t => t.movdqu(__xmmword_ptr[rdi], xmm0), t => t.rep.stosb(),
            t => t.@lock.xadd(__qword_ptr[rdi], rax), t => t.xchg(__qword_ptr[rdi], rax), t => t.add(__qword_ptr[rdi], rax),
        ];
        for (int f = 0; f < StoreForms; f++)
        {
            a.Label(ref forms[f]);
            stores[f](a);
            a.jmp(after);
        }

        a.Label(ref kinds[(int)ActionKind.EmulatedStore]);
        a.mov(__qword_ptr[EmulRecord], rdx);
        a.mov(__qword_ptr[EmulDelta], r10);
        a.mov(__qword_ptr[RecoveringGuest.Phase], PhaseEmulate);
        a.mov(rax, rsi);
        a.xchg(bx, bx);
        a.mov(__qword_ptr[rdi], rax);
        a.jmp(after);

        a.Label(ref after);
        a.xchg(bx, bx);
        a.jmp(next);

        // A fault: the first one of an emulated store goes to EMULATE with the real ucontext and,
        // when it is emulated, returns through the updated frame; anything else is skipped.
        a.Label(ref handler);
        a.cmp(__qword_ptr[RecoveringGuest.Phase], PhaseEmulate);
        a.jne(recover);
        a.mov(__qword_ptr[RecoveringGuest.Phase], 0);
        a.mov(rsi, rdx);
        a.mov(edi, (int)HvSim.Checkpoint.EscapeFunction.Emulate);
        a.mov(rdx, __qword_ptr[EmulRecord]);
        a.mov(r10, __qword_ptr[EmulDelta]);
        a.xor(eax, eax);
        a.xchg(cx, cx);
        a.test(rax, rax);
        a.jnz(recover);
        a.ret();
        a.Label(ref recover);
        a.inc(__qword_ptr[RecoveringGuest.Recoveries]);
        a.mov(rsp, RecoveringGuest.SafeStackTop - 64);
        a.mov(rax, Faulted);
        a.jmp(after);

        HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);

        AssembledRunner code = RecoveringGuest.Finish(a, done, data);
        return new Program(code, code.Address(after) + 3);
    }

    /// <summary>The table of a run: the actions, then a kind of -1 that ends it.</summary>
    public static byte[] Table(IReadOnlyList<FuzzAction> actions)
    {
        var table = new byte[(actions.Count + 1) * FuzzAction.Bytes];
        for (int i = 0; i < actions.Count; i++)
        {
            actions[i].WriteTo(table.AsSpan(i * FuzzAction.Bytes));
        }
        BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(actions.Count * FuzzAction.Bytes), ulong.MaxValue);
        return table;
    }

    /// <summary>The before-marker, the action's instruction, then on to the after-marker.</summary>
    private static void Emit(Assembler a, ref Label kind, Label after, Action<Assembler> instruction)
    {
        a.Label(ref kind);
        a.xchg(bx, bx);
        instruction(a);
        a.jmp(after);
    }

    /// <summary>The CDA at its fixed address, half its pages written (the rest untouched); shared with its alias at <see cref="Alias"/> when asked.</summary>
    private static void MapCda(Assembler a, bool shared)
    {
        if (shared)
        {
            a.mov(eax, 9);
            a.mov(rdi, Cda);
            a.mov(rsi, CdaBytes);
            a.mov(edx, 3);
            a.mov(r10d, 0x01 | 0x20 | 0x10); // MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED
            a.mov(r8, -1L);
            a.xor(r9d, r9d);
            a.syscall();
            a.mov(eax, SysMremap); // mremap(cda, 0, length, MREMAP_MAYMOVE | MREMAP_FIXED, alias): a second view of the same pages
            a.mov(rdi, Cda);
            a.xor(esi, esi);
            a.mov(rdx, CdaBytes);
            a.mov(r10d, 3);
            a.mov(r8, Alias);
            a.syscall();
        }
        else
        {
            RecoveringGuest.MapFixed(a, Cda, CdaBytes);
        }
        for (ulong page = 0; page < CdaPages / 2; page++)
        {
            a.mov(rax, Cda + (page * 4096));
            a.mov(__qword_ptr[rax], 1);
        }
    }
}
