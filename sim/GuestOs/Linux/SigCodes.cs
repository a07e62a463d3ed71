namespace HvSim.GuestOs.Linux;

/// <summary>
/// siginfo si_code values (asm-generic/siginfo.h). The same number means different things for
/// different signals (1 is SEGV_MAPERR, ILL_ILLOPC and FPE_INTDIV), so these are constants
/// rather than an enum; <see cref="Name"/> interprets a code in the context of its signal.
/// </summary>
public static class SigCodes
{
    // Sent by a process, not by a fault (si_code <= 0 means "from user").
    public const int SI_USER = 0;
    public const int SI_KERNEL = 0x80;
    public const int SI_QUEUE = -1;
    public const int SI_TKILL = -6;

    public const int SEGV_MAPERR = 1;   // address not mapped to object
    public const int SEGV_ACCERR = 2;   // invalid permissions for mapped object
    public const int SEGV_PKUERR = 4;   // protection key check failed

    public const int BUS_ADRALN = 1;    // invalid address alignment
    public const int BUS_ADRERR = 2;    // non-existent physical address
    public const int BUS_OBJERR = 3;    // object-specific hardware error

    public const int ILL_ILLOPC = 1;    // illegal opcode
    public const int ILL_ILLOPN = 2;    // illegal operand
    public const int ILL_ILLADR = 3;    // illegal addressing mode
    public const int ILL_ILLTRP = 4;    // illegal trap
    public const int ILL_PRVOPC = 5;    // privileged opcode
    public const int ILL_PRVREG = 6;    // privileged register
    public const int ILL_COPROC = 7;    // coprocessor error
    public const int ILL_BADSTK = 8;    // internal stack error

    public const int FPE_INTDIV = 1;    // integer divide by zero
    public const int FPE_INTOVF = 2;    // integer overflow
    public const int FPE_FLTDIV = 3;
    public const int FPE_FLTOVF = 4;
    public const int FPE_FLTUND = 5;
    public const int FPE_FLTRES = 6;
    public const int FPE_FLTINV = 7;
    public const int FPE_FLTSUB = 8;

    public const int TRAP_BRKPT = 1;    // process breakpoint
    public const int TRAP_TRACE = 2;    // process trace trap

    /// <summary>The macro name of <paramref name="code"/> for <paramref name="signal"/>, or the number.</summary>
    public static string Name(Signal signal, int code)
    {
        string? name = code switch
        {
            SI_USER => "SI_USER",
            SI_KERNEL => "SI_KERNEL",
            SI_QUEUE => "SI_QUEUE",
            SI_TKILL => "SI_TKILL",
            _ => null,
        };
        name ??= signal switch
        {
            Signal.SIGSEGV => code switch
            {
                SEGV_MAPERR => "SEGV_MAPERR",
                SEGV_ACCERR => "SEGV_ACCERR",
                SEGV_PKUERR => "SEGV_PKUERR",
                _ => null,
            },
            Signal.SIGBUS => code switch
            {
                BUS_ADRALN => "BUS_ADRALN",
                BUS_ADRERR => "BUS_ADRERR",
                BUS_OBJERR => "BUS_OBJERR",
                _ => null,
            },
            Signal.SIGILL => code switch
            {
                ILL_ILLOPC => "ILL_ILLOPC",
                ILL_ILLOPN => "ILL_ILLOPN",
                ILL_ILLADR => "ILL_ILLADR",
                ILL_ILLTRP => "ILL_ILLTRP",
                ILL_PRVOPC => "ILL_PRVOPC",
                ILL_PRVREG => "ILL_PRVREG",
                ILL_COPROC => "ILL_COPROC",
                ILL_BADSTK => "ILL_BADSTK",
                _ => null,
            },
            Signal.SIGFPE => code switch
            {
                FPE_INTDIV => "FPE_INTDIV",
                FPE_INTOVF => "FPE_INTOVF",
                FPE_FLTDIV => "FPE_FLTDIV",
                FPE_FLTOVF => "FPE_FLTOVF",
                FPE_FLTUND => "FPE_FLTUND",
                FPE_FLTRES => "FPE_FLTRES",
                FPE_FLTINV => "FPE_FLTINV",
                FPE_FLTSUB => "FPE_FLTSUB",
                _ => null,
            },
            Signal.SIGTRAP => code switch
            {
                TRAP_BRKPT => "TRAP_BRKPT",
                TRAP_TRACE => "TRAP_TRACE",
                _ => null,
            },
            _ => null,
        };
        return name ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
