using Iced.Intel;

namespace HvSim.Cpu.Decode;

/// <summary>
/// Instructions that need CPL 0 (or an IOPL the guest's user mode never has) and so raise #GP(0)
/// from user code, which Linux turns into SIGSEGV (SDM Vol. 3 §2.8 and each instruction's
/// protected-mode exceptions). Without this list they were not implemented, hence #UD and SIGILL.
/// rdtsc and rdtscp stay allowed (CR4.TSD is clear under Linux); sgdt/sidt/smsw/str/sldt are left
/// to the table (UMIP makes Linux emulate or refuse them differently per kernel).
/// </summary>
internal static class PrivilegedInstructions
{
    private static readonly HashSet<Mnemonic> s_always =
    [
        Mnemonic.Cli, Mnemonic.Sti, Mnemonic.In, Mnemonic.Out, Mnemonic.Insb, Mnemonic.Insw, Mnemonic.Insd,
        Mnemonic.Outsb, Mnemonic.Outsw, Mnemonic.Outsd, Mnemonic.Lgdt, Mnemonic.Lidt, Mnemonic.Lldt, Mnemonic.Ltr,
        Mnemonic.Invlpg, Mnemonic.Invd, Mnemonic.Wbinvd, Mnemonic.Rdmsr, Mnemonic.Wrmsr, Mnemonic.Clts, Mnemonic.Lmsw,
        Mnemonic.Swapgs, Mnemonic.Sysexit, Mnemonic.Sysret, Mnemonic.Rdpmc, Mnemonic.Invpcid, Mnemonic.Xsetbv,
    ];

    public static bool Are(in Instruction instruction)
    {
        if (s_always.Contains(instruction.Mnemonic))
        {
            return true;
        }
        // mov to or from a control or debug register.
        for (int i = 0; i < instruction.OpCount; i++)
        {
            if (instruction.GetOpKind(i) == OpKind.Register && (instruction.GetOpRegister(i).IsCR() || instruction.GetOpRegister(i).IsDR()))
            {
                return true;
            }
        }
        return false;
    }
}
