using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Tests.Linux;

public sealed class FloatingPointSignalCodeTests
{
    [Theory]
    // MXCSR: flags in bits 0..5, masks in 7..12; default 0x1F80 masks everything.
    [InlineData(0x1F80u | 0x3F, 0)]                                   // every flag raised, all masked
    [InlineData((0x1F80u & ~(1u << 9)) | 0x04, SigCodes.FPE_FLTDIV)]  // ZE unmasked and raised
    [InlineData((0x1F80u & ~(1u << 9)) | 0x20, 0)]                    // ZE unmasked, only PE raised
    [InlineData(0x0000u | 0x25, SigCodes.FPE_FLTINV)]                 // IE wins over ZE and PE
    [InlineData(0x0000u | 0x28, SigCodes.FPE_FLTOVF)]                 // OE before PE
    [InlineData(0x0000u | 0x02, SigCodes.FPE_FLTUND)]                 // DE counts as underflow
    [InlineData(0x0000u | 0x30, SigCodes.FPE_FLTUND)]                 // UE before PE
    [InlineData(0x0000u | 0x20, SigCodes.FPE_FLTRES)]
    public void Simd_code_follows_linux_order(uint mxcsr, int expected)
    {
        Assert.Equal(expected, FloatingPointSignalCode.ForSimd(mxcsr));
    }

    [Theory]
    [InlineData((ushort)0x0004, (ushort)0x037F, 0)]                    // ZE raised but masked
    [InlineData((ushort)0x0084, (ushort)0x037B, SigCodes.FPE_FLTDIV)]  // ZE unmasked (ES set)
    [InlineData((ushort)0x00C1, (ushort)0x0370, SigCodes.FPE_FLTINV)]  // stack fault is an invalid operation
    [InlineData((ushort)0x00A8, (ushort)0x0360, SigCodes.FPE_FLTOVF)]
    public void X87_code_uses_the_control_word_masks(ushort status, ushort control, int expected)
    {
        Assert.Equal(expected, FloatingPointSignalCode.ForX87(status, control));
    }
}
