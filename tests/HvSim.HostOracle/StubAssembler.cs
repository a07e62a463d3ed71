using System.Runtime.Intrinsics.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.HostOracle.ContextLayout;

namespace HvSim.HostOracle;

/// <summary>
/// Generates the prologue (host -> guest state) and epilogue (guest -> host state) that wrap the
/// code under test. Both address the context block absolutely, because the guest owns every GPR.
/// </summary>
/// <remarks>
/// The stub is entered as a SysV <c>void f(void)</c>. It must leave the runtime exactly as it found
/// it: rbx, rbp, r12-r15 and rsp restored, DF clear, host RFLAGS (AC, ID, NT) restored, MXCSR and
/// x87 state restored (guest SSE code sets sticky MXCSR exception flags; FXRSTOR undoes that).
/// </remarks>
internal static class StubAssembler
{
    private static readonly AssemblerRegister64[] Gprs =
    [
        rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15,
    ];

    private static readonly AssemblerRegisterXMM[] Xmms =
    [
        xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7,
        xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15,
    ];

    private static readonly AssemblerRegisterYMM[] Ymms =
    [
        ymm0, ymm1, ymm2, ymm3, ymm4, ymm5, ymm6, ymm7,
        ymm8, ymm9, ymm10, ymm11, ymm12, ymm13, ymm14, ymm15,
    ];

    private static readonly AssemblerRegister64[] CalleeSaved = [rbx, rbp, r12, r13, r14, r15];

    /// <summary>Builds the prologue; the user code must follow it directly.</summary>
    public static byte[] BuildPrologue(ulong rip, ulong context)
    {
        var a = new Assembler(64);
        if (Avx.IsSupported)
        {
            // The runtime may hand over dirty YMM upper halves; the guest and we use legacy SSE.
            a.vzeroupper();
        }

        foreach (var register in CalleeSaved)
        {
            a.push(register);
        }

        // Entry rsp is 8 mod 16 (return address); six pushes keep it so, one more slot aligns it.
        a.sub(rsp, 8);
        a.mov(rax, context);
        a.mov(__qword_ptr[rax + HostRsp], rsp);
        a.fxsave64(__[rax + Fxsave]);
        a.ldmxcsr(__dword_ptr[rax + GuestMxcsr]);

        // Merge only CF PF AF ZF SF OF DF into the host's RFLAGS; see Rflags for why (TF, AC, ...).
        a.pushfq();
        a.pop(rcx);
        a.mov(__qword_ptr[rax + HostRflags], rcx);
        a.and(rcx, unchecked((int)~Rflags.Settable));
        a.mov(rdx, __qword_ptr[rax + InRflags]);
        a.and(rdx, (int)Rflags.Settable);
        a.or(rcx, rdx);
        a.push(rcx);

        for (var i = 0; i < Xmms.Length; i++)
        {
            a.movups(Xmms[i], __xmmword_ptr[rax + (InXmm + (16 * i))]);
        }

        if (Avx.IsSupported)
        {
            // Bits 255:128 after the low halves: the legacy movups above leaves them alone anyway.
            for (var i = 0; i < Ymms.Length; i++)
            {
                a.vinsertf128(Ymms[i], Ymms[i], __xmmword_ptr[rax + (InYmmHigh + (16 * i))], 1);
            }
        }

        for (var i = 1; i < Gprs.Length; i++)
        {
            if (i != Gpr.RspIndex)
            {
                a.mov(Gprs[i], __qword_ptr[rax + (InGpr + (8 * i))]);
            }
        }

        // Nothing below may touch flags: popfq is the last flag write before the guest runs.
        a.popfq();
        a.mov(rax, __qword_ptr[rax + InGpr]);
        return Assemble(a, rip);
    }

    /// <summary>Builds the epilogue; user code ends with a jmp to it.</summary>
    public static byte[] BuildEpilogue(ulong rip, ulong context)
    {
        var a = new Assembler(64);

        // No register is free yet, so store RAX to an absolute 64-bit address: REX.W A3 moffs64
        // ("mov [moffs64], rax"). Written as raw bytes so the encoding is certain.
        a.db(0x48, 0xA3);
        a.db(BitConverter.GetBytes(context + OutGpr));
        a.mov(rax, context);

        // mov does not modify flags, so the guest's RFLAGS survive until pushfq below.
        for (var i = 1; i < Gprs.Length; i++)
        {
            if (i != Gpr.RspIndex)
            {
                a.mov(__qword_ptr[rax + (OutGpr + (8 * i))], Gprs[i]);
            }
        }

        // The guest may have moved rsp; get back onto the stack frame the prologue built.
        a.mov(rsp, __qword_ptr[rax + HostRsp]);
        a.pushfq();
        a.pop(__qword_ptr[rax + OutRflags]);

        for (var i = 0; i < Xmms.Length; i++)
        {
            a.movups(__xmmword_ptr[rax + (OutXmm + (16 * i))], Xmms[i]);
        }

        if (Avx.IsSupported)
        {
            for (var i = 0; i < Ymms.Length; i++)
            {
                a.vextractf128(__xmmword_ptr[rax + (OutYmmHigh + (16 * i))], Ymms[i], 1);
            }

            // The runtime gets clean upper halves back (no AVX-SSE transition penalty for it).
            a.vzeroupper();
        }

        // Host MXCSR (and x87 state) back; this also discards the guest's sticky SSE exception flags.
        a.fxrstor64(__[rax + Fxsave]);

        // Host RFLAGS back wholesale: clears anything the guest may have set (DF, AC, ID, NT).
        a.push(__qword_ptr[rax + HostRflags]);
        a.popfq();

        // The SysV ABI requires DF = 0 on return; the host value already is, this makes it explicit.
        a.cld();
        a.add(rsp, 8);
        for (var i = CalleeSaved.Length - 1; i >= 0; i--)
        {
            a.pop(CalleeSaved[i]);
        }

        a.ret();
        return Assemble(a, rip);
    }

    private static byte[] Assemble(Assembler assembler, ulong rip)
    {
        var writer = new ByteCodeWriter();
        assembler.Assemble(writer, rip);
        return writer.ToArray();
    }
}
