using HvSim.Cpu.X87;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;
using RoundingControl = HvSim.Cpu.X87.RoundingControl;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// The software x87 arithmetic against the host's x87: bit-identical results and identical exception flags,
/// C1 and stack-fault bit for generated operands of every class under every rounding and precision control.
/// </summary>
public sealed class Float80OracleProperties
{
    private const int Tests = 20000;

    /// <summary>IE DE ZE OE UE PE, SF and C1.</summary>
    private const ushort ArithmeticStatus = 0x027F;

    /// <summary>As <see cref="ArithmeticStatus"/> plus C3, C2 and C0.</summary>
    private const ushort CompareStatus = 0x477F;

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void Add(X87Case c) => Same(c, a => a.fadd(st0, st1), Float80Arithmetic.Add(c.A, c.B, c.Control));

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void Subtract(X87Case c) => Same(c, a => a.fsub(st0, st1), Float80Arithmetic.Subtract(c.A, c.B, c.Control));

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void Multiply(X87Case c) => Same(c, a => a.fmul(st0, st1), Float80Arithmetic.Multiply(c.A, c.B, c.Control));

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void Divide(X87Case c) => Same(c, a => a.fdiv(st0, st1), Float80Arithmetic.Divide(c.A, c.B, c.Control));

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void SquareRoot(X87Case c) => Same(c, a => a.fsqrt(), Float80Arithmetic.SquareRoot(c.A, c.Control));

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void RoundToIntegral(X87Case c) => Same(c, a => a.frndint(), Float80Integer.RoundToIntegral(c.A, c.Control));

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void CompareOrderedAndUnordered(X87Case c)
    {
        foreach (var unordered in new[] { false, true })
        {
            var (_, status) = HostX87.Run(a => { if (unordered) { a.fucom(st0, st1); } else { a.fcom(st0, st1); } }, c.A, c.B, c.Control);
            var model = Float80Compare.Compare(c.A, c.B, unordered);
            Assert.True(
                (status & CompareStatus) == (model.ConditionCodes | (ushort)model.Exceptions),
                $"{(unordered ? "fucom" : "fcom")} {c}: host status 0x{status & CompareStatus:X4}, model {model}");
        }
    }

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void StoreInteger(X87Case c)
    {
        foreach (var bits in new[] { 16, 32, 64 })
        {
            var (stored, status) = HostX87.Store(
                a =>
                {
                    switch (bits)
                    {
                        case 16: a.fist(__word_ptr[rdi + HostX87.ResultAt]); break;
                        case 32: a.fist(__dword_ptr[rdi + HostX87.ResultAt]); break;
                        default: a.fistp(__qword_ptr[rdi + HostX87.ResultAt]); break;
                    }
                },
                c.A,
                c.Control);
            var (value, exceptions, up) = Float80Integer.ToInteger(c.A, bits, c.Control);
            var mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            Assert.True(
                (stored & mask) == ((ulong)value & mask) && (status & ArithmeticStatus) == Status(exceptions, up),
                $"fist{bits} {c}: host 0x{stored & mask:X} status 0x{status & ArithmeticStatus:X4}, model 0x{(ulong)value & mask:X} {exceptions} up={up}");
        }
    }

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void StoreDoubleAndSingle(X87Case c)
    {
        var (d, dStatus) = HostX87.Store(a => a.fst(__qword_ptr[rdi + HostX87.ResultAt]), c.A, c.Control);
        var (dBits, dExceptions, dUp) = Float80Binary.ToDouble(c.A, c.Control);
        Assert.True(
            d == dBits && (dStatus & ArithmeticStatus) == Status(dExceptions, dUp),
            $"fst m64 {c}: host 0x{d:X16} status 0x{dStatus & ArithmeticStatus:X4}, model 0x{dBits:X16} {dExceptions} up={dUp}");

        var (s, sStatus) = HostX87.Store(a => a.fst(__dword_ptr[rdi + HostX87.ResultAt]), c.A, c.Control);
        var (sBits, sExceptions, sUp) = Float80Binary.ToSingle(c.A, c.Control);
        Assert.True(
            (uint)s == sBits && (sStatus & ArithmeticStatus) == Status(sExceptions, sUp),
            $"fst m32 {c}: host 0x{(uint)s:X8} status 0x{sStatus & ArithmeticStatus:X4}, model 0x{sBits:X8} {sExceptions} up={sUp}");
    }

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Float80Generators)])]
    public void LoadDoubleSingleAndInteger(X87Case c)
    {
        // Reuse the generated operand's bits as memory images of each format.
        var bits = c.A.Significand;
        Check("fld m64", a => a.fld(__qword_ptr[rdi + HostX87.AAt]), bits, Float80Binary.FromDouble(bits));
        Check("fld m32", a => a.fld(__dword_ptr[rdi + HostX87.AAt]), bits, Float80Binary.FromSingle((uint)bits));
        Check("fild m64", a => a.fild(__qword_ptr[rdi + HostX87.AAt]), bits, new X87Result(Float80Integer.FromInt64((long)bits), X87Exceptions.None));
        Check("fild m32", a => a.fild(__dword_ptr[rdi + HostX87.AAt]), bits, new X87Result(Float80Integer.FromInt64((int)bits), X87Exceptions.None));
        Check("fild m16", a => a.fild(__word_ptr[rdi + HostX87.AAt]), bits, new X87Result(Float80Integer.FromInt64((short)bits), X87Exceptions.None));

        void Check(string what, Action<Assembler> load, ulong image, X87Result model)
        {
            var (value, status) = HostX87.Load(load, image, c.Control);
            Assert.True(
                value == model.Value && (status & ArithmeticStatus) == Status(model.Exceptions, model.RoundedUp),
                $"{what} 0x{image:X16}: host {value} status 0x{status & ArithmeticStatus:X4}, model {model}");
        }
    }

    /// <summary>
    /// OE and UE unmasked: the register result is the exponent-wrapped value (SDM Vol. 1, 8.5.4.2, 8.5.5.2). Also
    /// checks IE, DE, ZE and PE unmasked, whose results the interpreter must discard.
    /// </summary>
    [HostOracleProperty(MaxTest = Tests / 4, Arbitrary = [typeof(Float80Generators)])]
    public void UnmaskedExceptions(X87Case c)
    {
        var control = new X87Control((ushort)(c.Control.Word & ~(ushort)(X87Exceptions.Overflow | X87Exceptions.Underflow)));
        Check("fmul", a => a.fmul(st0, st1), Float80Arithmetic.Multiply(c.A, c.B, control));
        Check("fdiv", a => a.fdiv(st0, st1), Float80Arithmetic.Divide(c.A, c.B, control));
        Check("fadd", a => a.fadd(st0, st1), Float80Arithmetic.Add(c.A, c.B, control));

        void Check(string what, Action<Assembler> operation, X87Result model)
        {
            var (value, status) = HostX87.RunUnmasked(operation, c.A, c.B, control);
            Assert.True(
                value == model.Value && (status & 0x023F) == Status(model.Exceptions, model.RoundedUp),
                $"{what} a={c.A} b={c.B} cw=0x{control.Word:X4}: host {value} status 0x{status:X4}, model {model.Value} {model.Exceptions} up={model.RoundedUp}");
        }
    }

    /// <summary>Pins the wrapped-exponent responses on operands certain to overflow or underflow, in every rounding mode.</summary>
    [HostOracleFact]
    public void UnmaskedOverflowAndUnderflowWrapLikeTheHost()
    {
        var operands = new[]
        {
            (new Float80(0x0001, Float80.IntegerBit), new Float80(0x0001, Float80.IntegerBit)),
            (new Float80(0x0001, 0xC000_0000_0000_0001), new Float80(0x3FFE, 0xFFFF_FFFF_FFFF_FFFF)),
            (new Float80(0x0000, 0x0000_0000_0000_0003), new Float80(0x3FFE, 0x8000_0000_0000_0000)),
            (new Float80(0x7FFE, ulong.MaxValue), new Float80(0x4000, 0x8000_0000_0000_0001)),
            (new Float80(0xFFFE, 0x8000_0000_0000_0000), new Float80(0x4000, 0x8000_0000_0000_0000)),
        };
        foreach (var rounding in Enum.GetValues<RoundingControl>())
        {
            foreach (var (a, b) in operands)
            {
                UnmaskedExceptions(new X87Case(a, b, X87Control.Create(rounding, PrecisionControl.Single)));
                UnmaskedExceptions(new X87Case(a, b, X87Control.Create(rounding, PrecisionControl.Extended)));
            }
        }
    }

    /// <summary>NaN pairs the table does not decide (equal significands, opposite signs) and SNaN/QNaN mixes.</summary>
    [HostOracleFact]
    public void NaNSelectionMatchesTheHost()
    {
        var quiet = new Float80(0x7FFF, 0xC000_0000_0000_1234);
        var signaling = new Float80(0x7FFF, 0x8000_0000_0000_1234);
        foreach (var (a, b) in new[]
        {
            (quiet, quiet.Negate()), (quiet.Negate(), quiet), (signaling, signaling.Negate()), (signaling.Negate(), signaling),
            (signaling, quiet.Negate()), (quiet.Negate(), signaling), (new Float80(0xFFFF, 0xFFFF_FFFF_FFFF_FFFF), signaling),
        })
        {
            var c = new X87Case(a, b, X87Control.Default);
            Same(c, asm => asm.fadd(st0, st1), Float80Arithmetic.Add(a, b, c.Control));
            Same(c, asm => asm.fmul(st0, st1), Float80Arithmetic.Multiply(a, b, c.Control));
        }
    }

    private static void Same(X87Case c, Action<Assembler> operation, X87Result model)
    {
        var (value, status) = HostX87.Run(operation, c.A, c.B, c.Control);
        Assert.True(
            value == model.Value && (status & ArithmeticStatus) == Status(model.Exceptions, model.RoundedUp),
            $"{c}: host {value} status 0x{status & ArithmeticStatus:X4}, model {model.Value} {model.Exceptions} up={model.RoundedUp}");
    }

    private static ushort Status(X87Exceptions exceptions, bool roundedUp) => (ushort)((ushort)exceptions | (roundedUp ? 0x200 : 0));
}
