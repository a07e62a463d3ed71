namespace HvSim.GuestOs.Linux;

/// <summary>
/// The si_code of the SIGFPE Linux sends for an x87 (#MF) or SIMD (#XM) floating-point exception,
/// chosen as fpu__exception_code (arch/x86/kernel/fpu/core.c) chooses it: from the exception flags
/// that are raised and unmasked, in the order invalid, divide-by-zero, overflow, underflow or
/// denormal, precision. 0 when no unmasked flag is raised (Linux then sends no signal).
/// </summary>
public static class FloatingPointSignalCode
{
    // The six exception flags share their bit positions in FSW, FCW (as masks) and MXCSR (flags
    // in bits 0..5, masks in bits 7..12): IE 0x01, DE 0x02, ZE 0x04, OE 0x08, UE 0x10, PE 0x20.
    private const int Invalid = 0x01, Denormal = 0x02, ZeroDivide = 0x04, Overflow = 0x08, Underflow = 0x10, Precision = 0x20;

    /// <summary>For #MF: the status word's flags that the control word leaves unmasked.</summary>
    public static int ForX87(ushort statusWord, ushort controlWord) => FromUnmasked(statusWord & ~(controlWord & 0x3F) & 0x3F);

    /// <summary>For #XM: MXCSR's flags whose mask bits (7..12) are clear.</summary>
    public static int ForSimd(uint mxcsr) => FromUnmasked((int)(mxcsr & ~(mxcsr >> 7)) & 0x3F);

    private static int FromUnmasked(int unmasked)
    {
        if ((unmasked & Invalid) != 0)
        {
            return SigCodes.FPE_FLTINV;
        }
        if ((unmasked & ZeroDivide) != 0)
        {
            return SigCodes.FPE_FLTDIV;
        }
        if ((unmasked & Overflow) != 0)
        {
            return SigCodes.FPE_FLTOVF;
        }
        if ((unmasked & (Underflow | Denormal)) != 0)
        {
            return SigCodes.FPE_FLTUND;
        }
        return (unmasked & Precision) != 0 ? SigCodes.FPE_FLTRES : 0;
    }
}
